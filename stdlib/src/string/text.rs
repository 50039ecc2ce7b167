//! The string functions that do not match patterns: slicing, case, repetition, bytes,
//! `format`, `pack`/`unpack`/`packsize` and `dump`.

use luna_interp::string::LuaStr;
use luna_interp::{Gc, LuaError, LuaResult, LuaType, State, Value};

use super::{end_pos, give_back, start_pos, take_buffer, MAX_SIZE};
use crate::format::{FormatArgs, Literal};
use crate::pack::{PackError, Unpacked};

pub(super) fn len(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    st.push_int(s.len() as i64);
    Ok(1)
}

pub(super) fn sub(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let l = s.len();
    let start = start_pos(st.check_int(2)?, l);
    let end = end_pos(st.opt_int(3, -1)?, l);
    if start > end {
        st.push_str(b"");
    } else if start == 1 && end == l {
        st.push(Value::Str(s));
    } else {
        st.push_str(&s.as_bytes()[start - 1..end]);
    }
    Ok(1)
}

/// Pushes a string made by mapping each byte of argument 1.
fn map_bytes(st: &mut State, f: impl Fn(&[u8], &mut Vec<u8>)) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let mut out = Vec::with_capacity(s.len());
    f(s.as_bytes(), &mut out);
    st.push_str(&out);
    Ok(1)
}

pub(super) fn reverse(st: &mut State) -> LuaResult<usize> {
    map_bytes(st, |s, out| out.extend(s.iter().rev()))
}

pub(super) fn lower(st: &mut State) -> LuaResult<usize> {
    map_bytes(st, |s, out| {
        out.extend(s.iter().map(u8::to_ascii_lowercase))
    })
}

pub(super) fn upper(st: &mut State) -> LuaResult<usize> {
    map_bytes(st, |s, out| {
        out.extend(s.iter().map(u8::to_ascii_uppercase))
    })
}

pub(super) fn rep(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let n = st.check_int(2)?;
    let sep = st.opt_str(3)?;
    let sep: &[u8] = match &sep {
        Some(g) => g.as_bytes(),
        None => b"",
    };
    if n <= 0 {
        st.push_str(b"");
        return Ok(1);
    }
    let (l, lsep) = (s.len(), sep.len());
    let unit = l.checked_add(lsep);
    if unit.is_none_or(|u| u > MAX_SIZE / n as usize) {
        return Err(st.error("resulting string too large"));
    }
    let n = n as usize;
    let total = n * l + (n - 1) * lsep;
    if n == 1 {
        st.push(Value::Str(s));
        return Ok(1);
    }
    let mut out = Vec::with_capacity(total);
    let bytes = s.as_bytes();
    for _ in 1..n {
        out.extend_from_slice(bytes);
        out.extend_from_slice(sep);
    }
    out.extend_from_slice(bytes);
    st.push_str(&out);
    Ok(1)
}

pub(super) fn byte(st: &mut State) -> LuaResult<usize> {
    let s = st.check_str(1)?;
    let l = s.len();
    let pi = st.opt_int(2, 1)?;
    let posi = start_pos(pi, l);
    let pose = end_pos(st.opt_int(3, pi)?, l);
    if posi > pose {
        return Ok(0);
    }
    if pose - posi >= i32::MAX as usize {
        return Err(st.error("string slice too long"));
    }
    let n = pose - posi + 1;
    st.check_stack(n, "string slice too long")?;
    for &b in &s.as_bytes()[posi - 1..pose] {
        st.push_int(i64::from(b));
    }
    Ok(n)
}

pub(super) fn char(st: &mut State) -> LuaResult<usize> {
    let n = st.arg_count();
    let mut out = Vec::with_capacity(n);
    for i in 1..=n {
        let c = st.check_int(i)? as u64;
        st.arg_check(c <= 255, i, "value out of range")?;
        out.push(c as u8);
    }
    st.push_str(&out);
    Ok(1)
}

pub(super) fn dump(st: &mut State) -> LuaResult<usize> {
    let strip = st.to_bool(2);
    let f = st.check_type(1, LuaType::Function)?;
    let Value::LuaFn(cl) = f else {
        return Err(st.error("unable to dump given function"));
    };
    let bytes = luna_interp::dump::dump(cl.proto().plain(), strip);
    st.push_str(&bytes);
    Ok(1)
}

// ---------------------------------------------------------------------- format and pack

/// The arguments of `format` and `pack` as the engines see them: the running frame's slots.
struct StackArgs<'s> {
    st: &'s mut State,
    /// The string whose bytes were last handed out (kept rooted by its argument slot).
    held: Option<Gc<LuaStr>>,
    /// Text of a converted number.
    scratch: Vec<u8>,
    /// Whether the string metatable has `__tostring` (looked up on first need).
    string_tostring: Option<bool>,
}

impl<'s> StackArgs<'s> {
    fn new(st: &'s mut State) -> Self {
        StackArgs {
            st,
            held: None,
            scratch: Vec::new(),
            string_tostring: None,
        }
    }

    /// Whether `luaL_tolstring` would call a `__tostring` metamethod for `v`.
    fn has_tostring(&mut self, v: Value) -> bool {
        if matches!(v, Value::Str(_)) {
            if let Some(b) = self.string_tostring {
                return b;
            }
        }
        let Some(mt) = self.st.metatable_of(v) else {
            return false;
        };
        let key = self.st.new_str(b"__tostring");
        let has = !mt.get_str(key).is_nil();
        if matches!(v, Value::Str(_)) {
            self.string_tostring = Some(has);
        }
        has
    }

    fn hold(&mut self, s: Gc<LuaStr>) -> &[u8] {
        self.held = Some(s);
        match &self.held {
            Some(h) => h.as_bytes(),
            None => b"",
        }
    }
}

impl FormatArgs for StackArgs<'_> {
    type Error = LuaError;

    fn top(&self) -> usize {
        self.st.arg_count()
    }

    fn integer(&mut self, arg: usize) -> Result<i64, LuaError> {
        match self.st.arg(arg) {
            Value::Int(n) => Ok(n),
            _ => self.st.check_int(arg),
        }
    }

    fn number(&mut self, arg: usize) -> Result<f64, LuaError> {
        match self.st.arg(arg) {
            Value::Float(x) => Ok(x),
            _ => self.st.check_number(arg),
        }
    }

    fn tostring(&mut self, arg: usize) -> Result<&[u8], LuaError> {
        let v = self.st.arg(arg);
        if !self.has_tostring(v) {
            match v {
                Value::Str(s) => return Ok(self.hold(s)),
                Value::Int(_) | Value::Float(_) | Value::Nil | Value::Bool(_) => {
                    self.scratch.clear();
                    luna_interp::meta::append_tostring_basic(&mut self.scratch, v);
                    return Ok(&self.scratch);
                }
                _ => {}
            }
        }
        let s = self.st.to_display(v)?;
        self.st.set_arg(arg, Value::Str(s));
        Ok(self.hold(s))
    }

    fn string(&mut self, arg: usize) -> Result<&[u8], LuaError> {
        let s = self.st.check_str(arg)?;
        Ok(self.hold(s))
    }

    fn literal(&mut self, arg: usize) -> Result<Literal<'_>, LuaError> {
        Ok(match self.st.arg(arg) {
            Value::Str(s) => Literal::Str(self.hold(s)),
            Value::Int(n) => Literal::Int(n),
            Value::Float(x) => Literal::Float(x),
            Value::Nil => Literal::Nil,
            Value::Bool(b) => Literal::Bool(b),
            _ => Literal::Other,
        })
    }

    fn pointer(&mut self, arg: usize) -> Option<usize> {
        self.st.arg(arg).identity()
    }

    fn arg_error(&mut self, arg: usize, msg: &str) -> LuaError {
        self.st.arg_error(arg, msg)
    }

    fn error(&mut self, msg: String) -> LuaError {
        self.st.error(&msg)
    }
}

pub(super) fn format(st: &mut State) -> LuaResult<usize> {
    let fmt = st.check_str(1)?;
    let mut out = take_buffer(fmt.len() + 16);
    crate::format::format(fmt.as_bytes(), &mut StackArgs::new(st), &mut out)?;
    st.push_str(&out);
    give_back(out);
    Ok(1)
}

pub(super) fn pack(st: &mut State) -> LuaResult<usize> {
    let fmt = st.check_str(1)?;
    // Lua pushes a marker after the arguments, so a missing value reads as nil.
    st.push_nil();
    let mut out = Vec::new();
    crate::pack::pack(fmt.as_bytes(), &mut StackArgs::new(st), &mut out)?;
    st.push_str(&out);
    Ok(1)
}

/// Raises a pack engine error as Lua does (`luaL_argerror` or `luaL_error`).
fn pack_error(st: &mut State, e: PackError) -> LuaError {
    match e {
        PackError::Arg { arg, msg } => st.arg_error(arg, &msg),
        PackError::Msg(msg) => st.error(&msg),
    }
}

pub(super) fn packsize(st: &mut State) -> LuaResult<usize> {
    let fmt = st.check_str(1)?;
    match crate::pack::packsize(fmt.as_bytes()) {
        Ok(n) => {
            st.push_int(n);
            Ok(1)
        }
        Err(e) => Err(pack_error(st, e)),
    }
}

/// An error while unpacking: from the engine, or raised while pushing a value.
enum UnpackError {
    Pack(PackError),
    Lua(LuaError),
}

impl From<PackError> for UnpackError {
    fn from(e: PackError) -> Self {
        UnpackError::Pack(e)
    }
}

pub(super) fn unpack(st: &mut State) -> LuaResult<usize> {
    let fmt = st.check_str(1)?;
    let data = st.check_str(2)?;
    let init = st.opt_int(3, 1)?;
    let mut n = 0usize;
    let r = crate::pack::unpack(fmt.as_bytes(), data.as_bytes(), init, |v| {
        st.check_stack(2, "too many results")
            .map_err(UnpackError::Lua)?;
        match v {
            Unpacked::Int(i) => st.push_int(i),
            Unpacked::Float(x) => st.push_number(x),
            Unpacked::Str(s) => st.push_str(s),
        }
        n += 1;
        Ok(())
    });
    match r {
        Ok(pos) => {
            st.push_int(pos as i64);
            Ok(n + 1)
        }
        Err(UnpackError::Lua(e)) => Err(e),
        Err(UnpackError::Pack(e)) => Err(pack_error(st, e)),
    }
}
