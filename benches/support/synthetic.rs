//! Synthetic stories for the store benchmarks (`search`, `read`): distinct
//! words over a Zipf-like vocabulary, a fixed generator, and verdicts as the
//! scoring task would record them. Shared so that both measure the same
//! kind of database.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use feedloom::normalize::{Item, story_from_paragraphs};
use feedloom::store::{
    FeedLog, FeedUpdate, ScoredStory, Store, StoryId, StoryWriter, TopicVerdicts,
};
use feedloom::topic::{Reason, Verdict};
use url::Url;

/// Stories per `apply_update` (one transaction each).
const BATCH: usize = 1000;
const VOCABULARY: usize = 20_000;
const WORDS_PER_STORY: usize = 120;

/// A store filled by [`fill`] in a temporary folder (removed on drop).
pub struct Filled {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
    pub store: Store,
    pub stories: usize,
    /// How long the writes took (the verdicts not included).
    pub writes: Duration,
}

/// A store of N synthetic stories, N the first number among the
/// command-line arguments (default 100,000), dated back from a fixed
/// moment: what every store benchmark starts from.
pub fn filled(file: &str, on_topic: impl Fn(StoryId) -> bool) -> Filled {
    let stories = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(100_000usize);
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(file);
    let mut store = Store::open(&path).expect("open db");
    let now = DateTime::from_timestamp(1_790_000_000, 0).expect("time");
    let writes = fill(&mut store, stories, now, on_topic);
    Filled {
        _dir: dir,
        path,
        store,
        stories,
        writes,
    }
}

impl Filled {
    /// The database's size on disk, its WAL included.
    pub fn database_bytes(&self) -> u64 {
        let size = |path: &std::path::Path| std::fs::metadata(path).map_or(0, |m| m.len());
        size(&self.path) + size(&self.path.with_extension("db-wal"))
    }
}

/// Runs `f` `runs` times; its last result, and the median and worst times
/// in milliseconds.
pub fn timed<T>(runs: usize, mut f: impl FnMut() -> T) -> (T, f64, f64) {
    let mut times: Vec<Duration> = Vec::with_capacity(runs);
    let mut result = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        result = Some(f());
        times.push(start.elapsed());
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let result = result.expect("ran at least once");
    (
        result,
        ms(times[times.len() / 2]),
        ms(times[times.len() - 1]),
    )
}

/// Writes `stories` synthetic stories from one feed, the newest at `now`
/// and one a minute older each, then records a verdict on each for topic
/// `main`: on topic where `on_topic` says so. Returns how long the writes
/// took (the verdicts not included).
fn fill(
    store: &mut Store,
    stories: usize,
    now: DateTime<Utc>,
    on_topic: impl Fn(StoryId) -> bool,
) -> Duration {
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
    let writes = start.elapsed();
    score(store, now, on_topic);
    writes
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

/// A verdict for `main` on every queued story, as the scoring task would
/// record it.
fn score(store: &mut Store, now: DateTime<Utc>, on_topic: impl Fn(StoryId) -> bool) {
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
                        on_topic: on_topic(p.id),
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
