//! The embedding API: values, chunks, tables, functions, errors, registry, coroutines.

use std::collections::{BTreeMap, HashMap};

use luna::{
    Error, Function, LightUserData, Lua, LuaState, LuaString, LuaValue, MultiValue, Table, Thread,
    ThreadStatus, Variadic,
};

fn eval<R: luna::FromLuaMulti>(lua: &mut Lua, src: &str) -> R {
    lua.load(src)
        .eval()
        .unwrap_or_else(|e| panic!("{src}: {e}"))
}

// ------------------------------------------------------------------------ conversions

#[test]
fn integers_round_trip_and_check_range() {
    let mut lua = Lua::new();
    let f: Function = eval(&mut lua, "function(x) return x end");
    assert_eq!(f.call::<i64>(&mut lua, i64::MIN).unwrap(), i64::MIN);
    assert_eq!(f.call::<u8>(&mut lua, 255u8).unwrap(), 255);
    assert_eq!(f.call::<i32>(&mut lua, -7i32).unwrap(), -7);
    assert_eq!(f.call::<usize>(&mut lua, 12usize).unwrap(), 12);
    // Floats with an exact integer value and numeric strings convert, as in Lua.
    assert_eq!(f.call::<i64>(&mut lua, 3.0).unwrap(), 3);
    assert_eq!(f.call::<i64>(&mut lua, "0x10").unwrap(), 16);
    match f.call::<u8>(&mut lua, 256).unwrap_err() {
        Error::FromLuaConversion { to, message, .. } => {
            assert_eq!(to, "u8");
            assert_eq!(message.as_deref(), Some("number out of range"));
        }
        e => panic!("{e:?}"),
    }
    assert!(f.call::<u32>(&mut lua, -1).is_err());
    match f.call::<i64>(&mut lua, 1.5).unwrap_err() {
        Error::FromLuaConversion { message, .. } => {
            assert_eq!(
                message.as_deref(),
                Some("number has no integer representation")
            )
        }
        e => panic!("{e:?}"),
    }
    assert!(matches!(
        f.call::<i64>(&mut lua, "x").unwrap_err(),
        Error::FromLuaConversion { .. }
    ));
    // Out of range on the way in.
    assert!(matches!(
        f.call::<i64>(&mut lua, u64::MAX).unwrap_err(),
        Error::ToLuaConversion { .. }
    ));
    assert_eq!(f.call::<i128>(&mut lua, -5i128).unwrap(), -5);
    // Integers stay integers, floats stay floats.
    let ty: Function = eval(&mut lua, "math.type");
    assert_eq!(ty.call::<String>(&mut lua, 5u16).unwrap(), "integer");
    assert_eq!(ty.call::<String>(&mut lua, 5.0f32).unwrap(), "float");
}

#[test]
fn floats_booleans_and_nil() {
    let mut lua = Lua::new();
    assert_eq!(eval::<f64>(&mut lua, "1/4"), 0.25);
    assert_eq!(eval::<f32>(&mut lua, "3"), 3.0);
    assert_eq!(eval::<f64>(&mut lua, "'2.5'"), 2.5);
    assert!(eval::<f64>(&mut lua, "0/0").is_nan());
    // Booleans follow Lua's truthiness.
    assert!(eval::<bool>(&mut lua, "0"));
    assert!(!eval::<bool>(&mut lua, "nil"));
    assert!(!eval::<bool>(&mut lua, "false"));
    assert_eq!(eval::<Option<i64>>(&mut lua, "nil"), None);
    assert_eq!(eval::<Option<i64>>(&mut lua, "4"), Some(4));
    lua.set_global("b", true).unwrap();
    lua.set_global("n", None::<i64>).unwrap();
    assert!(eval::<bool>(&mut lua, "b == true and n == nil"));
    // No results: missing values are nil.
    assert_eq!(lua.load("return").eval::<Option<String>>().unwrap(), None);
}

#[test]
fn strings_are_bytes() {
    let mut lua = Lua::new();
    assert_eq!(eval::<String>(&mut lua, "'héllo'"), "héllo");
    // Numbers convert to strings as Lua converts them.
    assert_eq!(eval::<String>(&mut lua, "10"), "10");
    assert_eq!(eval::<String>(&mut lua, "2^53"), "9.007199254741e+15");
    // Invalid UTF-8: a clean error for String, the bytes for LuaString.
    match lua.load("'\\xff\\xfe'").eval::<String>().unwrap_err() {
        Error::FromLuaConversion { message, .. } => assert!(message.unwrap().contains("utf-8")),
        e => panic!("{e:?}"),
    }
    let s: LuaString = eval(&mut lua, "'a\\0b\\xff'");
    assert_eq!(s.as_bytes(), b"a\0b\xff");
    assert!(s.to_str().is_err());
    let len: Function = eval(&mut lua, "function(s) return #s, s end");
    let (n, back): (i64, LuaString) = len.call(&mut lua, &b"\x00\x01\x02"[..]).unwrap();
    assert_eq!((n, back.as_bytes()), (3, &b"\x00\x01\x02"[..]));
    let s = lua.create_string(b"xyz").unwrap();
    let (n, _): (i64, LuaString) = len.call(&mut lua, s).unwrap();
    assert_eq!(n, 3);
    assert!(matches!(
        lua.load("{}").eval::<String>().unwrap_err(),
        Error::FromLuaConversion { .. }
    ));
}

#[test]
fn collections_convert_to_and_from_tables() {
    let mut lua = Lua::new();
    lua.set_global("v", vec![10, 20, 30]).unwrap();
    assert_eq!(eval::<i64>(&mut lua, "#v + v[1] + v[3]"), 43);
    assert_eq!(
        eval::<Vec<String>>(&mut lua, "{'a', 'b', 'c'}"),
        vec!["a", "b", "c"]
    );
    assert_eq!(
        eval::<Vec<Vec<i64>>>(&mut lua, "{{1}, {2, 3}, {}}"),
        vec![vec![1], vec![2, 3], vec![]]
    );
    // A sequence stops at the first nil.
    assert_eq!(eval::<Vec<i64>>(&mut lua, "{1, 2, nil, 4}").len(), 2);

    let mut m = HashMap::new();
    m.insert("one".to_string(), 1);
    m.insert("two".to_string(), 2);
    lua.set_global("m", m.clone()).unwrap();
    assert_eq!(eval::<i64>(&mut lua, "m.one + m.two"), 3);
    let back: HashMap<String, i64> = eval(&mut lua, "m");
    assert_eq!(back, m);
    let b: BTreeMap<i64, bool> = eval(&mut lua, "{[3] = true, [1] = false}");
    assert_eq!(
        b.into_iter().collect::<Vec<_>>(),
        vec![(1, false), (3, true)]
    );
    // A value that does not convert fails the whole conversion.
    assert!(lua.load("{1, 'x'}").eval::<Vec<i64>>().is_err());
    assert!(lua.load("5").eval::<Vec<i64>>().is_err());
    // Nil keys are refused.
    let mut bad = HashMap::new();
    bad.insert(None::<i64>, 1);
    match lua.set_global("bad", bad).unwrap_err() {
        Error::Runtime { message, .. } => assert_eq!(message, "index is nil"),
        e => panic!("{e:?}"),
    }
}

#[test]
fn dynamic_values() {
    let mut lua = Lua::new();
    let vals: Variadic<LuaValue> = eval(
        &mut lua,
        "nil, true, 3, 2.5, 'x', {}, print, coroutine.create(print), io.stdout",
    );
    let names: Vec<&str> = vals.iter().map(|v| v.type_name()).collect();
    assert_eq!(
        names,
        [
            "nil", "boolean", "number", "number", "string", "table", "function", "thread",
            "userdata"
        ]
    );
    assert_eq!(vals[2], LuaValue::Integer(3));
    assert_eq!(vals[3].as_number(), Some(2.5));
    assert_eq!(vals[4].as_str(), Some("x"));
    assert!(vals[5].as_table().is_some());
    // Raw equality: 3 == 3.0; handles to the same object are equal.
    assert_eq!(LuaValue::Integer(3), LuaValue::Number(3.0));
    let t1: LuaValue = eval(&mut lua, "_G");
    let t2: LuaValue = lua.globals().into();
    assert_eq!(t1, t2);
    assert_ne!(vals[5], t1);
    // Values go back unchanged.
    let id: Function = eval(&mut lua, "function(...) return ... end");
    let out: MultiValue = id.call(&mut lua, MultiValue(vals.0.clone())).unwrap();
    assert_eq!(out.len(), vals.len());
    for (a, b) in out.iter().zip(vals.iter()) {
        assert_eq!(a, b);
    }
    // Light userdata.
    let p: LightUserData = id.call(&mut lua, LightUserData(0x1234)).unwrap();
    assert_eq!(p, LightUserData(0x1234));
    assert_eq!(lua.to_string(LuaValue::Integer(7)).unwrap(), "7");
}

#[test]
fn multiple_values_tuples_and_variadics() {
    let mut lua = Lua::new();
    let f: Function = eval(&mut lua, "function(...) return select('#', ...), ... end");
    let (n, a, b, c): (i64, i64, String, Option<bool>) =
        f.call(&mut lua, (1, "two", None::<bool>)).unwrap();
    assert_eq!((n, a, b.as_str(), c), (3, 1, "two", None));
    let (n, rest): (i64, Variadic<i64>) = f.call(&mut lua, Variadic(vec![5, 6, 7, 8])).unwrap();
    assert_eq!((n, rest.0), (4, vec![5, 6, 7, 8]));
    // Missing results are nil, extra ones dropped.
    let (x, y): (i64, Option<i64>) = f.call(&mut lua, ()).unwrap();
    assert_eq!((x, y), (0, None));
    let big: (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) = lua
        .load("return 1, 2, 3, 4, 5, 6, 7, 8, 9, 10")
        .eval()
        .unwrap();
    assert_eq!(big.9, 10);
    let m: MultiValue = eval(&mut lua, "1, 'a', nil");
    assert_eq!(m.len(), 3);
    assert!(m[2].is_nil());
    let packed = lua.pack_multi((1, "a")).unwrap();
    let (i, s): (i64, String) = lua.unpack_multi(packed).unwrap();
    assert_eq!((i, s.as_str()), (1, "a"));
}

// ------------------------------------------------------------------------ chunks

#[test]
fn chunks_exec_eval_and_names() {
    let mut lua = Lua::new();
    lua.load("x = 1").exec().unwrap();
    assert_eq!(lua.get_global::<i64>("x").unwrap(), 1);
    // eval: an expression, or statements with return.
    assert_eq!(eval::<i64>(&mut lua, "x + 1"), 2);
    assert_eq!(eval::<i64>(&mut lua, "local y = 5; return y * 2"), 10);
    // Arguments arrive as `...`.
    let r: i64 = lua
        .load("local a, b = ...; return a * b")
        .call((6, 7))
        .unwrap();
    assert_eq!(r, 42);
    // Names as `load` takes them.
    let err = lua
        .load("error('boom')")
        .set_name("=main")
        .exec()
        .unwrap_err();
    assert!(err.to_string().starts_with("main:1: boom"), "{err}");
    let err = lua
        .load("error('boom')")
        .set_name("@script.lua")
        .exec()
        .unwrap_err();
    assert!(err.to_string().starts_with("script.lua:1: boom"), "{err}");
    let err = lua.load("\n\nerror('boom')").exec().unwrap_err();
    assert!(
        err.to_string().starts_with("[string \"...\"]:3: boom"),
        "{err}"
    );
    // into_function compiles once and runs many times.
    let f = lua
        .load("counter = (counter or 0) + 1; return counter")
        .into_function()
        .unwrap();
    for i in 1..=3 {
        assert_eq!(f.call::<i64>(&mut lua, ()).unwrap(), i);
    }
}

#[test]
fn chunk_environments() {
    let mut lua = Lua::new();
    lua.set_global("secret", 1).unwrap();
    let env = lua.create_table().unwrap();
    env.set(&mut lua, "x", 10).unwrap();
    lua.load("y = x * 2; seen = secret")
        .set_environment(env.clone())
        .exec()
        .unwrap();
    assert_eq!(env.get::<i64>(&mut lua, "y").unwrap(), 20);
    assert_eq!(env.get::<Option<i64>>(&mut lua, "seen").unwrap(), None);
    assert_eq!(lua.get_global::<Option<i64>>("y").unwrap(), None);
    // An environment with __index falls back on the globals.
    let g = lua.globals();
    let mt = lua.create_table_from([("__index", g)]).unwrap();
    env.set_metatable(&mut lua, Some(&mt)).unwrap();
    let v: i64 = lua
        .load("return secret + x")
        .set_environment(env)
        .eval()
        .unwrap();
    assert_eq!(v, 11);
}

#[test]
fn syntax_errors() {
    let mut lua = Lua::new();
    match lua.load("x = = 1").set_name("=in").exec().unwrap_err() {
        Error::Syntax {
            message,
            incomplete_input,
        } => {
            assert_eq!(message, "in:1: unexpected symbol near '='");
            assert!(!incomplete_input);
        }
        e => panic!("{e:?}"),
    }
    for src in ["if x then", "function f(", "x = {", "return 'abc"] {
        match lua.load(src).exec().unwrap_err() {
            Error::Syntax {
                incomplete_input,
                message,
            } => assert!(incomplete_input, "{src}: {message}"),
            e => panic!("{src}: {e:?}"),
        }
    }
    // Mode checks.
    let err = lua
        .load("return 1")
        .set_mode(luna::ChunkMode::Binary)
        .exec()
        .unwrap_err();
    assert!(
        err.to_string().contains("attempt to load a text chunk"),
        "{err}"
    );
}

// ------------------------------------------------------------------------ tables

#[test]
fn table_access_raw_and_with_metamethods() {
    let mut lua = Lua::new();
    let t = lua.create_table().unwrap();
    t.set(&mut lua, "a", 1).unwrap();
    t.set(&mut lua, 1, "first").unwrap();
    t.set(&mut lua, 2.0, "second").unwrap();
    assert_eq!(t.get::<i64>(&mut lua, "a").unwrap(), 1);
    assert_eq!(t.get::<String>(&mut lua, 2).unwrap(), "second");
    assert_eq!(t.raw_len(&mut lua).unwrap(), 2);
    assert!(t.contains_key(&mut lua, "a").unwrap());
    assert!(!t.contains_key(&mut lua, "b").unwrap());
    // Nil and NaN keys.
    match t.set(&mut lua, LuaValue::Nil, 1).unwrap_err() {
        Error::Runtime { message, .. } => assert_eq!(message, "index is nil"),
        e => panic!("{e:?}"),
    }
    assert!(t.raw_set(&mut lua, f64::NAN, 1).is_err());
    assert_eq!(t.get::<Option<i64>>(&mut lua, LuaValue::Nil).unwrap(), None);

    lua.set_global("t", &t).unwrap();
    lua.load(
        r#"
        setmetatable(t, {
            __index = function(_, k) return "default " .. tostring(k) end,
            __newindex = function(t, k, v) rawset(t, k, v * 10) end,
            __len = function() return 99 end,
        })
    "#,
    )
    .exec()
    .unwrap();
    assert_eq!(t.get::<String>(&mut lua, "zz").unwrap(), "default zz");
    assert_eq!(t.raw_get::<Option<String>>(&mut lua, "zz").unwrap(), None);
    t.set(&mut lua, "n", 4).unwrap();
    assert_eq!(t.raw_get::<i64>(&mut lua, "n").unwrap(), 40);
    t.raw_set(&mut lua, "m", 4).unwrap();
    assert_eq!(t.raw_get::<i64>(&mut lua, "m").unwrap(), 4);
    assert_eq!(t.len(&mut lua).unwrap(), 99);
    assert_eq!(t.raw_len(&mut lua).unwrap(), 2);
    assert!(t.metatable(&mut lua).unwrap().is_some());
    t.set_metatable(&mut lua, None).unwrap();
    assert_eq!(t.get::<Option<String>>(&mut lua, "zz").unwrap(), None);

    // An error in a metamethod comes back as an error and leaves the state clean.
    lua.load("setmetatable(t, {__index = function() error('no such key') end})")
        .exec()
        .unwrap();
    let err = t.get::<LuaValue>(&mut lua, "q").unwrap_err();
    assert!(err.to_string().contains("no such key"), "{err}");
    assert_eq!(t.get::<i64>(&mut lua, "a").unwrap(), 1);
}

#[test]
fn table_sequences_and_traversal() {
    let mut lua = Lua::new();
    let t = lua.create_sequence_from([1, 2, 3]).unwrap();
    t.push(&mut lua, 4).unwrap();
    assert_eq!(t.raw_len(&mut lua).unwrap(), 4);
    assert_eq!(t.pop::<i64>(&mut lua).unwrap(), 4);
    assert_eq!(t.sequence_values::<i64>(&mut lua).unwrap(), vec![1, 2, 3]);
    t.set(&mut lua, "k", "v").unwrap();
    let mut pairs: Vec<(LuaValue, LuaValue)> = t.pairs(&mut lua).unwrap();
    assert_eq!(pairs.len(), 4);
    pairs.retain(|(k, _)| k.as_str() == Some("k"));
    assert_eq!(pairs[0].1.as_str(), Some("v"));
    let mut sum = 0;
    t.for_each(&mut lua, |_, k: LuaValue, v: LuaValue| {
        if k.as_integer().is_some() {
            sum += v.as_integer().unwrap();
        }
        Ok(())
    })
    .unwrap();
    assert_eq!(sum, 6);
    // A typed traversal fails on a pair that does not convert.
    assert!(t.pairs::<i64, i64>(&mut lua).is_err());
    let empty = lua.create_table().unwrap();
    assert!(empty.is_empty(&mut lua).unwrap());
    assert!(!t.is_empty(&mut lua).unwrap());
    let from = lua.create_table_from([("a", 1), ("b", 2)]).unwrap();
    assert_eq!(from.get::<i64>(&mut lua, "b").unwrap(), 2);
}

#[test]
fn table_equality_and_identity() {
    let mut lua = Lua::new();
    let a: Table = eval(&mut lua, "{}");
    lua.set_global("a", &a).unwrap();
    let a2: Table = eval(&mut lua, "a");
    assert_eq!(a, a2);
    assert_eq!(a.to_pointer(), a2.to_pointer());
    let b: Table = eval(&mut lua, "{}");
    assert_ne!(a, b);
    assert!(!a.equals(&mut lua, &b).unwrap());
    lua.set_global("b", &b).unwrap();
    lua.load(
        "local mt = {__eq = function() return true end}; setmetatable(a, mt); setmetatable(b, mt)",
    )
    .exec()
    .unwrap();
    assert!(a.equals(&mut lua, &b).unwrap());
    assert_ne!(a, b);
}

#[test]
fn globals_and_tostring() {
    let mut lua = Lua::new();
    let g = lua.globals();
    g.set(&mut lua, "answer", 42).unwrap();
    assert_eq!(eval::<i64>(&mut lua, "answer"), 42);
    assert_eq!(lua.get_global::<String>("_VERSION").unwrap(), "Lua 5.4");
    let t: Table = eval(
        &mut lua,
        "setmetatable({}, {__tostring = function() return 'custom' end})",
    );
    assert_eq!(lua.to_string(&t).unwrap(), "custom");
    let bare = &mut Lua::new_bare();
    assert_eq!(bare.get_global::<Option<Function>>("print").unwrap(), None);
    bare.load("x = 1 + 1").exec().unwrap();
    assert_eq!(bare.get_global::<i64>("x").unwrap(), 2);
}

// ------------------------------------------------------------------------ functions and callbacks

#[test]
fn rust_functions() {
    let mut lua = Lua::new();
    let add = lua
        .create_function(|_, (a, b): (i64, i64)| Ok(a + b))
        .unwrap();
    lua.set_global("add", &add).unwrap();
    assert_eq!(eval::<i64>(&mut lua, "add(20, 22)"), 42);
    assert_eq!(add.call::<i64>(&mut lua, (1, 2)).unwrap(), 3);
    // Several results, no results, variadic arguments.
    let f = lua
        .create_function(|_, s: String| Ok((s.len(), s.to_uppercase())))
        .unwrap();
    lua.set_global("f", f).unwrap();
    assert_eq!(
        eval::<(i64, String)>(&mut lua, "f('abc')"),
        (3, "ABC".to_string())
    );
    let nothing = lua.create_function(|_, ()| Ok(())).unwrap();
    lua.set_global("nothing", nothing).unwrap();
    assert_eq!(eval::<i64>(&mut lua, "select('#', nothing(1, 2))"), 0);
    let count = lua
        .create_function(|_, args: MultiValue| Ok(args.len()))
        .unwrap();
    lua.set_global("count", count).unwrap();
    assert_eq!(eval::<i64>(&mut lua, "count(nil, nil, 3)"), 3);
    // Optional arguments.
    let greet = lua
        .create_function(|_, name: Option<String>| {
            Ok(format!("hello {}", name.unwrap_or("world".into())))
        })
        .unwrap();
    lua.set_global("greet", greet).unwrap();
    assert_eq!(
        eval::<String>(&mut lua, "greet() .. ', ' .. greet('luna')"),
        "hello world, hello luna"
    );
    // FnMut callbacks keep state.
    let mut n = 0;
    let counter = lua
        .create_function_mut(move |_, ()| {
            n += 1;
            Ok(n)
        })
        .unwrap();
    lua.set_global("counter", counter).unwrap();
    assert_eq!(
        eval::<i64>(&mut lua, "counter() + counter() + counter()"),
        6
    );
    assert_eq!(eval::<String>(&mut lua, "type(add)"), "function");
}

#[test]
fn bad_arguments_read_as_lua_errors() {
    let mut lua = Lua::new();
    let add = lua
        .create_function(|_, (a, b): (i64, i64)| Ok(a + b))
        .unwrap();
    lua.set_global("add", add).unwrap();
    let cases = [
        (
            "add(1, {})",
            "bad argument #2 to 'add' (number expected, got table)",
        ),
        (
            "add()",
            "bad argument #1 to 'add' (number expected, got nil)",
        ),
        (
            "add(1.5, 1)",
            "bad argument #1 to 'add' (number has no integer representation)",
        ),
        (
            "local t = {f = add}; t.f(1, 'x')",
            "bad argument #2 to 'f' (number expected, got string)",
        ),
    ];
    for (src, want) in cases {
        let err = lua.load(src).set_name("=t").exec().unwrap_err();
        match &err {
            Error::Runtime { message, .. } => assert_eq!(message, &format!("t:1: {want}"), "{src}"),
            e => panic!("{src}: {e:?}"),
        }
    }
    // Called from Rust directly, the name is the global one, if any.
    let add: Function = lua.get_global("add").unwrap();
    let err = add.call::<i64>(&mut lua, ("a", 1)).unwrap_err();
    assert_eq!(
        err.to_string().lines().next().unwrap(),
        "bad argument #1 to 'add' (number expected, got string)"
    );
    let anon = lua.create_function(|_, x: i64| Ok(x)).unwrap();
    let err = anon.call::<i64>(&mut lua, "a").unwrap_err();
    assert_eq!(
        err.to_string().lines().next().unwrap(),
        "bad argument #1 to '?' (number expected, got string)"
    );
}

#[derive(Debug)]
struct MyError(u32);

impl std::fmt::Display for MyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "my error {}", self.0)
    }
}

impl std::error::Error for MyError {}

#[test]
fn callback_errors_are_lua_errors() {
    let mut lua = Lua::new();
    let fail = lua
        .create_function(|_, code: u32| -> luna::Result<()> { Err(Error::external(MyError(code))) })
        .unwrap();
    lua.set_global("fail", fail).unwrap();
    // pcall catches it, as a string with the caller's position.
    let (ok, msg): (bool, String) = lua
        .load("return pcall(fail, 7)")
        .set_name("=s")
        .eval()
        .unwrap();
    assert!(!ok);
    assert_eq!(msg, "my error 7");
    let (ok, msg): (bool, String) = lua
        .load("return pcall(function() fail(8) end)")
        .set_name("=s")
        .eval()
        .unwrap();
    assert!(!ok);
    assert_eq!(msg, "s:1: my error 8");
    // Uncaught, it reaches the host with the original error.
    let err = lua.load("fail(9)").set_name("=s").exec().unwrap_err();
    match &err {
        Error::CallbackError {
            message,
            traceback,
            cause,
        } => {
            assert_eq!(message, "s:1: my error 9");
            assert!(traceback.as_ref().unwrap().contains("stack traceback:"));
            assert!(matches!(**cause, Error::External(_)));
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(err.downcast_ref::<MyError>().unwrap().0, 9);
    // A Lua error raised by a callback keeps its value, even a table.
    let rethrow = lua
        .create_function(|lua: &mut LuaState, f: Function| f.call::<()>(lua, ()))
        .unwrap();
    lua.set_global("rethrow", rethrow).unwrap();
    let code: i64 = lua
        .load("local ok, e = pcall(rethrow, function() error({code = 42}) end); return e.code")
        .eval()
        .unwrap();
    assert_eq!(code, 42);
    let msg: String = lua
        .load("local ok, e = pcall(rethrow, function() error('plain', 0) end); return e")
        .eval()
        .unwrap();
    assert_eq!(msg, "plain");
    // A runtime error built in Rust.
    let f = lua
        .create_function(|_, ()| -> luna::Result<()> { Err(Error::runtime("from rust")) })
        .unwrap();
    lua.set_global("f", f).unwrap();
    assert_eq!(eval::<String>(&mut lua, "select(2, pcall(f))"), "from rust");
}

#[test]
fn error_values_and_tracebacks() {
    let mut lua = Lua::new();
    lua.load(
        r#"
        function inner() local t = nil; return t.x end
        function outer() return inner() + 1 end
    "#,
    )
    .set_name("@lib.lua")
    .exec()
    .unwrap();
    let err = lua.load("outer()").set_name("=main").exec().unwrap_err();
    match &err {
        Error::Runtime { message, traceback } => {
            assert_eq!(
                message,
                "lib.lua:2: attempt to index a nil value (local 't')"
            );
            let tb = traceback.as_deref().unwrap();
            assert!(tb.starts_with("stack traceback:"), "{tb}");
            assert!(tb.contains("lib.lua:2: in function 'inner'"), "{tb}");
            assert!(tb.contains("lib.lua:3: in function 'outer'"), "{tb}");
            assert!(tb.contains("main:1: in main chunk"), "{tb}");
        }
        e => panic!("{e:?}"),
    }
    assert!(err.to_string().contains("stack traceback:"));
    // Non-string error values are kept.
    match lua
        .load("error(setmetatable({code = 5}, {}))")
        .exec()
        .unwrap_err()
    {
        Error::Value {
            value,
            type_name,
            traceback,
        } => {
            assert_eq!(type_name, "table");
            assert!(traceback.is_some());
            let t: Table = lua.registry_value(&value).unwrap();
            assert_eq!(t.get::<i64>(&mut lua, "code").unwrap(), 5);
        }
        e => panic!("{e:?}"),
    }
    // Numbers are messages.
    match lua.load("error(42)").exec().unwrap_err() {
        Error::Runtime { message, .. } => assert_eq!(message, "42"),
        e => panic!("{e:?}"),
    }
    // A function value in an error.
    assert!(matches!(
        lua.load("error(print)").exec().unwrap_err(),
        Error::Value { .. }
    ));
    // The state is clean afterwards.
    assert_eq!(eval::<i64>(&mut lua, "1 + 1"), 2);
}

#[test]
fn nested_calls_rust_lua_rust_lua() {
    let mut lua = Lua::new();
    // apply(f, x) calls a Lua function from Rust.
    let apply = lua
        .create_function(|lua: &mut LuaState, (f, x): (Function, i64)| f.call::<i64>(lua, x + 1))
        .unwrap();
    lua.set_global("apply", apply).unwrap();
    let v: i64 = lua
        .load("return apply(function(x) return apply(function(y) return y * 10 end, x) end, 1)")
        .eval()
        .unwrap();
    assert_eq!(v, 30);
    // Deep mutual recursion through Rust and Lua.
    lua.load("function down(n) if n == 0 then return 0 end return apply(down, n - 2) + 1 end")
        .exec()
        .unwrap();
    assert_eq!(eval::<i64>(&mut lua, "down(30)"), 30);
    // Errors cross every level, keeping the innermost position and traceback.
    let err = lua
        .load("apply(function(x) return apply(function(y) error('deep ' .. y) end, x) end, 1)")
        .set_name("=n")
        .exec()
        .unwrap_err();
    match err {
        Error::Runtime { message, traceback } => {
            assert_eq!(message, "n:1: deep 3");
            let tb = traceback.unwrap();
            assert!(tb.contains("[C]: in function 'error'"), "{tb}");
            assert!(tb.contains("in function 'apply'"), "{tb}");
        }
        e => panic!("{e:?}"),
    }
    // A callback can catch an error of a nested call and carry on.
    let try_call = lua
        .create_function(
            |lua: &mut LuaState, f: Function| match f.call::<()>(lua, ()) {
                Ok(()) => Ok("ok".to_string()),
                Err(e) => Ok(format!("caught: {}", e.to_string().lines().next().unwrap())),
            },
        )
        .unwrap();
    lua.set_global("try_call", try_call).unwrap();
    assert_eq!(
        eval::<String>(&mut lua, "try_call(function() error('x', 0) end)"),
        "caught: x"
    );
    assert_eq!(eval::<String>(&mut lua, "try_call(function() end)"), "ok");
}

#[test]
fn unbounded_native_recursion_is_a_clean_error() {
    // The kernel caps nested native calls at 200; in debug builds each level takes some
    // 35 KB of Rust stack (most of it the VM loop's frame), more than a test thread has.
    let worker = std::thread::Builder::new().stack_size(64 << 20).spawn(|| {
        let mut lua = Lua::new();
        let apply = lua
            .create_function(|lua: &mut LuaState, (f, x): (Function, i64)| {
                f.call::<i64>(lua, x + 1)
            })
            .unwrap();
        lua.set_global("apply", apply).unwrap();
        lua.load("function rec() return apply(rec, 0) end")
            .exec()
            .unwrap();
        let err = lua.load("rec()").exec().unwrap_err();
        assert!(err.to_string().contains("stack overflow"), "{err}");
        assert_eq!(lua.load("2 * 2").eval::<i64>().unwrap(), 4);
        // Caught inside Lua, the state is as clean.
        let (ok, msg): (bool, String) = lua.load("return pcall(rec)").eval().unwrap();
        assert!(!ok && msg.contains("stack overflow"), "{msg}");
        assert_eq!(lua.load("3 * 3").eval::<i64>().unwrap(), 9);
    });
    worker.unwrap().join().unwrap();
}

// ------------------------------------------------------------------------ registry and handles

#[test]
fn registry_values() {
    let mut lua = Lua::new();
    let key = lua.create_registry_value("kept").unwrap();
    lua.gc_collect().unwrap();
    assert_eq!(lua.registry_value::<String>(&key).unwrap(), "kept");
    lua.replace_registry_value(&key, 5).unwrap();
    assert_eq!(lua.registry_value::<i64>(&key).unwrap(), 5);
    let clone = key.clone();
    lua.remove_registry_value(key).unwrap();
    assert_eq!(lua.registry_value::<i64>(&clone).unwrap(), 5);
    lua.set_named_registry_value("app.config", vec![1, 2])
        .unwrap();
    assert_eq!(
        lua.named_registry_value::<Vec<i64>>("app.config").unwrap(),
        vec![1, 2]
    );
    assert_eq!(
        lua.named_registry_value::<Option<i64>>("app.missing")
            .unwrap(),
        None
    );
}

#[test]
fn handles_survive_collection_and_are_freed_when_dropped() {
    let mut lua = Lua::new();
    let t: Table = eval(&mut lua, "{1, 2, 3}");
    let f: Function = eval(&mut lua, "function(x) return x * 2 end");
    lua.load("collectgarbage(); collectgarbage()")
        .exec()
        .unwrap();
    lua.gc_collect().unwrap();
    assert_eq!(t.sequence_values::<i64>(&mut lua).unwrap(), vec![1, 2, 3]);
    assert_eq!(f.call::<i64>(&mut lua, 21).unwrap(), 42);

    lua.gc_collect().unwrap();
    let before = lua.gc_count();
    let big: Table = eval(
        &mut lua,
        "(function() local t = {} for i = 1, 200000 do t[i] = {i} end return t end)()",
    );
    lua.gc_collect().unwrap();
    let with_big = lua.gc_count();
    assert!(with_big > before + 1000.0, "{before} -> {with_big}");
    let copy = big.clone();
    drop(big);
    lua.gc_collect().unwrap();
    assert!(lua.gc_count() > before + 1000.0, "a clone keeps it alive");
    assert_eq!(copy.raw_len(&mut lua).unwrap(), 200000);
    drop(copy);
    lua.gc_collect().unwrap();
    let after = lua.gc_count();
    assert!(after < with_big - 1000.0, "{before} / {with_big} / {after}");
    assert!(lua.used_memory() > 0);
}

#[test]
fn handles_belong_to_their_state() {
    let mut a = Lua::new();
    let mut b = Lua::new();
    let t = a.create_table().unwrap();
    assert!(matches!(
        t.get::<LuaValue>(&mut b, 1).unwrap_err(),
        Error::MismatchedState
    ));
    assert!(matches!(
        b.set_global("t", &t).unwrap_err(),
        Error::MismatchedState
    ));
    // Handles can be dropped after their state.
    drop(a);
    drop(t);
}

// ------------------------------------------------------------------------ coroutines

#[test]
fn coroutines_driven_from_rust() {
    let mut lua = Lua::new();
    let body: Function = eval(
        &mut lua,
        "function(a) local b = coroutine.yield(a + 1); local c = coroutine.yield(b * 2); return 'done', c end",
    );
    let co: Thread = lua.create_thread(&body).unwrap();
    assert_eq!(co.status(&lua).unwrap(), ThreadStatus::Resumable);
    assert_eq!(co.resume::<i64>(&mut lua, 1).unwrap(), 2);
    assert_eq!(co.resume::<i64>(&mut lua, 10).unwrap(), 20);
    assert!(co.is_resumable(&lua));
    let (s, c): (String, i64) = co.resume(&mut lua, 7).unwrap();
    assert_eq!((s.as_str(), c), ("done", 7));
    assert_eq!(co.status(&lua).unwrap(), ThreadStatus::Dead);
    let err = co.resume::<()>(&mut lua, ()).unwrap_err();
    assert!(
        err.to_string().contains("cannot resume dead coroutine"),
        "{err}"
    );

    // A generator made in Lua, driven from Rust.
    let gen: Thread = eval(
        &mut lua,
        "coroutine.create(function() for i = 1, 3 do coroutine.yield(i) end end)",
    );
    let mut got = Vec::new();
    while let Some(i) = gen.resume::<Option<i64>>(&mut lua, ()).unwrap() {
        got.push(i);
    }
    assert_eq!(got, vec![1, 2, 3]);

    // An error kills the coroutine and carries its traceback.
    let bad: Thread = eval(
        &mut lua,
        "coroutine.create(function() coroutine.yield(1); error('inside') end)",
    );
    assert_eq!(bad.resume::<i64>(&mut lua, ()).unwrap(), 1);
    match bad.resume::<()>(&mut lua, ()).unwrap_err() {
        Error::Runtime { message, traceback } => {
            assert!(message.ends_with("inside"), "{message}");
            assert!(traceback.unwrap().contains("stack traceback:"));
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(bad.status(&lua).unwrap(), ThreadStatus::Dead);

    // Rust callbacks inside coroutines; yields across them are refused cleanly.
    let twice = lua
        .create_function(|lua: &mut LuaState, f: Function| f.call::<i64>(lua, ()))
        .unwrap();
    lua.set_global("twice", twice).unwrap();
    let co: Thread = eval(
        &mut lua,
        "coroutine.create(function() return twice(function() return 5 end) end)",
    );
    assert_eq!(co.resume::<i64>(&mut lua, ()).unwrap(), 5);
    let co: Thread = eval(
        &mut lua,
        "coroutine.create(function() return twice(function() coroutine.yield(1) end) end)",
    );
    let err = co.resume::<()>(&mut lua, ()).unwrap_err();
    assert!(
        err.to_string()
            .contains("attempt to yield across a C-call boundary"),
        "{err}"
    );
    // Resuming a coroutine from inside itself (from a callback) is an error, not a crash.
    let resume_self = lua
        .create_function(|lua: &mut LuaState, co: Thread| co.resume::<()>(lua, ()))
        .unwrap();
    lua.set_global("resume_self", resume_self).unwrap();
    let co: Thread = eval(
        &mut lua,
        "coroutine.create(function() resume_self(coroutine.running()) end)",
    );
    let err = co.resume::<()>(&mut lua, ()).unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot resume non-suspended coroutine"),
        "{err}"
    );
    // close runs pending to-be-closed variables.
    let co: Thread = eval(
        &mut lua,
        "coroutine.create(function() local x <close> = setmetatable({}, {__close = function() closed = true end}); coroutine.yield() end)",
    );
    co.resume::<()>(&mut lua, ()).unwrap();
    co.close(&mut lua).unwrap();
    assert!(lua.get_global::<bool>("closed").unwrap());
}

// ------------------------------------------------------------------------ misc

#[test]
fn warnings_go_to_the_host() {
    use std::sync::{Arc, Mutex};
    let mut lua = Lua::new();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s2 = seen.clone();
    lua.set_warning_function(Some(move |msg: &[u8], more: bool| {
        s2.lock()
            .unwrap()
            .push((String::from_utf8_lossy(msg).into_owned(), more));
    }));
    lua.load("warn('a', 'b')").exec().unwrap();
    assert_eq!(
        *seen.lock().unwrap(),
        vec![("a".to_string(), true), ("b".to_string(), false)]
    );
}

#[test]
fn permissions_start_from_nothing() {
    let mut lua = Lua::new();
    let err = lua
        .load("return io.open('/etc/hostname')")
        .exec()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("read access to '/etc/hostname' denied"),
        "{err}"
    );
    assert!(lua.load("return os.getenv('HOME')").exec().is_err());
    lua.set_permissions(luna::Permissions::none().allow_env("HOME"));
    assert!(lua.load("return os.getenv('HOME')").exec().is_ok());
    let mut lua = Lua::with_permissions(luna::Permissions::none().allow_read("/"));
    let f: LuaValue = lua.load("return io.open('/')").eval().unwrap();
    assert!(!f.is_nil());
}

// ------------------------------------------------------------------------ auto traits

/// Compiles only if `T` is not `Sync` (two candidate impls make the call ambiguous).
trait AmbiguousIfSync<A> {
    fn check() {}
}
impl<T: ?Sized> AmbiguousIfSync<()> for T {}
impl<T: ?Sized + Sync> AmbiguousIfSync<u8> for T {}

#[test]
fn auto_traits() {
    fn send<T: Send>() {}
    fn send_sync<T: Send + Sync>() {}
    send::<Lua>();
    send_sync::<Table>();
    send_sync::<Function>();
    send_sync::<Thread>();
    send_sync::<luna::AnyUserData>();
    send_sync::<luna::RegistryKey>();
    send_sync::<LuaValue>();
    send_sync::<Error>();
    send_sync::<luna::InterruptHandle>();
    <Lua as AmbiguousIfSync<_>>::check();
    // Errors work with `?` in functions returning boxed errors.
    fn run() -> Result<i64, Box<dyn std::error::Error + Send + Sync>> {
        Ok(Lua::new().load("1 + 1").eval::<i64>()?)
    }
    assert_eq!(run().unwrap(), 2);
}

#[test]
fn binary_chunks() {
    let mut lua = Lua::new();
    let bytes: LuaString = lua
        .load("string.dump(function(a) return a * 3 end)")
        .eval()
        .unwrap();
    let f = lua
        .load(bytes.as_bytes())
        .set_name("=dumped")
        .into_function()
        .unwrap();
    assert_eq!(f.call::<i64>(&mut lua, 5).unwrap(), 15);
    let err = lua
        .load(bytes.as_bytes())
        .set_mode(luna::ChunkMode::Text)
        .exec()
        .unwrap_err();
    assert!(matches!(err, Error::Syntax { .. }), "{err:?}");
    lua.set_binary_chunks_allowed(false);
    let err = lua.load(bytes.as_bytes()).exec().unwrap_err();
    assert!(
        err.to_string().contains("binary chunks are disabled"),
        "{err}"
    );
}

#[test]
fn callbacks_can_stop_the_script() {
    let mut lua = Lua::new();
    let stop = lua
        .create_function(|_, ()| -> luna::Result<()> { Err(Error::Limit(luna::LimitKind::Memory)) })
        .unwrap();
    lua.set_global("stop", stop).unwrap();
    let r = lua.load("pcall(stop); reached = true").exec();
    assert!(
        matches!(r, Err(Error::Limit(luna::LimitKind::Memory))),
        "{r:?}"
    );
    assert_eq!(lua.get_global::<Option<bool>>("reached").unwrap(), None);
    assert_eq!(lua.load("'fine'").eval::<String>().unwrap(), "fine");
}

#[test]
fn collector_controls() {
    let mut lua = Lua::new();
    lua.gc_stop();
    lua.load("for i = 1, 1000 do local t = {} end")
        .exec()
        .unwrap();
    let stopped = lua.gc_count();
    lua.gc_restart();
    lua.gc_collect().unwrap();
    assert!(lua.gc_count() <= stopped);
    let mut cycles = 0;
    for _ in 0..1000 {
        if lua.gc_step(64).unwrap() {
            cycles += 1;
            break;
        }
    }
    assert_eq!(cycles, 1);
}
