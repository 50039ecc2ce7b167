//! The Lua 5.4 syntax: lexer, grammar, syntax tree and syntax errors.

pub mod ast;
