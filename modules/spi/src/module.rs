//! The module root: what a native module exports, and the rules that keep old modules
//! loadable.
//!
//! Invariants:
//! - The root is an abi_stable prefix type. Fields up to and including the one marked
//!   `#[sabi(last_prefix_field)]` (`spi_version`, `manifest`) are present in every module
//!   ever built; every later field may be missing in a module built against an older
//!   `luna-spi`, so its accessor returns `Option` and the kernel treats a missing field as
//!   "not provided". New fields are only ever appended at the end.
//! - abi_stable checks at load time that the module's root layout is a compatible prefix of
//!   the kernel's; a changed field type, a reordered field or a removed field is refused.
//! - [`SPI_VERSION`] numbers the semantics of the interfaces. The kernel accepts modules with
//!   `MIN_SPI_VERSION <= spi_version <= SPI_VERSION` (see [`check_spi_version`]).
//! - The crate version of `luna-spi` is the ABI epoch: abi_stable refuses types from a
//!   different major version (for 0.x, a different minor), so it stays `1.x` for as long as
//!   the prefix above is kept.

use abi_stable::library::RootModule;
use abi_stable::sabi_types::VersionStrings;
use abi_stable::std_types::{ROption, RSlice};
use abi_stable::StableAbi;

use crate::crypto::CryptoBox;
use crate::error::SpiResult;
use crate::fs::FileSystemBox;
use crate::manifest::Manifest;
use crate::net::NetworkBox;
use crate::value::NativeFunction;

/// The version of the service provider interfaces' semantics this crate defines. Bump it
/// when a change keeps the layout but changes what calls mean; a kernel refuses modules
/// newer than itself.
pub const SPI_VERSION: u32 = 1;

/// The oldest `spi_version` a kernel built from this crate still accepts.
pub const MIN_SPI_VERSION: u32 = 1;

/// A module's root. Build it with [`crate::export_module!`] (or by hand, as the test
/// fixtures do) and export it with `#[export_root_module]`.
#[repr(C)]
#[derive(StableAbi)]
#[sabi(kind(Prefix(prefix_ref = LunaModuleRef)))]
#[sabi(missing_field(option))]
pub struct LunaModule {
    /// The [`SPI_VERSION`] the module was built against.
    pub spi_version: u32,
    /// What the module is and offers.
    #[sabi(last_prefix_field)]
    pub manifest: Manifest,
    /// True once the module has panicked: the kernel must not call it again.
    pub is_poisoned: extern "C" fn() -> bool,
    /// Creates the module's file system provider, if it has one.
    pub filesystem: ROption<extern "C" fn() -> SpiResult<FileSystemBox>>,
    /// Creates the module's network provider, if it has one.
    pub network: ROption<extern "C" fn() -> SpiResult<NetworkBox>>,
    /// Creates the module's crypto provider, if it has one.
    pub crypto: ROption<extern "C" fn() -> SpiResult<CryptoBox>>,
    /// The module's native functions (empty if none): `require` returns a table of them.
    pub functions: RSlice<'static, NativeFunction>,
}

impl RootModule for LunaModuleRef {
    abi_stable::declare_root_module_statics! {LunaModuleRef}
    const BASE_NAME: &'static str = "luna_module";
    const NAME: &'static str = "luna native module";
    const VERSION_STRINGS: VersionStrings = VersionStrings::new(ROOT_VERSION);
}

/// The version abi_stable compares when loading (major must match). Kept separate from the
/// crate version so workspace releases do not make old modules unloadable.
pub const ROOT_VERSION: &str = "1.0.0";

/// Checks a module's `spi_version` against this kernel's range.
pub fn check_spi_version(found: u32) -> Result<(), String> {
    if found > SPI_VERSION {
        Err(format!(
            "module needs SPI version {found}, but this luna supports versions {MIN_SPI_VERSION} to {SPI_VERSION}"
        ))
    } else if found < MIN_SPI_VERSION {
        Err(format!(
            "module was built for SPI version {found}, older than the oldest this luna supports ({MIN_SPI_VERSION})"
        ))
    } else {
        Ok(())
    }
}

/// The parts of a root the kernel uses, read with the missing-field rules applied.
#[derive(Clone, Copy, Debug)]
pub struct ModuleInfo {
    /// The root itself.
    pub root: LunaModuleRef,
    /// Its manifest.
    pub manifest: Manifest,
    /// Its SPI version.
    pub spi_version: u32,
}

impl ModuleInfo {
    /// Reads a root (no checks beyond what abi_stable did).
    pub fn new(root: LunaModuleRef) -> ModuleInfo {
        ModuleInfo {
            root,
            manifest: root.manifest(),
            spi_version: root.spi_version(),
        }
    }

    /// True if the module has panicked (a module without the flag never reports it).
    pub fn is_poisoned(&self) -> bool {
        self.root.is_poisoned().map(|f| f()).unwrap_or(false)
    }

    /// The file system constructor, if the module has one.
    pub fn filesystem(&self) -> Option<extern "C" fn() -> SpiResult<FileSystemBox>> {
        self.root.filesystem().and_then(|o| o.into_option())
    }

    /// The network constructor, if the module has one.
    pub fn network(&self) -> Option<extern "C" fn() -> SpiResult<NetworkBox>> {
        self.root.network().and_then(|o| o.into_option())
    }

    /// The crypto constructor, if the module has one.
    pub fn crypto(&self) -> Option<extern "C" fn() -> SpiResult<CryptoBox>> {
        self.root.crypto().and_then(|o| o.into_option())
    }

    /// The native functions (empty for a module without the field).
    pub fn functions(&self) -> &'static [NativeFunction] {
        self.root.functions().map(|s| s.as_slice()).unwrap_or(&[])
    }
}

impl std::fmt::Debug for LunaModuleRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LunaModuleRef({:?})", self.manifest().name)
    }
}
