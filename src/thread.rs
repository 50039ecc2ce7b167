//! Coroutine handles, driven from Rust with `resume`.

use luna_interp::thread::ThreadStatus as RawStatus;
use luna_interp::{Gc, Value};

use crate::conversion::{FromLuaMulti, IntoLuaMulti, StackIndex};
use crate::error::{Error, Result};
use crate::state::LuaState;
use crate::value::Thread;

/// A coroutine's status, as `coroutine.status` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThreadStatus {
    /// Not started, or yielded: `resume` continues it.
    Resumable,
    /// Running (it is the coroutine calling `status`).
    Running,
    /// Resumed another coroutine and waits for it.
    Normal,
    /// Finished or failed.
    Dead,
}

impl Thread {
    fn raw(&self, lua: &LuaState) -> Result<Gc<luna_interp::thread::Thread>> {
        match lua.ref_value(&self.0)? {
            Value::Thread(t) => Ok(t),
            _ => Err(Error::MismatchedState),
        }
    }

    /// Resumes the coroutine with `args` (the body's arguments the first time, the results
    /// of `coroutine.yield` afterwards). Returns what it yields or returns; an error in the
    /// coroutine kills it and comes back as the error (with the coroutine's traceback).
    pub fn resume<R: FromLuaMulti>(
        &self,
        lua: &mut LuaState,
        args: impl IntoLuaMulti,
    ) -> Result<R> {
        lua.preserve(|lua| {
            let co = self.raw(lua)?;
            let level = lua.top();
            lua.push_raw(Value::Thread(co))?;
            let first = lua.top();
            let nargs = args.push_into_stack_multi(lua)?;
            let outer = lua.enter()?;
            let r = match lua.0.resume(co, nargs) {
                Ok(n) => Ok(n),
                Err(e) if e.is_catchable() => {
                    let v = lua.0.take_error();
                    lua.set_top(first);
                    lua.push_raw(v)?;
                    let tb = String::from_utf8_lossy(&lua.0.traceback(co, None, 0)).into_owned();
                    let mut err = lua.caught_error(e, v);
                    match &mut err {
                        Error::Runtime { traceback, .. }
                        | Error::Value { traceback, .. }
                        | Error::CallbackError { traceback, .. } => *traceback = Some(tb),
                        _ => {}
                    }
                    Err(err)
                }
                Err(e) => Err(lua.uncaught_from_resume(e, outer, level)),
            };
            lua.leave(outer);
            let n = r?;
            let first = lua.top() - n;
            R::from_stack_multi(lua, StackIndex(first), n, None)
        })
    }

    /// The coroutine's status.
    pub fn status(&self, lua: &LuaState) -> Result<ThreadStatus> {
        let co = self.raw(lua)?;
        Ok(match co.status() {
            RawStatus::Suspended => ThreadStatus::Resumable,
            RawStatus::Running => ThreadStatus::Running,
            RawStatus::Normal => ThreadStatus::Normal,
            RawStatus::Dead => ThreadStatus::Dead,
        })
    }

    /// Whether `resume` can continue it.
    pub fn is_resumable(&self, lua: &LuaState) -> bool {
        matches!(self.status(lua), Ok(ThreadStatus::Resumable))
    }

    /// Closes a suspended or dead coroutine (`coroutine.close`): runs its pending
    /// to-be-closed variables' `__close`. Returns the error that killed it, if any.
    pub fn close(&self, lua: &mut LuaState) -> Result<()> {
        let co = self.raw(lua)?;
        if matches!(co.status(), RawStatus::Running | RawStatus::Normal) {
            return Err(Error::runtime("cannot close a running coroutine"));
        }
        lua.preserve(|lua| {
            lua.push_raw(Value::Thread(co))?;
            let outer = lua.enter()?;
            let r = match lua.0.close_thread(co) {
                Ok(()) => Ok(()),
                Err(e) if e.is_catchable() => {
                    let v = lua.0.take_error();
                    lua.push_raw(v)?;
                    Err(lua.caught_error(e, v))
                }
                Err(e) => {
                    let level = lua.top();
                    Err(lua.uncaught_from_resume(e, outer, level))
                }
            };
            lua.leave(outer);
            r
        })
    }
}
