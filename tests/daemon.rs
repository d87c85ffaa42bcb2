//! `feedloom run` end to end: a child process on a config of local feeds,
//! read over HTTP like a feed reader would, reloaded and stopped with
//! signals, watched through its systemd notify socket.

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue};

use crate::support::daemon::{Daemon, InProcess, Running};
use crate::support::{FixtureServer, fixture, serve_fixtures, write_config_with};

/// Every second, no jitter: the tests see polls quickly.
const EVERY_SECOND: &str = "* * * * * *";
const NO_JITTER: &str = "[scheduler]\njitter = \"0s\"\nbackoff_base = \"1s\"\n";

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
});

pub(crate) struct Reply {
    pub status: u16,
    headers: HeaderMap,
    pub body: String,
    bytes: Vec<u8>,
}

/// One HTTP request. The client neither decompresses nor adds
/// Accept-Encoding, so the test sees exactly what the server sends.
fn request(method: &str, url: &str, headers: &[(&str, &str)]) -> Reply {
    let _ = rustls::crypto::ring::default_provider().install_default();
    RUNTIME.block_on(async {
        let client = reqwest::Client::builder()
            .no_gzip()
            .no_brotli()
            .no_deflate()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let mut builder = client.request(method.parse().unwrap(), url);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        let response = builder.send().await.unwrap();
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response.bytes().await.unwrap();
        Reply {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes: bytes.to_vec(),
        }
    })
}

/// The status of a GET, or `None` if nothing answers (yet).
pub(crate) fn try_get(url: &str) -> Option<u16> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    RUNTIME.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .ok()?;
        let response = client.get(url).send().await.ok()?;
        Some(response.status().as_u16())
    })
}

pub(crate) fn get(url: &str) -> Reply {
    request("GET", url, &[])
}

fn get_with(url: &str, headers: &[(&str, &str)]) -> Reply {
    request("GET", url, headers)
}

pub(crate) fn header<'a>(reply: &'a Reply, name: &str) -> &'a str {
    reply
        .headers
        .get(name)
        .and_then(|v: &HeaderValue| v.to_str().ok())
        .unwrap_or("")
}

fn json_items(daemon: &impl Running) -> Vec<serde_json::Value> {
    let reply = get(&daemon.url("/feed.json?limit=500"));
    assert_eq!(reply.status, 200, "{}", reply.body);
    let feed: serde_json::Value = serde_json::from_str(&reply.body).unwrap();
    feed["items"].as_array().unwrap().clone()
}

/// Waits (at most 30 s) until the JSON Feed satisfies `done`.
fn wait_for_items(
    daemon: &impl Running,
    done: impl Fn(&[serde_json::Value]) -> bool,
) -> Vec<serde_json::Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let items = json_items(daemon);
        if done(&items) {
            return items;
        }
        assert!(
            Instant::now() < deadline,
            "feed never got there: {} items\n{}",
            items.len(),
            daemon.diagnostics()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Waits (at most 30 s) until `done` holds.
pub(crate) fn wait_until(daemon: &impl Running, what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(
            Instant::now() < deadline,
            "{what}: not within 30 s\n{}",
            daemon.diagnostics()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A sample's value in Prometheus text (0 when absent).
fn metric(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(0.0)
}

fn has_title(items: &[serde_json::Value], title: &str) -> bool {
    items.iter().any(|item| item["title"] == title)
}

#[test]
fn serves_every_format_once_per_story_with_caching_then_stops_on_sigterm() {
    let server = FixtureServer::start();
    serve_fixtures(&server);
    let dir = tempfile::tempdir().unwrap();
    let urls = ["/wire.rss", "/mirror.atom", "/desk.json"].map(|p| server.url(p));
    let config = write_config_with(dir.path(), &urls, EVERY_SECOND, NO_JITTER);
    let mut daemon = Daemon::start(&config);

    // 5 seeds and 5 distinct stories from 7 fixture items.
    let items = wait_for_items(&daemon, |items| {
        items.len() >= 10 && has_title(items, "Tajikistan fortifies its Afghan border")
    });
    assert_eq!(items.len(), 10, "{items:#?}");

    // Atom and RSS carry the same stories, once each.
    for path in ["/feed.atom", "/feed.rss"] {
        let reply = get(&daemon.url(path));
        assert_eq!(reply.status, 200);
        let feed = feed_rs::parser::parse(reply.body.as_bytes()).unwrap();
        assert_eq!(feed.entries.len(), 10, "{path}");
        let mut titles: Vec<String> = feed
            .entries
            .iter()
            .map(|e| e.title.as_ref().unwrap().content.clone())
            .collect();
        titles.sort();
        titles.dedup();
        assert_eq!(titles.len(), 10, "{path}: {titles:?}");
    }
    assert!(
        header(&get(&daemon.url("/feed.atom")), "content-type").starts_with("application/atom+xml")
    );
    assert!(
        header(&get(&daemon.url("/feed.rss")), "content-type").starts_with("application/rss+xml")
    );
    assert_eq!(json_items(&daemon).len(), 10);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&get(&daemon.url("/feed.json?limit=2")).body)
            .unwrap()["items"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // The river and a story page.
    let river = get(&daemon.url("/"));
    assert_eq!(river.status, 200);
    assert!(header(&river, "content-type").starts_with("text/html"));
    assert!(river.body.contains("SCO summit opens in Dushanbe"));
    assert!(river.body.contains("application/atom+xml"));
    let merged = items
        .iter()
        .find(|i| i["title"] == "Putin and Xi agree to coordinate on Afghanistan")
        .unwrap();
    let page = get(&daemon.url(&format!("/stories/{}", merged["id"].as_str().unwrap())));
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Steppe Wire") && page.body.contains("Central Asia Mirror"),
        "both sources listed"
    );
    assert_eq!(
        get(&daemon.url("/stories/00000000000000000000000000000000")).status,
        404
    );
    assert_eq!(get(&daemon.url("/no-such-page")).status, 404);

    // Subscriptions, health, metrics.
    let opml = get(&daemon.url("/opml"));
    assert_eq!(opml.status, 200);
    assert!(opml.body.contains(&server.url("/desk.json")));
    let health = get(&daemon.url("/healthz"));
    assert_eq!(health.status, 200);
    assert!(health.body.contains("last_poll: 20"), "{}", health.body);
    // The metrics are recorded just after each commit: wait for them.
    let wanted = [
        "feedloom_feed_polls_total",
        "feedloom_fetch_outcomes_total{outcome=\"fetched\"}",
        "feedloom_stories_stored 10",
        "feedloom_duplicates_merged_total 2",
        "feedloom_feed_poll_duration_seconds_count",
    ];
    wait_until(&daemon, "metrics", || {
        let metrics = get(&daemon.url("/metrics")).body;
        wanted.iter().all(|name| metrics.contains(name))
    });

    // HTTP caching: 304 for either validator, HEAD without a body, gzip.
    let first = get(&daemon.url("/feed.atom"));
    let etag = header(&first, "etag").to_owned();
    let modified = header(&first, "last-modified").to_owned();
    assert!(!etag.is_empty() && !modified.is_empty());
    assert_eq!(
        get_with(&daemon.url("/feed.atom"), &[("If-None-Match", &etag)]).status,
        304
    );
    assert_eq!(
        get_with(
            &daemon.url("/feed.atom"),
            &[("If-Modified-Since", &modified)]
        )
        .status,
        304
    );
    assert_eq!(
        get_with(
            &daemon.url("/feed.atom"),
            &[("If-None-Match", "W/\"other\"")]
        )
        .status,
        200
    );
    let head = request("HEAD", &daemon.url("/feed.rss"), &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(
        header(&head, "etag"),
        header(&get(&daemon.url("/feed.rss")), "etag")
    );
    let gzipped = request(
        "GET",
        &daemon.url("/feed.json"),
        &[("Accept-Encoding", "gzip")],
    );
    assert_eq!(header(&gzipped, "content-encoding"), "gzip");
    let mut inflated = String::new();
    std::io::Read::read_to_string(
        &mut flate2::read::GzDecoder::new(gzipped.bytes.as_slice()),
        &mut inflated,
    )
    .unwrap();
    assert_eq!(inflated, get(&daemon.url("/feed.json")).body);
    assert_eq!(
        header(&gzipped, "etag"),
        header(&get(&daemon.url("/feed.json")), "etag")
    );

    // Unchanged feeds answer 304 to feedloom's polls: the documents are
    // not rendered again, however many readers ask.
    let renders = || {
        metric(
            &get(&daemon.url("/metrics")).body,
            "feedloom_documents_rendered_total",
        )
    };
    // The first polls' follow-up work (scoring, the search index) is
    // published up to half a second after it ends: wait until a render is
    // followed by a quiet second, so that only later polls are judged.
    let mut settled = false;
    for _ in 0..20 {
        assert_eq!(get(&daemon.url("/feed.atom")).status, 200);
        let rendered = renders();
        std::thread::sleep(Duration::from_millis(1_000));
        assert_eq!(get(&daemon.url("/feed.atom")).status, 200);
        if renders() == rendered {
            settled = true;
            break;
        }
    }
    assert!(settled, "the documents never stopped being rendered");
    let before = renders();
    let polls_before = metric(
        &get(&daemon.url("/metrics")).body,
        "feedloom_feed_polls_total",
    );
    wait_until(&daemon, "three more polls", || {
        metric(
            &get(&daemon.url("/metrics")).body,
            "feedloom_feed_polls_total",
        ) >= polls_before + 3.0
    });
    for _ in 0..20 {
        assert_eq!(get(&daemon.url("/feed.atom")).status, 200);
    }
    assert_eq!(
        get_with(&daemon.url("/feed.atom"), &[("If-None-Match", &etag)]).status,
        304
    );
    assert_eq!(renders(), before, "nothing changed, nothing rendered");

    let status = daemon.terminate(Duration::from_secs(15));
    assert!(status.success(), "{status}\n{}", daemon.stderr());
    let messages = daemon.messages();
    assert!(messages.iter().any(|m| m == "STOPPING=1"), "{messages:?}");
}

#[test]
fn reload_applies_a_good_config_and_keeps_serving_through_a_bad_one() {
    let server = FixtureServer::start();
    serve_fixtures(&server);
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_with(
        dir.path(),
        &[server.url("/wire.rss")],
        EVERY_SECOND,
        NO_JITTER,
    );
    let mut daemon = Daemon::start(&config);
    wait_for_items(&daemon, |items| {
        has_title(items, "Kabul airport resumes flights")
    });
    assert!(!has_title(
        &json_items(&daemon),
        "Tajikistan fortifies its Afghan border"
    ));

    // Adding a feed to the file: picked up without a restart.
    let urls = [server.url("/wire.rss"), server.url("/desk.json")];
    write_config_with(dir.path(), &urls, EVERY_SECOND, NO_JITTER);
    wait_for_items(&daemon, |items| {
        has_title(items, "Tajikistan fortifies its Afghan border")
    });
    daemon.wait_for_message(Duration::from_secs(10), |m| m.starts_with("RELOADING=1"));

    // A broken edit: reported with its position, the daemon keeps serving.
    let good = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        good.replace("schedule = \"* * * * * *\"", "schedule = \"every second\""),
    )
    .unwrap();
    daemon.wait_for_log(Duration::from_secs(10), "feedloom.toml:3:");
    assert_eq!(get(&daemon.url("/feed.json")).status, 200);
    // SIGHUP re-reads it too, and says the same.
    daemon.signal("HUP");
    wait_until(&daemon, "the SIGHUP reload's report", || {
        daemon.stderr().matches("feedloom.toml:3:").count() >= 2
    });
    assert_eq!(get(&daemon.url("/healthz")).status, 200);

    // The previous configuration is still in force: both feeds are polled.
    server.clear_seen();
    wait_until(&daemon, "both feeds polled", || {
        let seen = server.seen();
        ["/wire.rss", "/desk.json"]
            .iter()
            .all(|p| seen.iter().any(|s| s.path == *p))
    });

    // Removing a feed stops its polls.
    write_config_with(
        dir.path(),
        &[server.url("/wire.rss")],
        EVERY_SECOND,
        NO_JITTER,
    );
    daemon.wait_for_log(Duration::from_secs(10), "removed=1");
    std::thread::sleep(Duration::from_millis(300));
    server.clear_seen();
    wait_until(&daemon, "two more polls of the kept feed", || {
        server
            .seen()
            .iter()
            .filter(|s| s.path == "/wire.rss")
            .count()
            >= 2
    });
    assert!(
        !server.seen().iter().any(|s| s.path == "/desk.json"),
        "{:?}",
        server.seen()
    );

    // SIGINT stops it like SIGTERM.
    daemon.signal("INT");
    assert!(daemon.wait_exit(Duration::from_secs(15)).success());
}

#[test]
fn a_restart_remembers_when_each_feed_is_due_and_a_faster_schedule_applies_at_once() {
    let server = FixtureServer::start();
    serve_fixtures(&server);
    let dir = tempfile::tempdir().unwrap();
    // A schedule that never comes round: only "new feed, poll soon" fires.
    let far = "0 0 0 1 1 * 2099";
    let config = write_config_with(dir.path(), &[server.url("/wire.rss")], far, NO_JITTER);
    let daemon = InProcess::start(&config);
    wait_for_items(&daemon, |items| {
        has_title(items, "Kabul airport resumes flights")
    });
    assert_eq!(server.seen().len(), 1);
    daemon.stop(Duration::from_secs(15)).unwrap();

    // Restart with a second, never-polled feed: once that one has been
    // fetched, the scheduler has planned both, and the first must not have
    // been fetched again.
    let urls = [server.url("/wire.rss"), server.url("/desk.json")];
    write_config_with(dir.path(), &urls, far, NO_JITTER);
    let daemon = InProcess::start(&config);
    wait_until(&daemon, "the new feed polled", || {
        server.seen().iter().any(|s| s.path == "/desk.json")
    });
    let wire_polls = || {
        server
            .seen()
            .iter()
            .filter(|s| s.path == "/wire.rss")
            .count()
    };
    assert_eq!(wire_polls(), 1, "{:?}", server.seen());

    // Every second instead of 2099: applies at the reload, not in 2099.
    write_config_with(dir.path(), &urls, EVERY_SECOND, NO_JITTER);
    wait_until(&daemon, "the faster schedule", || wire_polls() >= 3);
    daemon.stop(Duration::from_secs(15)).unwrap();
}

#[test]
fn polls_of_one_feed_never_overlap() {
    let server = FixtureServer::start();
    // Each answer takes 1.5 s; the schedule asks every second.
    server.route(
        "/slow.rss",
        crate::support::Route::Slow {
            delay: Duration::from_millis(1500),
            body: fixture("wire.rss").into_bytes(),
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_with(
        dir.path(),
        &[server.url("/slow.rss")],
        EVERY_SECOND,
        NO_JITTER,
    );
    let daemon = InProcess::start(&config);
    wait_until(&daemon, "three polls", || server.seen().len() >= 3);
    assert_eq!(server.max_in_flight(), 1);
    daemon.stop(Duration::from_secs(15)).unwrap();
}

#[test]
fn the_watchdog_is_pinged_when_systemd_asks_for_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_with(dir.path(), &[], EVERY_SECOND, NO_JITTER);
    // WatchdogSec=0.4s: pings every 0.2 s, also with no feed to poll.
    let mut daemon = Daemon::start_with_env(&config, &[("WATCHDOG_USEC", "400000")]);
    daemon.wait_for_message(Duration::from_secs(10), |m| m == "WATCHDOG=1");
    let deadline = Instant::now() + Duration::from_secs(10);
    while daemon
        .messages()
        .iter()
        .filter(|m| *m == "WATCHDOG=1")
        .count()
        < 3
    {
        assert!(Instant::now() < deadline, "{:?}", daemon.messages());
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(daemon.terminate(Duration::from_secs(15)).success());
}
