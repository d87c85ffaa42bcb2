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

/// Stories about several things, some near the topic and some far from it.
fn mixed_items() -> Vec<normalize::Item> {
    let texts = [
        (
            "Russia and the SCO",
            "Moscow hosted the Shanghai Cooperation Organisation summit, where Russia \
             and China discussed regional security in Central Asia and Afghanistan.",
        ),
        (
            "Taliban talks",
            "Taliban officials met envoys in Kabul to discuss border security, trade \
             routes and the CSTO's exercises near the Tajik frontier.",
        ),
        (
            "A new bakery",
            "The bakery on the corner opened on Saturday with sourdough loaves, \
             croissants and a queue down the street.",
        ),
        (
            "Election night",
            "Votes were counted late into the night as the opposition claimed gains \
             in the regions and the Kremlin praised turnout.",
        ),
        (
            "Football",
            "The home side won two to one after a late penalty, and the coach praised \
             the young striker who scored twice this season.",
        ),
    ];
    texts
        .iter()
        .enumerate()
        .map(|(n, (title, text))| normalize::Item {
            guid: format!("item-{n}"),
            story: normalize::story_from_paragraphs(title, None, None, &[(*text).to_owned()]),
        })
        .collect()
}

/// A store with the seeds imported and `topics` recorded as current.
async fn store_for(config: &Config, topics: &Topics) -> SharedStore {
    let store = SharedStore::new(Box::new(Store::open_in_memory().unwrap()));
    poll::import_all_seeds(&store, config).await.unwrap();
    ensure_current(&store, topics, false).await.unwrap();
    store
}

/// One stored verdict: (topic, score bits, on topic, reason).
type Compared = (String, u64, bool, String);

/// Every stored verdict, by story title.
fn all_verdicts(store: &SharedStore) -> Vec<(String, Vec<Compared>)> {
    let store = store.lock();
    let mut out = Vec::new();
    for story in store.stories(&store::StoryQuery::default()).unwrap() {
        let verdicts = store
            .verdicts(story.id)
            .unwrap()
            .into_iter()
            .map(|v| (v.topic, v.score.to_bits(), v.on_topic, v.reason))
            .collect();
        out.push((story.title, verdicts));
    }
    out.sort();
    out
}

#[tokio::test]
async fn verdicts_from_the_parse_workers_equal_the_queues_to_the_last_bit() {
    let config = config(&repo_seeds(), "threshold = 0.05\ninclude = [\"bakery\"]");
    let topics = build(&config);
    let items = mixed_items();
    let feed_url = url::Url::parse("https://f.example/feed").unwrap();

    // Scored where parsed: stored with the story, nothing queued but the
    // seeds.
    let worker = store_for(&config, &topics).await;
    let update = store::FeedUpdate {
        verdicts: Some(item_verdicts(&topics, &items, |_| true)),
        items: items.clone(),
        ..store::FeedUpdate::default()
    };
    {
        let mut store = worker.lock();
        let feed = store.ensure_feed(&feed_url, None, Utc::now()).unwrap();
        store.apply_update(feed.id, Utc::now(), &update).unwrap();
        assert_eq!(
            store.pending_score_count().unwrap(),
            5,
            "only the seeds wait"
        );
    }

    // Scored from the queue, by other scorers built from the same
    // definition (as after a restart).
    let queue = store_for(&config, &topics).await;
    {
        let mut store = queue.lock();
        let feed = store.ensure_feed(&feed_url, None, Utc::now()).unwrap();
        let update = store::FeedUpdate {
            items: items.clone(),
            ..store::FeedUpdate::default()
        };
        store.apply_update(feed.id, Utc::now(), &update).unwrap();
        assert_eq!(store.pending_score_count().unwrap(), 10);
    }
    let rebuilt = build(&config);
    assert_eq!(rebuilt[0].digest, topics[0].digest);
    for store in [&worker, &queue] {
        let current = rebuilt.clone();
        score_pending(store, move || current.clone(), None, |_| {})
            .await
            .unwrap();
        assert_eq!(store.lock().pending_score_count().unwrap(), 0);
    }

    let (by_worker, by_queue) = (all_verdicts(&worker), all_verdicts(&queue));
    assert_eq!(by_worker.len(), 10);
    assert!(by_worker.iter().all(|(_, verdicts)| verdicts.len() == 1));
    assert_eq!(by_worker, by_queue);
    // The include rule and the scores really were applied.
    assert!(
        by_worker
            .iter()
            .any(|(title, v)| title == "A new bakery" && v[0].3 == "include:bakery")
    );
}

#[tokio::test]
async fn verdicts_from_another_topic_definition_are_not_stored() {
    let config = config(&repo_seeds(), "threshold = 0.05");
    let topics = build(&config);
    let store = store_for(&config, &topics).await;
    // The workers still had the scorers of an older definition.
    let old = build(&config_with_threshold(0.5));
    let items = mixed_items();
    let update = store::FeedUpdate {
        verdicts: Some(item_verdicts(&old, &items, |_| true)),
        items,
        ..store::FeedUpdate::default()
    };
    let mut store = store.lock();
    let feed = store
        .ensure_feed(
            &url::Url::parse("https://f.example/feed").unwrap(),
            None,
            Utc::now(),
        )
        .unwrap();
    store.apply_update(feed.id, Utc::now(), &update).unwrap();
    // Queued for the current scorers instead, with no verdict stored.
    assert_eq!(store.pending_score_count().unwrap(), 10);
    assert_eq!(store.topic_counts("main").unwrap(), (0, 0));
}

fn config_with_threshold(threshold: f64) -> Config {
    config(&repo_seeds(), &format!("threshold = {threshold}"))
}

#[test]
fn only_the_wanted_items_are_scored() {
    let topics = build(&config(&repo_seeds(), ""));
    let items = mixed_items();
    let verdicts = item_verdicts(&topics, &items, |item| item.guid != "item-2");
    assert_eq!(verdicts.items.len(), items.len());
    assert!(verdicts.item(2).is_none());
    assert!(verdicts.item(0).is_some());
    assert_eq!(
        verdicts.digests,
        vec![("main".to_owned(), topics[0].digest.clone())]
    );
}
