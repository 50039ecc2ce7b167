//! The string library (manual §6.4) and the metatable every string shares.
//!
//! The engines live elsewhere: patterns in `crate::pattern`, `string.format` in
//! `crate::format`, `pack`/`unpack` in `crate::pack`, binary chunks in the kernel's `dump`
//! module. This module binds them to the stack API.
//!
//! Rooting: a `Gc<LuaStr>` taken from an argument stays valid (strings never move) as long as
//! the argument slot keeps it; functions that call back into Lua (`gsub` with a function or a
//! table, `format` with `__tostring`) only read subject bytes through such argument strings.
//! Results are built in one `Vec<u8>` and copied once into a new Lua string.

mod search;
mod text;

use luna_interp::meta::ArithOp;
use luna_interp::{LuaResult, LuaType, State, Value};

use crate::util::{new_lib, set_funcs, Reg};

/// Lua's `MAXSIZE` for results built by the library (`INT_MAX` on 64-bit systems).
pub(crate) const MAX_SIZE: usize = i32::MAX as usize;

/// Creates the `string` table and installs the string metatable.
pub fn open(st: &mut State) -> LuaResult<Value> {
    let lib = new_lib(st, FUNCS);
    let mt = st.new_table_with(0, METAMETHODS.len() + 1);
    set_funcs(st, mt, METAMETHODS);
    st.raw_set_str(mt, "__index", Value::Table(lib));
    st.set_type_metatable(LuaType::String, Some(mt));
    Ok(Value::Table(lib))
}

const FUNCS: &[Reg] = &[
    ("byte", text::byte),
    ("char", text::char),
    ("dump", text::dump),
    ("find", search::find),
    ("format", text::format),
    ("gmatch", search::gmatch),
    ("gsub", search::gsub),
    ("len", text::len),
    ("lower", text::lower),
    ("match", search::match_),
    ("rep", text::rep),
    ("reverse", text::reverse),
    ("sub", text::sub),
    ("upper", text::upper),
    ("pack", text::pack),
    ("packsize", text::packsize),
    ("unpack", text::unpack),
];

const METAMETHODS: &[Reg] = &[
    ("__add", arith_add),
    ("__sub", arith_sub),
    ("__mul", arith_mul),
    ("__mod", arith_mod),
    ("__pow", arith_pow),
    ("__div", arith_div),
    ("__idiv", arith_idiv),
    ("__unm", arith_unm),
];

// ---------------------------------------------------------------------- result buffers

thread_local! {
    /// A spare buffer for building results, so hot functions (`format`, `gsub`) do not
    /// allocate one per call. Taken while in use: a nested call just starts a fresh one.
    static SPARE: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// An empty buffer with room for at least `cap` bytes.
pub(crate) fn take_buffer(cap: usize) -> Vec<u8> {
    let mut b = SPARE.with(|s| s.take());
    b.clear();
    b.reserve(cap);
    b
}

/// Returns a buffer for reuse (large ones are dropped).
pub(crate) fn give_back(b: Vec<u8>) {
    if b.capacity() <= 1 << 16 {
        SPARE.with(|s| s.set(b));
    }
}

// ---------------------------------------------------------------------- positions

/// Lua's `posrelatI`: a 1-based start position, negative counting from the end, clipped to
/// `[1, inf)`.
#[inline]
pub(crate) fn start_pos(pos: i64, len: usize) -> usize {
    crate::pattern::start_position(pos, len)
}

/// Lua's `getendpos`: a 1-based end position, negative counting from the end, clipped to
/// `[0, len]`.
#[inline]
pub(crate) fn end_pos(pos: i64, len: usize) -> usize {
    if pos > len as i64 {
        len
    } else if pos >= 0 {
        pos as usize
    } else if pos.unsigned_abs() > len as u64 {
        0
    } else {
        len - pos.unsigned_abs() as usize + 1
    }
}

// ---------------------------------------------------------------------- arithmetic metamethods

/// A string operand as a number, if it is a numeral (numbers pass through).
fn to_num(v: Value) -> Option<Value> {
    match v {
        Value::Int(_) | Value::Float(_) => Some(v),
        Value::Str(s) => luna_interp::number::str_to_number(s.as_bytes()),
        _ => None,
    }
}

/// The arithmetic metamethods of strings: coerce both operands to numbers, or else defer to
/// the second operand's metamethod (`trymt` in lstrlib.c).
fn arith(st: &mut State, op: ArithOp) -> LuaResult<usize> {
    let a = st.arg(1);
    let b = st.arg(2);
    if let (Some(x), Some(y)) = (to_num(a), to_num(b)) {
        let r = if op == ArithOp::Unm {
            // Lua's unary arithmetic reads its operand from the top (the second argument).
            luna_interp::meta::arith_numbers(op, y, y)
        } else {
            luna_interp::meta::arith_numbers(op, x, y)
        };
        let v = match r {
            Some(v) => v,
            None => {
                let msg = if op == ArithOp::Mod {
                    "attempt to perform 'n%0'"
                } else {
                    "attempt to divide by zero"
                };
                return Err(st.runtime_error(msg));
            }
        };
        st.push(v);
        return Ok(1);
    }
    let event = op.tag_method().name();
    st.set_top(2);
    let mm = if matches!(b, Value::Str(_)) {
        Value::Nil
    } else {
        st.get_metafield(b, event)
    };
    if mm.is_nil() {
        let msg = format!(
            "attempt to {} a '{}' with a '{}'",
            &event[2..],
            a.type_name(),
            b.type_name()
        );
        return Err(st.error(&msg));
    }
    let func = st.abs_top();
    st.push(mm);
    st.push(a);
    st.push(b);
    st.call_at(func, 1)?;
    Ok(1)
}

fn arith_add(st: &mut State) -> LuaResult<usize> {
    arith(st, ArithOp::Add)
}
fn arith_sub(st: &mut State) -> LuaResult<usize> {
    arith(st, ArithOp::Sub)
}
fn arith_mul(st: &mut State) -> LuaResult<usize> {
    arith(st, ArithOp::Mul)
}
fn arith_mod(st: &mut State) -> LuaResult<usize> {
    arith(st, ArithOp::Mod)
}
fn arith_pow(st: &mut State) -> LuaResult<usize> {
    arith(st, ArithOp::Pow)
}
fn arith_div(st: &mut State) -> LuaResult<usize> {
    arith(st, ArithOp::Div)
}
fn arith_idiv(st: &mut State) -> LuaResult<usize> {
    arith(st, ArithOp::IDiv)
}
fn arith_unm(st: &mut State) -> LuaResult<usize> {
    arith(st, ArithOp::Unm)
}
