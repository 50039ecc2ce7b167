//! File-system backends: what the host services call after the permission check.
//!
//! [`FsBackend`] is the kernel's view of a file-system provider. Two kinds implement it: the
//! built-in [`StdFs`] over the operating system (the default: no library to load, so `luna
//! script.lua` starts as fast as `lua`), and adapters over providers loaded from native
//! modules (`providers.rs`: the `fs` and `memfs` modules).
//!
//! Invariants:
//! - The kernel hands a backend either the path as the script wrote it ([`FsPath::Plain`],
//!   only to [`StdFs`] and only when every access of the kinds involved is allowed, so that
//!   unrestricted scripts behave exactly as under `lua`), or an absolute path it resolved and
//!   checked ([`FsPath::Checked`]).
//! - A checked path has no symlink in it at the time it was resolved, except possibly its
//!   last component when the operation acts on a link itself (remove, rename, lstat, link,
//!   symlink). So a backend must not follow a symlink anywhere along it: [`StdFs`] walks it
//!   from the root one directory at a time with `O_NOFOLLOW` and then acts relative to the
//!   parent's handle (`openat`, `unlinkat`, ...). A symlink swapped in after the check makes
//!   the operation fail rather than escape.
//! - Backends never check permissions; the kernel never touches the OS for files except
//!   through [`StdFs`].

use std::ffi::OsStr;
use std::io::{Read, Seek, Write};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Component, Path, PathBuf};

use super::permissions::normalize_lexically;
use super::{FileStream, HostError, HostResult, OpenMode, ProcessStatus, Whence};

/// A path handed to a backend (see the module's invariants).
#[derive(Clone, Copy, Debug)]
pub enum FsPath<'a> {
    /// As the script wrote it (relative to the process's current directory).
    Plain(&'a Path),
    /// Absolute and resolved by the kernel, then checked against the permissions; `beneath`
    /// is the granted directory that allowed it (`/` when everything is granted), which the
    /// access must not leave.
    Checked { path: &'a Path, beneath: &'a Path },
}

impl<'a> FsPath<'a> {
    pub fn path(self) -> &'a Path {
        match self {
            FsPath::Plain(p) | FsPath::Checked { path: p, .. } => p,
        }
    }
}

/// What kind of object a directory entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileKind {
    File,
    Directory,
    Symlink,
    Socket,
    NamedPipe,
    CharDevice,
    BlockDevice,
    Other,
}

impl FileKind {
    /// LuaFileSystem's name for the kind (`attributes(...).mode`).
    pub fn lfs_name(self) -> &'static str {
        match self {
            FileKind::File => "file",
            FileKind::Directory => "directory",
            FileKind::Symlink => "link",
            FileKind::Socket => "socket",
            FileKind::NamedPipe => "named pipe",
            FileKind::CharDevice => "char device",
            FileKind::BlockDevice => "block device",
            FileKind::Other => "other",
        }
    }

    fn from_mode(mode: u32) -> FileKind {
        match mode & 0o170000 {
            0o100000 => FileKind::File,
            0o040000 => FileKind::Directory,
            0o120000 => FileKind::Symlink,
            0o140000 => FileKind::Socket,
            0o010000 => FileKind::NamedPipe,
            0o020000 => FileKind::CharDevice,
            0o060000 => FileKind::BlockDevice,
            _ => FileKind::Other,
        }
    }
}

/// A file's status (what `stat` reports; fields a backend does not know are 0).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileMeta {
    pub kind: FileKind,
    pub size: u64,
    /// Permission bits (`0o7777`).
    pub mode: u32,
    pub dev: u64,
    pub ino: u64,
    pub nlink: u64,
    pub uid: u32,
    pub gid: u32,
    pub rdev: u64,
    /// Seconds since the epoch.
    pub accessed: i64,
    pub modified: i64,
    pub changed: i64,
    pub blocks: u64,
    pub blksize: u64,
}

impl FileMeta {
    fn from_std(m: &std::fs::Metadata) -> FileMeta {
        use std::os::unix::fs::MetadataExt;
        FileMeta {
            kind: FileKind::from_mode(m.mode()),
            size: m.size(),
            mode: m.mode() & 0o7777,
            dev: m.dev(),
            ino: m.ino(),
            nlink: m.nlink(),
            uid: m.uid(),
            gid: m.gid(),
            rdev: m.rdev(),
            accessed: m.atime(),
            modified: m.mtime(),
            changed: m.ctime(),
            blocks: m.blocks(),
            blksize: m.blksize(),
        }
    }

    fn from_stat(s: &rustix::fs::Stat) -> FileMeta {
        FileMeta {
            kind: FileKind::from_mode(s.st_mode),
            size: s.st_size as u64,
            mode: s.st_mode & 0o7777,
            dev: s.st_dev,
            ino: s.st_ino,
            nlink: s.st_nlink,
            uid: s.st_uid,
            gid: s.st_gid,
            rdev: s.st_rdev,
            accessed: s.st_atime,
            modified: s.st_mtime,
            changed: s.st_ctime,
            blocks: s.st_blocks as u64,
            blksize: s.st_blksize as u64,
        }
    }
}

/// A file-system provider as the kernel sees it.
pub trait FsBackend: Send {
    /// The provider's name (`std` for the built-in one, else the module's).
    fn name(&self) -> &str;

    /// The current directory relative paths are taken from.
    fn current_dir(&mut self) -> HostResult<PathBuf>;
    /// Changes the current directory (`lfs.chdir`).
    fn set_current_dir(&mut self, path: FsPath<'_>) -> HostResult<()>;

    /// The real path of an absolute, lexically clean `path`: symlinks resolved in every
    /// existing component (the last one too when `follow_last`); the components that do not
    /// exist are appended as they are.
    fn resolve(&mut self, path: &Path, follow_last: bool) -> PathBuf;

    /// Opens a file. `exclusive` creates it and fails if it exists (temporary files).
    fn open(
        &mut self,
        path: FsPath<'_>,
        mode: OpenMode,
        exclusive: bool,
    ) -> HostResult<Box<dyn FileStream>>;
    /// A file's status; `follow` false describes a symlink itself.
    fn metadata(&mut self, path: FsPath<'_>, follow: bool) -> HostResult<FileMeta>;
    /// The names in a directory, without `.` and `..`.
    fn read_dir(&mut self, path: FsPath<'_>) -> HostResult<Vec<Vec<u8>>>;
    fn create_dir(&mut self, path: FsPath<'_>) -> HostResult<()>;
    /// Removes a file or a symlink, or an empty directory (C's `remove`).
    fn remove(&mut self, path: FsPath<'_>) -> HostResult<()>;
    /// Removes an empty directory only.
    fn remove_dir(&mut self, path: FsPath<'_>) -> HostResult<()>;
    fn rename(&mut self, from: FsPath<'_>, to: FsPath<'_>) -> HostResult<()>;
    /// Creates the symlink `link` holding the text `target` (as `symlink(2)`: the target is
    /// neither resolved nor required to exist).
    fn symlink(&mut self, target: &[u8], link: FsPath<'_>) -> HostResult<()>;
    /// Creates `to` as a new name of the file `from` (as `link(2)`: a symlink `from` is
    /// linked itself, not followed).
    fn hard_link(&mut self, from: FsPath<'_>, to: FsPath<'_>) -> HostResult<()>;
    /// The target of a symlink.
    fn read_link(&mut self, path: FsPath<'_>) -> HostResult<Vec<u8>>;
    /// Sets access and modification times (seconds since the epoch).
    fn set_times(&mut self, path: FsPath<'_>, accessed: i64, modified: i64) -> HostResult<()>;
}

/// Linux's errno values the backends report themselves.
pub(crate) const ENOENT: i32 = 2;
pub(crate) const EEXIST: i32 = 17;
pub(crate) const ENOTDIR: i32 = 20;
pub(crate) const EOPNOTSUPP: i32 = 95;

/// The directory an `*at` call acts relative to: a handle from [`StdFs::at`], or the
/// process's current directory.
fn dir_fd(dir: &Option<OwnedFd>) -> std::os::fd::BorrowedFd<'_> {
    use std::os::fd::AsFd;
    dir.as_ref().map_or(rustix::fs::CWD, |d| d.as_fd())
}

fn errno_error(e: rustix::io::Errno) -> HostError {
    HostError::from_io(&std::io::Error::from(e))
}

/// Retries an operation interrupted by a signal.
fn retry_rx<T>(mut f: impl FnMut() -> rustix::io::Result<T>) -> HostResult<T> {
    loop {
        match f() {
            Err(rustix::io::Errno::INTR) => continue,
            r => return r.map_err(errno_error),
        }
    }
}

fn retry_io<T>(mut f: impl FnMut() -> std::io::Result<T>) -> HostResult<T> {
    loop {
        match f() {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            r => return r.map_err(|e| HostError::from_io(&e)),
        }
    }
}

/// The operating system's file system, built into the kernel.
#[derive(Default)]
pub struct StdFs;

impl StdFs {
    /// Opens the directory `dir` (absolute, no symlinks) by walking it from the root one
    /// component at a time, refusing symlinks. `O_PATH` handles need only search permission.
    fn walk_dir(dir: &Path) -> HostResult<OwnedFd> {
        use rustix::fs::{openat, Mode, OFlags, CWD};
        let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
        let mut fd = retry_rx(|| openat(CWD, "/", flags, Mode::empty()))?;
        for c in dir.components() {
            match c {
                Component::RootDir | Component::CurDir => {}
                Component::Normal(name) => {
                    fd = retry_rx(|| openat(&fd, name, flags, Mode::empty())).map_err(|e| {
                        // A symlink where a directory was resolved: it was swapped in.
                        if e.errno == 40 {
                            HostError::from_errno(ENOTDIR)
                        } else {
                            e
                        }
                    })?;
                }
                // Checked paths are clean; anything else is refused.
                _ => return Err(HostError::from_errno(ENOENT)),
            }
        }
        Ok(fd)
    }

    /// The handle of a checked path's parent directory and its last component.
    fn parent_of(path: &Path) -> HostResult<(OwnedFd, &OsStr)> {
        match (path.parent(), path.file_name()) {
            (Some(parent), Some(name)) => Ok((StdFs::walk_dir(parent)?, name)),
            // The root itself: its own handle and ".".
            _ => Ok((StdFs::walk_dir(Path::new("/"))?, OsStr::new("."))),
        }
    }

    /// The directory handle and name an `*at` call takes for a path: the process's current
    /// directory and the path itself for a plain path (`None`), the parent's handle and the
    /// last component for a checked one.
    fn at(path: FsPath<'_>) -> HostResult<(Option<OwnedFd>, &OsStr)> {
        match path {
            FsPath::Plain(p) => Ok((None, p.as_os_str())),
            FsPath::Checked { path: p, .. } => {
                let (parent, name) = StdFs::parent_of(p)?;
                Ok((Some(parent), name))
            }
        }
    }

    fn open_flags(mode: OpenMode) -> rustix::fs::OFlags {
        use rustix::fs::OFlags;
        match mode {
            OpenMode::Read => OFlags::RDONLY,
            OpenMode::Write => OFlags::WRONLY | OFlags::CREATE | OFlags::TRUNC,
            OpenMode::Append => OFlags::WRONLY | OFlags::CREATE | OFlags::APPEND,
            OpenMode::ReadUpdate => OFlags::RDWR,
            OpenMode::WriteUpdate => OFlags::RDWR | OFlags::CREATE | OFlags::TRUNC,
            OpenMode::AppendUpdate => OFlags::RDWR | OFlags::CREATE | OFlags::APPEND,
        }
    }
}

impl FsBackend for StdFs {
    fn name(&self) -> &str {
        "std"
    }

    fn current_dir(&mut self) -> HostResult<PathBuf> {
        std::env::current_dir().map_err(|e| HostError::from_io(&e))
    }

    fn set_current_dir(&mut self, path: FsPath<'_>) -> HostResult<()> {
        match path {
            FsPath::Plain(p) => retry_io(|| std::env::set_current_dir(p)),
            FsPath::Checked { path: p, .. } => {
                let (parent, name) = StdFs::parent_of(p)?;
                use rustix::fs::{openat, Mode, OFlags};
                let flags = OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
                let fd = retry_rx(|| openat(&parent, name, flags, Mode::empty()))?;
                retry_rx(|| rustix::process::fchdir(&fd))
            }
        }
    }

    fn resolve(&mut self, path: &Path, follow_last: bool) -> PathBuf {
        resolve_with(path, follow_last, |p| std::fs::canonicalize(p).ok())
    }

    fn open(
        &mut self,
        path: FsPath<'_>,
        mode: OpenMode,
        exclusive: bool,
    ) -> HostResult<Box<dyn FileStream>> {
        let file = match path {
            FsPath::Plain(p) => {
                let mut o = std::fs::OpenOptions::new();
                match mode {
                    OpenMode::Read => o.read(true),
                    OpenMode::Write => o.write(true).create(true).truncate(true),
                    OpenMode::Append => o.append(true).create(true),
                    OpenMode::ReadUpdate => o.read(true).write(true),
                    OpenMode::WriteUpdate => o.read(true).write(true).create(true).truncate(true),
                    OpenMode::AppendUpdate => o.read(true).append(true).create(true),
                };
                if exclusive {
                    use std::os::unix::fs::OpenOptionsExt;
                    o.create_new(true).mode(0o600);
                }
                retry_io(|| o.open(p))?
            }
            FsPath::Checked { path: p, .. } => {
                use rustix::fs::{openat, Mode, OFlags};
                let (parent, name) = StdFs::parent_of(p)?;
                let mut flags = StdFs::open_flags(mode) | OFlags::NOFOLLOW | OFlags::CLOEXEC;
                let mut perm = Mode::from_bits_truncate(0o666);
                if exclusive {
                    flags |= OFlags::CREATE | OFlags::EXCL;
                    perm = Mode::from_bits_truncate(0o600);
                }
                let fd = retry_rx(|| openat(&parent, name, flags, perm))?;
                std::fs::File::from(fd)
            }
        };
        Ok(Box::new(DiskFile { file: Some(file) }))
    }

    fn metadata(&mut self, path: FsPath<'_>, follow: bool) -> HostResult<FileMeta> {
        match path {
            FsPath::Plain(p) => {
                let m = if follow {
                    retry_io(|| std::fs::metadata(p))?
                } else {
                    retry_io(|| std::fs::symlink_metadata(p))?
                };
                Ok(FileMeta::from_std(&m))
            }
            FsPath::Checked { path: p, .. } => {
                let (parent, name) = StdFs::parent_of(p)?;
                let s = retry_rx(|| {
                    rustix::fs::statat(&parent, name, rustix::fs::AtFlags::SYMLINK_NOFOLLOW)
                })?;
                Ok(FileMeta::from_stat(&s))
            }
        }
    }

    fn read_dir(&mut self, path: FsPath<'_>) -> HostResult<Vec<Vec<u8>>> {
        let mut names = Vec::new();
        match path {
            FsPath::Plain(p) => {
                for e in retry_io(|| std::fs::read_dir(p))? {
                    let e = e.map_err(|e| HostError::from_io(&e))?;
                    names.push(e.file_name().as_bytes().to_vec());
                }
            }
            FsPath::Checked { path: p, .. } => {
                use rustix::fs::{openat, Mode, OFlags};
                let (parent, name) = StdFs::parent_of(p)?;
                let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC;
                let fd = retry_rx(|| openat(&parent, name, flags, Mode::empty()))?;
                let mut dir = rustix::fs::Dir::new(fd).map_err(errno_error)?;
                while let Some(entry) = dir.read() {
                    let entry = entry.map_err(errno_error)?;
                    let n = entry.file_name().to_bytes();
                    if n != b"." && n != b".." {
                        names.push(n.to_vec());
                    }
                }
            }
        }
        Ok(names)
    }

    fn create_dir(&mut self, path: FsPath<'_>) -> HostResult<()> {
        match path {
            FsPath::Plain(p) => retry_io(|| std::fs::create_dir(p)),
            FsPath::Checked { path: p, .. } => {
                let (parent, name) = StdFs::parent_of(p)?;
                retry_rx(|| {
                    rustix::fs::mkdirat(&parent, name, rustix::fs::Mode::from_bits_truncate(0o777))
                })
            }
        }
    }

    fn remove(&mut self, path: FsPath<'_>) -> HostResult<()> {
        const EISDIR: i32 = 21;
        match path {
            FsPath::Plain(p) => match retry_io(|| std::fs::remove_file(p)) {
                Err(e) if e.errno == EISDIR => retry_io(|| std::fs::remove_dir(p)),
                r => r,
            },
            FsPath::Checked { path: p, .. } => {
                use rustix::fs::{unlinkat, AtFlags};
                let (parent, name) = StdFs::parent_of(p)?;
                match retry_rx(|| unlinkat(&parent, name, AtFlags::empty())) {
                    Err(e) if e.errno == EISDIR => {
                        retry_rx(|| unlinkat(&parent, name, AtFlags::REMOVEDIR))
                    }
                    r => r,
                }
            }
        }
    }

    fn remove_dir(&mut self, path: FsPath<'_>) -> HostResult<()> {
        match path {
            FsPath::Plain(p) => retry_io(|| std::fs::remove_dir(p)),
            FsPath::Checked { path: p, .. } => {
                let (parent, name) = StdFs::parent_of(p)?;
                retry_rx(|| rustix::fs::unlinkat(&parent, name, rustix::fs::AtFlags::REMOVEDIR))
            }
        }
    }

    fn rename(&mut self, from: FsPath<'_>, to: FsPath<'_>) -> HostResult<()> {
        // A checked side acts relative to its parent's handle, a plain one relative to the
        // current directory.
        let (da, na) = StdFs::at(from)?;
        let (db, nb) = StdFs::at(to)?;
        retry_rx(|| rustix::fs::renameat(dir_fd(&da), na, dir_fd(&db), nb))
    }

    fn symlink(&mut self, target: &[u8], link: FsPath<'_>) -> HostResult<()> {
        let (dir, name) = StdFs::at(link)?;
        retry_rx(|| rustix::fs::symlinkat(OsStr::from_bytes(target), dir_fd(&dir), name))
    }

    fn hard_link(&mut self, from: FsPath<'_>, to: FsPath<'_>) -> HostResult<()> {
        use rustix::fs::{linkat, AtFlags};
        let (da, na) = StdFs::at(from)?;
        let (db, nb) = StdFs::at(to)?;
        retry_rx(|| linkat(dir_fd(&da), na, dir_fd(&db), nb, AtFlags::empty()))
    }

    fn read_link(&mut self, path: FsPath<'_>) -> HostResult<Vec<u8>> {
        match path {
            FsPath::Plain(p) => Ok(retry_io(|| std::fs::read_link(p))?
                .as_os_str()
                .as_bytes()
                .to_vec()),
            FsPath::Checked { path: p, .. } => {
                let (parent, name) = StdFs::parent_of(p)?;
                Ok(retry_rx(|| rustix::fs::readlinkat(&parent, name, Vec::new()))?.into_bytes())
            }
        }
    }

    fn set_times(&mut self, path: FsPath<'_>, accessed: i64, modified: i64) -> HostResult<()> {
        use rustix::fs::{utimensat, AtFlags, Timestamps, CWD};
        let times = Timestamps {
            last_access: rustix::fs::Timespec {
                tv_sec: accessed,
                tv_nsec: 0,
            },
            last_modification: rustix::fs::Timespec {
                tv_sec: modified,
                tv_nsec: 0,
            },
        };
        match path {
            FsPath::Plain(p) => retry_rx(|| utimensat(CWD, p, &times, AtFlags::empty())),
            FsPath::Checked { path: p, .. } => {
                let (parent, name) = StdFs::parent_of(p)?;
                retry_rx(|| utimensat(&parent, name, &times, AtFlags::SYMLINK_NOFOLLOW))
            }
        }
    }
}

/// Resolves an absolute path with `canon` (a backend's real-path function for existing
/// paths): the longest prefix that exists is resolved, the rest appended. `..` after a
/// missing component is taken lexically (the OS would refuse such a path anyway).
pub fn resolve_with(
    path: &Path,
    follow_last: bool,
    mut canon: impl FnMut(&Path) -> Option<PathBuf>,
) -> PathBuf {
    let (head, last) = if follow_last {
        (path, None)
    } else {
        match (path.parent(), path.file_name()) {
            (Some(parent), Some(name)) => (parent, Some(name)),
            // `..` or `/` as the last component: nothing to keep unresolved.
            _ => (path, None),
        }
    };
    let mut rest: Vec<&OsStr> = Vec::new();
    let mut prefix = head;
    let resolved = loop {
        if let Some(real) = canon(prefix) {
            break real;
        }
        match (prefix.parent(), prefix.components().next_back()) {
            (Some(parent), Some(c)) => {
                rest.push(c.as_os_str());
                prefix = parent;
            }
            _ => break PathBuf::from("/"),
        }
    };
    let mut out = resolved;
    for c in rest.iter().rev() {
        out.push(c);
    }
    let mut out = normalize_lexically(&out);
    if let Some(name) = last {
        out.push(name);
    }
    out
}

/// A file on disk (the built-in backend's stream).
pub(crate) struct DiskFile {
    pub(crate) file: Option<std::fs::File>,
}

impl DiskFile {
    fn file(&mut self) -> HostResult<&mut std::fs::File> {
        // EBADF: the device was closed.
        self.file
            .as_mut()
            .ok_or_else(|| HostError::from_errno(super::EBADF))
    }
}

impl FileStream for DiskFile {
    fn read(&mut self, buf: &mut [u8]) -> HostResult<usize> {
        let f = self.file()?;
        retry_io(|| f.read(buf))
    }
    fn write(&mut self, data: &[u8]) -> HostResult<()> {
        let f = self.file()?;
        retry_io(|| f.write_all(data))
    }
    fn seek(&mut self, whence: Whence, offset: i64) -> HostResult<u64> {
        let f = self.file()?;
        retry_io(|| f.seek(super::seek_from(whence, offset)))
    }
    fn close(&mut self) -> HostResult<Option<ProcessStatus>> {
        self.file = None;
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolution_keeps_missing_tails_and_links_when_asked() {
        let dir = std::env::temp_dir().join(format!("luna-resolve-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("real/sub")).unwrap();
        std::os::unix::fs::symlink(dir.join("real"), dir.join("link")).unwrap();
        let real = std::fs::canonicalize(dir.join("real")).unwrap();
        let mut fs = StdFs;
        assert_eq!(fs.resolve(&dir.join("link/sub"), true), real.join("sub"));
        assert_eq!(
            fs.resolve(&dir.join("link/new/x"), true),
            real.join("new/x")
        );
        assert_eq!(
            fs.resolve(&dir.join("link/sub/../.."), true),
            real.parent().unwrap()
        );
        let canon_dir = std::fs::canonicalize(&dir).unwrap();
        assert_eq!(fs.resolve(&dir.join("link"), false), canon_dir.join("link"));
        assert_eq!(fs.resolve(&dir.join("link"), true), real);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn checked_paths_refuse_symlinks_along_the_way() {
        let dir = std::env::temp_dir().join(format!("luna-walk-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("real")).unwrap();
        std::fs::write(dir.join("real/f"), b"data").unwrap();
        std::os::unix::fs::symlink(dir.join("real"), dir.join("link")).unwrap();
        let canon = std::fs::canonicalize(&dir).unwrap();
        let mut fs = StdFs;
        let mut s = fs
            .open(
                FsPath::Checked {
                    path: &canon.join("real/f"),
                    beneath: Path::new("/"),
                },
                OpenMode::Read,
                false,
            )
            .unwrap();
        let mut buf = [0u8; 8];
        assert_eq!(s.read(&mut buf).unwrap(), 4);
        // As if `link` had been swapped in after the check.
        assert!(fs
            .open(
                FsPath::Checked {
                    path: &canon.join("link/f"),
                    beneath: Path::new("/")
                },
                OpenMode::Read,
                false
            )
            .is_err());
        assert!(
            fs.metadata(
                FsPath::Checked {
                    path: &canon.join("link"),
                    beneath: Path::new("/")
                },
                false
            )
            .unwrap()
            .kind
                == FileKind::Symlink
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
