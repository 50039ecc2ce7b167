//! The `FileSystem` service provider interface.
//!
//! Invariants:
//! - Every path a provider receives is absolute, '/'-separated and normalised by the kernel
//!   (no `.` or `..` components, no empty components, no trailing '/'). The kernel keeps each
//!   state's current directory itself and joins relative paths to it; providers have no
//!   notion of a current directory beyond reporting the initial one (`current_dir`).
//! - An operation names its target with an [`FsPath`]: a directory `beneath` and a path
//!   `rel` inside it. The provider resolves `rel` without ever leaving `beneath` (neither
//!   through `..` nor through a symbolic link): an access that would escape fails with
//!   `PERMISSION_DENIED`. The kernel passes the granted directory that authorised the access
//!   as `beneath` (or `/` when the whole file system is granted), so a symbolic link swapped
//!   in after the kernel's check cannot lead outside the grant. This is WASI's preopened
//!   directories and `openat2(RESOLVE_BENEATH)`, and what cap-std does.
//! - `real_path` is how the kernel resolves a path before checking permissions: the provider
//!   follows symbolic links and returns the resulting absolute path, appending the components
//!   that do not exist yet (so a file about to be created resolves too).
//! - Providers never check permissions: the kernel does, before calling them.
//!
//! Provider authors implement [`FsProvider`] and [`FileProvider`] (plain Rust) and export
//! them with [`crate::export_module!`], which wraps them into the ABI traits [`FileSystem`]
//! and [`FileHandle`] with panic guards. The kernel sees only the ABI traits.

use abi_stable::sabi_trait;
use abi_stable::std_types::{RBox, ROption, RSlice, RSliceMut, RStr, RString, RVec};
use abi_stable::StableAbi;

use crate::error::{ErrorKind, SpiError, SpiResult};

/// A target of a file operation: `rel` resolved inside the directory `beneath`.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug, PartialEq, Eq)]
pub struct FsPath<'a> {
    /// An absolute directory path the resolution may not leave; `/` for no restriction.
    pub beneath: RStr<'a>,
    /// A relative path inside `beneath` (no leading '/'); empty means `beneath` itself.
    pub rel: RStr<'a>,
}

impl<'a> FsPath<'a> {
    /// `rel` inside `beneath`.
    pub fn new(beneath: &'a str, rel: &'a str) -> FsPath<'a> {
        FsPath {
            beneath: RStr::from_str(beneath),
            rel: RStr::from_str(rel),
        }
    }

    /// An absolute path with no restriction (`beneath` is `/`).
    pub fn absolute(path: &'a str) -> FsPath<'a> {
        FsPath::new("/", path.trim_start_matches('/'))
    }

    /// `path` (absolute, normalised) inside `root` (absolute, normalised), or `None` when
    /// `path` is not `root` or below it.
    pub fn within(root: &'a str, path: &'a str) -> Option<FsPath<'a>> {
        if root == "/" {
            return Some(FsPath::absolute(path));
        }
        let rest = path.strip_prefix(root)?;
        if rest.is_empty() {
            Some(FsPath::new(root, ""))
        } else {
            rest.strip_prefix('/').map(|rel| FsPath::new(root, rel))
        }
    }

    /// The absolute path this names (`beneath` joined with `rel`).
    pub fn joined(&self) -> String {
        join(self.beneath.as_str(), self.rel.as_str())
    }
}

/// `base` joined with the relative `rel`.
pub fn join(base: &str, rel: &str) -> String {
    if rel.is_empty() {
        base.to_string()
    } else if base.ends_with('/') {
        format!("{base}{rel}")
    } else {
        format!("{base}/{rel}")
    }
}

/// Lexically normalises `path` against the absolute directory `cwd`: relative paths are
/// joined to `cwd`; `.` and empty components vanish; `..` removes the previous component
/// (at the root it stays at the root, as the operating system does). This is what the kernel
/// does before asking the provider for a `real_path`.
pub fn normalize(cwd: &str, path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let full_iter = if path.starts_with('/') {
        path.split('/').collect::<Vec<_>>()
    } else {
        cwd.split('/').chain(path.split('/')).collect::<Vec<_>>()
    };
    for c in full_iter {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            name => parts.push(name),
        }
    }
    let mut out = String::with_capacity(path.len() + cwd.len());
    for p in &parts {
        out.push('/');
        out.push_str(p);
    }
    if out.is_empty() {
        out.push('/');
    }
    out
}

/// What [`resolve_path`] learns about one absolute path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Nothing exists there.
    Missing,
    /// A directory.
    Dir,
    /// Anything else that is not a symbolic link.
    NotDir,
    /// A symbolic link with this target text.
    Symlink(String),
}

/// The most symbolic links one resolution follows (Linux's limit).
pub const MAX_SYMLINKS: usize = 40;

/// Resolves `path` (absolute, normalised) by asking `lookup` about each prefix: symbolic
/// links are followed (the final one only if `follow_final`), `..` after a link's target is
/// applied to the resolved path, and components below the first missing one are appended
/// lexically. Errors: `NOT_A_DIRECTORY` when a non-directory has components below it,
/// `TOO_MANY_LINKS` after [`MAX_SYMLINKS`] links. Both providers implement `real_path` with
/// this walker so they agree exactly.
pub fn resolve_path(
    path: &str,
    follow_final: bool,
    lookup: &mut dyn FnMut(&str) -> Result<Lookup, SpiError>,
) -> Result<String, SpiError> {
    // Components still to walk, the next one at the end; `.` never enters it, so the
    // component being walked is the final one exactly when nothing is left.
    let mut todo: Vec<String> = Vec::new();
    push_components(&mut todo, path);
    // The resolved path so far ("" for the root) and where each component starts in it.
    let mut resolved = String::with_capacity(path.len());
    let mut starts: Vec<usize> = Vec::new();
    let mut links = 0usize;
    let mut missing = false;
    while let Some(comp) = todo.pop() {
        if comp == ".." {
            if let Some(start) = starts.pop() {
                resolved.truncate(start);
            }
            continue;
        }
        starts.push(resolved.len());
        resolved.push('/');
        resolved.push_str(&comp);
        if missing {
            continue;
        }
        let is_final = todo.is_empty();
        if is_final && !follow_final {
            break;
        }
        match lookup(&resolved)? {
            Lookup::Missing => missing = true,
            Lookup::Dir => {}
            Lookup::NotDir => {
                if !is_final {
                    return Err(SpiError::new(ErrorKind::NOT_A_DIRECTORY));
                }
            }
            Lookup::Symlink(target) => {
                links += 1;
                if links > MAX_SYMLINKS {
                    return Err(SpiError::new(ErrorKind::TOO_MANY_LINKS));
                }
                // The link itself is replaced by its target.
                if let Some(start) = starts.pop() {
                    resolved.truncate(start);
                }
                if target.starts_with('/') {
                    resolved.clear();
                    starts.clear();
                }
                push_components(&mut todo, &target);
            }
        }
    }
    if resolved.is_empty() {
        resolved.push('/');
    }
    Ok(resolved)
}

/// Pushes the components of `path` onto `todo` so that the first is popped first.
fn push_components(todo: &mut Vec<String>, path: &str) {
    for c in path.split('/').rev() {
        if !c.is_empty() && c != "." {
            todo.push(c.to_string());
        }
    }
}

/// The kind of a file system object.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct FileKind(pub u8);

impl FileKind {
    /// Something else, or unknown.
    pub const OTHER: FileKind = FileKind(0);
    /// A regular file.
    pub const FILE: FileKind = FileKind(1);
    /// A directory.
    pub const DIR: FileKind = FileKind(2);
    /// A symbolic link (only from `metadata(.., follow = false)` and directory listings).
    pub const SYMLINK: FileKind = FileKind(3);
    /// A named pipe.
    pub const FIFO: FileKind = FileKind(4);
    /// A socket.
    pub const SOCKET: FileKind = FileKind(5);
    /// A character device.
    pub const CHAR_DEVICE: FileKind = FileKind(6);
    /// A block device.
    pub const BLOCK_DEVICE: FileKind = FileKind(7);

    /// The name LuaFileSystem's `attributes().mode` uses.
    pub fn lfs_name(self) -> &'static str {
        match self {
            FileKind::FILE => "file",
            FileKind::DIR => "directory",
            FileKind::SYMLINK => "link",
            FileKind::FIFO => "named pipe",
            FileKind::SOCKET => "socket",
            FileKind::CHAR_DEVICE => "char device",
            FileKind::BLOCK_DEVICE => "block device",
            _ => "other",
        }
    }
}

/// A point in time: seconds and nanoseconds since the Unix epoch.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct FileTime {
    /// Whole seconds since 1970-01-01T00:00:00Z (negative before).
    pub secs: i64,
    /// Nanoseconds within the second, 0..1_000_000_000.
    pub nanos: u32,
}

impl FileTime {
    /// The current time.
    pub fn now() -> FileTime {
        FileTime::from_system(std::time::SystemTime::now())
    }

    /// Converts a `SystemTime`.
    pub fn from_system(t: std::time::SystemTime) -> FileTime {
        match t.duration_since(std::time::UNIX_EPOCH) {
            Ok(d) => FileTime {
                secs: d.as_secs() as i64,
                nanos: d.subsec_nanos(),
            },
            Err(e) => {
                let d = e.duration();
                if d.subsec_nanos() == 0 {
                    FileTime {
                        secs: -(d.as_secs() as i64),
                        nanos: 0,
                    }
                } else {
                    FileTime {
                        secs: -(d.as_secs() as i64) - 1,
                        nanos: 1_000_000_000 - d.subsec_nanos(),
                    }
                }
            }
        }
    }

    /// Converts to a `SystemTime`.
    pub fn to_system(self) -> std::time::SystemTime {
        let base = std::time::UNIX_EPOCH;
        if self.secs >= 0 {
            base + std::time::Duration::new(self.secs as u64, self.nanos)
        } else {
            base - std::time::Duration::from_secs(self.secs.unsigned_abs())
                + std::time::Duration::from_nanos(self.nanos as u64)
        }
    }
}

/// What `metadata` reports. Fields a provider cannot know are 0 / `RNone`.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq)]
pub struct Metadata {
    /// What the object is.
    pub kind: FileKind,
    /// Size in bytes (for a symbolic link: the length of its target).
    pub size: u64,
    /// Unix permission bits (`0o777` and the setuid/setgid/sticky bits), without the type.
    pub mode: u32,
    /// True when no one may write it (the write bits are all clear).
    pub readonly: bool,
    /// Last modification.
    pub modified: ROption<FileTime>,
    /// Last access.
    pub accessed: ROption<FileTime>,
    /// Last status change (Unix ctime).
    pub changed: ROption<FileTime>,
    /// Creation, where the file system records it.
    pub created: ROption<FileTime>,
    /// Device id.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// Number of hard links.
    pub nlink: u64,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Device id, for device files.
    pub rdev: u64,
    /// Allocated 512-byte blocks.
    pub blocks: u64,
    /// Preferred I/O block size.
    pub blksize: u64,
}

/// One directory entry (never `.` or `..`).
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct DirEntry {
    /// The entry's name.
    pub name: RString,
    /// Its kind, not following symbolic links.
    pub kind: FileKind,
}

/// How to open a file. Mirrors `std::fs::OpenOptions`.
#[repr(C)]
#[derive(StableAbi, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// Allow reading.
    pub read: bool,
    /// Allow writing.
    pub write: bool,
    /// Every write goes to the end.
    pub append: bool,
    /// Cut an existing file to length 0.
    pub truncate: bool,
    /// Create the file when missing.
    pub create: bool,
    /// Create the file, failing with `ALREADY_EXISTS` if it exists.
    pub create_new: bool,
}

impl OpenOptions {
    /// The options for a C `fopen` mode as `io.open` accepts it (`r`, `w`, `a`, `r+`, `w+`,
    /// `a+`, each optionally followed by `b`); `None` for an invalid mode.
    pub fn from_mode(mode: &str) -> Option<OpenOptions> {
        let m = mode.strip_suffix('b').unwrap_or(mode);
        let o = OpenOptions::default();
        Some(match m {
            "r" => OpenOptions { read: true, ..o },
            "w" => OpenOptions {
                write: true,
                truncate: true,
                create: true,
                ..o
            },
            "a" => OpenOptions {
                write: true,
                append: true,
                create: true,
                ..o
            },
            "r+" => OpenOptions {
                read: true,
                write: true,
                ..o
            },
            "w+" => OpenOptions {
                read: true,
                write: true,
                truncate: true,
                create: true,
                ..o
            },
            "a+" => OpenOptions {
                read: true,
                write: true,
                append: true,
                create: true,
                ..o
            },
            _ => return None,
        })
    }

    /// True if opening with these options needs the write permission.
    pub fn needs_write(&self) -> bool {
        self.write || self.append || self.truncate || self.create || self.create_new
    }

    /// True if opening with these options needs the read permission.
    pub fn needs_read(&self) -> bool {
        self.read
    }
}

/// Where a seek counts from.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Whence(pub u8);

impl Whence {
    /// From the start (`"set"`).
    pub const SET: Whence = Whence(0);
    /// From the current position (`"cur"`).
    pub const CUR: Whence = Whence(1);
    /// From the end (`"end"`).
    pub const END: Whence = Whence(2);
}

/// An open file, as the kernel sees it. Unbuffered: the kernel's `io` library buffers.
/// Dropping the box closes the file.
#[sabi_trait]
pub trait FileHandle: Send {
    /// Reads up to `buf.len()` bytes; 0 means end of file.
    fn read(&mut self, buf: RSliceMut<'_, u8>) -> SpiResult<usize>;
    /// Writes all of `data`.
    fn write_all(&mut self, data: RSlice<'_, u8>) -> SpiResult<()>;
    /// Moves the position; returns the new position from the start.
    fn seek(&mut self, whence: Whence, offset: i64) -> SpiResult<u64>;
    /// Pushes written data to the file system.
    fn flush(&mut self) -> SpiResult<()>;
    /// Metadata of the open file.
    fn metadata(&self) -> SpiResult<Metadata>;
    /// Truncates or extends the file to `len` bytes.
    fn set_len(&mut self, len: u64) -> SpiResult<()>;
    /// Closes the file, reporting errors of the final flush; later calls fail with `CLOSED`.
    #[sabi(last_prefix_field)]
    fn close(&mut self) -> SpiResult<()>;
}

/// An open file in a box, as `FileSystem::open` returns it.
pub type FileBox = FileHandle_TO<'static, RBox<()>>;

/// A file system provider, as the kernel sees it. See the module documentation for the path
/// rules.
#[sabi_trait]
pub trait FileSystem: Send + Sync {
    /// Opens a file.
    fn open(&self, path: FsPath<'_>, options: OpenOptions) -> SpiResult<FileBox>;
    /// Metadata; `follow` false reports a final symbolic link itself (`lstat`).
    fn metadata(&self, path: FsPath<'_>, follow: bool) -> SpiResult<Metadata>;
    /// True if something exists at `path` (following symbolic links; a dangling link is
    /// false).
    fn exists(&self, path: FsPath<'_>) -> SpiResult<bool>;
    /// A directory's entries, sorted by name.
    fn read_dir(&self, path: FsPath<'_>) -> SpiResult<RVec<DirEntry>>;
    /// Creates one directory (its parent must exist).
    fn create_dir(&self, path: FsPath<'_>) -> SpiResult<()>;
    /// Removes a file or symbolic link (not a directory).
    fn remove_file(&self, path: FsPath<'_>) -> SpiResult<()>;
    /// Removes an empty directory.
    fn remove_dir(&self, path: FsPath<'_>) -> SpiResult<()>;
    /// Renames `from` to `to`, replacing a file at `to` (POSIX `rename`).
    fn rename(&self, from: FsPath<'_>, to: FsPath<'_>) -> SpiResult<()>;
    /// Creates a symbolic link at `link` whose target text is `target`.
    fn symlink(&self, target: RStr<'_>, link: FsPath<'_>) -> SpiResult<()>;
    /// A symbolic link's target text.
    fn read_link(&self, path: FsPath<'_>) -> SpiResult<RString>;
    /// Sets access and/or modification times (`RNone` leaves one unchanged). The object
    /// must exist (the kernel's `touch` creates it first).
    fn set_times(
        &self,
        path: FsPath<'_>,
        accessed: ROption<FileTime>,
        modified: ROption<FileTime>,
    ) -> SpiResult<()>;
    /// Sets the Unix permission bits.
    fn set_mode(&self, path: FsPath<'_>, mode: u32) -> SpiResult<()>;
    /// Resolves the absolute, normalised `path`: follows symbolic links (the final one only
    /// if `follow_final`) and returns the absolute path they lead to; components below the
    /// first missing one are appended unchanged. Not confined: the kernel checks the result.
    fn real_path(&self, path: RStr<'_>, follow_final: bool) -> SpiResult<RString>;
    /// The directory the kernel starts a state in (the process's for the real file system,
    /// `/` for an in-memory one).
    #[sabi(last_prefix_field)]
    fn current_dir(&self) -> SpiResult<RString>;
}

/// A file system provider in a box, as a module's constructor returns it.
pub type FileSystemBox = FileSystem_TO<'static, RBox<()>>;

/// What a provider implements for its files: plain Rust, wrapped by [`FileSystem`]'s
/// adapter with panic guards.
pub trait FileProvider: Send + 'static {
    /// See [`FileHandle::read`].
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, SpiError>;
    /// See [`FileHandle::write_all`].
    fn write_all(&mut self, data: &[u8]) -> Result<(), SpiError>;
    /// See [`FileHandle::seek`].
    fn seek(&mut self, whence: Whence, offset: i64) -> Result<u64, SpiError>;
    /// See [`FileHandle::flush`].
    fn flush(&mut self) -> Result<(), SpiError>;
    /// See [`FileHandle::metadata`].
    fn metadata(&self) -> Result<Metadata, SpiError>;
    /// See [`FileHandle::set_len`].
    fn set_len(&mut self, len: u64) -> Result<(), SpiError>;
    /// See [`FileHandle::close`]. Called at most once; the adapter refuses calls after it.
    fn close(&mut self) -> Result<(), SpiError>;
}

/// What a file system provider implements: plain Rust, wrapped into [`FileSystem`] with
/// panic guards by [`crate::export_module!`] (or [`crate::guard::filesystem_box`]).
pub trait FsProvider: Send + Sync + 'static {
    /// The open-file type.
    type File: FileProvider;
    /// See [`FileSystem::open`].
    fn open(&self, path: FsPath<'_>, options: OpenOptions) -> Result<Self::File, SpiError>;
    /// See [`FileSystem::metadata`].
    fn metadata(&self, path: FsPath<'_>, follow: bool) -> Result<Metadata, SpiError>;
    /// See [`FileSystem::exists`].
    fn exists(&self, path: FsPath<'_>) -> Result<bool, SpiError>;
    /// See [`FileSystem::read_dir`].
    fn read_dir(&self, path: FsPath<'_>) -> Result<Vec<DirEntry>, SpiError>;
    /// See [`FileSystem::create_dir`].
    fn create_dir(&self, path: FsPath<'_>) -> Result<(), SpiError>;
    /// See [`FileSystem::remove_file`].
    fn remove_file(&self, path: FsPath<'_>) -> Result<(), SpiError>;
    /// See [`FileSystem::remove_dir`].
    fn remove_dir(&self, path: FsPath<'_>) -> Result<(), SpiError>;
    /// See [`FileSystem::rename`].
    fn rename(&self, from: FsPath<'_>, to: FsPath<'_>) -> Result<(), SpiError>;
    /// See [`FileSystem::symlink`].
    fn symlink(&self, target: &str, link: FsPath<'_>) -> Result<(), SpiError>;
    /// See [`FileSystem::read_link`].
    fn read_link(&self, path: FsPath<'_>) -> Result<String, SpiError>;
    /// See [`FileSystem::set_times`].
    fn set_times(
        &self,
        path: FsPath<'_>,
        accessed: Option<FileTime>,
        modified: Option<FileTime>,
    ) -> Result<(), SpiError>;
    /// See [`FileSystem::set_mode`].
    fn set_mode(&self, path: FsPath<'_>, mode: u32) -> Result<(), SpiError>;
    /// See [`FileSystem::real_path`].
    fn real_path(&self, path: &str, follow_final: bool) -> Result<String, SpiError>;
    /// See [`FileSystem::current_dir`].
    fn current_dir(&self) -> Result<String, SpiError>;
}
