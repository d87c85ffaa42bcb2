//! Several `feedloom run` processes sharing one store, as several machines
//! would share one database: each feed is polled once per schedule slot,
//! every node serves the same documents, and a node killed mid-poll leaves
//! its feed to another once its claim runs out.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant, UNIX_EPOCH};

use crate::daemon::{get, header, wait_until};
use crate::support::daemon::Daemon;
use crate::support::postgres::{self, TestDatabase};
use crate::support::{FixtureServer, Route, fixture, repo_path, serve_fixtures, write_config_with};

const EVERY_TWO_SECONDS: &str = "*/2 * * * * *";

/// The store the nodes of a test share: a SQLite file in the test's
/// folder, or a PostgreSQL database of the test's own.
enum Shared {
    Sqlite(std::path::PathBuf),
    Postgres(TestDatabase),
}

impl Shared {
    fn sqlite(dir: &Path) -> Self {
        Shared::Sqlite(dir.join("feedloom.db"))
    }

    fn postgres(test: &str) -> Option<Self> {
        postgres::database(test).map(Shared::Postgres)
    }

    /// Points the configuration at this store.
    fn configure(&self, config: &Path) {
        if let Shared::Postgres(db) = self {
            let text = std::fs::read_to_string(config).unwrap();
            let text = text.replace(
                "database = \"feedloom.db\"",
                &format!("database = \"{}\"", db.url),
            );
            std::fs::write(config, text).unwrap();
        }
    }

    /// Who holds the claim on `url` now, as its process id.
    fn claim_holder(&self, url: &str) -> Option<u32> {
        let query = "SELECT lease_node FROM feeds WHERE url = $1 AND lease_until > $2";
        let now = std::time::SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let node: Option<String> = match self {
            Shared::Sqlite(path) => {
                let conn = rusqlite::Connection::open_with_flags(
                    path,
                    rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
                )
                .ok()?;
                conn.busy_timeout(Duration::from_secs(5)).ok()?;
                conn.query_row(
                    &query.replace('$', "?"),
                    rusqlite::params![url, now],
                    |row| row.get(0),
                )
                .ok()?
            }
            Shared::Postgres(db) => db.client().query_opt(query, &[&url, &now]).ok()??.get(0),
        };
        node?.rsplit('/').next()?.parse().ok()
    }
}

#[test]
fn two_nodes_poll_each_feed_once_per_slot_and_serve_the_same_feed() {
    let dir = tempfile::tempdir().unwrap();
    two_nodes_share_the_polls(dir.path(), Shared::sqlite(dir.path()));
}

#[test]
fn two_nodes_on_postgres_poll_each_feed_once_per_slot_and_serve_the_same_feed() {
    let dir = tempfile::tempdir().unwrap();
    if let Some(shared) = Shared::postgres("two_nodes_share_the_polls") {
        two_nodes_share_the_polls(dir.path(), shared);
    }
}

fn two_nodes_share_the_polls(dir: &Path, shared: Shared) {
    let server = FixtureServer::start();
    serve_fixtures(&server);
    let urls: Vec<String> = ["/wire.rss", "/mirror.atom", "/desk.json"]
        .iter()
        .map(|path| server.url(path))
        .collect();
    let config = write_config_with(
        dir,
        &urls,
        EVERY_TWO_SECONDS,
        "[scheduler]\njitter = \"0s\"\nlease = \"20s\"\n",
    );
    shared.configure(&config);
    let first = Daemon::start(&config);
    let second = Daemon::start(&config);

    // Both serve what either stored: the same entries, the same document.
    let feed_of = |daemon: &Daemon| get(&daemon.url("/feed.atom")).body;
    wait_until(&first, "both nodes serving the same stories", || {
        let (a, b) = (feed_of(&first), feed_of(&second));
        a.contains("<entry>") && a == b
    });
    let (a, b) = (
        get(&first.url("/feed.atom")),
        get(&second.url("/feed.atom")),
    );
    assert_eq!((a.status, b.status), (200, 200));
    assert_eq!(header(&a, "etag"), header(&b, "etag"));

    // Four slots of both nodes running: no feed fetched twice in a slot.
    server.clear_seen();
    std::thread::sleep(Duration::from_secs(8));
    let mut per_slot: HashMap<(String, u64), usize> = HashMap::new();
    let seen = server.seen();
    for request in &seen {
        let second = request
            .arrived
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs();
        *per_slot
            .entry((request.path.clone(), second / 2))
            .or_default() += 1;
    }
    for ((path, slot), count) in &per_slot {
        assert_eq!(
            *count, 1,
            "{path} fetched {count} times in slot {slot}: {seen:?}"
        );
    }
    for path in ["/wire.rss", "/mirror.atom", "/desk.json"] {
        let polls = seen.iter().filter(|r| r.path == path).count();
        assert!(
            (3..=5).contains(&polls),
            "{path} polled {polls} times in four slots"
        );
    }
}

#[test]
fn a_node_killed_mid_poll_leaves_its_feed_to_another() {
    let dir = tempfile::tempdir().unwrap();
    a_killed_node_is_taken_over(dir.path(), Shared::sqlite(dir.path()));
}

#[test]
fn a_node_on_postgres_killed_mid_poll_leaves_its_feed_to_another() {
    let dir = tempfile::tempdir().unwrap();
    if let Some(shared) = Shared::postgres("a_killed_node_is_taken_over") {
        a_killed_node_is_taken_over(dir.path(), shared);
    }
}

fn a_killed_node_is_taken_over(dir: &Path, shared: Shared) {
    let server = FixtureServer::start();
    let slow = fixture("wire.rss").into_bytes();
    server.route(
        "/slow.rss",
        Route::Slow {
            delay: Duration::from_secs(3),
            body: slow,
        },
    );
    let url = server.url("/slow.rss");
    let config = write_config_with(
        dir,
        std::slice::from_ref(&url),
        // Hourly: a feed never polled is due at start, and the next slot is
        // far off, so a second poll within the test can only be a takeover.
        "0 0 * * * *",
        "[scheduler]\njitter = \"0s\"\nlease = \"4s\"\nbackoff_base = \"1s\"\n",
    );
    shared.configure(&config);
    let mut nodes = vec![Daemon::start(&config), Daemon::start(&config)];

    // Whichever node claimed the feed is killed while it waits for the body.
    let deadline = Instant::now() + Duration::from_secs(45);
    let holder = loop {
        if let Some(pid) = shared.claim_holder(&url) {
            break pid;
        }
        assert!(Instant::now() < deadline, "no node claimed the feed");
        std::thread::sleep(Duration::from_millis(50));
    };
    let index = nodes
        .iter()
        .position(|node| node.pid() == holder)
        .expect("the claim names one of the two nodes");
    let mut killed = nodes.remove(index);
    killed.signal("KILL");
    killed.wait_exit(Duration::from_secs(10));
    let survivor = nodes.remove(0);
    // The killed node's request never completed, so the farm has not
    // recorded it.
    let fetched_before = server.seen().len();

    // Once the dead node's claim runs out, the survivor polls the feed in
    // the same slot and stores its stories.
    wait_until(
        &survivor,
        "the survivor's poll of the dead node's feed",
        || {
            get(&survivor.url("/feed.atom"))
                .body
                .contains("SCO summit opens in Dushanbe")
        },
    );
    let seen = server.seen();
    assert!(seen.len() > fetched_before, "{seen:?}");
    // And its poll, planned, ends its claim.
    wait_until(&survivor, "the survivor's claim to end", || {
        shared.claim_holder(&url).is_none()
    });
}

#[test]
fn a_server_node_serves_what_a_poller_node_stored_and_polls_nothing() {
    let server = FixtureServer::start();
    serve_fixtures(&server);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_with(
        dir.path(),
        &[server.url("/wire.rss")],
        EVERY_TWO_SECONDS,
        "[scheduler]\njitter = \"0s\"\n",
    );
    // The server alone: nothing is polled.
    let front = Daemon::start_role(&config, "server");
    std::thread::sleep(Duration::from_secs(3));
    assert!(server.seen().is_empty(), "{:?}", server.seen());
    assert!(
        !get(&front.url("/feed.atom"))
            .body
            .contains("SCO summit opens in Dushanbe")
    );

    // A poller beside it: its stories reach the server's pages.
    let poller = Daemon::start_role(&config, "poller");
    wait_until(&front, "the poller's stories on the server's feed", || {
        get(&front.url("/feed.atom"))
            .body
            .contains("SCO summit opens in Dushanbe")
    });
    assert!(
        poller
            .messages()
            .iter()
            .all(|m| !m.starts_with("STATUS=serving on")),
        "{:?}",
        poller.messages()
    );
}

/// A PostgreSQL cluster of this test's own (`.ci/postgres`), so that
/// stopping it under a running node disturbs no other test.
struct PrivateCluster {
    env: Vec<(String, String)>,
}

impl PrivateCluster {
    fn start() -> Self {
        let out = Command::new(repo_path(".ci/postgres"))
            .arg("start")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let env = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|line| line.strip_prefix("export ")?.split_once('='))
            .map(|(name, value)| (name.to_owned(), value.trim_matches('\'').to_owned()))
            .collect();
        Self { env }
    }

    fn var(&self, name: &str) -> &str {
        self.env
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .unwrap()
    }

    fn ctl(&self, action: &str) {
        let status = Command::new(repo_path(".ci/postgres"))
            .arg(action)
            .envs(self.env.iter().map(|(n, v)| (n.as_str(), v.as_str())))
            .status()
            .unwrap();
        assert!(status.success(), ".ci/postgres {action} failed");
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        let _ = Command::new(repo_path(".ci/postgres"))
            .arg("stop")
            .envs(self.env.iter().map(|(n, v)| (n.as_str(), v.as_str())))
            .status();
    }
}

#[test]
fn a_node_outlives_a_postgres_restart_serving_its_cache_and_resumes_by_itself() {
    // Runs where the PostgreSQL tests run; its server is its own.
    if postgres::database("a_node_outlives_a_postgres_restart").is_none() {
        return;
    }
    let cluster = PrivateCluster::start();
    let server = FixtureServer::start();
    server.feed("/wire.rss", fixture("wire.rss"), "application/rss+xml");
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_with(
        dir.path(),
        &[server.url("/wire.rss")],
        EVERY_TWO_SECONDS,
        "[scheduler]\njitter = \"0s\"\nbackoff_base = \"1s\"\n",
    );
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "database = \"feedloom.db\"",
        &format!("database = \"{}\"", cluster.var("FEEDLOOM_TEST_POSTGRES")),
    );
    std::fs::write(&config, text).unwrap();
    let node = Daemon::start(&config);
    wait_until(&node, "the feed's stories", || {
        get(&node.url("/feed.atom"))
            .body
            .contains("SCO summit opens in Dushanbe")
    });
    let before = get(&node.url("/feed.atom"));

    // The server goes away: the cached feed is still served, as it was.
    cluster.ctl("down");
    std::thread::sleep(Duration::from_secs(4));
    let during = get(&node.url("/feed.atom"));
    assert_eq!(during.status, 200);
    assert_eq!(header(&during, "etag"), header(&before, "etag"));

    // A new story appears while the database is down; once the server is
    // back, the node stores and serves it without being told.
    let newer = fixture("wire.rss").replacen(
        "<item>",
        "<item><title>Ferry service restored after the storm</title>\
         <guid>restart-1</guid><description>Boats run again across the strait \
         after three days of storms closed the port.</description></item><item>",
        1,
    );
    server.feed("/wire.rss", newer, "application/rss+xml");
    std::thread::sleep(Duration::from_secs(2));
    cluster.ctl("up");
    wait_until(&node, "the story stored after the restart", || {
        get(&node.url("/feed.atom"))
            .body
            .contains("Ferry service restored after the storm")
    });
    let log = node.stderr();
    assert_eq!(
        log.matches("the database cannot be reached").count(),
        1,
        "the outage is said once:\n{log}"
    );
    assert!(log.contains("the database answers again"), "{log}");
}

#[test]
fn a_store_copied_to_postgres_serves_the_same_entries() {
    let Some(target) = postgres::database("a_store_copied_to_postgres") else {
        return;
    };
    let server = FixtureServer::start();
    serve_fixtures(&server);
    let dir = tempfile::tempdir().unwrap();
    let urls: Vec<String> = ["/wire.rss", "/mirror.atom", "/desk.json"]
        .iter()
        .map(|path| server.url(path))
        .collect();
    let config = write_config_with(dir.path(), &urls, EVERY_TWO_SECONDS, "");
    let run = |args: &[&str], env: Option<&str>| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_feedloom"));
        command
            .arg("--config")
            .arg(&config)
            .args(args)
            .env_remove("FEEDLOOM_LOG")
            .env_remove("RUST_LOG")
            .env_remove("FEEDLOOM_DATABASE_URL");
        if let Some(url) = env {
            command.env("FEEDLOOM_DATABASE_URL", url);
        }
        let output = command.output().unwrap();
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(
            output.status.success(),
            "{args:?}: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        text
    };
    run(&["poll"], None);
    let before = run(&["export", "--format", "json"], None);

    let copied = run(&["store", "copy", "--to", &target.url], None);
    assert!(copied.contains("stories: "), "{copied}");
    let after = run(&["export", "--format", "json"], Some(&target.url));
    assert_eq!(after, before, "the same stories, ids and sources");

    // Again: nothing changes.
    let again = run(&["store", "copy", "--to", &target.url], None);
    assert!(again.contains("stories: 0 rows copied"), "{again}");
    assert!(again.contains("were there already"), "{again}");
    assert_eq!(
        run(&["export", "--format", "json"], Some(&target.url)),
        before
    );
}
