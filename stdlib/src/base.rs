//! The base library (manual §6.1).

use luna_interp::call::MULTRET;
use luna_interp::meta::ArithOp;
use luna_interp::table::Table;
use luna_interp::{CallStatus, Gc, LuaError, LuaResult, LuaType, State, Value};

use crate::util::{set_funcs, Reg};

pub fn open(st: &mut State) -> LuaResult<()> {
    let g = st.globals();
    set_funcs(st, g, FUNCS);
    st.raw_set_str(g, "_G", Value::Table(g));
    let v = st.str_value("Lua 5.4");
    st.raw_set_str(g, "_VERSION", v);
    Ok(())
}

const FUNCS: &[Reg] = &[
    ("assert", assert),
    ("collectgarbage", collectgarbage),
    ("dofile", dofile),
    ("error", error),
    ("getmetatable", getmetatable),
    ("ipairs", ipairs),
    ("load", load),
    ("loadfile", loadfile),
    ("next", next),
    ("pairs", pairs),
    ("pcall", pcall),
    ("print", print),
    ("rawequal", rawequal),
    ("rawget", rawget),
    ("rawlen", rawlen),
    ("rawset", rawset),
    ("select", select),
    ("setmetatable", setmetatable),
    ("tonumber", tonumber),
    ("tostring", tostring),
    ("type", type_),
    ("warn", warn),
    ("xpcall", xpcall),
];

fn print(st: &mut State) -> LuaResult<usize> {
    use std::io::Write;
    let n = st.arg_count();
    let mut out: Vec<u8> = Vec::new();
    for i in 1..=n {
        let v = st.arg(i);
        let s = st.to_display(v)?;
        if i > 1 {
            out.push(b'\t');
        }
        out.extend_from_slice(s.as_bytes());
    }
    out.push(b'\n');
    let mut so = std::io::stdout().lock();
    let _ = so.write_all(&out);
    let _ = so.flush();
    Ok(0)
}

fn type_(st: &mut State) -> LuaResult<usize> {
    let v = st.check_any(1)?;
    st.push_str(v.type_name());
    Ok(1)
}

fn tostring(st: &mut State) -> LuaResult<usize> {
    let v = st.check_any(1)?;
    let s = st.to_display(v)?;
    st.push(Value::Str(s));
    Ok(1)
}

/// Converts `s` (trimmed of Lua whitespace) in `base` to an integer.
fn str_to_int_base(s: &[u8], base: u32) -> Option<i64> {
    let is_space = |c: &u8| matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c);
    let mut i = 0;
    while i < s.len() && is_space(&s[i]) {
        i += 1;
    }
    let mut neg = false;
    if i < s.len() && s[i] == b'-' {
        neg = true;
        i += 1;
    } else if i < s.len() && s[i] == b'+' {
        i += 1;
    }
    let start = i;
    let mut n: i64 = 0;
    while i < s.len() {
        let c = s[i];
        let d = if c.is_ascii_digit() {
            (c - b'0') as u32
        } else if c.is_ascii_alphabetic() {
            (c.to_ascii_lowercase() - b'a') as u32 + 10
        } else {
            break;
        };
        if d >= base {
            return None;
        }
        n = n.wrapping_mul(base as i64).wrapping_add(d as i64);
        i += 1;
    }
    if i == start {
        return None;
    }
    while i < s.len() && is_space(&s[i]) {
        i += 1;
    }
    if i != s.len() {
        return None;
    }
    Some(if neg { n.wrapping_neg() } else { n })
}

fn tonumber(st: &mut State) -> LuaResult<usize> {
    if st.is_none_or_nil(2) {
        let v = st.check_any(1)?;
        match v {
            Value::Int(_) | Value::Float(_) => st.push(v),
            Value::Str(s) => match luna_interp::number::str_to_number(s.as_bytes()) {
                Some(n) => st.push(n),
                None => st.push_nil(),
            },
            _ => st.push_nil(),
        }
        return Ok(1);
    }
    let base = st.check_int(2)?;
    let v = st.arg(1);
    let s = match v {
        Value::Str(s) => s,
        _ => return Err(st.type_error(1, "string")),
    };
    st.arg_check((2..=36).contains(&base), 2, "base out of range")?;
    match str_to_int_base(s.as_bytes(), base as u32) {
        Some(n) => st.push_int(n),
        None => st.push_nil(),
    }
    Ok(1)
}

fn ipairs_aux(st: &mut State) -> LuaResult<usize> {
    let i = st.check_int(2)?.wrapping_add(1);
    let t = st.arg(1);
    let v = match t {
        Value::Table(tb) => {
            let v = tb.get_int(i);
            if v.is_nil() && tb.metatable().is_some() {
                st.index(t, Value::Int(i))?
            } else {
                v
            }
        }
        _ => st.index(t, Value::Int(i))?,
    };
    if v.is_nil() {
        st.push_nil();
        Ok(1)
    } else {
        st.push_int(i);
        st.push(v);
        Ok(2)
    }
}

fn ipairs(st: &mut State) -> LuaResult<usize> {
    let t = st.check_any(1)?;
    st.push(Value::Native(ipairs_aux));
    st.push(t);
    st.push_int(0);
    Ok(3)
}

fn next(st: &mut State) -> LuaResult<usize> {
    let t = st.check_table(1)?;
    let k = st.arg(2);
    match t.next(k) {
        Ok(Some((k, v))) => {
            st.push(k);
            st.push(v);
            Ok(2)
        }
        Ok(None) => {
            st.push_nil();
            Ok(1)
        }
        Err(()) => Err(st.runtime_error("invalid key to 'next'")),
    }
}

fn pairs(st: &mut State) -> LuaResult<usize> {
    let t = st.check_any(1)?;
    let mm = st.get_metafield(t, "__pairs");
    if mm.is_nil() {
        st.push(Value::Native(next));
        st.push(t);
        st.push_nil();
        return Ok(3);
    }
    let func = st.abs_top();
    st.push(mm);
    st.push(t);
    st.call_k(func, 3, pairs_cont, 0)?;
    Ok(3)
}

fn pairs_cont(_st: &mut State, _status: CallStatus, _ctx: isize) -> LuaResult<usize> {
    Ok(3)
}

fn rawequal(st: &mut State) -> LuaResult<usize> {
    let a = st.check_any(1)?;
    let b = st.check_any(2)?;
    st.push_bool(a.raw_eq(&b));
    Ok(1)
}

fn rawlen(st: &mut State) -> LuaResult<usize> {
    match st.arg(1) {
        Value::Table(t) => st.push_int(t.border() as i64),
        Value::Str(s) => st.push_int(s.len() as i64),
        _ => return Err(st.arg_error(1, "table or string expected")),
    }
    Ok(1)
}

fn rawget(st: &mut State) -> LuaResult<usize> {
    let t = st.check_table(1)?;
    let k = st.check_any(2)?;
    st.push(t.get(k));
    Ok(1)
}

fn rawset(st: &mut State) -> LuaResult<usize> {
    let t = st.check_table(1)?;
    let k = st.check_any(2)?;
    let v = st.check_any(3)?;
    st.raw_set(t, k, v)?;
    st.set_top(1);
    Ok(1)
}

fn select(st: &mut State) -> LuaResult<usize> {
    let n = st.arg_count() as i64;
    if let Value::Str(s) = st.arg(1) {
        if s.as_bytes() == b"#" {
            st.push_int(n - 1);
            return Ok(1);
        }
    }
    let i = st.check_int(1)?;
    if i < 0 {
        let i = n + i;
        st.arg_check(i >= 1, 1, "index out of range")?;
        Ok((n - i) as usize)
    } else {
        st.arg_check(i >= 1, 1, "index out of range")?;
        if i >= n {
            Ok(0)
        } else {
            Ok((n - i) as usize)
        }
    }
}

fn getmetatable(st: &mut State) -> LuaResult<usize> {
    let v = st.check_any(1)?;
    match st.metatable_of(v) {
        None => st.push_nil(),
        Some(mt) => {
            let protected = st.raw_get_str(mt, "__metatable");
            if protected.is_nil() {
                st.push(Value::Table(mt));
            } else {
                st.push(protected);
            }
        }
    }
    Ok(1)
}

fn setmetatable(st: &mut State) -> LuaResult<usize> {
    let t = st.check_table(1)?;
    let mt = match st.arg(2) {
        Value::Nil if !st.is_none(2) => None,
        Value::Table(m) => Some(m),
        _ => return Err(st.type_error(2, "nil or table")),
    };
    if let Some(old) = t.metatable() {
        if !st.raw_get_str(old, "__metatable").is_nil() {
            return Err(st.error("cannot change a protected metatable"));
        }
    }
    st.set_table_metatable(t, mt);
    st.set_top(1);
    Ok(1)
}

fn assert(st: &mut State) -> LuaResult<usize> {
    let v = st.check_any(1)?;
    if v.truthy() {
        return Ok(st.arg_count());
    }
    let n = st.arg_count();
    if n < 2 {
        return Err(st.error("assertion failed!"));
    }
    // As `error(msg)` at level 1: a string message gets the caller's position.
    let msg = match st.arg(2) {
        Value::Str(s) => {
            let mut full = st.where_(1).into_bytes();
            full.extend_from_slice(s.as_bytes());
            st.str_value(&full)
        }
        other => other,
    };
    Err(st.throw(msg))
}

fn error(st: &mut State) -> LuaResult<usize> {
    let level = st.opt_int(2, 1)?;
    let msg = st.arg(1);
    let msg = match msg {
        Value::Str(s) if level > 0 => {
            let mut full = st.where_(level as usize).into_bytes();
            full.extend_from_slice(s.as_bytes());
            st.str_value(&full)
        }
        other => other,
    };
    Err(st.throw(msg))
}

fn finish_pcall(st: &mut State, status: CallStatus, extra: isize) -> LuaResult<usize> {
    match status {
        CallStatus::Error(_) => {
            let err = st.pop();
            st.push_bool(false);
            st.push(err);
            Ok(2)
        }
        _ => Ok(st.arg_count() - extra as usize),
    }
}

fn pcall(st: &mut State) -> LuaResult<usize> {
    st.check_any(1)?;
    st.insert(1, Value::Bool(true));
    let func = st.abs_index(2);
    let status = st.pcall_k(func, MULTRET, 0, Some(finish_pcall), 0)?;
    finish_pcall(st, status, 0)
}

fn xpcall(st: &mut State) -> LuaResult<usize> {
    let n = st.arg_count();
    let _ = st.check_function(2)?;
    // Stack: f, msgh, args...  ->  f, msgh, true, f, args...
    let f = st.arg(1);
    st.insert(3, Value::Bool(true));
    st.insert(4, f);
    let _ = n;
    let func = st.abs_index(4);
    let errfunc = st.abs_index(2);
    let status = st.pcall_k(func, MULTRET, errfunc, Some(finish_pcall), 2)?;
    finish_pcall(st, status, 2)
}

fn load_aux(st: &mut State, r: LuaResult<Gc<luna_interp::function::LuaClosure>>) -> LuaResult<usize> {
    match r {
        Ok(f) => {
            st.push(Value::LuaFn(f));
            Ok(1)
        }
        Err(e) if e.is_catchable() => {
            let msg = st.take_error();
            st.push_nil();
            st.push(msg);
            Ok(2)
        }
        Err(e) => Err(e),
    }
}

fn load(st: &mut State) -> LuaResult<usize> {
    let chunk = st.arg(1);
    let mode = match st.opt_str(3)? {
        Some(m) => m.to_string_lossy(),
        None => "bt".to_string(),
    };
    let env = if st.is_none(4) { None } else { Some(st.arg(4)) };
    let (bytes, name): (Vec<u8>, Vec<u8>) = match chunk {
        Value::Str(s) => {
            let name = match st.opt_str(2)? {
                Some(n) => n.as_bytes().to_vec(),
                None => s.as_bytes().to_vec(),
            };
            (s.as_bytes().to_vec(), name)
        }
        _ => {
            let f = st.check_function(1)?;
            let name = match st.opt_str(2)? {
                Some(n) => n.as_bytes().to_vec(),
                None => b"=(load)".to_vec(),
            };
            let mut buf = Vec::new();
            loop {
                let func = st.abs_top();
                st.push(f);
                // An error in the reader makes `load` fail with its message.
                if let CallStatus::Error(_) = st.pcall_k(func, 1, 0, None, 0)? {
                    let msg = st.pop();
                    st.push_nil();
                    st.push(msg);
                    return Ok(2);
                }
                let piece = st.pop();
                match piece {
                    Value::Nil => break,
                    Value::Str(s) => {
                        if s.is_empty() {
                            break;
                        }
                        buf.extend_from_slice(s.as_bytes());
                    }
                    _ => {
                        st.push_nil();
                        st.push_str("reader function must return a string");
                        return Ok(2);
                    }
                }
            }
            (buf, name)
        }
    };
    let r = st.load(&bytes, &name, &mode, env);
    load_aux(st, r)
}

fn read_chunk_file(st: &mut State, path: Option<&[u8]>) -> Result<(Vec<u8>, Vec<u8>), Value> {
    match path {
        Some(p) => {
            let name: Vec<u8> = [b"@".as_slice(), p].concat();
            match st.host_read_file(p) {
                Ok(bytes) => Ok((skip_shebang_keep_lines(bytes), name)),
                Err(msg) => {
                    let m = format!("cannot open {}: {}", String::from_utf8_lossy(p), msg);
                    Err(st.str_value(m))
                }
            }
        }
        None => {
            use std::io::Read;
            let mut buf = Vec::new();
            if let Err(e) = std::io::stdin().read_to_end(&mut buf) {
                let m = format!("cannot read stdin: {}", e);
                return Err(st.str_value(m));
            }
            Ok((skip_shebang_keep_lines(buf), b"=stdin".to_vec()))
        }
    }
}

/// `luaL_loadfilex` skips a UTF-8 BOM and a first line starting with `#` (keeping its
/// newline so line numbers stay right, except before a binary chunk).
pub fn skip_shebang_keep_lines(bytes: Vec<u8>) -> Vec<u8> {
    let mut start = 0;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        start = 3;
    }
    if bytes.get(start) == Some(&b'#') {
        let end = bytes[start..].iter().position(|&c| c == b'\n').map(|p| start + p).unwrap_or(bytes.len());
        if bytes.get(end + 1) == Some(&luna_interp::load::BINARY_SIGNATURE) {
            return bytes[end + 1..].to_vec();
        }
        return bytes[end..].to_vec();
    }
    bytes[start..].to_vec()
}

fn loadfile(st: &mut State) -> LuaResult<usize> {
    let path = st.opt_str(1)?.map(|s| s.as_bytes().to_vec());
    let mode = match st.opt_str(2)? {
        Some(m) => m.to_string_lossy(),
        None => "bt".to_string(),
    };
    let env = if st.is_none(3) { None } else { Some(st.arg(3)) };
    match read_chunk_file(st, path.as_deref()) {
        Ok((bytes, name)) => {
            let r = st.load(&bytes, &name, &mode, env);
            load_aux(st, r)
        }
        Err(msg) => {
            st.push_nil();
            st.push(msg);
            Ok(2)
        }
    }
}

fn dofile_cont(st: &mut State, _status: CallStatus, _ctx: isize) -> LuaResult<usize> {
    Ok(st.arg_count() - 1)
}

fn dofile(st: &mut State) -> LuaResult<usize> {
    let path = st.opt_str(1)?.map(|s| s.as_bytes().to_vec());
    st.set_top(1);
    let f = match read_chunk_file(st, path.as_deref()) {
        Ok((bytes, name)) => match st.load(&bytes, &name, "bt", None) {
            Ok(f) => f,
            Err(e) if e.is_catchable() => {
                let v = st.take_error();
                return Err(st.throw(v));
            }
            Err(e) => return Err(e),
        },
        Err(msg) => return Err(st.throw(msg)),
    };
    let func = st.abs_top();
    st.push(Value::LuaFn(f));
    st.call_k(func, MULTRET, dofile_cont, 0)?;
    dofile_cont(st, CallStatus::Ok, 0)
}

fn collectgarbage(st: &mut State) -> LuaResult<usize> {
    const OPTS: &[&str] = &[
        "stop", "restart", "collect", "count", "step", "setpause", "setstepmul", "isrunning", "generational", "incremental",
    ];
    let o = st.check_option(1, Some("collect"), OPTS)?;
    if st.gc_in_finalizer() {
        // The collector is not reentrant: every option fails inside a finalizer.
        st.push_nil();
        return Ok(1);
    }
    match OPTS[o] {
        "stop" => {
            st.gc_stop();
            st.push_int(0);
        }
        "restart" => {
            st.gc_restart();
            st.push_int(0);
        }
        "collect" => {
            st.full_gc();
            st.push_int(0);
        }
        "count" => {
            let b = st.memory_used();
            st.push_number(b as f64 / 1024.0);
        }
        "step" => {
            let n = st.opt_int(2, 0)?;
            let done = st.gc_step_kb(n);
            st.push_bool(done);
        }
        "setpause" => {
            let p = st.opt_int(2, 0)?;
            let old = st.gc_set_pause(p.clamp(0, u32::MAX as i64) as u32);
            st.push_int(old as i64);
        }
        "setstepmul" => {
            let p = st.opt_int(2, 0)?;
            let old = st.gc_set_step_mul(p.clamp(0, u32::MAX as i64) as u32);
            st.push_int(old as i64);
        }
        "isrunning" => {
            let r = st.gc_is_running();
            st.push_bool(r);
        }
        "generational" => {
            let minor = st.opt_int(2, 0)?.clamp(0, u32::MAX as i64) as u32;
            let major = st.opt_int(3, 0)?.clamp(0, u32::MAX as i64) as u32;
            let old = st.gc_generational(minor, major);
            st.push_str(mode_name(old));
        }
        _ => {
            let pause = st.opt_int(2, 0)?.clamp(0, u32::MAX as i64) as u32;
            let mul = st.opt_int(3, 0)?.clamp(0, u32::MAX as i64) as u32;
            let size = st.opt_int(4, 0)?.clamp(0, u32::MAX as i64) as u32;
            let old = st.gc_incremental(pause, mul, size);
            st.push_str(mode_name(old));
        }
    }
    Ok(1)
}

fn mode_name(m: luna_interp::gc::GcMode) -> &'static str {
    match m {
        luna_interp::gc::GcMode::Incremental => "incremental",
        luna_interp::gc::GcMode::Generational => "generational",
    }
}

fn warn(st: &mut State) -> LuaResult<usize> {
    let n = st.arg_count();
    st.check_str(1)?;
    for i in 2..=n {
        st.check_str(i)?;
    }
    for i in 1..=n {
        let s = st.check_str(i)?;
        let bytes = s.as_bytes().to_vec();
        st.warning(&bytes, i < n);
    }
    Ok(0)
}

#[allow(dead_code)]
fn unused(_: ArithOp, _: LuaType, _: Gc<Table>, _: LuaError) {}
