//! Calling a native module's functions: the kernel's side of `luna_spi::CallContext`.
//!
//! A module's function becomes a light native function naming the index of its registered
//! entry point ([`call_direct`]), or past the first [`DIRECT_FUNCTIONS`], a native closure
//! whose upvalue is that index ([`call_module_function`]). A call converts the Lua arguments to ABI values
//! (strings are borrowed, tables and functions become handles), calls the entry point with a
//! context and (for `functions2` entries) a result buffer, and returns the values the module
//! pushed followed by those it buffered.
//!
//! Invariants:
//! - A [`Handle`] is an absolute slot of the calling thread's stack, between the call's first
//!   argument and the current top. Everything the context hands a module (argument strings,
//!   values read from tables, call results, new tables) sits in such a slot until the call
//!   returns, so it stays rooted and its bytes stay put; a handle outside that range is
//!   refused. (As in PUC-Lua, where C code keeps `lua_tostring` pointers the same way, a
//!   script using `debug.setlocal` on the native frame from a callback could break this: the
//!   debug library is outside the safety promise.)
//! - Results are pushed on the stack as the module pushes them, and their slots recorded; if
//!   temporaries were interleaved, the results are copied to the top in order at the end.
//!   The module side keeps the buffered results (scalars only) after every pushed one, so
//!   they are appended last.
//! - A Lua error raised inside a context method (a metamethod failing, a call) becomes the
//!   call's pending error: its value sits in a slot and is raised again, unchanged, when the
//!   module returns its `LUA_ERROR`. An uncatchable error (a limit) is raised again as itself.
//! - No Rust panic crosses the boundary: context methods never panic (a `RefCell` already
//!   borrowed, which only a module misusing a context could cause, is reported as an error),
//!   and the module's entry points catch their own panics (`luna_spi::export_module!`).

use std::cell::{Cell, RefCell};
use std::mem::MaybeUninit;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use luna_spi::abi_stable::sabi_trait::TD_Opaque;
use luna_spi::abi_stable::sabi_types::RRef;
use luna_spi::abi_stable::std_types::{ROption, RResult, RSlice, RStr, RVec};
use luna_spi::{
    CallContext, CallContext_TO, Entry, ErrorKind, Handle, Results, SpiError, SpiResult,
};

use super::loader::LoadedModule;
use super::permissions::{NetTarget, PermissionKind};
use crate::error::{LuaError, LuaResult};
use crate::function::NativeFn;
use crate::gc::Gc;
use crate::state::State;
use crate::string::LuaStr;
use crate::table::Table;
use crate::value::Value;

/// A module function's entry point: from the root's `functions2` (results through the
/// call's buffer, then the context) or, for modules built before it, from `functions`.
#[derive(Clone, Copy)]
enum EntryPoint {
    Buffered(luna_spi::NativeFn2),
    Pushing(
        extern "C" fn(
            ctx: CallContext_TO<'_, RRef<'_, ()>>,
            args: RSlice<'_, luna_spi::Value<'_>>,
        ) -> SpiResult<()>,
    ),
}

/// A module function, registered once per process (modules are never unloaded).
struct ModuleFunction {
    func: EntryPoint,
    module: Arc<LoadedModule>,
}

/// A module's functions: names and entry points, from `functions2` when the module has it.
fn module_functions(module: &LoadedModule) -> Vec<(&'static str, EntryPoint)> {
    let buffered = module.info.functions2();
    if !buffered.is_empty() {
        return buffered
            .iter()
            .map(|f| (f.name.as_str(), EntryPoint::Buffered(f.func)))
            .collect();
    }
    module
        .info
        .functions()
        .iter()
        .map(|f| (f.name.as_str(), EntryPoint::Pushing(f.func)))
        .collect()
}

/// How many module functions a process can register: the closures name theirs by index,
/// which makes a call one table read away from its entry point.
const MAX_FUNCTIONS: usize = 8192;

/// Every module function registered, by index (the upvalue of its closures).
static FUNCTIONS: [OnceLock<ModuleFunction>; MAX_FUNCTIONS] =
    [const { OnceLock::new() }; MAX_FUNCTIONS];
static NEXT_FUNCTION: AtomicUsize = AtomicUsize::new(0);

/// Registers a module's functions (once per module per process); their indices.
fn register_functions(module: &Arc<LoadedModule>) -> Result<&'static [usize], String> {
    static REGISTERED: Mutex<Vec<(usize, &'static [usize])>> = Mutex::new(Vec::new());
    let key = Arc::as_ptr(module) as usize;
    let mut registered = REGISTERED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some((_, ids)) = registered.iter().find(|(k, _)| *k == key) {
        return Ok(ids);
    }
    let funcs = module_functions(module);
    let start = NEXT_FUNCTION.fetch_add(funcs.len(), Ordering::Relaxed);
    if start + funcs.len() > MAX_FUNCTIONS {
        return Err(format!(
            "native module '{}': more than {} native module functions in one process",
            module.name(),
            MAX_FUNCTIONS
        ));
    }
    let mut ids = Vec::with_capacity(funcs.len());
    for (i, &(_, func)) in funcs.iter().enumerate() {
        let _ = FUNCTIONS[start + i].set(ModuleFunction {
            func,
            module: module.clone(),
        });
        ids.push(start + i);
    }
    // Kept for the life of the process, as the modules are.
    let ids: &'static [usize] = Box::leak(ids.into_boxed_slice());
    registered.push((key, ids));
    Ok(ids)
}

/// The bytes of a string the caller keeps rooted for `'c`.
///
/// # Safety
/// `s` must stay reachable from a root (here: a stack slot of the running call) and the
/// slot must not be overwritten for as long as the returned slice is used. Strings never
/// move and their bytes never change, so the slice stays valid while the string lives.
unsafe fn rooted_bytes<'c>(s: Gc<LuaStr>) -> &'c [u8] {
    let b = s.as_bytes();
    // SAFETY: forwarded to the caller; the bytes belong to a non-moving, immutable heap
    // object that outlives `'c`.
    unsafe { std::slice::from_raw_parts(b.as_ptr(), b.len()) }
}

/// A Lua value at stack slot `slot` as an ABI value.
///
/// # Safety
/// As [`rooted_bytes`]: the slot holds `v` until the call returns.
#[inline(always)]
unsafe fn to_spi<'c>(v: Value, slot: usize) -> luna_spi::Value<'c> {
    let h = Handle(slot as u64);
    match v {
        Value::Nil => luna_spi::Value::Nil,
        Value::Bool(b) => luna_spi::Value::Bool(b),
        Value::Int(i) => luna_spi::Value::Int(i),
        Value::Float(f) => luna_spi::Value::Float(f),
        // SAFETY: forwarded to the caller.
        Value::Str(s) => luna_spi::Value::Str(RSlice::from_slice(unsafe { rooted_bytes(s) })),
        Value::Table(_) => luna_spi::Value::Table(h),
        Value::LuaFn(_) | Value::Native(_) | Value::NativeClosure(_) => {
            luna_spi::Value::Function(h)
        }
        Value::UserData(_) => luna_spi::Value::UserData(h),
        _ => luna_spi::Value::Other(h),
    }
}

/// The context of one call.
struct CallCtx<'s> {
    st: RefCell<&'s mut State>,
    /// The first argument's slot: handles below it are refused.
    first: usize,
    /// The results pushed so far: while they sit in consecutive slots, the first slot and
    /// the count; once a temporary landed between them, every slot in `scattered`.
    first_result: Cell<usize>,
    n_results: Cell<usize>,
    is_scattered: Cell<bool>,
    /// Set when anything but a result was pushed (then the results may not be the top).
    dirty: Cell<bool>,
    // Boxed: one word in the context every call builds, for a list most calls never need.
    #[allow(clippy::box_collection)]
    scattered: RefCell<Option<Box<Vec<usize>>>>,
    /// The slot of the pending Lua error value.
    pending: Cell<Option<usize>>,
    /// An uncatchable error met during the call.
    uncatchable: Cell<Option<LuaError>>,
}

/// The most values one call may return (Lua's own stack limit is a million slots).
const MAX_RESULTS: usize = 100_000;

#[cold]
#[inline(never)]
fn busy() -> SpiError {
    SpiError::with_message(ErrorKind::INVALID_INPUT, "call context used re-entrantly")
}

#[cold]
#[inline(never)]
fn too_many_results() -> SpiError {
    SpiError::invalid_input("too many results")
}

#[cold]
#[inline(never)]
fn bad_handle() -> SpiError {
    SpiError::with_message(
        ErrorKind::INVALID_INPUT,
        "invalid handle (not from this call)",
    )
}

impl<'s> CallCtx<'s> {
    /// Records the value just pushed in `slot` as the next result.
    #[inline(always)]
    fn add_result(&self, slot: usize) {
        let n = self.n_results.get();
        self.n_results.set(n + 1);
        if n == 0 {
            self.first_result.set(slot);
        } else if self.is_scattered.get() || self.first_result.get() + n != slot {
            self.add_scattered(slot, n);
        }
    }

    #[cold]
    fn add_scattered(&self, slot: usize, n: usize) {
        // Results land apart only around something else pushed; dirty says so already.
        self.dirty.set(true);
        let mut slot_list = self.scattered.borrow_mut();
        let all = slot_list.get_or_insert_with(Box::default);
        if !self.is_scattered.get() {
            self.is_scattered.set(true);
            let first = self.first_result.get();
            all.extend(first..first + n);
        }
        all.push(slot);
    }

    /// The value in a handle's slot, if the handle is one of this call's.
    #[inline]
    fn slot_value(&self, st: &State, h: Handle) -> Option<Value> {
        let slot = usize::try_from(h.0).ok()?;
        (slot >= self.first && slot < st.abs_top()).then(|| st.stack_at(slot))
    }

    /// Pushes `v` as the next result.
    #[inline(always)]
    fn push_result(&self, st: &mut State, v: Value) -> SpiResult<()> {
        // The stack grows as needed; a module cannot push without bound.
        if self.n_results.get() >= MAX_RESULTS {
            return RResult::RErr(too_many_results());
        }
        let slot = st.abs_top();
        st.push(v);
        self.add_result(slot);
        RResult::ROk(())
    }

    /// `push` of a string or a handle.
    #[inline(never)]
    fn push_object(&self, value: luna_spi::Value<'_>) -> SpiResult<()> {
        let Ok(mut st) = self.st.try_borrow_mut() else {
            return RResult::RErr(busy());
        };
        let v = match self.to_lua(&mut st, value) {
            Ok(v) => v,
            Err(SpiLuaError::Spi(e)) => return RResult::RErr(e),
            Err(SpiLuaError::Lua(e)) => return RResult::RErr(self.record(&mut st, e)),
        };
        self.push_result(&mut st, v)
    }

    /// Runs `f` with the state; a Lua error it raises becomes the pending error.
    fn with<R>(&self, f: impl FnOnce(&mut State) -> Result<R, SpiLuaError>) -> SpiResult<R> {
        let Ok(mut st) = self.st.try_borrow_mut() else {
            return RResult::RErr(busy());
        };
        self.dirty.set(true);
        match f(&mut st) {
            Ok(r) => RResult::ROk(r),
            Err(SpiLuaError::Spi(e)) => RResult::RErr(e),
            Err(SpiLuaError::Lua(e)) => RResult::RErr(self.record(&mut st, e)),
        }
    }

    /// Makes a raised Lua error the call's pending error.
    fn record(&self, st: &mut State, e: LuaError) -> SpiError {
        self.dirty.set(true);
        if !e.is_catchable() {
            self.uncatchable.set(Some(e));
            return SpiError::with_message(ErrorKind::LUA_ERROR, "uncatchable error");
        }
        let v = st.take_error();
        let message = match v {
            Value::Str(s) => s.to_string_lossy(),
            _ => format!("(error object is a {} value)", v.type_name()),
        };
        st.push(v);
        self.pending.set(Some(st.abs_top() - 1));
        SpiError::with_message(ErrorKind::LUA_ERROR, message)
    }

    /// The Lua value of an ABI value; a new string is not yet rooted.
    fn to_lua(&self, st: &mut State, v: luna_spi::Value<'_>) -> Result<Value, SpiLuaError> {
        Ok(match v {
            luna_spi::Value::Str(s) => st.str_value(s.as_slice()),
            luna_spi::Value::Table(h)
            | luna_spi::Value::Function(h)
            | luna_spi::Value::UserData(h)
            | luna_spi::Value::Other(h) => match self.slot_value(st, h) {
                Some(v) => v,
                None => return Err(SpiLuaError::Spi(bad_handle())),
            },
            // Only scalars are left.
            other => scalar(other).unwrap_or(Value::Nil),
        })
    }

    /// Pushes `v` (rooting it) and returns it as an ABI value.
    fn keep<'c>(&self, st: &mut State, v: Value) -> Result<luna_spi::Value<'c>, SpiLuaError> {
        st.ensure_stack(1)?;
        st.push(v);
        let slot = st.abs_top() - 1;
        // SAFETY: `v` now sits in `slot`, above the call's arguments, until the call returns.
        Ok(unsafe { to_spi(v, slot) })
    }
}

/// An error inside a context method: already an ABI error, or a raised Lua error.
enum SpiLuaError {
    Spi(SpiError),
    Lua(LuaError),
}

impl From<LuaError> for SpiLuaError {
    fn from(e: LuaError) -> Self {
        SpiLuaError::Lua(e)
    }
}

impl CallContext for CallCtx<'_> {
    /// The hot path of every call that returns something: scalars go straight to the stack;
    /// strings and handles take the out-of-line path.
    #[inline]
    fn push(&self, value: luna_spi::Value<'_>) -> SpiResult<()> {
        let Some(v) = scalar(value) else {
            return self.push_object(value);
        };
        let Ok(mut st) = self.st.try_borrow_mut() else {
            return RResult::RErr(busy());
        };
        self.push_result(&mut st, v)
    }

    fn new_table(&self, narray: u32, nhash: u32) -> SpiResult<luna_spi::Value<'_>> {
        self.with(|st| {
            let t = st.new_table_with(narray.min(1 << 20) as usize, nhash.min(1 << 20) as usize);
            self.keep(st, Value::Table(t))
        })
    }

    fn get(
        &self,
        container: luna_spi::Value<'_>,
        key: luna_spi::Value<'_>,
    ) -> SpiResult<luna_spi::Value<'_>> {
        self.with(|st| {
            let c = self.to_lua(st, container)?;
            let k = self.to_lua(st, key)?;
            // Root a new key string while a metamethod may run.
            st.ensure_stack(1)?;
            st.push(k);
            let v = st.index(c, k)?;
            self.keep(st, v)
        })
    }

    fn set(
        &self,
        container: luna_spi::Value<'_>,
        key: luna_spi::Value<'_>,
        value: luna_spi::Value<'_>,
    ) -> SpiResult<()> {
        self.with(|st| {
            let c = self.to_lua(st, container)?;
            st.ensure_stack(2)?;
            let k = self.to_lua(st, key)?;
            st.push(k);
            let v = self.to_lua(st, value)?;
            st.push(v);
            st.set_index(c, k, v)?;
            Ok(())
        })
    }

    fn next(
        &self,
        table: luna_spi::Value<'_>,
        key: luna_spi::Value<'_>,
    ) -> SpiResult<ROption<Entry<'_>>> {
        self.with(|st| {
            let t = match self.to_lua(st, table)? {
                Value::Table(t) => t,
                _ => {
                    return Err(SpiLuaError::Spi(SpiError::invalid_input(
                        "'next' needs a table",
                    )));
                }
            };
            let k = self.to_lua(st, key)?;
            match Table::next(&t, k) {
                Ok(Some((k, v))) => {
                    let key = self.keep(st, k)?;
                    let value = self.keep(st, v)?;
                    Ok(ROption::RSome(Entry { key, value }))
                }
                Ok(None) => Ok(ROption::RNone),
                Err(()) => Err(SpiLuaError::Spi(SpiError::invalid_input(
                    "invalid key to 'next'",
                ))),
            }
        })
    }

    fn len(&self, value: luna_spi::Value<'_>) -> SpiResult<i64> {
        self.with(|st| {
            let v = self.to_lua(st, value)?;
            Ok(st.len_int(v)?)
        })
    }

    fn call(
        &self,
        function: luna_spi::Value<'_>,
        args: RSlice<'_, luna_spi::Value<'_>>,
    ) -> SpiResult<RVec<luna_spi::Value<'_>>> {
        self.with(|st| {
            let f = self.to_lua(st, function)?;
            st.ensure_stack(args.len() + 1)?;
            let func = st.abs_top();
            st.push(f);
            for &a in args.iter() {
                let v = self.to_lua(st, a)?;
                st.push(v);
            }
            st.call_at(func, -1)?;
            let n = st.abs_top() - func;
            let mut out = RVec::with_capacity(n);
            for slot in func..func + n {
                // SAFETY: the result stays in its slot until the call returns.
                out.push(unsafe { to_spi(st.stack_at(slot), slot) });
            }
            Ok(out)
        })
    }

    fn to_display(&self, value: luna_spi::Value<'_>) -> SpiResult<luna_spi::Value<'_>> {
        self.with(|st| {
            let v = self.to_lua(st, value)?;
            st.ensure_stack(1)?;
            st.push(v);
            let s = st.to_display(v)?;
            self.keep(st, Value::Str(s))
        })
    }

    fn error_value(&self, value: luna_spi::Value<'_>) -> SpiError {
        let r = self.with(|st| {
            let v = self.to_lua(st, value)?;
            st.ensure_stack(1)?;
            st.push(v);
            self.pending.set(Some(st.abs_top() - 1));
            Ok(())
        });
        match r {
            RResult::ROk(()) => SpiError::with_message(ErrorKind::LUA_ERROR, "error value"),
            RResult::RErr(e) => e,
        }
    }

    fn arg_error(&self, arg: u32, message: RStr<'_>) -> SpiError {
        let Ok(mut st) = self.st.try_borrow_mut() else {
            return busy();
        };
        let e = st.arg_error(arg as usize, message.as_str());
        self.record(&mut st, e)
    }

    fn check_permission(
        &self,
        permission: luna_spi::Permissions,
        target: RStr<'_>,
    ) -> SpiResult<()> {
        let target = target.as_str();
        let kinds = super::loader::manifest_kinds(permission);
        self.with(|st| {
            let r = st.with_host(|h| {
                for k in kinds {
                    match k {
                        PermissionKind::Read | PermissionKind::Write => {
                            h.ready_path(target.as_bytes(), &[k], true)?;
                        }
                        PermissionKind::Net => match NetTarget::parse(target) {
                            Some(t) => h.check_net(&t.host, t.port)?,
                            None => h.check_net(target, None)?,
                        },
                        PermissionKind::Env => h.check_env(target)?,
                        PermissionKind::Run => h.check_run(target.as_bytes())?,
                        PermissionKind::Native => {}
                    }
                }
                Ok::<(), super::HostError>(())
            });
            r.map_err(|e| {
                SpiLuaError::Spi(SpiError {
                    kind: if e.denied {
                        ErrorKind::PERMISSION_DENIED
                    } else {
                        ErrorKind::OTHER
                    },
                    code: e.errno,
                    message: e.message.into(),
                })
            })
        })
    }
}

/// How many module functions (the first registered in the process) are light native
/// functions of their own, each naming its index ([`call_direct`]); later ones are closures
/// holding their index ([`call_module_function`]).
const DIRECT_FUNCTIONS: usize = 512;

/// The entry of registered module function `I`: no closure or upvalue to read first.
#[inline(never)]
fn call_direct<const I: usize>(st: &mut State) -> LuaResult<usize> {
    call_registered(st, I)
}

macro_rules! direct_entries {
    ($($base:literal)*) => {
        [$([
            call_direct::<{ $base }>, call_direct::<{ $base + 1 }>,
            call_direct::<{ $base + 2 }>, call_direct::<{ $base + 3 }>,
            call_direct::<{ $base + 4 }>, call_direct::<{ $base + 5 }>,
            call_direct::<{ $base + 6 }>, call_direct::<{ $base + 7 }>,
            call_direct::<{ $base + 8 }>, call_direct::<{ $base + 9 }>,
            call_direct::<{ $base + 10 }>, call_direct::<{ $base + 11 }>,
            call_direct::<{ $base + 12 }>, call_direct::<{ $base + 13 }>,
            call_direct::<{ $base + 14 }>, call_direct::<{ $base + 15 }>,
        ]),*]
    };
}

/// `call_direct::<I>` for every `I` below [`DIRECT_FUNCTIONS`], in rows of 16.
static DIRECT: [[NativeFn; 16]; DIRECT_FUNCTIONS / 16] = direct_entries!(
    0 16 32 48 64 80 96 112 128 144 160 176 192 208 224 240
    256 272 288 304 320 336 352 368 384 400 416 432 448 464 480 496
);

/// The native closure behind a module function registered after the direct ones.
fn call_module_function(st: &mut State) -> LuaResult<usize> {
    // The running closure sits just below its first argument.
    let first = st.abs_index(1);
    let id = match st.stack_at(first - 1) {
        Value::NativeClosure(c) => match c.upvalues().first() {
            Some(&Value::Int(id)) => id as usize,
            _ => return Err(bad_function(st)),
        },
        _ => return Err(bad_function(st)),
    };
    call_registered(st, id)
}

/// Calls registered module function `id` with the running frame's arguments.
#[inline(never)]
fn call_registered(st: &mut State, id: usize) -> LuaResult<usize> {
    let first = st.abs_index(1);
    let Some(target) = FUNCTIONS.get(id).and_then(OnceLock::get) else {
        return Err(bad_function(st));
    };
    let func = target.func;
    let module: &LoadedModule = &target.module;
    if module.is_dead_checked(false) {
        return Err(dead(st, module));
    }
    let th = st.thread();
    let Some(arg_values) = th.stack.get(first..th.top) else {
        return Err(bad_function(st));
    };
    let n = arg_values.len();
    if n > MAX_INLINE_ARGS {
        return call_with_many_args(st, first, func, module);
    }
    // The arguments on the Rust stack.
    let mut inline = [const { MaybeUninit::<luna_spi::Value<'_>>::uninit() }; MAX_INLINE_ARGS];
    for (i, (slot, &v)) in inline.iter_mut().zip(arg_values).enumerate() {
        // Numbers, the usual arguments, first: each arm writes only what its variant holds.
        match v {
            Value::Int(x) => slot.write(luna_spi::Value::Int(x)),
            Value::Float(x) => slot.write(luna_spi::Value::Float(x)),
            // SAFETY: the arguments stay in their slots until the call returns.
            v => slot.write(unsafe { to_spi(v, first + i) }),
        };
    }
    // SAFETY: the loop initialised the first `n` elements.
    let args =
        unsafe { std::slice::from_raw_parts(inline.as_ptr().cast::<luna_spi::Value<'_>>(), n) };
    invoke(st, first, func, module, args)
}

/// How many arguments a call converts on the Rust stack; more go to a vector.
const MAX_INLINE_ARGS: usize = 8;

/// [`call_module_function`] with more arguments than fit on the Rust stack.
#[cold]
#[inline(never)]
fn call_with_many_args(
    st: &mut State,
    first: usize,
    func: EntryPoint,
    module: &LoadedModule,
) -> LuaResult<usize> {
    let th = st.thread();
    let args: Vec<luna_spi::Value<'_>> = th.stack[first..th.top]
        .iter()
        .enumerate()
        // SAFETY: the arguments stay in their slots until the call returns.
        .map(|(i, &v)| unsafe { to_spi(v, first + i) })
        .collect();
    invoke(st, first, func, module, &args)
}

/// Calls a module function's entry point with its converted arguments, then leaves its
/// results at the top of the stack (or raises its error).
#[inline(always)]
fn invoke(
    st: &mut State,
    first: usize,
    func: EntryPoint,
    module: &LoadedModule,
    args: &[luna_spi::Value<'_>],
) -> LuaResult<usize> {
    let mut ctx = CallCtx {
        st: RefCell::new(st),
        first,
        first_result: Cell::new(0),
        n_results: Cell::new(0),
        is_scattered: Cell::new(false),
        dirty: Cell::new(false),
        scattered: RefCell::new(None),
        pending: Cell::new(None),
        uncatchable: Cell::new(None),
    };
    let results = Results::new();
    let kernel = CallContext_TO::from_ptr(RRef::new(&ctx), TD_Opaque);
    let r = match func {
        EntryPoint::Buffered(f) => f(kernel, RSlice::from_slice(args), &results),
        EntryPoint::Pushing(f) => f(kernel, RSlice::from_slice(args)),
    };
    // Nothing but results was pushed (results land apart only around something else): they
    // are the top `k` slots already, and the buffered ones follow them.
    if r.is_ok() && !ctx.dirty.get() {
        let k = ctx.n_results.get();
        let n = results.len();
        if n > 0 {
            push_buffered(ctx.st.get_mut(), &results);
        }
        // Not dirty: the context holds no error, no pending value and no slot list, so
        // there is nothing to drop.
        debug_assert!(ctx.scattered.borrow().is_none() && !ctx.is_scattered.get());
        std::mem::forget(ctx);
        // `Ok`: nothing to drop either.
        std::mem::forget(r);
        return Ok(k + n);
    }
    finish(ctx, r, &results, module)
}

/// Appends a call's buffered results (scalars) to the stack.
#[inline(always)]
fn push_buffered(st: &mut State, results: &Results) {
    // Only scalars are ever buffered.
    st.push_each(results.len(), |i| scalar(results.get(i)).unwrap_or(Value::Nil));
}

/// The Lua value of a scalar ABI value (nil, boolean, number); `None` for strings and
/// handles, which need the state.
#[inline(always)]
fn scalar(v: luna_spi::Value<'_>) -> Option<Value> {
    match v {
        luna_spi::Value::Nil => Some(Value::Nil),
        luna_spi::Value::Bool(b) => Some(Value::Bool(b)),
        luna_spi::Value::Int(i) => Some(Value::Int(i)),
        luna_spi::Value::Float(f) => Some(Value::Float(f)),
        _ => None,
    }
}

#[cold]
fn bad_function(st: &mut State) -> LuaError {
    st.error("bad module function")
}

#[cold]
fn dead(st: &mut State, module: &LoadedModule) -> LuaError {
    st.error(&module.dead_message())
}

/// The end of a call that pushed temporaries or failed: results moved to the top, or the
/// module's error raised.
#[cold]
#[inline(never)]
fn finish(
    ctx: CallCtx<'_>,
    r: SpiResult<()>,
    results: &Results,
    module: &LoadedModule,
) -> LuaResult<usize> {
    let Ok(mut st) = ctx.st.try_borrow_mut() else {
        unreachable!("the context is not borrowed once the module returned")
    };
    let st: &mut State = &mut st;
    let (pending, uncatchable) = (&ctx.pending, &ctx.uncatchable);
    match r {
        RResult::ROk(()) => {
            let k = ctx.n_results.get();
            let buffered = results.len();
            if !ctx.is_scattered.get() && (k == 0 || ctx.first_result.get() + k == st.abs_top()) {
                st.ensure_stack(buffered)?;
                push_buffered(st, results);
                return Ok(k + buffered);
            }
            let scattered = ctx.scattered.borrow();
            st.ensure_stack(k + buffered)?;
            if let Some(scattered) = scattered.as_ref() {
                for &slot in scattered.iter() {
                    let v = st.stack_at(slot);
                    st.push(v);
                }
            } else {
                let first = ctx.first_result.get();
                for slot in first..first + k {
                    let v = st.stack_at(slot);
                    st.push(v);
                }
            }
            push_buffered(st, results);
            Ok(k + buffered)
        }
        RResult::RErr(e) => {
            if let Some(u) = uncatchable.get() {
                return Err(u);
            }
            let msg = e.message().to_string();
            match e.kind {
                ErrorKind::LUA_ERROR => match pending.get() {
                    Some(slot) => {
                        let v = st.stack_at(slot);
                        Err(st.throw(v))
                    }
                    None => Err(st.error(&msg)),
                },
                ErrorKind::PANICKED => {
                    module.mark_dead();
                    Err(st.error(&format!(
                        "native module '{}' panicked: {}",
                        module.name(),
                        msg.trim_start_matches("module panicked: ")
                    )))
                }
                ErrorKind::POISONED => {
                    module.mark_dead();
                    Err(st.error(&module.dead_message()))
                }
                _ => Err(st.error(&msg)),
            }
        }
    }
}

impl State {
    /// A table of a module's functions (what `require` returns for it), left on the stack.
    /// Fails only when the process registered too many module functions.
    pub fn push_native_module_table(
        &mut self,
        module: &Arc<LoadedModule>,
    ) -> Result<Gc<Table>, String> {
        let ids = register_functions(module)?;
        let funcs = module_functions(module);
        let t = self.new_table_with(0, funcs.len());
        self.push(Value::Table(t));
        for (&(name, _), &id) in funcs.iter().zip(ids) {
            let f = if id < DIRECT_FUNCTIONS {
                Value::Native(DIRECT[id / 16][id % 16])
            } else {
                // A script could swap this upvalue (`debug.setupvalue`) for another index:
                // the closure would then call another registered function, never an
                // invalid one.
                Value::NativeClosure(
                    self.new_native_closure(call_module_function, vec![Value::Int(id as i64)]),
                )
            };
            self.push(f);
            let k = self.str_value(name);
            self.push(k);
            let _ = self.raw_set(t, k, f);
            self.pop();
            self.pop();
        }
        Ok(t)
    }
}
