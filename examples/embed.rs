//! Embedding luna in a Rust program: run with `cargo run --example embed`.
//!
//! A host exposes a counter type and a logging function to a script, reads the script's
//! configuration table back, drives a Lua generator from Rust, and stops a runaway script.

use std::time::Duration;

use luna::{
    Error, Function, LimitKind, Lua, LuaState, MetaMethod, Table, Thread, UserData, UserDataMethods,
};

/// A Rust type scripts can use as an object.
struct Counter {
    name: String,
    count: i64,
}

impl UserData for Counter {
    fn add_methods(methods: &mut UserDataMethods<Self>) {
        methods.add_method_mut("add", |_, c, n: Option<i64>| {
            c.count += n.unwrap_or(1);
            Ok(c.count)
        });
        methods.add_method("get", |_, c, ()| Ok(c.count));
        methods.add_meta_method(MetaMethod::ToString, |_, c, ()| {
            Ok(format!("{}={}", c.name, c.count))
        });
    }
}

const SCRIPT: &str = r#"
    local hits = new_counter("hits")
    for i = 1, 3 do hits:add() end
    log("counter is " .. tostring(hits))

    config = {
        title = "demo",
        sizes = {1, 2, 3},
        total = hits:get(),
    }

    function squares(n)
        for i = 1, n do coroutine.yield(i * i) end
    end
"#;

fn main() -> luna::Result<()> {
    let mut lua = Lua::new();

    // Rust functions, with typed arguments and results.
    let log = lua.create_function(|_: &mut LuaState, msg: String| {
        println!("[lua] {msg}");
        Ok(())
    })?;
    lua.set_global("log", log)?;
    let new_counter = lua.create_function(|_, name: String| Ok(Counter { name, count: 0 }))?;
    lua.set_global("new_counter", new_counter)?;

    lua.load(SCRIPT).set_name("@script.lua").exec()?;

    // Read the configuration back into Rust values.
    let config: Table = lua.get_global("config")?;
    let title: String = config.get(&mut lua, "title")?;
    let sizes: Vec<u32> = config.get(&mut lua, "sizes")?;
    let total: i64 = config.get(&mut lua, "total")?;
    println!("config: title={title} sizes={sizes:?} total={total}");

    // Drive a Lua generator from Rust.
    let squares: Function = lua.get_global("squares")?;
    let co: Thread = lua.create_thread(&squares)?;
    let mut values = vec![co.resume::<i64>(&mut lua, 4)?];
    while let Some(v) = co.resume::<Option<i64>>(&mut lua, ())? {
        values.push(v);
    }
    println!("squares: {values:?}");

    // Errors carry Lua's message and a traceback.
    if let Err(Error::Runtime { message, traceback }) =
        lua.load("local t; t.x = 1").set_name("=oops").exec()
    {
        println!("error: {message}");
        println!("{}", traceback.unwrap_or_default());
    }

    // Stop a runaway script from another thread; the state stays usable.
    let handle = lua.interrupt_handle();
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(50));
        handle.interrupt();
    });
    match lua.load("while true do end").exec() {
        Err(Error::Limit(LimitKind::Interrupted)) => println!("runaway script interrupted"),
        other => println!("unexpected: {other:?}"),
    }
    let answer: i64 = lua.load("6 * 7").eval()?;
    println!("still usable: {answer}");
    Ok(())
}
