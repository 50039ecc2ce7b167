//! Loading native modules: finding them, checking them, and keeping them.
//!
//! Invariants:
//! - A module file is loaded with abi_stable's checked loading (`lib_header_from_path` then
//!   `init_root_module`, through `luna_spi::loader::load_module`), so several modules of the
//!   one root type load side by side and a layout mismatch is refused with a message naming
//!   the file. The SPI version is checked next.
//! - Libraries are never unloaded: a loaded module is kept in a process-wide list (by real
//!   path) for the life of the process, and everything `'static` it handed out (manifest,
//!   function table, vtables) stays valid.
//! - Before a script's `require` loads a file, the kernel checks the `native` permission on
//!   its real path, then the permissions the manifest declares it needs: each must be granted
//!   for some target. Providers chosen by the host (the command line's `--fs`, the `net` and
//!   `crypto` modules loaded on demand) are not subject to `native`: the host picked them.
//! - A module that panicked (its calls return `PANICKED`, later `POISONED`) is marked dead in
//!   the list and never called again; requiring it again fails.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use luna_spi::ModuleInfo;

use super::permissions::PermissionKind;
use super::HostError;
use crate::state::State;

/// A loaded module.
pub struct LoadedModule {
    /// The real path of its file.
    pub path: PathBuf,
    pub info: ModuleInfo,
    dead: AtomicBool,
}

impl LoadedModule {
    /// The manifest's name.
    pub fn name(&self) -> &str {
        self.info.manifest.name.as_str()
    }

    /// Whether the module panicked (then it is never called again). The module's own flag
    /// is read too when `ask_module` (it costs a call into the module).
    pub fn is_dead_checked(&self, ask_module: bool) -> bool {
        self.dead.load(Ordering::Relaxed) || (ask_module && self.info.is_poisoned())
    }

    /// Whether the module panicked, as far as the kernel or the module itself knows.
    pub fn is_dead(&self) -> bool {
        self.is_dead_checked(true)
    }

    /// Marks the module dead after a panic.
    pub fn mark_dead(&self) {
        self.dead.store(true, Ordering::Relaxed);
    }

    /// The message for a call to a dead module.
    pub fn dead_message(&self) -> String {
        format!(
            "native module '{}' ({}) panicked earlier and is disabled",
            self.name(),
            self.path.display()
        )
    }
}

/// Every module loaded by this process.
static MODULES: Mutex<Vec<Arc<LoadedModule>>> = Mutex::new(Vec::new());

/// Loads a module file (or returns the one loaded before from the same real path).
pub fn load_module_file(path: &Path) -> Result<Arc<LoadedModule>, String> {
    let real = std::fs::canonicalize(path).map_err(|e| {
        format!(
            "cannot load native module '{}': {}",
            path.display(),
            super::io_error_message(&e)
        )
    })?;
    let mut modules = MODULES.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(m) = modules.iter().find(|m| m.path == real) {
        return Ok(m.clone());
    }
    let info = luna_spi::loader::load_module(&real).map_err(|e| e.to_string())?;
    let m = Arc::new(LoadedModule {
        path: real,
        info,
        dead: AtomicBool::new(false),
    });
    modules.push(m.clone());
    Ok(m)
}

/// Wraps a statically linked module's root (an embedder linking a provider crate as an
/// `rlib`: `luna_memfs::luna_module_root()`).
pub fn static_module(root: luna_spi::LunaModuleRef) -> Result<Arc<LoadedModule>, String> {
    let info = ModuleInfo::new(root);
    luna_spi::check_spi_version(info.spi_version)
        .map_err(|m| format!("native module '{}': {}", info.manifest.name.as_str(), m))?;
    Ok(Arc::new(LoadedModule {
        path: PathBuf::from(format!("<static {}>", info.manifest.name.as_str())),
        info,
        dead: AtomicBool::new(false),
    }))
}

/// The kinds a manifest's permission bits name.
pub(crate) fn manifest_kinds(p: luna_spi::Permissions) -> Vec<PermissionKind> {
    let mut kinds = Vec::new();
    for (bit, kind) in [
        (luna_spi::Permissions::READ, PermissionKind::Read),
        (luna_spi::Permissions::WRITE, PermissionKind::Write),
        (luna_spi::Permissions::NET, PermissionKind::Net),
        (luna_spi::Permissions::ENV, PermissionKind::Env),
        (luna_spi::Permissions::RUN, PermissionKind::Run),
    ] {
        if p.contains(bit) {
            kinds.push(kind);
        }
    }
    kinds
}

/// The native module path: the directories of `LUNA_MODULE_PATH` (separated by `:` or `;`),
/// then the running executable's directory and `../lib/luna` beside it.
pub fn native_module_dirs() -> Vec<PathBuf> {
    native_module_dirs_with(false)
}

/// [`native_module_dirs`], leaving out `LUNA_MODULE_PATH` when `ignore_env` (`luna -E`).
pub fn native_module_dirs_with(ignore_env: bool) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if !ignore_env {
        if let Some(v) = std::env::var_os("LUNA_MODULE_PATH") {
            use std::os::unix::ffi::OsStrExt;
            for part in v.as_bytes().split(|&c| c == b':' || c == b';') {
                if !part.is_empty() {
                    dirs.push(PathBuf::from(std::ffi::OsStr::from_bytes(part)));
                }
            }
        }
    }
    if let Some(exe_dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        dirs.push(exe_dir.clone());
        dirs.push(exe_dir.join("../lib/luna"));
    }
    dirs
}

/// PUC-Lua's default C path entries (its `LUA_CPATH_DEFAULT` on Unix).
const LUA_SYSTEM_CPATH: [&str; 3] =
    ["/usr/local/lib/lua/5.4/?.so", "/usr/local/lib/lua/5.4/loadall.so", "./?.so"];

/// The default `package.cpath`: for each directory of the native module path, `lib?.so`
/// (cargo's name for a `cdylib`), `?.so` and `libluna_?.so` (luna's own provider crates);
/// then Lua's own system-wide entries (`/usr/local/lib/lua/5.4/?.so`, ...), where Lua package
/// managers install native libraries. A library found there that is not a luna module is
/// refused with a clear error by the loader.
pub fn default_cpath(ignore_env: bool) -> String {
    let mut parts = Vec::new();
    for d in native_module_dirs_with(ignore_env) {
        let d = d.display().to_string();
        for t in [
            luna_spi::loader::library_file_name("?"),
            format!("?{}", std::env::consts::DLL_SUFFIX),
            luna_spi::loader::library_file_name("luna_?"),
        ] {
            parts.push(format!("{}/{}", d.trim_end_matches('/'), t));
        }
    }
    parts.extend(LUA_SYSTEM_CPATH.iter().map(|s| s.to_string()));
    parts.join(";")
}

/// Finds provider module `name` (`fs`, `memfs`, `net`, `crypto`) in `dirs`.
pub fn find_provider_file(name: &str, dirs: &[PathBuf]) -> Option<PathBuf> {
    let stems = [format!("luna_{}", name), name.to_string()];
    for d in dirs {
        for stem in &stems {
            let f = d.join(luna_spi::loader::library_file_name(stem));
            if f.is_file() {
                return Some(f);
            }
        }
    }
    None
}

impl State {
    /// Whether `file` is a module file the searchers should offer to the loader: it exists
    /// on the real disk (modules are never served by a file-system provider) and either the
    /// script may load or read it, or it is a shared library (then the loader refuses it
    /// with a message naming the permission). Other files the script may not read are
    /// reported as absent, so `package.cpath` cannot probe the disk.
    pub fn host_native_candidate(&mut self, file: &[u8]) -> bool {
        let path = super::path_of(file);
        let real = match std::fs::canonicalize(path) {
            Ok(r) => r,
            Err(_) => return false,
        };
        if !real.is_file() {
            return false;
        }
        let is_library = real
            .to_str()
            .is_some_and(|s| s.ends_with(std::env::consts::DLL_SUFFIX));
        is_library
            || self.with_host(|h| {
                h.permissions
                    .check_path(PermissionKind::Native, file, &real)
                    .is_ok()
                    || h.permissions
                        .check_path(PermissionKind::Read, file, &real)
                        .is_ok()
            })
    }

    /// Loads the native module in `file` for a script's `require`: checks the `native`
    /// permission and the manifest's needs, then loads it. The error is the reason, for
    /// `require`'s "error loading module" message; a refused permission is a denied
    /// [`HostError`].
    pub fn host_load_native(&mut self, file: &[u8]) -> Result<Arc<LoadedModule>, HostError> {
        let shown = String::from_utf8_lossy(file).into_owned();
        let path = super::path_of(file);
        self.with_host(|h| {
            if h.permissions.allows_all(PermissionKind::Native) {
                return Ok(());
            }
            let abs = if path.is_absolute() {
                path.to_path_buf()
            } else {
                std::env::current_dir()
                    .map_err(|e| HostError::from_io(&e))?
                    .join(path)
            };
            let real = std::fs::canonicalize(&abs).unwrap_or(abs);
            h.permissions
                .check_path(PermissionKind::Native, shown.as_bytes(), &real)
                .map(|_| ())
                .map_err(|d| HostError::denied(&d))
        })?;
        let m = load_module_file(path).map_err(HostError::new)?;
        if m.is_dead() {
            return Err(HostError::new(m.dead_message()));
        }
        let needs = manifest_kinds(m.info.manifest.permissions);
        let missing: Vec<PermissionKind> = self.with_host(|h| {
            needs
                .iter()
                .copied()
                .filter(|&k| !h.permissions.allows_any(k))
                .collect()
        });
        if let Some(&k) = missing.first() {
            let flag = if k.takes_items() {
                format!("--allow-{}[=...]", k)
            } else {
                format!("--allow-{}", k)
            };
            let names: Vec<&str> = missing.iter().map(|k| k.name()).collect();
            return Err(HostError::new(format!(
                "native module '{}' ({}) needs {} permission, which is not granted (grant it with {})",
                m.name(),
                m.path.display(),
                names.join(", "),
                flag
            )));
        }
        Ok(m)
    }
}
