//! Rust types as Lua userdata: methods, metamethods, fields, borrowing, dropping.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use luna::{
    AnyUserData, Error, Function, Lua, LuaState, LuaValue, MetaMethod, UserData, UserDataFields,
    UserDataMethods,
};

#[derive(Clone, Copy, Debug, PartialEq)]
struct Vec2 {
    x: f64,
    y: f64,
}

impl UserData for Vec2 {
    fn add_fields(fields: &mut UserDataFields<Self>) {
        fields.add_field_method_get("x", |_, v| Ok(v.x));
        fields.add_field_method_get("y", |_, v| Ok(v.y));
        fields.add_field_method_set("x", |_, v, x: f64| {
            v.x = x;
            Ok(())
        });
        fields.add_field("dimensions", 2);
    }

    fn add_methods(methods: &mut UserDataMethods<Self>) {
        methods.add_method("length", |_, v, ()| Ok(v.x.hypot(v.y)));
        methods.add_method("dot", |_, a, b: Vec2| Ok(a.x * b.x + a.y * b.y));
        methods.add_method_mut("scale", |_, v, k: f64| {
            v.x *= k;
            v.y *= k;
            Ok(())
        });
        methods.add_function("new", |_, (x, y): (f64, f64)| Ok(Vec2 { x, y }));
        methods.add_meta_method(MetaMethod::Add, |_, a, b: Vec2| {
            Ok(Vec2 {
                x: a.x + b.x,
                y: a.y + b.y,
            })
        });
        // A scalar on either side.
        methods.add_meta_function(
            MetaMethod::Mul,
            |lua: &mut LuaState, (a, b): (LuaValue, LuaValue)| {
                let (k, u) = match (a, b) {
                    (LuaValue::UserData(u), k) | (k, LuaValue::UserData(u)) => (k, u),
                    _ => return Err(Error::runtime("no vector")),
                };
                let k = k
                    .as_number()
                    .ok_or_else(|| Error::runtime("scalar expected"))?;
                let v = *u.borrow::<Vec2>(lua)?;
                Ok(Vec2 {
                    x: v.x * k,
                    y: v.y * k,
                })
            },
        );
        methods.add_meta_method(MetaMethod::Unm, |_, v, ()| Ok(Vec2 { x: -v.x, y: -v.y }));
        methods.add_meta_method(MetaMethod::Eq, |_, a, b: Vec2| Ok(*a == b));
        methods.add_meta_method(MetaMethod::Lt, |_, a, b: Vec2| {
            Ok(a.x.hypot(a.y) < b.x.hypot(b.y))
        });
        methods.add_meta_method(MetaMethod::Len, |_, _, ()| Ok(2));
        methods.add_meta_method(MetaMethod::ToString, |_, v, ()| {
            Ok(format!("({}, {})", v.x, v.y))
        });
        methods.add_meta_method(
            MetaMethod::Concat,
            |lua: &mut LuaState, v, other: LuaValue| {
                let other = lua.to_string(other)?;
                Ok(format!("({}, {}){}", v.x, v.y, other))
            },
        );
        methods.add_meta_method(MetaMethod::Call, |_, v, k: f64| Ok(v.x * k + v.y));
    }
}

fn vec_lua() -> Lua {
    let mut lua = Lua::new();
    lua.set_global("v", Vec2 { x: 3.0, y: 4.0 }).unwrap();
    lua.set_global("w", Vec2 { x: 1.0, y: 2.0 }).unwrap();
    lua
}

fn eval<R: luna::FromLuaMulti>(lua: &mut Lua, src: &str) -> R {
    lua.load(src)
        .eval()
        .unwrap_or_else(|e| panic!("{src}: {e}"))
}

#[test]
fn methods_and_fields() {
    let mut lua = vec_lua();
    assert_eq!(eval::<f64>(&mut lua, "v:length()"), 5.0);
    assert_eq!(eval::<f64>(&mut lua, "v:dot(w)"), 11.0);
    assert_eq!(eval::<(f64, f64)>(&mut lua, "v.x, v.y"), (3.0, 4.0));
    assert_eq!(eval::<i64>(&mut lua, "v.dimensions"), 2);
    assert_eq!(eval::<Option<i64>>(&mut lua, "v.nothing"), None);
    lua.load("v.x = 6").exec().unwrap();
    lua.load("w:scale(2)").exec().unwrap();
    let v: Vec2 = lua.get_global("v").unwrap();
    assert_eq!(v, Vec2 { x: 6.0, y: 4.0 });
    let w: Vec2 = lua.get_global("w").unwrap();
    assert_eq!(w, Vec2 { x: 2.0, y: 4.0 });
    // Functions reached through a value.
    let n: Vec2 = eval(&mut lua, "v.new(7, 8)");
    assert_eq!(n, Vec2 { x: 7.0, y: 8.0 });
    // Read-only fields and unknown fields refuse assignment.
    let err = lua.load("v.y = 1").set_name("=a").exec().unwrap_err();
    assert!(
        err.to_string()
            .starts_with("a:1: cannot assign to field 'y' of Vec2"),
        "{err}"
    );
    let err = lua.load("v.z = 1").exec().unwrap_err();
    assert!(
        err.to_string()
            .contains("cannot assign to field 'z' of Vec2"),
        "{err}"
    );
    // A setter argument of the wrong type.
    let err = lua.load("v.x = 'abc'").exec().unwrap_err();
    assert!(
        err.to_string().contains("number expected, got string"),
        "{err}"
    );
}

#[test]
fn metamethods() {
    let mut lua = vec_lua();
    let s: Vec2 = eval(&mut lua, "v + w");
    assert_eq!(s, Vec2 { x: 4.0, y: 6.0 });
    assert_eq!(eval::<Vec2>(&mut lua, "2 * v"), Vec2 { x: 6.0, y: 8.0 });
    assert_eq!(eval::<Vec2>(&mut lua, "v * 2"), Vec2 { x: 6.0, y: 8.0 });
    assert_eq!(eval::<Vec2>(&mut lua, "-w"), Vec2 { x: -1.0, y: -2.0 });
    assert!(eval::<bool>(&mut lua, "v == v.new(3, 4)"));
    assert!(eval::<bool>(&mut lua, "v ~= w"));
    assert!(eval::<bool>(&mut lua, "w < v and not (v < w)"));
    assert_eq!(eval::<i64>(&mut lua, "#v"), 2);
    assert_eq!(eval::<String>(&mut lua, "tostring(w)"), "(1, 2)");
    assert_eq!(eval::<String>(&mut lua, "w .. '!'"), "(1, 2)!");
    assert_eq!(eval::<f64>(&mut lua, "v(10)"), 34.0);
    // Adding something that is not a Vec2.
    let err = lua.load("return v + 1").set_name("=m").exec().unwrap_err();
    assert!(err.to_string().contains("bad argument #2 to"), "{err}");
    assert!(
        err.to_string().contains("(Vec2 expected, got number)"),
        "{err}"
    );
    // Type names in Lua's own messages.
    let err = lua.load("return v < 1").exec().unwrap_err();
    assert!(err.to_string().contains("Vec2"), "{err}");
    assert_eq!(eval::<String>(&mut lua, "type(v)"), "userdata");
}

#[test]
fn bad_self_and_type_mismatches() {
    let mut lua = vec_lua();
    let err = lua.load("v.length(1)").set_name("=s").exec().unwrap_err();
    assert!(
        err.to_string()
            .starts_with("s:1: bad argument #1 to 'length' (Vec2 expected, got number)"),
        "{err}"
    );
    let err = lua.load("v.length()").set_name("=s").exec().unwrap_err();
    assert!(
        err.to_string().contains("(Vec2 expected, got no value)"),
        "{err}"
    );
    let err = lua.load("v:dot(io.stdout)").exec().unwrap_err();
    assert!(
        err.to_string()
            .contains("bad argument #1 to 'dot' (Vec2 expected, got FILE*)"),
        "{err}"
    );
    // From the host.
    let ud: AnyUserData = lua.get_global("v").unwrap();
    assert!(ud.is::<Vec2>(&lua));
    assert!(!ud.is::<String>(&lua));
    assert!(matches!(
        ud.borrow::<String>(&lua).unwrap_err(),
        Error::UserDataTypeMismatch(_)
    ));
    let f: AnyUserData = lua.load("io.stdout").eval().unwrap();
    assert!(!f.is::<Vec2>(&lua));
    assert!(matches!(
        lua.load("io.stdout").eval::<Vec2>().unwrap_err(),
        Error::FromLuaConversion { .. }
    ));
}

#[test]
fn borrowing_from_the_host_and_during_methods() {
    let mut lua = vec_lua();
    let ud: AnyUserData = lua.get_global("v").unwrap();
    {
        let a = ud.borrow::<Vec2>(&lua).unwrap();
        let b = ud.borrow::<Vec2>(&lua).unwrap();
        assert_eq!(a.x + b.y, 7.0);
        assert!(matches!(
            ud.borrow_mut::<Vec2>(&lua).unwrap_err(),
            Error::UserDataBorrowMutError
        ));
    }
    ud.borrow_mut::<Vec2>(&lua).unwrap().y = 40.0;
    assert_eq!(eval::<f64>(&mut lua, "v.y"), 40.0);

    // A `&mut self` method that calls back into Lua, which reads the same value: refused.
    #[derive(Default)]
    struct Cell(i64);
    impl UserData for Cell {
        fn add_methods(methods: &mut UserDataMethods<Self>) {
            methods.add_method("get", |_, c, ()| Ok(c.0));
            methods.add_method_mut("update", |lua: &mut LuaState, c, f: Function| {
                c.0 = f.call::<i64>(lua, c.0)?;
                Ok(())
            });
            methods.add_method("peek", |lua: &mut LuaState, c, f: Function| {
                let seen = f.call::<i64>(lua, ())?;
                Ok(seen + c.0)
            });
        }
    }
    lua.set_global("c", Cell(1)).unwrap();
    lua.load("c:update(function(x) return x + 1 end)")
        .exec()
        .unwrap();
    assert_eq!(eval::<i64>(&mut lua, "c:get()"), 2);
    let err = lua
        .load("c:update(function(x) return c:get() end)")
        .exec()
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("userdata already mutably borrowed"),
        "{err}"
    );
    // Shared borrows nest.
    assert_eq!(
        eval::<i64>(&mut lua, "c:peek(function() return c:get() end)"),
        4
    );
    let err = lua
        .load("c:peek(function() c:update(function() return 0 end) return 0 end)")
        .exec()
        .unwrap_err();
    assert!(
        err.to_string().contains("userdata already borrowed"),
        "{err}"
    );
    assert_eq!(eval::<i64>(&mut lua, "c:get()"), 2);
}

struct Tracked(Arc<AtomicUsize>);

impl UserData for Tracked {}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

#[test]
fn values_are_dropped_with_their_userdata() {
    let drops = Arc::new(AtomicUsize::new(0));
    let mut lua = Lua::new();
    let ud = lua.create_userdata(Tracked(drops.clone())).unwrap();
    lua.set_global("t", Tracked(drops.clone())).unwrap();
    lua.gc_collect().unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 0);
    drop(ud);
    lua.gc_collect().unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 1);
    lua.load("t = nil").exec().unwrap();
    lua.gc_collect().unwrap();
    assert_eq!(drops.load(Ordering::SeqCst), 2);
    lua.set_global("t", Tracked(drops.clone())).unwrap();
    drop(lua);
    assert_eq!(drops.load(Ordering::SeqCst), 3);
}

#[test]
fn custom_index_newindex_and_user_values() {
    #[derive(Default)]
    struct Bag(std::collections::HashMap<String, i64>);
    impl UserData for Bag {
        fn add_methods(methods: &mut UserDataMethods<Self>) {
            methods.set_name("Bag");
            methods.add_method("count", |_, b, ()| Ok(b.0.len()));
            methods.add_meta_method(MetaMethod::Index, |_, b, k: String| {
                Ok(b.0.get(&k).copied())
            });
            methods.add_meta_method_mut(MetaMethod::NewIndex, |_, b, (k, v): (String, i64)| {
                b.0.insert(k, v);
                Ok(())
            });
            methods.add_meta_method(MetaMethod::Pairs, |lua: &mut LuaState, b, ()| {
                let t = lua.create_table_from(b.0.clone())?;
                let next: Function = lua.get_global("next")?;
                Ok((next, t))
            });
        }
    }
    let mut lua = Lua::new();
    lua.set_global("bag", Bag::default()).unwrap();
    lua.load("bag.a = 1; bag.b = 2").exec().unwrap();
    // Methods win over the custom __index.
    assert_eq!(eval::<i64>(&mut lua, "bag.a + bag.b + bag:count()"), 5);
    assert_eq!(eval::<Option<i64>>(&mut lua, "bag.zzz"), None);
    assert_eq!(
        eval::<i64>(
            &mut lua,
            "local n = 0 for k, v in pairs(bag) do n = n + v end return n"
        ),
        3
    );
    assert!(eval::<String>(&mut lua, "tostring(bag)").starts_with("Bag: "));
    let err = lua.load("bag.c = 'x'").exec().unwrap_err();
    assert!(err.to_string().contains("bad argument #3"), "{err}");

    let ud: AnyUserData = lua.get_global("bag").unwrap();
    ud.set_user_value(&mut lua, "attached").unwrap();
    lua.gc_collect().unwrap();
    assert_eq!(ud.user_value::<String>(&mut lua).unwrap(), "attached");
    let mt = ud.metatable(&mut lua).unwrap().unwrap();
    assert_eq!(mt.get::<String>(&mut lua, "__name").unwrap(), "Bag");
}

#[test]
fn close_metamethod() {
    struct Guard(Arc<AtomicUsize>);
    impl UserData for Guard {
        fn add_methods(methods: &mut UserDataMethods<Self>) {
            methods.add_meta_method(MetaMethod::Close, |_, g, _err: LuaValue| {
                g.0.fetch_add(1, Ordering::SeqCst);
                Ok(())
            });
        }
    }
    let closed = Arc::new(AtomicUsize::new(0));
    let mut lua = Lua::new();
    let c2 = closed.clone();
    let make = lua
        .create_function(move |_, ()| Ok(Guard(c2.clone())))
        .unwrap();
    lua.set_global("guard", make).unwrap();
    lua.load("do local g <close> = guard() end").exec().unwrap();
    assert_eq!(closed.load(Ordering::SeqCst), 1);
    let _ = lua
        .load("local g <close> = guard(); error('x')")
        .exec()
        .unwrap_err();
    assert_eq!(closed.load(Ordering::SeqCst), 2);
}

#[test]
fn userdata_in_conversions() {
    let mut lua = vec_lua();
    // A Vec of userdata both ways.
    lua.set_global(
        "list",
        vec![Vec2 { x: 1.0, y: 1.0 }, Vec2 { x: 2.0, y: 2.0 }],
    )
    .unwrap();
    assert_eq!(eval::<f64>(&mut lua, "list[1]:dot(list[2])"), 4.0);
    let back: Vec<Vec2> = eval(&mut lua, "list");
    assert_eq!(back.len(), 2);
    // Two values of one type share a metatable.
    assert!(eval::<bool>(
        &mut lua,
        "getmetatable(list[1]) == getmetatable(v)"
    ));
    // A callback taking userdata by value (a copy) and by handle.
    let norm = lua
        .create_function(|lua: &mut LuaState, u: AnyUserData| {
            let mut v = u.borrow_mut::<Vec2>(lua)?;
            let n = v.x.hypot(v.y);
            v.x /= n;
            v.y /= n;
            Ok(n)
        })
        .unwrap();
    lua.set_global("normalize", norm).unwrap();
    assert_eq!(eval::<f64>(&mut lua, "normalize(v)"), 5.0);
    assert_eq!(eval::<f64>(&mut lua, "v:length()"), 1.0);
}
