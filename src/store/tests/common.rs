//! What the contract tests share: a fixed clock, items and updates, and
//! small readers of the store through the traits.

use chrono::{DateTime, Utc};
use url::Url;

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
