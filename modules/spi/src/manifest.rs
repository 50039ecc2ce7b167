//! What a module says about itself: the manifest.
//!
//! Invariants: the manifest is static data a module fills in at compile time (the
//! `export_module!` macro writes it). `Provides` and `Permissions` are bit sets in `u32`
//! newtypes so later versions can add bits without changing the layout.

use std::fmt;

use abi_stable::std_types::RStr;
use abi_stable::StableAbi;

/// Which services a module offers.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Provides(pub u32);

impl Provides {
    /// Nothing.
    pub const NONE: Provides = Provides(0);
    /// A `FileSystem` provider.
    pub const FS: Provides = Provides(1);
    /// A `Network` provider.
    pub const NET: Provides = Provides(2);
    /// A `Crypto` provider.
    pub const CRYPTO: Provides = Provides(4);
    /// A table of native functions (a third-party module for `require`).
    pub const FUNCTIONS: Provides = Provides(8);

    /// True if every bit of `other` is set in `self`.
    pub const fn contains(self, other: Provides) -> bool {
        self.0 & other.0 == other.0
    }

    /// The union of two sets.
    pub const fn union(self, other: Provides) -> Provides {
        Provides(self.0 | other.0)
    }
}

impl std::ops::BitOr for Provides {
    type Output = Provides;
    fn bitor(self, rhs: Provides) -> Provides {
        self.union(rhs)
    }
}

impl fmt::Debug for Provides {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = [
            (Self::FS, "fs"),
            (Self::NET, "net"),
            (Self::CRYPTO, "crypto"),
            (Self::FUNCTIONS, "functions"),
        ];
        let list: Vec<&str> = names
            .iter()
            .filter(|(p, _)| self.contains(*p))
            .map(|(_, n)| *n)
            .collect();
        write!(f, "Provides({})", list.join("|"))
    }
}

/// Permissions, as the kernel grants them (`--allow-read` ...). A manifest lists the ones a
/// module may need; [`crate::CallContext::check_permission`] asks about one.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Permissions(pub u32);

impl Permissions {
    /// None.
    pub const NONE: Permissions = Permissions(0);
    /// Reading files and listing directories (target: a path).
    pub const READ: Permissions = Permissions(1);
    /// Creating, writing, renaming and removing files (target: a path).
    pub const WRITE: Permissions = Permissions(2);
    /// Network access (target: `host` or `host:port`).
    pub const NET: Permissions = Permissions(4);
    /// Reading environment variables (target: the variable's name).
    pub const ENV: Permissions = Permissions(8);
    /// Running subprocesses (target: the command).
    pub const RUN: Permissions = Permissions(16);

    /// True if every bit of `other` is set in `self`.
    pub const fn contains(self, other: Permissions) -> bool {
        self.0 & other.0 == other.0
    }

    /// The union of two sets.
    pub const fn union(self, other: Permissions) -> Permissions {
        Permissions(self.0 | other.0)
    }

    /// The names of the permissions in the set, as the CLI spells them.
    pub fn names(self) -> Vec<&'static str> {
        let names = [
            (Self::READ, "read"),
            (Self::WRITE, "write"),
            (Self::NET, "net"),
            (Self::ENV, "env"),
            (Self::RUN, "run"),
        ];
        names
            .iter()
            .filter(|(p, _)| self.contains(*p))
            .map(|(_, n)| *n)
            .collect()
    }
}

impl std::ops::BitOr for Permissions {
    type Output = Permissions;
    fn bitor(self, rhs: Permissions) -> Permissions {
        self.union(rhs)
    }
}

impl fmt::Debug for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Permissions({})", self.names().join("|"))
    }
}

/// A module's description of itself.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug)]
pub struct Manifest {
    /// The module's name: the name `require` finds it under (`luna_<name>` or `<name>` as the
    /// file stem, see docs/native-modules.md).
    pub name: RStr<'static>,
    /// The module's own version (free text, semver recommended).
    pub version: RStr<'static>,
    /// One line for people.
    pub description: RStr<'static>,
    /// Which services the module offers.
    pub provides: Provides,
    /// Which permissions the module may ask the kernel about or need to be useful.
    pub permissions: Permissions,
}
