//! Search, as every backend answers it: words stemmed and accents folded,
//! phrases, prefixes, no error on anything typed, hits with their sources
//! and marked matches, on-topic first, then relevance, then newest, and
//! an index that follows edits.

use chrono::{DateTime, Utc};
use url::Url;

use super::backend::{TestDb, contract};
use crate::normalize::{Item, story_from_paragraphs};
use crate::store::*;
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
fn store_with(db: &dyn TestDb, items: Vec<Item>) -> (Box<dyn Storage>, FeedId) {
    let mut store = db.open();
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

fn titles(store: &dyn Storage, text: &str) -> Vec<String> {
    store
        .search(&query(text))
        .unwrap()
        .into_iter()
        .map(|hit| hit.story.title)
        .collect()
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

fn verdict(on_topic: bool) -> Verdict {
    Verdict {
        score: if on_topic { 0.5 } else { 0.01 },
        on_topic,
        reason: Reason::Score,
    }
}

contract!(fn stored_stories_wait_to_be_indexed_and_are_counted_until_they_are(db) {
    let mut store = db.open();
    let feed = store
        .ensure_feed(&Url::parse("https://wire.example/feed").unwrap(), None, now())
        .unwrap()
        .id;
    assert_eq!(store.pending_index_count().unwrap(), 0);
    store.apply_update(feed, now(), &update(sample())).unwrap();
    assert_eq!(store.pending_index_count().unwrap(), 4);
    assert_eq!(store.index_pending(3).unwrap(), 3);
    assert_eq!(store.pending_index_count().unwrap(), 1);
    store.index_all_pending().unwrap();
    assert_eq!(store.pending_index_count().unwrap(), 0);
});

contract!(fn words_are_stemmed_and_accents_folded(db) {
    let (store, _) = store_with(db, sample());
    assert_eq!(
        titles(&*store, "sanction"),
        ["Sanctions hit Dušanbe exporters"]
    );
    assert_eq!(
        titles(&*store, "SANCTIONED exporter"),
        ["Sanctions hit Dušanbe exporters"]
    );
    // Both spellings find both stories.
    for spelling in ["Dusanbe", "dušanbe", "DUŠANBE"] {
        let mut found = titles(&*store, spelling);
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
    assert!(titles(&*store, "sanctions Kabul").is_empty());
});

contract!(fn quoted_phrases_need_their_words_in_order(db) {
    let (store, _) = store_with(db, sample());
    assert_eq!(
        titles(&*store, "\"coordinate on Afghanistan\""),
        ["Putin and Xi agree to coordinate on Afghanistan"]
    );
    let mut loose = titles(&*store, "coordinate afghanistan");
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
        titles(&*store, "\"afghanistan will coordinate"),
        ["Kabul airport resumes flights"]
    );
});

contract!(fn a_trailing_star_is_a_prefix_of_two_letters_or_more(db) {
    let (store, _) = store_with(db, sample());
    assert_eq!(
        titles(&*store, "Tajiki*"),
        ["Tajikistan fortifies its border"]
    );
    assert_eq!(
        titles(&*store, "\"fortifies its bor\"*"),
        ["Tajikistan fortifies its border"]
    );
    assert!(
        titles(&*store, "t*").is_empty(),
        "one letter is the word `t`"
    );
});

contract!(fn hostile_queries_never_raise_errors(db) {
    let (store, _) = store_with(db, sample());
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
    assert!(titles(&*store, "title:kabul").is_empty());
    assert_eq!(titles(&*store, "(kabul"), titles(&*store, "kabul"));
    assert_eq!(store.story_count().unwrap(), 4);
});

contract!(fn empty_blank_and_punctuation_only_queries_match_nothing(db) {
    let (store, _) = store_with(db, sample());
    for text in ["", "   ", "\n\t", "!!!", "\"\"", "* - +"] {
        assert!(store.search(&query(text)).unwrap().is_empty(), "{text:?}");
    }
});

contract!(fn hits_carry_the_story_its_sources_and_marked_matches(db) {
    let (store, _) = store_with(db, sample());
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
    assert!(hit.rank < 0.0, "lower is better, and a match is below zero");
    assert_eq!(hit.on_topic, None, "not scored yet");
});

contract!(fn stored_markup_stays_text_in_highlights(db) {
    let (store, _) = store_with(db, vec![item(
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
});

contract!(fn on_topic_stories_come_first_then_relevance_then_newest(db) {
    let (mut store, _) = store_with(db, sample());
    // Without verdicts: relevance. The title match on "Afghanistan" ranks
    // first; "Afghan" (border story) stems differently and does not match.
    assert_eq!(
        titles(&*store, "afghanistan"),
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
});

contract!(fn equal_matches_come_newest_first(db) {
    // Equal footing (no verdicts, same rank): newest first. Two stories
    // that differ only in a word the query does not name.
    let (store, _) = store_with(db, vec![
        item("old", "Border talks", "Border talks resume alpha.", 5),
        item("new", "Border talks", "Border talks resume bravo.", 1),
    ]);
    let hits = store.search(&query("border")).unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0].rank, hits[1].rank);
    assert!(hits[0].story.published_at > hits[1].story.published_at);
});

contract!(fn limit_and_offset_page_through_the_hits(db) {
    let items = (0..25)
        .map(|i| item(&format!("g{i}"), &format!("Report {i}"), "Kabul news.", i))
        .collect();
    let (store, _) = store_with(db, items);
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
});

contract!(fn an_edited_story_is_found_by_its_new_words_only(db) {
    let (mut store, feed) = store_with(db, sample());
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
    assert_eq!(store.index_all_pending().unwrap(), 1);
    assert!(store.search(&query("cotton")).unwrap().is_empty());
    let after = store.search(&query("wheat")).unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(after[0].story.uid, uid, "edited in place");
});
