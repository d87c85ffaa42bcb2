//! Search benchmark: N synthetic stories (default 100,000, about 120 words
//! each over a Zipf-like vocabulary of 20,000 words), half of them scored
//! on topic, then the latency of typical queries through `Store::search`.
//!
//! `cargo bench --bench search` or `cargo bench --bench search -- N`.
//! Prints the insert rate (the FTS triggers included), the database size
//! and, per query, the hit count of the first page and the median and
//! worst of repeated runs.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use feedloom::normalize::{Item, story_from_paragraphs};
use feedloom::store::{
    FeedLog, FeedUpdate, ScoredStory, SearchIndex, SearchQuery, Store, StoryWriter, TopicVerdicts,
};
use feedloom::topic::{Reason, Verdict};
use url::Url;

/// Stories per `apply_update` (one transaction each).
const BATCH: usize = 1000;
const VOCABULARY: usize = 20_000;
const WORDS_PER_STORY: usize = 120;
const RUNS: usize = 15;

fn main() {
    let stories = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000usize);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("search.db");
    let mut store = Store::open(&path).expect("open db");
    let now = DateTime::from_timestamp(1_790_000_000, 0).expect("time");
    let feed = store
        .ensure_feed(
            &Url::parse("https://bench.example/feed").expect("url"),
            Some("Bench"),
            now,
        )
        .expect("feed")
        .id;
    let vocabulary: Vec<String> = (0..VOCABULARY).map(word).collect();
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);

    let start = Instant::now();
    let mut written = 0;
    while written < stories {
        let items = (written..(written + BATCH).min(stories))
            .map(|i| item(i, now, &vocabulary, &mut rng))
            .collect();
        let update = FeedUpdate {
            http_status: 200,
            items,
            ..FeedUpdate::default()
        };
        store.apply_update(feed, now, &update).expect("write");
        written = (written + BATCH).min(stories);
    }
    let insert = start.elapsed();
    score_half(&mut store, now);
    let size = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0)
        + std::fs::metadata(path.with_extension("db-wal"))
            .map(|m| m.len())
            .unwrap_or(0);
    println!(
        "{stories} stories written in {:.1} s ({:.0}/s, FTS triggers included); database {:.0} MB",
        insert.as_secs_f64(),
        stories as f64 / insert.as_secs_f64(),
        size as f64 / 1e6
    );

    for (label, text, offset) in [
        ("rare word (~0.1%)", "sanctions", 0),
        ("common word (~10%)", "kabul", 0),
        ("very common word (~33%)", "summit", 0),
        ("two words (~3%)", "kabul summit", 0),
        ("phrase", "\"border security\"", 0),
        ("prefix", "sanc*", 0),
        ("page 50 of a common word", "kabul", 980),
        ("no match", "zzyzx", 0),
        ("hostile", "NEAR( \"unbalanced col:term *", 0),
    ] {
        let query = SearchQuery {
            text: text.to_owned(),
            topic: "main".to_owned(),
            limit: 21,
            offset,
        };
        let mut times: Vec<Duration> = Vec::with_capacity(RUNS);
        let mut hits = 0;
        for _ in 0..RUNS {
            let start = Instant::now();
            hits = store.search(&query).expect("search").len();
            times.push(start.elapsed());
        }
        times.sort();
        println!(
            "{label:<28} {text:<32} hits {hits:>2}  median {:>7.2} ms  worst {:>7.2} ms",
            times[RUNS / 2].as_secs_f64() * 1e3,
            times[RUNS - 1].as_secs_f64() * 1e3,
        );
    }
}

/// A synthetic word: letters from the index, so every word is distinct.
fn word(index: usize) -> String {
    const LETTERS: &[u8] = b"bcdfghjklmnprstvz";
    let mut n = index + 1;
    let mut text = String::new();
    while n > 0 {
        text.push(char::from(LETTERS[n % LETTERS.len()]));
        text.push(['a', 'e', 'i', 'o', 'u'][n % 5]);
        n /= LETTERS.len();
    }
    text
}

fn item(i: usize, now: DateTime<Utc>, vocabulary: &[String], rng: &mut XorShift) -> Item {
    let mut words: Vec<&str> = (0..WORDS_PER_STORY)
        .map(|_| vocabulary[rng.zipf(vocabulary.len())].as_str())
        .collect();
    // Known frequencies for the queries above.
    if i % 1000 == 7 {
        words.push("sanctions");
    }
    if i % 10 == 3 {
        words.push("Kabul");
    }
    if i.is_multiple_of(3) {
        words.push("summit");
    }
    if i % 100 == 5 {
        words.extend(["border", "security"]);
    }
    let title = format!("Story {i}: {} {}", words[0], words[1]);
    let published = now - chrono::Duration::minutes(i64::try_from(i).unwrap_or(0));
    Item {
        guid: format!("bench-{i}"),
        story: story_from_paragraphs(&title, None, Some(published), &[words.join(" ")]),
    }
}

/// Every other story on topic for `main`, as the scoring task would record.
fn score_half(store: &mut Store, now: DateTime<Utc>) {
    loop {
        let pending = store.pending_scores(5000).expect("pending");
        if pending.is_empty() {
            break;
        }
        let scored: Vec<ScoredStory> = pending
            .into_iter()
            .map(|p| ScoredStory {
                verdicts: vec![(
                    "main".to_owned(),
                    Verdict {
                        score: 0.5,
                        on_topic: p.id.0 % 2 == 0,
                        reason: Reason::Score,
                    },
                )],
                id: p.id,
                content_hash: p.content_hash,
            })
            .collect();
        store.record_verdicts(&[], &scored, now).expect("verdicts");
    }
}

/// A small deterministic generator: the benchmark needs no `rand`.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Roughly Zipf over `0..n`: small indices much more often.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        let index = (n as f64).powf(u) as usize;
        index.saturating_sub(1).min(n - 1)
    }
}
