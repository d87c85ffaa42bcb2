//! What `/metrics` reports, in the Prometheus text format. The daemon
//! records; the server renders. Counters only grow for the life of the
//! process, as Prometheus expects.

use std::sync::Mutex;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::poll::{FeedError, FeedOutcome};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: String,
}

/// The daemon's counters and gauges.
pub struct Metrics {
    registry: Registry,
    polls: Counter,
    outcomes: Family<OutcomeLabel, Counter>,
    full_text: Family<OutcomeLabel, Counter>,
    new_stories: Counter,
    merged: Counter,
    updated: Counter,
    stories: Gauge,
    awaiting_score: Gauge,
    awaiting_index: Gauge,
    poll_seconds: Histogram,
    last_success: Gauge,
    rendered: Counter,
    write_failures: Counter,
    writes: Mutex<WriteLog>,
    /// Unix time this was made (the daemon's start): the reference for
    /// "nothing fetched since" before the first success.
    started: i64,
}

/// How long the poll writes are counted for `/healthz`: long enough to
/// tell a trend (a filling disk fails write after write) from one failed
/// write, short enough that a fixed problem stops showing within minutes.
pub const WRITE_WINDOW: Duration = Duration::from_secs(5 * 60);

/// Buckets of [`WRITE_WINDOW`]: ten-second steps.
const WRITE_BUCKETS: usize = 30;

/// The poll writes of the last [`WRITE_WINDOW`], in ten-second buckets
/// (bounded memory whatever the poll rate), and when the last of each
/// kind happened.
#[derive(Debug, Default)]
struct WriteLog {
    /// `(bucket number, succeeded, failed)`; bucket number = unix / 10.
    buckets: [(i64, u64, u64); WRITE_BUCKETS],
    last_ok: Option<i64>,
    last_failed: Option<i64>,
}

/// What [`Metrics::writes`] reports: the figures `/healthz` judges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Writes {
    /// Writes that succeeded and failed in the last [`WRITE_WINDOW`].
    pub succeeded: u64,
    pub failed: u64,
    /// Unix times of the last success and the last failure, ever.
    pub last_ok: Option<i64>,
    pub last_failed: Option<i64>,
}

impl WriteLog {
    fn record(&mut self, ok: bool, now_unix: i64) {
        let number = now_unix.div_euclid(10);
        let slot = &mut self.buckets[bucket_index(number)];
        if slot.0 != number {
            *slot = (number, 0, 0);
        }
        if ok {
            slot.1 += 1;
            self.last_ok = Some(now_unix);
        } else {
            slot.2 += 1;
            self.last_failed = Some(now_unix);
        }
    }

    fn figures(&self, now_unix: i64) -> Writes {
        let newest = now_unix.div_euclid(10);
        let recent = self.buckets.iter().filter(|(number, _, _)| {
            (newest - *number) < WRITE_BUCKETS as i64 && *number <= newest
        });
        let (succeeded, failed) =
            recent.fold((0, 0), |(s, f), (_, ok, failed)| (s + ok, f + failed));
        Writes {
            succeeded,
            failed,
            last_ok: self.last_ok,
            last_failed: self.last_failed,
        }
    }
}

fn bucket_index(number: i64) -> usize {
    // `rem_euclid` of a positive modulus is in 0..WRITE_BUCKETS.
    usize::try_from(number.rem_euclid(WRITE_BUCKETS as i64)).unwrap_or(0)
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("feedloom");
        let polls = Counter::default();
        let outcomes = Family::<OutcomeLabel, Counter>::default();
        let full_text = Family::<OutcomeLabel, Counter>::default();
        let new_stories = Counter::default();
        let merged = Counter::default();
        let updated = Counter::default();
        let stories = Gauge::default();
        let awaiting_score = Gauge::default();
        let awaiting_index = Gauge::default();
        let poll_seconds = Histogram::new(exponential_buckets(0.01, 2.0, 14));
        let last_success = Gauge::default();
        let rendered = Counter::default();
        let write_failures = Counter::default();
        registry.register(
            "store_write_failures",
            "Poll writes the database refused (a feed's items, or the record of its poll)",
            write_failures.clone(),
        );
        registry.register(
            "documents_rendered",
            "Feed documents and pages rendered (the rest are served from the cache)",
            rendered.clone(),
        );
        registry.register("feed_polls", "Feed polls completed", polls.clone());
        registry.register(
            "fetch_outcomes",
            "Feed polls by outcome: fetched, not_modified, retired, or the failure kind",
            outcomes.clone(),
        );
        registry.register(
            "full_text",
            "Item links of full_text feeds fetched for their article: extracted, or failed (the teaser kept)",
            full_text.clone(),
        );
        registry.register(
            "stories_new",
            "Stories stored for the first time",
            new_stories.clone(),
        );
        registry.register(
            "duplicates_merged",
            "Items whose content was already stored (cross-posts merged into a story)",
            merged.clone(),
        );
        registry.register(
            "stories_updated",
            "Items re-published with edited content",
            updated.clone(),
        );
        registry.register("stories_stored", "Stories in the database", stories.clone());
        registry.register(
            "stories_awaiting_score",
            "Stored stories not yet scored against the topics (published once scored)",
            awaiting_score.clone(),
        );
        registry.register(
            "stories_awaiting_index",
            "Stored stories not yet in the search index",
            awaiting_index.clone(),
        );
        registry.register(
            "feed_poll_duration_seconds",
            "Time to poll one feed: fetch, parse, store",
            poll_seconds.clone(),
        );
        registry.register(
            "last_success_timestamp_seconds",
            "Unix time of the last successful feed poll (fetched or not modified)",
            last_success.clone(),
        );
        Self {
            registry,
            polls,
            outcomes,
            full_text,
            new_stories,
            merged,
            updated,
            stories,
            awaiting_score,
            awaiting_index,
            poll_seconds,
            last_success,
            rendered,
            write_failures,
            writes: Mutex::new(WriteLog::default()),
            started: chrono::Utc::now().timestamp(),
        }
    }

    /// Records one feed poll.
    pub fn record_poll(&self, outcome: &FeedOutcome, took: Duration, now_unix: i64) {
        self.polls.inc();
        self.poll_seconds.observe(took.as_secs_f64());
        let label = match outcome {
            FeedOutcome::Fetched {
                stats, full_text, ..
            } => {
                for (outcome, count) in [
                    ("extracted", full_text.extracted),
                    ("failed", full_text.failed),
                ] {
                    if count > 0 {
                        self.full_text
                            .get_or_create(&OutcomeLabel {
                                outcome: outcome.to_owned(),
                            })
                            .inc_by(count as u64);
                    }
                }
                self.new_stories.inc_by(stats.new_stories as u64);
                self.merged.inc_by(stats.merged as u64);
                self.updated.inc_by(stats.updated as u64);
                self.last_success.set(now_unix);
                "fetched"
            }
            FeedOutcome::NotModified => {
                self.last_success.set(now_unix);
                "not_modified"
            }
            FeedOutcome::Retired => "retired",
            FeedOutcome::Failed { error, .. } => error.kind(),
        };
        // A failed feed's failure was recorded on its row: a write that
        // worked. Only items the store refused count as a failed write.
        let wrote = !matches!(
            outcome,
            FeedOutcome::Failed {
                error: FeedError::Store(_),
                ..
            }
        );
        self.record_write(wrote, now_unix);
        self.outcomes
            .get_or_create(&OutcomeLabel {
                outcome: label.to_owned(),
            })
            .inc();
    }

    /// Records a poll that could not be recorded at all (the database
    /// refused even the feed's row): a failed write.
    pub fn record_poll_not_recorded(&self, now_unix: i64) {
        self.record_write(false, now_unix);
    }

    fn record_write(&self, ok: bool, now_unix: i64) {
        if !ok {
            self.write_failures.inc();
        }
        // A panic elsewhere while holding this cannot leave the log
        // inconsistent beyond one count: take it over.
        let mut log = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        log.record(ok, now_unix);
    }

    /// The poll writes of the last [`WRITE_WINDOW`] as of `now_unix`.
    pub fn writes(&self, now_unix: i64) -> Writes {
        let log = self.writes.lock().unwrap_or_else(|p| p.into_inner());
        log.figures(now_unix)
    }

    /// Unix time of the last successful poll (fetched or not modified);
    /// `None` before the first.
    pub fn last_success(&self) -> Option<i64> {
        Some(self.last_success.get()).filter(|t| *t > 0)
    }

    /// Unix time this daemon started recording.
    pub fn started(&self) -> i64 {
        self.started
    }

    /// Records one document rendered for the cache.
    pub fn document_rendered(&self) {
        self.rendered.inc();
    }

    /// The number of stored stories last counted.
    pub fn stories(&self) -> i64 {
        self.stories.get()
    }

    /// The current number of stored stories.
    pub fn set_stories(&self, count: i64) {
        self.stories.set(count);
    }

    /// The stories waiting in the score and search queues: a backlog that
    /// only grows means the catching-up task is stuck or outpaced.
    pub fn set_backlog(&self, awaiting_score: i64, awaiting_index: i64) {
        self.awaiting_score.set(awaiting_score);
        self.awaiting_index.set(awaiting_index);
    }

    /// The exposition text for `/metrics`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

#[cfg(test)]
mod tests;
