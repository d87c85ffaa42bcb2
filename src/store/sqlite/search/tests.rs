//! Full-text search: the index follows every write, and no input errors.

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use url::Url;

use super::*;
use crate::normalize::{Item, story_from_paragraphs};
use crate::store::MAX_TERMS;
use crate::store::{FeedId, FeedLog, FeedUpdate, StoryWriter};

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap()
}

fn item(guid: &str, title: &str, body: &str, days_ago: i64) -> Item {
    let published = now() - chrono::Duration::days(days_ago);
    Item {
        guid: guid.to_owned(),
        story: story_from_paragraphs(title, None, Some(published), &[body.to_owned()]),
    }
}

fn update(items: Vec<Item>) -> FeedUpdate {
    FeedUpdate {
        http_status: 200,
        items,
        ..FeedUpdate::default()
    }
}

/// A store with one feed carrying `items`.
fn store_with(items: Vec<Item>) -> (Store, FeedId) {
    let mut store = Store::open_in_memory().unwrap();
    let feed = store
        .ensure_feed(
            &Url::parse("https://wire.example/feed").unwrap(),
            Some("Steppe Wire"),
            now(),
        )
        .unwrap()
        .id;
    store.apply_update(feed, now(), &update(items)).unwrap();
    store.index_all_pending().unwrap();
    (store, feed)
}

fn query(text: &str) -> SearchQuery {
    SearchQuery {
        text: text.to_owned(),
        topic: "main".to_owned(),
        limit: 20,
        offset: 0,
    }
}

fn titles(store: &Store, text: &str) -> Vec<String> {
    store
        .search(&query(text))
        .unwrap()
        .into_iter()
        .map(|hit| hit.story.title)
        .collect()
}

/// FTS5's own check that the index matches the `stories` rows.
/// How many stored stories search cannot find yet.
fn backlog(store: &Store) -> i64 {
    store
        .conn
        .query_row("SELECT count(*) FROM search_queue", [], |row| row.get(0))
        .unwrap()
}

fn assert_index_consistent(store: &Store) {
    store
        .conn
        .execute(
            "INSERT INTO stories_fts (stories_fts, rank) VALUES ('integrity-check', 1)",
            [],
        )
        .unwrap();
}

fn sample() -> Vec<Item> {
    vec![
        item(
            "1",
            "Sanctions hit Dušanbe exporters",
            "Cotton traders in the Tajik capital say new sanctions have closed two markets.",
            3,
        ),
        item(
            "2",
            "Putin and Xi agree to coordinate on Afghanistan",
            "The two leaders agreed by telephone to coordinate their approach to Afghanistan.",
            2,
        ),
        item(
            "3",
            "Kabul airport resumes flights",
            "Afghanistan will coordinate flights with Qatar; the first left Kabul on Sunday.",
            1,
        ),
        item(
            "4",
            "Tajikistan fortifies its border",
            "Troops were sent to the Afghan border near Dusanbe.",
            0,
        ),
    ]
}

#[test]
fn fts5_is_compiled_into_the_bundled_sqlite() {
    let store = Store::open_in_memory().unwrap();
    let enabled: bool = store
        .conn
        .query_row(
            "SELECT sqlite_compileoption_used('ENABLE_FTS5')",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(enabled);
}

#[test]
fn every_term_is_a_quoted_fts5_string() {
    assert_eq!(fts5_query("t*").as_deref(), Some("\"t\""));
    assert_eq!(fts5_query("ta*").as_deref(), Some("\"ta\"*"));
    // Operators are words: `title:kabul` is the phrase "title kabul".
    assert_eq!(
        fts5_query("title:kabul").as_deref(),
        Some("\"title:kabul\"")
    );
    assert_eq!(fts5_query("AND OR").as_deref(), Some("\"AND\" \"OR\""));
    for text in ["", "   ", "\n\t", "!!!", "\"\"", "* - +"] {
        assert_eq!(fts5_query(text), None, "{text:?}");
    }
}

#[test]
fn queries_are_bounded_in_terms() {
    let many = (0..40)
        .map(|i| format!("w{i}"))
        .collect::<Vec<_>>()
        .join(" ");
    let fts = fts5_query(&many).unwrap();
    assert_eq!(fts.matches('"').count(), 2 * MAX_TERMS);
}

#[test]
fn deleted_stories_vanish_from_the_index() {
    let (mut store, feed) = store_with(sample());
    // A second feed carries a version of the Kabul story, then the first
    // feed edits its item (same headline) to exactly that version: the old
    // version is superseded and deleted by the store itself.
    let other = store
        .ensure_feed(&Url::parse("https://b.example/feed").unwrap(), None, now())
        .unwrap()
        .id;
    store
        .apply_update(
            other,
            now(),
            &update(vec![item(
                "b1",
                "Kabul airport resumes flights",
                "Doha confirms.",
                0,
            )]),
        )
        .unwrap();
    store.index_all_pending().unwrap();
    store
        .apply_update(
            feed,
            now(),
            &update(vec![item(
                "3",
                "Kabul airport resumes flights",
                "Doha confirms.",
                0,
            )]),
        )
        .unwrap();
    store.index_all_pending().unwrap();
    assert!(titles(&store, "sunday").is_empty());
    assert_eq!(titles(&store, "doha"), ["Kabul airport resumes flights"]);
    assert_index_consistent(&store);

    store
        .conn
        .execute("DELETE FROM stories WHERE title LIKE 'Tajikistan%'", [])
        .unwrap();
    assert!(titles(&store, "fortifies").is_empty());
    assert_index_consistent(&store);
}

#[test]
fn the_migration_indexes_stories_stored_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let conn = Connection::open(&path).unwrap();
        for sql in [
            include_str!("../../../../migrations/0001_initial.sql"),
            include_str!("../../../../migrations/0002_scheduling.sql"),
            include_str!("../../../../migrations/0003_topics.sql"),
            include_str!("../../../../migrations/0004_clusters.sql"),
        ] {
            conn.execute_batch(sql).unwrap();
        }
        conn.execute(
            "INSERT INTO stories (uid, content_hash, origin, title, content_html, content_text,
                                  first_seen_at, changed_at)
             VALUES ('00112233445566778899aabbccddeeff', 'h1', 'feed', 'Old news from Kabul',
                     '<p>Stored before search existed.</p>', 'Stored before search existed.', 1, 1)",
            [],
        )
        .unwrap();
        conn.pragma_update(None, "user_version", 4).unwrap();
    }
    let store = Store::open(&path).unwrap();
    assert_eq!(titles(&store, "existed"), ["Old news from Kabul"]);
    assert_index_consistent(&store);
}

#[test]
fn edits_and_deletes_of_queued_and_indexed_stories_keep_the_index_consistent() {
    let mut store = Store::open_in_memory().unwrap();
    let feed = store
        .ensure_feed(&Url::parse("https://a.example/feed").unwrap(), None, now())
        .unwrap()
        .id;
    let write = |store: &mut Store, guid: &str, body: &str| {
        store
            .apply_update(
                feed,
                now(),
                &update(vec![item(guid, "Same headline", body, 0)]),
            )
            .unwrap();
    };
    // Queued, edited while queued, indexed with the edit.
    write(&mut store, "q", "Queued first words.");
    write(&mut store, "q", "Queued second words.");
    // Indexed, then edited: the old terms leave at once, the new arrive
    // with the next batch.
    write(&mut store, "i", "Indexed first words.");
    assert_eq!(store.index_all_pending().unwrap(), 2);
    write(&mut store, "i", "Indexed second words.");
    // Queued and deleted before indexing; indexed and deleted.
    write(&mut store, "d", "Doomed words.");
    store
        .conn
        .execute(
            "DELETE FROM stories WHERE content_text IN ('Doomed words.', 'Queued second words.')",
            [],
        )
        .unwrap();
    assert_eq!(backlog(&store), 1, "only the edit is left");
    assert_eq!(store.index_all_pending().unwrap(), 1);
    assert_eq!(backlog(&store), 0);
    assert_index_consistent(&store);
    assert_eq!(titles(&store, "second"), ["Same headline"]);
    assert!(titles(&store, "first").is_empty());
    assert!(titles(&store, "doomed").is_empty());
}
