//! Functions: heap prototypes, Lua closures, native functions and upvalues.
//!
//! Invariants:
//! - A `Proto` is immutable once built; it shares the plain `FnProto` (code, line info, debug
//!   names) and adds its constants as values (strings interned) and its nested prototypes.
//! - An `UpVal` is open while the variable it captures lives in a stack slot: `v` points at that
//!   slot and `stack_index` names it (stack reallocation re-points `v`). Closing copies the value
//!   into `closed` and points `v` there. Open upvalues of a thread are kept in the thread's
//!   `open_upvals`, sorted by stack index, so each slot has at most one.

use std::cell::Cell;
use std::rc::Rc;

use crate::error::LuaResult;
use crate::gc::{Gc, GcHeader, GcObject, ObjKind};
use crate::proto::FnProto;
use crate::state::State;
use crate::string::LuaStr;
use crate::value::Value;

/// A native function: arguments are the current frame's slots `1..=nargs`; it pushes its
/// results and returns how many there are (see `State`'s native-call API).
pub type NativeFn = fn(&mut State) -> LuaResult<usize>;

#[repr(C)]
pub struct Proto {
    pub(crate) hdr: GcHeader,
    pub(crate) plain: Rc<FnProto>,
    /// `plain.code`'s instructions (the plain prototype is immutable and kept alive here).
    pub(crate) code: *const crate::opcodes::Instr,
    /// Copies of `plain`'s fields the call path reads, one indirection closer.
    pub(crate) max_stack: u8,
    pub(crate) num_params: u8,
    pub(crate) is_vararg: bool,
    pub(crate) constants: Box<[Value]>,
    pub(crate) protos: Box<[Gc<Proto>]>,
    /// The chunk name as a Lua string (None when stripped).
    pub(crate) source: Option<Gc<LuaStr>>,
}

// SAFETY: `#[repr(C)]` with a leading `GcHeader`.
unsafe impl GcObject for Proto {
    const KIND: ObjKind = ObjKind::Proto;
}

impl Proto {
    /// Bytes accounted to the heap beyond the struct itself.
    pub(crate) fn extra_bytes(&self) -> usize {
        self.constants.len() * std::mem::size_of::<Value>()
            + self.protos.len() * std::mem::size_of::<usize>()
            + self.plain.code.len() * 8
    }

    pub fn plain(&self) -> &Rc<FnProto> {
        &self.plain
    }
    pub fn constants(&self) -> &[Value] {
        &self.constants
    }
    pub fn protos(&self) -> &[Gc<Proto>] {
        &self.protos
    }
    pub fn source(&self) -> Option<Gc<LuaStr>> {
        self.source
    }
}

#[repr(C)]
pub struct LuaClosure {
    pub(crate) hdr: GcHeader,
    pub(crate) proto: Gc<Proto>,
    pub(crate) upvals: Box<[Gc<UpVal>]>,
}

// SAFETY: `#[repr(C)]` with a leading `GcHeader`.
unsafe impl GcObject for LuaClosure {
    const KIND: ObjKind = ObjKind::LuaClosure;
}

impl LuaClosure {
    pub fn proto(&self) -> Gc<Proto> {
        self.proto
    }
    pub fn upvalues(&self) -> &[Gc<UpVal>] {
        &self.upvals
    }
}

#[repr(C)]
pub struct NativeClosure {
    pub(crate) hdr: GcHeader,
    pub(crate) f: NativeFn,
    pub(crate) upvals: Box<[Value]>,
}

// SAFETY: `#[repr(C)]` with a leading `GcHeader`.
unsafe impl GcObject for NativeClosure {
    const KIND: ObjKind = ObjKind::NativeClosure;
}

impl NativeClosure {
    pub fn function(&self) -> NativeFn {
        self.f
    }
    pub fn upvalues(&self) -> &[Value] {
        &self.upvals
    }
}

#[repr(C)]
pub struct UpVal {
    pub(crate) hdr: GcHeader,
    /// Where the value is: a stack slot while open, `closed` after.
    pub(crate) v: Cell<*mut Value>,
    pub(crate) closed: Cell<Value>,
    /// The captured stack slot while open.
    pub(crate) stack_index: Cell<u32>,
    pub(crate) open: Cell<bool>,
    /// The thread whose stack holds the variable while open.
    pub(crate) owner: Cell<*mut crate::thread::Thread>,
}

// SAFETY: `#[repr(C)]` with a leading `GcHeader`.
unsafe impl GcObject for UpVal {
    const KIND: ObjKind = ObjKind::UpVal;
}

impl UpVal {
    #[inline(always)]
    pub fn get(&self) -> Value {
        // SAFETY: `v` points at a live stack slot (open) or at `closed` (closed); stack
        // reallocation re-points open upvalues before anyone reads them.
        unsafe { *self.v.get() }
    }

    /// Writes the variable. The caller applies the barrier for closed upvalues.
    #[inline(always)]
    pub(crate) fn set(&self, val: Value) {
        // SAFETY: as in `get`.
        unsafe { *self.v.get() = val }
    }

    pub fn is_open(&self) -> bool {
        self.open.get()
    }

    /// Copies the current value into the upvalue itself.
    pub(crate) fn close(&self) {
        let v = self.get();
        self.closed.set(v);
        self.v.set(self.closed.as_ptr());
        self.open.set(false);
    }
}
