//! Network provider tests on 127.0.0.1 only: echo over TCP and UDP, timeouts, refused
//! connections, name resolution of literals and localhost. Bounded in time and count.

use std::thread;
use std::time::{Duration, Instant};

use luna_spi::abi_stable::std_types::{RSlice, RSliceMut, RStr};
use luna_spi::net::{NetworkBox, Shutdown};
use luna_spi::{ErrorKind, ModuleInfo, SpiError};

fn net() -> NetworkBox {
    let info = ModuleInfo::new(luna_net::luna_module_root());
    assert_eq!(info.manifest.name.as_str(), "net");
    assert!(info.filesystem().is_none());
    info.network().expect("luna-net provides a network")().unwrap()
}

fn ok<T>(r: luna_spi::SpiResult<T>) -> T {
    r.into_result()
        .unwrap_or_else(|e: SpiError| panic!("{e:?}"))
}

#[test]
fn tcp_echo_round_trip() {
    let net = net();
    let mut listener = ok(net.tcp_listen(RStr::from_str("127.0.0.1"), 0));
    let addr = ok(listener.local_addr());
    assert_eq!(addr.ip.as_str(), "127.0.0.1");
    assert_ne!(addr.port, 0);
    let server = thread::spawn(move || {
        let mut acc = ok(listener.accept(5000));
        assert_eq!(acc.peer.ip.as_str(), "127.0.0.1");
        ok(acc.stream.set_read_timeout(5000));
        let mut buf = [0u8; 64];
        loop {
            let n = ok(acc.stream.read(RSliceMut::from_mut_slice(&mut buf)));
            if n == 0 {
                break;
            }
            let mut sent = 0;
            while sent < n {
                sent += ok(acc.stream.write(RSlice::from_slice(&buf[sent..n])));
            }
        }
        ok(acc.stream.close());
    });
    let mut client = ok(net.tcp_connect(RStr::from_str("127.0.0.1"), addr.port, 2000));
    ok(client.set_read_timeout(5000));
    ok(client.set_nodelay(true));
    assert_eq!(ok(client.peer_addr()).port, addr.port);
    let message = b"hello, luna\n".repeat(20);
    let mut sent = 0;
    while sent < message.len() {
        sent += ok(client.write(RSlice::from_slice(&message[sent..])));
    }
    ok(client.shutdown(Shutdown::WRITE));
    let mut echoed = Vec::new();
    let mut buf = [0u8; 100];
    loop {
        let n = ok(client.read(RSliceMut::from_mut_slice(&mut buf)));
        if n == 0 {
            break;
        }
        echoed.extend_from_slice(&buf[..n]);
    }
    assert_eq!(echoed, message);
    server.join().unwrap();
    ok(client.close());
    let after = client.read(RSliceMut::from_mut_slice(&mut buf));
    assert_eq!(after.into_result().unwrap_err().kind, ErrorKind::CLOSED);
}

#[test]
fn refused_connection_is_reported() {
    let net = net();
    // Bind then drop a listener to find a port nobody listens on.
    let port = {
        let l = ok(net.tcp_listen(RStr::from_str("127.0.0.1"), 0));
        ok(l.local_addr()).port
    };
    let e = net
        .tcp_connect(RStr::from_str("127.0.0.1"), port, 1000)
        .into_result()
        .err()
        .expect("refused");
    assert_eq!(e.kind, ErrorKind::CONNECTION_REFUSED, "{e:?}");
    assert_eq!(e.code, 111);
    assert_eq!(e.message.as_str(), "Connection refused");
}

#[test]
fn read_and_accept_time_out() {
    let net = net();
    let mut listener = ok(net.tcp_listen(RStr::from_str("127.0.0.1"), 0));
    let port = ok(listener.local_addr()).port;
    let start = Instant::now();
    let e = listener
        .accept(150)
        .into_result()
        .err()
        .expect("accept times out");
    assert_eq!(e.kind, ErrorKind::TIMED_OUT);
    let waited = start.elapsed();
    assert!(
        waited >= Duration::from_millis(140) && waited < Duration::from_secs(3),
        "{waited:?}"
    );

    let mut client = ok(net.tcp_connect(RStr::from_str("127.0.0.1"), port, 1000));
    let _server_side = ok(listener.accept(2000));
    ok(client.set_read_timeout(100));
    let start = Instant::now();
    let mut buf = [0u8; 8];
    let e = client
        .read(RSliceMut::from_mut_slice(&mut buf))
        .into_result()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::TIMED_OUT, "{e:?}");
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[test]
fn udp_echo_and_timeout() {
    let net = net();
    let mut a = ok(net.udp_bind(RStr::from_str("127.0.0.1"), 0));
    let mut b = ok(net.udp_bind(RStr::from_str("127.0.0.1"), 0));
    let a_port = ok(a.local_addr()).port;
    let b_port = ok(b.local_addr()).port;
    ok(a.set_read_timeout(2000));
    ok(b.set_read_timeout(2000));
    assert_eq!(
        ok(a.send_to(
            RSlice::from_slice(b"ping"),
            RStr::from_str("127.0.0.1"),
            b_port
        )),
        4
    );
    let mut buf = [0u8; 16];
    let got = ok(b.recv_from(RSliceMut::from_mut_slice(&mut buf)));
    assert_eq!(&buf[..got.len], b"ping");
    assert_eq!(got.from.port, a_port);
    ok(b.connect(RStr::from_str("127.0.0.1"), a_port));
    assert_eq!(ok(b.peer_addr()).port, a_port);
    ok(b.send(RSlice::from_slice(b"pong")));
    let n = ok(a.recv(RSliceMut::from_mut_slice(&mut buf)));
    assert_eq!(&buf[..n], b"pong");
    ok(a.set_read_timeout(100));
    let e = a
        .recv(RSliceMut::from_mut_slice(&mut buf))
        .into_result()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::TIMED_OUT);
    ok(a.close());
    assert_eq!(
        a.recv(RSliceMut::from_mut_slice(&mut buf))
            .into_result()
            .unwrap_err()
            .kind,
        ErrorKind::CLOSED
    );
}

#[test]
fn resolution_of_literals_and_localhost() {
    let net = net();
    let v = ok(net.resolve(RStr::from_str("127.0.0.1"), 80));
    assert_eq!(v.len(), 1);
    assert_eq!(v[0].ip.as_str(), "127.0.0.1");
    assert_eq!(v[0].port, 80);
    let v = ok(net.resolve(RStr::from_str("[::1]"), 8080));
    assert_eq!(v[0].ip.as_str(), "::1");
    let v = ok(net.resolve(RStr::from_str("localhost"), 1));
    assert!(
        v.iter()
            .any(|a| a.ip.as_str() == "127.0.0.1" || a.ip.as_str() == "::1"),
        "{v:?}"
    );
    let e = net
        .resolve(RStr::from_str(""), 1)
        .into_result()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::INVALID_INPUT);
}
