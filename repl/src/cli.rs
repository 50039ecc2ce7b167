//! The `luna` command line, compatible with `lua.c` of Lua 5.4: options are handled in order,
//! `arg` holds the script and its arguments, errors go to stderr with a traceback.

use std::io::{IsTerminal, Read, Write};

use luna_interp::call::MULTRET;
use luna_interp::{CallStatus, LuaError, LuaResult, State, Value};

pub const VERSION: &str = concat!("luna ", env!("CARGO_PKG_VERSION"), " (Lua 5.4)");
pub const COPYRIGHT: &str = "Lua 5.4 semantics; luna is a Rust implementation";

/// What the command line asked for, in `lua.c`'s terms.
struct Args {
    /// Index in argv of the script, if any.
    script: Option<usize>,
    interactive: bool,
    version: bool,
    ignore_env: bool,
    /// `-e`, `-l` or `-W` seen (a script or REPL then isn't implied).
    has_exec: bool,
    check: bool,
    help: bool,
}

fn usage(progname: &str) -> String {
    format!(
        "usage: {progname} [options] [script [args]]\n\
         Available options are:\n\
         \x20 -e stat   execute string 'stat'\n\
         \x20 -i        enter interactive mode after executing 'script'\n\
         \x20 -l mod    require library 'mod' into global 'mod'\n\
         \x20 -l g=mod  require library 'mod' into global 'g'\n\
         \x20 -v        show version information\n\
         \x20 -E        ignore environment variables\n\
         \x20 -W        turn warnings on\n\
         \x20 --check   only parse and compile the given files (as luac -p)\n\
         \x20 --help    show this help\n\
         \x20 --version show version information\n\
         \x20 --        stop handling options\n\
         \x20 -         stop handling options and execute stdin\n"
    )
}

/// Scans the options as `collectargs` does. Err: (message, show usage).
fn collect_args(argv: &[String]) -> Result<Args, (String, bool)> {
    let mut a = Args {
        script: None,
        interactive: false,
        version: false,
        ignore_env: false,
        has_exec: false,
        check: false,
        help: false,
    };
    let mut i = 1;
    while i < argv.len() {
        let s = argv[i].as_str();
        if !s.starts_with('-') {
            a.script = Some(i);
            return Ok(a);
        }
        match s {
            "-" => {
                a.script = Some(i);
                return Ok(a);
            }
            "--" => {
                if i + 1 < argv.len() {
                    a.script = Some(i + 1);
                }
                return Ok(a);
            }
            "--check" => {
                a.check = true;
                return Ok(a);
            }
            "--help" => a.help = true,
            "--version" => a.version = true,
            "-E" => a.ignore_env = true,
            "-W" => a.has_exec = true,
            "-i" => {
                a.interactive = true;
                a.version = true;
            }
            "-v" => a.version = true,
            _ if s.starts_with("-e") || s.starts_with("-l") => {
                a.has_exec = true;
                if s.len() == 2 {
                    i += 1;
                    if i >= argv.len() || argv[i].starts_with('-') {
                        return Err((format!("'{}' needs argument", s), true));
                    }
                }
            }
            _ if s.starts_with("-i") || s.starts_with("-v") || s.starts_with("-E") || s.starts_with("-W") => {
                return Err((format!("unrecognized option '{}'", s), true));
            }
            _ => return Err((format!("unrecognized option '{}'", s), true)),
        }
        i += 1;
    }
    Ok(a)
}

/// Message handler: adds a traceback (`msghandler` of lua.c).
fn msg_handler(st: &mut State) -> LuaResult<usize> {
    let m = st.arg(1);
    let msg: Vec<u8> = match m {
        Value::Str(s) => s.as_bytes().to_vec(),
        other => {
            let tostr = st.get_metafield(other, "__tostring");
            if !tostr.is_nil() {
                let s = st.to_display(other)?;
                st.push(Value::Str(s));
                return Ok(1);
            }
            format!("(error object is a {} value)", other.type_name()).into_bytes()
        }
    };
    let th = st.current_thread();
    let tb = st.traceback(th, Some(&msg), 1);
    st.push_str(&tb);
    Ok(1)
}

fn write_err(msg: &[u8]) {
    let mut e = std::io::stderr().lock();
    let _ = e.write_all(msg);
    let _ = e.flush();
}

/// Prints "luna: msg" to stderr (`l_message`).
fn message(progname: &str, msg: &[u8]) {
    let mut out = Vec::new();
    if !progname.is_empty() {
        out.extend_from_slice(progname.as_bytes());
        out.extend_from_slice(b": ");
    }
    out.extend_from_slice(msg);
    out.push(b'\n');
    write_err(&out);
}

/// Reports a failed status: prints the error value (`report`).
fn report(st: &mut State, progname: &str, r: LuaResult<()>) -> bool {
    match r {
        Ok(()) => true,
        Err(_) => {
            let v = st.take_error();
            let msg = match v {
                Value::Str(s) => s.as_bytes().to_vec(),
                other => format!("(error object is a {} value)", other.type_name()).into_bytes(),
            };
            message(progname, &msg);
            false
        }
    }
}

/// Calls the function below the `nargs` arguments at the top, with the traceback handler
/// (`docall`). Results are left on the stack (`nres` of them, MULTRET for all).
fn docall(st: &mut State, nargs: usize, nres: i32) -> LuaResult<()> {
    let func = st.abs_top() - nargs - 1;
    // Insert the handler below the function.
    let f = st.stack_at(func);
    let args: Vec<Value> = (0..nargs).map(|j| st.stack_at(func + 1 + j)).collect();
    st.set_abs_top(func);
    st.push(Value::Native(msg_handler));
    st.push(f);
    for a in args {
        st.push(a);
    }
    let interrupt = st.interrupt_handle();
    crate::signals::install(interrupt);
    let r = st.pcall_k(func + 1, nres, func, None, 0);
    crate::signals::uninstall();
    match r {
        Ok(CallStatus::Error(e)) => {
            st.remove_abs(func);
            Err(e)
        }
        Ok(_) => {
            st.remove_abs(func);
            Ok(())
        }
        Err(e) => {
            // Uncatchable (limits, interrupts): unwind to here.
            st.unwind_to_top(func);
            Err(e)
        }
    }
}

fn dochunk(st: &mut State, chunk: &[u8], name: &[u8]) -> LuaResult<()> {
    let f = st.load(chunk, name, "bt", None)?;
    st.push(Value::LuaFn(f));
    docall(st, 0, 0)
}

/// `luaL_loadfile` for the command line: `None` reads stdin.
fn load_file(st: &mut State, path: Option<&str>) -> LuaResult<Value> {
    let (bytes, name) = match path {
        Some(p) => match st.host_read_file(p.as_bytes()) {
            Ok(b) => (b, format!("@{}", p)),
            Err(e) => {
                let m = format!("cannot open {}: {}", p, e);
                let v = st.str_value(m);
                return Err(st.throw(v));
            }
        },
        None => {
            let mut b = Vec::new();
            if let Err(e) = std::io::stdin().read_to_end(&mut b) {
                let m = format!("cannot read stdin: {}", e);
                let v = st.str_value(m);
                return Err(st.throw(v));
            }
            (b, "=stdin".to_string())
        }
    };
    let bytes = skip_comment_line(bytes);
    let f = st.load(&bytes, name.as_bytes(), "bt", None)?;
    Ok(Value::LuaFn(f))
}

/// A BOM and a first line starting with `#` are skipped, as `luaL_loadfile` does.
fn skip_comment_line(bytes: Vec<u8>) -> Vec<u8> {
    luna_stdlib::base::skip_shebang_keep_lines(bytes)
}

/// `-l mod` / `-l g=mod`: `g = require(mod)`.
fn dolibrary(st: &mut State, spec: &str) -> LuaResult<()> {
    let (global, module) = match spec.split_once('=') {
        Some((g, m)) => (g.to_string(), m.to_string()),
        None => (spec.to_string(), spec.to_string()),
    };
    let require = st.get_global("require");
    st.push(require);
    st.push_str(module.as_bytes());
    docall(st, 1, 1)?;
    let v = st.pop();
    st.set_global(&global, v);
    Ok(())
}

/// Builds the global `arg` table (`createargtable`).
fn create_arg_table(st: &mut State, argv: &[String], script: Option<usize>) {
    let script = script.unwrap_or(0);
    let t = st.new_table_with(argv.len(), 4);
    for (i, a) in argv.iter().enumerate() {
        let v = st.str_value(a.as_bytes());
        st.raw_set_int(t, i as i64 - script as i64, v);
    }
    st.set_global("arg", Value::Table(t));
}

fn handle_luainit(st: &mut State, progname: &str) -> bool {
    let (name, val) = match std::env::var_os("LUA_INIT_5_4") {
        Some(v) => ("=LUA_INIT_5_4", v),
        None => match std::env::var_os("LUA_INIT") {
            Some(v) => ("=LUA_INIT", v),
            None => return true,
        },
    };
    use std::os::unix::ffi::OsStrExt;
    let bytes = val.as_bytes().to_vec();
    let r = if bytes.first() == Some(&b'@') {
        let path = String::from_utf8_lossy(&bytes[1..]).into_owned();
        load_file(st, Some(&path)).and_then(|f| {
            st.push(f);
            docall(st, 0, 0)
        })
    } else {
        dochunk(st, &bytes, name.as_bytes())
    };
    report(st, progname, r)
}

/// Runs `-e`, `-l` and `-W` in order (`runargs`).
fn run_args(st: &mut State, argv: &[String], last: usize, progname: &str) -> bool {
    let mut i = 1;
    while i < last {
        let s = argv[i].as_str();
        if s.starts_with("-e") || s.starts_with("-l") {
            let (opt, arg) = if s.len() == 2 {
                i += 1;
                (&s[..2], argv[i].as_str())
            } else {
                (&s[..2], &s[2..])
            };
            let r = if opt == "-e" {
                dochunk(st, arg.as_bytes(), b"=(command line)")
            } else {
                dolibrary(st, arg)
            };
            if !report(st, progname, r) {
                return false;
            }
        } else if s == "-W" {
            st.warning(b"@on", false);
        }
        i += 1;
    }
    true
}

fn handle_script(st: &mut State, argv: &[String], script: usize, progname: &str) -> bool {
    let fname = argv[script].as_str();
    let path = if fname == "-" && argv[script - 1] != "--" { None } else { Some(fname) };
    let r = load_file(st, path).and_then(|f| {
        st.push(f);
        let n = argv.len() - script - 1;
        for a in &argv[script + 1..] {
            st.push_str(a.as_bytes());
        }
        docall(st, n, MULTRET)
    });
    report(st, progname, r)
}

/// `luna --check FILE...`: parses and compiles each file, reporting errors as `luac -p`.
fn check_files(files: &[String], progname: &str) -> i32 {
    if files.is_empty() {
        message(progname, b"no input files given");
        return 1;
    }
    let mut st = State::new();
    let mut status = 0;
    for f in files {
        let (bytes, name) = if f == "-" {
            let mut b = Vec::new();
            let _ = std::io::stdin().read_to_end(&mut b);
            (b, "=stdin".to_string())
        } else {
            match std::fs::read(f) {
                Ok(b) => (b, format!("@{}", f)),
                Err(e) => {
                    message(progname, format!("cannot open {}: {}", f, luna_interp::host::io_error_message(&e)).as_bytes());
                    status = 1;
                    continue;
                }
            }
        };
        let bytes = skip_comment_line(bytes);
        if st.compile_source(&bytes, name.as_bytes()).is_err() {
            let v = st.take_error();
            if let Value::Str(s) = v {
                message(progname, s.as_bytes());
            }
            status = 1;
        }
    }
    status
}

pub fn main() -> i32 {
    let argv: Vec<String> = std::env::args_os().map(|a| a.to_string_lossy().into_owned()).collect();
    let progname = argv.first().cloned().unwrap_or_else(|| "luna".to_string());
    let args = match collect_args(&argv) {
        Ok(a) => a,
        Err((msg, show_usage)) => {
            message(&progname, msg.as_bytes());
            if show_usage {
                write_err(usage(&progname).as_bytes());
            }
            return 1;
        }
    };
    if args.help {
        print!("{}", usage(&progname));
        return 0;
    }
    if args.check {
        let pos = argv.iter().position(|a| a == "--check").unwrap_or(0);
        return check_files(&argv[pos + 1..], &progname);
    }
    let mut st = State::new();
    let ok = run(&mut st, &argv, &args, &progname);
    flush_stdout();
    drop(st);
    flush_stdout();
    if ok {
        0
    } else {
        1
    }
}

fn flush_stdout() {
    let _ = std::io::stdout().flush();
}

fn run(st: &mut State, argv: &[String], args: &Args, progname: &str) -> bool {
    if args.version {
        println!("{}  {}", VERSION, COPYRIGHT);
    }
    if let Err(e) = luna_stdlib::open_libs_with(st, args.ignore_env) {
        let _ = e;
        return report(st, progname, Err(LuaError::Runtime));
    }
    create_arg_table(st, argv, args.script);
    st.gc_restart();
    st.gc_generational(0, 0);
    if !args.ignore_env && !handle_luainit(st, progname) {
        return false;
    }
    let last = args.script.unwrap_or(argv.len());
    if !run_args(st, argv, last, progname) {
        return false;
    }
    if let Some(script) = args.script {
        if !handle_script(st, argv, script, progname) {
            return false;
        }
    }
    if args.interactive {
        crate::repl::run(st, progname);
    } else if args.script.is_none() && !args.has_exec && !args.version {
        if std::io::stdin().is_terminal() {
            println!("{}  {}", VERSION, COPYRIGHT);
            crate::repl::run(st, progname);
        } else {
            let r = load_file(st, None).and_then(|f| {
                st.push(f);
                docall(st, 0, 0)
            });
            return report(st, progname, r);
        }
    }
    true
}

/// Helpers the command line needs from the state.
trait StackExt {
    fn set_abs_top(&mut self, top: usize);
    fn remove_abs(&mut self, idx: usize);
    fn unwind_to_top(&mut self, top: usize);
}

impl StackExt for State {
    fn set_abs_top(&mut self, top: usize) {
        let base = self.abs_index(1);
        self.set_top(top - base);
    }
    fn remove_abs(&mut self, idx: usize) {
        let base = self.abs_index(1);
        self.remove(idx + 1 - base);
    }
    fn unwind_to_top(&mut self, top: usize) {
        self.reset_after_uncatchable(top);
    }
}

pub(crate) fn docall_public(st: &mut State, nargs: usize, nres: i32) -> LuaResult<()> {
    docall(st, nargs, nres)
}

pub(crate) fn report_public(st: &mut State, progname: &str, r: LuaResult<()>) -> bool {
    report(st, progname, r)
}
