//! A forgiving Lua tokenizer for one line being edited, for syntax highlighting and for
//! finding what completion applies to.
//!
//! Unlike the compiler's lexer it never fails: an unfinished string or long comment runs to
//! the end of the line, and any other byte is a token of its own. Token ranges always fall
//! on character boundaries, so they can slice the line.

use std::borrow::Cow;
use std::ops::Range;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Keyword,
    /// `nil`, `true`, `false`.
    Constant,
    Name,
    Number,
    /// A string literal; `closed` is false when the line ends inside it.
    Str {
        closed: bool,
    },
    Comment,
    /// An operator or punctuation (`.`, `:`, `(`, `..`, ...).
    Symbol,
    Space,
    /// A byte no token starts with.
    Other,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub range: Range<usize>,
}

pub const KEYWORDS: &[&str] = &[
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
    "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
];

fn is_name_start(c: u8) -> bool {
    c.is_ascii_alphabetic() || c == b'_'
}

fn is_name_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// The level of a long bracket `[==[` starting at `i`, if one does.
fn long_bracket_level(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'[') {
        return None;
    }
    let mut j = i + 1;
    while b.get(j) == Some(&b'=') {
        j += 1;
    }
    (b.get(j) == Some(&b'[')).then_some(j - i - 1)
}

/// End of a long bracket's body from `i` (just after the opening bracket): the index after
/// its closing bracket, or None when the line ends first.
fn long_bracket_end(b: &[u8], mut i: usize, level: usize) -> Option<usize> {
    while i < b.len() {
        if b[i] == b']' {
            let mut j = i + 1;
            while j < b.len() && b[j] == b'=' {
                j += 1;
            }
            if j - i - 1 == level && b.get(j) == Some(&b']') {
                return Some(j + 1);
            }
        }
        i += 1;
    }
    None
}

const SYMBOLS: &[&str] = &["...", "..", "==", "~=", "<=", ">=", "<<", ">>", "//", "::"];

/// Splits `line` into tokens covering all of it.
pub fn scan(line: &str) -> Vec<Token> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i];
        let kind = if c == b' ' || c == b'\t' || c == b'\r' || c == b'\n' {
            while i < b.len() && matches!(b[i], b' ' | b'\t' | b'\r' | b'\n') {
                i += 1;
            }
            Kind::Space
        } else if c == b'-' && b.get(i + 1) == Some(&b'-') {
            i += 2;
            match long_bracket_level(b, i) {
                Some(level) => {
                    i = long_bracket_end(b, i + level + 2, level).unwrap_or(b.len());
                }
                None => {
                    while i < b.len() && b[i] != b'\n' {
                        i += 1;
                    }
                }
            }
            Kind::Comment
        } else if is_name_start(c) {
            while i < b.len() && is_name_char(b[i]) {
                i += 1;
            }
            let word = &line[start..i];
            if matches!(word, "nil" | "true" | "false") {
                Kind::Constant
            } else if KEYWORDS.contains(&word) {
                Kind::Keyword
            } else {
                Kind::Name
            }
        } else if c.is_ascii_digit()
            || (c == b'.' && b.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            // As llex.c: digits, letters, dots, and a sign right after an exponent mark.
            let hex = c == b'0' && matches!(b.get(i + 1), Some(b'x' | b'X'));
            i += 1;
            while i < b.len() {
                let d = b[i];
                let exp = if hex {
                    matches!(d, b'p' | b'P')
                } else {
                    matches!(d, b'e' | b'E')
                };
                if exp && matches!(b.get(i + 1), Some(b'+' | b'-')) {
                    i += 2;
                } else if d.is_ascii_alphanumeric() || d == b'.' || d == b'_' {
                    i += 1;
                } else {
                    break;
                }
            }
            Kind::Number
        } else if c == b'"' || c == b'\'' {
            i += 1;
            let mut closed = false;
            while i < b.len() {
                match b[i] {
                    b'\\' => i += 2,
                    b'\n' => break,
                    q if q == c => {
                        i += 1;
                        closed = true;
                        break;
                    }
                    _ => i += 1,
                }
            }
            i = i.min(b.len());
            Kind::Str { closed }
        } else if let Some(level) = long_bracket_level(b, i) {
            match long_bracket_end(b, i + level + 2, level) {
                Some(end) => {
                    i = end;
                    Kind::Str { closed: true }
                }
                None => {
                    i = b.len();
                    Kind::Str { closed: false }
                }
            }
        } else if c.is_ascii() {
            let rest = &line[i..];
            i += SYMBOLS
                .iter()
                .find(|s| rest.starts_with(**s))
                .map_or(1, |s| s.len());
            if c.is_ascii_punctuation() {
                Kind::Symbol
            } else {
                Kind::Other
            }
        } else {
            // A whole non-ASCII character.
            i += line[i..].chars().next().map_or(1, char::len_utf8);
            Kind::Other
        };
        // Escapes at the very end of a line can step past it.
        i = i.min(b.len());
        while !line.is_char_boundary(i) {
            i += 1;
        }
        out.push(Token {
            kind,
            range: start..i,
        });
    }
    out
}

/// ANSI colours for each kind of token.
fn color(kind: Kind) -> Option<&'static str> {
    match kind {
        Kind::Keyword => Some("\x1b[35m"),
        Kind::Constant => Some("\x1b[36m"),
        Kind::Number => Some("\x1b[33m"),
        Kind::Str { .. } => Some("\x1b[32m"),
        Kind::Comment => Some("\x1b[90m"),
        _ => None,
    }
}

/// `line` with ANSI colours around keywords, constants, numbers, strings and comments.
pub fn highlight(line: &str) -> Cow<'_, str> {
    let tokens = scan(line);
    if tokens.iter().all(|t| color(t.kind).is_none()) {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len() + 16 * tokens.len());
    for t in &tokens {
        let text = &line[t.range.clone()];
        match color(t.kind) {
            Some(c) => {
                out.push_str(c);
                out.push_str(text);
                out.push_str("\x1b[0m");
            }
            None => out.push_str(text),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(line: &str) -> Vec<(Kind, &str)> {
        scan(line)
            .into_iter()
            .filter(|t| t.kind != Kind::Space)
            .map(|t| (t.kind, &line[t.range]))
            .collect()
    }

    #[test]
    fn tokens() {
        use Kind::*;
        assert_eq!(
            kinds("local x = 0x1p+4 .. 'a\\'b' -- hi"),
            vec![
                (Keyword, "local"),
                (Name, "x"),
                (Symbol, "="),
                (Number, "0x1p+4"),
                (Symbol, ".."),
                (Str { closed: true }, "'a\\'b'"),
                (Comment, "-- hi"),
            ]
        );
        assert_eq!(
            kinds("f(1e-3, .5, nil)"),
            vec![
                (Name, "f"),
                (Symbol, "("),
                (Number, "1e-3"),
                (Symbol, ","),
                (Number, ".5"),
                (Symbol, ","),
                (Constant, "nil"),
                (Symbol, ")"),
            ]
        );
        assert_eq!(
            kinds("s = [==[ x ]] ]==] y"),
            vec![
                (Name, "s"),
                (Symbol, "="),
                (Str { closed: true }, "[==[ x ]] ]==]"),
                (Name, "y")
            ]
        );
        assert_eq!(
            kinds("--[[ a ]] b"),
            vec![(Comment, "--[[ a ]]"), (Name, "b")]
        );
        assert_eq!(
            kinds("x = \"abc"),
            vec![(Name, "x"), (Symbol, "="), (Str { closed: false }, "\"abc")]
        );
        assert_eq!(kinds("'\\"), vec![(Str { closed: false }, "'\\")]);
        assert_eq!(kinds("é·x"), vec![(Other, "é"), (Other, "·"), (Name, "x")]);
    }

    #[test]
    fn highlighting_keeps_the_text() {
        let line = "for i = 1, 10 do print(\"x\") end -- loop";
        let h = highlight(line);
        let plain: String = {
            let mut s = String::new();
            let mut chars = h.chars();
            while let Some(c) = chars.next() {
                if c == '\x1b' {
                    for d in chars.by_ref() {
                        if d == 'm' {
                            break;
                        }
                    }
                } else {
                    s.push(c);
                }
            }
            s
        };
        assert_eq!(plain, line);
        assert!(h.contains("\x1b[35mfor\x1b[0m"));
        assert!(h.contains("\x1b[32m\"x\"\x1b[0m"));
        assert!(h.contains("\x1b[90m-- loop\x1b[0m"));
        assert!(h.contains("\x1b[33m10\x1b[0m"));
        assert_eq!(highlight("a + b"), Cow::Borrowed("a + b"));
    }
}
