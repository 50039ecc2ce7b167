//! Threads (coroutines): a value stack, a list of call frames, open upvalues and
//! to-be-closed variables.
//!
//! Invariants:
//! - `stack.len()` is the allocated size; slots at or above `top` hold stale values that the
//!   collector clears, never reads as roots. Growing the stack may move it: every open upvalue
//!   is re-pointed in `grow_stack`, and code that holds raw slot pointers must re-derive them
//!   after anything that can grow the stack (a call, a metamethod, `ensure_stack`).
//! - `frames[0]` is a base frame that never returns; a running Lua frame owns the registers
//!   `base .. base + max_stack`, and `top` is at least that while it runs.
//! - `open_upvals` is sorted by stack index, at most one upvalue per slot.
//! - `tbc` lists the stack slots of pending to-be-closed variables, in increasing order.

use crate::function::UpVal;
use crate::gc::{Gc, GcHeader, GcObject, Heap, ObjKind};
use crate::state::Continuation;
use crate::value::Value;

/// Lua's limit on stack slots per thread; beyond it a call raises "stack overflow".
pub const MAX_STACK: usize = 1_000_000;
/// Extra room allowed while handling a stack overflow error.
pub(crate) const ERROR_STACK_EXTRA: usize = 200;
/// Slots always available above a native frame's top (`LUA_MINSTACK`).
pub const MIN_STACK: usize = 20;

/// Frame flags.
pub(crate) mod flags {
    /// A Lua function.
    pub const LUA: u16 = 1 << 0;
    /// Entered from Rust (a nested `execute`): returning from it returns from `execute`.
    pub const FRESH: u16 = 1 << 1;
    /// Called by a tail call (debug information reports it).
    pub const TAIL: u16 = 1 << 2;
    /// A native frame that runs a protected call with a continuation (pcall, xpcall): after
    /// a yield unwound its Rust frame, errors below it are recovered here.
    pub const YPCALL: u16 = 1 << 3;
    /// The frame runs a hook function.
    pub const HOOKED: u16 = 1 << 4;
    /// A `__close` or finalizer call (debug information).
    pub const FIN: u16 = 1 << 5;
    /// The native function was called with `call_k`-style continuation (yieldable).
    pub const HAS_CONT: u16 = 1 << 6;
}

/// One activation record.
#[derive(Clone, Copy, Debug)]
pub(crate) struct CallFrame {
    /// Stack slot of the function being run.
    pub func: usize,
    /// First register (Lua) or first argument (native).
    pub base: usize,
    /// End of the frame's slots (Lua: `base + max_stack`; native: its stack limit).
    pub top: usize,
    /// Lua frames: index of the next instruction to run (saved when the frame is suspended).
    pub pc: usize,
    /// Results the caller wants (-1: all).
    pub nresults: i32,
    /// Lua vararg functions: number of extra arguments, stored below `func`.
    pub nextra: u32,
    pub flags: u16,
}

/// The rarely used part of a frame, kept apart (in `Thread::extras`, at the frame's index) so
/// that calls only write the small `CallFrame`. Valid only where the frame's flags or state
/// say it was set.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct FrameExtra {
    /// Natives with a continuation: what to run when the callee finishes after a yield.
    pub cont: Option<Continuation>,
    pub ctx: isize,
    /// For YPCALL frames: the stack slot of the called function (for error recovery) and the
    /// message handler active before the call.
    pub pcall_func: usize,
    pub old_errfunc: usize,
    /// A native that yielded: how many values it yields. A Lua frame returning through
    /// `__close` calls: how many results are pending.
    pub nres_pending: u32,
    /// YPCALL frames being recovered: the error status to report to the continuation.
    pub recover: Option<crate::error::LuaError>,
}

impl CallFrame {
    pub(crate) fn base_frame() -> CallFrame {
        CallFrame {
            func: 0,
            base: 1,
            top: 1 + MIN_STACK,
            pc: 0,
            nresults: 0,
            nextra: 0,
            flags: 0,
        }
    }

    #[inline(always)]
    pub fn is_lua(&self) -> bool {
        self.flags & flags::LUA != 0
    }
}

/// A coroutine's status as `coroutine.status` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadStatus {
    /// Created and not started, or yielded.
    Suspended,
    Running,
    /// Resumed another coroutine and waits for it.
    Normal,
    /// Finished or failed.
    Dead,
}

#[repr(C)]
pub struct Thread {
    pub(crate) hdr: GcHeader,
    pub(crate) stack: Vec<Value>,
    pub(crate) top: usize,
    pub(crate) frames: Vec<CallFrame>,
    /// `FrameExtra` of frames, by frame index (grown on demand).
    pub(crate) extras: Vec<FrameExtra>,
    pub(crate) open_upvals: Vec<Gc<UpVal>>,
    pub(crate) tbc: Vec<usize>,
    pub(crate) status: ThreadStatus,
    /// True once the coroutine's body has been started.
    pub(crate) started: bool,
    /// True when the coroutine yielded (as opposed to not started).
    pub(crate) yielded: bool,
    /// Number of active non-yieldable calls (natives that called Lua without a continuation).
    pub(crate) nny: u32,
    /// Stack slot of the active message handler (0: none).
    pub(crate) errfunc: usize,
    /// The error that killed the coroutine (`coroutine.close` reports it).
    pub(crate) dead_error: Option<Value>,
    /// Debug hook of this thread.
    pub(crate) hook: Value,
    pub(crate) hook_mask: u8,
    pub(crate) base_hook_count: u32,
    pub(crate) hook_count: u32,
    pub(crate) allow_hook: bool,
    /// The last line reported to a line hook, and the last pc seen (for "line" events).
    pub(crate) old_pc: usize,
    /// Position in the heap's list of threads.
    pub(crate) list_index: std::cell::Cell<usize>,
    /// While a call or return hook runs: the hooked frame's index and the first local slot
    /// and count of the values transferred (`debug.getinfo`'s 'r').
    pub(crate) hook_transfer: Option<(usize, u32, u32)>,
}

// SAFETY: `#[repr(C)]` with a leading `GcHeader`.
unsafe impl GcObject for Thread {
    const KIND: ObjKind = ObjKind::Thread;
}

impl Thread {
    pub(crate) fn new_raw() -> Thread {
        let size = 2 * MIN_STACK + 8;
        Thread {
            hdr: GcHeader::new(ObjKind::Thread, 0),
            stack: vec![Value::Nil; size],
            top: 1,
            frames: vec![CallFrame::base_frame()],
            extras: Vec::new(),
            open_upvals: Vec::new(),
            tbc: Vec::new(),
            status: ThreadStatus::Suspended,
            started: false,
            yielded: false,
            nny: 0,
            errfunc: 0,
            dead_error: None,
            hook: Value::Nil,
            hook_mask: 0,
            base_hook_count: 0,
            hook_count: 0,
            allow_hook: true,
            old_pc: 0,
            list_index: std::cell::Cell::new(usize::MAX),
            hook_transfer: None,
        }
    }

    pub fn status(&self) -> ThreadStatus {
        self.status
    }

    /// Bytes of the thread's buffers accounted to the heap: none. Stacks grow and shrink
    /// with the depth of calls, not with the data a program keeps, so counting them would
    /// make `collectgarbage("count")` depend on where it is called from.
    pub(crate) fn buffer_bytes(&self) -> usize {
        0
    }

    /// Makes the stack at least `needed` slots long. Returns false when that would exceed
    /// the limit (`MAX_STACK`, plus `ERROR_STACK_EXTRA` when `for_error`).
    pub(crate) fn grow_stack(&mut self, heap: &mut Heap, needed: usize, for_error: bool) -> bool {
        let limit = if for_error { MAX_STACK + ERROR_STACK_EXTRA } else { MAX_STACK };
        if needed > limit {
            return false;
        }
        self.grow_unchecked(heap, needed, limit);
        true
    }

    /// Grows the stack to at least `needed` slots regardless of Lua's limit (for natives
    /// that push without checking; their pushes are bounded by their own work).
    pub(crate) fn grow_unchecked(&mut self, heap: &mut Heap, needed: usize, limit: usize) {
        if needed <= self.stack.len() {
            return;
        }
        let old_bytes = self.buffer_bytes();
        let new_len = needed.max(self.stack.len() * 2).min(limit.max(needed)).max(needed);
        self.stack.resize(new_len, Value::Nil);
        let base = self.stack.as_mut_ptr();
        for uv in &self.open_upvals {
            // SAFETY: open upvalues point into this stack; `stack_index` is in bounds.
            uv.v.set(unsafe { base.add(uv.stack_index.get() as usize) });
        }
        heap.resized(old_bytes, self.buffer_bytes());
    }

    /// Shrinks an oversized stack after a collection or a recovered error (keeps room for
    /// the live part); this also gives back the reserve used to handle a stack overflow.
    pub(crate) fn shrink_stack(&mut self, heap: &mut Heap) {
        let in_use = self.frames.iter().map(|f| f.top).max().unwrap_or(0).max(self.top);
        let goal = (in_use + in_use / 2 + 2 * MIN_STACK).max(2 * MIN_STACK + 8);
        let in_reserve = self.stack.len() > MAX_STACK && in_use + MIN_STACK <= MAX_STACK;
        let goal = if in_reserve { goal.min(MAX_STACK) } else { goal };
        if (self.stack.len() > goal * 2 && self.stack.len() <= MAX_STACK) || in_reserve {
            let old_bytes = self.buffer_bytes();
            self.stack.truncate(goal);
            self.stack.shrink_to_fit();
            let base = self.stack.as_mut_ptr();
            for uv in &self.open_upvals {
                // SAFETY: open upvalues index live slots below `in_use <= goal`.
                uv.v.set(unsafe { base.add(uv.stack_index.get() as usize) });
            }
            heap.resized(old_bytes, self.buffer_bytes());
        }
    }

    /// The extra part of frame `fi` (default when never set).
    #[inline]
    pub(crate) fn extra(&self, fi: usize) -> FrameExtra {
        self.extras.get(fi).copied().unwrap_or_default()
    }

    /// Mutable extra part of frame `fi`.
    #[inline]
    pub(crate) fn extra_mut(&mut self, fi: usize) -> &mut FrameExtra {
        if self.extras.len() <= fi {
            self.extras.resize(fi + 1, FrameExtra::default());
        }
        &mut self.extras[fi]
    }

    /// The innermost frame.
    #[inline(always)]
    pub(crate) fn frame(&self) -> &CallFrame {
        // SAFETY: `frames` always holds the base frame.
        unsafe { self.frames.last().unwrap_unchecked() }
    }

    #[inline(always)]
    pub(crate) fn frame_mut(&mut self) -> &mut CallFrame {
        // SAFETY: `frames` always holds the base frame.
        unsafe { self.frames.last_mut().unwrap_unchecked() }
    }
}
