//! Scopes: local variables and their registers, upvalues, blocks, labels and gotos (the
//! scoping half of Lua's `lparser.c`).
//!
//! Active variables of every function being compiled live in one stack
//! (`Compiler::actvars`); a function's variables start at its `first_local`, and variable
//! `vidx` of a function is `actvars[first_local + vidx]`. Compile-time constants count as
//! variables but hold no register, so a variable's register is not its index: `reg_level`
//! converts. Pending gotos and visible labels are kept the same way; a block records where its
//! own start, so leaving it drops its labels and hands its pending gotos to the enclosing
//! block (or reports them, at the end of a function).

use crate::opcodes::OpCode;
use crate::proto::{LocVar, UpvalDesc, VarKind};

use super::code::BlockCnt;
use super::exp::{ConstVal, ExpDesc, ExpKind};
use super::{CResult, Compat, Compiler, LabelDesc, VarDesc};

/// Lua's limit on local variables per function.
pub(crate) const MAX_VARS: usize = 200;
/// Lua's limit on the debug entries of local variables per function.
pub(crate) const MAX_DEBUG_VARS: usize = i16::MAX as usize;
/// Lua's limit on upvalues per function.
pub(crate) const MAX_UPVAL: usize = 255;

impl<'a> Compiler<'a> {
    // ---------------------------------------------------------------- variables

    /// Declares a new local variable (not active yet); returns its index in the function.
    pub(crate) fn new_localvar(&mut self, name: &'a str, line: u32) -> CResult<usize> {
        if self.actvars.len() + 1 - self.fs.first_local > MAX_VARS {
            return Err(self.error_limit(MAX_VARS as u32, "local variables", line));
        }
        self.actvars.push(VarDesc {
            name,
            kind: VarKind::Regular,
            ridx: 0,
            pidx: 0,
            kval: ConstVal::Nil,
        });
        Ok(self.actvars.len() - 1 - self.fs.first_local)
    }

    #[inline]
    pub(crate) fn local_var(&self, vidx: usize) -> &VarDesc<'a> {
        &self.actvars[self.fs.first_local + vidx]
    }

    #[inline]
    pub(crate) fn local_var_mut(&mut self, vidx: usize) -> &mut VarDesc<'a> {
        let i = self.fs.first_local + vidx;
        &mut self.actvars[i]
    }

    /// The first register above the variables `0..nvar` of the current function.
    pub(crate) fn reg_level(&self, nvar: usize) -> u32 {
        let base = self.fs.first_local;
        for v in self.actvars[base..base + nvar].iter().rev() {
            if v.kind != VarKind::CompileTimeConst {
                return v.ridx as u32 + 1;
            }
        }
        0
    }

    /// Registers held by the active variables of the current function.
    #[inline]
    pub(crate) fn nvarstack(&self) -> u32 {
        self.reg_level(self.fs.nactvar)
    }

    /// The debug entry of variable `vidx` (none for compile-time constants).
    pub(crate) fn local_debug_info(&mut self, vidx: usize) -> Option<&mut LocVar> {
        let v = *self.local_var(vidx);
        if v.kind == VarKind::CompileTimeConst {
            None
        } else {
            Some(&mut self.fs.f.loc_vars[v.pidx as usize])
        }
    }

    /// Activates the last `nvars` declared variables, giving them registers.
    pub(crate) fn adjust_local_vars(&mut self, nvars: usize) -> CResult<()> {
        let reglevel = self.nvarstack();
        for reg in reglevel..reglevel + nvars as u32 {
            let vidx = self.fs.nactvar;
            self.fs.nactvar += 1;
            let name = self.local_var(vidx).name;
            let pidx = self.register_local_var(name)?;
            let v = self.local_var_mut(vidx);
            v.ridx = reg as u8;
            v.pidx = pidx;
        }
        Ok(())
    }

    /// Adds a variable to the function's debug information; returns its index there.
    fn register_local_var(&mut self, name: &str) -> CResult<u16> {
        let n = self.fs.f.loc_vars.len();
        if n >= MAX_DEBUG_VARS {
            // Lua's limit on the debug entries of a function (its array is indexed by shorts).
            let msg = format!("too many local variables (limit is {MAX_DEBUG_VARS})");
            return Err(self.error(msg, self.last_line));
        }
        let pc = self.fs.pc() as u32;
        self.fs.f.loc_vars.push(LocVar {
            name: name.into(),
            start_pc: pc,
            end_pc: 0,
        });
        Ok(n as u16)
    }

    /// Ends the scope of the variables above level `tolevel`. Their descriptions stay in
    /// `actvars` until the block is left (`leave_block` drops them), as pending gotos still
    /// refer to them.
    pub(crate) fn remove_vars(&mut self, tolevel: usize) {
        let pc = self.fs.pc() as u32;
        while self.fs.nactvar > tolevel {
            self.fs.nactvar -= 1;
            let vidx = self.fs.nactvar;
            if let Some(v) = self.local_debug_info(vidx) {
                v.end_pc = pc;
            }
        }
    }

    /// Fails if `e` is a variable that may not be assigned.
    pub(crate) fn check_readonly(&self, e: &ExpDesc<'a>, line: u32) -> CResult<()> {
        let name = match e.k {
            ExpKind::Const(i) => Some(self.actvars[i].name),
            ExpKind::Local { vidx, .. } => {
                let v = self.local_var(vidx);
                (v.kind != VarKind::Regular).then_some(v.name)
            }
            ExpKind::Upval(idx) => {
                let up = &self.fs.f.upvalues[idx as usize];
                (up.kind != VarKind::Regular).then(|| up.name.as_deref().unwrap_or("?"))
            }
            _ => None,
        };
        match name {
            Some(n) => Err(self.error(format!("attempt to assign to const variable '{n}'"), line)),
            None => Ok(()),
        }
    }

    // ---------------------------------------------------------------- name resolution

    /// The function at nesting `level` (0: the main function).
    fn func_at(&mut self, level: usize) -> &mut super::code::FuncState {
        if level == self.enclosing.len() {
            &mut self.fs
        } else {
            &mut self.enclosing[level]
        }
    }

    /// Looks `name` up among the active variables of the function at `level`.
    fn search_var(&mut self, level: usize, name: &str) -> Option<ExpDesc<'a>> {
        let fs = self.func_at(level);
        let (first, nact) = (fs.first_local, fs.nactvar);
        for i in (0..nact).rev() {
            let v = &self.actvars[first + i];
            if v.name == name {
                return Some(if v.kind == VarKind::CompileTimeConst {
                    ExpDesc::new(ExpKind::Const(first + i))
                } else {
                    ExpDesc::new(ExpKind::Local {
                        ridx: v.ridx as u32,
                        vidx: i,
                    })
                });
            }
        }
        None
    }

    fn search_upvalue(&mut self, level: usize, name: &str) -> Option<u32> {
        let fs = self.func_at(level);
        fs.f.upvalues
            .iter()
            .position(|u| u.name.as_deref() == Some(name))
            .map(|i| i as u32)
    }

    /// Marks the block of the function at `level` where variable `vidx` was declared as having
    /// a captured variable.
    fn mark_upval(&mut self, level: usize, vidx: usize) {
        let fs = self.func_at(level);
        if let Some(bl) = fs.blocks.iter_mut().rev().find(|b| b.nactvar <= vidx) {
            bl.upval = true;
        }
        fs.needclose = true;
    }

    /// Marks the current block as holding a to-be-closed variable.
    pub(crate) fn mark_to_be_closed(&mut self) {
        let bl = self.fs.blocks.last_mut().expect("no block");
        bl.upval = true;
        bl.inside_tbc = true;
        self.fs.needclose = true;
    }

    /// Adds upvalue `name` to the function at `level`, found as `v` in the enclosing one.
    fn new_upvalue(
        &mut self,
        level: usize,
        name: &str,
        v: &ExpDesc<'a>,
        line: u32,
    ) -> CResult<u32> {
        let (in_stack, index, kind) = match v.k {
            ExpKind::Local { ridx, vidx } => {
                let prev = self.func_at(level - 1);
                let first = prev.first_local;
                (true, ridx as u8, self.actvars[first + vidx].kind)
            }
            ExpKind::Upval(idx) => {
                let prev = self.func_at(level - 1);
                (false, idx as u8, prev.f.upvalues[idx as usize].kind)
            }
            _ => unreachable!(),
        };
        let fs = self.func_at(level);
        if fs.f.upvalues.len() + 1 > MAX_UPVAL {
            let defined = fs.f.line_defined;
            let place = if defined == 0 {
                "main function".to_string()
            } else {
                format!("function at line {defined}")
            };
            return Err(self.error(
                format!("too many upvalues (limit is {MAX_UPVAL}) in {place}"),
                line,
            ));
        }
        fs.f.upvalues.push(UpvalDesc {
            name: Some(name.into()),
            in_stack,
            index,
            kind,
        });
        Ok((fs.f.upvalues.len() - 1) as u32)
    }

    /// Resolves `name` in the function at `level` and those enclosing it: a local, an upvalue
    /// (created along the way in every intermediate function), a compile-time constant, or
    /// `Void` for a global. `base` is true at the level where the name is used.
    fn single_var_aux(
        &mut self,
        level: Option<usize>,
        name: &str,
        base: bool,
        line: u32,
    ) -> CResult<ExpDesc<'a>> {
        let Some(level) = level else {
            return Ok(ExpDesc::new(ExpKind::Void));
        };
        if let Some(v) = self.search_var(level, name) {
            if let ExpKind::Local { vidx, .. } = v.k {
                if !base {
                    self.mark_upval(level, vidx);
                }
            }
            return Ok(v);
        }
        let idx = match self.search_upvalue(level, name) {
            Some(idx) => idx,
            None => {
                let v = self.single_var_aux(level.checked_sub(1), name, false, line)?;
                match v.k {
                    ExpKind::Local { .. } | ExpKind::Upval(_) => {
                        self.new_upvalue(level, name, &v, line)?
                    }
                    _ => return Ok(v),
                }
            }
        };
        Ok(ExpDesc::new(ExpKind::Upval(idx)))
    }

    /// The variable `name` (a global is `_ENV.name`).
    pub(crate) fn single_var(&mut self, name: &'a str, line: u32) -> CResult<ExpDesc<'a>> {
        let level = Some(self.enclosing.len());
        let mut v = self.single_var_aux(level, name, true, line)?;
        if matches!(v.k, ExpKind::Void) {
            v = self.single_var_aux(level, "_ENV", true, line)?;
            debug_assert!(!matches!(v.k, ExpKind::Void));
            self.exp2anyregup(&mut v)?;
            let mut key = ExpDesc::new(ExpKind::KStr(name.as_bytes()));
            self.indexed(&mut v, &mut key)?;
        }
        Ok(v)
    }

    // ---------------------------------------------------------------- blocks

    pub(crate) fn enter_block(&mut self, is_loop: bool) {
        let inside_tbc = self.fs.blocks.last().is_some_and(|b| b.inside_tbc);
        self.fs.blocks.push(BlockCnt {
            first_label: self.labels.len(),
            first_goto: self.gotos.len(),
            nactvar: self.fs.nactvar,
            upval: false,
            is_loop,
            inside_tbc,
        });
        debug_assert_eq!(self.fs.freereg, self.nvarstack());
    }

    /// Leaves the current block: ends its variables' scope, resolves `break`s of a loop,
    /// closes captured variables, and moves its pending gotos out. Returns the block.
    /// `line` is where an undefined goto of a function's outermost block is reported.
    pub(crate) fn leave_block(&mut self, line: u32) -> CResult<BlockCnt> {
        let bl = *self.fs.blocks.last().expect("no block");
        let has_previous = self.fs.blocks.len() > 1;
        let stklevel = self.reg_level(bl.nactvar);
        let mut hasclose = false;
        if self.compat == Compat::Lua544 {
            // 5.4.4 resolved breaks (and closed) before ending the block's variables.
            if bl.is_loop {
                hasclose = self.create_label("break", 0, false, 0)?;
            }
            if !hasclose && has_previous && bl.upval {
                self.emit_abc(OpCode::Close, stklevel, 0, 0);
            }
            self.remove_vars(bl.nactvar);
        } else {
            self.remove_vars(bl.nactvar);
            if bl.is_loop {
                hasclose = self.create_label("break", 0, false, 0)?;
            }
            if !hasclose && has_previous && bl.upval {
                self.emit_abc(OpCode::Close, stklevel, 0, 0);
            }
        }
        self.fs.freereg = stklevel;
        self.labels.truncate(bl.first_label);
        self.fs.blocks.pop();
        if has_previous {
            self.move_gotos_out(&bl);
        }
        self.actvars.truncate(self.fs.first_local + bl.nactvar);
        if !has_previous && bl.first_goto < self.gotos.len() {
            return Err(self.undef_goto(self.gotos[bl.first_goto], line));
        }
        Ok(bl)
    }

    // ---------------------------------------------------------------- labels and gotos

    fn undef_goto(&self, gt: LabelDesc<'a>, line: u32) -> super::CompileError {
        let msg = if gt.name == "break" {
            format!("break outside loop at line {}", gt.line)
        } else {
            format!(
                "no visible label '{}' for <goto> at line {}",
                gt.name, gt.line
            )
        };
        self.error(msg, line)
    }

    pub(crate) fn new_goto(&mut self, name: &'a str, line: u32, pc: i32) {
        self.gotos.push(LabelDesc {
            name,
            pc,
            line,
            nactvar: self.fs.nactvar,
            close: false,
        });
    }

    /// A visible label of the current function named `name`.
    pub(crate) fn find_label(&self, name: &str) -> Option<LabelDesc<'a>> {
        self.labels[self.fs.first_label..]
            .iter()
            .find(|l| l.name == name)
            .copied()
    }

    /// Resolves pending goto `g` to `label`.
    fn solve_goto(&mut self, g: usize, label: LabelDesc<'a>, err_line: u32) -> CResult<()> {
        let gt = self.gotos[g];
        if gt.nactvar < label.nactvar {
            let varname = self.local_var(gt.nactvar).name;
            let msg = format!(
                "<goto {}> at line {} jumps into the scope of local '{}'",
                gt.name, gt.line, varname
            );
            return Err(self.error(msg, err_line));
        }
        self.patch_list(gt.pc, label.pc)?;
        self.gotos.remove(g);
        Ok(())
    }

    /// Resolves the pending gotos of the current block that go to `lb`; true if one of them
    /// needs to close upvalues.
    fn solve_gotos(&mut self, lb: LabelDesc<'a>, err_line: u32) -> CResult<bool> {
        let mut i = self.fs.blocks.last().expect("no block").first_goto;
        let mut needsclose = false;
        while i < self.gotos.len() {
            if self.gotos[i].name == lb.name {
                needsclose |= self.gotos[i].close;
                self.solve_goto(i, lb, err_line)?;
            } else {
                i += 1;
            }
        }
        Ok(needsclose)
    }

    /// Creates label `name` here. `last`: the label ends its block, so the block's variables
    /// count as out of scope at it. `err_line`: where a goto jumping into the scope of a local
    /// is reported (Lua reports it at the token after the label). Returns true if it emitted
    /// a `CLOSE`.
    pub(crate) fn create_label(
        &mut self,
        name: &'a str,
        line: u32,
        last: bool,
        err_line: u32,
    ) -> CResult<bool> {
        let pc = self.get_label();
        let nactvar = if last {
            self.fs.blocks.last().expect("no block").nactvar
        } else {
            self.fs.nactvar
        };
        let lb = LabelDesc {
            name,
            pc,
            line,
            nactvar,
            close: false,
        };
        self.labels.push(lb);
        if self.solve_gotos(lb, err_line)? {
            let level = self.nvarstack();
            self.emit_abc(OpCode::Close, level, 0, 0);
            return Ok(true);
        }
        Ok(false)
    }

    /// Hands the pending gotos of block `bl` (just left) to the enclosing block.
    fn move_gotos_out(&mut self, bl: &BlockCnt) {
        let outer = self.reg_level(bl.nactvar);
        for i in bl.first_goto..self.gotos.len() {
            let gt = self.gotos[i];
            if self.reg_level(gt.nactvar) > outer {
                self.gotos[i].close |= bl.upval;
            }
            self.gotos[i].nactvar = bl.nactvar;
        }
    }

    /// Error for a repeated label.
    pub(crate) fn check_repeated(&self, name: &str, line: u32) -> CResult<()> {
        if let Some(lb) = self.find_label(name) {
            return Err(self.error(
                format!("label '{}' already defined on line {}", name, lb.line),
                line,
            ));
        }
        Ok(())
    }
}
