//! Full-text search: the index follows every write, and no input errors.

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use url::Url;

use super::*;
use crate::normalize::{Item, story_from_paragraphs};
use crate::store::MAX_TERMS;
use crate::store::{
    FeedId, FeedLog, FeedUpdate, ScoredStory, StoryReader, StoryWriter, TopicVerdicts,
};
use crate::topic::{Reason, Verdict};

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
fn words_are_stemmed_and_accents_folded() {
    let (store, _) = store_with(sample());
    assert_eq!(
        titles(&store, "sanction"),
        ["Sanctions hit Dušanbe exporters"]
    );
    assert_eq!(
        titles(&store, "SANCTIONED exporter"),
        ["Sanctions hit Dušanbe exporters"]
    );
    // Both spellings find both stories.
    for spelling in ["Dusanbe", "dušanbe", "DUŠANBE"] {
        let mut found = titles(&store, spelling);
        found.sort();
        assert_eq!(
            found,
            [
                "Sanctions hit Dušanbe exporters",
                "Tajikistan fortifies its border"
            ],
            "{spelling}"
        );
    }
    // Every word must match.
    assert!(titles(&store, "sanctions Kabul").is_empty());
}

#[test]
fn quoted_phrases_need_their_words_in_order() {
    let (store, _) = store_with(sample());
    assert_eq!(
        titles(&store, "\"coordinate on Afghanistan\""),
        ["Putin and Xi agree to coordinate on Afghanistan"]
    );
    let mut loose = titles(&store, "coordinate afghanistan");
    loose.sort();
    assert_eq!(
        loose,
        [
            "Kabul airport resumes flights",
            "Putin and Xi agree to coordinate on Afghanistan"
        ]
    );
    // An unclosed quote runs to the end.
    assert_eq!(
        titles(&store, "\"afghanistan will coordinate"),
        ["Kabul airport resumes flights"]
    );
}

#[test]
fn a_trailing_star_is_a_prefix_of_two_letters_or_more() {
    let (store, _) = store_with(sample());
    assert_eq!(
        titles(&store, "Tajiki*"),
        ["Tajikistan fortifies its border"]
    );
    assert_eq!(
        titles(&store, "\"fortifies its bor\"*"),
        ["Tajikistan fortifies its border"]
    );
    assert_eq!(fts5_query("t*").as_deref(), Some("\"t\""));
    assert_eq!(fts5_query("ta*").as_deref(), Some("\"ta\"*"));
    assert!(
        titles(&store, "t*").is_empty(),
        "one letter is the word `t`"
    );
}

#[test]
fn hostile_queries_never_raise_errors() {
    let (store, _) = store_with(sample());
    let hostile = [
        "\"unbalanced",
        "NEAR(",
        "NEAR(afghanistan kabul, 2)",
        "*",
        "***",
        "AND OR",
        "NOT",
        "afghanistan AND",
        "OR kabul",
        "col:term",
        "title:kabul",
        "{title content_text}: kabul",
        "^kabul",
        "kabul +",
        "(kabul OR",
        ")",
        "\"",
        "\"\"",
        "\"\"\"",
        "a\"b\"c\"",
        "kabul\"*",
        "-kabul",
        "'; DROP TABLE stories; --",
        "kabul\0afghanistan",
        "\u{345}",
        "\u{2}kabul\u{3}",
        "🙂 *🙂*",
        "\\",
        "%_",
        "a**b*",
    ];
    for text in hostile {
        let result = store.search(&query(text));
        assert!(result.is_ok(), "{text:?}: {:?}", result.err());
    }
    // Operators are words: `title:kabul` is the phrase "title kabul".
    assert_eq!(
        fts5_query("title:kabul").as_deref(),
        Some("\"title:kabul\"")
    );
    assert_eq!(fts5_query("AND OR").as_deref(), Some("\"AND\" \"OR\""));
    assert!(titles(&store, "title:kabul").is_empty());
    assert_eq!(titles(&store, "(kabul"), titles(&store, "kabul"));
    assert_eq!(store.story_count().unwrap(), 4);
}

#[test]
fn empty_blank_and_punctuation_only_queries_match_nothing() {
    let (store, _) = store_with(sample());
    for text in ["", "   ", "\n\t", "!!!", "\"\"", "* - +"] {
        assert_eq!(fts5_query(text), None, "{text:?}");
        assert!(store.search(&query(text)).unwrap().is_empty(), "{text:?}");
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
fn hits_carry_the_story_its_sources_and_marked_matches() {
    let (store, _) = store_with(sample());
    let hits = store.search(&query("sanctions")).unwrap();
    assert_eq!(hits.len(), 1);
    let hit = &hits[0];
    assert_eq!(hit.story.sources.len(), 1);
    assert_eq!(
        hit.story.sources[0].feed_title.as_deref(),
        Some("Steppe Wire")
    );
    assert!(hit.story.published_at.is_some());
    assert_eq!(
        hit.title.marked("[", "]"),
        "[Sanctions] hit Dušanbe exporters"
    );
    assert_eq!(hit.title.plain(), hit.story.title);
    assert!(
        hit.snippet
            .marked("[", "]")
            .contains("new [sanctions] have"),
        "{:?}",
        hit.snippet
    );
    assert!(hit.rank < 0.0, "bm25 is negative, lower is better");
    assert_eq!(hit.on_topic, None, "not scored yet");
}

#[test]
fn stored_markup_stays_text_in_highlights() {
    let (store, _) = store_with(vec![item(
        "x",
        "<script>alert(1)</script> Kabul",
        "<b>Kabul</b> & \u{2}more\u{3}",
        0,
    )]);
    let hits = store.search(&query("kabul")).unwrap();
    assert_eq!(hits.len(), 1);
    let title = &hits[0].title;
    assert!(title.plain().contains("<script>"));
    assert!(title.has_match());
}

fn verdict(on_topic: bool) -> Verdict {
    Verdict {
        score: if on_topic { 0.5 } else { 0.01 },
        on_topic,
        reason: Reason::Score,
    }
}

#[test]
fn on_topic_stories_come_first_then_relevance_then_newest() {
    let (mut store, _) = store_with(sample());
    // Without verdicts: relevance. The title match on "Afghanistan" ranks
    // first; "Afghan" (border story) stems differently and does not match.
    assert_eq!(
        titles(&store, "afghanistan"),
        [
            "Putin and Xi agree to coordinate on Afghanistan",
            "Kabul airport resumes flights"
        ]
    );
    // The weaker match is on topic for `main`, the stronger one is not.
    let pending = store.pending_scores(100).unwrap();
    let scored: Vec<ScoredStory> = pending
        .into_iter()
        .map(|p| {
            let on = p.title == "Kabul airport resumes flights";
            ScoredStory {
                id: p.id,
                content_hash: p.content_hash,
                verdicts: vec![
                    ("main".to_owned(), verdict(on)),
                    ("other".to_owned(), verdict(!on)),
                ],
            }
        })
        .collect();
    store.record_verdicts(&[], &scored, now()).unwrap();
    let hits = store.search(&query("afghanistan")).unwrap();
    let order: Vec<(&str, Option<bool>)> = hits
        .iter()
        .map(|h| (h.story.title.as_str(), h.on_topic))
        .collect();
    assert_eq!(
        order,
        [
            ("Kabul airport resumes flights", Some(true)),
            (
                "Putin and Xi agree to coordinate on Afghanistan",
                Some(false)
            ),
        ]
    );
    let other = store
        .search(&SearchQuery {
            topic: "other".to_owned(),
            ..query("afghanistan")
        })
        .unwrap();
    assert_eq!(
        other[0].story.title,
        "Putin and Xi agree to coordinate on Afghanistan"
    );
    assert_eq!(other[0].on_topic, Some(true));

    // Equal footing (no verdicts, same rank): newest first. Two stories
    // that differ only in a word the query does not name.
    let (store, _) = store_with(vec![
        item("old", "Border talks", "Border talks resume alpha.", 5),
        item("new", "Border talks", "Border talks resume bravo.", 1),
    ]);
    let hits = store.search(&query("border")).unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].rank, hits[1].rank);
    assert!(hits[0].story.published_at > hits[1].story.published_at);
}

#[test]
fn limit_and_offset_page_through_the_hits() {
    let items = (0..25)
        .map(|i| item(&format!("g{i}"), &format!("Report {i}"), "Kabul news.", i))
        .collect();
    let (store, _) = store_with(items);
    let page = |offset| {
        store
            .search(&SearchQuery {
                limit: 10,
                offset,
                ..query("kabul")
            })
            .unwrap()
    };
    let (first, second, third) = (page(0), page(10), page(20));
    assert_eq!((first.len(), second.len(), third.len()), (10, 10, 5));
    let mut uids: Vec<&str> = [&first, &second, &third]
        .iter()
        .flat_map(|p| p.iter().map(|h| h.story.uid.as_str()))
        .collect();
    uids.sort_unstable();
    uids.dedup();
    assert_eq!(uids.len(), 25, "no hit twice, none missed");
    assert!(page(30).is_empty());
}

#[test]
fn an_edited_story_is_found_by_its_new_words_only() {
    let (mut store, feed) = store_with(sample());
    let before = store.search(&query("cotton")).unwrap();
    assert_eq!(before.len(), 1);
    let uid = before[0].story.uid.clone();
    store
        .apply_update(
            feed,
            now(),
            &update(vec![item(
                "1",
                "Sanctions hit Dušanbe exporters",
                "Wheat traders in the Tajik capital say new sanctions have closed two markets.",
                3,
            )]),
        )
        .unwrap();
    // Until the edit is indexed, search finds neither version (never
    // both, never the old one).
    assert_eq!(store.search(&query("cotton")).unwrap().len(), 0);
    assert_eq!(backlog(&store), 1);
    store.index_all_pending().unwrap();
    assert!(store.search(&query("cotton")).unwrap().is_empty());
    let after = store.search(&query("wheat")).unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].story.uid, uid, "edited in place");
    assert_index_consistent(&store);
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
