//! What the contract tests share: a fixed clock, items and updates, and
//! small readers of the store through the traits.

use chrono::{DateTime, Utc};
use url::Url;

use crate::cluster::tests::{REWRITE, REWRITE_TITLE};
use crate::normalize::{Item, story_from_paragraphs};
use crate::store::{FeedId, FeedUpdate, Storage, StoryQuery};

pub(crate) fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap()
}

pub(crate) fn later(seconds: i64) -> DateTime<Utc> {
    now() + chrono::Duration::seconds(seconds)
}

pub(crate) fn item(guid: &str, title: &str, body: &str) -> Item {
    let story = story_from_paragraphs(title, None, None, &[body.to_owned()]);
    Item {
        guid: guid.to_owned(),
        story,
    }
}

/// An item with a link: where links differ, a changed item under a known
/// guid must keep a fifth of its words to count as an edit.
pub(crate) fn linked(guid: &str, title: &str, body: &str, link: &str) -> Item {
    let link = Url::parse(link).unwrap();
    let story = story_from_paragraphs(title, Some(&link), None, &[body.to_owned()]);
    Item {
        guid: guid.to_owned(),
        story,
    }
}

pub(crate) fn update(items: Vec<Item>) -> FeedUpdate {
    FeedUpdate {
        etag: Some("\"v1\"".into()),
        http_status: 200,
        items,
        ..FeedUpdate::default()
    }
}

/// Feed `a`'s item "a1" rewritten at `at` to read exactly like the rewrite
/// another feed carries: its old version, this feed's alone, is superseded
/// and deleted, and the rewrite's story is the one left.
pub(crate) fn supersede_a1(store: &mut dyn Storage, a: FeedId, at: DateTime<Utc>) {
    store
        .apply_update(a, at, &update(vec![item("a1", REWRITE_TITLE, REWRITE)]))
        .unwrap();
    assert_eq!(store.story_count().unwrap(), 1);
}

pub(crate) fn feed(store: &mut dyn Storage, url: &str) -> FeedId {
    store
        .ensure_feed(&Url::parse(url).unwrap(), None, now())
        .unwrap()
        .id
}

/// The public id of the newest stored story.
pub(crate) fn newest_uid(store: &dyn Storage) -> String {
    store.stories(&StoryQuery::all(None)).unwrap()[0]
        .uid
        .clone()
}

/// Every entry's text with its number of sources, sorted.
pub(crate) fn texts(store: &dyn Storage) -> Vec<(String, usize)> {
    let mut texts: Vec<(String, usize)> = store
        .stories(&StoryQuery::all(None))
        .unwrap()
        .into_iter()
        .map(|s| (s.content_text, s.sources.len()))
        .collect();
    texts.sort();
    texts
}

/// Bylines as stories stored before names were cleaned may hold them, and
/// what migrations/0011_bylines.sql (postgres/0004) leaves of each.
pub(crate) const OLD_BYLINES: &[(&str, Option<&str>)] = &[
    ("(Wire Desk)", Some("Wire Desk")),
    ("( Jos\u{e9} Garc\u{ed}a )", Some("Jos\u{e9} Garc\u{ed}a")),
    ("()", None),
    ("webmaster@fcutrecht.net", None),
    ("Jane Doe", Some("Jane Doe")),
    (
        "Nick Ames (now), Ed Aarons (earlier)",
        Some("Nick Ames (now), Ed Aarons (earlier)"),
    ),
    (
        "(Mark Pilgrim), (Mark Pilgrim)",
        Some("(Mark Pilgrim), (Mark Pilgrim)"),
    ),
    ("Me (me@example.com)", Some("Me (me@example.com)")),
    ("@jane", Some("@jane")),
];

/// One item per [`OLD_BYLINES`] entry, its byline stored as it is.
pub(crate) fn old_byline_items() -> Vec<Item> {
    OLD_BYLINES
        .iter()
        .enumerate()
        .map(|(i, (byline, _))| {
            let mut it = item(
                &format!("b{i}"),
                &format!("Story {i}"),
                &format!("Text {i}."),
            );
            it.story.author = Some((*byline).to_owned());
            it
        })
        .collect()
}

/// Every entry's title and byline, checked against [`OLD_BYLINES`].
pub(crate) fn assert_bylines_mended(store: &dyn Storage) {
    let mut found: Vec<(String, Option<String>)> = store
        .stories(&StoryQuery::all(None))
        .unwrap()
        .into_iter()
        .map(|s| (s.title, s.author))
        .collect();
    found.sort();
    let mut want: Vec<(String, Option<String>)> = OLD_BYLINES
        .iter()
        .enumerate()
        .map(|(i, (_, mended))| (format!("Story {i}"), mended.map(str::to_owned)))
        .collect();
    want.sort();
    assert_eq!(found, want);
}
