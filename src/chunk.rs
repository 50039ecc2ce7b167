//! Loading and running chunks of Lua code: `lua.load(src).set_name("=main").exec()`.

use std::borrow::Cow;

use luna_interp::{LuaError, Value};

use crate::conversion::{FromLuaMulti, IntoLuaMulti};
use crate::error::Result;
use crate::state::LuaState;
use crate::value::{Function, Table};

/// Source text (or a precompiled chunk) that [`LuaState::load`] accepts.
pub trait AsChunk<'a> {
    fn source(self) -> Cow<'a, [u8]>;
}

impl<'a> AsChunk<'a> for &'a str {
    fn source(self) -> Cow<'a, [u8]> {
        Cow::Borrowed(self.as_bytes())
    }
}

impl<'a> AsChunk<'a> for &'a String {
    fn source(self) -> Cow<'a, [u8]> {
        Cow::Borrowed(self.as_bytes())
    }
}

impl<'a> AsChunk<'a> for String {
    fn source(self) -> Cow<'a, [u8]> {
        Cow::Owned(self.into_bytes())
    }
}

impl<'a> AsChunk<'a> for &'a [u8] {
    fn source(self) -> Cow<'a, [u8]> {
        Cow::Borrowed(self)
    }
}

impl<'a> AsChunk<'a> for Vec<u8> {
    fn source(self) -> Cow<'a, [u8]> {
        Cow::Owned(self)
    }
}

/// Which kinds of chunk `load` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChunkMode {
    Text,
    Binary,
    TextOrBinary,
}

/// A chunk being prepared: name it, give it an environment, then run or compile it.
#[must_use = "a chunk does nothing until it is run with exec, eval, call or into_function"]
pub struct Chunk<'lua, 'a> {
    lua: &'lua mut LuaState,
    source: Cow<'a, [u8]>,
    name: Option<Vec<u8>>,
    env: Option<Table>,
    mode: ChunkMode,
}

impl LuaState {
    /// Prepares a chunk of Lua source (or a precompiled chunk).
    pub fn load<'lua, 'a>(&'lua mut self, source: impl AsChunk<'a>) -> Chunk<'lua, 'a> {
        Chunk {
            lua: self,
            source: source.source(),
            name: None,
            env: None,
            mode: ChunkMode::TextOrBinary,
        }
    }
}

impl<'lua, 'a> Chunk<'lua, 'a> {
    /// The chunk name, as Lua's `load` takes it: `"=name"` shows as `name` in messages,
    /// `"@file.lua"` as `file.lua`, anything else as `[string "..."]`. The default is the
    /// source text itself.
    pub fn set_name(mut self, name: impl AsRef<[u8]>) -> Self {
        self.name = Some(name.as_ref().to_vec());
        self
    }

    /// The table the chunk sees as its globals (`_ENV`) instead of the global table.
    pub fn set_environment(mut self, env: Table) -> Self {
        self.env = Some(env);
        self
    }

    /// Which kinds of chunk to accept (both by default).
    pub fn set_mode(mut self, mode: ChunkMode) -> Self {
        self.mode = mode;
        self
    }

    /// Runs the chunk, discarding its results.
    pub fn exec(self) -> Result<()> {
        self.call(())
    }

    /// Evaluates the chunk as an expression (`return <source>`) if it is one, else runs it
    /// as statements; converts the results.
    pub fn eval<R: FromLuaMulti>(self) -> Result<R> {
        let Chunk {
            lua,
            source,
            name,
            env,
            mode,
        } = self;
        if mode != ChunkMode::Binary && source.first() != Some(&luna_interp::load::BINARY_SIGNATURE)
        {
            let mut expr = b"return ".to_vec();
            expr.extend_from_slice(&source);
            let name = name.clone().unwrap_or_else(|| source.to_vec());
            if let Ok(f) = compile(lua, &expr, &name, mode, env.as_ref()) {
                return f.call(lua, ());
            }
        }
        Chunk {
            lua,
            source,
            name,
            env,
            mode,
        }
        .call(())
    }

    /// Runs the chunk with `args` (its `...`) and converts its results.
    pub fn call<R: FromLuaMulti>(self, args: impl IntoLuaMulti) -> Result<R> {
        let Chunk {
            lua,
            source,
            name,
            env,
            mode,
        } = self;
        let name = name.unwrap_or_else(|| source.to_vec());
        let f = compile(lua, &source, &name, mode, env.as_ref())?;
        f.call(lua, args)
    }

    /// Compiles the chunk into a function without running it.
    pub fn into_function(self) -> Result<Function> {
        let name = self.name.unwrap_or_else(|| self.source.to_vec());
        compile(self.lua, &self.source, &name, self.mode, self.env.as_ref())
    }
}

fn compile(
    lua: &mut LuaState,
    source: &[u8],
    name: &[u8],
    mode: ChunkMode,
    env: Option<&Table>,
) -> Result<Function> {
    let mode = match mode {
        ChunkMode::Text => "t",
        ChunkMode::Binary => "b",
        ChunkMode::TextOrBinary => "bt",
    };
    let env = match env {
        Some(t) => Some(Value::Table(lua.table_raw(t)?)),
        None => None,
    };
    lua.preserve(|lua| match lua.0.load(source, name, mode, env) {
        Ok(f) => Ok(Function(lua.new_ref(Value::LuaFn(f)))),
        Err(kind) => {
            let v = lua.0.take_error();
            lua.push_raw(v)?;
            let kind = if kind == LuaError::Syntax {
                kind
            } else {
                LuaError::Runtime
            };
            Err(lua.caught_error(kind, v))
        }
    })
}
