//! The `Network` service provider interface.
//!
//! Invariants:
//! - Hosts and addresses cross the boundary as text (`"127.0.0.1"`, `"::1"`, `"example.org"`)
//!   plus a port, so the kernel can check `--allow-net=host:port` rules on exactly what the
//!   script asked for before calling the provider. The provider resolves names itself.
//! - Timeouts are milliseconds; 0 means "block without a time limit".
//! - Providers never check permissions: the kernel checks `net` for connect, listen, bind
//!   and every `send_to` destination before calling them.
//!
//! Provider authors implement [`NetProvider`] and the three socket traits (plain Rust);
//! [`crate::export_module!`] wraps them into the ABI traits with panic guards.

use abi_stable::sabi_trait;
use abi_stable::std_types::{RBox, RSlice, RSliceMut, RStr, RString, RVec};
use abi_stable::StableAbi;

use crate::error::{SpiError, SpiResult};

/// A socket address: an IP address as text and a port.
#[repr(C)]
#[derive(StableAbi, Clone, Debug, PartialEq, Eq, Hash)]
pub struct NetAddr {
    /// The IP address (`"127.0.0.1"`, `"::1"`).
    pub ip: RString,
    /// The port.
    pub port: u16,
}

impl NetAddr {
    /// From a std address.
    pub fn from_std(a: std::net::SocketAddr) -> NetAddr {
        NetAddr {
            ip: RString::from(a.ip().to_string()),
            port: a.port(),
        }
    }
}

/// Which halves of a connection `shutdown` closes.
#[repr(transparent)]
#[derive(StableAbi, Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct Shutdown(pub u8);

impl Shutdown {
    /// The reading half.
    pub const READ: Shutdown = Shutdown(1);
    /// The writing half.
    pub const WRITE: Shutdown = Shutdown(2);
    /// Both halves.
    pub const BOTH: Shutdown = Shutdown(3);
}

/// A connected TCP stream. Dropping the box closes it.
#[sabi_trait]
pub trait TcpStream: Send {
    /// Reads up to `buf.len()` bytes; 0 means the peer closed its side.
    fn read(&mut self, buf: RSliceMut<'_, u8>) -> SpiResult<usize>;
    /// Writes some of `data`; returns how much.
    fn write(&mut self, data: RSlice<'_, u8>) -> SpiResult<usize>;
    /// Shuts down one or both halves.
    fn shutdown(&mut self, how: Shutdown) -> SpiResult<()>;
    /// The remote address.
    fn peer_addr(&self) -> SpiResult<NetAddr>;
    /// The local address.
    fn local_addr(&self) -> SpiResult<NetAddr>;
    /// Timeout of `read` in ms (0: none). A read that times out fails with `TIMED_OUT`.
    fn set_read_timeout(&mut self, ms: u64) -> SpiResult<()>;
    /// Timeout of `write` in ms (0: none).
    fn set_write_timeout(&mut self, ms: u64) -> SpiResult<()>;
    /// Disables (true) or enables Nagle's algorithm.
    fn set_nodelay(&mut self, nodelay: bool) -> SpiResult<()>;
    /// Closes the stream; later calls fail with `CLOSED`.
    #[sabi(last_prefix_field)]
    fn close(&mut self) -> SpiResult<()>;
}

/// A TCP stream in a box.
pub type TcpStreamBox = TcpStream_TO<'static, RBox<()>>;

/// A stream returned by `accept`, with the peer's address.
#[repr(C)]
#[derive(StableAbi)]
pub struct Accepted {
    /// The new connection.
    pub stream: TcpStreamBox,
    /// Who connected.
    pub peer: NetAddr,
}

/// A listening TCP socket. Dropping the box closes it.
#[sabi_trait]
pub trait TcpListener: Send {
    /// Waits for a connection, at most `timeout_ms` (0: no limit; `TIMED_OUT` after it).
    fn accept(&mut self, timeout_ms: u64) -> SpiResult<Accepted>;
    /// The local address (useful after binding port 0).
    fn local_addr(&self) -> SpiResult<NetAddr>;
    /// Closes the listener; later calls fail with `CLOSED`.
    #[sabi(last_prefix_field)]
    fn close(&mut self) -> SpiResult<()>;
}

/// A TCP listener in a box.
pub type TcpListenerBox = TcpListener_TO<'static, RBox<()>>;

/// A datagram and its sender, from `recv_from`.
#[repr(C)]
#[derive(StableAbi, Clone, Debug)]
pub struct Received {
    /// Bytes stored into the buffer (a longer datagram is cut).
    pub len: usize,
    /// The sender.
    pub from: NetAddr,
}

/// A UDP socket. Dropping the box closes it.
#[sabi_trait]
pub trait UdpSocket: Send {
    /// Sends one datagram to `host:port`; returns the bytes sent.
    fn send_to(&mut self, data: RSlice<'_, u8>, host: RStr<'_>, port: u16) -> SpiResult<usize>;
    /// Receives one datagram.
    fn recv_from(&mut self, buf: RSliceMut<'_, u8>) -> SpiResult<Received>;
    /// Sets the default destination (and filters received datagrams to it).
    fn connect(&mut self, host: RStr<'_>, port: u16) -> SpiResult<()>;
    /// Sends to the connected destination.
    fn send(&mut self, data: RSlice<'_, u8>) -> SpiResult<usize>;
    /// Receives from the connected destination.
    fn recv(&mut self, buf: RSliceMut<'_, u8>) -> SpiResult<usize>;
    /// The local address.
    fn local_addr(&self) -> SpiResult<NetAddr>;
    /// The connected destination.
    fn peer_addr(&self) -> SpiResult<NetAddr>;
    /// Timeout of receives in ms (0: none).
    fn set_read_timeout(&mut self, ms: u64) -> SpiResult<()>;
    /// Timeout of sends in ms (0: none).
    fn set_write_timeout(&mut self, ms: u64) -> SpiResult<()>;
    /// Allows sending to broadcast addresses.
    fn set_broadcast(&mut self, on: bool) -> SpiResult<()>;
    /// Closes the socket; later calls fail with `CLOSED`.
    #[sabi(last_prefix_field)]
    fn close(&mut self) -> SpiResult<()>;
}

/// A UDP socket in a box.
pub type UdpSocketBox = UdpSocket_TO<'static, RBox<()>>;

/// A network provider, as the kernel sees it.
#[sabi_trait]
pub trait Network: Send + Sync {
    /// Connects to `host:port`, trying each resolved address in turn within `timeout_ms`
    /// per address (0: the system's own limit).
    fn tcp_connect(&self, host: RStr<'_>, port: u16, timeout_ms: u64) -> SpiResult<TcpStreamBox>;
    /// Listens on `host:port` (port 0 picks a free port).
    fn tcp_listen(&self, host: RStr<'_>, port: u16) -> SpiResult<TcpListenerBox>;
    /// Binds a UDP socket to `host:port` (port 0 picks a free port).
    fn udp_bind(&self, host: RStr<'_>, port: u16) -> SpiResult<UdpSocketBox>;
    /// The addresses of `host` (`HOST_NOT_FOUND` when there are none).
    #[sabi(last_prefix_field)]
    fn resolve(&self, host: RStr<'_>, port: u16) -> SpiResult<RVec<NetAddr>>;
}

/// A network provider in a box.
pub type NetworkBox = Network_TO<'static, RBox<()>>;

/// Plain-Rust side of [`TcpStream`].
#[allow(missing_docs)]
pub trait TcpStreamProvider: Send + 'static {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, SpiError>;
    fn write(&mut self, data: &[u8]) -> Result<usize, SpiError>;
    fn shutdown(&mut self, how: Shutdown) -> Result<(), SpiError>;
    fn peer_addr(&self) -> Result<NetAddr, SpiError>;
    fn local_addr(&self) -> Result<NetAddr, SpiError>;
    fn set_read_timeout(&mut self, ms: u64) -> Result<(), SpiError>;
    fn set_write_timeout(&mut self, ms: u64) -> Result<(), SpiError>;
    fn set_nodelay(&mut self, nodelay: bool) -> Result<(), SpiError>;
    fn close(&mut self) -> Result<(), SpiError>;
}

/// Plain-Rust side of [`TcpListener`].
#[allow(missing_docs)]
pub trait TcpListenerProvider: Send + 'static {
    type Stream: TcpStreamProvider;
    fn accept(&mut self, timeout_ms: u64) -> Result<(Self::Stream, NetAddr), SpiError>;
    fn local_addr(&self) -> Result<NetAddr, SpiError>;
    fn close(&mut self) -> Result<(), SpiError>;
}

/// Plain-Rust side of [`UdpSocket`].
#[allow(missing_docs)]
pub trait UdpSocketProvider: Send + 'static {
    fn send_to(&mut self, data: &[u8], host: &str, port: u16) -> Result<usize, SpiError>;
    fn recv_from(&mut self, buf: &mut [u8]) -> Result<(usize, NetAddr), SpiError>;
    fn connect(&mut self, host: &str, port: u16) -> Result<(), SpiError>;
    fn send(&mut self, data: &[u8]) -> Result<usize, SpiError>;
    fn recv(&mut self, buf: &mut [u8]) -> Result<usize, SpiError>;
    fn local_addr(&self) -> Result<NetAddr, SpiError>;
    fn peer_addr(&self) -> Result<NetAddr, SpiError>;
    fn set_read_timeout(&mut self, ms: u64) -> Result<(), SpiError>;
    fn set_write_timeout(&mut self, ms: u64) -> Result<(), SpiError>;
    fn set_broadcast(&mut self, on: bool) -> Result<(), SpiError>;
    fn close(&mut self) -> Result<(), SpiError>;
}

/// Plain-Rust side of [`Network`].
#[allow(missing_docs)]
pub trait NetProvider: Send + Sync + 'static {
    type Stream: TcpStreamProvider;
    type Listener: TcpListenerProvider;
    type Udp: UdpSocketProvider;
    fn tcp_connect(&self, host: &str, port: u16, timeout_ms: u64)
        -> Result<Self::Stream, SpiError>;
    fn tcp_listen(&self, host: &str, port: u16) -> Result<Self::Listener, SpiError>;
    fn udp_bind(&self, host: &str, port: u16) -> Result<Self::Udp, SpiError>;
    fn resolve(&self, host: &str, port: u16) -> Result<Vec<NetAddr>, SpiError>;
}
