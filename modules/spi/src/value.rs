//! Values and the call interface of native functions.
//!
//! Invariants:
//! - A [`Value`] is a `Copy` repr(C) enum of plain data: nil, booleans, integers, floats,
//!   byte strings borrowed from the kernel, and opaque [`Handle`]s for everything the module
//!   may not touch directly (tables, functions, userdata, threads). No GC pointer crosses the
//!   boundary.
//! - Everything the kernel hands a native function during a call (argument strings, handles,
//!   values returned by [`CallContext`] methods) stays valid until that call returns, and no
//!   longer: the kernel keeps the underlying Lua values rooted (on the calling thread's stack)
//!   for that long. A module must not keep a handle or a string slice past the call.
//! - Results are pushed through [`Ctx::push`]: the values pushed during a call, in order, are
//!   its results. Nothing is allocated per call on the module side: arguments come as an
//!   `RSlice` of the caller's values. A function exported through `functions2` (what
//!   `export_module!` writes) also receives a [`Results`] buffer in the kernel's frame:
//!   `Ctx::push` stores up to [`RESULT_SLOTS`] scalar results there without calling the
//!   kernel; anything else (a string, a handle, a further result) goes through
//!   [`CallContext::push`], after the buffered values have been handed over, so the
//!   buffer always holds the last results, in order, and the kernel appends them on return.

use std::cell::Cell;
use std::fmt;

use abi_stable::sabi_trait;
use abi_stable::sabi_types::RRef;
use abi_stable::std_types::{ROption, RSlice, RStr, RVec};
use abi_stable::StableAbi;

use crate::error::{SpiError, SpiResult};
use crate::manifest::Permissions;

/// An opaque reference to a kernel object, meaningful to the kernel only and only during the
/// native call that received or created it.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Handle(pub u64);

/// A Lua value as it crosses the module boundary.
#[repr(C, u8)]
#[derive(StableAbi, Clone, Copy)]
pub enum Value<'a> {
    /// `nil` (also what a missing argument reads as).
    Nil,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string: its bytes (not necessarily UTF-8).
    Str(RSlice<'a, u8>),
    /// A table.
    Table(Handle),
    /// A function (Lua or native).
    Function(Handle),
    /// A full userdata.
    UserData(Handle),
    /// Anything else (a thread, a light userdata).
    Other(Handle),
}

impl<'a> Value<'a> {
    /// A string value borrowing `bytes`.
    pub const fn str(bytes: &'a [u8]) -> Value<'a> {
        Value::Str(RSlice::from_slice(bytes))
    }

    /// Lua's type name for the value (`other` values report `"userdata"`; ask the kernel
    /// for a precise one).
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Nil => "nil",
            Value::Bool(_) => "boolean",
            Value::Int(_) | Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Table(_) => "table",
            Value::Function(_) => "function",
            Value::UserData(_) | Value::Other(_) => "userdata",
        }
    }

    /// True for `nil`.
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// Lua truthiness: everything but `nil` and `false` is true.
    pub fn truthy(&self) -> bool {
        !matches!(self, Value::Nil | Value::Bool(false))
    }

    /// The bytes of a string value.
    pub fn as_bytes(&self) -> Option<&'a [u8]> {
        match *self {
            Value::Str(s) => Some(s.as_slice()),
            _ => None,
        }
    }

    /// The text of a string value, if it is valid UTF-8.
    pub fn as_str(&self) -> Option<&'a str> {
        self.as_bytes().and_then(|b| std::str::from_utf8(b).ok())
    }

    /// An integer, or a float with an exact integer value (Lua's `lua_tointegerx` without
    /// string conversion).
    pub fn as_int(&self) -> Option<i64> {
        match *self {
            Value::Int(i) => Some(i),
            Value::Float(f) => float_to_int(f),
            _ => None,
        }
    }

    /// A number as a float.
    pub fn as_float(&self) -> Option<f64> {
        match *self {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            _ => None,
        }
    }

    /// The handle of a table, function, userdata or other value.
    pub fn handle(&self) -> Option<Handle> {
        match *self {
            Value::Table(h) | Value::Function(h) | Value::UserData(h) | Value::Other(h) => Some(h),
            _ => None,
        }
    }
}

fn float_to_int(f: f64) -> Option<i64> {
    // -2^63 is exact; 2^63 is not representable as i64.
    if f.fract() == 0.0 && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        Some(f as i64)
    } else {
        None
    }
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x:?}"),
            Value::Str(s) => write!(f, "{:?}", String::from_utf8_lossy(s.as_slice())),
            Value::Table(h) => write!(f, "table#{}", h.0),
            Value::Function(h) => write!(f, "function#{}", h.0),
            Value::UserData(h) => write!(f, "userdata#{}", h.0),
            Value::Other(h) => write!(f, "other#{}", h.0),
        }
    }
}

impl PartialEq for Value<'_> {
    /// Raw equality as Lua's `rawequal` sees it for plain data (`1 == 1.0`); handles compare
    /// by handle, which is only meaningful for handles from the same call.
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a == b,
            (Value::Int(a), Value::Float(b)) | (Value::Float(b), Value::Int(a)) => {
                float_to_int(*b) == Some(*a)
            }
            (Value::Str(a), Value::Str(b)) => a.as_slice() == b.as_slice(),
            (Value::Table(a), Value::Table(b))
            | (Value::Function(a), Value::Function(b))
            | (Value::UserData(a), Value::UserData(b))
            | (Value::Other(a), Value::Other(b)) => a == b,
            _ => false,
        }
    }
}

/// A key and its value, from [`CallContext::next`].
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct Entry<'a> {
    /// The key.
    pub key: Value<'a>,
    /// The value.
    pub value: Value<'a>,
}

/// The kernel's side of a native call, implemented by the kernel, used by modules.
///
/// Every method takes `&self`: a module may hold several values the context returned and
/// use them together. Values returned (strings, handles) live until the native call returns.
/// Methods that can run Lua code (`get`, `set`, `call`, `to_display`, `len`) may fail with an
/// error of kind `LUA_ERROR`: return it unchanged to let the Lua error propagate.
///
/// Methods may be added at the end in later SPI versions (the vtable is a prefix type).
#[sabi_trait]
pub trait CallContext {
    /// Appends a result of the current call.
    fn push(&self, value: Value<'_>) -> SpiResult<()>;

    /// Creates a table with room for `narray` sequence items and `nhash` other fields.
    fn new_table(&self, narray: u32, nhash: u32) -> SpiResult<Value<'_>>;

    /// `container[key]`, honouring `__index` (Lua's `lua_gettable`).
    fn get(&self, container: Value<'_>, key: Value<'_>) -> SpiResult<Value<'_>>;

    /// `container[key] = value`, honouring `__newindex` (Lua's `lua_settable`).
    fn set(&self, container: Value<'_>, key: Value<'_>, value: Value<'_>) -> SpiResult<()>;

    /// The raw field after `key` in a table's traversal order (`next`); `key` nil starts.
    fn next(
        &self,
        table: Value<'_>,
        key: Value<'_>,
    ) -> SpiResult<abi_stable::std_types::ROption<Entry<'_>>>;

    /// The length of a value, honouring `__len` (Lua's `luaL_len`: must be an integer).
    fn len(&self, value: Value<'_>) -> SpiResult<i64>;

    /// Calls `function` with `args`; returns all its results.
    fn call(&self, function: Value<'_>, args: RSlice<'_, Value<'_>>) -> SpiResult<RVec<Value<'_>>>;

    /// `tostring(value)` as a string value (honours `__tostring` and `__name`).
    fn to_display(&self, value: Value<'_>) -> SpiResult<Value<'_>>;

    /// Makes `value` the pending error of this call and returns the error to return from
    /// the native function (kind `LUA_ERROR`), as Lua's `lua_error` raises any value.
    fn error_value(&self, value: Value<'_>) -> SpiError;

    /// "bad argument #arg to 'name' (message)", with the function's name as the kernel
    /// knows it. `arg` counts from 1, as in Lua.
    fn arg_error(&self, arg: u32, message: RStr<'_>) -> SpiError;

    /// Asks whether the script may use `permission` on `target` (a path, `host:port`,
    /// variable or command). `Ok` when granted; a `PERMISSION_DENIED` error to return
    /// otherwise.
    #[sabi(last_prefix_field)]
    fn check_permission(&self, permission: Permissions, target: RStr<'_>) -> SpiResult<()>;
}

/// The kernel's context object as an entry point receives it: a borrowed trait object.
pub type KernelCtx<'a> = CallContext_TO<'a, RRef<'a, ()>>;

/// How many scalar results one call can hand back through its [`Results`] buffer.
pub const RESULT_SLOTS: usize = 4;

/// The result buffer of one call, in the kernel's frame: the kernel creates it empty, the
/// module's [`Ctx::push`] fills it with scalar results, and the kernel appends its values,
/// in order, after those pushed through [`CallContext::push`] once the call returns.
/// Only `nil`, booleans, integers and floats are stored: a tag and a 64-bit payload per
/// slot (plain words, so that writing and reading them is as cheap as it gets).
#[repr(C)]
#[derive(StableAbi)]
pub struct Results {
    len: Cell<u32>,
    /// Per slot: 0 nil, 1 boolean, 2 integer, 3 float.
    tags: [Cell<u8>; RESULT_SLOTS],
    /// Per slot: the boolean (0 or 1), the integer, or the float's bits.
    payloads: [Cell<u64>; RESULT_SLOTS],
}

impl Results {
    /// An empty buffer.
    #[inline(always)]
    pub fn new() -> Results {
        Results {
            len: Cell::new(0),
            tags: [const { Cell::new(0) }; RESULT_SLOTS],
            payloads: [const { Cell::new(0) }; RESULT_SLOTS],
        }
    }

    /// How many values the buffer holds.
    #[inline(always)]
    pub fn len(&self) -> usize {
        (self.len.get() as usize).min(RESULT_SLOTS)
    }

    /// True if the buffer holds nothing.
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len.get() == 0
    }

    /// The value in slot `i` (`nil` beyond the end).
    #[inline(always)]
    pub fn get(&self, i: usize) -> Value<'static> {
        let (Some(tag), Some(payload)) = (self.tags.get(i), self.payloads.get(i)) else {
            return Value::Nil;
        };
        let p = payload.get();
        match tag.get() {
            1 => Value::Bool(p != 0),
            2 => Value::Int(p as i64),
            3 => Value::Float(f64::from_bits(p)),
            _ => Value::Nil,
        }
    }

    /// Appends a scalar; false (and nothing stored) when the buffer is full or `value` is
    /// not a scalar.
    #[inline(always)]
    fn try_store(&self, value: Value<'_>) -> bool {
        let n = self.len.get() as usize;
        if n >= RESULT_SLOTS {
            return false;
        }
        let (tag, payload) = match value {
            Value::Nil => (0, 0),
            Value::Bool(b) => (1, b as u64),
            Value::Int(i) => (2, i as u64),
            Value::Float(f) => (3, f.to_bits()),
            _ => return false,
        };
        self.tags[n].set(tag);
        self.payloads[n].set(payload);
        self.len.set(n as u32 + 1);
        true
    }
}

impl Default for Results {
    fn default() -> Self {
        Results::new()
    }
}

impl fmt::Debug for Results {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries((0..self.len()).map(|i| self.get(i)))
            .finish()
    }
}

/// The context as a native function receives it: the kernel's [`CallContext`] and, for
/// functions exported through `functions2`, the call's [`Results`] buffer. Its methods are
/// those of [`CallContext`]; `push` uses the buffer where it can.
pub struct Ctx<'a> {
    kernel: KernelCtx<'a>,
    results: Option<&'a Results>,
}

impl<'a> Ctx<'a> {
    /// A context over the kernel's object, with the call's result buffer if it has one.
    #[inline(always)]
    pub fn new(kernel: KernelCtx<'a>, results: Option<&'a Results>) -> Ctx<'a> {
        Ctx { kernel, results }
    }

    /// The kernel's context object itself.
    pub fn kernel(&self) -> &KernelCtx<'a> {
        &self.kernel
    }

    /// Appends a result of the current call.
    #[inline]
    pub fn push(&self, value: Value<'_>) -> SpiResult<()> {
        if let Some(results) = self.results {
            if results.try_store(value) {
                return abi_stable::std_types::RResult::ROk(());
            }
            if let abi_stable::std_types::RResult::RErr(e) = self.hand_over(results) {
                return abi_stable::std_types::RResult::RErr(e);
            }
        }
        self.kernel.push(value)
    }

    /// Pushes the buffered results through the kernel, in order, and empties the buffer
    /// (before a result that cannot be buffered, so that the order is kept).
    #[cold]
    #[inline(never)]
    fn hand_over(&self, results: &Results) -> SpiResult<()> {
        let n = results.len();
        results.len.set(0);
        for i in 0..n {
            if let abi_stable::std_types::RResult::RErr(e) = self.kernel.push(results.get(i)) {
                return abi_stable::std_types::RResult::RErr(e);
            }
        }
        abi_stable::std_types::RResult::ROk(())
    }

    /// Creates a table with room for `narray` sequence items and `nhash` other fields.
    pub fn new_table(&self, narray: u32, nhash: u32) -> SpiResult<Value<'_>> {
        self.kernel.new_table(narray, nhash)
    }

    /// `container[key]`, honouring `__index` (Lua's `lua_gettable`).
    pub fn get(&self, container: Value<'_>, key: Value<'_>) -> SpiResult<Value<'_>> {
        self.kernel.get(container, key)
    }

    /// `container[key] = value`, honouring `__newindex` (Lua's `lua_settable`).
    pub fn set(&self, container: Value<'_>, key: Value<'_>, value: Value<'_>) -> SpiResult<()> {
        self.kernel.set(container, key, value)
    }

    /// The raw field after `key` in a table's traversal order (`next`); `key` nil starts.
    pub fn next(&self, table: Value<'_>, key: Value<'_>) -> SpiResult<ROption<Entry<'_>>> {
        self.kernel.next(table, key)
    }

    /// The length of a value, honouring `__len` (Lua's `luaL_len`: must be an integer).
    pub fn len(&self, value: Value<'_>) -> SpiResult<i64> {
        self.kernel.len(value)
    }

    /// Calls `function` with `args`; returns all its results.
    pub fn call(
        &self,
        function: Value<'_>,
        args: RSlice<'_, Value<'_>>,
    ) -> SpiResult<RVec<Value<'_>>> {
        self.kernel.call(function, args)
    }

    /// `tostring(value)` as a string value (honours `__tostring` and `__name`).
    pub fn to_display(&self, value: Value<'_>) -> SpiResult<Value<'_>> {
        self.kernel.to_display(value)
    }

    /// Makes `value` the pending error of this call and returns the error to return from
    /// the native function (kind `LUA_ERROR`), as Lua's `lua_error` raises any value.
    pub fn error_value(&self, value: Value<'_>) -> SpiError {
        self.kernel.error_value(value)
    }

    /// "bad argument #arg to 'name' (message)", with the function's name as the kernel
    /// knows it. `arg` counts from 1, as in Lua.
    pub fn arg_error(&self, arg: u32, message: RStr<'_>) -> SpiError {
        self.kernel.arg_error(arg, message)
    }

    /// Asks whether the script may use `permission` on `target`; `Ok` when granted, a
    /// `PERMISSION_DENIED` error to return otherwise.
    pub fn check_permission(&self, permission: Permissions, target: RStr<'_>) -> SpiResult<()> {
        self.kernel.check_permission(permission, target)
    }
}

/// A native function as it crosses the boundary. Modules write
/// `fn(&Ctx, &[Value]) -> Result<(), SpiError>` and let [`crate::export_module!`] produce
/// this wrapper, which catches panics.
pub type NativeFn =
    for<'a> extern "C" fn(ctx: KernelCtx<'a>, args: RSlice<'a, Value<'a>>) -> SpiResult<()>;

/// One entry of a module's function table.
#[repr(C)]
#[derive(StableAbi, Clone, Copy)]
pub struct NativeFunction {
    /// The field name in the module's table.
    pub name: RStr<'static>,
    /// The entry point (a [`NativeFn`]; spelled out because the layout derive reads the
    /// function pointer's signature).
    pub func: extern "C" fn(
        ctx: CallContext_TO<'_, RRef<'_, ()>>,
        args: RSlice<'_, Value<'_>>,
    ) -> SpiResult<()>,
}

/// A native function that also receives its call's [`Results`] buffer (SPI root field
/// `functions2`).
pub type NativeFn2 = extern "C" fn(
    ctx: CallContext_TO<'_, RRef<'_, ()>>,
    args: RSlice<'_, Value<'_>>,
    results: &Results,
) -> SpiResult<()>;

/// One entry of a module's `functions2` table: as [`NativeFunction`], with an entry point
/// that receives the call's result buffer.
#[repr(C)]
#[derive(StableAbi, Clone, Copy)]
pub struct NativeFunction2 {
    /// The field name in the module's table.
    pub name: RStr<'static>,
    /// The entry point (a [`NativeFn2`]).
    pub func: extern "C" fn(
        ctx: CallContext_TO<'_, RRef<'_, ()>>,
        args: RSlice<'_, Value<'_>>,
        results: &Results,
    ) -> SpiResult<()>,
}

impl fmt::Debug for NativeFunction2 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NativeFunction2({})", self.name)
    }
}

impl fmt::Debug for NativeFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NativeFunction({})", self.name)
    }
}
