//! A small recursive-descent Lua 5.4 parser used only by the compiler's tests, so that they
//! can compile source text and compare with `luac`. It builds the syntax tree with the line
//! conventions `luna_grammar::ast` documents. It is not the project's parser: it reports
//! errors tersely and trusts its input to be valid Lua.

use luna_grammar::ast::*;

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Tok {
    Name(Box<str>),
    Str(Box<[u8]>),
    Int(i64),
    Flt(f64),
    Kw(&'static str),
    Op(&'static str),
    Eof,
}

struct Lexer<'s> {
    src: &'s [u8],
    pos: usize,
    line: u32,
}

const KEYWORDS: &[&str] = &[
    "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
    "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
];

const OPS: &[&str] = &[
    "...", "..", "==", "~=", "<=", ">=", "<<", ">>", "//", "::", "+", "-", "*", "/", "%", "^", "#",
    "&", "~", "|", "<", ">", "=", "(", ")", "{", "}", "[", "]", ";", ":", ",", ".",
];

impl<'s> Lexer<'s> {
    fn peek(&self, k: usize) -> u8 {
        *self.src.get(self.pos + k).unwrap_or(&0)
    }

    fn newline(&mut self) {
        let c = self.peek(0);
        self.pos += 1;
        let d = self.peek(0);
        if (d == b'\n' || d == b'\r') && d != c {
            self.pos += 1;
        }
        self.line += 1;
    }

    /// Level of a long bracket starting at pos (`[==[`), if any.
    fn long_level(&self) -> Option<usize> {
        let mut k = 1;
        while self.peek(k) == b'=' {
            k += 1;
        }
        (self.peek(k) == b'[').then_some(k - 1)
    }

    fn long_string(&mut self, level: usize) -> Result<Vec<u8>, String> {
        self.pos += level + 2;
        if self.peek(0) == b'\r' || self.peek(0) == b'\n' {
            self.newline();
        }
        let mut out = Vec::new();
        loop {
            if self.pos >= self.src.len() {
                return Err("unfinished long string".into());
            }
            let c = self.peek(0);
            if c == b']' {
                let mut k = 1;
                while self.peek(k) == b'=' {
                    k += 1;
                }
                if k - 1 == level && self.peek(k) == b']' {
                    self.pos += k + 1;
                    return Ok(out);
                }
                out.push(c);
                self.pos += 1;
            } else if c == b'\n' || c == b'\r' {
                self.newline();
                out.push(b'\n');
            } else {
                out.push(c);
                self.pos += 1;
            }
        }
    }

    fn short_string(&mut self, q: u8) -> Result<Vec<u8>, String> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            let c = self.peek(0);
            if self.pos >= self.src.len() || c == b'\n' {
                return Err("unfinished string".into());
            }
            self.pos += 1;
            if c == q {
                return Ok(out);
            }
            if c != b'\\' {
                out.push(c);
                continue;
            }
            let e = self.peek(0);
            self.pos += 1;
            match e {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                b'a' => out.push(7),
                b'b' => out.push(8),
                b'f' => out.push(12),
                b'v' => out.push(11),
                b'\\' | b'"' | b'\'' => out.push(e),
                b'\n' | b'\r' => {
                    self.pos -= 1;
                    self.newline();
                    out.push(b'\n');
                }
                b'x' => {
                    let h = std::str::from_utf8(&self.src[self.pos..self.pos + 2]).unwrap();
                    out.push(u8::from_str_radix(h, 16).map_err(|e| e.to_string())?);
                    self.pos += 2;
                }
                b'z' => {
                    while self.peek(0).is_ascii_whitespace() {
                        if self.peek(0) == b'\n' || self.peek(0) == b'\r' {
                            self.newline();
                        } else {
                            self.pos += 1;
                        }
                    }
                }
                b'u' => {
                    self.pos += 1; // {
                    let mut v: u32 = 0;
                    while self.peek(0) != b'}' {
                        v = v * 16 + (self.peek(0) as char).to_digit(16).unwrap();
                        self.pos += 1;
                    }
                    self.pos += 1;
                    utf8_esc(&mut out, v);
                }
                d if d.is_ascii_digit() => {
                    let mut v: u32 = (d - b'0') as u32;
                    for _ in 0..2 {
                        if self.peek(0).is_ascii_digit() {
                            v = v * 10 + (self.peek(0) - b'0') as u32;
                            self.pos += 1;
                        }
                    }
                    out.push(v as u8);
                }
                _ => return Err(format!("bad escape \\{}", e as char)),
            }
        }
    }

    fn number(&mut self) -> Result<Tok, String> {
        let start = self.pos;
        let hex = self.peek(0) == b'0' && matches!(self.peek(1), b'x' | b'X');
        if hex {
            self.pos += 2;
        }
        loop {
            let c = self.peek(0);
            let exp = if hex {
                matches!(c, b'p' | b'P')
            } else {
                matches!(c, b'e' | b'E')
            };
            if exp && matches!(self.peek(1), b'+' | b'-') {
                self.pos += 2;
            } else if c.is_ascii_alphanumeric() || c == b'.' {
                self.pos += 1;
            } else {
                break;
            }
        }
        let text = std::str::from_utf8(&self.src[start..self.pos]).unwrap();
        str_to_number(text).ok_or_else(|| format!("malformed number near '{text}'"))
    }

    fn next(&mut self) -> Result<(Tok, u32), String> {
        loop {
            let c = self.peek(0);
            if self.pos >= self.src.len() {
                return Ok((Tok::Eof, self.line));
            }
            match c {
                b'\n' | b'\r' => self.newline(),
                b' ' | b'\t' | 11 | 12 => self.pos += 1,
                b'-' if self.peek(1) == b'-' => {
                    self.pos += 2;
                    if self.peek(0) == b'[' {
                        if let Some(l) = self.long_level() {
                            self.long_string(l)?;
                            continue;
                        }
                    }
                    while self.pos < self.src.len() && !matches!(self.peek(0), b'\n' | b'\r') {
                        self.pos += 1;
                    }
                }
                _ => break,
            }
        }
        let line = self.line;
        let c = self.peek(0);
        if c.is_ascii_alphabetic() || c == b'_' {
            let start = self.pos;
            while self.peek(0).is_ascii_alphanumeric() || self.peek(0) == b'_' {
                self.pos += 1;
            }
            let w = std::str::from_utf8(&self.src[start..self.pos]).unwrap();
            if let Some(k) = KEYWORDS.iter().find(|k| **k == w) {
                return Ok((Tok::Kw(k), line));
            }
            return Ok((Tok::Name(w.into()), line));
        }
        if c.is_ascii_digit() || (c == b'.' && self.peek(1).is_ascii_digit()) {
            return Ok((self.number()?, line));
        }
        // A string literal's line is the line where it ends (the line Lua attributes to it).
        if c == b'"' || c == b'\'' {
            let s = self.short_string(c)?;
            return Ok((Tok::Str(s.into()), self.line));
        }
        if c == b'[' {
            if let Some(l) = self.long_level() {
                let s = self.long_string(l)?;
                return Ok((Tok::Str(s.into()), self.line));
            }
        }
        for op in OPS {
            if self.src[self.pos..].starts_with(op.as_bytes()) {
                self.pos += op.len();
                return Ok((Tok::Op(op), line));
            }
        }
        Err(format!(
            "unexpected symbol '{}' at line {}",
            c as char, line
        ))
    }
}

fn utf8_esc(out: &mut Vec<u8>, x: u32) {
    if x < 0x80 {
        out.push(x as u8);
        return;
    }
    let mut buf = [0u8; 8];
    let mut n = 1;
    let mut x = x;
    let mut mfb = 0x3fu32;
    loop {
        buf[8 - n] = (0x80 | (x & 0x3f)) as u8;
        n += 1;
        x >>= 6;
        mfb >>= 1;
        if x <= mfb {
            break;
        }
    }
    buf[8 - n] = ((!mfb << 1) | x) as u8;
    out.extend_from_slice(&buf[8 - n..]);
}

/// Lua's conversion of a numeral: decimal integers that overflow become floats, hexadecimal
/// integers wrap around.
pub(crate) fn str_to_number(t: &str) -> Option<Tok> {
    let lower = t.to_ascii_lowercase();
    if let Some(h) = lower.strip_prefix("0x") {
        if !h.contains(['.', 'p']) {
            let mut v: u64 = 0;
            if h.is_empty() {
                return None;
            }
            for ch in h.chars() {
                v = v.wrapping_mul(16).wrapping_add(ch.to_digit(16)? as u64);
            }
            return Some(Tok::Int(v as i64));
        }
        // hexadecimal float
        let (mant, exp) = match h.split_once('p') {
            Some((m, e)) => (m, e.parse::<i32>().ok()?),
            None => (h, 0),
        };
        let mut r = 0f64;
        let mut e = exp;
        let mut seen_dot = false;
        let mut any = false;
        for ch in mant.chars() {
            if ch == '.' {
                seen_dot = true;
                continue;
            }
            let d = ch.to_digit(16)? as f64;
            any = true;
            r = r * 16.0 + d;
            if seen_dot {
                e -= 4;
            }
        }
        if !any {
            return None;
        }
        return Some(Tok::Flt(r * 2f64.powi(e)));
    }
    if !lower.contains(['.', 'e', 'n', 'i']) {
        if let Ok(i) = lower.parse::<i64>() {
            return Some(Tok::Int(i));
        }
    }
    if lower.contains(['n', 'i']) {
        return None;
    }
    lower.parse::<f64>().ok().map(Tok::Flt)
}

pub(crate) struct Parser<'s> {
    lex: Lexer<'s>,
    tok: Tok,
    line: u32,
    ahead: Option<(Tok, u32)>,
}

type PResult<T> = Result<T, String>;

fn binop(t: &Tok) -> Option<(BinOp, u8, u8)> {
    let op = match t {
        Tok::Op(o) => *o,
        Tok::Kw(k) => *k,
        _ => return None,
    };
    Some(match op {
        "or" => (BinOp::Or, 1, 1),
        "and" => (BinOp::And, 2, 2),
        "<" => (BinOp::Lt, 3, 3),
        ">" => (BinOp::Gt, 3, 3),
        "<=" => (BinOp::Le, 3, 3),
        ">=" => (BinOp::Ge, 3, 3),
        "~=" => (BinOp::Ne, 3, 3),
        "==" => (BinOp::Eq, 3, 3),
        "|" => (BinOp::BOr, 4, 4),
        "~" => (BinOp::BXor, 5, 5),
        "&" => (BinOp::BAnd, 6, 6),
        "<<" => (BinOp::Shl, 7, 7),
        ">>" => (BinOp::Shr, 7, 7),
        ".." => (BinOp::Concat, 9, 8),
        "+" => (BinOp::Add, 10, 10),
        "-" => (BinOp::Sub, 10, 10),
        "*" => (BinOp::Mul, 11, 11),
        "/" => (BinOp::Div, 11, 11),
        "//" => (BinOp::IDiv, 11, 11),
        "%" => (BinOp::Mod, 11, 11),
        "^" => (BinOp::Pow, 14, 13),
        _ => return None,
    })
}

const UNARY_PRIORITY: u8 = 12;

impl<'s> Parser<'s> {
    pub(crate) fn new(src: &'s [u8]) -> PResult<Parser<'s>> {
        let mut lex = Lexer {
            src,
            pos: 0,
            line: 1,
        };
        if src.starts_with(b"#") {
            while lex.pos < src.len() && src[lex.pos] != b'\n' {
                lex.pos += 1;
            }
        }
        let (tok, line) = lex.next()?;
        Ok(Parser {
            lex,
            tok,
            line,
            ahead: None,
        })
    }

    fn advance(&mut self) -> PResult<()> {
        let (t, l) = match self.ahead.take() {
            Some(x) => x,
            None => self.lex.next()?,
        };
        self.tok = t;
        self.line = l;
        Ok(())
    }

    fn lookahead(&mut self) -> PResult<&Tok> {
        if self.ahead.is_none() {
            self.ahead = Some(self.lex.next()?);
        }
        Ok(&self.ahead.as_ref().unwrap().0)
    }

    fn is_op(&self, o: &str) -> bool {
        matches!(&self.tok, Tok::Op(x) if *x == o)
    }

    fn is_kw(&self, k: &str) -> bool {
        matches!(&self.tok, Tok::Kw(x) if *x == k)
    }

    fn expect_op(&mut self, o: &str) -> PResult<()> {
        if !self.is_op(o) {
            return Err(format!(
                "'{o}' expected at line {} near {:?}",
                self.line, self.tok
            ));
        }
        self.advance()
    }

    fn expect_kw(&mut self, k: &str) -> PResult<u32> {
        if !self.is_kw(k) {
            return Err(format!(
                "'{k}' expected at line {} near {:?}",
                self.line, self.tok
            ));
        }
        let l = self.line;
        self.advance()?;
        Ok(l)
    }

    fn name(&mut self) -> PResult<Name> {
        match std::mem::replace(&mut self.tok, Tok::Eof) {
            Tok::Name(n) => {
                self.advance()?;
                Ok(n)
            }
            t => {
                self.tok = t;
                Err(format!("<name> expected at line {}", self.line))
            }
        }
    }

    pub(crate) fn chunk(&mut self) -> PResult<Chunk> {
        let block = self.block()?;
        if self.tok != Tok::Eof {
            return Err(format!("'<eof>' expected at line {}", self.line));
        }
        Ok(Chunk {
            block: Block {
                end_line: self.line,
                ..block
            },
        })
    }

    fn block_follow(&self, with_until: bool) -> bool {
        match &self.tok {
            Tok::Eof => true,
            Tok::Kw("else") | Tok::Kw("elseif") | Tok::Kw("end") => true,
            Tok::Kw("until") => with_until,
            _ => false,
        }
    }

    fn block(&mut self) -> PResult<Block> {
        let mut stats = Vec::new();
        let mut ret = None;
        while !self.block_follow(true) {
            if self.is_kw("return") {
                let line = self.line;
                self.advance()?;
                let exprs = if self.block_follow(true) || self.is_op(";") {
                    Vec::new()
                } else {
                    self.exprlist()?
                };
                if self.is_op(";") {
                    self.advance()?;
                }
                ret = Some(Return { exprs, line });
                break;
            }
            if let Some(s) = self.statement()? {
                stats.push(s);
            }
        }
        Ok(Block {
            stats,
            ret,
            end_line: self.line,
        })
    }

    fn statement(&mut self) -> PResult<Option<Stat>> {
        let line = self.line;
        let kind = match self.tok.clone() {
            Tok::Op(";") => {
                self.advance()?;
                return Ok(None);
            }
            Tok::Kw("if") => {
                let mut arms = Vec::new();
                let mut else_block = None;
                loop {
                    let aline = self.line;
                    self.advance()?;
                    let cond = self.expr()?;
                    self.expect_kw("then")?;
                    let block = self.block()?;
                    arms.push(IfArm {
                        cond,
                        block,
                        line: aline,
                    });
                    if self.is_kw("elseif") {
                        continue;
                    }
                    if self.is_kw("else") {
                        self.advance()?;
                        else_block = Some(self.block()?);
                    }
                    break;
                }
                let end_line = self.expect_kw("end")?;
                StatKind::If {
                    arms,
                    else_block,
                    end_line,
                }
            }
            Tok::Kw("while") => {
                self.advance()?;
                let cond = self.expr()?;
                self.expect_kw("do")?;
                let body = self.block()?;
                self.expect_kw("end")?;
                StatKind::While { cond, body }
            }
            Tok::Kw("do") => {
                self.advance()?;
                let b = self.block()?;
                self.expect_kw("end")?;
                StatKind::Do(b)
            }
            Tok::Kw("for") => {
                self.advance()?;
                let n1 = self.name()?;
                if self.is_op("=") {
                    self.advance()?;
                    let start = self.expr()?;
                    self.expect_op(",")?;
                    let limit = self.expr()?;
                    let step = if self.is_op(",") {
                        self.advance()?;
                        Some(self.expr()?)
                    } else {
                        None
                    };
                    self.expect_kw("do")?;
                    let body = self.block()?;
                    self.expect_kw("end")?;
                    StatKind::NumFor {
                        var: n1,
                        start,
                        limit,
                        step,
                        body,
                    }
                } else {
                    let mut names = vec![n1];
                    while self.is_op(",") {
                        self.advance()?;
                        names.push(self.name()?);
                    }
                    self.expect_kw("in")?;
                    let in_line = self.line;
                    let exprs = self.exprlist()?;
                    self.expect_kw("do")?;
                    let body = self.block()?;
                    self.expect_kw("end")?;
                    StatKind::GenFor {
                        names,
                        exprs,
                        body,
                        in_line,
                    }
                }
            }
            Tok::Kw("repeat") => {
                self.advance()?;
                let body = self.block()?;
                self.expect_kw("until")?;
                let cond = self.expr()?;
                StatKind::Repeat { body, cond }
            }
            Tok::Kw("function") => {
                self.advance()?;
                let mut path = vec![self.name()?];
                let mut method = None;
                while self.is_op(".") {
                    self.advance()?;
                    path.push(self.name()?);
                }
                if self.is_op(":") {
                    self.advance()?;
                    method = Some(self.name()?);
                }
                let is_method = method.is_some();
                let func = self.body(line, is_method)?;
                StatKind::Function {
                    name: FuncName { path, method },
                    func: Box::new(func),
                }
            }
            Tok::Kw("local") => {
                self.advance()?;
                if self.is_kw("function") {
                    let fline = self.line;
                    self.advance()?;
                    let name = self.name()?;
                    let func = self.body(fline, false)?;
                    return Ok(Some(Stat {
                        kind: StatKind::LocalFunction {
                            name,
                            func: Box::new(func),
                        },
                        line: fline,
                    }));
                }
                let mut names = Vec::new();
                loop {
                    let name = self.name()?;
                    let attrib = if self.is_op("<") {
                        self.advance()?;
                        let a = self.name()?;
                        self.expect_op(">")?;
                        match &*a {
                            "const" => Some(Attrib::Const),
                            "close" => Some(Attrib::Close),
                            _ => return Err(format!("unknown attribute '{a}'")),
                        }
                    } else {
                        None
                    };
                    names.push(LocalName { name, attrib });
                    if !self.is_op(",") {
                        break;
                    }
                    self.advance()?;
                }
                let exprs = if self.is_op("=") {
                    self.advance()?;
                    self.exprlist()?
                } else {
                    Vec::new()
                };
                StatKind::Local { names, exprs }
            }
            Tok::Op("::") => {
                self.advance()?;
                let n = self.name()?;
                self.expect_op("::")?;
                StatKind::Label(n)
            }
            Tok::Kw("break") => {
                self.advance()?;
                StatKind::Break
            }
            Tok::Kw("goto") => {
                self.advance()?;
                StatKind::Goto(self.name()?)
            }
            _ => {
                let e = self.suffixed()?;
                if self.is_op("=") || self.is_op(",") {
                    let mut targets = vec![e];
                    while self.is_op(",") {
                        self.advance()?;
                        targets.push(self.suffixed()?);
                    }
                    let eq_line = self.line;
                    self.expect_op("=")?;
                    let exprs = self.exprlist()?;
                    return Ok(Some(Stat {
                        kind: StatKind::Assign { targets, exprs },
                        line: eq_line,
                    }));
                }
                if !e.is_multi() || matches!(e.kind, ExprKind::Vararg) {
                    return Err(format!("syntax error at line {}", self.line));
                }
                StatKind::Call(e)
            }
        };
        Ok(Some(Stat { kind, line }))
    }

    fn body(&mut self, line: u32, is_method: bool) -> PResult<FuncBody> {
        self.expect_op("(")?;
        let mut params = Vec::new();
        let mut is_vararg = false;
        if !self.is_op(")") {
            loop {
                if self.is_op("...") {
                    self.advance()?;
                    is_vararg = true;
                    break;
                }
                params.push(self.name()?);
                if !self.is_op(",") {
                    break;
                }
                self.advance()?;
            }
        }
        self.expect_op(")")?;
        let body = self.block()?;
        let end_line = self.expect_kw("end")?;
        Ok(FuncBody {
            params,
            is_vararg,
            is_method,
            body,
            line,
            end_line,
        })
    }

    fn exprlist(&mut self) -> PResult<Vec<Expr>> {
        let mut v = vec![self.expr()?];
        while self.is_op(",") {
            self.advance()?;
            v.push(self.expr()?);
        }
        Ok(v)
    }

    fn expr(&mut self) -> PResult<Expr> {
        self.subexpr(0)
    }

    fn subexpr(&mut self, limit: u8) -> PResult<Expr> {
        let uop = match &self.tok {
            Tok::Kw("not") => Some(UnOp::Not),
            Tok::Op("-") => Some(UnOp::Neg),
            Tok::Op("#") => Some(UnOp::Len),
            Tok::Op("~") => Some(UnOp::BNot),
            _ => None,
        };
        let mut e = if let Some(op) = uop {
            let line = self.line;
            self.advance()?;
            let operand = self.subexpr(UNARY_PRIORITY)?;
            Expr::new(ExprKind::Unary(op, Box::new(operand)), line)
        } else {
            self.simple()?
        };
        while let Some((op, left, right)) = binop(&self.tok) {
            if left <= limit {
                break;
            }
            let line = self.line;
            self.advance()?;
            let rhs = self.subexpr(right)?;
            e = Expr::new(ExprKind::Binary(op, Box::new(e), Box::new(rhs)), line);
        }
        Ok(e)
    }

    fn simple(&mut self) -> PResult<Expr> {
        let line = self.line;
        let kind = match self.tok.clone() {
            Tok::Int(i) => ExprKind::Int(i),
            Tok::Flt(f) => ExprKind::Float(f),
            Tok::Str(s) => ExprKind::Str(s),
            Tok::Kw("nil") => ExprKind::Nil,
            Tok::Kw("true") => ExprKind::True,
            Tok::Kw("false") => ExprKind::False,
            Tok::Op("...") => ExprKind::Vararg,
            Tok::Op("{") => return self.table(),
            Tok::Kw("function") => {
                self.advance()?;
                let b = self.body(line, false)?;
                return Ok(Expr::new(ExprKind::Function(Box::new(b)), line));
            }
            _ => return self.suffixed(),
        };
        self.advance()?;
        Ok(Expr::new(kind, line))
    }

    fn table(&mut self) -> PResult<Expr> {
        let line = self.line;
        self.expect_op("{")?;
        let mut fields = Vec::new();
        while !self.is_op("}") {
            if self.is_op("[") {
                self.advance()?;
                let k = self.expr()?;
                self.expect_op("]")?;
                self.expect_op("=")?;
                let v = self.expr()?;
                fields.push(Field::Keyed(k, v));
            } else if matches!(self.tok, Tok::Name(_)) && matches!(self.lookahead()?, Tok::Op("="))
            {
                let n = self.name()?;
                self.expect_op("=")?;
                let v = self.expr()?;
                fields.push(Field::Named(n, v));
            } else {
                fields.push(Field::Positional(self.expr()?));
            }
            if self.is_op(",") || self.is_op(";") {
                self.advance()?;
            } else {
                break;
            }
        }
        self.expect_op("}")?;
        Ok(Expr::new(ExprKind::Table(fields), line))
    }

    fn primary(&mut self) -> PResult<Expr> {
        let line = self.line;
        match self.tok.clone() {
            Tok::Name(n) => {
                self.advance()?;
                Ok(Expr::new(ExprKind::Name(n), line))
            }
            Tok::Op("(") => {
                self.advance()?;
                let e = self.expr()?;
                self.expect_op(")")?;
                Ok(Expr::new(ExprKind::Paren(Box::new(e)), line))
            }
            t => Err(format!("unexpected symbol {t:?} at line {line}")),
        }
    }

    fn args(&mut self) -> PResult<Vec<Expr>> {
        match self.tok.clone() {
            Tok::Str(s) => {
                let line = self.line;
                self.advance()?;
                Ok(vec![Expr::new(ExprKind::Str(s), line)])
            }
            Tok::Op("{") => Ok(vec![self.table()?]),
            _ => {
                self.expect_op("(")?;
                if self.is_op(")") {
                    self.advance()?;
                    return Ok(Vec::new());
                }
                let v = self.exprlist()?;
                self.expect_op(")")?;
                Ok(v)
            }
        }
    }

    fn suffixed(&mut self) -> PResult<Expr> {
        let mut e = self.primary()?;
        loop {
            let line = self.line;
            match &self.tok {
                Tok::Op(".") => {
                    self.advance()?;
                    let nline = self.line;
                    let n = self.name()?;
                    let key = Expr::new(ExprKind::Str(n.as_bytes().into()), nline);
                    e = Expr::new(ExprKind::Index(Box::new(e), Box::new(key)), line);
                }
                Tok::Op("[") => {
                    self.advance()?;
                    let k = self.expr()?;
                    self.expect_op("]")?;
                    e = Expr::new(ExprKind::Index(Box::new(e), Box::new(k)), line);
                }
                Tok::Op(":") => {
                    self.advance()?;
                    let n = self.name()?;
                    let aline = self.line;
                    let args = self.args()?;
                    e = Expr::new(ExprKind::Method(Box::new(e), n, args), aline);
                }
                Tok::Op("(") | Tok::Str(_) | Tok::Op("{") => {
                    let args = self.args()?;
                    e = Expr::new(ExprKind::Call(Box::new(e), args), line);
                }
                _ => return Ok(e),
            }
        }
    }
}

/// Parses a chunk with the test parser.
pub(crate) fn parse(src: &[u8]) -> Result<Chunk, String> {
    Parser::new(src)?.chunk()
}
