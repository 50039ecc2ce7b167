//! Values that cross the embedding API: the dynamic [`LuaValue`], owned byte strings, and the
//! rooted handles to heap objects.
//!
//! Handle invariants:
//! - A handle (`Table`, `Function`, `AnyUserData`, `Thread`, `RegistryKey`) owns one slot of
//!   the state's handle table, which keeps its object alive. Clones share the slot
//!   (reference-counted); when the last clone drops, the slot number goes to the state's
//!   *unref queue* and the next API call that allocates slots (or collects) frees it. So a
//!   handle needs no access to the state to be dropped and can never dangle.
//! - A handle remembers which state it belongs to (the identity of that state's queue) and
//!   fails with [`Error::MismatchedState`](crate::Error::MismatchedState) elsewhere.
//! - A handle records its object's address: the heap never moves objects and the handle keeps
//!   the object alive, so two live handles have equal addresses exactly when they refer to
//!   the same object (raw equality).
//! - Handles are `Send` and `Sync`: they hold no pointer into the heap, and every use goes
//!   through `&mut LuaState` of the state that owns them, which only one thread has at a time.
//!
//! Strings are values in Lua, so [`LuaString`] is an owned copy of the bytes, not a handle.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// The queue where dropped handles leave their slots; shared by a state and its handles.
#[derive(Default)]
pub(crate) struct UnrefQueue {
    pending: Mutex<Vec<i64>>,
    non_empty: AtomicBool,
}

impl UnrefQueue {
    fn push(&self, slot: i64) {
        let mut q = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        q.push(slot);
        self.non_empty.store(true, Ordering::Release);
    }

    /// Takes the queued slots (cheap when there are none).
    pub(crate) fn take(&self) -> Vec<i64> {
        if !self.non_empty.load(Ordering::Acquire) {
            return Vec::new();
        }
        let mut q = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        self.non_empty.store(false, Ordering::Release);
        std::mem::take(&mut *q)
    }
}

pub(crate) struct RefInner {
    pub(crate) slot: i64,
    pub(crate) addr: usize,
    pub(crate) queue: Arc<UnrefQueue>,
}

impl Drop for RefInner {
    fn drop(&mut self) {
        self.queue.push(self.slot);
    }
}

/// A rooted reference to a heap object: a slot in the handle table.
#[derive(Clone)]
pub(crate) struct Ref(pub(crate) Arc<RefInner>);

impl Ref {
    pub(crate) fn addr(&self) -> usize {
        self.0.addr
    }
}

impl PartialEq for Ref {
    fn eq(&self, other: &Ref) -> bool {
        self.0.addr == other.0.addr && Arc::ptr_eq(&self.0.queue, &other.0.queue)
    }
}

macro_rules! handle_type {
    ($(#[$doc:meta])* $name:ident, $lua_type:literal) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq)]
        pub struct $name(pub(crate) Ref);

        impl $name {
            /// The object's address: equal for two handles exactly when they refer to the
            /// same object (as `%p` in `string.format` shows it).
            pub fn to_pointer(&self) -> usize {
                self.0.addr()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}: {:#x}", $lua_type, self.0.addr())
            }
        }
    };
}

handle_type!(
    /// A rooted handle to a Lua table.
    Table,
    "table"
);
handle_type!(
    /// A rooted handle to a Lua function (Lua or native).
    Function,
    "function"
);
handle_type!(
    /// A rooted handle to a full userdata, whatever Rust type it holds.
    AnyUserData,
    "userdata"
);
handle_type!(
    /// A rooted handle to a coroutine.
    Thread,
    "thread"
);

/// A value kept alive in the state's registry until the key is dropped (or removed with
/// [`LuaState::remove_registry_value`](crate::LuaState::remove_registry_value)).
#[derive(Clone)]
pub struct RegistryKey(pub(crate) Ref);

impl fmt::Debug for RegistryKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RegistryKey({})", self.0 .0.slot)
    }
}

/// A light userdata: an opaque pointer-sized value compared by identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LightUserData(pub usize);

/// A Lua string: an owned copy of its bytes (Lua strings are byte strings, not UTF-8).
#[derive(Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LuaString(Vec<u8>);

impl LuaString {
    pub fn new(bytes: impl Into<Vec<u8>>) -> LuaString {
        LuaString(bytes.into())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }

    /// The text, if the bytes are valid UTF-8.
    pub fn to_str(&self) -> crate::Result<&str> {
        std::str::from_utf8(&self.0).map_err(|e| {
            crate::Error::from_conversion("string", "&str", Some(format!("invalid utf-8: {e}")))
        })
    }

    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }
}

impl std::ops::Deref for LuaString {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl AsRef<[u8]> for LuaString {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl From<&str> for LuaString {
    fn from(s: &str) -> LuaString {
        LuaString(s.as_bytes().to_vec())
    }
}

impl From<String> for LuaString {
    fn from(s: String) -> LuaString {
        LuaString(s.into_bytes())
    }
}

impl From<&[u8]> for LuaString {
    fn from(s: &[u8]) -> LuaString {
        LuaString(s.to_vec())
    }
}

impl From<Vec<u8>> for LuaString {
    fn from(s: Vec<u8>) -> LuaString {
        LuaString(s)
    }
}

impl PartialEq<str> for LuaString {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for LuaString {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<[u8]> for LuaString {
    fn eq(&self, other: &[u8]) -> bool {
        self.0 == other
    }
}

impl fmt::Debug for LuaString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(&self.0))
    }
}

impl fmt::Display for LuaString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

/// Any Lua value, with heap objects held through rooted handles.
#[derive(Clone, Default)]
pub enum LuaValue {
    #[default]
    Nil,
    Boolean(bool),
    Integer(i64),
    Number(f64),
    String(LuaString),
    Table(Table),
    Function(Function),
    UserData(AnyUserData),
    Thread(Thread),
    LightUserData(LightUserData),
}

impl LuaValue {
    /// The name `type()` gives the value.
    pub fn type_name(&self) -> &'static str {
        match self {
            LuaValue::Nil => "nil",
            LuaValue::Boolean(_) => "boolean",
            LuaValue::Integer(_) | LuaValue::Number(_) => "number",
            LuaValue::String(_) => "string",
            LuaValue::Table(_) => "table",
            LuaValue::Function(_) => "function",
            LuaValue::UserData(_) | LuaValue::LightUserData(_) => "userdata",
            LuaValue::Thread(_) => "thread",
        }
    }

    pub fn is_nil(&self) -> bool {
        matches!(self, LuaValue::Nil)
    }

    /// Lua truthiness: everything but `nil` and `false`.
    pub fn truthy(&self) -> bool {
        !matches!(self, LuaValue::Nil | LuaValue::Boolean(false))
    }

    pub fn as_boolean(&self) -> Option<bool> {
        match self {
            LuaValue::Boolean(b) => Some(*b),
            _ => None,
        }
    }

    pub fn as_integer(&self) -> Option<i64> {
        match self {
            LuaValue::Integer(i) => Some(*i),
            _ => None,
        }
    }

    /// Integers and floats as a float.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            LuaValue::Integer(i) => Some(*i as f64),
            LuaValue::Number(x) => Some(*x),
            _ => None,
        }
    }

    pub fn as_string(&self) -> Option<&LuaString> {
        match self {
            LuaValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The string's text, if it is a string holding UTF-8.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            LuaValue::String(s) => s.to_str().ok(),
            _ => None,
        }
    }

    pub fn as_table(&self) -> Option<&Table> {
        match self {
            LuaValue::Table(t) => Some(t),
            _ => None,
        }
    }

    pub fn as_function(&self) -> Option<&Function> {
        match self {
            LuaValue::Function(f) => Some(f),
            _ => None,
        }
    }

    pub fn as_userdata(&self) -> Option<&AnyUserData> {
        match self {
            LuaValue::UserData(u) => Some(u),
            _ => None,
        }
    }

    pub fn as_thread(&self) -> Option<&Thread> {
        match self {
            LuaValue::Thread(t) => Some(t),
            _ => None,
        }
    }
}

/// Raw equality, as `rawequal` sees it (integers and floats compare by value; heap objects
/// by identity; strings by content).
impl PartialEq for LuaValue {
    fn eq(&self, other: &LuaValue) -> bool {
        use LuaValue::*;
        match (self, other) {
            (Nil, Nil) => true,
            (Boolean(a), Boolean(b)) => a == b,
            (Integer(a), Integer(b)) => a == b,
            (Number(a), Number(b)) => a == b,
            (Integer(a), Number(b)) | (Number(b), Integer(a)) => {
                // Exact comparison, as Lua compares mixed numbers.
                b.fract() == 0.0
                    && *b >= -9.223_372_036_854_776e18
                    && *b < 9.223_372_036_854_776e18
                    && *b as i64 == *a
            }
            (String(a), String(b)) => a == b,
            (Table(a), Table(b)) => a == b,
            (Function(a), Function(b)) => a == b,
            (UserData(a), UserData(b)) => a == b,
            (Thread(a), Thread(b)) => a == b,
            (LightUserData(a), LightUserData(b)) => a == b,
            _ => false,
        }
    }
}

impl fmt::Debug for LuaValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LuaValue::Nil => f.write_str("nil"),
            LuaValue::Boolean(b) => write!(f, "{b}"),
            LuaValue::Integer(i) => write!(f, "{i}"),
            LuaValue::Number(x) => write!(f, "{x:?}"),
            LuaValue::String(s) => write!(f, "{s:?}"),
            LuaValue::Table(t) => write!(f, "{t:?}"),
            LuaValue::Function(x) => write!(f, "{x:?}"),
            LuaValue::UserData(u) => write!(f, "{u:?}"),
            LuaValue::Thread(t) => write!(f, "{t:?}"),
            LuaValue::LightUserData(p) => write!(f, "userdata: {:#x}", p.0),
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $variant:ident $(($conv:expr))?),* $(,)?) => {$(
        impl From<$t> for LuaValue {
            fn from(v: $t) -> LuaValue {
                LuaValue::$variant($($conv)?(v))
            }
        }
    )*};
}

value_from!(
    bool => Boolean,
    i64 => Integer,
    f64 => Number,
    LuaString => String,
    Table => Table,
    Function => Function,
    AnyUserData => UserData,
    Thread => Thread,
    LightUserData => LightUserData,
    &str => String(LuaString::from),
    String => String(LuaString::from),
);

/// Any number of Lua values: arguments or results.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MultiValue(pub Vec<LuaValue>);

impl MultiValue {
    pub fn new() -> MultiValue {
        MultiValue(Vec::new())
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_vec(self) -> Vec<LuaValue> {
        self.0
    }
}

impl std::ops::Deref for MultiValue {
    type Target = Vec<LuaValue>;
    fn deref(&self) -> &Vec<LuaValue> {
        &self.0
    }
}

impl std::ops::DerefMut for MultiValue {
    fn deref_mut(&mut self) -> &mut Vec<LuaValue> {
        &mut self.0
    }
}

impl FromIterator<LuaValue> for MultiValue {
    fn from_iter<I: IntoIterator<Item = LuaValue>>(iter: I) -> MultiValue {
        MultiValue(iter.into_iter().collect())
    }
}

impl IntoIterator for MultiValue {
    type Item = LuaValue;
    type IntoIter = std::vec::IntoIter<LuaValue>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

/// Any number of values of one type: as the last argument of a callback it takes all the
/// remaining arguments; as a result it returns all its items.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Variadic<T>(pub Vec<T>);

impl<T> Variadic<T> {
    pub fn new() -> Variadic<T> {
        Variadic(Vec::new())
    }
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T> std::ops::Deref for Variadic<T> {
    type Target = Vec<T>;
    fn deref(&self) -> &Vec<T> {
        &self.0
    }
}

impl<T> std::ops::DerefMut for Variadic<T> {
    fn deref_mut(&mut self) -> &mut Vec<T> {
        &mut self.0
    }
}

impl<T> FromIterator<T> for Variadic<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Variadic<T> {
        Variadic(iter.into_iter().collect())
    }
}

impl<T> From<Vec<T>> for Variadic<T> {
    fn from(v: Vec<T>) -> Variadic<T> {
        Variadic(v)
    }
}

impl<T> IntoIterator for Variadic<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}
