//! The API native functions use, in the manner of Lua's `lua.h`/`lauxlib.h`: arguments are the
//! running native frame's stack slots `1..=arg_count()`, results are pushed and counted.
//!
//! Rooting rule for native code: values on the stack are safe; values held only in Rust
//! locals are safe until the native calls back into Lua (`call_at`, `call_value`, the
//! metamethod-aware operations), which may collect garbage.

use crate::error::{LuaError, LuaResult};
use crate::gc::Gc;
use crate::number;
use crate::state::State;
use crate::string::LuaStr;
use crate::table::Table;
use crate::thread::Thread;
use crate::userdata::UserData;
use crate::value::{LuaType, Value};

impl State {
    // ------------------------------------------------------------------ the frame's stack

    /// Number of values in the running native frame (`lua_gettop`).
    #[inline]
    pub fn arg_count(&self) -> usize {
        let th = self.thread();
        th.top - th.frame().base
    }

    /// Argument/slot `i` (1-based) of the running native frame, nil beyond the top.
    #[inline]
    pub fn arg(&self, i: usize) -> Value {
        let th = self.thread();
        let idx = th.frame().base + i - 1;
        if i >= 1 && idx < th.top {
            th.stack[idx]
        } else {
            Value::Nil
        }
    }

    /// True when slot `i` is beyond the top (`lua_isnone`).
    #[inline]
    pub fn is_none(&self, i: usize) -> bool {
        i > self.arg_count()
    }

    /// True when slot `i` is absent or nil (`lua_isnoneornil`).
    #[inline]
    pub fn is_none_or_nil(&self, i: usize) -> bool {
        self.arg(i).is_nil()
    }

    /// Replaces slot `i` (which must exist).
    pub fn set_arg(&mut self, i: usize, v: Value) {
        let th = self.thread();
        let idx = th.frame().base + i - 1;
        if idx < th.top {
            th.stack[idx] = v;
        }
    }

    /// Sets the number of values in the frame, filling with nil (`lua_settop`).
    pub fn set_top(&mut self, n: usize) {
        let th = self.thread();
        let base = th.frame().base;
        let new_top = base + n;
        if new_top > th.top {
            if new_top > th.stack.len() && self.ensure_stack(new_top - self.thread().top).is_err() {
                return;
            }
            let th = self.thread();
            for j in th.top..new_top {
                th.stack[j] = Value::Nil;
            }
        }
        self.thread().top = new_top;
    }

    /// The absolute stack slot of frame slot `i` (for `call_at` and `pcall_k`).
    #[inline]
    pub fn abs_index(&self, i: usize) -> usize {
        self.thread().frame().base + i - 1
    }

    /// The absolute stack top.
    #[inline]
    pub fn abs_top(&self) -> usize {
        self.thread().top
    }

    /// The value at an absolute stack slot.
    #[inline]
    pub fn stack_at(&self, idx: usize) -> Value {
        self.thread().stack[idx]
    }

    /// Inserts `v` at slot `i`, shifting the slots above up.
    pub fn insert(&mut self, i: usize, v: Value) {
        self.push(Value::Nil);
        let th = self.thread();
        let idx = th.frame().base + i - 1;
        let top = th.top;
        th.stack.copy_within(idx..top - 1, idx + 1);
        th.stack[idx] = v;
    }

    /// Removes slot `i`, shifting the slots above down; returns the removed value.
    pub fn remove(&mut self, i: usize) -> Value {
        let th = self.thread();
        let idx = th.frame().base + i - 1;
        if idx >= th.top {
            return Value::Nil;
        }
        let v = th.stack[idx];
        let top = th.top;
        th.stack.copy_within(idx + 1..top, idx);
        th.top -= 1;
        v
    }

    /// The top `n` values of the frame, as a vector (copies).
    pub fn top_values(&self, n: usize) -> Vec<Value> {
        let th = self.thread();
        th.stack[th.top - n..th.top].to_vec()
    }

    pub fn push_nil(&mut self) {
        self.push(Value::Nil)
    }
    pub fn push_bool(&mut self, b: bool) {
        self.push(Value::Bool(b))
    }
    pub fn push_int(&mut self, i: i64) {
        self.push(Value::Int(i))
    }
    pub fn push_number(&mut self, x: f64) {
        self.push(Value::Float(x))
    }
    /// Pushes a string value.
    pub fn push_str(&mut self, s: impl AsRef<[u8]>) {
        let v = self.str_value(s);
        self.push(v)
    }

    /// Ensures `n` free slots (`luaL_checkstack`), raising "stack overflow (msg)".
    pub fn check_stack(&mut self, n: usize, msg: &str) -> LuaResult<()> {
        let th = self.thread();
        if th.top + n <= th.stack.len() {
            Ok(())
        } else if th.top + n <= crate::thread::MAX_STACK {
            self.ensure_stack(n)
        } else if msg.is_empty() {
            Err(self.error("stack overflow"))
        } else {
            Err(self.error(&format!("stack overflow ({})", msg)))
        }
    }

    /// The upvalue `i` (1-based) of the running native closure.
    pub fn upvalue(&self, i: usize) -> Value {
        let th = self.thread();
        match th.stack[th.frame().func] {
            Value::NativeClosure(c) => c.upvals.get(i - 1).copied().unwrap_or(Value::Nil),
            _ => Value::Nil,
        }
    }

    /// Replaces upvalue `i` (1-based) of the running native closure.
    pub fn set_upvalue(&mut self, i: usize, v: Value) {
        let th = self.thread();
        if let Value::NativeClosure(c) = th.stack[th.frame().func] {
            if i >= 1 && i <= c.upvals.len() {
                // SAFETY: the closure is alive (it is running); short borrow.
                unsafe { c.get_mut() }.upvals[i - 1] = v;
                self.barrier_forward(c.header_ptr(), v);
            }
        }
    }

    // ------------------------------------------------------------------ conversions

    /// `lua_tointegerx`: integers, floats with an integral value, and strings that convert.
    pub fn to_integer(&self, v: Value) -> Option<i64> {
        match v {
            Value::Int(i) => Some(i),
            Value::Float(f) => number::float_to_int_exact(f),
            Value::Str(s) => match number::str_to_number(s.as_bytes())? {
                Value::Int(i) => Some(i),
                Value::Float(f) => number::float_to_int_exact(f),
                _ => None,
            },
            _ => None,
        }
    }

    /// `lua_tonumberx`: numbers and strings that convert.
    pub fn to_number(&self, v: Value) -> Option<f64> {
        match v {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            Value::Str(s) => number::str_to_number(s.as_bytes())?.as_float(),
            _ => None,
        }
    }

    /// Like `to_number`, keeping the integer/float subtype.
    pub fn to_numeric(&self, v: Value) -> Option<Value> {
        match v {
            Value::Int(_) | Value::Float(_) => Some(v),
            Value::Str(s) => number::str_to_number(s.as_bytes()),
            _ => None,
        }
    }

    // ------------------------------------------------------------------ argument checks

    /// `luaL_error`: raises `msg` prefixed with the position of the calling Lua code.
    #[cold]
    pub fn error(&mut self, msg: &str) -> LuaError {
        self.error_bytes(msg.as_bytes())
    }

    /// `luaL_error` with a byte message.
    #[cold]
    pub fn error_bytes(&mut self, msg: &[u8]) -> LuaError {
        let mut full = self.where_(1).into_bytes();
        full.extend_from_slice(msg);
        let v = self.str_value(&full);
        self.throw(v)
    }

    /// `luaL_argerror`: "bad argument #i to 'f' (msg)".
    #[cold]
    pub fn arg_error(&mut self, i: usize, msg: &str) -> LuaError {
        let (name, is_method) = self.current_function_name();
        let mut i = i;
        if is_method {
            if i == 1 {
                return self.error(&format!("calling '{}' on bad self ({})", name, msg));
            }
            i -= 1;
        }
        self.error(&format!("bad argument #{} to '{}' ({})", i, name, msg))
    }

    /// `luaL_typeerror`: "bad argument #i to 'f' (X expected, got Y)".
    #[cold]
    pub fn type_error(&mut self, i: usize, expected: &str) -> LuaError {
        let v = self.arg(i);
        let got = if self.is_none(i) {
            "no value".to_string()
        } else {
            match self.get_metafield(v, "__name") {
                Value::Str(s) => s.to_string_lossy(),
                _ => match v {
                    Value::LightUserData(_) => "light userdata".to_string(),
                    _ => v.type_name().to_string(),
                },
            }
        };
        self.arg_error(i, &format!("{} expected, got {}", expected, got))
    }

    /// Any value, present.
    pub fn check_any(&mut self, i: usize) -> LuaResult<Value> {
        if self.is_none(i) {
            return Err(self.arg_error(i, "value expected"));
        }
        Ok(self.arg(i))
    }

    pub fn check_type(&mut self, i: usize, ty: LuaType) -> LuaResult<Value> {
        let v = self.arg(i);
        if self.is_none(i) || v.type_of() != ty {
            return Err(self.type_error(i, ty.name()));
        }
        Ok(v)
    }

    pub fn check_table(&mut self, i: usize) -> LuaResult<Gc<Table>> {
        match self.arg(i) {
            Value::Table(t) => Ok(t),
            _ => Err(self.type_error(i, "table")),
        }
    }

    pub fn check_thread(&mut self, i: usize) -> LuaResult<Gc<Thread>> {
        match self.arg(i) {
            Value::Thread(t) => Ok(t),
            _ => Err(self.type_error(i, "thread")),
        }
    }

    pub fn check_userdata(&mut self, i: usize, expected: &str) -> LuaResult<Gc<UserData>> {
        match self.arg(i) {
            Value::UserData(u) => Ok(u),
            _ => Err(self.type_error(i, expected)),
        }
    }

    pub fn check_function(&mut self, i: usize) -> LuaResult<Value> {
        let v = self.arg(i);
        if v.is_function() {
            Ok(v)
        } else {
            Err(self.type_error(i, "function"))
        }
    }

    /// `luaL_checkinteger`.
    pub fn check_int(&mut self, i: usize) -> LuaResult<i64> {
        let v = self.arg(i);
        match self.to_integer(v) {
            Some(n) => Ok(n),
            None => Err(self.int_error(i)),
        }
    }

    #[cold]
    fn int_error(&mut self, i: usize) -> LuaError {
        let v = self.arg(i);
        if self.to_number(v).is_some() {
            self.arg_error(i, "number has no integer representation")
        } else {
            self.type_error(i, "number")
        }
    }

    /// `luaL_optinteger`.
    pub fn opt_int(&mut self, i: usize, default: i64) -> LuaResult<i64> {
        if self.is_none_or_nil(i) {
            Ok(default)
        } else {
            self.check_int(i)
        }
    }

    /// `luaL_checknumber`.
    pub fn check_number(&mut self, i: usize) -> LuaResult<f64> {
        let v = self.arg(i);
        match self.to_number(v) {
            Some(x) => Ok(x),
            None => Err(self.type_error(i, "number")),
        }
    }

    /// A number argument keeping its subtype (integer or float).
    pub fn check_numeric(&mut self, i: usize) -> LuaResult<Value> {
        let v = self.arg(i);
        match self.to_numeric(v) {
            Some(x) => Ok(x),
            None => Err(self.type_error(i, "number")),
        }
    }

    pub fn opt_number(&mut self, i: usize, default: f64) -> LuaResult<f64> {
        if self.is_none_or_nil(i) {
            Ok(default)
        } else {
            self.check_number(i)
        }
    }

    /// `luaL_checklstring`: strings, and numbers converted in place.
    pub fn check_str(&mut self, i: usize) -> LuaResult<Gc<LuaStr>> {
        match self.arg(i) {
            Value::Str(s) => Ok(s),
            v @ (Value::Int(_) | Value::Float(_)) => {
                let s = self.coerce_to_str(v).expect("numbers convert");
                self.set_arg(i, Value::Str(s));
                Ok(s)
            }
            _ => Err(self.type_error(i, "string")),
        }
    }

    /// `luaL_optlstring`.
    pub fn opt_str(&mut self, i: usize) -> LuaResult<Option<Gc<LuaStr>>> {
        if self.is_none_or_nil(i) {
            Ok(None)
        } else {
            self.check_str(i).map(Some)
        }
    }

    /// `lua_toboolean`.
    pub fn to_bool(&self, i: usize) -> bool {
        self.arg(i).truthy()
    }

    /// `luaL_checkoption`: the index of the argument among `options`.
    pub fn check_option(&mut self, i: usize, default: Option<&str>, options: &[&str]) -> LuaResult<usize> {
        let name: Vec<u8> = match default {
            Some(d) if self.is_none_or_nil(i) => d.as_bytes().to_vec(),
            _ => self.check_str(i)?.as_bytes().to_vec(),
        };
        match options.iter().position(|o| o.as_bytes() == name.as_slice()) {
            Some(p) => Ok(p),
            None => {
                let msg = format!("invalid option '{}'", String::from_utf8_lossy(&name));
                Err(self.arg_error(i, &msg))
            }
        }
    }

    /// `luaL_argexpected`-style check.
    pub fn arg_check(&mut self, cond: bool, i: usize, msg: &str) -> LuaResult<()> {
        if cond {
            Ok(())
        } else {
            Err(self.arg_error(i, msg))
        }
    }

    /// `luaL_tolstring`: the text of any value (with `__tostring`/`__name`).
    pub fn to_display(&mut self, v: Value) -> LuaResult<Gc<LuaStr>> {
        self.to_string_meta(v)
    }

    /// The userdata at slot `i` if its metatable is the registry entry `tname`
    /// (`luaL_testudata`).
    pub fn test_userdata(&mut self, i: usize, tname: &str) -> Option<Gc<UserData>> {
        let Value::UserData(u) = self.arg(i) else { return None };
        let reg = self.registry;
        let mt = self.raw_get_str(reg, tname);
        match (u.metatable, mt) {
            (Some(a), Value::Table(b)) if a.ptr_eq(b) => Some(u),
            _ => None,
        }
    }

    /// Creates (or returns) the registry metatable `tname` (`luaL_newmetatable`); the bool
    /// says whether it was created.
    pub fn new_metatable(&mut self, tname: &str) -> (Gc<Table>, bool) {
        let reg = self.registry;
        if let Value::Table(t) = self.raw_get_str(reg, tname) {
            return (t, false);
        }
        let t = self.new_table();
        let name = self.str_value(tname);
        self.raw_set_str(t, "__name", name);
        self.raw_set_str(reg, tname, Value::Table(t));
        (t, true)
    }

    /// Takes the error value of a caught error (leaving nil behind).
    pub fn take_error(&mut self) -> Value {
        std::mem::replace(&mut self.error_value, Value::Nil)
    }

    /// The error value of the error being propagated.
    pub fn error_value(&self) -> Value {
        self.error_value
    }

    /// Whether the running frame's caller is a Lua function at `level`.
    pub fn frame_count(&self) -> usize {
        self.thread().frames.len() - 1
    }
}
