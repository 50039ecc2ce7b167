//! Helpers for the host tests: states with chosen permissions and providers, Lua snippets
//! run in them, scratch directories, and the paths of the workspace's built modules.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use luna_interp::host::Permissions;
use luna_interp::{CallStatus, State, Value};

/// `target/<profile>`: where cargo put this test's executable's modules and the `luna`
/// binary (the test runs from `target/<profile>/deps`).
pub fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_path_buf()
}

/// The built library of a workspace module (`greet`, `luna_fs`, ...), if it was built.
pub fn module_file(stem: &str) -> Option<PathBuf> {
    let f = target_dir().join(format!("lib{}.so", stem));
    f.is_file().then_some(f)
}

/// Fails with a clear message when the workspace's modules were not built (the README's
/// test command, `.ci/run`, builds them first).
pub fn require_module(stem: &str) -> PathBuf {
    module_file(stem).unwrap_or_else(|| {
        panic!(
            "lib{}.so is missing from {}: build the workspace first (cargo build --workspace)",
            stem,
            target_dir().display()
        )
    })
}

/// A state with the standard libraries, `permissions`, providers loaded on demand from the
/// build directory, and `package.cpath` pointing there.
pub fn state(permissions: Permissions) -> Box<State> {
    let mut st = State::new();
    luna_stdlib::open_libs(&mut st).expect("libraries open");
    st.set_permissions(permissions);
    st.set_provider_dirs(Some(vec![target_dir()]));
    let dir = target_dir().display().to_string();
    let cpath = format!("{d}/lib?.so;{d}/libluna_?.so", d = dir);
    let v = st.str_value(cpath.as_bytes());
    let pkg = st.get_global("package");
    if let Value::Table(t) = pkg {
        st.raw_set_str(t, "cpath", v);
    }
    st
}

/// Runs `code` (a chunk whose results are joined with tabs, `tostring`-style); the error
/// message when it fails.
pub fn run(st: &mut State, code: &str) -> Result<String, String> {
    let wrapped = format!(
        "local r = table.pack((function() {} end)())\n\
         for i = 1, r.n do r[i] = tostring(r[i]) end\n\
         return table.concat(r, '\\t', 1, r.n)",
        code
    );
    let f = match st.load(wrapped.as_bytes(), b"=test", "t", None) {
        Ok(f) => f,
        Err(_) => return Err(show(st.take_error())),
    };
    let top = st.abs_top();
    st.push(Value::LuaFn(f));
    let r = st.pcall_k(top, 1, 0, None, 0);
    let out = match r {
        Ok(CallStatus::Error(_)) | Err(_) => Err(show(st.take_error())),
        Ok(_) => Ok(show(st.stack_at(top))),
    };
    st.set_top(top);
    out
}

/// `run`, panicking on an error.
pub fn ok(st: &mut State, code: &str) -> String {
    run(st, code).unwrap_or_else(|e| panic!("{}\n--- in:\n{}", e, code))
}

/// `run`, panicking unless it fails; the message.
pub fn err(st: &mut State, code: &str) -> String {
    match run(st, code) {
        Ok(v) => panic!("expected an error, got {:?}\n--- in:\n{}", v, code),
        Err(e) => e,
    }
}

fn show(v: Value) -> String {
    match v {
        Value::Str(s) => s.to_string_lossy(),
        other => format!("{:?}", other),
    }
}

/// A fresh scratch directory (real path) removed when dropped.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(tag: &str) -> Scratch {
        use std::sync::atomic::{AtomicU32, Ordering};
        static N: AtomicU32 = AtomicU32::new(0);
        let n = N.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("luna-{}-{}-{}", tag, std::process::id(), n));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("scratch dir");
        Scratch(std::fs::canonicalize(&dir).expect("real path"))
    }

    pub fn path(&self, rel: &str) -> String {
        self.0.join(rel).display().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A Lua string literal for `s`.
pub fn lit(s: &str) -> String {
    format!("{:?}", s)
}
