//! Near-duplicate clusters end to end: a wire story and another outlet's
//! light rewrite, polled by the `feedloom` binary, exported as JSON Feed.

use std::process::Output;

use serde_json::Value;

use crate::support::{FixtureServer, feedloom, write_config};

const WIRE_TITLE: &str = "Dock workers at Port Halden begin 48-hour strike over pay";

const WIRE: &[&str] = &[
    "Dock workers at Port Halden walked out at six o'clock on Monday morning at the start of a \
     48-hour strike over pay, leaving eleven container ships waiting at anchor outside the harbour.",
    "The dockers' union said its members had rejected a pay offer of three per cent because it \
     fell well short of inflation, and that further strikes would follow next month if talks failed.",
    "The port authority said perishable cargo would be diverted to Westmouth and that the ferry \
     terminal, which is staffed by a different company, would operate normally during the strike.",
    "Port Halden handles about a fifth of the country's container traffic, and business groups \
     warned that a long dispute could empty supermarket shelves of fresh fruit within a week.",
];

const REWRITE_TITLE: &str = "Port Halden dockers strike for two days in pay row";

/// The same story as a second outlet runs it: new headline, a few words
/// changed, one paragraph added.
const REWRITE: &[&str] = &[
    "Dock workers at Port Halden walked out at six o'clock on Monday morning at the start of a \
     48-hour strike over wages, leaving eleven container ships waiting at anchor outside the harbour.",
    "The dockers' union said its members had turned down a pay offer of three per cent because it \
     fell well short of inflation, and that further strikes would follow next month if talks failed.",
    "The port authority said perishable cargo would be sent to Westmouth and that the ferry \
     terminal, which is staffed by a different company, would run normally during the strike.",
    "Port Halden handles about a fifth of the country's container traffic, and business groups \
     warned that a long dispute could empty supermarket shelves of fresh fruit within a week.",
    "Talks between the union and the port's operators are due to resume on Thursday.",
];

fn rss(title: &str, site: &str, guid: &str, headline: &str, paragraphs: &[&str]) -> String {
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>")).collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{title}</title>\
         <link>https://{site}/</link><description>fixture</description>\
         <item><title>{headline}</title><link>https://{site}/{guid}</link>\
         <guid isPermaLink=\"false\">{guid}</guid><pubDate>Mon, 06 Oct 2025 09:00:00 GMT</pubDate>\
         <description><![CDATA[{body}]]></description></item></channel></rss>"
    )
}

fn run(config: &std::path::Path, args: &[&str]) -> Output {
    let output = feedloom(config, args);
    assert!(
        output.status.success(),
        "{args:?}: {}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// The exported items that came from feeds (the seeds are there too).
fn feed_items(config: &std::path::Path) -> Vec<Value> {
    let export = run(config, &["export", "--format", "json"]);
    let feed: Value = serde_json::from_slice(&export.stdout).unwrap();
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|item| item["_feedloom"]["origin"] == "feed")
        .cloned()
        .collect()
}

#[test]
fn a_rewrite_from_another_feed_joins_the_entry_and_keeps_its_id() {
    let server = FixtureServer::start();
    server.feed(
        "/wire.rss",
        rss("Halden Wire", "wire.example", "w-1", WIRE_TITLE, WIRE),
        "application/rss+xml",
    );
    server.feed(
        "/coast.rss",
        rss(
            "Coast Herald",
            "coast.example",
            "c-9",
            REWRITE_TITLE,
            REWRITE,
        ),
        "application/rss+xml",
    );
    let dir = tempfile::tempdir().unwrap();
    let wire_url = server.url("/wire.rss");
    let coast_url = server.url("/coast.rss");

    // The wire alone first.
    let config = write_config(dir.path(), std::slice::from_ref(&wire_url), "");
    run(&config, &["poll"]);
    let before = feed_items(&config);
    assert_eq!(before.len(), 1, "{before:#?}");
    let id = before[0]["id"].as_str().unwrap().to_owned();
    assert!(before[0]["_feedloom"].get("also_reported_by").is_none());

    // Then the second outlet.
    let config = write_config(dir.path(), &[wire_url.clone(), coast_url.clone()], "");
    let poll = run(&config, &["poll"]);
    let text = String::from_utf8_lossy(&poll.stdout);
    assert!(text.contains("1 new"), "{text}");
    let after = feed_items(&config);
    assert_eq!(after.len(), 1, "one entry per cluster: {after:#?}");
    let entry = &after[0];
    assert_eq!(entry["id"], id.as_str(), "the entry's id is the founder's");
    assert_eq!(entry["title"], WIRE_TITLE);
    let sources = entry["_feedloom"]["sources"].as_array().unwrap();
    assert_eq!(sources.len(), 1);
    assert_eq!(sources[0]["feed_url"], wire_url.as_str());
    let also = entry["_feedloom"]["also_reported_by"].as_array().unwrap();
    assert_eq!(also.len(), 1, "{also:#?}");
    assert_eq!(also[0]["feed_url"], coast_url.as_str());
    assert_eq!(also[0]["feed_title"], "Coast Herald");
    assert_eq!(also[0]["title"], REWRITE_TITLE);
    assert_eq!(also[0]["url"], "https://coast.example/c-9");
    assert_ne!(also[0]["id"], id.as_str());

    // Polling again changes nothing.
    run(&config, &["poll"]);
    let again = feed_items(&config);
    assert_eq!(again.len(), 1);
    assert_eq!(again[0]["id"], id.as_str());
}
