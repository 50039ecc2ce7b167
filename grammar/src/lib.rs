//! The Lua 5.4 syntax: lexer, grammar, syntax tree and syntax errors.
//!
//! `parse_chunk` turns source text into an `ast::Chunk` or a `SyntaxError` worded as PUC-Lua
//! words it. `number::str_to_number` is Lua's string-to-number conversion, shared with the
//! kernel (`tonumber`, coercions); `number::chunk_id` formats chunk names for messages.

pub mod ast;
pub mod lexer;
mod messages;
pub mod number;
mod parser;

pub use parser::{parse_chunk, SyntaxError};
