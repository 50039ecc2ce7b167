//! Expression descriptors and the operations on them (the expression half of Lua's `lcode.c`).
//!
//! An `ExpDesc` describes a value whose code may not be generated yet: a constant (possibly
//! folded), a variable (local, upvalue, table field), an instruction whose destination register
//! is still open (`Reloc`), a value fixed in a register (`NonReloc`), a comparison (`Jmp`), or an
//! open call or `...` (whose number of results is still open). Its two jump lists hold the
//! jumps of short-circuit operators that leave with the value true (`t`) or false (`f`).
//! Delaying lets the compiler use immediate and constant operands, put results straight into
//! their final register, and turn `and`/`or`/`not` into jumps.

use luna_grammar::ast::{BinOp, UnOp};

use crate::opcodes::{OpCode, TagMethod, MAX_B, MAX_C, OFFSET_SC};
use crate::proto::Constant;

use super::code::{float_to_int, op_of, NO_JUMP};
use super::{CResult, Compiler};

/// The value of a compile-time constant.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ConstVal<'a> {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(&'a [u8]),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ExpKind<'a> {
    /// No value (an empty expression list).
    Void,
    Nil,
    True,
    False,
    /// Constant `K[info]`.
    K(u32),
    KFloat(f64),
    KInt(i64),
    KStr(&'a [u8]),
    /// The value is in this register.
    NonReloc(u32),
    /// A local variable: its register and its index among the function's variables.
    Local {
        ridx: u32,
        vidx: usize,
    },
    Upval(u32),
    /// A compile-time constant: its absolute index in `Compiler::actvars`.
    Const(usize),
    /// `R[t][R[idx]]`
    Indexed {
        t: u32,
        idx: u32,
    },
    /// `U[t][K[idx]]`, K[idx] a short string
    IndexUp {
        t: u32,
        idx: u32,
    },
    /// `R[t][idx]`, idx a small non-negative integer
    IndexInt {
        t: u32,
        idx: u32,
    },
    /// `R[t][K[idx]]`, K[idx] a short string
    IndexStr {
        t: u32,
        idx: u32,
    },
    /// A comparison or test; the value is the pc of its jump.
    Jmp(i32),
    /// The instruction at this pc computes the value; its A is still open.
    Reloc(usize),
    /// An open call instruction at this pc.
    Call(usize),
    /// An open `VARARG` at this pc.
    Vararg(usize),
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct ExpDesc<'a> {
    pub k: ExpKind<'a>,
    /// Jumps taken when the expression is true.
    pub t: i32,
    /// Jumps taken when the expression is false.
    pub f: i32,
}

impl<'a> ExpDesc<'a> {
    #[inline]
    pub(crate) fn new(k: ExpKind<'a>) -> ExpDesc<'a> {
        ExpDesc {
            k,
            t: NO_JUMP,
            f: NO_JUMP,
        }
    }

    #[inline]
    pub(crate) fn has_jumps(&self) -> bool {
        self.t != self.f
    }

    #[inline]
    pub(crate) fn has_multret(&self) -> bool {
        matches!(self.k, ExpKind::Call(_) | ExpKind::Vararg(_))
    }

    pub(crate) fn is_var(&self) -> bool {
        matches!(
            self.k,
            ExpKind::Local { .. }
                | ExpKind::Upval(_)
                | ExpKind::Const(_)
                | ExpKind::Indexed { .. }
                | ExpKind::IndexUp { .. }
                | ExpKind::IndexInt { .. }
                | ExpKind::IndexStr { .. }
        )
    }

    pub(crate) fn is_indexed(&self) -> bool {
        matches!(
            self.k,
            ExpKind::Indexed { .. }
                | ExpKind::IndexUp { .. }
                | ExpKind::IndexInt { .. }
                | ExpKind::IndexStr { .. }
        )
    }

    /// The register of a `NonReloc` expression.
    #[inline]
    pub(crate) fn reg(&self) -> u32 {
        match self.k {
            ExpKind::NonReloc(r) => r,
            _ => unreachable!("expression not in a register: {:?}", self.k),
        }
    }

    /// The value of a numeric literal without jumps.
    fn numeral(&self) -> Option<Num> {
        if self.has_jumps() {
            return None;
        }
        match self.k {
            ExpKind::KInt(i) => Some(Num::Int(i)),
            ExpKind::KFloat(f) => Some(Num::Float(f)),
            _ => None,
        }
    }

    fn is_numeral(&self) -> bool {
        self.numeral().is_some()
    }

    /// A literal integer without jumps.
    pub(crate) fn is_kint(&self) -> bool {
        matches!(self.k, ExpKind::KInt(_)) && !self.has_jumps()
    }

    /// A literal integer fitting operand C (as an unsigned value).
    fn is_cint(&self) -> bool {
        match self.k {
            ExpKind::KInt(i) if !self.has_jumps() => (i as u64) <= MAX_C as u64,
            _ => false,
        }
    }

    /// A literal integer fitting an sC operand.
    fn is_scint(&self) -> bool {
        match self.k {
            ExpKind::KInt(i) if !self.has_jumps() => fits_c(i),
            _ => false,
        }
    }

    /// A literal number with an integral value fitting an sB/sC operand: the encoded operand
    /// and whether the literal was a float.
    fn sc_number(&self) -> Option<(u32, bool)> {
        let (i, isfloat) = match self.k {
            ExpKind::KInt(i) => (i, false),
            ExpKind::KFloat(f) => (float_to_int(f)?, true),
            _ => return None,
        };
        if !self.has_jumps() && fits_c(i) {
            Some((int2sc(i), isfloat))
        } else {
            None
        }
    }
}

/// A numeric value, for constant folding.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Num {
    Int(i64),
    Float(f64),
}

impl Num {
    fn to_f64(self) -> f64 {
        match self {
            Num::Int(i) => i as f64,
            Num::Float(f) => f,
        }
    }
    fn to_int(self) -> Option<i64> {
        match self {
            Num::Int(i) => Some(i),
            Num::Float(f) => float_to_int(f),
        }
    }
}

/// Whether `i` fits an sC operand.
#[inline]
pub(crate) fn fits_c(i: i64) -> bool {
    (i as u64).wrapping_add(OFFSET_SC as u64) <= MAX_C as u64
}

#[inline]
pub(crate) fn int2sc(i: i64) -> u32 {
    (i + OFFSET_SC as i64) as u32
}

/// The arithmetic and bitwise operators that can be folded, in Lua's `LUA_OP*` sense.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ArithOp {
    Add,
    Sub,
    Mul,
    Mod,
    Pow,
    Div,
    IDiv,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
    Unm,
    BNot,
}

fn arith_of(op: BinOp) -> Option<ArithOp> {
    Some(match op {
        BinOp::Add => ArithOp::Add,
        BinOp::Sub => ArithOp::Sub,
        BinOp::Mul => ArithOp::Mul,
        BinOp::Mod => ArithOp::Mod,
        BinOp::Pow => ArithOp::Pow,
        BinOp::Div => ArithOp::Div,
        BinOp::IDiv => ArithOp::IDiv,
        BinOp::BAnd => ArithOp::BAnd,
        BinOp::BOr => ArithOp::BOr,
        BinOp::BXor => ArithOp::BXor,
        BinOp::Shl => ArithOp::Shl,
        BinOp::Shr => ArithOp::Shr,
        _ => return None,
    })
}

/// The register-register instruction of an arithmetic or bitwise operator.
fn op_rr(op: BinOp) -> OpCode {
    match op {
        BinOp::Add => OpCode::Add,
        BinOp::Sub => OpCode::Sub,
        BinOp::Mul => OpCode::Mul,
        BinOp::Mod => OpCode::Mod,
        BinOp::Pow => OpCode::Pow,
        BinOp::Div => OpCode::Div,
        BinOp::IDiv => OpCode::IDiv,
        BinOp::BAnd => OpCode::BAnd,
        BinOp::BOr => OpCode::BOr,
        BinOp::BXor => OpCode::BXor,
        BinOp::Shl => OpCode::Shl,
        BinOp::Shr => OpCode::Shr,
        _ => unreachable!(),
    }
}

/// The register-constant instruction of an arithmetic or bitwise operator.
fn op_rk(op: BinOp) -> OpCode {
    match op {
        BinOp::Add => OpCode::AddK,
        BinOp::Sub => OpCode::SubK,
        BinOp::Mul => OpCode::MulK,
        BinOp::Mod => OpCode::ModK,
        BinOp::Pow => OpCode::PowK,
        BinOp::Div => OpCode::DivK,
        BinOp::IDiv => OpCode::IDivK,
        BinOp::BAnd => OpCode::BAndK,
        BinOp::BOr => OpCode::BOrK,
        BinOp::BXor => OpCode::BXorK,
        _ => unreachable!(),
    }
}

fn tm_of(op: BinOp) -> TagMethod {
    match op {
        BinOp::Add => TagMethod::Add,
        BinOp::Sub => TagMethod::Sub,
        BinOp::Mul => TagMethod::Mul,
        BinOp::Mod => TagMethod::Mod,
        BinOp::Pow => TagMethod::Pow,
        BinOp::Div => TagMethod::Div,
        BinOp::IDiv => TagMethod::IDiv,
        BinOp::BAnd => TagMethod::BAnd,
        BinOp::BOr => TagMethod::BOr,
        BinOp::BXor => TagMethod::BXor,
        BinOp::Shl => TagMethod::Shl,
        BinOp::Shr => TagMethod::Shr,
        _ => unreachable!(),
    }
}

// ------------------------------------------------------------------ constant folding

/// Whether folding `op` over these operands cannot raise an error (bitwise operators need
/// operands with integer representations; division and modulo need a non-zero divisor).
fn valid_op(op: ArithOp, v1: Num, v2: Num) -> bool {
    match op {
        ArithOp::BAnd
        | ArithOp::BOr
        | ArithOp::BXor
        | ArithOp::Shl
        | ArithOp::Shr
        | ArithOp::BNot => v1.to_int().is_some() && v2.to_int().is_some(),
        ArithOp::Div | ArithOp::IDiv | ArithOp::Mod => v2.to_f64() != 0.0,
        _ => true,
    }
}

fn shift_left(x: i64, y: i64) -> i64 {
    if y < 0 {
        if y <= -64 {
            0
        } else {
            ((x as u64) >> (-y)) as i64
        }
    } else if y >= 64 {
        0
    } else {
        ((x as u64) << y) as i64
    }
}

fn int_arith(op: ArithOp, a: i64, b: i64) -> i64 {
    match op {
        ArithOp::Add => a.wrapping_add(b),
        ArithOp::Sub => a.wrapping_sub(b),
        ArithOp::Mul => a.wrapping_mul(b),
        ArithOp::Mod => {
            if b == -1 {
                0
            } else {
                let r = a % b;
                if r != 0 && (r ^ b) < 0 {
                    r + b
                } else {
                    r
                }
            }
        }
        ArithOp::IDiv => {
            if b == -1 {
                0i64.wrapping_sub(a)
            } else {
                let q = a / b;
                if (a ^ b) < 0 && a % b != 0 {
                    q - 1
                } else {
                    q
                }
            }
        }
        ArithOp::BAnd => a & b,
        ArithOp::BOr => a | b,
        ArithOp::BXor => a ^ b,
        ArithOp::Shl => shift_left(a, b),
        ArithOp::Shr => shift_left(a, 0i64.wrapping_sub(b)),
        ArithOp::Unm => 0i64.wrapping_sub(a),
        ArithOp::BNot => !a,
        ArithOp::Pow | ArithOp::Div => unreachable!(),
    }
}

fn float_arith(op: ArithOp, a: f64, b: f64) -> f64 {
    match op {
        ArithOp::Add => a + b,
        ArithOp::Sub => a - b,
        ArithOp::Mul => a * b,
        ArithOp::Div => a / b,
        ArithOp::Pow => {
            if b == 2.0 {
                a * a
            } else {
                a.powf(b)
            }
        }
        ArithOp::IDiv => (a / b).floor(),
        ArithOp::Unm => -a,
        ArithOp::Mod => {
            let m = a % b;
            if if m > 0.0 { b < 0.0 } else { m < 0.0 && b > 0.0 } {
                m + b
            } else {
                m
            }
        }
        _ => unreachable!(),
    }
}

/// Lua's `luaO_rawarith` over two numbers.
fn raw_arith(op: ArithOp, v1: Num, v2: Num) -> Option<Num> {
    match op {
        ArithOp::BAnd
        | ArithOp::BOr
        | ArithOp::BXor
        | ArithOp::Shl
        | ArithOp::Shr
        | ArithOp::BNot => Some(Num::Int(int_arith(op, v1.to_int()?, v2.to_int()?))),
        ArithOp::Div | ArithOp::Pow => Some(Num::Float(float_arith(op, v1.to_f64(), v2.to_f64()))),
        _ => match (v1, v2) {
            (Num::Int(a), Num::Int(b)) => Some(Num::Int(int_arith(op, a, b))),
            _ => Some(Num::Float(float_arith(op, v1.to_f64(), v2.to_f64()))),
        },
    }
}

/// Folds `op` over two numeric literals into `e1` when that is safe; true if folded.
/// Never folds into NaN or a float zero (which could be -0.0).
fn const_folding(op: ArithOp, e1: &mut ExpDesc<'_>, e2: &ExpDesc<'_>) -> bool {
    let (Some(v1), Some(v2)) = (e1.numeral(), e2.numeral()) else {
        return false;
    };
    if !valid_op(op, v1, v2) {
        return false;
    }
    match raw_arith(op, v1, v2) {
        Some(Num::Int(i)) => {
            e1.k = ExpKind::KInt(i);
            true
        }
        Some(Num::Float(n)) => {
            if n.is_nan() || n == 0.0 {
                return false;
            }
            e1.k = ExpKind::KFloat(n);
            true
        }
        None => false,
    }
}

impl<'a> Compiler<'a> {
    /// The constant value of an expression, if it has one (Lua's `luaK_exp2const`).
    pub(crate) fn exp2const(&self, e: &ExpDesc<'a>) -> Option<ConstVal<'a>> {
        if e.has_jumps() {
            return None;
        }
        match e.k {
            ExpKind::False => Some(ConstVal::Bool(false)),
            ExpKind::True => Some(ConstVal::Bool(true)),
            ExpKind::Nil => Some(ConstVal::Nil),
            ExpKind::KStr(s) => Some(ConstVal::Str(s)),
            ExpKind::Const(i) => Some(self.actvars[i].kval),
            ExpKind::KInt(i) => Some(ConstVal::Int(i)),
            ExpKind::KFloat(f) => Some(ConstVal::Float(f)),
            _ => None,
        }
    }

    fn free_exp(&mut self, e: &ExpDesc<'a>) {
        if let ExpKind::NonReloc(r) = e.k {
            self.free_reg(r);
        }
    }

    fn free_exps(&mut self, e1: &ExpDesc<'a>, e2: &ExpDesc<'a>) {
        let r1 = if let ExpKind::NonReloc(r) = e1.k {
            r as i64
        } else {
            -1
        };
        let r2 = if let ExpKind::NonReloc(r) = e2.k {
            r as i64
        } else {
            -1
        };
        // Lua's freeregs with -1 for "no register": -1 is never >= the variable level.
        if r1 > r2 {
            if r1 >= 0 {
                self.free_reg(r1 as u32);
            }
            if r2 >= 0 {
                self.free_reg(r2 as u32);
            }
        } else {
            if r2 >= 0 {
                self.free_reg(r2 as u32);
            }
            if r1 >= 0 {
                self.free_reg(r1 as u32);
            }
        }
    }

    /// Fixes an open call or `...` to produce `nresults` values (-1: all of them).
    pub(crate) fn set_returns(&mut self, e: &mut ExpDesc<'a>, nresults: i32) -> CResult<()> {
        match e.k {
            ExpKind::Call(pc) => {
                self.instr(pc).set_c((nresults + 1) as u32);
            }
            ExpKind::Vararg(pc) => {
                let freereg = self.fs.freereg;
                let i = self.instr(pc);
                i.set_c((nresults + 1) as u32);
                i.set_a(freereg);
                self.reserve_regs(1)?;
            }
            _ => unreachable!("set_returns of a single-valued expression"),
        }
        Ok(())
    }

    pub(crate) fn set_multret(&mut self, e: &mut ExpDesc<'a>) -> CResult<()> {
        self.set_returns(e, -1)
    }

    /// Makes an open call or `...` produce exactly one value.
    pub(crate) fn set_one_ret(&mut self, e: &mut ExpDesc<'a>) {
        match e.k {
            ExpKind::Call(pc) => {
                let a = self.fs.f.code[pc].a();
                e.k = ExpKind::NonReloc(a);
            }
            ExpKind::Vararg(pc) => {
                self.instr(pc).set_c(2);
                e.k = ExpKind::Reloc(pc);
            }
            _ => {}
        }
    }

    /// Makes sure the expression is not a variable: reads it into a (pending) register.
    pub(crate) fn discharge_vars(&mut self, e: &mut ExpDesc<'a>) {
        match e.k {
            ExpKind::Const(i) => {
                e.k = const_to_exp(self.actvars[i].kval);
            }
            ExpKind::Local { ridx, .. } => {
                e.k = ExpKind::NonReloc(ridx);
            }
            ExpKind::Upval(idx) => {
                let pc = self.emit_abc(OpCode::GetUpval, 0, idx, 0);
                e.k = ExpKind::Reloc(pc);
            }
            ExpKind::IndexUp { t, idx } => {
                let pc = self.emit_abc(OpCode::GetTabUp, 0, t, idx);
                e.k = ExpKind::Reloc(pc);
            }
            ExpKind::IndexInt { t, idx } => {
                self.free_reg(t);
                let pc = self.emit_abc(OpCode::GetI, 0, t, idx);
                e.k = ExpKind::Reloc(pc);
            }
            ExpKind::IndexStr { t, idx } => {
                self.free_reg(t);
                let pc = self.emit_abc(OpCode::GetField, 0, t, idx);
                e.k = ExpKind::Reloc(pc);
            }
            ExpKind::Indexed { t, idx } => {
                self.free_regs(t, idx);
                let pc = self.emit_abc(OpCode::GetTable, 0, t, idx);
                e.k = ExpKind::Reloc(pc);
            }
            ExpKind::Vararg(_) | ExpKind::Call(_) => self.set_one_ret(e),
            _ => {}
        }
    }

    /// Puts the expression's value (not its jumps) into register `reg`.
    fn discharge2reg(&mut self, e: &mut ExpDesc<'a>, reg: u32) -> CResult<()> {
        self.discharge_vars(e);
        match e.k {
            ExpKind::Nil => self.code_nil(reg, 1),
            ExpKind::False => {
                self.emit_abc(OpCode::LoadFalse, reg, 0, 0);
            }
            ExpKind::True => {
                self.emit_abc(OpCode::LoadTrue, reg, 0, 0);
            }
            ExpKind::KStr(s) => {
                let k = self.string_k(s)?;
                self.emit_loadk(reg, k);
            }
            ExpKind::K(k) => {
                self.emit_loadk(reg, k);
            }
            ExpKind::KFloat(f) => self.code_float(reg, f)?,
            ExpKind::KInt(i) => self.code_int(reg, i)?,
            ExpKind::Reloc(pc) => self.instr(pc).set_a(reg),
            ExpKind::NonReloc(r) => {
                if r != reg {
                    self.emit_abc(OpCode::Move, reg, r, 0);
                }
            }
            ExpKind::Jmp(_) => return Ok(()),
            _ => unreachable!("discharge2reg of {:?}", e.k),
        }
        e.k = ExpKind::NonReloc(reg);
        Ok(())
    }

    fn discharge2anyreg(&mut self, e: &mut ExpDesc<'a>) -> CResult<()> {
        if !matches!(e.k, ExpKind::NonReloc(_)) {
            self.reserve_regs(1)?;
            let r = self.fs.freereg - 1;
            self.discharge2reg(e, r)?;
        }
        Ok(())
    }

    fn code_loadbool(&mut self, a: u32, op: OpCode) -> i32 {
        self.get_label();
        self.emit_abc(op, a, 0, 0) as i32
    }

    /// Whether some jump of the list is not a `TESTSET` (so it produces no value).
    fn need_value(&self, mut list: i32) -> bool {
        while list != NO_JUMP {
            let i = self.fs.f.code[self.jump_control(list)];
            if op_of(i) != Some(OpCode::TestSet) {
                return true;
            }
            list = self.get_jump(list);
        }
        false
    }

    /// Puts the expression's final value, jumps included, into register `reg`.
    fn exp2reg(&mut self, e: &mut ExpDesc<'a>, reg: u32) -> CResult<()> {
        self.discharge2reg(e, reg)?;
        if let ExpKind::Jmp(pc) = e.k {
            let mut t = e.t;
            self.concat_jumps(&mut t, pc)?;
            e.t = t;
        }
        if e.has_jumps() {
            let mut p_f = NO_JUMP;
            let mut p_t = NO_JUMP;
            if self.need_value(e.t) || self.need_value(e.f) {
                let fj = if matches!(e.k, ExpKind::Jmp(_)) {
                    NO_JUMP
                } else {
                    self.jump()
                };
                p_f = self.code_loadbool(reg, OpCode::LFalseSkip);
                p_t = self.code_loadbool(reg, OpCode::LoadTrue);
                self.patch_to_here(fj)?;
            }
            let fin = self.get_label();
            self.patch_list_aux(e.f, fin, Some(reg), p_f)?;
            self.patch_list_aux(e.t, fin, Some(reg), p_t)?;
        }
        e.f = NO_JUMP;
        e.t = NO_JUMP;
        e.k = ExpKind::NonReloc(reg);
        Ok(())
    }

    /// Puts the expression's final value into the next free register.
    pub(crate) fn exp2nextreg(&mut self, e: &mut ExpDesc<'a>) -> CResult<()> {
        self.discharge_vars(e);
        self.free_exp(e);
        self.reserve_regs(1)?;
        let r = self.fs.freereg - 1;
        self.exp2reg(e, r)
    }

    /// Puts the expression's final value into some register; returns it.
    pub(crate) fn exp2anyreg(&mut self, e: &mut ExpDesc<'a>) -> CResult<u32> {
        self.discharge_vars(e);
        if let ExpKind::NonReloc(r) = e.k {
            if !e.has_jumps() {
                return Ok(r);
            }
            if r >= self.nvarstack() {
                self.exp2reg(e, r)?;
                return Ok(r);
            }
            // A local variable's register cannot receive the jumps' values.
        }
        self.exp2nextreg(e)?;
        Ok(e.reg())
    }

    /// Puts the expression's final value in a register or leaves it in an upvalue.
    pub(crate) fn exp2anyregup(&mut self, e: &mut ExpDesc<'a>) -> CResult<()> {
        if !matches!(e.k, ExpKind::Upval(_)) || e.has_jumps() {
            self.exp2anyreg(e)?;
        }
        Ok(())
    }

    /// Puts the expression's final value in a register or leaves it a constant.
    pub(crate) fn exp2val(&mut self, e: &mut ExpDesc<'a>) -> CResult<()> {
        if e.has_jumps() {
            self.exp2anyreg(e)?;
        } else {
            self.discharge_vars(e);
        }
        Ok(())
    }

    /// Turns a constant expression into a `K` one when its index fits an RK operand.
    fn exp2k(&mut self, e: &mut ExpDesc<'a>) -> CResult<bool> {
        if e.has_jumps() {
            return Ok(false);
        }
        let info = match e.k {
            ExpKind::True => self.bool_k(true)?,
            ExpKind::False => self.bool_k(false)?,
            ExpKind::Nil => self.nil_k()?,
            ExpKind::KInt(i) => self.int_k(i)?,
            ExpKind::KFloat(f) => self.number_k(f)?,
            ExpKind::KStr(s) => self.string_k(s)?,
            ExpKind::K(k) => k,
            _ => return Ok(false),
        };
        if info <= MAX_B {
            e.k = ExpKind::K(info);
            Ok(true)
        } else {
            Ok(false)
        }
    }

    /// Makes the expression an RK operand; true if it is a constant.
    pub(crate) fn exp2rk(&mut self, e: &mut ExpDesc<'a>) -> CResult<bool> {
        if self.exp2k(e)? {
            Ok(true)
        } else {
            self.exp2anyreg(e)?;
            Ok(false)
        }
    }

    fn code_abrk(&mut self, op: OpCode, a: u32, b: u32, ec: &mut ExpDesc<'a>) -> CResult<()> {
        let k = self.exp2rk(ec)?;
        let c = match ec.k {
            ExpKind::K(i) => i,
            ExpKind::NonReloc(r) => r,
            _ => unreachable!(),
        };
        self.emit_abck(op, a, b, c, k);
        Ok(())
    }

    /// Stores the value of `ex` into variable `var`.
    pub(crate) fn store_var(&mut self, var: &ExpDesc<'a>, ex: &mut ExpDesc<'a>) -> CResult<()> {
        match var.k {
            ExpKind::Local { ridx, .. } => {
                self.free_exp(ex);
                return self.exp2reg(ex, ridx);
            }
            ExpKind::Upval(idx) => {
                let e = self.exp2anyreg(ex)?;
                self.emit_abc(OpCode::SetUpval, e, idx, 0);
            }
            ExpKind::IndexUp { t, idx } => self.code_abrk(OpCode::SetTabUp, t, idx, ex)?,
            ExpKind::IndexInt { t, idx } => self.code_abrk(OpCode::SetI, t, idx, ex)?,
            ExpKind::IndexStr { t, idx } => self.code_abrk(OpCode::SetField, t, idx, ex)?,
            ExpKind::Indexed { t, idx } => self.code_abrk(OpCode::SetTable, t, idx, ex)?,
            _ => unreachable!("store into {:?}", var.k),
        }
        self.free_exp(ex);
        Ok(())
    }

    /// `e:key(`: emits `SELF`, leaving the method and the receiver in two fresh registers.
    pub(crate) fn code_self(&mut self, e: &mut ExpDesc<'a>, key: &mut ExpDesc<'a>) -> CResult<()> {
        self.exp2anyreg(e)?;
        let ereg = e.reg();
        self.free_exp(e);
        let base = self.fs.freereg;
        e.k = ExpKind::NonReloc(base);
        self.reserve_regs(2)?;
        self.code_abrk(OpCode::SelfOp, base, ereg, key)?;
        self.free_exp(key);
        Ok(())
    }

    /// Negates the comparison controlling the jump of a `Jmp` expression.
    fn negate_condition(&mut self, pc: i32) {
        let ctl = self.jump_control(pc);
        let i = &mut self.fs.f.code[ctl];
        let k = i.k();
        i.set_k(!k);
    }

    /// Emits a jump taken when `e` is `cond`; a preceding `NOT` is folded into the test.
    fn jump_on_cond(&mut self, e: &mut ExpDesc<'a>, cond: bool) -> CResult<i32> {
        if let ExpKind::Reloc(pc) = e.k {
            let ie = self.fs.f.code[pc];
            if op_of(ie) == Some(OpCode::Not) {
                self.remove_last_instruction();
                return Ok(self.cond_jump(OpCode::Test, ie.b(), 0, 0, !cond));
            }
        }
        self.discharge2anyreg(e)?;
        self.free_exp(e);
        Ok(self.cond_jump(OpCode::TestSet, MAX_A_NO_REG, e.reg(), 0, cond))
    }

    /// Goes on if `e` is true, jumps (through its false list) otherwise.
    pub(crate) fn go_if_true(&mut self, e: &mut ExpDesc<'a>) -> CResult<()> {
        self.discharge_vars(e);
        let pc = match e.k {
            ExpKind::Jmp(pc) => {
                self.negate_condition(pc);
                pc
            }
            ExpKind::K(_)
            | ExpKind::KFloat(_)
            | ExpKind::KInt(_)
            | ExpKind::KStr(_)
            | ExpKind::True => NO_JUMP,
            _ => self.jump_on_cond(e, false)?,
        };
        let mut f = e.f;
        self.concat_jumps(&mut f, pc)?;
        e.f = f;
        self.patch_to_here(e.t)?;
        e.t = NO_JUMP;
        Ok(())
    }

    /// Goes on if `e` is false, jumps (through its true list) otherwise.
    pub(crate) fn go_if_false(&mut self, e: &mut ExpDesc<'a>) -> CResult<()> {
        self.discharge_vars(e);
        let pc = match e.k {
            ExpKind::Jmp(pc) => pc,
            ExpKind::Nil | ExpKind::False => NO_JUMP,
            _ => self.jump_on_cond(e, true)?,
        };
        let mut t = e.t;
        self.concat_jumps(&mut t, pc)?;
        e.t = t;
        self.patch_to_here(e.f)?;
        e.f = NO_JUMP;
        Ok(())
    }

    /// `not e`, folding constants.
    fn code_not(&mut self, e: &mut ExpDesc<'a>) -> CResult<()> {
        match e.k {
            ExpKind::Nil | ExpKind::False => e.k = ExpKind::True,
            ExpKind::K(_)
            | ExpKind::KFloat(_)
            | ExpKind::KInt(_)
            | ExpKind::KStr(_)
            | ExpKind::True => e.k = ExpKind::False,
            ExpKind::Jmp(pc) => self.negate_condition(pc),
            ExpKind::Reloc(_) | ExpKind::NonReloc(_) => {
                self.discharge2anyreg(e)?;
                self.free_exp(e);
                let pc = self.emit_abc(OpCode::Not, 0, e.reg(), 0);
                e.k = ExpKind::Reloc(pc);
            }
            _ => unreachable!("not of {:?}", e.k),
        }
        std::mem::swap(&mut e.f, &mut e.t);
        self.remove_values(e.f);
        self.remove_values(e.t);
        Ok(())
    }

    /// A `K` expression naming a short string usable as a field key.
    fn is_kstr(&self, e: &ExpDesc<'a>) -> bool {
        match e.k {
            ExpKind::K(i) if !e.has_jumps() && i <= MAX_B => {
                matches!(&self.fs.f.constants[i as usize], Constant::Str(s) if s.len() <= SHORT_STR_LEN)
            }
            _ => false,
        }
    }

    /// Turns `t` (already in a register or an upvalue) into the indexed variable `t[k]`.
    pub(crate) fn indexed(&mut self, t: &mut ExpDesc<'a>, k: &mut ExpDesc<'a>) -> CResult<()> {
        if let ExpKind::KStr(s) = k.k {
            k.k = ExpKind::K(self.string_k(s)?);
        }
        if matches!(t.k, ExpKind::Upval(_)) && !self.is_kstr(k) {
            self.exp2anyreg(t)?;
        }
        if let ExpKind::Upval(up) = t.k {
            let ExpKind::K(idx) = k.k else { unreachable!() };
            t.k = ExpKind::IndexUp { t: up, idx };
        } else {
            let treg = match t.k {
                ExpKind::Local { ridx, .. } => ridx,
                ExpKind::NonReloc(r) => r,
                _ => unreachable!("indexing {:?}", t.k),
            };
            if self.is_kstr(k) {
                let ExpKind::K(idx) = k.k else { unreachable!() };
                t.k = ExpKind::IndexStr { t: treg, idx };
            } else if k.is_cint() {
                let ExpKind::KInt(i) = k.k else {
                    unreachable!()
                };
                t.k = ExpKind::IndexInt {
                    t: treg,
                    idx: i as u32,
                };
            } else {
                let idx = self.exp2anyreg(k)?;
                t.k = ExpKind::Indexed { t: treg, idx };
            }
        }
        Ok(())
    }

    // -------------------------------------------------------------- operators

    fn code_unexpval(&mut self, op: OpCode, e: &mut ExpDesc<'a>, line: u32) -> CResult<()> {
        let r = self.exp2anyreg(e)?;
        self.free_exp(e);
        let pc = self.emit_abc(op, 0, r, 0);
        e.k = ExpKind::Reloc(pc);
        self.fix_line(line);
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn finish_binexpval(
        &mut self,
        e1: &mut ExpDesc<'a>,
        e2: &mut ExpDesc<'a>,
        op: OpCode,
        v2: u32,
        flip: bool,
        line: u32,
        mmop: OpCode,
        event: TagMethod,
    ) -> CResult<()> {
        let v1 = self.exp2anyreg(e1)?;
        let pc = self.emit_abck(op, 0, v1, v2, false);
        self.free_exps(e1, e2);
        e1.k = ExpKind::Reloc(pc);
        self.fix_line(line);
        self.emit_abck(mmop, v1, v2, event as u32, flip);
        self.fix_line(line);
        Ok(())
    }

    fn code_binexpval(
        &mut self,
        opr: BinOp,
        e1: &mut ExpDesc<'a>,
        e2: &mut ExpDesc<'a>,
        line: u32,
    ) -> CResult<()> {
        let v2 = self.exp2anyreg(e2)?;
        self.finish_binexpval(
            e1,
            e2,
            op_rr(opr),
            v2,
            false,
            line,
            OpCode::MmBin,
            tm_of(opr),
        )
    }

    fn code_bini(
        &mut self,
        op: OpCode,
        e1: &mut ExpDesc<'a>,
        e2: &mut ExpDesc<'a>,
        flip: bool,
        line: u32,
        event: TagMethod,
    ) -> CResult<()> {
        let ExpKind::KInt(i) = e2.k else {
            unreachable!()
        };
        self.finish_binexpval(e1, e2, op, int2sc(i), flip, line, OpCode::MmBinI, event)
    }

    fn code_bink(
        &mut self,
        opr: BinOp,
        e1: &mut ExpDesc<'a>,
        e2: &mut ExpDesc<'a>,
        flip: bool,
        line: u32,
    ) -> CResult<()> {
        let ExpKind::K(v2) = e2.k else { unreachable!() };
        self.finish_binexpval(
            e1,
            e2,
            op_rk(opr),
            v2,
            flip,
            line,
            OpCode::MmBinK,
            tm_of(opr),
        )
    }

    /// `e1 op -I` for a small integer constant I (`x - 1` as `ADDI x -1`, `x << 1` as
    /// `SHRI x -1`); the metamethod still sees the original operand.
    fn finish_binexpneg(
        &mut self,
        e1: &mut ExpDesc<'a>,
        e2: &mut ExpDesc<'a>,
        op: OpCode,
        line: u32,
        event: TagMethod,
    ) -> CResult<bool> {
        if !e2.is_kint() {
            return Ok(false);
        }
        let ExpKind::KInt(i2) = e2.k else {
            unreachable!()
        };
        if !(fits_c(i2) && fits_c(i2.wrapping_neg())) {
            return Ok(false);
        }
        self.finish_binexpval(e1, e2, op, int2sc(-i2), false, line, OpCode::MmBinI, event)?;
        let pc = self.fs.pc() - 1;
        self.instr(pc).set_b(int2sc(i2));
        Ok(true)
    }

    fn code_bin_nok(
        &mut self,
        opr: BinOp,
        e1: &mut ExpDesc<'a>,
        e2: &mut ExpDesc<'a>,
        flip: bool,
        line: u32,
    ) -> CResult<()> {
        if flip {
            std::mem::swap(e1, e2);
        }
        self.code_binexpval(opr, e1, e2, line)
    }

    fn code_arith(
        &mut self,
        opr: BinOp,
        e1: &mut ExpDesc<'a>,
        e2: &mut ExpDesc<'a>,
        flip: bool,
        line: u32,
    ) -> CResult<()> {
        if e2.is_numeral() && self.exp2k(e2)? {
            self.code_bink(opr, e1, e2, flip, line)
        } else {
            self.code_bin_nok(opr, e1, e2, flip, line)
        }
    }

    fn code_commutative(
        &mut self,
        opr: BinOp,
        e1: &mut ExpDesc<'a>,
        e2: &mut ExpDesc<'a>,
        line: u32,
    ) -> CResult<()> {
        let mut flip = false;
        if e1.is_numeral() {
            std::mem::swap(e1, e2);
            flip = true;
        }
        if opr == BinOp::Add && e2.is_scint() {
            self.code_bini(OpCode::AddI, e1, e2, flip, line, TagMethod::Add)
        } else {
            self.code_arith(opr, e1, e2, flip, line)
        }
    }

    fn code_bitwise(
        &mut self,
        opr: BinOp,
        e1: &mut ExpDesc<'a>,
        e2: &mut ExpDesc<'a>,
        line: u32,
    ) -> CResult<()> {
        let mut flip = false;
        if self.compat == super::Compat::Lua544 {
            // 5.4.4 tried the first operand as an RK constant, which moves a constant that
            // does not fit into a register.
            if matches!(e1.k, ExpKind::KInt(_)) && self.exp2rk(e1)? {
                std::mem::swap(e1, e2);
                flip = true;
            } else if !(matches!(e2.k, ExpKind::KInt(_)) && self.exp2rk(e2)?) {
                return self.code_binexpval(opr, e1, e2, line);
            }
            let ExpKind::K(v2) = e2.k else { unreachable!() };
            return self.finish_binexpval(
                e1,
                e2,
                op_rk(opr),
                v2,
                flip,
                line,
                OpCode::MmBinK,
                tm_of(opr),
            );
        }
        if matches!(e1.k, ExpKind::KInt(_)) {
            std::mem::swap(e1, e2);
            flip = true;
        }
        if matches!(e2.k, ExpKind::KInt(_)) && self.exp2k(e2)? {
            self.code_bink(opr, e1, e2, flip, line)
        } else {
            self.code_bin_nok(opr, e1, e2, flip, line)
        }
    }

    /// Order comparisons (`<`, `<=`; `>`/`>=` arrive with their operands swapped).
    fn code_order(
        &mut self,
        is_le: bool,
        e1: &mut ExpDesc<'a>,
        e2: &mut ExpDesc<'a>,
    ) -> CResult<()> {
        let (r1, r2, op, isfloat);
        if let Some((im, fl)) = e2.sc_number() {
            r1 = self.exp2anyreg(e1)?;
            r2 = im;
            op = if is_le { OpCode::LeI } else { OpCode::LtI };
            isfloat = fl;
        } else if let Some((im, fl)) = e1.sc_number() {
            r1 = self.exp2anyreg(e2)?;
            r2 = im;
            op = if is_le { OpCode::GeI } else { OpCode::GtI };
            isfloat = fl;
        } else {
            r1 = self.exp2anyreg(e1)?;
            r2 = self.exp2anyreg(e2)?;
            op = if is_le { OpCode::Le } else { OpCode::Lt };
            isfloat = false;
        }
        self.free_exps(e1, e2);
        let j = self.cond_jump(op, r1, r2, isfloat as u32, true);
        e1.k = ExpKind::Jmp(j);
        e1.t = NO_JUMP;
        e1.f = NO_JUMP;
        Ok(())
    }

    /// `==` and `~=`; `e1` was already made an RK operand (or kept a numeral) by `infix`.
    fn code_eq(&mut self, is_eq: bool, e1: &mut ExpDesc<'a>, e2: &mut ExpDesc<'a>) -> CResult<()> {
        if !matches!(e1.k, ExpKind::NonReloc(_)) {
            std::mem::swap(e1, e2);
        }
        let r1 = self.exp2anyreg(e1)?;
        let (op, r2, isfloat);
        if let Some((im, fl)) = e2.sc_number() {
            op = OpCode::EqI;
            r2 = im;
            isfloat = fl;
        } else if self.exp2rk(e2)? {
            op = OpCode::EqK;
            let ExpKind::K(k) = e2.k else { unreachable!() };
            r2 = k;
            isfloat = false;
        } else {
            op = OpCode::Eq;
            r2 = self.exp2anyreg(e2)?;
            isfloat = false;
        }
        self.free_exps(e1, e2);
        let j = self.cond_jump(op, r1, r2, isfloat as u32, is_eq);
        e1.k = ExpKind::Jmp(j);
        e1.t = NO_JUMP;
        e1.f = NO_JUMP;
        Ok(())
    }

    /// Applies a unary operator.
    pub(crate) fn prefix(&mut self, op: UnOp, e: &mut ExpDesc<'a>, line: u32) -> CResult<()> {
        const ZERO: ExpDesc<'static> = ExpDesc {
            k: ExpKind::KInt(0),
            t: NO_JUMP,
            f: NO_JUMP,
        };
        self.discharge_vars(e);
        match op {
            UnOp::Neg => {
                if !const_folding(ArithOp::Unm, e, &ZERO) {
                    self.code_unexpval(OpCode::Unm, e, line)?;
                }
            }
            UnOp::BNot => {
                if !const_folding(ArithOp::BNot, e, &ZERO) {
                    self.code_unexpval(OpCode::BNot, e, line)?;
                }
            }
            UnOp::Len => self.code_unexpval(OpCode::Len, e, line)?,
            UnOp::Not => self.code_not(e)?,
        }
        Ok(())
    }

    /// Prepares the first operand of a binary operator before the second is compiled.
    pub(crate) fn infix(&mut self, op: BinOp, v: &mut ExpDesc<'a>) -> CResult<()> {
        self.discharge_vars(v);
        match op {
            BinOp::And => self.go_if_true(v)?,
            BinOp::Or => self.go_if_false(v)?,
            BinOp::Concat => self.exp2nextreg(v)?,
            BinOp::Add
            | BinOp::Sub
            | BinOp::Mul
            | BinOp::Div
            | BinOp::IDiv
            | BinOp::Mod
            | BinOp::Pow
            | BinOp::BAnd
            | BinOp::BOr
            | BinOp::BXor
            | BinOp::Shl
            | BinOp::Shr => {
                if !v.is_numeral() {
                    self.exp2anyreg(v)?;
                }
            }
            BinOp::Eq | BinOp::Ne => {
                if !v.is_numeral() {
                    self.exp2rk(v)?;
                }
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                if v.sc_number().is_none() {
                    self.exp2anyreg(v)?;
                }
            }
        }
        Ok(())
    }

    /// `e1 .. e2`, merging with a concatenation `e2` already emitted.
    fn code_concat(&mut self, e1: &mut ExpDesc<'a>, e2: &mut ExpDesc<'a>, line: u32) {
        if let Some(ie2) = self.previous_instruction() {
            if op_of(ie2) == Some(OpCode::Concat) {
                let n = ie2.b();
                debug_assert_eq!(e1.reg() + 1, ie2.a());
                self.free_exp(e2);
                let pc = self.fs.pc() - 1;
                let r1 = e1.reg();
                let i = self.instr(pc);
                i.set_a(r1);
                i.set_b(n + 1);
                return;
            }
        }
        self.emit_abc(OpCode::Concat, e1.reg(), 2, 0);
        self.free_exp(e2);
        self.fix_line(line);
    }

    /// Finishes a binary operator once both operands are compiled.
    pub(crate) fn posfix(
        &mut self,
        op: BinOp,
        e1: &mut ExpDesc<'a>,
        e2: &mut ExpDesc<'a>,
        line: u32,
    ) -> CResult<()> {
        self.discharge_vars(e2);
        if let Some(aop) = arith_of(op) {
            if const_folding(aop, e1, e2) {
                return Ok(());
            }
        }
        match op {
            BinOp::And => {
                debug_assert_eq!(e1.t, NO_JUMP);
                let mut f = e2.f;
                self.concat_jumps(&mut f, e1.f)?;
                e2.f = f;
                *e1 = *e2;
            }
            BinOp::Or => {
                debug_assert_eq!(e1.f, NO_JUMP);
                let mut t = e2.t;
                self.concat_jumps(&mut t, e1.t)?;
                e2.t = t;
                *e1 = *e2;
            }
            BinOp::Concat => {
                self.exp2nextreg(e2)?;
                self.code_concat(e1, e2, line);
            }
            BinOp::Add | BinOp::Mul => self.code_commutative(op, e1, e2, line)?,
            BinOp::Sub => {
                if !self.finish_binexpneg(e1, e2, OpCode::AddI, line, TagMethod::Sub)? {
                    self.code_arith(op, e1, e2, false, line)?;
                }
            }
            BinOp::Div | BinOp::IDiv | BinOp::Mod | BinOp::Pow => {
                self.code_arith(op, e1, e2, false, line)?
            }
            BinOp::BAnd | BinOp::BOr | BinOp::BXor => self.code_bitwise(op, e1, e2, line)?,
            BinOp::Shl => {
                if e1.is_scint() {
                    std::mem::swap(e1, e2);
                    self.code_bini(OpCode::ShlI, e1, e2, true, line, TagMethod::Shl)?;
                } else if self.finish_binexpneg(e1, e2, OpCode::ShrI, line, TagMethod::Shl)? {
                    // coded as e1 >> -I
                } else {
                    self.code_binexpval(op, e1, e2, line)?;
                }
            }
            BinOp::Shr => {
                if e2.is_scint() {
                    self.code_bini(OpCode::ShrI, e1, e2, false, line, TagMethod::Shr)?;
                } else {
                    self.code_binexpval(op, e1, e2, line)?;
                }
            }
            BinOp::Eq | BinOp::Ne => self.code_eq(op == BinOp::Eq, e1, e2)?,
            BinOp::Gt | BinOp::Ge => {
                // a > b is b < a; a >= b is b <= a
                std::mem::swap(e1, e2);
                self.code_order(op == BinOp::Ge, e1, e2)?;
            }
            BinOp::Lt | BinOp::Le => self.code_order(op == BinOp::Le, e1, e2)?,
        }
        Ok(())
    }
}

/// Strings up to this length are "short": interned, usable as `GETFIELD`/`SETFIELD` keys.
pub(crate) const SHORT_STR_LEN: usize = 40;

/// The A operand of a `TESTSET` whose destination register is still unknown (Lua's
/// `NO_REG`); always patched (to a register, or into a `TEST`) before the function ends.
const MAX_A_NO_REG: u32 = crate::opcodes::MAX_A;

pub(crate) fn const_to_exp(v: ConstVal<'_>) -> ExpKind<'_> {
    match v {
        ConstVal::Nil => ExpKind::Nil,
        ConstVal::Bool(true) => ExpKind::True,
        ConstVal::Bool(false) => ExpKind::False,
        ConstVal::Int(i) => ExpKind::KInt(i),
        ConstVal::Float(f) => ExpKind::KFloat(f),
        ConstVal::Str(s) => ExpKind::KStr(s),
    }
}
