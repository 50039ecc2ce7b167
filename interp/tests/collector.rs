//! The collector, through the kernel's API only: cyclic garbage is reclaimed, weak tables are
//! cleared, finalizers run (in order, with resurrection), and everything runs at close.

use std::cell::RefCell;

use luna_interp::{LuaResult, State, Value};

/// Runs a chunk with `setmetatable`, `collectgarbage` and `count` available as globals.
fn run(st: &mut State, src: &str) -> Vec<Value> {
    let f = match st.load(src.as_bytes(), b"=test", "t", None) {
        Ok(f) => f,
        Err(_) => panic!("load failed: {:?}", st.take_error()),
    };
    let base = st.abs_top();
    match st.call_value(Value::LuaFn(f), &[], -1) {
        Ok(n) => {
            let vals = (0..n).map(|i| st.stack_at(base + i)).collect();
            vals
        }
        Err(_) => panic!("run failed: {:?}", st.take_error()),
    }
}

fn setmetatable(st: &mut State) -> LuaResult<usize> {
    let t = st.check_table(1)?;
    let mt = st.arg(2).as_table();
    st.set_table_metatable(t, mt);
    st.set_top(1);
    Ok(1)
}

fn collect(st: &mut State) -> LuaResult<usize> {
    st.full_gc();
    Ok(0)
}

fn count(st: &mut State) -> LuaResult<usize> {
    st.push_int(st.memory_used() as i64);
    Ok(1)
}

thread_local! {
    static FINALIZED: RefCell<Vec<i64>> = const { RefCell::new(Vec::new()) };
}

fn record(st: &mut State) -> LuaResult<usize> {
    let t = st.check_table(1)?;
    let id = match t.get_int(1) {
        Value::Int(i) => i,
        _ => -1,
    };
    FINALIZED.with(|f| f.borrow_mut().push(id));
    Ok(0)
}

fn entries(st: &mut State) -> LuaResult<usize> {
    let t = st.check_table(1)?;
    let mut n = 0;
    let mut k = Value::Nil;
    while let Ok(Some((key, _))) = t.next(k) {
        n += 1;
        k = key;
    }
    st.push_int(n);
    Ok(1)
}

fn state() -> Box<State> {
    let mut st = State::new();
    st.register("setmetatable", setmetatable);
    st.register("collect", collect);
    st.register("count", count);
    st.register("record", record);
    st.register("entries", entries);
    st
}

fn int(v: Value) -> i64 {
    match v {
        Value::Int(i) => i,
        other => panic!("not an integer: {:?}", other),
    }
}

#[test]
fn cycles_are_reclaimed() {
    let mut st = state();
    let r = run(
        &mut st,
        "collect()
         local before = count()
         for i = 1, 50000 do
           local a, b = {}, {}
           a.other, b.other = b, a
           a.f = function() return b end
         end
         collect()
         return before, count()",
    );
    let (before, after) = (int(r[0]), int(r[1]));
    assert!(after <= before + 4096, "cycles not reclaimed: {} -> {}", before, after);
}

#[test]
fn memory_stays_bounded_while_allocating() {
    let mut st = state();
    let r = run(
        &mut st,
        "local peak = 0
         for i = 1, 300000 do
           local a, b = {}, {}
           a.other, b.other = b, a
           if i % 1000 == 0 then local c = count(); if c > peak then peak = c end end
         end
         return peak",
    );
    assert!(int(r[0]) < 16 << 20, "peak {} bytes", int(r[0]));
}

#[test]
fn weak_tables_are_cleared() {
    let mut st = state();
    let r = run(
        &mut st,
        "local keep = {}
         local wk = setmetatable({}, {__mode = 'k'})
         local wv = setmetatable({}, {__mode = 'v'})
         local wkv = setmetatable({}, {__mode = 'kv'})
         wk[{}] = 1; wk[keep] = 2
         wv[1] = {}; wv[2] = keep; wv[3] = 'strings stay'
         wkv[{}] = {}; wkv[keep] = keep
         -- an ephemeron whose value refers to its own key is still collectable
         do local k = {}; wk[k] = {k} end
         collect()
         return entries(wk), wk[keep], wv[1] == nil, wv[2] == keep, wv[3], entries(wkv)",
    );
    assert_eq!(int(r[0]), 1);
    assert_eq!(int(r[1]), 2);
    assert!(matches!(r[2], Value::Bool(true)));
    assert!(matches!(r[3], Value::Bool(true)));
    assert!(matches!(r[4], Value::Str(s) if s.as_bytes() == b"strings stay"));
    assert_eq!(int(r[5]), 1);
}

#[test]
fn finalizers_run_in_reverse_order_and_may_resurrect() {
    FINALIZED.with(|f| f.borrow_mut().clear());
    let mut st = state();
    let r = run(
        &mut st,
        "local mt = {__gc = record}
         for i = 1, 3 do setmetatable({i}, mt) end
         collect()
         local saved
         setmetatable({4}, {__gc = function(o) saved = o end})
         collect()
         return saved[1]",
    );
    assert_eq!(int(r[0]), 4);
    FINALIZED.with(|f| assert_eq!(*f.borrow(), vec![3, 2, 1]));
}

#[test]
fn pending_finalizers_run_when_the_state_closes() {
    FINALIZED.with(|f| f.borrow_mut().clear());
    let mut st = state();
    run(&mut st, "KEEP = setmetatable({7}, {__gc = record})");
    drop(st);
    FINALIZED.with(|f| assert_eq!(*f.borrow(), vec![7]));
}
