//! Table handles: reads and writes with or without metamethods, length, traversal,
//! metatables.
//!
//! Operations that may call metamethods run as protected calls (an error in `__index` comes
//! back as an [`Error`] and leaves nothing behind); a table without a metatable takes the
//! raw path directly.

use luna_interp::Value;

use crate::conversion::{for_each_raw_pair, FromLua, IntoLua, StackIndex};
use crate::error::{Error, Result};
use crate::state::{op_equals, op_index, op_len, op_newindex, LuaState};
use crate::value::Table;

/// Rejects the keys raw assignment refuses, with Lua's messages.
pub(crate) fn check_key(k: Value) -> Result<()> {
    match k {
        Value::Nil => Err(Error::runtime("index is nil")),
        Value::Float(x) if x.is_nan() => Err(Error::runtime("index is NaN")),
        _ => Ok(()),
    }
}

impl Table {
    /// `t[key]`, with `__index`.
    pub fn get<V: FromLua>(&self, lua: &mut LuaState, key: impl IntoLua) -> Result<V> {
        lua.preserve(|lua| {
            let slot = lua.top();
            lua.push_ref(&self.0)?;
            key.push_into_stack(lua)?;
            let t = lua.table_raw(self)?;
            if t.metatable().is_none() {
                let v = t.get(lua.raw_at(StackIndex(slot + 1)));
                lua.push_raw(v)?;
                return V::from_stack(lua, lua.top_index());
            }
            let func = lua.begin_call(Value::Native(op_index))?;
            let (obj, k) = (
                lua.raw_at(StackIndex(slot)),
                lua.raw_at(StackIndex(slot + 1)),
            );
            lua.push_raw(obj)?;
            lua.push_raw(k)?;
            lua.pcall_raw(func, 1)?;
            V::from_stack(lua, StackIndex(func))
        })
    }

    /// `t[key] = value`, with `__newindex`.
    pub fn set(&self, lua: &mut LuaState, key: impl IntoLua, value: impl IntoLua) -> Result<()> {
        lua.preserve(|lua| {
            let slot = lua.top();
            lua.push_ref(&self.0)?;
            key.push_into_stack(lua)?;
            value.push_into_stack(lua)?;
            let t = lua.table_raw(self)?;
            let (k, v) = (
                lua.raw_at(StackIndex(slot + 1)),
                lua.raw_at(StackIndex(slot + 2)),
            );
            if t.metatable().is_none() {
                check_key(k)?;
                return lua
                    .0
                    .raw_set(t, k, v)
                    .map_err(|_| Error::runtime("invalid table key"));
            }
            lua.call_op(op_newindex, &[Value::Table(t), k, v], 0)?;
            Ok(())
        })
    }

    /// `rawget(t, key)`.
    pub fn raw_get<V: FromLua>(&self, lua: &mut LuaState, key: impl IntoLua) -> Result<V> {
        lua.preserve(|lua| {
            key.push_into_stack(lua)?;
            let t = lua.table_raw(self)?;
            let v = t.get(lua.raw_at(lua.top_index()));
            lua.push_raw(v)?;
            V::from_stack(lua, lua.top_index())
        })
    }

    /// `rawset(t, key, value)`.
    pub fn raw_set(
        &self,
        lua: &mut LuaState,
        key: impl IntoLua,
        value: impl IntoLua,
    ) -> Result<()> {
        lua.preserve(|lua| {
            let slot = lua.top();
            key.push_into_stack(lua)?;
            value.push_into_stack(lua)?;
            let t = lua.table_raw(self)?;
            let (k, v) = (
                lua.raw_at(StackIndex(slot)),
                lua.raw_at(StackIndex(slot + 1)),
            );
            check_key(k)?;
            lua.0
                .raw_set(t, k, v)
                .map_err(|_| Error::runtime("invalid table key"))
        })
    }

    /// Whether `t[key]` (with `__index`) is not nil.
    pub fn contains_key(&self, lua: &mut LuaState, key: impl IntoLua) -> Result<bool> {
        let v: crate::LuaValue = self.get(lua, key)?;
        Ok(!v.is_nil())
    }

    /// `#t`, with `__len`.
    pub fn len(&self, lua: &mut LuaState) -> Result<i64> {
        let t = lua.table_raw(self)?;
        if t.metatable().is_none() {
            return Ok(t.border() as i64);
        }
        lua.preserve(|lua| {
            let func = lua.call_op(op_len, &[Value::Table(t)], 1)?;
            i64::from_stack(lua, StackIndex(func))
        })
    }

    /// `rawlen(t)`: a border of the sequence part.
    pub fn raw_len(&self, lua: &mut LuaState) -> Result<usize> {
        Ok(lua.table_raw(self)?.border() as usize)
    }

    /// Whether the table has no entries at all (raw).
    pub fn is_empty(&self, lua: &mut LuaState) -> Result<bool> {
        let t = lua.table_raw(self)?;
        Ok(matches!(t.next(Value::Nil), Ok(None)))
    }

    /// Appends a value at `#t + 1` (raw).
    pub fn push(&self, lua: &mut LuaState, value: impl IntoLua) -> Result<()> {
        lua.preserve(|lua| {
            value.push_into_stack(lua)?;
            let t = lua.table_raw(self)?;
            let v = lua.raw_at(lua.top_index());
            let n = t.border() as i64;
            lua.0.raw_set_int(t, n.wrapping_add(1), v);
            Ok(())
        })
    }

    /// Removes and returns the value at `#t` (raw).
    pub fn pop<V: FromLua>(&self, lua: &mut LuaState) -> Result<V> {
        lua.preserve(|lua| {
            let t = lua.table_raw(self)?;
            let n = t.border() as i64;
            let v = if n > 0 { t.get_int(n) } else { Value::Nil };
            lua.push_raw(v)?;
            if n > 0 {
                lua.0.raw_set_int(t, n, Value::Nil);
            }
            V::from_stack(lua, lua.top_index())
        })
    }

    /// All key-value pairs (raw traversal, as `next` does; `__pairs` is not used).
    pub fn pairs<K: FromLua, V: FromLua>(&self, lua: &mut LuaState) -> Result<Vec<(K, V)>> {
        let mut out = Vec::new();
        self.for_each(lua, |_, k, v| {
            out.push((k, v));
            Ok(())
        })?;
        Ok(out)
    }

    /// Calls `f` with each key-value pair (raw traversal). `f` must not add keys to the
    /// table (assigning to existing keys, or clearing them, is fine, as with `next`).
    pub fn for_each<K: FromLua, V: FromLua>(
        &self,
        lua: &mut LuaState,
        mut f: impl FnMut(&mut LuaState, K, V) -> Result<()>,
    ) -> Result<()> {
        lua.preserve(|lua| {
            lua.push_ref(&self.0)?;
            let idx = lua.top_index();
            for_each_raw_pair(lua, idx, |lua, k, v| {
                let key = K::from_stack(lua, k)?;
                let val = V::from_stack(lua, v)?;
                f(lua, key, val)
            })
        })
    }

    /// The values `t[1], t[2], ...` up to the first nil (raw).
    pub fn sequence_values<V: FromLua>(&self, lua: &mut LuaState) -> Result<Vec<V>> {
        lua.preserve(|lua| {
            lua.push_ref(&self.0)?;
            Vec::<V>::from_stack(lua, lua.top_index())
        })
    }

    /// Sets (or with `None` removes) the metatable, as `setmetatable` without the
    /// `__metatable` check.
    pub fn set_metatable(&self, lua: &mut LuaState, metatable: Option<&Table>) -> Result<()> {
        let t = lua.table_raw(self)?;
        let mt = match metatable {
            Some(m) => Some(lua.table_raw(m)?),
            None => None,
        };
        lua.0.set_table_metatable(t, mt);
        Ok(())
    }

    /// The metatable, if any (raw: ignores `__metatable`).
    pub fn metatable(&self, lua: &mut LuaState) -> Result<Option<Table>> {
        let t = lua.table_raw(self)?;
        Ok(t.metatable().map(|m| Table(lua.new_ref(Value::Table(m)))))
    }

    /// `self == other` with `__eq`.
    pub fn equals(&self, lua: &mut LuaState, other: &Table) -> Result<bool> {
        lua.preserve(|lua| {
            let a = lua.table_raw(self)?;
            let b = lua.table_raw(other)?;
            let func = lua.call_op(op_equals, &[Value::Table(a), Value::Table(b)], 1)?;
            bool::from_stack(lua, StackIndex(func))
        })
    }
}
