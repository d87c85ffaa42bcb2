//! Near-duplicate clusters: who joins, who founds, who leaves, and what
//! the entries show.

use super::backend::{TestDb, contract};
use super::common::*;
use crate::cluster::tests::{
    BACKGROUND, BACKGROUND_TITLE, OTHER, OTHER_TITLE, REWRITE, REWRITE_TITLE, WIRE, WIRE_TITLE,
};
use crate::normalize::story_from_paragraphs;
use crate::store::*;

/// The link of feed B's item: its edits keep it.
const B1: &str = "https://b.example/1";

/// Feed A carries the wire story, feed B its rewrite a minute later.
fn wire_and_rewrite(db: &dyn TestDb) -> (Box<dyn Storage>, FeedId, FeedId, String) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let b = feed(&mut *store, "https://b.example/feed");
    store
        .apply_update(a, now(), &update(vec![item("a1", WIRE_TITLE, WIRE)]))
        .unwrap();
    let uid = newest_uid(&*store);
    store
        .apply_update(
            b,
            later(60),
            &update(vec![linked("b1", REWRITE_TITLE, REWRITE, B1)]),
        )
        .unwrap();
    (store, a, b, uid)
}

contract!(fn a_rewrite_joins_the_cluster_and_the_entry_keeps_its_id(db) {
    let (store, _, _, uid) = wire_and_rewrite(db);
    assert_eq!(store.story_count().unwrap(), 2);
    let entries = store.stories(&StoryQuery::all(None)).unwrap();
    assert_eq!(entries.len(), 1, "{entries:#?}");
    let entry = &entries[0];
    assert_eq!(entry.uid, uid);
    assert_eq!(entry.title, WIRE_TITLE);
    assert_eq!(
        entry.changed_at,
        later(60),
        "a member joining changes the entry"
    );
    assert_eq!(entry.sources.len(), 1);
    assert_eq!(entry.also_reported_by.len(), 1);
    let member = &entry.also_reported_by[0];
    assert_eq!(member.feed_url, "https://b.example/feed");
    assert_eq!(member.title, REWRITE_TITLE);
    // The member keeps its own page, which names the founder's outlet.
    let page = store.story_by_uid(&member.uid).unwrap().unwrap();
    assert_eq!(page.title, REWRITE_TITLE);
    assert_eq!(page.also_reported_by.len(), 1);
    assert_eq!(page.also_reported_by[0].uid, uid);
    assert_eq!(page.also_reported_by[0].feed_url, "https://a.example/feed");
    let founder = store.story_by_uid(&uid).unwrap().unwrap();
    assert_eq!(founder.also_reported_by, entry.also_reported_by);
});

contract!(fn unrelated_and_background_sharing_stories_stay_apart(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let items = vec![
        item("1", WIRE_TITLE, WIRE),
        item("2", OTHER_TITLE, OTHER),
        item("3", BACKGROUND_TITLE, BACKGROUND),
    ];
    store.apply_update(a, now(), &update(items)).unwrap();
    let entries = store.stories(&StoryQuery::all(None)).unwrap();
    assert_eq!(entries.len(), 3);
    assert!(entries.iter().all(|e| e.also_reported_by.is_empty()));
});

contract!(fn a_member_of_the_same_feed_is_not_listed_twice(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let items = vec![
        item("1", WIRE_TITLE, WIRE),
        item("2", REWRITE_TITLE, REWRITE),
    ];
    store.apply_update(a, now(), &update(items)).unwrap();
    let entries = store.stories(&StoryQuery::all(None)).unwrap();
    assert_eq!(entries.len(), 1);
    assert!(entries[0].also_reported_by.is_empty());
});

contract!(fn a_member_edited_into_another_story_leaves_the_cluster(db) {
    let (mut store, _, b, uid) = wire_and_rewrite(db);
    store
        .apply_update(
            b,
            later(120),
            &update(vec![linked("b1", OTHER_TITLE, OTHER, B1)]),
        )
        .unwrap();
    let entries = store.stories(&StoryQuery::all(None)).unwrap();
    assert_eq!(entries.len(), 2, "{entries:#?}");
    let founder = entries.iter().find(|e| e.uid == uid).unwrap();
    assert!(founder.also_reported_by.is_empty());
    assert_eq!(
        founder.changed_at,
        later(120),
        "a member leaving changes the entry"
    );
    // Edited back: it joins again.
    store
        .apply_update(
            b,
            later(180),
            &update(vec![linked("b1", REWRITE_TITLE, REWRITE, B1)]),
        )
        .unwrap();
    assert_eq!(store.stories(&StoryQuery::all(None)).unwrap().len(), 1);
});

contract!(fn a_lightly_edited_member_stays_and_an_edited_founder_keeps_its_members(db) {
    let (mut store, a, b, uid) = wire_and_rewrite(db);
    let edited = REWRITE.replace("Local businesses", "Shops and hotels");
    store
        .apply_update(
            b,
            later(120),
            &update(vec![linked("b1", REWRITE_TITLE, &edited, B1)]),
        )
        .unwrap();
    let edited_wire = WIRE.replace("spokeswoman", "spokesman");
    store
        .apply_update(
            a,
            later(180),
            &update(vec![item("a1", WIRE_TITLE, &edited_wire)]),
        )
        .unwrap();
    let entries = store.stories(&StoryQuery::all(None)).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].uid, uid);
    assert_eq!(entries[0].also_reported_by.len(), 1);
});

contract!(fn a_deleted_founder_hands_the_cluster_to_its_earliest_member(db) {
    let (mut store, a, _, _) = wire_and_rewrite(db);
    // Feed A's item now reads exactly like B's story: A's old version is
    // superseded and deleted; B's story founds the cluster.
    supersede_a1(&mut *store, a, later(120));
    let entries = store.stories(&StoryQuery::all(None)).unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].title, REWRITE_TITLE);
    assert_eq!(entries[0].sources.len(), 2);
    assert_eq!(entries[0].changed_at, later(120));
});

contract!(fn the_five_seed_articles_are_five_clusters(db) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/seeds");
    let mut store = db.open();
    for article in crate::seeds::load_dir(&dir).unwrap() {
        let article = article.unwrap();
        let key = article
            .path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let story = story_from_paragraphs(&article.title, None, None, &article.paragraphs);
        assert_eq!(
            store.upsert_seed(&key, &story, now()).unwrap(),
            SeedChange::Inserted
        );
    }
    let entries = store.stories(&StoryQuery::all(None)).unwrap();
    assert_eq!(entries.len(), 5, "{entries:#?}");
    assert!(entries.iter().all(|e| e.also_reported_by.is_empty()));
    assert!(entries.iter().all(|e| e.origin == Origin::Seed));
});

contract!(fn bands_filled_by_another_algorithm_are_recomputed_at_open(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let b = feed(&mut *store, "https://b.example/feed");
    store
        .apply_update(a, now(), &update(vec![item("a1", WIRE_TITLE, WIRE)]))
        .unwrap();
    drop(store);
    let bands = crate::cluster::BANDS as i64;
    let count_where = |condition: &str| -> i64 {
        db.band_tables()
            .iter()
            .map(|table| db.query_i64(&format!("SELECT count(*) FROM {table} WHERE {condition}")))
            .sum()
    };
    // As an older build's index looks: its own keys (none of this build's)
    // under its own algorithm's name.
    for table in db.band_tables() {
        db.execute(&format!("UPDATE {table} SET hash = band"));
    }
    db.execute(
        "UPDATE meta SET value = 'minhash fnv1a64+splitmix 3-word shingles 16x3 v2'
          WHERE key = 'cluster_algorithm'",
    );
    assert_eq!(count_where("hash = band"), bands);
    let mut store = db.open();
    assert_eq!(count_where("hash = band"), 0, "no old key left");
    assert_eq!(count_where("hash != band"), bands, "every band recomputed");
    assert_eq!(
        db.query_i64(&format!(
            "SELECT count(*) FROM meta WHERE key = 'cluster_algorithm' AND value = '{}'",
            crate::cluster::ALGORITHM
        )),
        1
    );
    // The rewrite finds the wire story through the recomputed bands.
    store
        .apply_update(
            b,
            later(60),
            &update(vec![item("b1", REWRITE_TITLE, REWRITE)]),
        )
        .unwrap();
    assert_eq!(store.story_count().unwrap(), 2);
    let entries = store.stories(&StoryQuery::all(None)).unwrap();
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert_eq!(entries[0].title, WIRE_TITLE);
    assert_eq!(entries[0].also_reported_by.len(), 1);
});
