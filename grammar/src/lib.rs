//! The Lua 5.4 syntax: lexer, grammar, syntax tree and syntax errors.
//!
//! `parse_chunk` turns source text into an `ast::Chunk` or a `SyntaxError` worded as PUC-Lua
//! words it (as `load` does: files go through `lexer::strip_file_prelude` first, as
//! `luaL_loadfile` skips a byte-order mark and a `#` first line). `number::str_to_number` is
//! Lua's string-to-number conversion, shared with the kernel (`tonumber`, coercions);
//! `number::chunk_id` formats chunk names for messages.
//!
//! Map: `lexer.rs` (tokens), `lua.lalrpop` (grammar), `parser.rs` (what the grammar's actions
//! call: the tree, nesting limits), `messages.rs` (syntax errors as PUC-Lua's), `ast.rs`.

pub mod ast;
pub mod lexer;
mod messages;
pub mod number;
mod parser;

pub use parser::{parse_chunk, SyntaxError};
