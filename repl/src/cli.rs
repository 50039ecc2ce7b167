//! The `luna` command line, compatible with `lua.c` of Lua 5.4 (`pmain`): options run in
//! order, `arg` holds the script and its arguments, `LUA_INIT` runs first, errors go to
//! stderr as `progname: message` with a traceback and make the exit status 1.

use std::io::{IsTerminal, Read, Write};

use luna_interp::call::MULTRET;
use luna_interp::{LuaResult, State, Value};

use crate::args::{self, Action, Command, Options, UsageError};
use crate::exec::{docall, load, message, protected, report};

/// The version line (`-v`). It ends as Lua's does, which scripts and tests look for.
pub const VERSION: &str = concat!(
    "luna ",
    env!("CARGO_PKG_VERSION"),
    "  Lua 5.4 compatible; Lua Copyright (C) 1994-2023 Lua.org, PUC-Rio"
);

pub fn main() -> i32 {
    let argv: Vec<String> = std::env::args_os()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // As lua.c: messages start with argv[0] as the program was invoked.
    let progname = match argv.first() {
        Some(p) if !p.is_empty() => p.clone(),
        _ => "luna".to_string(),
    };
    let status = match args::parse(&argv) {
        Err(UsageError(msg)) => {
            message(Some(&progname), msg.as_bytes());
            let mut e = std::io::stderr().lock();
            let _ = e.write_all(args::usage(&progname).as_bytes());
            let _ = e.flush();
            1
        }
        Ok(Command::Help) => {
            print!("{}", args::usage(&progname));
            0
        }
        Ok(Command::Check(files)) => check_files(&files, &progname),
        Ok(Command::Run(opts)) => {
            let mut st = State::new();
            let ok = run(&mut st, &argv, &opts, &progname);
            flush_stdout();
            // Closing the state runs pending finalizers, which may print.
            drop(st);
            flush_stdout();
            if ok {
                0
            } else {
                1
            }
        }
    };
    flush_stdout();
    status
}

fn flush_stdout() {
    let _ = std::io::stdout().flush();
}

/// `pmain`: everything after the options are known. False when something failed.
fn run(st: &mut State, argv: &[String], o: &Options, progname: &str) -> bool {
    let pn = Some(progname);
    if o.version {
        print_version();
    }
    if luna_stdlib::open_libs_with(st, o.ignore_env).is_err() {
        let e = st.take_error();
        let msg = crate::exec::error_text(st, e);
        message(pn, &msg);
        return false;
    }
    let script = o.script.map(|i| argv[i].as_str());
    if let Err(msg) = o.sandbox.apply(st, script) {
        message(pn, msg.as_bytes());
        return false;
    }
    create_arg_table(st, argv, o.script);
    st.gc_restart();
    st.gc_generational(0, 0);
    if !o.ignore_env && !report(pn, handle_luainit(st)) {
        return false;
    }
    for action in &o.actions {
        let r = match action {
            Action::Execute(code) => dochunk(st, code.as_bytes(), b"=(command line)"),
            Action::Require { global, module } => dolibrary(st, global, module),
            Action::WarningsOn => {
                st.warning(b"@on", false);
                Ok(())
            }
        };
        if !report(pn, r) {
            return false;
        }
    }
    if let Some(script) = o.script {
        if !report(pn, handle_script(st, argv, script)) {
            return false;
        }
    }
    if o.interactive {
        crate::repl::run(st, progname);
    } else if o.script.is_none() && !o.has_execute && !o.version {
        if std::io::stdin().is_terminal() {
            print_version();
            crate::repl::run(st, progname);
        } else {
            return report(pn, dofile(st, None));
        }
    }
    true
}

fn print_version() {
    println!("{}", VERSION);
    flush_stdout();
}

/// `createargtable`: the script name at 0, its arguments above, the interpreter and its
/// options below (with no script, the interpreter's name is at 0).
fn create_arg_table(st: &mut State, argv: &[String], script: Option<usize>) {
    let script = script.unwrap_or(0) as i64;
    let t = st.new_table_with(
        argv.len().saturating_sub(script as usize + 1),
        script as usize + 1,
    );
    for (i, a) in argv.iter().enumerate() {
        let v = st.str_value(a.as_bytes());
        st.raw_set_int(t, i as i64 - script, v);
    }
    st.set_global("arg", Value::Table(t));
}

fn dochunk(st: &mut State, chunk: &[u8], name: &[u8]) -> Result<(), Vec<u8>> {
    let f = load(st, chunk, name)?;
    st.push(f);
    docall(st, 0, 0)
}

/// Loads and runs a file (`None`: stdin).
fn dofile(st: &mut State, path: Option<&str>) -> Result<(), Vec<u8>> {
    let f = load_file(st, path)?;
    st.push(f);
    docall(st, 0, 0)
}

/// `luaL_loadfile` for the command line (`None` reads stdin): skips a byte-order mark and a
/// first line starting with `#`.
fn load_file(st: &mut State, path: Option<&str>) -> Result<Value, Vec<u8>> {
    let (bytes, name) = match path {
        Some(p) => match st.host_read_file(p.as_bytes()) {
            Ok(b) => (b, format!("@{}", p)),
            // As C's stdio: a directory opens, and reading it fails.
            Err(e) if e == "Is a directory" => {
                return Err(format!("cannot read {}: {}", p, e).into_bytes())
            }
            Err(e) => return Err(format!("cannot open {}: {}", p, e).into_bytes()),
        },
        None => {
            let mut b = Vec::new();
            if let Err(e) = std::io::stdin().lock().read_to_end(&mut b) {
                let m = luna_interp::host::io_error_message(&e);
                return Err(format!("cannot read stdin: {}", m).into_bytes());
            }
            (b, "=stdin".to_string())
        }
    };
    let bytes = luna_stdlib::base::skip_shebang_keep_lines(bytes);
    load(st, &bytes, name.as_bytes())
}

/// `-l`: `global = require(module)`.
fn dolibrary(st: &mut State, global: &str, module: &str) -> Result<(), Vec<u8>> {
    let require = st.get_global("require");
    st.push(require);
    st.push_str(module.as_bytes());
    docall(st, 1, 1)?;
    let v = st.pop();
    st.set_global(global, v);
    Ok(())
}

/// `pushargs`: pushes `arg[1..#arg]` (the table as the script sees it after `-e` and `-l`).
fn push_script_args(st: &mut State) -> LuaResult<usize> {
    let t = st.get_global("arg");
    if !matches!(t, Value::Table(_)) {
        return Err(st.error("'arg' is not a table"));
    }
    st.push(t);
    let n = st.len_int(t)?.max(0) as usize;
    st.check_stack(n + 3, "too many arguments to script")?;
    let Value::Table(tt) = t else { unreachable!() };
    for i in 1..=n {
        let v = tt.get_int(i as i64);
        st.push(v);
    }
    Ok(n)
}

fn handle_script(st: &mut State, argv: &[String], script: usize) -> Result<(), Vec<u8>> {
    let fname = argv[script].as_str();
    let path = if fname == "-" && argv[script - 1] != "--" {
        None
    } else {
        Some(fname)
    };
    let f = load_file(st, path)?;
    st.push(f);
    let n = protected(st, push_script_args, &[])?;
    docall(st, n, MULTRET)
}

/// `LUA_INIT_5_4`, else `LUA_INIT`: a chunk, or `@file`.
fn handle_luainit(st: &mut State) -> Result<(), Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    let (name, val) = match std::env::var_os("LUA_INIT_5_4") {
        Some(v) => ("=LUA_INIT_5_4", v),
        None => match std::env::var_os("LUA_INIT") {
            Some(v) => ("=LUA_INIT", v),
            None => return Ok(()),
        },
    };
    let bytes = val.as_bytes();
    if let Some(path) = bytes.strip_prefix(b"@") {
        dofile(st, Some(&String::from_utf8_lossy(path)))
    } else {
        dochunk(st, bytes, name.as_bytes())
    }
}

/// `luna --check FILE...`: parses and compiles each file, reporting errors as `luac -p`.
fn check_files(files: &[String], progname: &str) -> i32 {
    let pn = Some(progname);
    if files.is_empty() {
        message(pn, b"no input files given");
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
                    let m = luna_interp::host::io_error_message(&e);
                    message(pn, format!("cannot open {}: {}", f, m).as_bytes());
                    status = 1;
                    continue;
                }
            }
        };
        let bytes = luna_stdlib::base::skip_shebang_keep_lines(bytes);
        if st.compile_source(&bytes, name.as_bytes()).is_err() {
            let v = st.take_error();
            let msg = crate::exec::error_text(&mut st, v);
            message(pn, &msg);
            status = 1;
        }
    }
    status
}
