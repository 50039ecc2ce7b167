//! Full userdata: a Rust value owned by the heap, with a metatable and user values.

use std::any::Any;

use crate::gc::{Gc, GcHeader, GcObject, ObjKind};
use crate::table::Table;
use crate::value::Value;

#[repr(C)]
pub struct UserData {
    pub(crate) hdr: GcHeader,
    pub(crate) metatable: Option<Gc<Table>>,
    pub(crate) user_values: Box<[Value]>,
    pub(crate) data: Box<dyn Any>,
}

// SAFETY: `#[repr(C)]` with a leading `GcHeader`.
unsafe impl GcObject for UserData {
    const KIND: ObjKind = ObjKind::UserData;
}

impl UserData {
    pub fn metatable(&self) -> Option<Gc<Table>> {
        self.metatable
    }

    pub fn user_values(&self) -> &[Value] {
        &self.user_values
    }

    /// The Rust value, if it has type `T`.
    pub fn downcast_ref<T: 'static>(&self) -> Option<&T> {
        self.data.downcast_ref::<T>()
    }

    pub fn data(&self) -> &dyn Any {
        &*self.data
    }

    /// Runs `f` with mutable access to the Rust value, if it has type `T`.
    pub fn with_mut<T: 'static, R>(this: Gc<UserData>, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        // SAFETY: callers hold the userdata rooted (it came from their arguments); the borrow
        // lasts only for `f`, during which nothing else reaches this object's data.
        let data = unsafe { &mut this.get_mut().data };
        data.downcast_mut::<T>().map(f)
    }
}
