//! Rust values as Lua userdata, with methods, metamethods and fields (in the manner of
//! mlua's `UserData`).
//!
//! Invariants:
//! - A userdata made by this API holds a `UserDataBox<T>`: the value in an
//!   `Rc<RefCell<T>>`. Methods borrow it dynamically (a method running `&mut self` excludes
//!   every other borrow; violations are errors, not panics); the trampoline holds an `Rc`
//!   clone while the method runs, so the value outlives the call whatever the script does.
//! - The metatable is built once per Rust type (the first time a value of that type is
//!   made) and kept in a permanent handle: `__name` is the type's name, `__index` serves
//!   methods, field getters and a custom `__index`, `__newindex` field setters and a custom
//!   `__newindex`.
//! - There is no `__gc`: the kernel drops the Rust value when it frees the userdata (a panic
//!   in that `Drop` resumes in the host, as callback panics do).

use std::any::TypeId;
use std::cell::{Ref as CellRef, RefCell, RefMut};
use std::marker::PhantomData;
use std::rc::Rc;

use luna_interp::table::Table as RawTable;
use luna_interp::{Gc, LuaResult, State, Value};

use crate::conversion::{bad_argument, FromLua, FromLuaMulti, IntoLua, IntoLuaMulti, StackIndex};
use crate::error::{Error, Result};
use crate::state::{LuaState, PanicGuarded, RawCallback};
use crate::value::{AnyUserData, LuaValue, Table};

/// A Rust type that Lua code can hold as a userdata. Implement `add_methods` (and
/// `add_fields`) to give it methods, metamethods and fields.
///
/// ```
/// use luna::{Lua, MetaMethod, UserData, UserDataFields, UserDataMethods};
///
/// #[derive(Clone, Copy)]
/// struct Vec2(f64, f64);
///
/// impl UserData for Vec2 {
///     fn add_fields(fields: &mut UserDataFields<Self>) {
///         fields.add_field_method_get("x", |_, v| Ok(v.0));
///         fields.add_field_method_set("x", |_, v, x: f64| {
///             v.0 = x;
///             Ok(())
///         });
///     }
///     fn add_methods(methods: &mut UserDataMethods<Self>) {
///         methods.add_method("length", |_, v, ()| Ok(v.0.hypot(v.1)));
///         methods.add_meta_method(MetaMethod::Add, |_, a, b: Vec2| Ok(Vec2(a.0 + b.0, a.1 + b.1)));
///     }
/// }
///
/// let mut lua = Lua::new();
/// lua.set_global("v", Vec2(3.0, 4.0)).unwrap();
/// let n: f64 = lua.load("return (v + v).x + v:length()").eval().unwrap();
/// assert_eq!(n, 11.0);
/// ```
pub trait UserData: Sized + Send + 'static {
    /// Registers fields (`obj.name` reads and writes).
    fn add_fields(_fields: &mut UserDataFields<Self>) {}

    /// Registers methods (`obj:name(...)`) and metamethods.
    fn add_methods(_methods: &mut UserDataMethods<Self>) {}
}

/// Metamethods a userdata type can define.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetaMethod {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Unm,
    IDiv,
    BAnd,
    BOr,
    BXor,
    BNot,
    Shl,
    Shr,
    Concat,
    Len,
    Eq,
    Lt,
    Le,
    Index,
    NewIndex,
    Call,
    ToString,
    Close,
    Pairs,
}

impl MetaMethod {
    /// The metatable key (`"__add"`...).
    pub fn name(self) -> &'static str {
        match self {
            MetaMethod::Add => "__add",
            MetaMethod::Sub => "__sub",
            MetaMethod::Mul => "__mul",
            MetaMethod::Div => "__div",
            MetaMethod::Mod => "__mod",
            MetaMethod::Pow => "__pow",
            MetaMethod::Unm => "__unm",
            MetaMethod::IDiv => "__idiv",
            MetaMethod::BAnd => "__band",
            MetaMethod::BOr => "__bor",
            MetaMethod::BXor => "__bxor",
            MetaMethod::BNot => "__bnot",
            MetaMethod::Shl => "__shl",
            MetaMethod::Shr => "__shr",
            MetaMethod::Concat => "__concat",
            MetaMethod::Len => "__len",
            MetaMethod::Eq => "__eq",
            MetaMethod::Lt => "__lt",
            MetaMethod::Le => "__le",
            MetaMethod::Index => "__index",
            MetaMethod::NewIndex => "__newindex",
            MetaMethod::Call => "__call",
            MetaMethod::ToString => "__tostring",
            MetaMethod::Close => "__close",
            MetaMethod::Pairs => "__pairs",
        }
    }
}

/// What a userdata made by this API holds.
pub(crate) struct UserDataBox<T>(PanicGuarded<Rc<RefCell<T>>>);

/// Collects a userdata type's methods, metamethods and fields (see [`UserData`]).
pub struct UserDataRegistry<T> {
    name: String,
    methods: Vec<(String, Box<RawCallback>)>,
    meta: Vec<(MetaMethod, Box<RawCallback>)>,
    getters: Vec<(String, Box<RawCallback>)>,
    setters: Vec<(String, Box<RawCallback>)>,
    _type: PhantomData<fn() -> T>,
}

/// The registry as [`UserData::add_methods`] receives it.
pub type UserDataMethods<T> = UserDataRegistry<T>;
/// The registry as [`UserData::add_fields`] receives it.
pub type UserDataFields<T> = UserDataRegistry<T>;

/// The last path segment of a type's name ("Vec2" for `my_crate::geometry::Vec2`).
pub(crate) fn short_type_name<T>() -> String {
    let full = std::any::type_name::<T>();
    let head_end = full.find('<').unwrap_or(full.len());
    let head = &full[..head_end];
    let start = head.rfind("::").map(|i| i + 2).unwrap_or(0);
    full[start..].to_string()
}

/// The Rust value of the userdata at `idx`, if it is a `T`.
fn userdata_cell<T: 'static>(
    lua: &mut LuaState,
    idx: Option<StackIndex>,
) -> Result<Rc<RefCell<T>>> {
    let v = idx.map(|i| lua.raw_at(i)).unwrap_or(Value::Nil);
    if let Value::UserData(u) = v {
        if let Some(b) = u.downcast_ref::<UserDataBox<T>>() {
            if let Some(rc) = b.0.value.as_ref() {
                return Ok(rc.clone());
            }
        }
    }
    let from = if idx.is_none() {
        "no value".to_string()
    } else {
        lua.0.type_name_of(v)
    };
    Err(Error::from_conversion(from, short_type_name::<T>(), None))
}

/// `self` (argument 1) of a method call.
fn method_self<T: 'static>(lua: &mut LuaState, nargs: usize) -> Result<Rc<RefCell<T>>> {
    let idx = if nargs >= 1 {
        Some(lua.arg_base())
    } else {
        None
    };
    userdata_cell::<T>(lua, idx).map_err(|e| bad_argument(Some(1), e))
}

impl<T: UserData> UserDataRegistry<T> {
    fn new() -> UserDataRegistry<T> {
        UserDataRegistry {
            name: short_type_name::<T>(),
            methods: Vec::new(),
            meta: Vec::new(),
            getters: Vec::new(),
            setters: Vec::new(),
            _type: PhantomData,
        }
    }

    /// The type name Lua sees (`__name`: error messages, `tostring`); the Rust type's
    /// name by default.
    pub fn set_name(&mut self, name: impl Into<String>) {
        self.name = name.into();
    }

    fn method_callback<A, R, M>(method: M) -> Box<RawCallback>
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        M: Fn(&mut LuaState, &T, A) -> Result<R> + Send + 'static,
    {
        Box::new(move |lua: &mut LuaState, nargs: usize| {
            let this = method_self::<T>(lua, nargs)?;
            let base = lua.arg_base();
            let args = A::from_stack_multi(
                lua,
                StackIndex(base.0 + 1),
                nargs.saturating_sub(1),
                Some(2),
            )?;
            let r = {
                let guard = this.try_borrow().map_err(|_| Error::UserDataBorrowError)?;
                method(lua, &guard, args)?
            };
            r.push_into_stack_multi(lua)
        })
    }

    fn method_mut_callback<A, R, M>(method: M) -> Box<RawCallback>
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        M: Fn(&mut LuaState, &mut T, A) -> Result<R> + Send + 'static,
    {
        Box::new(move |lua: &mut LuaState, nargs: usize| {
            let this = method_self::<T>(lua, nargs)?;
            let base = lua.arg_base();
            let args = A::from_stack_multi(
                lua,
                StackIndex(base.0 + 1),
                nargs.saturating_sub(1),
                Some(2),
            )?;
            let r = {
                let mut guard = this
                    .try_borrow_mut()
                    .map_err(|_| Error::UserDataBorrowMutError)?;
                method(lua, &mut guard, args)?
            };
            r.push_into_stack_multi(lua)
        })
    }

    fn function_callback<A, R, F>(f: F) -> Box<RawCallback>
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&mut LuaState, A) -> Result<R> + Send + 'static,
    {
        Box::new(move |lua: &mut LuaState, nargs: usize| {
            let base = lua.arg_base();
            let args = A::from_stack_multi(lua, base, nargs, Some(1))?;
            f(lua, args)?.push_into_stack_multi(lua)
        })
    }

    /// A method `obj:name(args)` reading the value.
    pub fn add_method<A, R, M>(&mut self, name: impl Into<String>, method: M)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        M: Fn(&mut LuaState, &T, A) -> Result<R> + Send + 'static,
    {
        self.methods
            .push((name.into(), Self::method_callback(method)));
    }

    /// A method `obj:name(args)` changing the value.
    pub fn add_method_mut<A, R, M>(&mut self, name: impl Into<String>, method: M)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        M: Fn(&mut LuaState, &mut T, A) -> Result<R> + Send + 'static,
    {
        self.methods
            .push((name.into(), Self::method_mut_callback(method)));
    }

    /// A function `obj.name(args)` (no implicit `self`; take an [`AnyUserData`] argument to
    /// get it).
    pub fn add_function<A, R, F>(&mut self, name: impl Into<String>, f: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&mut LuaState, A) -> Result<R> + Send + 'static,
    {
        self.methods.push((name.into(), Self::function_callback(f)));
    }

    /// A metamethod whose first operand is the value (for binary operators, use
    /// [`add_meta_function`](Self::add_meta_function) when the value may be the right
    /// operand).
    pub fn add_meta_method<A, R, M>(&mut self, meta: MetaMethod, method: M)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        M: Fn(&mut LuaState, &T, A) -> Result<R> + Send + 'static,
    {
        self.meta.push((meta, Self::method_callback(method)));
    }

    /// A metamethod that changes the value (`__call`, `__close`...).
    pub fn add_meta_method_mut<A, R, M>(&mut self, meta: MetaMethod, method: M)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        M: Fn(&mut LuaState, &mut T, A) -> Result<R> + Send + 'static,
    {
        self.meta.push((meta, Self::method_mut_callback(method)));
    }

    /// A metamethod taking all operands as arguments.
    pub fn add_meta_function<A, R, F>(&mut self, meta: MetaMethod, f: F)
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&mut LuaState, A) -> Result<R> + Send + 'static,
    {
        self.meta.push((meta, Self::function_callback(f)));
    }

    /// A field `obj.name` computed by reading the value.
    pub fn add_field_method_get<R, M>(&mut self, name: impl Into<String>, getter: M)
    where
        R: IntoLua,
        M: Fn(&mut LuaState, &T) -> Result<R> + Send + 'static,
    {
        let cb =
            Self::method_callback(move |lua: &mut LuaState, this: &T, (): ()| getter(lua, this));
        self.getters.push((name.into(), cb));
    }

    /// Assignment `obj.name = v` changing the value.
    pub fn add_field_method_set<A, M>(&mut self, name: impl Into<String>, setter: M)
    where
        A: FromLua,
        M: Fn(&mut LuaState, &mut T, A) -> Result<()> + Send + 'static,
    {
        let cb = Self::method_mut_callback(move |lua: &mut LuaState, this: &mut T, v: A| {
            setter(lua, this, v)
        });
        self.setters.push((name.into(), cb));
    }

    /// A constant field `obj.name`.
    pub fn add_field<V>(&mut self, name: impl Into<String>, value: V)
    where
        V: IntoLua + Clone + Send + 'static,
    {
        let cb = Self::function_callback(move |_: &mut LuaState, _: LuaValue| Ok(value.clone()));
        self.getters.push((name.into(), cb));
    }

    /// Builds the metatable (on the stack top, rooted there).
    fn build(self, lua: &mut LuaState) -> Result<Gc<RawTable>> {
        let mt = lua.0.new_table();
        lua.push_raw(Value::Table(mt))?;
        let name = lua.0.str_value(self.name.as_bytes());
        lua.0.raw_set_str(mt, "__name", name);
        let new_table_of =
            |lua: &mut LuaState, entries: Vec<(String, Box<RawCallback>)>| -> Result<Value> {
                if entries.is_empty() {
                    return Ok(Value::Nil);
                }
                let t = lua.0.new_table_with(0, entries.len());
                lua.push_raw(Value::Table(t))?;
                for (name, cb) in entries {
                    let f = lua.callback_value(cb);
                    lua.0.raw_set_str(t, &name, f);
                }
                Ok(Value::Table(t))
            };
        let methods = new_table_of(lua, self.methods)?;
        let getters = new_table_of(lua, self.getters)?;
        let setters = new_table_of(lua, self.setters)?;
        let mut custom_index = Value::Nil;
        let mut custom_newindex = Value::Nil;
        for (meta, cb) in self.meta {
            let f = lua.callback_value(cb);
            lua.push_raw(f)?;
            match meta {
                MetaMethod::Index => custom_index = f,
                MetaMethod::NewIndex => custom_newindex = f,
                other => lua.0.raw_set_str(mt, other.name(), f),
            }
        }
        if getters.is_nil() && custom_index.is_nil() {
            if !methods.is_nil() {
                lua.0.raw_set_str(mt, "__index", methods);
            }
        } else {
            let f = lua
                .0
                .new_native_closure(userdata_index, vec![methods, getters, custom_index]);
            lua.0.raw_set_str(mt, "__index", Value::NativeClosure(f));
        }
        if !setters.is_nil() || !custom_newindex.is_nil() {
            let f = lua
                .0
                .new_native_closure(userdata_newindex, vec![setters, custom_newindex, name]);
            lua.0.raw_set_str(mt, "__newindex", Value::NativeClosure(f));
        }
        Ok(mt)
    }
}

/// `__index` of userdata types with fields or a custom `__index`: upvalues are the methods
/// table, the getters table and the custom `__index` (each may be nil).
fn userdata_index(st: &mut State) -> LuaResult<usize> {
    let key = st.arg(2);
    if let Value::Table(methods) = st.upvalue(1) {
        let m = methods.get(key);
        if !m.is_nil() {
            st.push(m);
            return Ok(1);
        }
    }
    if let Value::Table(getters) = st.upvalue(2) {
        let g = getters.get(key);
        if !g.is_nil() {
            st.call_value(g, &[st.arg(1)], 1)?;
            return Ok(1);
        }
    }
    match st.upvalue(3) {
        Value::Nil => st.push_nil(),
        Value::Table(t) => {
            let v = st.index(Value::Table(t), key)?;
            st.push(v);
        }
        f => {
            st.call_value(f, &[st.arg(1), key], 1)?;
        }
    }
    Ok(1)
}

/// `__newindex` of userdata types with field setters or a custom `__newindex`: upvalues are
/// the setters table, the custom `__newindex` and the type name.
fn userdata_newindex(st: &mut State) -> LuaResult<usize> {
    let key = st.arg(2);
    if let Value::Table(setters) = st.upvalue(1) {
        let s = setters.get(key);
        if !s.is_nil() {
            st.call_value(s, &[st.arg(1), st.arg(3)], 0)?;
            return Ok(0);
        }
    }
    match st.upvalue(2) {
        Value::Nil => {
            let key_text = match key {
                Value::Str(s) => s.to_string_lossy(),
                other => format!("{:?}", other),
            };
            let type_name = match st.upvalue(3) {
                Value::Str(s) => s.to_string_lossy(),
                _ => "userdata".to_string(),
            };
            Err(st.error(&format!(
                "cannot assign to field '{}' of {}",
                key_text, type_name
            )))
        }
        Value::Table(t) => {
            st.set_index(Value::Table(t), key, st.arg(3))?;
            Ok(0)
        }
        f => {
            st.call_value(f, &[st.arg(1), key, st.arg(3)], 0)?;
            Ok(0)
        }
    }
}

impl LuaState {
    /// The metatable of userdata of type `T` (built the first time).
    fn userdata_metatable<T: UserData>(&mut self) -> Result<Gc<RawTable>> {
        let (extra, _) = self.ctx();
        let existing = extra
            .borrow()
            .type_metatables
            .get(&TypeId::of::<T>())
            .cloned();
        if let Some(r) = existing {
            if let Ok(Value::Table(t)) = self.ref_value(&r) {
                return Ok(t);
            }
        }
        let mut reg = UserDataRegistry::<T>::new();
        T::add_fields(&mut reg);
        T::add_methods(&mut reg);
        self.preserve(|lua| {
            let mt = reg.build(lua)?;
            let r = lua.new_ref(Value::Table(mt));
            let (extra, _) = lua.ctx();
            extra
                .borrow_mut()
                .type_metatables
                .insert(TypeId::of::<T>(), r);
            Ok(mt)
        })
    }

    /// Makes a userdata of `data` and pushes it.
    pub(crate) fn push_userdata<T: UserData>(&mut self, data: T) -> Result<()> {
        let mt = self.userdata_metatable::<T>()?;
        let slot = self.panic_slot();
        let cell = Rc::new(RefCell::new(data));
        let u = self
            .0
            .new_userdata(Box::new(UserDataBox(PanicGuarded::new(cell, slot))), 1);
        self.0.set_userdata_metatable(u, Some(mt));
        self.push_raw(Value::UserData(u))
    }

    /// A userdata holding `data`, with the methods, metamethods and fields `T` defines.
    pub fn create_userdata<T: UserData>(&mut self, data: T) -> Result<AnyUserData> {
        self.preserve(|lua| {
            lua.push_userdata(data)?;
            let v = lua.raw_at(lua.top_index());
            Ok(AnyUserData(lua.new_ref(v)))
        })
    }
}

impl AnyUserData {
    fn raw(&self, lua: &LuaState) -> Result<Gc<luna_interp::userdata::UserData>> {
        match lua.ref_value(&self.0)? {
            Value::UserData(u) => Ok(u),
            _ => Err(Error::MismatchedState),
        }
    }

    fn cell<'a, T: 'static>(&'a self, lua: &'a LuaState) -> Result<&'a RefCell<T>> {
        let u = self.raw(lua)?;
        let b = u
            .downcast_ref::<UserDataBox<T>>()
            .ok_or_else(|| Error::UserDataTypeMismatch(short_type_name::<T>()))?;
        let rc =
            b.0.value
                .as_ref()
                .ok_or_else(|| Error::UserDataTypeMismatch(short_type_name::<T>()))?;
        let cell: *const RefCell<T> = &**rc;
        // SAFETY: the cell lives in an `Rc` allocation owned by the userdata, which this
        // handle keeps alive for 'a: the handle cannot be dropped while borrowed, and while
        // `lua` is borrowed no Lua code can run and the state cannot be dropped, so the
        // userdata can be neither collected nor changed.
        Ok(unsafe { &*cell })
    }

    /// Whether the userdata holds a `T`.
    pub fn is<T: 'static>(&self, lua: &LuaState) -> bool {
        self.cell::<T>(lua).is_ok()
    }

    /// Borrows the Rust value; fails if it is not a `T` or is mutably borrowed (by a
    /// running `&mut self` method).
    pub fn borrow<'a, T: 'static>(&'a self, lua: &'a LuaState) -> Result<CellRef<'a, T>> {
        self.cell::<T>(lua)?
            .try_borrow()
            .map_err(|_| Error::UserDataBorrowError)
    }

    /// Borrows the Rust value mutably; fails if it is not a `T` or is borrowed.
    pub fn borrow_mut<'a, T: 'static>(&'a self, lua: &'a LuaState) -> Result<RefMut<'a, T>> {
        self.cell::<T>(lua)?
            .try_borrow_mut()
            .map_err(|_| Error::UserDataBorrowMutError)
    }

    /// Sets the userdata's user value (any Lua value kept alive with it).
    pub fn set_user_value(&self, lua: &mut LuaState, v: impl IntoLua) -> Result<()> {
        lua.preserve(|lua| {
            v.push_into_stack(lua)?;
            let u = self.raw(lua)?;
            let val = lua.raw_at(lua.top_index());
            if lua.0.set_user_value(u, 1, val) {
                Ok(())
            } else {
                Err(Error::runtime("userdata has no user value"))
            }
        })
    }

    /// The userdata's user value.
    pub fn user_value<V: FromLua>(&self, lua: &mut LuaState) -> Result<V> {
        lua.preserve(|lua| {
            let u = self.raw(lua)?;
            let v = u.user_values().first().copied().unwrap_or(Value::Nil);
            lua.push_raw(v)?;
            V::from_stack(lua, lua.top_index())
        })
    }

    /// The userdata's metatable.
    pub fn metatable(&self, lua: &mut LuaState) -> Result<Option<Table>> {
        let u = self.raw(lua)?;
        Ok(u.metatable().map(|m| Table(lua.new_ref(Value::Table(m)))))
    }
}

/// A `UserData` value becomes a new userdata.
impl<T: UserData> IntoLua for T {
    fn into_lua(self, lua: &mut LuaState) -> Result<LuaValue> {
        lua.create_userdata(self).map(LuaValue::UserData)
    }
    fn push_into_stack(self, lua: &mut LuaState) -> Result<()> {
        lua.push_userdata(self)
    }
}

/// A userdata holding a `T` converts to a copy of the value.
impl<T: UserData + Clone> FromLua for T {
    fn from_lua(value: LuaValue, lua: &mut LuaState) -> Result<T> {
        match value {
            LuaValue::UserData(u) => {
                let v = u.borrow::<T>(lua).map_err(|e| match e {
                    Error::UserDataTypeMismatch(_) => {
                        Error::from_conversion("userdata", short_type_name::<T>(), None)
                    }
                    other => other,
                })?;
                Ok(v.clone())
            }
            other => Err(Error::from_conversion(
                other.type_name(),
                short_type_name::<T>(),
                None,
            )),
        }
    }
    fn from_stack(lua: &mut LuaState, idx: StackIndex) -> Result<T> {
        let cell = userdata_cell::<T>(lua, Some(idx))?;
        let v = cell.try_borrow().map_err(|_| Error::UserDataBorrowError)?;
        Ok(v.clone())
    }
}
