//! Parsing a chunk: the token stream fed to the generated LR parser (`lua.lalrpop`) and the
//! helpers its actions call. Failures are worded by `messages.rs`.
//!
//! Invariants:
//! - Nesting is counted as `lparser.c` counts its "C levels": one per statement and one per
//!   sub-expression frame (a parenthesised or argument expression, each operand of a unary
//!   operator, the right operand of a binary operator, each extra assignment target). A chunk
//!   whose count exceeds `LEVEL_LIMIT` is rejected, so every recursive walk of the tree is
//!   bounded, except along the left spines that Lua accepts at any length (left-associative
//!   operators and suffix chains `a.b.c(...)`).
//! - Values built by the grammar carry their depth: `Sub` = an operand and the levels inside
//!   it beyond the frame that holds it; `(Expr, Level)` from `Exp` = including its own frame;
//!   a statement's level (`StatD`) counts the statement itself. Checks happen as soon as a lower bound
//!   exceeds the limit, so deep input fails where it starts to be too deep, and unfinished deep
//!   input (300 open parentheses) fails before the end of input is reached.

use std::cell::{Cell, RefCell};
use std::ops::Range;

use lalrpop_util::ParseError;
use logos::Logos;

use crate::ast::*;
use crate::lexer::{Near, Tok};
use crate::messages::describe_failure;

lalrpop_util::lalrpop_mod!(
    #[allow(clippy::all, unused_parens, clippy::pedantic)]
    lua
);

pub(crate) type Level = u32;
pub(crate) type Sub = (Expr, Level);
/// What the parser's stack holds for a statement: its depth, and whether it is a label. The
/// statement itself goes straight to `Ctx::stats`: statements are large (256 bytes), and the
/// parser moves its stack entries often (their size is that of the largest value a rule
/// produces).
#[derive(Clone, Copy)]
pub struct StatD {
    level: Level,
    is_label: bool,
}

/// The deepest level a chunk may use. PUC-Lua raises "C stack overflow" when its C-call count
/// reaches `MAX_SYNTAX_LEVELS`; when `load` is called from a Lua script, two calls are already
/// counted (the caller and `load`), so levels 1..=197 parse and 198 fails.
pub(crate) const LEVEL_LIMIT: Level = MAX_SYNTAX_LEVELS - 3;

const TOO_DEEP: &str = "chunk has too many syntax levels";

/// A syntax error, formatted as PUC-Lua prints it: `chunkid:line: message near 'token'`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SyntaxError {
    /// The full message, as `load` returns it.
    pub message: String,
    /// The line reported in the message.
    pub line: u32,
    /// The error was found at the end of the input (`near <eof>`): more input might fix it,
    /// which is how the REPL detects an unfinished statement.
    pub at_eof: bool,
}

/// Parses a chunk, as `load` does with the text `source` and the chunk name `chunkname`
/// (`@file.lua`, `=stdin`, or the source itself for strings). Nothing is skipped at the start:
/// files should go through `lexer::strip_file_prelude` first, as `luaL_loadfile` does.
pub fn parse_chunk(source: &[u8], chunkname: &[u8]) -> Result<Chunk, SyntaxError> {
    let ctx = Ctx::new();
    let mut tokens = TokenStream::new(source, &ctx);
    match lua::ChunkParser::new().parse(&ctx, &mut tokens) {
        Ok(chunk) => Ok(chunk),
        Err(err) => {
            let failure = describe_failure(err, &tokens, source);
            Err(failure.into_syntax_error(chunkname))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Errors raised while parsing

/// What an error is near, before the token text is known.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ErrNear {
    Nothing,
    /// The current (lookahead) token.
    Current,
    Fixed(Near),
}

/// An error from the lexer or from a grammar action.
#[derive(Debug, Clone, PartialEq)]
pub struct PErr {
    pub(crate) message: String,
    /// `None`: the line of the current token.
    pub(crate) line: Option<u32>,
    pub(crate) near: ErrNear,
}

impl PErr {
    fn at_current(message: impl Into<String>, near: bool) -> PErr {
        let near = if near {
            ErrNear::Current
        } else {
            ErrNear::Nothing
        };
        PErr {
            message: message.into(),
            line: None,
            near,
        }
    }

    fn too_deep() -> PErr {
        PErr::at_current(TOO_DEEP, false)
    }
}

type PResult<'s, T> = Result<T, ParseError<u32, Tok<'s>, PErr>>;

fn user<'s, T>(e: PErr) -> PResult<'s, T> {
    Err(ParseError::User { error: e })
}

fn check_level<'s>(level: Level) -> PResult<'s, Level> {
    if level > LEVEL_LIMIT {
        user(PErr::too_deep())
    } else {
        Ok(level)
    }
}

// ---------------------------------------------------------------------------------------------
// The token stream

/// Feeds the parser `(start line, token, end line)` triples, remembers the last token for
/// messages, and rejects input that opens more brackets and blocks than the level limit allows
/// (each open one costs at least one level), so that unfinished deep input fails early.
pub(crate) struct TokenStream<'s, 'c> {
    lexer: logos::Lexer<'s, Tok<'s>>,
    pub(crate) ctx: &'c Ctx,
    /// Span of the last token handed out.
    pub(crate) last_span: Range<usize>,
    /// The input is exhausted (the parser has seen the end).
    pub(crate) at_eof: bool,
    done: bool,
    /// Brackets and blocks open (a lower bound of PUC-Lua's level).
    open: Level,
    /// Between `function` and its parameter list, whose parentheses cost no level.
    function_header: bool,
    in_params: bool,
}

impl<'s, 'c> TokenStream<'s, 'c> {
    fn new(source: &'s [u8], ctx: &'c Ctx) -> Self {
        TokenStream {
            lexer: Tok::lexer(source),
            ctx,
            last_span: 0..0,
            at_eof: false,
            done: false,
            open: 0,
            function_header: false,
            in_params: false,
        }
    }
}

impl<'s> Iterator for TokenStream<'s, '_> {
    type Item = Result<(u32, Tok<'s>, u32), PErr>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match crate::lexer::next_token(&mut self.lexer) {
            None => {
                self.done = true;
                self.at_eof = true;
                self.ctx.line.set(self.lexer.extras.line);
                None
            }
            Some(Err(e)) => {
                self.done = true;
                Some(Err(PErr {
                    message: e.message,
                    line: Some(e.line),
                    near: ErrNear::Fixed(e.near),
                }))
            }
            Some(Ok(tok)) => {
                let end = self.lexer.extras.line;
                self.ctx.line.set(end);
                self.last_span = self.lexer.span();
                let header = self.function_header;
                self.function_header = false;
                let start = match tok {
                    Tok::Str(_) => self.lexer.extras.string_start_line,
                    Tok::Name(_) | Tok::Dot | Tok::Colon => {
                        self.function_header = header;
                        end
                    }
                    Tok::LParen if header => {
                        self.in_params = true;
                        end
                    }
                    Tok::RParen if self.in_params => {
                        self.in_params = false;
                        end
                    }
                    Tok::LParen
                    | Tok::LBrace
                    | Tok::LBracket
                    | Tok::Function
                    | Tok::Do
                    | Tok::If
                    | Tok::Repeat => {
                        self.open += 1;
                        if self.open > LEVEL_LIMIT {
                            self.done = true;
                            return Some(Err(PErr::too_deep()));
                        }
                        self.function_header = tok == Tok::Function;
                        end
                    }
                    Tok::RParen | Tok::RBrace | Tok::RBracket | Tok::End | Tok::Until => {
                        self.open = self.open.saturating_sub(1);
                        end
                    }
                    _ => end,
                };
                Some(Ok((start, tok, end)))
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers for the grammar's actions

/// State shared by the grammar's actions and the token stream.
pub struct Ctx {
    /// Line of the current token (the parser's lookahead), or of the end of input.
    pub(crate) line: Cell<u32>,
    /// Statements of the blocks being read, innermost block last (see `StatAcc`).
    stats: RefCell<Vec<Stat>>,
    /// Operators of the expressions being read, innermost last (see `Folder`).
    pending: RefCell<Vec<Pending>>,
    /// For each function being parsed, innermost last: whether it is vararg.
    vararg: RefCell<Vec<bool>>,
    /// For each function being parsed, innermost last: the line it starts on (0: main).
    func_lines: RefCell<Vec<u32>>,
}

/// A block without its closing line.
#[derive(Default)]
pub struct BlockParts {
    stats: Vec<Stat>,
    ret: Option<Return>,
    /// Deepest level used, counting its statements as level 1.
    pub(crate) depth: Level,
}

impl BlockParts {
    pub(crate) fn finish(self, end_line: u32) -> Block {
        Block {
            stats: self.stats,
            ret: self.ret,
            end_line,
        }
    }
}

/// Statements read so far in a block: those of `Ctx::stats` from `start` on.
pub struct StatAcc {
    start: usize,
    depth: Level,
    /// Labels in a row so far: PUC-Lua parses the statements that follow a label (`;` and
    /// labels) one level deeper.
    label_run: Level,
}

/// Assignment targets read so far.
pub struct Targets {
    exprs: Vec<Expr>,
    /// Deepest level used by the targets and the recursion that reads them.
    depth: Level,
}

/// Lua's limit on the local variables of a function (`MAXVARS`).
const MAX_LOCALS: usize = 200;

/// An `if` statement's arms so far; the last arm's block still lacks its closing line.
pub struct IfArms {
    arms: Vec<IfArm>,
    depth: Level,
    /// (line of `if`/`elseif`, line of `then`, condition, block)
    last: (u32, u32, Expr, BlockParts),
}

impl IfArms {
    pub(crate) fn new(lines: (u32, u32), cond: (Expr, Level), block: BlockParts) -> IfArms {
        IfArms {
            arms: Vec::new(),
            depth: cond.1,
            last: (lines.0, lines.1, cond.0, block),
        }
    }

    fn close_last(&mut self, end_line: u32, next: Option<(u32, u32, Expr, BlockParts)>) {
        let placeholder = (0, 0, Expr::new(ExprKind::Nil, 0), BlockParts::default());
        let (line, then_line, cond, block) = std::mem::replace(&mut self.last, next.unwrap_or(placeholder));
        self.depth = self.depth.max(block.depth);
        self.arms.push(IfArm {
            cond,
            block: block.finish(end_line),
            line,
            then_line,
        });
    }

    pub(crate) fn elseif(&mut self, lines: (u32, u32), cond: (Expr, Level), block: BlockParts) {
        self.depth = self.depth.max(cond.1);
        self.close_last(lines.0, Some((lines.0, lines.1, cond.0, block)));
    }
}

/// Lua's binary operator priorities (left, right) from `lparser.c`: a right priority lower than
/// the left one makes the operator right-associative.
fn priority(op: BinOp) -> (u8, u8) {
    use BinOp::*;
    match op {
        Or => (1, 1),
        And => (2, 2),
        Eq | Ne | Lt | Le | Gt | Ge => (3, 3),
        BOr => (4, 4),
        BXor => (5, 5),
        BAnd => (6, 6),
        Shl | Shr => (7, 7),
        Concat => (9, 8),
        Add | Sub => (10, 10),
        Mul | Div | IDiv | Mod => (11, 11),
        Pow => (14, 13),
    }
}

const UNARY_PRIORITY: u8 = 12;

/// A pending operator: what PUC-Lua's recursive `subexpr` keeps on the C stack while it reads
/// the operand to its right.
pub(crate) enum Pending {
    Unary {
        op: UnOp,
        line: u32,
        limit: u8,
    },
    Binary {
        lhs: Box<Expr>,
        op: BinOp,
        line: u32,
        limit: u8,
    },
}

/// Turns a flat sequence of operands and operators into a tree, exactly as `lparser.c`'s
/// `subexpr` does (same priorities, same notion of levels), but with an explicit stack: its
/// pending operators are those of `Ctx::pending` from `base` on (sequences nest: an inner one,
/// in parentheses or arguments, is finished before the outer one goes on).
pub struct Folder {
    base: usize,
    /// The operand or subtree just completed (absent while an operand is awaited). Boxed, as
    /// it will become an operand, and to keep the parser's stack entries small.
    value: Option<Box<Expr>>,
    /// The priority limit of the current frame.
    limit: u8,
    /// The current frame's level, the expression's own frame being 1.
    level: Level,
    /// Deepest level reached.
    max: Level,
}

impl Folder {
    fn new(ctx: &Ctx) -> Folder {
        Folder {
            base: ctx.pending.borrow().len(),
            value: None,
            limit: 0,
            level: 1,
            max: 1,
        }
    }

    fn enter(&mut self) -> Result<(), PErr> {
        self.level += 1;
        self.max = self.max.max(self.level);
        // The expression is inside a statement, itself at least at level 1.
        if self.max + 1 > LEVEL_LIMIT {
            return Err(PErr::too_deep());
        }
        Ok(())
    }

    fn push_unary(
        &mut self,
        pending: &mut Vec<Pending>,
        (op, line): (UnOp, u32),
    ) -> Result<(), PErr> {
        pending.push(Pending::Unary {
            op,
            line,
            limit: self.limit,
        });
        self.limit = UNARY_PRIORITY;
        self.enter()
    }

    fn push_operand(&mut self, (e, depth): Sub) -> Result<(), PErr> {
        self.value = Some(Box::new(e));
        self.max = self.max.max(self.level + depth);
        if self.max + 1 > LEVEL_LIMIT {
            return Err(PErr::too_deep());
        }
        Ok(())
    }

    /// Completes the innermost pending operator with the current value.
    fn reduce(&mut self, pending: &mut Vec<Pending>) -> bool {
        if pending.len() <= self.base {
            return false;
        }
        let Some(p) = pending.pop() else { return false };
        let rhs = self
            .value
            .take()
            .unwrap_or_else(|| Box::new(Expr::new(ExprKind::Nil, 0)));
        let (e, limit) = match p {
            Pending::Unary { op, line, limit } => {
                (Expr::new(ExprKind::Unary(op, rhs), line), limit)
            }
            Pending::Binary {
                lhs,
                op,
                line,
                limit,
            } => (Expr::new(ExprKind::Binary(op, lhs, rhs), line), limit),
        };
        self.value = Some(Box::new(e));
        self.limit = limit;
        self.level -= 1;
        true
    }

    fn push_binary(
        &mut self,
        pending: &mut Vec<Pending>,
        (op, line): (BinOp, u32),
    ) -> Result<(), PErr> {
        let (left, right) = priority(op);
        while left <= self.limit {
            if !self.reduce(pending) {
                break;
            }
        }
        let lhs = self
            .value
            .take()
            .unwrap_or_else(|| Box::new(Expr::new(ExprKind::Nil, 0)));
        pending.push(Pending::Binary {
            lhs,
            op,
            line,
            limit: self.limit,
        });
        self.limit = right;
        self.enter()
    }

    fn finish(mut self, pending: &mut Vec<Pending>) -> (Expr, Level) {
        while self.reduce(pending) {}
        let e = self
            .value
            .take()
            .map_or_else(|| Expr::new(ExprKind::Nil, 0), |b| *b);
        (e, self.max)
    }

    pub(crate) fn operand<'s>(mut self, s: Sub) -> PResult<'s, Folder> {
        self.push_operand(s).or_else(user)?;
        Ok(self)
    }
}

fn is_var(e: &Expr) -> bool {
    matches!(e.kind, ExprKind::Name(_) | ExprKind::Index(..))
}

impl Ctx {
    fn new() -> Ctx {
        Ctx {
            line: Cell::new(1),
            stats: RefCell::new(Vec::new()),
            pending: RefCell::new(Vec::new()),
            vararg: RefCell::new(vec![true]),
            func_lines: RefCell::new(vec![0]),
        }
    }

    pub(crate) fn stat(&self, kind: StatKind, line: u32, level: Level) -> StatD {
        let is_label = matches!(kind, StatKind::Label(_));
        self.stats.borrow_mut().push(Stat { kind, line });
        StatD { level, is_label }
    }

    pub(crate) fn start_block(&self) -> StatAcc {
        StatAcc {
            start: self.stats.borrow().len(),
            depth: 0,
            label_run: 0,
        }
    }

    pub(crate) fn block(&self, acc: StatAcc, ret: Option<(Return, Level)>) -> BlockParts {
        let (ret, ret_depth) = match ret {
            Some((r, d)) => (Some(r), d),
            None => (None, 0),
        };
        let mut all = self.stats.borrow_mut();
        let stats = if acc.start == 0 {
            // The outermost block (usually the main chunk's): take the whole stack, no copy.
            std::mem::take(&mut *all)
        } else {
            let mut stats = Vec::with_capacity(all.len() - acc.start);
            stats.extend(all.drain(acc.start..));
            stats
        };
        BlockParts {
            stats,
            ret,
            depth: acc.depth.max(ret_depth),
        }
    }

    pub(crate) fn chunk(&self, b: BlockParts) -> Chunk {
        Chunk {
            block: b.finish(self.line.get()),
        }
    }

    pub(crate) fn block_with_return<'s>(
        &self,
        stats: StatAcc,
        ret: (Return, Level),
    ) -> PResult<'s, BlockParts> {
        check_level(ret.1)?;
        Ok(self.block(stats, Some(ret)))
    }

    pub(crate) fn push_stat<'s>(&self, mut acc: StatAcc, s: StatD) -> PResult<'s, StatAcc> {
        let level = if s.is_label {
            acc.label_run += 1;
            acc.label_run
        } else {
            acc.label_run = 0;
            s.level
        };
        acc.depth = acc.depth.max(check_level(level)?);
        Ok(acc)
    }

    pub(crate) fn push_semicolon<'s>(&self, mut acc: StatAcc) -> PResult<'s, StatAcc> {
        let level = acc.label_run + 1;
        acc.depth = acc.depth.max(check_level(level)?);
        Ok(acc)
    }

    pub(crate) fn repeat_stat(
        &self,
        line: u32,
        body: BlockParts,
        until_line: u32,
        cond: (Expr, Level),
    ) -> StatD {
        let depth = body.depth.max(cond.1);
        let kind = StatKind::Repeat {
            body: body.finish(until_line),
            cond: cond.0,
        };
        self.stat(kind, line, 1 + depth)
    }

    pub(crate) fn if_arm(&self, lines: (u32, u32), cond: (Expr, Level), block: BlockParts) -> Box<IfArms> {
        Box::new(IfArms::new(lines, cond, block))
    }

    pub(crate) fn if_stat(
        &self,
        mut arms: IfArms,
        else_part: Option<(u32, BlockParts)>,
        end_line: u32,
    ) -> StatD {
        let line = arms.last.0;
        let first_line = arms.arms.first().map_or(line, |a| a.line);
        let else_block = match else_part {
            Some((else_line, b)) => {
                arms.close_last(else_line, None);
                arms.depth = arms.depth.max(b.depth);
                Some(b.finish(end_line))
            }
            None => {
                arms.close_last(end_line, None);
                None
            }
        };
        let depth = arms.depth;
        let kind = StatKind::If {
            arms: std::mem::take(&mut arms.arms),
            else_block,
            end_line,
        };
        self.stat(kind, first_line, 1 + depth)
    }

    pub(crate) fn assign(&self, targets: Targets, line: u32, exprs: (Vec<Expr>, Level)) -> StatD {
        // The values are read at the level of the last target's recursion.
        let n = targets.exprs.len() as Level;
        let depth = targets.depth.max(n + exprs.1);
        self.stat(
            StatKind::Assign {
                targets: targets.exprs,
                exprs: exprs.0,
            },
            line,
            depth,
        )
    }

    pub(crate) fn call_stat<'s>(&self, line: u32, (e, depth): Sub) -> PResult<'s, StatD> {
        if !matches!(e.kind, ExprKind::Call(..) | ExprKind::Method(..)) {
            return user(PErr::at_current("syntax error", true));
        }
        Ok(self.stat(StatKind::Call(e), line, 1 + depth))
    }

    pub(crate) fn first_target<'s>(&self, (e, depth): Sub) -> PResult<'s, Targets> {
        if !is_var(&e) {
            return user(PErr::at_current("syntax error", true));
        }
        Ok(Targets {
            exprs: vec![e],
            depth: 1 + depth,
        })
    }

    pub(crate) fn more_targets<'s>(&self, mut t: Targets, (e, depth): Sub) -> PResult<'s, Targets> {
        if !is_var(&e) {
            return user(PErr::at_current("syntax error", true));
        }
        // Target k (k >= 2) is read at level k - 1; the recursion that reads the rest runs at
        // level k.
        let k = t.exprs.len() as Level + 1;
        t.depth = t.depth.max(k - 1 + depth).max(k);
        check_level(t.depth)?;
        t.exprs.push(e);
        Ok(t)
    }

    pub(crate) fn more_arms(
        &self,
        mut arms: Box<IfArms>,
        lines: (u32, u32),
        cond: (Expr, Level),
        block: BlockParts,
    ) -> Box<IfArms> {
        arms.elseif(lines, cond, block);
        arms
    }

    pub(crate) fn attrib<'s>(&self, name: &str, attrib: &str) -> PResult<'s, LocalName> {
        let attrib = match attrib {
            "const" => Attrib::Const,
            "close" => Attrib::Close,
            _ => {
                return user(PErr::at_current(
                    format!("unknown attribute '{attrib}'"),
                    false,
                ))
            }
        };
        Ok(LocalName {
            name: name.into(),
            attrib: Some(attrib),
        })
    }

    pub(crate) fn more_local_names<'s>(
        &self,
        mut names: Vec<LocalName>,
        name: LocalName,
    ) -> PResult<'s, Vec<LocalName>> {
        if names.len() >= MAX_LOCALS {
            // One statement declaring more locals than a function may have: PUC-Lua reports
            // this while reading the names, before any later syntax error.
            let line = self.func_lines.borrow().last().copied().unwrap_or(0);
            let place = if line == 0 { "main function".to_string() } else { format!("function at line {line}") };
            let msg = format!("too many local variables (limit is {MAX_LOCALS}) in {place}");
            return user(PErr::at_current(msg, true));
        }
        let close = |n: &LocalName| n.attrib == Some(Attrib::Close);
        if close(&name) && names.iter().any(close) {
            let msg = "multiple to-be-closed variables in local list";
            return user(PErr::at_current(msg, false));
        }
        names.push(name);
        Ok(names)
    }

    pub(crate) fn params(&self, line: u32, names: Vec<Name>, is_vararg: bool) -> (Vec<Name>, bool) {
        self.vararg.borrow_mut().push(is_vararg);
        self.func_lines.borrow_mut().push(line);
        (names, is_vararg)
    }

    pub(crate) fn func_body(
        &self,
        (params, is_vararg): (Vec<Name>, bool),
        body: BlockParts,
        end_line: u32,
    ) -> (Box<FuncBody>, Level) {
        self.vararg.borrow_mut().pop();
        self.func_lines.borrow_mut().pop();
        let depth = body.depth;
        let f = Box::new(FuncBody {
            params,
            is_vararg,
            is_method: false,
            body: body.finish(end_line),
            line: 0,
            end_line,
        });
        (f, depth)
    }

    pub(crate) fn vararg<'s>(&self, line: u32) -> PResult<'s, Sub> {
        if self.vararg.borrow().last().copied().unwrap_or(true) {
            Ok((Expr::new(ExprKind::Vararg, line), 0))
        } else {
            user(PErr {
                message: "cannot use '...' outside a vararg function".into(),
                line: Some(line),
                near: ErrNear::Fixed(Near::Text(b"...".to_vec())),
            })
        }
    }

    pub(crate) fn operand_exp<'s>(&self, (e, depth): Sub) -> PResult<'s, (Expr, Level)> {
        let level = 1 + depth;
        check_level(level + 1)?;
        Ok((e, level))
    }

    pub(crate) fn finish_exp<'s>(&self, f: Folder) -> PResult<'s, (Expr, Level)> {
        Ok(f.finish(&mut self.pending.borrow_mut()))
    }

    pub(crate) fn start_unary<'s>(&self, op: (UnOp, u32)) -> PResult<'s, Folder> {
        let mut f = Folder::new(self);
        f.push_unary(&mut self.pending.borrow_mut(), op)
            .or_else(user)?;
        Ok(f)
    }

    pub(crate) fn start_binary<'s>(&self, lhs: Sub, op: (BinOp, u32)) -> PResult<'s, Folder> {
        let mut f = Folder::new(self);
        f.push_operand(lhs).or_else(user)?;
        f.push_binary(&mut self.pending.borrow_mut(), op)
            .or_else(user)?;
        Ok(f)
    }

    pub(crate) fn binary<'s>(&self, mut f: Folder, op: (BinOp, u32)) -> PResult<'s, Folder> {
        f.push_binary(&mut self.pending.borrow_mut(), op)
            .or_else(user)?;
        Ok(f)
    }

    pub(crate) fn unary<'s>(&self, mut f: Folder, op: (UnOp, u32)) -> PResult<'s, Folder> {
        f.push_unary(&mut self.pending.borrow_mut(), op)
            .or_else(user)?;
        Ok(f)
    }
}
