//! Throughput of the pure stages, each on one core: parsing the real-world
//! feeds of the corpus (MB/s), cleaning and hashing their entries
//! (stories/s: sanitize, text, canonical link, content hash and MinHash
//! fingerprint), and rendering `/feed.atom` from 50 and 500 stored stories.
//!
//! `cargo bench --bench throughput`. Each figure is the median of five
//! timed rounds of at least 0.2 s; compare ratios within one run, since
//! these machines are shared.

#[path = "../tests/support/corpus_files.rs"]
mod corpus_files;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use feedloom::normalize::{Item, normalize_entry, story_from_paragraphs};
use feedloom::parse::{ParsedEntry, parse};
use feedloom::publish::{FeedMeta, atom};
use feedloom::store::{FeedLog, FeedUpdate, Store, StoryQuery, StoryReader, StoryWriter};
use url::Url;

fn main() {
    // As `feedloom` itself does first (src/cli/mod.rs). SAFETY: first in
    // `main`, before any SQLite call.
    let _ = unsafe { feedloom::memory::configure_at_start() };
    let bodies = corpus_bodies();
    let bytes: usize = bodies.iter().map(Vec::len).sum();
    let base = Url::parse("https://example.com/feed.xml").expect("constant URL");

    let per_round = median_round(|| {
        bodies
            .iter()
            .map(|body| parse(body, None, &base).map_or(0, |feed| feed.entries.len()))
            .sum::<usize>()
    });
    println!(
        "parse:     {:>7.1} MB/s  ({} real-world feeds, {:.1} MB, {:.1} ms a pass)",
        bytes as f64 / 1e6 / per_round.as_secs_f64(),
        bodies.len(),
        bytes as f64 / 1e6,
        per_round.as_secs_f64() * 1e3
    );

    let entries: Vec<ParsedEntry> = bodies
        .iter()
        .filter_map(|body| parse(body, None, &base).ok())
        .flat_map(|feed| feed.entries)
        .collect();
    let per_round = median_round(|| entries.iter().filter_map(normalize_entry).count());
    println!(
        "normalize: {:>7.0} stories/s  ({} entries: sanitize, text, link, hash, fingerprint)",
        entries.len() as f64 / per_round.as_secs_f64(),
        entries.len()
    );

    let store = store_with(500);
    for count in [50, 500] {
        let stories = store
            .stories(&StoryQuery::all(Some(count)))
            .expect("stories");
        let meta = FeedMeta {
            title: "Bench".into(),
            site_url: Url::parse("https://loom.example/").expect("constant URL"),
            root_url: Url::parse("https://loom.example/").expect("constant URL"),
            self_url: Url::parse("https://loom.example/feed.atom").expect("constant URL"),
            updated: now(),
        };
        let size = atom::render(&meta, &stories).len();
        let per_round = median_round(|| atom::render(&meta, &stories).len());
        println!(
            "atom, {count:>3} stories: {:>7.2} ms a render, {:>6.1} MB/s ({:.0} KB)",
            per_round.as_secs_f64() * 1e3,
            size as f64 / 1e6 / per_round.as_secs_f64(),
            size as f64 / 1e3
        );
    }
}

/// The time of one call of `f`: the median of five rounds, each repeating
/// `f` for at least 0.2 s.
fn median_round<T>(mut f: impl FnMut() -> T) -> Duration {
    let mut rounds: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            let mut calls = 0u32;
            while calls == 0 || start.elapsed() < Duration::from_millis(200) {
                std::hint::black_box(f());
                calls += 1;
            }
            start.elapsed() / calls
        })
        .collect();
    rounds.sort();
    rounds[2]
}

/// Every sample of `tests/corpus/realworld`.
fn corpus_bodies() -> Vec<Vec<u8>> {
    corpus_files::samples(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/realworld"))
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .collect()
}

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default()
}

/// A store holding `count` stories of about 330 words each, from one feed.
fn store_with(count: usize) -> Store {
    let mut store = Store::open_in_memory().expect("store");
    let feed = store
        .ensure_feed(
            &Url::parse("https://bench.example/feed").expect("constant URL"),
            None,
            now(),
        )
        .expect("feed")
        .id;
    const WORDS: &[&str] = &[
        "officials",
        "border",
        "security",
        "trade",
        "talks",
        "minister",
        "summit",
        "agreement",
        "refugees",
        "aid",
        "convoy",
        "wheat",
        "prices",
        "railway",
        "bridge",
        "river",
        "election",
        "parliament",
        "court",
        "protest",
        "inflation",
        "currency",
        "harvest",
        "drought",
    ];
    let items: Vec<Item> = (0..count)
        .map(|n| {
            // Every story in its own words (a xorshift stream per story),
            // so that none is a near duplicate of another.
            let mut x = (n as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let mut next = move || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 11) as usize
            };
            let paragraphs: Vec<String> = (0..5)
                .map(|_| {
                    (0..66)
                        .map(|_| WORDS[next() % WORDS.len()])
                        .collect::<Vec<_>>()
                        .join(" ")
                        + "."
                })
                .collect();
            let link = Url::parse(&format!("https://bench.example/{n}")).expect("link");
            Item {
                guid: format!("bench-{n}"),
                story: story_from_paragraphs(
                    &format!("Bench story {n}"),
                    Some(&link),
                    Some(now()),
                    &paragraphs,
                ),
            }
        })
        .collect();
    store
        .apply_update(
            feed,
            now(),
            &FeedUpdate {
                http_status: 200,
                items,
                ..FeedUpdate::default()
            },
        )
        .expect("stored");
    let entries = store.stories(&StoryQuery::all(None)).map_or(0, |s| s.len());
    assert_eq!(entries, count, "the bench stories are all distinct");
    store
}
