//! Search benchmark: N synthetic stories (default 100,000, about 120 words
//! each over a Zipf-like vocabulary of 20,000 words), half of them scored
//! on topic, then the latency of typical queries through `Store::search`.
//!
//! `cargo bench --bench search` or `cargo bench --bench search -- N`.
//! Prints the insert rate, the time to index the queued stories for search
//! (a thousand a transaction, as a poll does), the database size and, per
//! query, the hit count of the first page and the median and worst of
//! repeated runs.

use feedloom::store::{SearchIndex, SearchQuery};

#[path = "support/synthetic.rs"]
mod synthetic;

const RUNS: usize = 15;

fn main() {
    // As `feedloom` itself does first (src/cli/mod.rs). SAFETY: first in
    // `main`, before any SQLite call.
    let _ = unsafe { feedloom::memory::configure_at_start() };
    // Every other story on topic.
    let mut filled = synthetic::filled("search.db", |id| id.0 % 2 == 0);
    // Stories reach the index through its queue, in batches: until they
    // are indexed, every search would find nothing.
    let started = std::time::Instant::now();
    let indexed = filled.store.index_all_pending().expect("index");
    let indexing = started.elapsed();
    assert_eq!(indexed, filled.stories, "every story indexed");
    let (store, stories, insert) = (&filled.store, filled.stories, filled.writes);
    let size = filled.database_bytes();
    println!(
        "{stories} stories written in {:.1} s ({:.0}/s), indexed for search in {:.1} s ({:.0}/s); database {:.0} MB",
        insert.as_secs_f64(),
        stories as f64 / insert.as_secs_f64(),
        indexing.as_secs_f64(),
        stories as f64 / indexing.as_secs_f64(),
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
        let (hits, median, worst) =
            synthetic::timed(RUNS, || store.search(&query).expect("search").len());
        println!(
            "{label:<28} {text:<32} hits {hits:>2}  median {median:>7.2} ms  worst {worst:>7.2} ms"
        );
    }
}
