//! `kill -9` in the middle of polls: every story committed before the kill
//! is there after it, the database and its indexes are consistent, and a
//! restarted daemon carries on.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use crate::support::daemon::Daemon;
use crate::support::{FixtureServer, Route, write_config_with};

const EVERY_SECOND: &str = "* * * * * *";
const NO_JITTER: &str =
    "[scheduler]\njitter = \"0s\"\nbackoff_base = \"1s\"\n[fetch]\nper_host = 16\n";

/// Feed `feed`'s RSS: `items` stories, each in words of its own.
fn feed_body(feed: usize, items: usize) -> Vec<u8> {
    let words = [
        "border", "talks", "convoy", "harvest", "bridge", "envoy", "summit", "river", "drills",
        "market", "railway", "election", "drought", "pipeline", "embassy", "refugees", "wheat",
        "court", "winter", "power",
    ];
    let mut xml = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>F</title>\
         <link>http://example.invalid/</link><description>d</description>\n",
    );
    for item in 0..items {
        let text: Vec<&str> = (0..40)
            .map(|i| words[(feed * 7 + item * 13 + i * i * 3 + i) % words.len()])
            .collect();
        xml.push_str(&format!(
            "<item><guid isPermaLink=\"false\">f{feed}-{item}</guid>\
             <title>Feed {feed} story {item}</title>\
             <description>Report {feed}.{item}: {}.</description></item>\n",
            text.join(" ")
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml.into_bytes()
}

/// The public ids of every stored story, read through a connection of
/// its own while the daemon writes (WAL lets it).
fn stored_ids(db: &Path) -> HashSet<String> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    let mut statement = conn.prepare("SELECT uid FROM stories").unwrap();
    statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

fn wait_for(what: &str, daemon: &Daemon, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done() {
        assert!(
            Instant::now() < deadline,
            "{what}: not within 60 s\n{}",
            daemon.stderr()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn sigkill_mid_poll_loses_nothing_committed_and_leaves_a_consistent_database() {
    let server = FixtureServer::start();
    let mut urls = Vec::new();
    for feed in 0..20 {
        let path = format!("/fast{feed}.rss");
        server.feed(&path, feed_body(feed, 30), "application/rss+xml");
        urls.push(server.url(&path));
    }
    // Polls that are still in flight when the process dies.
    for feed in 20..25 {
        let path = format!("/slow{feed}.rss");
        server.route(
            &path,
            Route::Slow {
                delay: Duration::from_secs(3),
                body: feed_body(feed, 30),
            },
        );
        urls.push(server.url(&path));
    }
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_with(dir.path(), &urls, EVERY_SECOND, NO_JITTER);
    let db = dir.path().join("feedloom.db");

    let mut daemon = Daemon::start(&config);
    let mut before = HashSet::new();
    wait_for("stories from the fast feeds", &daemon, || {
        before = stored_ids(&db);
        before.len() >= 5 + 20 * 30
    });
    // The slow feeds take 3 s a request and are polled every second, on
    // as many connections as they like: some are always in flight here.
    daemon.signal("KILL");
    let status = daemon.wait_exit(Duration::from_secs(10));
    assert!(!status.success(), "killed, not exited: {status:?}");

    // Consistent, with every story seen before the kill.
    {
        let db = rusqlite::Connection::open(&db).unwrap();
        let check: String = db
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .unwrap();
        assert_eq!(check, "ok");
        db.execute(
            "INSERT INTO stories_fts (stories_fts) VALUES ('integrity-check')",
            [],
        )
        .unwrap();
        let orphans: i64 = db
            .query_row(
                "SELECT count(*) FROM sightings WHERE story_id NOT IN (SELECT id FROM stories)",
                [],
                |row| row.get(0),
            )
            .unwrap();
        assert_eq!(orphans, 0);
    }
    let after = stored_ids(&db);
    let lost: Vec<&String> = before.difference(&after).collect();
    assert!(lost.is_empty(), "lost {} stories: {lost:?}", lost.len());

    // A restart carries on: the slow feeds' stories arrive too, and
    // whatever the kill left unscored is scored and published.
    let mut daemon = Daemon::start(&config);
    wait_for("every story after the restart", &daemon, || {
        stored_ids(&db).len() >= 5 + 25 * 30
    });
    wait_for("every story scored", &daemon, || {
        let db = rusqlite::Connection::open(&db).unwrap();
        let queued: i64 = db
            .query_row("SELECT count(*) FROM score_queue", [], |row| row.get(0))
            .unwrap();
        queued == 0
    });
    daemon.terminate(Duration::from_secs(15));
}
