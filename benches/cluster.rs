//! Near-duplicate clustering at scale: inserts N synthetic stories (default
//! 100 000) through `Store::apply_update` into a database file, and reports
//! the insert cost per story as the store grows, the fingerprint cost (paid
//! on the parsing threads, outside the store lock), and how many candidates
//! the band index returns per lookup.
//!
//! `cargo bench --bench cluster` or `cargo bench --bench cluster -- N`.
//!
//! The corpus: 400 topics, each with 4 background paragraphs that every
//! story of the topic quotes one of (shared background, as outlets do),
//! plus three paragraphs of its own; 5% of the stories are light rewrites
//! of an earlier one (a new headline, one word in fifteen changed, a
//! paragraph added) and should join its cluster.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use feedloom::normalize::{Item, story_from_paragraphs};
use feedloom::store::{FeedLog, FeedUpdate, Store, StoryQuery, StoryReader, StoryWriter};
use url::Url;

const TOPICS: usize = 400;
const BATCH: usize = 100;
const VOCABULARY: usize = 6000;

/// xorshift64*: deterministic, good enough for synthetic text.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Roughly Zipf-distributed word ranks: common words are common.
    fn word(&mut self, words: &[String]) -> String {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        let rank = ((words.len() as f64).powf(u) as usize).saturating_sub(1);
        words[rank.min(words.len() - 1)].clone()
    }

    fn paragraph(&mut self, words: &[String], length: usize) -> Vec<String> {
        (0..length).map(|_| self.word(words)).collect()
    }
}

fn main() {
    // As `feedloom` itself does first (src/cli/mod.rs). SAFETY: first in
    // `main`, before any SQLite call.
    let _ = unsafe { feedloom::memory::configure_at_start() };
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let words: Vec<String> = (0..VOCABULARY)
        .map(|i| {
            let len = 3 + i % 7;
            (0..len)
                .map(|k| char::from(b'a' + ((i * 7 + k * 13) % 26) as u8))
                .collect::<String>()
                + &i.to_string()
        })
        .collect();
    let background: Vec<Vec<String>> = (0..TOPICS * 4).map(|_| rng.paragraph(&words, 45)).collect();

    // Generate the corpus first, so that text generation is not timed.
    let start = Instant::now();
    let mut corpus: Vec<(String, Vec<String>)> = Vec::with_capacity(n);
    let mut rewrites = 0usize;
    for i in 0..n {
        if i > 100 && rng.below(20) == 0 {
            let (title, paragraphs) = corpus[rng.below(i)].clone();
            let mut paragraphs: Vec<String> = paragraphs
                .iter()
                .map(|p| {
                    p.split(' ')
                        .map(|w| {
                            if rng.below(15) == 0 {
                                rng.word(&words)
                            } else {
                                w.to_owned()
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect();
            paragraphs.push(rng.paragraph(&words, 30).join(" "));
            corpus.push((format!("{title} (updated)"), paragraphs));
            rewrites += 1;
            continue;
        }
        let topic = rng.below(TOPICS);
        let mut paragraphs: Vec<String> = (0..3)
            .map(|_| rng.paragraph(&words, 40).join(" "))
            .collect();
        let quoted = &background[topic * 4 + rng.below(4)];
        paragraphs.insert(1 + rng.below(3), quoted.join(" "));
        corpus.push((rng.paragraph(&words, 8).join(" "), paragraphs));
    }
    println!(
        "corpus: {n} stories ({rewrites} light rewrites) in {:.1} s",
        start.elapsed().as_secs_f64()
    );

    // Fingerprints are computed by `story_from_paragraphs` (as by
    // `normalize_entry`): time them apart from the store.
    let start = Instant::now();
    let stories: Vec<_> = corpus
        .iter()
        .map(|(title, paragraphs)| story_from_paragraphs(title, None, None, paragraphs))
        .collect();
    let normalize = start.elapsed();
    let start = Instant::now();
    for (title, paragraphs) in corpus.iter().take(10_000) {
        std::hint::black_box(feedloom::cluster::fingerprint(
            title,
            &paragraphs.join("\n\n"),
        ));
    }
    let fingerprint = start.elapsed() / corpus.len().min(10_000) as u32;
    println!(
        "normalize (incl. fingerprint): {:.1} µs/story; fingerprint alone: {:.1} µs/story",
        normalize.as_secs_f64() * 1e6 / n as f64,
        fingerprint.as_secs_f64() * 1e6
    );

    let dir = tempfile::tempdir().expect("temp dir");
    let mut store = Store::open(&dir.path().join("bench.db")).expect("open db");
    let feed = store
        .ensure_feed(
            &Url::parse("https://bench.example/feed").expect("url"),
            None,
            Utc::now(),
        )
        .expect("feed")
        .id;
    let now: DateTime<Utc> = Utc::now();
    let mut window = Duration::ZERO;
    let mut window_start = 0;
    let total = Instant::now();
    for (batch, chunk) in stories.chunks(BATCH).enumerate() {
        let items = chunk
            .iter()
            .enumerate()
            .map(|(k, story)| Item {
                guid: format!("s-{}", batch * BATCH + k),
                story: story.clone(),
            })
            .collect();
        let update = FeedUpdate {
            http_status: 200,
            items,
            ..FeedUpdate::default()
        };
        let start = Instant::now();
        store.apply_update(feed, now, &update).expect("apply");
        window += start.elapsed();
        let done = (batch + 1) * BATCH;
        if done.is_multiple_of((n / 5).max(BATCH)) || done >= n {
            println!(
                "stories {:>7}..{:>7}: {:>7.1} µs per insert (transactions of {BATCH})",
                window_start,
                done.min(n),
                window.as_secs_f64() * 1e6 / (done.min(n) - window_start) as f64
            );
            window = Duration::ZERO;
            window_start = done;
        }
    }
    println!("inserted {n} in {:.1} s", total.elapsed().as_secs_f64());

    // Lookups against the full store: fresh stories of the same topics.
    let probes = 2000;
    let (mut candidates, mut max, mut compared, mut joined) = (0, 0, 0, 0);
    let start = Instant::now();
    for i in 0..probes {
        let story = if i % 2 == 0 {
            // A light rewrite of a stored story: must find it.
            let (title, paragraphs) = &corpus[rng.below(n)];
            let mut paragraphs = paragraphs.clone();
            paragraphs.push(rng.paragraph(&words, 30).join(" "));
            story_from_paragraphs(&format!("{title} again"), None, None, &paragraphs)
        } else {
            let topic = rng.below(TOPICS);
            let mut paragraphs: Vec<String> = (0..3)
                .map(|_| rng.paragraph(&words, 40).join(" "))
                .collect();
            paragraphs.push(background[topic * 4 + rng.below(4)].join(" "));
            story_from_paragraphs(&rng.paragraph(&words, 8).join(" "), None, None, &paragraphs)
        };
        let probe = store.near_duplicates(&story).expect("probe");
        candidates += probe.candidates;
        compared += probe.compared;
        max = max.max(probe.candidates);
        joined += usize::from(probe.joined.is_some());
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / probes as f64;
    println!(
        "lookup at {n}: {per:.1} µs each; candidates {:.2} avg, {max} max; {:.2} compared; \
         {joined}/{probes} found a cluster (half are rewrites)",
        candidates as f64 / probes as f64,
        compared as f64 / probes as f64,
    );
    let entries = store
        .stories(&StoryQuery::all(None))
        .expect("stories")
        .len();
    println!(
        "entries: {entries} for {n} stories ({} joined a cluster; {rewrites} rewrites generated)",
        n - entries
    );
    let size = std::fs::metadata(dir.path().join("bench.db")).map_or(0, |m| m.len());
    println!("database: {:.0} MB", size as f64 / 1e6);
}
