//! Search benchmark: N synthetic stories (default 100,000, about 120 words
//! each over a Zipf-like vocabulary of 20,000 words), half of them scored
//! on topic, then the latency of typical queries through `Store::search`.
//!
//! `cargo bench --bench search` or `cargo bench --bench search -- N`.
//! Prints the insert rate (the FTS triggers included), the database size
//! and, per query, the hit count of the first page and the median and
//! worst of repeated runs.

use std::time::{Duration, Instant};

use chrono::DateTime;
use feedloom::store::{SearchIndex, SearchQuery, Store};

#[path = "support/synthetic.rs"]
mod synthetic;

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
    // Every other story on topic.
    let insert = synthetic::fill(&mut store, stories, now, |id| id.0 % 2 == 0);
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
