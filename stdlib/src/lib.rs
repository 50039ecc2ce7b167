//! The Lua 5.4 standard libraries, written against the kernel's public API.

pub mod base;
pub mod coroutine;
pub mod crypto;
pub mod debug;
pub mod format;
pub mod fs;
pub mod io;
pub mod lfs;
pub mod math;
pub mod net;
pub mod os;
pub mod package;
pub mod ostime;
pub mod pack;
pub mod pattern;
pub mod table;
pub mod string;
pub mod utf8;
pub mod util;

#[cfg(test)]
mod testutil;

use luna_interp::{LuaResult, State, Value};

/// Registers a library value as global `name` and in `package.loaded`.
pub fn register_lib(st: &mut State, name: &str, lib: Value) {
    let loaded = loaded_table(st);
    st.raw_set_str(loaded, name, lib);
    st.set_global(name, lib);
}

/// The registry's `_LOADED` table (`package.loaded`), created on first use.
pub fn loaded_table(st: &mut State) -> luna_interp::Gc<luna_interp::table::Table> {
    registry_table(st, "_LOADED")
}

/// The registry table at `name`, created on first use (C's `luaL_getsubtable`).
pub(crate) fn registry_table(
    st: &mut State,
    name: &str,
) -> luna_interp::Gc<luna_interp::table::Table> {
    let reg = st.registry();
    match st.raw_get_str(reg, name) {
        Value::Table(t) => t,
        _ => {
            let t = st.new_table();
            st.raw_set_str(reg, name, Value::Table(t));
            t
        }
    }
}

/// Opens every standard library into the state's globals.
pub fn open_libs(st: &mut State) -> LuaResult<()> {
    open_libs_with(st, false)
}

/// Opens every standard library; `ignore_env` makes them ignore environment variables such as
/// `LUA_PATH` (the command line's `-E`).
pub fn open_libs_with(st: &mut State, ignore_env: bool) -> LuaResult<()> {
    // Unless the host installed its own, everything is granted, as under `lua`.
    st.ensure_host(luna_interp::host::Permissions::all());
    base::open(st)?;
    let g = Value::Table(st.globals());
    let loaded = loaded_table(st);
    st.raw_set_str(loaded, "_G", g);
    let package = package::open_package(st, ignore_env)?;
    register_lib(st, "package", package);
    let co = coroutine::open(st)?;
    register_lib(st, "coroutine", co);
    let table = table::open(st)?;
    register_lib(st, "table", table);
    let io = io::open(st)?;
    register_lib(st, "io", io);
    let os = os::open(st)?;
    register_lib(st, "os", os);
    let math = math::open(st)?;
    register_lib(st, "math", math);
    let string = string::open(st)?;
    register_lib(st, "string", string);
    let utf8 = utf8::open(st)?;
    register_lib(st, "utf8", utf8);
    let debug = debug::open(st)?;
    register_lib(st, "debug", debug);
    // luna's resource libraries: `require "fs"` etc. (not globals, so `_G` stays Lua's).
    preload(st, "fs", fs::open);
    preload(st, "net", net::open);
    preload(st, "crypto", crypto::open);
    // lfs is a C library for PUC-Lua: found by the native searcher, after Lua files, so a
    // `lfs.lua` on `package.path` takes precedence as it would there.
    builtin_native(st, "lfs", lfs::open);
    Ok(())
}

/// The registry table of native libraries built into luna that `require` finds where
/// PUC-Lua would find a C library: the native searcher looks here before `package.cpath`.
pub(crate) const BUILTIN_NATIVE: &str = "_LUNA_BUILTIN_NATIVE";

/// Makes the native searcher find `opener` for `require(name)`.
pub fn builtin_native(st: &mut State, name: &str, opener: luna_interp::NativeFn) {
    let t = registry_table(st, BUILTIN_NATIVE);
    st.raw_set_str(t, name, Value::Native(opener));
}

/// Makes `require(name)` call `opener` (a `package.preload` entry).
pub fn preload(st: &mut State, name: &str, opener: luna_interp::NativeFn) {
    let t = registry_table(st, "_PRELOAD");
    st.raw_set_str(t, name, Value::Native(opener));
}
