//! The garbage-collected heap: object headers, `Gc<T>` pointers, allocation and accounting.
//!
//! Every heap object is a `#[repr(C)]` struct whose first field is a `GcHeader`; a `Gc<T>` is a
//! raw, `Copy`, non-null pointer to such a struct. The collector (`collect.rs`) is a precise,
//! non-moving, incremental tri-colour mark-and-sweep in the manner of Lua 5.4:
//!
//! - Colours live in `GcHeader::marked`: one of two whites (which one means "garbage" flips
//!   every cycle, so objects created during a sweep survive it), gray (marked, children not yet
//!   traversed: neither white nor black) and black (marked and traversed).
//! - The tri-colour invariant: during propagation no black object points to a white one. Writes
//!   keep it with barriers: a table that receives a white value while black turns gray again
//!   (`barrier_back`), other objects (upvalues, metatables, user values) mark the white value
//!   (`barrier_forward`). Thread stacks are never black: they are re-scanned in the atomic phase,
//!   so stack writes need no barrier.
//! - Objects are linked in lists through `GcHeader::next`: `allgc` (ordinary objects), `finobj`
//!   (objects with a `__gc` metamethod), `tobefnz` (unreachable objects waiting for their
//!   finalizer) and `fixed` (never collected: metamethod names and reserved words).
//!
//! In generational mode (`collectgarbage("generational")`, the command line's default as in
//! `lua`), objects surviving two minor collections become old and stay black; new objects and
//! survivors of one minor collection (`SURVIVAL`, white again) live on the `young` list. A
//! minor collection marks from the roots, every thread stack, the old objects written since
//! the last collection (the write barriers put them back on `gray_again`: the remembered set),
//! and, once more, what the last minor collection promoted or found remembered (`gen_promoted`,
//! `gen_touched`: they may refer to survivors); then it sweeps only the young list.
//! A major collection (when the heap has grown by `gen_major_mul` percent since the last one)
//! whitens everything and does a whole mark and sweep. Both run to completion at once.
//!
//! Collection only happens at safepoints, never inside an allocation, so native code may hold
//! values in Rust locals as long as it does not call back into Lua meanwhile. The safepoints
//! follow Lua's rule of collecting where objects are created: VM instructions that create
//! objects, native calls when an object was created since the previous safepoint, explicit
//! `collectgarbage`; an assignment that grows a table is one only under a memory limit.

pub(crate) mod collect;

use std::cell::Cell;
use std::marker::PhantomData;
use std::ops::Deref;
use std::ptr::NonNull;

/// What kind of object a header belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum ObjKind {
    Str,
    Table,
    LuaClosure,
    NativeClosure,
    UpVal,
    Proto,
    UserData,
    Thread,
}

// Bits of `GcHeader::marked`.
pub(crate) const WHITE0: u8 = 1 << 0;
pub(crate) const WHITE1: u8 = 1 << 1;
pub(crate) const BLACK: u8 = 1 << 2;
/// The object's finalizer has been scheduled (it is or was in `finobj`/`tobefnz`).
pub(crate) const FINALIZED: u8 = 1 << 3;
/// The object is on the `fixed` list and never collected.
pub(crate) const FIXED: u8 = 1 << 4;
/// Generational mode: a young object that survived one minor collection (the next one it
/// survives makes it old).
pub(crate) const SURVIVAL: u8 = 1 << 5;
pub(crate) const WHITE_BITS: u8 = WHITE0 | WHITE1;
const COLOR_BITS: u8 = WHITE_BITS | BLACK;

/// The header every heap object starts with.
#[repr(C)]
pub struct GcHeader {
    pub(crate) next: Cell<Option<NonNull<GcHeader>>>,
    pub(crate) kind: ObjKind,
    pub(crate) marked: Cell<u8>,
}

impl GcHeader {
    pub(crate) fn new(kind: ObjKind, white: u8) -> GcHeader {
        GcHeader { next: Cell::new(None), kind, marked: Cell::new(white) }
    }

    #[inline(always)]
    pub(crate) fn is_white(&self) -> bool {
        self.marked.get() & WHITE_BITS != 0
    }
    #[inline(always)]
    pub(crate) fn is_black(&self) -> bool {
        self.marked.get() & BLACK != 0
    }
    #[inline(always)]
    pub(crate) fn is_gray(&self) -> bool {
        self.marked.get() & COLOR_BITS == 0
    }
    #[inline(always)]
    pub(crate) fn set_gray(&self) {
        self.marked.set(self.marked.get() & !COLOR_BITS);
    }
    #[inline(always)]
    pub(crate) fn set_black(&self) {
        self.marked.set((self.marked.get() & !COLOR_BITS) | BLACK);
    }
    #[inline(always)]
    pub(crate) fn set_white(&self, white: u8) {
        self.marked.set((self.marked.get() & !COLOR_BITS) | white);
    }
}

/// Implemented by the `#[repr(C)]` object types that begin with a `GcHeader`.
///
/// # Safety
/// The implementing type must be `#[repr(C)]` with a `GcHeader` as its first field, and must
/// only ever be allocated by the heap.
pub unsafe trait GcObject {
    const KIND: ObjKind;
}

/// A pointer to a heap object. `Copy`; says nothing about liveness (see the module comment).
pub struct Gc<T: GcObject> {
    ptr: NonNull<T>,
    _marker: PhantomData<*const T>,
}

impl<T: GcObject> Clone for Gc<T> {
    #[inline(always)]
    fn clone(&self) -> Self {
        *self
    }
}
impl<T: GcObject> Copy for Gc<T> {}

impl<T: GcObject> Gc<T> {
    /// # Safety
    /// `ptr` must point to a live object of type `T` allocated by the heap.
    #[inline(always)]
    pub(crate) unsafe fn from_ptr(ptr: NonNull<T>) -> Gc<T> {
        Gc { ptr, _marker: PhantomData }
    }

    /// # Safety
    /// `addr` must be the address of a live object of type `T` allocated by the heap.
    #[inline(always)]
    pub(crate) unsafe fn from_addr(addr: usize) -> Gc<T> {
        // SAFETY: the caller promises a live object's (hence non-null) address.
        unsafe { Gc::from_ptr(NonNull::new_unchecked(addr as *mut T)) }
    }

    #[inline(always)]
    pub fn addr(self) -> usize {
        self.ptr.as_ptr() as usize
    }

    #[inline(always)]
    pub fn ptr_eq(self, other: Gc<T>) -> bool {
        self.ptr == other.ptr
    }

    #[inline(always)]
    pub(crate) fn as_ptr(self) -> *mut T {
        self.ptr.as_ptr()
    }

    #[inline(always)]
    pub(crate) fn header(&self) -> &GcHeader {
        // SAFETY: `T` is `#[repr(C)]` and starts with a `GcHeader` (the `GcObject` contract).
        unsafe { &*(self.ptr.as_ptr() as *const GcHeader) }
    }

    #[inline(always)]
    pub(crate) fn header_ptr(self) -> NonNull<GcHeader> {
        self.ptr.cast()
    }

    /// Mutable access to the object.
    ///
    /// # Safety
    /// The object must be alive, and no other reference to it may be used while the returned
    /// one is (keep such borrows short and local).
    #[inline(always)]
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn get_mut(&self) -> &mut T {
        // SAFETY: forwarded to the caller.
        unsafe { &mut *self.ptr.as_ptr() }
    }
}

impl<T: GcObject> Deref for Gc<T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        // SAFETY: a `Gc` is only created for heap objects; callers keep the object reachable
        // (rooted) while they use it, which is the kernel's rooting rule.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T: GcObject> PartialEq for Gc<T> {
    fn eq(&self, other: &Self) -> bool {
        self.ptr == other.ptr
    }
}
impl<T: GcObject> Eq for Gc<T> {}

impl<T: GcObject> std::fmt::Debug for Gc<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Gc({:?}@{:#x})", T::KIND, self.addr())
    }
}

/// The collector's phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Between cycles.
    Pause,
    /// Marking: traversing gray objects a step at a time.
    Propagate,
    /// The atomic phase (never left half-done).
    Atomic,
    /// Sweeping the ordinary objects.
    SweepAllGc,
    /// Sweeping the objects with finalizers.
    SweepFinObj,
    /// Sweeping the objects waiting for their finalizers.
    SweepToBeFnz,
    /// Running pending finalizers.
    CallFin,
}

/// Collector modes as `collectgarbage` names them. Both run the same incremental collector;
/// "generational" uses a tuning that collects young garbage sooner.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GcMode {
    Incremental,
    Generational,
}

/// Allocation accounting, pacing and the object lists.
pub struct Heap {
    pub(crate) allgc: Cell<Option<NonNull<GcHeader>>>,
    pub(crate) finobj: Cell<Option<NonNull<GcHeader>>>,
    pub(crate) tobefnz: Cell<Option<NonNull<GcHeader>>>,
    pub(crate) fixed: Cell<Option<NonNull<GcHeader>>>,
    /// Generational mode: objects created since the last collection.
    pub(crate) young: Cell<Option<NonNull<GcHeader>>>,
    /// Generational mode: heap size after the last major collection.
    pub(crate) gen_base: usize,
    /// An object was created since the previous safepoint (VM safepoints and native calls
    /// clear it, as does a collection step): native calls are safepoints only then (a native call that creates nothing, like an iterator's, leaves the debt of
    /// a growing table to the next place that creates an object, as Lua's checks do).
    pub(crate) created: bool,
    /// Generational mode: objects made old by the last minor collection, and the old objects
    /// the last minor collection found in the remembered set. Both may refer to survivors
    /// (young objects still white), so the next minor collection traverses them again.
    pub(crate) gen_promoted: Vec<NonNull<GcHeader>>,
    pub(crate) gen_touched: Vec<NonNull<GcHeader>>,
    /// Collections run by the `gc-stress` feature (which alternates minor and major ones).
    pub(crate) stress_steps: u32,
    /// The white that means "alive, not yet marked" in the current cycle.
    pub(crate) current_white: u8,
    pub(crate) phase: Phase,
    pub(crate) gray: Vec<NonNull<GcHeader>>,
    pub(crate) gray_again: Vec<NonNull<GcHeader>>,
    /// Weak tables found during marking, by kind, cleared in the atomic phase.
    pub(crate) weak_values: Vec<NonNull<GcHeader>>,
    pub(crate) ephemerons: Vec<NonNull<GcHeader>>,
    pub(crate) all_weak: Vec<NonNull<GcHeader>>,
    /// Sweep position: the link that points at the next object to examine.
    pub(crate) sweep_cursor: *const Cell<Option<NonNull<GcHeader>>>,
    /// Bytes currently allocated for heap objects and their buffers.
    pub(crate) total_bytes: usize,
    /// Bytes allocated beyond the point where the next step is due (positive: a step is due).
    pub(crate) debt: isize,
    /// Live bytes estimated at the end of the last cycle.
    pub(crate) estimate: usize,
    /// Percent of `estimate` to wait before starting a cycle (`setpause`).
    pub(crate) pause: u32,
    /// Work per step relative to allocation, in percent (`setstepmul`).
    pub(crate) step_mul: u32,
    /// log2 of the allocation between steps (`stepsize`).
    pub(crate) step_size_log2: u32,
    pub(crate) mode: GcMode,
    pub(crate) gen_minor_mul: u32,
    pub(crate) gen_major_mul: u32,
    /// False after `collectgarbage("stop")`.
    pub(crate) running: bool,
    /// Set while finalizers or a full collection run, to avoid re-entry.
    pub(crate) busy: bool,
    /// Heap-size limit in bytes (0: none), checked at safepoints.
    pub(crate) limit_bytes: usize,
    /// Every live thread (each knows its index here), so the collector can visit threads
    /// without walking the whole heap.
    pub(crate) threads: Vec<NonNull<GcHeader>>,
}

impl Heap {
    pub(crate) fn new() -> Heap {
        Heap {
            allgc: Cell::new(None),
            finobj: Cell::new(None),
            tobefnz: Cell::new(None),
            fixed: Cell::new(None),
            young: Cell::new(None),
            gen_base: 0,
            created: false,
            current_white: WHITE0,
            phase: Phase::Pause,
            gray: Vec::new(),
            gray_again: Vec::new(),
            gen_promoted: Vec::new(),
            gen_touched: Vec::new(),
            stress_steps: 0,
            weak_values: Vec::new(),
            ephemerons: Vec::new(),
            all_weak: Vec::new(),
            sweep_cursor: std::ptr::null(),
            total_bytes: 0,
            debt: -(64 * 1024),
            estimate: 0,
            pause: 200,
            step_mul: 100,
            step_size_log2: 13,
            mode: GcMode::Incremental,
            gen_minor_mul: 20,
            gen_major_mul: 100,
            running: true,
            busy: false,
            limit_bytes: 0,
            threads: Vec::new(),
        }
    }

    #[inline(always)]
    pub(crate) fn other_white(&self) -> u8 {
        self.current_white ^ WHITE_BITS
    }

    /// True for an object that is garbage in the current cycle: it has the "other" white, which
    /// only objects left unmarked by the last marking have during a sweep.
    #[inline(always)]
    pub(crate) fn is_dead(&self, h: &GcHeader) -> bool {
        h.marked.get() & self.other_white() & WHITE_BITS != 0 && h.marked.get() & FIXED == 0
    }

    /// Records `bytes` more allocated memory.
    #[inline(always)]
    pub(crate) fn add_bytes(&mut self, bytes: usize) {
        self.total_bytes += bytes;
        self.debt += bytes as isize;
    }

    /// Records `bytes` of memory returned.
    #[inline(always)]
    pub(crate) fn sub_bytes(&mut self, bytes: usize) {
        self.total_bytes = self.total_bytes.saturating_sub(bytes);
        self.debt -= bytes as isize;
    }

    /// Adjusts accounting after a buffer changed size.
    #[inline(always)]
    pub(crate) fn resized(&mut self, old: usize, new: usize) {
        if new >= old {
            self.add_bytes(new - old)
        } else {
            self.sub_bytes(old - new)
        }
    }

    /// Puts a freshly allocated object on the `allgc` list, white.
    #[inline(always)]
    pub(crate) fn link(&mut self, h: NonNull<GcHeader>, bytes: usize) {
        // SAFETY: `h` is a fresh allocation owned by the heap.
        let hdr = unsafe { h.as_ref() };
        hdr.marked.set(self.current_white);
        let list = if self.mode == GcMode::Generational { &self.young } else { &self.allgc };
        hdr.next.set(list.get());
        list.set(Some(h));
        self.created = true;
        self.add_bytes(bytes);
    }

    /// Allocates a boxed object and links it.
    pub(crate) fn alloc<T: GcObject>(&mut self, value: T, extra_bytes: usize) -> Gc<T> {
        let ptr = NonNull::from(Box::leak(Box::new(value)));
        self.link(ptr.cast(), std::mem::size_of::<T>() + extra_bytes);
        // SAFETY: just allocated.
        unsafe { Gc::from_ptr(ptr) }
    }

    /// True when a collection step is due.
    #[inline(always)]
    pub(crate) fn step_due(&self) -> bool {
        self.debt > 0
    }

    /// The barrier for a black table receiving a white value: the table goes back to gray and
    /// is re-traversed in the atomic phase.
    #[inline(always)]
    pub(crate) fn barrier_back(&mut self, t: NonNull<GcHeader>) {
        // SAFETY: callers pass a live object.
        let h = unsafe { t.as_ref() };
        if h.is_black() {
            self.barrier_back_slow(t);
        }
    }

    #[cold]
    fn barrier_back_slow(&mut self, t: NonNull<GcHeader>) {
        // SAFETY: callers pass a live object.
        let h = unsafe { t.as_ref() };
        if self.phase == Phase::Propagate || self.mode == GcMode::Generational {
            // Marking: re-traverse it in the atomic phase. Generational: an old object now
            // refers to a young one; remember it for the next minor collection.
            h.set_gray();
            self.gray_again.push(t);
        } else {
            // While sweeping, black objects are simply made white again (they are not
            // reachable from a black object in the next cycle until re-marked).
            h.set_white(self.current_white);
        }
    }
}
