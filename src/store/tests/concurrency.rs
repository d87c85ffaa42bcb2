//! Several handles on one database at once, as several nodes (or the
//! daemon and a command) use it: writers released together by a barrier
//! storing the same content, or near duplicates, must end with one story,
//! or one cluster, every round.

use std::sync::{Arc, Barrier};

use super::backend::contract;
use super::common::*;
use crate::store::*;

/// Writers per round, each on a handle and a feed of its own.
const WRITERS: usize = 4;
/// Rounds per kind (same content, near duplicates).
const ROUNDS: usize = 8;

/// A text of 80 words that no other round's shares a 3-word run with:
/// words drawn from a small vocabulary by a generator seeded per round.
fn text(round: usize) -> Vec<String> {
    const WORDS: &[&str] = &[
        "river", "council", "border", "market", "harvest", "minister", "railway", "bridge",
        "school", "election", "storm", "factory", "festival", "court", "airport", "village",
        "budget", "strike", "museum", "harbour", "forest", "mayor", "hospital", "treaty",
    ];
    let mut state = (round as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (0..80)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            WORDS[(state % WORDS.len() as u64) as usize].to_owned()
        })
        .collect()
}

/// Runs `WRITERS` threads, each storing `bodies[i]` from its own handle
/// and feed, released together.
fn race(handles: &mut Vec<(Box<dyn Storage>, FeedId)>, round: usize, bodies: Vec<String>) {
    let barrier = Arc::new(Barrier::new(handles.len()));
    let taken: Vec<(Box<dyn Storage>, FeedId)> = std::mem::take(handles);
    let threads: Vec<_> = taken
        .into_iter()
        .zip(bodies)
        .map(|((mut store, feed), body)| {
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                let update = update(vec![item(
                    &format!("r{round}"),
                    &format!("Round {round}"),
                    &body,
                )]);
                barrier.wait();
                store.apply_update(feed, now(), &update).unwrap();
                (store, feed)
            })
        })
        .collect();
    for thread in threads {
        handles.push(thread.join().unwrap());
    }
}

contract!(fn writers_at_the_same_moment_store_one_story_and_one_cluster(db) {
    let mut handles: Vec<(Box<dyn Storage>, FeedId)> = (0..WRITERS)
        .map(|i| {
            let mut store = db.open();
            let feed = feed(&mut *store, &format!("https://w{i}.example/feed"));
            (store, feed)
        })
        .collect();
    let reader = db.open();
    let started = std::time::Instant::now();
    for round in 0..ROUNDS {
        // The same content from every writer: one story, a sighting each.
        let body = text(round).join(" ");
        race(&mut handles, round, vec![body.clone(); WRITERS]);
        let entries = reader.stories(&StoryQuery::all(None)).unwrap();
        let ours: Vec<_> = entries.iter().filter(|e| e.content_text == body).collect();
        assert_eq!(ours.len(), 1, "round {round}: one story");
        assert_eq!(ours[0].sources.len(), WRITERS, "round {round}: a sighting per feed");
        assert_eq!(reader.story_count().unwrap(), round as i64 + 1);
    }
    for round in ROUNDS..2 * ROUNDS {
        // Near duplicates: each writer changes one word of its own.
        let words = text(round);
        let bodies = (0..WRITERS)
            .map(|i| {
                let mut words = words.clone();
                words[10 + 15 * i] = format!("variant{i}");
                words.join(" ")
            })
            .collect();
        let before = reader.story_count().unwrap();
        race(&mut handles, round, bodies);
        assert_eq!(reader.story_count().unwrap(), before + WRITERS as i64);
        let entries = reader.stories(&StoryQuery::all(None)).unwrap();
        assert_eq!(entries.len(), round + 1, "round {round}: one cluster");
        let newest = entries
            .iter()
            .find(|e| e.title == format!("Round {round}"))
            .unwrap();
        assert_eq!(newest.also_reported_by.len(), WRITERS - 1, "round {round}");
    }
    eprintln!(
        "{} rounds of {WRITERS} writers: {:?}",
        2 * ROUNDS,
        started.elapsed()
    );
});

contract!(fn nodes_reloading_one_configuration_at_once_leave_what_one_reload_would(db) {
    let urls: Vec<url::Url> = (0..20)
        .map(|i| url::Url::parse(&format!("https://feeds{i}.example/rss")).unwrap())
        .collect();
    let mut first = db.open();
    for url in &urls {
        let feed = first.ensure_feed(url, None, now()).unwrap().id;
        first.mark_gone(feed).unwrap();
    }
    first.apply_config_digest("before").unwrap();
    drop(first);
    for round in 0..ROUNDS {
        let digest = format!("after-{round}");
        let barrier = Arc::new(Barrier::new(WRITERS));
        let threads: Vec<_> = (0..WRITERS)
            .map(|_| {
                let (barrier, urls, digest) = (barrier.clone(), urls.clone(), digest.clone());
                let mut store = db.open();
                std::thread::spawn(move || {
                    barrier.wait();
                    for url in &urls {
                        store.ensure_feed(url, Some("Renamed"), now()).unwrap();
                    }
                    store.apply_config_digest(&digest).unwrap()
                })
            })
            .collect();
        let changed: Vec<bool> = threads.into_iter().map(|t| t.join().unwrap()).collect();
        assert_eq!(
            changed.iter().filter(|c| **c).count(),
            1,
            "round {round}: one node applies the change, the others find it applied"
        );
        let store = db.open();
        assert_eq!(store.stories_per_feed().unwrap().len(), urls.len(), "round {round}");
        for url in &urls {
            let record = store.feed(url).unwrap().unwrap();
            assert!(!record.gone, "round {round}: the retirement is forgotten");
            assert_eq!(record.title.as_deref(), Some("Renamed"));
        }
    }
});
