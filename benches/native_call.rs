//! The cost of calling a native module's function from Lua against calling a built-in one.
//!
//! Both loops call a one-argument function that returns its argument: the built-in is
//! `math.abs` (on a positive integer, so it returns its argument too), the native one is the
//! `echo` function of the `luna_fixture_panicking` module (which panics only in its `boom`
//! function, never called here), loaded from the build directory with `require`. The module
//! call crosses the stable ABI both ways: arguments become ABI values, the module pushes its
//! result through the call context, and a panic guard surrounds the call.
//!
//! Run with `cargo bench --bench native_call` after `cargo build --release --workspace`
//! (the modules must be built). After criterion's report, the bench prints the ratio of the
//! two per-call costs, measured once more in alternating rounds (best round of each).

use std::path::{Path, PathBuf};
use std::time::Instant;

use criterion::{criterion_group, criterion_main, Criterion};
use luna_interp::{CallStatus, State, Value};

const CALLS: i64 = 10_000;

fn build_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("bench executable");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>")
        .to_path_buf()
}

/// A state with the libraries and the module path, holding the two loops as globals.
fn setup() -> Box<State> {
    let dir = build_dir();
    let module = dir.join("libluna_fixture_panicking.so");
    assert!(
        module.is_file(),
        "{} is missing: run `cargo build --release --workspace` first",
        module.display()
    );
    let mut st = State::new();
    luna_stdlib::open_libs(&mut st).expect("libraries");
    let src = format!(
        "package.cpath = {:?}\n\
         local echo = require('luna_fixture_panicking').echo\n\
         local abs = math.abs\n\
         function builtin_loop(n) local x = 0 for i = 1, n do x = abs(i) end return x end\n\
         function native_loop(n) local x = 0 for i = 1, n do x = echo(i) end return x end\n\
         assert(native_loop(10) == 10 and builtin_loop(10) == 10)",
        format!("{}/lib?.so", dir.display())
    );
    call_chunk(&mut st, &src);
    st
}

fn call_chunk(st: &mut State, src: &str) {
    let f = st
        .load(src.as_bytes(), b"=bench", "t", None)
        .expect("chunk compiles");
    let top = st.abs_top();
    st.push(Value::LuaFn(f));
    match st.pcall_k(top, 0, 0, None, 0) {
        Ok(CallStatus::Error(_)) | Err(_) => {
            let e = st.take_error();
            panic!("bench setup failed: {:?}", e)
        }
        Ok(_) => {}
    }
    st.set_top(top);
}

/// Calls global `name` with `n`.
fn run_loop(st: &mut State, name: &str, n: i64) {
    let f = st.get_global(name);
    let top = st.abs_top();
    st.push(f);
    st.push(Value::Int(n));
    st.call_at(top, 1).expect("loop runs");
    st.set_top(top);
}

/// The best per-call times of the two loops over many short rounds, alternating them so
/// that both see the same machine (the best round is the one least disturbed).
fn per_call_nanos(st: &mut State) -> (f64, f64) {
    const N: i64 = 100_000;
    let (mut builtin, mut native) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..100 {
        let t = Instant::now();
        run_loop(st, "builtin_loop", N);
        builtin = builtin.min(t.elapsed().as_nanos() as f64 / N as f64);
        let t = Instant::now();
        run_loop(st, "native_loop", N);
        native = native.min(t.elapsed().as_nanos() as f64 / N as f64);
    }
    (builtin, native)
}

fn bench(c: &mut Criterion) {
    let mut st = setup();
    let mut g = c.benchmark_group("call 10k times");
    g.bench_function("built-in math.abs", |b| {
        b.iter(|| run_loop(&mut st, "builtin_loop", CALLS))
    });
    g.bench_function("native module echo", |b| {
        b.iter(|| run_loop(&mut st, "native_loop", CALLS))
    });
    g.finish();
    let (builtin, native) = per_call_nanos(&mut st);
    println!(
        "per call (loop included): built-in {:.1} ns, native module {:.1} ns, ratio {:.2}",
        builtin,
        native,
        native / builtin
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
