//! One poll: fetch → parse → normalize → store for each feed, and the seed
//! import. The CLI's `poll`, the daemon, the tests and the benchmarks all go
//! through a [`Poller`]: [`Poller::poll_feed`] and [`Poller::poll_all`].
//!
//! A failing feed is recorded on that feed and never stops the others; only
//! an unusable database stops a poll.

mod backpressure;
mod batch;
mod feed;
mod full_text;
mod prepare;
mod readers;
mod seeds;
mod start;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;
use url::Url;

use crate::config::{Config, FeedConfig};
use crate::fetch::{self, Fetcher};
use crate::parse;
use crate::scoring::{self, ScoreSummary, Topics};
use crate::store::{self, ApplyStats, SharedStore};

use self::backpressure::Backpressure;
use self::batch::GroupCommit;
use self::readers::Readers;

pub use self::full_text::FullTextCounts;
pub use self::seeds::{SeedSummary, import_all_seeds, import_seeds};
pub use self::start::{Synced, apply_config, build_topics, sync_store};

/// Polls feeds into one store. Built once per process beside the
/// [`Fetcher`] (the daemon, `feedloom poll`): the feeds it polls share its
/// group commit and its limits on memory, whichever task polls them. Cheap
/// to clone.
#[derive(Clone)]
pub struct Poller {
    store: SharedStore,
    commits: GroupCommit,
    limits: Backpressure,
    /// The scorers the parse workers use, once set.
    topics: Arc<Mutex<Option<Topics>>>,
    /// The parse workers' read connections, once a database is given.
    readers: Arc<Readers>,
    /// The pacing of `full_text` feeds' article requests, per host.
    pages: Arc<full_text::Pacer>,
}

impl Poller {
    /// A poller writing to `store`, with a group commit and limits of its
    /// own: build one per process, so that every feed shares them.
    pub fn new(store: SharedStore) -> Self {
        Self {
            commits: GroupCommit::new(store.clone()),
            limits: Backpressure::new(),
            store,
            topics: Arc::default(),
            readers: Arc::default(),
            pages: Arc::default(),
        }
    }

    /// Lets the parse workers read `database` (the file this poller's
    /// store writes) on connections of their own, to check each new
    /// item's near-duplicate candidates before it reaches the writer: the
    /// writer then compares only candidates stored or changed since (see
    /// `StoryWriter::check_candidates`), and the comparisons run on every
    /// core. Without it the writer compares them all: the same clusters,
    /// more time in the one writer.
    ///
    /// Off unless called: neither `feedloom poll` nor the daemon calls it.
    /// On two cores it cost more than it saved (benches/RESULTS.md: a cold
    /// poll 1.09× the wall time, 1.11× the CPU and 14 MiB more peak RSS),
    /// since the workers repeat the writer's sixteen band look-ups for
    /// every item and nine in ten items have no candidate to compare. It is
    /// for a store whose writer is the bound while cores sit idle (many
    /// cores, or several nodes writing one PostgreSQL database).
    pub fn read_from(&self, database: &crate::config::Database) {
        self.readers.read_from(database);
    }

    /// The store this poller writes to.
    pub fn store(&self) -> &SharedStore {
        &self.store
    }

    /// Hands the poller the topics' scorers, after the store was made
    /// current with them ([`sync_store`]): from then on each parse worker
    /// scores the items it parsed (on every core) and the writer stores
    /// them with their verdicts, instead of queueing them for one scoring
    /// task. Verdicts from scorers the store no longer records as current
    /// are not stored (those stories are queued), so a late or missed call
    /// costs time, never a wrong verdict. Without it, every new story is
    /// queued, as before.
    pub fn set_topics(&self, topics: Topics) {
        *lock(&self.topics) = Some(topics);
    }

    /// The scorers set by [`set_topics`](Self::set_topics), if any.
    fn topics(&self) -> Option<Topics> {
        lock(&self.topics).clone()
    }
}

/// Takes a lock whose data a panic cannot leave half-changed (one
/// assignment).
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Why a feed's poll failed.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("fetch failed")]
    Fetch(#[from] fetch::Error),
    #[error("not a usable feed")]
    Parse(#[from] parse::Error),
    /// Its items could not be written (the transaction was rolled back;
    /// nothing stored before is lost).
    #[error("cannot store this feed's items")]
    Store(#[from] store::Error),
    /// Parsing or cleaning panicked: a bug, but one feed's bug.
    #[error("feedloom crashed while reading this feed (a bug; please report it): {0}")]
    Crashed(String),
}

impl FeedError {
    /// A short, stable name for the kind of failure (logs and metrics).
    pub fn kind(&self) -> &'static str {
        match self {
            FeedError::Fetch(error) => error.kind(),
            FeedError::Parse(_) => "parse",
            FeedError::Store(_) => "store",
            FeedError::Crashed(_) => "crashed",
        }
    }
}

/// What went wrong with the poll as a whole (not with one feed).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error(transparent)]
    Scoring(#[from] scoring::Error),
    /// Work on a blocking thread panicked: a bug.
    #[error("a background task crashed (a bug; please report it): {0}")]
    Crashed(String),
}

/// How one feed's poll ended.
#[derive(Debug)]
pub enum FeedOutcome {
    /// New content was fetched and stored.
    Fetched {
        stats: ApplyStats,
        warnings: Vec<String>,
        /// What fetching item links did (a `full_text` feed).
        full_text: FullTextCounts,
    },
    /// The server answered 304.
    NotModified,
    /// Not fetched: the server answered 410 Gone before, and the
    /// configuration has not changed since.
    Retired,
    /// Recorded on the feed; the message is what the user sees.
    Failed { error: FeedError, message: String },
}

/// One failed feed, for the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedFailure {
    pub url: Url,
    pub title: Option<String>,
    pub message: String,
}

/// What one pass over the configured feeds did.
#[derive(Debug, Default)]
pub struct PollSummary {
    pub fetched: usize,
    pub unchanged: usize,
    pub failed: Vec<FeedFailure>,
    pub stories: ApplyStats,
    pub seeds: SeedSummary,
    /// Feeds skipped because their server answered 410 Gone earlier.
    pub retired: usize,
    /// Feeds fetched at another URL after a permanent redirect: (configured,
    /// fetched). The configuration should be edited to the new URL.
    pub moved: Vec<(Url, String)>,
    /// Item links of `full_text` feeds fetched for their articles.
    pub full_text: FullTextCounts,
    /// Warnings per feed (repaired markup, empty feeds, skipped items).
    pub warnings: Vec<(Url, String)>,
    /// Topic verdicts computed for new and changed stories.
    pub scored: ScoreSummary,
    /// Stories indexed for search.
    pub indexed: usize,
    /// What retention deleted after the poll.
    pub pruned: store::Pruned,
}

/// Where a pass over the feeds is, for a progress display
/// ([`Poller::poll_all_reporting`]).
#[derive(Debug, Clone, Copy)]
pub enum PollProgress<'a> {
    /// The store is in line with the configuration (seeds imported): `done`
    /// of the `total` enabled feeds are polled, and `summary` is what they
    /// did so far. Reported once with `done` 0, then after each feed.
    Feeds {
        done: usize,
        total: usize,
        summary: &'a PollSummary,
    },
    /// Every feed is polled; what they stored is being scored and indexed.
    CatchingUp,
}

impl Poller {
    /// Imports the seeds folder, polls every enabled feed concurrently (the
    /// fetcher's semaphores bound how many are in flight), then catches up:
    /// topic verdicts and the search index for what it stored. `progress`
    /// is called after each feed with (done, total).
    pub async fn poll_all(
        &self,
        config: &Config,
        fetcher: &Fetcher,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<PollSummary, Error> {
        self.poll_all_reporting(config, fetcher, |report| {
            if let PollProgress::Feeds { done, total, .. } = report
                && done > 0
            {
                progress(done, total);
            }
        })
        .await
    }

    /// [`poll_all`](Self::poll_all), telling `report` where it is at each
    /// step (see [`PollProgress`]), with the running totals: what
    /// `feedloom poll` shows on a terminal.
    pub async fn poll_all_reporting(
        &self,
        config: &Config,
        fetcher: &Fetcher,
        mut report: impl FnMut(PollProgress<'_>),
    ) -> Result<PollSummary, Error> {
        let topics = build_topics(config).await?;
        let polled = CancellationToken::new();
        let failed = AtomicBool::new(false);
        let polling = async {
            let summary = self
                .poll_feeds_reporting(config, fetcher, &topics, &mut report)
                .await;
            failed.store(summary.is_err(), Ordering::SeqCst);
            polled.cancel();
            if summary.is_ok() {
                report(PollProgress::CatchingUp);
            }
            summary
        };
        let (summary, scored, indexed) = tokio::join!(
            polling,
            score_while_polling(&self.store, &topics, &polled, &failed),
            index_while_polling(&self.store, &polled)
        );
        let mut summary = summary?;
        summary.scored = scored?;
        // The stories scored where they were parsed, stored with their
        // verdicts, count as scored too.
        summary.scored.scored += summary.stories.scored;
        summary.indexed = indexed? + self.store.index_all_pending().await?;
        summary.pruned = self
            .store
            .prune_due(config.retention, store::PRUNE_EVERY)
            .await?;
        Ok(summary)
    }

    /// [`poll_all`](Self::poll_all) without the catching up: the store
    /// brought in line with `config` ([`sync_store`]), then every enabled
    /// feed, stored. The stories it stores are queued for scoring and
    /// search; `topics` (from [`build_topics`]) decide whether the stored
    /// verdicts are current.
    pub async fn poll_feeds(
        &self,
        config: &Config,
        fetcher: &Fetcher,
        topics: &Topics,
        mut progress: impl FnMut(usize, usize),
    ) -> Result<PollSummary, Error> {
        self.poll_feeds_reporting(config, fetcher, topics, &mut |report| {
            if let PollProgress::Feeds { done, total, .. } = report
                && done > 0
            {
                progress(done, total);
            }
        })
        .await
    }

    async fn poll_feeds_reporting(
        &self,
        config: &Config,
        fetcher: &Fetcher,
        topics: &Topics,
        report: &mut impl FnMut(PollProgress<'_>),
    ) -> Result<PollSummary, Error> {
        let synced = sync_store(&self.store, config, topics).await?;
        self.set_topics(topics.clone());
        let mut summary = PollSummary {
            seeds: synced.seeds,
            ..PollSummary::default()
        };
        let feeds: Vec<&FeedConfig> = config.enabled_feeds().collect();
        let total = feeds.len();
        let mut records = self.feed_records(&feeds).await?;
        // Two stages: `concurrency` feeds at a time are fetched, parsed
        // and queued for the group commit; each then waits for its write
        // without its slot, so the next feeds are fetched and parsed while
        // a batch is written (the backlog bounds how many wait parsed; a
        // `full_text` feed keeps its slot, see below).
        let mut fetching = futures_util::stream::iter(feeds)
            .map(|feed| {
                let record = records.remove(&feed.url);
                async move {
                    let span = tracing::info_span!("poll_feed", feed.url = %feed.url);
                    let queued = async {
                        let record = match record {
                            Some(record) => record,
                            None => self.feed_record(feed).await?,
                        };
                        self.fetch_and_queue(fetcher, feed, &record).await
                    }
                    .instrument(span.clone())
                    .await;
                    let polled = match queued {
                        // Its articles are not counted in the backlog: a
                        // `full_text` feed keeps its slot until written.
                        Ok(queued) if feed.full_text => {
                            Polled::Finished(self.finish(queued).instrument(span.clone()).await)
                        }
                        Ok(queued) => Polled::Queued(queued),
                        Err(error) => Polled::Finished(Err(error)),
                    };
                    (feed, span, polled)
                }
            })
            .buffer_unordered(config.fetch.concurrency.max(1));
        let mut writing = FuturesUnordered::new();
        let mut done = 0;
        report(PollProgress::Feeds {
            done,
            total,
            summary: &summary,
        });
        loop {
            let (feed, outcome) = tokio::select! {
                Some((feed, span, polled)) = fetching.next() => match polled {
                    Polled::Queued(queued) => {
                        writing.push(async move {
                            (feed, self.finish(queued).instrument(span).await)
                        });
                        continue;
                    }
                    Polled::Finished(outcome) => (feed, outcome),
                },
                Some(written) = writing.next() => written,
                else => break,
            };
            done += 1;
            match outcome? {
                FeedOutcome::Fetched {
                    stats,
                    warnings,
                    full_text,
                } => {
                    summary.fetched += 1;
                    summary.stories += stats;
                    summary.full_text += full_text;
                    summary
                        .warnings
                        .extend(warnings.into_iter().map(|w| (feed.url.clone(), w)));
                }
                FeedOutcome::NotModified => summary.unchanged += 1,
                FeedOutcome::Retired => summary.retired += 1,
                FeedOutcome::Failed { message, .. } => summary.failed.push(FeedFailure {
                    url: feed.url.clone(),
                    title: feed.title.clone(),
                    message,
                }),
            }
            report(PollProgress::Feeds {
                done,
                total,
                summary: &summary,
            });
        }
        drop(fetching);
        summary.moved = self.moved_feeds(config).await?;
        Ok(summary)
    }
}

impl Poller {
    /// The enabled feeds a permanent redirect moved, with their new URLs,
    /// in the configuration's order.
    async fn moved_feeds(&self, config: &Config) -> Result<Vec<(Url, String)>, Error> {
        let feeds: Vec<&FeedConfig> = config.enabled_feeds().collect();
        let mut records = self.feed_records(&feeds).await?;
        Ok(feeds
            .into_iter()
            .filter_map(|feed| Some((feed.url.clone(), records.remove(&feed.url)?.fetch_url?)))
            .collect())
    }
}

/// A feed of `feedloom poll` once its first stage is over: queued for the
/// group commit, or done.
enum Polled<'a> {
    Queued(feed::Queued<'a>),
    Finished(Result<FeedOutcome, Error>),
}

/// Scores the stories a poll stores while it stores them, then what is
/// left once `polled` is cancelled (unless the poll `failed`: its error is
/// reported at once, and the queue waits for the next run). Storing is one
/// writer; scoring is mostly analysis outside the store lock, so it takes a
/// core the writer leaves idle instead of running after it.
async fn score_while_polling(
    store: &SharedStore,
    topics: &Topics,
    polled: &CancellationToken,
    failed: &AtomicBool,
) -> Result<ScoreSummary, Error> {
    let mut total = ScoreSummary::default();
    loop {
        // Read before draining: a drain that starts after the poll ended
        // sees every story it stored.
        let finished = polled.is_cancelled();
        if finished && failed.load(Ordering::SeqCst) {
            return Ok(total);
        }
        let current = topics.clone();
        let batch = scoring::score_pending(store, move || current.clone(), None, |_| {}).await?;
        total.scored += batch.scored;
        total.changed += batch.changed;
        // Stale while the poll is still bringing the stored verdicts up to
        // date with these topics (`ensure_current`): try again later.
        total.stale = batch.stale;
        if finished {
            return Ok(total);
        }
        if batch.scored == 0 || batch.stale {
            tokio::select! {
                () = polled.cancelled() => {}
                () = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
        }
    }
}

/// Indexes the stories a poll stores for search while it stores them, a
/// full batch at a time, until `polled` is cancelled; the caller indexes
/// the rest. The index is written under the store lock like the feeds, but
/// the batch writer leaves the lock free while it gathers the next batch:
/// indexing there takes the core it leaves idle, where indexing after the
/// poll ran on one core while the other waited (a sixth of a cold poll's
/// wall time).
async fn index_while_polling(
    store: &SharedStore,
    polled: &CancellationToken,
) -> Result<usize, Error> {
    let mut total = 0;
    while !polled.is_cancelled() {
        let indexed = store.index_full_batch().await?;
        total += indexed;
        if indexed == 0 {
            tokio::select! {
                () = polled.cancelled() => {}
                () = tokio::time::sleep(Duration::from_millis(200)) => {}
            }
        }
    }
    Ok(total)
}
