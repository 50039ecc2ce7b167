//! The package library (manual §6.3): `require`, the searchers, `package.searchpath`.
//!
//! `require` and the searchers are native closures whose first upvalue is the `package` table,
//! so replacing the global `package` does not disturb them (as in Lua). `package.loaded` is the
//! registry's `_LOADED` table and `package.preload` its `_PRELOAD` table. Files are found and
//! read through the kernel's host services, never `std::fs`.
//!
//! Native modules are luna's (stable-ABI modules, see `luna_spi`), not C Lua modules: the
//! C searchers look through `package.cpath` (by default the native module path: the
//! directories of `LUNA_MODULE_PATH`, the executable's directory and `../lib/luna`; then
//! Lua's system-wide `/usr/local/lib/lua/5.4`) and hand
//! a file they find to the kernel's loader, which checks the `native` permission, the
//! module's declared needs and its ABI, then gives the table of the module's functions.

use luna_interp::host::OpenMode;
use luna_interp::table::Table;
use luna_interp::{Gc, LuaResult, State, Value};

use crate::util::Reg;

/// Directory separator, path separator, substitution mark, executable-directory mark and
/// "ignore before" mark, one a line (`package.config`).
pub const CONFIG: &str = "/\n;\n?\n!\n-\n";

/// Where Lua modules are looked for when `LUA_PATH_5_4`/`LUA_PATH` is unset.
pub const DEFAULT_PATH: &str =
    "/usr/local/share/lua/5.4/?.lua;/usr/local/share/lua/5.4/?/init.lua;\
/usr/local/lib/lua/5.4/?.lua;/usr/local/lib/lua/5.4/?/init.lua;./?.lua;./?/init.lua";

/// Opens the package library, reading `LUA_PATH`/`LUA_CPATH` unless the registry field
/// `LUA_NOENV` is true (what `lua -E` sets). Returns the `package` table; `require` becomes
/// a global.
pub fn open(st: &mut State) -> LuaResult<Value> {
    let reg = st.registry();
    let ignore_env = st.raw_get_str(reg, "LUA_NOENV").truthy();
    open_package(st, ignore_env)
}

/// Opens the package library; `ignore_env` makes it use the default paths whatever the
/// environment says (the command line's `-E`). Returns the `package` table and sets the
/// global `require`; the caller registers the table (`register_lib`).
pub fn open_package(st: &mut State, ignore_env: bool) -> LuaResult<Value> {
    let pkg = st.new_table_with(0, 8);
    // Keep the table on the stack while it is being filled.
    st.push(Value::Table(pkg));
    for (name, f) in PKG_FUNCS {
        st.raw_set_str(pkg, name, Value::Native(*f));
    }
    let searchers = st.new_table_with(4, 0);
    st.raw_set_str(pkg, "searchers", Value::Table(searchers));
    for (i, f) in SEARCHERS.iter().enumerate() {
        let c = st.new_native_closure(*f, vec![Value::Table(pkg)]);
        st.raw_set_int(searchers, i as i64 + 1, Value::NativeClosure(c));
    }
    let path = path_value(st, DEFAULT_PATH, "LUA_PATH", ignore_env);
    let v = st.str_value(path);
    st.raw_set_str(pkg, "path", v);
    let default_cpath = luna_interp::host::loader::default_cpath(ignore_env);
    let cpath = path_value(st, &default_cpath, "LUA_CPATH", ignore_env);
    let v = st.str_value(cpath);
    st.raw_set_str(pkg, "cpath", v);
    let v = st.str_value(CONFIG);
    st.raw_set_str(pkg, "config", v);
    let loaded = crate::loaded_table(st);
    st.raw_set_str(pkg, "loaded", Value::Table(loaded));
    let preload = preload_table(st);
    st.raw_set_str(pkg, "preload", Value::Table(preload));
    let require = st.new_native_closure(require, vec![Value::Table(pkg)]);
    st.set_global("require", Value::NativeClosure(require));
    st.pop();
    Ok(Value::Table(pkg))
}

const PKG_FUNCS: &[Reg] = &[("loadlib", loadlib), ("searchpath", searchpath_fn)];

const SEARCHERS: &[luna_interp::NativeFn] =
    &[searcher_preload, searcher_lua, searcher_c, searcher_croot];

/// The registry's `_PRELOAD` table, created on first use.
fn preload_table(st: &mut State) -> Gc<Table> {
    crate::registry_table(st, "_PRELOAD")
}

/// A search path from `<var>_5_4` or `<var>`, with ";;" standing for the default path, or
/// the default (Lua's `setpath`).
fn path_value(st: &mut State, default: &str, var: &str, ignore_env: bool) -> Vec<u8> {
    if ignore_env {
        return default.as_bytes().to_vec();
    }
    let versioned = format!("{}_5_4", var);
    let path = match st
        .host_getenv(versioned.as_bytes())
        .or_else(|| st.host_getenv(var.as_bytes()))
    {
        Some(p) => p,
        None => return default.as_bytes().to_vec(),
    };
    merge_default(&path, default.as_bytes())
}

/// Replaces the first ";;" of `path` by `;default;` (without separators at the ends).
pub fn merge_default(path: &[u8], default: &[u8]) -> Vec<u8> {
    let Some(mark) = path.windows(2).position(|w| w == b";;") else {
        return path.to_vec();
    };
    let mut out = Vec::with_capacity(path.len() + default.len() + 2);
    if mark > 0 {
        out.extend_from_slice(&path[..mark]);
        out.push(b';');
    }
    out.extend_from_slice(default);
    if mark + 2 < path.len() {
        out.push(b';');
        out.extend_from_slice(&path[mark + 2..]);
    }
    out
}

/// Replaces every occurrence of `pat` (non-empty) in `s` by `rep` (`luaL_gsub`).
fn replace_all(s: &[u8], pat: &[u8], rep: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i..].starts_with(pat) {
            out.extend_from_slice(rep);
            i += pat.len();
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// Whether a file can be opened for reading (the file is closed again at once).
fn readable(st: &mut State, path: &[u8]) -> bool {
    st.host_open(path, OpenMode::Read).is_ok()
}

/// Looks for `name` along `path` (Lua's `searchpath`): each ';'-separated template with '?'
/// replaced by the name (whose `sep` become `dirsep`). Returns the first readable file, or the
/// "no file '...'" lines of every template tried.
pub fn search_path(
    st: &mut State,
    name: &[u8],
    path: &[u8],
    sep: &[u8],
    dirsep: &[u8],
) -> Result<Vec<u8>, Vec<u8>> {
    search_path_with(st, name, path, sep, dirsep, readable)
}

/// [`search_path`] with another test of whether a candidate file is there.
fn search_path_with(
    st: &mut State,
    name: &[u8],
    path: &[u8],
    sep: &[u8],
    dirsep: &[u8],
    found: fn(&mut State, &[u8]) -> bool,
) -> Result<Vec<u8>, Vec<u8>> {
    let name = if !sep.is_empty() && name.windows(sep.len()).any(|w| w == sep) {
        replace_all(name, sep, dirsep)
    } else {
        name.to_vec()
    };
    let filled = replace_all(path, b"?", &name);
    // Lua's C strings end at a NUL byte.
    let filled = match filled.iter().position(|&c| c == 0) {
        Some(z) => filled[..z].to_vec(),
        None => filled,
    };
    let mut start = 0;
    while start < filled.len() {
        let end = filled[start..]
            .iter()
            .position(|&c| c == b';')
            .map(|p| start + p)
            .unwrap_or(filled.len());
        let file = &filled[start..end];
        if found(st, file) {
            return Ok(file.to_vec());
        }
        start = end + 1;
    }
    let mut msg = b"no file '".to_vec();
    msg.extend_from_slice(&replace_all(&filled, b";", b"'\n\tno file '"));
    msg.push(b'\'');
    Err(msg)
}

/// `package.searchpath (name, path [, sep [, rep]])`.
fn searchpath_fn(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?.as_bytes().to_vec();
    let path = st.check_str(2)?.as_bytes().to_vec();
    let sep = match st.opt_str(3)? {
        Some(s) => s.as_bytes().to_vec(),
        None => b".".to_vec(),
    };
    let rep = match st.opt_str(4)? {
        Some(s) => s.as_bytes().to_vec(),
        None => b"/".to_vec(),
    };
    match search_path(st, &name, &path, &sep, &rep) {
        Ok(file) => st.push_str(file),
        Err(msg) => {
            st.push_nil();
            st.push_str(msg);
            return Ok(2);
        }
    }
    Ok(1)
}

/// `package.loadlib (libname, funcname)`: loads a luna native module; `funcname` names one
/// of its functions (`"*"` only loads it). Failures return `nil, message, "open"|"init"`.
fn loadlib(st: &mut State) -> LuaResult<usize> {
    let path = st.check_str(1)?.as_bytes().to_vec();
    let fname = st.check_str(2)?.as_bytes().to_vec();
    let module = match st.host_load_native(&path) {
        Ok(m) => m,
        Err(e) if e.denied => return Err(st.error(&e.message)),
        Err(e) => {
            st.push_nil();
            st.push_str(e.message);
            st.push_str("open");
            return Ok(3);
        }
    };
    if fname == b"*" {
        st.push_bool(true);
        return Ok(1);
    }
    let t = match st.push_native_module_table(&module) {
        Ok(t) => t,
        Err(why) => return Err(st.error(&why)),
    };
    let k = st.str_value(&fname);
    let f = st.raw_get(t, k);
    if f.is_nil() {
        st.push_nil();
        let mut msg = b"undefined symbol: ".to_vec();
        msg.extend_from_slice(&fname);
        st.push_str(msg);
        st.push_str("init");
        return Ok(3);
    }
    st.push(f);
    Ok(1)
}

/// `package[field]` as a search path, for the searchers (Lua's `findfile`).
fn find_file(st: &mut State, name: &[u8], field: &str) -> LuaResult<Result<Vec<u8>, Vec<u8>>> {
    let pkg = st.upvalue(1);
    let key = st.str_value(field);
    let path = st.index(pkg, key)?;
    let path = match path {
        Value::Str(s) => s.as_bytes().to_vec(),
        Value::Int(_) | Value::Float(_) => st
            .coerce_to_str(path)
            .map(|s| s.as_bytes().to_vec())
            .unwrap_or_default(),
        _ => return Err(st.error(&format!("'package.{}' must be a string", field))),
    };
    if field == "cpath" {
        // Module files are governed by the `native` permission, not `read`.
        return Ok(search_path_with(st, name, &path, b".", b"/", |st, f| {
            st.host_native_candidate(f)
        }));
    }
    Ok(search_path(st, name, &path, b".", b"/"))
}

/// The first searcher: `package.preload[name]`.
fn searcher_preload(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?;
    let preload = preload_table(st);
    let v = st.index(Value::Table(preload), Value::Str(name))?;
    if v.is_nil() {
        let mut msg = b"no field package.preload['".to_vec();
        msg.extend_from_slice(name.as_bytes());
        msg.extend_from_slice(b"']");
        st.push_str(msg);
        Ok(1)
    } else {
        st.push(v);
        st.push_str(":preload:");
        Ok(2)
    }
}

/// Reads a Lua file as `luaL_loadfile` does: a UTF-8 byte-order mark and a first line starting
/// with '#' are skipped (the line break is kept, so line numbers stay right).
fn read_lua_file(st: &mut State, path: &[u8]) -> Result<Vec<u8>, String> {
    let mut bytes = st
        .host_read_file(path)
        .map_err(|e| format!("cannot open {}: {}", String::from_utf8_lossy(path), e))?;
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        bytes.drain(..3);
    }
    if bytes.first() == Some(&b'#') {
        let end = bytes
            .iter()
            .position(|&c| c == b'\n')
            .unwrap_or(bytes.len());
        bytes.drain(..end);
    }
    Ok(bytes)
}

/// The second searcher: a Lua file along `package.path`.
fn searcher_lua(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?.as_bytes().to_vec();
    let file = match find_file(st, &name, "path")? {
        Ok(f) => f,
        Err(msg) => {
            st.push_str(msg);
            return Ok(1);
        }
    };
    let loaded = match read_lua_file(st, &file) {
        Ok(src) => {
            let mut chunkname = b"@".to_vec();
            chunkname.extend_from_slice(&file);
            match st.load(&src, &chunkname, "bt", None) {
                Ok(f) => Ok(f),
                Err(e) if e.is_catchable() => {
                    let v = st.take_error();
                    Err(match v {
                        Value::Str(s) => s.as_bytes().to_vec(),
                        _ => b"?".to_vec(),
                    })
                }
                Err(e) => return Err(e),
            }
        }
        Err(msg) => Err(msg.into_bytes()),
    };
    match loaded {
        Ok(f) => {
            st.push(Value::LuaFn(f));
            st.push_str(file);
            Ok(2)
        }
        Err(msg) => Err(load_error(st, &name, &file, &msg)),
    }
}

/// "error loading module 'x' from file 'f':\n\t<why>".
fn load_error(st: &mut State, name: &[u8], file: &[u8], why: &[u8]) -> luna_interp::LuaError {
    let mut msg = b"error loading module '".to_vec();
    msg.extend_from_slice(name);
    msg.extend_from_slice(b"' from file '");
    msg.extend_from_slice(file);
    msg.extend_from_slice(b"':\n\t");
    msg.extend_from_slice(why);
    st.error_bytes(&msg)
}

/// Loads native module `file` for `require(name)`: on success, pushes the loader (a function
/// returning the module's table) and the file name. A refused permission is raised as is;
/// any other failure is "error loading module".
fn load_native(st: &mut State, name: &[u8], file: &[u8], submodule: bool) -> LuaResult<usize> {
    let module = match st.host_load_native(file) {
        Ok(m) => m,
        Err(e) if e.denied => {
            let msg = e.message.into_bytes();
            return Err(load_error(st, name, file, &msg));
        }
        Err(e) => return Err(load_error(st, name, file, e.message.as_bytes())),
    };
    if submodule {
        // A luna module is one table: it holds no submodules.
        let mut msg = b"no module '".to_vec();
        msg.extend_from_slice(name);
        msg.extend_from_slice(b"' in file '");
        msg.extend_from_slice(file);
        msg.push(b'\'');
        st.push_str(msg);
        return Ok(1);
    }
    let t = match st.push_native_module_table(&module) {
        Ok(t) => t,
        Err(why) => return Err(load_error(st, name, file, why.as_bytes())),
    };
    let loader = st.new_native_closure(native_loader, vec![Value::Table(t)]);
    st.pop();
    st.push(Value::NativeClosure(loader));
    st.push_str(file);
    Ok(2)
}

/// The loader of a native module: returns the table made when the module was found.
fn native_loader(st: &mut State) -> LuaResult<usize> {
    let t = st.upvalue(1);
    st.push(t);
    Ok(1)
}

/// The third searcher: a native library built into luna (`lfs`), else one along
/// `package.cpath`.
fn searcher_c(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?.as_bytes().to_vec();
    let reg = st.registry();
    if let Value::Table(builtin) = st.raw_get_str(reg, crate::BUILTIN_NATIVE) {
        let key = st.str_value(&name);
        let opener = st.raw_get(builtin, key);
        if !opener.is_nil() {
            st.push(opener);
            st.push_str(":builtin:");
            return Ok(2);
        }
    }
    match find_file(st, &name, "cpath")? {
        Ok(file) => load_native(st, &name, &file, false),
        Err(msg) => {
            st.push_str(msg);
            Ok(1)
        }
    }
}

/// The fourth searcher: the native library of a submodule's root ("a" for "a.b.c").
fn searcher_croot(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?.as_bytes().to_vec();
    let Some(dot) = name.iter().position(|&c| c == b'.') else {
        return Ok(0);
    };
    match find_file(st, &name[..dot], "cpath")? {
        Ok(file) => load_native(st, &name, &file, true),
        Err(msg) => {
            st.push_str(msg);
            Ok(1)
        }
    }
}

/// Runs the searchers for module `name` (slot 1) until one returns a loader; leaves the
/// loader and its data on the stack top.
fn find_loader(st: &mut State, name: &[u8]) -> LuaResult<()> {
    let pkg = st.upvalue(1);
    let key = st.str_value("searchers");
    let searchers = st.index(pkg, key)?;
    let Value::Table(list) = searchers else {
        return Err(st.error("'package.searchers' must be a table"));
    };
    let list_slot = st.arg_count() + 1;
    st.push(searchers);
    let mut msg: Vec<u8> = Vec::new();
    let mut i = 1;
    loop {
        let searcher = list.get_int(i);
        if searcher.is_nil() {
            let mut full = b"module '".to_vec();
            full.extend_from_slice(name);
            full.extend_from_slice(b"' not found:");
            full.extend_from_slice(&msg);
            return Err(st.error_bytes(&full));
        }
        let func = st.abs_top();
        st.push(searcher);
        st.push(st.arg(1));
        st.call_at(func, 2)?;
        let r = st.stack_at(func);
        if r.is_function() {
            st.remove(list_slot);
            return Ok(());
        }
        match r {
            Value::Str(s) => {
                msg.extend_from_slice(b"\n\t");
                msg.extend_from_slice(s.as_bytes());
            }
            Value::Int(_) | Value::Float(_) => {
                if let Some(s) = st.coerce_to_str(r) {
                    msg.extend_from_slice(b"\n\t");
                    msg.extend_from_slice(s.as_bytes());
                }
            }
            _ => {}
        }
        st.set_top(list_slot);
        i += 1;
    }
}

/// `require (modname)`.
fn require(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?;
    st.set_top(1);
    let loaded = crate::loaded_table(st);
    st.push(Value::Table(loaded)); // slot 2
    let v = st.index(Value::Table(loaded), Value::Str(name))?;
    if v.truthy() {
        st.push(v);
        return Ok(1);
    }
    let name_bytes = name.as_bytes().to_vec();
    find_loader(st, &name_bytes)?;
    // Stack: name, LOADED, loader, data.
    let loader = st.arg(3);
    let data = st.arg(4);
    let func = st.abs_top();
    st.push(loader);
    st.push(st.arg(1));
    st.push(data);
    st.call_at(func, 1)?;
    // Stack: name, LOADED, loader, data, result.
    let result = st.arg(5);
    let key = st.arg(1);
    if !result.is_nil() {
        st.set_index(Value::Table(loaded), key, result)?;
    }
    let mut module = st.index(Value::Table(loaded), key)?;
    if module.is_nil() {
        module = Value::Bool(true);
        st.set_index(Value::Table(loaded), key, module)?;
    }
    st.push(module);
    st.push(st.arg(4));
    Ok(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_path_merging() {
        assert_eq!(merge_default(b"a;b", b"D"), b"a;b");
        assert_eq!(merge_default(b";;", b"D"), b"D");
        assert_eq!(merge_default(b"a;;", b"D"), b"a;D");
        assert_eq!(merge_default(b";;b", b"D"), b"D;b");
        assert_eq!(merge_default(b"a;;b;;c", b"D"), b"a;D;b;;c");
    }

    #[test]
    fn replacing() {
        assert_eq!(replace_all(b"a.b.c", b".", b"/"), b"a/b/c");
        assert_eq!(replace_all(b"---xX", b"---", b"XX"), b"XXxX");
        assert_eq!(replace_all(b"??", b"?", b"ab"), b"abab");
    }
}
