//! luna's file system provider: the real file system, through cap-std.
//!
//! How the kernel's grants and this provider meet: the kernel resolves a path (`real_path`),
//! checks it against its allow and deny rules, and passes the granted directory that
//! authorised the access as `FsPath::beneath`. When that is `/` (everything granted) the
//! operation uses std's ambient paths, exactly as `lua` would. Otherwise it opens the
//! granted directory with `cap_std::fs::Dir::open_ambient_dir` and performs the operation
//! relative to it: cap-std guarantees that neither `..` nor a symbolic link (absolute or
//! relative) leads outside, even if the tree changed after the kernel's check. An escape
//! fails with `PERMISSION_DENIED`. This provider never decides what is allowed.
//!
//! Paths must be valid UTF-8 (the SPI carries text); directory entries whose names are not
//! are reported with invalid bytes replaced.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use cap_std::fs::Dir;
use luna_spi::fs::{
    resolve_path, DirEntry, FileKind, FileProvider, FileTime, FsPath, FsProvider, Lookup, Metadata,
    OpenOptions, Whence,
};
use luna_spi::{ErrorKind, SpiError};

/// The real file system.
#[derive(Debug, Default, Clone, Copy)]
pub struct RealFs;

impl RealFs {
    /// The provider (stateless).
    pub fn new() -> RealFs {
        RealFs
    }
}

fn new_provider() -> Result<RealFs, SpiError> {
    Ok(RealFs)
}

luna_spi::export_module! {
    name: "fs",
    version: env!("CARGO_PKG_VERSION"),
    description: "the real file system (cap-std)",
    permissions: [READ, WRITE],
    filesystem: new_provider,
}

/// Where an operation happens: an ambient absolute path, or a path inside an opened
/// directory that it may not leave.
enum Base {
    Ambient(PathBuf),
    Capped(Dir, PathBuf),
}

fn err(e: std::io::Error) -> SpiError {
    SpiError::from(e)
}

fn is_unrestricted(beneath: &str) -> bool {
    beneath.is_empty() || beneath == "/"
}

fn base(p: FsPath<'_>) -> Result<Base, SpiError> {
    let rel = p.rel.as_str().trim_start_matches('/');
    if is_unrestricted(p.beneath.as_str()) {
        Ok(Base::Ambient(Path::new("/").join(rel)))
    } else {
        let dir =
            Dir::open_ambient_dir(p.beneath.as_str(), cap_std::ambient_authority()).map_err(err)?;
        let rel = if rel.is_empty() {
            PathBuf::from(".")
        } else {
            PathBuf::from(rel)
        };
        Ok(Base::Capped(dir, rel))
    }
}

/// Runs the ambient or the capped form of an operation.
fn run<T>(
    p: FsPath<'_>,
    ambient: impl FnOnce(&Path) -> std::io::Result<T>,
    capped: impl FnOnce(&Dir, &Path) -> std::io::Result<T>,
) -> Result<T, SpiError> {
    match base(p)? {
        Base::Ambient(path) => ambient(&path).map_err(err),
        Base::Capped(dir, rel) => capped(&dir, &rel).map_err(err),
    }
}

fn time(secs: i64, nanos: i64) -> luna_spi::abi_stable::std_types::ROption<FileTime> {
    luna_spi::abi_stable::std_types::ROption::RSome(FileTime {
        secs,
        nanos: nanos.clamp(0, 999_999_999) as u32,
    })
}

/// Metadata read through `std` (an open file, a path outside any directory handle), in the
/// same form as through cap-std.
#[cfg(unix)]
fn meta_from_std(m: std::fs::Metadata) -> Metadata {
    meta_from_cap(&cap_std::fs::Metadata::from_just_metadata(m))
}

#[cfg(unix)]
fn meta_from_cap(m: &cap_std::fs::Metadata) -> Metadata {
    use cap_std::fs::{FileTypeExt, MetadataExt};
    let ft = m.file_type();
    let kind = if ft.is_symlink() {
        FileKind::SYMLINK
    } else if ft.is_dir() {
        FileKind::DIR
    } else if ft.is_file() {
        FileKind::FILE
    } else if ft.is_fifo() {
        FileKind::FIFO
    } else if ft.is_socket() {
        FileKind::SOCKET
    } else if ft.is_char_device() {
        FileKind::CHAR_DEVICE
    } else if ft.is_block_device() {
        FileKind::BLOCK_DEVICE
    } else {
        FileKind::OTHER
    };
    Metadata {
        kind,
        size: m.len(),
        mode: m.mode() & 0o7777,
        readonly: m.mode() & 0o222 == 0,
        modified: time(m.mtime(), m.mtime_nsec()),
        accessed: time(m.atime(), m.atime_nsec()),
        changed: time(m.ctime(), m.ctime_nsec()),
        created: m
            .created()
            .ok()
            .map(|t| FileTime::from_system(t.into_std()))
            .into(),
        dev: m.dev(),
        ino: m.ino(),
        nlink: m.nlink(),
        uid: m.uid(),
        gid: m.gid(),
        rdev: m.rdev(),
        blocks: m.blocks(),
        blksize: m.blksize(),
    }
}

fn kind_of(ft: std::fs::FileType) -> FileKind {
    if ft.is_symlink() {
        FileKind::SYMLINK
    } else if ft.is_dir() {
        FileKind::DIR
    } else if ft.is_file() {
        FileKind::FILE
    } else {
        FileKind::OTHER
    }
}

fn kind_of_cap(ft: cap_std::fs::FileType) -> FileKind {
    if ft.is_symlink() {
        FileKind::SYMLINK
    } else if ft.is_dir() {
        FileKind::DIR
    } else if ft.is_file() {
        FileKind::FILE
    } else {
        FileKind::OTHER
    }
}

fn std_options(o: &OpenOptions) -> std::fs::OpenOptions {
    let mut s = std::fs::OpenOptions::new();
    s.read(o.read)
        .write(o.write)
        .append(o.append)
        .truncate(o.truncate)
        .create(o.create)
        .create_new(o.create_new);
    s
}

fn cap_options(o: &OpenOptions) -> cap_std::fs::OpenOptions {
    let mut s = cap_std::fs::OpenOptions::new();
    s.read(o.read)
        .write(o.write)
        .append(o.append)
        .truncate(o.truncate)
        .create(o.create)
        .create_new(o.create_new);
    s
}

fn path_text(p: &Path) -> Result<String, SpiError> {
    p.to_str()
        .map(str::to_string)
        .ok_or_else(|| SpiError::with_message(ErrorKind::INVALID_INPUT, "path is not valid UTF-8"))
}

fn check_options(o: &OpenOptions) -> Result<(), SpiError> {
    if !o.read && !o.write && !o.append {
        return Err(SpiError::invalid_input(
            "open needs read, write or append access",
        ));
    }
    Ok(())
}

/// An open file of the real file system.
#[derive(Debug)]
pub struct RealFile {
    file: std::fs::File,
}

impl FileProvider for RealFile {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, SpiError> {
        loop {
            match self.file.read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => return r.map_err(err),
            }
        }
    }
    fn write_all(&mut self, data: &[u8]) -> Result<(), SpiError> {
        self.file.write_all(data).map_err(err)
    }
    fn seek(&mut self, whence: Whence, offset: i64) -> Result<u64, SpiError> {
        let pos = match whence {
            Whence::SET => {
                if offset < 0 {
                    return Err(SpiError::new(ErrorKind::INVALID_INPUT));
                }
                SeekFrom::Start(offset as u64)
            }
            Whence::CUR => SeekFrom::Current(offset),
            Whence::END => SeekFrom::End(offset),
            _ => return Err(SpiError::new(ErrorKind::INVALID_INPUT)),
        };
        self.file.seek(pos).map_err(err)
    }
    fn flush(&mut self) -> Result<(), SpiError> {
        self.file.flush().map_err(err)
    }
    fn metadata(&self) -> Result<Metadata, SpiError> {
        self.file.metadata().map(meta_from_std).map_err(err)
    }
    fn set_len(&mut self, len: u64) -> Result<(), SpiError> {
        self.file.set_len(len).map_err(err)
    }
    fn close(&mut self) -> Result<(), SpiError> {
        self.file.flush().map_err(err)
    }
}

impl FsProvider for RealFs {
    type File = RealFile;

    fn open(&self, path: FsPath<'_>, options: OpenOptions) -> Result<RealFile, SpiError> {
        check_options(&options)?;
        let file = run(
            path,
            |p| std_options(&options).open(p),
            |d, rel| {
                d.open_with(rel, &cap_options(&options))
                    .map(|f| f.into_std())
            },
        )?;
        // A directory opened for reading is a valid handle whose reads fail with
        // IS_A_DIRECTORY, as with C's fopen on Linux.
        Ok(RealFile { file })
    }

    fn metadata(&self, path: FsPath<'_>, follow: bool) -> Result<Metadata, SpiError> {
        match base(path)? {
            Base::Ambient(p) => {
                let m = if follow {
                    std::fs::metadata(&p)
                } else {
                    std::fs::symlink_metadata(&p)
                };
                m.map(meta_from_std).map_err(err)
            }
            Base::Capped(d, rel) => {
                let m = if follow {
                    d.metadata(&rel)
                } else {
                    d.symlink_metadata(&rel)
                };
                m.map(|m| meta_from_cap(&m)).map_err(err)
            }
        }
    }

    fn exists(&self, path: FsPath<'_>) -> Result<bool, SpiError> {
        match base(path)? {
            Base::Ambient(p) => Ok(std::fs::metadata(p).is_ok()),
            Base::Capped(d, rel) => match d.metadata(&rel) {
                Ok(_) => Ok(true),
                Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Err(err(e)),
                Err(_) => Ok(false),
            },
        }
    }

    fn read_dir(&self, path: FsPath<'_>) -> Result<Vec<DirEntry>, SpiError> {
        let mut out = Vec::new();
        match base(path)? {
            Base::Ambient(p) => {
                for e in std::fs::read_dir(&p).map_err(err)? {
                    let e = e.map_err(err)?;
                    let kind = e.file_type().map(kind_of).unwrap_or(FileKind::OTHER);
                    out.push(DirEntry {
                        name: e.file_name().to_string_lossy().into_owned().into(),
                        kind,
                    });
                }
            }
            Base::Capped(d, rel) => {
                for e in d.read_dir(&rel).map_err(err)? {
                    let e = e.map_err(err)?;
                    let kind = e.file_type().map(kind_of_cap).unwrap_or(FileKind::OTHER);
                    out.push(DirEntry {
                        name: e.file_name().to_string_lossy().into_owned().into(),
                        kind,
                    });
                }
            }
        }
        out.sort();
        Ok(out)
    }

    fn create_dir(&self, path: FsPath<'_>) -> Result<(), SpiError> {
        run(path, |p| std::fs::create_dir(p), |d, rel| d.create_dir(rel))
    }

    fn remove_file(&self, path: FsPath<'_>) -> Result<(), SpiError> {
        run(
            path,
            |p| std::fs::remove_file(p),
            |d, rel| d.remove_file(rel),
        )
    }

    fn remove_dir(&self, path: FsPath<'_>) -> Result<(), SpiError> {
        run(path, |p| std::fs::remove_dir(p), |d, rel| d.remove_dir(rel))
    }

    fn rename(&self, from: FsPath<'_>, to: FsPath<'_>) -> Result<(), SpiError> {
        if is_unrestricted(from.beneath.as_str()) && is_unrestricted(to.beneath.as_str()) {
            let (Base::Ambient(a), Base::Ambient(b)) = (base(from)?, base(to)?) else {
                return Err(SpiError::new(ErrorKind::OTHER));
            };
            return std::fs::rename(a, b).map_err(err);
        }
        let open = |p: FsPath<'_>| -> Result<(Dir, PathBuf), SpiError> {
            match base(p)? {
                Base::Capped(d, rel) => Ok((d, rel)),
                Base::Ambient(abs) => {
                    let dir =
                        Dir::open_ambient_dir("/", cap_std::ambient_authority()).map_err(err)?;
                    Ok((dir, abs.strip_prefix("/").unwrap_or(&abs).to_path_buf()))
                }
            }
        };
        let (fd, frel) = open(from)?;
        let (td, trel) = open(to)?;
        fd.rename(&frel, &td, &trel).map_err(err)
    }

    fn symlink(&self, target: &str, link: FsPath<'_>) -> Result<(), SpiError> {
        run(
            link,
            |p| std::os::unix::fs::symlink(target, p),
            |d, rel| d.symlink_contents(target, rel),
        )
    }

    fn read_link(&self, path: FsPath<'_>) -> Result<String, SpiError> {
        let target = run(
            path,
            |p| std::fs::read_link(p),
            |d, rel| d.read_link_contents(rel),
        )?;
        path_text(&target)
    }

    fn set_times(
        &self,
        path: FsPath<'_>,
        accessed: Option<FileTime>,
        modified: Option<FileTime>,
    ) -> Result<(), SpiError> {
        let mut times = std::fs::FileTimes::new();
        if let Some(a) = accessed {
            times = times.set_accessed(a.to_system());
        }
        if let Some(m) = modified {
            times = times.set_modified(m.to_system());
        }
        let file = match base(path)? {
            Base::Ambient(p) => std::fs::File::open(&p).map_err(err)?,
            Base::Capped(d, rel) => match d.open(&rel) {
                Ok(f) => f.into_std(),
                Err(e) if e.raw_os_error() == Some(21) => {
                    d.open_dir(&rel).map_err(err)?.into_std_file()
                }
                Err(e) => return Err(err(e)),
            },
        };
        file.set_times(times).map_err(err)
    }

    fn set_mode(&self, path: FsPath<'_>, mode: u32) -> Result<(), SpiError> {
        use std::os::unix::fs::PermissionsExt;
        run(
            path,
            |p| std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)),
            |d, rel| {
                d.set_permissions(
                    rel,
                    cap_std::fs::Permissions::from_std(std::fs::Permissions::from_mode(mode)),
                )
            },
        )
    }

    fn real_path(&self, path: &str, follow_final: bool) -> Result<String, SpiError> {
        if !path.starts_with('/') {
            return Err(SpiError::invalid_input("real_path needs an absolute path"));
        }
        resolve_path(
            path,
            follow_final,
            &mut |p| match std::fs::symlink_metadata(p) {
                Ok(m) if m.file_type().is_symlink() => {
                    let target = std::fs::read_link(p).map_err(err)?;
                    Ok(Lookup::Symlink(path_text(&target)?))
                }
                Ok(m) if m.is_dir() => Ok(Lookup::Dir),
                Ok(_) => Ok(Lookup::NotDir),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Lookup::Missing),
                Err(e) => Err(err(e)),
            },
        )
    }

    fn current_dir(&self) -> Result<String, SpiError> {
        let d = std::env::current_dir().map_err(err)?;
        path_text(&d)
    }
}
