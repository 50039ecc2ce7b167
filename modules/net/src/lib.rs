//! luna's network provider: TCP and UDP through `std::net`, names resolved with
//! `ToSocketAddrs`.
//!
//! Invariants: every blocking call honours the timeouts the kernel set (0 = none); `accept`
//! with a timeout polls a non-blocking listener, so it never blocks longer than asked; errors
//! keep the operating system's errno. Permission checks are the kernel's, made on the host
//! and port the script named before any call reaches this provider.

use std::io::{Read, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use luna_spi::net::{
    NetAddr, NetProvider, Shutdown, TcpListenerProvider, TcpStreamProvider, UdpSocketProvider,
};
use luna_spi::{ErrorKind, SpiError};

/// The provider (stateless).
#[derive(Debug, Default, Clone, Copy)]
pub struct StdNet;

fn new_provider() -> Result<StdNet, SpiError> {
    Ok(StdNet)
}

luna_spi::export_module! {
    name: "net",
    version: env!("CARGO_PKG_VERSION"),
    description: "TCP and UDP sockets (std::net)",
    permissions: [NET],
    network: new_provider,
}

fn err(e: std::io::Error) -> SpiError {
    // A read timeout surfaces as EAGAIN/EWOULDBLOCK on Unix: report it as the timeout it is.
    if matches!(
        e.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ) {
        return SpiError::with_message(ErrorKind::TIMED_OUT, "timeout");
    }
    SpiError::from(e)
}

fn timeout(ms: u64) -> Option<Duration> {
    if ms == 0 {
        None
    } else {
        Some(Duration::from_millis(ms))
    }
}

/// The addresses of `host:port`; IPv6 literals may come with or without brackets.
fn addresses(host: &str, port: u16) -> Result<Vec<SocketAddr>, SpiError> {
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    if let Ok(ip) = bare.parse::<std::net::IpAddr>() {
        return Ok(vec![SocketAddr::new(ip, port)]);
    }
    if bare.is_empty() {
        return Err(SpiError::invalid_input("empty host name"));
    }
    let found: Vec<SocketAddr> = (bare, port)
        .to_socket_addrs()
        .map_err(|e| {
            SpiError::with_message(
                ErrorKind::HOST_NOT_FOUND,
                format!("{bare}: {}", host_error(&e)),
            )
        })?
        .collect();
    if found.is_empty() {
        return Err(SpiError::with_message(
            ErrorKind::HOST_NOT_FOUND,
            format!("{bare}: Name or service not known"),
        ));
    }
    Ok(found)
}

fn host_error(e: &std::io::Error) -> String {
    let text = e.to_string();
    text.strip_prefix("failed to lookup address information: ")
        .unwrap_or(&text)
        .to_string()
}

/// A TCP connection.
#[derive(Debug)]
pub struct Stream(std::net::TcpStream);

impl TcpStreamProvider for Stream {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, SpiError> {
        loop {
            match self.0.read(buf) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => return r.map_err(err),
            }
        }
    }
    fn write(&mut self, data: &[u8]) -> Result<usize, SpiError> {
        loop {
            match self.0.write(data) {
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                r => return r.map_err(err),
            }
        }
    }
    fn shutdown(&mut self, how: Shutdown) -> Result<(), SpiError> {
        let how = match how {
            Shutdown::READ => std::net::Shutdown::Read,
            Shutdown::WRITE => std::net::Shutdown::Write,
            Shutdown::BOTH => std::net::Shutdown::Both,
            _ => return Err(SpiError::invalid_input("invalid shutdown mode")),
        };
        self.0.shutdown(how).map_err(err)
    }
    fn peer_addr(&self) -> Result<NetAddr, SpiError> {
        self.0.peer_addr().map(NetAddr::from_std).map_err(err)
    }
    fn local_addr(&self) -> Result<NetAddr, SpiError> {
        self.0.local_addr().map(NetAddr::from_std).map_err(err)
    }
    fn set_read_timeout(&mut self, ms: u64) -> Result<(), SpiError> {
        self.0.set_read_timeout(timeout(ms)).map_err(err)
    }
    fn set_write_timeout(&mut self, ms: u64) -> Result<(), SpiError> {
        self.0.set_write_timeout(timeout(ms)).map_err(err)
    }
    fn set_nodelay(&mut self, nodelay: bool) -> Result<(), SpiError> {
        self.0.set_nodelay(nodelay).map_err(err)
    }
    fn close(&mut self) -> Result<(), SpiError> {
        // The descriptor closes when the adapter drops us; a shutdown error on an already
        // closed peer is not worth reporting.
        let _ = self.0.shutdown(std::net::Shutdown::Both);
        Ok(())
    }
}

/// A listening TCP socket.
#[derive(Debug)]
pub struct Listener(std::net::TcpListener);

impl TcpListenerProvider for Listener {
    type Stream = Stream;

    fn accept(&mut self, timeout_ms: u64) -> Result<(Stream, NetAddr), SpiError> {
        if timeout_ms == 0 {
            self.0.set_nonblocking(false).map_err(err)?;
            let (s, a) = self.0.accept().map_err(SpiError::from)?;
            return Ok((Stream(s), NetAddr::from_std(a)));
        }
        self.0.set_nonblocking(true).map_err(err)?;
        let deadline = Instant::now() + Duration::from_millis(timeout_ms);
        let mut pause = Duration::from_millis(1);
        loop {
            match self.0.accept() {
                Ok((s, a)) => {
                    s.set_nonblocking(false).map_err(err)?;
                    return Ok((Stream(s), NetAddr::from_std(a)));
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(SpiError::with_message(ErrorKind::TIMED_OUT, "timeout"));
                    }
                    std::thread::sleep(pause.min(deadline - now));
                    pause = (pause * 2).min(Duration::from_millis(20));
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(SpiError::from(e)),
            }
        }
    }
    fn local_addr(&self) -> Result<NetAddr, SpiError> {
        self.0.local_addr().map(NetAddr::from_std).map_err(err)
    }
    fn close(&mut self) -> Result<(), SpiError> {
        Ok(())
    }
}

/// A UDP socket.
#[derive(Debug)]
pub struct Udp(std::net::UdpSocket);

impl UdpSocketProvider for Udp {
    fn send_to(&mut self, data: &[u8], host: &str, port: u16) -> Result<usize, SpiError> {
        let local_v4 = self.0.local_addr().map(|a| a.is_ipv4()).unwrap_or(true);
        let addrs = addresses(host, port)?;
        let target = addrs
            .iter()
            .find(|a| a.is_ipv4() == local_v4)
            .unwrap_or(&addrs[0]);
        self.0.send_to(data, target).map_err(err)
    }
    fn recv_from(&mut self, buf: &mut [u8]) -> Result<(usize, NetAddr), SpiError> {
        self.0
            .recv_from(buf)
            .map(|(n, a)| (n, NetAddr::from_std(a)))
            .map_err(err)
    }
    fn connect(&mut self, host: &str, port: u16) -> Result<(), SpiError> {
        let addrs = addresses(host, port)?;
        self.0.connect(&addrs[..]).map_err(SpiError::from)
    }
    fn send(&mut self, data: &[u8]) -> Result<usize, SpiError> {
        self.0.send(data).map_err(err)
    }
    fn recv(&mut self, buf: &mut [u8]) -> Result<usize, SpiError> {
        self.0.recv(buf).map_err(err)
    }
    fn local_addr(&self) -> Result<NetAddr, SpiError> {
        self.0.local_addr().map(NetAddr::from_std).map_err(err)
    }
    fn peer_addr(&self) -> Result<NetAddr, SpiError> {
        self.0
            .peer_addr()
            .map(NetAddr::from_std)
            .map_err(SpiError::from)
    }
    fn set_read_timeout(&mut self, ms: u64) -> Result<(), SpiError> {
        self.0.set_read_timeout(timeout(ms)).map_err(err)
    }
    fn set_write_timeout(&mut self, ms: u64) -> Result<(), SpiError> {
        self.0.set_write_timeout(timeout(ms)).map_err(err)
    }
    fn set_broadcast(&mut self, on: bool) -> Result<(), SpiError> {
        self.0.set_broadcast(on).map_err(err)
    }
    fn close(&mut self) -> Result<(), SpiError> {
        Ok(())
    }
}

impl NetProvider for StdNet {
    type Stream = Stream;
    type Listener = Listener;
    type Udp = Udp;

    fn tcp_connect(&self, host: &str, port: u16, timeout_ms: u64) -> Result<Stream, SpiError> {
        let mut last = None;
        for addr in addresses(host, port)? {
            let r = match timeout(timeout_ms) {
                Some(t) => std::net::TcpStream::connect_timeout(&addr, t),
                None => std::net::TcpStream::connect(addr),
            };
            match r {
                Ok(s) => return Ok(Stream(s)),
                Err(e) => last = Some(e),
            }
        }
        Err(last
            .map(|e| {
                if e.kind() == std::io::ErrorKind::TimedOut
                    || e.kind() == std::io::ErrorKind::WouldBlock
                {
                    SpiError::with_message(ErrorKind::TIMED_OUT, "timeout")
                } else {
                    SpiError::from(e)
                }
            })
            .unwrap_or_else(|| SpiError::new(ErrorKind::HOST_NOT_FOUND)))
    }

    fn tcp_listen(&self, host: &str, port: u16) -> Result<Listener, SpiError> {
        let addrs = addresses(host, port)?;
        std::net::TcpListener::bind(&addrs[..])
            .map(Listener)
            .map_err(SpiError::from)
    }

    fn udp_bind(&self, host: &str, port: u16) -> Result<Udp, SpiError> {
        let addrs = addresses(host, port)?;
        std::net::UdpSocket::bind(&addrs[..])
            .map(Udp)
            .map_err(SpiError::from)
    }

    fn resolve(&self, host: &str, port: u16) -> Result<Vec<NetAddr>, SpiError> {
        let mut out: Vec<NetAddr> = Vec::new();
        for a in addresses(host, port)? {
            let a = NetAddr::from_std(a);
            if !out.contains(&a) {
                out.push(a);
            }
        }
        Ok(out)
    }
}
