//! Loading a module file: the abi_stable calls, the SPI version check and clean errors.
//!
//! Invariants: a library, once opened, is never unloaded (abi_stable leaks it), so
//! `'static` data from a module (its manifest, function table, vtables) stays valid. Several
//! modules can be loaded; the same file loaded twice yields the same root. Loading never
//! panics on a bad file: every failure is a [`LoadError`] naming the file.

use std::fmt;
use std::path::{Path, PathBuf};

use abi_stable::library::{lib_header_from_path, LibraryError};

use crate::module::{check_spi_version, legacy, LunaModuleRef, ModuleInfo};

/// Why a module file could not be loaded.
#[derive(Debug)]
#[allow(missing_docs)]
pub enum LoadError {
    /// The file could not be opened as a dynamic library, or has no abi_stable root.
    Open { path: PathBuf, message: String },
    /// abi_stable refused the root: incompatible layout or root version.
    Incompatible { path: PathBuf, message: String },
    /// The module's `spi_version` is outside the supported range.
    SpiVersion {
        path: PathBuf,
        found: u32,
        message: String,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Open { path, message } => {
                write!(
                    f,
                    "cannot load native module '{}': {}",
                    path.display(),
                    message
                )
            }
            LoadError::Incompatible { path, message } => {
                write!(
                    f,
                    "native module '{}' is incompatible with this luna: {}",
                    path.display(),
                    message
                )
            }
            LoadError::SpiVersion { path, message, .. } => {
                write!(f, "native module '{}': {}", path.display(), message)
            }
        }
    }
}

impl std::error::Error for LoadError {}

/// Opens `path`, checks its root's layout (abi_stable) and SPI version, and returns it.
pub fn load_module(path: &Path) -> Result<ModuleInfo, LoadError> {
    let header = lib_header_from_path(path).map_err(|e| LoadError::Open {
        path: path.to_path_buf(),
        message: describe(&e),
    })?;
    let info = match header.init_root_module::<LunaModuleRef>() {
        Ok(root) => ModuleInfo::new(root),
        Err(e @ (LibraryError::OpenError { .. } | LibraryError::GetSymbolError { .. })) => {
            return Err(LoadError::Open {
                path: path.to_path_buf(),
                message: describe(&e),
            })
        }
        // Built against an older luna-spi? Try the older root layouts, newest first.
        Err(e) => {
            if let Ok(root) = header.init_root_module::<legacy::v1::LunaModuleRef>() {
                ModuleInfo::from_v1(root)
            } else if let Ok(root) = header.init_root_module::<legacy::minimal::LunaModuleRef>() {
                ModuleInfo::from_minimal(root)
            } else {
                return Err(LoadError::Incompatible {
                    path: path.to_path_buf(),
                    message: describe(&e),
                });
            }
        }
    };
    check_spi_version(info.spi_version).map_err(|message| LoadError::SpiVersion {
        path: path.to_path_buf(),
        found: info.spi_version,
        message,
    })?;
    Ok(info)
}

/// abi_stable's messages are long (full layout dumps); keep the first lines.
fn describe(e: &LibraryError) -> String {
    let text = e.to_string();
    let mut lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    if lines.len() > 12 && std::env::var_os("LUNA_FULL_ABI_ERRORS").is_none() {
        lines.truncate(12);
        lines.push("...");
    }
    lines.join("\n")
}

/// The platform's file name for a module's library (`libname.so`, `libname.dylib`,
/// `name.dll`), as cargo names a `cdylib`.
pub fn library_file_name(stem: &str) -> String {
    format!(
        "{}{}{}",
        std::env::consts::DLL_PREFIX,
        stem,
        std::env::consts::DLL_SUFFIX
    )
}
