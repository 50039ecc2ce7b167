//! luna: a Lua 5.4 implementation in Rust.
//!
//! This crate is the facade that embedders depend on; it re-exports the embedding API.

pub use luna_grammar as grammar;
pub use luna_interp as interp;
