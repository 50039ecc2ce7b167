//! Providers loaded from native modules (filled in with the stable ABI).

use std::path::PathBuf;

use crate::state::State;

/// Loads the file-system provider module `name` (`fs`, `memfs`) from `dirs` and makes it
/// the state's file system. The error is a message for the user.
pub fn load_fs_provider(_st: &mut State, name: &str, _dirs: &[PathBuf]) -> Result<(), String> {
    Err(format!(
        "cannot load file-system provider '{}': native modules are not supported yet",
        name
    ))
}
