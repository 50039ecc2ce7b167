//! The `fs` library: whole-file reads and writes and directory operations, on the kernel's
//! host services (so permission checks and the active file-system provider apply, whichever
//! provider that is: the built-in one, `fs` or `memfs`).
//!
//! Conventions, as the `io` library's: a failure returns `nil, message, errno`; a refused
//! permission is raised as an error naming the permission and the flag that grants it.
//! `require "fs"` gives the table (it is not a global, so `_G` stays as in Lua).

use luna_interp::host::fs::{FileKind, FileMeta};
use luna_interp::host::{HostResult, OpenMode};
use luna_interp::{LuaResult, State, Value};

use crate::util::{new_lib, Reg};

const FUNCS: &[Reg] = &[
    ("read", read),
    ("write", write),
    ("append", append),
    ("exists", exists),
    ("stat", stat),
    ("list", list),
    ("mkdir", mkdir),
    ("remove", remove),
    ("rename", rename),
];

/// The `fs` table (the `package.preload` loader).
pub fn open(st: &mut State) -> LuaResult<usize> {
    let t = new_lib(st, FUNCS);
    st.push(Value::Table(t));
    Ok(1)
}

/// Pushes `nil, "path: message", errno`, or raises a denial.
pub(crate) fn fail(
    st: &mut State,
    e: luna_interp::host::HostError,
    path: Option<&[u8]>,
) -> LuaResult<usize> {
    if e.denied {
        return Err(st.error(&e.message));
    }
    let mut msg = Vec::new();
    if let Some(p) = path {
        msg.extend_from_slice(p);
        msg.extend_from_slice(b": ");
    }
    msg.extend_from_slice(e.message.as_bytes());
    st.push_nil();
    st.push_str(msg);
    st.push_int(i64::from(e.errno));
    Ok(3)
}

/// `true`, or the failure.
fn done(st: &mut State, r: HostResult<()>, path: &[u8]) -> LuaResult<usize> {
    match r {
        Ok(()) => {
            st.push_bool(true);
            Ok(1)
        }
        Err(e) => fail(st, e, Some(path)),
    }
}

fn arg_bytes(st: &mut State, i: usize) -> LuaResult<Vec<u8>> {
    Ok(st.check_str(i)?.as_bytes().to_vec())
}

/// `fs.read(path)`: the whole file as a string.
fn read(st: &mut State) -> LuaResult<usize> {
    let path = arg_bytes(st, 1)?;
    let r = st.host_open(&path, OpenMode::Read).and_then(|mut f| {
        let mut out = Vec::new();
        let r = f.read_to_end(&mut out);
        let _ = f.close();
        r.map(|()| out)
    });
    match r {
        Ok(bytes) => {
            st.push_str(bytes);
            Ok(1)
        }
        Err(e) => fail(st, e, Some(&path)),
    }
}

fn write_with(st: &mut State, mode: OpenMode) -> LuaResult<usize> {
    let path = arg_bytes(st, 1)?;
    let data = st.check_str(2)?.as_bytes().to_vec();
    let r = st.host_open(&path, mode).and_then(|mut f| {
        let w = f.write(&data);
        let c = f.close().map(|_| ());
        w.and(c)
    });
    done(st, r, &path)
}

/// `fs.write(path, data)`: creates or truncates the file.
fn write(st: &mut State) -> LuaResult<usize> {
    write_with(st, OpenMode::Write)
}

/// `fs.append(path, data)`: adds at the end, creating the file if needed.
fn append(st: &mut State) -> LuaResult<usize> {
    write_with(st, OpenMode::Append)
}

/// `fs.exists(path)`: whether something (following symlinks) is there.
fn exists(st: &mut State) -> LuaResult<usize> {
    let path = arg_bytes(st, 1)?;
    let r = st.host_metadata(&path, true);
    match r {
        Ok(_) => st.push_bool(true),
        Err(e) if e.denied => return Err(st.error(&e.message)),
        Err(_) => st.push_bool(false),
    }
    Ok(1)
}

/// The type names of `fs.stat`.
fn kind_name(k: FileKind) -> &'static str {
    match k {
        FileKind::File => "file",
        FileKind::Directory => "directory",
        FileKind::Symlink => "link",
        _ => "other",
    }
}

fn push_stat(st: &mut State, m: &FileMeta) {
    let t = st.new_table_with(0, 6);
    st.push(Value::Table(t));
    let v = st.str_value(kind_name(m.kind));
    st.raw_set_str(t, "type", v);
    st.raw_set_str(t, "size", Value::Int(m.size as i64));
    st.raw_set_str(t, "mode", Value::Int(i64::from(m.mode)));
    st.raw_set_str(t, "modified", Value::Int(m.modified));
    st.raw_set_str(t, "accessed", Value::Int(m.accessed));
    st.raw_set_str(t, "changed", Value::Int(m.changed));
}

/// `fs.stat(path)`: `{type=, size=, mode=, modified=, accessed=, changed=}`.
fn stat(st: &mut State) -> LuaResult<usize> {
    let path = arg_bytes(st, 1)?;
    match st.host_metadata(&path, true) {
        Ok(m) => {
            push_stat(st, &m);
            Ok(1)
        }
        Err(e) => fail(st, e, Some(&path)),
    }
}

/// `fs.list(path)`: the names in a directory, sorted.
fn list(st: &mut State) -> LuaResult<usize> {
    let path = arg_bytes(st, 1)?;
    match st.host_read_dir(&path) {
        Ok(mut names) => {
            names.sort();
            let t = st.new_table_with(names.len(), 0);
            st.push(Value::Table(t));
            for (i, n) in names.iter().enumerate() {
                let v = st.str_value(n);
                st.raw_set_int(t, i as i64 + 1, v);
            }
            Ok(1)
        }
        Err(e) => fail(st, e, Some(&path)),
    }
}

/// `fs.mkdir(path [, parents])`: with `parents`, missing parents are made too and an
/// existing directory is no error.
fn mkdir(st: &mut State) -> LuaResult<usize> {
    let path = arg_bytes(st, 1)?;
    if !st.to_bool(2) {
        let r = st.host_mkdir(&path);
        return done(st, r, &path);
    }
    let mut prefix = Vec::new();
    for (i, part) in path.split(|&c| c == b'/').enumerate() {
        if i > 0 {
            prefix.push(b'/');
        }
        prefix.extend_from_slice(part);
        if part.is_empty() || part == b"." {
            continue;
        }
        match st.host_mkdir(&prefix) {
            Ok(()) => {}
            Err(e) if e.denied => return Err(st.error(&e.message)),
            Err(e) => {
                let is_dir = matches!(st.host_metadata(&prefix, true), Ok(m) if m.kind == FileKind::Directory);
                if !is_dir {
                    return fail(st, e, Some(&prefix));
                }
            }
        }
    }
    st.push_bool(true);
    Ok(1)
}

/// `fs.remove(path)`: a file, a symlink or an empty directory.
fn remove(st: &mut State) -> LuaResult<usize> {
    let path = arg_bytes(st, 1)?;
    let r = st.host_remove(&path);
    done(st, r, &path)
}

/// `fs.rename(from, to)`.
fn rename(st: &mut State) -> LuaResult<usize> {
    let from = arg_bytes(st, 1)?;
    let to = arg_bytes(st, 2)?;
    let r = st.host_rename(&from, &to);
    done(st, r, &from)
}
