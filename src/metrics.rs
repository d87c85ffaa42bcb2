//! What `/metrics` reports, in the Prometheus text format. The daemon
//! records; the server renders. Counters only grow for the life of the
//! process, as Prometheus expects.

use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::poll::FeedOutcome;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: String,
}

/// The daemon's counters and gauges.
pub struct Metrics {
    registry: Registry,
    polls: Counter,
    outcomes: Family<OutcomeLabel, Counter>,
    new_stories: Counter,
    merged: Counter,
    updated: Counter,
    stories: Gauge,
    poll_seconds: Histogram,
    last_success: Gauge,
    rendered: Counter,
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
        let new_stories = Counter::default();
        let merged = Counter::default();
        let updated = Counter::default();
        let stories = Gauge::default();
        let poll_seconds = Histogram::new(exponential_buckets(0.01, 2.0, 14));
        let last_success = Gauge::default();
        let rendered = Counter::default();
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
            new_stories,
            merged,
            updated,
            stories,
            poll_seconds,
            last_success,
            rendered,
        }
    }

    /// Records one feed poll.
    pub fn record_poll(&self, outcome: &FeedOutcome, took: Duration, now_unix: i64) {
        self.polls.inc();
        self.poll_seconds.observe(took.as_secs_f64());
        let label = match outcome {
            FeedOutcome::Fetched { stats, .. } => {
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
        self.outcomes
            .get_or_create(&OutcomeLabel {
                outcome: label.to_owned(),
            })
            .inc();
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

    /// The exposition text for `/metrics`.
    pub fn render(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}
