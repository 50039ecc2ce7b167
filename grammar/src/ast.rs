//! The abstract syntax tree of a Lua 5.4 chunk.
//!
//! Invariants:
//! - Every statement and expression carries the source line the compiler attributes to it (see
//!   the doc comment of each variant for which token's line that is); these lines end up in the
//!   bytecode's line table, so error messages and debug hooks report what PUC-Lua reports.
//! - The parser bounds the nesting depth of what it builds (`MAX_SYNTAX_LEVELS`), so any
//!   recursive walk over the tree is bounded too, except for two left spines that Lua accepts at
//!   any length: left-associative binary operators (`a + b + c + ...`) and suffix chains
//!   (`a.b.c.d`, `f(x)(y)(z)`, `o:m():n()`). Walkers must follow a `Binary` node's left operand
//!   and the object of an `Index`, `Call` or `Method` with a loop, not with recursion. Dropping a
//!   tree never recurses without bound (see `Drop for Expr`); `Expr::into_kind` takes a node
//!   apart, since `Drop` forbids moving fields out of an `Expr` by pattern.
//! - Names are identifiers as Lua 5.4 lexes them (ASCII letters, digits, `_`); string literals
//!   are arbitrary bytes.

/// Lua's limit on nested syntactic structures ("C levels"): deeper input is a syntax error.
pub const MAX_SYNTAX_LEVELS: u32 = 200;

pub type Name = Box<str>;

/// A whole chunk: the body of the main function, which is always vararg.
#[derive(Debug, Clone, PartialEq)]
pub struct Chunk {
    pub block: Block,
}

/// A sequence of statements, optionally ended by `return`.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub stats: Vec<Stat>,
    pub ret: Option<Return>,
    /// Line of the token that closes the block (`end`, `else`, `elseif`, `until`, or the last
    /// line of the chunk at end of input).
    pub end_line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Return {
    pub exprs: Vec<Expr>,
    /// Line of the `return` keyword.
    pub line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Stat {
    pub kind: StatKind,
    /// Line of the first token of the statement, except where a variant says otherwise.
    pub line: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attrib {
    /// `<const>`
    Const,
    /// `<close>`
    Close,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LocalName {
    pub name: Name,
    pub attrib: Option<Attrib>,
}

/// `a.b.c:m` in `function a.b.c:m() end`.
#[derive(Debug, Clone, PartialEq)]
pub struct FuncName {
    /// At least one name: the variable, then the fields.
    pub path: Vec<Name>,
    pub method: Option<Name>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct IfArm {
    pub cond: Expr,
    pub block: Block,
    /// Line of the `if`/`elseif` keyword.
    pub line: u32,
    /// Line of the `then` keyword (the test's jump is attributed to it).
    pub then_line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub enum StatKind {
    /// `local n1 <attr>, n2 = e1, e2` (`exprs` empty when there is no `=`).
    /// The parser has already rejected unknown attributes and more than one `<close>`.
    Local {
        names: Vec<LocalName>,
        exprs: Vec<Expr>,
    },
    /// `t1, t2 = e1, e2`. Every target is an `ExprKind::Name` or `ExprKind::Index`.
    /// `Stat::line` is the line of the `=`.
    Assign {
        targets: Vec<Expr>,
        exprs: Vec<Expr>,
    },
    /// A function or method call used as a statement (`ExprKind::Call` or `ExprKind::Method`).
    Call(Expr),
    Do(Block),
    While {
        cond: Expr,
        body: Block,
    },
    /// The condition is in the scope of the body's locals.
    Repeat {
        body: Block,
        cond: Expr,
    },
    /// `if c1 then b1 elseif c2 then b2 ... else bn end`: one arm per `if`/`elseif`.
    /// `end_line` is the line of the closing `end`.
    If {
        arms: Vec<IfArm>,
        else_block: Option<Block>,
        end_line: u32,
    },
    /// `for var = start, limit, step do body end`. `Stat::line` is the line of `for`.
    NumFor {
        var: Name,
        start: Expr,
        limit: Expr,
        step: Option<Expr>,
        body: Block,
        /// Line of the `do` keyword (the loop preparation is attributed to it).
        do_line: u32,
    },
    /// `for n1, n2 in e1, e2 do body end`. `Stat::line` is the line of `for`;
    /// `in_line` is the line of the first token after `in`.
    GenFor {
        names: Vec<Name>,
        exprs: Vec<Expr>,
        body: Block,
        in_line: u32,
        /// Line of the `do` keyword.
        do_line: u32,
    },
    /// `function a.b:m() end`. `Stat::line` is the line of `function`.
    Function {
        name: FuncName,
        func: Box<FuncBody>,
    },
    /// `local function f() end`. `Stat::line` is the line of `function`.
    LocalFunction {
        name: Name,
        func: Box<FuncBody>,
    },
    Goto(Name),
    Label(Name),
    Break,
}

/// Parameters and body of a function.
#[derive(Debug, Clone, PartialEq)]
pub struct FuncBody {
    pub params: Vec<Name>,
    pub is_vararg: bool,
    /// True for `function a:m()`: the compiler adds the implicit `self` parameter first.
    pub is_method: bool,
    pub body: Block,
    /// Line of the `function` keyword (Lua's `linedefined`).
    pub line: u32,
    /// Line of the closing `end` (Lua's `lastlinedefined`).
    pub end_line: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    /// See each variant; by default the line of the expression's first token.
    pub line: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    IDiv,
    Mod,
    Pow,
    Concat,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
    BAnd,
    BOr,
    BXor,
    Shl,
    Shr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnOp {
    /// `-`
    Neg,
    /// `not`
    Not,
    /// `#`
    Len,
    /// `~`
    BNot,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// `{ e }`: the next array item.
    Positional(Expr),
    /// `{ name = e }`
    Named(Name, Expr),
    /// `{ [k] = e }`
    Keyed(Expr, Expr),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Nil,
    True,
    False,
    /// `...`
    Vararg,
    Int(i64),
    Float(f64),
    Str(Box<[u8]>),
    /// `function (...) ... end`
    Function(Box<FuncBody>),
    /// `{ ... }`
    Table(Vec<Field>),
    /// `line` is the operator's line.
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `line` is the operator's line.
    Unary(UnOp, Box<Expr>),
    Name(Name),
    /// `obj[key]`, and `obj.name` as `obj["name"]`. `line` is the line of the `[` or `.`.
    Index(Box<Expr>, Box<Expr>),
    /// `f(args)`, `f"str"`, `f{...}`. `line` is the line of the token that opens the arguments.
    Call(Box<Expr>, Vec<Expr>),
    /// `obj:name(args)`. `line` is the line of the token that opens the arguments.
    Method(Box<Expr>, Name, Vec<Expr>),
    /// `(e)`: truncates multiple results to one and makes the expression not assignable.
    Paren(Box<Expr>),
}

impl Expr {
    pub fn new(kind: ExprKind, line: u32) -> Expr {
        Expr { kind, line }
    }

    /// Calls and `...` produce a variable number of values when last in a list.
    pub fn is_multi(&self) -> bool {
        matches!(
            self.kind,
            ExprKind::Call(..) | ExprKind::Method(..) | ExprKind::Vararg
        )
    }

    /// Takes the node apart (what `let Expr { kind, .. } = e` would do without `Drop`).
    pub fn into_kind(mut self) -> ExprKind {
        std::mem::replace(&mut self.kind, ExprKind::Nil)
    }
}

impl ExprKind {
    /// Whether the node owns sub-expressions through a `Box` (which may form a long spine).
    fn has_boxed_operands(&self) -> bool {
        use ExprKind::*;
        matches!(
            self,
            Binary(..) | Unary(..) | Index(..) | Call(..) | Method(..) | Paren(..)
        )
    }
}

/// Drops a tree with an explicit stack, so that left spines of any length (`a + b + ...`,
/// `a.b.c...`) do not exhaust the thread's stack. What remains recursive (argument lists, table
/// constructors, function bodies) is bounded by the parser's nesting limit.
impl Drop for Expr {
    fn drop(&mut self) {
        if !self.kind.has_boxed_operands() {
            return;
        }
        // Follow one operand at a time; the stack is only needed (and allocated) where both
        // operands of a node have operands of their own.
        let mut pending: Vec<Box<Expr>> = Vec::new();
        let mut next = take_boxed_operands(&mut self.kind, &mut pending);
        while let Some(mut e) = next.take().or_else(|| pending.pop()) {
            next = take_boxed_operands(&mut e.kind, &mut pending);
            // `e` is dropped here, with no boxed operands left.
        }
    }
}

/// Moves the boxed operands out of a node: returns one that has operands of its own, pushes
/// the other one on `pending` if it has some too, and drops the rest here (their own drop does
/// not recurse through boxes). The boxes are moved as they are, never reallocated.
#[allow(clippy::vec_box)]
fn take_boxed_operands(kind: &mut ExprKind, pending: &mut Vec<Box<Expr>>) -> Option<Box<Expr>> {
    let (first, second) = match std::mem::replace(kind, ExprKind::Nil) {
        ExprKind::Binary(_, a, b) | ExprKind::Index(a, b) => (a, Some(b)),
        ExprKind::Unary(_, a) | ExprKind::Paren(a) => (a, None),
        ExprKind::Call(f, _args) => (f, None),
        ExprKind::Method(o, _, _args) => (o, None),
        _ => return None,
    };
    if let Some(b) = second {
        if b.kind.has_boxed_operands() {
            pending.push(b);
        }
    }
    first.kind.has_boxed_operands().then_some(first)
}
