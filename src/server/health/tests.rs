use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use super::{Database, Figures, MIN_FAILED_WRITES, assess};
use crate::metrics::Writes;
use crate::server::deadline::{MIN_STALE, stale_after};

fn at(seconds: i64) -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000 + seconds, 0).unwrap()
}

/// A daemon up for an hour, polling fine.
fn healthy() -> Figures {
    Figures {
        now: at(3600),
        started: at(0),
        last_poll: Some(at(3590)),
        last_success: Some(at(3590)),
        writes: Writes {
            succeeded: 40,
            failed: 0,
            last_ok: Some(at(3590).timestamp()),
            last_failed: None,
        },
        stale_after: Some(Duration::from_secs(45 * 60)),
        database: Database::Answers,
    }
}

#[test]
fn a_healthy_daemon_says_ok_with_its_figures() {
    let verdict = assess(&healthy());
    assert!(!verdict.degraded, "{}", verdict.body);
    assert!(verdict.body.starts_with("ok\n"), "{}", verdict.body);
    for line in [
        "last_poll: 2023-11-14T23:13:10+00:00",
        "last_fetch: 2023-11-14T23:13:10+00:00",
        "writes_last_5m: 40 ok, 0 failed",
        "last_write_failed: never",
        "fetch_deadline: 45m",
        "database: answers",
    ] {
        assert!(verdict.body.contains(line), "{line:?} in {}", verdict.body);
    }
}

#[test]
fn failing_writes_make_it_degraded_with_the_figures() {
    // A full disk: every write fails.
    let mut figures = healthy();
    figures.writes = Writes {
        succeeded: 2,
        failed: 240,
        last_ok: Some(at(3300).timestamp()),
        last_failed: Some(at(3599).timestamp()),
    };
    let verdict = assess(&figures);
    assert!(verdict.degraded);
    assert!(
        verdict
            .body
            .starts_with("degraded: the last write to the database failed\n"),
        "{}",
        verdict.body
    );
    assert!(
        verdict.body.contains("2 ok, 240 failed"),
        "{}",
        verdict.body
    );

    // Flapping: the last one worked, but most failed.
    figures.writes.last_ok = Some(at(3599).timestamp());
    figures.writes.last_failed = Some(at(3598).timestamp());
    let verdict = assess(&figures);
    assert!(verdict.degraded);
    assert!(
        verdict
            .body
            .contains("degraded: 240 of the last 242 writes to the database failed"),
        "{}",
        verdict.body
    );

    // A blip: a few failures long before the last success.
    figures.writes = Writes {
        succeeded: 100,
        failed: MIN_FAILED_WRITES - 1,
        last_ok: Some(at(3599).timestamp()),
        last_failed: Some(at(3000).timestamp()),
    };
    assert!(!assess(&figures).degraded);
}

#[test]
fn nothing_fetched_for_three_slots_makes_it_degraded() {
    let mut figures = healthy();
    figures.last_success = Some(at(600));
    let verdict = assess(&figures);
    assert!(verdict.degraded);
    assert!(
        verdict
            .body
            .contains("degraded: no feed fetched for 50m (allowed: 45m)"),
        "{}",
        verdict.body
    );
    // Never fetched: counted from the start, so a fresh daemon is ok.
    figures.last_success = None;
    figures.now = at(60);
    assert!(!assess(&figures).degraded);
    figures.now = at(3600);
    assert!(assess(&figures).degraded);
    // Without an enabled feed there is nothing to miss.
    figures.stale_after = None;
    let verdict = assess(&figures);
    assert!(!verdict.degraded, "{}", verdict.body);
    assert!(verdict.body.contains("fetch_deadline: none"));
}

#[test]
fn a_busy_connection_is_reported_not_waited_for() {
    let mut figures = healthy();
    figures.database = Database::Busy;
    let verdict = assess(&figures);
    assert!(!verdict.degraded);
    assert!(verdict.body.contains("database: busy serving (not pinged)"));
}

#[test]
fn the_deadline_is_three_slots_of_the_slowest_enabled_schedule_plus_jitter() {
    let text = r#"schedule = "0 */15 * * * *"
[topic]
title = "T"
[scheduler]
jitter = "30s"
[[feeds]]
url = "https://a.example/feed"
[[feeds]]
url = "https://b.example/feed"
schedule = "0 0 * * * *"
[[feeds]]
url = "https://c.example/feed"
schedule = "0 0 0 1 * *"
enabled = false
"#;
    let config = crate::config::from_str(text, Path::new("feedloom.toml")).unwrap();
    // The hourly feed sets the pace; the disabled monthly one does not.
    assert_eq!(
        stale_after(&config, at(0)),
        Some(Duration::from_secs(3 * 3600 + 30))
    );
    // Weekdays only: the weekend gap counts.
    let weekdays = text.replace("0 0 * * * *", "0 0 9 * * Mon-Fri");
    let config = crate::config::from_str(&weekdays, Path::new("feedloom.toml")).unwrap();
    assert_eq!(
        stale_after(&config, at(0)),
        Some(Duration::from_secs(3 * 3 * 86_400 + 30))
    );
    // A schedule of seconds: never less than five minutes.
    let seconds = text.replace("0 0 * * * *", "* * * * * *").replace(
        "schedule = \"0 */15 * * * *\"",
        "schedule = \"*/2 * * * * *\"",
    );
    let config = crate::config::from_str(&seconds, Path::new("feedloom.toml")).unwrap();
    assert_eq!(stale_after(&config, at(0)), Some(MIN_STALE));
    let none = "[topic]\ntitle = \"T\"\n";
    let config = crate::config::from_str(none, Path::new("feedloom.toml")).unwrap();
    assert_eq!(stale_after(&config, at(0)), None);
}

/// The check never queues behind a render: with the server's connection
/// held (as a render holds it), it answers at once and says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_answers_while_a_render_holds_the_connection() {
    use std::sync::Arc;

    use axum::extract::State;

    use crate::metrics::Metrics;
    use crate::server::{Changes, ServerState};
    use crate::store::{self, ReadPool};

    let dir = tempfile::tempdir().unwrap();
    let config = crate::config::from_str(
        "[topic]\ntitle = \"T\"\n",
        &dir.path().join("feedloom.toml"),
    )
    .unwrap();
    let path = crate::config::Database::Sqlite(dir.path().join("db.sqlite"));
    drop(store::connect(&path).unwrap());
    // One connection, as on a one-core machine: a render holding it holds
    // them all.
    let readers = ReadPool::new(&path, 1, Duration::from_secs(30)).unwrap();
    let (_config_tx, config_rx) = tokio::sync::watch::channel(Arc::new(config));
    let state = Arc::new(ServerState::new(
        readers.clone(),
        config_rx,
        Arc::new(Changes::default()),
        Arc::new(Metrics::new()),
    ));

    let free = super::healthz(State(state.clone())).await.unwrap();
    assert_eq!(free.status(), 200);

    // A render holds the connection.
    let (locked_tx, locked_rx) = tokio::sync::oneshot::channel();
    let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
    let holder = tokio::spawn(async move {
        readers
            .read(move |_store| {
                let _ = locked_tx.send(());
                let _ = release_rx.recv_timeout(Duration::from_secs(30));
                Ok::<_, store::Error>(())
            })
            .await
    });
    tokio::time::timeout(Duration::from_secs(10), locked_rx)
        .await
        .unwrap()
        .unwrap();
    let answer = tokio::time::timeout(Duration::from_secs(10), super::healthz(State(state)))
        .await
        .expect("/healthz waited behind the held connection")
        .unwrap();
    release_tx.send(()).unwrap();
    holder.await.unwrap().unwrap();
    assert_eq!(answer.status(), 200);
    let body = axum::body::to_bytes(answer.into_body(), usize::MAX)
        .await
        .unwrap();
    let body = String::from_utf8_lossy(&body);
    assert!(
        body.contains("database: busy serving (not pinged)"),
        "{body}"
    );
}
