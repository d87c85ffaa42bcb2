//! Full text for teaser feeds (`full_text = true`): through `feedloom
//! poll` and `feedloom export`, against one local server that serves a
//! teaser feed, the article pages its items link to, and a feed without
//! `full_text` whose links must never be fetched.

use std::process::Output;

use serde_json::Value;

use crate::support::{FixtureServer, feedloom, write_config};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[track_caller]
fn succeeded(output: Output) -> String {
    assert!(
        output.status.success(),
        "{}{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// An article page: navigation and footer around five paragraphs made of
/// `words` (each article its own, so no two are near duplicates), the
/// first and last marked so a test can tell the whole text arrived.
fn article_page(title: &str, topic: &str) -> String {
    let words: Vec<String> = (0..12).map(|i| format!("{topic}{i}")).collect();
    let body: String = (1..=5)
        .map(|n| {
            let sentence: Vec<&str> = (0..30)
                .map(|i| words[(i * n + i / 3) % words.len()].as_str())
                .collect();
            format!(
                "<p>Paragraph {n} of the {topic} report: {}.</p>\n",
                sentence.join(" ")
            )
        })
        .collect();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><nav><a href=\"/\">Home</a> <a href=\"/news\">News</a></nav>\
         <article><h1>{title}</h1>{body}<p>The {topic} report ends here.</p></article>\
         <footer>Copyright Teaser Times.</footer></body></html>"
    )
}

/// An RSS feed of `(guid, title, teaser, link path)` items.
fn rss(server: &FixtureServer, title: &str, items: &[(&str, &str, &str, &str)]) -> String {
    let items: String = items
        .iter()
        .map(|(guid, title, teaser, path)| {
            format!(
                "<item><guid>{guid}</guid><title>{title}</title><link>{}</link>\
                 <description>{teaser}</description></item>",
                server.url(path)
            )
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title}</title>\
         <link>{}</link>{items}</channel></rss>",
        server.url("/")
    )
}

fn exported(config: &std::path::Path) -> Vec<Value> {
    let json: Value = serde_json::from_str(&succeeded(feedloom(
        config,
        &["export", "--format", "json"],
    )))
    .unwrap();
    json["items"].as_array().unwrap().clone()
}

#[track_caller]
fn item<'a>(items: &'a [Value], title: &str) -> &'a Value {
    let found: Vec<&Value> = items.iter().filter(|i| i["title"] == title).collect();
    assert_eq!(found.len(), 1, "one story titled {title}: {items:#?}");
    found[0]
}

/// A teaser feed marked `full_text = true` is stored and published as the
/// whole articles (the teaser as the summary); each link is fetched once,
/// across polls in separate processes; a broken link keeps its teaser and
/// the feed's poll still succeeds; a feed without `full_text` never has
/// its links fetched.
#[test]
fn a_full_text_feed_is_published_as_whole_articles_fetched_once() {
    let server = FixtureServer::start();
    server.feed(
        "/articles/bees.html",
        article_page("Bees", "beekeeping"),
        "text/html; charset=utf-8",
    );
    server.feed(
        "/articles/rail.html",
        article_page("Rail", "railway"),
        "text/html; charset=utf-8",
    );
    server.feed(
        "/articles/front.html",
        "<html><body><p>Welcome.</p></body></html>",
        "text/html",
    );
    server.feed(
        "/plain/p1.html",
        article_page("Plain", "plain"),
        "text/html",
    );
    let bees_teaser = "Beekeepers counted their hives.";
    let rail_teaser = "The railway line reopens.";
    let broken_teaser = "This link leads nowhere.";
    let front_teaser = "This link leads to a front page.";
    let mut items = vec![
        ("g-bees", "Bees", bees_teaser, "/articles/bees.html"),
        ("g-rail", "Rail", rail_teaser, "/articles/rail.html"),
        (
            "g-broken",
            "Broken",
            broken_teaser,
            "/articles/missing.html",
        ),
        ("g-front", "Front", front_teaser, "/articles/front.html"),
    ];
    server.feed(
        "/teasers.rss",
        rss(&server, "Teaser Times", &items),
        "application/rss+xml",
    );
    server.feed(
        "/plain.rss",
        rss(
            &server,
            "Plain Post",
            &[(
                "p1",
                "Plain item",
                "The plain feed's own text.",
                "/plain/p1.html",
            )],
        ),
        "application/rss+xml",
    );
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &[server.url("/plain.rss")],
        &format!(
            "[[feeds]]\nurl = \"{}\"\nfull_text = true\n",
            server.url("/teasers.rss")
        ),
    );

    let said = succeeded(feedloom(&config, &["poll"]));
    assert!(said.contains("2 fetched, 0 unchanged, 0 failed"), "{said}");
    assert!(
        said.contains("full text: 2 articles fetched, 2 failed"),
        "{said}"
    );
    let fetched = |path: &str| server.seen().iter().filter(|s| s.path == path).count();
    for path in [
        "/articles/bees.html",
        "/articles/rail.html",
        "/articles/missing.html",
        "/articles/front.html",
    ] {
        assert_eq!(fetched(path), 1, "{path}");
    }
    assert_eq!(fetched("/plain/p1.html"), 0, "a feed without full_text");

    let stories = exported(&config);
    let bees = item(&stories, "Bees");
    let text_of = |story: &Value| story["content_text"].as_str().unwrap().to_owned();
    assert!(
        text_of(bees).contains("Paragraph 1 of the beekeeping report")
            && text_of(bees).contains("The beekeeping report ends here."),
        "{bees:#}"
    );
    assert!(!text_of(bees).contains("Copyright"), "{bees:#}");
    assert!(
        bees["content_html"]
            .as_str()
            .unwrap()
            .contains("<p>Paragraph 5 of the beekeeping report"),
        "{bees:#}"
    );
    assert_eq!(bees["summary"], bees_teaser);
    assert!(text_of(item(&stories, "Rail")).contains("The railway report ends here."));
    for (title, teaser) in [("Broken", broken_teaser), ("Front", front_teaser)] {
        let story = item(&stories, title);
        assert_eq!(text_of(story), teaser, "{story:#}");
        assert!(story.get("summary").is_none(), "{story:#}");
    }
    let plain = item(&stories, "Plain item");
    assert_eq!(text_of(plain), "The plain feed's own text.");
    assert!(plain.get("summary").is_none());

    // The feed changes (a new item, the others as they were): only the new
    // link is fetched, in this new process; the stored articles stay.
    items.push(("g-port", "Port", "The port expands.", "/articles/port.html"));
    server.feed(
        "/articles/port.html",
        article_page("Port", "harbour"),
        "text/html",
    );
    server.feed(
        "/teasers.rss",
        rss(&server, "Teaser Times", &items),
        "application/rss+xml",
    );
    let said = succeeded(feedloom(&config, &["poll"]));
    assert!(
        said.contains("full text: 1 articles fetched, 0 failed"),
        "{said}"
    );
    assert!(
        said.contains("stories: 1 new, 0 merged duplicates, 0 updated"),
        "{said}"
    );
    for path in [
        "/articles/bees.html",
        "/articles/rail.html",
        "/articles/missing.html",
        "/articles/front.html",
        "/articles/port.html",
    ] {
        assert_eq!(fetched(path), 1, "{path} fetched once in all");
    }
    let stories = exported(&config);
    let from_feeds = stories
        .iter()
        .filter(|story| story["_feedloom"]["origin"] == "feed")
        .count();
    assert_eq!(from_feeds, 6, "{stories:#?}");
    assert!(text_of(item(&stories, "Bees")).contains("The beekeeping report ends here."));
    assert!(text_of(item(&stories, "Port")).contains("The harbour report ends here."));
    assert_eq!(fetched("/plain/p1.html"), 0);
}
