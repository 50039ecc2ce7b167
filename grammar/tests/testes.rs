//! Every `.lua` file of the official test suite parses (when the suite is present), and the
//! same files, mutated at random, never make the parser panic.

mod common;

use std::path::{Path, PathBuf};

fn lua_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            lua_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "lua") {
            out.push(path);
        }
    }
}

#[test]
fn official_suite_parses() {
    let Some(dir) = common::testes_dir() else {
        eprintln!("official test suite not found: skipped");
        return;
    };
    let mut files = Vec::new();
    lua_files(&dir, &mut files);
    assert!(files.len() > 30, "only {} files", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let source = std::fs::read(path).unwrap();
        let source = luna_grammar::lexer::strip_file_prelude(&source);
        let name = format!("@{}", path.display());
        if let Err(e) = luna_grammar::parse_chunk(source, name.as_bytes()) {
            failures.push(e.message);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

const PIECES: &[&[u8]] = &[
    b"(",
    b")",
    b"{",
    b"}",
    b"[",
    b"]",
    b"[[",
    b"]]",
    b"[==[",
    b"--[[",
    b"--",
    b"\"",
    b"'",
    b"\\",
    b"\\u{",
    b"\\x",
    b"\\9",
    b"\n",
    b"\r",
    b"end",
    b"function",
    b"local",
    b"return",
    b"if",
    b"then",
    b"else",
    b"elseif",
    b"for",
    b"in",
    b"do",
    b"while",
    b"until",
    b"repeat",
    b"goto",
    b"::",
    b"...",
    b"..",
    b".",
    b":",
    b",",
    b";",
    b"=",
    b"==",
    b"<const>",
    b"<close>",
    b"<",
    b">",
    b"-",
    b"^",
    b"#",
    b"not",
    b"0x",
    b"1e",
    b"0x1p",
    b".5",
    b"9223372036854775808",
    b"x",
    b"\0",
    b"\xff",
    b"@",
];

fn mutate(rng: &mut Rng, src: &[u8]) -> Vec<u8> {
    let mut s = src.to_vec();
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(s.len() + 1);
        match rng.below(6) {
            0 => s.truncate(at),
            1 => {
                let end = (at + rng.below(12)).min(s.len());
                s.drain(at..end);
            }
            2 => {
                let piece = PIECES[rng.below(PIECES.len())];
                s.splice(at..at, piece.iter().copied());
            }
            3 if at < s.len() => s[at] = rng.below(256) as u8,
            4 => {
                // Repeat a slice, sometimes many times (deep or long input).
                let end = (at + 1 + rng.below(8)).min(s.len());
                let slice = s[at.min(end)..end].to_vec();
                let times = if rng.below(10) == 0 { 300 } else { 2 };
                for _ in 0..times {
                    s.splice(at..at, slice.iter().copied());
                }
            }
            _ => {
                let other = rng.below(s.len() + 1);
                let (a, b) = (at.min(other), at.max(other));
                s[a..b].reverse();
            }
        }
    }
    s
}

/// Random and mutated input never makes the parser panic or overflow its stack, and failures
/// are well-formed messages.
#[test]
fn mutated_input_never_panics() {
    let mut corpus: Vec<Vec<u8>> = vec![
        b"local t = {1, 2, x = 3; [f()] = function(...) return ... end}\nreturn t".to_vec(),
        b"for i = 1, 10 do if i % 2 == 0 then goto continue end print(i) ::continue:: end".to_vec(),
        b"local s = [==[ long ]==] .. \"esc\\n\\65\\u{48}\" .. 'x' -- comment\nreturn s".to_vec(),
        b"a.b.c:m(1)(2){3}'4' x = -2^-3 .. #t // 1 << 2 ~ 3 | 4 & 5 and not nil or false".to_vec(),
    ];
    if let Some(dir) = common::testes_dir() {
        let mut files = Vec::new();
        lua_files(&dir, &mut files);
        corpus.extend(files.iter().map(|f| std::fs::read(f).unwrap()));
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let started = std::time::Instant::now();
    let mut runs = 0;
    while runs < 20_000 && started.elapsed().as_secs() < 15 {
        let base = &corpus[rng.below(corpus.len())];
        // A window of the file, to keep each parse short.
        let start = rng.below(base.len());
        let end = (start + 200 + rng.below(3000)).min(base.len());
        let input = mutate(&mut rng, &base[start..end]);
        let lines = 1 + input.iter().filter(|&&c| c == b'\n' || c == b'\r').count() as u32;
        let input2 = input.clone();
        let result =
            common::with_small_stack(move || luna_grammar::parse_chunk(&input2, b"=fuzz").err());
        if let Some(e) = result {
            assert!(e.message.starts_with("fuzz:"), "{}", e.message);
            assert!(
                e.line >= 1 && e.line <= lines,
                "line {} of {lines}: {}",
                e.line,
                e.message
            );
            assert_eq!(e.at_eof, e.message.ends_with("<eof>"), "{}", e.message);
        }
        runs += 1;
    }
    assert!(runs >= 200, "only {runs} runs");
}
