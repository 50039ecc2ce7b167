//! Debug information: error positions, names of variables and functions recovered from the
//! bytecode (as Lua's `ldebug.c` does by symbolic execution), stack tracebacks, and hooks.
//!
//! Levels count from the innermost frame: level 0 is the running function, level 1 its
//! caller, and so on; the thread's base frame is not a level.

use crate::error::{LuaError, LuaResult};
use crate::function::LuaClosure;
use crate::gc::Gc;
use crate::meta::Origin;
use crate::opcodes::{OpCode, TagMethod};
use crate::proto::FnProto;
use crate::state::State;
use crate::thread::{flags, CallFrame, Thread};
use crate::value::Value;

/// Hook event masks (`debug.sethook`'s "c", "r", "l" and the count).
pub const HOOK_CALL: u8 = 1;
pub const HOOK_RETURN: u8 = 2;
pub const HOOK_LINE: u8 = 4;
pub const HOOK_COUNT: u8 = 8;

/// `Thread::old_pc` while the call event of a vararg function waits for `VARARGPREP`.
const CALL_HOOK_PENDING: usize = usize::MAX - 1;

/// Whether a function's first instruction is `VARARGPREP` (hooks start after it).
fn starts_with_varargprep(p: &FnProto) -> bool {
    p.is_vararg && p.code.first().and_then(|i| i.opcode()) == Some(OpCode::VarArgPrep)
}

/// What `debug.getinfo` reports about a frame or function.
#[derive(Clone, Debug, Default)]
pub struct FrameInfo {
    /// "Lua", "C", "main".
    pub what: &'static str,
    pub source: Vec<u8>,
    pub short_src: String,
    pub line_defined: i64,
    pub last_line_defined: i64,
    pub current_line: i64,
    pub name: Option<String>,
    /// "global", "local", "method", "field", "upvalue", "metamethod", "for iterator", "hook", "".
    pub name_what: &'static str,
    pub nups: usize,
    pub nparams: usize,
    pub is_vararg: bool,
    pub is_tail_call: bool,
    /// Transfer information for call/return hooks (1-based stack positions).
    pub ftransfer: usize,
    pub ntransfer: usize,
}

fn lua_closure_of(th: &Thread, f: &CallFrame) -> Option<Gc<LuaClosure>> {
    if !f.is_lua() {
        return None;
    }
    match th.stack.get(f.func) {
        Some(Value::LuaFn(c)) => Some(*c),
        _ => None,
    }
}

/// The instruction index a Lua frame is executing (its saved pc points past it).
fn current_pc(f: &CallFrame) -> usize {
    f.pc.saturating_sub(1)
}

/// The line a Lua frame is at.
pub(crate) fn frame_line(p: &FnProto, f: &CallFrame) -> Option<u32> {
    p.line_at(current_pc(f))
}

/// The last instruction before `lastpc` that sets register `reg`, if it is unconditional.
fn find_set_reg(p: &FnProto, mut lastpc: usize, reg: u32) -> Option<usize> {
    if lastpc < p.code.len() {
        if let Some(op) = p.code[lastpc].opcode() {
            if op.is_mm() {
                lastpc = lastpc.saturating_sub(1);
            }
        }
    }
    let mut setreg: Option<usize> = None;
    let mut jmptarget = 0usize;
    for pc in 0..lastpc.min(p.code.len()) {
        let i = p.code[pc];
        let Some(op) = i.opcode() else { continue };
        let a = i.a();
        let change = match op {
            OpCode::LoadNil => a <= reg && reg <= a + i.b(),
            OpCode::TForCall => reg >= a + 2,
            OpCode::Call | OpCode::TailCall => reg >= a,
            OpCode::Jmp => {
                let dest = pc as isize + 1 + i.sj_arg() as isize;
                if dest >= 0 && (dest as usize) <= lastpc && dest as usize > jmptarget {
                    jmptarget = dest as usize;
                }
                false
            }
            _ => op.sets_a() && reg == a,
        };
        if change {
            setreg = if pc < jmptarget { None } else { Some(pc) };
        }
    }
    setreg
}

fn upval_name(p: &FnProto, uv: u32) -> String {
    p.upvalues
        .get(uv as usize)
        .and_then(|u| u.name.as_deref())
        .unwrap_or("?")
        .to_string()
}

fn const_name(cl: &LuaClosure, k: u32) -> String {
    match cl.proto.constants.get(k as usize) {
        Some(Value::Str(s)) => s.to_string_lossy(),
        _ => "?".to_string(),
    }
}

/// Names register `reg` at instruction `lastpc`: ("local", "x"), ("global", "print")...
pub(crate) fn get_obj_name(cl: &LuaClosure, lastpc: usize, reg: u32) -> Option<(&'static str, String)> {
    obj_name(cl, lastpc, reg, 0)
}

/// The symbolic execution behind `get_obj_name`; `depth` bounds the chains of moves and
/// table accesses it follows (crafted bytecode could make them arbitrarily long).
fn obj_name(cl: &LuaClosure, lastpc: usize, reg: u32, depth: u32) -> Option<(&'static str, String)> {
    if depth > 64 {
        return None;
    }
    let p: &FnProto = &cl.proto.plain;
    if let Some(name) = p.local_name(reg + 1, lastpc as u32) {
        return Some(("local", name.to_string()));
    }
    let pc = find_set_reg(p, lastpc, reg)?;
    let i = p.code[pc];
    match i.opcode()? {
        OpCode::Move => {
            if i.b() < i.a() {
                return obj_name(cl, pc, i.b(), depth + 1);
            }
            None
        }
        OpCode::GetTabUp => {
            let name = const_name(cl, i.c());
            let t = upval_name(p, i.b());
            Some((if t == "_ENV" { "global" } else { "field" }, name))
        }
        OpCode::GetTable => {
            let name = match obj_name(cl, pc, i.c(), depth + 1) {
                Some(("constant", n)) => n,
                _ => "?".to_string(),
            };
            Some((table_kind(cl, pc, i.b(), depth), name))
        }
        OpCode::GetI => Some(("field", "integer index".to_string())),
        OpCode::GetField => {
            let name = const_name(cl, i.c());
            Some((table_kind(cl, pc, i.b(), depth), name))
        }
        OpCode::GetUpval => Some(("upvalue", upval_name(p, i.b()))),
        OpCode::LoadK | OpCode::LoadKX => {
            let b = if i.opcode()? == OpCode::LoadK { i.bx() } else { p.code.get(pc + 1)?.ax_arg() };
            match cl.proto.constants.get(b as usize) {
                Some(Value::Str(s)) => Some(("constant", s.to_string_lossy())),
                _ => None,
            }
        }
        OpCode::SelfOp => {
            let name = if i.k() {
                const_name(cl, i.c())
            } else {
                match obj_name(cl, pc, i.c(), depth + 1) {
                    Some(("constant", n)) => n,
                    _ => "?".to_string(),
                }
            };
            Some(("method", name))
        }
        _ => None,
    }
}

/// "global" when register `t` holds `_ENV`, "field" otherwise.
fn table_kind(cl: &LuaClosure, pc: usize, t: u32, depth: u32) -> &'static str {
    match obj_name(cl, pc, t, depth + 1) {
        Some((_, n)) if n == "_ENV" => "global",
        _ => "field",
    }
}

/// How the function running in frame `fi + 1` was called, judged from its caller `fi`.
fn func_name_from_code(th: &Thread, caller: &CallFrame, st: &State) -> Option<(&'static str, String)> {
    let cl = lua_closure_of(th, caller)?;
    let p = &cl.proto.plain;
    let pc = current_pc(caller);
    let i = *p.code.get(pc)?;
    let tm = match i.opcode()? {
        OpCode::Call | OpCode::TailCall => return get_obj_name(&cl, pc, i.a()),
        OpCode::TForCall => return Some(("for iterator", "for iterator".to_string())),
        OpCode::SelfOp | OpCode::GetTabUp | OpCode::GetTable | OpCode::GetI | OpCode::GetField => TagMethod::Index,
        OpCode::SetTabUp | OpCode::SetTable | OpCode::SetI | OpCode::SetField => TagMethod::NewIndex,
        OpCode::MmBin | OpCode::MmBinI | OpCode::MmBinK => TagMethod::from_u8(i.c() as u8)?,
        OpCode::Unm => TagMethod::Unm,
        OpCode::BNot => TagMethod::BNot,
        OpCode::Len => TagMethod::Len,
        OpCode::Concat => TagMethod::Concat,
        OpCode::Eq => TagMethod::Eq,
        OpCode::Lt | OpCode::LtI | OpCode::GtI => TagMethod::Lt,
        OpCode::Le | OpCode::LeI | OpCode::GeI => TagMethod::Le,
        OpCode::Close | OpCode::Return => TagMethod::Close,
        _ => return None,
    };
    let _ = st;
    Some(("metamethod", tm.name()[2..].to_string()))
}

impl State {
    // ------------------------------------------------------------------ raising errors

    /// Raises an error value (`lua_error`): runs the message handler, if any, first.
    pub fn throw(&mut self, v: Value) -> LuaError {
        let th = self.thread();
        if th.errfunc != 0 {
            let handler = th.stack[th.errfunc];
            if self.n_ccalls >= crate::state::MAX_NATIVE_DEPTH / 10 * 11 {
                self.error_value = self.str_value("error in error handling");
                return LuaError::ErrorInHandler;
            }
            let th = self.thread();
            let room = th.top + 3;
            if room > th.stack.len() && !th.grow_stack(&mut self.heap, room, true) {
                // Out of stack even in the reserve for errors: the handler cannot run.
                self.error_value = self.str_value("error in error handling");
                return LuaError::ErrorInHandler;
            }
            let func = self.thread().top;
            self.push(handler);
            self.push(v);
            match self.call_at(func, 1) {
                Ok(()) => {
                    let r = self.pop();
                    self.error_value = r;
                    return LuaError::Runtime;
                }
                Err(e) => return e,
            }
        }
        self.error_value = v;
        LuaError::Runtime
    }

    /// Raises a runtime error with a message, prefixed with the position of the running Lua
    /// function (Lua's `luaG_runerror`).
    #[cold]
    pub fn runtime_error(&mut self, msg: &str) -> LuaError {
        let mut full = Vec::new();
        let th = self.thread();
        let f = *th.frame();
        if let Some(cl) = lua_closure_of(th, &f) {
            full.extend_from_slice(self.position_of(&cl, &f).as_bytes());
        }
        full.extend_from_slice(msg.as_bytes());
        let v = self.str_value(&full);
        self.throw(v)
    }

    /// "chunk:line: " for a Lua frame.
    fn position_of(&self, cl: &LuaClosure, f: &CallFrame) -> String {
        let src = match cl.proto.source {
            Some(s) => luna_grammar::number::chunk_id(s.as_bytes()),
            None => "?".to_string(),
        };
        match frame_line(&cl.proto.plain, f) {
            Some(line) => format!("{}:{}: ", src, line),
            None => format!("{}:-1: ", src),
        }
    }

    /// `luaL_where`: "chunk:line: " of the function at `level`, or "" if it is not Lua.
    pub fn where_(&self, level: usize) -> String {
        let th = self.thread();
        let n = th.frames.len();
        if level + 1 >= n {
            return String::new();
        }
        let f = th.frames[n - 1 - level];
        match lua_closure_of(th, &f) {
            Some(cl) => match frame_line(&cl.proto.plain, &f) {
                Some(_) => self.position_of(&cl, &f),
                None => String::new(),
            },
            None => String::new(),
        }
    }

    /// A type error naming the operand: "attempt to index a nil value (global 'x')".
    #[cold]
    pub(crate) fn type_error_at(&mut self, v: Value, op: &str, origin: Origin, key: Option<Value>) -> LuaError {
        let tn = self.type_name_of(v);
        let mut info = self.var_info(origin);
        if info.is_empty() && op == "index" {
            // Lua 5.4.6 names the key when the indexed value has no name of its own.
            if let Some(Value::Str(k)) = key {
                let _ = k;
            }
        }
        if info.is_empty() {
            info = String::new();
        }
        self.runtime_error(&format!("attempt to {} a {} value{}", op, tn, info))
    }

    /// " (local 'x')" for an operand of the running Lua function, or "".
    pub(crate) fn var_info(&self, origin: Origin) -> String {
        let th = self.thread();
        let f = *th.frame();
        let Some(cl) = lua_closure_of(th, &f) else { return String::new() };
        let named = match origin {
            Origin::None => None,
            Origin::Upval(u) => Some(("upvalue", upval_name(&cl.proto.plain, u))),
            Origin::Reg(r) => get_obj_name(&cl, current_pc(&f), r),
        };
        match named {
            Some((kind, name)) => format!(" ({} '{}')", kind, name),
            None => String::new(),
        }
    }

    /// The error for calling a non-function at stack slot `func`.
    #[cold]
    pub(crate) fn call_error(&mut self, func: usize) -> LuaError {
        let v = self.thread().stack[func];
        let th = self.thread();
        let f = *th.frame();
        let mut info = String::new();
        if let Some(cl) = lua_closure_of(th, &f) {
            let name = func_name_from_code(th, &f, self).or_else(|| {
                if func >= f.base {
                    get_obj_name(&cl, current_pc(&f), (func - f.base) as u32)
                } else {
                    None
                }
            });
            if let Some((kind, name)) = name {
                info = format!(" ({} '{}')", kind, name);
            }
        }
        let tn = self.type_name_of(v);
        self.runtime_error(&format!("attempt to call a {} value{}", tn, info))
    }

    /// The name of the local variable in stack slot `idx` of the running Lua function.
    pub(crate) fn local_name_at(&self, idx: usize) -> Option<String> {
        let th = self.thread();
        let f = *th.frame();
        let cl = lua_closure_of(th, &f)?;
        if idx < f.base {
            return None;
        }
        cl.proto.plain.local_name((idx - f.base) as u32 + 1, current_pc(&f) as u32).map(|s| s.to_string())
    }

    // ------------------------------------------------------------------ frame inspection

    /// Index into `th.frames` of the frame at `level`, if any.
    pub(crate) fn frame_index(th: &Thread, level: usize) -> Option<usize> {
        let n = th.frames.len();
        if level + 1 >= n {
            None
        } else {
            Some(n - 1 - level)
        }
    }

    /// The function running at `level` of thread `th`.
    pub fn function_at(&self, th: Gc<Thread>, level: usize) -> Option<Value> {
        let fi = Self::frame_index(&th, level)?;
        Some(th.stack[th.frames[fi].func])
    }

    /// Debug information about the frame at `level` of `th`.
    pub fn frame_info(&mut self, th: Gc<Thread>, level: usize) -> Option<FrameInfo> {
        let fi = Self::frame_index(&th, level)?;
        let f = th.frames[fi];
        let func = th.stack[f.func];
        let mut info = self.function_info(func);
        if let Some(cl) = lua_closure_of(&th, &f) {
            info.current_line = frame_line(&cl.proto.plain, &f).map(|l| l as i64).unwrap_or(-1);
        }
        info.is_tail_call = f.flags & flags::TAIL != 0;
        if let Some((hfi, ft, nt)) = th.hook_transfer {
            if hfi == fi {
                info.ftransfer = ft as usize;
                info.ntransfer = nt as usize;
            }
        }
        if let Some((what, name)) = self.frame_call_name(th, fi) {
            info.name = Some(name);
            info.name_what = what;
        }
        Some(info)
    }

    /// The name of the function in frame `fi`, from how its caller called it (Lua's
    /// `getfuncname`): nothing after a tail call; "hook" for a function a hook runs, "__gc"
    /// for a finalizer, else what the caller's calling instruction says.
    pub(crate) fn frame_call_name(&self, th: Gc<Thread>, fi: usize) -> Option<(&'static str, String)> {
        let f = th.frames[fi];
        if f.flags & flags::TAIL != 0 || fi == 0 {
            return None;
        }
        let caller = th.frames[fi - 1];
        if caller.flags & flags::HOOKED != 0 {
            return Some(("hook", "?".to_string()));
        }
        if caller.flags & flags::FIN != 0 {
            return Some(("metamethod", "__gc".to_string()));
        }
        func_name_from_code(&th, &caller, self)
    }

    /// Debug information about a function value (no frame).
    pub fn function_info(&mut self, func: Value) -> FrameInfo {
        let mut info = FrameInfo { current_line: -1, ..FrameInfo::default() };
        match func {
            Value::LuaFn(cl) => {
                let p = &cl.proto.plain;
                info.source = cl.proto.source.map(|s| s.as_bytes().to_vec()).unwrap_or_else(|| b"=?".to_vec());
                info.short_src = luna_grammar::number::chunk_id(&info.source);
                info.line_defined = p.line_defined as i64;
                info.last_line_defined = p.last_line_defined as i64;
                info.what = if p.line_defined == 0 { "main" } else { "Lua" };
                info.nups = cl.upvals.len();
                info.nparams = p.num_params as usize;
                info.is_vararg = p.is_vararg;
            }
            _ => {
                info.source = b"=[C]".to_vec();
                info.short_src = "[C]".to_string();
                info.line_defined = -1;
                info.last_line_defined = -1;
                info.what = "C";
                info.nups = match func {
                    Value::NativeClosure(c) => c.upvals.len(),
                    _ => 0,
                };
                info.is_vararg = true;
            }
        }
        info
    }

    /// The name under which a function is reachable from `package.loaded` ("string.format",
    /// "print"), as Lua's tracebacks and argument errors use it.
    pub fn global_function_name(&mut self, func: Value) -> Option<String> {
        let loaded = self.raw_get_str(self.registry, "_LOADED");
        let Value::Table(loaded) = loaded else { return None };
        let mut k = Value::Nil;
        while let Ok(Some((key, module))) = loaded.next(k) {
            k = key;
            let (Value::Str(modname), Value::Table(m)) = (key, module) else { continue };
            let mut k2 = Value::Nil;
            while let Ok(Some((fname, fv))) = m.next(k2) {
                k2 = fname;
                if let Value::Str(fname) = fname {
                    if fv.raw_eq(&func) {
                        let modname = modname.to_string_lossy();
                        let fname = fname.to_string_lossy();
                        return Some(if modname == "_G" { fname } else { format!("{}.{}", modname, fname) });
                    }
                }
            }
        }
        None
    }

    /// A stack traceback of thread `th` from `level` on, as `debug.traceback` formats it.
    pub fn traceback(&mut self, th: Gc<Thread>, msg: Option<&[u8]>, level: usize) -> Vec<u8> {
        let mut out = Vec::new();
        if let Some(m) = msg {
            out.extend_from_slice(m);
            out.push(b'\n');
        }
        out.extend_from_slice(b"stack traceback:");
        // As `luaL_traceback`: when more than 22 levels remain, show the first 10, a
        // "skipping" line (whose count, as Lua's, leaves out the level it replaces) and the
        // last 11.
        let nlevels = th.frames.len().saturating_sub(1);
        if level >= nlevels {
            return out;
        }
        let last = nlevels - 1;
        let mut limit2show: i64 = if last - level > 21 { 10 } else { -1 };
        let mut lvl = level;
        while lvl < nlevels {
            let cur = lvl;
            lvl += 1;
            if limit2show == 0 {
                limit2show -= 1;
                let n = last - lvl - 11 + 1;
                out.extend_from_slice(format!("\n\t...\t(skipping {} levels)", n).as_bytes());
                lvl += n;
                continue;
            }
            limit2show -= 1;
            let fi = th.frames.len() - 1 - cur;
            let f = th.frames[fi];
            let func = th.stack[f.func];
            out.extend_from_slice(b"\n\t");
            let line = match lua_closure_of(&th, &f) {
                Some(cl) => {
                    let src = cl.proto.source.map(|s| luna_grammar::number::chunk_id(s.as_bytes())).unwrap_or_else(|| "?".into());
                    match frame_line(&cl.proto.plain, &f) {
                        Some(l) if l > 0 => format!("{}:{}:", src, l),
                        _ => format!("{}:", src),
                    }
                }
                None => "[C]:".to_string(),
            };
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b" in ");
            let desc = self.describe_function(th, fi, func);
            out.extend_from_slice(desc.as_bytes());
            if f.flags & flags::TAIL != 0 {
                out.extend_from_slice(b"\n\t(...tail calls...)");
            }
        }
        out
    }

    fn describe_function(&mut self, th: Gc<Thread>, fi: usize, func: Value) -> String {
        if let Some(name) = self.global_function_name(func) {
            return format!("function '{}'", name);
        }
        if let Some((what, name)) = self.frame_call_name(th, fi) {
            return format!("{} '{}'", what, name);
        }
        match func {
            Value::LuaFn(cl) => {
                let p = &cl.proto.plain;
                if p.line_defined == 0 {
                    "main chunk".to_string()
                } else {
                    let src = cl.proto.source.map(|s| luna_grammar::number::chunk_id(s.as_bytes())).unwrap_or_else(|| "?".into());
                    format!("function <{}:{}>", src, p.line_defined)
                }
            }
            _ => "?".to_string(),
        }
    }

    /// The name of the running native function for argument errors ("insert"), from how it
    /// was called, or its global name, or "?". Returns also whether it was called as a method.
    pub fn current_function_name(&mut self) -> (String, bool) {
        let th = self.cur;
        let fi = th.frames.len() - 1;
        if let Some((what, name)) = self.frame_call_name(th, fi) {
            return (name, what == "method");
        }
        let func = th.stack[th.frames[fi].func];
        match self.global_function_name(func) {
            Some(n) => (n, false),
            None => ("?".to_string(), false),
        }
    }

    // ------------------------------------------------------------------ hooks

    /// Sets the debug hook of thread `th` (nil function: none).
    pub fn set_hook(&mut self, th: Gc<Thread>, f: Value, mask: u8, count: u32) {
        // SAFETY: live thread; short borrow.
        let t = unsafe { th.get_mut() };
        let mut mask = mask;
        if f.is_nil() || (mask == 0 && count == 0) {
            mask = 0;
        }
        if count > 0 {
            mask |= HOOK_COUNT;
        } else {
            mask &= !HOOK_COUNT;
        }
        t.hook = if mask == 0 { Value::Nil } else { f };
        t.hook_mask = mask;
        t.base_hook_count = count;
        t.hook_count = count;
        // Each thread has its own hook but the VM's trap is shared: keep it on while any
        // thread has a hook (the hook functions check the running thread's mask).
        self.trap = self.instr_budget.is_some() || self.any_thread_hooked();
    }

    /// Whether some live thread has a hook set.
    pub(crate) fn any_thread_hooked(&self) -> bool {
        self.heap.threads.iter().any(|&h| {
            // SAFETY: the heap's thread list holds live threads only.
            let t: Gc<Thread> = unsafe { Gc::from_ptr(h.cast()) };
            t.hook_mask != 0
        })
    }

    /// The hook of thread `th`: (function, mask, count).
    pub fn get_hook(&self, th: Gc<Thread>) -> (Value, u8, u32) {
        (th.hook, th.hook_mask, th.base_hook_count)
    }

    /// Calls the running thread's hook for `event` (Lua's `luaD_hook`) with the frame marked
    /// as hooked; `transfer` is the (first slot, count) of the values a call or return hook
    /// may inspect.
    fn run_hook(&mut self, event: &str, line: Option<u32>, transfer: (u32, u32)) -> LuaResult<()> {
        let th = self.thread();
        if !th.allow_hook || th.hook.is_nil() {
            return Ok(());
        }
        let hook = th.hook;
        th.allow_hook = false;
        let f = *th.frame();
        let saved_top = th.top;
        if f.is_lua() && th.top < f.top {
            th.top = f.top;
        }
        let fi = th.frames.len() - 1;
        th.frames[fi].flags |= flags::HOOKED;
        let saved_transfer = th.hook_transfer;
        if transfer.1 != 0 {
            th.hook_transfer = Some((fi, transfer.0, transfer.1));
        }
        let ev = self.str_value(event);
        let lv = match line {
            Some(l) => Value::Int(l as i64),
            None => Value::Nil,
        };
        let r = self.call_value(hook, &[ev, lv], 0);
        let th = self.thread();
        if let Some(fr) = th.frames.get_mut(fi) {
            fr.flags &= !flags::HOOKED;
        }
        th.hook_transfer = saved_transfer;
        th.top = saved_top;
        th.allow_hook = true;
        r.map(|_| ())
    }

    /// A function was entered (its frame is the innermost one): the "call" or "tail call"
    /// event. A Lua function starts with no line reported yet. For a vararg Lua function the
    /// event waits until `VARARGPREP` has run, so the hook sees the extra arguments.
    pub(crate) fn hook_call(&mut self) -> LuaResult<()> {
        let th = self.thread();
        let f = *th.frame();
        if let Some(cl) = lua_closure_of(th, &f) {
            if f.pc == 0 && starts_with_varargprep(&cl.proto.plain) {
                th.old_pc = CALL_HOOK_PENDING;
                return Ok(());
            }
            th.old_pc = 0;
        }
        self.call_event()
    }

    /// Runs the call hook for the innermost frame.
    fn call_event(&mut self) -> LuaResult<()> {
        let th = self.thread();
        if th.hook_mask & HOOK_CALL == 0 {
            return Ok(());
        }
        let f = *th.frame();
        let nargs = match lua_closure_of(th, &f) {
            Some(cl) => cl.proto.plain.num_params as usize,
            None => th.top.saturating_sub(f.base),
        };
        let tail = f.flags & flags::TAIL != 0;
        self.run_hook(if tail { "tail call" } else { "call" }, None, (1, nargs as u32))
    }

    /// The innermost frame returns its top `n` values: the "return" event; then the caller's
    /// current instruction counts as the last one seen, so its line is not reported again.
    pub(crate) fn hook_return(&mut self, n: usize) -> LuaResult<()> {
        let th = self.thread();
        if th.hook_mask & HOOK_RETURN != 0 {
            let fi = th.frames.len() - 1;
            let f = th.frames[fi];
            let first = th.top.saturating_sub(n);
            let ftransfer = (first + 1).saturating_sub(f.base);
            // A vararg function has put its function slot back below its extra arguments;
            // the hook sees the frame as it ran.
            if f.is_lua() {
                th.frames[fi].func = f.base - 1;
            }
            let r = self.run_hook("return", None, (ftransfer as u32, n as u32));
            let th = self.thread();
            if let Some(fr) = th.frames.get_mut(fi) {
                fr.func = f.func;
            }
            r?;
        }
        let th = self.thread();
        let nf = th.frames.len();
        if nf >= 2 {
            let caller = th.frames[nf - 2];
            if caller.is_lua() {
                th.old_pc = current_pc(&caller);
            }
        }
        Ok(())
    }

    /// Count and line events before instruction `pc` of the running Lua frame (Lua's
    /// `luaG_traceexec`): a line event when entering a new line or jumping backwards.
    pub(crate) fn hook_instruction(&mut self, pc: usize) -> LuaResult<()> {
        let th = self.thread();
        if !th.allow_hook {
            return Ok(());
        }
        let f = *th.frame();
        let Some(cl) = lua_closure_of(th, &f) else { return Ok(()) };
        if pc == 0 && starts_with_varargprep(&cl.proto.plain) {
            // Hooks start after VARARGPREP.
            return Ok(());
        }
        if th.old_pc == CALL_HOOK_PENDING {
            // The first instruction after VARARGPREP: the call event, then a new line.
            th.old_pc = 1;
            self.call_event()?;
            self.thread().old_pc = 1;
        }
        let th = self.thread();
        let mask = th.hook_mask;
        if mask & HOOK_COUNT != 0 {
            th.hook_count = th.hook_count.saturating_sub(1);
            if th.hook_count == 0 {
                th.hook_count = th.base_hook_count;
                self.run_hook("count", None, (0, 0))?;
            }
        }
        if mask & HOOK_LINE != 0 {
            let th = self.thread();
            let p = &cl.proto.plain;
            let old = if th.old_pc < p.code.len() { th.old_pc } else { 0 };
            let changed = !p.line_info.is_empty() && p.line_at(old) != p.line_at(pc);
            if pc <= old || changed {
                self.run_hook("line", p.line_at(pc), (0, 0))?;
            }
            self.thread().old_pc = pc;
        }
        Ok(())
    }
}
