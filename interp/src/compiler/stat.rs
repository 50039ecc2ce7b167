//! Compiling statements (the statement half of Lua's `lparser.c`).

use luna_grammar::ast::{
    Attrib, Block, Expr, FuncName, IfArm, LocalName, Name, Return, Stat, StatKind,
};

use crate::opcodes::{OpCode, MAX_BX};
use crate::proto::VarKind;

use super::code::NO_JUMP;
use super::exp::{ExpDesc, ExpKind};
use super::expr::first_line;
use super::{CResult, Compiler};

/// The line of the first token of a statement.
fn stat_first_line(s: &Stat) -> u32 {
    match &s.kind {
        StatKind::Assign { targets, .. } => targets.first().map_or(s.line, first_line),
        StatKind::Call(e) => first_line(e),
        _ => s.line,
    }
}

impl<'a> Compiler<'a> {
    /// The statements of a block, in the current scope. `in_repeat`: the block is the body of
    /// `repeat ... until`, whose end does not end the scope (a label before `until` is not
    /// the last statement of its block).
    pub(crate) fn statlist(&mut self, b: &'a Block, in_repeat: bool) -> CResult<()> {
        self.statlist_range(b, 0, in_repeat)
    }

    /// `statlist` over the statements of `b` from index `from` on.
    fn statlist_range(&mut self, b: &'a Block, from: usize, in_repeat: bool) -> CResult<()> {
        let stats = &b.stats;
        let mut i = from;
        while i < stats.len() {
            if let StatKind::Label(_) = stats[i].kind {
                i = self.label_run(b, i, in_repeat)?;
            } else {
                self.statement(&stats[i])?;
                i += 1;
            }
        }
        if let Some(r) = &b.ret {
            self.ret_stat(r)?;
            self.fs.freereg = self.nvarstack();
        }
        Ok(())
    }

    /// The run of labels of `b` starting at statement `i`; returns the index after it.
    /// Lua skips the following labels (compiling them) before creating each, so a run is
    /// created last to first.
    #[inline(never)]
    fn label_run(&mut self, b: &'a Block, i: usize, in_repeat: bool) -> CResult<usize> {
        let stats = &b.stats;
        let mut j = i;
        while j < stats.len() && matches!(stats[j].kind, StatKind::Label(_)) {
            j += 1;
        }
        let last = j == stats.len() && b.ret.is_none() && !in_repeat;
        // Lua reports errors here at the token after the run.
        let err_line = match stats.get(j) {
            Some(s) => stat_first_line(s),
            None => b.ret.as_ref().map_or(b.end_line, |r| r.line),
        };
        for s in stats[i..j].iter().rev() {
            if let StatKind::Label(name) = &s.kind {
                self.last_line = s.line;
                self.check_repeated(name, err_line)?;
                self.create_label(name, s.line, last, err_line)?;
                self.fs.freereg = self.nvarstack();
            }
        }
        Ok(j)
    }

    /// A block in a scope of its own.
    fn block(&mut self, b: &'a Block) -> CResult<()> {
        self.enter_block(false);
        self.statlist(b, false)?;
        self.leave_block(b.end_line)?;
        Ok(())
    }

    fn statement(&mut self, s: &'a Stat) -> CResult<()> {
        // Each form has a function of its own, so that this frame, which every level of
        // nested statements holds, stays small.
        let line = s.line;
        let r = match &s.kind {
            StatKind::Local { names, exprs } => self.local_stat(names, exprs, line),
            StatKind::Assign { targets, exprs } => self.assign_stat(targets, exprs, line),
            StatKind::Call(e) => self.call_stat(e, line),
            StatKind::Do(b) => self.do_stat(b, line),
            StatKind::While { cond, body } => self.while_stat(cond, body, line),
            StatKind::Repeat { body, cond } => self.repeat_stat(body, cond, line),
            StatKind::If {
                arms,
                else_block,
                end_line,
            } => self.if_stat(arms, else_block.as_ref(), *end_line),
            StatKind::NumFor {
                var,
                start,
                limit,
                step,
                body,
                do_line,
            } => self.num_for_stat(var, start, limit, step.as_ref(), body, (line, *do_line)),
            StatKind::GenFor {
                names,
                exprs,
                body,
                in_line,
                do_line,
            } => self.gen_for_stat(names, exprs, body, *in_line, (line, *do_line)),
            StatKind::Function { name, func } => self.func_stat(name, func, line),
            StatKind::LocalFunction { name, func } => self.local_func_stat(name, func, line),
            StatKind::Goto(name) => self.goto_stat(name, line),
            StatKind::Label(name) => self.label_stat(name, line),
            StatKind::Break => {
                self.break_stat(line);
                Ok(())
            }
        };
        r?;
        self.fs.freereg = self.nvarstack();
        Ok(())
    }

    fn call_stat(&mut self, e: &'a Expr, line: u32) -> CResult<()> {
        let v = self.suffixed_exp(e)?;
        let ExpKind::Call(pc) = v.k else {
            return Err(self.error("syntax error", line));
        };
        self.instr(pc).set_c(1);
        Ok(())
    }

    fn do_stat(&mut self, b: &'a Block, line: u32) -> CResult<()> {
        self.last_line = line;
        self.block(b)?;
        self.last_line = b.end_line;
        Ok(())
    }

    fn num_for_stat(
        &mut self,
        var: &'a Name,
        start: &'a Expr,
        limit: &'a Expr,
        step: Option<&'a Expr>,
        body: &'a Block,
        (line, do_line): (u32, u32),
    ) -> CResult<()> {
        self.enter_block(true);
        self.last_line = line;
        self.for_num(var, start, limit, step, body, (line, do_line))?;
        self.last_line = body.end_line;
        self.leave_block(body.end_line)?;
        Ok(())
    }

    fn gen_for_stat(
        &mut self,
        names: &'a [Name],
        exprs: &'a [Expr],
        body: &'a Block,
        in_line: u32,
        (line, do_line): (u32, u32),
    ) -> CResult<()> {
        self.enter_block(true);
        self.last_line = line;
        self.for_list(names, exprs, body, in_line, (line, do_line))?;
        self.last_line = body.end_line;
        self.leave_block(body.end_line)?;
        Ok(())
    }

    fn local_func_stat(
        &mut self,
        name: &'a str,
        func: &'a luna_grammar::ast::FuncBody,
        line: u32,
    ) -> CResult<()> {
        self.last_line = line;
        let fvar = self.fs.nactvar;
        self.new_localvar(name, line)?;
        self.adjust_local_vars(1)?;
        self.body(func, func.line)?;
        // Debug information sees the variable only after the closure exists.
        let pc = self.fs.pc() as u32;
        if let Some(v) = self.local_debug_info(fvar) {
            v.start_pc = pc;
        }
        Ok(())
    }

    /// A label outside a run of statements (`statlist` handles those, knowing what follows).
    fn label_stat(&mut self, name: &'a str, line: u32) -> CResult<()> {
        self.last_line = line;
        self.check_repeated(name, line)?;
        self.create_label(name, line, false, line)?;
        Ok(())
    }

    fn break_stat(&mut self, line: u32) {
        self.last_line = line;
        let j = self.jump();
        self.new_goto("break", line, j);
    }

    // ---------------------------------------------------------------- assignments

    /// Adjusts the `nexps` values of an expression list ending with `e` to `nvars` values.
    fn adjust_assign(&mut self, nvars: usize, nexps: usize, e: &mut ExpDesc<'a>) -> CResult<()> {
        let needed = nvars as i64 - nexps as i64;
        if e.has_multret() {
            let extra = (needed + 1).max(0);
            self.set_returns(e, extra as i32)?;
        } else {
            if !matches!(e.k, ExpKind::Void) {
                self.exp2nextreg(e)?;
            }
            if needed > 0 {
                let from = self.fs.freereg;
                self.code_nil(from, needed as u32);
            }
        }
        if needed > 0 {
            self.reserve_regs(needed as u32)?;
        } else {
            self.fs.freereg = (self.fs.freereg as i64 + needed) as u32;
        }
        Ok(())
    }

    fn local_stat(&mut self, names: &'a [LocalName], exprs: &'a [Expr], line: u32) -> CResult<()> {
        self.last_line = line;
        let mut toclose: Option<usize> = None;
        let mut vidx = 0;
        for (n, ln) in names.iter().enumerate() {
            vidx = self.new_localvar(&ln.name, line)?;
            let kind = match ln.attrib {
                None => VarKind::Regular,
                Some(Attrib::Const) => VarKind::Const,
                Some(Attrib::Close) => {
                    if toclose.is_some() {
                        return Err(
                            self.error("multiple to-be-closed variables in local list", line)
                        );
                    }
                    toclose = Some(self.fs.nactvar + n);
                    VarKind::Close
                }
            };
            self.local_var_mut(vidx).kind = kind;
        }
        let nvars = names.len();
        let (mut e, nexps) = if exprs.is_empty() {
            (ExpDesc::new(ExpKind::Void), 0)
        } else {
            self.explist(exprs)?
        };
        let last_kind = self.local_var(vidx).kind;
        let kval = if nvars == nexps && last_kind == VarKind::Const {
            self.exp2const(&e)
        } else {
            None
        };
        if let Some(kval) = kval {
            // The last variable is a compile-time constant: no register, no code.
            let v = self.local_var_mut(vidx);
            v.kind = VarKind::CompileTimeConst;
            v.kval = kval;
            self.adjust_local_vars(nvars - 1)?;
            self.fs.nactvar += 1;
        } else {
            self.adjust_assign(nvars, nexps, &mut e)?;
            self.adjust_local_vars(nvars)?;
        }
        if let Some(level) = toclose {
            self.mark_to_be_closed();
            let r = self.reg_level(level);
            self.emit_abc(OpCode::Tbc, r, 0, 0);
        }
        Ok(())
    }

    /// In a multiple assignment, when a local or upvalue assigned now is also the table or key
    /// of an earlier target, makes the earlier target use a copy of its current value.
    fn check_conflict(&mut self, lhs: &mut [ExpDesc<'a>], v: &ExpDesc<'a>) -> CResult<()> {
        let extra = self.fs.freereg;
        let mut conflict = false;
        for lh in lhs.iter_mut() {
            match lh.k {
                ExpKind::IndexUp { t, idx } => {
                    if let ExpKind::Upval(u) = v.k {
                        if t == u {
                            conflict = true;
                            lh.k = ExpKind::IndexStr { t: extra, idx };
                        }
                    }
                }
                ExpKind::Indexed { t, idx } => {
                    if let ExpKind::Local { ridx, .. } = v.k {
                        let (mut t, mut idx) = (t, idx);
                        if t == ridx {
                            conflict = true;
                            t = extra;
                        }
                        if idx == ridx {
                            conflict = true;
                            idx = extra;
                        }
                        lh.k = ExpKind::Indexed { t, idx };
                    }
                }
                ExpKind::IndexInt { t, idx } => {
                    if let ExpKind::Local { ridx, .. } = v.k {
                        if t == ridx {
                            conflict = true;
                            lh.k = ExpKind::IndexInt { t: extra, idx };
                        }
                    }
                }
                ExpKind::IndexStr { t, idx } => {
                    if let ExpKind::Local { ridx, .. } = v.k {
                        if t == ridx {
                            conflict = true;
                            lh.k = ExpKind::IndexStr { t: extra, idx };
                        }
                    }
                }
                _ => {}
            }
        }
        if conflict {
            match v.k {
                ExpKind::Local { ridx, .. } => {
                    self.emit_abc(OpCode::Move, extra, ridx, 0);
                }
                ExpKind::Upval(u) => {
                    self.emit_abc(OpCode::GetUpval, extra, u, 0);
                }
                _ => unreachable!(),
            }
            self.reserve_regs(1)?;
        }
        Ok(())
    }

    fn assign_stat(&mut self, targets: &'a [Expr], exprs: &'a [Expr], line: u32) -> CResult<()> {
        let mut lhs: Vec<ExpDesc<'a>> = Vec::with_capacity(targets.len());
        for (i, t) in targets.iter().enumerate() {
            let v = self.suffixed_exp(t)?;
            if !v.is_var() {
                return Err(self.error("syntax error", line));
            }
            if i > 0 && !v.is_indexed() {
                self.check_conflict(&mut lhs, &v)?;
            }
            let check_line = if i + 1 == targets.len() {
                line
            } else {
                self.last_line
            };
            self.check_readonly(&v, check_line)?;
            lhs.push(v);
        }
        self.last_line = line;
        let (mut e, nexps) = self.explist(exprs)?;
        let nvars = lhs.len();
        let mut last_done = false;
        if nexps != nvars {
            self.adjust_assign(nvars, nexps, &mut e)?;
        } else {
            self.set_one_ret(&mut e);
            let var = lhs[nvars - 1];
            self.store_var(&var, &mut e)?;
            last_done = true;
        }
        let upto = if last_done { nvars - 1 } else { nvars };
        for var in lhs[..upto].iter().rev() {
            let mut e = ExpDesc::new(ExpKind::NonReloc(self.fs.freereg - 1));
            self.store_var(var, &mut e)?;
        }
        Ok(())
    }

    // ---------------------------------------------------------------- control structures

    /// A condition: goes on when true; returns the list of jumps taken when false.
    fn cond(&mut self, e: &'a Expr) -> CResult<i32> {
        let mut v = self.expr(e)?;
        if matches!(v.k, ExpKind::Nil) {
            v.k = ExpKind::False;
        }
        self.go_if_true(&mut v)?;
        Ok(v.f)
    }

    fn while_stat(&mut self, cond: &'a Expr, body: &'a Block, line: u32) -> CResult<()> {
        self.last_line = line;
        let whileinit = self.get_label();
        let condexit = self.cond(cond)?;
        self.enter_block(true);
        self.block(body)?;
        self.jump_to(whileinit)?;
        self.last_line = body.end_line;
        self.leave_block(body.end_line)?;
        self.patch_to_here(condexit)?;
        Ok(())
    }

    fn repeat_stat(&mut self, body: &'a Block, cond: &'a Expr, line: u32) -> CResult<()> {
        self.last_line = line;
        let repeat_init = self.get_label();
        self.enter_block(true);
        self.enter_block(false);
        self.statlist(body, true)?;
        self.last_line = body.end_line;
        let mut condexit = self.cond(cond)?;
        let scope = self.leave_block(body.end_line)?;
        if scope.upval {
            let exit = self.jump();
            self.patch_to_here(condexit)?;
            let level = self.reg_level(scope.nactvar);
            self.emit_abc(OpCode::Close, level, 0, 0);
            condexit = self.jump();
            self.patch_to_here(exit)?;
        }
        self.patch_list(condexit, repeat_init)?;
        self.leave_block(body.end_line)?;
        Ok(())
    }

    fn if_stat(
        &mut self,
        arms: &'a [IfArm],
        else_block: Option<&'a Block>,
        end_line: u32,
    ) -> CResult<()> {
        let mut escapelist = NO_JUMP;
        for (i, arm) in arms.iter().enumerate() {
            let followed = i + 1 < arms.len() || else_block.is_some();
            self.test_then_block(arm, followed, &mut escapelist)?;
        }
        if let Some(b) = else_block {
            self.last_line = arms.last().map_or(self.last_line, |a| a.block.end_line);
            self.block(b)?;
        }
        self.last_line = end_line;
        self.patch_to_here(escapelist)?;
        Ok(())
    }

    /// `if cond then block` or `elseif cond then block`; `followed`: an `else` or `elseif`
    /// comes next.
    fn test_then_block(
        &mut self,
        arm: &'a IfArm,
        followed: bool,
        escapelist: &mut i32,
    ) -> CResult<()> {
        self.last_line = arm.line;
        let mut v = self.expr(&arm.cond)?;
        // The test's jumps come after the `then` keyword.
        self.last_line = arm.then_line;
        let b = &arm.block;
        let jf;
        let mut skip = 0;
        if let Some(Stat {
            kind: StatKind::Break,
            line: bline,
        }) = b.stats.first()
        {
            // `if cond then break`: jump straight out of the loop when the condition holds.
            self.go_if_false(&mut v)?;
            self.last_line = *bline;
            self.enter_block(false);
            self.new_goto("break", *bline, v.t);
            if b.stats.len() == 1 && b.ret.is_none() {
                self.leave_block(b.end_line)?;
                return Ok(());
            }
            jf = self.jump();
            skip = 1;
        } else {
            self.go_if_true(&mut v)?;
            self.enter_block(false);
            jf = v.f;
        }
        self.statlist_range(b, skip, false)?;
        self.leave_block(b.end_line)?;
        if followed {
            let j = self.jump();
            self.concat_jumps(escapelist, j)?;
        }
        self.patch_to_here(jf)?;
        Ok(())
    }

    /// Patches a for-loop jump at `pc` to `dest` (jumps of for loops are unsigned offsets).
    fn fix_for_jump(&mut self, pc: usize, dest: usize, back: bool) -> CResult<()> {
        let offset = if back {
            pc as i64 + 1 - dest as i64
        } else {
            dest as i64 - (pc as i64 + 1)
        };
        if offset > MAX_BX as i64 {
            return Err(self.error("control structure too long", self.last_line));
        }
        self.instr(pc).set_bx(offset as u32);
        Ok(())
    }

    /// The body of a for loop, with its preparation and loop instructions.
    fn for_body(
        &mut self,
        base: u32,
        (line, do_line): (u32, u32),
        nvars: usize,
        is_gen: bool,
        body: &'a Block,
    ) -> CResult<()> {
        let (prep_op, loop_op) = if is_gen {
            (OpCode::TForPrep, OpCode::TForLoop)
        } else {
            (OpCode::ForPrep, OpCode::ForLoop)
        };
        // The preparation comes after the `do` keyword.
        self.last_line = do_line;
        let prep = self.emit_abx(prep_op, base, 0);
        self.enter_block(false);
        self.adjust_local_vars(nvars)?;
        self.reserve_regs(nvars as u32)?;
        self.block(body)?;
        self.leave_block(body.end_line)?;
        let here = self.get_label() as usize;
        self.fix_for_jump(prep, here, false)?;
        if is_gen {
            self.emit_abc(OpCode::TForCall, base, 0, nvars as u32);
            self.fix_line(line);
        }
        let endfor = self.emit_abx(loop_op, base, 0);
        self.fix_for_jump(endfor, prep + 1, true)?;
        self.fix_line(line);
        Ok(())
    }

    fn exp1(&mut self, e: &'a Expr) -> CResult<()> {
        let mut v = self.expr(e)?;
        self.exp2nextreg(&mut v)
    }

    fn for_num(
        &mut self,
        var: &'a Name,
        start: &'a Expr,
        limit: &'a Expr,
        step: Option<&'a Expr>,
        body: &'a Block,
        (line, do_line): (u32, u32),
    ) -> CResult<()> {
        let base = self.fs.freereg;
        for _ in 0..3 {
            self.new_localvar("(for state)", line)?;
        }
        self.new_localvar(var, line)?;
        self.exp1(start)?;
        self.exp1(limit)?;
        match step {
            Some(s) => self.exp1(s)?,
            None => {
                let r = self.fs.freereg;
                self.code_int(r, 1)?;
                self.reserve_regs(1)?;
            }
        }
        self.adjust_local_vars(3)?;
        self.for_body(base, (line, do_line), 1, false, body)
    }

    fn for_list(
        &mut self,
        names: &'a [Name],
        exprs: &'a [Expr],
        body: &'a Block,
        in_line: u32,
        (line, do_line): (u32, u32),
    ) -> CResult<()> {
        let base = self.fs.freereg;
        for _ in 0..4 {
            self.new_localvar("(for state)", line)?;
        }
        for n in names {
            self.new_localvar(n, line)?;
        }
        let (mut e, nexps) = self.explist(exprs)?;
        self.adjust_assign(4, nexps, &mut e)?;
        self.adjust_local_vars(4)?;
        self.mark_to_be_closed();
        self.check_stack(3)?;
        self.for_body(base, (in_line, do_line), names.len(), true, body)
    }

    // ---------------------------------------------------------------- functions, jumps, returns

    fn func_stat(
        &mut self,
        name: &'a FuncName,
        func: &'a luna_grammar::ast::FuncBody,
        line: u32,
    ) -> CResult<()> {
        self.last_line = line;
        let Some(first) = name.path.first() else {
            return Err(self.error("<name> expected", line));
        };
        let mut v = self.single_var(first, line)?;
        let fields = name.path[1..].iter().chain(name.method.iter());
        for field in fields {
            self.exp2anyregup(&mut v)?;
            let mut key = ExpDesc::new(ExpKind::KStr(field.as_bytes()));
            self.indexed(&mut v, &mut key)?;
        }
        let mut b = self.body(func, line)?;
        self.check_readonly(&v, func.end_line)?;
        self.store_var(&v, &mut b)?;
        self.fix_line(line);
        Ok(())
    }

    fn goto_stat(&mut self, name: &'a str, line: u32) -> CResult<()> {
        self.last_line = line;
        match self.find_label(name) {
            None => {
                let j = self.jump();
                self.new_goto(name, line, j);
            }
            Some(lb) => {
                // A backward jump, resolved now.
                let lblevel = self.reg_level(lb.nactvar);
                if self.nvarstack() > lblevel {
                    self.emit_abc(OpCode::Close, lblevel, 0, 0);
                }
                let j = self.jump();
                self.patch_list(j, lb.pc)?;
            }
        }
        Ok(())
    }

    fn ret_stat(&mut self, r: &'a Return) -> CResult<()> {
        self.last_line = r.line;
        let mut first = self.nvarstack();
        let nret: i32;
        if r.exprs.is_empty() {
            nret = 0;
        } else {
            let (mut e, n) = self.explist(&r.exprs)?;
            if e.has_multret() {
                self.set_multret(&mut e)?;
                let inside_tbc = self.fs.blocks.last().is_some_and(|b| b.inside_tbc);
                if let ExpKind::Call(pc) = e.k {
                    if n == 1 && !inside_tbc {
                        let i = self.fs.f.code[pc];
                        self.fs.f.code[pc] = super::code::with_op(i, OpCode::TailCall);
                    }
                }
                nret = -1;
            } else if n == 1 {
                first = self.exp2anyreg(&mut e)?;
                nret = 1;
            } else {
                self.exp2nextreg(&mut e)?;
                nret = n as i32;
            }
        }
        self.code_ret(first, nret);
        Ok(())
    }
}
