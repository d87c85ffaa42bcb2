//! Reading entries: newest first, one per cluster, by limit and offset or
//! by key (`before`), and their public ids alone (`story_uids`).

use super::backend::contract;
use super::common::*;
use crate::store::*;

contract!(fn pages_by_offset_and_by_key_agree(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let items = (0..7)
        .map(|i| {
            let mut it = item(&format!("g{i}"), &format!("Story {i}"), &format!("Text {i}."));
            // Two share a date: ties go by insertion, newest first.
            let hours = if i == 4 { 3 } else { i64::from(i) };
            it.story.published = Some(now() - chrono::Duration::hours(10 - hours));
            it
        })
        .collect();
    store.apply_update(a, now(), &update(items)).unwrap();
    let all = store.story_uids(&StoryQuery::all(None)).unwrap();
    assert_eq!(all.len(), 7);
    let titles: Vec<String> = store
        .stories(&StoryQuery::all(None))
        .unwrap()
        .into_iter()
        .map(|s| s.title)
        .collect();
    assert_eq!(
        titles,
        ["Story 6", "Story 5", "Story 4", "Story 3", "Story 2", "Story 1", "Story 0"]
    );
    let mut by_key = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let query = StoryQuery {
            limit: Some(3),
            before: before.clone(),
            ..StoryQuery::default()
        };
        let page = store.stories(&query).unwrap();
        let uids = store.story_uids(&query).unwrap();
        assert_eq!(page.iter().map(|s| s.uid.clone()).collect::<Vec<_>>(), uids);
        if page.is_empty() {
            break;
        }
        before = page.last().map(|s| s.uid.clone());
        by_key.extend(uids);
    }
    assert_eq!(by_key, all);
    let second = StoryQuery {
        limit: Some(3),
        offset: 3,
        ..StoryQuery::default()
    };
    assert_eq!(store.story_uids(&second).unwrap(), all[3..6]);
    // A uid no longer stored gives no entries.
    let gone = StoryQuery {
        before: Some("0123456789abcdef0123456789abcdef".into()),
        ..StoryQuery::default()
    };
    assert!(store.stories(&gone).unwrap().is_empty());
    // Every entry answers by its uid, with its sources.
    let one = store.story_by_uid(&all[2]).unwrap().unwrap();
    assert_eq!((one.title.as_str(), one.sources.len()), ("Story 4", 1));
    assert!(store.story_by_uid("nope").unwrap().is_none());
    store.ping().unwrap();
    assert_eq!(store.story_count().unwrap(), 7);
});

contract!(fn an_undated_seed_comes_after_every_dated_story(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let mut dated = item("dated", "Polled with a date", "Published an hour ago.");
    dated.story.published = Some(now() - chrono::Duration::hours(1));
    // A feed item without a date is dated by when it was first seen.
    let undated = item("undated", "Polled without a date", "First seen now.");
    store.apply_update(a, now(), &update(vec![dated, undated])).unwrap();
    let seed = |title: &str, body: &str, published| {
        crate::normalize::story_from_paragraphs(title, None, published, &[body.to_owned()])
    };
    let old = chrono::DateTime::from_timestamp(1_629_676_800, 0); // 23 Aug 2021
    store
        .upsert_seed("dated.txt", &seed("Seed of 2021", "Its file names a date.", old), later(60))
        .unwrap();
    // Imported after everything else, without a date: never the newest.
    store
        .upsert_seed("a.txt", &seed("Undated seed A", "Its file names no date.", None), later(120))
        .unwrap();
    store
        .upsert_seed("b.txt", &seed("Undated seed B", "Neither does this one.", None), later(180))
        .unwrap();

    let entries = store.stories(&StoryQuery::all(None)).unwrap();
    let order: Vec<(&str, Option<chrono::DateTime<chrono::Utc>>)> =
        entries.iter().map(|s| (s.title.as_str(), s.date())).collect();
    assert_eq!(
        order,
        [
            ("Polled without a date", Some(now())),
            ("Polled with a date", Some(now() - chrono::Duration::hours(1))),
            ("Seed of 2021", old),
            // Undated: after every dated story, newest insertion first.
            ("Undated seed B", None),
            ("Undated seed A", None),
        ]
    );
    // Page by page, by key, across the undated ones: the same order.
    let all = store.story_uids(&StoryQuery::all(None)).unwrap();
    let mut by_key = Vec::new();
    let mut before: Option<String> = None;
    for _ in 0..10 {
        let query = StoryQuery { limit: Some(2), before: before.clone(), ..StoryQuery::default() };
        let uids = store.story_uids(&query).unwrap();
        let Some(last) = uids.last().cloned() else { break };
        assert_eq!(
            store.stories(&query).unwrap().iter().map(|s| s.uid.clone()).collect::<Vec<_>>(),
            uids
        );
        by_key.extend(uids);
        before = Some(last);
    }
    assert_eq!(by_key, all);
    assert_eq!(all.len(), 5);
});
