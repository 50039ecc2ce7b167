//! Host services: the one seam through which scripts reach the operating system's files.
//!
//! The libraries (`io`, `os`, `loadfile`, `require`) call these functions rather than `std::fs`,
//! so the module host can later route them to a loaded file-system provider after the
//! kernel's permission checks.

use crate::state::State;

impl State {
    /// Reads a whole file; the error is the system's message (as `strerror` gives it).
    pub fn host_read_file(&mut self, path: &[u8]) -> Result<Vec<u8>, String> {
        let p = path_of(path);
        std::fs::read(p).map_err(|e| io_error_message(&e))
    }
}

/// A path from Lua bytes (Unix paths are bytes).
pub fn path_of(bytes: &[u8]) -> &std::path::Path {
    use std::os::unix::ffi::OsStrExt;
    std::path::Path::new(std::ffi::OsStr::from_bytes(bytes))
}

/// The C library's wording of an I/O error ("No such file or directory").
pub fn io_error_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}
