//! Helpers shared by the grammar's integration tests.
#![allow(dead_code)]

use std::path::PathBuf;

/// A case file: pairs of an escaped chunk and its `--> ` expectation (see data/regen.lua).
pub struct Case {
    pub line: usize,
    pub source: Vec<u8>,
    pub expected: String,
}

pub fn data_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

pub fn read_cases(name: &str) -> Vec<Case> {
    let text = std::fs::read_to_string(data_path(name)).expect("case file");
    let mut cases = Vec::new();
    let mut pending: Option<(usize, Vec<u8>)> = None;
    for (i, line) in text.lines().enumerate() {
        if let Some(expect) = line.strip_prefix("--> ") {
            let (at, source) = pending.take().expect("expectation without a chunk");
            let expected = String::from_utf8_lossy(&unescape(expect)).into_owned();
            cases.push(Case { line: at, source, expected });
        } else if line.starts_with('#') || line.is_empty() {
            continue;
        } else {
            assert!(pending.is_none(), "line {}: chunk without expectation", i + 1);
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
