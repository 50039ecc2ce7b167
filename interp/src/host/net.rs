//! Network backends: what the host services call after the `net` permission check.
//!
//! The kernel has no network code of its own: sockets come from the `net` provider module
//! (or one a host installs). Each operation a script asks for is checked first: connecting,
//! binding and sending a datagram check `host:port` against the `net` rules; resolving a name
//! checks the name; accepting on a bound server and receiving are not checked again.
//!
//! Timeouts are given per call (`None`: block). A receive that timed out fails with
//! [`TIMEOUT_ERRNO`]; a receive of 0 bytes means the peer closed the connection.

use std::time::Duration;

use super::HostResult;

/// The errno of a timed-out operation (`ETIMEDOUT`); its message is "timeout".
pub const TIMEOUT_ERRNO: i32 = 110;

/// An address: an IP address as text and a port.
pub type SocketAddress = (String, u16);

/// A network provider as the kernel sees it.
pub trait NetBackend: Send {
    fn name(&self) -> &str;
    /// The addresses `name` resolves to.
    fn resolve(&mut self, name: &str) -> HostResult<Vec<String>>;
    fn tcp_connect(
        &mut self,
        host: &str,
        port: u16,
        timeout: Option<Duration>,
    ) -> HostResult<Box<dyn TcpStream>>;
    fn tcp_bind(&mut self, host: &str, port: u16) -> HostResult<Box<dyn TcpListener>>;
    fn udp_bind(&mut self, host: &str, port: u16) -> HostResult<Box<dyn UdpSocket>>;
}

/// A connected TCP stream.
pub trait TcpStream: Send {
    /// Sends some of `data`; returns how many bytes went.
    fn send(&mut self, data: &[u8], timeout: Option<Duration>) -> HostResult<usize>;
    /// Receives at most `max` bytes (empty: the peer closed the connection).
    fn recv(&mut self, max: usize, timeout: Option<Duration>) -> HostResult<Vec<u8>>;
    fn peer_addr(&mut self) -> HostResult<SocketAddress>;
    fn local_addr(&mut self) -> HostResult<SocketAddress>;
    /// Shuts down sending (`"send"`), receiving (`"receive"`) or both.
    fn shutdown(&mut self, read: bool, write: bool) -> HostResult<()>;
}

/// A listening TCP socket.
pub trait TcpListener: Send {
    fn accept(&mut self, timeout: Option<Duration>) -> HostResult<Box<dyn TcpStream>>;
    fn local_addr(&mut self) -> HostResult<SocketAddress>;
}

/// A UDP socket.
pub trait UdpSocket: Send {
    fn send_to(&mut self, data: &[u8], host: &str, port: u16) -> HostResult<usize>;
    fn recv_from(
        &mut self,
        max: usize,
        timeout: Option<Duration>,
    ) -> HostResult<(Vec<u8>, SocketAddress)>;
    /// Fixes the peer (`setpeername`); `send` and `recv` then use it.
    fn connect(&mut self, host: &str, port: u16) -> HostResult<()>;
    fn send(&mut self, data: &[u8]) -> HostResult<usize>;
    fn recv(&mut self, max: usize, timeout: Option<Duration>) -> HostResult<Vec<u8>>;
    fn local_addr(&mut self) -> HostResult<SocketAddress>;
    fn peer_addr(&mut self) -> HostResult<SocketAddress>;
}

use super::permissions::Permissions;
use super::HostError;
use crate::state::State;

/// A UDP socket whose destinations are checked against the permissions it was made under.
struct CheckedUdp {
    inner: Box<dyn UdpSocket>,
    permissions: Permissions,
}

impl CheckedUdp {
    fn check(&self, host: &str, port: u16) -> HostResult<()> {
        self.permissions
            .check_net(host, Some(port))
            .map_err(|d| HostError::denied(&d))
    }
}

impl UdpSocket for CheckedUdp {
    fn send_to(&mut self, data: &[u8], host: &str, port: u16) -> HostResult<usize> {
        self.check(host, port)?;
        self.inner.send_to(data, host, port)
    }
    fn recv_from(
        &mut self,
        max: usize,
        timeout: Option<Duration>,
    ) -> HostResult<(Vec<u8>, SocketAddress)> {
        self.inner.recv_from(max, timeout)
    }
    fn connect(&mut self, host: &str, port: u16) -> HostResult<()> {
        self.check(host, port)?;
        self.inner.connect(host, port)
    }
    fn send(&mut self, data: &[u8]) -> HostResult<usize> {
        self.inner.send(data)
    }
    fn recv(&mut self, max: usize, timeout: Option<Duration>) -> HostResult<Vec<u8>> {
        self.inner.recv(max, timeout)
    }
    fn local_addr(&mut self) -> HostResult<SocketAddress> {
        self.inner.local_addr()
    }
    fn peer_addr(&mut self) -> HostResult<SocketAddress> {
        self.inner.peer_addr()
    }
}

impl State {
    /// The addresses `name` resolves to (needs `net` access to `name`).
    pub fn host_resolve(&mut self, name: &str) -> HostResult<Vec<String>> {
        self.with_host(|h| {
            h.check_net(name, None)?;
            h.net_provider()?.resolve(name)
        })
    }

    /// Connects to `host:port` (needs `net` access to it).
    pub fn host_tcp_connect(
        &mut self,
        host: &str,
        port: u16,
        timeout: Option<Duration>,
    ) -> HostResult<Box<dyn TcpStream>> {
        self.with_host(|h| {
            h.check_net(host, Some(port))?;
            h.net_provider()?.tcp_connect(host, port, timeout)
        })
    }

    /// Listens on `host:port` (needs `net` access to it).
    pub fn host_tcp_bind(&mut self, host: &str, port: u16) -> HostResult<Box<dyn TcpListener>> {
        self.with_host(|h| {
            h.check_net(host, Some(port))?;
            h.net_provider()?.tcp_bind(host, port)
        })
    }

    /// A UDP socket bound to `host:port` (needs `net` access to it), or to an ephemeral
    /// port of every interface when `at` is `None` (no access needed: only destinations
    /// are checked, at each `send_to` and `connect`).
    pub fn host_udp(&mut self, at: Option<(&str, u16)>) -> HostResult<Box<dyn UdpSocket>> {
        self.with_host(|h| {
            if let Some((host, port)) = at {
                h.check_net(host, Some(port))?;
            }
            let (host, port) = at.unwrap_or(("0.0.0.0", 0));
            let inner = h.net_provider()?.udp_bind(host, port)?;
            Ok(Box::new(CheckedUdp {
                inner,
                permissions: h.permissions.clone(),
            }) as Box<dyn UdpSocket>)
        })
    }
}
