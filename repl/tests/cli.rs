//! The `luna` command line against `lua.c`'s behaviour: options and their order, the `arg`
//! table, `LUA_INIT`, stdin scripts, error reports and exit codes. Each test runs the real
//! binary with pipes (the REPL at a terminal is tested in `repl_pty.rs`).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

const LUNA: &str = env!("CARGO_BIN_EXE_luna");

/// A per-test scratch directory.
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("luna-cli-{}-{}", std::process::id(), test));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, contents: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, contents).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// `luna` with a clean environment for Lua (no `LUA_INIT`, `LUA_PATH`...).
fn luna() -> Command {
    let mut c = Command::new(LUNA);
    for v in [
        "LUA_INIT",
        "LUA_INIT_5_4",
        "LUA_PATH",
        "LUA_PATH_5_4",
        "LUA_CPATH",
        "LUA_CPATH_5_4",
    ] {
        c.env_remove(v);
    }
    c
}

fn run(cmd: &mut Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn luna");
    // The child may exit without reading its input.
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    child.wait_with_output().unwrap()
}

fn luna_with(args: &[&str], stdin: &str) -> Output {
    run(luna().args(args), stdin)
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn assert_ok(o: &Output, out: &str) {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(o));
    assert_eq!(stdout(o), out);
}

#[track_caller]
fn assert_fails(o: &Output, err_part: &str) {
    assert_eq!(o.status.code(), Some(1), "stdout: {}", stdout(o));
    assert!(
        stderr(o).contains(err_part),
        "stderr {:?} lacks {:?}",
        stderr(o),
        err_part
    );
}

#[test]
fn script_arguments_and_the_arg_table() {
    let d = Scratch::new("args");
    let s = d.file(
        "s.lua",
        "print(#arg, arg[0], arg[1], arg[2], arg[-1], arg[-2], arg[-3], arg[-4])\nprint(...)\n",
    );
    let s = s.to_str().unwrap();
    let o = luna_with(&["-e", "x=1", s, "a", "b"], "");
    assert_ok(&o, &format!("2\t{s}\ta\tb\tx=1\t-e\t{LUNA}\tnil\na\tb\n"));
    // Without a script the interpreter is at index 0.
    let o = luna_with(&["-e", "print(arg[0], arg[1], arg[2], #arg)"], "");
    assert_ok(
        &o,
        &format!("{LUNA}\t-e\tprint(arg[0], arg[1], arg[2], #arg)\t2\n"),
    );
    // The script sees `arg` as the options left it.
    let o = luna_with(&["-e", "arg[1] = 'changed'", s, "orig"], "");
    assert!(stdout(&o).ends_with("\nchanged\n"), "{}", stdout(&o));
    let o = luna_with(&["-e", "arg = 1", s], "");
    assert_fails(&o, "luna: 'arg' is not a table");
    // Many arguments.
    let many: Vec<String> = (1..=40).map(|i| i.to_string()).collect();
    let mut args = vec![d
        .file("n.lua", "print(select('#', ...), (select(40, ...)))")
        .to_str()
        .unwrap()
        .to_string()];
    args.extend(many);
    let o = run(luna().args(&args), "");
    assert_ok(&o, "40\t40\n");
}

#[test]
fn options_run_in_order() {
    let o = luna_with(&["-eprint(1)", "-e", "a = 3", "-e", "print(a)"], "");
    assert_ok(&o, "1\n3\n");
    // `-e` stops at the first error and nothing after it runs.
    let o = luna_with(
        &[
            "-e",
            "print('one')",
            "-e",
            "error('two')",
            "-e",
            "print('three')",
        ],
        "",
    );
    assert_fails(&o, "(command line):1: two");
    assert_eq!(stdout(&o), "one\n");
    // An empty `-e ` runs nothing.
    let o = luna_with(&["-e ", "-e", "print('ok')"], "");
    assert_ok(&o, "ok\n");
}

#[test]
fn require_with_l() {
    let d = Scratch::new("require");
    d.file("mymod.lua", "print('loading', ...) return {x = 15}");
    let path = format!("{}/?.lua", d.0.display());
    let o = run(
        luna().env("LUA_PATH", &path).args([
            "-l",
            "mymod",
            "-lm=mymod",
            "-e",
            "print(mymod.x, m.x, mymod == m)",
        ]),
        "",
    );
    assert_ok(
        &o,
        &format!(
            "loading\tmymod\t{}/mymod.lua\n15\t15\ttrue\n",
            d.0.display()
        ),
    );
    let o = luna_with(&["-lstr=string", "-e", "print(str.upper('x'))"], "");
    assert_ok(&o, "X\n");
    let o = run(luna().env("LUA_PATH", &path).args(["-l", "nosuch"]), "");
    assert_fails(&o, "module 'nosuch' not found");
    // `-l` alone still runs stdin.
    let o = luna_with(&["-lstring"], "print(string.rep('ab', 2))");
    assert_ok(&o, "abab\n");
}

#[test]
fn scripts_from_stdin() {
    let o = luna_with(&[], "print(10)\nprint(2)\n");
    assert_ok(&o, "10\n2\n");
    let o = luna_with(&["-", "x", "y"], "print(...)");
    assert_ok(&o, "x\ty\n");
    let o = luna_with(&["-"], "print(\n1, a\n)\n");
    assert_ok(&o, "1\tnil\n");
    let o = luna_with(&[], "x = = 1");
    assert_fails(&o, "luna: stdin:1: unexpected symbol near '='");
    // After `--`, `-` is a file name.
    let o = luna_with(&["--", "-"], "");
    assert_fails(&o, "cannot open -");
    // -W does not stop stdin from running.
    let o = luna_with(&["-W"], "warn('hi')");
    assert_eq!(stderr(&o), "Lua warning: hi\n");
}

#[test]
fn files_with_bom_and_comment_lines() {
    let d = Scratch::new("bom");
    let a = d.file("a.lua", "\u{feff}print(3)");
    assert_ok(&luna_with(&[a.to_str().unwrap()], ""), "3\n");
    let b = d.file("b.lua", "\u{feff}# comment\nprint(4)");
    assert_ok(&luna_with(&[b.to_str().unwrap()], ""), "4\n");
    let c = d.file("c.lua", "#!/usr/bin/env luna\nerror('line two')");
    assert_fails(&luna_with(&[c.to_str().unwrap()], ""), "c.lua:2: line two");
}

#[test]
fn errors_go_to_stderr_with_a_traceback() {
    let d = Scratch::new("errors");
    let s = d.file(
        "boom.lua",
        "local function f()\n  error('boom')\nend\nf()\n",
    );
    let o = luna_with(&[s.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "");
    let name = s.to_str().unwrap();
    assert_eq!(
        stderr(&o),
        format!(
            "{LUNA}: {name}:2: boom\nstack traceback:\n\t[C]: in function 'error'\n\t{name}:2: in local 'f'\n\t{name}:4: in main chunk\n\t[C]: in ?\n"
        )
    );
    // The program name is argv[0] as given.
    let o = run(
        Command::new(LUNA)
            .arg0("my-lua")
            .args(["-e", "error('x', 0)"]),
        "",
    );
    assert!(stderr(&o).starts_with("my-lua: x\n"), "{}", stderr(&o));
}

#[test]
fn error_objects_that_are_not_strings() {
    let o = luna_with(&["-e", "error({})"], "");
    assert_fails(
        &o,
        "luna: (error object is a table value)\nstack traceback:",
    );
    let o = luna_with(&["-e", "error(nil)"], "");
    assert_fails(&o, "(error object is a nil value)");
    let o = luna_with(&["-e", "error(42)"], "");
    assert_fails(&o, "luna: 42\nstack traceback:");
    // __tostring gives the whole message (no traceback), as lua.c's handler does.
    let o = luna_with(
        &[
            "-e",
            "error(setmetatable({}, {__tostring = function() return 'custom' end}))",
        ],
        "",
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).ends_with(": custom\n"), "{}", stderr(&o));
    // ... when it returns a string.
    let o = luna_with(
        &[
            "-e",
            "error(setmetatable({}, {__tostring = function() return 42 end}))",
        ],
        "",
    );
    assert_fails(&o, "(error object is a table value)");
}

#[test]
fn syntax_errors_and_missing_files() {
    let o = luna_with(&["-e", "a"], "");
    assert_fails(&o, "luna: (command line):1: syntax error near <eof>");
    let o = luna_with(&["/nonexistent/x.lua"], "");
    assert_fails(&o, "luna: cannot open /nonexistent/x.lua");
    let d = Scratch::new("dir");
    let o = luna_with(&[d.0.to_str().unwrap()], "");
    assert_fails(&o, "cannot read");
}

#[test]
fn exit_codes_and_os_exit() {
    let d = Scratch::new("exit");
    let cases: &[(&str, i32)] = &[
        ("os.exit()", 0),
        ("os.exit(true)", 0),
        ("os.exit(false)", 1),
        ("os.exit(3)", 3),
        ("os.exit(0, true)", 0),
        ("os.exit(5, true)", 5),
        ("error('x')", 1),
        ("return 1", 0),
    ];
    for (code, status) in cases {
        let s = d.file("e.lua", code);
        let o = luna_with(&[s.to_str().unwrap()], "");
        assert_eq!(o.status.code(), Some(*status), "{}: {}", code, stderr(&o));
        if *status != 1 || code.starts_with("os.") {
            assert_eq!(stderr(&o), "", "{}", code);
        }
    }
    // Closing the state runs pending to-be-closed variables.
    let s = d.file(
        "c.lua",
        "local x <close> = setmetatable({}, {__close = function() print('closed') end})\nos.exit(true, true)",
    );
    assert_ok(&luna_with(&[s.to_str().unwrap()], ""), "closed\n");
    // A finalizer that exits while the state closes: the other pending finalizers still run,
    // an object made after the close began is never finalized.
    let s = d.file(
        "f.lua",
        "setmetatable({}, {__gc = function() print(1) end})\n\
         setmetatable({}, {__gc = function()\n\
           print(2)\n\
           setmetatable({}, {__gc = function() print(3) end})\n\
           os.exit(0, true)\n\
         end})\n",
    );
    assert_ok(&luna_with(&[s.to_str().unwrap()], ""), "2\n1\n");
}

#[test]
fn limits_end_the_script_with_a_message() {
    let d = Scratch::new("limits");
    let s = d.file("loop.lua", "local x = 0\nwhile true do x = x + 1 end\n");
    let o = luna_with(&["--max-instructions=100000", s.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(e.contains("instruction limit exceeded"), "{e}");
    assert!(e.contains("loop.lua:2: in main chunk"), "{e}");
    // Not catchable by pcall.
    let s = d.file("p.lua", "print(pcall(function() while true do end end))\nprint('after')\n");
    let o = luna_with(&["--max-instructions=100000", s.to_str().unwrap()], "");
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(stdout(&o), "");
    assert!(stderr(&o).contains("instruction limit exceeded"), "{}", stderr(&o));
}

#[test]
fn lua_init_variables() {
    let d = Scratch::new("init");
    let s = d.file("p.lua", "print(X)");
    let sp = s.to_str().unwrap();
    let o = run(
        luna()
            .env("LUA_INIT", "X = tonumber(arg[1])")
            .args([sp, "3.5"]),
        "",
    );
    assert_ok(&o, "3.5\n");
    let o = run(
        luna()
            .env("LUA_INIT_5_4", "X = 10")
            .env("LUA_INIT", "X = 3")
            .arg(sp),
        "",
    );
    assert_ok(&o, "10\n");
    let init = d.file("init.lua", "X = (X or 0) + 1 print('init', X)");
    let o = run(
        luna()
            .env("LUA_INIT", format!("@{}", init.display()))
            .arg(sp),
        "",
    );
    assert_ok(&o, "init\t1\n1\n");
    let o = run(luna().env("LUA_INIT", "error('msg')"), "");
    assert_fails(&o, "luna: LUA_INIT:1: msg");
    let o = run(luna().env("LUA_INIT_5_4", "error('msg')"), "");
    assert_fails(&o, "LUA_INIT_5_4:1: msg");
    // -E ignores them, and LUA_PATH too.
    let o = run(
        luna()
            .env("LUA_INIT", "error(10)")
            .env("LUA_PATH", "xxx")
            .args(["-E", "-e", "print(X, package.path:find('xxx'))"]),
        "",
    );
    assert_ok(&o, "nil\tnil\n");
    let o = run(
        luna()
            .env("LUA_PATH", "xxx")
            .args(["-e", "print(package.path)"]),
        "",
    );
    assert_ok(&o, "xxx\n");
}

#[test]
fn interactive_mode_with_piped_stdin() {
    // As lua built with readline: the prompt, then the line read, echoed.
    let o = luna_with(
        &["-e", "_PROMPT = '> '", "-i"],
        "x = 2\nx * 21\n=x, 'y'\nfor i = 1, 2 do\nprint(i)\nend\n",
    );
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(out.starts_with("luna "), "{}", out);
    let rest = &out[out.find('\n').unwrap() + 1..];
    assert_eq!(rest, "> x = 2\n> x * 21\n42\n> =x, 'y'\n2\ty\n> for i = 1, 2 do\n>> print(i)\n>> end\n1\n2\n> \n");
    // Errors are reported without the program name, and the loop goes on.
    let o = luna_with(&["-i"], "error('e1')\nerror({})\nprint('next')\n");
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    assert!(
        err.starts_with("stdin:1: e1\nstack traceback:\n"),
        "{}",
        err
    );
    assert!(
        err.contains("\n(error object is a table value)\n"),
        "{}",
        err
    );
    assert!(stdout(&o).contains("> print('next')\nnext\n"));
    // Prompts through __tostring, once per line.
    let o = luna_with(
        &["-e", "local C = 0 _PROMPT = setmetatable({}, {__tostring = function() C = C + 1 return C end})", "-i"],
        " --\na = 2\n",
    );
    assert!(stdout(&o).ends_with("1 --\n2a = 2\n3\n"), "{}", stdout(&o));
    // A broken print is reported.
    let o = luna_with(&["-e", "print = nil", "-i"], "10\n");
    assert!(
        stderr(&o).contains("error calling 'print'"),
        "{}",
        stderr(&o)
    );
    // Results are printed plainly when stdout is not a terminal.
    let o = luna_with(&["-i"], "{}\n");
    assert!(stdout(&o).contains("> {}\ntable: 0x"), "{}", stdout(&o));
}

#[test]
fn interactive_after_a_script() {
    let d = Scratch::new("interactive");
    let s = d.file("s.lua", "greeting = 'hi from script'");
    let o = luna_with(&["-i", s.to_str().unwrap()], "greeting\n");
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("> greeting\nhi from script\n"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn version_and_help() {
    let o = luna_with(&["-v"], "print('not run')");
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).starts_with("luna ") && stdout(&o).ends_with("PUC-Rio\n"),
        "{}",
        stdout(&o)
    );
    let o = luna_with(&["-v", "-e", "print('hello')"], "");
    assert!(stdout(&o).ends_with("PUC-Rio\nhello\n"), "{}", stdout(&o));
    let o = luna_with(&["--version"], "");
    assert!(stdout(&o).starts_with("luna "));
    let o = luna_with(&["--help"], "");
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with(&format!("usage: {LUNA} [options] [script [args]]\n")));
}

#[test]
fn bad_options() {
    for (args, msg) in [
        (&["-h"][..], "unrecognized option '-h'"),
        (&["---"], "unrecognized option '---'"),
        (&["-Ex"], "unrecognized option '-Ex'"),
        (&["-vv"], "unrecognized option '-vv'"),
        (&["-iv"], "unrecognized option '-iv'"),
        (&["--nope"], "unrecognized option '--nope'"),
        (&["-e"], "'-e' needs argument"),
        (&["-l"], "'-l' needs argument"),
        (&["-e", "-v"], "'-e' needs argument"),
    ] {
        let o = luna_with(args, "");
        assert_eq!(o.status.code(), Some(1), "{:?}", args);
        let err = stderr(&o);
        assert!(
            err.starts_with(&format!("{LUNA}: {msg}\nusage: {LUNA} [options]")),
            "{:?}: {}",
            args,
            err
        );
        assert_eq!(stdout(&o), "");
    }
}

#[test]
fn warnings_with_w() {
    let o = luna_with(
        &[
            "-W",
            "-e",
            "warn('@on') warn('a', 'b') warn('@off') warn('hidden')",
        ],
        "",
    );
    assert_eq!(stderr(&o), "Lua warning: ab\n");
    let o = luna_with(&["-e", "warn('hidden')"], "");
    assert_eq!(stderr(&o), "");
}

/// Reads lines from `child`'s stdout until one equals `want`.
fn wait_for_line(r: &mut impl BufRead, want: &str) {
    let mut line = String::new();
    loop {
        line.clear();
        assert!(
            r.read_line(&mut line).unwrap() > 0,
            "output ended before {:?}",
            want
        );
        if line.trim_end() == want {
            return;
        }
    }
}

#[test]
fn sigint_interrupts_a_script() {
    let mut child = luna()
        .args([
            "-e",
            "print('ready') io.stdout:flush() local function f() end while true do f() end",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    wait_for_line(&mut out, "ready");
    // SAFETY: sending a signal to our own child process.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("interrupted!"), "{}", err);
    assert!(
        err.contains("stack traceback:") && err.ends_with("[C]: in ?\n"),
        "{}",
        err
    );
}

#[test]
fn a_closed_pipe_ends_the_script() {
    use std::os::unix::process::ExitStatusExt;
    let mut child = luna()
        .args(["-e", "for i = 1, 1e12 do print(i) end"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    wait_for_line(&mut out, "1");
    drop(out);
    let status = child.wait().unwrap();
    assert_eq!(status.signal(), Some(libc::SIGPIPE), "{:?}", status);
}

#[test]
fn default_search_paths() {
    // Lua's default path; the native module path, then Lua's system-wide C path entries.
    let o = luna_with(&["-e", "io.write(package.path, '\\n', package.cpath)"], "");
    let out = stdout(&o);
    let (path, cpath) = out.split_once('\n').unwrap();
    assert!(path.starts_with("/usr/local/share/lua/5.4/?.lua;"), "{path}");
    assert!(path.ends_with(";./?.lua;./?/init.lua"), "{path}");
    let exe_dir = std::path::Path::new(LUNA).parent().unwrap().display().to_string();
    assert!(cpath.starts_with(&format!("{exe_dir}/lib?.so;")), "{cpath}");
    assert!(
        cpath.ends_with(";/usr/local/lib/lua/5.4/?.so;/usr/local/lib/lua/5.4/loadall.so;./?.so"),
        "{cpath}"
    );
}
