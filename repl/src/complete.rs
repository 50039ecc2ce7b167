//! Tab completion from the live state: keywords and globals, and the fields of the value
//! before a `.` or `:` (`string.up`, `io.stdout:wr`, `("x"):up`, `t.a.b`).
//!
//! Only raw reads are made: tables are read with `rawget`-style lookups and `next`, and a
//! metatable's `__index` is followed only when it is a table. No Lua code runs and nothing
//! is collected while completing, so the values looked at here need no rooting.

use luna_interp::{LuaType, State, Value};

use crate::highlight::{scan, Kind, Token, KEYWORDS};

/// How far `__index` chains are followed.
const MAX_INDEX_CHAIN: usize = 16;

/// What a chain like `a.b.c` or `("x")` starts from.
enum Root {
    Global(String),
    /// A string literal: its fields are those of the string metatable's `__index`.
    Str,
}

/// Completions for the text before `pos`: the byte where the replaced word starts, and the
/// full words that may replace it, sorted.
pub fn complete(st: &mut State, line: &str, pos: usize) -> (usize, Vec<String>) {
    let before = &line[..pos];
    let mut tokens: Vec<Token> = scan(before);
    // Nothing to complete inside a string or a comment, or right after a number.
    if let Some(Kind::Str { .. } | Kind::Comment | Kind::Number | Kind::Other) =
        tokens.last().map(|t| t.kind)
    {
        return (pos, Vec::new());
    }
    let (start, word) = match tokens.last() {
        Some(t) if matches!(t.kind, Kind::Name | Kind::Keyword | Kind::Constant) => {
            let t = tokens.pop().expect("last token");
            (t.range.start, before[t.range].to_string())
        }
        _ => (pos, String::new()),
    };
    tokens.retain(|t| !matches!(t.kind, Kind::Space | Kind::Comment));
    let sym = |t: &Token| {
        if t.kind == Kind::Symbol {
            &before[t.range.clone()]
        } else {
            ""
        }
    };
    let mut names: Vec<String> = match tokens.last().map(sym) {
        Some(s @ ("." | ":")) => {
            let method = s == ":";
            tokens.pop();
            let Some((root, fields)) = receiver(before, &tokens) else {
                return (pos, Vec::new());
            };
            let Some(v) = resolve(st, &root, &fields) else {
                return (pos, Vec::new());
            };
            field_names(st, v, method)
        }
        _ => {
            let mut v: Vec<String> = KEYWORDS.iter().map(|k| k.to_string()).collect();
            let g = Value::Table(st.globals());
            v.extend(field_names(st, g, false));
            v
        }
    };
    names.retain(|n| n.starts_with(&word));
    names.sort();
    names.dedup();
    (start, names)
}

/// Reads the expression before a `.` or `:` backwards: a chain of names (`a.b.c`), with
/// `["key"]` indexing, starting from a global or a string literal (`"x"`, `("x")`).
fn receiver(text: &str, tokens: &[Token]) -> Option<(Root, Vec<String>)> {
    let tok = |i: usize| &text[tokens[i].range.clone()];
    let mut fields = Vec::new();
    let mut j = tokens.len();
    loop {
        let last = j.checked_sub(1)?;
        let t = &tokens[last];
        match t.kind {
            Kind::Name => {
                let name = tok(last).to_string();
                if last >= 1 && tok(last - 1) == "." && tokens[last - 1].kind == Kind::Symbol {
                    fields.push(name);
                    j = last - 1;
                } else if last >= 1 && matches!(tok(last - 1), ":" | "::") {
                    return None;
                } else {
                    fields.reverse();
                    return Some((Root::Global(name), fields));
                }
            }
            Kind::Str { closed: true } => {
                // `"x":up`, but not the call `f"x":up`.
                let called = last >= 1
                    && (tokens[last - 1].kind == Kind::Name || matches!(tok(last - 1), ")" | "]"));
                return (fields.is_empty() && !called).then_some((Root::Str, fields));
            }
            Kind::Symbol if tok(last) == "]" => {
                // `["key"]`
                if last < 2 || tok(last - 2) != "[" {
                    return None;
                }
                let key = &tokens[last - 1];
                if key.kind != (Kind::Str { closed: true }) {
                    return None;
                }
                fields.push(string_literal_value(tok(last - 1))?);
                j = last - 2;
            }
            Kind::Symbol if tok(last) == ")" => {
                // `("x")`, not a call `f("x")`.
                if last < 2
                    || tok(last - 2) != "("
                    || tokens[last - 1].kind != (Kind::Str { closed: true })
                {
                    return None;
                }
                if !fields.is_empty() {
                    return None;
                }
                if last >= 3
                    && (matches!(tokens[last - 3].kind, Kind::Name | Kind::Str { .. })
                        || matches!(tok(last - 3), ")" | "]"))
                {
                    return None;
                }
                return Some((Root::Str, fields));
            }
            _ => return None,
        }
    }
}

/// The value of a short string literal without escapes (good enough for field names).
fn string_literal_value(lit: &str) -> Option<String> {
    let inner = lit.get(1..lit.len().checked_sub(1)?)?;
    (!inner.contains('\\')).then(|| inner.to_string())
}

/// Follows `root.f1.f2...` with raw reads.
fn resolve(st: &mut State, root: &Root, fields: &[String]) -> Option<Value> {
    let mut v = match root {
        Root::Str => return fields.is_empty().then(|| st.str_value("")),
        Root::Global(name) => {
            let g = Value::Table(st.globals());
            match lookup(st, g, name) {
                Value::Nil if name == "_ENV" => g,
                v => v,
            }
        }
    };
    for f in fields {
        v = lookup(st, v, f);
        if v.is_nil() {
            return None;
        }
    }
    Some(v)
}

/// `v[name]` with raw reads, following `__index` tables.
fn lookup(st: &mut State, v: Value, name: &str) -> Value {
    let mut cur = v;
    for _ in 0..MAX_INDEX_CHAIN {
        if let Value::Table(t) = cur {
            let r = st.raw_get_str(t, name);
            if !r.is_nil() {
                return r;
            }
        }
        match metaindex(st, cur) {
            Some(next) => cur = next,
            None => return Value::Nil,
        }
    }
    Value::Nil
}

/// The `__index` of a value's metatable, when it is a table.
fn metaindex(st: &mut State, v: Value) -> Option<Value> {
    let mt = match v {
        Value::Str(_) => st.type_metatable(LuaType::String),
        _ => st.metatable_of(v),
    }?;
    match st.raw_get_str(mt, "__index") {
        t @ Value::Table(_) => Some(t),
        _ => None,
    }
}

/// The identifier keys of `v` and of its `__index` tables (only those holding functions when
/// `methods`).
fn field_names(st: &mut State, v: Value, methods: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = v;
    let mut seen: Vec<usize> = Vec::new();
    for _ in 0..MAX_INDEX_CHAIN {
        if let Value::Table(t) = cur {
            if seen.contains(&t.addr()) {
                break;
            }
            seen.push(t.addr());
            let mut key = Value::Nil;
            while let Ok(Some((k, val))) = t.next(key) {
                key = k;
                if let Value::Str(s) = k {
                    if methods && !val.is_function() {
                        continue;
                    }
                    if let Ok(name) = std::str::from_utf8(s.as_bytes()) {
                        if is_identifier(name) {
                            out.push(name.to_string());
                        }
                    }
                }
            }
        }
        match metaindex(st, cur) {
            Some(next) => cur = next,
            None => break,
        }
    }
    out
}

fn is_identifier(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        && !KEYWORDS.contains(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> Box<State> {
        let mut st = State::new();
        luna_stdlib::open_libs(&mut st).unwrap();
        st
    }

    fn run(st: &mut State, code: &str) {
        let f = st.load(code.as_bytes(), b"=test", "t", None).unwrap();
        st.call_value(Value::LuaFn(f), &[], 0).unwrap();
    }

    fn words(st: &mut State, line: &str) -> (usize, Vec<String>) {
        complete(st, line, line.len())
    }

    #[test]
    fn globals_and_keywords() {
        let mut st = state();
        let (start, w) = words(&mut st, "x = pri");
        assert_eq!(start, 4);
        assert_eq!(w, ["print"]);
        let (_, w) = words(&mut st, "fun");
        assert_eq!(w, ["function"]);
        let (_, w) = words(&mut st, "loc");
        assert_eq!(w, ["local"]);
    }

    #[test]
    fn fields_and_methods() {
        let mut st = state();
        assert_eq!(words(&mut st, "string.up"), (7, vec!["upper".to_string()]));
        assert_eq!(words(&mut st, "(\"x\"):up"), (6, vec!["upper".to_string()]));
        assert_eq!(words(&mut st, "s = ('x'):re").1, ["rep", "reverse"]);
        assert_eq!(words(&mut st, "io.stdout:wr").1, ["write"]);
        assert_eq!(words(&mut st, "_G.string.ch").1, ["char"]);
        assert_eq!(words(&mut st, "_G[\"string\"].ch").1, ["char"]);
        let (start, w) = words(&mut st, "math.");
        assert_eq!(start, 5);
        assert!(w.contains(&"pi".to_string()) && w.contains(&"floor".to_string()));
    }

    #[test]
    fn index_tables_are_followed() {
        let mut st = state();
        run(&mut st, "Base = {greet = function() end, size = 3} obj = setmetatable({own = 1}, {__index = Base})");
        assert_eq!(words(&mut st, "obj.").1, ["greet", "own", "size"]);
        assert_eq!(words(&mut st, "obj:").1, ["greet"]);
    }

    #[test]
    fn nothing_where_nothing_fits() {
        let mut st = state();
        assert!(words(&mut st, "print('string.up").1.is_empty());
        assert!(words(&mut st, "-- string.up").1.is_empty());
        assert!(words(&mut st, "f(\"x\"):up").1.is_empty());
        assert!(words(&mut st, "nosuch.x").1.is_empty());
        assert!(words(&mut st, "x = 1.").1.is_empty());
    }
}
