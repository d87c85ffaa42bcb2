//! Retention: which clusters a prune deletes, and that a cluster goes
//! whole or not at all.

use chrono::DateTime;
use chrono::Utc;

use super::backend::contract;
use super::common::*;
use crate::cluster::tests::{REWRITE, REWRITE_TITLE, WIRE, WIRE_TITLE};
use crate::normalize::story_from_paragraphs;
use crate::store::*;
use crate::topic::{Reason, Verdict};

fn days(n: i64) -> chrono::Duration {
    chrono::Duration::days(n)
}

fn prune(
    store: &mut dyn Storage,
    on_topic_before: Option<DateTime<Utc>>,
    off_topic_before: Option<DateTime<Utc>>,
) -> Pruned {
    Pruned::until_done(|| store.prune_batch(on_topic_before, off_topic_before)).unwrap()
}

/// Scores every queued story on "main" as `on(title)` says; a story for
/// which it says `None` stays unscored.
fn score(store: &mut dyn Storage, on: impl Fn(&str) -> Option<bool>) {
    let scored: Vec<ScoredStory> = store
        .pending_scores(1000)
        .unwrap()
        .into_iter()
        .filter_map(|p| {
            let on_topic = on(&p.title)?;
            Some(ScoredStory {
                id: p.id,
                content_hash: p.content_hash,
                verdicts: vec![(
                    "main".to_owned(),
                    Verdict {
                        score: 0.5,
                        on_topic,
                        reason: Reason::Score,
                    },
                )],
            })
        })
        .collect();
    store.record_verdicts(&[], &scored, now()).unwrap();
}

fn titles(store: &dyn Storage) -> Vec<String> {
    let mut titles: Vec<String> = store
        .stories(&StoryQuery::all(None))
        .unwrap()
        .into_iter()
        .map(|s| s.title)
        .collect();
    titles.sort();
    titles
}

contract!(fn old_off_topic_clusters_go_and_everything_else_stays(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let b = feed(&mut *store, "https://b.example/feed");
    let old = now() - days(40);
    let at = |title: &str, body: &str| update(vec![item(title, title, body)]);
    store.apply_update(a, old, &at("old-off", "Old off-topic text.")).unwrap();
    store.apply_update(a, old, &at("old-on", "Old on-topic text.")).unwrap();
    store.apply_update(a, old, &at("old-unscored", "Unscored text.")).unwrap();
    // Old, but its feed still carries it: a 304 yesterday.
    store.apply_update(b, old, &at("carried", "Still carried text.")).unwrap();
    store.record_not_modified(b, now() - days(1)).unwrap();
    store
        .apply_update(a, now() - days(2), &at("new-off", "New off-topic text."))
        .unwrap();
    let seed = story_from_paragraphs("seed", None, None, &["Seed text.".into()]);
    store.upsert_seed("seed.txt", &seed, old).unwrap();
    score(&mut *store, |title| match title {
        "old-unscored" => None,
        "old-on" => Some(true),
        _ => Some(false),
    });
    let pruned = prune(&mut *store, Some(now() - days(90)), Some(now() - days(30)));
    assert_eq!(pruned, Pruned { clusters: 1, stories: 1 });
    assert_eq!(
        titles(&*store),
        ["carried", "new-off", "old-on", "old-unscored", "seed"]
    );
    // With the on-topic cutoff past it, the on-topic story goes too.
    let pruned = prune(&mut *store, Some(now() - days(30)), Some(now() - days(30)));
    assert_eq!(pruned, Pruned { clusters: 1, stories: 1 });
    assert_eq!(titles(&*store), ["carried", "new-off", "old-unscored", "seed"]);
    // No cutoff prunes nothing.
    assert_eq!(prune(&mut *store, None, None), Pruned::default());
});

contract!(fn a_cluster_goes_whole_and_only_when_no_member_is_on_topic(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let b = feed(&mut *store, "https://b.example/feed");
    let old = now() - days(40);
    store
        .apply_update(a, old, &update(vec![item("a1", WIRE_TITLE, WIRE)]))
        .unwrap();
    store
        .apply_update(b, old, &update(vec![item("b1", REWRITE_TITLE, REWRITE)]))
        .unwrap();
    assert_eq!(store.stories(&StoryQuery::all(None)).unwrap().len(), 1);
    // The rewrite is on topic: the cluster keeps the on-topic cutoff.
    score(&mut *store, |title| Some(title == REWRITE_TITLE));
    let cutoff = Some(now() - days(30));
    assert_eq!(
        prune(&mut *store, Some(now() - days(90)), cutoff),
        Pruned::default()
    );
    assert_eq!(store.story_count().unwrap(), 2);
    assert_eq!(
        prune(&mut *store, cutoff, cutoff),
        Pruned { clusters: 1, stories: 2 }
    );
    assert_eq!(store.story_count().unwrap(), 0);
    // Their sightings went with them: the feeds carry nothing now.
    assert!(store.stories_per_feed().unwrap().values().all(|n| *n == 0));
});
