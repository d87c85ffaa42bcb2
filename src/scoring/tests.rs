use std::path::Path;

use super::*;
use crate::poll;
use crate::store::Store;

fn config(seeds: &Path, extra: &str) -> Config {
    let text = format!("[topic]\ntitle = \"T\"\nseeds = {seeds:?}\n{extra}\n");
    crate::config::from_str(&text, Path::new("/nowhere/feedloom.toml")).unwrap()
}

fn repo_seeds() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/seeds")
}

#[tokio::test]
async fn seeds_are_on_their_topic_and_everything_stored_gets_a_verdict() {
    let config = config(&repo_seeds(), "threshold = 1.0");
    let store: SharedStore = SharedStore::new(Box::new(Store::open_in_memory().unwrap()));
    let seeds = poll::import_all_seeds(&store, &config).await.unwrap();
    assert_eq!(seeds.inserted, 5);
    let topics = build(&config);
    assert_eq!(ensure_current(&store, &topics, false).await.unwrap(), 5);
    // Recorded as current: nothing to requeue the second time.
    assert_eq!(ensure_current(&store, &topics, false).await.unwrap(), 0);
    let current = topics.clone();
    let summary = score_pending(&store, move || current.clone(), None, |_| {})
        .await
        .unwrap();
    assert_eq!(
        summary,
        ScoreSummary {
            scored: 5,
            changed: 5,
            stale: false
        }
    );
    let store = store.lock();
    assert_eq!(store.topic_counts("main").unwrap(), (5, 0));
    assert_eq!(store.pending_score_count().unwrap(), 0);
}

#[test]
fn the_digest_follows_the_definition() {
    let a = build(&config(&repo_seeds(), "threshold = 0.3"));
    let b = build(&config(&repo_seeds(), "threshold = 0.3"));
    let c = build(&config(&repo_seeds(), "threshold = 0.4"));
    let d = build(&config(&repo_seeds(), "threshold = 0.3\nexclude = [\"x\"]"));
    let dir = tempfile::tempdir().unwrap();
    let e = build(&config(dir.path(), "threshold = 0.3"));
    assert_eq!(a[0].digest, b[0].digest);
    for other in [&c, &d, &e] {
        assert_ne!(a[0].digest, other[0].digest);
    }
}

#[tokio::test]
async fn a_stop_request_leaves_the_rest_queued() {
    let config = config(&repo_seeds(), "");
    let store: SharedStore = SharedStore::new(Box::new(Store::open_in_memory().unwrap()));
    poll::import_all_seeds(&store, &config).await.unwrap();
    let stop = CancellationToken::new();
    stop.cancel();
    let topics = build(&config);
    let summary = score_pending(&store, move || topics.clone(), Some(stop), |_| {})
        .await
        .unwrap();
    assert_eq!(summary.scored, 0);
    assert_eq!(store.lock().pending_score_count().unwrap(), 5);
}

#[tokio::test]
async fn verdicts_of_replaced_topics_are_dropped_and_the_new_ones_apply() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let store: SharedStore = SharedStore::new(Box::new(Store::open_in_memory().unwrap()));
    let old_config = config(&repo_seeds(), "threshold = 1.0");
    poll::import_all_seeds(&store, &old_config).await.unwrap();
    let old = build(&old_config);
    // The topic changes (a reload) before the old scorers ran: the
    // store now expects the new definition.
    let new = build(&config(
        &repo_seeds(),
        "threshold = 1.0\nexclude = [\"Putin\"]",
    ));
    ensure_current(&store, &new, false).await.unwrap();
    // The scorer still hands out the old topics first, as a task that
    // had not yet seen the reload would.
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let (stale, fresh) = (old.clone(), new.clone());
    let summary = score_pending(
        &store,
        move || {
            if seen.fetch_add(1, Ordering::SeqCst) == 0 {
                stale.clone()
            } else {
                fresh.clone()
            }
        },
        None,
        |_| {},
    )
    .await
    .unwrap();
    assert!(!summary.stale);
    assert_eq!(summary.scored, 5);
    // The exclude rule of the new definition applied to the seeds.
    let (on, off) = store.lock().topic_counts("main").unwrap();
    assert!(off >= 1, "({on}, {off})");

    // Only old topics on offer: the run stops and leaves the queue.
    store
        .lock()
        .rescore_all(&[("main".to_owned(), new[0].digest.clone())])
        .unwrap();
    let summary = score_pending(&store, move || old.clone(), None, |_| {})
        .await
        .unwrap();
    assert!(summary.stale);
    assert_eq!(store.lock().pending_score_count().unwrap(), 5);
}
