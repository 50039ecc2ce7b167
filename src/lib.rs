//! luna: a Lua 5.4 implementation in Rust, and its embedding API.
//!
//! This crate is what host programs depend on. [`Lua`] owns a state; every operation is a
//! method of [`LuaState`] (which `Lua` dereferences to, and which Rust callbacks receive), in
//! the spirit of [mlua](https://docs.rs/mlua).
//!
//! # Running code
//!
//! ```
//! use luna::Lua;
//!
//! let mut lua = Lua::new(); // the standard libraries are open
//! lua.load("x = 6 * 7").set_name("=setup").exec()?;
//! let x: i64 = lua.get_global("x")?;
//! assert_eq!(x, 42);
//! // `eval` takes an expression (or statements ending in `return`).
//! let (a, b): (String, f64) = lua.load("'sum', 1.5 + x").eval()?;
//! assert_eq!((a.as_str(), b), ("sum", 43.5));
//! # Ok::<(), luna::Error>(())
//! ```
//!
//! # Values and handles
//!
//! Rust values convert to and from Lua with [`IntoLua`]/[`FromLua`] (numbers, strings,
//! booleans, `Option`, `Vec`, `HashMap`, tuples for several values...). Lua tables,
//! functions, userdata and coroutines are held through handles ([`Table`], [`Function`],
//! [`AnyUserData`], [`Thread`]) that keep their object alive until dropped. Handle methods
//! take the state explicitly:
//!
//! ```
//! use luna::{Lua, Table};
//!
//! let mut lua = Lua::new();
//! let t = lua.create_table()?;
//! t.set(&mut lua, "name", "luna")?;
//! t.push(&mut lua, 10)?;
//! lua.set_global("config", &t)?;
//! lua.load("config[#config + 1] = 20").exec()?;
//! assert_eq!(t.sequence_values::<i64>(&mut lua)?, vec![10, 20]);
//! let name: String = t.get(&mut lua, "name")?;
//! assert_eq!(name, "luna");
//! # Ok::<(), luna::Error>(())
//! ```
//!
//! # Rust functions
//!
//! ```
//! use luna::{Lua, LuaState, Variadic};
//!
//! let mut lua = Lua::new();
//! let add = lua.create_function(|_: &mut LuaState, (a, b): (i64, i64)| Ok(a + b))?;
//! lua.set_global("add", add)?;
//! let sum = lua.create_function(|_, xs: Variadic<f64>| Ok(xs.iter().sum::<f64>()))?;
//! lua.set_global("sum", sum)?;
//! assert_eq!(lua.load("add(2, 3) + sum(1, 2, 3)").eval::<f64>()?, 11.0);
//!
//! // A wrong argument is a Lua error, worded as Lua's own.
//! let err = lua.load("add(1, {})").exec().unwrap_err();
//! assert!(err.to_string().contains("bad argument #2 to 'add' (number expected, got table)"));
//! # Ok::<(), luna::Error>(())
//! ```
//!
//! A callback's `Err` is raised as a Lua error that scripts can catch with `pcall`; a panic
//! in a callback is a bug, not a Lua error: it stops the script and resumes in the host at
//! the call that entered Lua.
//!
//! # Errors
//!
//! ```
//! use luna::{Error, Lua};
//!
//! let mut lua = Lua::new();
//! match lua.load("local t = nil; return t.x").set_name("=demo").exec() {
//!     Err(Error::Runtime { message, traceback }) => {
//!         assert_eq!(message, "demo:1: attempt to index a nil value (local 't')");
//!         assert!(traceback.unwrap().starts_with("stack traceback:"));
//!     }
//!     other => panic!("{other:?}"),
//! }
//! // Syntax errors say whether more input could complete the chunk (for REPLs).
//! match lua.load("if x then").exec() {
//!     Err(Error::Syntax { incomplete_input, .. }) => assert!(incomplete_input),
//!     other => panic!("{other:?}"),
//! }
//! ```
//!
//! # Limits and threads
//!
//! A state can move to another thread ([`Lua`] is `Send`). [`LuaState::interrupt_handle`]
//! stops running code from another thread, [`LuaState::set_instruction_limit`] bounds each
//! call; both end the script with [`Error::Limit`], which `pcall` cannot catch, and leave
//! the state usable.
//!
//! ```
//! use luna::{Error, LimitKind, Lua};
//!
//! let mut lua = Lua::new();
//! lua.set_instruction_limit(Some(10_000));
//! let r = lua.load("while true do pcall(type, 1) end").exec();
//! assert!(matches!(r, Err(Error::Limit(LimitKind::Instructions))));
//! lua.set_instruction_limit(None);
//! assert_eq!(lua.load("1 + 1").eval::<i64>()?, 2);
//! # Ok::<(), luna::Error>(())
//! ```
//!
//! # Permissions
//!
//! [`Lua::new`] opens every standard library but grants no permission: scripts compute,
//! print and use strings, tables and coroutines, while `io.open`, `os.getenv`, `require`
//! of files and the like fail until the host grants access with
//! [`LuaState::set_permissions`] (or creates the state with [`Lua::with_permissions`]).
//! The `debug` library, as in PUC-Lua, can break assumptions other code makes (it reaches
//! the registry and any function's upvalues); remove it for untrusted scripts
//! (`lua.set_global("debug", None::<bool>)`).
//!
//! ```
//! use luna::{Lua, Permissions};
//!
//! let mut lua = Lua::new();
//! assert!(lua.load("io.open('/etc/hostname')").exec().is_err());
//! lua.set_permissions(Permissions::none().allow_read("/etc"));
//! lua.load("local f = io.open('/etc/hostname')").exec()?;
//! # Ok::<(), luna::Error>(())
//! ```
//!
//! See [`UserData`] for Rust types with methods, and [`Thread`] for coroutines.

mod chunk;
mod conversion;
mod error;
mod function;
mod state;
mod table;
mod thread;
mod userdata;
mod value;

pub use chunk::{AsChunk, Chunk, ChunkMode};
pub use conversion::{FromLua, FromLuaMulti, IntoLua, IntoLuaMulti, StackIndex};
pub use error::{Error, ExternalError, ExternalResult, LimitKind, Result};
pub use luna_interp::host::{PermissionKind, Permissions};
pub use state::{InterruptHandle, Lua, LuaState};
pub use thread::ThreadStatus;
pub use userdata::{MetaMethod, UserData, UserDataFields, UserDataMethods, UserDataRegistry};
pub use value::{
    AnyUserData, Function, LightUserData, LuaString, LuaValue, MultiValue, RegistryKey, Table,
    Thread, Variadic,
};

/// The kernel and the grammar, for what the embedding API does not cover.
pub use luna_grammar as grammar;
pub use luna_interp as interp;
