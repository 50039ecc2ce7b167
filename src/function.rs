//! Function handles and Rust callbacks.
//!
//! A Rust callback is a native closure whose only upvalue is a userdata holding the boxed
//! Rust closure; every such closure runs through one trampoline (`callback_trampoline` in
//! `state.rs`), which converts errors and catches panics. The closure is held through an
//! `Rc`, and the trampoline clones it for the duration of a call, so a script that replaces
//! the upvalue (with the debug library) cannot free a closure while it runs.

use std::cell::RefCell;
use std::rc::Rc;

use luna_interp::Value;

use crate::conversion::{FromLuaMulti, IntoLuaMulti, StackIndex};
use crate::error::{Error, Result};
use crate::state::{callback_trampoline, CallbackBox, LuaState, PanicGuarded, RawCallback, ALL};
use crate::value::Function;

impl Function {
    /// Calls the function in protected mode with `args`, converting its results to `R`.
    pub fn call<R: FromLuaMulti>(&self, lua: &mut LuaState, args: impl IntoLuaMulti) -> Result<R> {
        lua.preserve(|lua| {
            let f = lua.ref_value(&self.0)?;
            let func = lua.begin_call(f)?;
            args.push_into_stack_multi(lua)?;
            let n = lua.pcall_raw(func, ALL)?;
            R::from_stack_multi(lua, StackIndex(func), n, None)
        })
    }
}

impl LuaState {
    /// Wraps a boxed callback as a Lua function value (not rooted: store it at once).
    pub(crate) fn callback_value(&mut self, cb: Box<RawCallback>) -> Value {
        let slot = self.panic_slot();
        let cb: Rc<RawCallback> = Rc::from(cb);
        let u = self
            .0
            .new_userdata(Box::new(CallbackBox(PanicGuarded::new(cb, slot))), 0);
        let c = self
            .0
            .new_native_closure(callback_trampoline, vec![Value::UserData(u)]);
        Value::NativeClosure(c)
    }

    pub(crate) fn create_callback(&mut self, cb: Box<RawCallback>) -> Result<Function> {
        let v = self.callback_value(cb);
        Ok(Function(self.new_ref(v)))
    }

    /// A Lua function that runs a Rust closure. Arguments convert to `A` (a tuple, one
    /// value, [`Variadic`](crate::Variadic)...; a failed conversion raises Lua's "bad
    /// argument #n" error), results from `R`. An `Err` is raised as a Lua error: Lua errors
    /// keep their value; other errors become a message string (which `pcall` catches, and
    /// which reaches the host as [`Error::CallbackError`] with the original error).
    ///
    /// A panic in `f` is not a Lua error: it stops the script and resumes in the host at the
    /// API call that entered Lua.
    pub fn create_function<A, R, F>(&mut self, f: F) -> Result<Function>
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&mut LuaState, A) -> Result<R> + Send + 'static,
    {
        self.create_callback(Box::new(move |lua: &mut LuaState, nargs: usize| {
            let base = lua.arg_base();
            let args = A::from_stack_multi(lua, base, nargs, Some(1))?;
            let r = f(lua, args)?;
            r.push_into_stack_multi(lua)
        }))
    }

    /// Like [`create_function`](LuaState::create_function) for a closure that mutates its
    /// captures. Calling it again while it runs (through Lua) fails with
    /// [`Error::RecursiveMutCallback`].
    pub fn create_function_mut<A, R, F>(&mut self, f: F) -> Result<Function>
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: FnMut(&mut LuaState, A) -> Result<R> + Send + 'static,
    {
        let f = RefCell::new(f);
        self.create_function(move |lua: &mut LuaState, args: A| {
            let mut f = f
                .try_borrow_mut()
                .map_err(|_| Error::RecursiveMutCallback)?;
            (*f)(lua, args)
        })
    }
}
