//! Conversions between Rust and Lua values.
//!
//! [`IntoLua`]/[`FromLua`] convert one value, [`IntoLuaMulti`]/[`FromLuaMulti`] argument and
//! result lists (tuples, [`Variadic`], [`MultiValue`], or a single value).
//!
//! Besides their public methods, the traits have hidden stack-based methods the API uses to
//! avoid making handles for values that only pass through (numbers and strings go straight
//! between Rust and the Lua stack). A [`StackIndex`] cannot be made outside this crate, so
//! those methods can only be called with slots the API itself owns.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasher, Hash};
use std::sync::Arc;

use luna_interp::Value;

use crate::error::{Error, Result};
use crate::state::LuaState;
use crate::value::{
    AnyUserData, Function, LightUserData, LuaString, LuaValue, MultiValue, Table, Thread, Variadic,
};

/// An absolute slot of the running thread's stack (only the API makes these).
#[derive(Clone, Copy, Debug)]
pub struct StackIndex(pub(crate) usize);

impl StackIndex {
    fn offset(self, n: usize) -> StackIndex {
        StackIndex(self.0 + n)
    }
}

/// A Rust value that can become a Lua value.
pub trait IntoLua: Sized {
    fn into_lua(self, lua: &mut LuaState) -> Result<LuaValue>;

    #[doc(hidden)]
    fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
        let v = self.into_lua(lua)?;
        lua.push_value(&v)
    }
}

/// A Rust value that can be made from a Lua value.
pub trait FromLua: Sized {
    fn from_lua(value: LuaValue, lua: &mut LuaState) -> Result<Self>;

    #[doc(hidden)]
    fn from_stack(lua: &mut LuaState, idx: StackIndex) -> Result<Self> {
        let v = lua.stack_value(idx);
        Self::from_lua(v, lua)
    }
}

/// Rust values that become any number of Lua values (arguments, results).
pub trait IntoLuaMulti: Sized {
    fn into_lua_multi(self, lua: &mut LuaState) -> Result<MultiValue>;

    /// Pushes the values; returns how many.
    #[doc(hidden)]
    fn push_into_stack_multi(self, lua: &mut LuaState) -> Result<usize> {
        let values = self.into_lua_multi(lua)?;
        lua.reserve(values.len())?;
        for v in values.iter() {
            lua.push_value(v)?;
        }
        Ok(values.len())
    }
}

/// Rust values made from any number of Lua values (missing ones are nil, extra ones are
/// ignored unless the last item is [`Variadic`] or [`MultiValue`]).
pub trait FromLuaMulti: Sized {
    fn from_lua_multi(values: MultiValue, lua: &mut LuaState) -> Result<Self>;

    /// Converts the `n` values from slot `first` on. `arg_pos`: these are a callback's
    /// arguments from that position on (conversion errors become "bad argument" errors).
    #[doc(hidden)]
    fn from_stack_multi(
        lua: &mut LuaState,
        first: StackIndex,
        n: usize,
        arg_pos: Option<usize>,
    ) -> Result<Self> {
        let values: MultiValue = (0..n).map(|i| lua.stack_value(first.offset(i))).collect();
        Self::from_lua_multi(values, lua).map_err(|e| bad_argument(arg_pos, e))
    }
}

/// Wraps a conversion error of argument `pos` as Lua's "bad argument" error.
pub(crate) fn bad_argument(pos: Option<usize>, e: Error) -> Error {
    match (pos, e) {
        (
            Some(position),
            e @ (Error::FromLuaConversion { .. }
            | Error::UserDataTypeMismatch(_)
            | Error::UserDataBorrowError
            | Error::UserDataBorrowMutError),
        ) => Error::BadArgument {
            position,
            cause: Arc::new(e),
        },
        (_, e) => e,
    }
}

fn type_mismatch(lua: &mut LuaState, v: Value, to: &str) -> Error {
    let from = lua.0.type_name_of(v);
    Error::from_conversion(from, to, None)
}

fn value_type_mismatch(v: &LuaValue, to: &str) -> Error {
    Error::from_conversion(v.type_name(), to, None)
}

// ---------------------------------------------------------------------------------------
// Single values

impl IntoLua for LuaValue {
    fn into_lua(self, _: &mut LuaState) -> Result<LuaValue> {
        Ok(self)
    }
    fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
        lua.push_value(&self)
    }
}

impl IntoLua for &LuaValue {
    fn into_lua(self, _: &mut LuaState) -> Result<LuaValue> {
        Ok(self.clone())
    }
    fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
        lua.push_value(self)
    }
}

impl FromLua for LuaValue {
    fn from_lua(value: LuaValue, _: &mut LuaState) -> Result<LuaValue> {
        Ok(value)
    }
}

impl IntoLua for bool {
    fn into_lua(self, _: &mut LuaState) -> Result<LuaValue> {
        Ok(LuaValue::Boolean(self))
    }
    fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
        lua.push_raw(Value::Bool(self))
    }
}

/// Any value converts to a boolean by Lua's truthiness (only `nil` and `false` are false).
impl FromLua for bool {
    fn from_lua(value: LuaValue, _: &mut LuaState) -> Result<bool> {
        Ok(value.truthy())
    }
    fn from_stack(lua: &mut LuaState, idx: StackIndex) -> Result<bool> {
        Ok(lua.raw_at(idx).truthy())
    }
}

impl IntoLua for LightUserData {
    fn into_lua(self, _: &mut LuaState) -> Result<LuaValue> {
        Ok(LuaValue::LightUserData(self))
    }
}

impl FromLua for LightUserData {
    fn from_lua(value: LuaValue, _: &mut LuaState) -> Result<LightUserData> {
        match value {
            LuaValue::LightUserData(p) => Ok(p),
            other => Err(value_type_mismatch(&other, "light userdata")),
        }
    }
}

/// A number value from a Lua value (numbers, and strings that convert, as Lua's arithmetic).
fn numeric_of_raw(v: Value) -> Option<Value> {
    match v {
        Value::Int(_) | Value::Float(_) => Some(v),
        Value::Str(s) => luna_interp::number::str_to_number(s.as_bytes()),
        _ => None,
    }
}

fn numeric_of_value(v: &LuaValue) -> Option<Value> {
    match v {
        LuaValue::Integer(i) => Some(Value::Int(*i)),
        LuaValue::Number(x) => Some(Value::Float(*x)),
        LuaValue::String(s) => luna_interp::number::str_to_number(s.as_bytes()),
        _ => None,
    }
}

/// The integer a number value holds exactly, or the error Lua's `checkinteger` gives.
fn exact_integer(n: Value, to: &str) -> Result<i64> {
    match n {
        Value::Int(i) => Ok(i),
        Value::Float(x) => luna_interp::number::float_to_int_exact(x).ok_or_else(|| {
            Error::from_conversion(
                "number",
                to,
                Some("number has no integer representation".into()),
            )
        }),
        _ => Err(Error::from_conversion("number", to, None)),
    }
}

macro_rules! integer_conversions {
    ($($t:ty),*) => {$(
        impl IntoLua for $t {
            fn into_lua(self, _: &mut LuaState) -> Result<LuaValue> {
                i64::try_from(self).map(LuaValue::Integer).map_err(|_| Error::ToLuaConversion {
                    from: stringify!($t).to_string(),
                    to: "integer".to_string(),
                    message: Some("out of range".to_string()),
                })
            }
            fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
                match i64::try_from(self) {
                    Ok(i) => lua.push_raw(Value::Int(i)),
                    Err(_) => self.into_lua(lua).map(|_| ()),
                }
            }
        }

        impl FromLua for $t {
            fn from_lua(value: LuaValue, _: &mut LuaState) -> Result<$t> {
                let n = numeric_of_value(&value).ok_or_else(|| value_type_mismatch(&value, stringify!($t)))?;
                let i = exact_integer(n, stringify!($t))?;
                <$t>::try_from(i).map_err(|_| {
                    Error::from_conversion("number", stringify!($t), Some("number out of range".into()))
                })
            }
            fn from_stack(lua: &mut LuaState, idx: StackIndex) -> Result<$t> {
                let v = lua.raw_at(idx);
                let n = numeric_of_raw(v).ok_or_else(|| type_mismatch(lua, v, stringify!($t)))?;
                let i = exact_integer(n, stringify!($t))?;
                <$t>::try_from(i).map_err(|_| {
                    Error::from_conversion("number", stringify!($t), Some("number out of range".into()))
                })
            }
        }
    )*};
}

integer_conversions!(i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize);

macro_rules! float_conversions {
    ($($t:ty),*) => {$(
        impl IntoLua for $t {
            fn into_lua(self, _: &mut LuaState) -> Result<LuaValue> {
                Ok(LuaValue::Number(self as f64))
            }
            fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
                lua.push_raw(Value::Float(self as f64))
            }
        }

        impl FromLua for $t {
            fn from_lua(value: LuaValue, _: &mut LuaState) -> Result<$t> {
                match numeric_of_value(&value) {
                    Some(Value::Int(i)) => Ok(i as $t),
                    Some(Value::Float(x)) => Ok(x as $t),
                    _ => Err(value_type_mismatch(&value, stringify!($t))),
                }
            }
            fn from_stack(lua: &mut LuaState, idx: StackIndex) -> Result<$t> {
                let v = lua.raw_at(idx);
                match numeric_of_raw(v) {
                    Some(Value::Int(i)) => Ok(i as $t),
                    Some(Value::Float(x)) => Ok(x as $t),
                    _ => Err(type_mismatch(lua, v, stringify!($t))),
                }
            }
        }
    )*};
}

float_conversions!(f32, f64);

/// The bytes of a string, or of a number converted as Lua converts numbers to strings.
fn string_bytes_of_raw(lua: &mut LuaState, v: Value, to: &str) -> Result<Vec<u8>> {
    match v {
        Value::Str(s) => Ok(s.as_bytes().to_vec()),
        Value::Int(_) | Value::Float(_) => match lua.0.coerce_to_str(v) {
            Some(s) => Ok(s.as_bytes().to_vec()),
            None => Err(type_mismatch(lua, v, to)),
        },
        _ => Err(type_mismatch(lua, v, to)),
    }
}

fn string_bytes_of_value(lua: &mut LuaState, v: LuaValue, to: &str) -> Result<Vec<u8>> {
    match v {
        LuaValue::String(s) => Ok(s.into_bytes()),
        LuaValue::Integer(i) => string_bytes_of_raw(lua, Value::Int(i), to),
        LuaValue::Number(x) => string_bytes_of_raw(lua, Value::Float(x), to),
        other => Err(value_type_mismatch(&other, to)),
    }
}

fn utf8(bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        Error::from_conversion(
            "string",
            "String",
            Some(format!("invalid utf-8: {}", e.utf8_error())),
        )
    })
}

impl IntoLua for &str {
    fn into_lua(self, _: &mut LuaState) -> Result<LuaValue> {
        Ok(LuaValue::String(LuaString::from(self)))
    }
    fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
        let v = lua.0.str_value(self.as_bytes());
        lua.push_raw(v)
    }
}

impl IntoLua for String {
    fn into_lua(self, _: &mut LuaState) -> Result<LuaValue> {
        Ok(LuaValue::String(LuaString::from(self)))
    }
    fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
        self.as_str().push_into_stack(lua)
    }
}

impl IntoLua for &String {
    fn into_lua(self, lua: &mut LuaState) -> Result<LuaValue> {
        self.as_str().into_lua(lua)
    }
    fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
        self.as_str().push_into_stack(lua)
    }
}

/// Strings (and numbers, converted as Lua converts them); fails on invalid UTF-8.
impl FromLua for String {
    fn from_lua(value: LuaValue, lua: &mut LuaState) -> Result<String> {
        utf8(string_bytes_of_value(lua, value, "String")?)
    }
    fn from_stack(lua: &mut LuaState, idx: StackIndex) -> Result<String> {
        let v = lua.raw_at(idx);
        utf8(string_bytes_of_raw(lua, v, "String")?)
    }
}

/// Bytes become a Lua string.
impl IntoLua for &[u8] {
    fn into_lua(self, _: &mut LuaState) -> Result<LuaValue> {
        Ok(LuaValue::String(LuaString::from(self)))
    }
    fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
        let v = lua.0.str_value(self);
        lua.push_raw(v)
    }
}

impl<const N: usize> IntoLua for &[u8; N] {
    fn into_lua(self, lua: &mut LuaState) -> Result<LuaValue> {
        self.as_slice().into_lua(lua)
    }
    fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
        self.as_slice().push_into_stack(lua)
    }
}

impl IntoLua for LuaString {
    fn into_lua(self, _: &mut LuaState) -> Result<LuaValue> {
        Ok(LuaValue::String(self))
    }
    fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
        self.as_bytes().push_into_stack(lua)
    }
}

impl IntoLua for &LuaString {
    fn into_lua(self, _: &mut LuaState) -> Result<LuaValue> {
        Ok(LuaValue::String(self.clone()))
    }
    fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
        self.as_bytes().push_into_stack(lua)
    }
}

/// Strings (any bytes) and numbers (converted as Lua converts them).
impl FromLua for LuaString {
    fn from_lua(value: LuaValue, lua: &mut LuaState) -> Result<LuaString> {
        string_bytes_of_value(lua, value, "LuaString").map(LuaString::new)
    }
    fn from_stack(lua: &mut LuaState, idx: StackIndex) -> Result<LuaString> {
        let v = lua.raw_at(idx);
        string_bytes_of_raw(lua, v, "LuaString").map(LuaString::new)
    }
}

impl<T: IntoLua> IntoLua for Option<T> {
    fn into_lua(self, lua: &mut LuaState) -> Result<LuaValue> {
        match self {
            Some(v) => v.into_lua(lua),
            None => Ok(LuaValue::Nil),
        }
    }
    fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
        match self {
            Some(v) => v.push_into_stack(lua),
            None => lua.push_raw(Value::Nil),
        }
    }
}

/// `nil` is `None`; anything else converts to `T`.
impl<T: FromLua> FromLua for Option<T> {
    fn from_lua(value: LuaValue, lua: &mut LuaState) -> Result<Option<T>> {
        match value {
            LuaValue::Nil => Ok(None),
            v => T::from_lua(v, lua).map(Some),
        }
    }
    fn from_stack(lua: &mut LuaState, idx: StackIndex) -> Result<Option<T>> {
        match lua.raw_at(idx) {
            Value::Nil => Ok(None),
            _ => T::from_stack(lua, idx).map(Some),
        }
    }
}

macro_rules! handle_conversions {
    ($t:ident, $variant:ident, $name:literal, $check:expr) => {
        impl IntoLua for $t {
            fn into_lua(self, _: &mut LuaState) -> Result<LuaValue> {
                Ok(LuaValue::$variant(self))
            }
            fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
                lua.push_ref(&self.0)
            }
        }

        impl IntoLua for &$t {
            fn into_lua(self, _: &mut LuaState) -> Result<LuaValue> {
                Ok(LuaValue::$variant(self.clone()))
            }
            fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
                lua.push_ref(&self.0)
            }
        }

        impl FromLua for $t {
            fn from_lua(value: LuaValue, _: &mut LuaState) -> Result<$t> {
                match value {
                    LuaValue::$variant(h) => Ok(h),
                    other => Err(value_type_mismatch(&other, $name)),
                }
            }
            fn from_stack(lua: &mut LuaState, idx: StackIndex) -> Result<$t> {
                let v = lua.raw_at(idx);
                let check: fn(&Value) -> bool = $check;
                if check(&v) {
                    Ok($t(lua.new_ref(v)))
                } else {
                    Err(type_mismatch(lua, v, $name))
                }
            }
        }
    };
}

handle_conversions!(Table, Table, "Table", |v| matches!(v, Value::Table(_)));
handle_conversions!(Function, Function, "Function", |v| v.is_function());
handle_conversions!(AnyUserData, UserData, "AnyUserData", |v| matches!(
    v,
    Value::UserData(_)
));
handle_conversions!(Thread, Thread, "Thread", |v| matches!(v, Value::Thread(_)));

// ---------------------------------------------------------------------------------------
// Collections

/// A vector becomes a sequence table `{v1, v2, ...}`.
impl<T: IntoLua> IntoLua for Vec<T> {
    fn into_lua(self, lua: &mut LuaState) -> Result<LuaValue> {
        lua.create_sequence_from(self).map(LuaValue::Table)
    }
    fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
        lua.push_sequence(self)
    }
}

/// A sequence table `1..#t` (raw; stops at the first nil).
impl<T: FromLua> FromLua for Vec<T> {
    fn from_lua(value: LuaValue, lua: &mut LuaState) -> Result<Vec<T>> {
        if !matches!(value, LuaValue::Table(_)) {
            return Err(value_type_mismatch(&value, "Vec"));
        }
        lua.preserve(|lua| {
            lua.push_value(&value)?;
            Self::from_stack(lua, lua.top_index())
        })
    }
    fn from_stack(lua: &mut LuaState, idx: StackIndex) -> Result<Vec<T>> {
        let Value::Table(t) = lua.raw_at(idx) else {
            let v = lua.raw_at(idx);
            return Err(type_mismatch(lua, v, "Vec"));
        };
        lua.preserve(|lua| {
            let n = t.border();
            let mut out = Vec::with_capacity(n.min(1 << 16) as usize);
            for i in 1..=n as i64 {
                // The table is rooted at `idx`; re-read it in case a conversion ran Lua.
                let Value::Table(t) = lua.raw_at(idx) else {
                    break;
                };
                let v = t.get_int(i);
                if v.is_nil() {
                    break;
                }
                lua.push_raw(v)?;
                out.push(T::from_stack(lua, lua.top_index())?);
                lua.0.pop();
            }
            Ok(out)
        })
    }
}

pub(crate) fn push_map_entries<K: IntoLua, V: IntoLua>(
    lua: &mut LuaState,
    entries: impl Iterator<Item = (K, V)>,
    n: usize,
) -> Result<()> {
    let t = lua.0.new_table_with(0, n);
    lua.push_raw(Value::Table(t))?;
    let tslot = lua.top_index();
    for (k, v) in entries {
        k.push_into_stack(lua)?;
        v.push_into_stack(lua)?;
        let val = lua.0.pop();
        let key = lua.0.pop();
        crate::table::check_key(key)?;
        let t = lua.table_at(tslot)?;
        lua.0
            .raw_set(t, key, val)
            .map_err(|_| Error::runtime("invalid table key"))?;
    }
    Ok(())
}

/// Visits the raw pairs of the table at `idx`, converting keys and values from the stack.
pub(crate) fn for_each_raw_pair(
    lua: &mut LuaState,
    idx: StackIndex,
    mut f: impl FnMut(&mut LuaState, StackIndex, StackIndex) -> Result<()>,
) -> Result<()> {
    lua.preserve(|lua| {
        lua.push_raw(Value::Nil)?;
        let key_slot = lua.top_index();
        loop {
            let Value::Table(t) = lua.raw_at(idx) else {
                return Ok(());
            };
            let k = lua.raw_at(key_slot);
            let (k, v) = match t.next(k) {
                Ok(Some(kv)) => kv,
                Ok(None) => return Ok(()),
                Err(()) => return Err(Error::runtime("invalid key to 'next'")),
            };
            lua.set_top(key_slot.0);
            lua.push_raw(k)?;
            lua.push_raw(v)?;
            f(lua, key_slot, key_slot.offset(1))?;
            lua.set_top(key_slot.0 + 1);
        }
    })
}

impl<K: IntoLua, V: IntoLua, S> IntoLua for HashMap<K, V, S> {
    fn into_lua(self, lua: &mut LuaState) -> Result<LuaValue> {
        lua.preserve(|lua| {
            self.push_into_stack(lua)?;
            Ok(lua.stack_value(lua.top_index()))
        })
    }
    fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
        let n = self.len();
        push_map_entries(lua, self.into_iter(), n)
    }
}

impl<K: FromLua + Eq + Hash, V: FromLua, S: BuildHasher + Default> FromLua for HashMap<K, V, S> {
    fn from_lua(value: LuaValue, lua: &mut LuaState) -> Result<Self> {
        if !matches!(value, LuaValue::Table(_)) {
            return Err(value_type_mismatch(&value, "HashMap"));
        }
        lua.preserve(|lua| {
            lua.push_value(&value)?;
            Self::from_stack(lua, lua.top_index())
        })
    }
    fn from_stack(lua: &mut LuaState, idx: StackIndex) -> Result<Self> {
        if !matches!(lua.raw_at(idx), Value::Table(_)) {
            let v = lua.raw_at(idx);
            return Err(type_mismatch(lua, v, "HashMap"));
        }
        let mut out = HashMap::default();
        for_each_raw_pair(lua, idx, |lua, k, v| {
            let key = K::from_stack(lua, k)?;
            let val = V::from_stack(lua, v)?;
            out.insert(key, val);
            Ok(())
        })?;
        Ok(out)
    }
}

impl<K: IntoLua, V: IntoLua> IntoLua for BTreeMap<K, V> {
    fn into_lua(self, lua: &mut LuaState) -> Result<LuaValue> {
        lua.preserve(|lua| {
            self.push_into_stack(lua)?;
            Ok(lua.stack_value(lua.top_index()))
        })
    }
    fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
        let n = self.len();
        push_map_entries(lua, self.into_iter(), n)
    }
}

impl<K: FromLua + Ord, V: FromLua> FromLua for BTreeMap<K, V> {
    fn from_lua(value: LuaValue, lua: &mut LuaState) -> Result<Self> {
        if !matches!(value, LuaValue::Table(_)) {
            return Err(value_type_mismatch(&value, "BTreeMap"));
        }
        lua.preserve(|lua| {
            lua.push_value(&value)?;
            Self::from_stack(lua, lua.top_index())
        })
    }
    fn from_stack(lua: &mut LuaState, idx: StackIndex) -> Result<Self> {
        if !matches!(lua.raw_at(idx), Value::Table(_)) {
            let v = lua.raw_at(idx);
            return Err(type_mismatch(lua, v, "BTreeMap"));
        }
        let mut out = BTreeMap::new();
        for_each_raw_pair(lua, idx, |lua, k, v| {
            let key = K::from_stack(lua, k)?;
            let val = V::from_stack(lua, v)?;
            out.insert(key, val);
            Ok(())
        })?;
        Ok(out)
    }
}

// ---------------------------------------------------------------------------------------
// Multiple values

impl<T: IntoLua> IntoLuaMulti for T {
    fn into_lua_multi(self, lua: &mut LuaState) -> Result<MultiValue> {
        Ok(MultiValue(vec![self.into_lua(lua)?]))
    }
    fn push_into_stack_multi(self, lua: &mut LuaState) -> Result<usize> {
        self.push_into_stack(lua)?;
        Ok(1)
    }
}

impl<T: FromLua> FromLuaMulti for T {
    fn from_lua_multi(values: MultiValue, lua: &mut LuaState) -> Result<T> {
        let v = values.0.into_iter().next().unwrap_or(LuaValue::Nil);
        T::from_lua(v, lua)
    }
    fn from_stack_multi(
        lua: &mut LuaState,
        first: StackIndex,
        n: usize,
        arg_pos: Option<usize>,
    ) -> Result<T> {
        let r = if n > 0 {
            T::from_stack(lua, first)
        } else {
            T::from_lua(LuaValue::Nil, lua)
        };
        r.map_err(|e| bad_argument(arg_pos, e))
    }
}

impl IntoLuaMulti for MultiValue {
    fn into_lua_multi(self, _: &mut LuaState) -> Result<MultiValue> {
        Ok(self)
    }
}

impl FromLuaMulti for MultiValue {
    fn from_lua_multi(values: MultiValue, _: &mut LuaState) -> Result<MultiValue> {
        Ok(values)
    }
}

impl<T: IntoLua> IntoLuaMulti for Variadic<T> {
    fn into_lua_multi(self, lua: &mut LuaState) -> Result<MultiValue> {
        self.0
            .into_iter()
            .map(|v| v.into_lua(lua))
            .collect::<Result<Vec<_>>>()
            .map(MultiValue)
    }
    fn push_into_stack_multi(self, lua: &mut LuaState) -> Result<usize> {
        let n = self.0.len();
        lua.reserve(n)?;
        for v in self.0 {
            v.push_into_stack(lua)?;
        }
        Ok(n)
    }
}

impl<T: FromLua> FromLuaMulti for Variadic<T> {
    fn from_lua_multi(values: MultiValue, lua: &mut LuaState) -> Result<Variadic<T>> {
        values
            .0
            .into_iter()
            .map(|v| T::from_lua(v, lua))
            .collect::<Result<Vec<_>>>()
            .map(Variadic)
    }
    fn from_stack_multi(
        lua: &mut LuaState,
        first: StackIndex,
        n: usize,
        arg_pos: Option<usize>,
    ) -> Result<Variadic<T>> {
        let mut out = Vec::with_capacity(n);
        for i in 0..n {
            let v = T::from_stack(lua, first.offset(i))
                .map_err(|e| bad_argument(arg_pos.map(|p| p + i), e))?;
            out.push(v);
        }
        Ok(Variadic(out))
    }
}

/// No values.
impl IntoLuaMulti for () {
    fn into_lua_multi(self, _: &mut LuaState) -> Result<MultiValue> {
        Ok(MultiValue::new())
    }
    fn push_into_stack_multi(self, _: &mut LuaState) -> Result<usize> {
        Ok(0)
    }
}

/// Ignores all values.
impl FromLuaMulti for () {
    fn from_lua_multi(_: MultiValue, _: &mut LuaState) -> Result<()> {
        Ok(())
    }
    fn from_stack_multi(_: &mut LuaState, _: StackIndex, _: usize, _: Option<usize>) -> Result<()> {
        Ok(())
    }
}

macro_rules! tuple_conversions {
    ($($name:ident)* ; $last:ident) => {
        #[allow(non_snake_case)]
        impl<$($name: IntoLua,)* $last: IntoLuaMulti> IntoLuaMulti for ($($name,)* $last,) {
            fn into_lua_multi(self, lua: &mut LuaState) -> Result<MultiValue> {
                let ($($name,)* $last,) = self;
                let mut out: Vec<LuaValue> = vec![$($name.into_lua(lua)?),*];
                out.extend($last.into_lua_multi(lua)?.0);
                Ok(MultiValue(out))
            }
            fn push_into_stack_multi(self, lua: &mut LuaState) -> Result<usize> {
                let ($($name,)* $last,) = self;
                #[allow(unused_mut)]
                let mut n = 0usize;
                $($name.push_into_stack(lua)?; n += 1;)*
                Ok(n + $last.push_into_stack_multi(lua)?)
            }
        }

        #[allow(non_snake_case, unused_mut, unused_variables, unused_assignments)]
        impl<$($name: FromLua,)* $last: FromLuaMulti> FromLuaMulti for ($($name,)* $last,) {
            fn from_lua_multi(values: MultiValue, lua: &mut LuaState) -> Result<Self> {
                let mut it = values.0.into_iter();
                $(let $name = $name::from_lua(it.next().unwrap_or(LuaValue::Nil), lua)?;)*
                let $last = $last::from_lua_multi(MultiValue(it.collect()), lua)?;
                Ok(($($name,)* $last,))
            }
            fn from_stack_multi(lua: &mut LuaState, first: StackIndex, n: usize, arg_pos: Option<usize>) -> Result<Self> {
                let mut i = 0usize;
                $(
                    let $name = if i < n {
                        $name::from_stack(lua, first.offset(i))
                    } else {
                        $name::from_lua(LuaValue::Nil, lua)
                    }
                    .map_err(|e| bad_argument(arg_pos.map(|p| p + i), e))?;
                    i += 1;
                )*
                let $last = $last::from_stack_multi(lua, first.offset(i), n.saturating_sub(i), arg_pos.map(|p| p + i))?;
                Ok(($($name,)* $last,))
            }
        }
    };
}

tuple_conversions!(; A);
tuple_conversions!(A ; B);
tuple_conversions!(A B ; C);
tuple_conversions!(A B C ; D);
tuple_conversions!(A B C D ; E);
tuple_conversions!(A B C D E ; F);
tuple_conversions!(A B C D E F ; G);
tuple_conversions!(A B C D E F G ; H);
tuple_conversions!(A B C D E F G H ; I);
tuple_conversions!(A B C D E F G H I ; J);
tuple_conversions!(A B C D E F G H I J ; K);
tuple_conversions!(A B C D E F G H I J K ; L);
