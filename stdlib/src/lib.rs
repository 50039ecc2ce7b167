//! The Lua 5.4 standard libraries, written against the kernel's public API.

pub mod format;
pub mod ostime;
pub mod pack;
pub mod pattern;

#[cfg(test)]
mod testutil;
