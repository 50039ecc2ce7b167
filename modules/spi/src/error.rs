//! The error that crosses the module boundary.
//!
//! Invariants: an [`SpiError`] is plain data (a kind, an errno-like code, a message) so every
//! provider can build one and the kernel can turn it into a Lua error or the
//! `nil, message, code` triple of `io` functions. Kinds are an open set of numbers
//! ([`ErrorKind`] is a `u32` newtype, not an enum), so later SPI versions can add kinds without
//! changing the layout; code that meets an unknown kind treats it as [`ErrorKind::OTHER`].
//! Messages are `strerror`-style text *without* the path ("No such file or directory"): the
//! kernel adds the file name, as PUC-Lua's `luaL_fileresult` does.

use std::fmt;

use abi_stable::std_types::{RResult, RString};
use abi_stable::StableAbi;

/// The result type of every SPI call.
pub type SpiResult<T> = RResult<T, SpiError>;

/// What kind of failure an [`SpiError`] reports.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ErrorKind(pub u32);

macro_rules! kinds {
    ($($(#[$doc:meta])* $name:ident = $value:expr, $errno:expr, $text:expr;)*) => {
        impl ErrorKind {
            $($(#[$doc])* pub const $name: ErrorKind = ErrorKind($value);)*

            /// The kind's name, as in `NOT_FOUND`.
            pub fn name(self) -> &'static str {
                match self.0 {
                    $($value => stringify!($name),)*
                    _ => "OTHER",
                }
            }

            /// The errno value (Linux numbering) conventionally reported for this kind, or 0.
            pub fn default_code(self) -> i32 {
                match self.0 { $($value => $errno,)* _ => 0 }
            }

            /// The `strerror`-style message conventionally reported for this kind.
            pub fn default_message(self) -> &'static str {
                match self.0 { $($value => $text,)* _ => "Unknown error" }
            }
        }
    };
}

kinds! {
    /// Anything not covered by another kind.
    OTHER = 0, 0, "Unknown error";
    /// A file, directory, host or algorithm does not exist.
    NOT_FOUND = 1, 2, "No such file or directory";
    /// The operating system refused the access, or a path led outside its root.
    PERMISSION_DENIED = 2, 13, "Permission denied";
    /// The target already exists.
    ALREADY_EXISTS = 3, 17, "File exists";
    /// An argument is malformed (bad path, unknown mode, wrong key or nonce length...).
    INVALID_INPUT = 4, 22, "Invalid argument";
    /// A path component that must be a directory is not one.
    NOT_A_DIRECTORY = 5, 20, "Not a directory";
    /// A directory was given where a file is required.
    IS_A_DIRECTORY = 6, 21, "Is a directory";
    /// `remove_dir` on a directory with entries.
    DIRECTORY_NOT_EMPTY = 7, 39, "Directory not empty";
    /// Too many symbolic links were met while resolving a path.
    TOO_MANY_LINKS = 8, 40, "Too many levels of symbolic links";
    /// A rename across file systems or devices.
    CROSSES_DEVICES = 9, 18, "Invalid cross-device link";
    /// A blocking operation ran out of time.
    TIMED_OUT = 10, 110, "Connection timed out";
    /// The peer refused the connection.
    CONNECTION_REFUSED = 11, 111, "Connection refused";
    /// The peer reset the connection.
    CONNECTION_RESET = 12, 104, "Connection reset by peer";
    /// The connection was aborted.
    CONNECTION_ABORTED = 13, 103, "Software caused connection abort";
    /// The socket is not connected.
    NOT_CONNECTED = 14, 107, "Transport endpoint is not connected";
    /// The address is already in use.
    ADDR_IN_USE = 15, 98, "Address already in use";
    /// The address cannot be assigned on this machine.
    ADDR_NOT_AVAILABLE = 16, 99, "Cannot assign requested address";
    /// A non-blocking operation would block.
    WOULD_BLOCK = 17, 11, "Resource temporarily unavailable";
    /// The writer on the other side went away.
    BROKEN_PIPE = 18, 32, "Broken pipe";
    /// The data ended before the operation could complete.
    UNEXPECTED_EOF = 19, 0, "Unexpected end of file";
    /// The provider does not implement this operation.
    UNSUPPORTED = 20, 95, "Operation not supported";
    /// The handle was closed before this call.
    CLOSED = 21, 9, "Bad file descriptor";
    /// A host name could not be resolved.
    HOST_NOT_FOUND = 22, 0, "Name or service not known";
    /// AEAD decryption failed: wrong key, nonce, associated data, or tampered ciphertext.
    AUTHENTICATION_FAILED = 23, 0, "authentication failed";
    /// The call panicked inside the module. The module is now poisoned.
    PANICKED = 24, 0, "module panicked";
    /// The module panicked earlier and refuses all further calls.
    POISONED = 25, 0, "module is poisoned by an earlier panic";
    /// A runtime error raised by a native function: the kernel raises `message` as a Lua
    /// error string, with position information, as `luaL_error` does.
    RUNTIME = 26, 0, "runtime error";
    /// A Lua error value is held by the kernel (raised through
    /// `CallContext::error_value`, or coming back from `CallContext::call`); returning this
    /// error from a native function re-raises that exact value.
    LUA_ERROR = 27, 0, "Lua error";
    /// A quota or limit of the kernel was exceeded.
    LIMIT = 28, 0, "limit exceeded";
    /// Interrupted by a signal.
    INTERRUPTED = 29, 4, "Interrupted system call";
    /// The device or file system is full.
    STORAGE_FULL = 30, 28, "No space left on device";
    /// The file system is read-only.
    READ_ONLY = 31, 30, "Read-only file system";
    /// The network is unreachable.
    NETWORK_UNREACHABLE = 32, 101, "Network is unreachable";
    /// The host is unreachable.
    HOST_UNREACHABLE = 33, 113, "No route to host";
    /// A file name is too long.
    NAME_TOO_LONG = 34, 36, "File name too long";
}

impl fmt::Debug for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}({})", self.name(), self.0)
    }
}

/// An error reported across the module boundary. Building one never panics.
#[repr(C)]
#[derive(StableAbi, Clone, PartialEq, Eq)]
pub struct SpiError {
    /// What went wrong, for programs.
    pub kind: ErrorKind,
    /// An errno-like code (Linux numbering) or 0; `io` functions return it as their third
    /// result.
    pub code: i32,
    /// What went wrong, for people, without the file name.
    pub message: RString,
}

impl SpiError {
    /// An error with the kind's conventional code and message.
    pub fn new(kind: ErrorKind) -> Self {
        SpiError {
            kind,
            code: kind.default_code(),
            message: RString::from(kind.default_message()),
        }
    }

    /// An error with the kind's conventional code and the given message.
    pub fn with_message(kind: ErrorKind, message: impl Into<String>) -> Self {
        SpiError {
            kind,
            code: kind.default_code(),
            message: RString::from(message.into()),
        }
    }

    /// A runtime error raised by a native function (`error(message)` with position).
    pub fn runtime(message: impl Into<String>) -> Self {
        SpiError::with_message(ErrorKind::RUNTIME, message)
    }

    /// An invalid-argument error with the given message.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        SpiError::with_message(ErrorKind::INVALID_INPUT, message)
    }

    /// An operation the provider does not implement.
    pub fn unsupported(what: &str) -> Self {
        SpiError::with_message(
            ErrorKind::UNSUPPORTED,
            format!("{what}: operation not supported"),
        )
    }

    /// True for errors that mean the module must not be called again.
    pub fn is_poisoning(&self) -> bool {
        self.kind == ErrorKind::PANICKED || self.kind == ErrorKind::POISONED
    }

    /// The message as a `&str`.
    pub fn message(&self) -> &str {
        self.message.as_str()
    }
}

impl fmt::Debug for SpiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SpiError({:?}, code {}, {:?})",
            self.kind,
            self.code,
            self.message.as_str()
        )
    }
}

impl fmt::Display for SpiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message.as_str())
    }
}

impl std::error::Error for SpiError {}

impl From<std::io::Error> for SpiError {
    /// Maps an I/O error to a kind and keeps the operating system's errno and message (less
    /// std's " (os error N)" suffix).
    fn from(err: std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        let code = err.raw_os_error();
        let kind = match code {
            Some(c) => kind_of_errno(c),
            None => None,
        }
        .unwrap_or(match err.kind() {
            K::NotFound => ErrorKind::NOT_FOUND,
            K::PermissionDenied => ErrorKind::PERMISSION_DENIED,
            K::AlreadyExists => ErrorKind::ALREADY_EXISTS,
            K::InvalidInput | K::InvalidData => ErrorKind::INVALID_INPUT,
            K::NotADirectory => ErrorKind::NOT_A_DIRECTORY,
            K::IsADirectory => ErrorKind::IS_A_DIRECTORY,
            K::DirectoryNotEmpty => ErrorKind::DIRECTORY_NOT_EMPTY,
            K::CrossesDevices => ErrorKind::CROSSES_DEVICES,
            K::TimedOut => ErrorKind::TIMED_OUT,
            K::ConnectionRefused => ErrorKind::CONNECTION_REFUSED,
            K::ConnectionReset => ErrorKind::CONNECTION_RESET,
            K::ConnectionAborted => ErrorKind::CONNECTION_ABORTED,
            K::NotConnected => ErrorKind::NOT_CONNECTED,
            K::AddrInUse => ErrorKind::ADDR_IN_USE,
            K::AddrNotAvailable => ErrorKind::ADDR_NOT_AVAILABLE,
            K::WouldBlock => ErrorKind::WOULD_BLOCK,
            K::BrokenPipe => ErrorKind::BROKEN_PIPE,
            K::UnexpectedEof => ErrorKind::UNEXPECTED_EOF,
            K::Unsupported => ErrorKind::UNSUPPORTED,
            K::Interrupted => ErrorKind::INTERRUPTED,
            K::StorageFull => ErrorKind::STORAGE_FULL,
            K::ReadOnlyFilesystem => ErrorKind::READ_ONLY,
            K::NetworkUnreachable => ErrorKind::NETWORK_UNREACHABLE,
            K::HostUnreachable => ErrorKind::HOST_UNREACHABLE,
            _ => ErrorKind::OTHER,
        });
        let mut message = err.to_string();
        if let Some(c) = code {
            let suffix = format!(" (os error {c})");
            if let Some(stripped) = message.strip_suffix(&suffix) {
                message = stripped.to_string();
            }
        }
        SpiError {
            kind,
            code: code.unwrap_or_else(|| kind.default_code()),
            message: RString::from(message),
        }
    }
}

/// The kind for a Linux errno value, when one fits.
fn kind_of_errno(code: i32) -> Option<ErrorKind> {
    Some(match code {
        2 => ErrorKind::NOT_FOUND,
        1 | 13 => ErrorKind::PERMISSION_DENIED,
        17 => ErrorKind::ALREADY_EXISTS,
        22 => ErrorKind::INVALID_INPUT,
        20 => ErrorKind::NOT_A_DIRECTORY,
        21 => ErrorKind::IS_A_DIRECTORY,
        39 => ErrorKind::DIRECTORY_NOT_EMPTY,
        40 => ErrorKind::TOO_MANY_LINKS,
        18 => ErrorKind::CROSSES_DEVICES,
        110 => ErrorKind::TIMED_OUT,
        111 => ErrorKind::CONNECTION_REFUSED,
        104 => ErrorKind::CONNECTION_RESET,
        103 => ErrorKind::CONNECTION_ABORTED,
        107 => ErrorKind::NOT_CONNECTED,
        98 => ErrorKind::ADDR_IN_USE,
        99 => ErrorKind::ADDR_NOT_AVAILABLE,
        11 => ErrorKind::WOULD_BLOCK,
        32 => ErrorKind::BROKEN_PIPE,
        9 => ErrorKind::CLOSED,
        4 => ErrorKind::INTERRUPTED,
        28 => ErrorKind::STORAGE_FULL,
        30 => ErrorKind::READ_ONLY,
        101 => ErrorKind::NETWORK_UNREACHABLE,
        113 => ErrorKind::HOST_UNREACHABLE,
        36 => ErrorKind::NAME_TOO_LONG,
        95 => ErrorKind::UNSUPPORTED,
        _ => return None,
    })
}
