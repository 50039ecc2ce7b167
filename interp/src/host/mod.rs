//! Host services: the one seam through which scripts reach the operating system: files,
//! child processes, the environment, the network, cryptography and the process's exit.
//!
//! Invariants:
//! - The libraries (`io`, `os`, `fs`, `lfs`, `net`, `crypto`, `loadfile`, `require`) never
//!   name `std::fs`, `std::process`, `std::env` or `std::net`; they call the `host_*` methods
//!   of [`State`]. Each method is one operation a script asked for (open this path in this
//!   mode, run this command, read this variable), so the permission check stands in front of
//!   it, and then the active provider serves it.
//! - Every operation is checked against the state's [`Permissions`] (`permissions.rs`) before
//!   any provider is called; paths are resolved by the active file-system backend first
//!   (`services.rs`). A state with no host record installed is granted nothing.
//! - What crosses this seam is plain data: bytes, integers and the small enums below.
//!   Failures are [`HostError`]s carrying the C library's message and `errno`, which is what
//!   Lua reports (`nil, "x: No such file or directory", 2`); a refused permission is a
//!   `HostError` marked `denied`, which the libraries raise as a Lua error.
//! - An open file is a [`HostFile`]: a buffer, in the manner of C's `FILE`, over a
//!   [`FileStream`], the unbuffered device (a disk file, a pipe to a child process, a standard
//!   stream, a provider's file). Every provider gets the same buffering.
//! - Standard output is written through the same buffered handle `print` uses
//!   (`std::io::stdout()`), so the two never reorder output; reading standard input first
//!   flushes standard output, as C's stdio does, so prompts appear before the input is read.

pub mod crypto;
pub mod fs;
pub mod loader;
mod native_call;
pub mod net;
pub mod permissions;
pub mod providers;
mod services;

pub use permissions::{Denial, NetTarget, PermissionKind, Permissions};
pub use services::{HostServices, ProviderKind, HOST_KEY};

use std::io::{Read, Seek, Write};
use std::os::unix::ffi::OsStrExt;

use crate::state::State;

/// A failed host operation: the system's message (as `strerror` words it) and its `errno`
/// (0 when the failure has no system error number).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostError {
    pub message: String,
    pub errno: i32,
    /// The host refused the operation: a permission (the message names it and the flag that
    /// grants it) or a missing provider. The libraries raise this as a Lua error instead of
    /// returning `nil, message`.
    pub denied: bool,
}

impl HostError {
    /// A failure with a message and no system error number.
    pub fn new(message: impl Into<String>) -> HostError {
        HostError {
            message: message.into(),
            errno: 0,
            denied: false,
        }
    }

    /// A refused permission.
    pub fn denied(d: &Denial) -> HostError {
        HostError {
            message: d.to_string(),
            errno: 13,
            denied: true,
        }
    }

    /// A failure with the system's message for `errno`.
    pub fn from_errno(errno: i32) -> HostError {
        HostError::from_io(&std::io::Error::from_raw_os_error(errno))
    }

    pub(crate) fn from_io(e: &std::io::Error) -> HostError {
        HostError {
            message: io_error_message(e),
            errno: e.raw_os_error().unwrap_or(0),
            denied: false,
        }
    }
}

pub type HostResult<T> = Result<T, HostError>;

/// How a file is opened: C's `fopen` modes (`"b"` makes no difference on POSIX systems).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenMode {
    /// `r`: read an existing file.
    Read,
    /// `w`: write, creating or truncating.
    Write,
    /// `a`: write at the end, creating if absent.
    Append,
    /// `r+`: read and write an existing file.
    ReadUpdate,
    /// `w+`: read and write, creating or truncating.
    WriteUpdate,
    /// `a+`: read anywhere, write at the end, creating if absent.
    AppendUpdate,
}

impl OpenMode {
    /// Parses a mode as Lua's `io.open` accepts it: `[rwa]%+?b*`. As in C, the mode ends at
    /// its first NUL byte.
    pub fn parse(mode: &[u8]) -> Option<OpenMode> {
        let end = mode.iter().position(|&c| c == 0).unwrap_or(mode.len());
        let mode = &mode[..end];
        let (&first, mut rest) = mode.split_first()?;
        let update = rest.first() == Some(&b'+');
        if update {
            rest = &rest[1..];
        }
        if !rest.iter().all(|&c| c == b'b') {
            return None;
        }
        Some(match (first, update) {
            (b'r', false) => OpenMode::Read,
            (b'w', false) => OpenMode::Write,
            (b'a', false) => OpenMode::Append,
            (b'r', true) => OpenMode::ReadUpdate,
            (b'w', true) => OpenMode::WriteUpdate,
            (b'a', true) => OpenMode::AppendUpdate,
            _ => return None,
        })
    }

    /// Which directions the mode allows.
    pub fn access(self) -> Access {
        match self {
            OpenMode::Read => Access::READ,
            OpenMode::Write | OpenMode::Append => Access::WRITE,
            _ => Access::READ_WRITE,
        }
    }
}

/// The directions a file may be used in; the other fails at once with `EBADF`, as C's
/// stdio fails a write on a file opened for reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Access {
    pub read: bool,
    pub write: bool,
}

impl Access {
    pub const READ: Access = Access {
        read: true,
        write: false,
    };
    pub const WRITE: Access = Access {
        read: false,
        write: true,
    };
    pub const READ_WRITE: Access = Access {
        read: true,
        write: true,
    };
}

/// Which end of a pipe to a child process the script holds (`io.popen`'s `"r"` and `"w"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PipeMode {
    /// Read the command's standard output.
    Read,
    /// Write to the command's standard input.
    Write,
}

/// The origin of a seek offset (`"set"`, `"cur"`, `"end"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whence {
    Set,
    Cur,
    End,
}

/// A file's buffering (`setvbuf`'s `"no"`, `"full"`, `"line"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Buffering {
    /// Every write goes to the device at once.
    No,
    /// Writes go to the device when the buffer is full.
    Full,
    /// Writes go to the device at each newline (and when the buffer is full).
    Line,
}

/// The standard streams.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StdStream {
    Input,
    Output,
    Error,
}

/// How a child process ended (what C's `system` and `pclose` report).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProcessStatus {
    /// It exited with this status.
    Exited(i32),
    /// A signal with this number killed it.
    Signaled(i32),
}

/// The device under a [`HostFile`]: unbuffered reads, writes and seeks.
pub trait FileStream {
    /// Reads at most `buf.len()` bytes; 0 means end of file.
    fn read(&mut self, buf: &mut [u8]) -> HostResult<usize>;
    /// Writes all of `data`.
    fn write(&mut self, data: &[u8]) -> HostResult<()>;
    /// Pushes data the device itself buffers (none, for most devices).
    fn flush(&mut self) -> HostResult<()> {
        Ok(())
    }
    /// Moves the file position; returns the new position from the start.
    fn seek(&mut self, whence: Whence, offset: i64) -> HostResult<u64>;
    /// Releases the device. For a pipe, waits for the child and returns how it ended.
    fn close(&mut self) -> HostResult<Option<ProcessStatus>>;
    /// True when the device buffers writes itself (standard output shares its buffer with
    /// `print`): then the [`HostFile`] passes writes straight through.
    fn buffers_writes(&self) -> bool {
        false
    }
}

/// The buffer size of files (glibc's for disk files).
pub const DEFAULT_BUFFER_SIZE: usize = 4096;

/// An open file: C's `FILE` in effect. Reads fill a buffer from the device; writes collect
/// in a buffer flushed as its [`Buffering`] says. Switching from reading to writing gives the
/// unread buffered bytes back to the device (by seeking), so a file opened for update sees
/// one consistent position, as C requires of `fseek` between reads and writes.
pub struct HostFile {
    stream: Box<dyn FileStream>,
    /// Buffered input: the unread bytes are `rbuf[rpos..]`.
    rbuf: Vec<u8>,
    rpos: usize,
    /// Buffered output, not yet given to the device.
    wbuf: Vec<u8>,
    buffering: Buffering,
    capacity: usize,
    access: Access,
    /// Set when a read met the end of the file; cleared by `clear_eof`, a seek or a write
    /// (C's end-of-file indicator: no device read is tried while it is set).
    eof: bool,
    closed: bool,
}

impl HostFile {
    /// A buffered file over `stream`, usable in the directions `access` allows.
    pub fn new(stream: Box<dyn FileStream>, buffering: Buffering, access: Access) -> HostFile {
        HostFile {
            stream,
            access,
            rbuf: Vec::new(),
            rpos: 0,
            wbuf: Vec::new(),
            buffering,
            capacity: DEFAULT_BUFFER_SIZE,
            eof: false,
            closed: false,
        }
    }

    /// Clears the end-of-file indicator (C's `clearerr`), so the next read asks the device.
    pub fn clear_eof(&mut self) {
        self.eof = false;
    }

    /// The buffered unread bytes, reading more from the device when none are left; an
    /// empty slice means end of file.
    pub fn fill_buf(&mut self) -> HostResult<&[u8]> {
        if self.rpos >= self.rbuf.len() && !self.eof {
            if !self.access.read {
                return Err(HostError::from_errno(EBADF));
            }
            self.flush_writes()?;
            self.rbuf.resize(self.capacity.max(64), 0);
            self.rpos = 0;
            let r = self.stream.read(&mut self.rbuf);
            let n = match r {
                Ok(n) => n,
                Err(e) => {
                    self.rbuf.clear();
                    return Err(e);
                }
            };
            self.rbuf.truncate(n);
            if n == 0 {
                self.eof = true;
            }
        }
        Ok(&self.rbuf[self.rpos.min(self.rbuf.len())..])
    }

    /// Marks `n` buffered bytes (from `fill_buf`) as read.
    pub fn consume(&mut self, n: usize) {
        self.rpos = (self.rpos + n).min(self.rbuf.len());
    }

    /// The next byte without reading it (`None` at end of file).
    pub fn peek_byte(&mut self) -> HostResult<Option<u8>> {
        Ok(self.fill_buf()?.first().copied())
    }

    /// Reads up to `n` bytes into `out` (fewer only at end of file); returns how many.
    pub fn read_up_to(&mut self, n: usize, out: &mut Vec<u8>) -> HostResult<usize> {
        let mut got = 0;
        while got < n {
            let avail = self.fill_buf()?;
            if avail.is_empty() {
                break;
            }
            let k = avail.len().min(n - got);
            out.extend_from_slice(&avail[..k]);
            self.consume(k);
            got += k;
        }
        Ok(got)
    }

    /// Reads everything up to the end of the file into `out`.
    pub fn read_to_end(&mut self, out: &mut Vec<u8>) -> HostResult<()> {
        loop {
            let avail = self.fill_buf()?;
            if avail.is_empty() {
                return Ok(());
            }
            let k = avail.len();
            out.extend_from_slice(avail);
            self.consume(k);
        }
    }

    /// Reads a line into `out`, with its newline when `keep_newline`. Returns whether a
    /// newline ended it (otherwise the end of the file did).
    pub fn read_line(&mut self, out: &mut Vec<u8>, keep_newline: bool) -> HostResult<bool> {
        loop {
            let avail = self.fill_buf()?;
            if avail.is_empty() {
                return Ok(false);
            }
            match avail.iter().position(|&c| c == b'\n') {
                Some(i) => {
                    out.extend_from_slice(&avail[..i + usize::from(keep_newline)]);
                    self.consume(i + 1);
                    return Ok(true);
                }
                None => {
                    let k = avail.len();
                    out.extend_from_slice(avail);
                    self.consume(k);
                }
            }
        }
    }

    /// Writes `data`, buffered as the file's buffering mode says.
    pub fn write(&mut self, data: &[u8]) -> HostResult<()> {
        if !self.access.write {
            return Err(HostError::from_errno(EBADF));
        }
        self.drop_read_buffer()?;
        self.eof = false;
        if self.stream.buffers_writes() {
            self.stream.write(data)?;
            if self.buffering == Buffering::No {
                self.stream.flush()?;
            }
            return Ok(());
        }
        match self.buffering {
            Buffering::No => {
                self.flush_writes()?;
                self.stream.write(data)
            }
            _ if self.wbuf.is_empty() && data.len() >= self.capacity => self.stream.write(data),
            mode => {
                self.wbuf.extend_from_slice(data);
                let line_done = mode == Buffering::Line && data.contains(&b'\n');
                if line_done || self.wbuf.len() >= self.capacity {
                    self.flush_writes()?;
                }
                Ok(())
            }
        }
    }

    /// Gives buffered output to the device and flushes the device.
    pub fn flush(&mut self) -> HostResult<()> {
        self.flush_writes()?;
        self.stream.flush()
    }

    /// Moves the file position (C's `fseek` then `ftell`); returns the new position.
    pub fn seek(&mut self, whence: Whence, offset: i64) -> HostResult<u64> {
        self.flush_writes()?;
        let unread = (self.rbuf.len() - self.rpos.min(self.rbuf.len())) as i64;
        let (whence, offset) = match whence {
            // The device is `unread` bytes ahead of the script's position.
            Whence::Cur => match offset.checked_sub(unread) {
                Some(o) => (Whence::Cur, o),
                None => return Err(HostError::from_errno(EINVAL)),
            },
            w => (w, offset),
        };
        let pos = self.stream.seek(whence, offset)?;
        self.rbuf.clear();
        self.rpos = 0;
        self.eof = false;
        Ok(pos)
    }

    /// Changes the buffering mode and the buffer size (C's `setvbuf`).
    pub fn set_buffering(&mut self, mode: Buffering, size: usize) -> HostResult<()> {
        self.flush_writes()?;
        self.buffering = mode;
        self.capacity = size.clamp(1, 1 << 24);
        Ok(())
    }

    /// Flushes and releases the file. For a pipe, waits for the child process and returns how
    /// it ended. As glibc's `fclose`/`pclose`: a child that failed is reported before a failed
    /// final flush, which is reported before a successful end.
    pub fn close(&mut self) -> HostResult<Option<ProcessStatus>> {
        if self.closed {
            return Ok(None);
        }
        self.closed = true;
        let flushed = self.flush_writes();
        let status = self.stream.close()?;
        match status {
            Some(ProcessStatus::Exited(0)) | None => flushed.map(|()| status),
            failed => Ok(failed),
        }
    }

    fn flush_writes(&mut self) -> HostResult<()> {
        if self.wbuf.is_empty() {
            return Ok(());
        }
        let data = std::mem::take(&mut self.wbuf);
        let r = self.stream.write(&data);
        // C drops the buffered data on a write error too.
        let mut data = data;
        data.clear();
        self.wbuf = data;
        r
    }

    /// Before a write: unread buffered input goes back to the device (seekable devices), so
    /// the write lands at the script's position.
    fn drop_read_buffer(&mut self) -> HostResult<()> {
        let unread = self.rbuf.len() - self.rpos.min(self.rbuf.len());
        if unread > 0 {
            // Devices that cannot seek (pipes, terminals) simply lose the read-ahead.
            let _ = self.stream.seek(Whence::Cur, -(unread as i64));
        }
        self.rbuf.clear();
        self.rpos = 0;
        Ok(())
    }
}

impl Drop for HostFile {
    fn drop(&mut self) {
        if !self.closed {
            let _ = self.flush_writes();
            let _ = self.stream.flush();
        }
    }
}

/// Linux's `EBADF` ("Bad file descriptor").
pub(crate) const EBADF: i32 = 9;
/// Linux's `EINVAL` ("Invalid argument").
const EINVAL: i32 = 22;

// ---------------------------------------------------------------------------------------
// Devices
// ---------------------------------------------------------------------------------------

/// Retries a system call interrupted by a signal (C's stdio does this for us).
fn retry<T>(mut f: impl FnMut() -> std::io::Result<T>) -> HostResult<T> {
    loop {
        match f() {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            r => return r.map_err(|e| HostError::from_io(&e)),
        }
    }
}

pub(crate) fn seek_from(whence: Whence, offset: i64) -> std::io::SeekFrom {
    match whence {
        // A negative absolute position reaches lseek as such and fails with EINVAL.
        Whence::Set => std::io::SeekFrom::Start(offset as u64),
        Whence::Cur => std::io::SeekFrom::Current(offset),
        Whence::End => std::io::SeekFrom::End(offset),
    }
}

/// The script's end of a pipe to a child process run by the shell.
struct Pipe {
    child: std::process::Child,
    from_child: Option<std::process::ChildStdout>,
    to_child: Option<std::process::ChildStdin>,
    status: Option<ProcessStatus>,
}

impl FileStream for Pipe {
    fn read(&mut self, buf: &mut [u8]) -> HostResult<usize> {
        match self.from_child.as_mut() {
            Some(p) => retry(|| p.read(buf)),
            None => Err(HostError::from_errno(EBADF)),
        }
    }
    fn write(&mut self, data: &[u8]) -> HostResult<()> {
        match self.to_child.as_mut() {
            Some(p) => retry(|| p.write_all(data)),
            None => Err(HostError::from_errno(EBADF)),
        }
    }
    fn seek(&mut self, _: Whence, _: i64) -> HostResult<u64> {
        // ESPIPE: "Illegal seek".
        Err(HostError::from_errno(29))
    }
    fn close(&mut self) -> HostResult<Option<ProcessStatus>> {
        self.from_child = None;
        self.to_child = None;
        if self.status.is_none() {
            let st = retry(|| self.child.wait())?;
            self.status = Some(process_status(st));
        }
        Ok(self.status)
    }
}

impl Drop for Pipe {
    fn drop(&mut self) {
        // Never leave a zombie behind: a pipe dropped without `close` still waits.
        let _ = self.close();
    }
}

/// One of the process's standard streams.
struct Standard(StdStream);

impl FileStream for Standard {
    fn read(&mut self, buf: &mut [u8]) -> HostResult<usize> {
        match self.0 {
            StdStream::Input => {
                // As C's stdio: reading input first shows pending output (prompts).
                let _ = std::io::stdout().flush();
                let mut input = std::io::stdin().lock();
                retry(|| input.read(buf))
            }
            // EBADF, as reading a write-only descriptor gives.
            _ => Err(HostError::from_errno(EBADF)),
        }
    }
    fn write(&mut self, data: &[u8]) -> HostResult<()> {
        match self.0 {
            StdStream::Output => {
                let mut out = std::io::stdout().lock();
                retry(|| out.write_all(data))
            }
            StdStream::Error => {
                let mut err = std::io::stderr().lock();
                retry(|| err.write_all(data))
            }
            StdStream::Input => Err(HostError::from_errno(EBADF)),
        }
    }
    fn flush(&mut self) -> HostResult<()> {
        match self.0 {
            StdStream::Output => retry(|| std::io::stdout().flush()),
            StdStream::Error => retry(|| std::io::stderr().flush()),
            StdStream::Input => Ok(()),
        }
    }
    fn seek(&mut self, whence: Whence, offset: i64) -> HostResult<u64> {
        // The descriptor may be a regular file (`luna x.lua < data`): seek it for real.
        use std::os::fd::{AsFd, BorrowedFd};
        fn seek_fd(fd: BorrowedFd<'_>, whence: Whence, offset: i64) -> HostResult<u64> {
            let owned = fd
                .try_clone_to_owned()
                .map_err(|e| HostError::from_io(&e))?;
            let mut f = std::fs::File::from(owned);
            retry(|| f.seek(seek_from(whence, offset)))
        }
        match self.0 {
            StdStream::Input => seek_fd(std::io::stdin().as_fd(), whence, offset),
            StdStream::Output => {
                let _ = std::io::stdout().flush();
                seek_fd(std::io::stdout().as_fd(), whence, offset)
            }
            StdStream::Error => seek_fd(std::io::stderr().as_fd(), whence, offset),
        }
    }
    fn close(&mut self) -> HostResult<Option<ProcessStatus>> {
        self.flush()?;
        Ok(None)
    }
    fn buffers_writes(&self) -> bool {
        self.0 != StdStream::Input
    }
}

fn process_status(st: std::process::ExitStatus) -> ProcessStatus {
    use std::os::unix::process::ExitStatusExt;
    match (st.code(), st.signal()) {
        (Some(c), _) => ProcessStatus::Exited(c),
        (None, Some(s)) => ProcessStatus::Signaled(s),
        (None, None) => ProcessStatus::Exited(st.into_raw()),
    }
}

/// The shell C's `system` and `popen` run.
const SHELL: &str = "/bin/sh";

fn shell_command(command: &[u8]) -> std::process::Command {
    use std::os::unix::process::CommandExt;
    let mut c = std::process::Command::new(SHELL);
    c.arg0("sh")
        .arg("-c")
        .arg(std::ffi::OsStr::from_bytes(command));
    c
}

/// A name for a temporary file: `/tmp/lua_XXXXXX` with six random characters.
fn candidate_tmpname(attempt: u32) -> Vec<u8> {
    use std::hash::{BuildHasher, Hasher};
    const CHARS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    h.write_u128(now);
    h.write_u32(std::process::id());
    h.write_u32(attempt);
    let mut bits = h.finish();
    let mut name = b"/tmp/lua_".to_vec();
    for _ in 0..6 {
        name.push(CHARS[(bits % CHARS.len() as u64) as usize]);
        bits /= CHARS.len() as u64;
    }
    name
}

/// Creates a new, empty, private temporary file (as `mkstemp` does) through the active
/// backend, after checking write access to its name; returns the name and the open file.
fn create_temp_file(h: &mut HostServices) -> HostResult<(Vec<u8>, Box<dyn FileStream>)> {
    let mut last = HostError::new("unable to generate a unique filename");
    for attempt in 0..100 {
        let name = candidate_tmpname(attempt);
        let path = h.ready_path(&name, &[PermissionKind::Write], true)?;
        match h.fs.open(path.fs(), OpenMode::WriteUpdate, true) {
            Ok(f) => return Ok((name, f)),
            Err(e) if e.errno == fs::EEXIST => continue,
            Err(e) => last = e,
        }
    }
    Err(last)
}

/// The open mode's permission kinds.
fn mode_kinds(mode: OpenMode) -> &'static [PermissionKind] {
    let a = mode.access();
    match (a.read, a.write) {
        (true, false) => &[PermissionKind::Read],
        (false, true) => &[PermissionKind::Write],
        _ => &[PermissionKind::Read, PermissionKind::Write],
    }
}

// ---------------------------------------------------------------------------------------
// The operations
// ---------------------------------------------------------------------------------------

impl State {
    /// Converts a refused permission into a raised Lua error (the message names the
    /// permission and the flag granting it); other outcomes pass through for the library to
    /// report as `nil, message, errno`.
    pub fn raise_denied<T>(&mut self, r: HostResult<T>) -> crate::LuaResult<HostResult<T>> {
        match r {
            Err(e) if e.denied => Err(self.error(&e.message)),
            r => Ok(r),
        }
    }

    /// Reads a whole file; the error is the system's message (as `strerror` gives it), or
    /// the denial.
    pub fn host_read_file(&mut self, path: &[u8]) -> Result<Vec<u8>, String> {
        if self.with_host(|h| h.host_files.iter().any(|f| f == path)) {
            return std::fs::read(path_of(path)).map_err(|e| io_error_message(&e));
        }
        let mut f = self
            .host_open(path, OpenMode::Read)
            .map_err(|e| e.message)?;
        let mut out = Vec::new();
        let r = f.read_to_end(&mut out);
        let _ = f.close();
        r.map_err(|e| e.message)?;
        Ok(out)
    }

    /// Opens a file (`io.open`).
    pub fn host_open(&mut self, path: &[u8], mode: OpenMode) -> HostResult<HostFile> {
        let stream = self.with_host(|h| {
            let p = h.ready_path(path, mode_kinds(mode), true)?;
            h.fs.open(p.fs(), mode, false)
        })?;
        Ok(HostFile::new(stream, Buffering::Full, mode.access()))
    }

    /// A new temporary file, open for update and removed when closed (`io.tmpfile`).
    pub fn host_tmpfile(&mut self) -> HostResult<HostFile> {
        let stream = self.with_host(|h| {
            let (name, stream) = create_temp_file(h)?;
            // The open handle keeps the data; the name goes at once.
            if let Ok(p) = h.ready_path(&name, &[PermissionKind::Write], false) {
                let _ = h.fs.remove(p.fs());
            }
            Ok::<_, HostError>(stream)
        })?;
        Ok(HostFile::new(stream, Buffering::Full, Access::READ_WRITE))
    }

    /// Runs `command` with the shell, connected to the returned file through a pipe
    /// (`io.popen`).
    pub fn host_popen(&mut self, command: &[u8], mode: PipeMode) -> HostResult<HostFile> {
        use std::process::Stdio;
        self.with_host(|h| h.check_run(command))?;
        let _ = std::io::stdout().flush();
        let mut c = shell_command(command);
        match mode {
            PipeMode::Read => c.stdout(Stdio::piped()),
            PipeMode::Write => c.stdin(Stdio::piped()),
        };
        let mut child = c.spawn().map_err(|e| HostError::from_io(&e))?;
        let pipe = Pipe {
            from_child: child.stdout.take(),
            to_child: child.stdin.take(),
            child,
            status: None,
        };
        let access = match mode {
            PipeMode::Read => Access::READ,
            PipeMode::Write => Access::WRITE,
        };
        Ok(HostFile::new(Box::new(pipe), Buffering::Full, access))
    }

    /// A handle on a standard stream. Output shares the buffer `print` writes through.
    pub fn host_std_file(&mut self, which: StdStream) -> HostFile {
        let (buffering, access) = match which {
            StdStream::Input => (Buffering::Line, Access::READ),
            StdStream::Output => (Buffering::Line, Access::WRITE),
            StdStream::Error => (Buffering::No, Access::WRITE),
        };
        HostFile::new(Box::new(Standard(which)), buffering, access)
    }

    /// Flushes the process's standard output buffer.
    pub fn host_flush_stdout(&mut self) {
        let _ = std::io::stdout().flush();
    }

    /// Removes a file, a symlink (not its target) or an empty directory (C's `remove`).
    pub fn host_remove(&mut self, path: &[u8]) -> HostResult<()> {
        self.with_host(|h| {
            let p = h.ready_path(path, &[PermissionKind::Write], false)?;
            h.fs.remove(p.fs())
        })
    }

    /// Renames a file (C's `rename`): both names need write access.
    pub fn host_rename(&mut self, from: &[u8], to: &[u8]) -> HostResult<()> {
        self.with_host(|h| {
            let a = h.ready_path(from, &[PermissionKind::Write], false)?;
            let b = h.ready_path(to, &[PermissionKind::Write], false)?;
            h.fs.rename(a.fs(), b.fs())
        })
    }

    /// Creates a new empty temporary file and returns its name (`os.tmpname`, which uses
    /// `mkstemp` on POSIX systems).
    pub fn host_tmpname(&mut self) -> HostResult<Vec<u8>> {
        self.with_host(|h| create_temp_file(h).map(|(name, _)| name))
    }

    /// An environment variable's value for the kernel's and libraries' own configuration
    /// (`LUA_PATH`, `LUA_INIT`, `LUNA_MODULE_PATH`): not a script's access, so not checked.
    /// As in C, the name ends at its first NUL byte.
    pub fn host_getenv(&mut self, name: &[u8]) -> Option<Vec<u8>> {
        let end = name.iter().position(|&c| c == 0).unwrap_or(name.len());
        let name = &name[..end];
        if name.is_empty() || name.contains(&b'=') {
            return None;
        }
        std::env::var_os(std::ffi::OsStr::from_bytes(name)).map(|v| v.as_bytes().to_vec())
    }

    /// An environment variable's value for a script (`os.getenv`): a refused permission is
    /// an error.
    pub fn host_getenv_checked(&mut self, name: &[u8]) -> HostResult<Option<Vec<u8>>> {
        let end = name.iter().position(|&c| c == 0).unwrap_or(name.len());
        let name = &name[..end];
        let shown = String::from_utf8_lossy(name).into_owned();
        self.with_host(|h| h.check_env(&shown))?;
        if name.is_empty() || name.contains(&b'=') {
            return Ok(None);
        }
        Ok(std::env::var_os(std::ffi::OsStr::from_bytes(name)).map(|v| v.as_bytes().to_vec()))
    }

    /// Whether a shell is available to run commands (`os.execute()` without a command):
    /// false when running commands is not allowed.
    pub fn host_has_shell(&mut self) -> bool {
        self.with_host(|h| h.check_run(b"").is_ok()) && std::path::Path::new(SHELL).exists()
    }

    /// Runs a command with the shell and waits for it. Like C's `system`, it does not flush
    /// the process's output buffers first.
    pub fn host_execute(&mut self, command: &[u8]) -> HostResult<ProcessStatus> {
        self.with_host(|h| h.check_run(command))?;
        let st = shell_command(command)
            .status()
            .map_err(|e| HostError::from_io(&e))?;
        Ok(process_status(st))
    }

    /// Ends the process with `status` (`os.exit`). With `close_state`, first closes the state
    /// as `lua_close` does: pending to-be-closed variables, then every finalizer.
    pub fn host_exit(&mut self, status: i32, close_state: bool) -> ! {
        if close_state {
            if self.gc_finalizing {
                // A finalizer running while the state closes: the other pending finalizers
                // still run (objects created since the close began have none).
                self.run_closing_finalizers();
            } else {
                self.close_state();
            }
        }
        let _ = std::io::stdout().flush();
        let _ = std::io::stderr().flush();
        std::process::exit(status)
    }

    // ------------------------------------------------------------------ file system

    /// A file's status (`follow` false: a symlink's own).
    pub fn host_metadata(&mut self, path: &[u8], follow: bool) -> HostResult<fs::FileMeta> {
        self.with_host(|h| {
            let p = h.ready_path(path, &[PermissionKind::Read], follow)?;
            h.fs.metadata(p.fs(), follow)
        })
    }

    /// The names in a directory (without `.` and `..`).
    pub fn host_read_dir(&mut self, path: &[u8]) -> HostResult<Vec<Vec<u8>>> {
        self.with_host(|h| {
            let p = h.ready_path(path, &[PermissionKind::Read], true)?;
            h.fs.read_dir(p.fs())
        })
    }

    /// Creates a directory.
    pub fn host_mkdir(&mut self, path: &[u8]) -> HostResult<()> {
        self.with_host(|h| {
            let p = h.ready_path(path, &[PermissionKind::Write], false)?;
            h.fs.create_dir(p.fs())
        })
    }

    /// Removes an empty directory.
    pub fn host_rmdir(&mut self, path: &[u8]) -> HostResult<()> {
        self.with_host(|h| {
            let p = h.ready_path(path, &[PermissionKind::Write], false)?;
            h.fs.remove_dir(p.fs())
        })
    }

    /// The target of a symlink.
    pub fn host_read_link(&mut self, path: &[u8]) -> HostResult<Vec<u8>> {
        self.with_host(|h| {
            let p = h.ready_path(path, &[PermissionKind::Read], false)?;
            h.fs.read_link(p.fs())
        })
    }

    /// Creates the symlink `link` holding the text `target` (`lfs.link(old, new, true)`):
    /// needs write access to `link`; the target is not checked (following the link is,
    /// when it is used). As in C, the target ends at its first NUL byte.
    pub fn host_symlink(&mut self, target: &[u8], link: &[u8]) -> HostResult<()> {
        let end = target.iter().position(|&c| c == 0).unwrap_or(target.len());
        let target = &target[..end];
        self.with_host(|h| {
            let p = h.ready_path(link, &[PermissionKind::Write], false)?;
            h.fs.symlink(target, p.fs())
        })
    }

    /// Creates `new` as another name of the file `old` (`lfs.link(old, new)`, C's `link`,
    /// which does not follow a symlink `old`): needs read access to `old` and write access
    /// to `new`.
    pub fn host_hard_link(&mut self, old: &[u8], new: &[u8]) -> HostResult<()> {
        self.with_host(|h| {
            let a = h.ready_path(old, &[PermissionKind::Read], false)?;
            let b = h.ready_path(new, &[PermissionKind::Write], false)?;
            h.fs.hard_link(a.fs(), b.fs())
        })
    }

    /// Sets a file's access and modification times (`lfs.touch`).
    pub fn host_set_times(&mut self, path: &[u8], accessed: i64, modified: i64) -> HostResult<()> {
        self.with_host(|h| {
            let p = h.ready_path(path, &[PermissionKind::Write], true)?;
            h.fs.set_times(p.fs(), accessed, modified)
        })
    }

    /// The current directory.
    pub fn host_current_dir(&mut self) -> HostResult<Vec<u8>> {
        self.with_host(|h| {
            h.fs.current_dir()
                .map(|p| p.as_os_str().as_bytes().to_vec())
        })
    }

    /// Changes the current directory (needs read access to it).
    pub fn host_set_current_dir(&mut self, path: &[u8]) -> HostResult<()> {
        self.with_host(|h| {
            let p = h.ready_path(path, &[PermissionKind::Read], true)?;
            h.fs.set_current_dir(p.fs())
        })
    }
}

/// A path from Lua bytes (Unix paths are bytes).
pub fn path_of(bytes: &[u8]) -> &std::path::Path {
    std::path::Path::new(std::ffi::OsStr::from_bytes(bytes))
}

/// The C library's wording of an I/O error ("No such file or directory").
pub fn io_error_message(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.find(" (os error") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_as_lua_accepts_them() {
        assert_eq!(OpenMode::parse(b"r"), Some(OpenMode::Read));
        assert_eq!(OpenMode::parse(b"a+b"), Some(OpenMode::AppendUpdate));
        assert_eq!(OpenMode::parse(b"wbbb"), Some(OpenMode::Write));
        assert_eq!(OpenMode::parse(b"r\0garbage"), Some(OpenMode::Read));
        for bad in [&b""[..], b"rw", b"rb+", b"r+bk", b"+", b"b", b"x"] {
            assert_eq!(OpenMode::parse(bad), None, "{:?}", bad);
        }
    }

    #[test]
    fn errors_carry_errno_and_strerror_text() {
        let mut st = State::new();
        st.ensure_host(Permissions::all());
        let e = st
            .host_open(b"/nonexistent/dir/file", OpenMode::Read)
            .err()
            .unwrap();
        assert_eq!(e.errno, 2);
        assert_eq!(e.message, "No such file or directory");
    }

    #[test]
    fn update_files_switch_between_reading_and_writing() {
        let mut st = State::new();
        st.ensure_host(Permissions::all());
        let name = st.host_tmpname().unwrap();
        let mut f = st.host_open(&name, OpenMode::WriteUpdate).unwrap();
        f.write(b"hello\nworld\n").unwrap();
        assert_eq!(f.seek(Whence::Set, 0).unwrap(), 0);
        let mut line = Vec::new();
        assert!(f.read_line(&mut line, false).unwrap());
        assert_eq!(line, b"hello");
        // The write lands right after the line read, not after the read-ahead.
        f.write(b"W").unwrap();
        assert_eq!(f.seek(Whence::Cur, 0).unwrap(), 7);
        f.seek(Whence::Set, 0).unwrap();
        let mut all = Vec::new();
        f.read_to_end(&mut all).unwrap();
        assert_eq!(all, b"hello\nWorld\n");
        assert_eq!(f.close().unwrap(), None);
        st.host_remove(&name).unwrap();
        assert_eq!(st.host_remove(&name).unwrap_err().errno, 2);
    }

    #[test]
    fn pipes_report_the_exit_status() {
        let mut st = State::new();
        st.ensure_host(Permissions::all());
        let mut f = st.host_popen(b"echo hi; exit 3", PipeMode::Read).unwrap();
        let mut out = Vec::new();
        f.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"hi\n");
        assert_eq!(f.close().unwrap(), Some(ProcessStatus::Exited(3)));
        assert_eq!(
            st.host_execute(b"kill -9 $$").unwrap(),
            ProcessStatus::Signaled(9)
        );
    }
}
