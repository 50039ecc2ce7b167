//! The Lua 5.4 standard libraries, written against the kernel's public API.
