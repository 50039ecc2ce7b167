//! Compiling expressions of the syntax tree into expression descriptors, in the order Lua's
//! parser would meet their tokens (so that registers, constants and lines come out the same).
//!
//! Recursion follows the tree's nesting, which the parser bounds, except along two spines that
//! Lua parses with loops: the left operands of a chain of binary operators (`a + b + c ...`)
//! and the prefix of a chain of suffixes (`a.b[c](d):e(f) ...`). Both are walked iteratively.

use std::rc::Rc;

use luna_grammar::ast::{Expr, ExprKind, Field, FuncBody};
use smallvec::SmallVec;

use crate::opcodes::{OpCode, FIELDS_PER_FLUSH};
use crate::proto::{FnProto, UpvalDesc, VarKind};

use super::code::FuncState;
use super::exp::{ExpDesc, ExpKind};
use super::{CResult, Compiler};

/// State of a table constructor being compiled (Lua's `ConsControl`).
struct ConsControl<'a> {
    /// The last list item, not stored yet.
    v: ExpDesc<'a>,
    /// Register of the table.
    table: u32,
    /// Number of record fields.
    nh: u32,
    /// Number of list items already stored.
    na: u32,
    /// Number of list items waiting to be stored.
    tostore: u32,
}

/// The line of the first token of an expression.
pub(crate) fn first_line(mut e: &Expr) -> u32 {
    loop {
        match &e.kind {
            ExprKind::Binary(_, l, _) => e = l,
            ExprKind::Index(o, _) | ExprKind::Call(o, _) | ExprKind::Method(o, _, _) => e = o,
            _ => return e.line,
        }
    }
}

impl<'a> Compiler<'a> {
    /// Compiles an expression.
    pub(crate) fn expr(&mut self, e: &'a Expr) -> CResult<ExpDesc<'a>> {
        match &e.kind {
            ExprKind::Binary(..) => self.binary_chain(e),
            _ => self.simple_exp(e),
        }
    }

    /// A binary operator and, iteratively, the binary operators down its left spine.
    fn binary_chain(&mut self, e: &'a Expr) -> CResult<ExpDesc<'a>> {
        let mut spine: SmallVec<[&'a Expr; 16]> = SmallVec::new();
        let mut cur = e;
        while let ExprKind::Binary(_, l, _) = &cur.kind {
            spine.push(cur);
            cur = l;
        }
        let mut v = self.simple_exp(cur)?;
        for node in spine.iter().rev() {
            let ExprKind::Binary(op, _, r) = &node.kind else {
                unreachable!()
            };
            self.last_line = node.line;
            self.infix(*op, &mut v)?;
            let mut v2 = self.expr(r)?;
            self.posfix(*op, &mut v, &mut v2, node.line)?;
        }
        Ok(v)
    }

    /// Everything but a binary operator.
    fn simple_exp(&mut self, e: &'a Expr) -> CResult<ExpDesc<'a>> {
        let k = match &e.kind {
            ExprKind::Nil => ExpKind::Nil,
            ExprKind::True => ExpKind::True,
            ExprKind::False => ExpKind::False,
            ExprKind::Int(i) => ExpKind::KInt(*i),
            ExprKind::Float(f) => ExpKind::KFloat(*f),
            ExprKind::Str(s) => ExpKind::KStr(s),
            ExprKind::Vararg => {
                if !self.fs.f.is_vararg {
                    return Err(self.error(
                        "cannot use '...' outside a vararg function near '...'",
                        e.line,
                    ));
                }
                // Lua emits the instruction before consuming the `...` token.
                let pc = self.emit_abc(OpCode::VarArg, 0, 0, 1);
                self.last_line = e.line;
                return Ok(ExpDesc::new(ExpKind::Vararg(pc)));
            }
            ExprKind::Table(fields) => return self.constructor(fields, e.line),
            ExprKind::Function(fb) => {
                self.last_line = e.line;
                return self.body(fb, fb.line);
            }
            ExprKind::Unary(op, operand) => {
                self.last_line = e.line;
                let mut v = self.expr(operand)?;
                self.prefix(*op, &mut v, e.line)?;
                return Ok(v);
            }
            ExprKind::Binary(..) => return self.binary_chain(e),
            ExprKind::Name(_)
            | ExprKind::Index(..)
            | ExprKind::Call(..)
            | ExprKind::Method(..)
            | ExprKind::Paren(_) => return self.suffixed_exp(e),
        };
        self.last_line = e.line;
        Ok(ExpDesc::new(k))
    }

    /// A name or a parenthesized expression.
    fn primary_exp(&mut self, e: &'a Expr) -> CResult<ExpDesc<'a>> {
        match &e.kind {
            ExprKind::Name(n) => {
                self.last_line = e.line;
                self.single_var(n, e.line)
            }
            ExprKind::Paren(inner) => {
                self.last_line = e.line;
                let mut v = self.expr(inner)?;
                self.discharge_vars(&mut v);
                Ok(v)
            }
            _ => {
                // Not a prefix expression in Lua's grammar; compile it as if parenthesized.
                let mut v = self.expr(e)?;
                self.discharge_vars(&mut v);
                Ok(v)
            }
        }
    }

    /// A primary expression followed by any number of field accesses and calls.
    pub(crate) fn suffixed_exp(&mut self, e: &'a Expr) -> CResult<ExpDesc<'a>> {
        let mut chain: SmallVec<[&'a Expr; 8]> = SmallVec::new();
        let mut cur = e;
        while let ExprKind::Index(o, _) | ExprKind::Call(o, _) | ExprKind::Method(o, _, _) =
            &cur.kind
        {
            chain.push(cur);
            cur = o;
        }
        // Calls are attributed to the line where the whole expression starts.
        let line = cur.line;
        let mut v = self.primary_exp(cur)?;
        for s in chain.iter().rev() {
            self.suffix(&mut v, s, line)?;
        }
        Ok(v)
    }

    /// Applies one suffix (`[k]`, `.k`, `:m(args)`, `(args)`) to `v`; `line` is where the
    /// whole suffixed expression starts. (A function of its own to keep the frame of
    /// `suffixed_exp`, live through nested arguments, small.)
    fn suffix(&mut self, v: &mut ExpDesc<'a>, s: &'a Expr, line: u32) -> CResult<()> {
        match &s.kind {
            ExprKind::Index(_, key) => {
                self.exp2anyregup(v)?;
                self.last_line = s.line;
                let mut k = self.expr(key)?;
                self.exp2val(&mut k)?;
                self.indexed(v, &mut k)
            }
            ExprKind::Method(_, name, args) => {
                self.last_line = s.line;
                let mut key = ExpDesc::new(ExpKind::KStr(name.as_bytes()));
                self.code_self(v, &mut key)?;
                self.func_args(v, args, s.line, line)
            }
            ExprKind::Call(_, args) => {
                self.exp2nextreg(v)?;
                self.func_args(v, args, s.line, line)
            }
            _ => Ok(()),
        }
    }

    /// The arguments and the `CALL` of a call whose function (and receiver) are in place.
    fn func_args(
        &mut self,
        f: &mut ExpDesc<'a>,
        args: &'a [Expr],
        open_line: u32,
        line: u32,
    ) -> CResult<()> {
        self.last_line = open_line;
        let mut a = if args.is_empty() {
            ExpDesc::new(ExpKind::Void)
        } else {
            let (mut a, _) = self.explist(args)?;
            if a.has_multret() {
                self.set_multret(&mut a)?;
            }
            a
        };
        let base = f.reg();
        let nparams: i32 = if a.has_multret() {
            -1
        } else {
            if !matches!(a.k, ExpKind::Void) {
                self.exp2nextreg(&mut a)?;
            }
            (self.fs.freereg - (base + 1)) as i32
        };
        let pc = self.emit_abc(OpCode::Call, base, (nparams + 1) as u32, 2);
        self.fix_line(line);
        self.fs.freereg = base + 1;
        f.k = ExpKind::Call(pc);
        f.t = super::code::NO_JUMP;
        f.f = super::code::NO_JUMP;
        Ok(())
    }

    /// A list of expressions: all but the last go to consecutive registers; returns the last
    /// (still open) and the count.
    pub(crate) fn explist(&mut self, exprs: &'a [Expr]) -> CResult<(ExpDesc<'a>, usize)> {
        let Some(first) = exprs.first() else {
            // The grammar never builds an empty list where one is required.
            return Err(self.error("unexpected symbol", self.last_line));
        };
        let mut v = self.expr(first)?;
        for e in &exprs[1..] {
            self.exp2nextreg(&mut v)?;
            v = self.expr(e)?;
        }
        Ok((v, exprs.len()))
    }

    // ---------------------------------------------------------------- table constructors

    fn close_list_field(&mut self, cc: &mut ConsControl<'a>) -> CResult<()> {
        if matches!(cc.v.k, ExpKind::Void) {
            return Ok(());
        }
        self.exp2nextreg(&mut cc.v)?;
        cc.v = ExpDesc::new(ExpKind::Void);
        if cc.tostore == FIELDS_PER_FLUSH {
            self.set_list(cc.table, cc.na, cc.tostore);
            cc.na += cc.tostore;
            cc.tostore = 0;
        }
        Ok(())
    }

    fn last_list_field(&mut self, cc: &mut ConsControl<'a>) -> CResult<()> {
        if cc.tostore == 0 {
            return Ok(());
        }
        if cc.v.has_multret() {
            self.set_multret(&mut cc.v)?;
            self.set_list(cc.table, cc.na, 0);
            cc.na = cc.na.wrapping_sub(1);
        } else {
            if !matches!(cc.v.k, ExpKind::Void) {
                self.exp2nextreg(&mut cc.v)?;
            }
            self.set_list(cc.table, cc.na, cc.tostore);
        }
        cc.na = cc.na.wrapping_add(cc.tostore);
        Ok(())
    }

    fn rec_field(
        &mut self,
        cc: &mut ConsControl<'a>,
        key: Option<&'a Expr>,
        name: &'a str,
        val: &'a Expr,
    ) -> CResult<()> {
        let reg = self.fs.freereg;
        let mut k = match key {
            None => ExpDesc::new(ExpKind::KStr(name.as_bytes())),
            Some(key) => {
                let mut k = self.expr(key)?;
                self.exp2val(&mut k)?;
                k
            }
        };
        cc.nh += 1;
        if key.is_none() {
            // Lua has read the `=` as lookahead when it consumes the name.
            self.last_line = first_line(val);
        }
        let mut tab = ExpDesc::new(ExpKind::NonReloc(cc.table));
        self.indexed(&mut tab, &mut k)?;
        let mut v = self.expr(val)?;
        self.store_var(&tab, &mut v)?;
        self.fs.freereg = reg;
        Ok(())
    }

    /// `{ fields }`.
    fn constructor(&mut self, fields: &'a [Field], line: u32) -> CResult<ExpDesc<'a>> {
        let pc = self.emit_abc(OpCode::NewTable, 0, 0, 0);
        self.emit_extraarg(0);
        let table = self.fs.freereg;
        self.reserve_regs(1)?;
        self.last_line = line;
        let mut cc = ConsControl {
            v: ExpDesc::new(ExpKind::Void),
            table,
            nh: 0,
            na: 0,
            tostore: 0,
        };
        for field in fields {
            self.close_list_field(&mut cc)?;
            match field {
                Field::Positional(e) => {
                    cc.v = self.expr(e)?;
                    cc.tostore += 1;
                }
                Field::Named(name, val) => self.rec_field(&mut cc, None, name, val)?,
                Field::Keyed(key, val) => self.rec_field(&mut cc, Some(key), "", val)?,
            }
        }
        self.last_list_field(&mut cc)?;
        self.set_table_size(pc, table, cc.na, cc.nh);
        Ok(ExpDesc::new(ExpKind::NonReloc(table)))
    }

    // ---------------------------------------------------------------- functions

    /// Starts compiling a new function nested in the current one.
    pub(crate) fn open_func(&mut self, line_defined: u32) {
        let mut f = FnProto::new(Some(Rc::clone(&self.source)));
        f.line_defined = line_defined;
        let child = FuncState::new(f, self.actvars.len(), self.labels.len());
        let parent = std::mem::replace(&mut self.fs, child);
        self.enclosing.push(parent);
        self.enter_block(false);
    }

    /// Finishes the current function and returns to the enclosing one. `line` is where an
    /// unresolved goto is reported.
    pub(crate) fn close_func(&mut self, line: u32) -> CResult<FnProto> {
        let first = self.nvarstack();
        self.code_ret(first, 0);
        self.leave_block(line)?;
        debug_assert!(self.fs.blocks.is_empty());
        self.finish()?;
        let f = match self.enclosing.pop() {
            Some(parent) => std::mem::replace(&mut self.fs, parent).f,
            None => {
                let empty = FuncState::new(FnProto::new(None), 0, 0);
                std::mem::replace(&mut self.fs, empty).f
            }
        };
        Ok(f)
    }

    /// Declares the current function vararg.
    pub(crate) fn set_vararg(&mut self, nparams: u32) {
        self.fs.f.is_vararg = true;
        self.emit_abc(OpCode::VarArgPrep, nparams, 0, 0);
    }

    /// A function body: compiles it and leaves its closure in the next free register.
    pub(crate) fn body(&mut self, fb: &'a FuncBody, line: u32) -> CResult<ExpDesc<'a>> {
        self.open_func(line);
        self.last_line = fb.line;
        if fb.is_method {
            self.new_localvar("self", fb.line)?;
            self.adjust_local_vars(1)?;
        }
        for p in &fb.params {
            self.new_localvar(p, fb.line)?;
        }
        self.adjust_local_vars(fb.params.len())?;
        let nparams = self.fs.nactvar as u32;
        self.fs.f.num_params = nparams as u8;
        if fb.is_vararg {
            self.set_vararg(nparams);
        }
        self.reserve_regs(nparams)?;
        self.statlist(&fb.body, false)?;
        self.fs.f.last_line_defined = fb.end_line;
        self.last_line = fb.end_line;
        let f = self.close_func(fb.end_line)?;
        self.fs.f.protos.push(Rc::new(f));
        let np = self.fs.f.protos.len() as u32 - 1;
        if np > crate::opcodes::MAX_BX {
            return Err(self.error_limit(crate::opcodes::MAX_BX, "functions", fb.end_line));
        }
        let pc = self.emit_abx(OpCode::Closure, 0, np);
        let mut v = ExpDesc::new(ExpKind::Reloc(pc));
        self.exp2nextreg(&mut v)?;
        Ok(v)
    }

    /// Compiles the main function of a chunk.
    pub(crate) fn main_func(mut self, chunk: &'a luna_grammar::ast::Chunk) -> CResult<FnProto> {
        self.enter_block(false);
        self.set_vararg(0);
        self.fs.f.upvalues.push(UpvalDesc {
            name: Some("_ENV".into()),
            in_stack: true,
            index: 0,
            kind: VarKind::Regular,
        });
        self.statlist(&chunk.block, false)?;
        let end = chunk.block.end_line;
        self.close_func(end)
    }
}
