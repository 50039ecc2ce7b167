//! The host record of a state: its permissions and its providers.
//!
//! Invariants:
//! - The record lives in the registry under [`HOST_KEY`] as a userdata holding a
//!   [`HostServices`]. A state without it, or whose entry a script replaced (the registry is
//!   reachable through `debug.getregistry`), is granted nothing: tampering can only take
//!   rights away. `luna_stdlib::open_libs` installs a record granting everything when none
//!   exists, which is what `lua` scripts expect; hosts that sandbox install theirs first or
//!   replace it afterwards with [`State::set_permissions`].
//! - Every path a check sees is absolute and resolved by the active file-system backend
//!   (`fs.rs`); rule paths were resolved once, when the permissions were installed.
//! - When the built-in backend is active and every access of the kinds an operation needs is
//!   allowed, the path goes to the backend untouched ([`FsPath::Plain`]): no resolution cost,
//!   and exactly `lua`'s behaviour.

use std::path::{Path, PathBuf};

use super::crypto::CryptoBackend;
use super::fs::{FsBackend, FsPath, StdFs};
use super::net::NetBackend;
use super::permissions::{PermissionKind, Permissions};
use super::{path_of, HostError, HostResult};
use crate::state::State;
use crate::userdata::UserData;
use crate::value::Value;

/// The registry key of the host record.
pub const HOST_KEY: &str = "_LUNA_HOST";

/// Which provider a library needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderKind {
    FileSystem,
    Network,
    Crypto,
}

impl ProviderKind {
    /// The word in messages (`network provider not loaded`).
    pub fn describe(self) -> &'static str {
        match self {
            ProviderKind::FileSystem => "file-system",
            ProviderKind::Network => "network",
            ProviderKind::Crypto => "crypto",
        }
    }

    /// The provider module loaded for this kind when none is installed.
    pub fn default_module(self) -> &'static str {
        match self {
            ProviderKind::FileSystem => "fs",
            ProviderKind::Network => "net",
            ProviderKind::Crypto => "crypto",
        }
    }
}

/// A state's permissions and providers.
pub struct HostServices {
    pub(crate) permissions: Permissions,
    pub(crate) fs: Box<dyn FsBackend>,
    pub(crate) net: Option<Box<dyn NetBackend>>,
    pub(crate) crypto: Option<Box<dyn CryptoBackend>>,
    /// Directories searched for provider modules when a library needs a provider that is not
    /// installed; `None`: providers are never loaded on demand.
    pub(crate) provider_dirs: Option<Vec<PathBuf>>,
    /// Why loading a provider on demand failed (reported again, not retried).
    pub(crate) provider_failures: Vec<(ProviderKind, String)>,
    /// Files the host itself named (the command line's script): chunks read from them come
    /// from the real disk, unchecked, whatever the provider and the permissions.
    pub(crate) host_files: Vec<Vec<u8>>,
}

/// A path ready for a backend: plain, or resolved and checked.
pub(crate) struct ReadyPath {
    path: PathBuf,
    /// The granted directory the access must stay below; `None` for a plain path.
    beneath: Option<PathBuf>,
}

impl ReadyPath {
    pub(crate) fn fs(&self) -> FsPath<'_> {
        match &self.beneath {
            Some(b) => FsPath::Checked {
                path: &self.path,
                beneath: b,
            },
            None => FsPath::Plain(&self.path),
        }
    }
}

impl HostServices {
    /// A record granting `permissions`, with the built-in file system and no other provider.
    pub fn new(permissions: Permissions) -> HostServices {
        let mut h = HostServices {
            permissions: Permissions::none(),
            fs: Box::new(StdFs),
            net: None,
            crypto: None,
            provider_dirs: None,
            provider_failures: Vec::new(),
            host_files: Vec::new(),
        };
        h.set_permissions(permissions);
        h
    }

    /// Installs permissions, resolving their paths with the active file-system backend.
    pub(crate) fn set_permissions(&mut self, mut p: Permissions) {
        let fs = &mut self.fs;
        p.resolve_paths(&mut |path: &Path| fs.resolve(path, true));
        self.permissions = p;
    }

    /// Prepares `raw` (as the script wrote it) for an operation needing `kinds`: returns it
    /// untouched when nothing is restricted, else resolved (following the last component when
    /// `follow_last`) and checked.
    pub(crate) fn ready_path(
        &mut self,
        raw: &[u8],
        kinds: &[PermissionKind],
        follow_last: bool,
    ) -> HostResult<ReadyPath> {
        let builtin = self.fs.name() == "std";
        if builtin && kinds.iter().all(|&k| self.permissions.allows_all(k)) {
            return Ok(ReadyPath {
                path: path_of(raw).to_path_buf(),
                beneath: None,
            });
        }
        // C's paths end at the first NUL byte; an empty path names nothing.
        let raw_cut = &raw[..raw.iter().position(|&c| c == 0).unwrap_or(raw.len())];
        if raw_cut.is_empty() {
            return Err(HostError::from_errno(super::fs::ENOENT));
        }
        let p = path_of(raw_cut);
        let abs = if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.fs.current_dir()?.join(p)
        };
        let resolved = self.fs.resolve(&abs, follow_last);
        let mut beneath = PathBuf::from("/");
        for &k in kinds {
            let grant = self
                .permissions
                .check_path(k, raw_cut, &resolved)
                .map_err(|d| HostError::denied(&d))?;
            // Both grants cover the path, so one lies below the other: keep the deeper.
            if grant.components().count() > beneath.components().count() {
                beneath = grant;
            }
        }
        // A grant of the path itself (a file): confine to its directory.
        if beneath == resolved {
            beneath = resolved
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from("/"));
        }
        Ok(ReadyPath {
            path: resolved,
            beneath: Some(beneath),
        })
    }

    pub(crate) fn check_env(&self, name: &str) -> HostResult<()> {
        self.permissions
            .check_env(name)
            .map_err(|d| HostError::denied(&d))
    }

    pub(crate) fn check_run(&self, command: &[u8]) -> HostResult<()> {
        self.permissions
            .check_run(command)
            .map_err(|d| HostError::denied(&d))
    }

    pub(crate) fn check_net(&self, host: &str, port: Option<u16>) -> HostResult<()> {
        self.permissions
            .check_net(host, port)
            .map_err(|d| HostError::denied(&d))
    }

    /// The error of a library whose provider is missing.
    pub(crate) fn not_loaded(&self, kind: ProviderKind) -> HostError {
        let why = match self.provider_failures.iter().find(|(k, _)| *k == kind) {
            Some((_, why)) => why.clone(),
            None if self.provider_dirs.is_none() => {
                "the host installed none; the command line loads it from the native module path"
                    .to_string()
            }
            None => format!(
                "no '{}' module on the native module path",
                kind.default_module()
            ),
        };
        let mut e = HostError::new(format!("{} provider not loaded ({})", kind.describe(), why));
        e.denied = true;
        e
    }
}

impl State {
    /// Runs `f` on the host record, or on a record granting nothing when there is none.
    pub fn with_host<R>(&mut self, f: impl FnOnce(&mut HostServices) -> R) -> R {
        let mut f = Some(f);
        if let Some(u) = self.host_record() {
            // The record is not reachable from `f`'s code: nothing else borrows it meanwhile.
            if let Some(r) =
                UserData::with_mut::<HostServices, R>(u, |h| (f.take().expect("called once"))(h))
            {
                return r;
            }
        }
        let mut nothing = HostServices::new(Permissions::none());
        (f.take().expect("not called yet"))(&mut nothing)
    }

    fn host_record(&mut self) -> Option<crate::gc::Gc<UserData>> {
        let reg = self.registry();
        match self.raw_get_str(reg, HOST_KEY) {
            Value::UserData(u) if u.downcast_ref::<HostServices>().is_some() => Some(u),
            _ => None,
        }
    }

    /// Whether a host record is installed.
    pub fn has_host(&mut self) -> bool {
        self.host_record().is_some()
    }

    /// Installs a host record granting `permissions` if the state has none (what the
    /// standard libraries do when opened: `lua`'s behaviour is everything granted).
    pub fn ensure_host(&mut self, permissions: Permissions) {
        if !self.has_host() {
            self.install_host(HostServices::new(permissions));
        }
    }

    /// Replaces the host record.
    pub fn install_host(&mut self, host: HostServices) {
        let u = self.new_userdata(Box::new(host), 0);
        let reg = self.registry();
        self.raw_set_str(reg, HOST_KEY, Value::UserData(u));
    }

    /// Replaces the state's permissions (installing a host record if there is none).
    pub fn set_permissions(&mut self, permissions: Permissions) {
        if self.has_host() {
            self.with_host(|h| h.set_permissions(permissions));
        } else {
            self.install_host(HostServices::new(permissions));
        }
    }

    /// The state's permissions (nothing granted when no host record is installed).
    pub fn permissions(&mut self) -> Permissions {
        self.with_host(|h| h.permissions.clone())
    }

    /// Installs a file-system backend; the permissions' paths are resolved again with it.
    pub fn set_fs_backend(&mut self, fs: Box<dyn FsBackend>) {
        self.ensure_host(Permissions::none());
        self.with_host(|h| {
            h.fs = fs;
            let p = std::mem::take(&mut h.permissions);
            h.set_permissions(p);
        });
    }

    /// The active file-system backend's name (`std` for the built-in one).
    pub fn fs_backend_name(&mut self) -> String {
        self.with_host(|h| h.fs.name().to_string())
    }

    /// Installs a network backend.
    pub fn set_net_backend(&mut self, net: Box<dyn NetBackend>) {
        self.ensure_host(Permissions::none());
        self.with_host(|h| h.net = Some(net));
    }

    /// Installs a crypto backend.
    pub fn set_crypto_backend(&mut self, crypto: Box<dyn CryptoBackend>) {
        self.ensure_host(Permissions::none());
        self.with_host(|h| h.crypto = Some(crypto));
    }

    /// Declares a file the host itself loads as a chunk (the command line's script): reading
    /// it with `host_read_file` bypasses the provider and the permissions.
    pub fn add_host_file(&mut self, path: &[u8]) {
        self.ensure_host(Permissions::none());
        let p = path.to_vec();
        self.with_host(|h| h.host_files.push(p));
    }

    /// Lets libraries load missing providers from `dirs` on first use (the command line
    /// passes the native module path); `None` turns it off.
    pub fn set_provider_dirs(&mut self, dirs: Option<Vec<PathBuf>>) {
        self.ensure_host(Permissions::none());
        self.with_host(|h| h.provider_dirs = dirs);
    }
}
