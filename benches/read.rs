//! Read-path benchmark: what a feed document or a river page costs as the
//! store grows. N synthetic stories (default 100,000; one in ten on topic,
//! a sparse topic being the costly case), then the median and worst time to
//! pick and read the entries of: the topic's feed (50 entries), river pages
//! 1, 2, 50, 150 and 400 (51 entries from an OFFSET, as old `?page=` links
//! ask), page 150 by key (`?before=`, as the "Older stories" links ask), the
//! same feed for a topic restricted to a feed list, and every story.
//!
//! `cargo bench --bench read` or `cargo bench --bench read -- N`. A page's
//! time should not grow with N (the feed and page 1), nor with the page
//! number when the page is asked by key.

use feedloom::store::{StoryQuery, StoryReader};

#[path = "support/synthetic.rs"]
mod synthetic;

const RUNS: usize = 5;

fn main() {
    // As `feedloom` itself does first (src/cli/mod.rs). SAFETY: first in
    // `main`, before any SQLite call.
    let _ = unsafe { feedloom::memory::configure_at_start() };
    let filled = synthetic::filled("read.db", |id| id.0 % 10 == 0);
    let store = &filled.store;
    println!(
        "{} stories written in {:.1} s, one in ten on topic; database {:.0} MB",
        filled.stories,
        filled.writes.as_secs_f64(),
        filled.database_bytes() as f64 / 1e6
    );
    let topic = |limit: usize, offset: usize, feeds: Option<Vec<String>>| StoryQuery {
        topic: Some("main".to_owned()),
        feeds,
        limit: Some(limit),
        offset,
        before: None,
    };
    let feed_list = Some(vec!["https://bench.example/feed".to_owned()]);
    // Page 150 by index: after the last entry of page 149.
    let last_of_149 = store
        .stories(&topic(1, 149 * 50 - 1, None))
        .expect("stories")
        .pop()
        .map(|story| story.uid);
    // Without a page 149 (a small N), no key to start from: the row is
    // left out rather than measuring page 1 under its name.
    let by_key = last_of_149.map(|uid| StoryQuery {
        before: Some(uid),
        ..topic(51, 0, None)
    });
    if by_key.is_none() {
        println!("river page 150, by key: the topic has fewer than 149 pages; not measured");
    }
    let rows = [
        ("topic feed, 50 entries", Some(topic(50, 0, None))),
        ("river page 1", Some(topic(51, 0, None))),
        ("river page 2", Some(topic(51, 50, None))),
        ("river page 50", Some(topic(51, 49 * 50, None))),
        ("river page 150", Some(topic(51, 149 * 50, None))),
        ("river page 150, by key", by_key),
        ("river page 400", Some(topic(51, 399 * 50, None))),
        ("topic with a feed list, 50", Some(topic(50, 0, feed_list))),
        ("every story, 50", Some(StoryQuery::all(Some(50)))),
    ];
    for (label, query) in rows {
        let Some(query) = query else { continue };
        let (entries, median, worst) =
            synthetic::timed(RUNS, || store.stories(&query).expect("stories").len());
        println!(
            "{label:<28} entries {entries:>2}  median {median:>8.2} ms  worst {worst:>8.2} ms"
        );
    }
}
