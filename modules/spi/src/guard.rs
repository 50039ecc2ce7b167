//! Panic guards and the adapters from plain-Rust provider traits to the ABI traits.
//!
//! Invariants: no panic unwinds out of a module entry point. Every call into a module made
//! through the types here runs under `catch_unwind`; a caught panic sets the module's
//! [`Poison`] flag and becomes a `PANICKED` error; once poisoned, every later call returns
//! `POISONED` without running module code. The flag is per module (one static per
//! `export_module!`), shared by all its providers and functions.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

use abi_stable::sabi_trait::TD_Opaque;
use abi_stable::std_types::{RBox, ROption, RResult, RSlice, RSliceMut, RStr, RString, RVec};

use crate::crypto::{
    AlgorithmFamily, Crypto, CryptoBox, CryptoProvider, Crypto_TO, Hasher, HasherBox,
    HasherProvider, Hasher_TO,
};
use crate::error::{ErrorKind, SpiError, SpiResult};
use crate::fs::{
    DirEntry, FileBox, FileHandle, FileHandle_TO, FileProvider, FileSystem, FileSystemBox,
    FileSystem_TO, FileTime, FsPath, FsProvider, Metadata, OpenOptions, Whence,
};
use crate::net::{
    Accepted, NetAddr, NetProvider, Network, NetworkBox, Network_TO, Received, Shutdown,
    TcpListener, TcpListenerBox, TcpListenerProvider, TcpListener_TO, TcpStream, TcpStreamBox,
    TcpStreamProvider, TcpStream_TO, UdpSocket, UdpSocketBox, UdpSocketProvider, UdpSocket_TO,
};

/// A module's "has panicked" flag.
#[derive(Debug, Default)]
pub struct Poison(AtomicBool);

impl Poison {
    /// A clear flag (usable in a `static`).
    pub const fn new() -> Poison {
        Poison(AtomicBool::new(false))
    }

    /// True once a panic was caught in the module.
    #[inline]
    pub fn is_poisoned(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    /// Marks the module poisoned.
    pub fn poison(&self) {
        self.0.store(true, Ordering::Release)
    }
}

/// The text of a panic payload.
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_string()
    }
}

/// Runs `f` unless the module is poisoned; a panic poisons it and becomes a `PANICKED`
/// error.
#[inline]
pub fn guard<T>(poison: &Poison, f: impl FnOnce() -> Result<T, SpiError>) -> SpiResult<T> {
    if poison.is_poisoned() {
        return RResult::RErr(SpiError::new(ErrorKind::POISONED));
    }
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r.into(),
        Err(payload) => {
            poison.poison();
            RResult::RErr(SpiError::with_message(
                ErrorKind::PANICKED,
                format!("module panicked: {}", panic_message(&*payload)),
            ))
        }
    }
}

fn closed() -> SpiError {
    SpiError::new(ErrorKind::CLOSED)
}

// ---------------------------------------------------------------- file system

struct GuardedFile<F> {
    inner: Option<F>,
    poison: &'static Poison,
}

impl<F: FileProvider> GuardedFile<F> {
    fn with<T>(&mut self, f: impl FnOnce(&mut F) -> Result<T, SpiError>) -> SpiResult<T> {
        let poison = self.poison;
        match self.inner.as_mut() {
            Some(inner) => guard(poison, || f(inner)),
            None => RResult::RErr(closed()),
        }
    }
}

impl<F: FileProvider> FileHandle for GuardedFile<F> {
    fn read(&mut self, mut buf: RSliceMut<'_, u8>) -> SpiResult<usize> {
        self.with(|f| f.read(buf.as_mut_slice()))
    }
    fn write_all(&mut self, data: RSlice<'_, u8>) -> SpiResult<()> {
        self.with(|f| f.write_all(data.as_slice()))
    }
    fn seek(&mut self, whence: Whence, offset: i64) -> SpiResult<u64> {
        self.with(|f| f.seek(whence, offset))
    }
    fn flush(&mut self) -> SpiResult<()> {
        self.with(|f| f.flush())
    }
    fn metadata(&self) -> SpiResult<Metadata> {
        match self.inner.as_ref() {
            Some(inner) => guard(self.poison, || inner.metadata()),
            None => RResult::RErr(closed()),
        }
    }
    fn set_len(&mut self, len: u64) -> SpiResult<()> {
        self.with(|f| f.set_len(len))
    }
    fn close(&mut self) -> SpiResult<()> {
        let r = self.with(|f| f.close());
        self.inner = None;
        r
    }
}

struct GuardedFs<P> {
    inner: P,
    poison: &'static Poison,
}

impl<P: FsProvider> GuardedFs<P> {
    #[inline]
    fn g<T>(&self, f: impl FnOnce(&P) -> Result<T, SpiError>) -> SpiResult<T> {
        guard(self.poison, || f(&self.inner))
    }
}

impl<P: FsProvider> FileSystem for GuardedFs<P> {
    fn open(&self, path: FsPath<'_>, options: OpenOptions) -> SpiResult<FileBox> {
        let poison = self.poison;
        self.g(|p| {
            let file = p.open(path, options)?;
            Ok(FileHandle_TO::from_value(
                GuardedFile {
                    inner: Some(file),
                    poison,
                },
                TD_Opaque,
            ))
        })
    }
    fn metadata(&self, path: FsPath<'_>, follow: bool) -> SpiResult<Metadata> {
        self.g(|p| p.metadata(path, follow))
    }
    fn exists(&self, path: FsPath<'_>) -> SpiResult<bool> {
        self.g(|p| p.exists(path))
    }
    fn read_dir(&self, path: FsPath<'_>) -> SpiResult<RVec<DirEntry>> {
        self.g(|p| p.read_dir(path).map(RVec::from))
    }
    fn create_dir(&self, path: FsPath<'_>) -> SpiResult<()> {
        self.g(|p| p.create_dir(path))
    }
    fn remove_file(&self, path: FsPath<'_>) -> SpiResult<()> {
        self.g(|p| p.remove_file(path))
    }
    fn remove_dir(&self, path: FsPath<'_>) -> SpiResult<()> {
        self.g(|p| p.remove_dir(path))
    }
    fn rename(&self, from: FsPath<'_>, to: FsPath<'_>) -> SpiResult<()> {
        self.g(|p| p.rename(from, to))
    }
    fn symlink(&self, target: RStr<'_>, link: FsPath<'_>) -> SpiResult<()> {
        self.g(|p| p.symlink(target.as_str(), link))
    }
    fn read_link(&self, path: FsPath<'_>) -> SpiResult<RString> {
        self.g(|p| p.read_link(path).map(RString::from))
    }
    fn set_times(
        &self,
        path: FsPath<'_>,
        accessed: ROption<FileTime>,
        modified: ROption<FileTime>,
    ) -> SpiResult<()> {
        self.g(|p| p.set_times(path, accessed.into_option(), modified.into_option()))
    }
    fn set_mode(&self, path: FsPath<'_>, mode: u32) -> SpiResult<()> {
        self.g(|p| p.set_mode(path, mode))
    }
    fn real_path(&self, path: RStr<'_>, follow_final: bool) -> SpiResult<RString> {
        self.g(|p| p.real_path(path.as_str(), follow_final).map(RString::from))
    }
    fn current_dir(&self) -> SpiResult<RString> {
        self.g(|p| p.current_dir().map(RString::from))
    }
}

/// Wraps a plain-Rust file system provider into the ABI trait object, guarded by `poison`.
pub fn filesystem_box<P: FsProvider>(provider: P, poison: &'static Poison) -> FileSystemBox {
    FileSystem_TO::from_value(
        GuardedFs {
            inner: provider,
            poison,
        },
        TD_Opaque,
    )
}

// ---------------------------------------------------------------- network

struct GuardedStream<S> {
    inner: Option<S>,
    poison: &'static Poison,
}

impl<S: TcpStreamProvider> GuardedStream<S> {
    fn with<T>(&mut self, f: impl FnOnce(&mut S) -> Result<T, SpiError>) -> SpiResult<T> {
        let poison = self.poison;
        match self.inner.as_mut() {
            Some(inner) => guard(poison, || f(inner)),
            None => RResult::RErr(closed()),
        }
    }
    fn with_ref<T>(&self, f: impl FnOnce(&S) -> Result<T, SpiError>) -> SpiResult<T> {
        match self.inner.as_ref() {
            Some(inner) => guard(self.poison, || f(inner)),
            None => RResult::RErr(closed()),
        }
    }
}

impl<S: TcpStreamProvider> TcpStream for GuardedStream<S> {
    fn read(&mut self, mut buf: RSliceMut<'_, u8>) -> SpiResult<usize> {
        self.with(|s| s.read(buf.as_mut_slice()))
    }
    fn write(&mut self, data: RSlice<'_, u8>) -> SpiResult<usize> {
        self.with(|s| s.write(data.as_slice()))
    }
    fn shutdown(&mut self, how: Shutdown) -> SpiResult<()> {
        self.with(|s| s.shutdown(how))
    }
    fn peer_addr(&self) -> SpiResult<NetAddr> {
        self.with_ref(|s| s.peer_addr())
    }
    fn local_addr(&self) -> SpiResult<NetAddr> {
        self.with_ref(|s| s.local_addr())
    }
    fn set_read_timeout(&mut self, ms: u64) -> SpiResult<()> {
        self.with(|s| s.set_read_timeout(ms))
    }
    fn set_write_timeout(&mut self, ms: u64) -> SpiResult<()> {
        self.with(|s| s.set_write_timeout(ms))
    }
    fn set_nodelay(&mut self, nodelay: bool) -> SpiResult<()> {
        self.with(|s| s.set_nodelay(nodelay))
    }
    fn close(&mut self) -> SpiResult<()> {
        let r = self.with(|s| s.close());
        self.inner = None;
        r
    }
}

fn stream_box<S: TcpStreamProvider>(s: S, poison: &'static Poison) -> TcpStreamBox {
    TcpStream_TO::from_value(
        GuardedStream {
            inner: Some(s),
            poison,
        },
        TD_Opaque,
    )
}

struct GuardedListener<L> {
    inner: Option<L>,
    poison: &'static Poison,
}

impl<L: TcpListenerProvider> TcpListener for GuardedListener<L> {
    fn accept(&mut self, timeout_ms: u64) -> SpiResult<Accepted> {
        let poison = self.poison;
        match self.inner.as_mut() {
            Some(l) => guard(poison, || {
                let (stream, peer) = l.accept(timeout_ms)?;
                Ok(Accepted {
                    stream: stream_box(stream, poison),
                    peer,
                })
            }),
            None => RResult::RErr(closed()),
        }
    }
    fn local_addr(&self) -> SpiResult<NetAddr> {
        match self.inner.as_ref() {
            Some(l) => guard(self.poison, || l.local_addr()),
            None => RResult::RErr(closed()),
        }
    }
    fn close(&mut self) -> SpiResult<()> {
        let r = match self.inner.as_mut() {
            Some(l) => guard(self.poison, || l.close()),
            None => RResult::RErr(closed()),
        };
        self.inner = None;
        r
    }
}

struct GuardedUdp<U> {
    inner: Option<U>,
    poison: &'static Poison,
}

impl<U: UdpSocketProvider> GuardedUdp<U> {
    fn with<T>(&mut self, f: impl FnOnce(&mut U) -> Result<T, SpiError>) -> SpiResult<T> {
        let poison = self.poison;
        match self.inner.as_mut() {
            Some(inner) => guard(poison, || f(inner)),
            None => RResult::RErr(closed()),
        }
    }
    fn with_ref<T>(&self, f: impl FnOnce(&U) -> Result<T, SpiError>) -> SpiResult<T> {
        match self.inner.as_ref() {
            Some(inner) => guard(self.poison, || f(inner)),
            None => RResult::RErr(closed()),
        }
    }
}

impl<U: UdpSocketProvider> UdpSocket for GuardedUdp<U> {
    fn send_to(&mut self, data: RSlice<'_, u8>, host: RStr<'_>, port: u16) -> SpiResult<usize> {
        self.with(|u| u.send_to(data.as_slice(), host.as_str(), port))
    }
    fn recv_from(&mut self, mut buf: RSliceMut<'_, u8>) -> SpiResult<Received> {
        self.with(|u| {
            u.recv_from(buf.as_mut_slice())
                .map(|(len, from)| Received { len, from })
        })
    }
    fn connect(&mut self, host: RStr<'_>, port: u16) -> SpiResult<()> {
        self.with(|u| u.connect(host.as_str(), port))
    }
    fn send(&mut self, data: RSlice<'_, u8>) -> SpiResult<usize> {
        self.with(|u| u.send(data.as_slice()))
    }
    fn recv(&mut self, mut buf: RSliceMut<'_, u8>) -> SpiResult<usize> {
        self.with(|u| u.recv(buf.as_mut_slice()))
    }
    fn local_addr(&self) -> SpiResult<NetAddr> {
        self.with_ref(|u| u.local_addr())
    }
    fn peer_addr(&self) -> SpiResult<NetAddr> {
        self.with_ref(|u| u.peer_addr())
    }
    fn set_read_timeout(&mut self, ms: u64) -> SpiResult<()> {
        self.with(|u| u.set_read_timeout(ms))
    }
    fn set_write_timeout(&mut self, ms: u64) -> SpiResult<()> {
        self.with(|u| u.set_write_timeout(ms))
    }
    fn set_broadcast(&mut self, on: bool) -> SpiResult<()> {
        self.with(|u| u.set_broadcast(on))
    }
    fn close(&mut self) -> SpiResult<()> {
        let r = self.with(|u| u.close());
        self.inner = None;
        r
    }
}

struct GuardedNet<P> {
    inner: P,
    poison: &'static Poison,
}

impl<P: NetProvider> Network for GuardedNet<P> {
    fn tcp_connect(&self, host: RStr<'_>, port: u16, timeout_ms: u64) -> SpiResult<TcpStreamBox> {
        let poison = self.poison;
        guard(poison, || {
            Ok(stream_box(
                self.inner.tcp_connect(host.as_str(), port, timeout_ms)?,
                poison,
            ))
        })
    }
    fn tcp_listen(&self, host: RStr<'_>, port: u16) -> SpiResult<TcpListenerBox> {
        let poison = self.poison;
        guard(poison, || {
            let l = self.inner.tcp_listen(host.as_str(), port)?;
            Ok(TcpListener_TO::from_value(
                GuardedListener {
                    inner: Some(l),
                    poison,
                },
                TD_Opaque,
            ))
        })
    }
    fn udp_bind(&self, host: RStr<'_>, port: u16) -> SpiResult<UdpSocketBox> {
        let poison = self.poison;
        guard(poison, || {
            let u = self.inner.udp_bind(host.as_str(), port)?;
            Ok(UdpSocket_TO::from_value(
                GuardedUdp {
                    inner: Some(u),
                    poison,
                },
                TD_Opaque,
            ))
        })
    }
    fn resolve(&self, host: RStr<'_>, port: u16) -> SpiResult<RVec<NetAddr>> {
        guard(self.poison, || {
            self.inner.resolve(host.as_str(), port).map(RVec::from)
        })
    }
}

/// Wraps a plain-Rust network provider into the ABI trait object, guarded by `poison`.
pub fn network_box<P: NetProvider>(provider: P, poison: &'static Poison) -> NetworkBox {
    Network_TO::from_value(
        GuardedNet {
            inner: provider,
            poison,
        },
        TD_Opaque,
    )
}

// ---------------------------------------------------------------- crypto

struct GuardedHasher<H> {
    inner: H,
    poison: &'static Poison,
}

impl<H: HasherProvider> Hasher for GuardedHasher<H> {
    fn update(&mut self, data: RSlice<'_, u8>) -> SpiResult<()> {
        let inner = &mut self.inner;
        guard(self.poison, || {
            inner.update(data.as_slice());
            Ok(())
        })
    }
    fn finish(&mut self) -> SpiResult<RVec<u8>> {
        let inner = &mut self.inner;
        guard(self.poison, || Ok(RVec::from(inner.finish())))
    }
}

struct GuardedCrypto<P> {
    inner: P,
    poison: &'static Poison,
}

impl<P: CryptoProvider> Crypto for GuardedCrypto<P> {
    fn digest(&self, algorithm: RStr<'_>, data: RSlice<'_, u8>) -> SpiResult<RVec<u8>> {
        guard(self.poison, || {
            self.inner
                .digest(algorithm.as_str(), data.as_slice())
                .map(RVec::from)
        })
    }
    fn hasher(&self, algorithm: RStr<'_>) -> SpiResult<HasherBox> {
        let poison = self.poison;
        guard(poison, || {
            let h = self.inner.hasher(algorithm.as_str())?;
            Ok(Hasher_TO::from_value(
                GuardedHasher { inner: h, poison },
                TD_Opaque,
            ))
        })
    }
    fn hmac(
        &self,
        algorithm: RStr<'_>,
        key: RSlice<'_, u8>,
        data: RSlice<'_, u8>,
    ) -> SpiResult<RVec<u8>> {
        guard(self.poison, || {
            self.inner
                .hmac(algorithm.as_str(), key.as_slice(), data.as_slice())
                .map(RVec::from)
        })
    }
    fn aead_seal(
        &self,
        algorithm: RStr<'_>,
        key: RSlice<'_, u8>,
        nonce: RSlice<'_, u8>,
        aad: RSlice<'_, u8>,
        plaintext: RSlice<'_, u8>,
    ) -> SpiResult<RVec<u8>> {
        guard(self.poison, || {
            self.inner
                .aead_seal(
                    algorithm.as_str(),
                    key.as_slice(),
                    nonce.as_slice(),
                    aad.as_slice(),
                    plaintext.as_slice(),
                )
                .map(RVec::from)
        })
    }
    fn aead_open(
        &self,
        algorithm: RStr<'_>,
        key: RSlice<'_, u8>,
        nonce: RSlice<'_, u8>,
        aad: RSlice<'_, u8>,
        sealed: RSlice<'_, u8>,
    ) -> SpiResult<RVec<u8>> {
        guard(self.poison, || {
            self.inner
                .aead_open(
                    algorithm.as_str(),
                    key.as_slice(),
                    nonce.as_slice(),
                    aad.as_slice(),
                    sealed.as_slice(),
                )
                .map(RVec::from)
        })
    }
    fn random_bytes(&self, mut buf: RSliceMut<'_, u8>) -> SpiResult<()> {
        guard(self.poison, || self.inner.random_bytes(buf.as_mut_slice()))
    }
    fn algorithms(&self, family: AlgorithmFamily) -> SpiResult<RVec<RString>> {
        guard(self.poison, || {
            Ok(self
                .inner
                .algorithms(family)
                .into_iter()
                .map(RString::from)
                .collect())
        })
    }
}

/// Wraps a plain-Rust crypto provider into the ABI trait object, guarded by `poison`.
pub fn crypto_box<P: CryptoProvider>(provider: P, poison: &'static Poison) -> CryptoBox {
    Crypto_TO::from_value(
        GuardedCrypto {
            inner: provider,
            poison,
        },
        TD_Opaque,
    )
}

#[allow(unused_imports)]
use RBox as _;
