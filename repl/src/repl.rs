//! The read-eval-print loop (`doREPL` of lua.c).
//!
//! Each round reads a line and compiles it first as `return <line>;` (so a bare expression
//! prints its values), else as a statement, reading more lines (prompt `_PROMPT2`) while the
//! syntax error says the chunk ended early (`<eof>`). The chunk runs with a traceback handler
//! and Ctrl-C interrupting it; errors are printed without the program name and the loop goes
//! on, with the state as the chunk left it.
//!
//! Input comes from one of two places:
//! - a terminal on both stdin and stdout: the line editor (`editor.rs`), and results are
//!   pretty-printed (`pretty.rs`) unless `print` was replaced;
//! - anything else: plain lines from stdin, printed as `lua` built with readline prints them
//!   (the prompt, and the line read echoed after it when stdin is not a terminal), and results
//!   go through the global `print`.

use std::io::{BufRead, IsTerminal, Write};

use luna_interp::call::MULTRET;
use luna_interp::{LuaResult, State, Value};

use crate::editor::{LineEditor, Read};
use crate::exec::{docall, load, message, pcall, protected};

const PROMPT1: &str = "> ";
const PROMPT2: &str = ">> ";

enum Input<'a> {
    Editor(Box<LineEditor<'a>>),
    /// Lines from stdin; `echo` repeats each after the prompt, as readline does when stdin
    /// is not a terminal.
    Plain {
        echo: bool,
    },
}

impl<'a> Input<'a> {
    fn read(&mut self, st: &'a mut State, prompt: &[u8]) -> (&'a mut State, Read) {
        match self {
            Input::Editor(ed) => ed.read(st, &String::from_utf8_lossy(prompt)),
            Input::Plain { echo } => (st, read_plain(prompt, *echo)),
        }
    }

    fn remember(&mut self, chunk: &[u8]) {
        if let Input::Editor(ed) = self {
            ed.remember(chunk);
        }
    }
}

fn read_plain(prompt: &[u8], echo: bool) -> Read {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(prompt);
    let _ = out.flush();
    // The same buffered stdin as `io.read`, so a chunk that reads stdin gets the next lines.
    let mut line = Vec::new();
    match std::io::stdin().lock().read_until(b'\n', &mut line) {
        Ok(0) | Err(_) => Read::Eof,
        Ok(_) => {
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            if echo {
                let _ = out.write_all(&line);
                let _ = out.write_all(b"\n");
                let _ = out.flush();
            }
            Read::Line(line)
        }
    }
}

/// `tostring(arg1)` (`luaL_tolstring`), run in protected mode.
fn tostring_native(st: &mut State) -> LuaResult<usize> {
    let s = st.to_display(st.arg(1))?;
    st.push(Value::Str(s));
    Ok(1)
}

/// The prompt: `_PROMPT`/`_PROMPT2` through `tostring`, or the default.
fn prompt(st: &mut State, first: bool) -> Vec<u8> {
    let (name, default) = if first {
        ("_PROMPT", PROMPT1)
    } else {
        ("_PROMPT2", PROMPT2)
    };
    let v = st.get_global(name);
    if v.is_nil() {
        return default.as_bytes().to_vec();
    }
    match protected(st, tostring_native, &[v]) {
        Ok(n) => {
            let s = match st.stack_at(st.abs_top() - 1) {
                Value::Str(s) => s.as_bytes().to_vec(),
                _ => default.as_bytes().to_vec(),
            };
            let keep = st.arg_count() - n;
            st.set_top(keep);
            s
        }
        Err(msg) => {
            message(None, &msg);
            default.as_bytes().to_vec()
        }
    }
}

/// A chunk read and compiled, or why not.
enum Chunk {
    Ready(Value),
    /// A syntax error, to print.
    Error(Vec<u8>),
    /// Ctrl-C while typing: start over.
    Cancelled,
    Eof,
}

fn incomplete(msg: &[u8]) -> bool {
    msg.ends_with(b"<eof>")
}

struct Repl<'a> {
    input: Input<'a>,
}

impl<'a> Repl<'a> {
    /// Shows the prompt and reads one line.
    fn line(&mut self, st: &'a mut State, first: bool) -> (&'a mut State, Read) {
        let p = prompt(st, first);
        self.input.read(st, &p)
    }

    /// `loadline`: reads lines until they make a chunk (or cannot).
    fn chunk(&mut self, mut st: &'a mut State) -> (&'a mut State, Chunk) {
        let (s, first) = self.line(st, true);
        st = s;
        let mut line = match first {
            Read::Line(l) => l,
            Read::Interrupted => return (st, Chunk::Cancelled),
            Read::Eof => return (st, Chunk::Eof),
        };
        // `=expr` means `return expr`, as in Lua 5.2.
        if line.first() == Some(&b'=') {
            let mut r = b"return ".to_vec();
            r.extend_from_slice(&line[1..]);
            line = r;
        }
        // First as an expression.
        let mut ret = b"return ".to_vec();
        ret.extend_from_slice(&line);
        ret.push(b';');
        if let Ok(f) = load(st, &ret, b"=stdin") {
            self.input.remember(&line);
            return (st, Chunk::Ready(f));
        }
        // Then as statements, with continuation lines.
        let mut buf = line;
        loop {
            match load(st, &buf, b"=stdin") {
                Ok(f) => {
                    self.input.remember(&buf);
                    return (st, Chunk::Ready(f));
                }
                Err(msg) if incomplete(&msg) => {
                    let (s, more) = self.line(st, false);
                    st = s;
                    match more {
                        Read::Line(l) => {
                            buf.push(b'\n');
                            buf.extend_from_slice(&l);
                        }
                        Read::Interrupted => return (st, Chunk::Cancelled),
                        Read::Eof => {
                            self.input.remember(&buf);
                            return (st, Chunk::Error(msg));
                        }
                    }
                }
                Err(msg) => {
                    self.input.remember(&buf);
                    return (st, Chunk::Error(msg));
                }
            }
        }
    }

    /// `l_print`: shows the `n` values at the top of the stack.
    fn print_results(&mut self, st: &mut State, n: usize, standard_print: usize) {
        let print = st.get_global("print");
        if let Input::Editor(ed) = &mut self.input {
            if print.raw_eq(&st.stack_at(standard_print)) {
                let width = ed.width();
                match crate::pretty::render(st, n, width) {
                    Ok(text) => {
                        let mut out = std::io::stdout().lock();
                        let _ = out.write_all(text.as_bytes());
                        let _ = out.write_all(b"\n");
                        let _ = out.flush();
                    }
                    Err(msg) => message(None, &msg),
                }
                return;
            }
        }
        let top = st.arg_count();
        st.insert(top - n + 1, print);
        if let Err(msg) = pcall(st, n, 0) {
            let mut m = b"error calling 'print' (".to_vec();
            m.extend_from_slice(&msg);
            m.push(b')');
            message(None, &m);
        }
    }
}

pub fn run(st: &mut State, _progname: &str) {
    let stdin_tty = std::io::stdin().is_terminal();
    let input = if stdin_tty && std::io::stdout().is_terminal() {
        match LineEditor::new() {
            Some(ed) => Input::Editor(Box::new(ed)),
            None => Input::Plain { echo: false },
        }
    } else {
        Input::Plain { echo: !stdin_tty }
    };
    // The standard `print`, kept on the stack (rooted) below the REPL's work area.
    let standard_print = st.abs_top();
    let print = st.get_global("print");
    st.push(print);
    let base = st.arg_count();
    let editing = matches!(input, Input::Editor(_));
    crate::signals::ignore_when_idle(editing);
    let mut repl = Repl { input };
    let mut st = st;
    loop {
        let (s, chunk) = repl.chunk(st);
        st = s;
        match chunk {
            Chunk::Eof => break,
            Chunk::Cancelled => {}
            Chunk::Error(msg) => message(None, &msg),
            Chunk::Ready(f) => {
                st.push(f);
                match docall(st, 0, MULTRET) {
                    Ok(()) => {
                        let n = st.arg_count() - base;
                        if n > 0 {
                            if st.check_stack(20, "too many results to print").is_err() {
                                let e = st.take_error();
                                let msg = crate::exec::error_text(st, e);
                                message(None, &msg);
                            } else {
                                repl.print_results(st, n, standard_print);
                            }
                        }
                    }
                    Err(msg) => message(None, &msg),
                }
            }
        }
        st.set_top(base);
    }
    st.set_top(base - 1);
    crate::signals::ignore_when_idle(false);
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(b"\n");
    let _ = out.flush();
}
