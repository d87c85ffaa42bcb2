use super::*;
use crate::normalize::{Item, story_from_paragraphs};

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap()
}

fn item(guid: &str, title: &str, body: &str) -> Item {
    let story = story_from_paragraphs(title, None, None, &[body.to_owned()]);
    Item {
        guid: guid.to_owned(),
        link: None,
        story,
    }
}

fn update(items: Vec<Item>) -> FeedUpdate {
    FeedUpdate {
        etag: Some("\"v1\"".into()),
        http_status: 200,
        items,
        ..FeedUpdate::default()
    }
}

fn feed(store: &mut Store, url: &str) -> FeedId {
    store
        .ensure_feed(&Url::parse(url).unwrap(), None, now())
        .unwrap()
        .id
}

#[test]
fn migrations_are_idempotent_and_newer_schemas_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/feedloom.db");
    drop(Store::open(&path).unwrap());
    drop(Store::open(&path).unwrap());
    let conn = Connection::open(&path).unwrap();
    let version: u32 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
        .unwrap();
    drop(conn);
    let error = Store::open(&path).err().unwrap();
    assert!(matches!(error, Error::SchemaTooNew { .. }), "{error}");
}

#[test]
fn cross_posts_merge_into_one_story_with_a_sighting_per_feed() {
    let mut store = Store::open_in_memory().unwrap();
    let a = feed(&mut store, "https://a.example/feed");
    let b = feed(&mut store, "https://b.example/feed");
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
    let stories = store.stories(None).unwrap();
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
}

#[test]
fn an_edited_item_updates_its_story_and_keeps_its_public_id() {
    let mut store = Store::open_in_memory().unwrap();
    let a = feed(&mut store, "https://a.example/feed");
    store
        .apply_update(a, now(), &update(vec![item("g", "T", "First version")]))
        .unwrap();
    let uid = store.stories(None).unwrap()[0].uid.clone();
    let stats = store
        .apply_update(a, now(), &update(vec![item("g", "T", "Second version")]))
        .unwrap();
    assert_eq!(stats.updated, 1);
    let stories = store.stories(None).unwrap();
    assert_eq!(stories.len(), 1);
    assert_eq!(stories[0].uid, uid);
    assert_eq!(stories[0].content_text, "Second version");
    let stats = store
        .apply_update(a, now(), &update(vec![item("g", "T", "Second version")]))
        .unwrap();
    assert_eq!(stats.unchanged, 1);
}

#[test]
fn an_edit_in_one_feed_does_not_flip_flop_a_story_another_feed_carries() {
    let mut store = Store::open_in_memory().unwrap();
    let a = feed(&mut store, "https://a.example/feed");
    let b = feed(&mut store, "https://b.example/feed");
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
        .stories(None)
        .unwrap()
        .into_iter()
        .map(|s| s.content_text)
        .collect();
    assert_eq!(texts.len(), 2);
    assert!(texts.contains(&"Old".to_owned()) && texts.contains(&"New".to_owned()));
}

#[test]
fn a_failure_keeps_stories_and_counts_up() {
    let mut store = Store::open_in_memory().unwrap();
    let a = feed(&mut store, "https://a.example/feed");
    store
        .apply_update(a, now(), &update(vec![item("a", "T", "Body")]))
        .unwrap();
    store.record_failure(a, now(), Some(500), "boom").unwrap();
    store.record_failure(a, now(), None, "boom again").unwrap();
    let record = store
        .feed(&Url::parse("https://a.example/feed").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(record.consecutive_failures, 2);
    assert_eq!(record.last_error.as_deref(), Some("boom again"));
    assert_eq!(store.story_count().unwrap(), 1);
    store.record_not_modified(a, now()).unwrap();
    let record = store
        .feed(&Url::parse("https://a.example/feed").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(record.consecutive_failures, 0);
}

#[test]
fn seeds_are_idempotent_and_edits_update_in_place() {
    let mut store = Store::open_in_memory().unwrap();
    let story = story_from_paragraphs("Seed", None, None, &["Text".into()]);
    assert_eq!(
        store.upsert_seed("000.txt", &story, now()).unwrap(),
        SeedChange::Inserted
    );
    assert_eq!(
        store.upsert_seed("000.txt", &story, now()).unwrap(),
        SeedChange::Unchanged
    );
    let uid = store.stories(None).unwrap()[0].uid.clone();
    let edited = story_from_paragraphs("Seed", None, None, &["Text, edited".into()]);
    assert_eq!(
        store.upsert_seed("000.txt", &edited, now()).unwrap(),
        SeedChange::Updated
    );
    let stories = store.stories(None).unwrap();
    assert_eq!((stories.len(), stories[0].uid.as_str()), (1, uid.as_str()));
    assert_eq!(stories[0].origin, Origin::Seed);
}
