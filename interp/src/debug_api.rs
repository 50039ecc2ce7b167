//! The kernel side of the `debug` library: reading and writing the locals of active frames
//! (named variables, temporaries and varargs), the upvalues of closures, and what `getinfo`
//! reports beyond `FrameInfo` (active lines, transfer information).
//!
//! Frames are addressed as in `debug.rs`: by thread and level, level 0 being the thread's
//! innermost frame. Local `n` of a frame follows Lua's `luaG_findlocal`:
//! - `n > 0` names the n-th active local variable of a Lua function at its current
//!   instruction; beyond those, any slot that belongs to the frame is a "(temporary)" (Lua) or
//!   "(C temporary)" (native). A frame owns the slots from its base up to the next frame's
//!   function slot (or the thread's top for the innermost frame).
//! - `n < 0` names the `-n`-th extra argument of a vararg Lua function, "(vararg)"; those sit
//!   just below the frame's function slot once `VARARGPREP` has run.

use crate::function::LuaClosure;
use crate::gc::Gc;
use crate::state::State;
use crate::thread::Thread;
use crate::value::Value;

/// Name of a local slot with no declared variable in a Lua frame.
const TEMPORARY: &str = "(temporary)";
/// Name of a slot of a native frame.
const C_TEMPORARY: &str = "(C temporary)";
/// Name of an extra argument of a vararg function.
const VARARG: &str = "(vararg)";
/// Name of an upvalue whose name was stripped.
const NO_NAME: &str = "(no name)";

impl State {
    /// Whether thread `th` has a frame at `level` (`lua_getstack`).
    pub fn has_level(&self, th: Gc<Thread>, level: usize) -> bool {
        Self::frame_index(&th, level).is_some()
    }

    /// Number of levels (active frames) of thread `th`.
    pub fn level_count(&self, th: Gc<Thread>) -> usize {
        th.frames.len().saturating_sub(1)
    }

    /// The name and stack slot of local `n` of frame `fi` of `th` (Lua's `luaG_findlocal`).
    fn find_local(th: &Thread, fi: usize, n: i64) -> Option<(String, usize)> {
        let f = th.frames[fi];
        let mut name: Option<String> = None;
        if f.is_lua() {
            let Value::LuaFn(cl) = th.stack[f.func] else {
                return None;
            };
            let p = &cl.proto.plain;
            if n < 0 {
                if !p.is_vararg {
                    return None;
                }
                let nextra = f.nextra as i64;
                if n < -nextra {
                    return None;
                }
                // Extra argument -n is at func - nextra + (-n - 1).
                let pos = f.func as i64 - nextra - (n + 1);
                return Some((VARARG.to_string(), pos as usize));
            }
            if n > 0 && n <= u32::MAX as i64 {
                let pc = f.pc.saturating_sub(1) as u32;
                name = p.local_name(n as u32, pc).map(|s| s.to_string());
            }
        }
        if name.is_none() {
            let limit = if fi + 1 == th.frames.len() {
                th.top
            } else {
                th.frames[fi + 1].func
            };
            if n > 0 && limit >= f.base && (limit - f.base) as i64 >= n {
                name = Some(if f.is_lua() { TEMPORARY } else { C_TEMPORARY }.to_string());
            } else {
                return None;
            }
        }
        Some((name?, f.base + n as usize - 1))
    }

    /// Local `n` of the frame at `level` of `th` (`debug.getlocal`): its name and value.
    /// `None` when there is no such level or no such local.
    pub fn get_local(&self, th: Gc<Thread>, level: usize, n: i64) -> Option<(String, Value)> {
        let fi = Self::frame_index(&th, level)?;
        let (name, slot) = Self::find_local(&th, fi, n)?;
        let v = th.stack.get(slot).copied().unwrap_or(Value::Nil);
        Some((name, v))
    }

    /// Assigns local `n` of the frame at `level` of `th` (`debug.setlocal`); returns its name.
    pub fn set_local(&mut self, th: Gc<Thread>, level: usize, n: i64, v: Value) -> Option<String> {
        let fi = Self::frame_index(&th, level)?;
        let (name, slot) = Self::find_local(&th, fi, n)?;
        // SAFETY: the thread is alive (the caller holds it); a short, local borrow. Stack slots
        // need no barrier: thread stacks are re-scanned in the atomic phase.
        let t = unsafe { th.get_mut() };
        if slot < t.stack.len() {
            t.stack[slot] = v;
        }
        Some(name)
    }

    /// The name of parameter `n` of a Lua function (`debug.getlocal(f, n)`): the locals active
    /// at the function's first instruction.
    pub fn param_name(&self, f: Value, n: i64) -> Option<String> {
        let Value::LuaFn(cl) = f else { return None };
        if n <= 0 || n > u32::MAX as i64 {
            return None;
        }
        cl.proto
            .plain
            .local_name(n as u32, 0)
            .map(|s| s.to_string())
    }

    /// Upvalue `n` (1-based) of a closure: its name ("" for native closures, "(no name)" when
    /// stripped) and value.
    pub fn get_upvalue(&self, f: Value, n: i64) -> Option<(String, Value)> {
        match f {
            Value::LuaFn(cl) => {
                let i = index_in(n, cl.upvals.len())?;
                Some((lua_upvalue_name(&cl, i), cl.upvals[i].get()))
            }
            Value::NativeClosure(c) => {
                let i = index_in(n, c.upvals.len())?;
                Some((String::new(), c.upvals[i]))
            }
            _ => None,
        }
    }

    /// Assigns upvalue `n` of a closure; returns its name as `get_upvalue` does.
    pub fn set_closure_upvalue(&mut self, f: Value, n: i64, v: Value) -> Option<String> {
        match f {
            Value::LuaFn(cl) => {
                let i = index_in(n, cl.upvals.len())?;
                let uv = cl.upvals[i];
                uv.set(v);
                self.barrier_upval(uv, v);
                Some(lua_upvalue_name(&cl, i))
            }
            Value::NativeClosure(c) => {
                let i = index_in(n, c.upvals.len())?;
                // SAFETY: the closure is alive (the caller holds it); a short, local borrow.
                unsafe { c.get_mut() }.upvals[i] = v;
                self.barrier_forward(c.header_ptr(), v);
                Some(String::new())
            }
            _ => None,
        }
    }

    /// An identity for upvalue `n` of a closure (`debug.upvalueid`): closures sharing the
    /// variable give the same number. `None` for an invalid index.
    pub fn upvalue_id(&self, f: Value, n: i64) -> Option<usize> {
        match f {
            Value::LuaFn(cl) => {
                let i = index_in(n, cl.upvals.len())?;
                Some(cl.upvals[i].addr())
            }
            Value::NativeClosure(c) => {
                let i = index_in(n, c.upvals.len())?;
                Some(&c.upvals[i] as *const Value as usize)
            }
            _ => None,
        }
    }

    /// Makes upvalue `n1` of `f1` refer to upvalue `n2` of `f2` (`debug.upvaluejoin`).
    /// Returns false when an index is invalid.
    pub fn upvalue_join(
        &mut self,
        f1: Gc<LuaClosure>,
        n1: i64,
        f2: Gc<LuaClosure>,
        n2: i64,
    ) -> bool {
        let (Some(i1), Some(i2)) = (index_in(n1, f1.upvals.len()), index_in(n2, f2.upvals.len()))
        else {
            return false;
        };
        let uv = f2.upvals[i2];
        // SAFETY: the closure is alive (the caller holds it); a short, local borrow.
        unsafe { f1.get_mut() }.upvals[i1] = uv;
        if uv.header().is_white() {
            // A black closure now refers to a white upvalue: traverse it again.
            self.heap.barrier_back(f1.header_ptr());
        }
        true
    }

    /// The lines of a Lua function that have code (`getinfo`'s 'L'), in instruction order
    /// (with repetitions); `None` for native functions. A vararg function's `VARARGPREP` does
    /// not count: hooks never stop there.
    pub fn active_lines(&self, f: Value) -> Option<Vec<u32>> {
        let Value::LuaFn(cl) = f else { return None };
        let p = &cl.proto.plain;
        let skip = usize::from(p.is_vararg);
        Some(p.line_info.iter().skip(skip).copied().collect())
    }

    /// Transfer information of the frame at `level` (`getinfo`'s 'r'): the first local slot
    /// and count of the values a call or return hook is inspecting, or (0, 0).
    pub fn frame_transfer(&self, th: Gc<Thread>, level: usize) -> (usize, usize) {
        match Self::frame_index(&th, level) {
            Some(fi) => match th.hook_transfer {
                Some((hfi, ft, nt)) if hfi == fi => (ft as usize, nt as usize),
                _ => (0, 0),
            },
            None => (0, 0),
        }
    }
}

/// `n` (1-based) as an index below `len`.
fn index_in(n: i64, len: usize) -> Option<usize> {
    if n >= 1 && (n as u64) <= len as u64 {
        Some(n as usize - 1)
    } else {
        None
    }
}

fn lua_upvalue_name(cl: &LuaClosure, i: usize) -> String {
    match cl
        .proto
        .plain
        .upvalues
        .get(i)
        .and_then(|u| u.name.as_deref())
    {
        Some(name) => name.to_string(),
        None => NO_NAME.to_string(),
    }
}
