//! The listener's caps: connections over the cap are answered `503` and closed, and a
//! client that sends its request head too slowly (slowloris) or sits idle is closed, while
//! ordinary requests go on being answered.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use hatchery::http::{HttpConfig, HttpServer};
use hatchery_tests::*;

/// Reads until the server closes the connection (or `limit` passes: then `None`).
fn read_until_closed(s: &mut TcpStream, limit: Duration) -> Option<String> {
    s.set_read_timeout(Some(limit)).expect("timeout");
    let mut got = Vec::new();
    match s.read_to_end(&mut got) {
        Ok(_) => Some(String::from_utf8_lossy(&got).into_owned()),
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
            Some(String::from_utf8_lossy(&got).into_owned())
        }
        Err(_) => None,
    }
}

fn get_node(addr: SocketAddr) -> String {
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(
        s,
        "GET /api/node HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("write");
    read_until_closed(&mut s, WAIT).expect("an answer")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_past_the_cap_and_slow_clients_are_closed() {
    let node = node_with(&[]);
    let config = HttpConfig {
        max_connections: 4,
        header_timeout: Duration::from_millis(800),
        ..HttpConfig::local("127.0.0.1:0".parse().expect("addr"))
    };
    let server = HttpServer::start(&node, config).await.expect("serve");
    let addr = server.addr;
    tokio::task::spawn_blocking(move || {
        // Four clients that drip a request head, a byte every 100 ms: slowloris.
        let start = Instant::now();
        let mut slow: Vec<TcpStream> = (0..4)
            .map(|_| TcpStream::connect(addr).expect("connect"))
            .collect();
        let head = format!("GET /api/node HTTP/1.1\r\nHost: {addr}\r\nX-Slow: ");
        for s in &mut slow {
            s.write_all(head.as_bytes()).expect("write");
        }
        // The cap is taken: one more is refused at once, with a reason.
        std::thread::sleep(Duration::from_millis(100));
        let mut extra = TcpStream::connect(addr).expect("connect");
        let answer = read_until_closed(&mut extra, WAIT).expect("closed");
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer:?}");
        assert!(answer.contains("too many open connections"), "{answer:?}");
        // Dripping for twice the head timeout: the server closes them on the way (the
        // timeout counts from the start of the head, not from the last byte).
        let mut refused = [false; 4];
        for _ in 0..16 {
            for (s, r) in slow.iter_mut().zip(&mut refused) {
                *r |= s.write_all(b"x").is_err();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        assert_eq!(refused, [true; 4], "a dripping client was not closed");
        for s in &mut slow {
            let answer = read_until_closed(s, WAIT).expect("the server closed it");
            assert!(!answer.contains("200 OK"), "{answer:?}");
        }
        assert!(start.elapsed() < WAIT);
        // Their places are free again: ordinary requests are answered.
        for _ in 0..6 {
            let answer = get_node(addr);
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
        }
        // An idle keep-alive connection is closed after the same time.
        let mut idle = TcpStream::connect(addr).expect("connect");
        write!(idle, "GET /api/node HTTP/1.1\r\nHost: {addr}\r\n\r\n").expect("write");
        let answer = read_until_closed(&mut idle, WAIT).expect("closed after the answer");
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
    })
    .await
    .expect("the client side ran");
}
