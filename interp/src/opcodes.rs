//! The instruction set: the one source of truth shared by the compiler, the VM, the
//! disassembler and binary chunks.
//!
//! Instructions are 32-bit words in the layout of Lua 5.4 (bits, low to high):
//!
//! ```text
//!   iABC   op:7 | A:8 | k:1 | B:8  | C:8
//!   iABx   op:7 | A:8 | Bx:17
//!   iAsBx  op:7 | A:8 | sBx:17      (signed, excess-K: sBx = Bx - OFFSET_SBX)
//!   iAx    op:7 | Ax:25
//!   isJ    op:7 | sJ:25             (signed, excess-K: sJ = raw - OFFSET_SJ)
//! ```
//!
//! Notation: `R[x]` is register x of the running function, `K[x]` constant x, `U[x]` upvalue x,
//! `RK(C)` is `K[C]` when the k bit is set and `R[C]` otherwise, `sB`/`sC` are B/C read as signed
//! (excess `OFFSET_SC`). "pc++" means skip the next instruction (always a `JMP` after a test).
//!
//! Conventions the compiler and VM share:
//! - An arithmetic or bitwise instruction (`ADD` ... `SHR`, `ADDI`, `ADDK` ... `SHLI`) is always
//!   followed by an `MMBIN`/`MMBINI`/`MMBINK`. When the fast path succeeds the VM skips that
//!   instruction; otherwise it falls into it, which calls the metamethod (or raises the error)
//!   and stores the result into the `A` of the arithmetic instruction.
//! - `CALL A B C`: B-1 arguments (B = 0: up to the stack top set by the previous instruction),
//!   C-1 results (C = 0: all results, setting the top for the next instruction).
//! - `RETURN A B C k`: B-1 values (B = 0: up to top); k: close upvalues and to-be-closed
//!   variables first; C > 0: the function is vararg with C-1 fixed parameters.
//!   `TAILCALL` uses B, C and k the same way.
//! - Numeric `for`: `R[A]` internal index, `R[A+1]` limit (for integer loops: the remaining
//!   iteration count), `R[A+2]` step, `R[A+3]` the loop variable.
//! - Generic `for`: `R[A]` iterator, `R[A+1]` state, `R[A+2]` control, `R[A+3]` closing value,
//!   `R[A+4]...` the loop variables.

use std::fmt;

/// Number of bits of each field.
pub const SIZE_OP: u32 = 7;
pub const SIZE_A: u32 = 8;
pub const SIZE_B: u32 = 8;
pub const SIZE_C: u32 = 8;
pub const SIZE_BX: u32 = SIZE_C + SIZE_B + 1;
pub const SIZE_AX: u32 = SIZE_BX + SIZE_A;
pub const SIZE_SJ: u32 = SIZE_BX + SIZE_A;

pub const POS_A: u32 = SIZE_OP;
pub const POS_K: u32 = POS_A + SIZE_A;
pub const POS_B: u32 = POS_K + 1;
pub const POS_C: u32 = POS_B + SIZE_B;
pub const POS_BX: u32 = POS_K;
pub const POS_AX: u32 = POS_A;
pub const POS_SJ: u32 = POS_A;

pub const MAX_A: u32 = (1 << SIZE_A) - 1;
pub const MAX_B: u32 = (1 << SIZE_B) - 1;
pub const MAX_C: u32 = (1 << SIZE_C) - 1;
pub const MAX_BX: u32 = (1 << SIZE_BX) - 1;
pub const MAX_AX: u32 = (1 << SIZE_AX) - 1;
pub const MAX_SJ: u32 = (1 << SIZE_SJ) - 1;
pub const OFFSET_SBX: i32 = (MAX_BX >> 1) as i32;
pub const OFFSET_SJ: i32 = (MAX_SJ >> 1) as i32;
pub const OFFSET_SC: i32 = (MAX_C >> 1) as i32;

/// Maximum number of registers of a function (register numbers fit in A).
pub const MAX_REGS: u32 = 255;
/// Items flushed by one `SETLIST` while building a table constructor.
pub const FIELDS_PER_FLUSH: u32 = 50;

macro_rules! opcodes {
    ($($name:ident = $mnemonic:literal, $mode:ident, $doc:literal;)*) => {
        /// An operation code. The comment of each is its meaning.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub enum OpCode {
            $(#[doc = $doc] $name,)*
        }

        impl OpCode {
            pub const ALL: &'static [OpCode] = &[$(OpCode::$name,)*];

            pub fn name(self) -> &'static str {
                match self { $(OpCode::$name => $mnemonic,)* }
            }

            pub fn mode(self) -> OpMode {
                match self { $(OpCode::$name => OpMode::$mode,)* }
            }
        }
    };
}

/// The instruction format an opcode uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpMode {
    ABC,
    ABx,
    AsBx,
    Ax,
    SJ,
}

opcodes! {
    Move = "MOVE", ABC, "A B: R[A] := R[B]";
    LoadI = "LOADI", AsBx, "A sBx: R[A] := sBx (integer)";
    LoadF = "LOADF", AsBx, "A sBx: R[A] := (float)sBx";
    LoadK = "LOADK", ABx, "A Bx: R[A] := K[Bx]";
    LoadKX = "LOADKX", ABC, "A: R[A] := K[Ax of the next instruction, an EXTRAARG]";
    LoadFalse = "LOADFALSE", ABC, "A: R[A] := false";
    LFalseSkip = "LFALSESKIP", ABC, "A: R[A] := false; pc++";
    LoadTrue = "LOADTRUE", ABC, "A: R[A] := true";
    LoadNil = "LOADNIL", ABC, "A B: R[A], R[A+1], ..., R[A+B] := nil";
    GetUpval = "GETUPVAL", ABC, "A B: R[A] := U[B]";
    SetUpval = "SETUPVAL", ABC, "A B: U[B] := R[A]";
    GetTabUp = "GETTABUP", ABC, "A B C: R[A] := U[B][K[C]] (K[C] a short string)";
    GetTable = "GETTABLE", ABC, "A B C: R[A] := R[B][R[C]]";
    GetI = "GETI", ABC, "A B C: R[A] := R[B][C] (C an integer key)";
    GetField = "GETFIELD", ABC, "A B C: R[A] := R[B][K[C]] (K[C] a short string)";
    SetTabUp = "SETTABUP", ABC, "A B C: U[A][K[B]] := RK(C) (K[B] a short string)";
    SetTable = "SETTABLE", ABC, "A B C: R[A][R[B]] := RK(C)";
    SetI = "SETI", ABC, "A B C: R[A][B] := RK(C) (B an integer key)";
    SetField = "SETFIELD", ABC, "A B C: R[A][K[B]] := RK(C) (K[B] a short string)";
    NewTable = "NEWTABLE", ABC, "A B C k: R[A] := {} with hash size 2^(B-1) (0 if B = 0) and array size C (k: plus EXTRAARG's Ax * (MAX_C+1)); always followed by EXTRAARG";
    SelfOp = "SELF", ABC, "A B C: R[A+1] := R[B]; R[A] := R[B][RK(C)] (a string)";
    AddI = "ADDI", ABC, "A B sC: R[A] := R[B] + sC";
    AddK = "ADDK", ABC, "A B C: R[A] := R[B] + K[C] (a number)";
    SubK = "SUBK", ABC, "A B C: R[A] := R[B] - K[C] (a number)";
    MulK = "MULK", ABC, "A B C: R[A] := R[B] * K[C] (a number)";
    ModK = "MODK", ABC, "A B C: R[A] := R[B] % K[C] (a number)";
    PowK = "POWK", ABC, "A B C: R[A] := R[B] ^ K[C] (a number)";
    DivK = "DIVK", ABC, "A B C: R[A] := R[B] / K[C] (a number)";
    IDivK = "IDIVK", ABC, "A B C: R[A] := R[B] // K[C] (a number)";
    BAndK = "BANDK", ABC, "A B C: R[A] := R[B] & K[C] (an integer)";
    BOrK = "BORK", ABC, "A B C: R[A] := R[B] | K[C] (an integer)";
    BXorK = "BXORK", ABC, "A B C: R[A] := R[B] ~ K[C] (an integer)";
    ShrI = "SHRI", ABC, "A B sC: R[A] := R[B] >> sC";
    ShlI = "SHLI", ABC, "A B sC: R[A] := sC << R[B]";
    Add = "ADD", ABC, "A B C: R[A] := R[B] + R[C]";
    Sub = "SUB", ABC, "A B C: R[A] := R[B] - R[C]";
    Mul = "MUL", ABC, "A B C: R[A] := R[B] * R[C]";
    Mod = "MOD", ABC, "A B C: R[A] := R[B] % R[C]";
    Pow = "POW", ABC, "A B C: R[A] := R[B] ^ R[C]";
    Div = "DIV", ABC, "A B C: R[A] := R[B] / R[C]";
    IDiv = "IDIV", ABC, "A B C: R[A] := R[B] // R[C]";
    BAnd = "BAND", ABC, "A B C: R[A] := R[B] & R[C]";
    BOr = "BOR", ABC, "A B C: R[A] := R[B] | R[C]";
    BXor = "BXOR", ABC, "A B C: R[A] := R[B] ~ R[C]";
    Shl = "SHL", ABC, "A B C: R[A] := R[B] << R[C]";
    Shr = "SHR", ABC, "A B C: R[A] := R[B] >> R[C]";
    MmBin = "MMBIN", ABC, "A B C: call metamethod C (a TagMethod) over R[A] and R[B]; result to the A of the previous instruction";
    MmBinI = "MMBINI", ABC, "A sB C k: call metamethod C over R[A] and sB (k: operands swapped)";
    MmBinK = "MMBINK", ABC, "A B C k: call metamethod C over R[A] and K[B] (k: operands swapped)";
    Unm = "UNM", ABC, "A B: R[A] := -R[B]";
    BNot = "BNOT", ABC, "A B: R[A] := ~R[B]";
    Not = "NOT", ABC, "A B: R[A] := not R[B]";
    Len = "LEN", ABC, "A B: R[A] := #R[B] (length operator)";
    Concat = "CONCAT", ABC, "A B: R[A] := R[A] .. ... .. R[A+B-1]";
    Close = "CLOSE", ABC, "A: close upvalues and to-be-closed variables >= R[A]";
    Tbc = "TBC", ABC, "A: mark variable R[A] to be closed";
    Jmp = "JMP", SJ, "sJ: pc += sJ";
    Eq = "EQ", ABC, "A B k: if ((R[A] == R[B]) ~= k) then pc++";
    Lt = "LT", ABC, "A B k: if ((R[A] < R[B]) ~= k) then pc++";
    Le = "LE", ABC, "A B k: if ((R[A] <= R[B]) ~= k) then pc++";
    EqK = "EQK", ABC, "A B k: if ((R[A] == K[B]) ~= k) then pc++";
    EqI = "EQI", ABC, "A sB k C: if ((R[A] == sB) ~= k) then pc++ (C: sB stands for a float)";
    LtI = "LTI", ABC, "A sB k C: if ((R[A] < sB) ~= k) then pc++ (C: sB stands for a float)";
    LeI = "LEI", ABC, "A sB k C: if ((R[A] <= sB) ~= k) then pc++ (C: sB stands for a float)";
    GtI = "GTI", ABC, "A sB k C: if ((R[A] > sB) ~= k) then pc++ (C: sB stands for a float)";
    GeI = "GEI", ABC, "A sB k C: if ((R[A] >= sB) ~= k) then pc++ (C: sB stands for a float)";
    Test = "TEST", ABC, "A k: if (not R[A] == k) then pc++";
    TestSet = "TESTSET", ABC, "A B k: if (not R[B] == k) then pc++ else R[A] := R[B]";
    Call = "CALL", ABC, "A B C: R[A], ..., R[A+C-2] := R[A](R[A+1], ..., R[A+B-1])";
    TailCall = "TAILCALL", ABC, "A B C k: return R[A](R[A+1], ..., R[A+B-1])";
    Return = "RETURN", ABC, "A B C k: return R[A], ..., R[A+B-2]";
    Return0 = "RETURN0", ABC, "return (no values, nothing to close)";
    Return1 = "RETURN1", ABC, "A: return R[A] (nothing to close)";
    ForLoop = "FORLOOP", ABx, "A Bx: update counters; if the loop continues then pc -= Bx";
    ForPrep = "FORPREP", ABx, "A Bx: check and prepare counters; if the loop runs zero times then pc += Bx + 1";
    TForPrep = "TFORPREP", ABx, "A Bx: mark R[A+3] to be closed; pc += Bx";
    TForCall = "TFORCALL", ABC, "A C: R[A+4], ..., R[A+3+C] := R[A](R[A+1], R[A+2])";
    TForLoop = "TFORLOOP", ABx, "A Bx: if R[A+4] ~= nil then { R[A+2] := R[A+4]; pc -= Bx }";
    SetList = "SETLIST", ABC, "A B C k: R[A][C+i] := R[A+i] for 1 <= i <= B (B = 0: up to top; k: C plus EXTRAARG's Ax * (MAX_C+1))";
    Closure = "CLOSURE", ABx, "A Bx: R[A] := closure(protos[Bx])";
    VarArg = "VARARG", ABC, "A C: R[A], ..., R[A+C-2] := vararg (C = 0: all, setting top)";
    VarArgPrep = "VARARGPREP", ABC, "A: adjust the vararg parameters (A = number of fixed parameters)";
    ExtraArg = "EXTRAARG", Ax, "Ax: extra (larger) argument for the previous instruction";
}

impl OpCode {
    #[inline]
    pub fn from_u8(b: u8) -> Option<OpCode> {
        OpCode::ALL.get(b as usize).copied()
    }

    /// True when the instruction writes register A.
    pub fn sets_a(self) -> bool {
        use OpCode::*;
        !matches!(
            self,
            SetUpval
                | SetTabUp
                | SetTable
                | SetI
                | SetField
                | MmBin
                | MmBinI
                | MmBinK
                | Close
                | Tbc
                | Jmp
                | Eq
                | Lt
                | Le
                | EqK
                | EqI
                | LtI
                | LeI
                | GtI
                | GeI
                | Test
                | Return
                | Return0
                | Return1
                | TForPrep
                | TForCall
                | SetList
                | ExtraArg
        )
    }

    /// True for the metamethod instructions that follow an arithmetic instruction.
    pub fn is_mm(self) -> bool {
        matches!(self, OpCode::MmBin | OpCode::MmBinI | OpCode::MmBinK)
    }
}

/// Metamethod events, in the order `MMBIN`'s C operand numbers them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum TagMethod {
    Index,
    NewIndex,
    Gc,
    Mode,
    Len,
    Eq,
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
    Lt,
    Le,
    Concat,
    Call,
    Close,
}

impl TagMethod {
    pub const ALL: [TagMethod; 25] = [
        TagMethod::Index,
        TagMethod::NewIndex,
        TagMethod::Gc,
        TagMethod::Mode,
        TagMethod::Len,
        TagMethod::Eq,
        TagMethod::Add,
        TagMethod::Sub,
        TagMethod::Mul,
        TagMethod::Mod,
        TagMethod::Pow,
        TagMethod::Div,
        TagMethod::IDiv,
        TagMethod::BAnd,
        TagMethod::BOr,
        TagMethod::BXor,
        TagMethod::Shl,
        TagMethod::Shr,
        TagMethod::Unm,
        TagMethod::BNot,
        TagMethod::Lt,
        TagMethod::Le,
        TagMethod::Concat,
        TagMethod::Call,
        TagMethod::Close,
    ];

    /// The metatable field name, e.g. `"__add"`.
    pub fn name(self) -> &'static str {
        match self {
            TagMethod::Index => "__index",
            TagMethod::NewIndex => "__newindex",
            TagMethod::Gc => "__gc",
            TagMethod::Mode => "__mode",
            TagMethod::Len => "__len",
            TagMethod::Eq => "__eq",
            TagMethod::Add => "__add",
            TagMethod::Sub => "__sub",
            TagMethod::Mul => "__mul",
            TagMethod::Mod => "__mod",
            TagMethod::Pow => "__pow",
            TagMethod::Div => "__div",
            TagMethod::IDiv => "__idiv",
            TagMethod::BAnd => "__band",
            TagMethod::BOr => "__bor",
            TagMethod::BXor => "__bxor",
            TagMethod::Shl => "__shl",
            TagMethod::Shr => "__shr",
            TagMethod::Unm => "__unm",
            TagMethod::BNot => "__bnot",
            TagMethod::Lt => "__lt",
            TagMethod::Le => "__le",
            TagMethod::Concat => "__concat",
            TagMethod::Call => "__call",
            TagMethod::Close => "__close",
        }
    }

    pub fn from_u8(b: u8) -> Option<TagMethod> {
        TagMethod::ALL.get(b as usize).copied()
    }
}

/// One encoded instruction.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
#[repr(transparent)]
pub struct Instr(pub u32);

#[inline(always)]
const fn mask(bits: u32) -> u32 {
    (1u32 << bits) - 1
}

impl Instr {
    #[inline(always)]
    pub fn abc(op: OpCode, a: u32, b: u32, c: u32, k: bool) -> Instr {
        debug_assert!(a <= MAX_A && b <= MAX_B && c <= MAX_C);
        Instr((op as u32) | (a << POS_A) | ((k as u32) << POS_K) | (b << POS_B) | (c << POS_C))
    }

    #[inline(always)]
    pub fn abx(op: OpCode, a: u32, bx: u32) -> Instr {
        debug_assert!(a <= MAX_A && bx <= MAX_BX);
        Instr((op as u32) | (a << POS_A) | (bx << POS_BX))
    }

    #[inline(always)]
    pub fn asbx(op: OpCode, a: u32, sbx: i32) -> Instr {
        let bx = (sbx + OFFSET_SBX) as u32;
        debug_assert!(bx <= MAX_BX);
        Instr::abx(op, a, bx)
    }

    #[inline(always)]
    pub fn ax(op: OpCode, ax: u32) -> Instr {
        debug_assert!(ax <= MAX_AX);
        Instr((op as u32) | (ax << POS_AX))
    }

    #[inline(always)]
    pub fn sj(op: OpCode, sj: i32) -> Instr {
        let raw = (sj + OFFSET_SJ) as u32;
        debug_assert!(raw <= MAX_SJ);
        Instr((op as u32) | (raw << POS_SJ))
    }

    /// The opcode; `None` only for a corrupt instruction (binary chunks are validated on load,
    /// so the VM may use `opcode_unchecked`).
    #[inline(always)]
    pub fn opcode(self) -> Option<OpCode> {
        OpCode::from_u8((self.0 & mask(SIZE_OP)) as u8)
    }

    #[inline(always)]
    pub fn op_raw(self) -> u8 {
        (self.0 & mask(SIZE_OP)) as u8
    }

    #[inline(always)]
    pub fn a(self) -> u32 {
        (self.0 >> POS_A) & mask(SIZE_A)
    }
    #[inline(always)]
    pub fn b(self) -> u32 {
        (self.0 >> POS_B) & mask(SIZE_B)
    }
    #[inline(always)]
    pub fn c(self) -> u32 {
        (self.0 >> POS_C) & mask(SIZE_C)
    }
    #[inline(always)]
    pub fn sb(self) -> i32 {
        self.b() as i32 - OFFSET_SC
    }
    #[inline(always)]
    pub fn sc(self) -> i32 {
        self.c() as i32 - OFFSET_SC
    }
    #[inline(always)]
    pub fn k(self) -> bool {
        (self.0 >> POS_K) & 1 != 0
    }
    #[inline(always)]
    pub fn bx(self) -> u32 {
        self.0 >> POS_BX
    }
    #[inline(always)]
    pub fn sbx(self) -> i32 {
        self.bx() as i32 - OFFSET_SBX
    }
    #[inline(always)]
    pub fn ax_arg(self) -> u32 {
        self.0 >> POS_AX
    }
    #[inline(always)]
    pub fn sj_arg(self) -> i32 {
        (self.0 >> POS_SJ) as i32 - OFFSET_SJ
    }

    pub fn set_a(&mut self, a: u32) {
        debug_assert!(a <= MAX_A);
        self.0 = (self.0 & !(mask(SIZE_A) << POS_A)) | (a << POS_A);
    }
    pub fn set_b(&mut self, b: u32) {
        debug_assert!(b <= MAX_B);
        self.0 = (self.0 & !(mask(SIZE_B) << POS_B)) | (b << POS_B);
    }
    pub fn set_c(&mut self, c: u32) {
        debug_assert!(c <= MAX_C);
        self.0 = (self.0 & !(mask(SIZE_C) << POS_C)) | (c << POS_C);
    }
    pub fn set_k(&mut self, k: bool) {
        self.0 = (self.0 & !(1 << POS_K)) | ((k as u32) << POS_K);
    }
    pub fn set_bx(&mut self, bx: u32) {
        debug_assert!(bx <= MAX_BX);
        self.0 = (self.0 & !(mask(SIZE_BX) << POS_BX)) | (bx << POS_BX);
    }
    pub fn set_sbx(&mut self, sbx: i32) {
        self.set_bx((sbx + OFFSET_SBX) as u32);
    }
    pub fn set_sj(&mut self, sj: i32) {
        let raw = (sj + OFFSET_SJ) as u32;
        debug_assert!(raw <= MAX_SJ);
        self.0 = (self.0 & !(mask(SIZE_SJ) << POS_SJ)) | (raw << POS_SJ);
    }
}

impl fmt::Debug for Instr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Some(op) = self.opcode() else {
            return write!(f, "<bad opcode {}>", self.op_raw());
        };
        write!(f, "{:<10}", op.name())?;
        match op.mode() {
            OpMode::ABC => {
                write!(f, " {} {} {}", self.a(), self.b(), self.c())?;
                if self.k() {
                    write!(f, " k")?;
                }
                Ok(())
            }
            OpMode::ABx => write!(f, " {} {}", self.a(), self.bx()),
            OpMode::AsBx => write!(f, " {} {}", self.a(), self.sbx()),
            OpMode::Ax => write!(f, " {}", self.ax_arg()),
            OpMode::SJ => write!(f, " {}", self.sj_arg()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_round_trip() {
        let i = Instr::abc(OpCode::Call, 3, 200, 255, true);
        assert_eq!(i.opcode(), Some(OpCode::Call));
        assert_eq!((i.a(), i.b(), i.c(), i.k()), (3, 200, 255, true));
        let j = Instr::asbx(OpCode::LoadI, 7, -65535);
        assert_eq!(j.sbx(), -65535);
        let s = Instr::sj(OpCode::Jmp, -1234567);
        assert_eq!(s.sj_arg(), -1234567);
        assert_eq!(OpCode::ALL.len(), 83);
        assert!(OpCode::ALL.len() <= 1 << SIZE_OP);
        for (i, op) in OpCode::ALL.iter().enumerate() {
            assert_eq!(*op as usize, i);
        }
    }
}
