//! The disassembler: a readable listing of a `FnProto`.
