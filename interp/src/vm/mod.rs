//! The register VM: one loop per `execute` call runs Lua frames until a frame entered from Rust
//! (`FRESH`) returns. Lua-to-Lua calls and returns stay in the loop (no Rust recursion);
//! metamethods and natives that call Lua recurse, capped by `MAX_NATIVE_DEPTH`.
//!
//! Hazards, as in Lua's own `lvm.c`:
//! - `base` is a raw pointer into the thread's stack. Anything that may call Lua code, grow the
//!   stack or collect garbage goes through `protect!`, which saves `pc` (for error positions
//!   and for resuming after a yield), sets the stack top to the frame's top (so callees and the
//!   collector see every live register) and reloads `base` afterwards.
//! - A frame interrupted by a yield inside a metamethod is finished by `finish_op` when the
//!   coroutine resumes: every opcode that can call a metamethod leaves its frame in a state
//!   that `finish_op` understands (see there).
//! - Instructions come from a prototype the compiler or the binary-chunk checker vouched for:
//!   register, constant and upvalue operands are in range, so the loop indexes without checks
//!   (debug builds assert).

use crate::error::{LuaError, LuaResult};
use crate::function::{LuaClosure, UpVal};
use crate::gc::Gc;
use crate::meta::{ArithOp, Origin};
use crate::number;
use crate::opcodes::{Instr, OpCode, TagMethod, MAX_C};
use crate::state::State;
use crate::thread::Thread;
use crate::value::Value;

/// Runs the top frame of the running thread (a Lua frame) until a `FRESH` frame returns.
pub(crate) fn execute(st: &mut State) -> LuaResult<()> {
    // SAFETY: see the module comment: the thread object is alive (it is running), the stack is
    // re-derived after every operation that may move it, and operands were validated.
    unsafe { run(st) }
}

macro_rules! op_arith {
    ($st:ident, $th:ident, $base:ident, $pc:ident, $i:ident, $x:expr, $y:expr, $int:expr, $flt:expr) => {{
        let a = $i.a() as usize;
        match ($x, $y) {
            (Value::Int(x), Value::Int(y)) => {
                *$base.add(a) = Value::Int($int(x, y));
                $pc = $pc.add(1);
            }
            (Value::Float(x), Value::Float(y)) => {
                *$base.add(a) = Value::Float($flt(x, y));
                $pc = $pc.add(1);
            }
            (Value::Int(x), Value::Float(y)) => {
                *$base.add(a) = Value::Float($flt(x as f64, y));
                $pc = $pc.add(1);
            }
            (Value::Float(x), Value::Int(y)) => {
                *$base.add(a) = Value::Float($flt(x, y as f64));
                $pc = $pc.add(1);
            }
            _ => {} // fall into the MMBIN that follows
        }
    }};
}

macro_rules! op_arith_float {
    ($base:ident, $pc:ident, $i:ident, $x:expr, $y:expr, $flt:expr) => {{
        let a = $i.a() as usize;
        if let (Some(x), Some(y)) = ($x.as_float(), $y.as_float()) {
            *$base.add(a) = Value::Float($flt(x, y));
            $pc = $pc.add(1);
        }
    }};
}

macro_rules! op_bitwise {
    ($base:ident, $pc:ident, $i:ident, $x:expr, $y:expr, $f:expr) => {{
        let a = $i.a() as usize;
        if let (Some(x), Some(y)) = (crate::meta::to_integer_strict($x), crate::meta::to_integer_strict($y)) {
            *$base.add(a) = Value::Int($f(x, y));
            $pc = $pc.add(1);
        }
    }};
}

#[inline(always)]
unsafe fn stack_base(th: &mut Thread, frame_base: usize) -> *mut Value {
    // SAFETY: `frame_base` is within the stack (frames are created with room for their
    // registers).
    unsafe { th.stack.as_mut_ptr().add(frame_base) }
}

#[allow(clippy::cognitive_complexity)]
unsafe fn run(st: &mut State) -> LuaResult<()> {
    // SAFETY: the whole function follows the module comment's discipline.
    unsafe {
        // The running thread does not change during a `run` (a resume inside a call restores
        // it before returning).
        let th: &mut Thread = st.thread();
        // The state of the frame being run, loaded by `enter_frame!`.
        let mut fi: usize;
        let mut cl: Gc<LuaClosure>;
        let mut code: *const Instr;
        #[cfg(debug_assertions)]
        let mut code_len: usize;
        let mut k: *const Value;
        // The instruction pointer (the frame's pc as a pointer into `code`).
        let mut pc: *const Instr;
        let mut frame_base: usize;
        let mut base: *mut Value;
        // The frame's saved pc, re-derived whenever the frame list may have moved.
        let mut pc_slot: *mut usize;
        // Loads the state of the innermost frame (a Lua frame).
        macro_rules! enter_frame {
            () => {{
                fi = th.frames.len() - 1;
                let frame = *th.frames.get_unchecked(fi);
                debug_assert!(frame.is_lua());
                cl = match *th.stack.get_unchecked(frame.func) {
                    Value::LuaFn(c) => c,
                    _ => return Err(st.runtime_error("internal error: frame without a Lua function")),
                };
                code = cl.proto.code;
                #[cfg(debug_assertions)]
                {
                    code_len = cl.proto.plain.code.len();
                }
                k = cl.proto.constants.as_ptr();
                pc = code.add(frame.pc);
                frame_base = frame.base;
                base = stack_base(th, frame_base);
                pc_slot = &mut th.frames.get_unchecked_mut(fi).pc;
            }};
        }
        enter_frame!();
            macro_rules! savepc {
                () => {
                    *pc_slot = pc.offset_from(code) as usize;
                };
            }
            // The frame's top (where the stack top rests between instructions).
            macro_rules! frame_top {
                () => {
                    th.frames.get_unchecked(fi).top
                };
            }
            macro_rules! reload {
                () => {
                    base = stack_base(th, frame_base);
                    pc_slot = &mut th.frames.get_unchecked_mut(fi).pc;
                };
            }
            // Runs an operation that may call Lua, grow the stack or collect.
            macro_rules! protect {
                ($e:expr) => {{
                    savepc!();
                    th.top = frame_top!();
                    let r = $e;
                    reload!();
                    r?
                }};
            }
            macro_rules! gc_safepoint {
                ($live_top:expr) => {{
                    // The objects created so far are accounted for here (see `gc_check_at`).
                    st.heap.created = false;
                    if st.heap.step_due() {
                        savepc!();
                        th.top = $live_top;
                        st.gc_step();
                        th.top = frame_top!();
                        reload!();
                    }
                }};
            }
            // After an assignment that may have grown a table. Growing a table creates no
            // object, so, as in Lua, it is no place to collect: the next place that creates
            // one accounts for the memory (collecting in the middle of a table's growth
            // would measure the heap half-built). Under a memory limit the growth is checked
            // at once.
            macro_rules! growth_safepoint {
                () => {{
                    if st.heap.limit_bytes > 0 {
                        gc_safepoint!(frame_top!());
                    }
                }};
            }
            macro_rules! reg {
                ($x:expr) => {
                    *base.add($x as usize)
                };
            }
            macro_rules! kst {
                ($x:expr) => {
                    *k.add($x as usize)
                };
            }
            macro_rules! upval {
                ($x:expr) => {
                    *cl.upvals.as_ptr().add($x as usize)
                };
            }
            // The raw part of a table read: the value found in its slot (copied straight into
            // the register), or nil from a table without metatable, settles the instruction;
            // otherwise the read goes on to the metamethods.
            macro_rules! raw_read {
                ($tb:expr, $slot:expr, $a:expr) => {{
                    if let Some(slot) = $slot {
                        if !slot.is_nil() {
                            reg!($a) = *slot;
                            continue;
                        }
                    }
                    if $tb.metatable.is_none() {
                        reg!($a) = Value::Nil;
                        continue;
                    }
                }};
            }
            macro_rules! cond_jump {
                ($cond:expr, $i:expr) => {{
                    if $cond != $i.k() {
                        pc = pc.add(1);
                    } else {
                        let ni = *pc;
                        pc = pc.offset(ni.sj_arg() as isize + 1);
                    }
                }};
            }

            loop {
                #[cfg(debug_assertions)]
                debug_assert!((pc.offset_from(code) as usize) < code_len);
                let i = *pc;
                pc = pc.add(1);
                // Hooks and budgets, read from the state at each instruction rather than kept
                // in a local refreshed after calls: one variable fewer for the loop to keep in
                // registers, and never stale.
                if st.trap {
                    savepc!();
                    let r = st.vm_trap(pc.offset_from(code) as usize - 1);
                    reload!();
                    r?;
                }
                let op: OpCode = std::mem::transmute::<u8, OpCode>(i.op_raw());
                match op {
                    OpCode::Move => {
                        reg!(i.a()) = reg!(i.b());
                    }
                    OpCode::LoadI => {
                        reg!(i.a()) = Value::Int(i.sbx() as i64);
                    }
                    OpCode::LoadF => {
                        reg!(i.a()) = Value::Float(i.sbx() as f64);
                    }
                    OpCode::LoadK => {
                        reg!(i.a()) = kst!(i.bx());
                    }
                    OpCode::LoadKX => {
                        let ax = (*pc).ax_arg();
                        pc = pc.add(1);
                        reg!(i.a()) = kst!(ax);
                    }
                    OpCode::LoadFalse => {
                        reg!(i.a()) = Value::Bool(false);
                    }
                    OpCode::LFalseSkip => {
                        reg!(i.a()) = Value::Bool(false);
                        pc = pc.add(1);
                    }
                    OpCode::LoadTrue => {
                        reg!(i.a()) = Value::Bool(true);
                    }
                    OpCode::LoadNil => {
                        let a = i.a() as usize;
                        for j in 0..=i.b() as usize {
                            *base.add(a + j) = Value::Nil;
                        }
                    }
                    OpCode::GetUpval => {
                        reg!(i.a()) = upval!(i.b()).get();
                    }
                    OpCode::SetUpval => {
                        let uv = upval!(i.b());
                        let v = reg!(i.a());
                        uv.set(v);
                        st.barrier_upval(uv, v);
                    }
                    // The fast paths of the reads write the register and go on directly: a
                    // value wrapped in an `Option` or a tuple on the way would be assembled
                    // in memory piecewise and read back whole (a store-forwarding stall).
                    OpCode::GetTabUp => {
                        let uv = upval!(i.b());
                        if let (Value::Table(tb), Value::Str(ks)) = (uv.get(), kst!(i.c())) {
                            raw_read!(tb, tb.short_str_slot(ks), i.a());
                        }
                        let t = uv.get();
                        let key = kst!(i.c());
                        let v = protect!(st.finish_get(t, key, Origin::Upval(i.b())));
                        reg!(i.a()) = v;
                    }
                    OpCode::GetTable => {
                        if let Value::Table(tb) = reg!(i.b()) {
                            if let Value::Int(n) = reg!(i.c()) {
                                raw_read!(tb, tb.int_slot(n), i.a());
                            } else {
                                let v = tb.get(reg!(i.c()));
                                if !v.is_nil() || tb.metatable.is_none() {
                                    reg!(i.a()) = v;
                                    continue;
                                }
                            }
                        }
                        let t = reg!(i.b());
                        let key = reg!(i.c());
                        let v = protect!(st.finish_get(t, key, Origin::Reg(i.b())));
                        reg!(i.a()) = v;
                    }
                    OpCode::GetI => {
                        let n = i.c() as i64;
                        if let Value::Table(tb) = reg!(i.b()) {
                            raw_read!(tb, tb.int_slot(n), i.a());
                        }
                        let t = reg!(i.b());
                        let v = protect!(st.finish_get(t, Value::Int(n), Origin::Reg(i.b())));
                        reg!(i.a()) = v;
                    }
                    OpCode::GetField => {
                        if let (Value::Table(tb), Value::Str(ks)) = (reg!(i.b()), kst!(i.c())) {
                            raw_read!(tb, tb.short_str_slot(ks), i.a());
                            if st.get_str_after_miss(tb, ks, &mut *base.add(i.a() as usize)) {
                                continue;
                            }
                        }
                        let t = reg!(i.b());
                        let key = kst!(i.c());
                        let v = protect!(st.finish_get(t, key, Origin::Reg(i.b())));
                        reg!(i.a()) = v;
                    }
                    OpCode::SetTabUp => {
                        let t = upval!(i.a()).get();
                        let key = kst!(i.b());
                        let v = if i.k() { kst!(i.c()) } else { reg!(i.c()) };
                        if !fast_set_str(st, t, key, v) {
                            protect!(set_slow(st, t, key, v, Origin::Upval(i.a())));
                            growth_safepoint!();
                        }
                    }
                    OpCode::SetTable => {
                        let t = reg!(i.a());
                        let v = if i.k() { kst!(i.c()) } else { reg!(i.c()) };
                        // The key is matched where it lies, not copied whole first: often a
                        // loop's control variable, written piecewise just before, which a
                        // whole read would have to wait for.
                        let done = match (t, *base.add(i.b() as usize)) {
                            (Value::Table(tb), Value::Int(n)) => fast_set_int(st, tb, n, v),
                            (Value::Table(_), Value::Str(s)) if s.is_short() => fast_set_str(st, t, Value::Str(s), v),
                            _ => false,
                        };
                        if !done {
                            let key = reg!(i.b());
                            protect!(set_slow(st, t, key, v, Origin::Reg(i.a())));
                            growth_safepoint!();
                        }
                    }
                    OpCode::SetI => {
                        let t = reg!(i.a());
                        let n = i.b() as i64;
                        let v = if i.k() { kst!(i.c()) } else { reg!(i.c()) };
                        let done = match t {
                            Value::Table(tb) => fast_set_int(st, tb, n, v),
                            _ => false,
                        };
                        if !done {
                            protect!(set_slow(st, t, Value::Int(n), v, Origin::Reg(i.a())));
                            growth_safepoint!();
                        }
                    }
                    OpCode::SetField => {
                        let t = reg!(i.a());
                        let key = kst!(i.b());
                        let v = if i.k() { kst!(i.c()) } else { reg!(i.c()) };
                        if !fast_set_str(st, t, key, v) {
                            protect!(set_slow(st, t, key, v, Origin::Reg(i.a())));
                            growth_safepoint!();
                        }
                    }
                    OpCode::NewTable => {
                        let a = i.a() as usize;
                        let b = i.b();
                        let mut c = i.c() as usize;
                        if i.k() {
                            c += (*pc).ax_arg() as usize * (MAX_C as usize + 1);
                        }
                        pc = pc.add(1); // skip the EXTRAARG
                        let nhash = if b > 0 { 1usize << (b - 1) } else { 0 };
                        let t = st.new_table_with(c, nhash);
                        reg!(a) = Value::Table(t);
                        gc_safepoint!(frame_base + a + 1);
                    }
                    OpCode::SelfOp => {
                        let a = i.a() as usize;
                        let obj = reg!(i.b());
                        let key = if i.k() { kst!(i.c()) } else { reg!(i.c()) };
                        *base.add(a + 1) = obj;
                        if let (Value::Table(tb), Value::Str(ks)) = (obj, key) {
                            if ks.is_short() {
                                raw_read!(tb, tb.short_str_slot(ks), a);
                                if st.get_str_after_miss(tb, ks, &mut *base.add(a)) {
                                    continue;
                                }
                            }
                        }
                        // A long key has not been looked up yet: the full indexing.
                        let v = protect!(st.index_from(obj, key, Origin::Reg(i.b())));
                        reg!(a) = v;
                    }
                    OpCode::AddI => {
                        let a = i.a() as usize;
                        let x = reg!(i.b());
                        let imm = i.sc() as i64;
                        match x {
                            Value::Int(v) => {
                                reg!(a) = Value::Int(v.wrapping_add(imm));
                                pc = pc.add(1);
                            }
                            Value::Float(f) => {
                                reg!(a) = Value::Float(f + imm as f64);
                                pc = pc.add(1);
                            }
                            _ => {}
                        }
                    }
                    OpCode::AddK => op_arith!(st, th, base, pc, i, reg!(i.b()), kst!(i.c()), i64::wrapping_add, |x: f64, y: f64| x + y),
                    OpCode::SubK => op_arith!(st, th, base, pc, i, reg!(i.b()), kst!(i.c()), i64::wrapping_sub, |x: f64, y: f64| x - y),
                    OpCode::MulK => op_arith!(st, th, base, pc, i, reg!(i.b()), kst!(i.c()), i64::wrapping_mul, |x: f64, y: f64| x * y),
                    OpCode::ModK => {
                        let x = reg!(i.b());
                        let y = kst!(i.c());
                        if let Value::Int(0) = y {
                            if let Value::Int(_) = x {
                                savepc!();
                                return Err(st.div_by_zero_error(ArithOp::Mod));
                            }
                        }
                        op_arith!(st, th, base, pc, i, x, y, |a, b| number::int_mod(a, b).unwrap_or(0), number::float_mod)
                    }
                    OpCode::PowK => op_arith_float!(base, pc, i, reg!(i.b()), kst!(i.c()), number::float_pow),
                    OpCode::DivK => op_arith_float!(base, pc, i, reg!(i.b()), kst!(i.c()), |x: f64, y: f64| x / y),
                    OpCode::IDivK => {
                        let x = reg!(i.b());
                        let y = kst!(i.c());
                        if let Value::Int(0) = y {
                            if let Value::Int(_) = x {
                                savepc!();
                                return Err(st.div_by_zero_error(ArithOp::IDiv));
                            }
                        }
                        op_arith!(st, th, base, pc, i, x, y, |a, b| number::int_floor_div(a, b).unwrap_or(0), number::float_floor_div)
                    }
                    OpCode::BAndK => op_bitwise!(base, pc, i, reg!(i.b()), kst!(i.c()), |x: i64, y: i64| x & y),
                    OpCode::BOrK => op_bitwise!(base, pc, i, reg!(i.b()), kst!(i.c()), |x: i64, y: i64| x | y),
                    OpCode::BXorK => op_bitwise!(base, pc, i, reg!(i.b()), kst!(i.c()), |x: i64, y: i64| x ^ y),
                    OpCode::ShrI => op_bitwise!(base, pc, i, reg!(i.b()), Value::Int(i.sc() as i64), |x: i64, y: i64| number::shift_left(x, y.wrapping_neg())),
                    OpCode::ShlI => op_bitwise!(base, pc, i, Value::Int(i.sc() as i64), reg!(i.b()), number::shift_left),
                    OpCode::Add => op_arith!(st, th, base, pc, i, reg!(i.b()), reg!(i.c()), i64::wrapping_add, |x: f64, y: f64| x + y),
                    OpCode::Sub => op_arith!(st, th, base, pc, i, reg!(i.b()), reg!(i.c()), i64::wrapping_sub, |x: f64, y: f64| x - y),
                    OpCode::Mul => op_arith!(st, th, base, pc, i, reg!(i.b()), reg!(i.c()), i64::wrapping_mul, |x: f64, y: f64| x * y),
                    OpCode::Mod => {
                        let x = reg!(i.b());
                        let y = reg!(i.c());
                        if let (Value::Int(_), Value::Int(0)) = (x, y) {
                            savepc!();
                            return Err(st.div_by_zero_error(ArithOp::Mod));
                        }
                        op_arith!(st, th, base, pc, i, x, y, |a, b| number::int_mod(a, b).unwrap_or(0), number::float_mod)
                    }
                    OpCode::Pow => op_arith_float!(base, pc, i, reg!(i.b()), reg!(i.c()), number::float_pow),
                    OpCode::Div => op_arith_float!(base, pc, i, reg!(i.b()), reg!(i.c()), |x: f64, y: f64| x / y),
                    OpCode::IDiv => {
                        let x = reg!(i.b());
                        let y = reg!(i.c());
                        if let (Value::Int(_), Value::Int(0)) = (x, y) {
                            savepc!();
                            return Err(st.div_by_zero_error(ArithOp::IDiv));
                        }
                        op_arith!(st, th, base, pc, i, x, y, |a, b| number::int_floor_div(a, b).unwrap_or(0), number::float_floor_div)
                    }
                    OpCode::BAnd => op_bitwise!(base, pc, i, reg!(i.b()), reg!(i.c()), |x: i64, y: i64| x & y),
                    OpCode::BOr => op_bitwise!(base, pc, i, reg!(i.b()), reg!(i.c()), |x: i64, y: i64| x | y),
                    OpCode::BXor => op_bitwise!(base, pc, i, reg!(i.b()), reg!(i.c()), |x: i64, y: i64| x ^ y),
                    OpCode::Shl => op_bitwise!(base, pc, i, reg!(i.b()), reg!(i.c()), number::shift_left),
                    OpCode::Shr => op_bitwise!(base, pc, i, reg!(i.b()), reg!(i.c()), |x: i64, y: i64| number::shift_left(x, y.wrapping_neg())),
                    OpCode::MmBin => {
                        let prev = *pc.sub(2);
                        let x = reg!(i.a());
                        let y = reg!(i.b());
                        let tm = TagMethod::from_u8(i.c() as u8).unwrap_or(TagMethod::Add);
                        let r = protect!(st.arith_tm(x, y, tm, Origin::Reg(i.a()), Origin::Reg(i.b())));
                        reg!(prev.a()) = r;
                    }
                    OpCode::MmBinI => {
                        let prev = *pc.sub(2);
                        let x = reg!(i.a());
                        let imm = Value::Int(i.sb() as i64);
                        let tm = TagMethod::from_u8(i.c() as u8).unwrap_or(TagMethod::Add);
                        let r = if i.k() {
                            protect!(st.arith_tm(imm, x, tm, Origin::None, Origin::Reg(i.a())))
                        } else {
                            protect!(st.arith_tm(x, imm, tm, Origin::Reg(i.a()), Origin::None))
                        };
                        reg!(prev.a()) = r;
                    }
                    OpCode::MmBinK => {
                        let prev = *pc.sub(2);
                        let x = reg!(i.a());
                        let kv = kst!(i.b());
                        let tm = TagMethod::from_u8(i.c() as u8).unwrap_or(TagMethod::Add);
                        let r = if i.k() {
                            protect!(st.arith_tm(kv, x, tm, Origin::None, Origin::Reg(i.a())))
                        } else {
                            protect!(st.arith_tm(x, kv, tm, Origin::Reg(i.a()), Origin::None))
                        };
                        reg!(prev.a()) = r;
                    }
                    OpCode::Unm => {
                        let x = reg!(i.b());
                        match x {
                            Value::Int(v) => reg!(i.a()) = Value::Int(v.wrapping_neg()),
                            Value::Float(f) => reg!(i.a()) = Value::Float(-f),
                            _ => {
                                let r = protect!(st.arith_tm(x, x, TagMethod::Unm, Origin::Reg(i.b()), Origin::Reg(i.b())));
                                reg!(i.a()) = r;
                            }
                        }
                    }
                    OpCode::BNot => {
                        let x = reg!(i.b());
                        if let Some(v) = crate::meta::to_integer_strict(x) {
                            reg!(i.a()) = Value::Int(!v);
                        } else {
                            let r = protect!(st.arith_tm(x, x, TagMethod::BNot, Origin::Reg(i.b()), Origin::Reg(i.b())));
                            reg!(i.a()) = r;
                        }
                    }
                    OpCode::Not => {
                        reg!(i.a()) = Value::Bool(reg!(i.b()).is_falsy());
                    }
                    OpCode::Len => {
                        let x = reg!(i.b());
                        let v = match x {
                            Value::Str(s) => Value::Int(s.len() as i64),
                            Value::Table(t) if t.metatable.is_none() => Value::Int(t.border() as i64),
                            _ => protect!(st.len_from(x, Origin::Reg(i.b()))),
                        };
                        reg!(i.a()) = v;
                    }
                    OpCode::Concat => {
                        let a = i.a() as usize;
                        let n = i.b() as usize;
                        savepc!();
                        th.top = frame_base + a + n;
                        let r = st.concat_range(n, Origin::Reg(a as u32));
                        reload!();
                        r?;
                        gc_safepoint!(frame_base + a + 1);
                        th.top = frame_top!();
                    }
                    OpCode::Close => {
                        protect!(st.close_level(frame_base + i.a() as usize, None));
                    }
                    OpCode::Tbc => {
                        protect!(st.mark_tbc(frame_base + i.a() as usize));
                    }
                    OpCode::Jmp => {
                        let off = i.sj_arg();
                        pc = pc.offset(off as isize);
                        if off < 0 && st.interrupted() {
                            savepc!();
                            return Err(st.interrupt_error());
                        }
                    }
                    OpCode::Eq => {
                        let x = reg!(i.a());
                        let y = reg!(i.b());
                        let res = match (x, y) {
                            (Value::Int(p), Value::Int(q)) => p == q,
                            (Value::Table(_), Value::Table(_)) | (Value::UserData(_), Value::UserData(_)) => {
                                protect!(st.equals(x, y))
                            }
                            _ => x.raw_eq(&y),
                        };
                        cond_jump!(res, i);
                    }
                    OpCode::Lt => {
                        let x = reg!(i.a());
                        let y = reg!(i.b());
                        let res = match (x, y) {
                            (Value::Int(p), Value::Int(q)) => p < q,
                            (Value::Float(p), Value::Float(q)) => p < q,
                            _ if x.is_number() && y.is_number() => number::num_lt(x, y),
                            _ => protect!(st.less_than(x, y)),
                        };
                        cond_jump!(res, i);
                    }
                    OpCode::Le => {
                        let x = reg!(i.a());
                        let y = reg!(i.b());
                        let res = match (x, y) {
                            (Value::Int(p), Value::Int(q)) => p <= q,
                            (Value::Float(p), Value::Float(q)) => p <= q,
                            _ if x.is_number() && y.is_number() => number::num_le(x, y),
                            _ => protect!(st.less_equal(x, y)),
                        };
                        cond_jump!(res, i);
                    }
                    OpCode::EqK => {
                        let x = reg!(i.a());
                        let y = kst!(i.b());
                        cond_jump!(x.raw_eq(&y), i);
                    }
                    OpCode::EqI => {
                        let x = reg!(i.a());
                        let imm = i.sb() as i64;
                        let res = match x {
                            Value::Int(v) => v == imm,
                            Value::Float(f) => f == imm as f64,
                            _ => false,
                        };
                        cond_jump!(res, i);
                    }
                    OpCode::LtI => {
                        let x = reg!(i.a());
                        let res = match x {
                            Value::Int(v) => v < i.sb() as i64,
                            Value::Float(f) => f < i.sb() as f64,
                            _ => protect!(st.order_tm(x, imm_operand(i), TagMethod::Lt)),
                        };
                        cond_jump!(res, i);
                    }
                    OpCode::LeI => {
                        let x = reg!(i.a());
                        let res = match x {
                            Value::Int(v) => v <= i.sb() as i64,
                            Value::Float(f) => f <= i.sb() as f64,
                            _ => protect!(st.order_tm(x, imm_operand(i), TagMethod::Le)),
                        };
                        cond_jump!(res, i);
                    }
                    OpCode::GtI => {
                        let x = reg!(i.a());
                        let res = match x {
                            Value::Int(v) => v > i.sb() as i64,
                            Value::Float(f) => f > i.sb() as f64,
                            _ => protect!(st.order_tm(imm_operand(i), x, TagMethod::Lt)),
                        };
                        cond_jump!(res, i);
                    }
                    OpCode::GeI => {
                        let x = reg!(i.a());
                        let res = match x {
                            Value::Int(v) => v >= i.sb() as i64,
                            Value::Float(f) => f >= i.sb() as f64,
                            _ => protect!(st.order_tm(imm_operand(i), x, TagMethod::Le)),
                        };
                        cond_jump!(res, i);
                    }
                    OpCode::Test => {
                        let cond = reg!(i.a()).truthy();
                        cond_jump!(cond, i);
                    }
                    OpCode::TestSet => {
                        let rb = reg!(i.b());
                        if rb.is_falsy() == i.k() {
                            pc = pc.add(1);
                        } else {
                            reg!(i.a()) = rb;
                            let ni = *pc;
                            pc = pc.offset(ni.sj_arg() as isize + 1);
                        }
                    }
                    OpCode::Call => {
                        let a = i.a() as usize;
                        let b = i.b() as usize;
                        let nresults = i.c() as i32 - 1;
                        let func = frame_base + a;
                        if b != 0 {
                            th.top = func + b;
                        }
                        savepc!();
                        match *th.stack.get_unchecked(func) {
                            Value::LuaFn(c) => {
                                // Fast path: a fixed-parameter function whose registers fit.
                                let p = c.proto;
                                let ftop = func + 1 + p.max_stack as usize;
                                let nargs = th.top - func - 1;
                                let room = if p.is_vararg { ftop + nargs + 1 } else { ftop };
                                if !st.trap && room <= th.stack.len() {
                                    let sp = th.stack.as_mut_ptr();
                                    let nparams = p.num_params as usize;
                                    for j in nargs..nparams {
                                        *sp.add(func + 1 + j) = Value::Nil;
                                    }
                                    // A vararg function's VARARGPREP reads the arguments up to
                                    // the top; others own their whole frame.
                                    th.top = if !p.is_vararg {
                                        ftop
                                    } else {
                                        func + 1 + nargs.max(nparams)
                                    };
                                    th.frames.push(crate::thread::CallFrame {
                                        func,
                                        base: func + 1,
                                        top: ftop,
                                        pc: 0,
                                        nresults,
                                        nextra: 0,
                                        flags: crate::thread::flags::LUA,
                                    });
                                    // Enter the callee without reloading from memory.
                                    fi += 1;
                                    cl = c;
                                    code = p.code;
                                    #[cfg(debug_assertions)]
                                    {
                                        code_len = p.plain.code.len();
                                    }
                                    k = p.constants.as_ptr();
                                    pc = code;
                                    frame_base = func + 1;
                                    base = stack_base(th, frame_base);
                                    pc_slot = &mut th.frames.get_unchecked_mut(fi).pc;
                                    continue;
                                }
                                st.push_lua_frame(func, c, nresults)?;
                                {
                                enter_frame!();
                                continue;
                            }
                            }
                            Value::Native(f) => {
                                let r = st.call_native(func, f, nresults);
                                reload!();
                                r?;
                                if nresults >= 0 {
                                    th.top = frame_top!();
                                }
                            }
                            Value::NativeClosure(c) => {
                                let r = st.call_native(func, c.f, nresults);
                                reload!();
                                r?;
                                if nresults >= 0 {
                                    th.top = frame_top!();
                                }
                            }
                            _ => {
                                let r = st.precall(func, nresults);
                                reload!();
                                if r? {
                                    {
                                enter_frame!();
                                continue;
                            }
                                }
                                if nresults >= 0 {
                                    th.top = frame_top!();
                                }
                            }
                        }
                    }
                    OpCode::TailCall => {
                        let a = i.a() as usize;
                        let b = i.b() as usize;
                        let func = frame_base + a;
                        if b != 0 {
                            th.top = func + b;
                        }
                        savepc!();
                        if i.k() {
                            st.close_upvals(frame_base);
                        }
                        let delta = if i.c() != 0 { th.frames.get_unchecked(fi).nextra as usize + i.c() as usize } else { 0 };
                        if st.tail_call(func, delta)? {
                            {
                                enter_frame!();
                                continue;
                            }
                        }
                        // A native function ran; its results are above the callee slot.
                        let nres = th.top - func;
                        th.frames.get_unchecked_mut(fi).func -= delta;
                        let ret = st.finish_return(fi, func, nres)?;
                        if ret {
                            return Ok(());
                        }
                        {
                                enter_frame!();
                                continue;
                            }
                    }
                    OpCode::Return => {
                        let a = i.a() as usize;
                        let ra = frame_base + a;
                        let mut n = if i.b() != 0 { i.b() as usize - 1 } else { th.top - ra };
                        if i.k() {
                            savepc!();
                            if th.top < ra + n {
                                th.top = ra + n;
                            }
                            th.extra_mut(fi).nres_pending = n as u32;
                            let r = st.close_level(frame_base, None);
                            // The stack may have moved; only the pc slot is used
                            // from here on (`base` is not).
                            pc_slot = &mut th.frames.get_unchecked_mut(fi).pc;
                            r?;
                            n = th.extra(fi).nres_pending as usize;
                        }
                        if i.c() != 0 {
                            let f = th.frames.get_unchecked_mut(fi);
                            f.func -= f.nextra as usize + i.c() as usize;
                        }
                        if !st.trap {
                            // Fast path: move the results down and pop the frame.
                            let fr = *th.frames.get_unchecked(fi);
                            let res = fr.func;
                            let wanted = if fr.nresults < 0 { n } else { fr.nresults as usize };
                            let sp = th.stack.as_mut_ptr();
                            let m = n.min(wanted);
                            for j in 0..m {
                                *sp.add(res + j) = *sp.add(ra + j);
                            }
                            for j in m..wanted {
                                *sp.add(res + j) = Value::Nil;
                            }
                            th.top = res + wanted;
                            th.frames.set_len(fi);
                            if fr.flags & crate::thread::flags::FRESH != 0 {
                                return Ok(());
                            }
                            enter_frame!();
                            continue;
                        }
                        savepc!();
                        if st.finish_return(fi, ra, n)? {
                            return Ok(());
                        }
                        {
                                enter_frame!();
                                continue;
                            }
                    }
                    OpCode::Return0 => {
                        if !st.trap {
                            let fr = *th.frames.get_unchecked(fi);
                            let res = fr.func;
                            if fr.nresults > 0 {
                                let sp = th.stack.as_mut_ptr();
                                for j in 0..fr.nresults as usize {
                                    *sp.add(res + j) = Value::Nil;
                                }
                                th.top = res + fr.nresults as usize;
                            } else {
                                th.top = res;
                            }
                            th.frames.set_len(fi);
                            if fr.flags & crate::thread::flags::FRESH != 0 {
                                return Ok(());
                            }
                            {
                                enter_frame!();
                                continue;
                            }
                        }
                        savepc!();
                        if st.finish_return(fi, frame_base, 0)? {
                            return Ok(());
                        }
                        {
                                enter_frame!();
                                continue;
                            }
                    }
                    OpCode::Return1 => {
                        if !st.trap {
                            let fr = *th.frames.get_unchecked(fi);
                            let res = fr.func;
                            let sp = th.stack.as_mut_ptr();
                            *sp.add(res) = reg!(i.a());
                            if fr.nresults > 1 {
                                for j in 1..fr.nresults as usize {
                                    *sp.add(res + j) = Value::Nil;
                                }
                                th.top = res + fr.nresults as usize;
                            } else {
                                th.top = res + (fr.nresults != 0) as usize;
                            }
                            th.frames.set_len(fi);
                            if fr.flags & crate::thread::flags::FRESH != 0 {
                                return Ok(());
                            }
                            {
                                enter_frame!();
                                continue;
                            }
                        }
                        savepc!();
                        if st.finish_return(fi, frame_base + i.a() as usize, 1)? {
                            return Ok(());
                        }
                        {
                                enter_frame!();
                                continue;
                            }
                    }
                    OpCode::ForLoop => {
                        let a = i.a() as usize;
                        let ra = base.add(a);
                        match *ra.add(2) {
                            Value::Int(step) => {
                                if let Value::Int(count) = *ra.add(1) {
                                    if count > 0 {
                                        *ra.add(1) = Value::Int(count - 1);
                                        if let Value::Int(idx) = *ra {
                                            let idx = idx.wrapping_add(step);
                                            *ra = Value::Int(idx);
                                            *ra.add(3) = Value::Int(idx);
                                        }
                                        pc = pc.sub(i.bx() as usize);
                                        // An interrupt (Ctrl-C, an embedder's) is looked for
                                        // every 256 turns: it costs two dependent loads.
                                        if count & 0xff == 0 && st.interrupted() {
                                            savepc!();
                                            return Err(st.interrupt_error());
                                        }
                                    }
                                }
                            }
                            Value::Float(step) => {
                                if let (Value::Float(limit), Value::Float(idx)) = (*ra.add(1), *ra) {
                                    let idx = idx + step;
                                    let cont = if step > 0.0 { idx <= limit } else { limit <= idx };
                                    if cont {
                                        *ra = Value::Float(idx);
                                        *ra.add(3) = Value::Float(idx);
                                        pc = pc.sub(i.bx() as usize);
                                    }
                                }
                                if st.interrupted() {
                                    savepc!();
                                    return Err(st.interrupt_error());
                                }
                            }
                            _ => {}
                        }
                    }
                    OpCode::ForPrep => {
                        savepc!();
                        let a = i.a() as usize;
                        let skip = st.for_prep(frame_base + a)?;
                        reload!();
                        if skip {
                            pc = pc.add(i.bx() as usize + 1);
                        }
                    }
                    OpCode::TForPrep => {
                        let a = i.a() as usize;
                        protect!(st.mark_tbc(frame_base + a + 3));
                        pc = pc.add(i.bx() as usize);
                    }
                    OpCode::TForCall => {
                        let a = i.a() as usize;
                        let ra = base.add(a);
                        *ra.add(4) = *ra;
                        *ra.add(5) = *ra.add(1);
                        *ra.add(6) = *ra.add(2);
                        let func = frame_base + a + 4;
                        th.top = func + 3;
                        savepc!();
                        let nresults = i.c() as i32;
                        match *th.stack.get_unchecked(func) {
                            Value::LuaFn(c) => {
                                st.push_lua_frame(func, c, nresults)?;
                                {
                                enter_frame!();
                                continue;
                            }
                            }
                            _ => {
                                let r = st.precall(func, nresults);
                                reload!();
                                if r? {
                                    {
                                enter_frame!();
                                continue;
                            }
                                }
                                th.top = frame_top!();
                            }
                        }
                    }
                    OpCode::TForLoop => {
                        let a = i.a() as usize;
                        let ra = base.add(a);
                        if !(*ra.add(4)).is_nil() {
                            *ra.add(2) = *ra.add(4);
                            pc = pc.sub(i.bx() as usize);
                            if st.interrupted() {
                                savepc!();
                                return Err(st.interrupt_error());
                            }
                        }
                    }
                    OpCode::SetList => {
                        let a = i.a() as usize;
                        let mut n = i.b() as usize;
                        let mut last = i.c() as usize;
                        if n == 0 {
                            n = th.top - (frame_base + a) - 1;
                        } else {
                            th.top = frame_top!();
                        }
                        if i.k() {
                            last += (*pc).ax_arg() as usize * (MAX_C as usize + 1);
                            pc = pc.add(1);
                        }
                        last += n;
                        if let Value::Table(t) = reg!(a) {
                            st.set_list(t, base.add(a + 1), n, last);
                        }
                        th.top = frame_top!();
                    }
                    OpCode::Closure => {
                        let a = i.a() as usize;
                        let p = *cl.proto.protos.get_unchecked(i.bx() as usize);
                        let c = st.make_closure(p, cl, frame_base);
                        reg!(a) = Value::LuaFn(c);
                        gc_safepoint!(frame_base + a + 1);
                    }
                    OpCode::VarArg => {
                        let a = i.a() as usize;
                        let wanted = i.c() as i32 - 1;
                        savepc!();
                        let r = st.get_varargs(fi, frame_base + a, wanted);
                        reload!();
                        r?;
                    }
                    OpCode::VarArgPrep => {
                        savepc!();
                        st.adjust_varargs(fi, i.a() as usize)?;
                        // The frame moved: reload everything.
                        th.frames.get_unchecked_mut(fi).pc = pc.offset_from(code) as usize;
                        {
                                enter_frame!();
                                continue;
                            }
                    }
                    OpCode::ExtraArg => {
                        savepc!();
                        return Err(st.runtime_error("internal error: stray EXTRAARG"));
                    }
                }
            }
    }
}

/// The immediate operand of `LTI`-style comparisons, as the metamethod sees it (C flags a
/// float).
#[inline]
fn imm_operand(i: Instr) -> Value {
    if i.c() != 0 {
        Value::Float(i.sb() as f64)
    } else {
        Value::Int(i.sb() as i64)
    }
}

/// Assignment of a key the table does not have yet (or through metamethods): tables without
/// a metatable take it raw, others go through `__newindex`.
#[inline(always)]
fn set_slow(st: &mut State, t: Value, key: Value, v: Value, origin: Origin) -> LuaResult<()> {
    match t {
        Value::Table(tb) if tb.metatable.is_none() => st.raw_set(tb, key, v),
        _ => st.set_index_from(t, key, v, origin),
    }
}

/// Assignment fast path for a short-string key that has a node in the table: an existing
/// value is replaced (nil too); a key whose value is nil is set when the table's metatable is
/// known to lack `__newindex`. True when done.
#[inline(always)]
fn fast_set_str(st: &mut State, t: Value, key: Value, v: Value) -> bool {
    if let (Value::Table(tb), Value::Str(ks)) = (t, key) {
        let no_newindex = match tb.metatable {
            None => true,
            Some(mt) => mt.absent_meta.get() & (1u32 << (TagMethod::NewIndex as u32)) != 0,
        };
        // SAFETY: the table is rooted by the caller's register or upvalue; the borrow is local.
        let tbm = unsafe { tb.get_mut() };
        if let Some(slot) = tbm.slot_short_str(ks) {
            if slot.is_nil() {
                if !no_newindex {
                    return false;
                }
                *slot = v;
                // A key coming back may be a metamethod of a table used as a metatable.
                tbm.absent_meta.set(0);
            } else {
                *slot = v;
            }
            st.barrier_value(tb, v);
            return true;
        }
    }
    false
}

/// Assignment fast path for an integer key: an existing key, or any slot of the array part
/// of a table without metatable (no `__newindex` to consult): true when done.
#[inline(always)]
fn fast_set_int(st: &mut State, tb: Gc<crate::table::Table>, n: i64, v: Value) -> bool {
    // SAFETY: as in `fast_set_str`.
    let t = unsafe { tb.get_mut() };
    let idx = (n as u64).wrapping_sub(1);
    if idx < t.array.len() as u64 && t.metatable.is_none() {
        // SAFETY: bounds checked just above.
        unsafe { *t.array.get_unchecked_mut(idx as usize) = v };
        st.barrier_value(tb, v);
        return true;
    }
    if let Some(slot) = t.existing_slot_int(n) {
        *slot = v;
        st.barrier_value(tb, v);
        return true;
    }
    false
}

impl State {
    /// Prepares a numeric `for` (`FORPREP`); returns true when the loop runs zero times.
    fn for_prep(&mut self, ra: usize) -> LuaResult<bool> {
        let th = self.thread();
        let init = th.stack[ra];
        let limit = th.stack[ra + 1];
        let step = th.stack[ra + 2];
        if let (Value::Int(init), Value::Int(step)) = (init, step) {
            if step == 0 {
                return Err(self.runtime_error("'for' step is zero"));
            }
            th.stack[ra + 3] = Value::Int(init);
            let lim = match self.for_limit(init, limit, step)? {
                Some(l) => l,
                None => return Ok(true),
            };
            let skip = if step > 0 { init > lim } else { init < lim };
            if skip {
                return Ok(true);
            }
            let count: u64 = if step > 0 {
                let c = (lim as u64).wrapping_sub(init as u64);
                if step != 1 {
                    c / step as u64
                } else {
                    c
                }
            } else {
                let c = (init as u64).wrapping_sub(lim as u64);
                c / ((-(step + 1)) as u64 + 1)
            };
            let th = self.thread();
            th.stack[ra + 1] = Value::Int(count as i64);
            Ok(false)
        } else {
            let Some(flimit) = self.for_number(limit) else {
                return Err(self.for_error(limit, "limit"));
            };
            let Some(fstep) = self.for_number(step) else {
                return Err(self.for_error(step, "step"));
            };
            let Some(finit) = self.for_number(init) else {
                return Err(self.for_error(init, "initial value"));
            };
            if fstep == 0.0 {
                return Err(self.runtime_error("'for' step is zero"));
            }
            let skip = if fstep > 0.0 { flimit < finit } else { finit < flimit };
            if skip {
                return Ok(true);
            }
            let th = self.thread();
            th.stack[ra] = Value::Float(finit);
            th.stack[ra + 1] = Value::Float(flimit);
            th.stack[ra + 2] = Value::Float(fstep);
            th.stack[ra + 3] = Value::Float(finit);
            Ok(false)
        }
    }

    fn for_number(&self, v: Value) -> Option<f64> {
        match v {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            Value::Str(s) => match number::str_to_number(s.as_bytes())? {
                Value::Int(i) => Some(i as f64),
                Value::Float(f) => Some(f),
                _ => None,
            },
            _ => None,
        }
    }

    /// The integer limit of an integer loop, clipped; `None` when the loop must not run.
    fn for_limit(&mut self, init: i64, limit: Value, step: i64) -> LuaResult<Option<i64>> {
        let conv = match limit {
            Value::Int(i) => Some(i),
            Value::Float(f) => {
                if step < 0 {
                    number::float_to_int_ceil(f)
                } else {
                    number::float_to_int_floor(f)
                }
            }
            Value::Str(s) => match number::str_to_number(s.as_bytes()) {
                Some(Value::Int(i)) => Some(i),
                Some(Value::Float(f)) => {
                    if step < 0 {
                        number::float_to_int_ceil(f)
                    } else {
                        number::float_to_int_floor(f)
                    }
                }
                _ => return Err(self.for_error(limit, "limit")),
            },
            _ => return Err(self.for_error(limit, "limit")),
        };
        match conv {
            Some(l) => Ok(Some(l)),
            None => {
                let f = self.for_number(limit).unwrap_or(0.0);
                if f.is_nan() {
                    return Ok(None);
                }
                if f > 0.0 {
                    if step < 0 {
                        return Ok(None);
                    }
                    Ok(Some(i64::MAX))
                } else {
                    if step > 0 {
                        return Ok(None);
                    }
                    let _ = init;
                    Ok(Some(i64::MIN))
                }
            }
        }
    }

    #[cold]
    fn for_error(&mut self, v: Value, what: &str) -> LuaError {
        let tn = self.type_name_of(v);
        self.runtime_error(&format!("bad 'for' {} (number expected, got {})", what, tn))
    }

    /// `SETLIST`: stores `n` values starting at `src` into `t[last-n+1 .. last]`.
    unsafe fn set_list(&mut self, t: Gc<crate::table::Table>, src: *const Value, n: usize, last: usize) {
        // SAFETY: `src` points at `n` registers of the running frame; the table is rooted by
        // its register.
        unsafe {
            let tm = t.get_mut();
            if last > tm.array.len() {
                let hash = tm.node_count();
                tm.resize(&mut self.heap, last, hash);
            }
            let first = last - n;
            for j in 0..n {
                let v = *src.add(j);
                tm.array[first + j] = v;
                self.barrier_value(t, v);
            }
        }
    }

    /// `CLOSURE`: creates a closure of `p`, capturing upvalues of the enclosing frame.
    fn make_closure(&mut self, p: Gc<crate::function::Proto>, enclosing: Gc<LuaClosure>, frame_base: usize) -> Gc<LuaClosure> {
        let descs = &p.plain.upvalues;
        let mut ups: Vec<Gc<UpVal>> = Vec::with_capacity(descs.len());
        for d in descs.iter() {
            if d.in_stack {
                ups.push(self.find_upval(frame_base + d.index as usize));
            } else {
                ups.push(enclosing.upvals[d.index as usize]);
            }
        }
        self.new_lua_closure(p, ups.into_boxed_slice())
    }

    /// `VARARG`: copies the extra arguments of frame `fi` to `dest`.
    fn get_varargs(&mut self, fi: usize, dest: usize, wanted: i32) -> LuaResult<()> {
        let th = self.thread();
        let frame = th.frames[fi];
        let nextra = frame.nextra as usize;
        let wanted = if wanted < 0 {
            self.thread().top = dest;
            self.ensure_stack(nextra)?;
            let th = self.thread();
            th.top = dest + nextra;
            nextra
        } else {
            wanted as usize
        };
        let th = self.thread();
        let src = frame.func - nextra;
        for j in 0..wanted {
            th.stack[dest + j] = if j < nextra { th.stack[src + j] } else { Value::Nil };
        }
        Ok(())
    }

    /// `VARARGPREP`: moves the function and its fixed parameters above the actual arguments,
    /// so the extra arguments stay below the frame.
    fn adjust_varargs(&mut self, fi: usize, nfix: usize) -> LuaResult<()> {
        let th = self.thread();
        let frame = th.frames[fi];
        let actual = th.top - frame.func - 1;
        let nextra = actual.saturating_sub(nfix);
        let max_stack = frame.top - frame.base;
        self.ensure_stack(max_stack + 1)?;
        let th = self.thread();
        let old_func = frame.func;
        let new_func = th.top;
        th.stack[new_func] = th.stack[old_func];
        for j in 1..=nfix {
            th.stack[new_func + j] = th.stack[old_func + j];
            th.stack[old_func + j] = Value::Nil;
        }
        let f = &mut th.frames[fi];
        f.nextra = nextra as u32;
        f.func = new_func;
        f.base = new_func + 1;
        f.top = f.base + max_stack;
        th.top = f.top;
        Ok(())
    }
}

