//! The server's connection limits (`[server] max_connections`,
//! `header_read_timeout`): idle and slowloris connections are closed by
//! the server, connections beyond the cap wait instead of taking
//! descriptors, and polls go on meanwhile. Loopback only; every wait is
//! bounded.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use crate::daemon::get;
use crate::support::daemon::InProcess;
use crate::support::{FixtureServer, serve_fixtures, write_config_with};

const CAP: usize = 8;
const HEADER_READ: Duration = Duration::from_secs(1);
/// Far beyond every wait the tests expect, so a slow machine passes.
const BOUND: Duration = Duration::from_secs(30);

fn limits() -> String {
    format!(
        "[scheduler]\njitter = \"0s\"\n\n[server]\nmax_connections = {CAP}\n\
         header_read_timeout = \"{}s\"\nidle_timeout = \"30s\"\n",
        HEADER_READ.as_secs()
    )
}

fn connect(addr: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&addr, BOUND).expect("connect on loopback");
    stream
        .set_read_timeout(Some(BOUND))
        .expect("set a read timeout");
    stream
}

/// Reads until the server closes the connection (end of stream, or a
/// reset when it closed with bytes unread); returns what it sent first.
/// Panics if the connection is still open after [`BOUND`].
fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(n) => got.extend_from_slice(&buffer[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) => {
                break;
            }
            Err(e) => panic!("the server kept the connection open ({e}); got {got:?}"),
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

fn polls(daemon: &InProcess) -> f64 {
    let reply = get(&daemon.url("/metrics"));
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply
        .body
        .lines()
        .find_map(|line| line.strip_prefix("feedloom_feed_polls_total "))
        .and_then(|value| value.trim().parse().ok())
        .unwrap_or(0.0)
}

#[test]
fn idle_connections_beyond_the_cap_wait_and_are_closed_and_a_fresh_request_is_then_served() {
    let feeds = FixtureServer::start();
    serve_fixtures(&feeds);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_with(
        dir.path(),
        &[feeds.url("/wire.rss")],
        "* * * * * *",
        &limits(),
    );
    let daemon = InProcess::start(&config);
    let polls_before = polls(&daemon);

    // The cap's worth of connections that send nothing, and as many more
    // again: those wait in the listen queue, not on a descriptor.
    let started = Instant::now();
    let mut idle: Vec<TcpStream> = (0..2 * CAP).map(|_| connect(daemon.addr)).collect();
    let mut fresh = connect(daemon.addr);
    fresh
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: loom\r\nConnection: close\r\n\r\n")
        .expect("send a request");
    // Served once the idle connections ahead of it timed out.
    let reply = read_until_closed(&mut fresh);
    assert!(reply.starts_with("HTTP/1.1 200"), "{reply:?}");
    assert!(
        started.elapsed() >= HEADER_READ,
        "the cap let the fresh request past connections that held every slot"
    );
    for stream in &mut idle {
        assert_eq!(
            read_until_closed(stream),
            "",
            "an idle connection got an answer"
        );
    }

    // Polling went on meanwhile: every second, the header-read timeout
    // held the server for at least two.
    let deadline = Instant::now() + BOUND;
    while polls(&daemon) <= polls_before {
        assert!(
            Instant::now() < deadline,
            "no poll while the server was full"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    daemon.stop(BOUND).expect("a clean stop");
}

#[test]
fn a_slowloris_connection_is_closed_after_the_header_read_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_with(dir.path(), &[], "0 0 0 1 1 *", &limits());
    let daemon = InProcess::start(&config);

    // The clock starts before the connection: the server's header-read
    // timer starts at accept, which can come before `connect` returns
    // here (a start taken after it once measured 999.25 ms).
    let started = Instant::now();
    let mut slow = connect(daemon.addr);
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: loom\r\n")
        .expect("send a partial head");
    // One header line every 200 ms, never the blank line that ends the
    // head; stops at the first refused write or after 30 s.
    let mut trickle = slow.try_clone().expect("clone the stream");
    let writer = std::thread::spawn(move || {
        for i in 0..150 {
            std::thread::sleep(Duration::from_millis(200));
            if trickle
                .write_all(format!("X-{i}: y\r\n").as_bytes())
                .is_err()
            {
                return;
            }
        }
    });
    let reply = read_until_closed(&mut slow);
    let took = started.elapsed();
    assert!(took >= HEADER_READ, "closed after {took:?}");
    assert!(took < BOUND, "closed only after {took:?}");
    assert!(
        !reply.contains(" 200 "),
        "the trickled request was served: {reply:?}"
    );
    writer.join().expect("the writer thread");

    // The server itself is fine.
    assert_eq!(get(&daemon.url("/healthz")).status, 200);
    daemon.stop(BOUND).expect("a clean stop");
}
