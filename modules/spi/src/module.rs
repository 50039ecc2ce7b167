//! The module root: what a native module exports, and the rules that keep old modules
//! loadable.
//!
//! Invariants:
//! - The root is an abi_stable prefix type. Fields up to and including the one marked
//!   `#[sabi(last_prefix_field)]` (`spi_version`, `manifest`) are present in every module
//!   ever built; later fields are only ever appended at the end.
//! - abi_stable checks at load time that the module's root layout matches: a changed field
//!   type, a reordered or removed field is refused. A module built against a NEWER luna-spi
//!   (more fields) loads as is: the kernel ignores the fields it does not know. abi_stable
//!   refuses a root with FEWER fields than the loader's type, so a module built against an
//!   OLDER luna-spi is loaded through the older layouts kept in [`legacy`] (the loader tries
//!   them in turn); [`ModuleInfo`] reports a field that layout lacks as "not provided".
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
use crate::value::{NativeFunction, NativeFunction2};

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
    /// Kernels that know `functions2` call those instead when it is not empty.
    pub functions: RSlice<'static, NativeFunction>,
    /// The same functions (same names, same order) with entry points that receive the
    /// call's result buffer ([`crate::Results`]); empty if none. `export_module!` fills both
    /// tables, so a module also runs in kernels older than this field.
    pub functions2: RSlice<'static, NativeFunction2>,
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

/// Which root layout a module was built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RootLayout {
    /// The layout of this luna-spi ([`LunaModule`]) or a newer one (more fields at the end).
    Current,
    /// [`legacy::v1`]: every field up to `functions` (luna-spi 1.0).
    V1,
    /// [`legacy::minimal`]: only `spi_version` and `manifest`.
    Minimal,
}

/// What the kernel reads from a module's root, with the missing-field rules applied: a
/// field the module's layout does not have reads as "not provided".
#[derive(Clone, Copy, Debug)]
pub struct ModuleInfo {
    /// Its manifest.
    pub manifest: Manifest,
    /// Its SPI version.
    pub spi_version: u32,
    /// The root layout it was built with.
    pub layout: RootLayout,
    is_poisoned: Option<extern "C" fn() -> bool>,
    filesystem: Option<extern "C" fn() -> SpiResult<FileSystemBox>>,
    network: Option<extern "C" fn() -> SpiResult<NetworkBox>>,
    crypto: Option<extern "C" fn() -> SpiResult<CryptoBox>>,
    functions: &'static [NativeFunction],
    functions2: &'static [NativeFunction2],
}

impl ModuleInfo {
    /// Reads a root in the current layout (no checks beyond what abi_stable did).
    pub fn new(root: LunaModuleRef) -> ModuleInfo {
        ModuleInfo {
            manifest: root.manifest(),
            spi_version: root.spi_version(),
            layout: RootLayout::Current,
            is_poisoned: root.is_poisoned(),
            filesystem: root.filesystem().and_then(|o| o.into_option()),
            network: root.network().and_then(|o| o.into_option()),
            crypto: root.crypto().and_then(|o| o.into_option()),
            functions: root.functions().map(|s| s.as_slice()).unwrap_or(&[]),
            functions2: root.functions2().map(|s| s.as_slice()).unwrap_or(&[]),
        }
    }

    /// Reads a root in the luna-spi 1.0 layout.
    pub fn from_v1(root: legacy::v1::LunaModuleRef) -> ModuleInfo {
        ModuleInfo {
            manifest: root.manifest(),
            spi_version: root.spi_version(),
            layout: RootLayout::V1,
            is_poisoned: root.is_poisoned(),
            filesystem: root.filesystem().and_then(|o| o.into_option()),
            network: root.network().and_then(|o| o.into_option()),
            crypto: root.crypto().and_then(|o| o.into_option()),
            functions: root.functions().map(|s| s.as_slice()).unwrap_or(&[]),
            functions2: &[],
        }
    }

    /// Reads a root in the minimal layout.
    pub fn from_minimal(root: legacy::minimal::LunaModuleRef) -> ModuleInfo {
        ModuleInfo {
            manifest: root.manifest(),
            spi_version: root.spi_version(),
            layout: RootLayout::Minimal,
            is_poisoned: None,
            filesystem: None,
            network: None,
            crypto: None,
            functions: &[],
            functions2: &[],
        }
    }

    /// True if the module has panicked (a module without the flag never reports it).
    pub fn is_poisoned(&self) -> bool {
        self.is_poisoned.map(|f| f()).unwrap_or(false)
    }

    /// True if the module's root has the poisoned flag at all.
    pub fn has_poison_flag(&self) -> bool {
        self.is_poisoned.is_some()
    }

    /// The file system constructor, if the module has one.
    pub fn filesystem(&self) -> Option<extern "C" fn() -> SpiResult<FileSystemBox>> {
        self.filesystem
    }

    /// The network constructor, if the module has one.
    pub fn network(&self) -> Option<extern "C" fn() -> SpiResult<NetworkBox>> {
        self.network
    }

    /// The crypto constructor, if the module has one.
    pub fn crypto(&self) -> Option<extern "C" fn() -> SpiResult<CryptoBox>> {
        self.crypto
    }

    /// The native functions (empty for a module without the field).
    pub fn functions(&self) -> &'static [NativeFunction] {
        self.functions
    }

    /// The native functions with result-buffer entry points (empty for a module without
    /// the field, or one that left it empty).
    pub fn functions2(&self) -> &'static [NativeFunction2] {
        self.functions2
    }
}

/// Earlier root layouts the loader still accepts. abi_stable refuses a root with fewer
/// fields than the loader's type, so an older module is loaded by trying the current
/// layout first and then each layout here, newest first. When a field is appended to
/// [`LunaModule`], the layout it replaces is copied here (same type name, declared in this
/// package, as abi_stable identifies types by name and package) and the loader learns it.
pub mod legacy {
    /// The root of luna-spi 1.0: every current field up to `functions` (no `functions2`).
    pub mod v1 {
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

        /// The luna-spi 1.0 root.
        #[repr(C)]
        #[derive(StableAbi)]
        #[sabi(kind(Prefix(prefix_ref = LunaModuleRef)))]
        #[sabi(missing_field(option))]
        pub struct LunaModule {
            /// As in the current root.
            pub spi_version: u32,
            /// As in the current root.
            #[sabi(last_prefix_field)]
            pub manifest: Manifest,
            /// As in the current root.
            pub is_poisoned: extern "C" fn() -> bool,
            /// As in the current root.
            pub filesystem: ROption<extern "C" fn() -> SpiResult<FileSystemBox>>,
            /// As in the current root.
            pub network: ROption<extern "C" fn() -> SpiResult<NetworkBox>>,
            /// As in the current root.
            pub crypto: ROption<extern "C" fn() -> SpiResult<CryptoBox>>,
            /// As in the current root.
            pub functions: RSlice<'static, NativeFunction>,
        }

        impl RootModule for LunaModuleRef {
            abi_stable::declare_root_module_statics! {LunaModuleRef}
            const BASE_NAME: &'static str = "luna_module";
            const NAME: &'static str = "luna native module";
            const VERSION_STRINGS: VersionStrings =
                VersionStrings::new(crate::module::ROOT_VERSION);
        }
    }

    /// The minimal root: `spi_version` and `manifest` only, the prefix every module ever
    /// built has. A module with this layout provides nothing callable; it stands for the
    /// oldest root the loader accepts (and is what the `older-root` test fixture exports).
    pub mod minimal {
        use abi_stable::library::RootModule;
        use abi_stable::sabi_types::VersionStrings;
        use abi_stable::StableAbi;

        use crate::manifest::Manifest;

        /// The minimal root.
        #[repr(C)]
        #[derive(StableAbi)]
        #[sabi(kind(Prefix(prefix_ref = LunaModuleRef)))]
        #[sabi(missing_field(option))]
        pub struct LunaModule {
            /// As in the current root.
            pub spi_version: u32,
            /// As in the current root.
            #[sabi(last_prefix_field)]
            pub manifest: Manifest,
        }

        impl RootModule for LunaModuleRef {
            abi_stable::declare_root_module_statics! {LunaModuleRef}
            const BASE_NAME: &'static str = "luna_module";
            const NAME: &'static str = "luna native module";
            const VERSION_STRINGS: VersionStrings =
                VersionStrings::new(crate::module::ROOT_VERSION);
        }
    }
}

impl std::fmt::Debug for LunaModuleRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "LunaModuleRef({:?})", self.manifest().name)
    }
}
