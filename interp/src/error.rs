//! Errors on the kernel's hot path.
//!
//! A Lua error can be any value; the value itself is kept in the state (`State::error_value`),
//! rooted, while the Rust `Err` that propagates is one byte. Whoever catches the error (a
//! protected call, `resume`, the embedding API) takes the value from the state at once.
//! `Yield` travels the same way: it unwinds the Rust frames between a yield and the `resume`
//! that continues the coroutine, leaving the Lua frames in place.

use std::fmt;

/// Why a call did not return normally.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LuaError {
    /// A runtime error (LUA_ERRRUN); the value is in `State::error_value`.
    Runtime,
    /// A syntax error from `load` (LUA_ERRSYNTAX); the message is in `State::error_value`.
    Syntax,
    /// Memory allocation refused (LUA_ERRMEM); the message is in `State::error_value`.
    Memory,
    /// An error while running a message handler (LUA_ERRERR).
    ErrorInHandler,
    /// The running coroutine yields: not an error, unwinds to `resume`.
    Yield,
    /// A resource limit ended the script; protected calls do not catch it.
    Limit(LimitKind),
}

/// Limits an embedder or the command line can set; tripping one is not catchable by `pcall`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LimitKind {
    /// The interrupt handle was triggered (Ctrl-C, a timeout thread).
    Interrupted,
    /// The instruction budget ran out.
    Instructions,
    /// The heap grew beyond its limit.
    Memory,
}

impl LuaError {
    /// Errors `pcall` may catch.
    #[inline]
    pub fn is_catchable(self) -> bool {
        matches!(self, LuaError::Runtime | LuaError::Syntax | LuaError::Memory | LuaError::ErrorInHandler)
    }

    /// Lua's status code for the error (`LUA_ERRRUN` = 2, ...).
    pub fn status_code(self) -> i32 {
        match self {
            LuaError::Yield => 1,
            LuaError::Runtime | LuaError::Limit(_) => 2,
            LuaError::Syntax => 3,
            LuaError::Memory => 4,
            LuaError::ErrorInHandler => 5,
        }
    }
}

impl fmt::Display for LimitKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LimitKind::Interrupted => "interrupted!",
            LimitKind::Instructions => "instruction limit exceeded",
            LimitKind::Memory => "memory limit exceeded",
        })
    }
}

pub type LuaResult<T> = Result<T, LuaError>;
