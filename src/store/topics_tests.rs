//! The score queue and stored verdicts.

use chrono::{DateTime, Utc};
use url::Url;

use super::*;
use crate::normalize::{Item, story_from_paragraphs};
use crate::topic::{Reason, Verdict};

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap()
}

fn update(items: Vec<(&str, &str, &str)>) -> FeedUpdate {
    FeedUpdate {
        http_status: 200,
        items: items
            .into_iter()
            .map(|(guid, title, body)| Item {
                guid: guid.to_owned(),
                story: story_from_paragraphs(title, None, None, &[body.to_owned()]),
            })
            .collect(),
        ..FeedUpdate::default()
    }
}

fn verdict(on_topic: bool) -> Verdict {
    Verdict {
        score: if on_topic { 0.5 } else { 0.01 },
        on_topic,
        reason: Reason::Score,
    }
}

fn score_all(store: &mut Store, topics: &[&str], on_topic: bool) -> usize {
    let pending = store.pending_scores(100).unwrap();
    let scored: Vec<ScoredStory> = pending
        .into_iter()
        .map(|p| ScoredStory {
            id: p.id,
            content_hash: p.content_hash,
            verdicts: topics
                .iter()
                .map(|t| ((*t).to_owned(), verdict(on_topic)))
                .collect(),
        })
        .collect();
    store.record_verdicts(&scored, now()).unwrap()
}

#[test]
fn new_and_edited_stories_wait_for_scoring() {
    let mut store = Store::open_in_memory().unwrap();
    let feed = store
        .ensure_feed(&Url::parse("https://a.example/feed").unwrap(), None, now())
        .unwrap()
        .id;
    store
        .apply_update(
            feed,
            now(),
            &update(vec![
                ("1", "One", "First body."),
                ("2", "Two", "Second body."),
            ]),
        )
        .unwrap();
    assert_eq!(store.pending_score_count().unwrap(), 2);
    assert_eq!(score_all(&mut store, &["main"], true), 2);
    assert_eq!(store.pending_score_count().unwrap(), 0);
    assert_eq!(store.topic_counts("main").unwrap(), (2, 0));

    // The same verdict again changes nothing published.
    store
        .apply_update(
            feed,
            now(),
            &update(vec![("1", "One", "First body, edited.")]),
        )
        .unwrap();
    assert_eq!(store.pending_score_count().unwrap(), 1);
    assert_eq!(score_all(&mut store, &["main"], true), 0);
    // A flipped verdict does.
    store
        .apply_update(
            feed,
            now(),
            &update(vec![("1", "One", "First body, edited twice.")]),
        )
        .unwrap();
    assert_eq!(score_all(&mut store, &["main"], false), 1);
    assert_eq!(store.topic_counts("main").unwrap(), (1, 1));
}

#[test]
fn verdicts_on_content_that_changed_meanwhile_are_dropped() {
    let mut store = Store::open_in_memory().unwrap();
    let feed = store
        .ensure_feed(&Url::parse("https://a.example/feed").unwrap(), None, now())
        .unwrap()
        .id;
    store
        .apply_update(feed, now(), &update(vec![("1", "One", "Old text.")]))
        .unwrap();
    let read = store.pending_scores(10).unwrap();
    // Edited between the read and the write of the verdicts.
    store
        .apply_update(feed, now(), &update(vec![("1", "One", "New text.")]))
        .unwrap();
    let scored: Vec<ScoredStory> = read
        .into_iter()
        .map(|p| ScoredStory {
            id: p.id,
            content_hash: p.content_hash,
            verdicts: vec![("main".to_owned(), verdict(true))],
        })
        .collect();
    assert_eq!(store.record_verdicts(&scored, now()).unwrap(), 0);
    assert_eq!(store.pending_score_count().unwrap(), 1, "still queued");
    let again = store.pending_scores(10).unwrap();
    assert!(again[0].content_text.contains("New text"));
}

#[test]
fn rescore_all_requeues_and_forgets_removed_topics() {
    let mut store = Store::open_in_memory().unwrap();
    let feed = store
        .ensure_feed(&Url::parse("https://a.example/feed").unwrap(), None, now())
        .unwrap()
        .id;
    store
        .apply_update(feed, now(), &update(vec![("1", "One", "Text.")]))
        .unwrap();
    score_all(&mut store, &["main", "old"], true);
    assert_eq!(store.topic_digest("main").unwrap(), None);
    let queued = store
        .rescore_all(&[("main".to_owned(), "d1".to_owned())])
        .unwrap();
    assert_eq!(queued, 1);
    assert_eq!(store.topic_digest("main").unwrap().as_deref(), Some("d1"));
    assert_eq!(store.topic_digest("old").unwrap(), None);
    assert_eq!(store.topic_counts("old").unwrap(), (0, 0));
    assert_eq!(store.topic_counts("main").unwrap(), (1, 0));
}
