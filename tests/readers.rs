//! What readers see of a story's byline and date, through `feedloom run`:
//! Atom, RSS, JSON Feed, the river and the story page must say the same.

use std::time::Duration;

use crate::daemon::{get, wait_until};
use crate::support::daemon::Daemon;
use crate::support::{FixtureServer, write_config_with};

const EVERY_SECOND: &str = "* * * * * *";
const NO_JITTER: &str = "[scheduler]\njitter = \"0s\"\n";

/// The addresses in the fixtures all use this domain: it must not appear
/// in anything feedloom serves.
const MAIL_DOMAIN: &str = "mail.test";

fn rss_with_bylines() -> String {
    let item = |n: u32, byline: &str| {
        format!(
            "<item><title>Byline story {n}</title><link>https://wire.example/b/{n}</link>\
             <guid>byline-{n}</guid><pubDate>Wed, 01 Jan 2025 0{n}:00:00 GMT</pubDate>{byline}\
             <description>Grain report number {n}: the {} harvest came in early.</description></item>\n",
            ["", "first", "second", "third", "fourth", "fifth"][n as usize]
        )
    };
    format!(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\
         <channel><title>Wire Feed</title><link>https://wire.example/</link><description>d</description>\n{}{}{}{}{}\
         </channel></rss>\n",
        item(1, "<author>desk@mail.test (Wire Desk)</author>"),
        item(2, "<author>only@mail.test</author>"),
        item(
            3,
            "<author>Jason Cross</author><dc:creator>Jason Cross</dc:creator>"
        ),
        item(
            4,
            "<dc:creator>Example editor (mailto:me@mail.test)</dc:creator>"
        ),
        item(
            5,
            "<author>Anna Field &lt;anna@mail.test&gt;</author><dc:creator>Ben Ray</dc:creator>"
        ),
    )
}

fn atom_with_bylines() -> &'static str {
    r#"<?xml version="1.0"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Mirror</title><id>urn:mirror</id>
<updated>2025-01-02T00:00:00Z</updated>
<entry><title>Byline story 6</title><id>urn:6</id><link href="https://mirror.example/6"/>
<updated>2025-01-02T00:00:00Z</updated>
<author><name>Jane Roe</name><email>jane@mail.test</email></author>
<author><name>John Doe</name></author>
<summary>Grain report number 6: the sixth harvest came in late.</summary></entry>
</feed>
"#
}

fn json_with_bylines() -> &'static str {
    r#"{"version": "https://jsonfeed.org/version/1", "title": "Desk",
        "items": [{"id": "7", "url": "https://desk.example/7", "title": "Byline story 7",
                   "date_published": "2025-01-03T00:00:00Z",
                   "author": {"name": "Ann <ann@mail.test>"},
                   "content_text": "Grain report number 7: the seventh harvest was small."}]}"#
}

/// The Atom entry, JSON Feed item and story page of the story titled
/// `title`: (Atom author names, JSON Feed author names, the story page's
/// "By …" line if any).
fn bylines(
    atom: &feed_rs::model::Feed,
    json: &serde_json::Value,
    daemon: &Daemon,
    title: &str,
) -> (Vec<String>, Vec<String>, Option<String>) {
    let entry = atom
        .entries
        .iter()
        .find(|e| e.title.as_ref().is_some_and(|t| t.content == title))
        .unwrap_or_else(|| panic!("no Atom entry {title}"));
    let atom_names = entry
        .authors
        .iter()
        .filter_map(|a| a.name.clone())
        .collect();
    assert!(
        entry.authors.iter().all(|a| a.email.is_none()),
        "{title}: an address in Atom"
    );
    let item = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["title"] == title)
        .unwrap_or_else(|| panic!("no JSON Feed item {title}"));
    let json_names = item["authors"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|a| a["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default();
    let uid = item["id"].as_str().unwrap();
    let page = get(&daemon.url(&format!("/stories/{uid}")));
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains(MAIL_DOMAIN),
        "{title}: an address on its page"
    );
    let by = page
        .body
        .split("By ")
        .nth(1)
        .and_then(|rest| rest.split(" · ").next())
        .map(str::to_owned);
    (atom_names, json_names, by)
}

#[test]
fn bylines_agree_in_atom_json_feed_and_the_story_page() {
    let server = FixtureServer::start();
    server.feed("/wire.rss", rss_with_bylines(), "application/rss+xml");
    server.feed("/mirror.atom", atom_with_bylines(), "application/atom+xml");
    server.feed("/desk.json", json_with_bylines(), "application/feed+json");
    let dir = tempfile::tempdir().unwrap();
    let urls = ["/wire.rss", "/mirror.atom", "/desk.json"].map(|p| server.url(p));
    let config = write_config_with(dir.path(), &urls, EVERY_SECOND, NO_JITTER);
    let mut daemon = Daemon::start(&config);
    wait_until(&daemon, "the 7 byline stories", || {
        let reply = get(&daemon.url("/feed.json?limit=100"));
        reply.status == 200 && (1..=7).all(|n| reply.body.contains(&format!("Byline story {n}\"")))
    });
    let atom_doc = get(&daemon.url("/feed.atom?limit=100")).body;
    let json_doc = get(&daemon.url("/feed.json?limit=100")).body;
    let rss_doc = get(&daemon.url("/feed.rss?limit=100")).body;
    for doc in [&atom_doc, &json_doc, &rss_doc] {
        assert!(!doc.contains(MAIL_DOMAIN), "an address was republished");
    }
    let atom = feed_rs::parser::parse(atom_doc.as_bytes()).unwrap();
    let json: serde_json::Value = serde_json::from_str(&json_doc).unwrap();

    let named = [
        ("Byline story 1", "Wire Desk"),
        ("Byline story 3", "Jason Cross"),
        ("Byline story 4", "Example editor"),
        ("Byline story 5", "Anna Field, Ben Ray"),
        ("Byline story 6", "Jane Roe, John Doe"),
        ("Byline story 7", "Ann"),
    ];
    for (title, name) in named {
        let (atom_names, json_names, by) = bylines(&atom, &json, &daemon, title);
        assert_eq!(atom_names, [name], "{title}: Atom");
        assert_eq!(json_names, [name], "{title}: JSON Feed");
        assert_eq!(by.as_deref(), Some(name), "{title}: story page");
    }
    // Only an address: no byline anywhere; Atom, which requires an author,
    // names the feed that carried it instead.
    let (atom_names, json_names, by) = bylines(&atom, &json, &daemon, "Byline story 2");
    assert_eq!(atom_names, ["Wire Feed"]);
    assert!(json_names.is_empty(), "{json_names:?}");
    assert_eq!(by, None);
    daemon.terminate(Duration::from_secs(10));
}

/// A polled story of 1 Jan 2025 (newer than the seeds' 2021, older than
/// the import), and one without a date (first seen now).
fn rss_of_today() -> &'static str {
    r#"<?xml version="1.0"?>
<rss version="2.0"><channel><title>Farm Wire</title><link>https://farm.example/</link>
<description>d</description>
<item><title>New year harvest figures</title><link>https://farm.example/1</link><guid>farm-1</guid>
<pubDate>Wed, 01 Jan 2025 12:00:00 GMT</pubDate>
<description>The cooperative counted its grain for the new year and found the silos full.</description></item>
<item><title>Undated market note</title><link>https://farm.example/2</link><guid>farm-2</guid>
<description>Buyers at the market talked of melons, apricots and the price of wool.</description></item>
</channel></rss>
"#
}

/// The uids of a river page's stories, in order.
fn river_uids(page: &str) -> Vec<String> {
    page.split("<h2><a href=\"")
        .skip(1)
        .filter_map(|rest| rest.split("/stories/").nth(1)?.get(..32))
        .map(str::to_owned)
        .collect()
}

/// The 32 hex digits of an Atom or RSS `urn:uuid:` id.
fn uid_of(urn: &str) -> String {
    urn.trim_start_matches("urn:uuid:").replace('-', "")
}

fn time_tag(date: &str) -> String {
    format!("<time datetime=\"{date}\">")
}

#[test]
fn seeds_are_dated_by_their_files_and_undated_ones_never_lead() {
    let server = FixtureServer::start();
    server.feed("/farm.rss", rss_of_today(), "application/rss+xml");
    let dir = tempfile::tempdir().unwrap();
    // The repository's five seed files: one names its date (a date line
    // under the headline, 23 August 2021), four name none.
    let config = write_config_with(
        dir.path(),
        &[server.url("/farm.rss")],
        EVERY_SECOND,
        NO_JITTER,
    );
    let mut daemon = Daemon::start(&config);
    wait_until(&daemon, "2 polled stories and 5 seeds", || {
        let reply = get(&daemon.url("/feed.json?limit=100"));
        let feed: serde_json::Value = serde_json::from_str(&reply.body).unwrap_or_default();
        feed["items"].as_array().map_or(0, Vec::len) == 7
    });

    let json: serde_json::Value =
        serde_json::from_str(&get(&daemon.url("/feed.json?limit=100")).body).unwrap();
    let items = json["items"].as_array().unwrap();
    let order: Vec<String> = items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    let titles: Vec<&str> = items.iter().map(|i| i["title"].as_str().unwrap()).collect();
    let seeds: Vec<&str> = items
        .iter()
        .map(|i| i["_feedloom"]["seed"].as_str().unwrap_or(""))
        .collect();
    // Today's undated item (first seen now), the item of 2025, the seed of
    // 2021, then the four undated seeds, never above any of them.
    assert_eq!(
        titles[..2],
        ["Undated market note", "New year harvest figures"]
    );
    assert_eq!(seeds[2], "003_969414e8ff3677b6.txt", "{seeds:?}");
    assert!(seeds[3..].iter().all(|s| !s.is_empty()), "{seeds:?}");
    let dates: Vec<Option<&str>> = items.iter().map(|i| i["date_published"].as_str()).collect();
    assert_eq!(dates[1], Some("2025-01-01T12:00:00Z"));
    assert_eq!(dates[2], Some("2021-08-23T00:00:00Z"), "the file's date");
    assert!(dates[0].is_some(), "first seen stands in for a polled item");
    assert_eq!(dates[3..], [None, None, None, None], "undated seeds");

    // Atom and RSS: the same entries in the same order, the same dates.
    for path in ["/feed.atom?limit=100", "/feed.rss?limit=100"] {
        let doc = feed_rs::parser::parse(get(&daemon.url(path)).body.as_bytes()).unwrap();
        let uids: Vec<String> = doc.entries.iter().map(|e| uid_of(&e.id)).collect();
        assert_eq!(uids, order, "{path}");
        for (entry, date) in doc.entries.iter().zip(&dates) {
            let published = entry
                .published
                .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true));
            assert_eq!(published.as_deref(), *date, "{path} {}", entry.id);
        }
        // Atom requires `updated`; an undated seed's claims no more than
        // when it was stored here.
        if path.starts_with("/feed.atom") {
            assert!(doc.entries.iter().all(|e| e.updated.is_some()));
        }
    }

    // The river: the same order, each story's date or "undated".
    let river = get(&daemon.url("/")).body;
    assert_eq!(river_uids(&river), order);
    for (uid, date) in order.iter().zip(&dates) {
        let item = river
            .split("<article class=\"story\">")
            .find(|item| item.contains(uid.as_str()))
            .unwrap();
        let page = get(&daemon.url(&format!("/stories/{uid}"))).body;
        let shown = date.map_or("undated".to_owned(), time_tag);
        assert!(item.contains(&shown), "river {uid}: {shown}");
        assert!(page.contains(&shown), "story page {uid}: {shown}");
    }
    assert_eq!(river.matches("undated").count(), 4);
    daemon.terminate(Duration::from_secs(10));
}
