//! Renderer tests on hand-built stories: a seed without a link, a feed story
//! carried by three feeds, and one with a hostile title. The XML documents
//! are read back with feed-rs (what a reader sees) and quick-xml (that they
//! are well-formed at all).

use chrono::{DateTime, TimeZone, Utc};
use quick_xml::XmlVersion;
use quick_xml::events::Event;
use url::Url;

use super::html::{MAX_PAGE, Paging, TopicLink};
use super::opml::Outline;
use super::{FeedMeta, atom, html, jsonfeed, opml, rss, search};
use crate::store::{
    AlsoReported, Fragment, Highlighted, Origin, SearchHit, Source, StoredStory, StoryId,
};

const XML_1_0: XmlVersion = XmlVersion::Implicit1_0;
const SEED_UID: &str = "0123456789abcdef0123456789abcdef";
const WIRE_UID: &str = "fedcba9876543210fedcba9876543210";
const HOSTILE_UID: &str = "00000000111122223333444444444444";
const HOSTILE_TITLE: &str = "<script>&\"]]>\u{1}alert";
const HOSTILE_TITLE_CLEAN: &str = "<script>&\"]]>alert";

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 6, day, hour, 0, 0).unwrap()
}

fn meta(self_path: &str) -> FeedMeta {
    let site_url = Url::parse("https://loom.example/topic/").unwrap();
    FeedMeta {
        title: "SCO & friends".to_owned(),
        self_url: site_url.join(self_path).unwrap(),
        root_url: site_url.clone(),
        site_url,
        updated: at(3, 12),
    }
}

fn source(feed: &str, title: Option<&str>, link: Option<&str>, day: u32) -> Source {
    Source {
        feed_url: format!("https://{feed}/feed.xml"),
        feed_title: title.map(str::to_owned),
        guid: format!("{feed}-guid"),
        link: link.map(str::to_owned),
        seen_at: at(day, 9),
    }
}

fn seed() -> StoredStory {
    StoredStory {
        id: StoryId(1),
        uid: SEED_UID.to_owned(),
        origin: Origin::Seed,
        seed_key: Some("sco-summit.txt".to_owned()),
        title: "Moscow-led bloc agrees to step up interaction".to_owned(),
        link: None,
        author: None,
        content_html: "<p>The seed text.</p>".to_owned(),
        content_text: "The seed text.".to_owned(),
        published_at: Some(at(1, 8)),
        updated_at: None,
        first_seen_at: at(2, 8),
        changed_at: at(2, 8),
        summary: None,
        sources: vec![],
        also_reported_by: vec![],
    }
}

fn wire() -> StoredStory {
    let words = "Ministers met in Dushanbe to agree on border security. ".repeat(20);
    StoredStory {
        id: StoryId(2),
        uid: WIRE_UID.to_owned(),
        origin: Origin::Feed,
        seed_key: None,
        title: "Ministers meet in Dushanbe".to_owned(),
        link: Some("https://news.example/dushanbe".to_owned()),
        author: Some("A. Reporter".to_owned()),
        content_html: format!("<p>{words}</p>"),
        content_text: words,
        published_at: None,
        updated_at: None,
        first_seen_at: at(2, 10),
        changed_at: at(3, 11),
        summary: None,
        sources: vec![
            source(
                "news.example",
                Some("News Example"),
                Some("https://news.example/dushanbe"),
                2,
            ),
            source(
                "wire.example",
                Some("Wire Example"),
                Some("https://wire.example/a/1"),
                2,
            ),
            source("echo.example", None, None, 3),
        ],
        also_reported_by: vec![],
    }
}

fn hostile() -> StoredStory {
    StoredStory {
        id: StoryId(3),
        uid: HOSTILE_UID.to_owned(),
        origin: Origin::Feed,
        seed_key: None,
        title: HOSTILE_TITLE.to_owned(),
        link: Some("javascript:alert(1)".to_owned()),
        author: None,
        content_html: "<p>Body ]]&gt; &amp; more</p>".to_owned(),
        content_text: "Body ]]> & more".to_owned(),
        published_at: Some(at(3, 7)),
        updated_at: None,
        first_seen_at: at(3, 8),
        changed_at: at(3, 8),
        summary: None,
        sources: vec![source(
            "evil.example",
            Some("Evil & <Co> \u{1}"),
            Some("https://evil.example/x?a=1&b=2"),
            3,
        )],
        also_reported_by: vec![],
    }
}

fn stories() -> Vec<StoredStory> {
    vec![hostile(), wire(), seed()]
}

fn urn(uid: &str) -> String {
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &uid[0..8],
        &uid[8..12],
        &uid[12..16],
        &uid[16..20],
        &uid[20..]
    )
}

/// Reads every event of `doc`; fails on the first well-formedness error.
/// Returns the number of elements named `name` and their attributes.
fn xml_elements(doc: &str, name: &str) -> Vec<Vec<(String, String)>> {
    let mut reader = quick_xml::Reader::from_str(doc);
    reader.config_mut().check_end_names = true;
    let mut found = vec![];
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(e) | Event::Empty(e)) => {
                for attr in e.attributes() {
                    attr.unwrap().normalized_value(XML_1_0).unwrap();
                }
                if e.name().as_ref() == name {
                    found.push(
                        e.attributes()
                            .map(|a| {
                                let a = a.unwrap();
                                (
                                    a.key.as_ref().to_owned(),
                                    a.normalized_value(XML_1_0).unwrap().into_owned(),
                                )
                            })
                            .collect(),
                    );
                }
            }
            // Only the five predefined entities and character references
            // exist in these documents (no DTD).
            Ok(Event::GeneralRef(r)) => {
                let known =
                    ["lt", "gt", "amp", "quot", "apos"].contains(&r.xml_content(XML_1_0).as_ref());
                assert!(
                    known || r.resolve_char_ref().unwrap().is_some(),
                    "unknown entity {r:?}"
                );
            }
            Ok(_) => {}
            Err(error) => panic!("not well-formed at {}: {error}", reader.error_position()),
        }
    }
    found
}

fn attr<'a>(attrs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    attrs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

fn no_control_chars(doc: &str) {
    assert!(
        !doc.chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t')),
        "control character in output"
    );
}

fn entry<'a>(feed: &'a feed_rs::model::Feed, uid: &str) -> &'a feed_rs::model::Entry {
    let id = urn(uid);
    feed.entries
        .iter()
        .find(|e| e.id == id)
        .unwrap_or_else(|| panic!("no entry {id}"))
}

#[test]
fn atom_reads_back_with_feed_rs() {
    let meta = meta("feed.atom");
    let doc = atom::render(&meta, &stories());
    xml_elements(&doc, "entry");
    no_control_chars(&doc);
    let feed = feed_rs::parser::parse(doc.as_bytes()).unwrap();
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::Atom);
    assert_eq!(feed.title.as_ref().unwrap().content, "SCO & friends");
    assert_eq!(feed.updated, Some(at(3, 12)));
    assert!(feed.id.starts_with("urn:uuid:"), "{}", feed.id);
    assert_eq!(feed.entries.len(), 3);
    let ids: Vec<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, [urn(HOSTILE_UID), urn(WIRE_UID), urn(SEED_UID)]);

    let seed = entry(&feed, SEED_UID);
    assert_eq!(
        seed.links[0].href,
        "https://loom.example/topic/stories/0123456789abcdef0123456789abcdef"
    );
    assert_eq!(seed.links.len(), 1, "a seed's page is its alternate link");
    assert_eq!(seed.published, Some(at(1, 8)));
    assert_eq!(seed.updated, Some(at(2, 8)));
    assert_eq!(seed.authors[0].name.as_deref(), Some("SCO & friends"));

    let wire = entry(&feed, WIRE_UID);
    assert_eq!(
        wire.title.as_ref().unwrap().content,
        "Ministers meet in Dushanbe"
    );
    let alternate = wire
        .links
        .iter()
        .find(|l| l.rel.as_deref() == Some("alternate"));
    assert_eq!(alternate.unwrap().href, "https://news.example/dushanbe");
    let via: Vec<&str> = wire
        .links
        .iter()
        .filter(|l| l.rel.as_deref() == Some("via"))
        .map(|l| l.href.as_str())
        .collect();
    assert_eq!(
        via,
        [
            "https://news.example/dushanbe",
            "https://wire.example/a/1",
            "https://echo.example/feed.xml"
        ]
    );
    assert_eq!(wire.published, Some(at(2, 10)), "first seen stands in");
    assert_eq!(wire.updated, Some(at(3, 11)));
    assert_eq!(wire.authors[0].name.as_deref(), Some("A. Reporter"));

    let hostile = entry(&feed, HOSTILE_UID);
    assert_eq!(hostile.title.as_ref().unwrap().content, HOSTILE_TITLE_CLEAN);
    assert_eq!(
        hostile.links[0].href,
        "https://loom.example/topic/stories/00000000111122223333444444444444",
        "a javascript: link is not republished"
    );
    assert_eq!(hostile.authors[0].name.as_deref(), Some("Evil & <Co> "));
    let body = hostile.content.as_ref().unwrap().body.as_deref().unwrap();
    assert_eq!(body, "<p>Body ]]&gt; &amp; more</p>");
}

#[test]
fn rss_reads_back_with_feed_rs() {
    let meta = meta("feed.rss");
    let doc = rss::render(&meta, &stories());
    xml_elements(&doc, "item");
    no_control_chars(&doc);
    let feed = feed_rs::parser::parse(doc.as_bytes()).unwrap();
    assert_eq!(feed.feed_type, feed_rs::model::FeedType::RSS2);
    assert_eq!(feed.title.as_ref().unwrap().content, "SCO & friends");
    assert_eq!(feed.entries.len(), 3);
    let ids: Vec<&str> = feed.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, [urn(HOSTILE_UID), urn(WIRE_UID), urn(SEED_UID)]);

    let seed = entry(&feed, SEED_UID);
    assert_eq!(
        seed.links[0].href,
        "https://loom.example/topic/stories/0123456789abcdef0123456789abcdef"
    );
    assert_eq!(seed.published, Some(at(1, 8)));
    assert_eq!(seed.authors[0].name.as_deref(), Some("SCO & friends"));

    let wire = entry(&feed, WIRE_UID);
    assert_eq!(wire.links[0].href, "https://news.example/dushanbe");
    assert_eq!(wire.published, Some(at(2, 10)));
    assert_eq!(wire.authors[0].name.as_deref(), Some("A. Reporter"));
    let description = wire.summary.as_ref().unwrap().content.as_str();
    assert!(description.starts_with("<p>Ministers met"), "{description}");

    let hostile = entry(&feed, HOSTILE_UID);
    assert_eq!(hostile.title.as_ref().unwrap().content, HOSTILE_TITLE_CLEAN);

    // One <source> per item with a source feed, naming the first feed.
    let sources = xml_elements(&doc, "source");
    let urls: Vec<&str> = sources.iter().filter_map(|a| attr(a, "url")).collect();
    assert_eq!(
        urls,
        [
            "https://evil.example/feed.xml",
            "https://news.example/feed.xml"
        ]
    );
    let self_link = xml_elements(&doc, "atom:link");
    assert_eq!(
        attr(&self_link[0], "href"),
        Some("https://loom.example/topic/feed.rss")
    );
}

#[test]
fn ids_do_not_depend_on_render_or_order() {
    let meta = meta("feed.atom");
    let ids = |stories: &[StoredStory]| {
        let feed = feed_rs::parser::parse(atom::render(&meta, stories).as_bytes()).unwrap();
        let mut pairs: Vec<(String, String)> = feed
            .entries
            .into_iter()
            .map(|e| (e.title.unwrap().content, e.id))
            .collect();
        pairs.sort();
        (feed.id, pairs)
    };
    let forward = ids(&stories());
    let mut reversed = stories();
    reversed.reverse();
    assert_eq!(forward, ids(&stories()));
    assert_eq!(forward, ids(&reversed));
    assert_eq!(forward, ids(&[seed(), hostile(), wire()]));

    let rss_guids = |stories: &[StoredStory]| {
        let mut guids: Vec<String> = feed_rs::parser::parse(rss::render(&meta, stories).as_bytes())
            .unwrap()
            .entries
            .into_iter()
            .map(|e| e.id)
            .collect();
        guids.sort();
        guids
    };
    assert_eq!(rss_guids(&stories()), rss_guids(&reversed));

    // Another site is another feed.
    let mut elsewhere = meta.clone();
    elsewhere.site_url = Url::parse("https://other.example/").unwrap();
    let other = feed_rs::parser::parse(atom::render(&elsewhere, &[]).as_bytes()).unwrap();
    assert_ne!(other.id, forward.0);
}

#[test]
fn also_reported_by_only_with_more_than_one_source() {
    let note = "Also reported by";
    let meta = meta("feed.atom");
    let feed = feed_rs::parser::parse(atom::render(&meta, &stories()).as_bytes()).unwrap();
    let content = |uid| {
        entry(&feed, uid)
            .content
            .as_ref()
            .unwrap()
            .body
            .clone()
            .unwrap()
    };
    let wire = content(WIRE_UID);
    assert!(wire.contains(note), "{wire}");
    assert!(wire.contains("<a href=\"https://wire.example/a/1\">Wire Example</a>"));
    assert!(
        wire.contains(
            "<a href=\"https://echo.example/feed.xml\">https://echo.example/feed.xml</a>"
        )
    );
    assert!(!content(SEED_UID).contains(note));
    assert!(!content(HOSTILE_UID).contains(note));

    let rss = feed_rs::parser::parse(rss::render(&meta, &stories()).as_bytes()).unwrap();
    let summary = |uid| entry(&rss, uid).summary.as_ref().unwrap().content.clone();
    assert!(summary(WIRE_UID).contains(note));
    assert!(!summary(SEED_UID).contains(note));
    assert!(!summary(HOSTILE_UID).contains(note));
}

#[test]
fn river_is_safe_and_discoverable() {
    let meta = meta("");
    let page = html::river(&meta, &[], Paging::default(), &stories());
    for alternate in [
        "<link rel=\"alternate\" type=\"application/atom+xml\" title=\"SCO &amp; friends (Atom)\" href=\"https://loom.example/topic/feed.atom\">",
        "<link rel=\"alternate\" type=\"application/rss+xml\" title=\"SCO &amp; friends (RSS)\" href=\"https://loom.example/topic/feed.rss\">",
        "<link rel=\"alternate\" type=\"application/feed+json\" title=\"SCO &amp; friends (JSON Feed)\" href=\"https://loom.example/topic/feed.json\">",
    ] {
        assert!(page.contains(alternate), "missing {alternate}");
    }
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(!page.to_ascii_lowercase().contains("<script"));
    assert!(!page.contains("javascript:"));
    assert!(page.contains("&lt;script&gt;&amp;&quot;]]&gt;alert"));
    assert!(page.contains("Evil &amp; &lt;Co&gt;"));
    assert!(page.contains("href=\"https://evil.example/x?a=1&amp;b=2\""));
    assert_eq!(page.matches("<article class=\"story\">").count(), 3);
    assert!(page.contains(
        "<h2><a href=\"https://loom.example/topic/stories/fedcba9876543210fedcba9876543210\">"
    ));
    assert!(page.contains("<time datetime=\"2025-06-02T10:00:00Z\">2 Jun 2025, 10:00 UTC</time>"));
    // An excerpt, not the whole text.
    let text = wire().content_text;
    assert!(!page.contains(text.trim()));
    assert!(page.contains("Ministers met in Dushanbe to agree on border security. Ministers"));
    no_control_chars(&page);
}

#[test]
fn story_page_lists_every_source() {
    let meta = meta("");
    let page = html::story_page(&meta, &[], &wire());
    assert!(page.contains(&wire().content_html));
    assert!(page.contains("By A. Reporter"));
    assert!(page.contains(
        "<a href=\"https://news.example/dushanbe\">Read the original at News Example <span aria-hidden=\"true\">→</span></a>"
    ));
    assert!(page.contains("<a href=\"https://wire.example/a/1\">Wire Example</a>"));
    assert_eq!(page.matches("<li>").count(), 3);
    assert!(!page.contains("seed article"));

    let seed_page = html::story_page(&meta, &[], &seed());
    assert!(seed_page.contains("A seed article of this topic"));
    assert!(!seed_page.contains("Read the original"));

    let hostile_page = html::story_page(&meta, &[], &hostile());
    assert!(!hostile_page.to_ascii_lowercase().contains("<script"));
    assert!(!hostile_page.contains("javascript:"));
    assert!(hostile_page.contains("<h1>&lt;script&gt;&amp;&quot;]]&gt;alert</h1>"));
    no_control_chars(&hostile_page);
}

#[test]
fn opml_has_one_outline_per_feed() {
    let outlines = vec![
        Outline {
            title: Some("Evil & <Co> \u{1}\"".to_owned()),
            xml_url: "https://evil.example/feed.xml?a=1&b=2".to_owned(),
            html_url: Some("https://evil.example/".to_owned()),
            category: None,
        },
        Outline {
            title: None,
            xml_url: "https://plain.example/rss".to_owned(),
            html_url: None,
            category: None,
        },
    ];
    let doc = opml::render("SCO ]]> feeds", &outlines);
    no_control_chars(&doc);
    let found = xml_elements(&doc, "outline");
    assert_eq!(found.len(), 2);
    assert_eq!(
        attr(&found[0], "xmlUrl"),
        Some("https://evil.example/feed.xml?a=1&b=2")
    );
    assert_eq!(attr(&found[0], "text"), Some("Evil & <Co> \""));
    assert_eq!(attr(&found[0], "htmlUrl"), Some("https://evil.example/"));
    assert_eq!(attr(&found[1], "text"), Some("https://plain.example/rss"));
    assert_eq!(attr(&found[1], "htmlUrl"), None);
    assert_eq!(
        xml_elements(&doc, "opml")[0],
        [("version".to_owned(), "2.0".to_owned())]
    );
    assert!(doc.contains("<title>SCO ]]&gt; feeds</title>"));
}

#[test]
fn empty_feeds_are_valid_documents() {
    let meta = meta("feed.atom");
    let atom = feed_rs::parser::parse(atom::render(&meta, &[]).as_bytes()).unwrap();
    assert!(atom.entries.is_empty());
    let rss = feed_rs::parser::parse(rss::render(&meta, &[]).as_bytes()).unwrap();
    assert!(rss.entries.is_empty());
    let river = html::river(&meta, &[], Paging::default(), &[]);
    assert!(river.contains("No stories yet."));
    assert!(!river.contains("class=\"paging\""));
}

#[test]
fn odd_uids_and_dates_do_not_break_the_feeds() {
    let mut odd = wire();
    odd.uid = "not-hex <&>".to_owned();
    odd.published_at = Some(Utc.with_ymd_and_hms(20250, 1, 1, 0, 0, 0).unwrap());
    let meta = meta("feed.rss");
    let rss = rss::render(&meta, std::slice::from_ref(&odd));
    let atom = atom::render(&meta, std::slice::from_ref(&odd));
    xml_elements(&rss, "item");
    xml_elements(&atom, "entry");
    let id = &feed_rs::parser::parse(atom.as_bytes()).unwrap().entries[0].id;
    assert!(id.starts_with("urn:uuid:") && id.len() == 45, "{id}");
    assert_eq!(
        id,
        &feed_rs::parser::parse(rss.as_bytes()).unwrap().entries[0].id
    );
    assert!(rss.contains("<pubDate>Fri, 31 Dec 9999 23:59:59 +0000</pubDate>"));
}

const UNDATED_UID: &str = "99999999888877776666555555555555";

/// A seed whose file named no date, imported after everything else.
fn undated_seed() -> StoredStory {
    let mut story = seed();
    story.id = StoryId(4);
    story.uid = UNDATED_UID.to_owned();
    story.seed_key = Some("no-date.txt".to_owned());
    story.title = "An article from some year".to_owned();
    story.published_at = None;
    story.first_seen_at = at(4, 9);
    story.changed_at = at(4, 9);
    story
}

/// Every format says the same of each story's date: its own (the seed's
/// file date, the hostile story's feed date), first seen for a feed story
/// without one, and nothing at all for the undated seed, whose import time
/// is not when it was written.
#[test]
fn every_format_gives_a_story_the_same_date_or_none() {
    let list = vec![hostile(), wire(), seed(), undated_seed()];
    let want = [
        (HOSTILE_UID, Some(at(3, 7))),
        (WIRE_UID, Some(at(2, 10))),
        (SEED_UID, Some(at(1, 8))),
        (UNDATED_UID, None),
    ];
    for story in &list {
        let expected = want.iter().find(|(uid, _)| *uid == story.uid).unwrap().1;
        assert_eq!(story.date(), expected, "{}", story.uid);
    }

    let atom = feed_rs::parser::parse(atom::render(&meta("feed.atom"), &list).as_bytes()).unwrap();
    let rss = feed_rs::parser::parse(rss::render(&meta("feed.rss"), &list).as_bytes()).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&jsonfeed::render(&meta("feed.json"), &list).unwrap()).unwrap();
    let river = html::river(&meta(""), &[], Paging::default(), &list);
    for (uid, date) in want {
        assert_eq!(entry(&atom, uid).published, date, "Atom {uid}");
        assert_eq!(entry(&rss, uid).published, date, "RSS {uid}");
        let item = json["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|item| item["id"] == uid)
            .unwrap();
        let json_date = item["date_published"]
            .as_str()
            .map(|d| DateTime::parse_from_rfc3339(d).unwrap().with_timezone(&Utc));
        assert_eq!(json_date, date, "JSON Feed {uid}");
        let story = list.iter().find(|s| s.uid == uid).unwrap();
        let page = html::story_page(&meta(""), &[], story);
        let shown = match date {
            Some(date) => format!("<time datetime=\"{}\">", date.format("%Y-%m-%dT%H:%M:%SZ")),
            None => "undated".to_owned(),
        };
        assert!(page.contains(&shown), "story page {uid}: {shown}");
        // On the river, in the story's own meta line.
        let item = river
            .split("<article class=\"story\">")
            .find(|item| item.contains(uid))
            .unwrap();
        let meta_line = item.split("<p class=\"meta\">").nth(1).unwrap();
        let meta_line = meta_line.split("</p>").next().unwrap();
        assert!(meta_line.contains(&shown), "river {uid}: {meta_line}");
    }
    // Atom requires `updated`: the undated seed's is when it was stored
    // here, and it has no `published`.
    let undated = entry(&atom, UNDATED_UID);
    assert_eq!(undated.updated, Some(at(4, 9)));
    let doc = atom::render(&meta("feed.atom"), &[undated_seed()]);
    assert!(!doc.contains("<published>"), "{doc}");
    let doc = rss::render(&meta("feed.rss"), &[undated_seed()]);
    assert!(!doc.contains("<pubDate>"), "{doc}");
}

const MEMBER_UID: &str = "abababababababababababababababab";

/// The seed as the entry of a cluster with two other outlets' versions.
fn clustered() -> StoredStory {
    let mut story = seed();
    story.also_reported_by = vec![
        AlsoReported {
            uid: MEMBER_UID.to_owned(),
            title: "Putin & Xi talk <Afghanistan>".to_owned(),
            link: Some("https://mirror.example/p/1".to_owned()),
            feed_url: "https://mirror.example/feed".to_owned(),
            feed_title: Some("Mirror & Co".to_owned()),
        },
        AlsoReported {
            uid: HOSTILE_UID.to_owned(),
            title: "Hostile".to_owned(),
            link: Some("javascript:alert(1)".to_owned()),
            feed_url: "https://evil.example/feed".to_owned(),
            feed_title: None,
        },
    ];
    story
}

fn member(
    uid: &str,
    title: &str,
    link: Option<&str>,
    feed: &str,
    name: Option<&str>,
) -> AlsoReported {
    AlsoReported {
        uid: uid.repeat(32 / uid.len()),
        title: title.to_owned(),
        link: link.map(str::to_owned),
        feed_url: feed.to_owned(),
        feed_title: name.map(str::to_owned),
    }
}

/// The wire story in a cluster of four other reports: two from one outlet,
/// one without a link, one with a link that must not be republished.
fn clustered_wire() -> StoredStory {
    let mut story = wire();
    story.also_reported_by = vec![
        member(
            "a",
            "Talks in \"Dushanbe\" <b>",
            Some("https://other.example/a?x=1&y=2"),
            "https://other.example/rss",
            Some("Other & Co"),
        ),
        member(
            "b",
            "Second report from Other",
            Some("https://other.example/b"),
            "https://other.example/rss",
            Some("Other & Co"),
        ),
        member("c", "No link", None, "https://www.third.example/feed", None),
        member(
            "d",
            "Hostile link",
            Some("javascript:alert(1)"),
            "https://fourth.example/feed",
            Some("Fourth"),
        ),
    ];
    story
}

#[test]
fn cluster_members_are_named_in_every_format() {
    let stories = vec![clustered()];
    let note = "Also reported by";

    let atom_doc = atom::render(&meta("feed.atom"), &stories);
    let related: Vec<_> = xml_elements(&atom_doc, "link")
        .into_iter()
        .filter(|a| attr(a, "rel") == Some("related"))
        .filter_map(|a| attr(&a, "href").map(str::to_owned))
        .collect();
    assert!(
        related.contains(&"https://mirror.example/p/1".to_owned()),
        "{related:?}"
    );
    // No javascript: href; the hostile member links to its feed instead.
    assert!(
        related.contains(&"https://evil.example/feed".to_owned()),
        "{related:?}"
    );
    assert!(!atom_doc.contains("javascript:"));
    let feed = feed_rs::parser::parse(atom_doc.as_bytes()).unwrap();
    let content = entry(&feed, SEED_UID)
        .content
        .as_ref()
        .unwrap()
        .body
        .clone()
        .unwrap();
    assert!(content.contains(note), "{content}");
    assert!(content.contains("<a href=\"https://mirror.example/p/1\">Mirror &amp; Co</a>"));

    let rss_doc = rss::render(&meta("feed.rss"), &stories);
    let rss_feed = feed_rs::parser::parse(rss_doc.as_bytes()).unwrap();
    let summary = entry(&rss_feed, SEED_UID)
        .summary
        .as_ref()
        .unwrap()
        .content
        .clone();
    assert!(
        summary.contains(note) && summary.contains("Mirror &amp; Co"),
        "{summary}"
    );

    let json: serde_json::Value =
        serde_json::from_str(&jsonfeed::render(&meta("feed.json"), &stories).unwrap()).unwrap();
    let reports = &json["items"][0]["_feedloom"]["also_reported_by"];
    assert_eq!(reports[0]["id"], MEMBER_UID);
    assert_eq!(reports[0]["url"], "https://mirror.example/p/1");
    assert_eq!(reports[0]["title"], "Putin & Xi talk <Afghanistan>");
    assert_eq!(reports[0]["feed_url"], "https://mirror.example/feed");
    assert_eq!(reports[0]["feed_title"], "Mirror & Co");
    assert!(reports[1].get("feed_title").is_none());
    // Absent, not empty, for a story alone in its cluster.
    let alone: serde_json::Value =
        serde_json::from_str(&jsonfeed::render(&meta("feed.json"), &[seed()]).unwrap()).unwrap();
    assert!(
        alone["items"][0]["_feedloom"]
            .get("also_reported_by")
            .is_none()
    );

    // HTML: see the river and story page tests below.
}

#[test]
fn river_names_the_clusters_other_outlets_once_each() {
    let meta = meta("");
    let page = html::river(
        &meta,
        &[],
        Paging::default(),
        &[clustered_wire(), hostile()],
    );
    let also = page
        .lines()
        .find(|line| line.starts_with("<p class=\"also\">"))
        .unwrap_or_else(|| panic!("no also line in\n{page}"));
    assert_eq!(
        also,
        "<p class=\"also\">Also reported by: \
         <a href=\"https://other.example/a?x=1&amp;y=2\" title=\"Talks in &quot;Dushanbe&quot; &lt;b&gt;\">Other &amp; Co</a>, \
         <a href=\"https://loom.example/topic/stories/cccccccccccccccccccccccccccccccc\" title=\"No link\">third.example</a>, \
         <a href=\"https://loom.example/topic/stories/dddddddddddddddddddddddddddddddd\" title=\"Hostile link\">Fourth</a></p>"
    );
    assert_eq!(
        page.matches("<p class=\"also\">").count(),
        1,
        "only the clustered story"
    );
    assert!(!page.contains("javascript:"));
    // The outlets that carried this very text are in the story's line.
    assert!(page.contains("<a href=\"https://news.example/dushanbe\">News Example</a>, <a href=\"https://wire.example/a/1\">Wire Example</a>, <a href=\"https://echo.example/feed.xml\">echo.example</a> · <time"));

    let mut crowded = clustered_wire();
    crowded.also_reported_by = (0..8)
        .map(|i| {
            member(
                &format!("{i:x}"),
                "Report",
                Some(&format!("https://o{i}.example/a")),
                &format!("https://o{i}.example/feed"),
                None,
            )
        })
        .collect();
    let page = html::river(&meta, &[], Paging::default(), &[crowded]);
    assert!(page.contains(
        " and <a href=\"https://loom.example/topic/stories/fedcba9876543210fedcba9876543210#also\">3 more</a></p>"
    ));
}

#[test]
fn story_page_lists_every_other_report() {
    let meta = meta("");
    let page = html::story_page(&meta, &[], &clustered_wire());
    assert!(page.contains("<h2 id=\"also\">Also reported by</h2>"));
    assert_eq!(
        page.matches("<span class=\"meta\">— Other &amp; Co</span>")
            .count(),
        2
    );
    assert!(page.contains(
        "<li><a href=\"https://other.example/a?x=1&amp;y=2\">Talks in &quot;Dushanbe&quot; &lt;b&gt;</a> <span class=\"meta\">— Other &amp; Co</span></li>"
    ));
    assert!(page.contains(
        "<a href=\"https://loom.example/topic/stories/dddddddddddddddddddddddddddddddd\">Hostile link</a>"
    ));
    assert!(!page.contains("javascript:"));
    assert!(!html::story_page(&meta, &[], &wire()).contains("id=\"also\""));
}

#[test]
fn river_pages_link_only_where_there_are_stories() {
    let meta = meta("");
    let river = |page, has_older, limit, stories: &[StoredStory]| {
        html::river(
            &meta,
            &[],
            Paging {
                page,
                has_older,
                limit,
            },
            stories,
        )
    };
    let newer = "rel=\"prev\"";
    let older = "rel=\"next\"";

    let only = river(1, false, None, &stories());
    assert!(!only.contains("class=\"paging\"") && !only.contains(older));

    // "Older" starts the next page at the last story shown (by index).
    let last = stories().last().map(|story| story.uid.clone()).unwrap();
    let first = river(1, true, None, &stories());
    assert!(first.contains(&format!(
        "<a class=\"older\" rel=\"next\" href=\"https://loom.example/topic/?page=2&amp;before={last}\">Older stories <span aria-hidden=\"true\">→</span></a>"
    )));
    assert!(!first.contains(newer));
    assert!(first.contains("<title>SCO &amp; friends</title>"));

    let second = river(2, true, Some(10), &stories());
    assert!(second.contains("rel=\"prev\" href=\"https://loom.example/topic/?limit=10\""));
    assert!(second.contains(&format!(
        "rel=\"next\" href=\"https://loom.example/topic/?page=3&amp;limit=10&amp;before={last}\""
    )));
    assert!(second.contains("<span>Page 2</span>"));
    assert!(second.contains("<title>SCO &amp; friends · page 2</title>"));

    let last = river(3, false, None, &stories());
    assert!(last.contains("rel=\"prev\" href=\"https://loom.example/topic/?page=2\""));
    assert!(!last.contains(older));

    let beyond = river(7, false, None, &[]);
    assert!(beyond.contains(
        "<p class=\"empty\">No older stories. <a href=\"https://loom.example/topic/\">Back to the newest</a></p>"
    ));
    assert!(!beyond.contains("No stories yet") && !beyond.contains("class=\"paging\""));

    let deepest = river(MAX_PAGE, true, None, &stories());
    assert!(deepest.contains(newer) && !deepest.contains(older));
}

#[test]
fn the_header_links_every_topic_and_marks_the_current_one() {
    let meta = meta("");
    let topics = vec![
        TopicLink {
            title: "SCO & friends".to_owned(),
            url: meta.site_url.clone(),
        },
        TopicLink {
            title: "<Sport> \u{1}".to_owned(),
            url: Url::parse("https://loom.example/topics/sport/").unwrap(),
        },
    ];
    let river = html::river(&meta, &topics, Paging::default(), &stories());
    assert!(river.contains("<nav class=\"topics\" aria-label=\"Topics\">"));
    assert!(river.contains(
        "<li><a href=\"https://loom.example/topic/\" aria-current=\"page\">SCO &amp; friends</a></li>"
    ));
    assert!(
        river
            .contains("<li><a href=\"https://loom.example/topics/sport/\">&lt;Sport&gt; </a></li>")
    );
    assert!(river.contains(
        "<h1 class=\"brand\"><a href=\"https://loom.example/topic/\">SCO &amp; friends</a></h1>"
    ));
    no_control_chars(&river);

    let story = html::story_page(&meta, &topics, &wire());
    assert!(story.contains("<nav class=\"topics\""));
    assert!(!story.contains("aria-current=\"page\""));
    assert!(
        !story.contains("class=\"brand\""),
        "the navigation names the site"
    );
    assert!(html::story_page(&meta, &topics[..1], &wire()).contains("<p class=\"brand\">"));
    // One topic needs no navigation.
    let single = html::river(&meta, &topics[..1], Paging::default(), &stories());
    assert!(!single.contains("<nav class=\"topics\""));
}

/// Every URL attribute value in `page` (`href`, `src`, `srcset`, `action`,
/// `poster`, `data`, `formaction`), unescaped enough to compare.
fn url_attributes(page: &str) -> Vec<(String, String)> {
    let pattern = regex::Regex::new(
        r#"(?i)\s(href|src|srcset|action|poster|data|formaction)\s*=\s*"([^"]*)""#,
    )
    .unwrap();
    pattern
        .captures_iter(page)
        .map(|c| (c[1].to_ascii_lowercase(), c[2].replace("&amp;", "&")))
        .collect()
}

#[test]
fn the_river_loads_nothing_from_anywhere() {
    let meta = meta("");
    let topics = [TopicLink {
        title: "Other".to_owned(),
        url: Url::parse("https://loom.example/topics/other/").unwrap(),
    }];
    let mut stories = stories();
    stories.push(clustered_wire());
    let page = html::river(
        &meta,
        &topics,
        Paging {
            page: 2,
            has_older: true,
            limit: None,
        },
        &stories,
    );
    let lower = page.to_ascii_lowercase();
    for banned in [
        "<script",
        "<iframe",
        "<img",
        "<object",
        "<embed",
        "<video",
        "<audio",
        "<source",
        "<svg",
        "<base",
        "<link rel=\"stylesheet\"",
        "<link rel=\"preload\"",
        "<link rel=\"icon\"",
        " style=",
        "@import",
        "url(",
        "@font-face",
        "javascript:",
        "http-equiv",
    ] {
        assert!(!lower.contains(banned), "{banned} in the river");
    }
    // The one form is the search, a GET to this site.
    let forms: Vec<&str> = lower.split("<form").skip(1).collect();
    assert_eq!(forms.len(), 1, "{page}");
    assert!(
        forms[0].contains("method=\"get\" action=\"https://loom.example/topic/search\""),
        "{}",
        forms[0]
    );
    // Every <link> is feed autodiscovery on this site.
    for link in lower.split("<link ").skip(1) {
        let tag = link.split('>').next().unwrap_or_default();
        assert!(
            tag.starts_with("rel=\"alternate\"")
                && tag.contains("href=\"https://loom.example/topic/feed."),
            "<link {tag}>"
        );
    }
    // Nothing is embedded; links go to this site, the stories' sources and
    // the reports' outlets only.
    let sources: Vec<String> = stories
        .iter()
        .flat_map(|s| s.sources.iter())
        .flat_map(|s| [s.link.clone(), Some(s.feed_url.clone())])
        .flatten()
        .chain(
            stories
                .iter()
                .flat_map(|s| s.also_reported_by.iter().filter_map(|m| m.link.clone())),
        )
        .collect();
    for (name, value) in url_attributes(&page) {
        assert!(
            name == "href" || (name == "action" && value == "https://loom.example/topic/search"),
            "{name}={value}"
        );
        let ours = value.starts_with("https://loom.example/") || value == "#main";
        assert!(ours || sources.contains(&value), "unexpected link {value}");
    }
}

fn fragments(parts: &[(&str, bool)]) -> Highlighted {
    Highlighted {
        fragments: parts
            .iter()
            .map(|(text, matched)| Fragment {
                text: (*text).to_owned(),
                matched: *matched,
            })
            .collect(),
    }
}

#[test]
fn search_page_marks_matches_and_escapes_everything_else() {
    let meta = meta("search");
    let hits = vec![
        SearchHit {
            title: fragments(&[("<script>&\"]]>", false), ("alert", true)]),
            snippet: fragments(&[("…<b>", false), ("alert", true), ("</b> \u{1}&", false)]),
            rank: -2.0,
            on_topic: Some(true),
            story: hostile(),
        },
        SearchHit {
            title: fragments(&[("Ministers meet in ", false), ("Dushanbe", true)]),
            snippet: fragments(&[("met in ", false), ("Dushanbe", true)]),
            rank: -1.0,
            on_topic: Some(false),
            story: wire(),
        },
    ];
    let query = "<script>alert(1)</script> \"x&y";
    let page = search::page(
        &meta,
        &[],
        &search::SearchPage {
            query,
            topic: Some("a\"b"),
            page: 2,
            hits: &hits,
            has_more: true,
        },
    );
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(!page.to_ascii_lowercase().contains("<script"), "{page}");
    assert!(!page.contains("<b>"));
    assert!(!page.contains("javascript:"));
    assert!(page.contains("&lt;script&gt;&amp;&quot;]]&gt;<mark>alert</mark>"));
    assert!(page.contains("…&lt;b&gt;<mark>alert</mark>&lt;/b&gt; &amp;"));
    assert!(page.contains("Ministers meet in <mark>Dushanbe</mark>"));
    assert!(page.contains("<span class=\"badge on\">on topic</span>"));
    assert!(page.contains("<span class=\"badge\">off topic</span>"));
    assert!(page.contains(&format!(
        "<a href=\"https://loom.example/topic/stories/{HOSTILE_UID}\">"
    )));
    assert!(page.contains("<a href=\"https://news.example/dushanbe\">Read the original</a>"));
    // The form keeps the query and topic, escaped; paging links carry them.
    assert!(page.contains("action=\"https://loom.example/topic/search\""));
    assert!(page.contains("value=\"&lt;script&gt;alert(1)&lt;/script&gt; &quot;x&amp;y\""));
    assert!(page.contains("name=\"topic\" value=\"a&quot;b\""));
    let encoded = "q=%3Cscript%3Ealert%281%29%3C%2Fscript%3E+%22x%26y&amp;topic=a%22b";
    assert!(page.contains(&format!(
        "<a rel=\"prev\" href=\"https://loom.example/topic/search?{encoded}&amp;page=1\">"
    )));
    assert!(page.contains(&format!(
        "<a class=\"older\" rel=\"next\" href=\"https://loom.example/topic/search?{encoded}&amp;page=3\">"
    )));
    assert_eq!(page.matches("<article class=\"story\">").count(), 2);
    no_control_chars(&page);

    let empty = search::page(
        &meta,
        &[],
        &search::SearchPage {
            query: "nothing",
            topic: None,
            page: 1,
            hits: &[],
            has_more: false,
        },
    );
    assert!(empty.contains("No stories match <q>nothing</q>."));
    assert!(!empty.contains("rel=\"next\"") && !empty.contains("name=\"topic\""));
}

#[test]
fn the_river_has_a_search_form() {
    let page = html::river(&meta(""), &[], Paging::default(), &stories());
    assert!(page.contains(
        "<form class=\"search\" role=\"search\" method=\"get\" action=\"https://loom.example/topic/search\">"
    ));
    assert!(page.contains("name=\"q\" value=\"\""));
}
