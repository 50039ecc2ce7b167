//! Metamethods: lookup (with each table's cache of absent ones) and the generic, metamethod
//! aware operations shared by the VM and the native API: indexing, assignment, arithmetic,
//! comparison, length, concatenation and `tostring`.
//!
//! Operations that may call a metamethod call back into Lua, which may collect garbage: their
//! operands must be rooted by the caller (they are, when they come from a stack).

use crate::error::LuaResult;
use crate::gc::Gc;
use crate::number;
use crate::opcodes::TagMethod;
use crate::state::State;
use crate::string::LuaStr;
use crate::table::Table;
use crate::value::{LuaType, Value};

/// Lua's cap on `__index`/`__newindex` chains.
const MAX_TAG_LOOP: usize = 2000;

/// Where an operand came from, so type errors can name it ("local 'x'", "global 'y'").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Origin {
    None,
    /// A register of the running Lua function.
    Reg(u32),
    /// An upvalue of the running Lua function.
    Upval(u32),
}

/// The arithmetic and bitwise operators (the order of Lua's `LUA_OPADD` ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Mod,
    Pow,
    Div,
    IDiv,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
    Unm,
    BNot,
}

impl ArithOp {
    pub fn tag_method(self) -> TagMethod {
        match self {
            ArithOp::Add => TagMethod::Add,
            ArithOp::Sub => TagMethod::Sub,
            ArithOp::Mul => TagMethod::Mul,
            ArithOp::Mod => TagMethod::Mod,
            ArithOp::Pow => TagMethod::Pow,
            ArithOp::Div => TagMethod::Div,
            ArithOp::IDiv => TagMethod::IDiv,
            ArithOp::BAnd => TagMethod::BAnd,
            ArithOp::BOr => TagMethod::BOr,
            ArithOp::BXor => TagMethod::BXor,
            ArithOp::Shl => TagMethod::Shl,
            ArithOp::Shr => TagMethod::Shr,
            ArithOp::Unm => TagMethod::Unm,
            ArithOp::BNot => TagMethod::BNot,
        }
    }

    pub fn from_tag_method(tm: TagMethod) -> Option<ArithOp> {
        Some(match tm {
            TagMethod::Add => ArithOp::Add,
            TagMethod::Sub => ArithOp::Sub,
            TagMethod::Mul => ArithOp::Mul,
            TagMethod::Mod => ArithOp::Mod,
            TagMethod::Pow => ArithOp::Pow,
            TagMethod::Div => ArithOp::Div,
            TagMethod::IDiv => ArithOp::IDiv,
            TagMethod::BAnd => ArithOp::BAnd,
            TagMethod::BOr => ArithOp::BOr,
            TagMethod::BXor => ArithOp::BXor,
            TagMethod::Shl => ArithOp::Shl,
            TagMethod::Shr => ArithOp::Shr,
            TagMethod::Unm => ArithOp::Unm,
            TagMethod::BNot => ArithOp::BNot,
            _ => return None,
        })
    }
}

/// Integer value of a number for bitwise operations (floats must be integral).
#[inline]
pub(crate) fn to_integer_strict(v: Value) -> Option<i64> {
    match v {
        Value::Int(i) => Some(i),
        Value::Float(f) => number::float_to_int_exact(f),
        _ => None,
    }
}

/// Arithmetic on two numbers (no strings, no metamethods). `None`: not both numbers, a
/// bitwise operand without an integer value, or integer division by zero (the caller
/// reports which).
#[inline]
pub fn arith_numbers(op: ArithOp, a: Value, b: Value) -> Option<Value> {
    use ArithOp::*;
    match op {
        BAnd | BOr | BXor | Shl | Shr | BNot => {
            let x = to_integer_strict(a)?;
            let y = to_integer_strict(b)?;
            Some(Value::Int(match op {
                BAnd => x & y,
                BOr => x | y,
                BXor => x ^ y,
                Shl => number::shift_left(x, y),
                Shr => number::shift_left(x, y.wrapping_neg()),
                _ => !x,
            }))
        }
        Div | Pow => {
            let x = a.as_float()?;
            let y = b.as_float()?;
            Some(Value::Float(if op == Div { x / y } else { number::float_pow(x, y) }))
        }
        _ => match (a, b) {
            (Value::Int(x), Value::Int(y)) => Some(Value::Int(match op {
                Add => x.wrapping_add(y),
                Sub => x.wrapping_sub(y),
                Mul => x.wrapping_mul(y),
                Mod => number::int_mod(x, y)?,
                IDiv => number::int_floor_div(x, y)?,
                Unm => x.wrapping_neg(),
                _ => unreachable_op(),
            })),
            _ => {
                let x = a.as_float()?;
                let y = b.as_float()?;
                Some(Value::Float(match op {
                    Add => x + y,
                    Sub => x - y,
                    Mul => x * y,
                    Mod => number::float_mod(x, y),
                    IDiv => number::float_floor_div(x, y),
                    Unm => -x,
                    _ => f64::NAN,
                }))
            }
        },
    }
}

#[inline(always)]
fn unreachable_op() -> i64 {
    // The match arms above cover every operator of their group.
    0
}

impl State {
    // ------------------------------------------------------------------ lookup

    /// A table's own metamethod, using and filling its cache of absent events.
    #[inline(always)]
    pub(crate) fn fast_tm(&self, mt: Option<Gc<Table>>, tm: TagMethod) -> Value {
        let Some(mt) = mt else { return Value::Nil };
        let bit = 1u32 << (tm as u32);
        if mt.absent_meta.get() & bit != 0 {
            return Value::Nil;
        }
        let v = mt.get_short_str(self.tm_name(tm));
        if v.is_nil() {
            mt.absent_meta.set(mt.absent_meta.get() | bit);
        }
        v
    }

    /// The metamethod `tm` of any value (nil if none).
    #[inline]
    pub fn get_metamethod(&self, v: Value, tm: TagMethod) -> Value {
        let mt = self.metatable_of(v);
        self.fast_tm(mt, tm)
    }

    /// The metafield `name` of a value (raw, any name).
    pub fn get_metafield(&mut self, v: Value, name: &str) -> Value {
        match self.metatable_of(v) {
            Some(mt) => self.raw_get_str(mt, name),
            None => Value::Nil,
        }
    }

    // ------------------------------------------------------------------ calling metamethods

    /// Calls `f(a, b)` and returns its first result.
    pub(crate) fn call_tm_res(&mut self, f: Value, a: Value, b: Value) -> LuaResult<Value> {
        self.ensure_stack(3)?;
        let func = self.thread().top;
        self.push(f);
        self.push(a);
        self.push(b);
        self.call_from_context(func, 1)?;
        let th = self.thread();
        th.top -= 1;
        Ok(th.stack[th.top])
    }

    /// Calls `f(a, b, c)` with no results.
    pub(crate) fn call_tm(&mut self, f: Value, a: Value, b: Value, c: Value) -> LuaResult<()> {
        self.ensure_stack(4)?;
        let func = self.thread().top;
        self.push(f);
        self.push(a);
        self.push(b);
        self.push(c);
        self.call_from_context(func, 0)
    }

    /// Calls from the VM (the innermost frame is Lua) may yield and are finished by
    /// `finish_op`; calls made by a native function may not.
    #[inline]
    pub(crate) fn call_from_context(&mut self, func: usize, nresults: i32) -> LuaResult<()> {
        if self.thread().frame().is_lua() {
            self.call_yieldable(func, nresults)
        } else {
            self.call_at(func, nresults)
        }
    }

    // ------------------------------------------------------------------ indexing

    /// The fast path of field access: `t[key]` for an interned key, following `__index`
    /// metamethods while they are tables (how classes and inheritance are usually built).
    /// This is the part after a miss in `t` itself (which has a metatable): the VM probes `t`
    /// inline. The value found is written to `*out`; false when the chain reaches a
    /// metamethod that is not a table (or is too long): the caller takes the slow path.
    #[inline(never)]
    pub(crate) fn get_str_after_miss(&self, mut t: Gc<Table>, key: Gc<LuaStr>, out: &mut Value) -> bool {
        for _ in 0..MAX_TAG_LOOP {
            match self.fast_tm(t.metatable, TagMethod::Index) {
                Value::Nil => {
                    *out = Value::Nil;
                    return true;
                }
                Value::Table(next) => t = next,
                _ => return false,
            }
            let v = t.get_short_str(key);
            if !v.is_nil() {
                *out = v;
                return true;
            }
        }
        false
    }

    /// `obj[key]` with metamethods.
    pub fn index(&mut self, obj: Value, key: Value) -> LuaResult<Value> {
        self.index_from(obj, key, Origin::None)
    }

    /// `obj[key]`, naming `origin` in a type error.
    pub(crate) fn index_from(&mut self, obj: Value, key: Value, origin: Origin) -> LuaResult<Value> {
        if let Value::Table(t) = obj {
            let v = t.get(key);
            if !v.is_nil() {
                return Ok(v);
            }
        }
        self.finish_get(obj, key, origin)
    }

    /// The slow path of indexing: `obj[key]` was absent or `obj` is not a table.
    pub(crate) fn finish_get(&mut self, mut obj: Value, key: Value, origin: Origin) -> LuaResult<Value> {
        let mut origin = origin;
        for _ in 0..MAX_TAG_LOOP {
            let tm = match obj {
                Value::Table(t) => {
                    let tm = self.fast_tm(t.metatable, TagMethod::Index);
                    if tm.is_nil() {
                        return Ok(Value::Nil);
                    }
                    tm
                }
                _ => {
                    let tm = self.get_metamethod(obj, TagMethod::Index);
                    if tm.is_nil() {
                        return Err(self.type_error_at(obj, "index", origin, Some(key)));
                    }
                    tm
                }
            };
            if tm.is_function() {
                return self.call_tm_res(tm, obj, key);
            }
            obj = tm;
            origin = Origin::None;
            if let Value::Table(t) = obj {
                let v = t.get(key);
                if !v.is_nil() {
                    return Ok(v);
                }
            }
        }
        Err(self.runtime_error("'__index' chain too long; possible loop"))
    }

    /// `obj[key] = val` with metamethods.
    pub fn set_index(&mut self, obj: Value, key: Value, val: Value) -> LuaResult<()> {
        self.set_index_from(obj, key, val, Origin::None)
    }

    pub(crate) fn set_index_from(&mut self, mut obj: Value, key: Value, val: Value, origin: Origin) -> LuaResult<()> {
        let mut origin = origin;
        for _ in 0..MAX_TAG_LOOP {
            let tm = match obj {
                Value::Table(t) => {
                    let existing = t.get(key);
                    if !existing.is_nil() {
                        return self.raw_set(t, key, val);
                    }
                    let tm = self.fast_tm(t.metatable, TagMethod::NewIndex);
                    if tm.is_nil() {
                        return self.raw_set(t, key, val);
                    }
                    tm
                }
                _ => {
                    let tm = self.get_metamethod(obj, TagMethod::NewIndex);
                    if tm.is_nil() {
                        return Err(self.type_error_at(obj, "index", origin, Some(key)));
                    }
                    tm
                }
            };
            if tm.is_function() {
                return self.call_tm(tm, obj, key, val);
            }
            obj = tm;
            origin = Origin::None;
        }
        Err(self.runtime_error("'__newindex' chain too long; possible loop"))
    }

    // ------------------------------------------------------------------ arithmetic

    /// Arithmetic with metamethods (`lua_arith`); strings are coerced only through the string
    /// metatable's metamethods, as in Lua 5.4.
    pub fn arith(&mut self, op: ArithOp, a: Value, b: Value) -> LuaResult<Value> {
        if let Some(v) = arith_numbers(op, a, b) {
            return Ok(v);
        }
        self.arith_tm(a, b, op.tag_method(), Origin::None, Origin::None)
    }

    /// Tries the metamethod of a binary (or unary) operation; raises Lua's error if none.
    pub(crate) fn arith_tm(&mut self, a: Value, b: Value, tm: TagMethod, oa: Origin, ob: Origin) -> LuaResult<Value> {
        let mut f = self.get_metamethod(a, tm);
        if f.is_nil() {
            f = self.get_metamethod(b, tm);
        }
        if !f.is_nil() {
            return self.call_tm_res(f, a, b);
        }
        Err(self.arith_error(a, b, tm, oa, ob))
    }

    #[cold]
    pub(crate) fn arith_error(&mut self, a: Value, b: Value, tm: TagMethod, oa: Origin, ob: Origin) -> crate::error::LuaError {
        match tm {
            TagMethod::Concat => {
                let (culprit, o) = if matches!(a, Value::Str(_)) || a.is_number() { (b, ob) } else { (a, oa) };
                self.type_error_at(culprit, "concatenate", o, None)
            }
            TagMethod::BAnd | TagMethod::BOr | TagMethod::BXor | TagMethod::Shl | TagMethod::Shr | TagMethod::BNot => {
                if a.is_number() && b.is_number() {
                    // Both numbers: one has no integer representation.
                    let (culprit, o) = if to_integer_strict(a).is_none() { (a, oa) } else { (b, ob) };
                    let _ = culprit;
                    let info = self.var_info(o);
                    self.runtime_error(&format!("number{} has no integer representation", info))
                } else {
                    let (culprit, o) = if a.is_number() { (b, ob) } else { (a, oa) };
                    self.type_error_at(culprit, "perform bitwise operation on", o, None)
                }
            }
            _ => {
                let (culprit, o) = if a.is_number() { (b, ob) } else { (a, oa) };
                self.type_error_at(culprit, "perform arithmetic on", o, None)
            }
        }
    }

    /// The error for integer division or modulo by zero.
    #[cold]
    pub(crate) fn div_by_zero_error(&mut self, op: ArithOp) -> crate::error::LuaError {
        let msg = if op == ArithOp::Mod { "attempt to perform 'n%0'" } else { "attempt to divide by zero" };
        self.runtime_error(msg)
    }

    // ------------------------------------------------------------------ comparison

    /// `a == b` with `__eq`.
    pub fn equals(&mut self, a: Value, b: Value) -> LuaResult<bool> {
        match (a, b) {
            (Value::Table(x), Value::Table(y)) => {
                if x.ptr_eq(y) {
                    return Ok(true);
                }
                let mut tm = self.fast_tm(x.metatable, TagMethod::Eq);
                if tm.is_nil() {
                    tm = self.fast_tm(y.metatable, TagMethod::Eq);
                }
                if tm.is_nil() {
                    return Ok(false);
                }
                Ok(self.call_tm_res(tm, a, b)?.truthy())
            }
            (Value::UserData(x), Value::UserData(y)) => {
                if x.ptr_eq(y) {
                    return Ok(true);
                }
                let mut tm = self.fast_tm(x.metatable, TagMethod::Eq);
                if tm.is_nil() {
                    tm = self.fast_tm(y.metatable, TagMethod::Eq);
                }
                if tm.is_nil() {
                    return Ok(false);
                }
                Ok(self.call_tm_res(tm, a, b)?.truthy())
            }
            _ => Ok(a.raw_eq(&b)),
        }
    }

    /// `a < b` with `__lt`.
    pub fn less_than(&mut self, a: Value, b: Value) -> LuaResult<bool> {
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => Ok(x < y),
            _ if a.is_number() && b.is_number() => Ok(number::num_lt(a, b)),
            (Value::Str(x), Value::Str(y)) => Ok(str_cmp(x, y).is_lt()),
            _ => self.order_tm(a, b, TagMethod::Lt),
        }
    }

    /// `a <= b` with `__le`.
    pub fn less_equal(&mut self, a: Value, b: Value) -> LuaResult<bool> {
        match (a, b) {
            (Value::Int(x), Value::Int(y)) => Ok(x <= y),
            _ if a.is_number() && b.is_number() => Ok(number::num_le(a, b)),
            (Value::Str(x), Value::Str(y)) => Ok(str_cmp(x, y).is_le()),
            _ => self.order_tm(a, b, TagMethod::Le),
        }
    }

    pub(crate) fn order_tm(&mut self, a: Value, b: Value, tm: TagMethod) -> LuaResult<bool> {
        let mut f = self.get_metamethod(a, tm);
        if f.is_nil() {
            f = self.get_metamethod(b, tm);
        }
        if !f.is_nil() {
            return Ok(self.call_tm_res(f, a, b)?.truthy());
        }
        Err(self.order_error(a, b))
    }

    #[cold]
    pub(crate) fn order_error(&mut self, a: Value, b: Value) -> crate::error::LuaError {
        let t1 = self.type_name_of(a);
        let t2 = self.type_name_of(b);
        if t1 == t2 {
            self.runtime_error(&format!("attempt to compare two {} values", t1))
        } else {
            self.runtime_error(&format!("attempt to compare {} with {}", t1, t2))
        }
    }

    /// The type name used in messages: `__name` of the metatable when it is a string.
    pub fn type_name_of(&mut self, v: Value) -> String {
        if let Some(mt) = self.metatable_of(v) {
            if matches!(v, Value::Table(_) | Value::UserData(_)) {
                let name = self.raw_get_str(mt, "__name");
                if let Value::Str(s) = name {
                    return s.to_string_lossy();
                }
            }
        }
        v.type_name().to_string()
    }

    // ------------------------------------------------------------------ length

    /// `#v` with `__len`.
    pub fn len(&mut self, v: Value) -> LuaResult<Value> {
        self.len_from(v, Origin::None)
    }

    pub(crate) fn len_from(&mut self, v: Value, origin: Origin) -> LuaResult<Value> {
        match v {
            Value::Str(s) => Ok(Value::Int(s.len() as i64)),
            Value::Table(t) => {
                let tm = self.fast_tm(t.metatable, TagMethod::Len);
                if tm.is_nil() {
                    return Ok(Value::Int(t.border() as i64));
                }
                self.call_tm_res(tm, v, v)
            }
            _ => {
                let tm = self.get_metamethod(v, TagMethod::Len);
                if tm.is_nil() {
                    return Err(self.type_error_at(v, "get length of", origin, None));
                }
                self.call_tm_res(tm, v, v)
            }
        }
    }

    /// Length as an integer (`luaL_len`): errors when `__len` returns a non-integer.
    pub fn len_int(&mut self, v: Value) -> LuaResult<i64> {
        match self.len(v)? {
            Value::Int(i) => Ok(i),
            Value::Float(f) => match number::float_to_int_exact(f) {
                Some(i) => Ok(i),
                None => Err(self.runtime_error("object length is not an integer")),
            },
            _ => Err(self.runtime_error("object length is not an integer")),
        }
    }

    // ------------------------------------------------------------------ concatenation

    /// Concatenates the `n` values at the top of the stack into one, left at the top
    /// (`lua_concat`); uses `__concat` for non-string operands, right to left.
    pub fn concat(&mut self, n: usize) -> LuaResult<()> {
        if n == 0 {
            let s = self.str_value(b"");
            self.push(s);
            return Ok(());
        }
        self.concat_range(n, Origin::None)
    }

    /// The concatenation loop shared with the VM: works on the top `total` stack values.
    pub(crate) fn concat_range(&mut self, mut total: usize, base_origin: Origin) -> LuaResult<()> {
        let mut buf: Vec<u8> = Vec::new();
        while total > 1 {
            let th = self.thread();
            let top = th.top;
            let a = th.stack[top - 2];
            let b = th.stack[top - 1];
            let a_ok = matches!(a, Value::Str(_)) || a.is_number();
            let b_ok = matches!(b, Value::Str(_)) || b.is_number();
            let consumed;
            if !(a_ok && b_ok) {
                let oa = origin_offset(base_origin, total - 2);
                let ob = origin_offset(base_origin, total - 1);
                let f = {
                    let f1 = self.get_metamethod(a, TagMethod::Concat);
                    if f1.is_nil() { self.get_metamethod(b, TagMethod::Concat) } else { f1 }
                };
                if f.is_nil() {
                    return Err(self.arith_error(a, b, TagMethod::Concat, oa, ob));
                }
                let r = self.call_tm_res(f, a, b)?;
                let th = self.thread();
                th.stack[top - 2] = r;
                consumed = 2;
            } else if matches!(b, Value::Str(s) if s.is_empty()) && matches!(a, Value::Str(_)) {
                // `a .. ""` is `a` (for strings; numbers still convert).
                consumed = 2;
            } else if matches!(a, Value::Str(s) if s.is_empty()) && matches!(b, Value::Str(_)) {
                let th = self.thread();
                th.stack[top - 2] = b;
                consumed = 2;
            } else {
                // Collect as many string/number operands as possible from the top.
                let th = self.thread();
                let mut n = 2;
                while n < total {
                    let v = th.stack[top - n - 1];
                    if matches!(v, Value::Str(_)) || v.is_number() {
                        n += 1;
                    } else {
                        break;
                    }
                }
                buf.clear();
                for i in (top - n)..top {
                    let v = self.thread().stack[i];
                    append_tostring_basic(&mut buf, v);
                }
                let s = self.str_value(&buf);
                let th = self.thread();
                th.stack[top - n] = s;
                consumed = n;
            }
            total -= consumed - 1;
            let th = self.thread();
            th.top -= consumed - 1;
        }
        Ok(())
    }

    // ------------------------------------------------------------------ tostring

    /// Text form of a value as `tostring` gives it (`__tostring`, `__name`), as a string.
    pub fn to_string_meta(&mut self, v: Value) -> LuaResult<Gc<LuaStr>> {
        let tm = self.get_metafield(v, "__tostring");
        if !tm.is_nil() {
            let r = self.call_tm_res(tm, v, Value::Nil)?;
            return match r {
                Value::Str(s) => Ok(s),
                Value::Int(_) | Value::Float(_) => Ok(self.coerce_to_str(r).expect("numbers convert")),
                _ => Err(self.error("'__tostring' must return a string")),
            };
        }
        let mut buf = Vec::new();
        match v {
            Value::Str(s) => return Ok(s),
            Value::Int(_) | Value::Float(_) | Value::Nil | Value::Bool(_) => append_tostring_basic(&mut buf, v),
            _ => {
                let name = match self.get_metafield(v, "__name") {
                    Value::Str(s) => s.to_string_lossy(),
                    _ => v.type_name().to_string(),
                };
                buf.extend_from_slice(name.as_bytes());
                buf.extend_from_slice(format!(": 0x{:x}", v.identity().unwrap_or(0)).as_bytes());
            }
        }
        Ok(self.new_str(&buf))
    }

    /// Converts a number to its string form; strings pass through (`lua_tolstring`).
    pub fn coerce_to_str(&mut self, v: Value) -> Option<Gc<LuaStr>> {
        match v {
            Value::Str(s) => Some(s),
            Value::Int(_) | Value::Float(_) => {
                let mut buf = Vec::with_capacity(24);
                append_tostring_basic(&mut buf, v);
                Some(self.new_str(&buf))
            }
            _ => None,
        }
    }
}

/// Appends the text of a nil, boolean, number or string.
pub fn append_tostring_basic(buf: &mut Vec<u8>, v: Value) {
    match v {
        Value::Str(s) => buf.extend_from_slice(s.as_bytes()),
        Value::Int(i) => number::write_int(buf, i),
        Value::Float(f) => number::write_float(buf, f),
        Value::Nil => buf.extend_from_slice(b"nil"),
        Value::Bool(true) => buf.extend_from_slice(b"true"),
        Value::Bool(false) => buf.extend_from_slice(b"false"),
        _ => {}
    }
}

/// Byte-wise comparison of two strings (Lua compares with `strcoll` in the C locale).
#[inline]
pub fn str_cmp(a: Gc<LuaStr>, b: Gc<LuaStr>) -> std::cmp::Ordering {
    if a.ptr_eq(b) {
        return std::cmp::Ordering::Equal;
    }
    a.as_bytes().cmp(b.as_bytes())
}

fn origin_offset(base: Origin, k: usize) -> Origin {
    match base {
        Origin::Reg(r) => Origin::Reg(r + k as u32),
        other => other,
    }
}

impl LuaType {
    /// Type of a value for `type()`.
    pub fn of(v: Value) -> LuaType {
        v.type_of()
    }
}
