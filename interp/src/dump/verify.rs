//! The checker for prototypes read from binary chunks.
//!
//! The VM runs bytecode without bounds checks (see `vm/mod.rs`), so a loaded function must
//! satisfy everything the compiler guarantees. `check` enforces, for one function (its nested
//! functions are checked as they are read):
//!
//! - every opcode exists; register operands (including the ranges an instruction reads or
//!   writes, such as a call's arguments and results or a `for` loop's control registers) are
//!   below `max_stack`; constant, upvalue and prototype indices are in range; field names
//!   (`GETFIELD`, `SETFIELD`, `GETTABUP`, `SETTABUP`) are short string constants;
//! - control stays inside `code`: every jump, skip and fall-through lands on an instruction,
//!   so the last instruction cannot fall off the end;
//! - instructions that read the next one find what they expect: `EXTRAARG` after `LOADKX`,
//!   `NEWTABLE` and `SETLIST` with k; `JMP` after a test; `MMBIN*` after an arithmetic
//!   instruction, and an `MMBIN*` is never first (it writes the previous instruction's `A`);
//! - an instruction that takes its operand count from the stack top (`CALL`, `TAILCALL`,
//!   `RETURN`, `SETLIST` with B = 0) directly follows the multiple-result `CALL` or `VARARG`
//!   that sets that top, above its own operands, and nothing jumps to it (or is dead code
//!   after a `TAILCALL`, which never falls through);
//! - vararg functions start with `VARARGPREP` of their fixed parameters, which nothing jumps
//!   back to, and return with C = fixed parameters + 1 (`RETURN0`/`RETURN1` are for other
//!   functions); non-vararg functions have no `VARARGPREP`, `VARARG` or C operand in returns;
//! - table size hints are bounded by the code size (a constructor needs instructions for its
//!   items), so a small chunk cannot ask for a huge allocation;
//! - nested functions capture registers below `max_stack` and upvalues that exist;
//! - at most `max_stack` local variables are active at any instruction.

use crate::opcodes::{Instr, OpCode, MAX_C};
use crate::proto::{Constant, FnProto};

/// Most upvalues a function may have (Lua's `MAXUPVAL`).
const MAX_UPVALUES: usize = 255;

pub(super) fn check(p: &FnProto) -> Result<(), String> {
    let n = p.code.len();
    if n == 0 {
        return Err("function without code".into());
    }
    if p.num_params > p.max_stack {
        return Err("more parameters than registers".into());
    }
    if p.upvalues.len() > MAX_UPVALUES {
        return Err("too many upvalues".into());
    }
    let mut c = Checker {
        p,
        code: &p.code,
        ms: u64::from(p.max_stack),
        entered: vec![false; n],
        top_users: Vec::new(),
    };
    for pc in 0..n {
        c.instruction(pc)?;
    }
    c.finish()?;
    check_captures(p)?;
    check_locals(p)
}

struct Checker<'a> {
    p: &'a FnProto,
    code: &'a [Instr],
    ms: u64,
    /// Instructions reached other than by falling through from the previous one.
    entered: Vec<bool>,
    /// Instructions that take a count from the stack top, with the least register the
    /// multiple-result instruction before them must start at.
    top_users: Vec<(usize, u64)>,
}

impl Checker<'_> {
    fn bad(&self, pc: usize, what: &str) -> String {
        let name = self.code[pc].opcode().map(OpCode::name).unwrap_or("?");
        format!("invalid {} in instruction {} ({})", what, pc + 1, name)
    }

    /// Registers `first .. first + count` exist.
    fn regs(&self, pc: usize, first: u32, count: u32) -> Result<(), String> {
        if u64::from(first) + u64::from(count) <= self.ms {
            Ok(())
        } else {
            Err(self.bad(pc, "register"))
        }
    }

    fn reg(&self, pc: usize, r: u32) -> Result<(), String> {
        self.regs(pc, r, 1)
    }

    fn k(&self, pc: usize, x: u32) -> Result<(), String> {
        if (x as usize) < self.p.constants.len() {
            Ok(())
        } else {
            Err(self.bad(pc, "constant"))
        }
    }

    /// A field name: a short string constant.
    fn kstr(&self, pc: usize, x: u32) -> Result<(), String> {
        match self.p.constants.get(x as usize) {
            Some(Constant::Str(s)) if s.len() <= crate::string::MAX_SHORT_LEN => Ok(()),
            _ => Err(self.bad(pc, "constant")),
        }
    }

    fn up(&self, pc: usize, x: u32) -> Result<(), String> {
        if (x as usize) < self.p.upvalues.len() {
            Ok(())
        } else {
            Err(self.bad(pc, "upvalue"))
        }
    }

    /// `RK(C)`: a constant with the k bit, a register without.
    fn rk(&self, pc: usize, i: Instr) -> Result<(), String> {
        if i.k() {
            self.k(pc, i.c())
        } else {
            self.reg(pc, i.c())
        }
    }

    /// Control may go from `pc` to `target` other than by falling through.
    fn jump(&mut self, pc: usize, target: i64) -> Result<(), String> {
        if target < 0 || target >= self.code.len() as i64 {
            return Err(self.bad(pc, "jump"));
        }
        self.entered[target as usize] = true;
        Ok(())
    }

    /// The instruction after `pc` exists and has opcode `want` (one of them).
    fn next_is(&self, pc: usize, want: &[OpCode], what: &str) -> Result<Instr, String> {
        match self.code.get(pc + 1) {
            Some(&i) if i.opcode().is_some_and(|op| want.contains(&op)) => Ok(i),
            _ => Err(self.bad(pc, what)),
        }
    }

    /// A table size hint is plausible for this much code.
    fn size_hint(&self, pc: usize, items: u64) -> Result<(), String> {
        if items <= (self.code.len() as u64) * 256 {
            Ok(())
        } else {
            Err(self.bad(pc, "table size"))
        }
    }

    /// The C operand of `RETURN`/`TAILCALL`: set exactly for vararg functions.
    fn vararg_c(&self, pc: usize, c: u32) -> Result<(), String> {
        let want = if self.p.is_vararg {
            u32::from(self.p.num_params) + 1
        } else {
            0
        };
        if c == want {
            Ok(())
        } else {
            Err(self.bad(pc, "vararg adjustment"))
        }
    }

    fn instruction(&mut self, pc: usize) -> Result<(), String> {
        use OpCode::*;
        let i = self.code[pc];
        let Some(op) = i.opcode() else {
            return Err(format!("invalid opcode in instruction {}", pc + 1));
        };
        let (a, b, c) = (i.a(), i.b(), i.c());
        let pci = pc as i64;
        // Whether control can continue with the next instruction.
        let mut falls = true;
        match op {
            Move | Unm | BNot | Not | Len => {
                self.reg(pc, a)?;
                self.reg(pc, b)?;
            }
            LoadI | LoadF | LoadFalse | LoadTrue | Close | Tbc => self.reg(pc, a)?,
            LFalseSkip => {
                self.reg(pc, a)?;
                self.jump(pc, pci + 2)?;
                falls = false;
            }
            LoadK => {
                self.reg(pc, a)?;
                self.k(pc, i.bx())?;
            }
            LoadKX => {
                self.reg(pc, a)?;
                let extra = self.next_is(pc, &[ExtraArg], "extra argument")?;
                self.k(pc, extra.ax_arg())?;
                self.jump(pc, pci + 2)?;
                falls = false;
            }
            LoadNil => self.regs(pc, a, b + 1)?,
            GetUpval | SetUpval => {
                self.reg(pc, a)?;
                self.up(pc, b)?;
            }
            GetTabUp => {
                self.reg(pc, a)?;
                self.up(pc, b)?;
                self.kstr(pc, c)?;
            }
            GetTable => {
                self.reg(pc, a)?;
                self.reg(pc, b)?;
                self.reg(pc, c)?;
            }
            GetI => {
                self.reg(pc, a)?;
                self.reg(pc, b)?;
            }
            GetField => {
                self.reg(pc, a)?;
                self.reg(pc, b)?;
                self.kstr(pc, c)?;
            }
            SetTabUp => {
                self.up(pc, a)?;
                self.kstr(pc, b)?;
                self.rk(pc, i)?;
            }
            SetTable => {
                self.reg(pc, a)?;
                self.reg(pc, b)?;
                self.rk(pc, i)?;
            }
            SetI => {
                self.reg(pc, a)?;
                self.rk(pc, i)?;
            }
            SetField => {
                self.reg(pc, a)?;
                self.kstr(pc, b)?;
                self.rk(pc, i)?;
            }
            NewTable => {
                self.reg(pc, a)?;
                let extra = self.next_is(pc, &[ExtraArg], "extra argument")?;
                let mut array = u64::from(c);
                if i.k() {
                    array += u64::from(extra.ax_arg()) * u64::from(MAX_C + 1);
                }
                self.size_hint(pc, array)?;
                if b > 32 {
                    return Err(self.bad(pc, "table size"));
                }
                if b > 0 {
                    self.size_hint(pc, 1u64 << (b - 1))?;
                }
                self.jump(pc, pci + 2)?;
                falls = false;
            }
            SelfOp => {
                self.regs(pc, a, 2)?;
                self.reg(pc, b)?;
                self.rk(pc, i)?;
            }
            AddI | ShrI | ShlI => {
                self.reg(pc, a)?;
                self.reg(pc, b)?;
                self.arith_follow(pc)?;
            }
            AddK | SubK | MulK | ModK | PowK | DivK | IDivK | BAndK | BOrK | BXorK => {
                self.reg(pc, a)?;
                self.reg(pc, b)?;
                self.k(pc, c)?;
                self.arith_follow(pc)?;
            }
            Add | Sub | Mul | Mod | Pow | Div | IDiv | BAnd | BOr | BXor | Shl | Shr => {
                self.reg(pc, a)?;
                self.reg(pc, b)?;
                self.reg(pc, c)?;
                self.arith_follow(pc)?;
            }
            MmBin | MmBinI | MmBinK => {
                self.reg(pc, a)?;
                match op {
                    MmBin => self.reg(pc, b)?,
                    MmBinK => self.k(pc, b)?,
                    _ => {}
                }
                // The result goes to the previous instruction's A.
                if pc == 0 {
                    return Err(self.bad(pc, "position"));
                }
                self.reg(pc, self.code[pc - 1].a())?;
            }
            Concat => {
                if b < 2 {
                    return Err(self.bad(pc, "operand count"));
                }
                self.regs(pc, a, b)?;
            }
            Jmp => {
                self.jump(pc, pci + 1 + i64::from(i.sj_arg()))?;
                falls = false;
            }
            Eq | Lt | Le | TestSet => {
                self.reg(pc, a)?;
                self.reg(pc, b)?;
                self.test_follow(pc)?;
            }
            EqK => {
                self.reg(pc, a)?;
                self.k(pc, b)?;
                self.test_follow(pc)?;
            }
            EqI | LtI | LeI | GtI | GeI | Test => {
                self.reg(pc, a)?;
                self.test_follow(pc)?;
            }
            Call => {
                self.reg(pc, a)?;
                if b != 0 {
                    self.regs(pc, a, b)?;
                } else {
                    self.top_users.push((pc, u64::from(a) + 1));
                }
                if c != 0 {
                    self.regs(pc, a, c - 1)?;
                }
            }
            TailCall => {
                self.reg(pc, a)?;
                if b != 0 {
                    self.regs(pc, a, b)?;
                } else {
                    self.top_users.push((pc, u64::from(a) + 1));
                }
                self.vararg_c(pc, c)?;
                falls = false;
            }
            Return => {
                if b != 0 {
                    self.regs(pc, a, b - 1)?;
                } else {
                    self.regs(pc, a, 0)?;
                    self.top_users.push((pc, u64::from(a)));
                }
                self.vararg_c(pc, c)?;
                falls = false;
            }
            Return0 | Return1 => {
                if op == Return1 {
                    self.reg(pc, a)?;
                }
                if self.p.is_vararg {
                    return Err(self.bad(pc, "vararg adjustment"));
                }
                falls = false;
            }
            ForLoop => {
                self.regs(pc, a, 4)?;
                self.jump(pc, pci + 1 - i64::from(i.bx()))?;
            }
            ForPrep => {
                self.regs(pc, a, 4)?;
                self.jump(pc, pci + 2 + i64::from(i.bx()))?;
            }
            TForPrep => {
                self.regs(pc, a, 4)?;
                self.jump(pc, pci + 1 + i64::from(i.bx()))?;
                falls = false;
            }
            TForCall => {
                // The iterator is called with copies of the three control values above them.
                self.regs(pc, a, 7)?;
                self.regs(pc, a + 4, c)?;
            }
            TForLoop => {
                self.regs(pc, a, 5)?;
                self.jump(pc, pci + 1 - i64::from(i.bx()))?;
            }
            SetList => {
                self.reg(pc, a)?;
                if b != 0 {
                    self.regs(pc, a, b + 1)?;
                } else {
                    self.top_users.push((pc, u64::from(a) + 1));
                }
                if i.k() {
                    let extra = self.next_is(pc, &[ExtraArg], "extra argument")?;
                    let first = u64::from(c) + u64::from(extra.ax_arg()) * u64::from(MAX_C + 1);
                    self.size_hint(pc, first)?;
                    self.jump(pc, pci + 2)?;
                    falls = false;
                }
            }
            Closure => {
                self.reg(pc, a)?;
                if i.bx() as usize >= self.p.protos.len() {
                    return Err(self.bad(pc, "prototype"));
                }
            }
            VarArg => {
                if !self.p.is_vararg {
                    return Err(self.bad(pc, "vararg use"));
                }
                if c != 0 {
                    self.regs(pc, a, c - 1)?;
                } else {
                    self.regs(pc, a, 0)?;
                }
            }
            VarArgPrep => {
                if pc != 0 || !self.p.is_vararg || a != u32::from(self.p.num_params) {
                    return Err(self.bad(pc, "vararg preparation"));
                }
            }
            // Executing a stray EXTRAARG is a clean runtime error; it only carries data.
            ExtraArg => {}
        }
        if falls && pc + 1 >= self.code.len() {
            return Err(format!(
                "function runs past its last instruction ({})",
                pc + 1
            ));
        }
        Ok(())
    }

    /// An arithmetic instruction is followed by its metamethod instruction, which its fast
    /// path skips.
    fn arith_follow(&mut self, pc: usize) -> Result<(), String> {
        self.next_is(
            pc,
            &[OpCode::MmBin, OpCode::MmBinI, OpCode::MmBinK],
            "metamethod fallback",
        )?;
        self.jump(pc, pc as i64 + 2)
    }

    /// A test is followed by the jump it takes or skips.
    fn test_follow(&mut self, pc: usize) -> Result<(), String> {
        self.next_is(pc, &[OpCode::Jmp], "conditional jump")?;
        self.jump(pc, pc as i64 + 2)
    }

    fn finish(&self) -> Result<(), String> {
        if self.p.is_vararg {
            let first = self.code[0];
            if first.opcode() != Some(OpCode::VarArgPrep) || self.entered[0] {
                return Err("vararg function without its preparation".into());
            }
        }
        for &(pc, least) in &self.top_users {
            let ok = pc > 0 && !self.entered[pc] && {
                let prev = self.code[pc - 1];
                match prev.opcode() {
                    Some(OpCode::Call | OpCode::VarArg) => {
                        prev.c() == 0 && u64::from(prev.a()) >= least
                    }
                    // The `RETURN` the compiler puts after a tail call is never reached.
                    Some(OpCode::TailCall) => true,
                    _ => false,
                }
            };
            if !ok {
                return Err(self.bad(pc, "use of the stack top"));
            }
        }
        Ok(())
    }
}

/// Nested functions capture registers and upvalues of this one that exist.
fn check_captures(p: &FnProto) -> Result<(), String> {
    for sub in &p.protos {
        for u in &sub.upvalues {
            let ok = if u.in_stack {
                u.index < p.max_stack
            } else {
                usize::from(u.index) < p.upvalues.len()
            };
            if !ok {
                return Err("invalid upvalue of a nested function".into());
            }
        }
    }
    Ok(())
}

/// At most `max_stack` locals are active at once (each lives in a register).
fn check_locals(p: &FnProto) -> Result<(), String> {
    let mut events: Vec<(u32, i32)> = Vec::with_capacity(p.loc_vars.len() * 2);
    for v in &p.loc_vars {
        if v.start_pc < v.end_pc {
            events.push((v.start_pc, 1));
            events.push((v.end_pc, -1));
        }
    }
    // Ends sort before starts at the same pc.
    events.sort_unstable();
    let mut active: i64 = 0;
    for (_, d) in events {
        active += i64::from(d);
        if active > i64::from(p.max_stack) {
            return Err("too many active local variables".into());
        }
    }
    Ok(())
}
