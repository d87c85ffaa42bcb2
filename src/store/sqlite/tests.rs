use chrono::{DateTime, Utc};
use rusqlite::{Connection, TransactionBehavior, params};
use url::Url;

use super::*;
use crate::normalize::story_from_paragraphs;
use crate::store::tests::common::{item, later, linked, now, supersede_a1, update};
use crate::store::*;

fn feed(store: &mut Store, url: &str) -> FeedId {
    store
        .ensure_feed(&Url::parse(url).unwrap(), None, now())
        .unwrap()
        .id
}

/// The public id of the newest stored story.
/// The cluster of the story titled `title`.
fn cluster_of(store: &Store, title: &str) -> i64 {
    store
        .conn
        .query_row(
            "SELECT cluster_id FROM stories WHERE title = ?1",
            [title],
            |row| row.get(0),
        )
        .unwrap()
}

/// Rows of `table`, or of the rows a `WHERE` after its name picks.
fn keys_in(store: &Store, table: &str) -> i64 {
    store
        .conn
        .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

/// Keys staged in both stage tables.
fn staged(store: &Store) -> i64 {
    keys_in(store, "band_stage_0") + keys_in(store, "band_stage_1")
}

/// Stages 70,000 band keys of no text for `story`: as many as a few
/// thousand stories stage, past the lowest move threshold.
fn stage_keys_of_no_text(store: &Store, story: i64) {
    store
        .conn
        .execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 70000)
             INSERT INTO band_stage_0 (band, hash, story_id)
             SELECT i % 16, i * 7919, ?1 FROM n",
            [story],
        )
        .unwrap();
}

/// A store in memory with two feeds, A and B.
fn two_feeds() -> (Store, FeedId, FeedId) {
    let mut store = Store::open_in_memory().unwrap();
    let a = feed(&mut store, "https://a.example/feed");
    let b = feed(&mut store, "https://b.example/feed");
    (store, a, b)
}

fn newest_uid(store: &Store) -> String {
    store.stories(&StoryQuery::all(None)).unwrap()[0]
        .uid
        .clone()
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

/// Stories stored before bylines were cleaned are mended by migration 11.
#[test]
fn migration_11_mends_the_bylines_stored_before() {
    use crate::store::tests::common::{assert_bylines_mended, old_byline_items};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feedloom.db");
    let mut store = Store::open(&path).unwrap();
    let a = feed(&mut store, "https://a.example/feed");
    store
        .apply_update(a, now(), &update(old_byline_items()))
        .unwrap();
    drop(store);
    let conn = Connection::open(&path).unwrap();
    // Back to version 10: the later migrations' additions undone too.
    conn.execute_batch(
        "DROP TABLE articles; ALTER TABLE stories DROP COLUMN summary;
         DROP TRIGGER stories_bands_delete;
         DROP TABLE band_stage_0; DROP TABLE band_stage_1;
         DROP TABLE band_gone; DROP TABLE band_moves;
         CREATE TABLE story_bands (
             band INTEGER NOT NULL, hash INTEGER NOT NULL,
             story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
             PRIMARY KEY (band, hash, story_id)) WITHOUT ROWID;",
    )
    .unwrap();
    conn.pragma_update(None, "user_version", 10).unwrap();
    drop(conn);
    let store = Store::open(&path).unwrap();
    assert_bylines_mended(&store);
}

#[test]
fn a_second_writer_waits_for_the_first_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feedloom.db");
    let mut store = Store::open(&path).unwrap();
    let a = feed(&mut store, "https://a.example/feed");
    // Another process (the CLI beside the daemon) holds the write lock for
    // a while.
    let (locked, release) = (
        std::sync::Arc::new(std::sync::Barrier::new(2)),
        std::time::Duration::from_millis(500),
    );
    let holder = {
        let path = path.clone();
        let locked = locked.clone();
        std::thread::spawn(move || {
            let mut conn = rusqlite::Connection::open(&path).unwrap();
            let tx = conn
                .transaction_with_behavior(TransactionBehavior::Immediate)
                .unwrap();
            tx.execute("UPDATE feeds SET title = 'held' WHERE id = 1", [])
                .unwrap();
            locked.wait();
            std::thread::sleep(release);
            tx.commit().unwrap();
        })
    };
    locked.wait();
    let started = std::time::Instant::now();
    let stats = store
        .apply_update(a, now(), &update(vec![item("g", "T", "Text")]))
        .expect("waits for the lock instead of failing with SQLITE_BUSY");
    assert_eq!(stats.new_stories, 1);
    assert!(started.elapsed() >= release / 2, "it did wait");
    holder.join().unwrap();
    assert_eq!(
        store
            .feed(&Url::parse("https://a.example/feed").unwrap())
            .unwrap()
            .unwrap()
            .title
            .as_deref(),
        Some("held")
    );
}

#[test]
fn open_existing_refuses_a_missing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("none.db");
    assert!(matches!(
        Store::open_existing(&path),
        Err(Error::Missing { .. })
    ));
    assert!(!path.exists());
}

mod clusters {
    use super::*;
    use crate::cluster::tests::{OTHER, OTHER_TITLE, REWRITE, REWRITE_TITLE, WIRE, WIRE_TITLE};

    /// The link of feed B's item: its edits keep it.
    const B1: &str = "https://b.example/1";

    fn bands(store: &Store) -> i64 {
        store
            .conn
            .query_row(
                "SELECT count(*) FROM (SELECT * FROM story_bands
                      UNION SELECT * FROM band_stage_0 UNION SELECT * FROM band_stage_1)",
                [],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// Keys in the band file of stories no longer stored.
    fn stray_band_keys(store: &Store) -> i64 {
        store
            .conn
            .query_row(
                "SELECT count(*) FROM story_bands WHERE story_id NOT IN (SELECT id FROM stories)",
                [],
                |r| r.get(0),
            )
            .unwrap()
    }

    /// Feed A carries the wire story, feed B its rewrite a minute later.
    fn wire_and_rewrite() -> (Store, FeedId, FeedId, String) {
        let (mut store, a, b) = two_feeds();
        store
            .apply_update(a, now(), &update(vec![item("a1", WIRE_TITLE, WIRE)]))
            .unwrap();
        let uid = newest_uid(&store);
        store
            .apply_update(
                b,
                later(60),
                &update(vec![linked("b1", REWRITE_TITLE, REWRITE, B1)]),
            )
            .unwrap();
        (store, a, b, uid)
    }

    #[test]
    fn a_lightly_edited_member_stays_and_an_edited_founder_keeps_its_members() {
        let (mut store, a, b, uid) = wire_and_rewrite();
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
        assert_eq!(bands(&store), 2 * crate::cluster::BANDS as i64);
    }

    /// New keys are staged; once moved into the band file they are found
    /// there, replaced there when their story is edited, and gone with it
    /// when it is deleted.
    #[test]
    fn band_keys_moved_into_the_large_index_are_found_edited_and_deleted_there() {
        let per_story = crate::cluster::BANDS as i64;
        let (mut store, a, b) = two_feeds();
        store
            .apply_update(a, now(), &update(vec![item("a1", WIRE_TITLE, WIRE)]))
            .unwrap();
        assert_eq!(staged(&store), per_story);
        assert_eq!(keys_in(&store, "story_bands"), 0);
        assert_eq!(store.settle_bands().unwrap(), per_story as usize);
        assert_eq!(staged(&store), 0);
        assert_eq!(keys_in(&store, "story_bands"), per_story);
        // The rewrite finds the wire story in the large table; its own keys
        // go to the small one.
        store
            .apply_update(
                b,
                later(60),
                &update(vec![linked("b1", REWRITE_TITLE, REWRITE, B1)]),
            )
            .unwrap();
        let entries = store.stories(&StoryQuery::all(None)).unwrap();
        assert_eq!(entries.len(), 1, "{entries:#?}");
        assert_eq!(entries[0].title, WIRE_TITLE);
        assert_eq!(keys_in(&store, "story_bands"), per_story);
        assert_eq!(staged(&store), per_story);
        // Editing the wire story replaces its moved keys: its new ones are
        // staged, and the next move takes the old ones from the band file
        // before it copies the new ones.
        let edited = WIRE.replace("spokeswoman", "spokesman");
        store
            .apply_update(
                a,
                later(120),
                &update(vec![item("a1", WIRE_TITLE, &edited)]),
            )
            .unwrap();
        assert_eq!(staged(&store), 2 * per_story);
        assert_eq!(keys_in(&store, "band_gone"), 1);
        assert_eq!(store.stories(&StoryQuery::all(None)).unwrap().len(), 1);
        store.settle_bands().unwrap();
        assert_eq!(staged(&store), 0);
        assert_eq!(keys_in(&store, "band_gone"), 0);
        assert_eq!(keys_in(&store, "story_bands"), 2 * per_story);
        let wire_keys: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM story_bands
                  WHERE story_id = (SELECT id FROM stories WHERE title = ?1)",
                [WIRE_TITLE],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(wire_keys, per_story, "only the edited text's keys");
        assert_eq!(bands(&store), 2 * per_story);
        // Deleting a story takes its keys from wherever they are.
        supersede_a1(&mut store, a, later(180));
        store.settle_bands().unwrap();
        assert_eq!(bands(&store), per_story);
    }

    /// A story edited while its keys are still staged has them replaced
    /// there, by key: the keys of its old text leave the stage table, and
    /// only the new ones are moved.
    #[test]
    fn a_story_edited_before_its_keys_moved_has_its_staged_keys_replaced() {
        let per_story = crate::cluster::BANDS as i64;
        let mut store = Store::open_in_memory().unwrap();
        let a = feed(&mut store, "https://a.example/feed");
        store
            .apply_update(a, now(), &update(vec![item("a1", WIRE_TITLE, WIRE)]))
            .unwrap();
        assert_eq!(staged(&store), per_story);
        let edited = WIRE.replace("spokeswoman", "spokesman");
        store
            .apply_update(a, later(60), &update(vec![item("a1", WIRE_TITLE, &edited)]))
            .unwrap();
        assert_eq!(store.story_count().unwrap(), 1);
        assert_eq!(staged(&store), per_story, "the old text's keys left");
        let new_keys = crate::cluster::fingerprint(WIRE_TITLE, &edited);
        let old_keys = crate::cluster::fingerprint(WIRE_TITLE, WIRE);
        assert_ne!(new_keys.bands(), old_keys.bands());
        let staged_now: Vec<i64> = store
            .conn
            .prepare(
                "SELECT hash FROM band_stage_0 UNION ALL SELECT hash FROM band_stage_1 ORDER BY 1",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        let mut expected: Vec<i64> = new_keys.bands().iter().map(|h| *h as i64).collect();
        expected.sort_unstable();
        assert_eq!(staged_now, expected);
        store.settle_bands().unwrap();
        assert_eq!(keys_in(&store, "story_bands"), per_story);
    }

    /// The newest story deleted while its keys are staged: its id is not
    /// given to the next story, which would otherwise inherit those keys
    /// at the next move (they stay staged until then).
    #[test]
    fn a_deleted_newest_story_does_not_hand_its_staged_keys_to_the_next_story() {
        let (mut store, a, b) = two_feeds();
        store
            .apply_update(b, now(), &update(vec![item("b1", REWRITE_TITLE, REWRITE)]))
            .unwrap();
        store
            .apply_update(a, later(60), &update(vec![item("a1", WIRE_TITLE, WIRE)]))
            .unwrap();
        let wire: i64 = store
            .conn
            .query_row("SELECT max(id) FROM stories", [], |r| r.get(0))
            .unwrap();
        // A's item now reads exactly as B's story: A's, the newest, goes.
        supersede_a1(&mut store, a, later(120));
        store
            .apply_update(a, later(180), &update(vec![item("a2", OTHER_TITLE, OTHER)]))
            .unwrap();
        let other: i64 = store
            .conn
            .query_row(
                "SELECT id FROM stories WHERE title = ?1",
                [OTHER_TITLE],
                |r| r.get(0),
            )
            .unwrap();
        assert!(other > wire, "{other} after {wire}");
        store.settle_bands().unwrap();
        let keys: i64 = store
            .conn
            .query_row(
                "SELECT count(*) FROM story_bands WHERE story_id = ?1",
                [other],
                |r| r.get(0),
            )
            .unwrap();
        let own = crate::cluster::fingerprint(OTHER_TITLE, OTHER)
            .bands()
            .len() as i64;
        assert_eq!(keys, own, "only its own keys");
        let strays = stray_band_keys(&store);
        assert_eq!(strays, 0);
    }

    /// A batch that leaves enough keys staged moves them all into the band
    /// index; fewer stay where they are.
    #[test]
    fn a_batch_moves_the_recent_keys_once_enough_have_gathered() {
        let mut store = Store::open_in_memory().unwrap();
        let a = feed(&mut store, "https://a.example/feed");
        store
            .apply_update(a, now(), &update(vec![item("a1", WIRE_TITLE, WIRE)]))
            .unwrap();
        let wire: i64 = store
            .conn
            .query_row("SELECT id FROM stories", [], |r| r.get(0))
            .unwrap();
        stage_keys_of_no_text(&store, wire);
        let gathered = staged(&store);
        assert!(gathered > 70_000, "{gathered}");
        // An unrelated story's batch moves everything, its keys too.
        store
            .apply_update(a, later(60), &update(vec![item("a2", OTHER_TITLE, OTHER)]))
            .unwrap();
        assert_eq!(staged(&store), 0);
        assert_eq!(
            keys_in(&store, "story_bands"),
            gathered + crate::cluster::BANDS as i64
        );
        // A batch with few keys gathered leaves them.
        store
            .apply_update(
                a,
                later(120),
                &update(vec![item("a3", REWRITE_TITLE, REWRITE)]),
            )
            .unwrap();
        assert_eq!(staged(&store), crate::cluster::BANDS as i64);
    }

    #[test]
    fn a_deleted_founder_hands_the_cluster_to_its_earliest_member() {
        let (mut store, a, _, _) = wire_and_rewrite();
        // Feed A's item now reads exactly like B's story: A's old version
        // is superseded and deleted; B's story founds the cluster.
        supersede_a1(&mut store, a, later(120));
        let entries = store.stories(&StoryQuery::all(None)).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].title, REWRITE_TITLE);
        assert_eq!(entries[0].sources.len(), 2);
        // The deleted story's staged keys stay until the next move (the
        // stage tables have no index by story), which leaves them out.
        let per_story = crate::cluster::BANDS as i64;
        assert_eq!(staged(&store), 2 * per_story);
        assert_eq!(keys_in(&store, "band_gone"), 1);
        store.settle_bands().unwrap();
        assert_eq!(keys_in(&store, "band_gone"), 0);
        assert_eq!(bands(&store), per_story);
        let strays = stray_band_keys(&store);
        assert_eq!(strays, 0, "no key of the deleted story moved");
    }

    #[test]
    fn the_five_seed_articles_are_five_clusters() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config/seeds");
        let mut store = Store::open_in_memory().unwrap();
        let mut stories = Vec::new();
        for article in crate::seeds::load_dir(&dir).unwrap() {
            let article = article.unwrap();
            let key = article
                .path
                .file_name()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            let story = story_from_paragraphs(&article.title, None, None, &article.paragraphs);
            assert!(story.fingerprint.is_clusterable(), "{key}");
            assert_eq!(
                store.upsert_seed(&key, &story, now()).unwrap(),
                SeedChange::Inserted
            );
            stories.push((key, story));
        }
        assert_eq!(stories.len(), 5);
        // 002 (Zenger) and 003 (TASS) share their background paragraphs
        // (the Taliban's offensive, Kabul, Ghani, Saleh): the most similar
        // pair of the five, and still far from a near duplicate.
        let mut closest = (0.0, String::new());
        for (i, (a, sa)) in stories.iter().enumerate() {
            for (b, sb) in &stories[i + 1..] {
                let s = crate::cluster::similarity(
                    &crate::cluster::shingles(&sa.title, &sa.content_text),
                    &crate::cluster::shingles(&sb.title, &sb.content_text),
                );
                assert!(!s.confirms(), "{a} {b} {s:?}");
                if s.containment > closest.0 {
                    closest = (s.containment, format!("{a} {b} {s:?}"));
                }
            }
        }
        assert!(
            closest.1.starts_with("002_") && closest.1.contains(" 003_"),
            "{closest:?}"
        );
        let entries = store.stories(&StoryQuery::all(None)).unwrap();
        assert_eq!(entries.len(), 5, "{entries:#?}");
        assert!(entries.iter().all(|e| e.also_reported_by.is_empty()));
        let clusters: i64 = store
            .conn
            .query_row("SELECT count(DISTINCT cluster_id) FROM stories", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(clusters, 5);
    }

    #[test]
    fn bands_of_stories_stored_before_clusters_are_filled_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feedloom.db");
        {
            let mut store = Store::open(&path).unwrap();
            let a = feed(&mut store, "https://a.example/feed");
            let items = vec![item("1", WIRE_TITLE, WIRE), item("2", OTHER_TITLE, OTHER)];
            store.apply_update(a, now(), &update(items)).unwrap();
            assert_eq!(bands(&store), 2 * crate::cluster::BANDS as i64);
        }
        // As a database migrated from version 2 looks: no bands, no marker.
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "DELETE FROM band_stage_0; DELETE FROM band_stage_1;
             DELETE FROM meta WHERE key = 'cluster_algorithm';",
        )
        .unwrap();
        drop(conn);
        let mut store = Store::open(&path).unwrap();
        assert_eq!(bands(&store), 2 * crate::cluster::BANDS as i64);
        // And a rewrite stored now finds the old story.
        let b = feed(&mut store, "https://b.example/feed");
        store
            .apply_update(
                b,
                later(60),
                &update(vec![item("b", REWRITE_TITLE, REWRITE)]),
            )
            .unwrap();
        assert_eq!(store.stories(&StoryQuery::all(None)).unwrap().len(), 2);
        let probe = store
            .near_duplicates(&item("probe", REWRITE_TITLE, REWRITE).story)
            .unwrap();
        assert!(probe.candidates >= 2 && probe.joined.is_some(), "{probe:?}");
    }
}

mod retention {
    use super::*;

    fn prune(
        store: &mut Store,
        on_topic_before: Option<DateTime<Utc>>,
        off_topic_before: Option<DateTime<Utc>>,
    ) -> Pruned {
        Pruned::until_done(|| store.prune_batch(on_topic_before, off_topic_before)).unwrap()
    }

    fn days(n: i64) -> chrono::Duration {
        chrono::Duration::days(n)
    }

    /// Stores `body` from `feed` at `at`, with a verdict: on topic or not.
    fn story_at(
        store: &mut Store,
        feed: FeedId,
        guid: &str,
        body: &str,
        at: DateTime<Utc>,
        on: bool,
    ) {
        store
            .apply_update(feed, at, &update(vec![item(guid, guid, body)]))
            .unwrap();
        scored(store, guid, on);
    }

    /// Records a verdict for the story under `guid` and takes it off the
    /// score queue, as the scoring task would.
    fn scored(store: &Store, guid: &str, on: bool) {
        store
            .conn
            .execute(
                "INSERT INTO story_topics (topic, story_id, score, on_topic, reason, scored_at)
                 SELECT 'main', story_id, 0.5, ?2, 'score', 0 FROM sightings WHERE guid = ?1",
                params![guid, on],
            )
            .unwrap();
        store
            .conn
            .execute(
                "DELETE FROM score_queue WHERE story_id IN (SELECT story_id FROM sightings WHERE guid = ?1)",
                [guid],
            )
            .unwrap();
    }

    fn guids(store: &Store) -> Vec<String> {
        let mut statement = store
            .conn
            .prepare("SELECT guid FROM sightings ORDER BY guid")
            .unwrap();
        statement
            .query_map([], |row| row.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }

    #[test]
    fn old_off_topic_clusters_go_and_everything_else_stays() {
        let mut store = Store::open_in_memory().unwrap();
        let a = feed(&mut store, "https://a.example/feed");
        let old = now() - days(40);
        story_at(&mut store, a, "old-off", "Old off-topic text.", old, false);
        story_at(&mut store, a, "old-on", "Old on-topic text.", old, true);
        story_at(
            &mut store,
            a,
            "new-off",
            "New off-topic text.",
            now() - days(2),
            false,
        );
        // Old, but unscored.
        store
            .apply_update(
                a,
                old,
                &update(vec![item("old-unscored", "U", "Unscored text.")]),
            )
            .unwrap();
        // Old, off topic, but its feed still carried it yesterday.
        story_at(
            &mut store,
            a,
            "still-carried",
            "Still carried text.",
            old,
            false,
        );
        store
            .conn
            .execute(
                "UPDATE sightings SET last_seen_at = ?1 WHERE guid = 'still-carried'",
                [(now() - days(1)).timestamp()],
            )
            .unwrap();
        // Old, off topic, parsed long ago, but its feed has answered 304
        // since: still carried.
        let b = feed(&mut store, "https://b.example/feed");
        story_at(
            &mut store,
            b,
            "unchanged-feed",
            "Unchanged feed text.",
            old,
            false,
        );
        store.record_not_modified(b, now() - days(1)).unwrap();
        // Old, off topic, and its feed's latest body (parsed long ago too)
        // was empty, then 304s: not carried.
        let c = feed(&mut store, "https://c.example/feed");
        story_at(
            &mut store,
            c,
            "dropped-then-empty",
            "Dropped text.",
            old,
            false,
        );
        store
            .apply_update(c, old + days(1), &update(Vec::new()))
            .unwrap();
        store.record_not_modified(c, now() - days(1)).unwrap();
        store.index_all_pending().unwrap();

        let pruned = prune(&mut store, None, Some(now() - days(30)));
        assert_eq!(
            pruned,
            Pruned {
                clusters: 2,
                stories: 2
            }
        );
        assert_eq!(
            guids(&store),
            [
                "new-off",
                "old-on",
                "old-unscored",
                "still-carried",
                "unchanged-feed"
            ]
        );
        // Searching finds nothing of it, and the index is consistent.
        assert!(
            store
                .search(&SearchQuery {
                    text: "old off-topic".into(),
                    topic: "main".into(),
                    limit: 10,
                    offset: 0
                })
                .unwrap()
                .is_empty()
        );
        store
            .conn
            .execute(
                "INSERT INTO stories_fts (stories_fts, rank) VALUES ('integrity-check', 1)",
                [],
            )
            .unwrap();
        // A second run has nothing left to do.
        assert_eq!(
            prune(&mut store, None, Some(now() - days(30))),
            Pruned::default()
        );
        // An on-topic cutoff prunes on-topic clusters too.
        let pruned = prune(&mut store, Some(now() - days(30)), None);
        assert_eq!(pruned.stories, 1);
        assert!(!guids(&store).contains(&"old-on".to_owned()));
    }

    #[test]
    fn a_cluster_goes_whole_and_only_when_no_member_is_on_topic() {
        use crate::cluster::tests::{REWRITE, REWRITE_TITLE, WIRE, WIRE_TITLE};
        let (mut store, a, b) = two_feeds();
        let old = now() - days(40);
        let mut write = |feed: FeedId, guid: &str, title: &str, text: &str, on: bool| {
            store
                .apply_update(feed, old, &update(vec![item(guid, title, text)]))
                .unwrap();
            scored(&store, guid, on);
        };
        // The wire story is off topic, its rewrite (same cluster) on topic.
        write(a, "wire", WIRE_TITLE, WIRE, false);
        write(b, "rewrite", REWRITE_TITLE, REWRITE, true);
        assert_eq!(
            store.stories(&StoryQuery::all(None)).unwrap().len(),
            1,
            "one cluster"
        );
        assert_eq!(
            prune(&mut store, None, Some(now() - days(30))),
            Pruned::default()
        );
        // Once the rewrite is off topic too, the whole cluster goes.
        store
            .conn
            .execute("UPDATE story_topics SET on_topic = 0", [])
            .unwrap();
        assert_eq!(
            prune(&mut store, None, Some(now() - days(30))),
            Pruned {
                clusters: 1,
                stories: 2
            }
        );
        assert_eq!(store.story_count().unwrap(), 0);
    }

    #[test]
    fn seeds_are_never_pruned() {
        let mut store = Store::open_in_memory().unwrap();
        let seed = story_from_paragraphs(
            "Seed",
            None,
            None,
            &["Seed text that defines the topic.".to_owned()],
        );
        store
            .upsert_seed("seed.txt", &seed, now() - days(400))
            .unwrap();
        store.conn.execute("DELETE FROM score_queue", []).unwrap();
        assert_eq!(
            prune(&mut store, Some(now()), Some(now())),
            Pruned::default()
        );
        assert_eq!(store.story_count().unwrap(), 1);
    }

    #[test]
    fn the_time_of_the_last_prune_is_kept_in_the_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feedloom.db");
        let mut store = Store::open(&path).unwrap();
        assert_eq!(store.pruned_at().unwrap(), None);
        let at = now() - days(1);
        store.set_pruned_at(at).unwrap();
        drop(store);
        // Another process (the next `feedloom poll`) sees it.
        let store = Store::open(&path).unwrap();
        assert_eq!(store.pruned_at().unwrap(), Some(at));
    }
}

#[test]
fn an_unchanged_feed_title_is_not_written_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feedloom.db");
    let mut store = Store::open(&path).unwrap();
    let url = Url::parse("https://t.example/feed").unwrap();
    store.ensure_feed(&url, Some("Title"), now()).unwrap();
    // While another connection holds the write lock, ensuring the same row
    // with the same title only reads, so it does not wait for the lock.
    let writer = Connection::open(&path).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    store.conn.busy_timeout(std::time::Duration::ZERO).unwrap();
    let record = store.ensure_feed(&url, Some("Title"), now()).unwrap();
    assert_eq!(record.title.as_deref(), Some("Title"));
    assert!(
        store.ensure_feed(&url, Some("Renamed"), now()).is_err(),
        "a new title is a write, which waits for the lock"
    );
    writer.execute_batch("ROLLBACK").unwrap();
    let record = store.ensure_feed(&url, Some("Renamed"), now()).unwrap();
    assert_eq!(record.title.as_deref(), Some("Renamed"));
}

#[test]
fn opening_does_not_wait_for_a_writer() {
    // The server opens a connection per search while a poll holds the write
    // lock for a whole batch: opening must only read.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feedloom.db");
    drop(Store::open(&path).unwrap());
    let writer = Connection::open(&path).unwrap();
    writer.execute_batch("BEGIN IMMEDIATE").unwrap();
    let reader = Store::open(&path).expect("opens while another connection writes");
    assert_eq!(reader.story_count().unwrap(), 0);
    writer.execute_batch("ROLLBACK").unwrap();
}

/// The plan of a topic page with a feed list: `EXPLAIN QUERY PLAN`'s
/// details, one per step.
fn page_plan(store: &Store, before: Option<&str>) -> Vec<String> {
    let query = StoryQuery {
        topic: Some("main".to_owned()),
        feeds: Some(vec!["http://127.0.0.1/a.xml".to_owned()]),
        limit: Some(51),
        offset: 0,
        before: before.map(str::to_owned),
    };
    let (sql, values) = super::read::page_sql(&query, "id");
    let mut statement = store
        .conn
        .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
        .unwrap();
    statement
        .query_map(rusqlite::params_from_iter(&values), |row| {
            row.get::<_, String>(3)
        })
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn a_topic_page_reads_each_candidates_verdicts_and_sightings_by_key() {
    let store = Store::open_in_memory().unwrap();
    let plan = page_plan(&store, None);
    // The entries in date order, each candidate checked through its
    // members: a subquery that reads a whole topic's verdicts, or a whole
    // feed's sightings, per candidate makes a page cost grow with the
    // square of the stories stored.
    assert!(
        plan[0].starts_with("SCAN stories USING INDEX stories_by_date"),
        "{plan:#?}"
    );
    let verdicts: Vec<&String> = plan.iter().filter(|p| p.starts_with("SEARCH t ")).collect();
    assert_eq!(verdicts.len(), 2, "{plan:#?}");
    for step in verdicts {
        assert!(step.contains("(topic=? AND story_id=?)"), "{plan:#?}");
    }
    let members: Vec<&String> = plan.iter().filter(|p| p.starts_with("SEARCH m ")).collect();
    assert_eq!(members.len(), 2, "{plan:#?}");
    for step in members {
        assert!(
            step.contains("stories_by_cluster (cluster_id=?)"),
            "{plan:#?}"
        );
    }
    let sightings: Vec<&String> = plan.iter().filter(|p| p.starts_with("SEARCH g ")).collect();
    assert_eq!(sightings.len(), 1, "{plan:#?}");
    assert!(
        sightings[0].contains("sightings_by_story (story_id=?)"),
        "{plan:#?}"
    );
}

#[test]
fn a_page_after_a_story_starts_the_scan_at_that_story_by_index() {
    let store = Store::open_in_memory().unwrap();
    let plan = page_plan(&store, Some("0123456789abcdef0123456789abcdef"));
    // A range of the date index, not a scan from the newest: a page's cost
    // does not grow with how deep it is.
    assert!(
        plan[0].starts_with("SEARCH stories USING INDEX stories_by_date (<expr><?)"),
        "{plan:#?}"
    );
}

/// The server's reader stops its statement when the client goes away: the
/// handle from `interrupter` ends a statement running on another thread
/// (here one that would never end) with an error, and the connection
/// serves the next statement.
#[test]
fn the_interrupter_stops_a_running_statement() {
    let store = Store::open_in_memory().unwrap();
    let interrupter = store.interrupter();
    let (started, running) = std::sync::mpsc::channel();
    let worker = std::thread::spawn(move || {
        started.send(()).unwrap();
        let endless = store.conn.query_row(
            "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) \
             SELECT count(*) FROM n",
            [],
            |row| row.get::<_, i64>(0),
        );
        (store, endless)
    });
    running.recv().unwrap();
    // Bounded: interrupt until the worker ends (a first interrupt may come
    // before its statement starts, which SQLite ignores).
    for _ in 0..500 {
        interrupter.interrupt();
        if worker.is_finished() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let (store, endless) = worker.join().unwrap();
    let error = endless.unwrap_err();
    assert_eq!(
        error.sqlite_error_code(),
        Some(rusqlite::ErrorCode::OperationInterrupted),
        "{error}"
    );
    store.ping().unwrap();
}

/// Near-duplicate candidates checked before the write
/// (`StoryWriter::check_candidates`) and reused by it.
mod candidate_checks {
    use super::*;
    use crate::cluster::tests::{OTHER, OTHER_TITLE, REWRITE, REWRITE_TITLE, WIRE, WIRE_TITLE};

    fn id_of(store: &Store, title: &str) -> StoryId {
        StoryId(
            store
                .conn
                .query_row("SELECT id FROM stories WHERE title = ?1", [title], |row| {
                    row.get(0)
                })
                .unwrap(),
        )
    }

    #[test]
    fn a_checked_rewrite_joins_the_cluster_its_check_found() {
        let (mut store, a, b) = two_feeds();
        store
            .apply_update(a, now(), &update(vec![item("a1", WIRE_TITLE, WIRE)]))
            .unwrap();
        let rewrite = item("b1", REWRITE_TITLE, REWRITE);
        let other = item("b2", OTHER_TITLE, OTHER);
        let checks = store
            .check_candidates(&[&rewrite.story, &other.story])
            .unwrap();
        let wire = id_of(&store, WIRE_TITLE);
        let found = checks[0].find(wire).expect("the wire story is a candidate");
        assert!(found.confirms);
        assert!(checks[1].find(wire).is_none_or(|check| !check.confirms));
        let mut hinted = update(vec![rewrite, other]);
        hinted.candidates = checks;
        store.apply_update(b, now(), &hinted).unwrap();
        assert_eq!(cluster_of(&store, REWRITE_TITLE), wire.0);
        assert_ne!(cluster_of(&store, OTHER_TITLE), wire.0);
    }

    #[test]
    fn a_check_of_another_version_of_the_candidate_is_not_trusted() {
        let (mut store, a, b) = two_feeds();
        store
            .apply_update(a, now(), &update(vec![item("a1", WIRE_TITLE, WIRE)]))
            .unwrap();
        let wire = id_of(&store, WIRE_TITLE);
        // A check made before the candidate was edited says it confirms an
        // unrelated story; the candidate's hash has moved on since, so the
        // writer compares the texts itself and keeps them apart.
        let unrelated = item("b1", OTHER_TITLE, OTHER);
        let mut hinted = update(vec![unrelated]);
        hinted.candidates = vec![CandidateChecks {
            checked: vec![CandidateCheck {
                story: wire,
                content_hash: "an older version".to_owned(),
                confirms: true,
            }],
        }];
        // Make the wire story a candidate of the unrelated one: same bands.
        let fingerprint = &hinted.items[0].story.fingerprint;
        for (band, hash) in fingerprint.bands().iter().enumerate() {
            store
                .conn
                .execute(
                    "INSERT OR IGNORE INTO band_stage_0 (band, hash, story_id) VALUES (?1, ?2, ?3)",
                    params![band as i64, *hash as i64, wire.0],
                )
                .unwrap();
        }
        store.apply_update(b, now(), &hinted).unwrap();
        assert_ne!(cluster_of(&store, OTHER_TITLE), wire.0);
        // And the same hint with the current hash is taken as it is: the
        // comparison depends only on the two texts.
        let current: String = store
            .conn
            .query_row(
                "SELECT content_hash FROM stories WHERE id = ?1",
                [wire.0],
                |row| row.get(0),
            )
            .unwrap();
        let again = item("b2", REWRITE_TITLE, REWRITE);
        let mut hinted = update(vec![again]);
        hinted.candidates = store.check_candidates(&[&hinted.items[0].story]).unwrap();
        assert_eq!(hinted.candidates[0].checked[0].content_hash, current);
        store.apply_update(b, now(), &hinted).unwrap();
        assert_eq!(cluster_of(&store, REWRITE_TITLE), wire.0);
    }

    #[test]
    fn stored_contents_are_found_by_hash() {
        let mut store = Store::open_in_memory().unwrap();
        let a = feed(&mut store, "https://a.example/feed");
        let stored = item("a1", WIRE_TITLE, WIRE);
        let hash = stored.story.content_hash.clone();
        store.apply_update(a, now(), &update(vec![stored])).unwrap();
        let new = item("a2", OTHER_TITLE, OTHER);
        let found = store
            .stored_hashes(&[&hash, &new.story.content_hash])
            .unwrap();
        assert_eq!(found.len(), 1);
        assert!(found.contains(hash.as_str()));
    }
}

/// With SQLite's STAT4 compiled in, a statement whose WHERE compares an
/// indexed column with a bound value was planned again whenever the value
/// changed: the band look-ups, sixteen per story, spent a sixth of their
/// time being re-prepared. Every connection plans once
/// (`SQLITE_DBCONFIG_ENABLE_QPSG`).
#[test]
fn statements_are_not_planned_again_for_new_values() {
    let store = Store::open_in_memory().unwrap();
    let mut lookup = store
        .conn
        .prepare(
            "SELECT story_id FROM band_stage_0 WHERE band = ?1 AND hash = ?2
             ORDER BY story_id DESC LIMIT ?3",
        )
        .unwrap();
    for n in 0..20i64 {
        let rows = lookup
            .query_map(params![n % 16, n * 7919, 32], |row| row.get::<_, i64>(0))
            .unwrap()
            .count();
        assert_eq!(rows, 0);
    }
    assert_eq!(lookup.get_status(rusqlite::StatementStatus::RePrepare), 0);
}

mod page_cache {
    use super::*;
    use crate::store::sqlite::open::writer_cache_kib;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn the_writers_cache_is_4_mib_then_grows_beyond_384_mib_of_file_up_to_64_mib() {
        assert_eq!(writer_cache_kib(0), 4 * 1024);
        assert_eq!(writer_cache_kib(384 * MIB), 4 * 1024);
        assert_eq!(writer_cache_kib(512 * MIB), 12 * 1024);
        assert_eq!(writer_cache_kib(768 * MIB), 28 * 1024);
        assert_eq!(writer_cache_kib(1344 * MIB), 64 * 1024);
        assert_eq!(writer_cache_kib(u64::MAX), 64 * 1024);
    }

    /// The first batch sizes the writer's page cache for its file (less
    /// than every connection opens with, for a small one); later batches
    /// grow it with the file and never take it down.
    #[test]
    fn a_batch_sizes_the_writers_cache_and_it_never_shrinks() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(&dir.path().join("f.db")).unwrap();
        let a = feed(&mut store, "https://a.example/feed");
        assert_eq!(store.cache_kib().unwrap(), 16 * 1024);
        store
            .apply_update(a, now(), &update(vec![item("a1", "One", "First story.")]))
            .unwrap();
        assert_eq!(store.cache_kib().unwrap(), 4 * 1024);
        store.size_writer_cache_for(1024 * MIB).unwrap();
        assert_eq!(store.cache_kib().unwrap(), 44 * 1024);
        store
            .apply_update(a, now(), &update(vec![item("a2", "Two", "Second story.")]))
            .unwrap();
        assert_eq!(store.cache_kib().unwrap(), 44 * 1024);
    }
}

mod band_filter {
    use super::*;
    use crate::cluster::tests::{OTHER, OTHER_TITLE, REWRITE, REWRITE_TITLE, WIRE, WIRE_TITLE};

    /// The writer under test and another connection on the same file (the
    /// CLI beside the daemon), each with a feed of its own.
    fn two_connections() -> (tempfile::TempDir, Store, Store, FeedId, FeedId) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feedloom.db");
        let mut writer = Store::open(&path).unwrap();
        let mut other = Store::open(&path).unwrap();
        let a = feed(&mut writer, "https://a.example/feed");
        let b = feed(&mut other, "https://b.example/feed");
        (dir, writer, other, a, b)
    }

    /// A story the store refuses when written for [`MISSING`]: its sighting
    /// names no feed. Its band keys were written by then.
    fn refused() -> FeedUpdate {
        update(vec![item(
            "x1",
            "Refused",
            crate::cluster::tests::BACKGROUND,
        )])
    }

    /// A feed that does not exist.
    const MISSING: FeedId = FeedId(999);

    /// Band keys spread like real ones (SplitMix64), `n` of them from `seed`.
    fn keys(seed: u64, n: usize) -> Vec<(usize, u64)> {
        let mut state = seed;
        (0..n)
            .map(|i| {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                (i % crate::cluster::BANDS, z ^ (z >> 31))
            })
            .collect()
    }

    /// Built from the band file and the stage tables, then grown past its first layer by
    /// keys written since: every stored key is a "maybe", and absent keys
    /// are nearly all a "no" (the look-ups it spares).
    #[test]
    fn the_filter_holds_every_stored_key_and_few_others() {
        let mut store = Store::open_in_memory().unwrap();
        let stored = keys(1, 40_000);
        let written = keys(2, 100_000);
        let absent = keys(3, 20_000);
        {
            let tx = store.conn.transaction().unwrap();
            for (index, (band, hash)) in stored.iter().enumerate() {
                // In each table: the filter reads them all.
                let table = ["band_stage_0", "band_stage_1", "story_bands"][index % 3];
                tx.execute(
                    &format!("INSERT INTO {table} (band, hash, story_id) VALUES (?1, ?2, 1)"),
                    params![*band as i64, *hash as i64],
                )
                .unwrap();
            }
            tx.commit().unwrap();
        }
        let tx = store
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .unwrap();
        store.bands.begin(&tx).unwrap();
        assert!(
            store.bands.is_built(),
            "an empty store's writer builds it at once"
        );
        for chunk in written.chunks(crate::cluster::BANDS) {
            let hashes: Vec<u64> = chunk.iter().map(|(_, hash)| *hash).collect();
            store.bands.bump(&tx, &hashes).unwrap();
        }
        drop(tx);
        for (band, hash) in stored.iter().chain(&written) {
            assert!(store.bands.may_hold(*band, *hash), "{band} {hash:x}");
        }
        let false_positives = absent
            .iter()
            .filter(|(band, hash)| store.bands.may_hold(*band, *hash))
            .count();
        assert!(
            false_positives < absent.len() / 20,
            "{false_positives} of {} absent keys passed",
            absent.len()
        );
    }

    /// Keys of deleted stories stay in the filter; once it is full and
    /// holds more than twice the keys stored, it is read again from the
    /// index instead of growing a layer.
    #[test]
    fn a_full_filter_of_mostly_deleted_keys_is_read_again() {
        let mut store = Store::open_in_memory().unwrap();
        let stored = keys(1, 1_000);
        for (band, hash) in &stored {
            store
                .conn
                .execute(
                    "INSERT INTO band_stage_0 (band, hash, story_id) VALUES (?1, ?2, 1)",
                    params![*band as i64, *hash as i64],
                )
                .unwrap();
        }
        let tx = store
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .unwrap();
        store.bands.begin(&tx).unwrap();
        assert_eq!(store.bands.held(), 1_000);
        // Keys written, then gone with their stories: never in the index.
        let gone: Vec<u64> = keys(2, 64_512).into_iter().map(|(_, hash)| hash).collect();
        for chunk in gone.chunks(crate::cluster::BANDS) {
            store.bands.bump(&tx, chunk).unwrap();
        }
        assert_eq!(store.bands.held(), 65_512);
        let last: Vec<u64> = keys(3, 16).into_iter().map(|(_, hash)| hash).collect();
        store.bands.bump(&tx, &last).unwrap();
        store.bands.bump(&tx, &last).unwrap();
        // The second did not fit the first layer: the filter was read
        // again (the first's keys, not in the index, gone with the rest).
        assert_eq!(
            store.bands.held(),
            1_000 + 16,
            "read again, then given the new keys"
        );
        for (band, hash) in &stored {
            assert!(store.bands.may_hold(*band, *hash));
        }
    }

    /// Another connection (the CLI beside the daemon) stores a story after
    /// the writer built its filter: the writer's next near duplicate of it
    /// must still find it, so the filter cannot be trusted any more.
    #[test]
    fn keys_written_by_another_connection_are_never_filtered_out() {
        let (_dir, mut writer, mut other, a, b) = two_connections();
        writer
            .apply_update(a, now(), &update(vec![item("a1", OTHER_TITLE, OTHER)]))
            .unwrap();
        assert!(writer.bands.is_built());
        other
            .apply_update(b, now(), &update(vec![item("b1", WIRE_TITLE, WIRE)]))
            .unwrap();
        writer
            .apply_update(a, now(), &update(vec![item("a2", REWRITE_TITLE, REWRITE)]))
            .unwrap();
        assert_eq!(
            cluster_of(&writer, REWRITE_TITLE),
            cluster_of(&writer, WIRE_TITLE)
        );
        assert_ne!(
            cluster_of(&writer, OTHER_TITLE),
            cluster_of(&writer, WIRE_TITLE)
        );
    }

    /// The writer's transaction wrote keys and rolled back (a feed the
    /// store refused: no such feed); then another connection writes keys.
    /// The writer must not take the version that other connection set for
    /// one of its own (as a counter moved by both would have let it).
    #[test]
    fn a_rolled_back_write_never_lends_its_version_to_another_connections_keys() {
        let (_dir, mut writer, mut other, a, b) = two_connections();
        writer
            .apply_update(a, now(), &update(vec![item("a1", OTHER_TITLE, OTHER)]))
            .unwrap();
        let refused = writer.apply_update(MISSING, now(), &refused());
        assert!(refused.is_err(), "a sighting of a missing feed is refused");
        other
            .apply_update(b, now(), &update(vec![item("b1", WIRE_TITLE, WIRE)]))
            .unwrap();
        writer
            .apply_update(a, now(), &update(vec![item("a2", REWRITE_TITLE, REWRITE)]))
            .unwrap();
        assert_eq!(
            cluster_of(&writer, REWRITE_TITLE),
            cluster_of(&writer, WIRE_TITLE)
        );
    }

    /// A batch whose first feed is refused is written again with a
    /// savepoint per feed; the refused feed's savepoint takes its move of
    /// the version back with it. The keys the rest of the batch commits
    /// must still move the version, or another connection's filter would
    /// hide them (as moving it once per transaction, blind to the
    /// savepoint's rollback, did).
    #[test]
    fn keys_committed_after_a_refused_feed_still_move_the_version() {
        let (_dir, mut writer, mut other, a, b) = two_connections();
        other
            .apply_update(b, now(), &update(vec![item("b1", OTHER_TITLE, OTHER)]))
            .unwrap();
        assert!(other.bands.is_built());
        let refused = refused();
        let wire = update(vec![item("a1", WIRE_TITLE, WIRE)]);
        let results = writer
            .apply_updates(now(), &[(MISSING, &refused), (a, &wire)])
            .unwrap();
        assert!(results[0].is_err() && results[1].is_ok(), "{results:?}");
        other
            .apply_update(b, now(), &update(vec![item("b2", REWRITE_TITLE, REWRITE)]))
            .unwrap();
        assert_eq!(
            cluster_of(&other, REWRITE_TITLE),
            cluster_of(&other, WIRE_TITLE)
        );
    }

    /// A writer that stores nothing new never reads the index to build a
    /// filter; one that places stories builds it once they paid for it
    /// (one story in four of those stored, placed without it).
    #[test]
    fn the_filter_is_built_only_once_stories_placed_without_it_paid_for_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feedloom.db");
        let first = item("a1", OTHER_TITLE, OTHER);
        {
            let mut store = Store::open(&path).unwrap();
            let a = feed(&mut store, "https://a.example/feed");
            store
                .apply_update(a, now(), &update(vec![first.clone()]))
                .unwrap();
        }
        let mut store = Store::open(&path).unwrap();
        let a = FeedId(1);
        store
            .apply_update(a, now(), &update(vec![first.clone()]))
            .unwrap();
        assert!(!store.bands.is_built(), "nothing placed, nothing built");
        let wire = item("a2", WIRE_TITLE, WIRE);
        store
            .apply_update(a, now(), &update(vec![first.clone(), wire.clone()]))
            .unwrap();
        assert!(
            !store.bands.is_built(),
            "one story placed against two stored"
        );
        let rewrite = item("a3", REWRITE_TITLE, REWRITE);
        store
            .apply_update(a, now(), &update(vec![first, wire, rewrite]))
            .unwrap();
        assert!(store.bands.is_built());
        assert_eq!(
            cluster_of(&store, REWRITE_TITLE),
            cluster_of(&store, WIRE_TITLE)
        );
    }
}

/// The large band index in its own file, filled by the mover
/// (`band_index`).
mod band_file {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::cluster::tests::{REWRITE, REWRITE_TITLE, WIRE, WIRE_TITLE};
    use crate::store::sqlite::band_index;

    fn moved(store: &Store) -> i64 {
        keys_in(store, "story_bands")
    }

    /// A store on a file in a new folder, with the wire story stored.
    fn wire_on_file() -> (tempfile::TempDir, std::path::PathBuf, Store, FeedId) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("feedloom.db");
        let mut store = Store::open(&path).unwrap();
        let a = feed(&mut store, "https://a.example/feed");
        store
            .apply_update(a, now(), &update(vec![item("a1", WIRE_TITLE, WIRE)]))
            .unwrap();
        (dir, path, store, a)
    }

    /// The rewrite, stored now, joins the wire story's cluster.
    fn rewrite_joins_the_wire_story(store: &mut Store) {
        let b = feed(store, "https://b.example/feed");
        store
            .apply_update(b, now(), &update(vec![item("b1", REWRITE_TITLE, REWRITE)]))
            .unwrap();
        assert_eq!(
            cluster_of(store, REWRITE_TITLE),
            cluster_of(store, WIRE_TITLE)
        );
    }

    /// The writer's transactions lock the database alone: a batch is
    /// stored while the band file's write lock is held (as by a copy under
    /// way), and its look-ups read the keys already moved there.
    #[test]
    fn the_writer_stores_while_a_copy_holds_the_band_file() {
        let (_dir, path, mut store, _) = wire_on_file();
        store.settle_bands().unwrap();
        assert_eq!(moved(&store), crate::cluster::BANDS as i64);
        let copier = band_index::open_for_moves(&path).unwrap();
        copier.execute_batch("BEGIN IMMEDIATE").unwrap();
        // Without waiting for the busy timeout (ten seconds).
        let started = Instant::now();
        rewrite_joins_the_wire_story(&mut store);
        assert!(started.elapsed() < Duration::from_secs(5));
        copier.execute_batch("ROLLBACK").unwrap();
    }

    /// A batch that leaves enough keys staged nudges the mover thread,
    /// which moves them into the band file while the writer goes on; a
    /// writer going away lets the move it asked for finish.
    #[test]
    fn the_mover_thread_moves_staged_keys_into_the_band_file() {
        let (_dir, path, mut store, a) = wire_on_file();
        let wire = cluster_of(&store, WIRE_TITLE);
        stage_keys_of_no_text(&store, wire);
        let gathered = staged(&store);
        store
            .apply_update(a, now(), &update(vec![item("a2", "Other", "x y z")]))
            .unwrap();
        assert!(store.mover.is_some(), "the batch started the mover");
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(staged(&store), 0, "every staged key moved");
        assert!(moved(&store) >= gathered, "{} of {gathered}", moved(&store));
    }

    /// A mover stopped between its copy and its clear leaves keys both
    /// staged and moved: look-ups count them once, and the next move
    /// finishes the one left (the same keys, copied once more) before it
    /// seals another.
    #[test]
    fn a_move_stopped_before_its_clear_is_finished_by_the_next() {
        let (_dir, path, mut store, _) = wire_on_file();
        let per_story = crate::cluster::BANDS as i64;
        let bands = band_index::open_for_moves(&path).unwrap();
        let step = band_index::seal(&store.conn, true).unwrap().unwrap();
        assert_eq!(
            band_index::copy(&bands, &step).unwrap(),
            Some(per_story as usize)
        );
        assert_eq!(staged(&store), per_story);
        assert_eq!(moved(&store), per_story);
        // The next seal finds the unfinished move rather than sealing the
        // other table, and the rewrite finds the wire story meanwhile.
        assert_eq!(band_index::seal(&store.conn, true).unwrap(), Some(step));
        rewrite_joins_the_wire_story(&mut store);
        // The rewrite's batch found the move pending and had it finished;
        // its own keys are moved now.
        store.settle_bands().unwrap();
        assert_eq!(staged(&store), 0);
        assert_eq!(moved(&store), 2 * per_story);
        // A move another mover finished since (here the writer's) copies
        // and clears nothing when its own mover comes back to it.
        assert_eq!(band_index::copy(&bands, &step).unwrap(), None);
        band_index::clear(&store.conn, &step).unwrap();
        assert_eq!(moved(&store), 2 * per_story);
    }

    /// The database restored from a backup beside a band file that moved
    /// on since (its keys of stories edited or deleted after the backup
    /// are gone from it): the generations differ, and the index is filled
    /// again from the stories at open.
    #[test]
    fn a_database_restored_from_a_backup_fills_the_index_again() {
        let (dir, path, mut store, a) = wire_on_file();
        store.settle_bands().unwrap();
        drop(store);
        let backup = dir.path().join("backup.db");
        std::fs::copy(&path, &backup).unwrap();
        let mut store = Store::open(&path).unwrap();
        // The wire story is edited after the backup; the move takes its
        // old keys out of the band file.
        let edited = WIRE.replace("spokeswoman", "spokesman");
        store
            .apply_update(a, now(), &update(vec![item("a1", WIRE_TITLE, &edited)]))
            .unwrap();
        store.settle_bands().unwrap();
        drop(store);
        std::fs::copy(&backup, &path).unwrap();
        let mut store = Store::open(&path).unwrap();
        assert_eq!(staged(&store), crate::cluster::BANDS as i64, "filled again");
        rewrite_joins_the_wire_story(&mut store);
    }

    /// A database from before the band file (schema 14) keeps its keys on
    /// upgrade: they are staged as they were, not computed again from the
    /// stories, and the first move copies them into the new band file.
    #[test]
    fn an_upgraded_database_stages_its_keys_instead_of_computing_them_again() {
        let (dir, path, mut store, _) = wire_on_file();
        store.settle_bands().unwrap();
        drop(store);
        let bands = dir.path().join("feedloom.db-bands");
        let conn = Connection::open(&path).unwrap();
        conn.execute("ATTACH DATABASE ?1 AS bands", [bands.to_str().unwrap()])
            .unwrap();
        // As schema 14 stored them, with a key no text of this build gives.
        conn.execute_batch(
            "CREATE TABLE main.story_bands (
                 band INTEGER NOT NULL, hash INTEGER NOT NULL,
                 story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
                 PRIMARY KEY (band, hash, story_id)) WITHOUT ROWID;
             INSERT INTO main.story_bands SELECT * FROM bands.story_bands;
             INSERT INTO main.story_bands SELECT 0, 7, story_id FROM bands.story_bands LIMIT 1;
             CREATE TABLE story_bands_recent (
                 band INTEGER NOT NULL, hash INTEGER NOT NULL, story_id INTEGER NOT NULL,
                 PRIMARY KEY (band, hash, story_id)) WITHOUT ROWID;
             CREATE TRIGGER stories_recent_bands_delete AFTER DELETE ON stories BEGIN
                 DELETE FROM story_bands_recent WHERE story_id = OLD.id;
             END;
             DROP TRIGGER stories_bands_delete;
             DROP TABLE band_stage_0; DROP TABLE band_stage_1;
             DROP TABLE band_gone; DROP TABLE band_moves;
             DETACH DATABASE bands;
             PRAGMA user_version = 14;",
        )
        .unwrap();
        drop(conn);
        for suffix in ["-bands", "-bands-wal", "-bands-shm"] {
            let mut name = path.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
        let mut store = Store::open(&path).unwrap();
        let per_story = crate::cluster::BANDS as i64;
        assert_eq!(
            staged(&store),
            per_story + 1,
            "carried over, not recomputed"
        );
        rewrite_joins_the_wire_story(&mut store);
        store.settle_bands().unwrap();
        assert_eq!(staged(&store), 0);
        assert_eq!(
            moved(&store),
            2 * per_story + 1,
            "the band file paired and filled"
        );
    }

    /// While a refill's keys are all staged, the band file is not needed:
    /// a connection opening before it is emptied does not fill the index
    /// once more.
    #[test]
    fn a_refill_not_yet_paired_is_not_done_again() {
        let (_dir, path, store, _) = wire_on_file();
        store
            .conn
            .execute_batch(
                "UPDATE band_moves SET refilled = 1, pairing = pairing + 1;
                 INSERT INTO band_stage_0 VALUES (0, 7, 999);",
            )
            .unwrap();
        drop(store);
        let store = Store::open(&path).unwrap();
        assert_eq!(
            keys_in(&store, "band_stage_0 WHERE story_id = 999"),
            1,
            "the staged keys were left as they are"
        );
    }

    /// A band file that is not the database's (deleted, or restored from
    /// another time) is filled again from the stories at open: near
    /// duplicates are still found.
    #[test]
    fn a_lost_band_file_is_filled_again_from_the_stories() {
        let (_dir, path, mut store, _) = wire_on_file();
        store.settle_bands().unwrap();
        assert_eq!(staged(&store), 0);
        drop(store);
        for suffix in ["-bands", "-bands-wal", "-bands-shm"] {
            let mut name = path.clone().into_os_string();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
        let mut store = Store::open(&path).unwrap();
        assert_eq!(staged(&store), crate::cluster::BANDS as i64);
        rewrite_joins_the_wire_story(&mut store);
        // A band file from another database is emptied at the next move,
        // and the keys staged since are what it then holds.
        drop(store);
        let other = band_index::open_for_moves(&path).unwrap();
        other
            .execute_batch(
                "INSERT INTO story_bands VALUES (0, 1, 999);
                 UPDATE band_file SET pairing = pairing + 1;",
            )
            .unwrap();
        drop(other);
        let mut store = Store::open(&path).unwrap();
        store.settle_bands().unwrap();
        assert_eq!(staged(&store), 0);
        assert_eq!(keys_in(&store, "story_bands WHERE story_id = 999"), 0);
        assert_eq!(moved(&store), 2 * crate::cluster::BANDS as i64);
    }
}

#[test]
fn retention_reads_the_stories_through_the_cluster_index_alone() {
    let store = Store::open_in_memory().unwrap();
    store
        .conn
        .execute_batch("CREATE TEMP TABLE prune_clusters (cluster INTEGER PRIMARY KEY)")
        .unwrap();
    let plan: Vec<String> = store
        .conn
        .prepare(&format!(
            "EXPLAIN QUERY PLAN {}",
            super::retention::FIND_CLUSTERS
        ))
        .unwrap()
        .query_map([i64::MIN, i64::MIN, 1], |row| row.get::<_, String>(3))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    // Every story is grouped by cluster: read from the table, each one's
    // first sight (after its text in the row) cost a walk of its overflow
    // pages, the whole table once an hour.
    let stories: Vec<&String> = plan
        .iter()
        .filter(|step| step.starts_with("SCAN s ") || step.starts_with("SEARCH m "))
        .collect();
    assert_eq!(stories.len(), 3, "{plan:#?}");
    for step in stories {
        assert!(
            step.contains("USING COVERING INDEX stories_by_cluster"),
            "{plan:#?}"
        );
    }
}

#[test]
fn a_clusters_first_and_earliest_members_are_read_without_the_rest() {
    // One cluster of 500 stories: reading its first members, or its
    // earliest, must not visit every member (the index keeps each
    // cluster's members in id order).
    let store = Store::open_in_memory().unwrap();
    let insert = "INSERT INTO stories (id, uid, content_hash, origin, title, content_html,
                                       content_text, first_seen_at, changed_at, cluster_id)
                  VALUES (?1, ?1, ?1, 'feed', 't', '', '', 0, 0, 1)";
    for id in 1..=500i64 {
        store.conn.execute(insert, [id]).unwrap();
    }
    let steps = |sql: &str, params: &[i64]| {
        let mut statement = store.conn.prepare(sql).unwrap();
        let ids: Vec<Option<i64>> = statement
            .query_map(rusqlite::params_from_iter(params), |row| row.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        (ids, statement.get_status(rusqlite::StatementStatus::VmStep))
    };
    let (first, first_steps) = steps(super::cluster::FIRST_MEMBERS, &[1, 2, 3]);
    assert_eq!(first, [Some(1), Some(3), Some(4)]);
    let (earliest, earliest_steps) = steps(super::cluster::EARLIEST_MEMBER, &[1]);
    assert_eq!(earliest, [Some(1)]);
    // A few steps a row read: a scan of the cluster takes thousands.
    assert!(first_steps < 100, "{first_steps} steps");
    assert!(earliest_steps < 100, "{earliest_steps} steps");
}
