//! The interactive loop: reads a chunk (continuing while the input is incomplete), tries it
//! as an expression first (`return <line>`), runs it and prints the results.

use std::io::{BufRead, Write};

use luna_interp::call::MULTRET;
use luna_interp::{State, Value};

use crate::cli::{docall_public, report_public};

const PROMPT1: &str = "> ";
const PROMPT2: &str = ">> ";

fn prompt_of(st: &mut State, first: bool) -> Vec<u8> {
    let name = if first { "_PROMPT" } else { "_PROMPT2" };
    let v = st.get_global(name);
    if v.is_nil() {
        return (if first { PROMPT1 } else { PROMPT2 }).as_bytes().to_vec();
    }
    match st.to_display(v) {
        Ok(s) => s.as_bytes().to_vec(),
        Err(_) => {
            st.take_error();
            (if first { PROMPT1 } else { PROMPT2 }).as_bytes().to_vec()
        }
    }
}

fn read_line(st: &mut State, first: bool) -> Option<Vec<u8>> {
    let p = prompt_of(st, first);
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(&p);
    let _ = out.flush();
    let mut line = Vec::new();
    match std::io::stdin().lock().read_until(b'\n', &mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => {
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            Some(line)
        }
    }
}

/// True when a syntax error says the input ended early (it ends with `<eof>`).
fn incomplete(msg: &[u8]) -> bool {
    msg.ends_with(b"<eof>")
}

/// Reads and compiles one statement; `None` at end of input.
fn load_line(st: &mut State) -> Option<Result<Value, ()>> {
    let first = read_line(st, true)?;
    // Try as an expression.
    let mut ret = b"return ".to_vec();
    ret.extend_from_slice(&first);
    if let Ok(f) = st.load(&ret, b"=stdin", "t", None) {
        return Some(Ok(Value::LuaFn(f)));
    }
    st.take_error();
    let mut buf = first;
    loop {
        match st.load(&buf, b"=stdin", "t", None) {
            Ok(f) => return Some(Ok(Value::LuaFn(f))),
            Err(_) => {
                let e = st.take_error();
                let is_incomplete = matches!(e, Value::Str(s) if incomplete(s.as_bytes()));
                if !is_incomplete {
                    st.push(e);
                    return Some(Err(()));
                }
                match read_line(st, false) {
                    Some(more) => {
                        buf.push(b'\n');
                        buf.extend_from_slice(&more);
                    }
                    None => {
                        st.push(e);
                        return Some(Err(()));
                    }
                }
            }
        }
    }
}

pub fn run(st: &mut State, progname: &str) {
    loop {
        let base = st.arg_count();
        match load_line(st) {
            None => break,
            Some(Err(())) => {
                let e = st.pop();
                if let Value::Str(s) = e {
                    let mut err = std::io::stderr().lock();
                    let _ = writeln!(err, "{}: {}", progname, s.to_string_lossy());
                }
            }
            Some(Ok(f)) => {
                st.push(f);
                let r = docall_public(st, 0, MULTRET);
                if report_public(st, progname, r) {
                    let n = st.arg_count() - base;
                    if n > 0 {
                        let print = st.get_global("print");
                        let vals = st.top_values(n);
                        st.set_top(base);
                        st.push(print);
                        for v in vals {
                            st.push(v);
                        }
                        let r = docall_public(st, n, 0);
                        if r.is_err() {
                            let e = st.take_error();
                            let msg = match e {
                                Value::Str(s) => s.to_string_lossy(),
                                _ => "error calling 'print'".to_string(),
                            };
                            let mut err = std::io::stderr().lock();
                            let _ = writeln!(err, "{}: error calling 'print' ({})", progname, msg);
                        }
                    }
                }
            }
        }
        st.set_top(base);
    }
    println!();
}
