//! The HTML river served by `feedloom run`: paging through a topic of 35
//! fixture stories and 5 seeds ten at a time, and the headers every page
//! carries.

use std::time::Duration;

use crate::daemon::{get, header, wait_until};
use crate::support::daemon::Daemon;
use crate::support::{FixtureServer, write_config_with};

const ITEMS: usize = 35;

/// "Harvest report 017": zero-padded, so no title contains another.
fn title(n: usize) -> String {
    format!("Harvest report {n:03}")
}

/// An RSS feed of `ITEMS` distinct stories on 1 Jan 2025, item `n`
/// published `n` minutes after midnight.
fn feed() -> String {
    let mut items = String::new();
    for n in 1..=ITEMS {
        items.push_str(&format!(
            "<item><title>{}</title><link>https://farm.example/{n}</link><guid>farm-{n}</guid>\
             <pubDate>Wed, 01 Jan 2025 {:02}:{:02}:00 GMT</pubDate>\
             <description>Field {n} brought in a distinct yield number {n} this season.</description></item>\n",
            title(n),
            n / 60,
            n % 60
        ));
    }
    format!(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Farm Wire</title>\
         <link>https://farm.example/</link><description>35 stories</description>\n{items}</channel></rss>\n"
    )
}

/// The body of the river page at `path`, after checking the status and the
/// headers every HTML page carries.
fn river(daemon: &Daemon, path: &str) -> String {
    let reply = get(&daemon.url(path));
    assert_eq!(reply.status, 200, "{path}: {}", reply.body);
    assert!(header(&reply, "content-type").starts_with("text/html"));
    let policy = header(&reply, "content-security-policy");
    assert!(
        policy.starts_with("default-src 'none'; style-src 'sha256-"),
        "{path}: {policy:?}"
    );
    assert_eq!(header(&reply, "x-content-type-options"), "nosniff");
    assert!(!reply.body.to_ascii_lowercase().contains("<script"));
    reply.body
}

/// The stories on a page in order, by the uid in their headline's link.
fn uids(page: &str) -> Vec<String> {
    page.split("<h2><a href=\"")
        .skip(1)
        .filter_map(|rest| rest.split("/stories/").nth(1)?.get(..32))
        .map(str::to_owned)
        .collect()
}

/// The fixture stories on a page, by number.
fn numbers(page: &str) -> Vec<usize> {
    page.split("Harvest report ")
        .skip(1)
        .filter_map(|rest| rest.get(..3)?.parse().ok())
        .collect()
}

#[test]
fn the_river_pages_through_older_stories() {
    let server = FixtureServer::start();
    server.feed("/farm.rss", feed(), "application/rss+xml");
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_with(
        dir.path(),
        &[server.url("/farm.rss")],
        "* * * * * *",
        "[scheduler]\njitter = \"0s\"\n",
    );
    let mut daemon = Daemon::start(&config);
    wait_until(&daemon, "all 35 stories and 5 seeds", || {
        let reply = get(&daemon.url("/feed.json?limit=100"));
        let feed: serde_json::Value = serde_json::from_str(&reply.body).unwrap_or_default();
        reply.status == 200 && feed["items"].as_array().map_or(0, Vec::len) == ITEMS + 5
    });

    // The default limit (50) shows all 40 on one page, without paging: the
    // order every page must follow: the 35 stories of 2025, the seed of
    // 2021, then the four seeds without a date, after every dated story.
    let all = river(&daemon, "/");
    let order = uids(&all);
    assert_eq!(order.len(), ITEMS + 5);
    let articles: Vec<&str> = all.split("<article class=\"story\">").skip(1).collect();
    assert!(
        articles[..ITEMS]
            .iter()
            .all(|a| !a.contains(">Seed article<"))
    );
    assert!(
        articles[ITEMS..]
            .iter()
            .all(|a| a.contains(">Seed article<"))
    );
    assert!(articles[ITEMS].contains("<time datetime=\"2021-08-23T00:00:00Z\">"));
    assert!(articles[ITEMS + 1..].iter().all(|a| a.contains("undated")));
    assert!(!all.contains("class=\"paging\""));

    // Page 1: the ten newest, a way to older ones, none to newer.
    let first = river(&daemon, "/?limit=10");
    assert_eq!(uids(&first), order[..10]);
    // "Older" names the last story shown: the next page starts there.
    assert!(
        first.contains(&format!(
            "/?page=2&amp;limit=10&amp;before={}\">Older stories",
            order[9]
        )),
        "{first}"
    );
    assert!(!first.contains("rel=\"prev\""));
    assert_eq!(uids(&river(&daemon, "/?limit=10&page=0")), order[..10]);

    // Page 2: the next ten, both ways.
    let second = river(&daemon, "/?limit=10&page=2");
    assert_eq!(uids(&second), order[10..20]);
    assert!(second.contains("/?limit=10\"><span aria-hidden=\"true\">←</span> Newer</a>"));
    assert!(second.contains(&format!(
        "/?page=3&amp;limit=10&amp;before={}\">Older stories",
        order[19]
    )));
    // Following "Older" (by index) gives the same pages as `?page=`.
    let by_key =
        |n: usize, last: &str| river(&daemon, &format!("/?limit=10&page={n}&before={last}"));
    assert_eq!(uids(&by_key(2, &order[9])), order[10..20]);
    let third = by_key(3, &order[19]);
    assert_eq!(uids(&third), order[20..30]);
    assert!(third.contains("<span>Page 3</span>"));
    let last = by_key(4, &order[29]);
    assert_eq!(uids(&last), order[30..]);
    assert!(!last.contains("rel=\"next\""));
    // A story id that is no longer stored leads to no stories, not an error;
    // anything else is refused.
    let gone = river(
        &daemon,
        "/?limit=10&before=00000000000000000000000000000000",
    );
    assert!(gone.contains("No older stories."));
    assert_eq!(get(&daemon.url("/?before=x%27%3B")).status, 400);
    assert!(second.contains("<title>Test topic · page 2</title>"));
    assert!(second.contains("<span>Page 2</span>"));

    // Page 4 is the last: no way further.
    assert_eq!(uids(&river(&daemon, "/?limit=10&page=3")), order[20..30]);
    let fourth = river(&daemon, "/?limit=10&page=4");
    assert_eq!(uids(&fourth), order[30..]);
    assert!(!fourth.contains("rel=\"next\"") && fourth.contains("rel=\"prev\""));
    // Every fixture story is on exactly one page.
    let mut seen: Vec<usize> = (1..=4)
        .flat_map(|n| numbers(&river(&daemon, &format!("/?limit=10&page={n}"))))
        .collect();
    seen.sort_unstable();
    assert_eq!(seen, (1..=ITEMS).collect::<Vec<_>>());
    assert_eq!(all.matches(">Seed article</span>").count(), 5);

    // Beyond the end, and far beyond (clamped), a way back.
    for path in ["/?limit=10&page=5", "/?page=999999"] {
        let page = river(&daemon, path);
        assert!(page.contains("No older stories."), "{path}");
        assert!(page.contains(">Back to the newest</a>"), "{path}");
        assert!(uids(&page).is_empty(), "{path}");
    }
    // Paging is the river's: a feed ignores `page`.
    assert_eq!(
        get(&daemon.url("/feed.atom?limit=10&page=2")).body,
        get(&daemon.url("/feed.atom?limit=10")).body
    );
    // A story page has the same headers.
    let uid = &order[0];
    let story = get(&daemon.url(&format!("/stories/{uid}")));
    assert_eq!(story.status, 200, "{uid}");
    assert!(header(&story, "content-security-policy").starts_with("default-src 'none'"));
    daemon.terminate(Duration::from_secs(10));
}
