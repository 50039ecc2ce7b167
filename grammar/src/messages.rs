//! Turning parse failures into PUC-Lua's messages.
//!
//! The LR parser reports the token it could not accept and the tokens it expected there.
//! PUC-Lua's recursive-descent parser would have stopped at the same token (both detect an
//! error at the first token that cannot continue a valid prefix), so the message is decided
//! from that token, the expected set and the constructs open at that point (found by replaying
//! the tokens before it): which `check`, `check_match` or `luaX_syntaxerror` of `lparser.c`
//! would have fired. Lexical errors and errors raised by grammar actions carry their message
//! already.

use lalrpop_util::ParseError;
use logos::Logos;

use crate::lexer::{next_token, Near, Tok};
use crate::number::chunk_id;
use crate::parser::{ErrNear, PErr, SyntaxError, TokenStream};

/// A failure, before formatting.
pub(crate) struct Failure {
    message: String,
    line: u32,
    near: Near,
}

impl Failure {
    pub(crate) fn into_syntax_error(mut self, chunkname: &[u8]) -> SyntaxError {
        // PUC-Lua formats the token text as a C string: it ends at the first NUL, and the NUL
        // character token (number 0) is taken for "no token" (no `near` part at all).
        if let Near::Text(t) = &mut self.near {
            if t.first() == Some(&0) && t.len() == 1 {
                self.near = Near::Nothing;
            } else if let Some(nul) = t.iter().position(|&c| c == 0) {
                t.truncate(nul);
            }
        }
        let mut message = format!("{}:{}: {}", chunk_id(chunkname), self.line, self.message);
        match &self.near {
            Near::Nothing => {}
            Near::Eof => message.push_str(" near <eof>"),
            Near::Text(t) => {
                message.push_str(" near '");
                message.push_str(&String::from_utf8_lossy(t));
                message.push('\'');
            }
        }
        SyntaxError {
            message,
            line: self.line,
            at_eof: self.near == Near::Eof,
        }
    }
}

/// How PUC-Lua names the current token in messages (`txtToken`).
fn current_near(tokens: &TokenStream<'_, '_>, source: &[u8]) -> Near {
    if tokens.at_eof {
        return Near::Eof;
    }
    let text = &source[tokens.last_span.clone()];
    let mut lexer = Tok::lexer(text);
    match next_token(&mut lexer) {
        Some(Ok(Tok::Str(s))) => Near::Text(s.near_text()),
        Some(Ok(Tok::Other(c))) => {
            if c == 0 {
                Near::Text(vec![0])
            } else if c.is_ascii_graphic() || c == b' ' {
                Near::Text(vec![c])
            } else {
                Near::Text(format!("<\\{c}>").into_bytes())
            }
        }
        _ => Near::Text(text.to_vec()),
    }
}

pub(crate) fn describe_failure(
    err: ParseError<u32, Tok<'_>, PErr>,
    tokens: &TokenStream<'_, '_>,
    source: &[u8],
) -> Failure {
    let current_line = tokens.ctx.line.get();
    let (expected, unexpected) = match err {
        ParseError::User { error } => {
            let near = match error.near {
                ErrNear::Nothing => Near::Nothing,
                ErrNear::Current => current_near(tokens, source),
                ErrNear::Fixed(n) => n,
            };
            let line = error.line.unwrap_or(current_line);
            return Failure {
                message: error.message,
                line,
                near,
            };
        }
        ParseError::UnrecognizedToken { token, expected } => (expected, Some(token.1)),
        ParseError::UnrecognizedEof { expected, .. } => (expected, None),
        ParseError::ExtraToken { token } => (Vec::new(), Some(token.1)),
        ParseError::InvalidToken { .. } => (Vec::new(), None),
    };
    let context = Context::replay(source, tokens);
    let near = current_near(tokens, source);
    if let Some(line) = context.vararg_misuse {
        return Failure {
            message: "cannot use '...' outside a vararg function".into(),
            line,
            near: Near::Text(b"...".to_vec()),
        };
    }
    let expected = Expected::new(&expected);
    let message = explain(&expected, unexpected.as_ref(), &context, current_line);
    Failure {
        message,
        line: current_line,
        near,
    }
}

/// The terminals the parser would have accepted, by their names in the grammar.
struct Expected(Vec<String>);

impl Expected {
    fn new(names: &[String]) -> Expected {
        Expected(
            names
                .iter()
                .map(|n| n.trim_matches('"').to_string())
                .collect(),
        )
    }

    fn has(&self, name: &str) -> bool {
        self.0.iter().any(|n| n == name)
    }
}

/// Tokens that end a block (`block_follow` in `lparser.c`); `None` is the end of input.
fn ends_block(tok: Option<&Tok<'_>>) -> bool {
    matches!(
        tok,
        None | Some(Tok::End | Tok::Else | Tok::ElseIf | Tok::Until)
    )
}

/// Decides what PUC-Lua's recursive-descent parser would have said at the token the LR parser
/// rejected, from the tokens it expected there and the constructs open at that point. The
/// LR parser may have reduced what precedes the token before noticing the error, so the rules
/// look for the tokens that tell the situations apart, most specific first.
fn explain(e: &Expected, unexpected: Option<&Tok<'_>>, ctx: &Context, line: u32) -> String {
    let expected = |what: &str| format!("{what} expected");
    if e.has("local") {
        // A statement may start here. Right after a prefix expression that starts a
        // statement, PUC-Lua accepts the statement only if it is a call.
        if e.has("=") && !e.has("<") && !ctx.in_local && ctx.prefix != Some(Prefix::Call) {
            return "syntax error".into();
        }
        return if ends_block(unexpected) {
            ctx.close_message(line)
        } else {
            "unexpected symbol".into()
        };
    }
    if e.has("nil") {
        // An expression may start here (after `return`, the block may also end).
        return if e.has(";") && ends_block(unexpected) {
            ctx.close_message(line)
        } else {
            "unexpected symbol".into()
        };
    }
    if e.has("...") && e.has("Name") {
        return "<name> or '...' expected".into();
    }
    if e.has("}") {
        return ctx.match_message("'}'", "'{'", line);
    }
    if e.has(")") {
        return if ctx.in_function(FunctionPart::Params) {
            expected("')'")
        } else {
            ctx.match_message("')'", "'('", line)
        };
    }
    if e.has("]") {
        return expected("']'");
    }
    if e.has("then") {
        return expected("'then'");
    }
    if e.has("do") {
        return expected("'do'");
    }
    if e.has("in") {
        return if e.has("=") {
            "'=' or 'in' expected".into()
        } else {
            expected("'in'")
        };
    }
    if e.has("=") && e.has(",") {
        // After an assignment target other than the first.
        return if ctx.prefix == Some(Prefix::Var) {
            expected("'='")
        } else {
            "syntax error".into()
        };
    }
    if e.has("Name") {
        // Where a prefix expression must start (an assignment target after a comma).
        return if e.has("(") {
            "unexpected symbol".into()
        } else {
            expected("<name>")
        };
    }
    if e.has("String") && e.has("(") && !e.has("+") && !e.has(",") && !e.has(";") {
        return "function arguments expected".into();
    }
    if e.0.is_empty() || e.has(";") || e.has("end") || e.has("until") || e.has("else") {
        return ctx.close_message(line);
    }
    if !e.has("+") {
        for (name, text) in [("(", "'('"), ("=", "'='"), (">", "'>'"), ("::", "'::'")] {
            if e.has(name) {
                return expected(text);
            }
        }
    }
    if e.has(",") {
        return expected("','");
    }
    "unexpected symbol".into()
}

/// What a prefix expression is, as far as statements care.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Prefix {
    /// A name or an index: assignable.
    Var,
    /// A call: a statement by itself.
    Call,
    /// A parenthesised expression, or a method name awaiting its arguments.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum FunctionPart {
    /// Between `function` and `(`.
    Name,
    Params,
    Body,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Construct {
    Function {
        part: FunctionPart,
        vararg: bool,
    },
    If,
    /// `while` or `for`; `started` once its `do` is seen.
    Loop {
        keyword: &'static str,
        started: bool,
    },
    Do,
    Repeat,
    Paren,
    /// Call arguments. `primary_line` is where the called expression starts: PUC-Lua's line
    /// for "(to close '(' at line N)".
    CallParen {
        primary_line: u32,
    },
    /// A table constructor; `call` when it is the argument of a call (`f{...}`).
    Brace {
        primary_line: u32,
        call: bool,
    },
    Bracket {
        primary_line: u32,
    },
}

/// The open constructs at the point of a syntax error, found by replaying the tokens before it
/// (a prefix the parser accepted, so well nested).
struct Context {
    /// Open constructs, innermost last, with the line of their opening token.
    open: Vec<(Construct, u32)>,
    /// What the prefix expression that the last token ends is, if it ends one.
    prefix: Option<Prefix>,
    /// The last token is part of the names of a `local` declaration.
    in_local: bool,
    /// Line of a `...` found outside a vararg function.
    vararg_misuse: Option<u32>,
}

impl Context {
    fn replay(source: &[u8], tokens: &TokenStream<'_, '_>) -> Context {
        let stop = if tokens.at_eof {
            source.len()
        } else {
            tokens.last_span.start
        };
        let mut ctx = Context {
            open: Vec::new(),
            prefix: None,
            in_local: false,
            vararg_misuse: None,
        };
        let mut lexer = Tok::lexer(source);
        let mut prefix_end = false; // the last token ends a prefix expression
        let mut primary_line = 1; // where the current prefix expression starts
        let mut prev: Option<Tok<'_>> = None;
        let mut in_label = false; // between the two `::` of a label
        while let Some(Ok(tok)) = next_token(&mut lexer) {
            if lexer.span().start >= stop {
                break;
            }
            let line = lexer.extras.line;
            let mut ends_prefix = false;
            let mut ends_call = false;
            let mut ends_var = false;
            ctx.in_local = match (&tok, &prev) {
                (Tok::Local, _) => true,
                (Tok::Name(_), Some(Tok::Local | Tok::Comma | Tok::Lt)) => ctx.in_local,
                (Tok::Comma | Tok::Lt | Tok::Gt, _) => ctx.in_local,
                _ => false,
            };
            match &tok {
                Tok::Name(_) => match prev {
                    Some(Tok::Dot) => {
                        ends_prefix = true;
                        ends_var = true;
                    }
                    Some(Tok::Colon) => ends_prefix = true,
                    Some(Tok::DoubleColon) if in_label => {}
                    Some(Tok::Goto | Tok::Local | Tok::For) => {}
                    _ if ctx.in_function(FunctionPart::Name) => {}
                    _ => {
                        primary_line = line;
                        ends_prefix = true;
                        ends_var = true;
                    }
                },
                Tok::LParen => {
                    if ctx.in_function(FunctionPart::Name) {
                        ctx.set_function_part(FunctionPart::Params);
                    } else if prefix_end {
                        ctx.open.push((Construct::CallParen { primary_line }, line));
                    } else {
                        ctx.open.push((Construct::Paren, line));
                    }
                }
                Tok::RParen => {
                    if ctx.in_function(FunctionPart::Params) {
                        ctx.set_function_part(FunctionPart::Body);
                    } else {
                        match ctx.open.pop() {
                            Some((Construct::CallParen { primary_line: p }, _)) => {
                                primary_line = p;
                                ends_prefix = true;
                                ends_call = true;
                            }
                            Some((Construct::Paren, l)) => {
                                primary_line = l;
                                ends_prefix = true;
                            }
                            _ => {}
                        }
                    }
                }
                Tok::LBrace => ctx.open.push((
                    Construct::Brace {
                        primary_line,
                        call: prefix_end,
                    },
                    line,
                )),
                Tok::RBrace => {
                    if let Some((
                        Construct::Brace {
                            primary_line: p,
                            call: true,
                        },
                        _,
                    )) = ctx.open.pop()
                    {
                        primary_line = p;
                        ends_prefix = true;
                        ends_call = true;
                    }
                }
                Tok::LBracket => ctx.open.push((Construct::Bracket { primary_line }, line)),
                Tok::RBracket => {
                    if let Some((Construct::Bracket { primary_line: p }, _)) = ctx.open.pop() {
                        primary_line = p;
                    }
                    ends_prefix = true;
                    ends_var = true;
                }
                Tok::Str(_) => {
                    ends_prefix = prefix_end;
                    ends_call = prefix_end;
                }
                Tok::Function => {
                    let f = Construct::Function {
                        part: FunctionPart::Name,
                        vararg: false,
                    };
                    ctx.open.push((f, line));
                }
                Tok::Dots => {
                    if ctx.in_function(FunctionPart::Params) {
                        if let Some((Construct::Function { vararg, .. }, _)) = ctx.open.last_mut() {
                            *vararg = true;
                        }
                    } else if !ctx.innermost_function_is_vararg() && ctx.vararg_misuse.is_none() {
                        ctx.vararg_misuse = Some(line);
                    }
                }
                Tok::While | Tok::For => {
                    let keyword = if tok == Tok::While { "while" } else { "for" };
                    ctx.open.push((
                        Construct::Loop {
                            keyword,
                            started: false,
                        },
                        line,
                    ));
                }
                Tok::Do => match ctx.open.last_mut() {
                    Some((Construct::Loop { started, .. }, _)) if !*started => *started = true,
                    _ => ctx.open.push((Construct::Do, line)),
                },
                Tok::DoubleColon => in_label = !in_label,
                Tok::If => ctx.open.push((Construct::If, line)),
                Tok::Repeat => ctx.open.push((Construct::Repeat, line)),
                Tok::End | Tok::Until => {
                    ctx.open.pop();
                }
                _ => {}
            }
            prefix_end = ends_prefix;
            ctx.prefix = match (ends_prefix, ends_call, ends_var) {
                (false, ..) => None,
                (true, true, _) => Some(Prefix::Call),
                (true, false, true) => Some(Prefix::Var),
                (true, false, false) => Some(Prefix::Other),
            };
            prev = Some(tok);
        }
        ctx
    }

    fn in_function(&self, part: FunctionPart) -> bool {
        matches!(self.open.last(), Some((Construct::Function { part: p, .. }, _)) if *p == part)
    }

    fn set_function_part(&mut self, part: FunctionPart) {
        if let Some((Construct::Function { part: p, .. }, _)) = self.open.last_mut() {
            *p = part;
        }
    }

    fn innermost_function_is_vararg(&self) -> bool {
        self.open
            .iter()
            .rev()
            .find_map(|(c, _)| match c {
                Construct::Function { vararg, .. } => Some(*vararg),
                _ => None,
            })
            .unwrap_or(true) // the main chunk is vararg
    }

    /// The message for a block that ends where the innermost open construct needs its closing
    /// keyword (`check_match` in `lparser.c`), or for stray input after the main block.
    fn close_message(&self, line: u32) -> String {
        let innermost = self.open.iter().rev().find_map(|&(c, l)| {
            let (what, who) = match c {
                Construct::Function { .. } => ("end", "function"),
                Construct::If => ("end", "if"),
                Construct::Loop { keyword, .. } => ("end", keyword),
                Construct::Do => ("end", "do"),
                Construct::Repeat => ("until", "repeat"),
                _ => return None,
            };
            Some((what, who, l))
        });
        match innermost {
            None => "<eof> expected".into(),
            Some((what, who, opened)) => {
                match_text(&format!("'{what}'"), &format!("'{who}'"), opened, line)
            }
        }
    }

    /// The message for a missing `)` or `}`.
    fn match_message(&self, what: &str, who: &str, line: u32) -> String {
        let opened = self.open.iter().rev().find_map(|&(c, l)| match c {
            Construct::Paren if what == "')'" => Some(l),
            Construct::CallParen { primary_line } if what == "')'" => Some(primary_line),
            Construct::Brace { .. } if what == "'}'" => Some(l),
            _ => None,
        });
        match opened {
            Some(opened) => match_text(what, who, opened, line),
            None => format!("{what} expected"),
        }
    }
}

fn match_text(what: &str, who: &str, opened: u32, line: u32) -> String {
    if opened == line {
        format!("{what} expected")
    } else {
        format!("{what} expected (to close {who} at line {opened})")
    }
}
