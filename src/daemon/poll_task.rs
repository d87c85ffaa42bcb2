//! One feed's poll as a task of its own: polls, plans the next poll, tells
//! the catching-up task and the server, and always reports back to the
//! scheduler loop.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::Context;
use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use tokio::sync::{Notify, mpsc};

use crate::config::{Config, FeedConfig};
use crate::error::error_chain;
use crate::fetch::Fetcher;
use crate::metrics::Metrics;
use crate::poll::{FeedOutcome, Poller};
use crate::schedule::{self, FeedState};
use crate::server::Changes;
use crate::store::{Claim, SharedStore};
use url::Url;

/// Whether the last poll found the database unreachable: an outage is
/// logged when it starts and when it ends, not once per feed polled.
static STORE_DOWN: AtomicBool = AtomicBool::new(false);

/// What a finished poll reports to the scheduler loop.
pub(super) struct Done {
    pub(super) url: Url,
    /// A STATUS line for systemd.
    pub(super) status: String,
    pub(super) next: DateTime<Utc>,
    /// The configuration the poll ran (and planned) under.
    pub(super) config: Arc<Config>,
}

/// One feed's poll, as a task of its own.
pub(super) struct PollTask {
    /// This node's name in the feeds' claims ([`super::node_name`]).
    pub(super) node: Arc<str>,
    pub(super) feed: FeedConfig,
    pub(super) config: Arc<Config>,
    pub(super) poller: Poller,
    pub(super) fetcher: Arc<Fetcher>,
    pub(super) metrics: Arc<Metrics>,
    pub(super) changes: Arc<Changes>,
    pub(super) score_wake: Arc<Notify>,
    pub(super) done: mpsc::UnboundedSender<Done>,
}

impl PollTask {
    /// Polls, plans the next poll, and always reports back: even a panic
    /// in the poll ends in a [`Done`] (with a retry after the backoff
    /// base), or the feed would stay "in flight" and never be polled again.
    pub(super) async fn run(self) {
        let url = self.feed.url.clone();
        let config = self.config.clone();
        let done = self.done.clone();
        let backoff = chrono::Duration::from_std(self.config.scheduler.backoff_base)
            .unwrap_or(chrono::Duration::MAX);
        let report = AssertUnwindSafe(self.poll()).catch_unwind().await;
        let (status, next) = match report {
            Ok(report) => report,
            Err(panic) => {
                let message = panic
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_owned())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_default();
                tracing::error!(feed = %url, %message, "the poll panicked (a bug; please report it); retrying later");
                (format!("poll of {url} crashed"), Utc::now() + backoff)
            }
        };
        let _ = done.send(Done {
            url,
            status,
            next,
            config,
        });
    }

    /// Claims the feed for this node's poll. `Err` holds when to look
    /// again: when the node that polled it plans it next, or when the
    /// claim of the node polling it now runs out.
    async fn claim(&self) -> Result<(), DateTime<Utc>> {
        let (url, node) = (self.feed.url.clone(), self.node.clone());
        let now = Utc::now();
        let lease = chrono::Duration::from_std(self.config.scheduler.lease)
            .unwrap_or(chrono::Duration::MAX);
        let until = now.checked_add_signed(lease).unwrap_or(now);
        let claim = self
            .poller
            .store()
            .call(move |store| store.claim_feed(&url, &node, now, until))
            .await;
        let soon = now + chrono::Duration::seconds(1);
        match claim {
            Ok(Claim::Won) => Ok(()),
            Ok(Claim::NotDue { next }) => Err(next.max(soon)),
            Ok(Claim::Held { node, until }) => {
                tracing::debug!(feed = %self.feed.url, %node, until = %until.to_rfc3339(), "another node is polling this feed");
                Err(until.max(soon))
            }
            // A store that cannot take the claim will not take the poll's
            // writes either: polling anyway records that failure where
            // `/healthz` sees it, and the store's dedup makes a second
            // node's poll of the same feed harmless.
            Err(error) => {
                // An outage is logged once, by the poll (below).
                if !error.is_unavailable() {
                    tracing::warn!(feed = %self.feed.url, error = %error_chain(&error), "cannot claim the feed; polling it anyway");
                }
                Ok(())
            }
        }
    }

    /// The poll itself; returns a STATUS line and the next poll time.
    async fn poll(&self) -> (String, DateTime<Utc>) {
        if let Err(next) = self.claim().await {
            return (format!("{} polled by another node", self.feed.url), next);
        }
        let started = Instant::now();
        let outcome = self.poller.poll_feed(&self.fetcher, &self.feed).await;
        let now = Utc::now();
        let next = match &outcome {
            Ok(outcome) => {
                if STORE_DOWN.swap(false, Ordering::SeqCst) {
                    tracing::info!("the database answers again; polls store their stories");
                }
                self.metrics
                    .record_poll(outcome, started.elapsed(), now.timestamp());
                self.changes.polled(now);
                // Any fetched body may change what the documents show (new
                // stories, sources, links, the feed's title); re-rendering
                // is cheap and the ETag is the content's hash, so readers
                // only see a change when there is one.
                if matches!(outcome, FeedOutcome::Fetched { .. }) {
                    self.changes.note();
                    // New stories are published once scored.
                    self.score_wake.notify_one();
                }
                let next = self.plan_next(now).await;
                if let FeedOutcome::Failed { message, .. } = outcome {
                    // One line per failure: which feed, what went wrong,
                    // what feedloom does about it.
                    tracing::warn!(
                        feed = %self.feed.url,
                        error = %message,
                        retry_at = %next.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                        "feed failed; its stored stories are kept; backing off until retry_at"
                    );
                }
                next
            }
            Err(error @ crate::poll::Error::Store(store_error)) if store_error.is_unavailable() => {
                // A database outage: said once for all the polls it fails,
                // and once when it is over (below).
                if !STORE_DOWN.swap(true, Ordering::SeqCst) {
                    tracing::error!(error = %error_chain(error), "the database cannot be reached; polls are retried, cached pages are still served");
                }
                self.metrics.record_poll_not_recorded(now.timestamp());
                now + chrono::Duration::from_std(self.config.scheduler.backoff_base)
                    .unwrap_or(chrono::Duration::MAX)
            }
            Err(error) => {
                // The store failed: feedloom is wrong, not the feed. Retry
                // after the backoff base rather than hammering it.
                tracing::error!(feed = %self.feed.url, error = %error_chain(error), "poll failed");
                self.metrics.record_poll_not_recorded(now.timestamp());
                now + chrono::Duration::from_std(self.config.scheduler.backoff_base)
                    .unwrap_or(chrono::Duration::MAX)
            }
        };
        // Only a fetched body can change the number of stories: a 304 or
        // a failure costs no count(*) on the writer's connection.
        if matches!(outcome, Ok(FeedOutcome::Fetched { .. })) {
            refresh_story_count(self.poller.store(), &self.metrics).await;
        }
        let count = self.metrics.stories();
        let status = format!(
            "{count} stories; last poll {} {}",
            self.feed.url,
            outcome_word(outcome.as_ref().ok())
        );
        (status, next)
    }

    /// Computes and stores when this feed is due next.
    async fn plan_next(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let feed = self.feed.clone();
        let config = self.config.clone();
        let planned = self
            .poller
            .store()
            .call(move |store| -> anyhow::Result<DateTime<Utc>> {
                let record = store
                    .feed(&feed.url)?
                    .context("the feed's row disappeared")?;
                let next = schedule::next_poll(
                    &feed.schedule_or(&config).cron,
                    &config.scheduler,
                    FeedState {
                        url: feed.url.as_str(),
                        consecutive_failures: record.consecutive_failures,
                        retry_after: record.retry_after,
                    },
                    now,
                );
                store.set_next_fetch(record.id, next)?;
                Ok(next)
            })
            .await;
        match planned {
            Ok(next) => next,
            Err(error) => {
                tracing::error!(feed = %self.feed.url, error = %error_chain(error.as_ref()), "cannot plan the next poll");
                now + chrono::Duration::seconds(60)
            }
        }
    }
}

/// Counts the stored stories into the `stories_stored` gauge.
pub(super) async fn refresh_story_count(store: &SharedStore, metrics: &Metrics) {
    if let Ok(count) = store.call(|store| store.story_count()).await {
        metrics.set_stories(count);
    }
}

/// Counts the score and search queues into their gauges. Called by the
/// catching-up task before and after each run, not after every poll (two
/// more counts on the writer's lock per fetched feed): a run that hangs
/// leaves the count it started with, which an alert on a backlog that is
/// never empty sees.
pub(super) async fn refresh_backlog(store: &SharedStore, metrics: &Metrics) {
    let counts = store
        .call(|store| {
            Ok::<_, crate::store::Error>((
                store.pending_score_count()?,
                store.pending_index_count()?,
            ))
        })
        .await;
    if let Ok((awaiting_score, awaiting_index)) = counts {
        metrics.set_backlog(awaiting_score, awaiting_index);
    }
}

fn outcome_word(outcome: Option<&FeedOutcome>) -> &'static str {
    match outcome {
        Some(FeedOutcome::Fetched { .. }) => "fetched",
        Some(FeedOutcome::NotModified) => "unchanged",
        Some(FeedOutcome::Retired) => "retired",
        Some(FeedOutcome::Failed { .. }) => "failed",
        None => "errored",
    }
}
