//! Loading chunks: source text through the parser and compiler, binary chunks through the
//! chunk reader, then into heap prototypes and a closure whose first upvalue is `_ENV`.

use std::rc::Rc;

use crate::error::{LuaError, LuaResult};
use crate::function::{LuaClosure, Proto};
use crate::gc::{Gc, GcHeader, ObjKind};
use crate::proto::{Constant, FnProto};
use crate::state::State;
use crate::string::LuaStr;
use crate::value::Value;

/// The first byte of a binary chunk (Lua's `LUA_SIGNATURE` starts with ESC).
pub const BINARY_SIGNATURE: u8 = 0x1b;

impl State {
    /// Compiles a chunk (`load`): `mode` is "t", "b" or "bt"; `env` replaces the global table
    /// as the chunk's `_ENV`. On failure the message is in `error_value`.
    pub fn load(&mut self, chunk: &[u8], chunkname: &[u8], mode: &str, env: Option<Value>) -> LuaResult<Gc<LuaClosure>> {
        let proto = if chunk.first() == Some(&BINARY_SIGNATURE) {
            if !mode.contains('b') {
                return Err(self.load_error(&format!("attempt to load a binary chunk (mode is '{}')", mode)));
            }
            if !self.allow_binary {
                return Err(self.load_error("attempt to load a binary chunk (binary chunks are disabled)"));
            }
            match crate::dump::undump(chunk, chunkname) {
                Ok(p) => p,
                Err(msg) => return Err(self.load_error(&msg)),
            }
        } else {
            if !mode.contains('t') {
                return Err(self.load_error(&format!("attempt to load a text chunk (mode is '{}')", mode)));
            }
            self.compile_source(chunk, chunkname)?
        };
        let proto = Rc::new(proto);
        let mut long_strings = std::collections::HashMap::new();
        let p = self.materialize(&proto, None, &mut long_strings);
        let env = env.unwrap_or(Value::Table(self.globals));
        let nup = p.plain.upvalues.len();
        let mut ups = Vec::with_capacity(nup);
        for j in 0..nup {
            ups.push(self.new_closed_upval(if j == 0 { env } else { Value::Nil }));
        }
        Ok(self.new_lua_closure(p, ups.into_boxed_slice()))
    }

    /// Parses and compiles source text into a plain prototype.
    pub fn compile_source(&mut self, chunk: &[u8], chunkname: &[u8]) -> LuaResult<FnProto> {
        let ast = match luna_grammar::parse_chunk(chunk, chunkname) {
            Ok(a) => a,
            Err(e) => return Err(self.load_error(&e.message)),
        };
        match crate::compiler::compile(&ast, chunkname) {
            Ok(p) => Ok(p),
            Err(e) => Err(self.load_error(&e.message)),
        }
    }

    fn load_error(&mut self, msg: &str) -> LuaError {
        self.error_value = self.str_value(msg);
        LuaError::Syntax
    }

    /// Builds the heap prototype for a plain one (constants become values, nested
    /// prototypes follow).
    /// Equal long-string constants of one chunk become one string object, as PUC-Lua's lexer
    /// shares them.
    pub(crate) fn materialize(
        &mut self,
        p: &Rc<FnProto>,
        source: Option<Gc<LuaStr>>,
        long_strings: &mut std::collections::HashMap<Box<[u8]>, Gc<LuaStr>>,
    ) -> Gc<Proto> {
        let source = match (&p.source, source) {
            (Some(s), Some(prev)) if prev.as_bytes() == &s[..] => Some(prev),
            (Some(s), _) => Some(self.new_str(s)),
            (None, prev) => prev,
        };
        let constants: Box<[Value]> = p
            .constants
            .iter()
            .map(|c| match c {
                Constant::Nil => Value::Nil,
                Constant::Bool(b) => Value::Bool(*b),
                Constant::Int(i) => Value::Int(*i),
                Constant::Float(f) => Value::Float(*f),
                Constant::Str(s) if s.len() <= crate::string::MAX_SHORT_LEN => Value::Str(self.new_str(s)),
                Constant::Str(s) => {
                    if let Some(&shared) = long_strings.get(s) {
                        Value::Str(shared)
                    } else {
                        let v = self.new_str(s);
                        long_strings.insert(s.clone(), v);
                        Value::Str(v)
                    }
                }
            })
            .collect();
        let protos: Box<[Gc<Proto>]> =
            p.protos.iter().map(|sub| self.materialize(sub, source, long_strings)).collect();
        let extra = constants.len() * std::mem::size_of::<Value>()
            + protos.len() * std::mem::size_of::<usize>()
            + p.code.len() * 8;
        self.heap.alloc(
            Proto {
                hdr: GcHeader::new(ObjKind::Proto, 0),
                plain: p.clone(),
                code: p.code.as_ptr(),
                max_stack: p.max_stack,
                num_params: p.num_params,
                is_vararg: p.is_vararg,
                constants,
                protos,
                source,
            },
            extra,
        )
    }
}
