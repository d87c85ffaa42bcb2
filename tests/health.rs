//! `/healthz` turns degraded (503, the figures in plain text) when the
//! daemon can no longer write, and ok again once it can.

use std::time::{Duration, Instant};

use crate::daemon::get;
use crate::support::daemon::InProcess;
use crate::support::{FixtureServer, serve_fixtures, write_config_with};

/// Far beyond what the waits below need: the daemon's SQLite busy timeout
/// (10 s) has to run out once before a write counts as failed.
const BOUND: Duration = Duration::from_secs(60);

#[test]
fn healthz_is_degraded_with_figures_while_writes_fail_and_ok_again_after() {
    let feeds = FixtureServer::start();
    serve_fixtures(&feeds);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_with(
        dir.path(),
        &[feeds.url("/wire.rss")],
        "* * * * * *",
        "[scheduler]\njitter = \"0s\"\nbackoff_base = \"1s\"\nbackoff_max = \"1s\"\n",
    );
    let daemon = InProcess::start(&config);
    // The first poll stored: writes work.
    let deadline = Instant::now() + BOUND;
    let healthy = loop {
        let reply = get(&daemon.url("/healthz"));
        if reply.body.contains("last_write_ok: 2") {
            break reply;
        }
        assert!(Instant::now() < deadline, "never polled: {}", reply.body);
        std::thread::sleep(Duration::from_millis(100));
    };
    assert_eq!(healthy.status, 200, "{}", healthy.body);
    assert!(healthy.body.starts_with("ok\n"), "{}", healthy.body);
    assert_eq!(
        crate::daemon::header(&healthy, "x-content-type-options"),
        "nosniff"
    );

    // Another process holds the write lock: every write of the daemon
    // fails once its busy timeout runs out, as on a full disk.
    let blocker = rusqlite::Connection::open(dir.path().join("feedloom.db")).unwrap();
    blocker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let deadline = Instant::now() + BOUND;
    let degraded = loop {
        let reply = get(&daemon.url("/healthz"));
        if reply.status == 503 {
            break reply;
        }
        assert_eq!(reply.status, 200, "{}", reply.body);
        assert!(Instant::now() < deadline, "never degraded: {}", reply.body);
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(
        degraded
            .body
            .starts_with("degraded: the last write to the database failed\n"),
        "{}",
        degraded.body
    );
    assert!(
        degraded.body.contains("writes_last_5m: "),
        "{}",
        degraded.body
    );
    assert!(
        !degraded.body.contains("last_write_failed: never"),
        "{}",
        degraded.body
    );
    assert!(
        crate::daemon::header(&degraded, "content-type").starts_with("text/plain"),
        "{}",
        degraded.body
    );
    let metrics = get(&daemon.url("/metrics")).body;
    assert!(
        metrics.contains("feedloom_store_write_failures_total "),
        "{metrics}"
    );

    // The lock goes: the next poll writes, and the verdict follows.
    blocker.execute_batch("ROLLBACK").unwrap();
    drop(blocker);
    let deadline = Instant::now() + BOUND;
    loop {
        let reply = get(&daemon.url("/healthz"));
        if reply.status == 200 {
            assert!(reply.body.starts_with("ok\n"), "{}", reply.body);
            break;
        }
        assert!(Instant::now() < deadline, "never recovered: {}", reply.body);
        std::thread::sleep(Duration::from_millis(200));
    }
    daemon.stop(BOUND).expect("a clean stop");
}

/// The alert rules in the README's Monitoring section name metrics that a
/// running daemon exports, under those names.
#[test]
fn every_metric_the_readmes_alert_rules_name_is_exported() {
    let readme = std::fs::read_to_string(crate::support::repo_path("README.md")).unwrap();
    let section = readme
        .split("\n## Monitoring\n")
        .nth(1)
        .and_then(|rest| rest.split("\n## ").next())
        .expect("README has a Monitoring section");
    let names: std::collections::BTreeSet<&str> = section
        .match_indices("feedloom_")
        .map(|(at, _)| {
            let name = &section[at..];
            let end = name
                .find(|c: char| !(c.is_ascii_lowercase() || c == '_'))
                .unwrap_or(name.len());
            &name[..end]
        })
        .collect();
    assert!(names.len() >= 6, "{names:?}");

    let feeds = FixtureServer::start();
    serve_fixtures(&feeds);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_with(
        dir.path(),
        &[feeds.url("/wire.rss")],
        "* * * * * *",
        "[scheduler]\njitter = \"0s\"\n",
    );
    let daemon = InProcess::start(&config);
    let deadline = Instant::now() + BOUND;
    loop {
        let metrics = get(&daemon.url("/metrics")).body;
        // Exported once the first poll is recorded (the outcome family
        // and the backlog gauges are set by it).
        let missing: Vec<&&str> = names
            .iter()
            .filter(|name| {
                !metrics.lines().any(|line| {
                    line.starts_with(**name) && line[name.len()..].starts_with([' ', '{'])
                })
            })
            .collect();
        if missing.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "not in /metrics: {missing:?}\n{metrics}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
