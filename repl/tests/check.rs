//! `luna --check FILE...` parses (and compiles) each file as `luac -p` does: nothing on success,
//! one `luna: <message>` line on stderr per failing file, exit status 1 if any failed.

use std::path::PathBuf;
use std::process::{Command, Output};

fn luna() -> Command {
    Command::new(env!("CARGO_BIN_EXE_luna"))
}

/// Writes `contents` to a fresh file in a per-test temporary directory.
fn file(test: &str, name: &str, contents: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("luna-check-{}-{test}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn check(files: &[&PathBuf]) -> Output {
    luna().arg("--check").args(files).output().unwrap()
}

/// The `luna: ...` lines of stderr, without the program name (other lines are ignored).
fn messages(out: &Output) -> Vec<String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    stderr
        .lines()
        .filter_map(|l| {
            let (prog, msg) = l.split_once(": ")?;
            prog.ends_with("luna").then(|| msg.to_string())
        })
        .collect()
}

#[test]
fn valid_files_pass_silently() {
    let a = file("valid", "a.lua", b"local x = 1\nreturn x + 2\n");
    let b = file("valid", "b.lua", b"#!/usr/bin/env lua\nprint('hi')\n");
    let out = check(&[&a, &b]);
    assert_eq!(out.status.code(), Some(0));
    assert!(messages(&out).is_empty(), "{:?}", messages(&out));
}

#[test]
fn syntax_errors_are_reported_as_lua_does() {
    let bad = file("errors", "bad.lua", b"x = 1\nreturn x +\n");
    let out = check(&[&bad]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        messages(&out),
        [format!("{}:3: unexpected symbol near <eof>", bad.display())]
    );

    let unclosed = file(
        "errors",
        "unclosed.lua",
        b"function f()\n  if x then\n    y()\n  end\n",
    );
    let out = check(&[&unclosed]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        messages(&out),
        [format!(
            "{}:5: 'end' expected (to close 'function' at line 1) near <eof>",
            unclosed.display()
        )]
    );
}

#[test]
fn a_comment_line_keeps_line_numbers() {
    let bad = file("shebang", "s.lua", b"#!/usr/bin/env lua\nlocal = 1\n");
    let out = check(&[&bad]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        messages(&out),
        [format!("{}:2: <name> expected near '='", bad.display())]
    );
}

#[test]
fn every_file_is_checked_and_any_failure_fails() {
    let good = file("many", "good.lua", b"return 1\n");
    let bad1 = file("many", "bad1.lua", b"x = = 1\n");
    let bad2 = file("many", "bad2.lua", b"local s = 'unfinished\n");
    let out = check(&[&bad1, &good, &bad2]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        messages(&out),
        [
            format!("{}:1: unexpected symbol near '='", bad1.display()),
            format!("{}:1: unfinished string near ''unfinished'", bad2.display()),
        ]
    );
}

#[test]
fn a_missing_file_fails() {
    let missing = std::env::temp_dir().join("luna-check-no-such-file.lua");
    let out = check(&[&missing]);
    assert_eq!(out.status.code(), Some(1));
    let msgs = messages(&out);
    assert_eq!(msgs.len(), 1);
    assert!(msgs[0].contains("cannot open"), "{msgs:?}");
}
