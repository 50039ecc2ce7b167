//! Loading native modules (filled in with the stable ABI).

use std::path::PathBuf;

/// The native module path: the directories of `LUNA_MODULE_PATH` (separated by `:` or `;`),
/// then the running executable's directory and `../lib/luna` beside it.
pub fn native_module_dirs() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Some(v) = std::env::var_os("LUNA_MODULE_PATH") {
        use std::os::unix::ffi::OsStrExt;
        for part in v.as_bytes().split(|&c| c == b':' || c == b';') {
            if !part.is_empty() {
                dirs.push(PathBuf::from(std::ffi::OsStr::from_bytes(part)));
            }
        }
    }
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(|p| p.to_path_buf()))
    {
        dirs.push(exe_dir.join("../lib/luna"));
        dirs.insert(dirs.len() - 1, exe_dir);
    }
    dirs
}
