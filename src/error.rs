//! The embedding API's error type.
//!
//! Every error a Lua operation can raise reaches the host as an [`Error`]: syntax errors,
//! runtime errors (string messages with a traceback), error objects of any other type (kept
//! rooted in a [`RegistryKey`]), tripped limits, and errors of the API itself (conversions,
//! userdata borrows). Errors cross back into Lua unchanged when a callback returns them: a
//! Lua error keeps its value, so `pcall` in the script sees what was raised.

use std::fmt;
use std::sync::Arc;

use crate::value::RegistryKey;

pub use luna_interp::LimitKind;

/// The result type of the embedding API.
pub type Result<T> = std::result::Result<T, Error>;

/// An error from Lua or from the embedding API.
#[derive(Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A chunk failed to compile. `incomplete_input` is true when the message ends at
    /// `<eof>`: more input could complete the chunk (what a REPL asks for).
    #[error("{message}")]
    Syntax {
        message: String,
        incomplete_input: bool,
    },

    /// A Lua error whose value is a string (or a number), with the traceback captured where
    /// it was raised when the host (or a callback) called into Lua.
    #[error("{message}{}", traceback.as_ref().map(|t| format!("\n{t}")).unwrap_or_default())]
    Runtime {
        message: String,
        traceback: Option<String>,
    },

    /// A Lua error whose value is not a string: the value itself, kept alive in the registry
    /// (read it with `lua.registry_value::<LuaValue>(&value)`).
    #[error("(error object is a {type_name} value)")]
    Value {
        value: RegistryKey,
        type_name: String,
        traceback: Option<String>,
    },

    /// The allocator refused memory.
    #[error("not enough memory")]
    Memory,

    /// A limit stopped the script: an interrupt, the instruction budget or the memory limit.
    /// Scripts cannot catch these with `pcall`; the state stays usable.
    #[error("{0}")]
    Limit(LimitKind),

    /// A Lua value could not be converted to the Rust type wanted.
    #[error("error converting Lua {from} to {to}{}", message.as_ref().map(|m| format!(" ({m})")).unwrap_or_default())]
    FromLuaConversion {
        from: String,
        to: String,
        message: Option<String>,
    },

    /// A Rust value could not be converted to a Lua value.
    #[error("error converting {from} to Lua {to}{}", message.as_ref().map(|m| format!(" ({m})")).unwrap_or_default())]
    ToLuaConversion {
        from: String,
        to: String,
        message: Option<String>,
    },

    /// An argument of a Rust callback had the wrong type; raised into Lua as
    /// "bad argument #n to 'name' (...)".
    #[error("bad argument #{position} ({})", lua_message(cause))]
    BadArgument { position: usize, cause: Arc<Error> },

    /// An error a Rust callback returned, after it travelled through Lua back to the host:
    /// `message` is what Lua saw (with the position of the Lua code that called the
    /// callback), `cause` the callback's own error (downcast an [`Error::External`] to get
    /// the original error type back).
    #[error("{message}{}", traceback.as_ref().map(|t| format!("\n{t}")).unwrap_or_default())]
    CallbackError {
        message: String,
        traceback: Option<String>,
        cause: Arc<Error>,
    },

    /// A userdata did not hold the Rust type asked for.
    #[error("userdata is not a {0}")]
    UserDataTypeMismatch(String),

    /// The userdata is already mutably borrowed.
    #[error("userdata already mutably borrowed")]
    UserDataBorrowError,

    /// The userdata is already borrowed.
    #[error("userdata already borrowed")]
    UserDataBorrowMutError,

    /// A callback made with `create_function_mut` was called again while running.
    #[error("mutable callback called recursively")]
    RecursiveMutCallback,

    /// A handle was used with a state other than the one that created it.
    #[error("handle used with a Lua state other than its own")]
    MismatchedState,

    /// A Rust callback panicked while this call ran; the panic resumes in the host when
    /// control returns there (this error is only seen by callbacks further up).
    #[error("a Rust callback panicked")]
    CallbackPanicked,

    /// Any other error, from Rust code (callbacks, conversions).
    #[error("{0}")]
    External(Arc<dyn std::error::Error + Send + Sync>),
}

impl Error {
    /// Wraps any error as [`Error::External`].
    pub fn external(e: impl Into<Box<dyn std::error::Error + Send + Sync>>) -> Error {
        Error::External(Arc::from(e.into()))
    }

    /// A runtime error with this message and no traceback (what `error(msg, 0)` raises).
    pub fn runtime(message: impl Into<String>) -> Error {
        Error::Runtime {
            message: message.into(),
            traceback: None,
        }
    }

    /// The traceback captured with the error, if any.
    pub fn traceback(&self) -> Option<&str> {
        match self {
            Error::Runtime { traceback, .. }
            | Error::Value { traceback, .. }
            | Error::CallbackError { traceback, .. } => traceback.as_deref(),
            _ => None,
        }
    }

    /// Downcasts the external error a callback returned (through [`Error::CallbackError`],
    /// [`Error::BadArgument`] or directly).
    pub fn downcast_ref<T: std::error::Error + 'static>(&self) -> Option<&T> {
        match self {
            Error::External(e) => e.downcast_ref::<T>(),
            Error::CallbackError { cause, .. } | Error::BadArgument { cause, .. } => {
                cause.downcast_ref::<T>()
            }
            _ => None,
        }
    }

    pub(crate) fn from_conversion(
        from: impl Into<String>,
        to: impl Into<String>,
        message: Option<String>,
    ) -> Error {
        Error::FromLuaConversion {
            from: from.into(),
            to: to.into(),
            message,
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Syntax {
                message,
                incomplete_input,
            } => f
                .debug_struct("Syntax")
                .field("message", message)
                .field("incomplete_input", incomplete_input)
                .finish(),
            Error::Runtime { message, traceback } => f
                .debug_struct("Runtime")
                .field("message", message)
                .field("traceback", traceback)
                .finish(),
            Error::Value {
                type_name,
                traceback,
                ..
            } => f
                .debug_struct("Value")
                .field("type_name", type_name)
                .field("traceback", traceback)
                .finish(),
            Error::CallbackError { message, cause, .. } => f
                .debug_struct("CallbackError")
                .field("message", message)
                .field("cause", cause)
                .finish(),
            Error::External(e) => f.debug_tuple("External").field(&e.to_string()).finish(),
            other => write!(f, "{other}"),
        }
    }
}

/// The part of a conversion error that goes inside "bad argument #n to 'f' (...)", worded as
/// Lua's own argument checks word it ("number expected, got table").
pub(crate) fn lua_message(e: &Error) -> String {
    match e {
        Error::FromLuaConversion { from, to, message } => match message {
            Some(m) => m.clone(),
            None => format!("{} expected, got {}", lua_expectation(to), from),
        },
        Error::BadArgument { cause, .. } => lua_message(cause),
        Error::Runtime { message, .. } => message.clone(),
        Error::CallbackError { message, .. } => message.clone(),
        other => other.to_string(),
    }
}

/// How Lua's messages name the type a Rust conversion target expects.
fn lua_expectation(to: &str) -> &str {
    match to {
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" | "u8" | "u16" | "u32" | "u64" | "u128"
        | "usize" | "f32" | "f64" | "integer" => "number",
        "String" | "str" | "LuaString" => "string",
        "bool" => "boolean",
        "Table" | "Vec" | "HashMap" | "BTreeMap" => "table",
        "Function" => "function",
        "Thread" => "thread",
        "AnyUserData" => "userdata",
        other => other,
    }
}

/// Converts any error into a Lua error ([`Error::External`]) with `?`.
pub trait ExternalError {
    fn into_lua_err(self) -> Error;
}

impl<E: Into<Box<dyn std::error::Error + Send + Sync>>> ExternalError for E {
    fn into_lua_err(self) -> Error {
        Error::external(self)
    }
}

/// Converts the error of any `Result` into a Lua error with `?`.
pub trait ExternalResult<T> {
    fn into_lua_err(self) -> Result<T>;
}

impl<T, E: ExternalError> ExternalResult<T> for std::result::Result<T, E> {
    fn into_lua_err(self) -> Result<T> {
        self.map_err(|e| e.into_lua_err())
    }
}
