//! The Lua 5.4 lexer (manual §3.1), a logos automaton over bytes.
//!
//! Invariants:
//! - Lua source is bytes: every byte outside a token, comment or string that is not
//!   whitespace becomes a token (`Tok::Other`), so the lexer itself fails only on malformed
//!   numerals, strings, long brackets and escapes, with PUC-Lua's messages.
//! - Lines are counted as `llex.c` counts them: `\n`, `\r`, `\r\n` and `\n\r` are one line
//!   break each. `Extras::line` is the line the lexer stands on; after a token it is the
//!   line of the token's last byte, which is what PUC-Lua reports in messages.
//! - No allocation per token except for string literals with escapes or `\r` line breaks (the
//!   others borrow the source) and for errors.
//! - Line breaks and comments are trivia tokens: read tokens with `next_token`, which skips
//!   them in a loop (logos would recurse once per token a callback skips).

use std::borrow::Cow;

use logos::{Lexer, Logos, Skip};

use crate::number::{is_lua_space, str_to_number, Number};

/// Where the lexer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extras {
    /// Current line (1-based).
    pub line: u32,
    /// Line on which the last string literal started (it may span lines).
    pub string_start_line: u32,
}

impl Default for Extras {
    fn default() -> Extras {
        Extras {
            line: 1,
            string_start_line: 1,
        }
    }
}

/// What a message says the error is "near".
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Near {
    /// No `near` part.
    #[default]
    Nothing,
    /// `near <eof>`.
    Eof,
    /// `near 'text'`: the token text as PUC-Lua's buffer holds it (quotes added when printed).
    Text(Vec<u8>),
}

/// A lexical error: message without position, the line, and what it is near.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LexError {
    pub message: String,
    pub line: u32,
    pub near: Near,
}

/// How a string literal was delimited (needed to print it as PUC-Lua does in messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrDelim {
    /// `"..."` or `'...'`.
    Quote(u8),
    /// `[==[...]==]` with this many `=`.
    Long(usize),
}

/// A string literal: its value (escapes processed) and delimiters.
#[derive(Debug, Clone, PartialEq)]
pub struct StrLit<'s> {
    pub value: Cow<'s, [u8]>,
    pub delim: StrDelim,
}

impl StrLit<'_> {
    pub fn into_boxed(self) -> Box<[u8]> {
        match self.value {
            Cow::Borrowed(b) => Box::from(b),
            Cow::Owned(v) => v.into_boxed_slice(),
        }
    }

    /// The literal as PUC-Lua's lexer buffer holds it, for `near '...'` in messages.
    pub fn near_text(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.value.len() + 8);
        match self.delim {
            StrDelim::Quote(q) => {
                v.push(q);
                v.extend_from_slice(&self.value);
                v.push(q);
            }
            StrDelim::Long(level) => {
                v.push(b'[');
                v.extend(std::iter::repeat_n(b'=', level));
                v.push(b'[');
                v.extend_from_slice(&self.value);
                v.push(b']');
                v.extend(std::iter::repeat_n(b'=', level));
                v.push(b']');
            }
        }
        v
    }
}

/// A Lua token. `Newline` and `Comment` are trivia, skipped by `next_token` (they are tokens,
/// not skipped inside logos, because logos recurses into itself after each token a callback
/// skips, and a long run of comments would overflow the stack). `Numeral` is never produced:
/// its callback yields `Int` or `Float`.
#[derive(Logos, Debug, Clone, PartialEq)]
#[logos(utf8 = false)]
#[logos(extras = Extras)]
#[logos(error = LexError)]
#[logos(skip r"[ \t\x0B\x0C]+")]
pub enum Tok<'s> {
    /// Line breaks and the blanks that follow them (indentation), counted in one go.
    #[regex(r"[\n\r][ \t\x0B\x0C\n\r]*", newlines)]
    Newline,
    #[token("--", comment)]
    Comment,

    #[regex(r"[A-Za-z_][A-Za-z0-9_]*", name)]
    Name(&'s str),
    #[regex(r"[0-9]", numeral)]
    #[regex(r"\.[0-9]", numeral)]
    Numeral,
    Int(i64),
    Float(f64),
    #[token("\"", short_string)]
    #[token("'", short_string)]
    #[regex(r"\[=*\[", long_string)]
    Str(StrLit<'s>),
    #[regex(r"\[=+", bad_long_delimiter)]
    BadLongDelimiter,

    #[token("and")]
    And,
    #[token("break")]
    Break,
    #[token("do")]
    Do,
    #[token("else")]
    Else,
    #[token("elseif")]
    ElseIf,
    #[token("end")]
    End,
    #[token("false")]
    False,
    #[token("for")]
    For,
    #[token("function")]
    Function,
    #[token("goto")]
    Goto,
    #[token("if")]
    If,
    #[token("in")]
    In,
    #[token("local")]
    Local,
    #[token("nil")]
    Nil,
    #[token("not")]
    Not,
    #[token("or")]
    Or,
    #[token("repeat")]
    Repeat,
    #[token("return")]
    Return,
    #[token("then")]
    Then,
    #[token("true")]
    True,
    #[token("until")]
    Until,
    #[token("while")]
    While,

    #[token("+")]
    Plus,
    #[token("-")]
    Minus,
    #[token("*")]
    Star,
    #[token("/")]
    Slash,
    #[token("//")]
    DoubleSlash,
    #[token("%")]
    Percent,
    #[token("^")]
    Caret,
    #[token("#")]
    Hash,
    #[token("&")]
    Amp,
    #[token("~")]
    Tilde,
    #[token("|")]
    Pipe,
    #[token("<<")]
    Shl,
    #[token(">>")]
    Shr,
    #[token("==")]
    Eq,
    #[token("~=")]
    Ne,
    #[token("<=")]
    Le,
    #[token(">=")]
    Ge,
    #[token("<")]
    Lt,
    #[token(">")]
    Gt,
    #[token("=")]
    Assign,
    #[token("(")]
    LParen,
    #[token(")")]
    RParen,
    #[token("{")]
    LBrace,
    #[token("}")]
    RBrace,
    #[token("[")]
    LBracket,
    #[token("]")]
    RBracket,
    #[token("::")]
    DoubleColon,
    #[token(";")]
    Semi,
    #[token(":")]
    Colon,
    #[token(",")]
    Comma,
    #[token(".")]
    Dot,
    #[token("..")]
    Concat,
    #[token("...")]
    Dots,

    /// Any other byte: PUC-Lua makes it a one-character token that no rule accepts.
    #[regex(r"(?-u:[\x00-\xFF])", other, priority = 0)]
    Other(u8),
}

impl Tok<'_> {
    /// The fixed spelling of keywords and symbols (`None` for names, literals and `Other`).
    pub fn fixed_text(&self) -> Option<&'static str> {
        use Tok::*;
        Some(match self {
            And => "and",
            Break => "break",
            Do => "do",
            Else => "else",
            ElseIf => "elseif",
            End => "end",
            False => "false",
            For => "for",
            Function => "function",
            Goto => "goto",
            If => "if",
            In => "in",
            Local => "local",
            Nil => "nil",
            Not => "not",
            Or => "or",
            Repeat => "repeat",
            Return => "return",
            Then => "then",
            True => "true",
            Until => "until",
            While => "while",
            Plus => "+",
            Minus => "-",
            Star => "*",
            Slash => "/",
            DoubleSlash => "//",
            Percent => "%",
            Caret => "^",
            Hash => "#",
            Amp => "&",
            Tilde => "~",
            Pipe => "|",
            Shl => "<<",
            Shr => ">>",
            Eq => "==",
            Ne => "~=",
            Le => "<=",
            Ge => ">=",
            Lt => "<",
            Gt => ">",
            Assign => "=",
            LParen => "(",
            RParen => ")",
            LBrace => "{",
            RBrace => "}",
            LBracket => "[",
            RBracket => "]",
            DoubleColon => "::",
            Semi => ";",
            Colon => ":",
            Comma => ",",
            Dot => ".",
            Concat => "..",
            Dots => "...",
            _ => return None,
        })
    }
}

type Lx<'s> = Lexer<'s, Tok<'s>>;

/// The next significant token (trivia skipped), `None` at the end of input.
#[inline]
pub fn next_token<'s>(lex: &mut Lx<'s>) -> Option<Result<Tok<'s>, LexError>> {
    loop {
        match lex.next() {
            Some(Ok(Tok::Newline | Tok::Comment)) => continue,
            other => return other,
        }
    }
}

fn error(lex: &Lx<'_>, message: impl Into<String>, near: Near) -> LexError {
    LexError {
        message: message.into(),
        line: lex.extras.line,
        near,
    }
}

fn newlines(lex: &mut Lx<'_>) {
    let s = lex.slice();
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\n' || s[i] == b'\r' {
            lex.extras.line += 1;
            i += line_break_len(&s[i..]);
        } else {
            i += 1;
        }
    }
}

/// Length of the line break starting at `s[0]` (which must be `\n` or `\r`): one or two bytes.
#[inline]
fn line_break_len(s: &[u8]) -> usize {
    match s {
        [a, b, ..] if (*b == b'\n' || *b == b'\r') && a != b => 2,
        _ => 1,
    }
}

fn comment(lex: &mut Lx<'_>) -> Result<(), LexError> {
    let rest = lex.remainder();
    if let Some(level) = long_bracket_level(rest) {
        let start_line = lex.extras.line;
        let body_start = level + 2;
        match scan_long_bracket(&rest[body_start..], level, &mut lex.extras.line, false) {
            Some((_, used)) => {
                lex.bump(body_start + used);
                Ok(())
            }
            None => {
                lex.bump(rest.len());
                Err(error(
                    lex,
                    format!("unfinished long comment (starting at line {start_line})"),
                    Near::Eof,
                ))
            }
        }
    } else {
        let len = rest
            .iter()
            .position(|&c| c == b'\n' || c == b'\r')
            .unwrap_or(rest.len());
        lex.bump(len);
        Ok(())
    }
}

/// If `s` starts with `[`, `=`*n, `[`, returns n.
fn long_bracket_level(s: &[u8]) -> Option<usize> {
    if s.first() != Some(&b'[') {
        return None;
    }
    let level = s[1..].iter().take_while(|&&c| c == b'=').count();
    (s.get(1 + level) == Some(&b'[')).then_some(level)
}

/// Scans the body of a long bracket (just after its opening `[==[`) up to and including the
/// closing `]==]`. Skips a first line break, counts lines. Returns the contents (line breaks
/// normalised to `\n`, borrowed when already so) and the number of bytes used, or `None` at end
/// of input. The value is built only when `want_value`.
fn scan_long_bracket<'s>(
    s: &'s [u8],
    level: usize,
    line: &mut u32,
    want_value: bool,
) -> Option<(Cow<'s, [u8]>, usize)> {
    let mut i = 0;
    if let Some(&c) = s.first() {
        if c == b'\n' || c == b'\r' {
            i = line_break_len(s);
            *line += 1;
        }
    }
    let start = i;
    let mut owned: Option<Vec<u8>> = None;
    let mut copied = start; // bytes of `s` before this index are in `owned`, if any
    loop {
        // Find the next byte of interest.
        let off = s[i..]
            .iter()
            .position(|&c| c == b']' || c == b'\n' || c == b'\r')?;
        i += off;
        match s[i] {
            b']' => {
                let closes = s[i + 1..].iter().take_while(|&&c| c == b'=').count() == level
                    && s.get(i + 1 + level) == Some(&b']');
                if closes {
                    let value = if !want_value {
                        Cow::Borrowed(&s[..0])
                    } else if let Some(mut v) = owned {
                        v.extend_from_slice(&s[copied..i]);
                        Cow::Owned(v)
                    } else {
                        Cow::Borrowed(&s[start..i])
                    };
                    return Some((value, i + level + 2));
                }
                i += 1;
            }
            _ => {
                let n = line_break_len(&s[i..]);
                *line += 1;
                if want_value && (n == 2 || s[i] == b'\r') {
                    let v = owned.get_or_insert_with(Vec::new);
                    v.extend_from_slice(&s[copied..i]);
                    v.push(b'\n');
                    copied = i + n;
                }
                i += n;
            }
        }
    }
}

fn long_string<'s>(lex: &mut Lx<'s>) -> Result<StrLit<'s>, LexError> {
    let level = lex.slice().len() - 2;
    lex.extras.string_start_line = lex.extras.line;
    let start_line = lex.extras.line;
    let rest = lex.remainder();
    match scan_long_bracket(rest, level, &mut lex.extras.line, true) {
        Some((value, used)) => {
            lex.bump(used);
            Ok(StrLit {
                value,
                delim: StrDelim::Long(level),
            })
        }
        None => {
            lex.bump(rest.len());
            Err(error(
                lex,
                format!("unfinished long string (starting at line {start_line})"),
                Near::Eof,
            ))
        }
    }
}

fn bad_long_delimiter(lex: &mut Lx<'_>) -> Result<Skip, LexError> {
    Err(error(
        lex,
        "invalid long string delimiter",
        Near::Text(lex.slice().to_vec()),
    ))
}

fn other(lex: &mut Lx<'_>) -> u8 {
    lex.slice()[0]
}

fn name<'s>(lex: &mut Lx<'s>) -> Option<&'s str> {
    // The pattern matched ASCII only.
    std::str::from_utf8(lex.slice()).ok()
}

/// Reads a numeral as `llex.c` does: greedily take hex digits, dots and exponent marks (with a
/// sign right after one), then one more letter if the numeral touches a letter, and let the
/// converter judge the whole text.
fn numeral<'s>(lex: &mut Lx<'s>) -> Result<Tok<'s>, LexError> {
    let matched = lex.slice();
    let first = matched[matched.len() - 1];
    let rest = lex.remainder();
    let mut i = 0;
    let mut exponent = [b'e', b'E'];
    if first == b'0' && matches!(rest.first(), Some(b'x' | b'X')) {
        i = 1;
        exponent = [b'p', b'P'];
    }
    while let Some(&c) = rest.get(i) {
        if c == exponent[0] || c == exponent[1] {
            i += 1;
            if matches!(rest.get(i), Some(b'+' | b'-')) {
                i += 1;
            }
        } else if c.is_ascii_hexdigit() || c == b'.' {
            i += 1;
        } else {
            break;
        }
    }
    if matches!(rest.get(i), Some(c) if c.is_ascii_alphabetic() || *c == b'_') {
        i += 1;
    }
    lex.bump(i);
    let text = lex.slice();
    // Fast path: a short decimal integer (cannot overflow).
    if text.len() <= 18 && text.iter().all(u8::is_ascii_digit) {
        return Ok(Tok::Int(
            text.iter().fold(0, |n, &d| n * 10 + i64::from(d - b'0')),
        ));
    }
    match str_to_number(text) {
        Some(Number::Int(n)) => Ok(Tok::Int(n)),
        Some(Number::Float(x)) => Ok(Tok::Float(x)),
        None => Err(error(lex, "malformed number", Near::Text(text.to_vec()))),
    }
}

/// Reads a short string as `llex.c`'s `read_string` does. On error, the `near` text is what
/// PUC-Lua's buffer holds: the opening quote, the value read so far, the escape being read and
/// the offending character.
fn short_string<'s>(lex: &mut Lx<'s>) -> Result<StrLit<'s>, LexError> {
    let quote = lex.slice()[0];
    lex.extras.string_start_line = lex.extras.line;
    let s = lex.remainder();
    let mut i = 0;
    // Fast path: no escapes and no line break: borrow.
    while let Some(&c) = s.get(i) {
        if c == quote {
            lex.bump(i + 1);
            return Ok(StrLit {
                value: Cow::Borrowed(&s[..i]),
                delim: StrDelim::Quote(quote),
            });
        }
        if c == b'\\' || c == b'\n' || c == b'\r' {
            break;
        }
        i += 1;
    }
    let mut buf: Vec<u8> = s[..i].to_vec();
    let mut line = lex.extras.line;
    // The `near` text of an error: what PUC-Lua's buffer holds then (quote, value so far, the
    // escape being read, and the offending byte unless at the end of input).
    let near = |buf: &[u8], pending: &[u8], current: Option<u8>| {
        let mut v = Vec::with_capacity(buf.len() + pending.len() + 2);
        v.push(quote);
        v.extend_from_slice(buf);
        v.extend_from_slice(pending);
        v.extend(current);
        Near::Text(v)
    };
    let result = loop {
        let Some(&c) = s.get(i) else {
            break Err(("unfinished string", Near::Eof));
        };
        if c == quote {
            i += 1;
            break Ok(());
        }
        match c {
            b'\n' | b'\r' => break Err(("unfinished string", near(&buf, b"", None))),
            b'\\' => {
                i += 1;
                let Some(&e) = s.get(i) else {
                    break Err(("unfinished string", Near::Eof));
                };
                let simple = match e {
                    b'a' => Some(0x07),
                    b'b' => Some(0x08),
                    b'f' => Some(0x0c),
                    b'n' => Some(b'\n'),
                    b'r' => Some(b'\r'),
                    b't' => Some(b'\t'),
                    b'v' => Some(0x0b),
                    b'\\' | b'"' | b'\'' => Some(e),
                    _ => None,
                };
                if let Some(v) = simple {
                    buf.push(v);
                    i += 1;
                    continue;
                }
                match e {
                    b'\n' | b'\r' => {
                        i += line_break_len(&s[i..]);
                        line += 1;
                        buf.push(b'\n');
                    }
                    b'x' => {
                        let d1 = s.get(i + 1).copied();
                        let Some(h1) = d1.and_then(|d| (d as char).to_digit(16)) else {
                            break Err(("hexadecimal digit expected", near(&buf, b"\\x", d1)));
                        };
                        let d2 = s.get(i + 2).copied();
                        let Some(h2) = d2.and_then(|d| (d as char).to_digit(16)) else {
                            let pending = [b'\\', b'x', d1.unwrap_or(0)];
                            break Err(("hexadecimal digit expected", near(&buf, &pending, d2)));
                        };
                        buf.push((h1 * 16 + h2) as u8);
                        i += 3;
                    }
                    b'u' => match read_utf8_escape(&s[i + 1..]) {
                        Ok((value, used)) => {
                            push_utf8(&mut buf, value);
                            i += 1 + used;
                        }
                        Err((msg, pending_len, current)) => {
                            let mut pending = vec![b'\\', b'u'];
                            pending.extend_from_slice(&s[i + 1..i + 1 + pending_len]);
                            break Err((msg, near(&buf, &pending, current)));
                        }
                    },
                    b'z' => {
                        i += 1;
                        while let Some(&w) = s.get(i) {
                            if w == b'\n' || w == b'\r' {
                                i += line_break_len(&s[i..]);
                                line += 1;
                            } else if is_lua_space(w) {
                                i += 1;
                            } else {
                                break;
                            }
                        }
                    }
                    d if d.is_ascii_digit() => {
                        let digits = s[i..].iter().take(3).take_while(|c| c.is_ascii_digit());
                        let n = digits.clone().count();
                        let value = digits.fold(0u32, |acc, &c| acc * 10 + u32::from(c - b'0'));
                        if value > 255 {
                            let mut pending = vec![b'\\'];
                            pending.extend_from_slice(&s[i..i + n]);
                            let current = s.get(i + n).copied();
                            break Err(("decimal escape too large", near(&buf, &pending, current)));
                        }
                        buf.push(value as u8);
                        i += n;
                    }
                    _ => break Err(("invalid escape sequence", near(&buf, b"\\", Some(e)))),
                }
            }
            _ => {
                // Copy a run of ordinary bytes at once.
                let run = s[i..]
                    .iter()
                    .position(|&b| b == quote || b == b'\\' || b == b'\n' || b == b'\r')
                    .unwrap_or(s.len() - i);
                buf.extend_from_slice(&s[i..i + run]);
                i += run;
            }
        }
    };
    lex.extras.line = line;
    match result {
        Ok(()) => {
            lex.bump(i);
            Ok(StrLit {
                value: Cow::Owned(buf),
                delim: StrDelim::Quote(quote),
            })
        }
        Err((message, near)) => {
            lex.bump(i.min(s.len()));
            Err(error(lex, message, near))
        }
    }
}

/// Reads `{XXX}` after `\u`. Returns the code point and bytes used, or the message, how many
/// bytes of the escape PUC-Lua's buffer holds at the error, and the offending byte.
fn read_utf8_escape(s: &[u8]) -> Result<(u32, usize), (&'static str, usize, Option<u8>)> {
    let hex = |i: usize| s.get(i).and_then(|&c| (c as char).to_digit(16));
    if s.first() != Some(&b'{') {
        return Err(("missing '{'", 0, s.first().copied()));
    }
    let Some(mut value) = hex(1) else {
        return Err(("hexadecimal digit expected", 1, s.get(1).copied()));
    };
    let mut i = 2;
    while let Some(d) = hex(i) {
        if value > (0x7FFF_FFFF >> 4) {
            return Err(("UTF-8 value too large", i, s.get(i).copied()));
        }
        value = (value << 4) + d;
        i += 1;
    }
    if s.get(i) != Some(&b'}') {
        return Err(("missing '}'", i, s.get(i).copied()));
    }
    Ok((value, i + 1))
}

/// Appends `x` (at most 0x7FFFFFFF) in the extended UTF-8 PUC-Lua uses (up to six bytes).
pub fn push_utf8(buf: &mut Vec<u8>, mut x: u32) {
    if x < 0x80 {
        buf.push(x as u8);
        return;
    }
    let mut tmp = [0u8; 8];
    let mut n = 0;
    let mut max_first = 0x3fu32; // largest payload that fits in the first byte
    loop {
        tmp[7 - n] = 0x80 | (x & 0x3f) as u8;
        n += 1;
        x >>= 6;
        max_first >>= 1;
        if x <= max_first {
            break;
        }
    }
    tmp[7 - n] = ((!max_first << 1) | x) as u8;
    n += 1;
    buf.extend_from_slice(&tmp[8 - n..]);
}

/// What `luaL_loadfile` skips at the start of a file before parsing: a UTF-8 byte-order mark,
/// then a first line starting with `#` (the line break is kept, so line numbers stay right).
/// `load` of a string skips nothing, so this is separate from the lexer.
pub fn strip_file_prelude(source: &[u8]) -> &[u8] {
    let s = source.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(source);
    if s.first() == Some(&b'#') {
        let end = s.iter().position(|&c| c == b'\n').unwrap_or(s.len());
        &s[end..]
    } else {
        s
    }
}
