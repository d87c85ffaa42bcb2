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
