//! Providers from native modules: adapters from the stable ABI's `FileSystem`, `Network` and
//! `Crypto` objects to the kernel's backend traits, and their installation.
//!
//! Invariants:
//! - The kernel calls a provider only after its own permission check (`services.rs`); the
//!   adapters add none. File-system paths reach the provider absolute and resolved, with the
//!   granted directory as `beneath`, which the provider must not leave.
//! - A provider's error becomes a [`HostError`] with its message and errno; a panic in the
//!   provider (`PANICKED`, then `POISONED`) marks its module dead, and every later call fails
//!   at once with a message naming the module.
//! - The kernel keeps the current directory for a provider's file system (providers have
//!   none); it starts at the provider's `current_dir`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use luna_spi::abi_stable::std_types::{RResult, RSlice, RSliceMut, RStr};
use luna_spi::{ErrorKind, SpiError, SpiResult};

use super::crypto::CryptoBackend;
use super::fs::{FileKind, FileMeta, FsBackend, FsPath};
use super::loader::{find_provider_file, load_module_file, LoadedModule};
use super::net::{NetBackend, SocketAddress, TcpListener, TcpStream, UdpSocket, TIMEOUT_ERRNO};
use super::permissions::normalize_lexically;
use super::services::ProviderKind;
use super::{FileStream, HostError, HostResult, OpenMode, ProcessStatus, Whence};
use crate::state::State;

/// A provider error as the libraries report it (LuaSocket's words for network failures).
fn host_error(module: &LoadedModule, e: SpiError) -> HostError {
    if e.is_poisoning() {
        module.mark_dead();
        return HostError::new(format!(
            "provider '{}' panicked and is disabled: {}",
            module.name(),
            e.message()
        ));
    }
    let message = match e.kind {
        ErrorKind::TIMED_OUT | ErrorKind::WOULD_BLOCK => "timeout".to_string(),
        ErrorKind::CLOSED => "closed".to_string(),
        ErrorKind::CONNECTION_REFUSED => "connection refused".to_string(),
        ErrorKind::HOST_NOT_FOUND => "host not found".to_string(),
        _ => e.message().to_string(),
    };
    let errno = match e.kind {
        ErrorKind::TIMED_OUT | ErrorKind::WOULD_BLOCK => TIMEOUT_ERRNO,
        _ => e.code,
    };
    HostError {
        message,
        errno,
        denied: false,
    }
}

/// Runs a provider call unless its module is dead, converting the result.
fn call<T>(module: &LoadedModule, f: impl FnOnce() -> SpiResult<T>) -> HostResult<T> {
    if module.is_dead() {
        return Err(HostError::new(module.dead_message()));
    }
    match f() {
        RResult::ROk(v) => Ok(v),
        RResult::RErr(e) => Err(host_error(module, e)),
    }
}

fn utf8(p: &Path) -> HostResult<&str> {
    p.to_str()
        .ok_or_else(|| HostError::new(format!("{}: path is not valid UTF-8", p.display())))
}

fn millis(t: Option<Duration>) -> u64 {
    // 0 means "no timeout" to providers: a zero timeout waits a millisecond.
    t.map(|d| (d.as_millis() as u64).max(1)).unwrap_or(0)
}

// ---------------------------------------------------------------------------------------
// File systems
// ---------------------------------------------------------------------------------------

/// A file-system provider from a module.
pub struct ModuleFs {
    module: Arc<LoadedModule>,
    fs: luna_spi::fs::FileSystemBox,
    cwd: PathBuf,
}

impl ModuleFs {
    /// Creates the module's file system.
    pub fn new(module: Arc<LoadedModule>) -> Result<ModuleFs, String> {
        let Some(ctor) = module.info.filesystem() else {
            return Err(format!(
                "native module '{}' ({}) provides no file system",
                module.name(),
                module.path.display()
            ));
        };
        let fs = call(&module, || ctor()).map_err(|e| e.message)?;
        let cwd = call(&module, || fs.current_dir()).map_err(|e| e.message)?;
        Ok(ModuleFs {
            cwd: PathBuf::from(cwd.as_str()),
            module,
            fs,
        })
    }

    /// Runs `f` with the provider's view of `path` (`beneath` the grant, `rel` inside it).
    fn with_path<T>(
        &self,
        path: FsPath<'_>,
        f: impl FnOnce(luna_spi::fs::FsPath<'_>) -> SpiResult<T>,
    ) -> HostResult<T> {
        let (p, beneath) = match path {
            FsPath::Checked { path, beneath } => (path, beneath),
            // Plain paths go to the built-in backend only; be safe anyway.
            FsPath::Plain(p) => (p, Path::new("/")),
        };
        let p = utf8(p)?;
        let b = utf8(beneath)?;
        let spi_path =
            luna_spi::fs::FsPath::within(b, p).unwrap_or_else(|| luna_spi::fs::FsPath::absolute(p));
        call(&self.module, || f(spi_path))
    }
}

fn meta_of(m: &luna_spi::fs::Metadata) -> FileMeta {
    use luna_spi::fs::FileKind as K;
    let secs = |t: &luna_spi::abi_stable::std_types::ROption<luna_spi::fs::FileTime>| {
        t.as_ref().map(|t| t.secs).unwrap_or(0)
    };
    FileMeta {
        kind: match m.kind {
            K::FILE => FileKind::File,
            K::DIR => FileKind::Directory,
            K::SYMLINK => FileKind::Symlink,
            K::FIFO => FileKind::NamedPipe,
            K::SOCKET => FileKind::Socket,
            K::CHAR_DEVICE => FileKind::CharDevice,
            K::BLOCK_DEVICE => FileKind::BlockDevice,
            _ => FileKind::Other,
        },
        size: m.size,
        mode: m.mode & 0o7777,
        dev: m.dev,
        ino: m.ino,
        nlink: m.nlink,
        uid: m.uid,
        gid: m.gid,
        rdev: m.rdev,
        accessed: secs(&m.accessed),
        modified: secs(&m.modified),
        changed: secs(&m.changed),
        blocks: m.blocks,
        blksize: m.blksize,
    }
}

impl FsBackend for ModuleFs {
    fn name(&self) -> &str {
        self.module.name()
    }

    fn current_dir(&mut self) -> HostResult<PathBuf> {
        Ok(self.cwd.clone())
    }

    fn set_current_dir(&mut self, path: FsPath<'_>) -> HostResult<()> {
        let m = self.with_path(path, |p| self.fs.metadata(p, true))?;
        if m.kind != luna_spi::fs::FileKind::DIR {
            return Err(HostError::from_errno(super::fs::ENOTDIR));
        }
        self.cwd = path.path().to_path_buf();
        Ok(())
    }

    fn resolve(&mut self, path: &Path, follow_last: bool) -> PathBuf {
        let clean = normalize_lexically(path);
        let Some(s) = clean.to_str() else {
            return clean;
        };
        match self.fs.real_path(RStr::from_str(s), follow_last) {
            RResult::ROk(real) => PathBuf::from(real.as_str()),
            RResult::RErr(_) => clean,
        }
    }

    fn open(
        &mut self,
        path: FsPath<'_>,
        mode: OpenMode,
        exclusive: bool,
    ) -> HostResult<Box<dyn FileStream>> {
        use luna_spi::fs::OpenOptions;
        let d = OpenOptions::default();
        let mut o = match mode {
            OpenMode::Read => OpenOptions { read: true, ..d },
            OpenMode::Write => OpenOptions {
                write: true,
                truncate: true,
                create: true,
                ..d
            },
            OpenMode::Append => OpenOptions {
                write: true,
                append: true,
                create: true,
                ..d
            },
            OpenMode::ReadUpdate => OpenOptions {
                read: true,
                write: true,
                ..d
            },
            OpenMode::WriteUpdate => OpenOptions {
                read: true,
                write: true,
                truncate: true,
                create: true,
                ..d
            },
            OpenMode::AppendUpdate => OpenOptions {
                read: true,
                write: true,
                append: true,
                create: true,
                ..d
            },
        };
        if exclusive {
            o.create_new = true;
        }
        let file = self.with_path(path, |p| self.fs.open(p, o))?;
        Ok(Box::new(ModuleFile {
            module: self.module.clone(),
            file: Some(file),
        }))
    }

    fn metadata(&mut self, path: FsPath<'_>, follow: bool) -> HostResult<FileMeta> {
        self.with_path(path, |p| self.fs.metadata(p, follow))
            .map(|m| meta_of(&m))
    }

    fn read_dir(&mut self, path: FsPath<'_>) -> HostResult<Vec<Vec<u8>>> {
        let entries = self.with_path(path, |p| self.fs.read_dir(p))?;
        Ok(entries
            .iter()
            .map(|e| e.name.as_str().as_bytes().to_vec())
            .collect())
    }

    fn create_dir(&mut self, path: FsPath<'_>) -> HostResult<()> {
        self.with_path(path, |p| self.fs.create_dir(p))
    }

    fn remove(&mut self, path: FsPath<'_>) -> HostResult<()> {
        match self.with_path(path, |p| self.fs.remove_file(p)) {
            Err(e) if e.errno == 21 => self.remove_dir(path),
            r => r,
        }
    }

    fn remove_dir(&mut self, path: FsPath<'_>) -> HostResult<()> {
        self.with_path(path, |p| self.fs.remove_dir(p))
    }

    fn rename(&mut self, from: FsPath<'_>, to: FsPath<'_>) -> HostResult<()> {
        let (tp, tb) = match to {
            FsPath::Checked { path, beneath } => (utf8(path)?, utf8(beneath)?),
            FsPath::Plain(p) => (utf8(p)?, "/"),
        };
        let to = luna_spi::fs::FsPath::within(tb, tp)
            .unwrap_or_else(|| luna_spi::fs::FsPath::absolute(tp));
        self.with_path(from, |f| self.fs.rename(f, to))
    }

    fn symlink(&mut self, target: &[u8], link: FsPath<'_>) -> HostResult<()> {
        let target = std::str::from_utf8(target).map_err(|_| {
            HostError::new(format!(
                "{}: symlink target is not valid UTF-8",
                link.path().display()
            ))
        })?;
        self.with_path(link, |p| self.fs.symlink(RStr::from_str(target), p))
    }

    fn hard_link(&mut self, _from: FsPath<'_>, _to: FsPath<'_>) -> HostResult<()> {
        // The stable interface has no hard links.
        if self.module.is_dead() {
            return Err(HostError::new(self.module.dead_message()));
        }
        Err(HostError::from_errno(super::fs::EOPNOTSUPP))
    }

    fn read_link(&mut self, path: FsPath<'_>) -> HostResult<Vec<u8>> {
        self.with_path(path, |p| self.fs.read_link(p))
            .map(|s| s.as_str().as_bytes().to_vec())
    }

    fn set_times(&mut self, path: FsPath<'_>, accessed: i64, modified: i64) -> HostResult<()> {
        use luna_spi::abi_stable::std_types::ROption::RSome;
        use luna_spi::fs::FileTime;
        let a = FileTime {
            secs: accessed,
            nanos: 0,
        };
        let m = FileTime {
            secs: modified,
            nanos: 0,
        };
        self.with_path(path, |p| self.fs.set_times(p, RSome(a), RSome(m)))
    }
}

/// An open file of a provider.
struct ModuleFile {
    module: Arc<LoadedModule>,
    file: Option<luna_spi::fs::FileBox>,
}

impl ModuleFile {
    fn file(&mut self) -> HostResult<&mut luna_spi::fs::FileBox> {
        self.file
            .as_mut()
            .ok_or_else(|| HostError::from_errno(super::EBADF))
    }
}

impl FileStream for ModuleFile {
    fn read(&mut self, buf: &mut [u8]) -> HostResult<usize> {
        let m = self.module.clone();
        let f = self.file()?;
        call(&m, || f.read(RSliceMut::from_mut_slice(buf)))
    }
    fn write(&mut self, data: &[u8]) -> HostResult<()> {
        let m = self.module.clone();
        let f = self.file()?;
        call(&m, || f.write_all(RSlice::from_slice(data)))
    }
    fn flush(&mut self) -> HostResult<()> {
        let m = self.module.clone();
        let f = self.file()?;
        call(&m, || f.flush())
    }
    fn seek(&mut self, whence: Whence, offset: i64) -> HostResult<u64> {
        let w = match whence {
            Whence::Set => luna_spi::fs::Whence::SET,
            Whence::Cur => luna_spi::fs::Whence::CUR,
            Whence::End => luna_spi::fs::Whence::END,
        };
        let m = self.module.clone();
        let f = self.file()?;
        call(&m, || f.seek(w, offset))
    }
    fn close(&mut self) -> HostResult<Option<ProcessStatus>> {
        match self.file.take() {
            Some(mut f) => call(&self.module, || f.close()).map(|()| None),
            None => Ok(None),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Network
// ---------------------------------------------------------------------------------------

/// A network provider from a module.
pub struct ModuleNet {
    module: Arc<LoadedModule>,
    net: luna_spi::net::NetworkBox,
}

impl ModuleNet {
    /// Creates the module's network provider.
    pub fn new(module: Arc<LoadedModule>) -> Result<ModuleNet, String> {
        let Some(ctor) = module.info.network() else {
            return Err(format!(
                "native module '{}' ({}) provides no network",
                module.name(),
                module.path.display()
            ));
        };
        let net = call(&module, || ctor()).map_err(|e| e.message)?;
        Ok(ModuleNet { module, net })
    }
}

fn addr(a: &luna_spi::net::NetAddr) -> SocketAddress {
    (a.ip.as_str().to_string(), a.port)
}

impl NetBackend for ModuleNet {
    fn name(&self) -> &str {
        self.module.name()
    }
    fn resolve(&mut self, name: &str) -> HostResult<Vec<String>> {
        let addrs = call(&self.module, || self.net.resolve(RStr::from_str(name), 0))?;
        Ok(addrs.iter().map(|a| a.ip.as_str().to_string()).collect())
    }
    fn tcp_connect(
        &mut self,
        host: &str,
        port: u16,
        timeout: Option<Duration>,
    ) -> HostResult<Box<dyn TcpStream>> {
        let s = call(&self.module, || {
            self.net
                .tcp_connect(RStr::from_str(host), port, millis(timeout))
        })?;
        Ok(Box::new(ModuleTcp {
            module: self.module.clone(),
            s,
            read_timeout: 0,
            write_timeout: 0,
        }))
    }
    fn tcp_bind(&mut self, host: &str, port: u16) -> HostResult<Box<dyn TcpListener>> {
        let l = call(&self.module, || {
            self.net.tcp_listen(RStr::from_str(host), port)
        })?;
        Ok(Box::new(ModuleListener {
            module: self.module.clone(),
            l,
        }))
    }
    fn udp_bind(&mut self, host: &str, port: u16) -> HostResult<Box<dyn UdpSocket>> {
        let u = call(&self.module, || {
            self.net.udp_bind(RStr::from_str(host), port)
        })?;
        Ok(Box::new(ModuleUdp {
            module: self.module.clone(),
            u,
            read_timeout: 0,
        }))
    }
}

struct ModuleTcp {
    module: Arc<LoadedModule>,
    s: luna_spi::net::TcpStreamBox,
    read_timeout: u64,
    write_timeout: u64,
}

impl TcpStream for ModuleTcp {
    fn send(&mut self, data: &[u8], timeout: Option<Duration>) -> HostResult<usize> {
        let ms = millis(timeout);
        if ms != self.write_timeout {
            call(&self.module, || self.s.set_write_timeout(ms))?;
            self.write_timeout = ms;
        }
        call(&self.module, || self.s.write(RSlice::from_slice(data)))
    }
    fn recv(&mut self, max: usize, timeout: Option<Duration>) -> HostResult<Vec<u8>> {
        let ms = millis(timeout);
        if ms != self.read_timeout {
            call(&self.module, || self.s.set_read_timeout(ms))?;
            self.read_timeout = ms;
        }
        let mut buf = vec![0u8; max.clamp(1, 1 << 20)];
        let n = call(&self.module, || {
            self.s.read(RSliceMut::from_mut_slice(&mut buf))
        })?;
        buf.truncate(n);
        Ok(buf)
    }
    fn peer_addr(&mut self) -> HostResult<SocketAddress> {
        call(&self.module, || self.s.peer_addr()).map(|a| addr(&a))
    }
    fn local_addr(&mut self) -> HostResult<SocketAddress> {
        call(&self.module, || self.s.local_addr()).map(|a| addr(&a))
    }
    fn shutdown(&mut self, read: bool, write: bool) -> HostResult<()> {
        use luna_spi::net::Shutdown;
        let how = match (read, write) {
            (true, true) => Shutdown::BOTH,
            (true, false) => Shutdown::READ,
            _ => Shutdown::WRITE,
        };
        call(&self.module, || self.s.shutdown(how))
    }
}

impl Drop for ModuleTcp {
    fn drop(&mut self) {
        if !self.module.is_dead() {
            let _ = self.s.close();
        }
    }
}

struct ModuleListener {
    module: Arc<LoadedModule>,
    l: luna_spi::net::TcpListenerBox,
}

impl TcpListener for ModuleListener {
    fn accept(&mut self, timeout: Option<Duration>) -> HostResult<Box<dyn TcpStream>> {
        let a = call(&self.module, || self.l.accept(millis(timeout)))?;
        Ok(Box::new(ModuleTcp {
            module: self.module.clone(),
            s: a.stream,
            read_timeout: 0,
            write_timeout: 0,
        }))
    }
    fn local_addr(&mut self) -> HostResult<SocketAddress> {
        call(&self.module, || self.l.local_addr()).map(|a| addr(&a))
    }
}

impl Drop for ModuleListener {
    fn drop(&mut self) {
        if !self.module.is_dead() {
            let _ = self.l.close();
        }
    }
}

struct ModuleUdp {
    module: Arc<LoadedModule>,
    u: luna_spi::net::UdpSocketBox,
    read_timeout: u64,
}

impl ModuleUdp {
    fn set_read_timeout(&mut self, timeout: Option<Duration>) -> HostResult<()> {
        let ms = millis(timeout);
        if ms != self.read_timeout {
            call(&self.module, || self.u.set_read_timeout(ms))?;
            self.read_timeout = ms;
        }
        Ok(())
    }
}

impl UdpSocket for ModuleUdp {
    fn send_to(&mut self, data: &[u8], host: &str, port: u16) -> HostResult<usize> {
        call(&self.module, || {
            self.u
                .send_to(RSlice::from_slice(data), RStr::from_str(host), port)
        })
    }
    fn recv_from(
        &mut self,
        max: usize,
        timeout: Option<Duration>,
    ) -> HostResult<(Vec<u8>, SocketAddress)> {
        self.set_read_timeout(timeout)?;
        let mut buf = vec![0u8; max.clamp(1, 1 << 16)];
        let r = call(&self.module, || {
            self.u.recv_from(RSliceMut::from_mut_slice(&mut buf))
        })?;
        buf.truncate(r.len);
        Ok((buf, addr(&r.from)))
    }
    fn connect(&mut self, host: &str, port: u16) -> HostResult<()> {
        call(&self.module, || self.u.connect(RStr::from_str(host), port))
    }
    fn send(&mut self, data: &[u8]) -> HostResult<usize> {
        call(&self.module, || self.u.send(RSlice::from_slice(data)))
    }
    fn recv(&mut self, max: usize, timeout: Option<Duration>) -> HostResult<Vec<u8>> {
        self.set_read_timeout(timeout)?;
        let mut buf = vec![0u8; max.clamp(1, 1 << 16)];
        let n = call(&self.module, || {
            self.u.recv(RSliceMut::from_mut_slice(&mut buf))
        })?;
        buf.truncate(n);
        Ok(buf)
    }
    fn local_addr(&mut self) -> HostResult<SocketAddress> {
        call(&self.module, || self.u.local_addr()).map(|a| addr(&a))
    }
    fn peer_addr(&mut self) -> HostResult<SocketAddress> {
        call(&self.module, || self.u.peer_addr()).map(|a| addr(&a))
    }
}

impl Drop for ModuleUdp {
    fn drop(&mut self) {
        if !self.module.is_dead() {
            let _ = self.u.close();
        }
    }
}

// ---------------------------------------------------------------------------------------
// Crypto
// ---------------------------------------------------------------------------------------

/// A crypto provider from a module.
pub struct ModuleCrypto {
    module: Arc<LoadedModule>,
    c: luna_spi::crypto::CryptoBox,
}

impl ModuleCrypto {
    /// Creates the module's crypto provider.
    pub fn new(module: Arc<LoadedModule>) -> Result<ModuleCrypto, String> {
        let Some(ctor) = module.info.crypto() else {
            return Err(format!(
                "native module '{}' ({}) provides no crypto",
                module.name(),
                module.path.display()
            ));
        };
        let c = call(&module, || ctor()).map_err(|e| e.message)?;
        Ok(ModuleCrypto { module, c })
    }
}

const AEAD: &str = "chacha20-poly1305";

impl CryptoBackend for ModuleCrypto {
    fn name(&self) -> &str {
        self.module.name()
    }
    fn digest(&mut self, alg: &str, data: &[u8]) -> HostResult<Vec<u8>> {
        call(&self.module, || {
            self.c.digest(RStr::from_str(alg), RSlice::from_slice(data))
        })
        .map(|v| v.to_vec())
    }
    fn hmac(&mut self, alg: &str, key: &[u8], data: &[u8]) -> HostResult<Vec<u8>> {
        call(&self.module, || {
            self.c.hmac(
                RStr::from_str(alg),
                RSlice::from_slice(key),
                RSlice::from_slice(data),
            )
        })
        .map(|v| v.to_vec())
    }
    fn seal(
        &mut self,
        key: &[u8],
        nonce: &[u8],
        plaintext: &[u8],
        aad: &[u8],
    ) -> HostResult<Vec<u8>> {
        call(&self.module, || {
            self.c.aead_seal(
                RStr::from_str(AEAD),
                RSlice::from_slice(key),
                RSlice::from_slice(nonce),
                RSlice::from_slice(aad),
                RSlice::from_slice(plaintext),
            )
        })
        .map(|v| v.to_vec())
    }
    fn open(&mut self, key: &[u8], nonce: &[u8], sealed: &[u8], aad: &[u8]) -> HostResult<Vec<u8>> {
        call(&self.module, || {
            self.c.aead_open(
                RStr::from_str(AEAD),
                RSlice::from_slice(key),
                RSlice::from_slice(nonce),
                RSlice::from_slice(aad),
                RSlice::from_slice(sealed),
            )
        })
        .map(|v| v.to_vec())
    }
    fn random(&mut self, n: usize) -> HostResult<Vec<u8>> {
        let mut buf = vec![0u8; n];
        call(&self.module, || {
            self.c.random_bytes(RSliceMut::from_mut_slice(&mut buf))
        })?;
        Ok(buf)
    }
}

// ---------------------------------------------------------------------------------------
// Installation
// ---------------------------------------------------------------------------------------

/// Loads the provider module `name` from `dirs` (or the file `name` names, if it is a
/// path), for `kind`.
fn load_provider_module(
    kind: ProviderKind,
    name: &str,
    dirs: &[PathBuf],
) -> Result<Arc<LoadedModule>, String> {
    let file = if name.contains('/') {
        PathBuf::from(name)
    } else {
        find_provider_file(name, dirs).ok_or_else(|| {
            let list: Vec<String> = dirs.iter().map(|d| d.display().to_string()).collect();
            format!(
                "no {} provider module '{}' on the native module path ({})",
                kind.describe(),
                name,
                list.join(", ")
            )
        })?
    };
    load_module_file(&file)
}

/// Loads the file-system provider module `name` (`fs`, `memfs`, or a file path) from
/// `dirs` and makes it the state's file system. The error is a message for the user.
pub fn load_fs_provider(st: &mut State, name: &str, dirs: &[PathBuf]) -> Result<(), String> {
    let m = load_provider_module(ProviderKind::FileSystem, name, dirs)?;
    let fs = ModuleFs::new(m)?;
    st.set_fs_backend(Box::new(fs));
    Ok(())
}

/// Installs the providers of a loaded (or statically linked) module: every SPI it
/// implements becomes the state's provider of that kind.
pub fn install_providers(st: &mut State, module: Arc<LoadedModule>) -> Result<(), String> {
    let mut any = false;
    if module.info.filesystem().is_some() {
        st.set_fs_backend(Box::new(ModuleFs::new(module.clone())?));
        any = true;
    }
    if module.info.network().is_some() {
        st.set_net_backend(Box::new(ModuleNet::new(module.clone())?));
        any = true;
    }
    if module.info.crypto().is_some() {
        st.set_crypto_backend(Box::new(ModuleCrypto::new(module.clone())?));
        any = true;
    }
    if !any {
        return Err(format!(
            "native module '{}' provides no service",
            module.name()
        ));
    }
    Ok(())
}

impl super::HostServices {
    /// Makes sure a provider of `kind` is installed, loading the default module on demand
    /// when the host allowed it (`State::set_provider_dirs`).
    pub(crate) fn need(&mut self, kind: ProviderKind) -> HostResult<()> {
        let present = match kind {
            ProviderKind::FileSystem => true,
            ProviderKind::Network => self.net.is_some(),
            ProviderKind::Crypto => self.crypto.is_some(),
        };
        if present {
            return Ok(());
        }
        let Some(dirs) = self.provider_dirs.clone() else {
            return Err(self.not_loaded(kind));
        };
        if self.provider_failures.iter().any(|(k, _)| *k == kind) {
            return Err(self.not_loaded(kind));
        }
        let r = load_provider_module(kind, kind.default_module(), &dirs).and_then(|m| match kind {
            ProviderKind::Network => ModuleNet::new(m).map(|n| self.net = Some(Box::new(n))),
            ProviderKind::Crypto => ModuleCrypto::new(m).map(|c| self.crypto = Some(Box::new(c))),
            ProviderKind::FileSystem => Ok(()),
        });
        if let Err(why) = r {
            self.provider_failures.push((kind, why));
            return Err(self.not_loaded(kind));
        }
        Ok(())
    }

    /// The network provider, loaded on demand (see `need`).
    pub(crate) fn net_provider(&mut self) -> HostResult<&mut dyn NetBackend> {
        self.need(ProviderKind::Network)?;
        match self.net {
            Some(ref mut n) => Ok(&mut **n),
            None => Err(self.not_loaded(ProviderKind::Network)),
        }
    }

    /// The crypto provider, loaded on demand (see `need`).
    pub(crate) fn crypto_provider(&mut self) -> HostResult<&mut dyn CryptoBackend> {
        self.need(ProviderKind::Crypto)?;
        match self.crypto {
            Some(ref mut c) => Ok(&mut **c),
            None => Err(self.not_loaded(ProviderKind::Crypto)),
        }
    }
}
