//! Copies of the module root with other layouts, for the loader's test fixtures only
//! (feature `test-layouts`).
//!
//! abi_stable identifies a type by its name and the package that declares it, so a copy of
//! the root must be declared in this package, under the same name, to stand for "the root as
//! an older (or broken) luna-spi declared it". Nothing outside modules/fixtures uses this.

#![allow(missing_docs)]

/// The root with a field of the wrong type (`spi_version` as `u64`): abi_stable must refuse
/// a module exporting it.
pub mod mismatched {
    use abi_stable::library::RootModule;
    use abi_stable::sabi_types::VersionStrings;
    use abi_stable::StableAbi;

    use crate::manifest::Manifest;

    #[repr(C)]
    #[derive(StableAbi)]
    #[sabi(kind(Prefix(prefix_ref = LunaModuleRef)))]
    #[sabi(missing_field(option))]
    pub struct LunaModule {
        pub spi_version: u64,
        #[sabi(last_prefix_field)]
        pub manifest: Manifest,
    }

    impl RootModule for LunaModuleRef {
        abi_stable::declare_root_module_statics! {LunaModuleRef}
        const BASE_NAME: &'static str = "luna_module";
        const NAME: &'static str = "luna native module";
        const VERSION_STRINGS: VersionStrings = VersionStrings::new(crate::module::ROOT_VERSION);
    }
}

/// The root as a later luna-spi might declare it: every current field plus one appended.
/// A module exporting it loads in this kernel, which ignores the field it does not know.
pub mod newer {
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

    #[repr(C)]
    #[derive(StableAbi)]
    #[sabi(kind(Prefix(prefix_ref = LunaModuleRef)))]
    #[sabi(missing_field(option))]
    pub struct LunaModule {
        pub spi_version: u32,
        #[sabi(last_prefix_field)]
        pub manifest: Manifest,
        pub is_poisoned: extern "C" fn() -> bool,
        pub filesystem: ROption<extern "C" fn() -> SpiResult<FileSystemBox>>,
        pub network: ROption<extern "C" fn() -> SpiResult<NetworkBox>>,
        pub crypto: ROption<extern "C" fn() -> SpiResult<CryptoBox>>,
        pub functions: RSlice<'static, NativeFunction>,
        pub functions2: RSlice<'static, NativeFunction2>,
        pub future_field: u64,
    }

    impl RootModule for LunaModuleRef {
        abi_stable::declare_root_module_statics! {LunaModuleRef}
        const BASE_NAME: &'static str = "luna_module";
        const NAME: &'static str = "luna native module";
        const VERSION_STRINGS: VersionStrings = VersionStrings::new("1.1.0");
    }
}
