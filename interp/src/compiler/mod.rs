//! The compiler: syntax tree to `FnProto` bytecode.
