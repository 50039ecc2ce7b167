//! Helpers shared by the grammar's integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// A case file: pairs of an escaped chunk and its `--> ` expectation (see data/regen.lua).
pub struct Case {
    pub line: usize,
    pub source: Vec<u8>,
    pub expected: String,
    /// The expectation as written (escaped).
    pub expected_escaped: String,
}

pub fn data_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// Escapes bytes as case files do.
pub fn escape(b: &[u8]) -> String {
    let mut s = String::new();
    for &c in b {
        match c {
            b'\n' => s.push_str("\\n"),
            b'\r' => s.push_str("\\r"),
            b'\t' => s.push_str("\\t"),
            b'\\' => s.push_str("\\\\"),
            0x20..=0x7e => s.push(c as char),
            _ => s.push_str(&format!("\\x{c:02X}")),
        }
    }
    s
}

pub fn read_cases(name: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(data_path(name)).expect("case file");
    let mut cases = Vec::new();
    let mut pending: Option<(usize, Vec<u8>)> = None;
    for (i, line) in text.lines().enumerate() {
        if let Some(expect) = line.strip_prefix("--> ") {
            let (at, source) = pending.take().expect("expectation without a chunk");
            let expected = String::from_utf8_lossy(&unescape(expect)).into_owned();
            cases.push(Case {
                line: at,
                source,
                expected,
                expected_escaped: expect.to_string(),
            });
        } else if line.starts_with('#') || line.is_empty() {
            continue;
        } else {
            assert!(
                pending.is_none(),
                "line {}: chunk without expectation",
                i + 1
            );
            pending = Some((i + 1, unescape(line)));
        }
    }
    assert!(pending.is_none(), "last chunk has no expectation");
    cases
}

/// Undoes the escapes of case files: `\n`, `\r`, `\t`, `\\`, `\xHH`.
pub fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            match b[i + 1] {
                b'n' => out.push(b'\n'),
                b'r' => out.push(b'\r'),
                b't' => out.push(b'\t'),
                b'\\' => out.push(b'\\'),
                b'x' => {
                    let hex = std::str::from_utf8(&b[i + 2..i + 4]).unwrap();
                    out.push(u8::from_str_radix(hex, 16).unwrap());
                    i += 2;
                }
                other => panic!("bad escape \\{}", other as char),
            }
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

/// The official test suite, when it is present next to the workspace.
pub fn testes_dir() -> Option<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../.testes/testes");
    dir.is_dir().then_some(dir)
}

/// Runs `f` on a thread with a small stack, to show it does not recurse deeply.
pub fn with_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// Renders a tree compactly and unambiguously: expressions fully parenthesised, statements as
/// `(kind ...)`, string bytes escaped. Walks left spines with recursion, so only for small trees.
pub mod render {
    use luna_grammar::ast::*;

    pub fn chunk(c: &Chunk) -> String {
        block(&c.block)
    }

    pub fn block(b: &Block) -> String {
        let mut parts: Vec<String> = b.stats.iter().map(stat).collect();
        if let Some(r) = &b.ret {
            parts.push(format!("(return{})", list(&r.exprs)));
        }
        parts.join(" ")
    }

    fn list(es: &[Expr]) -> String {
        es.iter().map(|e| format!(" {}", expr(e))).collect()
    }

    fn names(ns: &[Name]) -> String {
        ns.iter().map(|n| format!(" {n}")).collect()
    }

    fn body(f: &FuncBody) -> String {
        let mut params: Vec<String> = f.params.iter().map(|p| p.to_string()).collect();
        if f.is_vararg {
            params.push("...".into());
        }
        let method = if f.is_method { ":" } else { "" };
        format!("{method}({}) {{{}}}", params.join(" "), block(&f.body))
    }

    pub fn stat(s: &Stat) -> String {
        match &s.kind {
            StatKind::Local { names, exprs } => {
                let ns: Vec<String> = names
                    .iter()
                    .map(|n| match n.attrib {
                        None => n.name.to_string(),
                        Some(Attrib::Const) => format!("{}<const>", n.name),
                        Some(Attrib::Close) => format!("{}<close>", n.name),
                    })
                    .collect();
                format!("(local {} ={})", ns.join(" "), list(exprs))
            }
            StatKind::Assign { targets, exprs } => {
                format!("(set{} ={})", list(targets), list(exprs))
            }
            StatKind::Call(e) => format!("(call {})", expr(e)),
            StatKind::Do(b) => format!("(do {{{}}})", block(b)),
            StatKind::While { cond, body } => format!("(while {} {{{}}})", expr(cond), block(body)),
            StatKind::Repeat { body, cond } => {
                format!("(repeat {{{}}} {})", block(body), expr(cond))
            }
            StatKind::If {
                arms, else_block, ..
            } => {
                let mut s = String::from("(if");
                for a in arms {
                    s.push_str(&format!(" {} {{{}}}", expr(&a.cond), block(&a.block)));
                }
                if let Some(b) = else_block {
                    s.push_str(&format!(" else {{{}}}", block(b)));
                }
                s + ")"
            }
            StatKind::NumFor {
                var,
                start,
                limit,
                step,
                body,
                ..
            } => {
                let step = step
                    .as_ref()
                    .map(|e| format!(" {}", expr(e)))
                    .unwrap_or_default();
                format!(
                    "(for {var} {} {}{step} {{{}}})",
                    expr(start),
                    expr(limit),
                    block(body)
                )
            }
            StatKind::GenFor {
                names: ns,
                exprs,
                body,
                ..
            } => {
                format!("(forin{} in{} {{{}}})", names(ns), list(exprs), block(body))
            }
            StatKind::Function { name, func } => {
                let mut n = name.path.join(".");
                if let Some(m) = &name.method {
                    n = format!("{n}:{m}");
                }
                format!("(function {n} {})", body(func))
            }
            StatKind::LocalFunction { name, func } => {
                format!("(localfunction {name} {})", body(func))
            }
            StatKind::Goto(n) => format!("(goto {n})"),
            StatKind::Label(n) => format!("(label {n})"),
            StatKind::Break => "(break)".into(),
        }
    }

    pub fn string(b: &[u8]) -> String {
        let mut s = String::from("\"");
        for &c in b {
            match c {
                b'"' => s.push_str("\\\""),
                b'\\' => s.push_str("\\\\"),
                b'\n' => s.push_str("\\n"),
                0x20..=0x7e => s.push(c as char),
                _ => s.push_str(&format!("\\x{c:02X}")),
            }
        }
        s + "\""
    }

    pub fn expr(e: &Expr) -> String {
        match &e.kind {
            ExprKind::Nil => "nil".into(),
            ExprKind::True => "true".into(),
            ExprKind::False => "false".into(),
            ExprKind::Vararg => "...".into(),
            ExprKind::Int(i) => i.to_string(),
            ExprKind::Float(f) => format!("{f:?}"),
            ExprKind::Str(s) => string(s),
            ExprKind::Function(f) => format!("function{}", body(f)),
            ExprKind::Table(fields) => {
                let fs: Vec<String> = fields
                    .iter()
                    .map(|f| match f {
                        Field::Positional(e) => expr(e),
                        Field::Named(n, e) => format!("{n}={}", expr(e)),
                        Field::Keyed(k, e) => format!("[{}]={}", expr(k), expr(e)),
                    })
                    .collect();
                format!("{{{}}}", fs.join(", "))
            }
            ExprKind::Binary(op, a, b) => format!("({} {} {})", expr(a), binop(*op), expr(b)),
            ExprKind::Unary(op, a) => {
                let op = match op {
                    UnOp::Neg => "-",
                    UnOp::Not => "not ",
                    UnOp::Len => "#",
                    UnOp::BNot => "~",
                };
                format!("({op}{})", expr(a))
            }
            ExprKind::Name(n) => n.to_string(),
            ExprKind::Index(o, k) => format!("{}[{}]", expr(o), expr(k)),
            ExprKind::Call(f, args) => {
                let a: Vec<String> = args.iter().map(expr).collect();
                format!("{}({})", expr(f), a.join(", "))
            }
            ExprKind::Method(o, m, args) => {
                let a: Vec<String> = args.iter().map(expr).collect();
                format!("{}:{m}({})", expr(o), a.join(", "))
            }
            ExprKind::Paren(e) => format!("<{}>", expr(e)),
        }
    }

    pub fn binop(op: BinOp) -> &'static str {
        use BinOp::*;
        match op {
            Add => "+",
            Sub => "-",
            Mul => "*",
            Div => "/",
            IDiv => "//",
            Mod => "%",
            Pow => "^",
            Concat => "..",
            Eq => "==",
            Ne => "~=",
            Lt => "<",
            Le => "<=",
            Gt => ">",
            Ge => ">=",
            And => "and",
            Or => "or",
            BAnd => "&",
            BOr => "|",
            BXor => "~",
            Shl => "<<",
            Shr => ">>",
        }
    }
}

/// Pairs of lines `chunk` / `=> rendering` (escapes as in case files); `#` lines are comments.
pub fn read_pairs(name: &str) -> Vec<(usize, Vec<u8>, String)> {
    let text = std::fs::read_to_string(data_path(name)).expect("data file");
    let mut out = Vec::new();
    let mut pending: Option<(usize, Vec<u8>)> = None;
    for (i, line) in text.lines().enumerate() {
        if let Some(expect) = line.strip_prefix("=> ") {
            let (at, src) = pending.take().expect("expectation without a chunk");
            out.push((at, src, expect.to_string()));
        } else if !(line.starts_with('#') || line.is_empty()) {
            assert!(
                pending.is_none(),
                "line {}: chunk without expectation",
                i + 1
            );
            pending = Some((i + 1, unescape(line)));
        }
    }
    assert!(pending.is_none());
    out
}
