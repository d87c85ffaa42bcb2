//! The whole flow through the library: config → fetch → parse → normalize →
//! store, against the fixture server.

use feedloom::config;
use feedloom::fetch::Fetcher;
use feedloom::poll::{self, PollSummary, Poller};
use feedloom::store::{Origin, SharedStore, Store, StoryQuery};

use crate::support::{FixtureServer, fixture, serve_fixtures, write_config};

struct Setup {
    _dir: tempfile::TempDir,
    config: config::Config,
    poller: Poller,
    fetcher: Fetcher,
}

fn setup(server: &FixtureServer, paths: &[&str], extra: &str) -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let urls: Vec<String> = paths.iter().map(|p| server.url(p)).collect();
    let config = config::load(&write_config(dir.path(), &urls, extra)).unwrap();
    let poller = Poller::new(SharedStore::new(Box::new(
        Store::open(config.database.sqlite_path().unwrap()).unwrap(),
    )));
    // As `feedloom poll` and the daemon do: the parse workers check
    // near-duplicate candidates on connections of their own.
    poller.read_from(&config.database);
    let fetcher = Fetcher::new(&config.fetch).unwrap();
    Setup {
        _dir: dir,
        config,
        poller,
        fetcher,
    }
}

async fn poll_once(setup: &Setup) -> PollSummary {
    setup
        .poller
        .poll_all(&setup.config, &setup.fetcher, |_, _| {})
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn cross_posts_are_stored_once_and_the_second_poll_is_all_304() {
    let server = FixtureServer::start();
    serve_fixtures(&server);
    let setup = setup(&server, &["/wire.rss", "/mirror.atom", "/desk.json"], "");

    let first = poll_once(&setup).await;
    assert_eq!(first.fetched, 3, "{first:?}");
    assert!(first.failed.is_empty(), "{:?}", first.failed);
    // 7 items: 5 distinct stories, 2 cross-posts (other URL, guid, markup,
    // whitespace, tracking parameters, syndication trailer).
    assert_eq!(first.stories.new_stories, 5, "{first:?}");
    assert_eq!(first.stories.merged, 2, "{first:?}");
    assert_eq!(first.seeds.inserted, 5);

    let stories = setup
        .poller
        .store()
        .lock()
        .stories(&StoryQuery::all(None))
        .unwrap();
    let from_feeds: Vec<_> = stories
        .iter()
        .filter(|s| s.origin == Origin::Feed)
        .collect();
    assert_eq!(from_feeds.len(), 5);
    let putin_xi = from_feeds
        .iter()
        .find(|s| s.title == "Putin and Xi agree to coordinate on Afghanistan")
        .unwrap();
    assert_eq!(putin_xi.sources.len(), 2);
    // The story keeps the canonical link of whichever feed stored it first
    // (the feeds are polled concurrently); tracking and fragment are gone.
    let link = putin_xi.link.as_deref().unwrap();
    assert!(
        [
            "https://wire.example/story/101",
            "https://mirror.example/p/putin-xi"
        ]
        .contains(&link),
        "{link}"
    );
    let source_links: Vec<&str> = putin_xi
        .sources
        .iter()
        .filter_map(|s| s.link.as_deref())
        .collect();
    assert!(
        source_links.contains(&"https://wire.example/story/101"),
        "{source_links:?}"
    );
    assert!(
        source_links.contains(&"https://mirror.example/p/putin-xi"),
        "{source_links:?}"
    );
    assert!(!putin_xi.content_html.contains("script"));
    let border = from_feeds
        .iter()
        .find(|s| s.title.starts_with("Tajikistan"))
        .unwrap();
    assert_eq!(border.author.as_deref(), Some("Desk reporter"));
    assert_eq!(
        border.link.as_deref(),
        Some("https://desk.example/2021/08/tajik-border")
    );
    let csto = from_feeds
        .iter()
        .find(|s| s.title.starts_with("CSTO"))
        .unwrap();
    assert!(!csto.content_html.contains("javascript") && !csto.content_html.contains("onclick"));
    // A relative link resolves against the document's URI (RFC 4287 §7,
    // RFC 3986 §5.1: the feed has no xml:base).
    assert_eq!(
        csto.link.as_deref(),
        Some(server.url("/p/csto-session").as_str())
    );

    server.clear_seen();
    let second = poll_once(&setup).await;
    assert_eq!((second.fetched, second.unchanged), (0, 3), "{second:?}");
    assert_eq!(second.seeds.unchanged, 5);
    let seen = server.seen();
    assert_eq!(seen.len(), 3);
    for request in &seen {
        assert!(request.if_none_match.is_some(), "{request:?}");
        assert_eq!(request.status, 304, "{request:?}");
        assert!(
            request
                .user_agent
                .as_deref()
                .unwrap_or("")
                .starts_with("feedloom/")
        );
    }
    assert_eq!(setup.poller.store().lock().story_count().unwrap(), 10);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_edited_item_updates_its_story_instead_of_adding_one() {
    let server = FixtureServer::start();
    serve_fixtures(&server);
    let setup = setup(&server, &["/wire.rss"], "");
    poll_once(&setup).await;
    let before = setup
        .poller
        .store()
        .lock()
        .stories(&StoryQuery::all(None))
        .unwrap();
    let uid = before
        .iter()
        .find(|s| s.title == "Kabul airport resumes flights")
        .unwrap()
        .uid
        .clone();

    let edited = fixture("wire.rss").replace(
        "The first domestic flights left Kabul airport on Sunday.",
        "The first domestic flights left Kabul airport on Sunday, officials said.",
    );
    server.feed("/wire.rss", edited, "application/rss+xml");
    let summary = poll_once(&setup).await;
    assert_eq!(summary.fetched, 1);
    assert_eq!(summary.stories.updated, 1, "{summary:?}");
    assert_eq!(summary.stories.new_stories, 0, "{summary:?}");
    assert_eq!(summary.stories.unchanged, 2);
    let after = setup
        .poller
        .store()
        .lock()
        .stories(&StoryQuery::all(None))
        .unwrap();
    assert_eq!(after.len(), before.len());
    let story = after.iter().find(|s| s.uid == uid).unwrap();
    assert!(
        story.content_text.ends_with("officials said."),
        "{}",
        story.content_text
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn dead_and_garbage_feeds_do_not_stop_the_others() {
    let server = FixtureServer::start();
    serve_fixtures(&server);
    server.feed(
        "/page.html",
        "<!doctype html><html><body><p>Hello</p></body></html>",
        "text/html",
    );
    server.feed(
        "/truncated.rss",
        &fixture("wire.rss")[..900],
        "application/rss+xml",
    );
    server.route("/broken", crate::support::Route::Status(500));
    // A port nobody listens on: bind one, note it, close it.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let urls = vec![
        server.url("/missing.rss"),
        server.url("/page.html"),
        server.url("/truncated.rss"),
        server.url("/broken"),
        format!("http://{closed}/feed"),
        server.url("/wire.rss"),
        server.url("/desk.json"),
    ];
    let config = config::load(&write_config(dir.path(), &urls, "")).unwrap();
    let poller = Poller::new(SharedStore::new(Box::new(
        Store::open(config.database.sqlite_path().unwrap()).unwrap(),
    )));
    let fetcher = Fetcher::new(&config.fetch).unwrap();
    let summary = poller.poll_all(&config, &fetcher, |_, _| {}).await.unwrap();

    assert_eq!(summary.fetched, 2, "{summary:?}");
    assert_eq!(summary.failed.len(), 5, "{summary:?}");
    let message = |path: &str| {
        summary
            .failed
            .iter()
            .find(|f| f.url.as_str().ends_with(path))
            .map(|f| f.message.clone())
            .unwrap()
    };
    assert!(
        message("/missing.rss").contains("404"),
        "{}",
        message("/missing.rss")
    );
    assert!(message("/broken").contains("500"));
    assert!(
        message("/page.html").contains("not a feed"),
        "{}",
        message("/page.html")
    );
    assert!(
        message("/truncated.rss").contains("line"),
        "{}",
        message("/truncated.rss")
    );
    assert!(message("/feed").contains("connect"), "{}", message("/feed"));
    // 3 + 2 items, one cross-post between them.
    assert_eq!(summary.stories.new_stories, 4, "{summary:?}");

    // The failure is recorded on the feed, and a later failure keeps the
    // stories of an earlier success.
    let wire = config
        .feeds
        .iter()
        .find(|f| f.url.path() == "/wire.rss")
        .unwrap();
    server.route("/wire.rss", crate::support::Route::Status(503));
    let outcome = poller.poll_feed(&fetcher, wire).await.unwrap();
    assert!(
        matches!(outcome, poll::FeedOutcome::Failed { .. }),
        "{outcome:?}"
    );
    let record = poller.store().lock().feed(&wire.url).unwrap().unwrap();
    assert_eq!(record.consecutive_failures, 1);
    assert!(record.last_error.unwrap().contains("503"));
    assert_eq!(poller.store().lock().story_count().unwrap(), 4 + 5);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_id_repeated_within_one_document_skips_copies_and_keeps_other_stories() {
    let server = FixtureServer::start();
    // The site's URL as every item's guid, a real-world mistake: the same
    // story twice, two other stories with links, one without.
    let feed = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Dup</title>
        <item><title>A</title><guid>https://dup.example/</guid><link>https://dup.example/a</link><description>First text.</description></item>
        <item><title>A</title><guid>https://dup.example/</guid><link>https://dup.example/a</link><description>First text.</description></item>
        <item><title>B</title><guid>https://dup.example/</guid><link>https://dup.example/b</link><description>Second text.</description></item>
        <item><title>C</title><guid>https://dup.example/</guid><description>Third text.</description></item>
        </channel></rss>"#;
    server.feed("/dup.rss", feed, "application/rss+xml");
    let setup = setup(&server, &["/dup.rss"], "");
    let summary = poll_once(&setup).await;
    assert_eq!(summary.stories.new_stories, 3, "{summary:?}");
    let warned = |text: &str| summary.warnings.iter().any(|(_, w)| w.contains(text));
    assert!(
        warned("1 entries repeated an earlier entry's id and content and were skipped"),
        "{:?}",
        summary.warnings
    );
    assert!(
        warned("2 entries repeated an earlier entry's id with other content"),
        "{:?}",
        summary.warnings
    );
    let texts = |store: &SharedStore| {
        let mut texts: Vec<String> = store
            .lock()
            .stories(&StoryQuery::all(None))
            .unwrap()
            .into_iter()
            .filter(|s| s.seed_key.is_none())
            .map(|s| s.content_text)
            .collect();
        texts.sort();
        texts
    };
    assert_eq!(
        texts(setup.poller.store()),
        ["First text.", "Second text.", "Third text."]
    );
    // The same items again in a changed document: the keys are stable, so
    // nothing is edited into anything else.
    server.feed(
        "/dup.rss",
        feed.replace("<title>Dup</title>", "<title>Dup again</title>"),
        "application/rss+xml",
    );
    let again = poll_once(&setup).await;
    assert_eq!(again.stories.new_stories, 0, "{again:?}");
    assert_eq!(again.stories.updated, 0, "{again:?}");
    assert_eq!(again.stories.reused_ids, 0, "{again:?}");
    assert_eq!(again.stories.unchanged, 3, "{again:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_etag_on_an_unchanged_body_is_not_parsed_again() {
    let server = FixtureServer::start();
    let body = fixture("wire.rss");
    server.route(
        "/wire.rss",
        crate::support::Route::FreshEtag(body.clone().into_bytes()),
    );
    let setup = setup(&server, &["/wire.rss"], "");
    let first = poll_once(&setup).await;
    assert_eq!(
        (first.fetched, first.stories.new_stories),
        (1, 3),
        "{first:?}"
    );

    let second = poll_once(&setup).await;
    assert_eq!((second.fetched, second.unchanged), (0, 1), "{second:?}");
    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    // It asked conditionally, got the whole body anyway, and keeps the new
    // ETag for next time.
    assert_eq!(seen[1].if_none_match.as_deref(), Some("\"response-0\""));
    assert_eq!(seen[1].status, 200);
    let url = url::Url::parse(&server.url("/wire.rss")).unwrap();
    let record = setup.poller.store().lock().feed(&url).unwrap().unwrap();
    assert_eq!(record.etag.as_deref(), Some("\"response-1\""));
    assert_eq!(record.last_status.as_deref(), Some("not_modified"));

    // A changed body is parsed again.
    let edited = body.replacen("</item>", "<category>edited</category></item>", 1);
    assert_ne!(edited, body);
    server.route(
        "/wire.rss",
        crate::support::Route::FreshEtag(edited.into_bytes()),
    );
    let third = poll_once(&setup).await;
    assert_eq!(
        (third.fetched, third.stories.unchanged),
        (1, 3),
        "{third:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_seeds_folder_is_reported_and_the_feeds_still_polled() {
    let server = FixtureServer::start();
    serve_fixtures(&server);
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "database = \"feedloom.db\"\n[topic]\ntitle = \"T\"\nseeds = \"no-such-folder\"\n\n[[feeds]]\nurl = \"{}\"\n",
        server.url("/wire.rss")
    );
    std::fs::write(dir.path().join("feedloom.toml"), text).unwrap();
    let config = config::load(&dir.path().join("feedloom.toml")).unwrap();
    let poller = Poller::new(SharedStore::new(Box::new(
        Store::open(config.database.sqlite_path().unwrap()).unwrap(),
    )));
    let fetcher = Fetcher::new(&config.fetch).unwrap();
    let summary = poller.poll_all(&config, &fetcher, |_, _| {}).await.unwrap();
    assert_eq!(summary.fetched, 1);
    assert!(summary.seeds.failed.is_empty(), "{:?}", summary.seeds);
    assert_eq!(summary.seeds.folders.len(), 1);
    assert!(
        summary.seeds.folders[0].contains("no-such-folder does not exist"),
        "{:?}",
        summary.seeds.folders
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_permanent_redirect_moves_the_feed_and_a_temporary_one_does_not() {
    use crate::support::Route;
    let server = FixtureServer::start();
    serve_fixtures(&server);
    // (path, status, target, moves)
    let redirects = [
        ("/old-301.rss", 301, "/wire.rss", true),
        ("/old-308.json", 308, "/desk.json", true),
        ("/tmp-302.atom", 302, "/mirror.atom", false),
        ("/tmp-307.rss", 307, "/wire.rss", false),
    ];
    for (path, code, to, _) in redirects {
        server.route(path, Route::Redirect(code, to.into()));
    }
    let paths: Vec<&str> = redirects.iter().map(|r| r.0).collect();
    let setup = setup(&server, &paths, "");
    let first = poll_once(&setup).await;
    assert_eq!(first.fetched, 4, "{first:?}");
    let record = |path: &str| {
        let url = url::Url::parse(&server.url(path)).unwrap();
        setup.poller.store().lock().feed(&url).unwrap().unwrap()
    };
    for (path, code, to, moves) in redirects {
        let expected = moves.then(|| server.url(to));
        assert_eq!(record(path).fetch_url, expected, "{code}");
    }
    let mut moved = first.moved.clone();
    moved.sort();
    assert_eq!(
        moved,
        [
            (
                url::Url::parse(&server.url("/old-301.rss")).unwrap(),
                server.url("/wire.rss")
            ),
            (
                url::Url::parse(&server.url("/old-308.json")).unwrap(),
                server.url("/desk.json")
            ),
        ]
    );

    server.clear_seen();
    poll_once(&setup).await;
    let seen: Vec<String> = server.seen().into_iter().map(|s| s.path).collect();
    for (path, _, to, moves) in redirects {
        assert!(seen.contains(&to.to_owned()), "{seen:?}");
        assert_eq!(
            seen.contains(&path.to_owned()),
            !moves,
            "a moved feed is fetched at its new URL, a redirected one at its own: {seen:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_410_retires_the_feed_until_the_configuration_changes() {
    let server = FixtureServer::start();
    serve_fixtures(&server);
    server.route("/gone.rss", crate::support::Route::Status(410));
    let dir = tempfile::tempdir().unwrap();
    let gone = server.url("/gone.rss");
    let path = write_config(dir.path(), std::slice::from_ref(&gone), "");
    let config = config::load(&path).unwrap();
    let poller = Poller::new(SharedStore::new(Box::new(
        Store::open(config.database.sqlite_path().unwrap()).unwrap(),
    )));
    let fetcher = Fetcher::new(&config.fetch).unwrap();

    let first = poller.poll_all(&config, &fetcher, |_, _| {}).await.unwrap();
    assert_eq!(first.failed.len(), 1);
    assert!(
        first.failed[0].message.contains("410"),
        "{:?}",
        first.failed
    );
    server.clear_seen();
    let second = poller.poll_all(&config, &fetcher, |_, _| {}).await.unwrap();
    assert_eq!((second.retired, second.failed.len()), (1, 0), "{second:?}");
    assert!(server.seen().is_empty(), "a retired feed is not fetched");

    // The user edits the configuration (here: adds a feed): retried.
    let path = write_config(dir.path(), &[gone, server.url("/wire.rss")], "");
    let config = config::load(&path).unwrap();
    let third = poller.poll_all(&config, &fetcher, |_, _| {}).await.unwrap();
    assert_eq!(third.retired, 0, "{third:?}");
    assert!(server.seen().iter().any(|s| s.path == "/gone.rss"));
}

#[tokio::test(flavor = "multi_thread")]
async fn retry_after_is_remembered_on_the_feed() {
    let server = FixtureServer::start();
    server.route("/busy.rss", crate::support::Route::RetryAfter(429, 3600));
    let setup = setup(&server, &["/busy.rss"], "");
    let before = chrono::Utc::now();
    let summary = poll_once(&setup).await;
    assert!(
        summary.failed[0].message.contains("429"),
        "{:?}",
        summary.failed
    );
    let url = url::Url::parse(&server.url("/busy.rss")).unwrap();
    let record = setup.poller.store().lock().feed(&url).unwrap().unwrap();
    let retry_after = record.retry_after.unwrap();
    assert!(
        retry_after >= before + chrono::Duration::seconds(3590),
        "{retry_after}"
    );
    assert!(retry_after <= chrono::Utc::now() + chrono::Duration::seconds(3600));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_larger_than_the_whole_parse_backlog_is_written_beside_the_others() {
    // Parsed feeds wait for the writer within a byte budget (4 MiB of
    // bodies, `poll::BACKLOG_KIB`); a body over the whole budget must
    // still get its turn rather than wait for ever.
    let server = FixtureServer::start();
    serve_fixtures(&server);
    let padding = "x".repeat(5 * 1024 * 1024);
    let big = fixture("wire.rss").replacen("<channel>", &format!("<channel><!--{padding}-->"), 1);
    assert!(big.len() > 5 * 1024 * 1024);
    server.feed("/big.rss", big, "application/rss+xml");
    let setup = setup(
        &server,
        &["/big.rss", "/mirror.atom", "/desk.json", "/wire.rss"],
        "",
    );
    let polled = tokio::time::timeout(std::time::Duration::from_secs(120), poll_once(&setup))
        .await
        .expect("the poll finished");
    assert_eq!(polled.fetched, 4, "{polled:?}");
    assert!(polled.failed.is_empty(), "{:?}", polled.failed);
    // wire.rss and its padded copy carry the same three stories.
    assert_eq!(
        polled.stories.new_stories + polled.stories.merged,
        10,
        "{polled:?}"
    );
}

/// With the scorers handed to the poller, the parse workers score what
/// they parse: the stories arrive with their verdicts, and only what was
/// queued by other routes (the seeds, here) waits for the scoring task.
#[tokio::test(flavor = "multi_thread")]
async fn new_stories_are_stored_with_their_verdicts() {
    let server = FixtureServer::start();
    serve_fixtures(&server);
    let setup = setup(&server, &["/wire.rss", "/mirror.atom", "/desk.json"], "");
    let topics = poll::build_topics(&setup.config).await.unwrap();
    let summary = setup
        .poller
        .poll_feeds(&setup.config, &setup.fetcher, &topics, |_, _| {})
        .await
        .unwrap();
    assert_eq!(summary.stories.new_stories, 5, "{summary:?}");
    let store = setup.poller.store().lock();
    assert_eq!(
        store.pending_score_count().unwrap(),
        5,
        "only the seeds are queued"
    );
    let stories = store.stories(&StoryQuery::all(None)).unwrap();
    let from_feeds: Vec<_> = stories
        .iter()
        .filter(|story| story.origin == Origin::Feed)
        .collect();
    assert!(!from_feeds.is_empty());
    for story in from_feeds {
        assert_eq!(
            store.verdicts(story.id).unwrap().len(),
            1,
            "{}",
            story.title
        );
    }
}

/// A feed queued for the group commit gives its fetch slot to the next
/// feed: with one slot and the store held by someone else, every feed is
/// still fetched and parsed, and all are written once the store is free.
/// (A feed that kept its slot until written would stop the poll at the
/// first feed: its batch cannot be written while the store is held.)
#[test]
fn a_feed_waiting_for_its_write_lets_the_next_feeds_be_fetched() {
    let server = FixtureServer::start();
    let paths: Vec<String> = (0..6).map(|n| format!("/slot-{n}.rss")).collect();
    for (n, path) in paths.iter().enumerate() {
        let items: String = (0..3)
            .map(|i| {
                format!(
                    "<item><guid>slot-{n}-{i}</guid><title>Harbour report {n}.{i}</title>\
                     <description>Cranes at berth {n} moved {i} containers of grain \
                     before the storm closed the port.</description></item>"
                )
            })
            .collect();
        server.feed(
            path,
            format!("<rss version=\"2.0\"><channel><title>Slot {n}</title>{items}</channel></rss>"),
            "application/rss+xml",
        );
    }
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let setup = setup(&server, &paths, "[fetch]\nconcurrency = 1\n");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (summary, fetched_while_held) = std::thread::scope(|scope| {
        let poll = scope.spawn(|| {
            runtime.block_on(async {
                tokio::time::timeout(std::time::Duration::from_secs(60), poll_once(&setup))
                    .await
                    .expect("the poll finished")
            })
        });
        // Hold the store from the first request on: the first feed's
        // batch gathers for at least 15 ms before it takes the store, so
        // it cannot have been written yet.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while server.seen().is_empty() {
            assert!(std::time::Instant::now() < deadline, "no feed was fetched");
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        let store = setup.poller.store().lock();
        while server.seen().len() < 6 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let fetched_while_held = server.seen().len();
        drop(store);
        (poll.join().unwrap(), fetched_while_held)
    });
    assert_eq!(
        fetched_while_held, 6,
        "every feed is fetched while the first waits for the store"
    );
    assert_eq!(summary.fetched, 6, "{summary:?}");
    assert!(summary.failed.is_empty(), "{:?}", summary.failed);
    assert_eq!(summary.stories.new_stories, 18, "{summary:?}");
}
