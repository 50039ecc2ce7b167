//! The compiler: syntax tree to `FnProto` bytecode.
//!
//! It generates the code PUC-Lua 5.4's code generator generates (same instructions, registers,
//! constants, line information and debug information), so that the VM, error messages and debug
//! hooks behave as the reference implementation's do. The work is split the way Lua's own
//! front end splits it:
//!
//! - `code.rs`: the function under construction: emitting instructions with their lines,
//!   jump lists and their patching, registers, constants, and the final peephole pass;
//! - `exp.rs`: expression descriptors (`ExpDesc`), which delay code generation so that
//!   operands can become constants, immediates or relocatable results, and short-circuit
//!   operators become jump lists; constant folding;
//! - `scope.rs`: local variables, blocks, upvalues, labels and gotos;
//! - `expr.rs` and `stat.rs`: walking the syntax tree.
//!
//! Invariants kept throughout (the VM relies on them, see `proto.rs`):
//! - between statements, the first free register equals the number of registers held by
//!   active local variables;
//! - every register used is below `max_stack`, which stays below `MAX_REGS`;
//! - every jump list is patched before its function is finished.
//!
//! Line numbers: PUC-Lua stamps each instruction with the line of the last token the parser
//! consumed. The compiler mimics that by keeping `last_line` up to date while it walks the tree
//! in source order, setting it wherever the parser would consume a token whose line the tree
//! records; tokens whose line the tree does not record (closing brackets, `then`, `do`) are
//! taken to be on the line of what precedes them. Where such a token sits on a line of its own,
//! the instruction Lua gives its line gets the previous line here: `then` (the test of an
//! `if`), `do` (the preparation of a `for`), a closing `)`, `]` or `}` (the last argument,
//! key or list item), and the end of a string literal spanning lines (`Expr::line` is where
//! it starts; Lua uses where it ends).
//!
//! `Compat` reproduces 5.4.4's code generator where it differs from 5.4.6's, so that tests
//! can use the installed `luac5.4` (5.4.4) as an oracle; `compile` always generates 5.4.6's.

mod code;
mod exp;
mod expr;
mod scope;
mod stat;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

use luna_grammar::ast::Chunk;
use luna_grammar::number::chunk_id;

use crate::proto::{FnProto, VarKind};

use self::code::FuncState;
use self::exp::ConstVal;

/// A compile-time error: a semantic error of the source (a `goto` into the scope of a local,
/// assignment to a `<const>`, a limit exceeded...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileError {
    /// The message in PUC-Lua's form: `chunkid:line: msg`.
    pub message: String,
    /// The line the message names.
    pub line: u32,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CompileError {}

pub(crate) type CResult<T> = Result<T, CompileError>;

/// Compiles a chunk into the prototype of its main function. `chunkname` is the name given to
/// `load` (`"@file.lua"`, `"=stdin"`, or the source text itself); it becomes `FnProto::source`
/// of every function of the chunk and prefixes error messages as `luaO_chunkid` formats it.
pub fn compile(chunk: &Chunk, chunkname: &[u8]) -> Result<FnProto, CompileError> {
    Compiler::new(chunkname, Compat::Lua546).main_func(chunk)
}

/// Which release's code generator to reproduce where 5.4 releases differ. Only tests use
/// anything but 5.4.6: the installed `luac5.4` (5.4.4) serves as their oracle. 5.4.4 differs
/// in two places: leaving a block, it resolved `break`s and emitted the `CLOSE` before ending
/// the scope of the block's variables (so their debug ranges include the `CLOSE`, and a
/// `break` closed from above a loop's control variables); and a bitwise operator with an
/// integer constant operand that does not fit an RK operand loaded it into a register first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Compat {
    Lua546,
    #[allow(dead_code)]
    Lua544,
}

/// A local variable of some function being compiled (Lua's `Vardesc`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct VarDesc<'a> {
    pub name: &'a str,
    pub kind: VarKind,
    /// Register holding the variable (meaningless for compile-time constants).
    pub ridx: u8,
    /// Index of the variable in the function's `loc_vars`.
    pub pidx: u16,
    /// The value of a compile-time constant.
    pub kval: ConstVal<'a>,
}

/// A pending `goto` or a visible label (Lua's `Labeldesc`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct LabelDesc<'a> {
    pub name: &'a str,
    /// For a goto, its jump instruction; for a label, its position.
    pub pc: i32,
    pub line: u32,
    /// Number of active variables at that position.
    pub nactvar: usize,
    /// For a goto: whether it leaves the scope of a captured variable (needs a `CLOSE`).
    pub close: bool,
}

/// A small fast hasher for the compiler's maps (keys are short byte strings and numbers).
/// Each word is mixed by a folded 128-bit multiplication, so keys differing only in their
/// high bits (floats) or only in their low bits (integers) both spread over the table.
#[derive(Default, Clone, Copy)]
pub(crate) struct FxHasher(u64);

const MIX: u64 = 0x9e37_79b9_7f4a_7c15;

#[inline]
fn fold_mul(x: u64) -> u64 {
    let m = (x as u128) * (MIX as u128);
    (m as u64) ^ ((m >> 64) as u64)
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.write_u64(u64::from_le_bytes(c.try_into().unwrap()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut buf = [0u8; 8];
            buf[..rest.len()].copy_from_slice(rest);
            self.write_u64(u64::from_le_bytes(buf));
        }
    }
    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.write_u64(i as u64);
    }
    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.0 = fold_mul(self.0 ^ i);
    }
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

pub(crate) type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// Lua's constant cache ("scanner table"): maps a constant to the index it was last given.
/// Like Lua's, it is shared by all the functions of a chunk and every hit is checked against
/// the current function's constant list, so the constant lists come out exactly as Lua's do.
#[derive(Default)]
pub(crate) struct ConstCache<'a> {
    pub strs: FxMap<&'a [u8], u32>,
    pub ints: FxMap<i64, u32>,
    /// Float keys by bit pattern (see `code.rs` for how integral floats are keyed).
    pub floats: FxMap<u64, u32>,
    pub nil: Option<u32>,
    pub true_: Option<u32>,
    pub false_: Option<u32>,
}

/// The compilation of one chunk: the function being compiled, those enclosing it, and the
/// data shared by all of them (Lua's `LexState` and `Dyndata`).
pub(crate) struct Compiler<'a> {
    /// The function being compiled.
    pub fs: FuncState,
    /// The functions enclosing it, outermost first.
    pub enclosing: Vec<FuncState>,
    /// Active local variables of all the functions being compiled.
    pub actvars: Vec<VarDesc<'a>>,
    /// Visible labels of all the functions being compiled.
    pub labels: Vec<LabelDesc<'a>>,
    /// Pending gotos of all the functions being compiled.
    pub gotos: Vec<LabelDesc<'a>>,
    pub kcache: ConstCache<'a>,
    /// Line of the last token the parser would have consumed: the line given to the next
    /// instruction.
    pub last_line: u32,
    pub source: Rc<[u8]>,
    pub compat: Compat,
}

impl<'a> Compiler<'a> {
    pub(crate) fn new(chunkname: &[u8], compat: Compat) -> Compiler<'a> {
        let source: Rc<[u8]> = Rc::from(chunkname);
        Compiler {
            fs: FuncState::new(FnProto::new(Some(source.clone())), 0, 0),
            enclosing: Vec::new(),
            actvars: Vec::new(),
            labels: Vec::new(),
            gotos: Vec::new(),
            kcache: ConstCache::default(),
            last_line: 1,
            source,
            compat,
        }
    }

    /// An error at `line`, formatted as Lua formats syntax errors.
    pub(crate) fn error(&self, msg: impl Into<String>, line: u32) -> CompileError {
        let msg = msg.into();
        let id = chunk_id(&self.source);
        CompileError {
            message: format!("{id}:{line}: {msg}"),
            line,
        }
    }

    /// Lua's `errorlimit`: too many variables, upvalues... in the current function.
    pub(crate) fn error_limit(&self, limit: u32, what: &str, line: u32) -> CompileError {
        let defined = self.fs.f.line_defined;
        let place = if defined == 0 {
            "main function".to_string()
        } else {
            format!("function at line {defined}")
        };
        self.error(
            format!("too many {what} (limit is {limit}) in {place}"),
            line,
        )
    }
}
