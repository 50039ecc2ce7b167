//! The embedding API's control of running code: panics in callbacks, interrupts,
//! instruction and memory limits, and states on several threads.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use luna::{Error, Function, LimitKind, Lua, LuaState, Thread};

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "?".to_string()
    }
}

fn with_panicky(lua: &mut Lua) {
    let boom = lua
        .create_function(|_, msg: String| -> luna::Result<()> {
            panic!("callback panicked: {msg}")
        })
        .unwrap();
    lua.set_global("boom", boom).unwrap();
    let apply = lua
        .create_function(|lua: &mut LuaState, f: Function| f.call::<()>(lua, ()))
        .unwrap();
    lua.set_global("apply", apply).unwrap();
}

// ------------------------------------------------------------------------ panics

#[test]
fn a_callback_panic_resumes_in_the_host() {
    let mut lua = Lua::new();
    with_panicky(&mut lua);
    let r = catch_unwind(AssertUnwindSafe(|| lua.load("boom('one')").exec()));
    assert_eq!(panic_message(r.unwrap_err()), "callback panicked: one");
    // The state is usable afterwards.
    assert_eq!(lua.load("1 + 2").eval::<i64>().unwrap(), 3);

    // pcall does not catch a panic.
    let r = catch_unwind(AssertUnwindSafe(|| {
        lua.load("local ok = pcall(boom, 'two'); caught = true")
            .exec()
    }));
    assert_eq!(panic_message(r.unwrap_err()), "callback panicked: two");
    assert_eq!(lua.get_global::<Option<bool>>("caught").unwrap(), None);

    // Nor does a callback in between: Rust -> Lua -> Rust -> Lua -> Rust (panic).
    let r = catch_unwind(AssertUnwindSafe(|| {
        lua.load("apply(function() apply(function() boom('three') end) end)")
            .exec()
    }));
    assert_eq!(panic_message(r.unwrap_err()), "callback panicked: three");

    // A callback that catches the error of a nested panicking call cannot swallow it.
    let swallow = lua
        .create_function(|lua: &mut LuaState, f: Function| {
            let r = f.call::<()>(lua, ());
            assert!(matches!(r, Err(Error::CallbackPanicked)), "{r:?}");
            // Further calls into Lua fail at once while the panic is pending.
            assert!(lua.load("return 1").exec().is_err());
            Ok("swallowed")
        })
        .unwrap();
    lua.set_global("swallow", swallow).unwrap();
    let r = catch_unwind(AssertUnwindSafe(|| {
        lua.load("swallow(function() boom('four') end); after = true")
            .exec()
    }));
    assert_eq!(panic_message(r.unwrap_err()), "callback panicked: four");
    assert_eq!(lua.get_global::<Option<bool>>("after").unwrap(), None);

    // From a coroutine driven by the host.
    let co: Thread = lua
        .load("coroutine.create(function() coroutine.yield(1); boom('five') end)")
        .eval()
        .unwrap();
    assert_eq!(co.resume::<i64>(&mut lua, ()).unwrap(), 1);
    let r = catch_unwind(AssertUnwindSafe(|| co.resume::<()>(&mut lua, ())));
    assert_eq!(panic_message(r.unwrap_err()), "callback panicked: five");

    // From a coroutine resumed by Lua.
    let r = catch_unwind(AssertUnwindSafe(|| {
        lua.load("coroutine.wrap(function() boom('six') end)()")
            .exec()
    }));
    assert_eq!(panic_message(r.unwrap_err()), "callback panicked: six");

    // From a Rust function called directly by the host.
    let boom: Function = lua.get_global("boom").unwrap();
    let r = catch_unwind(AssertUnwindSafe(|| boom.call::<()>(&mut lua, "seven")));
    assert_eq!(panic_message(r.unwrap_err()), "callback panicked: seven");

    // Everything still works, including to-be-closed variables and the stack.
    let v: i64 = lua
        .load("local t <close> = setmetatable({}, {__close = function() end}); return select('#', 1, 2, 3)")
        .eval()
        .unwrap();
    assert_eq!(v, 3);
    assert_eq!(
        lua.load("apply(function() x = 5 end); return x")
            .eval::<i64>()
            .unwrap(),
        5
    );
}

struct PanicOnDrop;

impl luna::UserData for PanicOnDrop {}

impl Drop for PanicOnDrop {
    fn drop(&mut self) {
        panic!("dropped");
    }
}

#[test]
fn a_panic_while_dropping_a_userdata_resumes_in_the_host() {
    let mut lua = Lua::new();
    let u = lua.create_userdata(PanicOnDrop).unwrap();
    drop(u);
    let r = catch_unwind(AssertUnwindSafe(|| lua.gc_collect()));
    assert_eq!(panic_message(r.unwrap_err()), "dropped");
    assert_eq!(lua.load("1").eval::<i64>().unwrap(), 1);
    // Dropped with the state.
    let mut lua = Lua::new();
    lua.set_global("keep", PanicOnDrop).unwrap();
    let r = catch_unwind(AssertUnwindSafe(move || drop(lua)));
    assert_eq!(panic_message(r.unwrap_err()), "dropped");
}

// ------------------------------------------------------------------------ limits

#[test]
fn instruction_limit() {
    let mut lua = Lua::new();
    lua.set_instruction_limit(Some(100_000));
    match lua.load("while true do end").exec() {
        Err(Error::Limit(LimitKind::Instructions)) => {}
        r => panic!("{r:?}"),
    }
    // pcall cannot catch it, neither can a coroutine.
    let r = lua
        .load("pcall(function() while true do end end); escaped = true")
        .exec();
    assert!(
        matches!(r, Err(Error::Limit(LimitKind::Instructions))),
        "{r:?}"
    );
    assert_eq!(lua.get_global::<Option<bool>>("escaped").unwrap(), None);
    let r = lua
        .load(
            "coroutine.resume(coroutine.create(function() while true do end end)); escaped = true",
        )
        .exec();
    assert!(
        matches!(r, Err(Error::Limit(LimitKind::Instructions))),
        "{r:?}"
    );
    // Nor a Rust callback that gets it from a nested call.
    let swallow = lua
        .create_function(|lua: &mut LuaState, f: Function| {
            let r = f.call::<()>(lua, ());
            assert!(
                matches!(r, Err(Error::Limit(LimitKind::Instructions))),
                "{r:?}"
            );
            Ok(())
        })
        .unwrap();
    lua.set_global("swallow", swallow).unwrap();
    let r = lua
        .load("swallow(function() while true do end end); escaped = true")
        .exec();
    assert!(
        matches!(r, Err(Error::Limit(LimitKind::Instructions))),
        "{r:?}"
    );
    assert_eq!(lua.get_global::<Option<bool>>("escaped").unwrap(), None);
    // The budget is per call from the host: many small calls all succeed.
    let f = lua
        .load("local s = 0; for i = 1, 1000 do s = s + i end; return s")
        .into_function()
        .unwrap();
    for _ in 0..500 {
        assert_eq!(f.call::<i64>(&mut lua, ()).unwrap(), 500500);
    }
    lua.set_instruction_limit(None);
    assert_eq!(
        lua.load("local s = 0; for i = 1, 1e6 do s = s + 1 end; return s")
            .eval::<i64>()
            .unwrap(),
        1_000_000
    );
}

#[test]
fn interrupt_from_another_thread() {
    let mut lua = Lua::new();
    let handle = lua.interrupt_handle();
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(100));
        handle.interrupt();
    });
    let r = lua.load("while true do end").exec();
    t.join().unwrap();
    assert!(
        matches!(r, Err(Error::Limit(LimitKind::Interrupted))),
        "{r:?}"
    );
    assert_eq!(lua.load("40 + 2").eval::<i64>().unwrap(), 42);

    // Inside pcall, inside a callback's nested call, in a coroutine: still stops.
    let apply = lua
        .create_function(|lua: &mut LuaState, f: Function| f.call::<()>(lua, ()))
        .unwrap();
    lua.set_global("apply", apply).unwrap();
    for src in [
        "pcall(function() while true do end end)",
        "apply(function() pcall(apply, function() while true do end end) end)",
        "coroutine.wrap(function() while true do local t = {} end end)()",
        // Numeric loops look for the request on their own back jump (integer ones every
        // 256 turns).
        "for i = 1, math.maxinteger do end",
        "local n = 0 for i = math.maxinteger, 1, -3 do n = n + 1 end",
        "for x = 1.0, math.huge do end",
    ] {
        let handle = lua.interrupt_handle();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            handle.interrupt();
        });
        let r = lua.load(src).exec();
        t.join().unwrap();
        assert!(
            matches!(r, Err(Error::Limit(LimitKind::Interrupted))),
            "{src}: {r:?}"
        );
        assert_eq!(lua.load("'ok'").eval::<String>().unwrap(), "ok");
    }
    // A request withdrawn before any code sees it does nothing.
    let handle = lua.interrupt_handle();
    handle.interrupt();
    assert!(handle.is_pending());
    handle.reset();
    assert_eq!(
        lua.load("local n = 0; for i = 1, 10 do n = n + 1 end; return n")
            .eval::<i64>()
            .unwrap(),
        10
    );
}

#[test]
fn memory_limit_checked_at_callbacks() {
    let mut lua = Lua::new();
    let tick = lua.create_function(|_, ()| Ok(())).unwrap();
    lua.set_global("tick", tick).unwrap();
    lua.gc_collect().unwrap();
    let base = lua.used_memory();
    lua.set_memory_limit(Some(base + (4 << 20)));
    let r = lua
        .load("local t = {} for i = 1, 1e7 do t[i] = {} ; tick() end")
        .exec();
    assert!(matches!(r, Err(Error::Limit(LimitKind::Memory))), "{r:?}");
    // After the script is gone its garbage goes too, and the state is usable.
    lua.gc_collect().unwrap();
    assert!(lua.used_memory() < base + (1 << 20));
    assert_eq!(lua.load("#'abc'").eval::<i64>().unwrap(), 3);
    // Garbage alone does not trip it: the check collects first.
    let r = lua
        .load("for i = 1, 20000 do local t = {i, i, i, i}; tick() end")
        .exec();
    assert!(r.is_ok(), "{r:?}");
    lua.set_memory_limit(None);
}

// ------------------------------------------------------------------------ threads

#[test]
fn states_on_separate_threads() {
    let workers: Vec<_> = (0..4)
        .map(|n| {
            std::thread::spawn(move || {
                let mut lua = Lua::new();
                let scale = lua.create_function(move |_, x: i64| Ok(x * (n + 1))).unwrap();
                lua.set_global("scale", scale).unwrap();
                let t = lua.create_table().unwrap();
                for i in 1..=1000 {
                    t.push(&mut lua, i).unwrap();
                }
                lua.set_global("data", &t).unwrap();
                let sum: i64 = lua
                    .load("local s = 0 for _, v in ipairs(data) do s = s + scale(v) end collectgarbage() return s")
                    .eval()
                    .unwrap();
                sum
            })
        })
        .collect();
    let sums: Vec<i64> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    assert_eq!(sums, vec![500500, 1001000, 1501500, 2002000]);
}

#[test]
fn a_state_moves_between_threads() {
    let mut lua = Lua::new();
    lua.load("counter = 0 function bump() counter = counter + 1 return counter end")
        .exec()
        .unwrap();
    let bump: Function = lua.get_global("bump").unwrap();
    for _ in 0..3 {
        let b = bump.clone();
        lua = std::thread::spawn(move || {
            b.call::<i64>(&mut lua, ()).unwrap();
            lua
        })
        .join()
        .unwrap();
    }
    assert_eq!(lua.get_global::<i64>("counter").unwrap(), 3);
    // Handles can be dropped on another thread than the state's.
    let t = lua.create_table().unwrap();
    std::thread::spawn(move || drop(t)).join().unwrap();
    lua.gc_collect().unwrap();
}
