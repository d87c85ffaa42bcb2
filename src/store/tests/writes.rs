//! Writing stories: dedup by content hash, edits, reused guids, seeds,
//! and a batch that refuses one feed.

use super::backend::contract;
use super::common::*;
use crate::normalize::story_from_paragraphs;
use crate::store::*;
use chrono::DateTime;
use url::Url;

contract!(fn cross_posts_merge_into_one_story_with_a_sighting_per_feed(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let b = feed(&mut *store, "https://b.example/feed");
    let stats = store
        .apply_update(
            a,
            now(),
            &update(vec![item("a1", "T", "Body"), item("a2", "U", "Other")]),
        )
        .unwrap();
    assert_eq!(stats.new_stories, 2);
    let stats = store
        .apply_update(b, now(), &update(vec![item("b9", "T", "Body")]))
        .unwrap();
    assert_eq!((stats.new_stories, stats.merged), (0, 1));
    let stories = store.stories(&StoryQuery::all(None)).unwrap();
    assert_eq!(stories.len(), 2);
    let merged = stories.iter().find(|s| s.title == "T").unwrap();
    assert_eq!(merged.sources.len(), 2);
    assert_eq!(
        store
            .feed(&Url::parse("https://b.example/feed").unwrap())
            .unwrap()
            .unwrap()
            .etag
            .as_deref(),
        Some("\"v1\"")
    );
});

contract!(fn an_edited_item_updates_its_story_and_keeps_its_public_id(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    store
        .apply_update(a, now(), &update(vec![item("g", "T", "First version")]))
        .unwrap();
    let uid = newest_uid(&*store);
    let stats = store
        .apply_update(a, now(), &update(vec![item("g", "T", "Second version")]))
        .unwrap();
    assert_eq!(stats.updated, 1);
    let stories = store.stories(&StoryQuery::all(None)).unwrap();
    assert_eq!(stories.len(), 1);
    assert_eq!(stories[0].uid, uid);
    assert_eq!(stories[0].content_text, "Second version");
    let stats = store
        .apply_update(a, now(), &update(vec![item("g", "T", "Second version")]))
        .unwrap();
    assert_eq!(stats.unchanged, 1);
});

contract!(fn public_ids_are_uuid_v7_in_the_order_stories_are_stored(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let mut uids = Vec::new();
    for round in 0..3 {
        let items = (0..4)
            .map(|i| {
                let body = format!("Body {round} {i}");
                item(&format!("a{round}-{i}"), &format!("T{round}-{i}"), &body)
            })
            .collect();
        store.apply_update(a, now(), &update(items)).unwrap();
        // Each batch's ids after the last one's, within the same
        // millisecond too.
        let mut stories = store.stories(&StoryQuery::all(None)).unwrap();
        stories.retain(|story| story.title.starts_with(&format!("T{round}-")));
        stories.sort_by(|a, b| a.uid.cmp(&b.uid));
        uids.extend(stories.into_iter().map(|story| story.uid));
    }
    assert_eq!(uids.len(), 12);
    let mut sorted = uids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, uids, "batches in order, no id twice");
    for uid in &uids {
        let parsed = uuid::Uuid::parse_str(uid).unwrap();
        assert_eq!(parsed.get_version_num(), 7, "{uid}");
        assert_eq!(&parsed.simple().to_string(), uid, "32 lowercase hex digits");
    }
});

contract!(fn an_edit_in_one_feed_does_not_flip_flop_a_story_another_feed_carries(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let b = feed(&mut *store, "https://b.example/feed");
    store
        .apply_update(a, now(), &update(vec![item("a", "T", "Old")]))
        .unwrap();
    store
        .apply_update(b, now(), &update(vec![item("b", "T", "Old")]))
        .unwrap();
    store
        .apply_update(a, now(), &update(vec![item("a", "T", "New")]))
        .unwrap();
    // Feed b still carries the old text: nothing changes for it.
    let stats = store
        .apply_update(b, now(), &update(vec![item("b", "T", "Old")]))
        .unwrap();
    assert_eq!(stats.unchanged, 1);
    let texts: Vec<String> = store
        .stories(&StoryQuery::all(None))
        .unwrap()
        .into_iter()
        .map(|s| s.content_text)
        .collect();
    assert_eq!(texts.len(), 2);
    assert!(texts.contains(&"Old".to_owned()) && texts.contains(&"New".to_owned()));
});

contract!(fn a_guid_reused_for_another_story_keeps_the_earlier_story(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let first = linked(
        "https://a.example/",
        "Dam on the Amu Darya opens",
        "The Qosh Tepa canal began taking water from the river on Monday, officials said.",
        "https://a.example/2026/dam",
    );
    let second = linked(
        "https://a.example/",
        "Teachers strike in Dushanbe",
        "Thousands of teachers walked out over unpaid wages, the union said on Tuesday.",
        "https://a.example/2026/strike",
    );
    let third = linked(
        "https://a.example/",
        "Flights resume to Kabul",
        "Two airlines restarted direct routes after a year, the aviation authority said.",
        "https://a.example/2026/flights",
    );
    store
        .apply_update(a, now(), &update(vec![first.clone()]))
        .unwrap();
    let uid = newest_uid(&*store);
    let stats = store
        .apply_update(a, now(), &update(vec![second.clone()]))
        .unwrap();
    assert_eq!(
        (stats.reused_ids, stats.new_stories, stats.updated),
        (1, 1, 0)
    );
    // Polled again: the same item is unchanged, nothing flips back.
    let stats = store
        .apply_update(a, now(), &update(vec![second.clone()]))
        .unwrap();
    assert_eq!((stats.unchanged, stats.reused_ids), (1, 0));
    // A third reuse retires the second sighting too, under its own name.
    let stats = store.apply_update(a, now(), &update(vec![third])).unwrap();
    assert_eq!((stats.reused_ids, stats.new_stories), (1, 1));

    let stories = store.stories(&StoryQuery::all(None)).unwrap();
    let mut titles: Vec<&str> = stories.iter().map(|s| s.title.as_str()).collect();
    titles.sort_unstable();
    assert_eq!(
        titles,
        [
            "Dam on the Amu Darya opens",
            "Flights resume to Kabul",
            "Teachers strike in Dushanbe"
        ]
    );
    let kept = stories.iter().find(|s| s.uid == uid).unwrap();
    assert_eq!(kept.title, "Dam on the Amu Darya opens");
    assert_eq!(kept.content_text, first.story.content_text);
    // Every story keeps its source, which shows the guid the feed gave.
    for story in &stories {
        assert_eq!(story.sources.len(), 1, "{story:#?}");
        assert_eq!(story.sources[0].guid, "https://a.example/");
    }
});

contract!(fn a_story_once_under_a_reused_guid_is_still_edited_in_place(db) {
    // A feed that gives every item the site's URL as guid: the newest item
    // takes the guid, the older one is keyed by its link from then on (as
    // `poll::parse_body` does). A typo fixed in the older one later is an
    // edit of its story, not a second story.
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let site = "https://a.example/";
    let older = |text: &str, guid: &str| {
        linked(
            guid,
            "Dam on the Amu Darya opens",
            text,
            "https://a.example/dam",
        )
    };
    let newer = linked(
        site,
        "Teachers strike in Dushanbe",
        "Thousands of teachers walked out over unpaid wages, the union said on Tuesday.",
        "https://a.example/strike",
    );
    let text = "The Qosh Tepa canal began taking water from the river on Monday, officials said.";
    store
        .apply_update(a, now(), &update(vec![older(text, site)]))
        .unwrap();
    let uid = newest_uid(&*store);
    store
        .apply_update(
            a,
            now(),
            &update(vec![newer.clone(), older(text, "https://a.example/dam")]),
        )
        .unwrap();
    let fixed = text.replace("Monday", "Tuesday");
    let stats = store
        .apply_update(
            a,
            now(),
            &update(vec![newer, older(&fixed, "https://a.example/dam")]),
        )
        .unwrap();
    assert_eq!((stats.updated, stats.new_stories), (1, 0), "{stats:?}");
    let stories = store.stories(&StoryQuery::all(None)).unwrap();
    assert_eq!(stories.len(), 2, "{stories:#?}");
    let dam = stories.iter().find(|s| s.uid == uid).unwrap();
    assert_eq!(dam.content_text, fixed);
});

contract!(fn an_edit_that_keeps_the_link_or_the_wording_is_an_edit(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let body = "Thousands of teachers walked out over unpaid wages in Dushanbe on Tuesday, \
                the union said, and schools in three districts stayed shut.";
    store
        .apply_update(
            a,
            now(),
            &update(vec![linked(
                "g",
                "Teachers strike",
                body,
                "https://a.example/1",
            )]),
        )
        .unwrap();
    // New headline, new link, most of the words kept: an edit.
    let reworded = format!("{body} The ministry promised to pay by Friday.");
    let stats = store
        .apply_update(
            a,
            now(),
            &update(vec![linked(
                "g",
                "Teachers strike ends",
                &reworded,
                "https://a.example/1-ends",
            )]),
        )
        .unwrap();
    assert_eq!((stats.updated, stats.reused_ids), (1, 0));
    // Everything rewritten, but the same link: an edit too.
    let stats = store
        .apply_update(
            a,
            now(),
            &update(vec![linked(
                "g",
                "Strike over",
                "Wages were paid.",
                "https://a.example/1-ends",
            )]),
        )
        .unwrap();
    assert_eq!((stats.updated, stats.reused_ids), (1, 0));
    assert_eq!(store.stories(&StoryQuery::all(None)).unwrap().len(), 1);
});

contract!(fn a_batch_writes_every_feed_it_can_and_rolls_back_only_the_one_it_cannot(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let b = feed(&mut *store, "https://b.example/feed");
    let first = update(vec![item("a1", "T", "From feed a.")]);
    // A feed row that does not exist: its sightings break a foreign key
    // after its story was inserted, so the savepoint has something to undo.
    let broken = update(vec![item("x1", "T", "From nowhere.")]);
    let last = update(vec![item("b1", "T", "From feed b.")]);
    let results = store
        .apply_updates(now(), &[(a, &first), (FeedId(999), &broken), (b, &last)])
        .unwrap();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].as_ref().unwrap().new_stories, 1);
    assert!(results[1].is_err(), "{:?}", results[1]);
    assert_eq!(results[2].as_ref().unwrap().new_stories, 1);
    let mut texts: Vec<String> = store
        .stories(&StoryQuery::all(None))
        .unwrap()
        .into_iter()
        .map(|s| s.content_text)
        .collect();
    texts.sort();
    assert_eq!(texts, ["From feed a.", "From feed b."]);
});

contract!(fn seeds_are_idempotent_and_edits_update_in_place(db) {
    let mut store = db.open();
    let story = story_from_paragraphs("Seed", None, None, &["Text".into()]);
    assert_eq!(
        store.upsert_seed("000.txt", &story, now()).unwrap(),
        SeedChange::Inserted
    );
    assert_eq!(
        store.upsert_seed("000.txt", &story, now()).unwrap(),
        SeedChange::Unchanged
    );
    let uid = newest_uid(&*store);
    let edited = story_from_paragraphs("Seed", None, None, &["Text, edited".into()]);
    assert_eq!(
        store.upsert_seed("000.txt", &edited, now()).unwrap(),
        SeedChange::Updated
    );
    let stories = store.stories(&StoryQuery::all(None)).unwrap();
    assert_eq!((stories.len(), stories[0].uid.as_str()), (1, uid.as_str()));
    assert_eq!(stories[0].origin, Origin::Seed);
});

contract!(fn reverting_an_edit_that_another_feed_shares_is_stored_not_refused(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let b = feed(&mut *store, "https://b.example/feed");
    store
        .apply_update(a, now(), &update(vec![item("g", "T", "One")]))
        .unwrap();
    store
        .apply_update(a, now(), &update(vec![item("g", "T", "Two")]))
        .unwrap();
    store
        .apply_update(b, now(), &update(vec![item("b", "T", "Two")]))
        .unwrap();
    let stats = store
        .apply_update(a, now(), &update(vec![item("g", "T", "One")]))
        .unwrap();
    assert_eq!(stats.updated, 1);
    assert_eq!(
        texts(&*store),
        [("One".to_owned(), 1), ("Two".to_owned(), 1)]
    );
    let uids: std::collections::HashSet<String> = store
        .stories(&StoryQuery::all(None))
        .unwrap()
        .into_iter()
        .map(|s| s.uid)
        .collect();
    assert_eq!(uids.len(), 2);
});

contract!(fn an_edit_onto_another_story_leaves_no_sourceless_story_behind(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let b = feed(&mut *store, "https://b.example/feed");
    store
        .apply_update(a, now(), &update(vec![item("g", "T", "One")]))
        .unwrap();
    store
        .apply_update(b, now(), &update(vec![item("b", "T", "Two")]))
        .unwrap();
    store
        .apply_update(a, now(), &update(vec![item("g", "T", "Two")]))
        .unwrap();
    assert_eq!(texts(&*store), [("Two".to_owned(), 2)]);
});

contract!(fn a_feed_edit_never_rewrites_a_seed(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    store
        .apply_update(a, now(), &update(vec![item("g", "T", "Seed text")]))
        .unwrap();
    // The same article becomes a seed: the story is adopted, not copied.
    let seed = story_from_paragraphs("T", None, None, &["Seed text".into()]);
    assert_eq!(
        store.upsert_seed("s.txt", &seed, now()).unwrap(),
        SeedChange::Updated
    );
    assert_eq!(store.story_count().unwrap(), 1);
    store
        .apply_update(a, now(), &update(vec![item("g", "T", "Feed edit")]))
        .unwrap();
    assert_eq!(
        texts(&*store),
        [("Feed edit".to_owned(), 1), ("Seed text".to_owned(), 0)]
    );
    assert_eq!(
        store.upsert_seed("s.txt", &seed, now()).unwrap(),
        SeedChange::Unchanged
    );
});

contract!(fn two_seed_files_with_the_same_text_do_not_fight(db) {
    let mut store = db.open();
    let seed = story_from_paragraphs("T", None, None, &["Text".into()]);
    assert_eq!(
        store.upsert_seed("a.txt", &seed, now()).unwrap(),
        SeedChange::Inserted
    );
    for _ in 0..2 {
        assert_eq!(
            store.upsert_seed("b.md", &seed, now()).unwrap(),
            SeedChange::Duplicate { of: "a.txt".into() }
        );
        assert_eq!(
            store.upsert_seed("a.txt", &seed, now()).unwrap(),
            SeedChange::Unchanged
        );
    }
    assert_eq!(store.story_count().unwrap(), 1);
});

contract!(fn front_matter_link_and_date_edits_update_the_seed(db) {
    let mut store = db.open();
    let seed = story_from_paragraphs("T", None, None, &["Text".into()]);
    store.upsert_seed("a.txt", &seed, now()).unwrap();
    let link = Url::parse("https://origin.example/article").unwrap();
    let with_link = story_from_paragraphs("T", Some(&link), Some(now()), &["Text".into()]);
    assert_eq!(
        store.upsert_seed("a.txt", &with_link, now()).unwrap(),
        SeedChange::Updated
    );
    let stored = &store.stories(&StoryQuery::all(None)).unwrap()[0];
    assert_eq!(
        stored.link.as_deref(),
        Some("https://origin.example/article")
    );
    assert_eq!(stored.published_at, Some(now()));
    assert_eq!(
        store.upsert_seed("a.txt", &with_link, now()).unwrap(),
        SeedChange::Unchanged
    );
});

contract!(fn a_limited_listing_carries_its_sources(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let b = feed(&mut *store, "https://b.example/feed");
    store
        .apply_update(
            a,
            now(),
            &update(vec![item("1", "T", "One"), item("2", "U", "Two")]),
        )
        .unwrap();
    store
        .apply_update(
            b,
            now(),
            &update(vec![item("1", "T", "One"), item("2", "U", "Two")]),
        )
        .unwrap();
    let one = store.stories(&StoryQuery::all(Some(1))).unwrap();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0].sources.len(), 2);
});

contract!(fn a_date_far_in_the_future_does_not_pin_a_story_to_the_top(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let mut future = item("f", "From 2099", "A placeholder date.");
    future.story.published = DateTime::from_timestamp(4_102_444_800, 0); // 2100-01-01
    let mut tomorrow = item("t", "Slightly ahead", "A clock a few hours fast.");
    tomorrow.story.published = Some(now() + chrono::Duration::hours(3));
    let mut old = item("o", "Last week", "An older story.");
    old.story.published = Some(now() - chrono::Duration::days(7));
    store
        .apply_update(a, now(), &update(vec![future, tomorrow, old]))
        .unwrap();
    let stories = store.stories(&StoryQuery::all(None)).unwrap();
    let titles: Vec<&str> = stories.iter().map(|s| s.title.as_str()).collect();
    // The 2099 date is dropped: it sorts by first seen (now), below the
    // story a few hours ahead, above last week's.
    assert_eq!(titles, ["Slightly ahead", "From 2099", "Last week"]);
    assert_eq!(stories[1].published_at, None);
});
