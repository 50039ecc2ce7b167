//! The REPL driven through a pseudo-terminal, as a person at a terminal uses it: typing
//! lines, pressing Tab, Ctrl-C and Ctrl-D, and reading what appears.
//!
//! Every wait is an expectation on the output with a generous timeout (no sleeps), so the
//! tests hold on a slow, loaded machine. Colours are off (`NO_COLOR`) except in the test of
//! highlighting, so typed text comes back as typed.

use std::path::{Path, PathBuf};
use std::process::Command;

use rexpect::session::{spawn_command, PtySession};

/// Milliseconds any single expectation may wait.
const TIMEOUT_MS: u64 = 60_000;

/// A per-test scratch directory (removed at the end of a passing test).
struct Scratch(PathBuf);

impl Scratch {
    fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("luna-repl-{}-{}", std::process::id(), test));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

struct Luna {
    p: PtySession,
}

impl Luna {
    fn start(history: &Path, colors: bool) -> Luna {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_luna"));
        cmd.env("TERM", "xterm")
            .env("LUNA_HISTORY", history)
            .env_remove("LUA_INIT")
            .env_remove("LUA_INIT_5_4");
        if colors {
            cmd.env_remove("NO_COLOR");
        } else {
            cmd.env("NO_COLOR", "1");
        }
        let p = spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawn luna in a pty");
        let mut l = Luna { p };
        l.expect("Lua 5.4");
        l.prompt();
        l
    }

    /// Waits for `s` in the output; returns what came before it.
    fn expect(&mut self, s: &str) -> String {
        match self.p.exp_string(s) {
            Ok(before) => before,
            Err(e) => panic!("waiting for {:?}: {}", s, e),
        }
    }

    /// Waits for a fresh main prompt (rustyline clears the line, then draws it).
    fn prompt(&mut self) {
        self.expect("\x1b[K> ");
    }

    /// Types `s` without pressing Enter.
    fn type_text(&mut self, s: &str) {
        self.p.send(s).unwrap();
        self.p.flush().unwrap();
    }

    /// Types a line and presses Enter.
    fn line(&mut self, s: &str) {
        self.type_text(s);
        self.type_text("\r");
    }

    /// Types `line` and waits for `output` on a line of its own.
    fn eval(&mut self, line: &str, output: &str) {
        self.line(line);
        self.expect(&format!("\r\n{}\r\n", output));
        self.prompt();
    }

    fn ctrl(&mut self, c: char) {
        self.p.send_control(c).unwrap();
    }

    /// Presses Ctrl-D at the prompt and returns the exit code.
    fn quit(mut self) -> i32 {
        self.ctrl('d');
        self.p.exp_eof().expect("luna ends after Ctrl-D");
        match self.p.process().wait().expect("wait for luna") {
            rexpect::process::WaitStatus::Exited(_, code) => code,
            other => panic!("luna did not exit normally: {:?}", other),
        }
    }
}

#[test]
fn expressions_statements_and_results() {
    let dir = Scratch::new("expr");
    let mut l = Luna::start(&dir.path("history"), false);
    l.eval("1 + 1", "2");
    l.eval("=10 // 3", "3");
    l.line("x = 6 * 7");
    l.prompt();
    l.eval("x", "42");
    l.eval("1, 'two', nil", "1\ttwo\tnil");
    l.eval("print('hello')", "hello");
    l.line("error('boom')");
    l.expect("stdin:1: boom\r\nstack traceback:");
    l.expect("[C]: in ?");
    l.prompt();
    l.eval("x + 1", "43");
    assert_eq!(l.quit(), 0);
}

#[test]
fn multi_line_input_continues_after_incomplete_chunks() {
    let dir = Scratch::new("multi");
    let mut l = Luna::start(&dir.path("history"), false);
    l.line("function add(a, b)");
    l.expect("\x1b[K>> ");
    l.line("  return a + b");
    l.expect("\x1b[K>> ");
    l.line("end");
    l.prompt();
    l.eval("add(2, 3)", "5");
    l.line("s = [[one");
    l.expect("\x1b[K>> ");
    l.line("two]]");
    l.prompt();
    l.eval("s", "one\r\ntwo");
    // A syntax error that is not at the end is reported at once.
    l.line("x = = 1");
    l.expect("unexpected symbol near '='");
    l.prompt();
    assert_eq!(l.quit(), 0);
}

#[test]
fn prompts_follow_prompt_globals() {
    let dir = Scratch::new("prompt");
    let mut l = Luna::start(&dir.path("history"), false);
    l.line("_PROMPT = setmetatable({}, {__tostring = function() return 'lua% ' end})");
    l.expect("\x1b[Klua% ");
    l.line("_PROMPT2 = '... '");
    l.expect("\x1b[Klua% ");
    l.line("do");
    l.expect("\x1b[K... ");
    l.line("end");
    l.expect("\x1b[Klua% ");
    assert_eq!(l.quit(), 0);
}

#[test]
fn tab_completes_fields_methods_and_globals() {
    let dir = Scratch::new("complete");
    let mut l = Luna::start(&dir.path("history"), false);
    l.type_text("string.up\t");
    l.expect("string.upper");
    l.eval("('abc')", "ABC");
    l.type_text("(\"x\"):up\t");
    l.expect("(\"x\"):upper");
    l.eval("()", "X");
    // Globals defined in the session complete too, and fields through __index tables.
    l.line("Account = {balance = 100}");
    l.prompt();
    l.line("acct = setmetatable({}, {__index = Account})");
    l.prompt();
    l.type_text("acct.bal\t");
    l.expect("acct.balance");
    l.eval("", "100");
    l.type_text("Acc\t");
    l.expect("Account");
    l.eval(".balance + 1", "101");
    assert_eq!(l.quit(), 0);
}

#[test]
fn history_is_written_and_recalled() {
    let dir = Scratch::new("history");
    let hist = dir.path("history");
    let mut l = Luna::start(&hist, false);
    l.eval("1 + 2", "3");
    l.line("for i = 1, 2 do");
    l.line("  print(i * 10)");
    l.line("end");
    l.expect("\r\n10\r\n20\r\n");
    l.prompt();
    assert_eq!(l.quit(), 0);
    let text = std::fs::read_to_string(&hist).expect("history file written");
    assert!(text.contains("1 + 2"), "{:?}", text);
    assert!(text.contains("print(i * 10)"), "{:?}", text);

    // A new session sees the old lines: Up brings back the last chunk (all its lines), and
    // reverse search finds an older one.
    let mut l = Luna::start(&hist, false);
    l.type_text("\x1b[A");
    l.expect("print(i * 10)");
    l.ctrl('c');
    l.prompt();
    l.ctrl('r');
    l.type_text("1 +");
    l.expect("1 + 2");
    l.type_text("\r");
    l.expect("\r\n3\r\n");
    l.prompt();
    assert_eq!(l.quit(), 0);
}

#[test]
fn ctrl_c_interrupts_running_code_and_keeps_the_state() {
    let dir = Scratch::new("interrupt");
    let mut l = Luna::start(&dir.path("history"), false);
    l.line("kept = 'still here'");
    l.prompt();
    l.line("print('looping') while true do end");
    l.expect("\r\nlooping\r\n");
    l.ctrl('c');
    l.expect("interrupted!");
    l.expect("stack traceback:");
    l.prompt();
    l.eval("kept", "still here");
    // Again, inside a function called from the loop.
    l.line("local function f() end print('again') while true do f() end");
    l.expect("\r\nagain\r\n");
    l.ctrl('c');
    l.expect("interrupted!");
    l.prompt();
    l.eval("1 + 1", "2");
    assert_eq!(l.quit(), 0);
}

#[test]
fn ctrl_c_at_the_prompt_clears_the_line() {
    let dir = Scratch::new("ctrlc-prompt");
    let mut l = Luna::start(&dir.path("history"), false);
    l.type_text("this is not lua");
    l.expect("this is not lua");
    l.ctrl('c');
    l.prompt();
    l.eval("'fresh'", "fresh");
    // Ctrl-C inside a multi-line chunk drops the whole chunk.
    l.line("if true then");
    l.expect("\x1b[K>> ");
    l.ctrl('c');
    l.prompt();
    l.eval("'after'", "after");
    assert_eq!(l.quit(), 0);
}

#[test]
fn ctrl_d_exits_with_status_zero() {
    let dir = Scratch::new("ctrld");
    let l = Luna::start(&dir.path("history"), false);
    assert_eq!(l.quit(), 0);
}

#[test]
fn os_exit_ends_the_session_with_its_code() {
    let dir = Scratch::new("exit");
    let mut l = Luna::start(&dir.path("history"), false);
    l.line("os.exit(7)");
    l.p.exp_eof().expect("luna ends");
    match l.p.process().wait().unwrap() {
        rexpect::process::WaitStatus::Exited(_, code) => assert_eq!(code, 7),
        other => panic!("{:?}", other),
    }
}

#[test]
fn tables_are_pretty_printed() {
    let dir = Scratch::new("pretty");
    let mut l = Luna::start(&dir.path("history"), false);
    l.eval(
        "{1, 2, x = {y = 'z'}, [10] = true}",
        "{ 1, 2, [10] = true, x = { y = \"z\" } }",
    );
    l.eval("{}", "{}");
    l.line("t = {name = 'loop'} t.self = t");
    l.prompt();
    l.line("t");
    l.expect("<table: 0x");
    l.expect("name = \"loop\", self = <cycle table: 0x");
    l.prompt();
    // Too wide for one line: one entry per line.
    l.line("{long = string.rep('a', 50), longer = string.rep('b', 50)}");
    l.expect("{\r\n  long = \"");
    l.expect("\",\r\n  longer = \"");
    l.expect("\",\r\n}\r\n");
    l.prompt();
    // print still shows the plain form.
    l.line("print({})");
    l.expect("\r\ntable: 0x");
    l.prompt();
    assert_eq!(l.quit(), 0);
}

#[test]
fn syntax_is_highlighted() {
    let dir = Scratch::new("colors");
    let mut l = Luna::start(&dir.path("history"), true);
    l.type_text("local s = 'hi' -- note");
    l.expect("\x1b[35mlocal\x1b[0m s = \x1b[32m'hi'\x1b[0m \x1b[90m-- note\x1b[0m");
    l.type_text("\r");
    l.prompt();
    l.type_text("return 42");
    l.expect("\x1b[35mreturn\x1b[0m \x1b[33m42\x1b[0m");
    l.type_text("\r");
    l.expect("\r\n42\r\n");
    l.prompt();
    assert_eq!(l.quit(), 0);
}
