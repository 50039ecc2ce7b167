//! The debug library (manual §6.10), over the kernel's frame, local, upvalue and hook
//! functions (`luna_interp::debug` and `luna_interp::debug_api`).
//!
//! Functions that take an optional thread as their first argument (`getinfo`, `getlocal`,
//! `setlocal`, `sethook`, `gethook`, `traceback`) work on the running thread otherwise.
//! Hooks are kept by the kernel per thread; the registry's weak-keyed `_HOOKKEY` table also
//! maps each thread to its hook, as Lua's own library does.

use luna_interp::thread::Thread;
use luna_interp::{Gc, LuaResult, LuaType, State, Value};

use crate::util::{new_lib, Reg};

pub fn open(st: &mut State) -> LuaResult<Value> {
    let t = new_lib(st, FUNCS);
    Ok(Value::Table(t))
}

const FUNCS: &[Reg] = &[
    ("debug", debug),
    ("getuservalue", getuservalue),
    ("gethook", gethook),
    ("getinfo", getinfo),
    ("getlocal", getlocal),
    ("getregistry", getregistry),
    ("getmetatable", getmetatable),
    ("getupvalue", getupvalue),
    ("upvaluejoin", upvaluejoin),
    ("upvalueid", upvalueid),
    ("setuservalue", setuservalue),
    ("sethook", sethook),
    ("setlocal", setlocal),
    ("setmetatable", setmetatable),
    ("setupvalue", setupvalue),
    ("traceback", traceback),
    ("setcstacklimit", setcstacklimit),
];

/// The thread argument, if the first argument is one: (thread, index of the argument before
/// the others). Otherwise the running thread and 0.
fn get_thread(st: &mut State) -> (Gc<Thread>, usize) {
    match st.arg(1) {
        Value::Thread(t) => (t, 1),
        _ => (st.current_thread(), 0),
    }
}

/// A level argument as a frame level (`None` for negative levels, which never exist).
fn level_of(n: i64) -> Option<usize> {
    usize::try_from(n).ok()
}

fn getregistry(st: &mut State) -> LuaResult<usize> {
    let r = st.registry();
    st.push(Value::Table(r));
    Ok(1)
}

fn getmetatable(st: &mut State) -> LuaResult<usize> {
    let v = st.check_any(1)?;
    match st.metatable_of(v) {
        Some(mt) => st.push(Value::Table(mt)),
        None => st.push_nil(),
    }
    Ok(1)
}

fn setmetatable(st: &mut State) -> LuaResult<usize> {
    let mt = match st.arg(2) {
        Value::Nil if !st.is_none(2) => None,
        Value::Table(t) => Some(t),
        _ => return Err(st.type_error(2, "nil or table")),
    };
    st.set_top(2);
    match st.arg(1) {
        Value::Table(t) => st.set_table_metatable(t, mt),
        Value::UserData(u) => st.set_userdata_metatable(u, mt),
        other => st.set_type_metatable(other.type_of(), mt),
    }
    st.set_top(1);
    Ok(1)
}

fn getuservalue(st: &mut State) -> LuaResult<usize> {
    let n = st.opt_int(2, 1)?;
    let Value::UserData(u) = st.arg(1) else {
        st.push_nil();
        return Ok(1);
    };
    let values = u.user_values();
    if n >= 1 && (n as u64) <= values.len() as u64 {
        st.push(values[n as usize - 1]);
        st.push_bool(true);
        Ok(2)
    } else {
        st.push_nil();
        Ok(1)
    }
}

fn setuservalue(st: &mut State) -> LuaResult<usize> {
    let n = st.opt_int(3, 1)?;
    let u = match st.arg(1) {
        Value::UserData(u) => u,
        _ => return Err(st.type_error(1, "userdata")),
    };
    let v = st.check_any(2)?;
    st.set_top(2);
    let ok = n >= 1 && n <= i32::MAX as i64 && st.set_user_value(u, n as usize, v);
    st.set_top(1);
    if !ok {
        st.set_top(0);
        st.push_nil();
    }
    Ok(1)
}

// ---------------------------------------------------------------------- getinfo

/// `debug.getinfo ([thread,] f [, what])`.
fn getinfo(st: &mut State) -> LuaResult<usize> {
    let (th, arg) = get_thread(st);
    let options = match st.opt_str(arg + 2)? {
        Some(s) => s.as_bytes().to_vec(),
        None => b"flnSrtu".to_vec(),
    };
    if options.first() == Some(&b'>') {
        return Err(st.arg_error(arg + 2, "invalid option '>'"));
    }
    let target = st.arg(arg + 1);
    let (info, func, level) = if target.is_function() {
        (st.function_info(target), target, None)
    } else {
        let n = st.check_int(arg + 1)?;
        let Some(level) = level_of(n).filter(|&l| st.has_level(th, l)) else {
            st.push_nil();
            return Ok(1);
        };
        let info = st.frame_info(th, level).unwrap_or_default();
        let func = st.function_at(th, level).unwrap_or(Value::Nil);
        (info, func, Some(level))
    };
    if options.iter().any(|c| !b"SlutnrLf".contains(c)) {
        return Err(st.arg_error(arg + 2, "invalid option"));
    }
    let t = st.new_table_with(0, 12);
    st.push(Value::Table(t));
    // Keep the function reachable while the table is filled.
    st.push(func);
    let has = |c: u8| options.contains(&c);
    if has(b'S') {
        let src = st.str_value(&info.source);
        st.raw_set_str(t, "source", src);
        let short = st.str_value(info.short_src.as_bytes());
        st.raw_set_str(t, "short_src", short);
        st.raw_set_str(t, "linedefined", Value::Int(info.line_defined));
        st.raw_set_str(t, "lastlinedefined", Value::Int(info.last_line_defined));
        let what = st.str_value(info.what);
        st.raw_set_str(t, "what", what);
    }
    if has(b'l') {
        let line = if level.is_some() {
            info.current_line
        } else {
            -1
        };
        st.raw_set_str(t, "currentline", Value::Int(line));
    }
    if has(b'u') {
        st.raw_set_str(t, "nups", Value::Int(info.nups as i64));
        st.raw_set_str(t, "nparams", Value::Int(info.nparams as i64));
        st.raw_set_str(t, "isvararg", Value::Bool(info.is_vararg));
    }
    if has(b'n') {
        let (name, what) = match (&info.name, level) {
            (Some(n), Some(_)) => (st.str_value(n.as_bytes()), info.name_what),
            _ => (Value::Nil, ""),
        };
        st.raw_set_str(t, "name", name);
        let what = st.str_value(what);
        st.raw_set_str(t, "namewhat", what);
    }
    if has(b'r') {
        let (ft, nt) = match level {
            Some(l) => st.frame_transfer(th, l),
            None => (0, 0),
        };
        st.raw_set_str(t, "ftransfer", Value::Int(ft as i64));
        st.raw_set_str(t, "ntransfer", Value::Int(nt as i64));
    }
    if has(b't') {
        st.raw_set_str(
            t,
            "istailcall",
            Value::Bool(level.is_some() && info.is_tail_call),
        );
    }
    if has(b'L') {
        match st.active_lines(func) {
            Some(lines) => {
                let set = st.new_table();
                st.raw_set_str(t, "activelines", Value::Table(set));
                for l in lines {
                    st.raw_set_int(set, l as i64, Value::Bool(true));
                }
            }
            None => st.raw_set_str(t, "activelines", Value::Nil),
        }
    }
    if has(b'f') {
        st.raw_set_str(t, "func", func);
    }
    st.pop();
    Ok(1)
}

// ---------------------------------------------------------------------- locals and upvalues

/// `debug.getlocal ([thread,] f, local)`.
fn getlocal(st: &mut State) -> LuaResult<usize> {
    let (th, arg) = get_thread(st);
    let n = st.check_int(arg + 2)?;
    let target = st.arg(arg + 1);
    if target.is_function() {
        match st.param_name(target, n) {
            Some(name) => st.push_str(name),
            None => st.push_nil(),
        }
        return Ok(1);
    }
    let level = st.check_int(arg + 1)?;
    let Some(level) = level_of(level).filter(|&l| st.has_level(th, l)) else {
        return Err(st.arg_error(arg + 1, "level out of range"));
    };
    match st.get_local(th, level, n) {
        Some((name, v)) => {
            st.push_str(name);
            st.push(v);
            Ok(2)
        }
        None => {
            st.push_nil();
            Ok(1)
        }
    }
}

/// `debug.setlocal ([thread,] level, local, value)`.
fn setlocal(st: &mut State) -> LuaResult<usize> {
    let (th, arg) = get_thread(st);
    let level = st.check_int(arg + 1)?;
    let n = st.check_int(arg + 2)?;
    let Some(level) = level_of(level).filter(|&l| st.has_level(th, l)) else {
        return Err(st.arg_error(arg + 1, "level out of range"));
    };
    let v = st.check_any(arg + 3)?;
    match st.set_local(th, level, n, v) {
        Some(name) => st.push_str(name),
        None => st.push_nil(),
    }
    Ok(1)
}

/// The closure and upvalue index arguments of the upvalue functions.
fn upvalue_args(st: &mut State, fi: usize, ni: usize) -> LuaResult<(Value, i64)> {
    let n = st.check_int(ni)?;
    let f = st.arg(fi);
    if !f.is_function() {
        return Err(st.type_error(fi, "function"));
    }
    Ok((f, n))
}

fn getupvalue(st: &mut State) -> LuaResult<usize> {
    let (f, n) = upvalue_args(st, 1, 2)?;
    match st.get_upvalue(f, n) {
        Some((name, v)) => {
            st.push_str(name);
            st.push(v);
            Ok(2)
        }
        None => Ok(0),
    }
}

fn setupvalue(st: &mut State) -> LuaResult<usize> {
    let v = st.check_any(3)?;
    let (f, n) = upvalue_args(st, 1, 2)?;
    match st.set_closure_upvalue(f, n, v) {
        Some(name) => {
            st.push_str(name);
            Ok(1)
        }
        None => Ok(0),
    }
}

fn upvalueid(st: &mut State) -> LuaResult<usize> {
    let (f, n) = upvalue_args(st, 1, 2)?;
    match st.upvalue_id(f, n) {
        Some(id) => st.push(Value::LightUserData(id)),
        None => st.push_nil(),
    }
    Ok(1)
}

fn upvaluejoin(st: &mut State) -> LuaResult<usize> {
    let (f1, n1) = upvalue_args(st, 1, 2)?;
    if st.upvalue_id(f1, n1).is_none() {
        return Err(st.arg_error(2, "invalid upvalue index"));
    }
    let (f2, n2) = upvalue_args(st, 3, 4)?;
    if st.upvalue_id(f2, n2).is_none() {
        return Err(st.arg_error(4, "invalid upvalue index"));
    }
    let Value::LuaFn(c1) = f1 else {
        return Err(st.arg_error(1, "Lua function expected"));
    };
    let Value::LuaFn(c2) = f2 else {
        return Err(st.arg_error(3, "Lua function expected"));
    };
    st.upvalue_join(c1, n1, c2, n2);
    Ok(0)
}

// ---------------------------------------------------------------------- hooks

/// The registry's `_HOOKKEY` table (weak keys: threads to hook functions).
fn hook_table(st: &mut State) -> Gc<luna_interp::table::Table> {
    let reg = st.registry();
    if let Value::Table(t) = st.raw_get_str(reg, "_HOOKKEY") {
        return t;
    }
    let t = st.new_table();
    st.raw_set_str(reg, "_HOOKKEY", Value::Table(t));
    let mode = st.str_value("k");
    st.raw_set_str(t, "__mode", mode);
    st.set_table_metatable(t, Some(t));
    t
}

/// `debug.sethook ([thread,] hook, mask [, count])`.
fn sethook(st: &mut State) -> LuaResult<usize> {
    let (th, arg) = get_thread(st);
    let (f, mask, count) = if st.is_none_or_nil(arg + 1) {
        st.set_top(arg + 1);
        (Value::Nil, 0u8, 0u32)
    } else {
        let smask = st.check_str(arg + 2)?.as_bytes().to_vec();
        let f = st.check_type(arg + 1, LuaType::Function)?;
        let count = st.opt_int(arg + 3, 0)?;
        let count = count.clamp(0, i32::MAX as i64) as u32;
        let mut mask = 0u8;
        if smask.contains(&b'c') {
            mask |= luna_interp::debug::HOOK_CALL;
        }
        if smask.contains(&b'r') {
            mask |= luna_interp::debug::HOOK_RETURN;
        }
        if smask.contains(&b'l') {
            mask |= luna_interp::debug::HOOK_LINE;
        }
        (f, mask, count)
    };
    let hooks = hook_table(st);
    st.raw_set(hooks, Value::Thread(th), f)?;
    st.set_hook(th, f, mask, count);
    Ok(0)
}

/// `debug.gethook ([thread])`: the hook function, its mask and its count.
fn gethook(st: &mut State) -> LuaResult<usize> {
    let (th, _) = get_thread(st);
    let (f, mask, count) = st.get_hook(th);
    if f.is_nil() {
        st.push_nil();
        return Ok(1);
    }
    let mut smask = String::new();
    if mask & luna_interp::debug::HOOK_CALL != 0 {
        smask.push('c');
    }
    if mask & luna_interp::debug::HOOK_RETURN != 0 {
        smask.push('r');
    }
    if mask & luna_interp::debug::HOOK_LINE != 0 {
        smask.push('l');
    }
    st.push(f);
    st.push_str(smask);
    st.push_int(count as i64);
    Ok(3)
}

// ---------------------------------------------------------------------- the rest

/// `debug.traceback ([thread,] [message [, level]])`.
fn traceback(st: &mut State) -> LuaResult<usize> {
    let (th, arg) = get_thread(st);
    let msg = st.arg(arg + 1);
    let text: Option<Vec<u8>> = match msg {
        Value::Str(s) => Some(s.as_bytes().to_vec()),
        Value::Int(_) | Value::Float(_) => st.coerce_to_str(msg).map(|s| s.as_bytes().to_vec()),
        Value::Nil => None,
        _ => {
            st.push(msg);
            return Ok(1);
        }
    };
    let same = th.ptr_eq(st.current_thread());
    let level = st.opt_int(arg + 2, if same { 1 } else { 0 })?;
    let level = level_of(level).unwrap_or(usize::MAX);
    let tb = st.traceback(th, text.as_deref(), level);
    st.push_str(tb);
    Ok(1)
}

/// `debug.setcstacklimit (limit)`: deprecated; does nothing and returns Lua's fixed limit.
fn setcstacklimit(st: &mut State) -> LuaResult<usize> {
    st.check_int(1)?;
    st.push_int(luna_interp::state::MAX_NATIVE_DEPTH as i64);
    Ok(1)
}

/// `debug.debug ()`: runs each line read from standard input until "cont" or end of input,
/// reporting errors on standard error.
fn debug(st: &mut State) -> LuaResult<usize> {
    use std::io::{BufRead, Write};
    loop {
        {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(b"lua_debug> ");
            let _ = err.flush();
        }
        let mut line = Vec::new();
        let n = std::io::stdin()
            .lock()
            .read_until(b'\n', &mut line)
            .unwrap_or(0);
        if n == 0 || line == b"cont\n" || line == b"cont" {
            return Ok(0);
        }
        let base = st.arg_count();
        let r = match st.load(&line, b"=(debug command)", "bt", None) {
            Ok(f) => {
                let func = st.abs_top();
                st.push(Value::LuaFn(f));
                st.pcall_k(func, 0, 0, None, 0).map(|status| match status {
                    luna_interp::CallStatus::Error(_) => Some(st.pop()),
                    _ => None,
                })
            }
            Err(e) if e.is_catchable() => Ok(Some(st.take_error())),
            Err(e) => Err(e),
        };
        if let Some(errv) = r? {
            st.push(errv);
            let s = st.to_display(errv)?;
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(s.as_bytes());
            let _ = err.write_all(b"\n");
        }
        st.set_top(base);
    }
}
