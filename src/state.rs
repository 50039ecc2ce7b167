//! The embedding state: [`Lua`] owns a kernel state, [`LuaState`] is the view every API
//! method takes (the host gets it through `Deref`, Rust callbacks get it as an argument).
//!
//! Invariants:
//! - `LuaState` is `#[repr(transparent)]` over the kernel's `State`, so the `&mut State` a
//!   native function receives can be viewed as `&mut LuaState` and callbacks use the same API
//!   as the host.
//! - The API's own bookkeeping (`Extra`: free handle slots, the unref queue, limits, pending
//!   panics, traceback stashes, per-type userdata metatables) lives in a userdata in the
//!   registry under a light-userdata key, with the handle table as its user value. It is
//!   reached through an `Rc` clone and never borrowed across anything that can run Lua.
//! - Every API method leaves the running thread's stack top as it found it (`preserve`,
//!   which also restores it when a panic unwinds through).
//! - Values live on the stack (or in handles) whenever Lua code can run; raw `Value`s never
//!   reach embedders except through the `unsafe` escape hatch [`LuaState::as_raw_mut`].
//! - Every call into Lua is a protected call with a message handler that records a
//!   traceback. Catchable errors come back as [`Error`]s. An uncatchable one (a limit, an
//!   interrupt, a callback's panic) is unwound where it is observed: at the host's top level
//!   with the kernel's `reset_after_uncatchable`; inside a callback with
//!   `unwind_after_uncatchable`, and the state is marked *tripped* so that the callback cannot
//!   swallow it: every further call into Lua fails at once and the callback's return raises it
//!   again, until control is back at the host's top level.
//!
//! Panics: a panic in a callback must not unwind through the VM's Rust frames (the kernel's
//! bookkeeping between them would be left half-done). The trampoline catches it, stores the
//! payload, and unwinds the VM with an uncatchable error; the outermost API call the host
//! made then resumes the panic with `std::panic::resume_unwind`. Panics in the `Drop` of a
//! userdata's Rust value or of a callback's captures (which run inside the collector) are
//! caught and resumed the same way.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use luna_interp::call::MULTRET;
use luna_interp::host::Permissions;
use luna_interp::table::Table as RawTable;
use luna_interp::{CallStatus, Gc, LimitKind, LuaError, LuaResult, NativeFn, State, Value};

use crate::conversion::{FromLua, FromLuaMulti, IntoLua, IntoLuaMulti, StackIndex};
use crate::error::{Error, Result};
use crate::value::{
    AnyUserData, Function, LightUserData, LuaString, LuaValue, Ref, RefInner, RegistryKey, Table,
    Thread, UnrefQueue,
};

/// A panic payload waiting to resume in the host.
pub(crate) type PanicSlot = RefCell<Option<Box<dyn Any + Send>>>;

/// How many Rust errors raised into Lua are remembered for [`Error::CallbackError`].
const MAX_CALLBACK_ERRORS: usize = 16;

/// The registry key of the API's bookkeeping (a light userdata: a unique address).
static EXTRA_KEY: u8 = 0;

fn extra_key() -> Value {
    Value::LightUserData(&EXTRA_KEY as *const u8 as usize)
}

pub(crate) struct Extra {
    pub(crate) queue: Arc<UnrefQueue>,
    free: Vec<i64>,
    next_slot: i64,
    pub(crate) panic: Rc<PanicSlot>,
    /// An uncatchable error seen inside a callback, to re-raise until the host's top level.
    tripped: Option<LimitKind>,
    instruction_limit: Option<u64>,
    memory_limit: Option<usize>,
    /// The traceback the message handler recorded for the error being caught.
    last_traceback: Option<String>,
    /// The traceback of an error a callback re-raises, for the handler to reuse.
    reraise_traceback: Option<String>,
    /// Strings raised into Lua for Rust errors: (address, text, the Rust error).
    callback_errors: Vec<(usize, Vec<u8>, Arc<Error>)>,
    /// Handle slots of the userdata metatables, by Rust type.
    pub(crate) type_metatables: HashMap<TypeId, Ref>,
}

impl Extra {
    fn new() -> Extra {
        Extra {
            queue: Arc::new(UnrefQueue::default()),
            free: Vec::new(),
            next_slot: 0,
            panic: Rc::new(RefCell::new(None)),
            tripped: None,
            instruction_limit: None,
            memory_limit: None,
            last_traceback: None,
            reraise_traceback: None,
            callback_errors: Vec::new(),
            type_metatables: HashMap::new(),
        }
    }
}

struct ExtraBox(Rc<RefCell<Extra>>);

/// Drops a value inside `catch_unwind`, storing a panic for the host (used for values the
/// collector drops: userdata contents and callbacks).
pub(crate) struct PanicGuarded<T> {
    pub(crate) value: Option<T>,
    slot: Rc<PanicSlot>,
}

impl<T> PanicGuarded<T> {
    pub(crate) fn new(value: T, slot: Rc<PanicSlot>) -> PanicGuarded<T> {
        PanicGuarded {
            value: Some(value),
            slot,
        }
    }
}

impl<T> Drop for PanicGuarded<T> {
    fn drop(&mut self) {
        if let Some(v) = self.value.take() {
            if let Err(p) = std::panic::catch_unwind(AssertUnwindSafe(move || drop(v))) {
                store_panic(&self.slot, p);
            }
        }
    }
}

fn store_panic(slot: &PanicSlot, payload: Box<dyn Any + Send>) {
    if let Ok(mut s) = slot.try_borrow_mut() {
        if s.is_none() {
            *s = Some(payload);
        }
    }
}

/// The type of boxed callbacks: gets the number of arguments (frame slots `1..=n`), pushes
/// its results and returns their count.
pub(crate) type RawCallback = dyn Fn(&mut LuaState, usize) -> Result<usize> + Send;

pub(crate) struct CallbackBox(pub(crate) PanicGuarded<Rc<RawCallback>>);

/// A Lua state owned by the host: the kernel state with (for [`Lua::new`]) the standard
/// libraries. Every API method is on [`LuaState`], which `Lua` dereferences to.
///
/// A `Lua` is `Send`: it can move to another thread (each thread may run its own states), but
/// it is not `Sync`.
pub struct Lua {
    inner: Box<LuaState>,
    // Declared after `inner`: dropped after the state, so panics from finalizers and from
    // dropped userdata during the state's shutdown can resume.
    _panic_check: PanicCheck,
}

struct PanicCheck(Rc<PanicSlot>);

impl Drop for PanicCheck {
    fn drop(&mut self) {
        let payload = self.0.borrow_mut().take();
        if let Some(p) = payload {
            if !std::thread::panicking() {
                std::panic::resume_unwind(p);
            }
        }
    }
}

// SAFETY: a state owns every object in its heap and nothing in it is shared with anything
// outside it, so moving the whole state to another thread moves everything that refers to
// its data:
// - heap objects point only to each other and to the state's own buffers; prototypes share
//   `Rc<FnProto>`/`Rc<[u8]>` only with other prototypes of the same state (each `load`
//   creates fresh ones; there is no cache shared between states);
// - the `Rc`s this crate keeps (callbacks, userdata cells, the API's bookkeeping and its
//   panic slot) are cloned only inside the state, into `Lua` itself, and into guards that
//   borrow the state (so they cannot outlive a move);
// - userdata contents and callbacks put in by this API must be `Send`; the kernel's own
//   userdata (files, pattern iterators, the random generator) hold `Send` data; the warning
//   function can only be set through the `unsafe` escape hatch;
// - handles hold only an `Arc` (atomic) to the unref queue and a slot number;
// - the interrupt flag is an `Arc<AtomicBool>`.
// `Lua` is not `Sync`: shared references to it must stay on one thread.
unsafe impl Send for Lua {}

impl Lua {
    /// A state with the standard libraries open and no permissions: scripts compute and
    /// print, but reach no file, network, environment variable or subprocess until the host
    /// grants it ([`LuaState::set_permissions`]).
    pub fn new() -> Lua {
        Lua::with_permissions(Permissions::none())
    }

    /// A state with the standard libraries open and these permissions
    /// (`Permissions::all()` gives what the `lua` command line allows).
    pub fn with_permissions(permissions: Permissions) -> Lua {
        let mut lua = Lua::new_bare();
        lua.inner.0.set_permissions(permissions);
        luna_stdlib::open_libs(&mut lua.inner.0)
            .expect("opening the standard libraries does not fail");
        lua
    }

    /// A state with no libraries at all (an empty global table) and no permissions.
    pub fn new_bare() -> Lua {
        let mut st = State::new();
        st.set_permissions(Permissions::none());
        // SAFETY: `LuaState` is `#[repr(transparent)]` over `State`, so the allocation has
        // the same layout; ownership moves from one box to the other.
        let mut inner: Box<LuaState> = unsafe { Box::from_raw(Box::into_raw(st) as *mut LuaState) };
        let (extra, _) = inner.ctx();
        let slot = extra.borrow().panic.clone();
        Lua {
            inner,
            _panic_check: PanicCheck(slot),
        }
    }
}

impl Default for Lua {
    fn default() -> Lua {
        Lua::new()
    }
}

impl std::ops::Deref for Lua {
    type Target = LuaState;
    fn deref(&self) -> &LuaState {
        &self.inner
    }
}

impl std::ops::DerefMut for Lua {
    fn deref_mut(&mut self) -> &mut LuaState {
        &mut self.inner
    }
}

/// The API of a Lua state. The host reaches it through [`Lua`]; Rust callbacks receive it
/// as their first argument.
#[repr(transparent)]
pub struct LuaState(pub(crate) State);

/// A handle another thread can use to interrupt the Lua code running in a state: the code
/// stops with [`Error::Limit`]`(`[`LimitKind::Interrupted`]`)` at its next call or backward
/// jump. A request made while no Lua code runs stops the next code that runs.
#[derive(Clone)]
pub struct InterruptHandle(Arc<AtomicBool>);

impl InterruptHandle {
    /// Asks the running (or next) Lua code to stop.
    pub fn interrupt(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Withdraws a request that no Lua code has seen yet.
    pub fn reset(&self) {
        self.0.store(false, Ordering::Relaxed);
    }

    pub fn is_pending(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

impl std::fmt::Debug for InterruptHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "InterruptHandle({})", self.is_pending())
    }
}

// ---------------------------------------------------------------------------------------
// Native functions the API calls in protected mode.

/// The message handler of the API's protected calls: records a traceback, keeps the value.
fn traceback_handler(st: &mut State) -> LuaResult<usize> {
    let lua = LuaState::from_raw_mut(st);
    let (extra, _) = lua.ctx();
    let stashed = extra.borrow_mut().reraise_traceback.take();
    let tb = match stashed {
        Some(t) => t,
        None => {
            let th = lua.0.current_thread();
            String::from_utf8_lossy(&lua.0.traceback(th, None, 1)).into_owned()
        }
    };
    extra.borrow_mut().last_traceback = Some(tb);
    if lua.0.arg_count() == 0 {
        lua.0.push_nil();
    }
    lua.0.set_top(1);
    Ok(1)
}

/// The trampoline of every Rust callback: upvalue 1 is the userdata holding the closure.
pub(crate) fn callback_trampoline(st: &mut State) -> LuaResult<usize> {
    let cb = match st.upvalue(1) {
        Value::UserData(u) => u
            .downcast_ref::<CallbackBox>()
            .and_then(|b| b.0.value.clone()),
        _ => None,
    };
    let Some(cb) = cb else {
        return Err(st.error("Rust callback is missing (its upvalue was replaced)"));
    };
    let lua = LuaState::from_raw_mut(st);
    let (extra, _) = lua.ctx();
    let (stop, memory_limit) = LuaState::entry_state(&extra);
    drop(extra);
    if let Some(kind) = stop {
        return Err(LuaError::Limit(kind));
    }
    if memory_limit.is_some_and(|limit| lua.0.memory_used() > limit) {
        if let Err(e) = lua.check_memory(false) {
            return Err(lua.raise(e));
        }
    }
    let nargs = lua.0.arg_count();
    let r = std::panic::catch_unwind(AssertUnwindSafe(move || {
        let r = cb(lua, nargs);
        drop(cb);
        r
    }));
    let lua = LuaState::from_raw_mut(st);
    match r {
        Ok(Ok(n)) => match lua.pending_stop() {
            Some(kind) => Err(LuaError::Limit(kind)),
            None => Ok(n),
        },
        Ok(Err(e)) => Err(lua.raise(e)),
        Err(payload) => {
            let (extra, _) = lua.ctx();
            let slot = extra.borrow().panic.clone();
            store_panic(&slot, payload);
            Err(LuaError::Limit(LimitKind::Interrupted))
        }
    }
}

pub(crate) fn op_index(st: &mut State) -> LuaResult<usize> {
    let v = st.index(st.arg(1), st.arg(2))?;
    st.push(v);
    Ok(1)
}

pub(crate) fn op_newindex(st: &mut State) -> LuaResult<usize> {
    st.set_index(st.arg(1), st.arg(2), st.arg(3))?;
    Ok(0)
}

pub(crate) fn op_len(st: &mut State) -> LuaResult<usize> {
    let n = st.len_int(st.arg(1))?;
    st.push_int(n);
    Ok(1)
}

pub(crate) fn op_equals(st: &mut State) -> LuaResult<usize> {
    let b = st.equals(st.arg(1), st.arg(2))?;
    st.push_bool(b);
    Ok(1)
}

pub(crate) fn op_tostring(st: &mut State) -> LuaResult<usize> {
    let s = st.to_display(st.arg(1))?;
    st.push(Value::Str(s));
    Ok(1)
}

impl LuaState {
    /// Views a kernel state as the embedding API (for native functions written against the
    /// kernel API that want to use this one).
    pub fn from_raw_mut(st: &mut State) -> &mut LuaState {
        // SAFETY: `LuaState` is `#[repr(transparent)]` over `State`.
        unsafe { &mut *(st as *mut State as *mut LuaState) }
    }

    /// The kernel state underneath, for what this API does not cover.
    ///
    /// # Safety
    /// The kernel API hands out raw `Value`s and `Gc` pointers that are only valid while
    /// rooted (see the kernel's rooting rule), and it can store data that is not `Send` in
    /// the state (userdata contents, the warning function), which would make moving the
    /// [`Lua`] to another thread unsound. The caller must keep both rules and must leave the
    /// stack as it found it.
    pub unsafe fn as_raw_mut(&mut self) -> &mut State {
        &mut self.0
    }

    // ----------------------------------------------------------------- bookkeeping

    fn lookup_ctx(&self) -> Option<(Rc<RefCell<Extra>>, Gc<RawTable>)> {
        let reg = self.0.registry();
        let Value::UserData(u) = reg.get(extra_key()) else {
            return None;
        };
        let extra = u.downcast_ref::<ExtraBox>()?.0.clone();
        let Some(Value::Table(h)) = u.user_values().first().copied() else {
            return None;
        };
        Some((extra, h))
    }

    /// The API's bookkeeping and handle table (created on first use).
    pub(crate) fn ctx(&mut self) -> (Rc<RefCell<Extra>>, Gc<RawTable>) {
        if let Some(c) = self.lookup_ctx() {
            return c;
        }
        let extra = Rc::new(RefCell::new(Extra::new()));
        // No collection can happen between these allocations and the registry store.
        let handles = self.0.new_table();
        let u = self.0.new_userdata(Box::new(ExtraBox(extra.clone())), 1);
        self.0.set_user_value(u, 1, Value::Table(handles));
        let reg = self.0.registry();
        let _ = self.0.raw_set(reg, extra_key(), Value::UserData(u));
        (extra, handles)
    }

    pub(crate) fn panic_slot(&mut self) -> Rc<PanicSlot> {
        let (extra, _) = self.ctx();
        let slot = extra.borrow().panic.clone();
        slot
    }

    /// Frees the slots of dropped handles.
    fn drain_unrefs(&mut self) {
        let (extra, handles) = self.ctx();
        let mut e = extra.borrow_mut();
        for slot in e.queue.take() {
            self.0.raw_set_int(handles, slot, Value::Nil);
            e.free.push(slot);
        }
    }

    /// Roots `v` in a new handle slot.
    pub(crate) fn new_ref(&mut self, v: Value) -> Ref {
        let (extra, handles) = self.ctx();
        let mut e = extra.borrow_mut();
        for slot in e.queue.take() {
            self.0.raw_set_int(handles, slot, Value::Nil);
            e.free.push(slot);
        }
        let slot = match e.free.pop() {
            Some(s) => s,
            None => {
                e.next_slot += 1;
                e.next_slot
            }
        };
        self.0.raw_set_int(handles, slot, v);
        let addr = match v {
            Value::Native(f) => f as usize,
            other => other.identity().unwrap_or(0),
        };
        Ref(Arc::new(RefInner {
            slot,
            addr,
            queue: e.queue.clone(),
        }))
    }

    /// The value a handle roots.
    pub(crate) fn ref_value(&self, r: &Ref) -> Result<Value> {
        let (extra, handles) = self.lookup_ctx().ok_or(Error::MismatchedState)?;
        if !Arc::ptr_eq(&extra.borrow().queue, &r.0.queue) {
            return Err(Error::MismatchedState);
        }
        Ok(handles.get_int(r.0.slot))
    }

    pub(crate) fn table_raw(&self, t: &Table) -> Result<Gc<RawTable>> {
        match self.ref_value(&t.0)? {
            Value::Table(t) => Ok(t),
            _ => Err(Error::MismatchedState),
        }
    }

    /// Converts a rooted raw value (on the stack or in a handle) to a `LuaValue`.
    pub(crate) fn lua_value_of(&mut self, v: Value) -> LuaValue {
        match v {
            Value::Nil => LuaValue::Nil,
            Value::Bool(b) => LuaValue::Boolean(b),
            Value::Int(i) => LuaValue::Integer(i),
            Value::Float(x) => LuaValue::Number(x),
            Value::Str(s) => LuaValue::String(LuaString::new(s.as_bytes())),
            Value::Table(_) => LuaValue::Table(Table(self.new_ref(v))),
            Value::LuaFn(_) | Value::Native(_) | Value::NativeClosure(_) => {
                LuaValue::Function(Function(self.new_ref(v)))
            }
            Value::UserData(_) => LuaValue::UserData(AnyUserData(self.new_ref(v))),
            Value::Thread(_) => LuaValue::Thread(Thread(self.new_ref(v))),
            Value::LightUserData(p) => LuaValue::LightUserData(LightUserData(p)),
        }
    }

    // ----------------------------------------------------------------- the stack

    pub(crate) fn top(&self) -> usize {
        self.0.abs_top()
    }

    pub(crate) fn set_top(&mut self, abs: usize) {
        let base = self.0.abs_index(1);
        if abs >= base {
            self.0.set_top(abs - base);
        }
    }

    /// Runs `f` and puts the stack top back where it was (also when `f` panics).
    pub(crate) fn preserve<R>(&mut self, f: impl FnOnce(&mut LuaState) -> R) -> R {
        struct Guard<'a>(&'a mut LuaState, usize);
        impl Drop for Guard<'_> {
            fn drop(&mut self) {
                let t = self.1;
                self.0.set_top(t);
            }
        }
        let top = self.top();
        let g = Guard(self, top);
        f(&mut *g.0)
    }

    /// Makes room for `n` more values, failing cleanly beyond Lua's stack limit.
    pub(crate) fn reserve(&mut self, n: usize) -> Result<()> {
        if self.top() + n + luna_interp::thread::MIN_STACK > luna_interp::thread::MAX_STACK {
            return Err(Error::runtime("stack overflow"));
        }
        self.0
            .ensure_stack(n)
            .map_err(|_| Error::runtime("stack overflow"))
    }

    pub(crate) fn push_raw(&mut self, v: Value) -> Result<()> {
        self.reserve(1)?;
        self.0.push(v);
        Ok(())
    }

    pub(crate) fn push_ref(&mut self, r: &Ref) -> Result<()> {
        let v = self.ref_value(r)?;
        self.push_raw(v)
    }

    pub(crate) fn push_value(&mut self, v: &LuaValue) -> Result<()> {
        let raw = match v {
            LuaValue::Nil => Value::Nil,
            LuaValue::Boolean(b) => Value::Bool(*b),
            LuaValue::Integer(i) => Value::Int(*i),
            LuaValue::Number(x) => Value::Float(*x),
            LuaValue::String(s) => self.0.str_value(s.as_bytes()),
            LuaValue::Table(t) => self.ref_value(&t.0)?,
            LuaValue::Function(f) => self.ref_value(&f.0)?,
            LuaValue::UserData(u) => self.ref_value(&u.0)?,
            LuaValue::Thread(t) => self.ref_value(&t.0)?,
            LuaValue::LightUserData(p) => Value::LightUserData(p.0),
        };
        self.push_raw(raw)
    }

    /// The value at a stack slot; nil above the top (a stale index never reads a dead slot).
    pub(crate) fn raw_at(&self, idx: StackIndex) -> Value {
        if idx.0 < self.top() {
            self.0.stack_at(idx.0)
        } else {
            Value::Nil
        }
    }

    /// The table at a stack slot (re-read after anything that ran Rust or Lua code).
    pub(crate) fn table_at(&self, idx: StackIndex) -> Result<Gc<RawTable>> {
        match self.raw_at(idx) {
            Value::Table(t) => Ok(t),
            _ => Err(Error::runtime("table being built was replaced")),
        }
    }

    /// Pushes a new table holding the items as a sequence.
    pub(crate) fn push_sequence<V: IntoLua>(
        &mut self,
        iter: impl IntoIterator<Item = V>,
    ) -> Result<()> {
        let it = iter.into_iter();
        let t = self.0.new_table_with(it.size_hint().0, 0);
        self.push_raw(Value::Table(t))?;
        let tslot = self.top_index();
        for (i, v) in it.enumerate() {
            v.push_into_stack(self)?;
            let val = self.0.pop();
            let t = self.table_at(tslot)?;
            self.0.raw_set_int(t, i as i64 + 1, val);
        }
        Ok(())
    }

    pub(crate) fn stack_value(&mut self, idx: StackIndex) -> LuaValue {
        let v = self.raw_at(idx);
        self.lua_value_of(v)
    }

    /// The slot of the stack top value.
    pub(crate) fn top_index(&self) -> StackIndex {
        StackIndex(self.top() - 1)
    }

    /// The first argument slot of the running native frame.
    pub(crate) fn arg_base(&self) -> StackIndex {
        StackIndex(self.0.abs_index(1))
    }

    // ----------------------------------------------------------------- calling into Lua

    /// Pushes the message handler and `f`; returns the function's slot for `pcall_raw`.
    pub(crate) fn begin_call(&mut self, f: Value) -> Result<usize> {
        self.reserve(2)?;
        self.0.push(Value::Native(traceback_handler));
        let func = self.top();
        self.0.push(f);
        Ok(func)
    }

    /// Pushes the handler and the native `f` with raw arguments.
    pub(crate) fn call_op(&mut self, f: NativeFn, args: &[Value], nresults: i32) -> Result<usize> {
        let func = self.begin_call(Value::Native(f))?;
        self.reserve(args.len())?;
        for a in args {
            self.0.push(*a);
        }
        self.pcall_raw(func, nresults)?;
        Ok(func)
    }

    /// Calls the function at `func` (the handler below it, arguments above it up to the top)
    /// in protected mode; its results replace it. Returns the number of results.
    pub(crate) fn pcall_raw(&mut self, func: usize, nresults: i32) -> Result<usize> {
        let outer = self.enter()?;
        let nframes = self.0.frame_count() + 1;
        let r = match self.0.pcall_k(func, nresults, func - 1, None, 0) {
            Ok(CallStatus::Error(kind)) => {
                let v = self.0.stack_at(func);
                Err(self.caught_error(kind, v))
            }
            Ok(_) => Ok(self.top() - func),
            Err(e) => Err(self.uncaught(e, outer, nframes, func - 1)),
        };
        self.leave(outer);
        r
    }

    /// Whether the host is at its top level (no Lua or native code running).
    fn at_top_level(&self) -> bool {
        self.0.is_main_thread() && self.0.frame_count() == 0
    }

    /// Prepares a call into Lua; returns whether it is the host's outermost one.
    pub(crate) fn enter(&mut self) -> Result<bool> {
        let outer = self.at_top_level();
        let (extra, handles) = self.ctx();
        let memory_limit = if outer {
            // A panic left over from the collector (a userdata's `Drop`) surfaces now.
            let pending = extra.borrow().panic.borrow_mut().take();
            if let Some(p) = pending {
                std::panic::resume_unwind(p);
            }
            let (freed, instruction_limit, memory_limit) = {
                let mut e = extra.borrow_mut();
                e.tripped = None;
                e.last_traceback = None;
                e.reraise_traceback = None;
                e.callback_errors.clear();
                (e.queue.take(), e.instruction_limit, e.memory_limit)
            };
            for &slot in &freed {
                self.0.raw_set_int(handles, slot, Value::Nil);
            }
            extra.borrow_mut().free.extend(freed);
            if instruction_limit.is_some() {
                self.0.set_instruction_limit(instruction_limit);
            }
            memory_limit
        } else {
            let (stop, memory_limit) = Self::entry_state(&extra);
            if let Some(kind) = stop {
                return Err(self.stop_error(kind));
            }
            memory_limit
        };
        if let Some(limit) = memory_limit {
            if self.0.memory_used() > limit {
                self.check_memory(outer)?;
            }
        }
        Ok(outer)
    }

    /// What stops code inside a callback (a pending panic or a tripped limit), and the
    /// memory limit.
    fn entry_state(extra: &RefCell<Extra>) -> (Option<LimitKind>, Option<usize>) {
        let e = extra.borrow();
        let stop = if e.panic.borrow().is_some() {
            Some(LimitKind::Interrupted)
        } else {
            e.tripped
        };
        (stop, e.memory_limit)
    }

    /// After a call into Lua: at the host's top level, resumes a panic caught meanwhile.
    pub(crate) fn leave(&mut self, outer: bool) {
        if !outer {
            return;
        }
        let (extra, _) = self.ctx();
        let payload = {
            let mut e = extra.borrow_mut();
            e.tripped = None;
            let p = e.panic.borrow_mut().take();
            p
        };
        if let Some(p) = payload {
            std::panic::resume_unwind(p);
        }
    }

    /// What stops code inside a callback: a pending panic or a tripped limit.
    fn pending_stop(&mut self) -> Option<LimitKind> {
        let (extra, _) = self.ctx();
        let e = extra.borrow();
        if e.panic.borrow().is_some() {
            return Some(LimitKind::Interrupted);
        }
        e.tripped
    }

    fn stop_error(&mut self, kind: LimitKind) -> Error {
        let (extra, _) = self.ctx();
        let panicking = extra.borrow().panic.borrow().is_some();
        if panicking {
            Error::CallbackPanicked
        } else {
            Error::Limit(kind)
        }
    }

    fn trip(&mut self, kind: LimitKind) {
        let (extra, _) = self.ctx();
        let mut e = extra.borrow_mut();
        if e.tripped.is_none() {
            e.tripped = Some(kind);
        }
    }

    /// Enforces the memory limit (at calls into Lua and callback entries).
    fn check_memory(&mut self, outer: bool) -> Result<()> {
        let (extra, _) = self.ctx();
        let limit = extra.borrow().memory_limit;
        let Some(limit) = limit else { return Ok(()) };
        if self.0.memory_used() <= limit {
            return Ok(());
        }
        if !self.0.gc_in_finalizer() {
            self.drain_unrefs();
            self.0.full_gc();
        }
        if self.0.memory_used() <= limit {
            return Ok(());
        }
        if !outer {
            self.trip(LimitKind::Memory);
        }
        Err(Error::Limit(LimitKind::Memory))
    }

    /// `uncaught` for `resume` and `close_thread`, which leave no frames on the caller.
    pub(crate) fn uncaught_from_resume(&mut self, e: LuaError, outer: bool, level: usize) -> Error {
        let nframes = self.0.frame_count() + 1;
        self.uncaught(e, outer, nframes, level)
    }

    /// The error for an uncatchable kernel error; unwinds what the interrupted code left.
    fn uncaught(&mut self, e: LuaError, outer: bool, nframes: usize, level: usize) -> Error {
        let kind = match e {
            LuaError::Limit(k) => k,
            // A yield cannot cross a protected call without continuation; be defensive.
            _ => LimitKind::Interrupted,
        };
        if outer {
            self.0.reset_after_uncatchable(level);
        } else {
            self.0.unwind_after_uncatchable(nframes, level);
            self.trip(kind);
        }
        self.stop_error(kind)
    }

    /// The error for a caught Lua error whose value `v` is rooted on the stack.
    pub(crate) fn caught_error(&mut self, kind: LuaError, v: Value) -> Error {
        let (extra, _) = self.ctx();
        let traceback = extra.borrow_mut().last_traceback.take();
        match kind {
            LuaError::Memory => Error::Memory,
            LuaError::Syntax => {
                let message = match v {
                    Value::Str(s) => s.to_string_lossy(),
                    _ => "syntax error".to_string(),
                };
                let incomplete_input = message.ends_with("<eof>");
                Error::Syntax {
                    message,
                    incomplete_input,
                }
            }
            _ => self.error_from_value(v, traceback),
        }
    }

    fn error_from_value(&mut self, v: Value, traceback: Option<String>) -> Error {
        match v {
            Value::Str(s) => {
                let (extra, _) = self.ctx();
                let found = {
                    let mut e = extra.borrow_mut();
                    let pos = e.callback_errors.iter().position(|(addr, text, _)| {
                        *addr == s.addr() && text.as_slice() == s.as_bytes()
                    });
                    pos.map(|i| e.callback_errors.remove(i).2)
                };
                let message = s.to_string_lossy();
                match found {
                    Some(cause) => Error::CallbackError {
                        message,
                        traceback,
                        cause,
                    },
                    None => Error::Runtime { message, traceback },
                }
            }
            Value::Int(_) | Value::Float(_) => {
                let message = match self.0.coerce_to_str(v) {
                    Some(s) => s.to_string_lossy(),
                    None => String::new(),
                };
                Error::Runtime { message, traceback }
            }
            other => {
                let type_name = self.0.type_name_of(other);
                let key = RegistryKey(self.new_ref(other));
                Error::Value {
                    value: key,
                    type_name,
                    traceback,
                }
            }
        }
    }

    /// Raises `e` into Lua from a callback (the value Lua code sees).
    pub(crate) fn raise(&mut self, e: Error) -> LuaError {
        if let Some(kind) = self.pending_stop() {
            return LuaError::Limit(kind);
        }
        match e {
            Error::Limit(kind) => {
                self.trip(kind);
                LuaError::Limit(kind)
            }
            Error::CallbackPanicked => LuaError::Limit(LimitKind::Interrupted),
            Error::Memory => {
                let v = self.0.str_value("not enough memory");
                let _ = self.0.throw(v);
                LuaError::Memory
            }
            Error::Runtime { message, traceback } => {
                let v = self.0.str_value(message.as_bytes());
                self.throw_with_traceback(v, traceback)
            }
            Error::Value {
                value, traceback, ..
            } => match self.ref_value(&value.0) {
                Ok(v) => {
                    if self.push_raw(v).is_err() {
                        return self.0.error("stack overflow");
                    }
                    self.throw_with_traceback(v, traceback)
                }
                Err(e) => self.0.error(&e.to_string()),
            },
            Error::Syntax { message, .. } => {
                let v = self.0.str_value(message.as_bytes());
                self.0.throw(v)
            }
            Error::CallbackError {
                message,
                traceback,
                cause,
            } => {
                let v = self.0.str_value(message.as_bytes());
                self.remember_callback_error(v, cause);
                self.throw_with_traceback(v, traceback)
            }
            Error::BadArgument { position, cause } => {
                let msg = crate::error::lua_message(&cause);
                self.0.arg_error(position, &msg)
            }
            other => {
                let mut msg = self.0.where_(1).into_bytes();
                msg.extend_from_slice(other.to_string().as_bytes());
                let v = self.0.str_value(&msg);
                self.remember_callback_error(v, Arc::new(other));
                self.0.throw(v)
            }
        }
    }

    fn remember_callback_error(&mut self, v: Value, cause: Arc<Error>) {
        let Value::Str(s) = v else { return };
        let (extra, _) = self.ctx();
        let mut e = extra.borrow_mut();
        if e.callback_errors.len() >= MAX_CALLBACK_ERRORS {
            e.callback_errors.remove(0);
        }
        e.callback_errors
            .push((s.addr(), s.as_bytes().to_vec(), cause));
    }

    fn throw_with_traceback(&mut self, v: Value, traceback: Option<String>) -> LuaError {
        let (extra, _) = self.ctx();
        extra.borrow_mut().reraise_traceback = traceback;
        let r = self.0.throw(v);
        extra.borrow_mut().reraise_traceback = None;
        r
    }

    // ----------------------------------------------------------------- globals and values

    /// The global table.
    pub fn globals(&mut self) -> Table {
        let g = self.0.globals();
        Table(self.new_ref(Value::Table(g)))
    }

    /// Sets global `name` (through the global table's metamethods, if any).
    pub fn set_global(&mut self, name: &str, value: impl IntoLua) -> Result<()> {
        let g = self.globals();
        g.set(self, name, value)
    }

    /// Reads global `name` (through the global table's metamethods, if any).
    pub fn get_global<V: FromLua>(&mut self, name: &str) -> Result<V> {
        let g = self.globals();
        g.get(self, name)
    }

    /// Converts a Rust value to a Lua value.
    pub fn pack(&mut self, v: impl IntoLua) -> Result<LuaValue> {
        v.into_lua(self)
    }

    /// Converts a Lua value to a Rust value.
    pub fn unpack<V: FromLua>(&mut self, v: LuaValue) -> Result<V> {
        V::from_lua(v, self)
    }

    /// Converts Rust values to Lua values.
    pub fn pack_multi(&mut self, v: impl IntoLuaMulti) -> Result<crate::MultiValue> {
        v.into_lua_multi(self)
    }

    /// Converts Lua values to Rust values.
    pub fn unpack_multi<V: FromLuaMulti>(&mut self, v: crate::MultiValue) -> Result<V> {
        V::from_lua_multi(v, self)
    }

    /// `tostring(v)`: the text of any value, with `__tostring` and `__name`.
    pub fn to_string(&mut self, v: impl IntoLua) -> Result<LuaString> {
        self.preserve(|lua| {
            let func = lua.begin_call(Value::Native(op_tostring))?;
            v.push_into_stack(lua)?;
            lua.pcall_raw(func, 1)?;
            LuaString::from_stack(lua, StackIndex(func))
        })
    }

    /// A new empty table.
    pub fn create_table(&mut self) -> Result<Table> {
        self.create_table_with_capacity(0, 0)
    }

    /// A new table with room for `narray` sequence items and `nhash` other entries.
    pub fn create_table_with_capacity(&mut self, narray: usize, nhash: usize) -> Result<Table> {
        let t = self.0.new_table_with(narray, nhash);
        Ok(Table(self.new_ref(Value::Table(t))))
    }

    /// A new table with these key-value pairs (set raw).
    pub fn create_table_from<K: IntoLua, V: IntoLua>(
        &mut self,
        iter: impl IntoIterator<Item = (K, V)>,
    ) -> Result<Table> {
        self.preserve(|lua| {
            crate::conversion::push_map_entries(lua, iter.into_iter(), 0)?;
            let v = lua.raw_at(lua.top_index());
            Ok(Table(lua.new_ref(v)))
        })
    }

    /// A new table holding these values as a sequence `1..=n`.
    pub fn create_sequence_from<V: IntoLua>(
        &mut self,
        iter: impl IntoIterator<Item = V>,
    ) -> Result<Table> {
        self.preserve(|lua| {
            lua.push_sequence(iter)?;
            let v = lua.raw_at(lua.top_index());
            Ok(Table(lua.new_ref(v)))
        })
    }

    /// A Lua string with these bytes (strings are values: this is an owned copy).
    pub fn create_string(&mut self, bytes: impl AsRef<[u8]>) -> Result<LuaString> {
        Ok(LuaString::new(bytes.as_ref()))
    }

    /// A new coroutine running `func`.
    pub fn create_thread(&mut self, func: &Function) -> Result<Thread> {
        let f = self.ref_value(&func.0)?;
        let co = self.0.new_thread(f);
        Ok(Thread(self.new_ref(Value::Thread(co))))
    }

    // ----------------------------------------------------------------- the registry

    /// Keeps a value alive in the registry until the key is dropped.
    pub fn create_registry_value(&mut self, v: impl IntoLua) -> Result<RegistryKey> {
        self.preserve(|lua| {
            v.push_into_stack(lua)?;
            let raw = lua.raw_at(lua.top_index());
            Ok(RegistryKey(lua.new_ref(raw)))
        })
    }

    /// The value a registry key holds.
    pub fn registry_value<V: FromLua>(&mut self, key: &RegistryKey) -> Result<V> {
        self.preserve(|lua| {
            lua.push_ref(&key.0)?;
            V::from_stack(lua, lua.top_index())
        })
    }

    /// Replaces the value a registry key holds.
    pub fn replace_registry_value(&mut self, key: &RegistryKey, v: impl IntoLua) -> Result<()> {
        self.ref_value(&key.0)?;
        self.preserve(|lua| {
            v.push_into_stack(lua)?;
            let raw = lua.raw_at(lua.top_index());
            let (_, handles) = lua.ctx();
            lua.0.raw_set_int(handles, key.0 .0.slot, raw);
            Ok(())
        })
    }

    /// Frees a registry value now (dropping the key frees it at the next API call).
    pub fn remove_registry_value(&mut self, key: RegistryKey) -> Result<()> {
        self.ref_value(&key.0)?;
        drop(key);
        self.drain_unrefs();
        Ok(())
    }

    /// Stores a value in the registry under a name (as C code uses `LUA_REGISTRYINDEX`).
    pub fn set_named_registry_value(&mut self, name: &str, v: impl IntoLua) -> Result<()> {
        self.preserve(|lua| {
            v.push_into_stack(lua)?;
            let raw = lua.raw_at(lua.top_index());
            let reg = lua.0.registry();
            lua.0.raw_set_str(reg, name, raw);
            Ok(())
        })
    }

    /// A value stored in the registry under a name.
    pub fn named_registry_value<V: FromLua>(&mut self, name: &str) -> Result<V> {
        self.preserve(|lua| {
            let reg = lua.0.registry();
            let v = lua.0.raw_get_str(reg, name);
            lua.push_raw(v)?;
            V::from_stack(lua, lua.top_index())
        })
    }

    // ----------------------------------------------------------------- limits and the collector

    /// A handle to interrupt running code from another thread.
    pub fn interrupt_handle(&self) -> InterruptHandle {
        InterruptHandle(self.0.interrupt_handle())
    }

    /// Limits each call from the host into Lua (`exec`, `call`, `resume`...) to `limit` VM
    /// instructions, callbacks' nested calls included; `None` removes the limit. Running
    /// out stops the script with [`Error::Limit`]`(`[`LimitKind::Instructions`]`)`.
    pub fn set_instruction_limit(&mut self, limit: Option<u64>) {
        let (extra, _) = self.ctx();
        extra.borrow_mut().instruction_limit = limit;
        self.0.set_instruction_limit(limit);
    }

    /// Limits the heap to `bytes` (`None`: no limit). Exceeding it (after a full collection)
    /// stops the script with [`Error::Limit`]`(`[`LimitKind::Memory`]`)`.
    ///
    /// The limit is checked when the host calls into Lua and whenever Lua calls a Rust
    /// callback; code that allocates without calling any Rust function is not checked
    /// until the kernel enforces the limit at its own safepoints.
    pub fn set_memory_limit(&mut self, bytes: Option<usize>) {
        let (extra, _) = self.ctx();
        extra.borrow_mut().memory_limit = bytes;
        self.0.set_memory_limit(bytes.unwrap_or(0));
    }

    /// Runs a full garbage collection (`collectgarbage()`), finalizers included.
    pub fn gc_collect(&mut self) -> Result<()> {
        if self.0.gc_in_finalizer() {
            return Ok(());
        }
        self.preserve(|lua| {
            let outer = lua.enter()?;
            lua.drain_unrefs();
            lua.0.full_gc();
            lua.leave(outer);
            Ok(())
        })
    }

    /// Does one incremental step of `kb` kilobytes of work; returns true when a cycle ended.
    pub fn gc_step(&mut self, kb: i64) -> Result<bool> {
        if self.0.gc_in_finalizer() {
            return Ok(false);
        }
        self.preserve(|lua| {
            let outer = lua.enter()?;
            lua.drain_unrefs();
            let done = lua.0.gc_step_kb(kb);
            lua.leave(outer);
            Ok(done)
        })
    }

    /// Stops the automatic collector (`collectgarbage("stop")`).
    pub fn gc_stop(&mut self) {
        self.0.gc_stop();
    }

    /// Restarts the automatic collector.
    pub fn gc_restart(&mut self) {
        self.0.gc_restart();
    }

    /// Kilobytes in use, as `collectgarbage("count")` reports them.
    pub fn gc_count(&self) -> f64 {
        self.0.memory_used() as f64 / 1024.0
    }

    /// Bytes in use by the heap.
    pub fn used_memory(&self) -> usize {
        self.0.memory_used()
    }

    // ----------------------------------------------------------------- misc

    /// Sets where `warn` messages go: `f(message_piece, more_pieces_follow)`; `None` restores
    /// the default (stderr, after `warn("@on")`).
    pub fn set_warning_function(&mut self, f: Option<impl FnMut(&[u8], bool) + Send + 'static>) {
        self.0
            .set_warn_fn(f.map(|f| Box::new(f) as Box<dyn FnMut(&[u8], bool)>));
    }

    /// Replaces what the state's scripts may reach (files, network, environment,
    /// subprocesses, native modules).
    pub fn set_permissions(&mut self, permissions: Permissions) {
        self.0.set_permissions(permissions);
    }

    /// What the state's scripts may reach.
    pub fn permissions(&mut self) -> Permissions {
        self.0.permissions()
    }

    /// Whether loading binary (precompiled) chunks is allowed (it is by default).
    pub fn set_binary_chunks_allowed(&mut self, allowed: bool) {
        self.0.set_binary_chunks_allowed(allowed);
    }
}

/// The result count placeholder for "all results".
pub(crate) const ALL: i32 = MULTRET;
