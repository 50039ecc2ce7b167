//! The input and output library (manual §6.8).
//!
//! A file handle is a full userdata with the registry metatable `FILE*` holding a
//! [`Stream`]: the open [`HostFile`] (none once closed) and what closing it means (a disk
//! file, a pipe whose close reports the child's exit, or a standard stream that refuses to
//! close). Every system access goes through the host services (`State::host_*`).
//!
//! Registry entries: `FILE*` (the metatable), `_IO_input` and `_IO_output` (the default
//! files), and `_IO_open`, a weak-keyed set of every file opened, so `os.exit` can flush
//! their buffers as C's `exit` flushes every `FILE`.
//!
//! Reading mirrors liolib: formats `n`, `l`, `L`, `a` and counts, results pushed one by
//! one, `nil` for the first format that fails; numbers are read with liolib's algorithm
//! (the longest prefix that looks like a numeral, at most 200 characters, then converted).

use luna_interp::host::{
    Buffering, HostError, HostFile, HostResult, OpenMode, PipeMode, ProcessStatus, StdStream,
    Whence,
};
use luna_interp::numfmt;
use luna_interp::userdata::UserData;
use luna_interp::{Gc, LuaResult, State, Value};

use crate::util::Reg;

/// The registry name of the file handles' metatable.
pub const FILE_HANDLE: &str = "FILE*";
const IO_INPUT: &str = "_IO_input";
const IO_OUTPUT: &str = "_IO_output";
const IO_OPEN: &str = "_IO_open";

/// C's `LUAL_BUFFERSIZE`, the default size for `setvbuf`.
const LUAL_BUFFERSIZE: i64 = 1024;
/// Most format arguments `lines` takes (they become upvalues of the iterator).
const MAX_LINES_ARGS: usize = 250;
/// Longest numeral `read("n")` accepts.
const MAX_NUMERAL: usize = 200;

/// What closing a file does.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A disk file: closing releases it.
    Regular,
    /// A pipe to a child process: closing waits for it and reports its status.
    Pipe,
    /// A standard stream: it stays open.
    Standard,
}

/// The Rust value inside a file handle.
pub struct Stream {
    file: Option<HostFile>,
    kind: Kind,
}

const IO_FUNCS: &[Reg] = &[
    ("close", io_close),
    ("flush", io_flush),
    ("input", io_input),
    ("lines", io_lines),
    ("open", io_open),
    ("output", io_output),
    ("popen", io_popen),
    ("read", io_read),
    ("tmpfile", io_tmpfile),
    ("type", io_type),
    ("write", io_write),
];

const METHODS: &[Reg] = &[
    ("read", f_read),
    ("write", f_write),
    ("lines", f_lines),
    ("flush", f_flush),
    ("seek", f_seek),
    ("close", f_close),
    ("setvbuf", f_setvbuf),
];

pub fn open(st: &mut State) -> LuaResult<Value> {
    let lib = crate::util::new_lib(st, IO_FUNCS);
    st.push(Value::Table(lib));
    let (mt, _) = st.new_metatable(FILE_HANDLE);
    let methods = crate::util::new_lib(st, METHODS);
    st.raw_set_str(mt, "__index", Value::Table(methods));
    st.raw_set_str(mt, "__gc", Value::Native(f_gc));
    st.raw_set_str(mt, "__close", Value::Native(f_gc));
    st.raw_set_str(mt, "__tostring", Value::Native(f_tostring));
    // The set of open files, for `flush_all`.
    let open_set = st.new_table();
    let weak = st.new_table();
    let mode = st.str_value("k");
    st.raw_set_str(weak, "__mode", mode);
    st.set_table_metatable(open_set, Some(weak));
    let reg = st.registry();
    st.raw_set_str(reg, IO_OPEN, Value::Table(open_set));
    for (which, key, name) in [
        (StdStream::Input, Some(IO_INPUT), "stdin"),
        (StdStream::Output, Some(IO_OUTPUT), "stdout"),
        (StdStream::Error, None, "stderr"),
    ] {
        let file = st.host_std_file(which);
        let u = new_file(st, file, Kind::Standard);
        if let Some(key) = key {
            st.raw_set_str(reg, key, Value::UserData(u));
        }
        st.raw_set_str(lib, name, Value::UserData(u));
    }
    st.pop();
    Ok(Value::Table(lib))
}

/// Flushes every open file's buffer (what C's `exit` does for every `FILE`); `os.exit`
/// calls this, and so should a host that ends the process without closing the state.
pub fn flush_all(st: &mut State) {
    let reg = st.registry();
    if let Value::Table(set) = st.raw_get_str(reg, IO_OPEN) {
        let mut key = Value::Nil;
        while let Ok(Some((k, _))) = set.next(key) {
            if let Value::UserData(u) = k {
                let _ = with_file(u, |f| f.flush());
            }
            key = k;
        }
    }
    st.host_flush_stdout();
}

// ---------------------------------------------------------------------------------------
// Handles
// ---------------------------------------------------------------------------------------

/// Wraps an open file in a new handle (left on the stack top and returned).
fn new_file(st: &mut State, file: HostFile, kind: Kind) -> Gc<UserData> {
    let u = st.new_userdata(
        Box::new(Stream {
            file: Some(file),
            kind,
        }),
        0,
    );
    st.push(Value::UserData(u));
    let (mt, _) = st.new_metatable(FILE_HANDLE);
    st.set_userdata_metatable(u, Some(mt));
    let reg = st.registry();
    if let Value::Table(set) = st.raw_get_str(reg, IO_OPEN) {
        let _ = st.raw_set(set, Value::UserData(u), Value::Bool(true));
    }
    u
}

/// Runs `f` on the open file of handle `u`; `None` when it is closed.
fn with_file<R>(u: Gc<UserData>, f: impl FnOnce(&mut HostFile) -> R) -> Option<R> {
    UserData::with_mut::<Stream, _>(u, |s| s.file.as_mut().map(f)).flatten()
}

fn is_closed(u: Gc<UserData>) -> bool {
    u.downcast_ref::<Stream>().is_none_or(|s| s.file.is_none())
}

/// Argument `i` as a file handle, open or closed (`luaL_checkudata`).
fn check_handle(st: &mut State, i: usize) -> LuaResult<Gc<UserData>> {
    match st.test_userdata(i, FILE_HANDLE) {
        Some(u) => Ok(u),
        None => Err(st.type_error(i, FILE_HANDLE)),
    }
}

/// Argument `i` as an open file handle.
fn check_open(st: &mut State, i: usize) -> LuaResult<Gc<UserData>> {
    let u = check_handle(st, i)?;
    if is_closed(u) {
        return Err(st.error("attempt to use a closed file"));
    }
    Ok(u)
}

/// Pushes `true`, or `nil, message, errno` (`luaL_fileresult`); returns the count.
fn file_result(st: &mut State, r: HostResult<()>, fname: Option<&[u8]>) -> usize {
    match r {
        Ok(()) => {
            st.push_bool(true);
            1
        }
        Err(e) => push_failure(st, &e, fname),
    }
}

fn push_failure(st: &mut State, e: &HostError, fname: Option<&[u8]>) -> usize {
    let msg: &str = if e.message.is_empty() {
        "(no extra info)"
    } else {
        &e.message
    };
    let mut text = Vec::new();
    if let Some(name) = fname {
        text.extend_from_slice(name);
        text.extend_from_slice(b": ");
    }
    text.extend_from_slice(msg.as_bytes());
    st.push_nil();
    st.push_str(&text);
    st.push_int(i64::from(e.errno));
    3
}

/// Pushes what `os.execute` and closing a pipe report (`luaL_execresult`).
pub(crate) fn exec_result(st: &mut State, r: HostResult<ProcessStatus>) -> usize {
    match r {
        Err(e) => push_failure(st, &e, None),
        Ok(ProcessStatus::Exited(code)) => {
            if code == 0 {
                st.push_bool(true);
            } else {
                st.push_nil();
            }
            st.push_str("exit");
            st.push_int(i64::from(code));
            3
        }
        Ok(ProcessStatus::Signaled(sig)) => {
            st.push_nil();
            st.push_str("signal");
            st.push_int(i64::from(sig));
            3
        }
    }
}

/// Closes handle `u` (known to be open) and pushes the results of `close`.
fn close_handle(st: &mut State, u: Gc<UserData>) -> usize {
    let kind = u.downcast_ref::<Stream>().map(|s| s.kind);
    match kind {
        Some(Kind::Standard) => {
            st.push_nil();
            st.push_str("cannot close standard file");
            2
        }
        Some(kind) => {
            let file = UserData::with_mut::<Stream, _>(u, |s| s.file.take()).flatten();
            let Some(mut file) = file else {
                return 0;
            };
            let r = file.close();
            if kind == Kind::Pipe {
                exec_result(st, r.map(|s| s.unwrap_or(ProcessStatus::Exited(0))))
            } else {
                file_result(st, r.map(|_| ()), None)
            }
        }
        None => 0,
    }
}

/// The default input or output file (registry `key`), which must be open.
fn default_file(st: &mut State, key: &str) -> LuaResult<Gc<UserData>> {
    let reg = st.registry();
    match st.raw_get_str(reg, key) {
        Value::UserData(u) if !is_closed(u) => Ok(u),
        _ => {
            let which = key.trim_start_matches("_IO_");
            Err(st.error(&format!("default {} file is closed", which)))
        }
    }
}

/// Opens `name` for `io.input`/`io.output`/`io.lines`, raising an error on failure.
fn open_or_raise(st: &mut State, name: &[u8], mode: OpenMode) -> LuaResult<Gc<UserData>> {
    match st.host_open(name, mode) {
        Ok(file) => Ok(new_file(st, file, Kind::Regular)),
        Err(e) => {
            let msg = format!(
                "cannot open file '{}' ({})",
                String::from_utf8_lossy(name),
                e.message
            );
            Err(st.error(&msg))
        }
    }
}

// ---------------------------------------------------------------------------------------
// The io table
// ---------------------------------------------------------------------------------------

fn io_type(st: &mut State) -> LuaResult<usize> {
    st.check_any(1)?;
    match st.test_userdata(1, FILE_HANDLE) {
        None => st.push_nil(),
        Some(u) if is_closed(u) => st.push_str("closed file"),
        Some(_) => st.push_str("file"),
    }
    Ok(1)
}

fn io_open(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?.as_bytes().to_vec();
    let mode = match st.opt_str(2)? {
        Some(m) => OpenMode::parse(m.as_bytes()),
        None => Some(OpenMode::Read),
    };
    let Some(mode) = mode else {
        return Err(st.arg_error(2, "invalid mode"));
    };
    let r = st.host_open(&name, mode);
    match st.raise_denied(r)? {
        Ok(file) => {
            new_file(st, file, Kind::Regular);
            Ok(1)
        }
        Err(e) => Ok(push_failure(st, &e, Some(&name))),
    }
}

fn io_popen(st: &mut State) -> LuaResult<usize> {
    let cmd = st.check_str(1)?.as_bytes().to_vec();
    let mode = match st.opt_str(2)? {
        Some(m) => m.as_bytes().to_vec(),
        None => b"r".to_vec(),
    };
    let mode = match (mode.first(), mode.get(1)) {
        (Some(b'r'), None | Some(0)) => PipeMode::Read,
        (Some(b'w'), None | Some(0)) => PipeMode::Write,
        _ => return Err(st.arg_error(2, "invalid mode")),
    };
    // As C's popen callers do: flush pending output so it precedes the child's.
    flush_all(st);
    let r = st.host_popen(&cmd, mode);
    match st.raise_denied(r)? {
        Ok(file) => {
            new_file(st, file, Kind::Pipe);
            Ok(1)
        }
        Err(e) => Ok(push_failure(st, &e, Some(&cmd))),
    }
}

fn io_tmpfile(st: &mut State) -> LuaResult<usize> {
    let r = st.host_tmpfile();
    match st.raise_denied(r)? {
        Ok(file) => {
            new_file(st, file, Kind::Regular);
            Ok(1)
        }
        Err(e) => Ok(push_failure(st, &e, None)),
    }
}

fn io_close(st: &mut State) -> LuaResult<usize> {
    if st.is_none(1) {
        let reg = st.registry();
        let out = st.raw_get_str(reg, IO_OUTPUT);
        st.push(out);
    }
    f_close(st)
}

fn io_flush(st: &mut State) -> LuaResult<usize> {
    let u = default_file(st, IO_OUTPUT)?;
    let r = with_file(u, |f| f.flush()).unwrap_or(Ok(()));
    Ok(file_result(st, r, None))
}

/// `io.input` and `io.output`: set the default file from a name or a handle; return it.
fn default_io(st: &mut State, key: &str, mode: OpenMode) -> LuaResult<usize> {
    if !st.is_none_or_nil(1) {
        let v = st.arg(1);
        let name = match v {
            Value::Str(s) => Some(s.as_bytes().to_vec()),
            Value::Int(_) | Value::Float(_) => Some(st.check_str(1)?.as_bytes().to_vec()),
            _ => None,
        };
        let u = match name {
            Some(name) => open_or_raise(st, &name, mode)?,
            None => check_open(st, 1)?,
        };
        let reg = st.registry();
        st.raw_set_str(reg, key, Value::UserData(u));
    }
    let reg = st.registry();
    let cur = st.raw_get_str(reg, key);
    st.push(cur);
    Ok(1)
}

fn io_input(st: &mut State) -> LuaResult<usize> {
    default_io(st, IO_INPUT, OpenMode::Read)
}

fn io_output(st: &mut State) -> LuaResult<usize> {
    default_io(st, IO_OUTPUT, OpenMode::Write)
}

fn io_read(st: &mut State) -> LuaResult<usize> {
    let u = default_file(st, IO_INPUT)?;
    read_formats(st, u, 1)
}

fn io_write(st: &mut State) -> LuaResult<usize> {
    let u = default_file(st, IO_OUTPUT)?;
    let n = st.arg_count();
    st.push(Value::UserData(u));
    write_values(st, u, 1, n)
}

fn io_lines(st: &mut State) -> LuaResult<usize> {
    if st.is_none(1) {
        st.push_nil();
    }
    let to_close = if st.arg(1).is_nil() {
        let reg = st.registry();
        let input = st.raw_get_str(reg, IO_INPUT);
        st.set_arg(1, input);
        check_open(st, 1)?;
        false
    } else {
        let name = st.check_str(1)?.as_bytes().to_vec();
        let u = open_or_raise(st, &name, OpenMode::Read)?;
        st.pop();
        st.set_arg(1, Value::UserData(u));
        true
    };
    push_lines_iterator(st, to_close)?;
    if to_close {
        st.push_nil();
        st.push_nil();
        let file = st.arg(1);
        st.push(file); // the to-be-closed variable of the loop
        Ok(4)
    } else {
        Ok(1)
    }
}

// ---------------------------------------------------------------------------------------
// Methods
// ---------------------------------------------------------------------------------------

fn f_close(st: &mut State) -> LuaResult<usize> {
    let u = check_open(st, 1)?;
    Ok(close_handle(st, u))
}

fn f_gc(st: &mut State) -> LuaResult<usize> {
    let u = check_handle(st, 1)?;
    if !is_closed(u) {
        close_handle(st, u);
    }
    Ok(0)
}

fn f_tostring(st: &mut State) -> LuaResult<usize> {
    let u = check_handle(st, 1)?;
    if is_closed(u) {
        st.push_str("file (closed)");
    } else {
        let addr = u
            .downcast_ref::<Stream>()
            .map_or(0, |s| s as *const Stream as usize);
        st.push_str(format!("file ({:#x})", addr));
    }
    Ok(1)
}

fn f_read(st: &mut State) -> LuaResult<usize> {
    let u = check_open(st, 1)?;
    read_formats(st, u, 2)
}

fn f_write(st: &mut State) -> LuaResult<usize> {
    let u = check_open(st, 1)?;
    let n = st.arg_count();
    st.push(Value::UserData(u));
    write_values(st, u, 2, n)
}

fn f_lines(st: &mut State) -> LuaResult<usize> {
    check_open(st, 1)?;
    push_lines_iterator(st, false)?;
    Ok(1)
}

fn f_flush(st: &mut State) -> LuaResult<usize> {
    let u = check_open(st, 1)?;
    let r = with_file(u, |f| f.flush()).unwrap_or(Ok(()));
    Ok(file_result(st, r, None))
}

fn f_seek(st: &mut State) -> LuaResult<usize> {
    let u = check_open(st, 1)?;
    let whence = match st.check_option(2, Some("cur"), &["set", "cur", "end"])? {
        0 => Whence::Set,
        1 => Whence::Cur,
        _ => Whence::End,
    };
    let offset = st.opt_int(3, 0)?;
    match with_file(u, |f| f.seek(whence, offset)) {
        Some(Ok(pos)) => {
            st.push_int(pos as i64);
            Ok(1)
        }
        Some(Err(e)) => Ok(push_failure(st, &e, None)),
        None => Err(st.error("attempt to use a closed file")),
    }
}

fn f_setvbuf(st: &mut State) -> LuaResult<usize> {
    let u = check_open(st, 1)?;
    let mode = match st.check_option(2, None, &["no", "full", "line"])? {
        0 => Buffering::No,
        1 => Buffering::Full,
        _ => Buffering::Line,
    };
    let size = st.opt_int(3, LUAL_BUFFERSIZE)?;
    let size = usize::try_from(size).unwrap_or(usize::MAX);
    let r = with_file(u, |f| f.set_buffering(mode, size)).unwrap_or(Ok(()));
    Ok(file_result(st, r, None))
}

// ---------------------------------------------------------------------------------------
// lines
// ---------------------------------------------------------------------------------------

/// Pushes the iterator for `lines` over the file in slot 1 with the formats in slots 2..:
/// a closure over the file, the number of formats, whether to close the file at the end,
/// and the formats.
fn push_lines_iterator(st: &mut State, to_close: bool) -> LuaResult<()> {
    let n = st.arg_count() - 1;
    st.arg_check(
        n <= MAX_LINES_ARGS,
        MAX_LINES_ARGS + 2,
        "too many arguments",
    )?;
    let mut upvals = Vec::with_capacity(n + 3);
    upvals.push(st.arg(1));
    upvals.push(Value::Int(n as i64));
    upvals.push(Value::Bool(to_close));
    for i in 2..=n + 1 {
        upvals.push(st.arg(i));
    }
    let c = st.new_native_closure(lines_step, upvals);
    st.push(Value::NativeClosure(c));
    Ok(())
}

/// One step of a `lines` iterator.
fn lines_step(st: &mut State) -> LuaResult<usize> {
    let Value::UserData(u) = st.upvalue(1) else {
        return Err(st.error("file is already closed"));
    };
    if is_closed(u) {
        return Err(st.error("file is already closed"));
    }
    let n = match st.upvalue(2) {
        Value::Int(n) => n as usize,
        _ => 0,
    };
    st.set_top(1);
    st.check_stack(n, "too many arguments")?;
    for i in 1..=n {
        let fmt = st.upvalue(3 + i);
        st.push(fmt);
    }
    let nres = read_formats(st, u, 2)?;
    let first = st.arg(st.arg_count() + 1 - nres);
    if first.truthy() {
        return Ok(nres);
    }
    if nres > 1 {
        // An error: its message is the second result.
        let msg = st.arg(st.arg_count() + 2 - nres);
        let text = match msg {
            Value::Str(s) => s.as_bytes().to_vec(),
            _ => Vec::new(),
        };
        return Err(st.error_bytes(&text));
    }
    if st.upvalue(3).truthy() {
        st.set_top(0);
        close_handle(st, u);
    }
    Ok(0)
}

// ---------------------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------------------

/// What one read format produced.
enum Item {
    Bytes(Vec<u8>),
    Number(Value),
    /// Nothing could be read (end of file or not a numeral).
    Fail,
}

/// C's `isspace` in the C locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Reads a numeral the way liolib does: the longest prefix that can start a numeral
/// (optional sign, `0x`, digits, one decimal point, an exponent), then converts it.
fn read_number(f: &mut HostFile) -> HostResult<Item> {
    struct Reader<'a> {
        f: &'a mut HostFile,
        buf: Vec<u8>,
        cur: Option<u8>,
        overflow: bool,
    }
    impl Reader<'_> {
        /// Accepts the current character and looks at the next.
        fn next(&mut self) -> HostResult<bool> {
            if self.buf.len() >= MAX_NUMERAL {
                self.overflow = true;
                return Ok(false);
            }
            if let Some(c) = self.cur {
                self.buf.push(c);
                self.f.consume(1);
            }
            self.cur = self.f.peek_byte()?;
            Ok(true)
        }
        /// Accepts the current character if it is one of `set`.
        fn accept(&mut self, set: &[u8; 2]) -> HostResult<bool> {
            match self.cur {
                Some(c) if c == set[0] || c == set[1] => self.next(),
                _ => Ok(false),
            }
        }
        fn digits(&mut self, hex: bool) -> HostResult<usize> {
            let mut count = 0;
            while let Some(c) = self.cur {
                let ok = if hex {
                    c.is_ascii_hexdigit()
                } else {
                    c.is_ascii_digit()
                };
                if !ok || !self.next()? {
                    break;
                }
                count += 1;
            }
            Ok(count)
        }
    }
    let mut cur = f.peek_byte()?;
    while let Some(c) = cur.filter(|&c| is_space(c)) {
        let _ = c;
        f.consume(1);
        cur = f.peek_byte()?;
    }
    let mut r = Reader {
        f,
        buf: Vec::new(),
        cur,
        overflow: false,
    };
    let mut count = 0;
    let mut hex = false;
    r.accept(b"-+")?;
    if r.accept(b"00")? {
        if r.accept(b"xX")? {
            hex = true;
        } else {
            count = 1;
        }
    }
    count += r.digits(hex)?;
    if r.accept(b"..")? {
        count += r.digits(hex)?;
    }
    if count > 0 && r.accept(if hex { b"pP" } else { b"eE" })? {
        r.accept(b"-+")?;
        r.digits(false)?;
    }
    if r.overflow {
        return Ok(Item::Fail);
    }
    Ok(match luna_interp::number::str_to_number(&r.buf) {
        Some(v) => Item::Number(v),
        None => Item::Fail,
    })
}

/// One format of `read`.
enum Format {
    Number,
    Line { keep_newline: bool },
    All,
    Count(usize),
}

fn read_one(f: &mut HostFile, fmt: &Format) -> HostResult<Item> {
    match *fmt {
        Format::Number => read_number(f),
        Format::Line { keep_newline } => {
            let mut line = Vec::new();
            let newline = f.read_line(&mut line, keep_newline)?;
            Ok(if newline || !line.is_empty() {
                Item::Bytes(line)
            } else {
                Item::Fail
            })
        }
        Format::All => {
            let mut all = Vec::new();
            f.read_to_end(&mut all)?;
            Ok(Item::Bytes(all))
        }
        Format::Count(0) => Ok(if f.peek_byte()?.is_some() {
            Item::Bytes(Vec::new())
        } else {
            Item::Fail
        }),
        Format::Count(n) => {
            let mut bytes = Vec::new();
            let got = f.read_up_to(n, &mut bytes)?;
            Ok(if got > 0 {
                Item::Bytes(bytes)
            } else {
                Item::Fail
            })
        }
    }
}

/// The format in slot `i`.
fn format_at(st: &mut State, i: usize) -> LuaResult<Format> {
    match st.arg(i) {
        Value::Int(_) | Value::Float(_) => {
            let n = st.check_int(i)?;
            match usize::try_from(n) {
                Ok(n) if n <= isize::MAX as usize => Ok(Format::Count(n)),
                // C would try to allocate a buffer of that many bytes.
                _ => {
                    let msg = st.str_value("not enough memory");
                    Err(st.throw(msg))
                }
            }
        }
        _ => {
            let s = st.check_str(i)?;
            let b = s.as_bytes();
            let b = b.strip_prefix(b"*").unwrap_or(b);
            match b.first() {
                Some(b'n') => Ok(Format::Number),
                Some(b'l') => Ok(Format::Line {
                    keep_newline: false,
                }),
                Some(b'L') => Ok(Format::Line { keep_newline: true }),
                Some(b'a') => Ok(Format::All),
                _ => Err(st.arg_error(i, "invalid format")),
            }
        }
    }
}

/// `read` on handle `u` with the formats in slots `first..`: pushes one result per format
/// up to the first that fails (which gives nil), or `nil, message, errno` on an error.
fn read_formats(st: &mut State, u: Gc<UserData>, first: usize) -> LuaResult<usize> {
    let nargs = st.arg_count() + 1 - first;
    with_file(u, |f| f.clear_eof());
    let formats = if nargs == 0 {
        vec![Format::Line {
            keep_newline: false,
        }]
    } else {
        st.check_stack(nargs + 20, "too many arguments")?;
        let mut v = Vec::with_capacity(nargs);
        for i in first..first + nargs {
            v.push(format_at(st, i)?);
        }
        v
    };
    let mut pushed = 0;
    for fmt in &formats {
        let item = match with_file(u, |f| read_one(f, fmt)) {
            Some(Ok(item)) => item,
            Some(Err(e)) => return Ok(push_failure(st, &e, None)),
            None => return Err(st.error("attempt to use a closed file")),
        };
        pushed += 1;
        match item {
            Item::Bytes(b) => st.push_str(&b),
            Item::Number(v) => st.push(v),
            Item::Fail => {
                st.push_nil();
                break;
            }
        }
    }
    Ok(pushed)
}

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

/// Writes the values in slots `first..=last` to handle `u` (left on the stack top, the
/// result on success). Numbers are written as C's `fprintf` with `%d` and `%.14g` would.
fn write_values(st: &mut State, u: Gc<UserData>, first: usize, last: usize) -> LuaResult<usize> {
    let float_spec = numfmt::Spec::parse(b".14g").expect("valid spec");
    let mut status: HostResult<()> = Ok(());
    let mut text = Vec::new();
    for i in first..=last {
        text.clear();
        // Strings are written from the argument slot, which keeps them alive.
        let s;
        let bytes: &[u8] = match st.arg(i) {
            Value::Int(n) => {
                numfmt::lua_integer_to_str(n, &mut text);
                &text
            }
            Value::Float(x) => {
                numfmt::fmt_float(&mut text, x, &float_spec);
                &text
            }
            _ => {
                s = st.check_str(i)?;
                s.as_bytes()
            }
        };
        if status.is_ok() {
            status = with_file(u, |f| f.write(bytes)).unwrap_or(Ok(()));
        }
    }
    match status {
        Ok(()) => Ok(1),
        Err(e) => Ok(push_failure(st, &e, None)),
    }
}
