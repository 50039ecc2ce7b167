//! luna's stable module ABI.
//!
//! A native module is a `cdylib` that exports one [`LunaModule`] root (an abi_stable prefix
//! type) with its [`Manifest`], the [`SPI_VERSION`] it was built against, constructors for
//! the service provider interfaces it implements ([`fs::FileSystem`], [`net::Network`],
//! [`crypto::Crypto`]) and/or a table of [`NativeFunction`]s for `require`.
//!
//! This is the only crate of luna whose public types are abi_stable's. Everything that
//! crosses the boundary is plain data (bytes, integers, floats, text) or an opaque
//! [`Handle`]; no kernel type and no GC pointer ever does. No panic crosses it either: the
//! adapters in [`guard`] and the entry points [`export_module!`] writes catch panics, turn
//! them into [`ErrorKind::PANICKED`] errors and poison the module.
//!
//! Who implements what:
//! - providers implement the plain-Rust traits ([`fs::FsProvider`], [`net::NetProvider`],
//!   [`crypto::CryptoProvider`]) and native functions `fn(&Ctx, &[Value]) -> Result<(),
//!   SpiError>`, and export them with [`export_module!`];
//! - the kernel loads modules ([`loader::load_module`]), calls the ABI trait objects
//!   ([`fs::FileSystemBox`], ...) after its permission checks, and implements
//!   [`CallContext`] for native function calls.
//!
//! See docs/native-modules.md for the guide and the stability rules.

#![allow(non_local_definitions)] // abi_stable's `#[sabi_trait]` expansion
#![warn(missing_docs)]

pub use abi_stable;

pub mod crypto;
pub mod error;
pub mod fs;
pub mod guard;
pub mod loader;
pub mod manifest;
pub mod module;
pub mod native;
pub mod net;
#[cfg(feature = "test-layouts")]
pub mod test_layouts;
pub mod value;

pub use error::{ErrorKind, SpiError, SpiResult};
pub use guard::Poison;
pub use manifest::{Manifest, Permissions, Provides};
pub use module::{
    check_spi_version, legacy, LunaModule, LunaModuleRef, ModuleInfo, RootLayout, MIN_SPI_VERSION,
    SPI_VERSION,
};
pub use native::{call_native, Args};
pub use value::{
    CallContext, CallContext_TO, Ctx, Entry, Handle, KernelCtx, NativeFn, NativeFn2, NativeFunction,
    NativeFunction2, Results, Value, RESULT_SLOTS,
};

/// Exports a module in one macro call: writes its manifest, the panic-guarded entry points
/// and the `#[export_root_module]` root. The crate using it must also depend on
/// `abi_stable` directly (its export attribute names `::abi_stable`).
///
/// ```ignore
/// luna_spi::export_module! {
///     name: "greet",
///     version: "1.0.0",
///     description: "says hello",
///     permissions: [],
///     functions: ["hello" => hello, "shout" => shout],
/// }
/// ```
///
/// Every key after `version` is optional, but the order is fixed: `description`,
/// `permissions` (a list of [`Permissions`] constant names: `READ`, `WRITE`, `NET`, `ENV`,
/// `RUN`), `filesystem`, `network`, `crypto` (each a function returning
/// `Result<impl FsProvider / NetProvider / CryptoProvider, SpiError>`), `functions` (name =>
/// function with signature `fn(&Ctx, &[Value]) -> Result<(), SpiError>`). The manifest's
/// `provides` is computed from the keys present.
///
/// It also defines `pub fn luna_module_root() -> LunaModuleRef`, so an embedder that links
/// the crate as an `rlib` gets the same root without dynamic loading.
///
/// The exported symbol has one fixed name in every module, so two modules linked into the
/// same program clash at link time. A module crate therefore declares a feature
/// `static-link = []`; with it on, the macro leaves the export out (the `cdylib` is then not
/// loadable, the `rlib` links with others). Turn it on only in builds that link modules
/// statically, never in the build that produces the `cdylib`s.
#[macro_export]
macro_rules! export_module {
    (
        name: $name:expr,
        version: $version:expr
        $(, description: $desc:expr)?
        $(, permissions: [$($perm:ident),* $(,)?])?
        $(, filesystem: $fs:expr)?
        $(, network: $net:expr)?
        $(, crypto: $crypto:expr)?
        $(, functions: [$($fname:expr => $func:path),* $(,)?])?
        $(,)?
    ) => {
        #[doc(hidden)]
        static __LUNA_MODULE_POISON: $crate::Poison = $crate::Poison::new();

        #[doc(hidden)]
        extern "C" fn __luna_module_is_poisoned() -> bool {
            __LUNA_MODULE_POISON.is_poisoned()
        }

        #[doc(hidden)]
        static __LUNA_MODULE_FUNCTIONS: &[$crate::NativeFunction] = &[
            $($(
                $crate::NativeFunction {
                    name: $crate::abi_stable::std_types::RStr::from_str($fname),
                    func: {
                        extern "C" fn entry(
                            ctx: $crate::CallContext_TO<'_, $crate::abi_stable::sabi_types::RRef<'_, ()>>,
                            args: $crate::abi_stable::std_types::RSlice<'_, $crate::Value<'_>>,
                        ) -> $crate::SpiResult<()> {
                            let ctx = $crate::Ctx::new(ctx.sabi_reborrow(), None);
                            $crate::call_native(&__LUNA_MODULE_POISON, &ctx, args.as_slice(), $func)
                        }
                        entry
                    },
                },
            )*)?
        ];

        #[doc(hidden)]
        static __LUNA_MODULE_FUNCTIONS2: &[$crate::NativeFunction2] = &[
            $($(
                $crate::NativeFunction2 {
                    name: $crate::abi_stable::std_types::RStr::from_str($fname),
                    func: {
                        extern "C" fn entry(
                            ctx: $crate::CallContext_TO<'_, $crate::abi_stable::sabi_types::RRef<'_, ()>>,
                            args: $crate::abi_stable::std_types::RSlice<'_, $crate::Value<'_>>,
                            results: &$crate::Results,
                        ) -> $crate::SpiResult<()> {
                            let ctx = $crate::Ctx::new(ctx.sabi_reborrow(), Some(results));
                            $crate::call_native(&__LUNA_MODULE_POISON, &ctx, args.as_slice(), $func)
                        }
                        entry
                    },
                },
            )*)?
        ];

        /// The module's root as a dynamic library exports it: the symbol abi_stable's
        /// loader looks for. Left out with the crate's `static-link` feature, so that several
        /// modules can be linked into one program (the symbol's name is fixed).
        #[cfg(not(feature = "static-link"))]
        #[$crate::abi_stable::export_root_module]
        fn __luna_exported_root() -> $crate::LunaModuleRef {
            luna_module_root()
        }

        /// The module's root, as the loader sees it (for static linking: wrap it with
        /// `ModuleInfo::new`).
        pub fn luna_module_root() -> $crate::LunaModuleRef {
            #[allow(unused_mut)]
            let mut provides = $crate::Provides::NONE;
            #[allow(unused_mut)]
            let mut permissions = $crate::Permissions::NONE;
            #[allow(unused_mut, unused_assignments)]
            let mut description = "";
            $( description = $desc; )?
            $($( permissions = permissions.union($crate::Permissions::$perm); )*)?
            #[allow(unused_mut)]
            let mut filesystem = $crate::abi_stable::std_types::ROption::RNone;
            #[allow(unused_mut)]
            let mut network = $crate::abi_stable::std_types::ROption::RNone;
            #[allow(unused_mut)]
            let mut crypto = $crate::abi_stable::std_types::ROption::RNone;
            $(
                extern "C" fn new_filesystem() -> $crate::SpiResult<$crate::fs::FileSystemBox> {
                    $crate::guard::guard(&__LUNA_MODULE_POISON, || {
                        let provider = ($fs)()?;
                        Ok($crate::guard::filesystem_box(provider, &__LUNA_MODULE_POISON))
                    })
                }
                provides = provides.union($crate::Provides::FS);
                filesystem = $crate::abi_stable::std_types::ROption::RSome(
                    new_filesystem as extern "C" fn() -> $crate::SpiResult<$crate::fs::FileSystemBox>,
                );
            )?
            $(
                extern "C" fn new_network() -> $crate::SpiResult<$crate::net::NetworkBox> {
                    $crate::guard::guard(&__LUNA_MODULE_POISON, || {
                        let provider = ($net)()?;
                        Ok($crate::guard::network_box(provider, &__LUNA_MODULE_POISON))
                    })
                }
                provides = provides.union($crate::Provides::NET);
                network = $crate::abi_stable::std_types::ROption::RSome(
                    new_network as extern "C" fn() -> $crate::SpiResult<$crate::net::NetworkBox>,
                );
            )?
            $(
                extern "C" fn new_crypto() -> $crate::SpiResult<$crate::crypto::CryptoBox> {
                    $crate::guard::guard(&__LUNA_MODULE_POISON, || {
                        let provider = ($crypto)()?;
                        Ok($crate::guard::crypto_box(provider, &__LUNA_MODULE_POISON))
                    })
                }
                provides = provides.union($crate::Provides::CRYPTO);
                crypto = $crate::abi_stable::std_types::ROption::RSome(
                    new_crypto as extern "C" fn() -> $crate::SpiResult<$crate::crypto::CryptoBox>,
                );
            )?
            if !__LUNA_MODULE_FUNCTIONS.is_empty() {
                provides = provides.union($crate::Provides::FUNCTIONS);
            }
            let root = $crate::LunaModule {
                spi_version: $crate::SPI_VERSION,
                manifest: $crate::Manifest {
                    name: $crate::abi_stable::std_types::RStr::from_str($name),
                    version: $crate::abi_stable::std_types::RStr::from_str($version),
                    description: $crate::abi_stable::std_types::RStr::from_str(description),
                    provides,
                    permissions,
                },
                is_poisoned: __luna_module_is_poisoned,
                filesystem,
                network,
                crypto,
                functions: $crate::abi_stable::std_types::RSlice::from_slice(__LUNA_MODULE_FUNCTIONS),
                functions2: $crate::abi_stable::std_types::RSlice::from_slice(__LUNA_MODULE_FUNCTIONS2),
            };
            $crate::abi_stable::prefix_type::PrefixTypeTrait::leak_into_prefix(root)
        }
    };
}
