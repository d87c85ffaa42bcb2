//! The SSRF guard at connect time: the daemon's polls, their redirects and
//! the CLI's additions follow one rule (`guard::Policy`). Every server is
//! on 127.0.0.1; a public-looking name is made to resolve there with
//! `Fetcher::with_hosts`, the way a hostile DNS server would.

use std::net::IpAddr;
use std::process::Output;

use feedloom::config::{self, Config};
use feedloom::fetch::Fetcher;
use feedloom::poll::{PollSummary, Poller};
use feedloom::store::{FeedRecord, SharedStore, Store};
use url::Url;

use crate::support::{FixtureServer, Route, feedloom, fixture, write_config};

const LOOPBACK: IpAddr = IpAddr::V4(std::net::Ipv4Addr::LOCALHOST);

struct Setup {
    _dir: tempfile::TempDir,
    config: Config,
    poller: Poller,
    fetcher: Fetcher,
}

/// A configuration listing `urls` (plus `extra`), and a fetcher on which
/// `evil.test` resolves to 127.0.0.1.
fn setup(urls: &[String], extra: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let config = config::load(&write_config(dir.path(), urls, extra)).unwrap();
    let poller = Poller::new(SharedStore::new(Box::new(
        Store::open(config.database.sqlite_path().unwrap()).unwrap(),
    )));
    let fetcher = Fetcher::with_hosts(&config.fetch, [("evil.test", LOOPBACK)]).unwrap();
    Setup {
        _dir: dir,
        config,
        poller,
        fetcher,
    }
}

impl Setup {
    async fn poll(&self) -> PollSummary {
        self.poller
            .poll_all(&self.config, &self.fetcher, |_, _| {})
            .await
            .unwrap()
    }

    fn record(&self, url: &str) -> FeedRecord {
        let url = Url::parse(url).unwrap();
        self.poller.store().lock().feed(&url).unwrap().unwrap()
    }
}

fn out(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_feed_at_a_literal_loopback_url_polls_and_follows_redirects_to_that_address() {
    let server = FixtureServer::start();
    let other = FixtureServer::start();
    other.feed("/wire.rss", fixture("wire.rss"), "application/rss+xml");
    // 127.0.0.1 on another port: the same address the operator wrote.
    server.route("/moved.rss", Route::Redirect(301, other.url("/wire.rss")));
    let setup = setup(&[server.url("/moved.rss")], "");
    let summary = setup.poll().await;
    assert_eq!(summary.fetched, 1, "{summary:?}");
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert!(summary.stories.new_stories > 0, "{summary:?}");
    assert_eq!(
        setup.record(&server.url("/moved.rss")).fetch_url,
        Some(other.url("/wire.rss"))
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_resolving_to_loopback_is_refused_at_connect_time() {
    let server = FixtureServer::start();
    server.feed("/wire.rss", fixture("wire.rss"), "application/rss+xml");
    let url = format!("http://evil.test:{}/wire.rss", server.addr.port());
    let setup = setup(std::slice::from_ref(&url), "");
    let summary = setup.poll().await;
    assert_eq!(summary.failed.len(), 1, "{summary:?}");
    let message = &summary.failed[0].message;
    for part in [
        "refusing to connect to evil.test",
        "resolves to 127.0.0.1",
        "loopback",
        "add \"evil.test\" to [fetch] allow_private",
    ] {
        assert!(message.contains(part), "{part:?} missing from {message:?}");
    }
    assert_eq!(summary.stories.new_stories, 0, "{summary:?}");
    assert!(server.seen().is_empty(), "no request reached the server");
    let record = setup.record(&url);
    assert!(
        record
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("refusing to connect to evil.test")),
        "{record:?}"
    );
    assert_eq!(record.consecutive_failures, 1);

    // Listed in [fetch] allow_private, the same name is fetched.
    let allowed = self::setup(
        std::slice::from_ref(&url),
        "[fetch]\nallow_private = [\"evil.test\"]\n",
    );
    let summary = allowed.poll().await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert!(summary.stories.new_stories > 0, "{summary:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_to_a_refused_address_fails_the_poll_and_is_never_recorded_as_a_move() {
    let server = FixtureServer::start();
    server.feed("/wire.rss", fixture("wire.rss"), "application/rss+xml");
    let port = server.addr.port();
    let redirects = [
        (
            "/to-127-0-0-2",
            301,
            format!("http://127.0.0.2:{port}/wire.rss"),
            "127.0.0.2",
        ),
        (
            "/to-v6-loopback",
            301,
            format!("http://[::1]:{port}/wire.rss"),
            "::1",
        ),
        (
            "/to-metadata",
            308,
            "http://169.254.169.254/latest/meta-data/".to_owned(),
            "169.254.169.254",
        ),
        (
            "/to-private-name",
            301,
            format!("http://evil.test:{port}/wire.rss"),
            "evil.test",
        ),
        (
            "/to-localhost",
            302,
            format!("http://localhost.:{port}/wire.rss"),
            "localhost.",
        ),
    ];
    for (path, code, to, _) in &redirects {
        server.route(path, Route::Redirect(*code, to.clone()));
    }
    let urls: Vec<String> = redirects.iter().map(|r| server.url(r.0)).collect();
    let setup = setup(&urls, "");
    let summary = setup.poll().await;
    assert_eq!(summary.failed.len(), redirects.len(), "{summary:?}");
    assert!(summary.moved.is_empty(), "{:?}", summary.moved);
    assert_eq!(summary.stories.new_stories, 0, "{summary:?}");
    for (path, _, _, host) in &redirects {
        let record = setup.record(&server.url(path));
        assert_eq!(
            record.fetch_url, None,
            "{path}: a refused target is no new location"
        );
        let error = record.last_error.unwrap_or_default();
        assert!(
            error.contains("refusing") && error.contains(host) && error.contains("allow_private"),
            "{path}: {error}"
        );
    }
    let seen: Vec<String> = server.seen().into_iter().map(|s| s.path).collect();
    assert!(!seen.contains(&"/wire.rss".to_owned()), "{seen:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_location_recorded_before_the_guard_is_ignored() {
    let server = FixtureServer::start();
    server.feed("/wire.rss", fixture("wire.rss"), "application/rss+xml");
    let url = server.url("/wire.rss");
    let setup = setup(std::slice::from_ref(&url), "");
    // As an older feedloom recorded a 301 to [::1].
    {
        let store = setup.poller.store();
        let mut store = store.lock();
        let feed = store
            .ensure_feed(&Url::parse(&url).unwrap(), None, chrono::Utc::now())
            .unwrap();
        let to = Url::parse(&format!("http://[::1]:{}/wire.rss", server.addr.port())).unwrap();
        store.set_fetch_url(feed.id, &to).unwrap();
    }
    let summary = setup.poll().await;
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert!(summary.stories.new_stories > 0, "{summary:?}");
    assert!(server.seen().iter().any(|s| s.path == "/wire.rss"));
}

#[test]
fn opml_import_refuses_local_only_names_without_dns() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &[],
        "[fetch]\nallow_private = [\"*.home.arpa\"]\n",
    );
    let file = dir.path().join("subs.opml");
    std::fs::write(
        &file,
        r#"<?xml version="1.0"?><opml version="2.0"><head/><body>
<outline type="rss" text="Public" xmlUrl="https://news.example/feed"/>
<outline type="rss" text="Dot" xmlUrl="http://localhost./feed"/>
<outline type="rss" text="Metadata" xmlUrl="http://metadata.google.internal/computeMetadata/v1/"/>
<outline type="rss" text="NAS" xmlUrl="http://nas.home.arpa/feed"/>
</body></opml>"#,
    )
    .unwrap();
    let import = feedloom(&config, &["opml", "import", file.to_str().unwrap()]);
    assert!(import.status.success(), "{}", out(&import));
    assert!(out(&import).contains("2 refused"), "{}", out(&import));
    assert!(
        out(&import).contains("metadata.google.internal is a cloud metadata service name"),
        "{}",
        out(&import)
    );
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("news.example")
            && text.contains("nas.home.arpa")
            && !text.contains("localhost.")
            && !text.contains("metadata.google"),
        "{text}"
    );
}

#[test]
fn feeds_add_without_a_probe_needs_no_dns() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "");
    let added = feedloom(
        &config,
        &[
            "feeds",
            "add",
            "--no-probe",
            "https://no-such-host.invalid/feed",
        ],
    );
    assert!(added.status.success(), "{}", out(&added));
    for refused in [
        "http://localhost./feed",
        "http://metadata.google.internal/computeMetadata/v1/",
        "http://[::ffff:169.254.169.254]/latest/",
    ] {
        let before = std::fs::read_to_string(&config).unwrap();
        let output = feedloom(&config, &["feeds", "add", "--no-probe", refused]);
        assert!(!output.status.success(), "{refused}: {}", out(&output));
        assert!(
            out(&output).contains("--allow-private") && out(&output).contains("allow_private"),
            "{}",
            out(&output)
        );
        assert_eq!(std::fs::read_to_string(&config).unwrap(), before);
    }
}

/// `feeds add --allow-private` on a name lists the name in `[fetch]
/// allow_private` with the feed, so the daemon's polls reach what the probe
/// was allowed to; a name already allowed, or a literal address, is left
/// as it is.
#[test]
fn feeds_add_allow_private_lists_the_name_for_the_daemon() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "[fetch]\nconcurrency = 4\n");
    let added = feedloom(
        &config,
        &[
            "feeds",
            "add",
            "--no-probe",
            "--allow-private",
            "http://RSSHub.lan.:1200/feed",
        ],
    );
    assert!(added.status.success(), "{}", out(&added));
    assert!(
        out(&added).contains("added \"rsshub.lan\" to [fetch] allow_private"),
        "{}",
        out(&added)
    );
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("concurrency = 4\nallow_private = [\"rsshub.lan\"]\n"),
        "{text}"
    );
    let checked = feedloom(&config, &["check-config"]);
    assert!(checked.status.success(), "{}", out(&checked));

    // Allowed already (a subdomain of a listed name would be too), and a
    // literal address needs no entry: the list does not grow.
    for url in ["http://rsshub.lan:1200/other", "http://192.168.1.20/feed"] {
        let output = feedloom(
            &config,
            &["feeds", "add", "--no-probe", "--allow-private", url],
        );
        assert!(output.status.success(), "{url}: {}", out(&output));
        assert!(
            !out(&output).contains("allowed private"),
            "{}",
            out(&output)
        );
    }
    let text = std::fs::read_to_string(&config).unwrap();
    assert_eq!(text.matches("allow_private").count(), 1, "{text}");
}
