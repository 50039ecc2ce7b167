//! The `net` library, shaped after LuaSocket so its users feel at home:
//! `net.connect(host, port)` gives a TCP client (`send`, `receive("*l"|"*a"|n)`,
//! `settimeout`, `getpeername`, `getsockname`, `shutdown`, `close`); `net.bind(host, port)` a
//! server (`accept`, `getsockname`, `settimeout`, `close`); `net.udp()` a UDP socket
//! (`setsockname`, `setpeername`, `sendto`, `send`, `receive`, `receivefrom`, ...);
//! `net.resolve(name)` the addresses of a name.
//!
//! Every operation goes through the kernel's host services: the `net` permission is checked
//! there (a refusal raises an error naming the flag that grants it) and the network provider
//! module does the work. Other failures return `nil, message` with LuaSocket's words
//! (`"timeout"`, `"closed"`, `"connection refused"`). A client buffers what it received, so
//! line and count patterns can be served from it.

use std::time::Duration;

use luna_interp::host::net::{TcpListener, TcpStream, UdpSocket, TIMEOUT_ERRNO};
use luna_interp::host::HostError;
use luna_interp::userdata::UserData;
use luna_interp::{Gc, LuaResult, State, Value};

use crate::util::{new_lib, Reg};

const CLIENT: &str = "tcp{client}";
const SERVER: &str = "tcp{server}";
const UDP: &str = "udp{unconnected}";

struct Client {
    stream: Option<Box<dyn TcpStream>>,
    buf: Vec<u8>,
    timeout: Option<Duration>,
}

struct Server {
    listener: Option<Box<dyn TcpListener>>,
    timeout: Option<Duration>,
}

struct Udp {
    sock: Option<Box<dyn UdpSocket>>,
    closed: bool,
    timeout: Option<Duration>,
}

const FUNCS: &[Reg] = &[
    ("connect", connect),
    ("bind", bind),
    ("udp", udp),
    ("resolve", resolve),
];

const CLIENT_METHODS: &[Reg] = &[
    ("send", c_send),
    ("receive", c_receive),
    ("settimeout", c_settimeout),
    ("getpeername", c_getpeername),
    ("getsockname", c_getsockname),
    ("shutdown", c_shutdown),
    ("setoption", setoption),
    ("close", c_close),
];

const SERVER_METHODS: &[Reg] = &[
    ("accept", s_accept),
    ("getsockname", s_getsockname),
    ("settimeout", s_settimeout),
    ("setoption", setoption),
    ("close", s_close),
];

const UDP_METHODS: &[Reg] = &[
    ("setsockname", u_setsockname),
    ("setpeername", u_setpeername),
    ("sendto", u_sendto),
    ("send", u_send),
    ("receive", u_receive),
    ("receivefrom", u_receivefrom),
    ("getsockname", u_getsockname),
    ("getpeername", u_getpeername),
    ("settimeout", u_settimeout),
    ("setoption", setoption),
    ("close", u_close),
];

/// The `net` table (the `package.preload` loader).
pub fn open(st: &mut State) -> LuaResult<usize> {
    let t = new_lib(st, FUNCS);
    st.push(Value::Table(t));
    for (name, methods, close) in [
        (CLIENT, CLIENT_METHODS, c_close as luna_interp::NativeFn),
        (SERVER, SERVER_METHODS, s_close),
        (UDP, UDP_METHODS, u_close),
    ] {
        let (mt, created) = st.new_metatable(name);
        if created {
            st.push(Value::Table(mt));
            let m = new_lib(st, methods);
            st.raw_set_str(mt, "__index", Value::Table(m));
            st.raw_set_str(mt, "__gc", Value::Native(close));
            st.raw_set_str(mt, "__close", Value::Native(close));
            st.raw_set_str(mt, "__tostring", Value::Native(tostring));
            let v = st.str_value(name);
            st.raw_set_str(mt, "__name", v);
            st.pop();
        }
    }
    Ok(1)
}

/// `nil, message` for a failure; a refused permission is raised.
fn fail(st: &mut State, e: HostError) -> LuaResult<usize> {
    if e.denied {
        return Err(st.error(&e.message));
    }
    st.push_nil();
    st.push_str(e.message);
    Ok(2)
}

fn is_timeout(e: &HostError) -> bool {
    e.errno == TIMEOUT_ERRNO
}

/// LuaSocket's `"*"` means every interface.
fn host_arg(st: &mut State, i: usize) -> LuaResult<String> {
    let h = st.check_str(i)?.to_string_lossy();
    Ok(match h.as_str() {
        "*" => "0.0.0.0".to_string(),
        "localhost" => "127.0.0.1".to_string(),
        _ => h,
    })
}

fn port_arg(st: &mut State, i: usize) -> LuaResult<u16> {
    let p = st.check_int(i)?;
    match u16::try_from(p) {
        Ok(p) => Ok(p),
        Err(_) => Err(st.arg_error(i, "port out of range")),
    }
}

fn new_object<T: 'static>(st: &mut State, data: T, meta: &str) {
    let u = st.new_userdata(Box::new(data), 0);
    st.push(Value::UserData(u));
    let (mt, _) = st.new_metatable(meta);
    st.set_userdata_metatable(u, Some(mt));
}

fn tostring(st: &mut State) -> LuaResult<usize> {
    let v = st.check_any(1)?;
    let name = st.type_name_of(v);
    let addr = match v {
        Value::UserData(u) => u.addr(),
        _ => 0,
    };
    st.push_str(format!("{}: {:#x}", name, addr));
    Ok(1)
}

fn setoption(st: &mut State) -> LuaResult<usize> {
    st.push_int(1);
    Ok(1)
}

/// A timeout argument: nil or negative blocks.
fn timeout_arg(st: &mut State, i: usize) -> LuaResult<Option<Duration>> {
    if st.is_none_or_nil(i) {
        return Ok(None);
    }
    let t = st.check_number(i)?;
    Ok((t >= 0.0 && t.is_finite()).then(|| Duration::from_secs_f64(t.min(1e9))))
}

// ---------------------------------------------------------------------------------------
// Library functions
// ---------------------------------------------------------------------------------------

/// `net.connect(host, port [, timeout])`.
fn connect(st: &mut State) -> LuaResult<usize> {
    let host = host_arg(st, 1)?;
    let port = port_arg(st, 2)?;
    let timeout = timeout_arg(st, 3)?;
    match st.host_tcp_connect(&host, port, timeout) {
        Ok(stream) => {
            new_object(
                st,
                Client {
                    stream: Some(stream),
                    buf: Vec::new(),
                    timeout: None,
                },
                CLIENT,
            );
            Ok(1)
        }
        Err(e) => fail(st, e),
    }
}

/// `net.bind(host, port)`.
fn bind(st: &mut State) -> LuaResult<usize> {
    let host = host_arg(st, 1)?;
    let port = port_arg(st, 2)?;
    match st.host_tcp_bind(&host, port) {
        Ok(l) => {
            new_object(
                st,
                Server {
                    listener: Some(l),
                    timeout: None,
                },
                SERVER,
            );
            Ok(1)
        }
        Err(e) => fail(st, e),
    }
}

/// `net.udp()`: an unbound UDP socket (bound on first use or by `setsockname`).
fn udp(st: &mut State) -> LuaResult<usize> {
    new_object(
        st,
        Udp {
            sock: None,
            closed: false,
            timeout: None,
        },
        UDP,
    );
    Ok(1)
}

/// `net.resolve(name)`: a list of addresses.
fn resolve(st: &mut State) -> LuaResult<usize> {
    let name = st.check_str(1)?.to_string_lossy();
    match st.host_resolve(&name) {
        Ok(addrs) => {
            let t = st.new_table_with(addrs.len(), 0);
            st.push(Value::Table(t));
            for (i, a) in addrs.iter().enumerate() {
                let v = st.str_value(a);
                st.raw_set_int(t, i as i64 + 1, v);
            }
            Ok(1)
        }
        Err(e) => fail(st, e),
    }
}

// ---------------------------------------------------------------------------------------
// Clients
// ---------------------------------------------------------------------------------------

fn client(st: &mut State) -> LuaResult<Gc<UserData>> {
    st.check_userdata(1, CLIENT)
}

/// Runs `f` on an open client; `Err(())` when it is closed.
fn with_client<R>(u: Gc<UserData>, f: impl FnOnce(&mut Client) -> R) -> Option<R> {
    UserData::with_mut::<Client, _>(u, |c| if c.stream.is_some() { Some(f(c)) } else { None })
        .flatten()
}

fn closed(st: &mut State) -> LuaResult<usize> {
    st.push_nil();
    st.push_str("closed");
    Ok(2)
}

/// `client:send(data [, i [, j]])`: the index of the last byte sent.
fn c_send(st: &mut State) -> LuaResult<usize> {
    let u = client(st)?;
    let data = st.check_str(2)?.as_bytes().to_vec();
    let len = data.len() as i64;
    let mut i = st.opt_int(3, 1)?;
    let mut j = st.opt_int(4, -1)?;
    if i < 0 {
        i = (len + i + 1).max(1);
    }
    if i == 0 {
        i = 1;
    }
    if j < 0 {
        j += len + 1;
    }
    j = j.min(len);
    if i > j {
        st.push_int(i - 1);
        return Ok(1);
    }
    let slice = &data[(i - 1) as usize..j as usize];
    let r = with_client(u, |c| {
        let mut sent = 0;
        let timeout = c.timeout;
        let s = c.stream.as_mut().expect("open");
        while sent < slice.len() {
            match s.send(&slice[sent..], timeout) {
                Ok(0) => return (sent, Some(HostError::new("closed"))),
                Ok(n) => sent += n,
                Err(e) => return (sent, Some(e)),
            }
        }
        (sent, None)
    });
    match r {
        None => closed(st),
        Some((sent, None)) => {
            st.push_int(i - 1 + sent as i64);
            Ok(1)
        }
        Some((sent, Some(e))) => {
            if e.denied {
                return Err(st.error(&e.message));
            }
            st.push_nil();
            st.push_str(e.message);
            st.push_int(i - 1 + sent as i64);
            Ok(3)
        }
    }
}

/// What `receive` should read.
enum Pattern {
    Line,
    All,
    Count(usize),
}

/// `client:receive([pattern [, prefix]])`.
fn c_receive(st: &mut State) -> LuaResult<usize> {
    let u = client(st)?;
    let pattern = match st.arg(2) {
        Value::Nil => Pattern::Line,
        Value::Int(_) | Value::Float(_) => {
            let n = st.check_int(2)?;
            Pattern::Count(n.max(0) as usize)
        }
        _ => {
            let p = st.check_str(2)?.as_bytes().to_vec();
            match p.as_slice() {
                b"*l" | b"l" => Pattern::Line,
                b"*a" | b"a" => Pattern::All,
                _ => return Err(st.arg_error(2, "invalid receive pattern")),
            }
        }
    };
    let prefix = st
        .opt_str(3)?
        .map(|s| s.as_bytes().to_vec())
        .unwrap_or_default();
    let r = with_client(u, |c| receive(c, &pattern));
    let (data, err) = match r {
        None => return closed(st),
        Some(x) => x,
    };
    let mut out = prefix;
    out.extend_from_slice(&data);
    match err {
        None => {
            st.push_str(out);
            Ok(1)
        }
        Some(e) if e.denied => Err(st.error(&e.message)),
        Some(e) => {
            st.push_nil();
            st.push_str(e.message);
            st.push_str(out);
            Ok(3)
        }
    }
}

/// Serves `pattern` from the buffer, reading more as needed. Returns the data and, on
/// failure, why (the data is then the partial result).
fn receive(c: &mut Client, pattern: &Pattern) -> (Vec<u8>, Option<HostError>) {
    loop {
        match pattern {
            Pattern::Line => {
                if let Some(nl) = c.buf.iter().position(|&b| b == b'\n') {
                    let mut line: Vec<u8> = c.buf.drain(..=nl).collect();
                    line.pop();
                    line.retain(|&b| b != b'\r');
                    return (line, None);
                }
            }
            Pattern::Count(n) => {
                if c.buf.len() >= *n {
                    return (c.buf.drain(..*n).collect(), None);
                }
            }
            Pattern::All => {}
        }
        let timeout = c.timeout;
        let s = c.stream.as_mut().expect("open");
        match s.recv(64 * 1024, timeout) {
            Ok(bytes) if bytes.is_empty() => {
                let rest = std::mem::take(&mut c.buf);
                return match pattern {
                    Pattern::All => (rest, None),
                    Pattern::Line => {
                        let mut rest = rest;
                        rest.retain(|&b| b != b'\r');
                        (rest, Some(HostError::new("closed")))
                    }
                    Pattern::Count(_) => (rest, Some(HostError::new("closed"))),
                };
            }
            Ok(bytes) => c.buf.extend_from_slice(&bytes),
            Err(e) => {
                let partial = std::mem::take(&mut c.buf);
                let e = if is_timeout(&e) {
                    HostError::new("timeout")
                } else {
                    e
                };
                return (partial, Some(e));
            }
        }
    }
}

fn c_settimeout(st: &mut State) -> LuaResult<usize> {
    let u = client(st)?;
    let t = timeout_arg(st, 2)?;
    UserData::with_mut::<Client, _>(u, |c| c.timeout = t);
    st.push_int(1);
    Ok(1)
}

fn push_addr(st: &mut State, r: Result<(String, u16), HostError>) -> LuaResult<usize> {
    match r {
        Ok((ip, port)) => {
            st.push_str(ip.as_bytes());
            st.push_int(i64::from(port));
            st.push_str(if ip.contains(':') { "inet6" } else { "inet" });
            Ok(3)
        }
        Err(e) => fail(st, e),
    }
}

fn c_getpeername(st: &mut State) -> LuaResult<usize> {
    let u = client(st)?;
    match with_client(u, |c| c.stream.as_mut().expect("open").peer_addr()) {
        None => closed(st),
        Some(r) => push_addr(st, r),
    }
}

fn c_getsockname(st: &mut State) -> LuaResult<usize> {
    let u = client(st)?;
    match with_client(u, |c| c.stream.as_mut().expect("open").local_addr()) {
        None => closed(st),
        Some(r) => push_addr(st, r),
    }
}

fn c_shutdown(st: &mut State) -> LuaResult<usize> {
    let u = client(st)?;
    let how = st.check_option(2, Some("both"), &["both", "send", "receive"])?;
    let (read, write) = match how {
        0 => (true, true),
        1 => (false, true),
        _ => (true, false),
    };
    match with_client(u, |c| {
        c.stream.as_mut().expect("open").shutdown(read, write)
    }) {
        None => closed(st),
        Some(Ok(())) => {
            st.push_int(1);
            Ok(1)
        }
        Some(Err(e)) => fail(st, e),
    }
}

fn c_close(st: &mut State) -> LuaResult<usize> {
    let u = client(st)?;
    UserData::with_mut::<Client, _>(u, |c| {
        c.stream = None;
        c.buf.clear();
    });
    st.push_int(1);
    Ok(1)
}

// ---------------------------------------------------------------------------------------
// Servers
// ---------------------------------------------------------------------------------------

fn server(st: &mut State) -> LuaResult<Gc<UserData>> {
    st.check_userdata(1, SERVER)
}

/// `server:accept()`: a client, or `nil, "timeout"`.
fn s_accept(st: &mut State) -> LuaResult<usize> {
    let u = server(st)?;
    let r = UserData::with_mut::<Server, _>(u, |s| {
        let timeout = s.timeout;
        s.listener.as_mut().map(|l| l.accept(timeout))
    })
    .flatten();
    match r {
        None => closed(st),
        Some(Ok(stream)) => {
            new_object(
                st,
                Client {
                    stream: Some(stream),
                    buf: Vec::new(),
                    timeout: None,
                },
                CLIENT,
            );
            Ok(1)
        }
        Some(Err(e)) if is_timeout(&e) => fail(st, HostError::new("timeout")),
        Some(Err(e)) => fail(st, e),
    }
}

fn s_getsockname(st: &mut State) -> LuaResult<usize> {
    let u = server(st)?;
    let r = UserData::with_mut::<Server, _>(u, |s| s.listener.as_mut().map(|l| l.local_addr()))
        .flatten();
    match r {
        None => closed(st),
        Some(r) => push_addr(st, r),
    }
}

fn s_settimeout(st: &mut State) -> LuaResult<usize> {
    let u = server(st)?;
    let t = timeout_arg(st, 2)?;
    UserData::with_mut::<Server, _>(u, |s| s.timeout = t);
    st.push_int(1);
    Ok(1)
}

fn s_close(st: &mut State) -> LuaResult<usize> {
    let u = server(st)?;
    UserData::with_mut::<Server, _>(u, |s| s.listener = None);
    st.push_int(1);
    Ok(1)
}

// ---------------------------------------------------------------------------------------
// UDP
// ---------------------------------------------------------------------------------------

fn udp_obj(st: &mut State) -> LuaResult<Gc<UserData>> {
    st.check_userdata(1, UDP)
}

/// Runs `f` on the socket, binding it to an ephemeral port first if needed.
fn with_udp<R>(
    st: &mut State,
    u: Gc<UserData>,
    f: impl FnOnce(&mut Box<dyn UdpSocket>, Option<Duration>) -> Result<R, HostError>,
) -> Result<R, HostError> {
    let state =
        UserData::with_mut::<Udp, _>(u, |s| (s.closed, s.sock.is_some())).unwrap_or((true, false));
    if state.0 {
        return Err(HostError::new("closed"));
    }
    if !state.1 {
        let sock = st.host_udp(None)?;
        UserData::with_mut::<Udp, _>(u, |s| s.sock = Some(sock));
    }
    UserData::with_mut::<Udp, _>(u, |s| {
        let t = s.timeout;
        f(s.sock.as_mut().expect("bound"), t)
    })
    .unwrap_or_else(|| Err(HostError::new("closed")))
}

fn one_or_fail(st: &mut State, r: Result<(), HostError>) -> LuaResult<usize> {
    match r {
        Ok(()) => {
            st.push_int(1);
            Ok(1)
        }
        Err(e) => fail(st, e),
    }
}

/// `udp:setsockname(host, port)`: binds the socket.
fn u_setsockname(st: &mut State) -> LuaResult<usize> {
    let u = udp_obj(st)?;
    let host = host_arg(st, 2)?;
    let port = port_arg(st, 3)?;
    let bound = UserData::with_mut::<Udp, _>(u, |s| s.sock.is_some() || s.closed).unwrap_or(true);
    if bound {
        return fail(st, HostError::new("already bound"));
    }
    let r = st.host_udp(Some((&host, port))).map(|sock| {
        UserData::with_mut::<Udp, _>(u, |s| s.sock = Some(sock));
    });
    one_or_fail(st, r)
}

/// `udp:setpeername(host, port)`: fixes the peer.
fn u_setpeername(st: &mut State) -> LuaResult<usize> {
    let u = udp_obj(st)?;
    let host = host_arg(st, 2)?;
    let port = port_arg(st, 3)?;
    let r = with_udp(st, u, |s, _| s.connect(&host, port));
    one_or_fail(st, r)
}

/// `udp:sendto(data, ip, port)`.
fn u_sendto(st: &mut State) -> LuaResult<usize> {
    let u = udp_obj(st)?;
    let data = st.check_str(2)?.as_bytes().to_vec();
    let host = host_arg(st, 3)?;
    let port = port_arg(st, 4)?;
    let r = with_udp(st, u, |s, _| s.send_to(&data, &host, port));
    match r {
        Ok(n) => {
            st.push_int(n as i64);
            Ok(1)
        }
        Err(e) => fail(st, e),
    }
}

/// `udp:send(data)` to the peer.
fn u_send(st: &mut State) -> LuaResult<usize> {
    let u = udp_obj(st)?;
    let data = st.check_str(2)?.as_bytes().to_vec();
    let r = with_udp(st, u, |s, _| s.send(&data));
    match r {
        Ok(n) => {
            st.push_int(n as i64);
            Ok(1)
        }
        Err(e) => fail(st, e),
    }
}

fn size_arg(st: &mut State) -> LuaResult<usize> {
    Ok(st.opt_int(2, 8192)?.clamp(1, 65535) as usize)
}

fn timeout_words(e: HostError) -> HostError {
    if is_timeout(&e) {
        HostError::new("timeout")
    } else {
        e
    }
}

/// `udp:receive([size])`.
fn u_receive(st: &mut State) -> LuaResult<usize> {
    let u = udp_obj(st)?;
    let size = size_arg(st)?;
    let r = with_udp(st, u, |s, t| s.recv(size, t));
    match r {
        Ok(d) => {
            st.push_str(d);
            Ok(1)
        }
        Err(e) => fail(st, timeout_words(e)),
    }
}

/// `udp:receivefrom([size])`: the datagram, the sender's address and port.
fn u_receivefrom(st: &mut State) -> LuaResult<usize> {
    let u = udp_obj(st)?;
    let size = size_arg(st)?;
    let r = with_udp(st, u, |s, t| s.recv_from(size, t));
    match r {
        Ok((d, (ip, port))) => {
            st.push_str(d);
            st.push_str(ip);
            st.push_int(i64::from(port));
            Ok(3)
        }
        Err(e) => fail(st, timeout_words(e)),
    }
}

fn u_getsockname(st: &mut State) -> LuaResult<usize> {
    let u = udp_obj(st)?;
    let r = with_udp(st, u, |s, _| s.local_addr());
    push_addr(st, r)
}

fn u_getpeername(st: &mut State) -> LuaResult<usize> {
    let u = udp_obj(st)?;
    let r = with_udp(st, u, |s, _| s.peer_addr());
    push_addr(st, r)
}

fn u_settimeout(st: &mut State) -> LuaResult<usize> {
    let u = udp_obj(st)?;
    let t = timeout_arg(st, 2)?;
    UserData::with_mut::<Udp, _>(u, |s| s.timeout = t);
    st.push_int(1);
    Ok(1)
}

fn u_close(st: &mut State) -> LuaResult<usize> {
    let u = udp_obj(st)?;
    UserData::with_mut::<Udp, _>(u, |s| {
        s.sock = None;
        s.closed = true;
    });
    st.push_int(1);
    Ok(1)
}
