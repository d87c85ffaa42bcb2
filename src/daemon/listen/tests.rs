use std::io;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Cap, IdleTimeout, connection_cap, parse_open_file_limit};

const LIMITS: &str = "\
Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
";

#[test]
fn the_soft_open_file_limit_is_read_from_proc_limits() {
    assert_eq!(parse_open_file_limit(LIMITS), Some(1024));
    let unlimited = LIMITS.replace(
        "Max open files            1024 ",
        "Max open files            unlimited ",
    );
    assert_eq!(parse_open_file_limit(&unlimited), None);
    assert_eq!(parse_open_file_limit("garbage"), None);
    assert_eq!(parse_open_file_limit(""), None);
}

#[test]
fn the_cap_leaves_descriptors_for_polls_and_sqlite() {
    // Unknown limit: as configured.
    assert_eq!(
        connection_cap(1024, 16, None),
        Cap {
            connections: 1024,
            lowered: None
        }
    );
    // systemd's default soft limit: 128 + 8 × 16 = 256 kept back.
    assert_eq!(
        connection_cap(1024, 16, Some(1024)),
        Cap {
            connections: 768,
            lowered: Some((1024, 256))
        }
    );
    // The unit's LimitNOFILE=8192: the default cap fits.
    assert_eq!(
        connection_cap(1024, 16, Some(8192)),
        Cap {
            connections: 1024,
            lowered: None
        }
    );
    // A tiny limit: the reserve is at most half of it.
    assert_eq!(
        connection_cap(1024, 16, Some(100)),
        Cap {
            connections: 50,
            lowered: Some((100, 50))
        }
    );
    // Never zero, whatever the numbers.
    assert_eq!(connection_cap(1024, usize::MAX, Some(1)).connections, 1);
    assert_eq!(connection_cap(8, 16, Some(1024)).lowered, None);
}

#[tokio::test]
async fn a_read_that_waits_too_long_fails_with_timed_out() {
    let (client, server) = tokio::io::duplex(64);
    let mut server = IdleTimeout::new(server, Duration::from_millis(200));
    let started = Instant::now();
    let mut buffer = [0u8; 16];
    let error = tokio::time::timeout(Duration::from_secs(30), server.read(&mut buffer))
        .await
        .expect("the idle timeout never fired")
        .expect_err("nothing was sent, yet the read succeeded");
    assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error}");
    assert!(
        error.to_string().contains("no byte moved for 200ms"),
        "{error}"
    );
    assert!(started.elapsed() >= Duration::from_millis(200));
    drop(client);
}

#[tokio::test]
async fn a_write_the_peer_does_not_read_fails_with_timed_out() {
    let (_client, server) = tokio::io::duplex(64);
    let mut server = IdleTimeout::new(server, Duration::from_millis(200));
    let error = tokio::time::timeout(Duration::from_secs(30), server.write_all(&[b'x'; 4096]))
        .await
        .expect("the idle timeout never fired")
        .expect_err("a 64-byte pipe took 4 KiB");
    assert_eq!(error.kind(), io::ErrorKind::TimedOut, "{error}");
}

#[tokio::test]
async fn the_clock_starts_with_each_wait_and_moving_bytes_reset_it() {
    let limit = Duration::from_secs(1);
    let (mut client, server) = tokio::io::duplex(64);
    let mut server = IdleTimeout::new(server, limit);
    // Time between waits (the server computing an answer) is not counted.
    tokio::time::sleep(limit * 2).await;
    let writer = tokio::spawn(async move {
        for _ in 0..6 {
            tokio::time::sleep(limit / 4).await;
            client.write_all(b"ab").await?;
        }
        io::Result::Ok(client)
    });
    // Six small writes spread over more than the limit: each resets it.
    let mut got = Vec::new();
    let mut buffer = [0u8; 16];
    while got.len() < 12 {
        let n = tokio::time::timeout(Duration::from_secs(30), server.read(&mut buffer))
            .await
            .expect("the reads hung")
            .expect("bytes kept moving, yet the read timed out");
        assert!(n > 0, "the writer closed early");
        got.extend_from_slice(&buffer[..n]);
    }
    assert_eq!(got, b"abababababab");
    let client = writer.await.expect("writer task").expect("writes");
    drop(client);
}
