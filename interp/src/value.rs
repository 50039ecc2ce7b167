//! Lua values.
//!
//! A `Value` is 16 bytes and `Copy`: a one-byte tag and an 8-byte payload (64-bit integers rule
//! out NaN-boxing). Collectable variants hold a `Gc<T>` pointer into the heap; copying a value
//! never touches the heap, so a value is only safe to use while something the collector scans
//! (a thread stack, a table, the registry, an upvalue) keeps its object alive.
//!
//! `raw_parts`/`from_raw_parts` split a value into (tag, payload) for compact storage in table
//! nodes; the tag numbers are stable within a process and never serialised.

use std::fmt;

use crate::function::{LuaClosure, NativeClosure, NativeFn};
use crate::gc::Gc;
use crate::string::LuaStr;
use crate::table::Table;
use crate::thread::Thread;
use crate::userdata::UserData;

#[derive(Clone, Copy)]
pub enum Value {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Gc<LuaStr>),
    Table(Gc<Table>),
    /// A Lua function (closure over a prototype).
    LuaFn(Gc<LuaClosure>),
    /// A native function without upvalues (Lua's "light C function").
    Native(NativeFn),
    /// A native function with upvalues.
    NativeClosure(Gc<NativeClosure>),
    UserData(Gc<UserData>),
    Thread(Gc<Thread>),
    /// An opaque pointer-sized value with identity equality (Lua's light userdata).
    LightUserData(usize),
}

/// Basic types as `type()` names them, in Lua's numbering.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
#[repr(u8)]
pub enum LuaType {
    Nil = 0,
    Boolean = 1,
    LightUserData = 2,
    Number = 3,
    String = 4,
    Table = 5,
    Function = 6,
    UserData = 7,
    Thread = 8,
}

impl LuaType {
    pub const COUNT: usize = 9;

    pub fn name(self) -> &'static str {
        match self {
            LuaType::Nil => "nil",
            LuaType::Boolean => "boolean",
            LuaType::LightUserData | LuaType::UserData => "userdata",
            LuaType::Number => "number",
            LuaType::String => "string",
            LuaType::Table => "table",
            LuaType::Function => "function",
            LuaType::Thread => "thread",
        }
    }
}

pub(crate) const TAG_NIL: u8 = 0;
pub(crate) const TAG_FALSE: u8 = 1;
pub(crate) const TAG_TRUE: u8 = 2;
pub(crate) const TAG_INT: u8 = 3;
pub(crate) const TAG_FLOAT: u8 = 4;
pub(crate) const TAG_STR: u8 = 5;
pub(crate) const TAG_TABLE: u8 = 6;
pub(crate) const TAG_LUAFN: u8 = 7;
pub(crate) const TAG_NATIVE: u8 = 8;
pub(crate) const TAG_NCLOSURE: u8 = 9;
pub(crate) const TAG_USERDATA: u8 = 10;
pub(crate) const TAG_THREAD: u8 = 11;
pub(crate) const TAG_LIGHTUD: u8 = 12;
/// A table key whose object was collected (weak tables): kept only for `next` identity.
pub(crate) const TAG_DEADKEY: u8 = 13;

impl Value {
    #[inline]
    pub fn type_of(&self) -> LuaType {
        match self {
            Value::Nil => LuaType::Nil,
            Value::Bool(_) => LuaType::Boolean,
            Value::Int(_) | Value::Float(_) => LuaType::Number,
            Value::Str(_) => LuaType::String,
            Value::Table(_) => LuaType::Table,
            Value::LuaFn(_) | Value::Native(_) | Value::NativeClosure(_) => LuaType::Function,
            Value::UserData(_) => LuaType::UserData,
            Value::Thread(_) => LuaType::Thread,
            Value::LightUserData(_) => LuaType::LightUserData,
        }
    }

    pub fn type_name(&self) -> &'static str {
        self.type_of().name()
    }

    #[inline(always)]
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// Lua truthiness: everything but `nil` and `false`.
    #[inline(always)]
    pub fn truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Bool(false))
    }

    #[inline(always)]
    pub fn is_falsy(&self) -> bool {
        matches!(self, Value::Nil | Value::Bool(false))
    }

    pub fn is_function(&self) -> bool {
        matches!(self, Value::LuaFn(_) | Value::Native(_) | Value::NativeClosure(_))
    }

    pub fn is_number(&self) -> bool {
        matches!(self, Value::Int(_) | Value::Float(_))
    }

    pub fn as_table(&self) -> Option<Gc<Table>> {
        match *self {
            Value::Table(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<Gc<LuaStr>> {
        match *self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Number as float, without string coercion.
    #[inline]
    pub fn as_float(&self) -> Option<f64> {
        match *self {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            _ => None,
        }
    }

    /// Raw equality (`rawequal`): no metamethods; integers and floats compare by value.
    #[inline]
    pub fn raw_eq(&self, other: &Value) -> bool {
        match (*self, *other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => {
                crate::number::int_eq_float(a, b)
            }
            (Value::Str(a), Value::Str(b)) => LuaStr::equals(a, b),
            (Value::Table(a), Value::Table(b)) => a.ptr_eq(b),
            (Value::LuaFn(a), Value::LuaFn(b)) => a.ptr_eq(b),
            (Value::Native(a), Value::Native(b)) => a as usize == b as usize,
            (Value::NativeClosure(a), Value::NativeClosure(b)) => a.ptr_eq(b),
            (Value::UserData(a), Value::UserData(b)) => a.ptr_eq(b),
            (Value::Thread(a), Value::Thread(b)) => a.ptr_eq(b),
            (Value::LightUserData(a), Value::LightUserData(b)) => a == b,
            _ => false,
        }
    }

    /// Splits into a tag and a payload (see the module comment).
    #[inline(always)]
    pub(crate) fn raw_parts(&self) -> (u8, u64) {
        match *self {
            Value::Nil => (TAG_NIL, 0),
            Value::Bool(false) => (TAG_FALSE, 0),
            Value::Bool(true) => (TAG_TRUE, 0),
            Value::Int(i) => (TAG_INT, i as u64),
            Value::Float(f) => (TAG_FLOAT, f.to_bits()),
            Value::Str(s) => (TAG_STR, s.addr() as u64),
            Value::Table(t) => (TAG_TABLE, t.addr() as u64),
            Value::LuaFn(f) => (TAG_LUAFN, f.addr() as u64),
            Value::Native(f) => (TAG_NATIVE, f as usize as u64),
            Value::NativeClosure(f) => (TAG_NCLOSURE, f.addr() as u64),
            Value::UserData(u) => (TAG_USERDATA, u.addr() as u64),
            Value::Thread(t) => (TAG_THREAD, t.addr() as u64),
            Value::LightUserData(p) => (TAG_LIGHTUD, p as u64),
        }
    }

    /// Rebuilds a value from `raw_parts`.
    ///
    /// # Safety
    /// `(tag, data)` must come from `raw_parts` of a value whose object (if any) is alive, and
    /// the tag must not be `TAG_DEADKEY`.
    #[inline(always)]
    pub(crate) unsafe fn from_raw_parts(tag: u8, data: u64) -> Value {
        // SAFETY: the caller guarantees `data` is the address of a live object of the kind
        // the tag names (or a plain payload for the non-collectable tags).
        unsafe {
            match tag {
                TAG_NIL => Value::Nil,
                TAG_FALSE => Value::Bool(false),
                TAG_TRUE => Value::Bool(true),
                TAG_INT => Value::Int(data as i64),
                TAG_FLOAT => Value::Float(f64::from_bits(data)),
                TAG_STR => Value::Str(Gc::from_addr(data as usize)),
                TAG_TABLE => Value::Table(Gc::from_addr(data as usize)),
                TAG_LUAFN => Value::LuaFn(Gc::from_addr(data as usize)),
                TAG_NATIVE => Value::Native(std::mem::transmute::<usize, NativeFn>(data as usize)),
                TAG_NCLOSURE => Value::NativeClosure(Gc::from_addr(data as usize)),
                TAG_USERDATA => Value::UserData(Gc::from_addr(data as usize)),
                TAG_THREAD => Value::Thread(Gc::from_addr(data as usize)),
                TAG_LIGHTUD => Value::LightUserData(data as usize),
                _ => Value::Nil,
            }
        }
    }

    /// The heap object's address, used for `%p` and `tostring` of reference values.
    pub fn identity(&self) -> Option<usize> {
        match *self {
            Value::Str(s) => Some(s.addr()),
            Value::Table(t) => Some(t.addr()),
            Value::LuaFn(f) => Some(f.addr()),
            Value::Native(f) => Some(f as usize),
            Value::NativeClosure(f) => Some(f.addr()),
            Value::UserData(u) => Some(u.addr()),
            Value::Thread(t) => Some(t.addr()),
            Value::LightUserData(p) => Some(p),
            _ => None,
        }
    }
}

impl Default for Value {
    fn default() -> Value {
        Value::Nil
    }
}

impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Value::Nil => write!(f, "nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::Str(s) => write!(f, "{:?}", String::from_utf8_lossy(s.as_bytes())),
            other => write!(f, "{}: {:#x}", other.type_name(), other.identity().unwrap_or(0)),
        }
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b)
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(x: f64) -> Value {
        Value::Float(x)
    }
}
