use std::ffi::{OsStr, OsString};
use std::os::unix::net::UnixDatagram;
use std::time::Duration;

use super::Notifier;

const VARS: [&str; 3] = ["NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID"];

/// Sets (`Some`) or removes (`None`) one variable.
fn set(name: &str, value: Option<&OsStr>) {
    // SAFETY: the environment is process-wide and other test threads may
    // read it; this module's only env-touching test is
    // `speaks_the_protocol_only_when_systemd_listens`, and no other test
    // in the crate reads these variables.
    unsafe {
        match value {
            Some(v) => std::env::set_var(name, v),
            None => std::env::remove_var(name),
        }
    }
}

/// Every datagram waiting on `socket`, as text.
fn received(socket: &UnixDatagram) -> Vec<String> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match socket.recv(&mut buf) {
            Ok(n) => out.push(String::from_utf8_lossy(&buf[..n]).into_owned()),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return out,
            Err(e) => panic!("recv: {e}"),
        }
    }
}

/// All of the environment-dependent behaviour in one test, because the
/// environment is shared by every test thread.
#[test]
fn speaks_the_protocol_only_when_systemd_listens() {
    let saved: Vec<(&str, Option<OsString>)> =
        VARS.iter().map(|v| (*v, std::env::var_os(v))).collect();

    // Not under systemd: nothing to send, nothing to watch.
    for v in VARS {
        set(v, None);
    }
    let off = Notifier::from_env();
    off.ready();
    off.reloading();
    off.status("idle");
    off.watchdog();
    off.stopping();
    assert_eq!(off.watchdog_interval(), None);

    // Under systemd: a datagram socket stands in for PID 1.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notify.sock");
    let socket = UnixDatagram::bind(&path).unwrap();
    socket.set_nonblocking(true).unwrap();
    set("NOTIFY_SOCKET", Some(path.as_os_str()));
    set("WATCHDOG_USEC", Some(OsStr::new("60000000")));
    let pid = std::process::id().to_string();
    set("WATCHDOG_PID", Some(OsStr::new(&pid)));
    let on = Notifier::from_env();
    assert_eq!(on.watchdog_interval(), Some(Duration::from_secs(30)));
    on.ready();
    on.status("polling 7 feeds\nnext at 12:00");
    on.watchdog();
    on.reloading();
    on.stopping();
    let got = received(&socket);
    assert_eq!(got.len(), 5, "{got:?}");
    assert_eq!(got[0], "READY=1\n");
    assert_eq!(got[1], "STATUS=polling 7 feeds next at 12:00\n");
    assert_eq!(got[2], "WATCHDOG=1\n");
    let reload: Vec<&str> = got[3].lines().collect();
    assert_eq!(reload.len(), 2, "{got:?}");
    assert_eq!(reload[0], "RELOADING=1");
    let usec = reload[1].strip_prefix("MONOTONIC_USEC=").unwrap();
    assert!(usec.parse::<u64>().unwrap() > 0, "{got:?}");
    assert_eq!(got[4], "STOPPING=1\n");

    // A disabled notifier stays silent even with the socket present.
    Notifier::default().ready();
    assert!(received(&socket).is_empty());

    // The watchdog is meant for another process (we are its child).
    set("WATCHDOG_PID", Some(OsStr::new("1")));
    let child = Notifier::from_env();
    assert_eq!(child.watchdog_interval(), None);
    child.watchdog();
    assert!(received(&socket).is_empty());
    // No WATCHDOG_PID: the watchdog is ours.
    set("WATCHDOG_PID", None);
    assert_eq!(
        Notifier::from_env().watchdog_interval(),
        Some(Duration::from_secs(30))
    );

    // A socket that went away is logged, not fatal.
    drop(socket);
    on.ready();
    on.status("still alive");

    for (name, value) in &saved {
        set(name, value.as_deref());
    }
}

/// The default notifier never sends and never asks for pings, without
/// touching the environment.
#[test]
fn default_notifier_is_a_no_op() {
    let n = Notifier::default();
    n.ready();
    n.reloading();
    n.status("x");
    n.watchdog();
    n.stopping();
    assert_eq!(n.watchdog_interval(), None);
}
