//! Copies of the module root with other layouts, for the loader's test fixtures only
//! (feature `test-layouts`).
//!
//! abi_stable identifies a type by its name and the package that declares it, so a copy of
//! the root must be declared in this package, under the same name, to stand for "the root as
//! an older (or broken) luna-spi declared it". Nothing outside modules/fixtures uses this.

#![allow(missing_docs)]

/// The root as the first prefix declared it: only the fields every module must have. A
/// module exporting this loads; the kernel sees every later field as missing.
pub mod older {
    use abi_stable::library::RootModule;
    use abi_stable::sabi_types::VersionStrings;
    use abi_stable::StableAbi;

    use crate::manifest::Manifest;

    #[repr(C)]
    #[derive(StableAbi)]
    #[sabi(kind(Prefix(prefix_ref = LunaModuleRef)))]
    #[sabi(missing_field(option))]
    pub struct LunaModule {
        pub spi_version: u32,
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
