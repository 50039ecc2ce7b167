//! The function under construction and the primitives that build its code: emitting
//! instructions (each stamped with `Compiler::last_line`), jump lists, registers, constants,
//! and the final pass over a finished function.
//!
//! Jump lists: a list of pending jumps is threaded through the jumps' own offset fields. A list
//! is named by the pc of its first jump (`NO_JUMP` for the empty list); each jump's offset leads
//! to the next, and a jump whose offset is `NO_JUMP` (a jump to itself) ends the list. Every
//! list is patched to real targets before the function is finished.

use crate::opcodes::{Instr, OpCode, MAX_BX, MAX_C, MAX_REGS, MAX_SJ, OFFSET_SBX, OFFSET_SJ};
use crate::proto::{Constant, FnProto};

use super::{CResult, Compiler};

/// The empty jump list (and the offset that ends a list).
pub(crate) const NO_JUMP: i32 = -1;

/// A block of the function being compiled (Lua's `BlockCnt`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct BlockCnt {
    /// Index of the first label of this block in `Compiler::labels`.
    pub first_label: usize,
    /// Index of the first pending goto of this block in `Compiler::gotos`.
    pub first_goto: usize,
    /// Number of active local variables outside the block.
    pub nactvar: usize,
    /// Some variable of the block is captured by a closure (or is to be closed).
    pub upval: bool,
    pub is_loop: bool,
    /// Inside the scope of a to-be-closed variable.
    pub inside_tbc: bool,
}

/// A function being compiled (Lua's `FuncState`).
pub(crate) struct FuncState {
    pub f: FnProto,
    /// Last position that is a jump target (instructions before it may not be merged with the
    /// next one).
    pub last_target: usize,
    /// Index of this function's first variable in `Compiler::actvars`.
    pub first_local: usize,
    /// Index of this function's first label in `Compiler::labels`.
    pub first_label: usize,
    /// Number of active local variables (compile-time constants included).
    pub nactvar: usize,
    pub freereg: u32,
    /// The function must close upvalues or to-be-closed variables when returning.
    pub needclose: bool,
    pub blocks: Vec<BlockCnt>,
}

impl FuncState {
    pub(crate) fn new(f: FnProto, first_local: usize, first_label: usize) -> FuncState {
        FuncState {
            f,
            last_target: 0,
            first_local,
            first_label,
            nactvar: 0,
            freereg: 0,
            needclose: false,
            blocks: Vec::new(),
        }
    }

    #[inline]
    pub(crate) fn pc(&self) -> usize {
        self.f.code.len()
    }
}

/// Whether `op` is a test whose following instruction is a jump.
pub(crate) fn is_test_op(op: OpCode) -> bool {
    matches!(
        op,
        OpCode::Eq
            | OpCode::Lt
            | OpCode::Le
            | OpCode::EqK
            | OpCode::EqI
            | OpCode::LtI
            | OpCode::LeI
            | OpCode::GtI
            | OpCode::GeI
            | OpCode::Test
            | OpCode::TestSet
    )
}

#[inline]
pub(crate) fn op_of(i: Instr) -> Option<OpCode> {
    i.opcode()
}

#[inline]
pub(crate) fn with_op(i: Instr, op: OpCode) -> Instr {
    Instr((i.0 & !0x7f) | op as u32)
}

/// Whether `i` fits an sBx operand.
#[inline]
pub(crate) fn fits_bx(i: i64) -> bool {
    -(OFFSET_SBX as i64) <= i && i <= MAX_BX as i64 - OFFSET_SBX as i64
}

/// Exact conversion of a float with an integral value to an integer (Lua's `F2Ieq`).
#[inline]
pub(crate) fn float_to_int(f: f64) -> Option<i64> {
    if f.floor() == f && (-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&f) {
        Some(f as i64)
    } else {
        None
    }
}

impl<'a> Compiler<'a> {
    // ---------------------------------------------------------------- emitting instructions

    /// Appends an instruction with the current line; returns its position.
    #[inline]
    pub(crate) fn emit(&mut self, i: Instr) -> usize {
        let f = &mut self.fs.f;
        f.code.push(i);
        f.line_info.push(self.last_line);
        f.code.len() - 1
    }

    #[inline]
    pub(crate) fn emit_abc(&mut self, op: OpCode, a: u32, b: u32, c: u32) -> usize {
        self.emit(Instr::abc(op, a, b, c, false))
    }

    #[inline]
    pub(crate) fn emit_abck(&mut self, op: OpCode, a: u32, b: u32, c: u32, k: bool) -> usize {
        self.emit(Instr::abc(op, a, b, c, k))
    }

    #[inline]
    pub(crate) fn emit_abx(&mut self, op: OpCode, a: u32, bx: u32) -> usize {
        self.emit(Instr::abx(op, a, bx))
    }

    #[inline]
    pub(crate) fn emit_asbx(&mut self, op: OpCode, a: u32, sbx: i32) -> usize {
        self.emit(Instr::asbx(op, a, sbx))
    }

    pub(crate) fn emit_extraarg(&mut self, a: u32) -> usize {
        self.emit(Instr::ax(OpCode::ExtraArg, a))
    }

    /// Loads constant `k` into `reg` (`LOADK`, or `LOADKX` past the reach of Bx).
    pub(crate) fn emit_loadk(&mut self, reg: u32, k: u32) -> usize {
        if k <= MAX_BX {
            self.emit_abx(OpCode::LoadK, reg, k)
        } else {
            let p = self.emit_abx(OpCode::LoadKX, reg, 0);
            self.emit_extraarg(k);
            p
        }
    }

    /// Gives the last instruction the line `line` (Lua's `luaK_fixline`).
    #[inline]
    pub(crate) fn fix_line(&mut self, line: u32) {
        if let Some(l) = self.fs.f.line_info.last_mut() {
            *l = line;
        }
    }

    pub(crate) fn remove_last_instruction(&mut self) {
        self.fs.f.code.pop();
        self.fs.f.line_info.pop();
    }

    #[inline]
    pub(crate) fn instr(&mut self, pc: usize) -> &mut Instr {
        &mut self.fs.f.code[pc]
    }

    /// The previous instruction, unless a jump may land between it and the next one.
    pub(crate) fn previous_instruction(&self) -> Option<Instr> {
        let pc = self.fs.pc();
        if pc > self.fs.last_target {
            Some(self.fs.f.code[pc - 1])
        } else {
            None
        }
    }

    /// Sets registers `from .. from+n` to nil, merging with a previous `LOADNIL` when the
    /// ranges touch.
    pub(crate) fn code_nil(&mut self, from: u32, n: u32) {
        let mut from = from;
        let mut l = from + n - 1;
        if let Some(prev) = self.previous_instruction() {
            if op_of(prev) == Some(OpCode::LoadNil) {
                let pfrom = prev.a();
                let pl = pfrom + prev.b();
                if (pfrom <= from && from <= pl + 1) || (from <= pfrom && pfrom <= l + 1) {
                    from = from.min(pfrom);
                    l = l.max(pl);
                    let pc = self.fs.pc() - 1;
                    let i = self.instr(pc);
                    i.set_a(from);
                    i.set_b(l - from);
                    return;
                }
            }
        }
        self.emit_abc(OpCode::LoadNil, from, n - 1, 0);
    }

    /// The final return of a function, or `return` with `nret` values from `first`.
    pub(crate) fn code_ret(&mut self, first: u32, nret: i32) {
        let op = match nret {
            0 => OpCode::Return0,
            1 => OpCode::Return1,
            _ => OpCode::Return,
        };
        self.emit_abc(op, first, (nret + 1) as u32, 0);
    }

    // ---------------------------------------------------------------- jumps

    /// Destination of the jump at `pc`, or `NO_JUMP` at the end of a list.
    pub(crate) fn get_jump(&self, pc: i32) -> i32 {
        let offset = self.fs.f.code[pc as usize].sj_arg();
        if offset == NO_JUMP {
            NO_JUMP
        } else {
            pc + 1 + offset
        }
    }

    pub(crate) fn fix_jump(&mut self, pc: i32, dest: i32) -> CResult<()> {
        let offset = dest - (pc + 1);
        if !(-OFFSET_SJ <= offset && offset <= MAX_SJ as i32 - OFFSET_SJ) {
            return Err(self.error("control structure too long", self.last_line));
        }
        self.fs.f.code[pc as usize].set_sj(offset);
        Ok(())
    }

    /// Appends list `l2` to list `l1`.
    pub(crate) fn concat_jumps(&mut self, l1: &mut i32, l2: i32) -> CResult<()> {
        if l2 == NO_JUMP {
            return Ok(());
        }
        if *l1 == NO_JUMP {
            *l1 = l2;
            return Ok(());
        }
        let mut list = *l1;
        loop {
            let next = self.get_jump(list);
            if next == NO_JUMP {
                break;
            }
            list = next;
        }
        self.fix_jump(list, l2)
    }

    /// Emits a jump to be patched later; returns its position.
    pub(crate) fn jump(&mut self) -> i32 {
        self.emit(Instr::sj(OpCode::Jmp, NO_JUMP)) as i32
    }

    /// A test or comparison followed by a jump; returns the jump's position.
    pub(crate) fn cond_jump(&mut self, op: OpCode, a: u32, b: u32, c: u32, k: bool) -> i32 {
        self.emit_abck(op, a, b, c, k);
        self.jump()
    }

    /// The current position, marked as a jump target.
    pub(crate) fn get_label(&mut self) -> i32 {
        let pc = self.fs.pc();
        self.fs.last_target = pc;
        pc as i32
    }

    /// Position of the instruction controlling the jump at `pc`: its test, if it has one.
    pub(crate) fn jump_control(&self, pc: i32) -> usize {
        let pc = pc as usize;
        if pc >= 1 {
            if let Some(op) = op_of(self.fs.f.code[pc - 1]) {
                if is_test_op(op) {
                    return pc - 1;
                }
            }
        }
        pc
    }

    /// If the jump at `node` is controlled by a `TESTSET`, makes it store into `reg` (or turns
    /// it into a plain `TEST` when there is no register or the value is already there).
    /// Returns false when the control is not a `TESTSET`.
    pub(crate) fn patch_test_reg(&mut self, node: i32, reg: Option<u32>) -> bool {
        let ctl = self.jump_control(node);
        let i = self.fs.f.code[ctl];
        if op_of(i) != Some(OpCode::TestSet) {
            return false;
        }
        match reg {
            Some(r) if r != i.b() => self.fs.f.code[ctl].set_a(r),
            _ => self.fs.f.code[ctl] = Instr::abc(OpCode::Test, i.b(), 0, 0, i.k()),
        }
        true
    }

    /// Makes every test of a list produce no value.
    pub(crate) fn remove_values(&mut self, mut list: i32) {
        while list != NO_JUMP {
            self.patch_test_reg(list, None);
            list = self.get_jump(list);
        }
    }

    /// Patches a list: tests producing values go to `vtarget` with their value in `reg`,
    /// the others go to `dtarget`.
    pub(crate) fn patch_list_aux(
        &mut self,
        mut list: i32,
        vtarget: i32,
        reg: Option<u32>,
        dtarget: i32,
    ) -> CResult<()> {
        while list != NO_JUMP {
            let next = self.get_jump(list);
            if self.patch_test_reg(list, reg) {
                self.fix_jump(list, vtarget)?;
            } else {
                self.fix_jump(list, dtarget)?;
            }
            list = next;
        }
        Ok(())
    }

    pub(crate) fn patch_list(&mut self, list: i32, target: i32) -> CResult<()> {
        self.patch_list_aux(list, target, None, target)
    }

    pub(crate) fn patch_to_here(&mut self, list: i32) -> CResult<()> {
        let here = self.get_label();
        self.patch_list(list, here)
    }

    /// Emits a jump to `target` (Lua's `luaK_jumpto`).
    pub(crate) fn jump_to(&mut self, target: i32) -> CResult<()> {
        let j = self.jump();
        self.patch_list(j, target)
    }

    // ---------------------------------------------------------------- registers

    /// Makes sure `n` more registers above the first free one fit in the frame.
    pub(crate) fn check_stack(&mut self, n: u32) -> CResult<()> {
        let newstack = self.fs.freereg + n;
        if newstack > self.fs.f.max_stack as u32 {
            if newstack >= MAX_REGS {
                return Err(self.error(
                    "function or expression needs too many registers",
                    self.last_line,
                ));
            }
            self.fs.f.max_stack = newstack as u8;
        }
        Ok(())
    }

    pub(crate) fn reserve_regs(&mut self, n: u32) -> CResult<()> {
        self.check_stack(n)?;
        self.fs.freereg += n;
        Ok(())
    }

    /// Frees register `reg` if it is a temporary (not a local variable's).
    pub(crate) fn free_reg(&mut self, reg: u32) {
        if reg >= self.nvarstack() {
            self.fs.freereg -= 1;
            debug_assert_eq!(reg, self.fs.freereg);
        }
    }

    /// Frees two registers, the higher first.
    pub(crate) fn free_regs(&mut self, r1: u32, r2: u32) {
        if r1 > r2 {
            self.free_reg(r1);
            self.free_reg(r2);
        } else {
            self.free_reg(r2);
            self.free_reg(r1);
        }
    }

    // ---------------------------------------------------------------- constants

    fn push_constant(&mut self, c: Constant) -> CResult<u32> {
        let k = self.fs.f.constants.len();
        if k >= crate::opcodes::MAX_AX as usize {
            return Err(self.error_limit(crate::opcodes::MAX_AX, "constants", self.last_line));
        }
        self.fs.f.constants.push(c);
        Ok(k as u32)
    }

    /// Index of string constant `s`.
    pub(crate) fn string_k(&mut self, s: &'a [u8]) -> CResult<u32> {
        if let Some(&k) = self.kcache.strs.get(s) {
            if let Some(Constant::Str(x)) = self.fs.f.constants.get(k as usize) {
                if **x == *s {
                    return Ok(k);
                }
            }
        }
        let k = self.push_constant(Constant::Str(s.into()))?;
        self.kcache.strs.insert(s, k);
        Ok(k)
    }

    fn cached_int_k(&mut self, key: i64, v: Constant) -> CResult<u32> {
        if let Some(&k) = self.kcache.ints.get(&key) {
            if self.fs.f.constants.get(k as usize) == Some(&v) && same_type(&v, k, &self.fs.f) {
                return Ok(k);
            }
        }
        let k = self.push_constant(v)?;
        self.kcache.ints.insert(key, k);
        Ok(k)
    }

    fn cached_float_k(&mut self, key: u64, v: Constant) -> CResult<u32> {
        if let Some(&k) = self.kcache.floats.get(&key) {
            if self.fs.f.constants.get(k as usize) == Some(&v) && same_type(&v, k, &self.fs.f) {
                return Ok(k);
            }
        }
        let k = self.push_constant(v)?;
        self.kcache.floats.insert(key, k);
        Ok(k)
    }

    /// Index of integer constant `n`.
    pub(crate) fn int_k(&mut self, n: i64) -> CResult<u32> {
        self.cached_int_k(n, Constant::Int(n))
    }

    /// Index of float constant `r`. As in Lua, a float with an integral value is cached under
    /// a slightly perturbed key so that it does not collide with the equal integer (the key
    /// lands on an integer anyway for huge values; then the check of the hit tells them apart).
    pub(crate) fn number_k(&mut self, r: f64) -> CResult<u32> {
        match float_to_int(r) {
            None => self.cached_float_k(r.to_bits(), Constant::Float(r)),
            Some(ik) => {
                let q = 2f64.powi(-52); // 2^-(mantissa digits - 1)
                let key = if ik == 0 { q } else { r + r * q };
                match float_to_int(key) {
                    Some(ikey) => self.cached_int_k(ikey, Constant::Float(r)),
                    None => self.cached_float_k(key.to_bits(), Constant::Float(r)),
                }
            }
        }
    }

    pub(crate) fn bool_k(&mut self, b: bool) -> CResult<u32> {
        let slot = if b {
            self.kcache.true_
        } else {
            self.kcache.false_
        };
        if let Some(k) = slot {
            if self.fs.f.constants.get(k as usize) == Some(&Constant::Bool(b)) {
                return Ok(k);
            }
        }
        let k = self.push_constant(Constant::Bool(b))?;
        if b {
            self.kcache.true_ = Some(k);
        } else {
            self.kcache.false_ = Some(k);
        }
        Ok(k)
    }

    pub(crate) fn nil_k(&mut self) -> CResult<u32> {
        if let Some(k) = self.kcache.nil {
            if self.fs.f.constants.get(k as usize) == Some(&Constant::Nil) {
                return Ok(k);
            }
        }
        let k = self.push_constant(Constant::Nil)?;
        self.kcache.nil = Some(k);
        Ok(k)
    }

    /// Loads integer `i` into `reg`.
    pub(crate) fn code_int(&mut self, reg: u32, i: i64) -> CResult<()> {
        if fits_bx(i) {
            self.emit_asbx(OpCode::LoadI, reg, i as i32);
        } else {
            let k = self.int_k(i)?;
            self.emit_loadk(reg, k);
        }
        Ok(())
    }

    /// Loads float `f` into `reg`.
    pub(crate) fn code_float(&mut self, reg: u32, f: f64) -> CResult<()> {
        match float_to_int(f) {
            Some(fi) if fits_bx(fi) => {
                self.emit_asbx(OpCode::LoadF, reg, fi as i32);
            }
            _ => {
                let k = self.number_k(f)?;
                self.emit_loadk(reg, k);
            }
        }
        Ok(())
    }

    // ---------------------------------------------------------------- tables

    /// Fills in the `NEWTABLE` at `pc` (and its `EXTRAARG`) with the table's sizes.
    pub(crate) fn set_table_size(&mut self, pc: usize, ra: u32, asize: u32, hsize: u32) {
        let rb = if hsize != 0 { ceil_log2(hsize) + 1 } else { 0 };
        let extra = asize / (MAX_C + 1);
        let rc = asize % (MAX_C + 1);
        self.fs.f.code[pc] = Instr::abc(OpCode::NewTable, ra, rb, rc, extra > 0);
        self.fs.f.code[pc + 1] = Instr::ax(OpCode::ExtraArg, extra);
    }

    /// Emits a `SETLIST` storing `tostore` values (0: up to the top) after the `nelems`
    /// already stored into the table at `base`.
    pub(crate) fn set_list(&mut self, base: u32, nelems: u32, tostore: u32) {
        if nelems <= MAX_C {
            self.emit_abc(OpCode::SetList, base, tostore, nelems);
        } else {
            let extra = nelems / (MAX_C + 1);
            let n = nelems % (MAX_C + 1);
            self.emit_abck(OpCode::SetList, base, tostore, n, true);
            self.emit_extraarg(extra);
        }
        self.fs.freereg = base + 1;
    }

    // ---------------------------------------------------------------- finishing

    /// The final pass over a function: returns learn whether they must close upvalues and
    /// whether the function is vararg, and jumps to jumps go straight to the final target.
    pub(crate) fn finish(&mut self) -> CResult<()> {
        let needclose = self.fs.needclose;
        let is_vararg = self.fs.f.is_vararg;
        let nparams = self.fs.f.num_params as u32;
        for i in 0..self.fs.pc() {
            let ins = self.fs.f.code[i];
            match op_of(ins) {
                Some(OpCode::Return0 | OpCode::Return1) if needclose || is_vararg => {
                    // A return that must close or adjust varargs needs the general form.
                    let mut ins = with_op(ins, OpCode::Return);
                    ins.set_k(needclose);
                    if is_vararg {
                        ins.set_c(nparams + 1);
                    }
                    self.fs.f.code[i] = ins;
                }
                Some(OpCode::Return | OpCode::TailCall) => {
                    let mut ins = ins;
                    if needclose {
                        ins.set_k(true);
                    }
                    if is_vararg {
                        ins.set_c(nparams + 1);
                    }
                    self.fs.f.code[i] = ins;
                }
                Some(OpCode::Jmp) => {
                    let target = self.final_target(i);
                    self.fix_jump(i as i32, target as i32)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The final destination of a jump, skipping jumps to jumps (at most 100 of them).
    fn final_target(&self, mut i: usize) -> usize {
        let code = &self.fs.f.code;
        for _ in 0..100 {
            let ins = code[i];
            if op_of(ins) != Some(OpCode::Jmp) {
                break;
            }
            i = (i as i64 + ins.sj_arg() as i64 + 1) as usize;
        }
        i
    }
}

fn same_type(v: &Constant, k: u32, f: &FnProto) -> bool {
    matches!(
        (v, &f.constants[k as usize]),
        (Constant::Int(_), Constant::Int(_)) | (Constant::Float(_), Constant::Float(_))
    )
}

/// `ceil(log2(x))` for `x >= 1`.
fn ceil_log2(x: u32) -> u32 {
    32 - (x - 1).leading_zeros()
}
