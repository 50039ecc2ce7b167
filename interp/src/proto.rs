//! Function prototypes as plain data: what the compiler produces, what binary chunks store.
//!
//! A `FnProto` holds no GC pointer, so the compiler and the binary-chunk reader and writer work
//! without the heap. Loading a chunk turns it into a heap `Proto` (see `function.rs`) whose
//! constants are Lua values with interned strings.
//!
//! Invariants the compiler guarantees (and the binary-chunk reader checks, so that a corrupt
//! chunk is an error, never undefined behaviour in the VM):
//! - every register operand is below `max_stack`, every constant index below
//!   `constants.len()`, every upvalue index below `upvalues.len()`, every prototype index
//!   below `protos.len()`, every jump lands inside `code`;
//! - `code` ends with a return instruction; `line_info.len() == code.len()`;
//! - instructions that need an `EXTRAARG` (`LOADKX`, `NEWTABLE`, `SETLIST` with k) have one.

use std::rc::Rc;

use crate::opcodes::Instr;

/// A constant of a function.
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    Nil,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Box<[u8]>),
}

/// How a closure finds one of its upvalues when it is created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpvalDesc {
    /// Name for debug information (`None` when stripped).
    pub name: Option<Box<str>>,
    /// True: the upvalue is register `index` of the enclosing function;
    /// false: it is upvalue `index` of the enclosing function.
    pub in_stack: bool,
    pub index: u8,
    /// The variable's kind, for the compiler of nested functions (`<const>`/`<close>`).
    pub kind: VarKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VarKind {
    Regular,
    Const,
    Close,
    /// A `<const>` whose value is a compile-time constant (never given a register).
    CompileTimeConst,
}

/// Debug information about a local variable: its name and the pc range where it is active.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LocVar {
    pub name: Box<str>,
    /// First instruction where the variable is active.
    pub start_pc: u32,
    /// First instruction where the variable is dead.
    pub end_pc: u32,
}

/// A compiled function.
#[derive(Clone, Debug, PartialEq)]
pub struct FnProto {
    /// The chunk name as given to `load` (`"@file.lua"`, `"=stdin"`, or source text), shared by
    /// every function of a chunk. `None` when stripped.
    pub source: Option<Rc<[u8]>>,
    /// Line of `function` (0 for a main chunk).
    pub line_defined: u32,
    /// Line of the closing `end` (0 for a main chunk).
    pub last_line_defined: u32,
    pub num_params: u8,
    pub is_vararg: bool,
    /// Registers the function needs.
    pub max_stack: u8,
    pub code: Vec<Instr>,
    pub constants: Vec<Constant>,
    pub upvalues: Vec<UpvalDesc>,
    pub protos: Vec<Rc<FnProto>>,
    /// Source line of each instruction (empty when stripped).
    pub line_info: Vec<u32>,
    /// Local variables in order of declaration (empty when stripped).
    pub loc_vars: Vec<LocVar>,
}

impl FnProto {
    pub fn new(source: Option<Rc<[u8]>>) -> FnProto {
        FnProto {
            source,
            line_defined: 0,
            last_line_defined: 0,
            num_params: 0,
            is_vararg: false,
            max_stack: 2,
            code: Vec::new(),
            constants: Vec::new(),
            upvalues: Vec::new(),
            protos: Vec::new(),
            line_info: Vec::new(),
            loc_vars: Vec::new(),
        }
    }

    /// The line of instruction `pc`, if line information is present.
    pub fn line_at(&self, pc: usize) -> Option<u32> {
        self.line_info.get(pc).copied()
    }

    /// Name of the `n`-th (1-based) local variable active at `pc`, as `debug.getlocal` sees it.
    pub fn local_name(&self, mut n: u32, pc: u32) -> Option<&str> {
        for v in &self.loc_vars {
            if v.start_pc > pc {
                break;
            }
            if pc < v.end_pc {
                n -= 1;
                if n == 0 {
                    return Some(&v.name);
                }
            }
        }
        None
    }
}
