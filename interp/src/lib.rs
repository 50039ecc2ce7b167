//! luna's kernel: values, the garbage-collected heap, the compiler from syntax tree to
//! bytecode, and the register VM.

pub mod compiler;
pub mod disasm;
pub mod numfmt;
pub mod opcodes;
pub mod proto;
