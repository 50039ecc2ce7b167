//! The interpreter state: the heap, the interned strings, the registry, the threads, and the
//! primitives every other part of the kernel builds on (object creation, raw table access with
//! write barriers, the running thread's stack).
//!
//! Rooting: the collector's roots are the main thread, the running thread, the registry (which
//! holds the globals and everything the embedding API keeps), the per-type metatables, the
//! metamethod names and `error_value`. Everything reachable from them survives a collection.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::error::{LuaError, LuaResult};
use crate::function::{LuaClosure, NativeClosure, NativeFn, Proto, UpVal};
use crate::gc::{Gc, GcObject, Heap, FIXED};
use crate::opcodes::TagMethod;
use crate::string::{new_string, LuaStr, StringTable};
use crate::table::Table;
use crate::thread::{Thread, MIN_STACK};
use crate::userdata::UserData;
use crate::value::{LuaType, Value};

/// What a native function with a continuation gets when it resumes (`lua_KFunction`'s status).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallStatus {
    /// The call completed normally (no yield happened).
    Ok,
    /// The call completed after the coroutine yielded and was resumed.
    Yielded,
    /// The protected call failed; the error value is on the stack top.
    Error(LuaError),
}

/// A native continuation: runs when a call made by a native function finishes after the
/// native's own Rust frame was unwound by a yield (see `State::call_k`).
pub type Continuation = fn(&mut State, CallStatus, isize) -> LuaResult<usize>;

/// Lua's cap on nested native calls (`LUAI_MAXCCALLS`).
pub const MAX_NATIVE_DEPTH: u32 = 200;

/// Registry slots with fixed meanings.
pub const REGISTRY_MAIN_THREAD: i64 = 1;
pub const REGISTRY_GLOBALS: i64 = 2;

type WarnFn = Box<dyn FnMut(&[u8], bool)>;

/// A Lua state: one heap, one registry, one set of globals, any number of threads.
pub struct State {
    pub(crate) heap: Heap,
    pub(crate) strings: StringTable,
    pub(crate) main_thread: Gc<Thread>,
    /// The running thread.
    pub(crate) cur: Gc<Thread>,
    pub(crate) registry: Gc<Table>,
    pub(crate) globals: Gc<Table>,
    pub(crate) type_mt: [Option<Gc<Table>>; LuaType::COUNT],
    pub(crate) tm_names: Vec<Gc<LuaStr>>,
    /// The error being propagated (see `error.rs`).
    pub(crate) error_value: Value,
    /// Nested native calls in progress (Rust recursion depth of the kernel).
    pub(crate) n_ccalls: u32,
    pub(crate) interrupt: Arc<AtomicBool>,
    /// Remaining instruction budget (checked at backward jumps and calls), if limited.
    pub(crate) instr_budget: Option<u64>,
    pub(crate) warn_fn: Option<WarnFn>,
    pub(crate) warn_on: bool,
    pub(crate) warn_continued: bool,
    /// Set when a hook, an interrupt or a budget needs the VM's attention at every
    /// instruction or jump.
    pub(crate) trap: bool,
    /// Whether loading binary chunks is allowed.
    pub(crate) allow_binary: bool,
    /// Native functions known by name, for tracebacks and argument errors of natives that
    /// were not called through a named variable.
    pub(crate) gc_finalizing: bool,
    /// The heap outgrew its limit at the last collection step; the VM raises the limit
    /// error at its next instruction.
    pub(crate) memory_exceeded: bool,
    /// Set with `interrupt` when the interrupt is a catchable one (the command line's Ctrl-C).
    pub(crate) soft_interrupt: Arc<AtomicBool>,
    pub(crate) stress: bool,
}

impl State {
    /// A fresh state with an empty global table and no libraries.
    pub fn new() -> Box<State> {
        let mut heap = Heap::new();
        let seed = {
            // Vary the string hash seed between states (addresses differ under ASLR).
            let local = 0u8;
            let addr = &local as *const u8 as usize;
            let t = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as usize)
                .unwrap_or(0);
            ((addr ^ t ^ (t >> 32)) as u32) | 1
        };
        let strings = StringTable::new(seed);
        let main_thread = heap.alloc(Thread::new_raw(), 0);
        main_thread.list_index.set(heap.threads.len());
        heap.threads.push(main_thread.header_ptr());
        let registry = heap.alloc(Table::new_raw(2, 4), 0);
        let globals = heap.alloc(Table::new_raw(0, 64), 0);
        let mut st = Box::new(State {
            heap,
            strings,
            main_thread,
            cur: main_thread,
            registry,
            globals,
            type_mt: [None; LuaType::COUNT],
            tm_names: Vec::new(),
            error_value: Value::Nil,
            n_ccalls: 0,
            interrupt: Arc::new(AtomicBool::new(false)),
            instr_budget: None,
            warn_fn: None,
            warn_on: false,
            warn_continued: false,
            trap: false,
            allow_binary: true,
            gc_finalizing: false,
            memory_exceeded: false,
            soft_interrupt: Arc::new(AtomicBool::new(false)),
            stress: cfg!(feature = "gc-stress"),
        });
        {
            let th = st.thread();
            th.status = crate::thread::ThreadStatus::Running;
            th.started = true;
            th.nny = 1; // the main thread can never yield
        }
        let bytes = registry.buffer_bytes() + globals.buffer_bytes() + main_thread.buffer_bytes();
        st.heap.add_bytes(bytes);
        st.raw_set_int(registry, REGISTRY_MAIN_THREAD, Value::Thread(main_thread));
        st.raw_set_int(registry, REGISTRY_GLOBALS, Value::Table(globals));
        for tm in TagMethod::ALL {
            let s = st.intern_fixed(tm.name().as_bytes());
            st.tm_names.push(s);
        }
        st
    }

    // ------------------------------------------------------------------ threads and stack

    /// The running thread. The reference is not tied to `self`: the thread is a heap object,
    /// not part of the state, and stays alive while it runs. Callers must not keep it across
    /// a thread switch (`resume`) and must re-derive stack slots after the stack may grow.
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub(crate) fn thread<'a>(&self) -> &'a mut Thread {
        // SAFETY: the running thread is alive (a root), and the kernel never holds two
        // references to it across a call that takes another.
        unsafe { &mut *self.cur.as_ptr() }
    }

    pub fn main_thread(&self) -> Gc<Thread> {
        self.main_thread
    }

    pub fn current_thread(&self) -> Gc<Thread> {
        self.cur
    }

    pub fn is_main_thread(&self) -> bool {
        self.cur.ptr_eq(self.main_thread)
    }

    /// Makes sure `n` more slots are available above the stack top. Raises "stack overflow".
    #[inline]
    pub fn ensure_stack(&mut self, n: usize) -> LuaResult<()> {
        let th = self.thread();
        let needed = th.top + n;
        if needed <= th.stack.len() {
            return Ok(());
        }
        self.grow_stack_to(needed)
    }

    #[cold]
    pub(crate) fn grow_stack_to(&mut self, needed: usize) -> LuaResult<()> {
        let th = self.thread();
        if th.stack.len() > crate::thread::MAX_STACK {
            // Already using the reserve for handling a stack overflow.
            self.error_value = self.str_value("error in error handling");
            return Err(LuaError::ErrorInHandler);
        }
        if th.grow_stack(&mut self.heap, needed, false) {
            return Ok(());
        }
        // Give the error handling its reserve, then raise the error.
        let th = self.thread();
        th.grow_stack(&mut self.heap, crate::thread::MAX_STACK + crate::thread::ERROR_STACK_EXTRA, true);
        Err(self.runtime_error("stack overflow"))
    }

    /// Pushes a value on the running thread's stack.
    #[inline]
    pub fn push(&mut self, v: Value) {
        let th = self.thread();
        if th.top >= th.stack.len() {
            self.grow_for_push();
        }
        let th = self.thread();
        debug_assert!(th.top < th.stack.len());
        // SAFETY: the stack has a slot at `top` (grown just above if it had not).
        unsafe { *th.stack.get_unchecked_mut(th.top) = v };
        th.top += 1;
    }

    /// Pushes `f(0)`, ..., `f(n - 1)` (a few values: `n` at most the reserve a native
    /// function is guaranteed), checking the stack's room once.
    #[inline(always)]
    pub(crate) fn push_each(&mut self, n: usize, mut f: impl FnMut(usize) -> Value) {
        debug_assert!(n <= MIN_STACK);
        let th = self.thread();
        if th.top + n > th.stack.len() {
            self.grow_for_push();
        }
        let th = self.thread();
        let top = th.top;
        debug_assert!(top + n <= th.stack.len());
        for i in 0..n {
            // SAFETY: the stack has `n` slots from `top` (grown just above if it had not:
            // growing leaves at least `MIN_STACK` free).
            unsafe { *th.stack.get_unchecked_mut(top + i) = f(i) };
        }
        th.top = top + n;
    }

    /// `push` on a full stack: grows it by the usual reserve.
    #[cold]
    #[inline(never)]
    fn grow_for_push(&mut self) {
        let th = self.thread();
        let needed = th.top + MIN_STACK;
        th.grow_unchecked(&mut self.heap, needed, needed);
    }

    /// Pops the stack top.
    #[inline]
    pub fn pop(&mut self) -> Value {
        let th = self.thread();
        let base = th.frame().base;
        if th.top > base {
            th.top -= 1;
            th.stack[th.top]
        } else {
            Value::Nil
        }
    }

    // ------------------------------------------------------------------ object creation

    /// A string with these bytes (interned if short).
    #[inline]
    pub fn new_str(&mut self, bytes: &[u8]) -> Gc<LuaStr> {
        if self.stress {
            self.heap.debt = self.heap.debt.max(1);
        }
        new_string(&mut self.strings, &mut self.heap, bytes)
    }

    /// A string value.
    #[inline]
    pub fn str_value(&mut self, bytes: impl AsRef<[u8]>) -> Value {
        Value::Str(self.new_str(bytes.as_ref()))
    }

    /// An interned string that is never collected.
    pub(crate) fn intern_fixed(&mut self, bytes: &[u8]) -> Gc<LuaStr> {
        let s = self.strings.intern(&mut self.heap, bytes);
        if s.header().marked.get() & FIXED == 0 {
            self.heap.fix_object(s.header_ptr());
        }
        s
    }

    /// A new table with room for `narray` array items and `nhash` other entries.
    pub fn new_table_with(&mut self, narray: usize, nhash: usize) -> Gc<Table> {
        let t = Table::new_raw(narray, nhash);
        let extra = t.buffer_bytes();
        self.heap.alloc(t, extra)
    }

    pub fn new_table(&mut self) -> Gc<Table> {
        self.new_table_with(0, 0)
    }

    pub fn new_native_closure(&mut self, f: NativeFn, upvals: Vec<Value>) -> Gc<NativeClosure> {
        let n = upvals.len();
        self.heap.alloc(
            NativeClosure {
                hdr: crate::gc::GcHeader::new(crate::gc::ObjKind::NativeClosure, 0),
                f,
                upvals: upvals.into_boxed_slice(),
            },
            n * std::mem::size_of::<Value>(),
        )
    }

    pub(crate) fn new_lua_closure(&mut self, proto: Gc<Proto>, upvals: Box<[Gc<UpVal>]>) -> Gc<LuaClosure> {
        let n = upvals.len();
        self.heap.alloc(
            LuaClosure {
                hdr: crate::gc::GcHeader::new(crate::gc::ObjKind::LuaClosure, 0),
                proto,
                upvals,
            },
            n * std::mem::size_of::<usize>(),
        )
    }

    /// A closed upvalue holding `v`.
    pub(crate) fn new_closed_upval(&mut self, v: Value) -> Gc<UpVal> {
        let uv = self.heap.alloc(
            UpVal {
                hdr: crate::gc::GcHeader::new(crate::gc::ObjKind::UpVal, 0),
                v: std::cell::Cell::new(std::ptr::null_mut()),
                closed: std::cell::Cell::new(v),
                stack_index: std::cell::Cell::new(0),
                open: std::cell::Cell::new(false),
                owner: std::cell::Cell::new(std::ptr::null_mut()),
            },
            0,
        );
        uv.v.set(uv.closed.as_ptr());
        uv
    }

    /// A new userdata holding `data`, with `nuv` user values.
    pub fn new_userdata(&mut self, data: Box<dyn std::any::Any>, nuv: usize) -> Gc<UserData> {
        self.heap.alloc(
            UserData {
                hdr: crate::gc::GcHeader::new(crate::gc::ObjKind::UserData, 0),
                metatable: None,
                user_values: vec![Value::Nil; nuv].into_boxed_slice(),
                data,
            },
            nuv * std::mem::size_of::<Value>() + 32,
        )
    }

    /// A new coroutine whose body is `f` (not yet started).
    pub fn new_thread(&mut self, f: Value) -> Gc<Thread> {
        let mut th = Thread::new_raw();
        th.stack[th.top] = f;
        th.top += 1;
        th.hook = self.thread().hook;
        th.hook_mask = self.thread().hook_mask;
        th.base_hook_count = self.thread().base_hook_count;
        th.hook_count = th.base_hook_count;
        let extra = th.buffer_bytes();
        let t = self.heap.alloc(th, extra);
        t.list_index.set(self.heap.threads.len());
        self.heap.threads.push(t.header_ptr());
        t
    }

    // ------------------------------------------------------------------ raw table access

    /// Raw `t[k]`.
    #[inline]
    pub fn raw_get(&self, t: Gc<Table>, k: Value) -> Value {
        t.get(k)
    }

    #[inline]
    pub fn raw_get_int(&self, t: Gc<Table>, i: i64) -> Value {
        t.get_int(i)
    }

    /// Raw `t[name]` for a Rust string key.
    pub fn raw_get_str(&mut self, t: Gc<Table>, name: &str) -> Value {
        let k = self.new_str(name.as_bytes());
        t.get_str(k)
    }

    /// Raw `t[k] = v`; errors for nil and NaN keys with Lua's messages.
    #[inline]
    pub fn raw_set(&mut self, t: Gc<Table>, k: Value, v: Value) -> LuaResult<()> {
        // SAFETY: `t` is alive (rooted by the caller); the borrow is local.
        let r = unsafe { t.get_mut() }.set(&mut self.heap, k, v);
        match r {
            Ok(()) => {
                self.barrier_table(t, k, v);
                Ok(())
            }
            Err(e) => Err(self.runtime_error(e.message())),
        }
    }

    #[inline]
    pub fn raw_set_int(&mut self, t: Gc<Table>, i: i64, v: Value) {
        // SAFETY: as in `raw_set`.
        unsafe { t.get_mut() }.set_int(&mut self.heap, i, v);
        self.barrier_value(t, v);
    }

    /// Raw `t[name] = v` for a Rust string key.
    pub fn raw_set_str(&mut self, t: Gc<Table>, name: &str, v: Value) {
        let k = self.new_str(name.as_bytes());
        // SAFETY: as in `raw_set`.
        unsafe { t.get_mut() }.set_str(&mut self.heap, k, v);
        self.barrier_table(t, Value::Str(k), v);
    }

    /// The write barrier for a table that received key `k` and value `v`.
    #[inline(always)]
    pub(crate) fn barrier_table(&mut self, t: Gc<Table>, k: Value, v: Value) {
        if t.header().is_black() && (is_white(k) || is_white(v)) {
            self.heap.barrier_back(t.header_ptr());
        }
    }

    #[inline(always)]
    pub(crate) fn barrier_value(&mut self, t: Gc<Table>, v: Value) {
        if t.header().is_black() && is_white(v) {
            self.heap.barrier_back(t.header_ptr());
        }
    }

    /// Sets a table's metatable (raw; `setmetatable` checks `__metatable` itself).
    pub fn set_table_metatable(&mut self, t: Gc<Table>, mt: Option<Gc<Table>>) {
        // SAFETY: `t` is alive; the borrow is local.
        unsafe { t.get_mut() }.metatable = mt;
        if let Some(m) = mt {
            self.barrier_forward(t.header_ptr(), Value::Table(m));
            self.check_finalizer(Value::Table(t), m);
        }
    }

    pub fn set_userdata_metatable(&mut self, u: Gc<UserData>, mt: Option<Gc<Table>>) {
        // SAFETY: `u` is alive; the borrow is local.
        unsafe { u.get_mut() }.metatable = mt;
        if let Some(m) = mt {
            self.barrier_forward(u.header_ptr(), Value::Table(m));
            self.check_finalizer(Value::UserData(u), m);
        }
    }

    /// Sets user value `n` (1-based) of a userdata; false if it has no such slot.
    pub fn set_user_value(&mut self, u: Gc<UserData>, n: usize, v: Value) -> bool {
        if n == 0 || n > u.user_values.len() {
            return false;
        }
        // SAFETY: `u` is alive; the borrow is local.
        unsafe { u.get_mut() }.user_values[n - 1] = v;
        self.barrier_forward(u.header_ptr(), v);
        true
    }

    /// The metatable for values of a basic type (strings, numbers...).
    pub fn type_metatable(&self, ty: LuaType) -> Option<Gc<Table>> {
        self.type_mt[ty as usize]
    }

    pub fn set_type_metatable(&mut self, ty: LuaType, mt: Option<Gc<Table>>) {
        self.type_mt[ty as usize] = mt;
    }

    /// The metatable of any value.
    #[inline]
    pub fn metatable_of(&self, v: Value) -> Option<Gc<Table>> {
        match v {
            Value::Table(t) => t.metatable,
            Value::UserData(u) => u.metatable,
            other => self.type_mt[other.type_of() as usize],
        }
    }

    pub fn registry(&self) -> Gc<Table> {
        self.registry
    }

    pub fn globals(&self) -> Gc<Table> {
        self.globals
    }

    /// Replaces the global table (also in the registry).
    pub fn set_globals(&mut self, g: Gc<Table>) {
        self.globals = g;
        self.raw_set_int(self.registry, REGISTRY_GLOBALS, Value::Table(g));
    }

    /// A global variable, raw.
    pub fn get_global(&mut self, name: &str) -> Value {
        let g = self.globals;
        self.raw_get_str(g, name)
    }

    /// Sets a global variable, raw.
    pub fn set_global(&mut self, name: &str, v: Value) {
        let g = self.globals;
        self.raw_set_str(g, name, v);
    }

    /// Registers a native function as a global.
    pub fn register(&mut self, name: &str, f: NativeFn) {
        self.set_global(name, Value::Native(f));
    }

    /// The interned name of a metamethod event.
    #[inline(always)]
    pub(crate) fn tm_name(&self, tm: TagMethod) -> Gc<LuaStr> {
        // SAFETY: `tm_names` has one entry per TagMethod, filled in `new`.
        unsafe { *self.tm_names.get_unchecked(tm as usize) }
    }

    // ------------------------------------------------------------------ limits and interrupts

    /// A handle another thread can use to interrupt running code (Ctrl-C, timeouts).
    pub fn interrupt_handle(&self) -> Arc<AtomicBool> {
        self.interrupt.clone()
    }

    #[inline(always)]
    pub(crate) fn interrupted(&self) -> bool {
        self.interrupt.load(Ordering::Relaxed)
    }

    /// A handle that, set before the interrupt handle, makes the interrupt an ordinary error
    /// `pcall` can catch (the command line's Ctrl-C, as in `lua`) rather than an uncatchable
    /// limit error (timeouts, embedders' interrupts).
    pub fn soft_interrupt_handle(&self) -> Arc<AtomicBool> {
        self.soft_interrupt.clone()
    }

    /// Limits the number of VM instructions (checked at jumps and calls); `None` removes it.
    pub fn set_instruction_limit(&mut self, limit: Option<u64>) {
        self.instr_budget = limit;
        self.update_trap();
    }

    /// Limits the heap size in bytes (0: unlimited).
    pub fn set_memory_limit(&mut self, bytes: usize) {
        self.heap.limit_bytes = bytes;
    }

    /// Whether `load` accepts binary chunks.
    pub fn set_binary_chunks_allowed(&mut self, allowed: bool) {
        self.allow_binary = allowed;
    }

    pub(crate) fn update_trap(&mut self) {
        self.trap = self.instr_budget.is_some() || self.memory_exceeded || self.any_thread_hooked();
    }

    // ------------------------------------------------------------------ warnings

    /// Sets where `warn` messages go (pieces and whether more pieces follow).
    pub fn set_warn_fn(&mut self, f: Option<WarnFn>) {
        self.warn_fn = f;
    }

    /// Emits a warning piece (`lua_warning`): control messages `@on`/`@off` switch warnings.
    pub fn warning(&mut self, msg: &[u8], to_continue: bool) {
        if let Some(f) = self.warn_fn.as_mut() {
            f(msg, to_continue);
            return;
        }
        if !self.warn_continued && !to_continue && msg.first() == Some(&b'@') {
            match msg {
                b"@on" => self.warn_on = true,
                b"@off" => self.warn_on = false,
                _ => {}
            }
            return;
        }
        if self.warn_on {
            use std::io::Write;
            let mut err = std::io::stderr().lock();
            if !self.warn_continued {
                let _ = err.write_all(b"Lua warning: ");
            }
            let _ = err.write_all(msg);
            if !to_continue {
                let _ = err.write_all(b"\n");
            }
        }
        self.warn_continued = to_continue;
    }

    /// Bytes in use by the heap.
    pub fn memory_used(&self) -> usize {
        self.heap.total_bytes
    }
}

/// True for a collectable value whose object is currently white.
#[inline(always)]
pub(crate) fn is_white(v: Value) -> bool {
    match v {
        Value::Str(s) => s.header().is_white(),
        Value::Table(t) => t.header().is_white(),
        Value::LuaFn(f) => f.header().is_white(),
        Value::NativeClosure(f) => f.header().is_white(),
        Value::UserData(u) => u.header().is_white(),
        Value::Thread(t) => t.header().is_white(),
        _ => false,
    }
}

/// The header of a collectable value.
#[inline(always)]
pub(crate) fn header_of(v: Value) -> Option<std::ptr::NonNull<crate::gc::GcHeader>> {
    match v {
        Value::Str(s) => Some(s.header_ptr()),
        Value::Table(t) => Some(t.header_ptr()),
        Value::LuaFn(f) => Some(f.header_ptr()),
        Value::NativeClosure(f) => Some(f.header_ptr()),
        Value::UserData(u) => Some(u.header_ptr()),
        Value::Thread(t) => Some(t.header_ptr()),
        _ => None,
    }
}

impl Drop for State {
    fn drop(&mut self) {
        self.close_state();
    }
}

/// Keeps `GcObject` in scope for the helper traits used by callers of this module.
#[allow(dead_code)]
fn _assert_objects<T: GcObject>() {}
