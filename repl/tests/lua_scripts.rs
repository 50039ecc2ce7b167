//! Runs the Lua test scripts under `tests/lua/` with the `luna` command and checks their output.
//!
//! A script is a test when it ends with an expectation block:
//!
//! ```text
//! --[[expect
//! exact standard output
//! ]]
//! ```
//!
//! or, for scripts that must fail, `--[[expect-error` followed by text the error message
//! must contain. Scripts run with the repository root as working directory, so chunk names
//! in messages read `tests/lua/...`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

enum Expect {
    Output(String),
    Error(String),
}

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("repository root").to_path_buf()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<_> = entries.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().is_some_and(|e| e == "lua") {
            out.push(p);
        }
    }
}

fn expectation(src: &[u8]) -> Option<Expect> {
    let text = String::from_utf8_lossy(src);
    for (marker, is_err) in [("\n--[[expect-error\n", true), ("\n--[[expect\n", false)] {
        if let Some(start) = text.rfind(marker) {
            let body = &text[start + marker.len()..];
            let end = body.rfind("]]")?;
            let body = body[..end].to_string();
            return Some(if is_err { Expect::Error(body.trim().to_string()) } else { Expect::Output(body) });
        }
    }
    None
}

fn run_one(luna: &Path, root: &Path, script: &Path) -> Result<(), String> {
    let src = std::fs::read(script).map_err(|e| e.to_string())?;
    let Some(expect) = expectation(&src) else { return Ok(()) };
    let rel = script.strip_prefix(root).unwrap_or(script);
    let mut child = Command::new(luna)
        .arg(rel)
        .current_dir(root)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {}", luna.display(), e))?;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if child.try_wait().map_err(|e| e.to_string())?.is_some() {
            break;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err("timed out".to_string());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    match expect {
        Expect::Output(want) => {
            if !out.status.success() {
                return Err(format!("failed ({}):\n{}", out.status, stderr));
            }
            if stdout != want {
                return Err(format!("output differs:\n{}", diff(&want, &stdout)));
            }
        }
        Expect::Error(want) => {
            if out.status.success() {
                return Err(format!("succeeded, but an error containing {:?} was expected", want));
            }
            if !stderr.contains(&want) {
                return Err(format!("error message lacks {:?}:\n{}", want, stderr));
            }
        }
    }
    Ok(())
}

fn diff(want: &str, got: &str) -> String {
    let w: Vec<&str> = want.lines().collect();
    let g: Vec<&str> = got.lines().collect();
    let mut out = String::new();
    for i in 0..w.len().max(g.len()) {
        let (a, b) = (w.get(i).copied(), g.get(i).copied());
        if a != b {
            out.push_str(&format!("  line {}:\n    expected: {:?}\n    got:      {:?}\n", i + 1, a, b));
            if out.len() > 2000 {
                out.push_str("  ...\n");
                break;
            }
        }
    }
    out
}

#[test]
fn lua_scripts() {
    let root = repo_root();
    let luna = PathBuf::from(env!("CARGO_BIN_EXE_luna"));
    let mut scripts = Vec::new();
    collect(&root.join("tests/lua"), &mut scripts);
    let filter = std::env::var("LUA_TEST_FILTER").ok();
    if let Some(f) = &filter {
        scripts.retain(|p| p.to_string_lossy().contains(f.as_str()));
    }
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).max(2);
    let queue = std::sync::Mutex::new(scripts.clone().into_iter());
    let failures = std::sync::Mutex::new(Vec::new());
    let ran = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..workers {
            s.spawn(|| loop {
                let next = queue.lock().unwrap().next();
                let Some(script) = next else { break };
                let src = std::fs::read(&script).unwrap_or_default();
                if expectation(&src).is_none() {
                    continue;
                }
                ran.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if let Err(e) = run_one(&luna, &root, &script) {
                    let rel = script.strip_prefix(&root).unwrap_or(&script).display().to_string();
                    failures.lock().unwrap().push(format!("{}: {}", rel, e));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    let ran = ran.into_inner();
    eprintln!("{} Lua test scripts run, {} failed", ran, failures.len());
    assert!(ran > 0 || filter.is_some(), "no Lua test scripts found");
    if !failures.is_empty() {
        panic!("{} of {} Lua test scripts failed:\n\n{}", failures.len(), ran, failures.join("\n\n"));
    }
}
