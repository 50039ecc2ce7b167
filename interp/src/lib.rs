//! luna's kernel: values, the garbage-collected heap, the compiler from syntax tree to
//! bytecode, and the register VM.
//!
//! `unsafe` code lives in the heap (`gc/`), the value layouts (`value.rs`, `string.rs`,
//! `table.rs`, `function.rs`, `thread.rs`, `userdata.rs`), the state's primitives
//! (`state.rs`, `call.rs`) and the VM loop (`vm/`); every block says why it is sound.

pub mod api;
pub mod call;
pub mod compiler;
pub mod debug;
pub mod debug_api;
pub mod embed_api;
pub mod disasm;
pub mod dump;
pub mod error;
pub mod function;
pub mod gc;
pub mod host;
pub mod load;
pub mod meta;
pub mod number;
pub mod numfmt;
pub mod opcodes;
pub mod proto;
pub mod state;
pub mod string;
pub mod table;
pub mod thread;
pub mod userdata;
pub mod value;
mod vm;

pub use error::{LimitKind, LuaError, LuaResult};
pub use function::NativeFn;
pub use gc::Gc;
pub use state::{CallStatus, Continuation, State};
pub use value::{LuaType, Value};
