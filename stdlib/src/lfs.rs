//! `lfs`: LuaFileSystem's interface (`attributes`, `symlinkattributes`, `dir`, `mkdir`,
//! `rmdir`, `link`, `currentdir`, `chdir`, `touch`, `setmode`, and `_VERSION`,
//! `_DESCRIPTION`, `_COPYRIGHT`), so code written for PUC-Lua with lfs (Penlight, for one)
//! runs unchanged. Everything goes through the kernel's host services: permission checks
//! and the active file-system provider apply. Results and messages follow lfs 1.8:
//! failures return `nil, message, errno`; a refused permission raises an error. Hard links
//! (`lfs.link` without its third argument) exist with the built-in file system only; a
//! provider module reports them as not supported.
//!
//! A directory iterator reads the whole listing when it is created (`.` and `..` first, as
//! `readdir` gives them) and hands the names out one by one.

use luna_interp::host::fs::{FileKind, FileMeta};
use luna_interp::host::HostError;
use luna_interp::table::Table;
use luna_interp::userdata::UserData;
use luna_interp::{Gc, LuaResult, State, Value};

use crate::util::{new_lib, Reg};

const FUNCS: &[Reg] = &[
    ("attributes", attributes),
    ("symlinkattributes", symlinkattributes),
    ("dir", dir),
    ("mkdir", mkdir),
    ("rmdir", rmdir),
    ("link", link),
    ("currentdir", currentdir),
    ("chdir", chdir),
    ("touch", touch),
    ("setmode", setmode),
];

/// The registry name of directory iterators' metatable.
const DIR_META: &str = "directory metatable";

/// The `lfs` table (the loader the native searcher finds for `require "lfs"`). As lfs 1.8
/// does, it is also set as the global `lfs`.
pub fn open(st: &mut State) -> LuaResult<usize> {
    let t = new_lib(st, FUNCS);
    st.push(Value::Table(t));
    st.set_global("lfs", Value::Table(t));
    let v = st.str_value("LuaFileSystem 1.8.0");
    st.raw_set_str(t, "_VERSION", v);
    let v = st.str_value("LuaFileSystem is a Lua library developed to complement the set of functions related to file systems offered by the standard Lua distribution");
    st.raw_set_str(t, "_DESCRIPTION", v);
    let v = st.str_value("Copyright (C) 2003-2017 Kepler Project");
    st.raw_set_str(t, "_COPYRIGHT", v);
    let (mt, created) = st.new_metatable(DIR_META);
    if created {
        st.push(Value::Table(mt));
        let methods = new_lib(st, &[("next", dir_next), ("close", dir_close)]);
        st.raw_set_str(mt, "__index", Value::Table(methods));
        st.raw_set_str(mt, "__gc", Value::Native(dir_close));
        st.raw_set_str(mt, "__close", Value::Native(dir_close));
        let v = st.str_value("directory");
        st.raw_set_str(mt, "__name", v);
        st.pop();
    }
    Ok(1)
}

/// `nil, message, errno` (lfs's `pushresult` failure), or a raised denial.
fn fail(st: &mut State, e: HostError, msg: Option<String>) -> LuaResult<usize> {
    if e.denied {
        return Err(st.error(&e.message));
    }
    st.push_nil();
    st.push_str(msg.unwrap_or(e.message));
    st.push_int(i64::from(e.errno));
    Ok(3)
}

fn ok_or_fail(st: &mut State, r: Result<(), HostError>) -> LuaResult<usize> {
    match r {
        Ok(()) => {
            st.push_bool(true);
            Ok(1)
        }
        Err(e) => fail(st, e, None),
    }
}

/// `rwxr-xr-x` for permission bits.
fn permission_string(mode: u32) -> String {
    let mut s = String::with_capacity(9);
    for shift in [6, 3, 0] {
        let bits = (mode >> shift) & 7;
        s.push(if bits & 4 != 0 { 'r' } else { '-' });
        s.push(if bits & 2 != 0 { 'w' } else { '-' });
        s.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    s
}

const ATTRIBUTE_NAMES: &[&str] = &[
    "dev",
    "ino",
    "mode",
    "nlink",
    "uid",
    "gid",
    "rdev",
    "access",
    "modification",
    "change",
    "size",
    "permissions",
    "blocks",
    "blksize",
];

fn attribute_value(st: &mut State, m: &FileMeta, name: &str) -> Value {
    match name {
        "dev" => Value::Int(m.dev as i64),
        "ino" => Value::Int(m.ino as i64),
        "mode" => st.str_value(m.kind.lfs_name()),
        "nlink" => Value::Int(m.nlink as i64),
        "uid" => Value::Int(i64::from(m.uid)),
        "gid" => Value::Int(i64::from(m.gid)),
        "rdev" => Value::Int(m.rdev as i64),
        "access" => Value::Int(m.accessed),
        "modification" => Value::Int(m.modified),
        "change" => Value::Int(m.changed),
        "size" => Value::Int(m.size as i64),
        "permissions" => st.str_value(permission_string(m.mode)),
        "blocks" => Value::Int(m.blocks as i64),
        "blksize" => Value::Int(m.blksize as i64),
        _ => Value::Nil,
    }
}

/// The shared body of `attributes` and `symlinkattributes`.
fn attributes_with(st: &mut State, follow: bool) -> LuaResult<usize> {
    let path = st.check_str(1)?.as_bytes().to_vec();
    let meta = match st.host_metadata(&path, follow) {
        Ok(m) => m,
        Err(e) => {
            let msg = format!(
                "cannot obtain information from file '{}': {}",
                String::from_utf8_lossy(&path),
                e.message
            );
            return fail(st, e, Some(msg));
        }
    };
    let target = if !follow && meta.kind == FileKind::Symlink {
        st.host_read_link(&path).ok()
    } else {
        None
    };
    // A request for one attribute.
    if let Value::Str(s) = st.arg(2) {
        let name = s.to_string_lossy();
        if name == "target" && !follow {
            match target {
                Some(t) => st.push_str(t),
                None => st.push_nil(),
            }
            return Ok(1);
        }
        if !ATTRIBUTE_NAMES.contains(&name.as_str()) {
            return Err(st.error(&format!("invalid attribute name '{}'", name)));
        }
        let v = attribute_value(st, &meta, &name);
        st.push(v);
        return Ok(1);
    }
    let t: Gc<Table> = match st.arg(2) {
        Value::Table(t) => t,
        Value::Nil => st.new_table_with(0, ATTRIBUTE_NAMES.len() + 1),
        _ => return Err(st.type_error(2, "table or string")),
    };
    st.push(Value::Table(t));
    for name in ATTRIBUTE_NAMES {
        let v = attribute_value(st, &meta, name);
        st.raw_set_str(t, name, v);
    }
    if let Some(target) = target {
        let v = st.str_value(target);
        st.raw_set_str(t, "target", v);
    }
    Ok(1)
}

/// `lfs.attributes(path [, name | table])`.
fn attributes(st: &mut State) -> LuaResult<usize> {
    attributes_with(st, true)
}

/// `lfs.symlinkattributes(path [, name | table])`: a symlink's own attributes, with its
/// `target`.
fn symlinkattributes(st: &mut State) -> LuaResult<usize> {
    attributes_with(st, false)
}

/// A directory listing being iterated.
struct DirIter {
    names: Vec<Vec<u8>>,
    next: usize,
    closed: bool,
}

/// `lfs.dir(path)`: an iterator and the directory object it walks.
fn dir(st: &mut State) -> LuaResult<usize> {
    let path = st.check_str(1)?.as_bytes().to_vec();
    let names = match st.host_read_dir(&path) {
        Ok(n) => n,
        Err(e) if e.denied => return Err(st.error(&e.message)),
        Err(e) => {
            let msg = format!(
                "cannot open {}: {}",
                String::from_utf8_lossy(&path),
                e.message
            );
            return Err(st.error(&msg));
        }
    };
    let mut all = vec![b".".to_vec(), b"..".to_vec()];
    all.extend(names);
    st.push(Value::Native(dir_iter));
    let u = st.new_userdata(
        Box::new(DirIter {
            names: all,
            next: 0,
            closed: false,
        }),
        0,
    );
    st.push(Value::UserData(u));
    let (mt, _) = st.new_metatable(DIR_META);
    st.set_userdata_metatable(u, Some(mt));
    Ok(2)
}

fn check_dir(st: &mut State, i: usize) -> LuaResult<Gc<UserData>> {
    st.check_userdata(i, DIR_META)
}

fn next_name(st: &mut State, u: Gc<UserData>) -> LuaResult<usize> {
    let r = UserData::with_mut::<DirIter, _>(u, |d| {
        if d.closed {
            return Err(());
        }
        let n = d.names.get(d.next).cloned();
        d.next += 1;
        if n.is_none() {
            d.closed = true;
        }
        Ok(n)
    });
    match r {
        Some(Ok(Some(name))) => {
            st.push_str(name);
            Ok(1)
        }
        Some(Ok(None)) => {
            st.push_nil();
            Ok(1)
        }
        _ => Err(st.error("calling 'next' on bad self (closed directory)")),
    }
}

/// The iterator function `lfs.dir` returns: `iter(dirobj)`.
fn dir_iter(st: &mut State) -> LuaResult<usize> {
    let u = check_dir(st, 1)?;
    next_name(st, u)
}

/// `dirobj:next()`.
fn dir_next(st: &mut State) -> LuaResult<usize> {
    let u = check_dir(st, 1)?;
    next_name(st, u)
}

/// `dirobj:close()` (also `__gc` and `__close`).
fn dir_close(st: &mut State) -> LuaResult<usize> {
    let u = check_dir(st, 1)?;
    UserData::with_mut::<DirIter, _>(u, |d| {
        d.closed = true;
        d.names.clear();
    });
    Ok(0)
}

/// `lfs.mkdir(path)`.
fn mkdir(st: &mut State) -> LuaResult<usize> {
    let path = st.check_str(1)?.as_bytes().to_vec();
    let r = st.host_mkdir(&path);
    ok_or_fail(st, r)
}

/// `lfs.rmdir(path)`.
fn rmdir(st: &mut State) -> LuaResult<usize> {
    let path = st.check_str(1)?.as_bytes().to_vec();
    let r = st.host_rmdir(&path);
    ok_or_fail(st, r)
}

/// `lfs.link(old, new [, symlink])`: with a true `symlink`, `new` becomes a symlink holding
/// the text `old` (C's `symlink`); otherwise a hard link to the file `old` (C's `link`).
fn link(st: &mut State) -> LuaResult<usize> {
    let old = st.check_str(1)?.as_bytes().to_vec();
    let new = st.check_str(2)?.as_bytes().to_vec();
    let r = if st.to_bool(3) {
        st.host_symlink(&old, &new)
    } else {
        st.host_hard_link(&old, &new)
    };
    ok_or_fail(st, r)
}

/// `lfs.currentdir()`.
fn currentdir(st: &mut State) -> LuaResult<usize> {
    match st.host_current_dir() {
        Ok(p) => {
            st.push_str(p);
            Ok(1)
        }
        Err(e) => fail(st, e, None),
    }
}

/// `lfs.chdir(path)`.
fn chdir(st: &mut State) -> LuaResult<usize> {
    let path = st.check_str(1)?.as_bytes().to_vec();
    match st.host_set_current_dir(&path) {
        Ok(()) => {
            st.push_bool(true);
            Ok(1)
        }
        Err(e) if e.denied => Err(st.error(&e.message)),
        Err(e) => {
            let msg = format!(
                "Unable to change working directory to '{}'\n{}\n",
                String::from_utf8_lossy(&path),
                e.message
            );
            st.push_nil();
            st.push_str(msg);
            Ok(2)
        }
    }
}

/// `lfs.touch(path [, atime [, mtime]])`: missing times are now; a lone `atime` sets both.
fn touch(st: &mut State) -> LuaResult<usize> {
    let path = st.check_str(1)?.as_bytes().to_vec();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let atime = st.opt_int(2, now)?;
    let mtime = st.opt_int(3, atime)?;
    let r = st.host_set_times(&path, atime, mtime);
    ok_or_fail(st, r)
}

/// `lfs.setmode(file, mode)`: POSIX files have no text mode; always "binary".
fn setmode(st: &mut State) -> LuaResult<usize> {
    st.push_bool(true);
    st.push_str("binary");
    Ok(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permission_strings() {
        assert_eq!(permission_string(0o755), "rwxr-xr-x");
        assert_eq!(permission_string(0o640), "rw-r-----");
    }
}
