//! Pretty-printing of the REPL's results at a terminal: tables shown with their contents,
//! nested, keys sorted, on one line when it fits the terminal and one entry per line when it
//! does not.
//!
//! Rendering is done in three steps so that no Lua code runs while the value graph is being
//! walked (a `__tostring` could change or free what is being walked):
//! 1. `Builder` walks the values with raw reads into a `Node` tree of plain Rust data;
//!    values that need `tostring` with a metamethod are set aside as `Deferred`.
//! 2. The set-aside values are pushed on the stack (rooting them at once: nothing collects
//!    between the walk and the push) and converted in one protected call.
//! 3. `layout` turns the tree into text.
//!
//! Bounds: `MAX_DEPTH` levels of nesting, `MAX_ITEMS` entries per table, `MAX_NODES`
//! values in all; beyond them the output says what was left out. A table met again inside
//! itself is a cycle and is shown as `<cycle table: 0x...>`; tables that such markers point
//! to are labelled with their address.

use std::collections::HashSet;

use luna_interp::{LuaResult, State, Value};

use crate::exec::protected;

const MAX_DEPTH: usize = 6;
const MAX_ITEMS: usize = 100;
const MAX_NODES: usize = 3000;

enum Node {
    /// Final text.
    Text(String),
    /// Index into the list of values to convert with `tostring`.
    Deferred(usize),
    Table {
        id: usize,
        entries: Vec<(Option<String>, Node)>,
        omitted: usize,
    },
    /// A table shown elsewhere on the path from the root.
    Cycle(usize),
    /// A table below the depth limit.
    Elided,
}

struct Builder<'s> {
    st: &'s mut State,
    deferred: Vec<Value>,
    path: Vec<usize>,
    cycle_targets: HashSet<usize>,
    nodes: usize,
}

impl Builder<'_> {
    fn defer(&mut self, v: Value) -> Node {
        self.deferred.push(v);
        Node::Deferred(self.deferred.len() - 1)
    }

    fn has_tostring(&mut self, v: Value) -> bool {
        !self.st.get_metafield(v, "__tostring").is_nil()
    }

    fn value(&mut self, v: Value, depth: usize) -> Node {
        self.nodes += 1;
        if self.has_tostring(v) {
            return self.defer(v);
        }
        match v {
            Value::Table(t) => {
                let id = t.addr();
                if self.path.contains(&id) {
                    self.cycle_targets.insert(id);
                    return Node::Cycle(id);
                }
                if depth >= MAX_DEPTH || self.nodes >= MAX_NODES {
                    return Node::Elided;
                }
                self.path.push(id);
                let node = self.table(t, depth);
                self.path.pop();
                node
            }
            Value::Str(s) => Node::Text(quote(s.as_bytes())),
            Value::Nil | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {
                let s = self.st.coerce_to_str(v);
                Node::Text(match (v, s) {
                    (Value::Nil, _) => "nil".into(),
                    (Value::Bool(b), _) => b.to_string(),
                    (_, Some(s)) => s.to_string_lossy(),
                    _ => String::new(),
                })
            }
            other => Node::Text(self.raw_name(other)),
        }
    }

    /// `tostring` of a value without `__tostring`: its `__name` or type, and address.
    fn raw_name(&mut self, v: Value) -> String {
        let name = match self.st.get_metafield(v, "__name") {
            Value::Str(s) => s.to_string_lossy(),
            _ => v.type_name().to_string(),
        };
        format!("{}: 0x{:x}", name, v.identity().unwrap_or(0))
    }

    fn table(&mut self, t: luna_interp::Gc<luna_interp::table::Table>, depth: usize) -> Node {
        let mut entries = Vec::new();
        let mut omitted = 0;
        // The sequence part, without keys.
        let mut n = 0i64;
        loop {
            let v = t.get_int(n + 1);
            if v.is_nil() {
                break;
            }
            n += 1;
            if entries.len() < MAX_ITEMS {
                let node = self.value(v, depth + 1);
                entries.push((None, node));
            } else {
                omitted += 1;
            }
        }
        // The other keys, sorted.
        let mut rest: Vec<(Value, Value)> = Vec::new();
        let mut key = Value::Nil;
        while let Ok(Some((k, v))) = t.next(key) {
            key = k;
            if matches!(k, Value::Int(i) if i >= 1 && i <= n) {
                continue;
            }
            rest.push((k, v));
        }
        rest.sort_by(|a, b| key_order(&a.0, &b.0));
        for (k, v) in rest {
            if entries.len() >= MAX_ITEMS {
                omitted += 1;
                continue;
            }
            let ktext = self.key(k);
            let node = self.value(v, depth + 1);
            entries.push((Some(ktext), node));
        }
        Node::Table {
            id: t.addr(),
            entries,
            omitted,
        }
    }

    fn key(&mut self, k: Value) -> String {
        match k {
            Value::Str(s) => match std::str::from_utf8(s.as_bytes()) {
                Ok(name) if is_identifier(name) => name.to_string(),
                _ => format!("[{}]", quote(s.as_bytes())),
            },
            Value::Int(_) | Value::Float(_) => {
                let s = self
                    .st
                    .coerce_to_str(k)
                    .map(|s| s.to_string_lossy())
                    .unwrap_or_default();
                format!("[{}]", s)
            }
            Value::Bool(b) => format!("[{}]", b),
            other => format!("[{}]", self.raw_name(other)),
        }
    }
}

/// Numbers first (by value), then strings (by bytes), then booleans, then the rest.
fn key_order(a: &Value, b: &Value) -> std::cmp::Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Int(_) | Value::Float(_) => 0,
            Value::Str(_) => 1,
            Value::Bool(_) => 2,
            _ => 3,
        }
    }
    fn num(v: &Value) -> f64 {
        match *v {
            Value::Int(i) => i as f64,
            Value::Float(f) => f,
            _ => 0.0,
        }
    }
    rank(a).cmp(&rank(b)).then_with(|| match (a, b) {
        (Value::Str(x), Value::Str(y)) => x.as_bytes().cmp(y.as_bytes()),
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        _ if rank(a) == 0 => num(a).total_cmp(&num(b)),
        _ => a
            .type_name()
            .cmp(b.type_name())
            .then(a.identity().cmp(&b.identity())),
    })
}

fn is_identifier(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        && !crate::highlight::KEYWORDS.contains(&s)
}

/// A string as a Lua literal in double quotes; control characters and bytes that are not
/// UTF-8 are written as three-digit decimal escapes.
fn quote(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len() + 2);
    out.push('"');
    for chunk in b.utf8_chunks() {
        for c in chunk.valid().chars() {
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '\n' => out.push_str("\\n"),
                '\r' => out.push_str("\\r"),
                '\t' => out.push_str("\\t"),
                c if (c as u32) < 0x20 || c == '\x7f' => {
                    out.push_str(&format!("\\{:03}", c as u32))
                }
                c => out.push(c),
            }
        }
        for &byte in chunk.invalid() {
            out.push_str(&format!("\\{:03}", byte));
        }
    }
    out.push('"');
    out
}

/// `tostring` of every argument, in place (run in protected mode: `__tostring` may fail).
fn tostring_all(st: &mut State) -> LuaResult<usize> {
    let n = st.arg_count();
    for i in 1..=n {
        let s = st.to_display(st.arg(i))?;
        st.set_arg(i, Value::Str(s));
    }
    Ok(n)
}

struct Layout<'a> {
    texts: &'a [String],
    cycle_targets: &'a HashSet<usize>,
    width: usize,
}

impl Layout<'_> {
    fn label(&self, id: usize) -> String {
        if self.cycle_targets.contains(&id) {
            format!("<table: 0x{:x}> ", id)
        } else {
            String::new()
        }
    }

    /// The node on one line.
    fn flat(&self, node: &Node, out: &mut String) {
        match node {
            Node::Text(s) => out.push_str(s),
            Node::Deferred(i) => out.push_str(&self.texts[*i]),
            Node::Cycle(id) => out.push_str(&format!("<cycle table: 0x{:x}>", id)),
            Node::Elided => out.push_str("{...}"),
            Node::Table {
                id,
                entries,
                omitted,
            } => {
                out.push_str(&self.label(*id));
                if entries.is_empty() && *omitted == 0 {
                    out.push_str("{}");
                    return;
                }
                out.push_str("{ ");
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if let Some(k) = k {
                        out.push_str(k);
                        out.push_str(" = ");
                    }
                    self.flat(v, out);
                }
                if *omitted > 0 {
                    if !entries.is_empty() {
                        out.push_str(", ");
                    }
                    out.push_str(&format!("...({} more)", omitted));
                }
                out.push_str(" }");
            }
        }
    }

    /// The node starting at column `col`, with following lines indented by `indent`.
    fn render(&self, node: &Node, col: usize, indent: usize, out: &mut String) {
        let mut one = String::new();
        self.flat(node, &mut one);
        let fits = col + one.chars().count() <= self.width && !one.contains('\n');
        let Node::Table {
            id,
            entries,
            omitted,
        } = node
        else {
            out.push_str(&one);
            return;
        };
        if fits || (entries.is_empty() && *omitted == 0) {
            out.push_str(&one);
            return;
        }
        out.push_str(&self.label(*id));
        out.push_str("{\n");
        let pad = " ".repeat(indent + 2);
        for (k, v) in entries {
            out.push_str(&pad);
            let mut c = indent + 2;
            if let Some(k) = k {
                out.push_str(k);
                out.push_str(" = ");
                c += k.chars().count() + 3;
            }
            self.render(v, c, indent + 2, out);
            out.push_str(",\n");
        }
        if *omitted > 0 {
            out.push_str(&pad);
            out.push_str(&format!("...({} more)\n", omitted));
        }
        out.push_str(&" ".repeat(indent));
        out.push('}');
    }
}

/// The text for the `n` values at the top of the stack, tab-separated as `print` does, with
/// tables laid out for a terminal `width` columns wide. Errors from `__tostring` come back
/// as their message.
pub fn render(st: &mut State, n: usize, width: usize) -> Result<String, Vec<u8>> {
    let values = st.top_values(n);
    let mut b = Builder {
        st,
        deferred: Vec::new(),
        path: Vec::new(),
        cycle_targets: HashSet::new(),
        nodes: 0,
    };
    let mut roots = Vec::with_capacity(n);
    for v in values {
        // Top-level values other than tables show as `print` shows them.
        let node = if matches!(v, Value::Table(_)) {
            b.value(v, 0)
        } else {
            b.defer(v)
        };
        roots.push(node);
    }
    let Builder {
        st,
        deferred,
        cycle_targets,
        ..
    } = b;
    let texts: Vec<String> = if deferred.is_empty() {
        Vec::new()
    } else {
        let count = protected(st, tostring_all, &deferred)?;
        let strs = st.top_values(count);
        let base = st.abs_index(1);
        let top = st.abs_top();
        let out = strs
            .iter()
            .map(|v| match v {
                Value::Str(s) => s.to_string_lossy(),
                _ => String::new(),
            })
            .collect();
        st.set_top(top - count - base);
        out
    };
    let layout = Layout {
        texts: &texts,
        cycle_targets: &cycle_targets,
        width: width.max(20),
    };
    let mut out = String::new();
    for (i, node) in roots.iter().enumerate() {
        if i > 0 {
            out.push('\t');
        }
        let col = out.rsplit('\n').next().map_or(0, |l| l.chars().count());
        layout.render(node, col, 0, &mut out);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(code: &str, width: usize) -> String {
        let mut st = State::new();
        luna_stdlib::open_libs(&mut st).unwrap();
        let f = st.load(code.as_bytes(), b"=test", "t", None).unwrap();
        let n = st.call_value(Value::LuaFn(f), &[], -1).unwrap();
        let before = st.arg_count();
        let s = render(&mut st, n, width).unwrap();
        assert_eq!(st.arg_count(), before, "stack left as it was");
        s
    }

    #[test]
    fn flat_tables() {
        assert_eq!(show("return {}", 80), "{}");
        assert_eq!(
            show("return {1, 2, 'x', y = true, [10] = 1.5}", 80),
            "{ 1, 2, \"x\", [10] = 1.5, y = true }"
        );
        assert_eq!(
            show("return {b = 1, a = {c = 'q\"\\n'}, ['not id'] = 0}", 80),
            "{ a = { c = \"q\\\"\\n\" }, b = 1, [\"not id\"] = 0 }"
        );
        assert_eq!(show("return 1, 'two', {3}", 80), "1\ttwo\t{ 3 }");
        assert_eq!(show("return nil", 80), "nil");
        assert_eq!(
            show("return {'\\0\\1a\\200é'}", 80),
            "{ \"\\000\\001a\\200é\" }"
        );
    }

    #[test]
    fn wide_tables_break_into_lines() {
        let s = show(
            "return {alpha = 'aaaaaaaaaa', beta = {1, 2, 3}, gamma = 'cccccccccc'}",
            30,
        );
        assert_eq!(
            s,
            "{\n  alpha = \"aaaaaaaaaa\",\n  beta = { 1, 2, 3 },\n  gamma = \"cccccccccc\",\n}"
        );
    }

    #[test]
    fn cycles_depth_and_width() {
        let s = show("local t = {} t.self = t return t", 80);
        assert!(
            s.starts_with("<table: 0x") && s.contains("self = <cycle table: 0x"),
            "{}",
            s
        );
        let s = show(
            "local t = {} local c = t for i = 1, 20 do c.x = {} c = c.x end return t",
            200,
        );
        assert!(s.contains("{...}") && !s.contains("cycle"), "{}", s);
        let s = show("local t = {} for i = 1, 150 do t[i] = i end return t", 2000);
        assert!(s.ends_with(", 100, ...(50 more) }"), "{}", s);
        // A table seen twice but not inside itself is no cycle.
        let s = show("local a = {1} return {a, a}", 80);
        assert_eq!(s, "{ { 1 }, { 1 } }");
    }

    #[test]
    fn tostring_metamethods_are_used() {
        let s = show("return setmetatable({}, {__tostring = function() return 'OBJ' end}), {setmetatable({}, {__tostring = function() return 'in' end})}", 80);
        assert_eq!(s, "OBJ\t{ in }");
        let s = show("return setmetatable({1}, {__name = 'Point'})", 80);
        assert_eq!(s, "{ 1 }");
    }

    #[test]
    fn tostring_errors_are_reported() {
        let mut st = State::new();
        luna_stdlib::open_libs(&mut st).unwrap();
        let f = st
            .load(
                b"return {setmetatable({}, {__tostring = function() error('boom') end})}",
                b"=t",
                "t",
                None,
            )
            .unwrap();
        let n = st.call_value(Value::LuaFn(f), &[], -1).unwrap();
        let before = st.arg_count();
        let e = render(&mut st, n, 80).unwrap_err();
        assert!(String::from_utf8_lossy(&e).contains("boom"));
        assert_eq!(st.arg_count(), before);
    }
}
