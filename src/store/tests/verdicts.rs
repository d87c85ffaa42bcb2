//! The score queue and stored verdicts: what waits, what is recorded,
//! what is stale, and what a topic publishes.

use chrono::{DateTime, Utc};
use url::Url;

use super::backend::{TestDb, contract};
use crate::normalize::{Item, story_from_paragraphs};
use crate::store::*;
use crate::topic::{Reason, Verdict};

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap()
}

/// The digest recorded for a topic, if any.
fn digest(store: &dyn Storage, slug: &str) -> Option<String> {
    store
        .topic_digests()
        .unwrap()
        .into_iter()
        .find(|(topic, _)| topic == slug)
        .map(|(_, digest)| digest)
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

/// An empty store with one feed.
fn store_with_feed(db: &dyn TestDb) -> (Box<dyn Storage>, FeedId) {
    let mut store = db.open();
    let feed = store
        .ensure_feed(&Url::parse("https://a.example/feed").unwrap(), None, now())
        .unwrap()
        .id;
    (store, feed)
}

fn verdict(on_topic: bool) -> Verdict {
    Verdict {
        score: if on_topic { 0.5 } else { 0.01 },
        on_topic,
        reason: Reason::Score,
    }
}

fn score_all(store: &mut dyn Storage, topics: &[&str], on_topic: bool) -> usize {
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
    match store.record_verdicts(&[], &scored, now()).unwrap() {
        Recorded::Done { changed } => changed,
        Recorded::Stale => panic!("no digests, nothing stale"),
    }
}

contract!(fn new_and_edited_stories_wait_for_scoring(db) {
    let (mut store, feed) = store_with_feed(db);
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
    assert_eq!(score_all(&mut *store, &["main"], true), 2);
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
    assert_eq!(score_all(&mut *store, &["main"], true), 0);
    // A flipped verdict does.
    store
        .apply_update(
            feed,
            now(),
            &update(vec![("1", "One", "First body, edited twice.")]),
        )
        .unwrap();
    assert_eq!(score_all(&mut *store, &["main"], false), 1);
    assert_eq!(store.topic_counts("main").unwrap(), (1, 1));
});

contract!(fn verdicts_on_content_that_changed_meanwhile_are_dropped(db) {
    let (mut store, feed) = store_with_feed(db);
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
    assert_eq!(
        store.record_verdicts(&[], &scored, now()).unwrap(),
        Recorded::Done { changed: 0 }
    );
    assert_eq!(store.pending_score_count().unwrap(), 1, "still queued");
    let again = store.pending_scores(10).unwrap();
    assert!(again[0].content_text.contains("New text"));
});

contract!(fn rescore_all_requeues_and_forgets_removed_topics(db) {
    let (mut store, feed) = store_with_feed(db);
    store
        .apply_update(feed, now(), &update(vec![("1", "One", "Text.")]))
        .unwrap();
    score_all(&mut *store, &["main", "old"], true);
    assert_eq!(digest(&*store, "main"), None);
    let queued = store
        .rescore_all(&[("main".to_owned(), "d1".to_owned())])
        .unwrap();
    assert_eq!(queued, 1);
    assert_eq!(digest(&*store, "main").as_deref(), Some("d1"));
    assert_eq!(digest(&*store, "old"), None);
    assert_eq!(store.topic_counts("old").unwrap(), (0, 0));
    assert_eq!(store.topic_counts("main").unwrap(), (1, 0));
});

contract!(fn verdicts_from_a_superseded_definition_are_not_recorded(db) {
    let (mut store, feed) = store_with_feed(db);
    store
        .apply_update(feed, now(), &update(vec![("1", "One", "Text.")]))
        .unwrap();
    store
        .rescore_all(&[("main".to_owned(), "new".to_owned())])
        .unwrap();
    let scored: Vec<ScoredStory> = store
        .pending_scores(10)
        .unwrap()
        .into_iter()
        .map(|p| ScoredStory {
            id: p.id,
            content_hash: p.content_hash,
            verdicts: vec![("main".to_owned(), verdict(true))],
        })
        .collect();
    let old = [("main".to_owned(), "old".to_owned())];
    assert_eq!(
        store.record_verdicts(&old, &scored, now()).unwrap(),
        Recorded::Stale
    );
    assert_eq!(store.pending_score_count().unwrap(), 1);
    assert_eq!(store.topic_counts("main").unwrap(), (0, 0));
    let new = [("main".to_owned(), "new".to_owned())];
    assert_eq!(
        store.record_verdicts(&new, &scored, now()).unwrap(),
        Recorded::Done { changed: 1 }
    );
    assert_eq!(store.topic_digests().unwrap(), new);
});

contract!(fn the_newest_stories_are_scored_first(db) {
    let (mut store, feed) = store_with_feed(db);
    store
        .apply_update(
            feed,
            now(),
            &update(vec![("1", "Old", "Old text."), ("2", "New", "New text.")]),
        )
        .unwrap();
    let pending = store.pending_scores(1).unwrap();
    assert_eq!(pending[0].title, "New");
});

/// A wire story and its light rewrite: one cluster.
fn wire_and_rewrite(store: &mut dyn Storage) -> (FeedId, FeedId) {
    let a = store
        .ensure_feed(&Url::parse("https://a.example/feed").unwrap(), None, now())
        .unwrap()
        .id;
    let b = store
        .ensure_feed(&Url::parse("https://b.example/feed").unwrap(), None, now())
        .unwrap()
        .id;
    let text = "Defence ministers of the Collective Security Treaty Organization met in \
                Dushanbe on Monday to agree joint exercises on the Tajik border with \
                Afghanistan, officials said after the talks, adding that new drills would \
                begin in the autumn near the river crossing at Panj.";
    store
        .apply_update(
            a,
            now(),
            &update(vec![("a-1", "Ministers meet in Dushanbe", text)]),
        )
        .unwrap();
    let rewrite = format!("{text} The alliance will also send more equipment.");
    store
        .apply_update(
            b,
            now(),
            &update(vec![("b-1", "CSTO ministers meet", &rewrite)]),
        )
        .unwrap();
    assert_eq!(
        store.stories(&StoryQuery::all(None)).unwrap().len(),
        1,
        "one cluster"
    );
    (a, b)
}

/// Records `verdict_for(title)` as each story's verdict on "main".
fn record(store: &mut dyn Storage, verdict_for: impl Fn(&str) -> Verdict) {
    let scored: Vec<ScoredStory> = store
        .pending_scores(100)
        .unwrap()
        .into_iter()
        .map(|p| ScoredStory {
            id: p.id,
            verdicts: vec![("main".to_owned(), verdict_for(&p.title))],
            content_hash: p.content_hash,
        })
        .collect();
    store.record_verdicts(&[], &scored, now()).unwrap();
}

fn published(store: &dyn Storage, feeds: Option<Vec<&str>>) -> usize {
    let query = StoryQuery {
        topic: Some("main".to_owned()),
        feeds: feeds.map(|f| f.into_iter().map(str::to_owned).collect()),
        limit: None,
        offset: 0,
        before: None,
    };
    store.stories(&query).unwrap().len()
}

contract!(fn a_topics_feed_list_applies_to_the_member_that_is_on_topic(db) {
    let mut store = db.open();
    wire_and_rewrite(&mut *store);
    // Only feed B's version is on topic.
    record(&mut *store, |title| verdict(title == "CSTO ministers meet"));
    assert_eq!(published(&*store, None), 1);
    assert_eq!(published(&*store, Some(vec!["https://b.example/feed"])), 1);
    // Feed A carried the cluster, but not the version that is on topic.
    assert_eq!(published(&*store, Some(vec!["https://a.example/feed"])), 0);
    assert_eq!(published(&*store, Some(vec![])), 0);
});

contract!(fn an_excluded_member_keeps_its_cluster_out(db) {
    let mut store = db.open();
    wire_and_rewrite(&mut *store);
    record(&mut *store, |title| {
        if title == "Ministers meet in Dushanbe" {
            Verdict {
                score: 0.6,
                on_topic: false,
                reason: Reason::Exclude("ministers".to_owned()),
            }
        } else {
            verdict(true)
        }
    });
    assert_eq!(published(&*store, None), 0);
});
