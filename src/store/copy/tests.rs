use url::Url;

use super::*;
use crate::cluster::tests::{OTHER, OTHER_TITLE, REWRITE, REWRITE_TITLE, WIRE, WIRE_TITLE};
use crate::store::tests::backend;
use crate::store::tests::common::*;
use crate::store::*;
use crate::topic::{Reason, Verdict};

/// A SQLite store with two feeds, a cluster of two, a story alone, one
/// story scored and the others queued, and some feed state.
fn filled(path: &Path) -> Vec<StoredStory> {
    let mut store = Store::open(path).unwrap();
    let a = feed(&mut store, "https://a.example/feed");
    let b = feed(&mut store, "https://b.example/feed");
    store
        .apply_update(
            a,
            now(),
            &update(vec![
                item("a1", WIRE_TITLE, WIRE),
                item("a2", OTHER_TITLE, OTHER),
            ]),
        )
        .unwrap();
    store
        .apply_update(
            b,
            later(60),
            &update(vec![item("b1", REWRITE_TITLE, REWRITE)]),
        )
        .unwrap();
    store
        .record_failure(b, later(120), Some(503), "busy")
        .unwrap();
    store.set_next_fetch(a, later(900)).unwrap();
    let pending = store.pending_scores(1).unwrap();
    let scored: Vec<ScoredStory> = pending
        .into_iter()
        .map(|p| ScoredStory {
            id: p.id,
            content_hash: p.content_hash,
            verdicts: vec![(
                "main".to_owned(),
                Verdict {
                    score: 0.5,
                    on_topic: true,
                    reason: Reason::Score,
                },
            )],
        })
        .collect();
    store.record_verdicts(&[], &scored, later(130)).unwrap();
    store.index_all_pending().unwrap();
    let stories = store.stories(&StoryQuery::all(None)).unwrap();
    assert_eq!(stories.len(), 2, "two entries: the cluster and the other");
    stories
}

#[test]
fn a_sqlite_store_moves_to_postgres_unchanged_and_a_second_copy_changes_nothing() {
    let Some(db) = backend::postgres() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feedloom.db");
    let before = filled(&path);

    let copied = sqlite_to_postgres(&path, &db.url).unwrap();
    let rows: HashMap<&str, u64> = copied.rows.iter().copied().collect();
    assert_eq!(
        (rows["feeds"], rows["stories"], rows["sightings"]),
        (2, 3, 3)
    );
    assert_eq!(copied.already_there, 0);
    assert_eq!(copied.indexed, 3);

    let target = pg::Store::open(&db.url).unwrap();
    let sqlite = Store::open(&path).unwrap();
    // The same entries, ids, clusters, sources and members.
    assert_eq!(target.stories(&StoryQuery::all(None)).unwrap(), before);
    for story in &before {
        assert_eq!(
            target.verdicts(story.id).unwrap(),
            sqlite.verdicts(story.id).unwrap()
        );
    }
    assert_eq!(
        target.pending_score_count().unwrap(),
        sqlite.pending_score_count().unwrap()
    );
    for url in ["https://a.example/feed", "https://b.example/feed"] {
        let url = Url::parse(url).unwrap();
        assert_eq!(target.feed(&url).unwrap(), sqlite.feed(&url).unwrap());
    }
    // Search finds what SQLite's did.
    let query = SearchQuery {
        text: "summit".to_owned(),
        topic: "main".to_owned(),
        limit: 20,
        offset: 0,
    };
    let found = |store: &dyn Storage| -> Vec<String> {
        store
            .search(&query)
            .unwrap()
            .into_iter()
            .map(|hit| hit.story.uid)
            .collect()
    };
    assert_eq!(found(&target), found(&sqlite));
    drop(target);

    // Again: nothing new, nothing lost; new rows take fresh ids.
    let again = sqlite_to_postgres(&path, &db.url).unwrap();
    assert!(
        again
            .rows
            .iter()
            .all(|(table, n)| *table == "score_queue" || *n == 0),
        "{again:?}"
    );
    assert!(again.already_there >= 8, "{again:?}");
    let mut target = pg::Store::open(&db.url).unwrap();
    assert_eq!(target.stories(&StoryQuery::all(None)).unwrap(), before);
    let c = feed(&mut target, "https://c.example/feed");
    assert!(c.0 > 2, "a new feed takes an id after the copied ones");
}

#[test]
fn a_target_holding_other_stories_is_refused() {
    let Some(db) = backend::postgres() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("feedloom.db");
    filled(&path);
    {
        let mut other = pg::Store::open(&db.url).unwrap();
        let f = feed(&mut other, "https://other.example/feed");
        other
            .apply_update(
                f,
                now(),
                &update(vec![item("x", "Elsewhere", "Another story entirely.")]),
            )
            .unwrap();
    }
    let refused = sqlite_to_postgres(&path, &db.url).unwrap_err();
    assert!(
        refused.to_string().contains("not this store's"),
        "{refused}"
    );
}
