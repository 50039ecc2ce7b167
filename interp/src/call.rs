//! Calls, returns, protected calls, coroutines and the closing of upvalues and to-be-closed
//! variables.
//!
//! The shape follows Lua 5.4's `ldo.c`:
//! - A native function that calls Lua (`call`) recurses in Rust: the callee runs in a nested
//!   `execute`, its first frame marked `FRESH`. Such calls count against `MAX_NATIVE_DEPTH`
//!   and make the coroutine non-yieldable for their duration (`nny`).
//! - Metamethods called by the VM and protected calls with a continuation (`pcall`) are
//!   yieldable: a yield unwinds the Rust frames (as `Err(Yield)`) but leaves every Lua frame
//!   in place. `resume` later *unrolls* the frames: natives are finished through their
//!   continuation, Lua frames through `finish_op` and `execute`.
//! - An error leaves all frames in place until its catcher (`pcall_k`, `resume`, the embedding
//!   API) unwinds them, so message handlers and tracebacks see the whole stack.

use crate::error::{LimitKind, LuaError, LuaResult};
use crate::function::{LuaClosure, NativeFn, UpVal};
use crate::gc::Gc;
use crate::opcodes::{OpCode, TagMethod};
use crate::state::{CallStatus, Continuation, State, MAX_NATIVE_DEPTH};
use crate::thread::{flags, CallFrame, Thread, ThreadStatus, MIN_STACK};
use crate::value::Value;
use crate::vm::execute;

/// `nresults` meaning "all results".
pub const MULTRET: i32 = -1;

impl State {
    // ------------------------------------------------------------------ entering functions

    /// Pushes a frame for a Lua function at stack slot `func` (arguments above it up to the
    /// top). The caller then runs it (the VM continues its loop, Rust callers `execute`).
    #[inline]
    pub(crate) fn push_lua_frame(&mut self, func: usize, cl: Gc<LuaClosure>, nresults: i32) -> LuaResult<()> {
        let p = &cl.proto.plain;
        let fsize = p.max_stack as usize;
        let nparams = p.num_params as usize;
        let th = self.thread();
        let nargs = th.top - func - 1;
        let needed = func + 1 + fsize + if p.is_vararg { nargs + 1 } else { 0 };
        if needed > th.stack.len() {
            self.grow_stack_to(needed + MIN_STACK)?;
        }
        let th = self.thread();
        for j in nargs..nparams {
            th.stack[func + 1 + j] = Value::Nil;
        }
        if !p.is_vararg {
            th.top = func + 1 + fsize;
        } else if nargs < nparams {
            th.top = func + 1 + nparams;
        }
        th.frames.push(CallFrame {
            func,
            base: func + 1,
            top: func + 1 + fsize,
            pc: 0,
            nresults,
            nextra: 0,
            flags: flags::LUA,
        });
        if self.trap {
            self.hook_call()?;
        }
        Ok(())
    }

    /// Calls a native function at stack slot `func`; its results end up at `func..`.
    #[inline]
    pub(crate) fn call_native(&mut self, func: usize, f: NativeFn, nresults: i32) -> LuaResult<()> {
        self.gc_check_at(self.thread().top);
        self.ensure_stack(MIN_STACK)?;
        let th = self.thread();
        let top = th.top;
        th.frames.push(CallFrame {
            func,
            base: func + 1,
            top: top + MIN_STACK,
            pc: 0,
            nresults,
            nextra: 0,
            flags: 0,
        });
        if self.trap {
            self.hook_call()?;
        }
        let n = f(self)?;
        self.pos_call(n)
    }

    /// The safepoint of a native call, with the running thread's top at `top`: collects if due
    /// and an object was created since the previous safepoint. Where nothing was created (a
    /// loop calling an iterator over a growing table), the debt waits for the next place that
    /// creates an object, as in Lua, whose collector runs only where objects are created.
    #[inline(always)]
    pub(crate) fn gc_check_at(&mut self, top: usize) {
        let created = std::mem::replace(&mut self.heap.created, false);
        if self.heap.step_due() && created {
            let th = self.thread();
            let old = th.top;
            th.top = top;
            self.gc_step();
            self.thread().top = old;
        }
    }

    /// Starts a call of the value at `func`: for a Lua function, pushes its frame and returns
    /// true (the caller must run it); a native runs to completion (false). Non-functions go
    /// through `__call`.
    pub(crate) fn precall(&mut self, func: usize, nresults: i32) -> LuaResult<bool> {
        loop {
            let f = self.thread().stack[func];
            match f {
                Value::LuaFn(c) => {
                    self.push_lua_frame(func, c, nresults)?;
                    return Ok(true);
                }
                Value::Native(nf) => {
                    self.call_native(func, nf, nresults)?;
                    return Ok(false);
                }
                Value::NativeClosure(c) => {
                    self.call_native(func, c.f, nresults)?;
                    return Ok(false);
                }
                _ => self.insert_call_metamethod(func)?,
            }
        }
    }

    /// Replaces a non-function at `func` by its `__call` metamethod, shifting the arguments
    /// up so the original value becomes the first argument.
    fn insert_call_metamethod(&mut self, func: usize) -> LuaResult<()> {
        let f = self.thread().stack[func];
        let tm = self.get_metamethod(f, TagMethod::Call);
        if tm.is_nil() {
            return Err(self.call_error(func));
        }
        self.ensure_stack(1)?;
        let th = self.thread();
        let top = th.top;
        th.stack.copy_within(func..top, func + 1);
        th.stack[func] = tm;
        th.top += 1;
        Ok(())
    }

    /// Moves the `n` results at the top of the stack to the innermost frame's function slot,
    /// adjusted to the wanted count, and pops the frame (a native frame).
    #[inline]
    pub(crate) fn pos_call(&mut self, n: usize) -> LuaResult<()> {
        if self.trap {
            self.hook_return(n)?;
        }
        let th = self.thread();
        let frame = th.frames.pop().unwrap_or_else(CallFrame::base_frame);
        let first = th.top.wrapping_sub(n);
        if frame.nresults == 1 && frame.func < first && first < th.top {
            // The common case, one result wanted and at least one given: one copy.
            debug_assert!(th.top <= th.stack.len());
            // SAFETY: `first` is below the top, so within the stack, and the function slot
            // lies below it.
            unsafe {
                let sp = th.stack.as_mut_ptr();
                *sp.add(frame.func) = *sp.add(first);
            }
            th.top = frame.func + 1;
            return Ok(());
        }
        move_results(th, frame.func, first, n, frame.nresults);
        Ok(())
    }

    /// Returns from Lua frame `fi` with `n` results at `src`. Returns true when the frame was
    /// entered from Rust (`execute` must return).
    #[inline]
    pub(crate) fn finish_return(&mut self, fi: usize, src: usize, n: usize) -> LuaResult<bool> {
        if self.trap {
            self.thread().top = src + n;
            self.hook_return(n)?;
        }
        let th = self.thread();
        let frame = th.frames[fi];
        th.frames.truncate(fi);
        move_results(th, frame.func, src, n, frame.nresults);
        if frame.nresults >= 0 {
            // Restore the caller's frame top so its registers stay covered.
            if let Some(caller) = th.frames.last() {
                if caller.is_lua() && th.top < caller.top {
                    // Values above the results are dead; keep `top` as the results' end for
                    // multiple-result consumers and let the caller reset it.
                }
            }
        }
        Ok(frame.flags & flags::FRESH != 0)
    }

    /// `TAILCALL`: replaces frame `fi` by a call of the value at `func` (arguments up to the
    /// top). Returns true when a Lua frame replaced it; false when a native ran (its results
    /// are at `func..top`).
    pub(crate) fn tail_call(&mut self, mut func: usize, delta: usize) -> LuaResult<bool> {
        // A loop of tail calls has no backward jump: check for interrupts here.
        if self.interrupted() {
            return Err(self.interrupt_error());
        }
        loop {
            let f = self.thread().stack[func];
            match f {
                Value::LuaFn(c) => {
                    let p = &c.proto.plain;
                    let fsize = p.max_stack as usize;
                    let nparams = p.num_params as usize;
                    let th = self.thread();
                    let fi = th.frames.len() - 1;
                    let nargs1 = th.top - func; // function + arguments
                    let new_func = th.frames[fi].func - delta;
                    let needed = new_func + 1 + fsize + if p.is_vararg { nargs1 + 1 } else { 0 };
                    if needed > th.stack.len() {
                        self.grow_stack_to(needed + MIN_STACK)?;
                    }
                    let th = self.thread();
                    for j in 0..nargs1 {
                        th.stack[new_func + j] = th.stack[func + j];
                    }
                    let mut narg1 = nargs1;
                    while narg1 <= nparams {
                        th.stack[new_func + narg1] = Value::Nil;
                        narg1 += 1;
                    }
                    let fr = &mut th.frames[fi];
                    fr.func = new_func;
                    fr.base = new_func + 1;
                    fr.top = new_func + 1 + fsize;
                    fr.pc = 0;
                    fr.nextra = 0;
                    fr.flags |= flags::TAIL;
                    th.top = new_func + narg1;
                    if !p.is_vararg {
                        th.top = fr.top;
                    }
                    if self.trap {
                        self.hook_call()?;
                    }
                    return Ok(true);
                }
                Value::Native(nf) => {
                    self.call_native(func, nf, MULTRET)?;
                    let _ = delta;
                    return Ok(false);
                }
                Value::NativeClosure(c) => {
                    self.call_native(func, c.f, MULTRET)?;
                    return Ok(false);
                }
                _ => {
                    self.insert_call_metamethod(func)?;
                    func = func + 0;
                }
            }
        }
    }

    // ------------------------------------------------------------------ calls from Rust

    /// Calls the value at stack slot `func` with the arguments above it (up to the top),
    /// wanting `nresults` results (`MULTRET`: all), which replace the function and arguments.
    /// The callee may not yield (`lua_call` from a native).
    pub fn call_at(&mut self, func: usize, nresults: i32) -> LuaResult<()> {
        self.call_inner(func, nresults, true)
    }

    /// Like `call_at`, but a yield inside the callee unwinds through this call (the VM's
    /// metamethod calls, which `finish_op` completes on resume).
    pub(crate) fn call_yieldable(&mut self, func: usize, nresults: i32) -> LuaResult<()> {
        self.call_inner(func, nresults, false)
    }

    fn call_inner(&mut self, func: usize, nresults: i32, noyield: bool) -> LuaResult<()> {
        self.n_ccalls += 1;
        if self.n_ccalls >= MAX_NATIVE_DEPTH {
            if let Err(e) = self.check_native_depth() {
                self.n_ccalls -= 1;
                return Err(e);
            }
        }
        let th_obj = self.cur;
        if noyield {
            // SAFETY: the thread is alive (running).
            unsafe { th_obj.get_mut() }.nny += 1;
        }
        let r = match self.precall(func, nresults) {
            Ok(true) => {
                let th = self.thread();
                th.frame_mut().flags |= flags::FRESH;
                execute(self)
            }
            Ok(false) => Ok(()),
            Err(e) => Err(e),
        };
        if noyield {
            // SAFETY: as above.
            unsafe { th_obj.get_mut() }.nny -= 1;
        }
        self.n_ccalls -= 1;
        r
    }

    #[cold]
    fn check_native_depth(&mut self) -> LuaResult<()> {
        if self.n_ccalls == MAX_NATIVE_DEPTH {
            Err(self.runtime_error("C stack overflow"))
        } else if self.n_ccalls >= MAX_NATIVE_DEPTH / 10 * 11 {
            self.error_value = self.str_value("error in error handling");
            Err(LuaError::ErrorInHandler)
        } else {
            Ok(())
        }
    }

    /// Pushes `f` and `args`, calls, and leaves the results on the stack; returns their count.
    pub fn call_value(&mut self, f: Value, args: &[Value], nresults: i32) -> LuaResult<usize> {
        self.ensure_stack(args.len() + 1)?;
        let func = self.thread().top;
        self.push(f);
        for a in args {
            self.push(*a);
        }
        self.call_at(func, nresults)?;
        Ok(self.thread().top - func)
    }

    /// A protected call of `f(args)` that discards results and leaves the stack as it was;
    /// errors are returned with the error value in `error_value`.
    pub(crate) fn protected_call_values(&mut self, f: Value, args: &[Value], nresults: i32) -> LuaResult<()> {
        let saved_top = self.thread().top;
        self.ensure_stack(args.len() + 1)?;
        let func = self.thread().top;
        self.push(f);
        for a in args {
            self.push(*a);
        }
        let r = self.pcall_k(func, nresults, 0, None, 0);
        self.thread().top = saved_top;
        match r {
            Ok(CallStatus::Error(e)) => {
                // Keep the error value for the caller (it was left at `func`).
                Err(e)
            }
            Ok(_) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// A call with a continuation (`lua_callk`): if the callee yields, the running native's
    /// Rust frame is abandoned and `k` finishes its work when the coroutine resumes.
    /// Returns normally when no yield happened (the caller then finishes itself).
    pub fn call_k(&mut self, func: usize, nresults: i32, k: Continuation, ctx: isize) -> LuaResult<()> {
        let th = self.thread();
        let yieldable = th.nny == 0;
        if yieldable {
            th.frame_mut().flags |= flags::HAS_CONT;
            let fi = th.frames.len() - 1;
            let x = th.extra_mut(fi);
            x.cont = Some(k);
            x.ctx = ctx;
        }
        self.call_inner(func, nresults, !yieldable)
    }

    // ------------------------------------------------------------------ protected calls

    /// A protected call (`lua_pcallk`): calls the value at `func` with the arguments above it.
    /// On success the results are at `func..`; on a caught error the frames above are unwound,
    /// pending to-be-closed variables closed, and the error value left at `func` (and in
    /// `error_value`). `errfunc` is the stack slot of a message handler (0: none). With a
    /// continuation and a yieldable coroutine, the callee may yield: the native's Rust frame is
    /// then abandoned and `k` runs when the call finishes.
    pub fn pcall_k(
        &mut self,
        func: usize,
        nresults: i32,
        errfunc: usize,
        k: Option<Continuation>,
        ctx: isize,
    ) -> LuaResult<CallStatus> {
        let th_obj = self.cur;
        // SAFETY: the running thread is alive.
        let th = unsafe { th_obj.get_mut() };
        let fi = th.frames.len() - 1;
        let old_errfunc = th.errfunc;
        let old_allow_hook = th.allow_hook;
        th.errfunc = errfunc;
        let yieldable = k.is_some() && th.nny == 0;
        if yieldable {
            th.frames[fi].flags |= flags::YPCALL | flags::HAS_CONT;
            let x = th.extra_mut(fi);
            x.cont = k;
            x.ctx = ctx;
            x.pcall_func = func;
            x.old_errfunc = old_errfunc;
            x.recover = None;
        }
        let r = self.call_inner(func, nresults, !yieldable);
        // SAFETY: as above.
        let th = unsafe { th_obj.get_mut() };
        match r {
            Ok(()) => {
                let f = &mut th.frames[fi];
                f.flags &= !flags::YPCALL;
                th.errfunc = old_errfunc;
                Ok(CallStatus::Ok)
            }
            Err(LuaError::Yield) => Err(LuaError::Yield),
            Err(e) if e.is_catchable() => {
                // Closing methods run under this call's own message handler, as in Lua.
                th.errfunc = errfunc;
                th.allow_hook = old_allow_hook;
                th.extra_mut(fi).recover = Some(e);
                let e = self.recover_at(fi, func, e)?;
                // SAFETY: as above.
                let th = unsafe { th_obj.get_mut() };
                th.errfunc = old_errfunc;
                th.frames[fi].flags &= !flags::YPCALL;
                th.extra_mut(fi).recover = None;
                th.shrink_stack(&mut self.heap);
                Ok(CallStatus::Error(e))
            }
            Err(e) => {
                th.errfunc = old_errfunc;
                Err(e)
            }
        }
    }

    /// Unwinds the running thread to frame `fi` after a caught error: pops the frames above,
    /// closes upvalues and to-be-closed variables from `level` up (an error in a `__close`
    /// replaces the error), and leaves the final error value at `level`. Returns the final
    /// error kind.
    pub(crate) fn recover_at(&mut self, fi: usize, level: usize, e: LuaError) -> LuaResult<LuaError> {
        let errv = self.error_value;
        let th = self.thread();
        th.stack[level] = errv;
        self.continue_recovery(fi, level, e)
    }

    /// The closing part of `recover_at`, which a yieldable `pcall` resumes after a closing
    /// method yielded: the pending error value is at `level`.
    fn continue_recovery(&mut self, fi: usize, level: usize, mut e: LuaError) -> LuaResult<LuaError> {
        let th = self.thread();
        th.frames.truncate(fi + 1);
        if th.top < level + 1 {
            th.top = level + 1;
        }
        let yieldable = th.frames[fi].flags & flags::YPCALL != 0;
        loop {
            let errv = self.thread().stack[level];
            match self.close_level_with(level + 1, Some(errv), yieldable) {
                Ok(()) => break,
                Err(LuaError::Yield) => return Err(LuaError::Yield),
                Err(e2) if e2.is_catchable() => {
                    e = e2;
                    let v = self.error_value;
                    let th = self.thread();
                    th.frames.truncate(fi + 1);
                    th.stack[level] = v;
                    th.extra_mut(fi).recover = Some(e);
                }
                Err(e2) => return Err(e2),
            }
        }
        self.close_upvals(level);
        let th = self.thread();
        let v = th.stack[level];
        th.top = level + 1;
        self.error_value = v;
        Ok(e)
    }

    // ------------------------------------------------------------------ upvalues and tbc

    /// The open upvalue for stack slot `idx`, created if needed.
    pub(crate) fn find_upval(&mut self, idx: usize) -> Gc<UpVal> {
        let th_ptr: *mut Thread = self.cur.as_ptr();
        let th = self.thread();
        let mut pos = th.open_upvals.len();
        while pos > 0 {
            let uv = th.open_upvals[pos - 1];
            let si = uv.stack_index.get() as usize;
            if si == idx {
                return uv;
            }
            if si < idx {
                break;
            }
            pos -= 1;
        }
        let slot: *mut Value = &mut th.stack[idx];
        let uv = self.new_closed_upval(Value::Nil);
        uv.v.set(slot);
        uv.stack_index.set(idx as u32);
        uv.open.set(true);
        uv.owner.set(th_ptr);
        let th = self.thread();
        th.open_upvals.insert(pos, uv);
        uv
    }

    /// Closes the open upvalues of slots `level` and above.
    pub(crate) fn close_upvals(&mut self, level: usize) {
        let th = self.thread();
        while let Some(&uv) = th.open_upvals.last() {
            if (uv.stack_index.get() as usize) < level {
                break;
            }
            th.open_upvals.pop();
            uv.close();
            uv.owner.set(std::ptr::null_mut());
            // A closed upvalue is a normal (gray-able) object now: if it was left gray while
            // open and is marked, blacken it through the forward barrier on its value.
            let v = uv.get();
            if !uv.header().is_white() {
                uv.header().set_black();
                self.barrier_upval(uv, v);
            }
            let th2 = self.thread();
            let _ = th2;
        }
    }

    /// Marks the variable at stack slot `idx` to be closed (`TBC`): nil and false need no
    /// closing; anything else must have a `__close` metamethod.
    pub(crate) fn mark_tbc(&mut self, idx: usize) -> LuaResult<()> {
        let v = self.thread().stack[idx];
        if v.is_falsy() {
            return Ok(());
        }
        if self.get_metamethod(v, TagMethod::Close).is_nil() {
            let name = self.local_name_at(idx).unwrap_or_else(|| "?".to_string());
            return Err(self.runtime_error(&format!("variable '{}' got a non-closable value", name)));
        }
        self.thread().tbc.push(idx);
        Ok(())
    }

    /// Closes upvalues and to-be-closed variables at slots `level` and above. `err` is the
    /// error being propagated (`None` on a normal exit).
    pub(crate) fn close_level(&mut self, level: usize, err: Option<Value>) -> LuaResult<()> {
        self.close_level_with(level, err, err.is_none())
    }

    /// `close_level`; `yieldable` lets the closing methods yield (normal exits from Lua code,
    /// and error recovery in a yieldable `pcall`).
    pub(crate) fn close_level_with(&mut self, level: usize, err: Option<Value>, yieldable: bool) -> LuaResult<()> {
        self.close_upvals(level);
        loop {
            let th = self.thread();
            let Some(&slot) = th.tbc.last() else { break };
            if slot < level {
                break;
            }
            th.tbc.pop();
            let obj = th.stack[slot];
            // A metamethod removed after the variable was marked is still "called", which
            // raises Lua's error naming it ("metamethod 'close'").
            let tm = self.get_metamethod(obj, TagMethod::Close);
            let errv = err.unwrap_or(Value::Nil);
            // Call tm(obj, err) above everything live.
            let th = self.thread();
            if th.top < slot + 1 {
                th.top = slot + 1;
            }
            self.ensure_stack(4)?;
            let func = self.thread().top;
            self.push(tm);
            self.push(obj);
            self.push(errv);
            if yieldable && err.is_none() {
                // A normal exit from Lua code (`CLOSE`, `RETURN`): the closing method may
                // yield; `finish_op` repeats the instruction to close the rest.
                self.call_from_context(func, 0)?;
            } else if yieldable {
                // Error recovery of a yieldable `pcall`: its continuation finishes the rest.
                self.call_yieldable(func, 0)?;
            } else {
                self.call_at(func, 0)?;
            }
        }
        Ok(())
    }

    /// After an uncatchable error (a limit, an interrupt) reached the host: drops the frames
    /// above the base frame, closes upvalues and to-be-closed variables from `level` up
    /// (ignoring their errors) and sets the top to `level`, so the state can be used again.
    pub fn reset_after_uncatchable(&mut self, level: usize) {
        let th = self.thread();
        th.frames.truncate(1);
        th.nny = if self.is_main_thread() { 1 } else { 0 };
        th.errfunc = 0;
        th.allow_hook = true;
        let saved = self.error_value;
        let _ = self.close_level(level, None);
        let th = self.thread();
        th.tbc.retain(|&s| s < level);
        th.top = level;
        self.error_value = saved;
    }

    /// Closes everything pending on the main thread (state shutdown).
    pub(crate) fn close_all_on_exit(&mut self) -> LuaResult<()> {
        let th = self.thread();
        th.frames.truncate(1);
        let r = self.close_level(1, None);
        self.close_upvals(0);
        r
    }

    // ------------------------------------------------------------------ coroutines

    /// Resumes coroutine `co` with the `nargs` values at the top of the running thread's stack.
    /// On success (yield or return) the transferred values replace the arguments there and
    /// their count is returned. On error the coroutine is dead and the error value is in
    /// `error_value`.
    pub fn resume(&mut self, co: Gc<Thread>, nargs: usize) -> LuaResult<usize> {
        let from = self.cur;
        // SAFETY: both threads are alive (the caller holds `co` on its stack).
        let cot = unsafe { co.get_mut() };
        let msg = match cot.status {
            ThreadStatus::Dead => Some("cannot resume dead coroutine"),
            ThreadStatus::Running | ThreadStatus::Normal => Some("cannot resume non-suspended coroutine"),
            ThreadStatus::Suspended => {
                if !cot.started && cot.top <= 1 {
                    Some("cannot resume dead coroutine")
                } else {
                    None
                }
            }
        };
        if let Some(m) = msg {
            let th = self.thread();
            th.top -= nargs;
            self.error_value = self.str_value(m);
            return Err(LuaError::Runtime);
        }
        if self.n_ccalls >= MAX_NATIVE_DEPTH {
            let th = self.thread();
            th.top -= nargs;
            self.error_value = self.str_value("C stack overflow");
            return Err(LuaError::Runtime);
        }
        // Move the arguments.
        {
            // SAFETY: distinct live threads.
            let ft = unsafe { from.get_mut() };
            let cot = unsafe { co.get_mut() };
            if cot.top + nargs + MIN_STACK > cot.stack.len() && !cot.grow_stack(&mut self.heap, cot.top + nargs + MIN_STACK, false) {
                ft.top -= nargs;
                self.error_value = self.str_value("stack overflow");
                return Err(LuaError::Runtime);
            }
            let src = ft.top - nargs;
            for j in 0..nargs {
                cot.stack[cot.top + j] = ft.stack[src + j];
            }
            cot.top += nargs;
            ft.top = src;
            ft.status = ThreadStatus::Normal;
            cot.status = ThreadStatus::Running;
        }
        self.cur = co;
        self.n_ccalls += 1;
        let started = cot.started;
        let r = if !started {
            cot.started = true;
            self.call_inner(1, crate::call::MULTRET, false)
        } else {
            cot.yielded = false;
            self.resume_after_yield(nargs)
        };
        let r = self.recover_loop(r);
        self.n_ccalls -= 1;
        self.cur = from;
        // SAFETY: live threads.
        let ft = unsafe { from.get_mut() };
        let cot = unsafe { co.get_mut() };
        ft.status = ThreadStatus::Running;
        match r {
            Ok(()) => {
                cot.status = ThreadStatus::Dead;
                let n = cot.top - 1;
                self.transfer(co, from, n)?;
                Ok(n)
            }
            Err(LuaError::Yield) => {
                cot.status = ThreadStatus::Suspended;
                cot.yielded = true;
                let n = cot.extra(cot.frames.len() - 1).nres_pending as usize;
                self.transfer(co, from, n)?;
                Ok(n)
            }
            Err(e) => {
                cot.status = ThreadStatus::Dead;
                cot.dead_error = Some(self.error_value);
                Err(e)
            }
        }
    }

    /// Moves the top `n` values of `from_th`'s stack to the top of `to`.
    fn transfer(&mut self, from_th: Gc<Thread>, to: Gc<Thread>, n: usize) -> LuaResult<()> {
        // SAFETY: distinct live threads.
        let (src, dst) = unsafe { (from_th.get_mut(), to.get_mut()) };
        if dst.top + n + MIN_STACK > dst.stack.len() && !dst.grow_stack(&mut self.heap, dst.top + n + MIN_STACK, false) {
            src.top -= n;
            return Err(self.runtime_error("too many results to resume"));
        }
        let s = src.top - n;
        for j in 0..n {
            dst.stack[dst.top + j] = src.stack[s + j];
        }
        dst.top += n;
        src.top = s;
        Ok(())
    }

    /// Continues a coroutine that yielded: the resume arguments (at the top) become the
    /// results of the native call that yielded; then the frames are unrolled.
    fn resume_after_yield(&mut self, nargs: usize) -> LuaResult<()> {
        let th = self.thread();
        let frame = *th.frame();
        let x = th.extra(th.frames.len() - 1);
        if frame.is_lua() {
            // Yielded inside a hook: just continue the Lua code.
            th.top -= nargs;
            execute(self)?;
        } else {
            let n = if let (true, Some(k)) = (frame.flags & flags::HAS_CONT != 0, x.cont) {
                k(self, CallStatus::Yielded, x.ctx)?
            } else {
                nargs
            };
            self.pos_call(n)?;
        }
        self.unroll()
    }

    /// Runs the interrupted frames of the running coroutine to completion.
    fn unroll(&mut self) -> LuaResult<()> {
        loop {
            let th = self.thread();
            if th.frames.len() <= 1 {
                return Ok(());
            }
            let frame = *th.frame();
            if !frame.is_lua() {
                self.finish_native_frame()?;
            } else {
                self.finish_op()?;
                execute(self)?;
            }
        }
    }

    /// Completes a native frame whose Rust frame was abandoned by a yield: runs its
    /// continuation and returns its results.
    fn finish_native_frame(&mut self) -> LuaResult<()> {
        let th = self.thread();
        let fi = th.frames.len() - 1;
        let frame = th.frames[fi];
        let x = th.extra(fi);
        let mut status = CallStatus::Yielded;
        if frame.flags & flags::YPCALL != 0 {
            if let Some(e) = x.recover {
                // Finish closing the variables (a closing method may have yielded).
                let e = self.continue_recovery(fi, x.pcall_func, e)?;
                status = CallStatus::Error(e);
            }
            let th = self.thread();
            th.frames[fi].flags &= !flags::YPCALL;
            th.extra_mut(fi).recover = None;
            th.errfunc = x.old_errfunc;
        }
        let (true, Some(k)) = (frame.flags & flags::HAS_CONT != 0, x.cont) else {
            return Err(self.runtime_error("attempt to yield across a C-call boundary"));
        };
        let n = k(self, status, x.ctx)?;
        self.pos_call(n)?;
        Ok(())
    }

    /// Finds the innermost frame of the running thread that can recover from an error
    /// (a yieldable `pcall` whose Rust frame is gone) and continues there.
    fn recover_loop(&mut self, mut r: LuaResult<()>) -> LuaResult<()> {
        loop {
            match r {
                Err(e) if e.is_catchable() => {
                    let th = self.thread();
                    let Some(fi) = th.frames.iter().rposition(|f| f.flags & flags::YPCALL != 0) else {
                        return Err(e);
                    };
                    let x = th.extra(fi);
                    th.errfunc = x.old_errfunc;
                    th.extra_mut(fi).recover = Some(e);
                    r = match self.recover_at(fi, x.pcall_func, e) {
                        Ok(e) => {
                            self.thread().extra_mut(fi).recover = Some(e);
                            self.unroll()
                        }
                        Err(e) => Err(e),
                    };
                }
                other => return other,
            }
        }
    }

    /// Yields the running coroutine with the `n` values at the top of the stack (the body of
    /// `coroutine.yield`). Returns `Err(Yield)`, which unwinds to `resume`.
    pub fn yield_values(&mut self, n: usize) -> LuaResult<usize> {
        let th = self.thread();
        if th.nny > 0 {
            let msg = if self.is_main_thread() {
                "attempt to yield from outside a coroutine"
            } else {
                "attempt to yield across a C-call boundary"
            };
            return Err(self.runtime_error(msg));
        }
        let fi = th.frames.len() - 1;
        th.extra_mut(fi).nres_pending = n as u32;
        Err(LuaError::Yield)
    }

    /// Whether the running coroutine can yield now.
    pub fn is_yieldable(&self) -> bool {
        self.thread().nny == 0
    }

    /// Closes a suspended or dead coroutine (`coroutine.close`): closes its pending
    /// to-be-closed variables. Returns Ok(()) or the error (value in `error_value`).
    pub fn close_thread(&mut self, co: Gc<Thread>) -> LuaResult<()> {
        let from = self.cur;
        // SAFETY: live threads.
        let cot = unsafe { co.get_mut() };
        let err = cot.dead_error.take();
        // While its closing methods run, the coroutine is running (it cannot be resumed or
        // closed again) and the closer waits as a normal coroutine.
        cot.status = ThreadStatus::Running;
        let from_status = from.status;
        if !from.ptr_eq(co) {
            // SAFETY: live thread.
            unsafe { from.get_mut() }.status = ThreadStatus::Normal;
        }
        self.cur = co;
        let th = self.thread();
        th.frames.truncate(1);
        // Slot 1 (the finished body's) keeps the pending error rooted while closing.
        let mut result: LuaResult<()> = Ok(());
        let th = self.thread();
        if th.top < 2 {
            th.top = 2;
        }
        th.stack[1] = Value::Nil;
        if let Some(v) = err {
            th.stack[1] = v;
            result = Err(LuaError::Runtime);
        }
        loop {
            let th = self.thread();
            let e = if result.is_err() { Some(th.stack[1]) } else { None };
            match self.close_level(2, e) {
                Ok(()) => break,
                Err(e2) if e2.is_catchable() => {
                    let v = self.error_value;
                    let th = self.thread();
                    th.frames.truncate(1);
                    th.stack[1] = v;
                    result = Err(e2);
                }
                Err(e2) => {
                    result = Err(e2);
                    break;
                }
            }
        }
        if result.is_err() {
            self.error_value = self.thread().stack[1];
        }
        self.close_upvals(0);
        let th = self.thread();
        th.top = 1;
        th.tbc.clear();
        th.status = ThreadStatus::Dead;
        self.cur = from;
        if !from.ptr_eq(co) {
            // SAFETY: live thread.
            unsafe { from.get_mut() }.status = from_status;
        }
        result
    }

    // ------------------------------------------------------------------ finishing ops

    /// Completes the instruction of the innermost Lua frame that was interrupted by a yield
    /// inside a metamethod (Lua's `luaV_finishOp`).
    fn finish_op(&mut self) -> LuaResult<()> {
        let th = self.thread();
        let fi = th.frames.len() - 1;
        let frame = th.frames[fi];
        let Value::LuaFn(cl) = th.stack[frame.func] else { return Ok(()) };
        let code = &cl.proto.plain.code;
        if frame.pc == 0 {
            return Ok(());
        }
        let inst = code[frame.pc - 1];
        let Some(op) = inst.opcode() else { return Ok(()) };
        let base = frame.base;
        match op {
            OpCode::MmBin | OpCode::MmBinI | OpCode::MmBinK => {
                let prev = code[frame.pc - 2];
                th.top -= 1;
                let v = th.stack[th.top];
                th.stack[base + prev.a() as usize] = v;
            }
            OpCode::Unm
            | OpCode::BNot
            | OpCode::Len
            | OpCode::GetTabUp
            | OpCode::GetTable
            | OpCode::GetI
            | OpCode::GetField
            | OpCode::SelfOp => {
                th.top -= 1;
                let v = th.stack[th.top];
                th.stack[base + inst.a() as usize] = v;
            }
            OpCode::Lt | OpCode::Le | OpCode::LtI | OpCode::LeI | OpCode::GtI | OpCode::GeI | OpCode::Eq => {
                th.top -= 1;
                let res = th.stack[th.top].truthy();
                if res != inst.k() {
                    th.frames[fi].pc += 1;
                }
            }
            OpCode::Concat => {
                let top = th.top - 1;
                let a = inst.a() as usize;
                let total = top - 1 - (base + a);
                th.stack[top - 2] = th.stack[top];
                th.top = top - 1;
                if total > 1 {
                    self.concat_range(total, crate::meta::Origin::None)?;
                }
                let th = self.thread();
                let v = th.stack[th.top - 1];
                th.stack[base + a] = v;
            }
            OpCode::Close => {
                th.frames[fi].pc -= 1;
            }
            OpCode::Return => {
                // Results stay where they were; repeat the return to close the rest.
                th.top = base + inst.a() as usize + th.extra(fi).nres_pending as usize;
                th.frames[fi].pc -= 1;
            }
            _ => {}
        }
        let th = self.thread();
        if !matches!(op, OpCode::Call | OpCode::TForCall | OpCode::Return) {
            th.top = th.frames[fi].top;
        }
        Ok(())
    }

    // ------------------------------------------------------------------ traps

    /// Called by the VM before an instruction when `trap` is set (hooks, budgets). Never
    /// inlined: inside the dispatch loop its body took the registers the loop's own variables
    /// (`base` among them) need, and every instruction paid for reloading them from the stack.
    #[cold]
    #[inline(never)]
    pub(crate) fn vm_trap(&mut self, pc: usize) -> LuaResult<()> {
        if self.memory_exceeded {
            self.memory_exceeded = false;
            self.update_trap();
            self.error_value = self.str_value("not enough memory (memory limit exceeded)");
            return Err(LuaError::Limit(LimitKind::Memory));
        }
        if let Some(b) = self.instr_budget.as_mut() {
            if *b == 0 {
                return Err(self.instruction_limit_error());
            }
            *b -= 1;
        }
        if self.thread().hook_mask != 0 {
            self.hook_instruction(pc)?;
        }
        Ok(())
    }

    /// The error for a script that ran out of its instruction budget: not catchable; its
    /// value is the message with a traceback of where the script stopped.
    #[cold]
    fn instruction_limit_error(&mut self) -> LuaError {
        let th = self.cur;
        let tb = self.traceback(th, Some(b"instruction limit exceeded"), 0);
        self.error_value = self.str_value(&tb);
        LuaError::Limit(LimitKind::Instructions)
    }

    /// The error for an interrupted script (Ctrl-C, timeout): not catchable.
    #[cold]
    pub(crate) fn interrupt_error(&mut self) -> LuaError {
        self.interrupt.store(false, std::sync::atomic::Ordering::Relaxed);
        if self.soft_interrupt.swap(false, std::sync::atomic::Ordering::Relaxed) {
            // As `lua` does on Ctrl-C: an ordinary error at the running code's position.
            return self.runtime_error("interrupted!");
        }
        let th = self.cur;
        let tb = self.traceback(th, Some(b"interrupted!"), 0);
        self.error_value = self.str_value(&tb);
        LuaError::Limit(LimitKind::Interrupted)
    }
}

/// Moves `n` results from `src` to `res`, adjusted to `wanted` (-1: all), and sets the top.
#[inline(always)]
pub(crate) fn move_results(th: &mut Thread, res: usize, src: usize, n: usize, wanted: i32) {
    match wanted {
        0 => th.top = res,
        1 => {
            th.stack[res] = if n == 0 { Value::Nil } else { th.stack[src] };
            th.top = res + 1;
        }
        _ => {
            let wanted = if wanted < 0 { n } else { wanted as usize };
            let m = n.min(wanted);
            if src != res {
                for j in 0..m {
                    th.stack[res + j] = th.stack[src + j];
                }
            }
            for j in m..wanted {
                th.stack[res + j] = Value::Nil;
            }
            th.top = res + wanted;
        }
    }
}
