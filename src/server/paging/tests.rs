use chrono::{DateTime, Duration, Utc};
use url::Url;

use super::*;
use crate::normalize::{Item, story_from_paragraphs};
use crate::store::{FeedLog, FeedUpdate, Store, StoryWriter};

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap()
}

/// Stores stories `from..to`, each of words no other story has (so none
/// joins another's cluster), two to a minute (ties broken by insertion);
/// from 100 on, newer than the others.
fn fill(store: &mut Store, from: usize, to: usize) {
    let feed = store
        .ensure_feed(
            &Url::parse("https://wire.example/feed").unwrap(),
            None,
            now(),
        )
        .unwrap()
        .id;
    let items = (from..to)
        .map(|n| {
            let words: Vec<String> = (0..40).map(|i| format!("w{n}x{i}")).collect();
            let n_ = i64::try_from(n).unwrap();
            // From 100 on: newer than every story before.
            let published = if n >= 100 {
                now() + Duration::minutes(n_ - 99)
            } else {
                now() - Duration::minutes(n_ / 2)
            };
            Item {
                guid: format!("story-{n}"),
                story: story_from_paragraphs(
                    &format!("Story {n}"),
                    None,
                    Some(published),
                    &[words.join(" ")],
                ),
            }
        })
        .collect();
    let update = FeedUpdate {
        http_status: 200,
        items,
        ..FeedUpdate::default()
    };
    store.apply_update(feed, now(), &update).unwrap();
}

/// Page `page` by OFFSET, the way `?page=` was answered before.
fn by_offset(store: &Store, limit: usize, page: usize) -> Vec<String> {
    let mut query = StoryQuery::all(Some(limit));
    query.offset = (page - 1) * limit;
    store
        .stories(&query)
        .unwrap()
        .into_iter()
        .map(|s| s.uid)
        .collect()
}

/// Page `page` by the marks, the way it is answered now.
fn by_marks(
    marks: &PageMarks,
    store: &Store,
    limit: usize,
    page: usize,
    generation: u64,
) -> Vec<String> {
    let mut query = StoryQuery::all(Some(limit));
    match marks.start(store, &query, limit, page, generation).unwrap() {
        Start::Newest => {}
        Start::After(uid) => query.before = Some(uid),
        Start::PastEnd => return Vec::new(),
    }
    store
        .stories(&query)
        .unwrap()
        .into_iter()
        .map(|s| s.uid)
        .collect()
}

#[test]
fn numbered_pages_by_marks_are_the_pages_by_offset_in_any_order() {
    let mut store = Store::open_in_memory().unwrap();
    fill(&mut store, 0, 23);
    let marks = PageMarks::default();
    // Deep first, then back, past the end, and a page that ends the list
    // exactly (page 5 of 5 holds 3; with 4 a page, page 6 is empty).
    for (limit, pages) in [(5, vec![4, 2, 6, 1, 3, 5, 7]), (4, vec![6, 7, 1, 3, 2])] {
        for page in pages {
            let expected = by_offset(&store, limit, page);
            assert_eq!(
                by_marks(&marks, &store, limit, page, 1),
                expected,
                "limit {limit}, page {page}"
            );
        }
    }
    assert_eq!(by_offset(&store, 5, 5).len(), 3);
    assert!(by_offset(&store, 4, 7).is_empty());

    // A change (a new generation) is read afresh: two newer stories shift
    // every page by two.
    fill(&mut store, 100, 102);
    let mut newer = store.stories(&StoryQuery::all(Some(1))).unwrap();
    assert!(newer.pop().unwrap().title.contains("Story 10"));
    for page in [3, 2] {
        assert_eq!(
            by_marks(&marks, &store, 5, page, 2),
            by_offset(&store, 5, page),
            "page {page} after the change"
        );
    }
    // At the old generation the remembered ends are gone too: a stale
    // request is answered from the store as it is now.
    assert_eq!(by_marks(&marks, &store, 5, 4, 1), by_offset(&store, 5, 4));
}
