//! One poll: fetch → parse → normalize → store for each feed, and the seed
//! import. The CLI's `poll`, the daemon, the tests and the benchmarks all go
//! through [`poll_feed`] and [`poll_all`].
//!
//! A failing feed is recorded on that feed and never stops the others; only
//! an unusable database stops a poll.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Condvar, LazyLock, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveTime, Utc};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use url::Url;

use crate::config::{Config, FeedConfig};
use crate::error::error_chain;
use crate::fetch::{self, Fetched, Fetcher, Validators};
use crate::normalize::{self, Item};
use crate::parse;
use crate::seeds;
use crate::store::{self, ApplyStats, FeedUpdate, SeedChange, Storage};

/// The store as the async stages share it: one connection behind a mutex,
/// used only from blocking threads, and the fetched feeds waiting for it.
pub type SharedStore = Arc<StoreHandle>;

/// See [`SharedStore`]; made by [`StoreHandle::new`]. Holds the store as a
/// [`Storage`] object, so the pipeline runs on whichever backend
/// [`store::connect`] (or a test) chose.
pub struct StoreHandle {
    store: Mutex<Box<dyn Storage>>,
    /// Fetched feeds waiting to be written; see [`write_batched`].
    writes: Mutex<Vec<PendingWrite>>,
    /// Wakes the batch writer when a feed joins.
    joined: Condvar,
}

impl StoreHandle {
    pub fn new(store: Box<dyn Storage>) -> SharedStore {
        Arc::new(Self {
            store: Mutex::new(store),
            writes: Mutex::default(),
            joined: Condvar::new(),
        })
    }
}

/// Items in the fetched feeds gathering for the next transaction.
fn queued_items(queue: &[PendingWrite]) -> usize {
    queue.iter().map(|write| write.update.items.len()).sum()
}

/// One feed's parsed fetch, and where its writer wants the result.
struct PendingWrite {
    feed: store::FeedId,
    update: FeedUpdate,
    done: tokio::sync::oneshot::Sender<store::Result<ApplyStats>>,
}

/// How long the first feed of a batch waits at most for others to join
/// it. Every transaction rewrites each index page it touches, and a
/// story's band keys land on random pages of the near-duplicate index: a
/// transaction of one feed rewrites about as many pages as one of fifty. A
/// poll of a thousand feeds spent most of its time writing the same pages
/// again, one feed at a time.
const GATHER: Duration = Duration::from_millis(100);

/// The batch stops gathering when no feed joined for this long: the feeds
/// still being fetched are not coming soon, or every feed of the poll is
/// already waiting here (each waiting feed holds one of the poll's
/// concurrent slots, so nothing new is fetched until this batch is
/// written). A feed polled alone waits this long, which nobody notices.
const GATHER_GAP: Duration = Duration::from_millis(15);

/// Items at which a batch stops gathering: enough to make each rewritten
/// page count, few enough that one transaction stays short (the server and
/// the scorer wait for the store while it is written) and that the parsed
/// items waiting for it stay a few megabytes.
const BATCH_ITEMS: usize = 2_000;

/// Writes one feed's fetch, together with the other fetches that arrive
/// while it waits (see [`GATHER`] and [`GATHER_GAP`]), in one transaction
/// (group commit). The first feed into an empty queue starts the batch's
/// writer on a blocking thread: it waits for the batch to fill, takes the
/// store, writes the whole queue and hands each feed its result. Every feed
/// (the first too) only awaits its result, holding no thread, so a busy
/// poll does not park one blocking thread per waiting feed (each would
/// also keep its own malloc arena). While one batch is written the next
/// one gathers, so the busier the poll, the larger the batches. If the
/// batch's transaction fails as a whole, each feed is written alone so that
/// each gets its own error.
async fn write_batched(
    handle: &SharedStore,
    feed: store::FeedId,
    update: FeedUpdate,
) -> store::Result<ApplyStats> {
    let (done, result) = tokio::sync::oneshot::channel();
    let first = {
        let mut queue = lock_queue(&handle.writes);
        queue.push(PendingWrite { feed, update, done });
        handle.joined.notify_one();
        queue.len() == 1
    };
    if first {
        // Not awaited: the batch is written even if this poll is dropped
        // meanwhile, and its feeds' results reach whoever still waits.
        let unwritten = Unwritten {
            handle: handle.clone(),
            taken: false,
        };
        drop(tokio::task::spawn_blocking(move || write_batch(unwritten)));
    }
    // A writer that crashed dropped our sender with the batch.
    result.await.unwrap_or(Err(store::Error::WriteLost))
}

/// The queue a batch writer has yet to take, given back if the writer never
/// takes it: its thread could not be spawned, the runtime was shutting
/// down, or it panicked while gathering. The feeds queued then get
/// [`store::Error::WriteLost`] instead of waiting for ever, and the next
/// feed to arrive finds the queue empty and starts a new writer (every
/// feed after the first relies on the writer it joined).
struct Unwritten {
    handle: SharedStore,
    /// Set once the writer has taken the queue.
    taken: bool,
}

impl Drop for Unwritten {
    fn drop(&mut self) {
        if !self.taken {
            // Dropping the entries drops their senders.
            drop(std::mem::take(&mut *lock_queue(&self.handle.writes)));
        }
    }
}

/// The batch writer of [`write_batched`]: gathers, then writes the queue.
fn write_batch(mut unwritten: Unwritten) {
    let handle = &*unwritten.handle;
    let started = Instant::now();
    let mut queue = lock_queue(&handle.writes);
    while queued_items(&queue) < BATCH_ITEMS {
        let left = GATHER.saturating_sub(started.elapsed());
        if left.is_zero() {
            break;
        }
        let waiting = queue.len();
        queue = match handle.joined.wait_timeout(queue, left.min(GATHER_GAP)) {
            Ok((queue, _)) => queue,
            Err(poisoned) => poisoned.into_inner().0,
        };
        // Nobody joined (or a spurious wake-up, which only ends the
        // wait early).
        if queue.len() == waiting {
            break;
        }
    }
    drop(queue);
    let mut store = lock(handle);
    let batch = std::mem::take(&mut *lock_queue(&handle.writes));
    // Taken: from here, a panic drops the batch and with it the senders.
    unwritten.taken = true;
    let now = Utc::now();
    let updates: Vec<(store::FeedId, &FeedUpdate)> =
        batch.iter().map(|w| (w.feed, &w.update)).collect();
    // Every result is sent before the store is let go of.
    match store.apply_updates(now, &updates) {
        Ok(results) => {
            drop(updates);
            for (write, result) in batch.into_iter().zip(results) {
                let _ = write.done.send(result);
            }
        }
        Err(error) => {
            drop(updates);
            tracing::debug!(%error, feeds = batch.len(), "batched write failed; writing feed by feed");
            for write in batch {
                let result = store.apply_update(write.feed, now, &write.update);
                let _ = write.done.send(result);
            }
        }
    }
}

fn lock_queue(queue: &Mutex<Vec<PendingWrite>>) -> MutexGuard<'_, Vec<PendingWrite>> {
    match queue.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

/// Feeds parsed at once: one per core. Parsing is pure CPU, so more at once
/// finish no sooner, and each holds its whole document tree in memory; the
/// fetches beyond these wait as compact bodies.
static PARSE_SLOTS: LazyLock<tokio::sync::Semaphore> = LazyLock::new(|| {
    tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()))
});

/// Bytes of fetched bodies, in KiB, that may be parsed and not yet written
/// at once. A parsed feed takes about three times its body's size (clean
/// HTML, text and shingles per item) until the writer has stored it, and
/// the writer is the slowest stage: without this, every feed in flight
/// would wait parsed, and memory would grow with `concurrency`. Beyond it,
/// fetched feeds wait as their compact bodies. One body larger than the
/// budget (up to `[fetch] max_body_size`) is let in alone, and a poll
/// dropped before its write finished gives its share back early. 4 MiB is
/// about thirty feeds of fifty stories, more than the batch a busy poll
/// writes at once (about twenty), so the next batch still gathers while one
/// is written. One run
/// each of `cargo bench --bench poll -- 1000 50 64`: peak RSS 104 MB with
/// 8 MiB, 96 MB with 4, cold poll 13.3 and 14.0 s (runs on this machine
/// vary by 20 %).
const BACKLOG_KIB: u32 = 4 * 1024;

static BACKLOG: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(BACKLOG_KIB as usize);

/// A fetched body's share of [`BACKLOG`]: its size in KiB, at least one,
/// and at most the whole budget (a body larger than the budget waits until
/// it has the backlog to itself).
fn backlog_share(body_len: usize) -> u32 {
    u32::try_from(body_len.div_ceil(1024))
        .unwrap_or(u32::MAX)
        .clamp(1, BACKLOG_KIB)
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
    #[error("a background task failed")]
    Task(#[from] tokio::task::JoinError),
}

/// How one feed's poll ended.
#[derive(Debug)]
pub enum FeedOutcome {
    /// New content was fetched and stored.
    Fetched {
        stats: ApplyStats,
        warnings: Vec<String>,
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

/// What the seed import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedSummary {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// One message per seed file that could not be imported.
    pub failed: Vec<String>,
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
    /// Warnings per feed (repaired markup, empty feeds, skipped items).
    pub warnings: Vec<(Url, String)>,
    /// Topic verdicts computed for new and changed stories.
    pub scored: crate::scoring::ScoreSummary,
    /// Stories indexed for search.
    pub indexed: usize,
    /// What retention deleted after the poll.
    pub pruned: store::Pruned,
}

/// Imports the seeds folder, polls every enabled feed concurrently (the
/// fetcher's semaphores bound how many are in flight), then catches up:
/// topic verdicts and the search index for what it stored. `progress` is
/// called after each feed with (done, total).
pub async fn poll_all(
    config: &Config,
    store: &SharedStore,
    fetcher: &Fetcher,
    progress: impl FnMut(usize, usize),
) -> Result<PollSummary, Error> {
    let topics = crate::scoring::build(config);
    let polled = tokio_util::sync::CancellationToken::new();
    let failed = std::sync::atomic::AtomicBool::new(false);
    let polling = async {
        let summary = poll_feeds(config, store, fetcher, &topics, progress).await;
        failed.store(summary.is_err(), std::sync::atomic::Ordering::SeqCst);
        polled.cancel();
        summary
    };
    let (summary, scored) = tokio::join!(
        polling,
        score_while_polling(store, &topics, &polled, &failed)
    );
    let mut summary = summary?;
    summary.scored = scored?;
    summary.indexed = index_for_search(store).await?;
    summary.pruned = prune(store, config.retention).await?;
    Ok(summary)
}

/// Scores the stories a poll stores while it stores them, then what is
/// left once `polled` is cancelled (unless the poll `failed`: its error is
/// reported at once, and the queue waits for the next run). Storing is one
/// writer; scoring is mostly analysis outside the store lock, so it takes a
/// core the writer leaves idle instead of running after it.
async fn score_while_polling(
    store: &SharedStore,
    topics: &crate::scoring::Topics,
    polled: &tokio_util::sync::CancellationToken,
    failed: &std::sync::atomic::AtomicBool,
) -> Result<crate::scoring::ScoreSummary, Error> {
    let mut total = crate::scoring::ScoreSummary::default();
    loop {
        // Read before draining: a drain that starts after the poll ended
        // sees every story it stored.
        let finished = polled.is_cancelled();
        if finished && failed.load(std::sync::atomic::Ordering::SeqCst) {
            return Ok(total);
        }
        let current = topics.clone();
        let batch =
            crate::scoring::score_pending(store, move || current.clone(), None, |_| {}).await?;
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

/// Deletes the clusters `retention` no longer keeps (see
/// `store::retention`), a batch per lock.
pub async fn prune(
    store: &SharedStore,
    retention: crate::config::Retention,
) -> Result<store::Pruned, Error> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || -> Result<store::Pruned, Error> {
        let (on_topic, off_topic) = retention.cutoffs(Utc::now());
        Ok(store::Pruned::until_done(|| {
            lock(&store).prune_batch(on_topic, off_topic)
        })?)
    })
    .await?
}

/// Indexes every story waiting for search, a batch per lock, so that the
/// server and polls get the store in between; returns how many.
pub async fn index_for_search(store: &SharedStore) -> Result<usize, Error> {
    let store = store.clone();
    tokio::task::spawn_blocking(move || -> Result<usize, Error> {
        let mut total = 0;
        loop {
            match lock(&store).index_pending(store::INDEX_BATCH)? {
                0 => return Ok(total),
                n => total += n,
            }
        }
    })
    .await?
}

/// [`poll_all`] without the catching up: seeds, then every enabled feed,
/// stored. The stories it stores are queued for scoring and search;
/// `topics` (from [`crate::scoring::build`]) decide whether the stored
/// verdicts are current.
pub async fn poll_feeds(
    config: &Config,
    store: &SharedStore,
    fetcher: &Fetcher,
    topics: &crate::scoring::Topics,
    mut progress: impl FnMut(usize, usize),
) -> Result<PollSummary, Error> {
    let mut summary = PollSummary {
        seeds: import_all_seeds(store, config).await?,
        ..PollSummary::default()
    };
    apply_config(store, config).await?;
    crate::scoring::ensure_current(store, topics, false).await?;
    let feeds: Vec<&FeedConfig> = config.enabled_feeds().collect();
    let total = feeds.len();
    let mut polls = futures_util::stream::iter(feeds)
        .map(|feed| async move { (feed, poll_feed(store, fetcher, feed).await) })
        .buffer_unordered(config.fetch.concurrency.max(1));
    let mut done = 0;
    while let Some((feed, outcome)) = polls.next().await {
        done += 1;
        progress(done, total);
        match outcome? {
            FeedOutcome::Fetched { stats, warnings } => {
                summary.fetched += 1;
                summary.stories += stats;
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
    }
    drop(polls);
    summary.moved = moved_feeds(store, config).await?;
    Ok(summary)
}

/// Polls one feed: conditional GET with the stored validators, parse,
/// normalize, and write the result in one transaction. A feed failure is
/// recorded on the feed and returned as [`FeedOutcome::Failed`]; `Err` means
/// the store itself failed.
#[tracing::instrument(name = "poll_feed", skip_all, fields(feed.url = %feed.url))]
pub async fn poll_feed(
    store: &SharedStore,
    fetcher: &Fetcher,
    feed: &FeedConfig,
) -> Result<FeedOutcome, Error> {
    let record = {
        let store = store.clone();
        let url = feed.url.clone();
        let title = feed.title.clone();
        // `apply_config` made the row; reading it costs no write. A feed
        // polled on its own (tests, tools) gets its row here.
        tokio::task::spawn_blocking(move || {
            let mut store = lock(&store);
            match store.feed(&url)? {
                Some(record) => Ok(record),
                None => store.ensure_feed(&url, title.as_deref(), Utc::now()),
            }
        })
        .await??
    };
    if record.gone {
        return Ok(FeedOutcome::Retired);
    }
    let validators = Validators {
        etag: record.etag,
        last_modified: record.last_modified,
    };
    // A permanent redirect recorded earlier is followed directly.
    let target = record
        .fetch_url
        .as_deref()
        .and_then(|url| Url::parse(url).ok())
        .unwrap_or_else(|| feed.url.clone());
    let fetched = fetcher.fetch(&target, &validators).await;
    let moved_to = match &fetched {
        Ok(Fetched::NotModified { moved_to }) => moved_to.clone(),
        Ok(Fetched::Body(body)) => body.moved_to.clone(),
        Err(_) => None,
    };
    let retry_after = fetched.as_ref().err().and_then(fetch::Error::retry_after);
    let mut backlog = None;
    let result = match fetched {
        Ok(Fetched::NotModified { .. }) => Ok(Received::NotModified),
        Ok(Fetched::Body(body)) => {
            let digest = body_digest(&body);
            if record.body_sha256.as_deref() == Some(digest.as_str()) {
                Ok(Received::SameBody {
                    validators: body.validators,
                    status: body.status,
                })
            } else {
                let url = feed.url.clone();
                // Closed semaphores cannot happen (they are never closed);
                // if one were, going on without its permit is still correct.
                // The backlog share is held until the feed is written.
                backlog = BACKLOG
                    .acquire_many(backlog_share(body.bytes.len()))
                    .await
                    .ok();
                // The slot goes with the parse, which goes on even if this
                // poll is dropped meanwhile.
                let slot = PARSE_SLOTS.acquire().await.ok();
                match tokio::task::spawn_blocking(move || {
                    let _slot = slot;
                    parse_body(&body, digest, &url)
                })
                .await
                {
                    Ok(parsed) => {
                        parsed.map(|(update, warnings)| Received::Parsed { update, warnings })
                    }
                    Err(join_error) => Err(FeedError::Crashed(join_error.to_string())),
                }
            }
        }
        Err(error) => Err(FeedError::Fetch(error)),
    };

    let handle = store.clone();
    let next = tokio::task::spawn_blocking(move || -> Result<Next, Error> {
        let mut store = lock(&handle);
        let now = Utc::now();
        if let Some(to) = &moved_to {
            tracing::warn!(moved_to = %to, "feed moved permanently; fetching the new URL from now on (edit the configuration to make it stick)");
            store.set_fetch_url(record.id, to)?;
        }
        store.set_retry_after(record.id, retry_after)?;
        if matches!(result, Err(FeedError::Fetch(fetch::Error::Gone))) {
            tracing::warn!("feed answered 410 Gone; retired until the configuration changes");
            store.mark_gone(record.id)?;
        }
        Ok(Next::Done(match result {
            Ok(Received::NotModified) => {
                store.record_not_modified(record.id, now)?;
                FeedOutcome::NotModified
            }
            Ok(Received::SameBody { validators, status }) => {
                tracing::debug!("same body as last time under new validators; not parsed again");
                store.record_same_body(
                    record.id,
                    now,
                    validators.etag.as_deref(),
                    validators.last_modified.as_deref(),
                    status,
                )?;
                FeedOutcome::NotModified
            }
            Ok(Received::Parsed { update, warnings }) => {
                return Ok(Next::Write { update, warnings });
            }
            Err(error) => failed(&mut **store, record.id, now, error)?,
        }))
    })
    .await??;
    let outcome = match next {
        Next::Done(outcome) => outcome,
        Next::Write { update, warnings } => {
            let written = write_batched(store, record.id, update).await;
            drop(backlog);
            match written {
                Ok(stats) => FeedOutcome::Fetched { stats, warnings },
                // One feed's data must not stop the poll: if the store
                // cannot take it, that is this feed's failure, and the
                // store is still usable if it can record it.
                Err(error) => {
                    let handle = store.clone();
                    tokio::task::spawn_blocking(move || {
                        failed(
                            &mut **lock(&handle),
                            record.id,
                            Utc::now(),
                            FeedError::Store(error),
                        )
                    })
                    .await??
                }
            }
        }
    };
    match &outcome {
        FeedOutcome::Fetched { stats, warnings } => {
            tracing::info!(
                new = stats.new_stories,
                merged = stats.merged,
                updated = stats.updated,
                unchanged = stats.unchanged,
                "feed fetched"
            );
            if stats.reused_ids > 0 {
                tracing::warn!(
                    items = stats.reused_ids,
                    "feed gave earlier stories' ids to new ones; stored them as new stories and kept the earlier ones"
                );
            }
            for warning in warnings {
                tracing::warn!(%warning, "feed has problems");
            }
        }
        FeedOutcome::NotModified => tracing::info!("feed not modified"),
        FeedOutcome::Retired => tracing::debug!("feed retired (410 Gone)"),
        // The caller says what happens next (the daemon: when it retries;
        // `feedloom poll`: its summary), in one line.
        FeedOutcome::Failed { message, .. } => {
            tracing::debug!(error = %message, "feed failed; stored stories kept")
        }
    }
    Ok(outcome)
}

/// Makes the store match `config`: a row for every configured feed, and,
/// when the configuration changed since it was last applied, retired (410)
/// feeds and recorded redirects forgotten (see [`store::FeedLog::apply_config_digest`]).
pub async fn apply_config(store: &SharedStore, config: &Config) -> Result<bool, Error> {
    let store = store.clone();
    let feeds: Vec<(Url, Option<String>)> = config
        .feeds
        .iter()
        .map(|feed| (feed.url.clone(), feed.title.clone()))
        .collect();
    let digest = config_digest(config);
    tokio::task::spawn_blocking(move || -> Result<bool, Error> {
        let mut store = lock(&store);
        let now = Utc::now();
        for (url, title) in &feeds {
            store.ensure_feed(url, title.as_deref(), now)?;
        }
        Ok(store.apply_config_digest(&digest)?)
    })
    .await?
}

/// The enabled feeds a permanent redirect moved, with their new URLs.
async fn moved_feeds(store: &SharedStore, config: &Config) -> Result<Vec<(Url, String)>, Error> {
    let store = store.clone();
    let urls: Vec<Url> = config.enabled_feeds().map(|f| f.url.clone()).collect();
    tokio::task::spawn_blocking(move || -> Result<Vec<(Url, String)>, Error> {
        let store = lock(&store);
        let mut moved = Vec::new();
        for url in urls {
            if let Some(to) = store.feed(&url)?.and_then(|record| record.fetch_url) {
                moved.push((url, to));
            }
        }
        Ok(moved)
    })
    .await?
}

/// What identifies the feed configuration: URLs, titles, schedules and
/// switches, in order.
fn config_digest(config: &Config) -> String {
    let mut hasher = Sha256::new();
    for feed in &config.feeds {
        hasher.update(feed.url.as_str());
        hasher.update([0]);
        hasher.update(feed.title.as_deref().unwrap_or_default());
        hasher.update([0]);
        hasher.update(feed.schedule.as_ref().map_or("", |s| s.expression.as_str()));
        hasher.update([u8::from(feed.enabled)]);
    }
    hasher.update(config.schedule.expression.as_str());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Records a feed's failure on the feed and returns it as the outcome.
fn failed(
    store: &mut dyn store::FeedLog,
    feed: store::FeedId,
    now: DateTime<Utc>,
    error: FeedError,
) -> Result<FeedOutcome, Error> {
    let message = error_chain(&error);
    let http_status = match &error {
        FeedError::Fetch(fetch_error) => fetch_error.http_status(),
        FeedError::Parse(_) | FeedError::Store(_) | FeedError::Crashed(_) => None,
    };
    store.record_failure(feed, now, http_status, &message)?;
    Ok(FeedOutcome::Failed { error, message })
}

/// What is left of a feed's poll once the store has heard how the fetch
/// went.
enum Next {
    Done(FeedOutcome),
    /// A parsed feed, for [`write_batched`].
    Write {
        update: FeedUpdate,
        warnings: Vec<String>,
    },
}

/// What a fetch brought that is worth writing down.
enum Received {
    /// 304.
    NotModified,
    /// A body identical to the last one parsed, under new validators.
    SameBody { validators: Validators, status: u16 },
    /// A new body, parsed and normalized.
    Parsed {
        update: FeedUpdate,
        warnings: Vec<String>,
    },
}

/// SHA-256 over the Content-Type (its charset changes how the bytes read)
/// and the body, hex.
fn body_digest(body: &fetch::Body) -> String {
    let mut hasher = Sha256::new();
    hasher.update(body.content_type.as_deref().unwrap_or("").as_bytes());
    hasher.update([0]);
    hasher.update(&body.bytes);
    format!("{:x}", hasher.finalize())
}

/// Parses and normalizes a fetched body. CPU-bound: run on a blocking thread.
fn parse_body(
    body: &fetch::Body,
    digest: String,
    feed_url: &Url,
) -> Result<(FeedUpdate, Vec<String>), FeedError> {
    let parsed = parse::parse(&body.bytes, body.content_type.as_deref(), &body.final_url)?;
    let mut warnings = parsed.warnings;
    let mut items: Vec<Item> = Vec::with_capacity(parsed.entries.len());
    let mut guids: HashMap<String, usize> = HashMap::new();
    let (mut empty, mut repeated, mut rekeyed) = (0, 0, 0);
    for entry in &parsed.entries {
        let Some(mut item) = normalize::normalize_entry(entry) else {
            empty += 1;
            continue;
        };
        if let Some(&first) = guids.get(&item.guid) {
            // Two items under one id in one document. The same story twice
            // is skipped. Another story (a feed that gives every item the
            // site's URL as its guid) is keyed by its link, else its
            // content, as if it had no id: keeping only the first would
            // lose it, and keeping both under one id would make each poll
            // "edit" one into the other.
            let other = items[first].story.content_hash != item.story.content_hash;
            let key = item
                .story
                .link
                .as_ref()
                .map(Url::to_string)
                .filter(|link| !guids.contains_key(link))
                .unwrap_or_else(|| format!("sha256:{}", item.story.content_hash.as_str()));
            if !other || guids.contains_key(&key) {
                repeated += 1;
                continue;
            }
            item.guid = key;
            rekeyed += 1;
        }
        guids.insert(item.guid.clone(), items.len());
        items.push(item);
    }
    if empty > 0 {
        warnings.push(format!(
            "{empty} entries had neither a title nor any text and were skipped"
        ));
    }
    if repeated > 0 {
        warnings.push(format!(
            "{repeated} entries repeated an earlier entry's id and content and were skipped"
        ));
    }
    if rekeyed > 0 {
        warnings.push(format!(
            "{rekeyed} entries repeated an earlier entry's id with other content; \
             each was keyed by its link (or its content) instead"
        ));
    }
    tracing::debug!(feed = %feed_url, entries = items.len(), "parsed");
    Ok((
        FeedUpdate {
            etag: body.validators.etag.clone(),
            last_modified: body.validators.last_modified.clone(),
            http_status: body.status,
            feed_title: parsed
                .title
                .as_deref()
                .map(normalize::plain_title)
                .filter(|title| !title.is_empty()),
            site_link: parsed.link,
            items,
            body_sha256: Some(digest),
        },
        warnings,
    ))
}

/// Imports the seeds of every topic, each keyed by its topic's
/// [`seed_prefix`](crate::config::Topic::seed_prefix) and file name.
pub async fn import_all_seeds(store: &SharedStore, config: &Config) -> Result<SeedSummary, Error> {
    let mut summary = SeedSummary::default();
    for topic in &config.topics {
        let one = import_seeds(store, &topic.seeds, &topic.seed_prefix).await?;
        summary.inserted += one.inserted;
        summary.updated += one.updated;
        summary.unchanged += one.unchanged;
        summary.failed.extend(one.failed);
    }
    Ok(summary)
}

pub async fn import_seeds(
    store: &SharedStore,
    dir: &Path,
    key_prefix: &str,
) -> Result<SeedSummary, Error> {
    let store = store.clone();
    let dir = dir.to_owned();
    let key_prefix = key_prefix.to_owned();
    tokio::task::spawn_blocking(move || -> Result<SeedSummary, Error> {
        let mut summary = SeedSummary::default();
        let articles = match seeds::load_dir(&dir) {
            Ok(articles) => articles,
            Err(error) => {
                // Without seeds the feeds are still worth polling.
                let message = error_chain(&error);
                tracing::warn!(error = %message, "no seed articles imported");
                summary.failed.push(message);
                return Ok(summary);
            }
        };
        let mut store = lock(&store);
        for article in articles {
            let article = match article {
                Ok(article) => article,
                Err(error) => {
                    let message = error_chain(&error);
                    tracing::warn!(error = %message, "seed article skipped");
                    summary.failed.push(message);
                    continue;
                }
            };
            let key = format!(
                "{key_prefix}{}",
                article
                    .path
                    .file_name()
                    .map(|name| name.to_string_lossy())
                    .unwrap_or_default()
            );
            let published = article.published.map(|date| {
                DateTime::from_naive_utc_and_offset(date.and_time(NaiveTime::MIN), Utc)
            });
            let story = normalize::story_from_paragraphs(
                &article.title,
                article.url.as_ref(),
                published,
                &article.paragraphs,
            );
            match store.upsert_seed(&key, &story, Utc::now())? {
                SeedChange::Inserted => summary.inserted += 1,
                SeedChange::Updated => summary.updated += 1,
                SeedChange::Unchanged => summary.unchanged += 1,
                SeedChange::Duplicate { of } => summary
                    .failed
                    .push(format!("{key}: same text as {of}; not stored twice")),
            }
        }
        Ok(summary)
    })
    .await?
}

/// The store lock. A panic while holding it cannot leave the store
/// half-written (each method is one transaction, see [`Storage`], and an
/// unfinished one rolls back), so a poisoned lock is safe to take over.
pub fn lock(store: &StoreHandle) -> MutexGuard<'_, Box<dyn Storage>> {
    match store.store.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;

    #[tokio::test(flavor = "multi_thread")]
    async fn a_batch_writer_that_never_ran_gives_its_batch_back_and_the_next_feed_is_written() {
        let handle = StoreHandle::new(Box::new(Store::open_in_memory().unwrap()));
        let url = Url::parse("http://127.0.0.1/feed.xml").unwrap();
        let feed = lock(&handle)
            .ensure_feed(&url, None, Utc::now())
            .unwrap()
            .id;
        let update = FeedUpdate {
            http_status: 200,
            ..FeedUpdate::default()
        };
        // A feed queued behind a writer that is dropped before it runs (its
        // thread could not be spawned).
        let (done, lost) = tokio::sync::oneshot::channel();
        lock_queue(&handle.writes).push(PendingWrite {
            feed,
            update: update.clone(),
            done,
        });
        drop(Unwritten {
            handle: handle.clone(),
            taken: false,
        });
        assert!(lock_queue(&handle.writes).is_empty());
        assert!(lost.await.is_err(), "the queued feed hears of its loss");
        // Without the queue given back, this would join the dead batch and
        // wait for ever.
        let written = tokio::time::timeout(
            Duration::from_secs(30),
            write_batched(&handle, feed, update),
        )
        .await
        .expect("written, not stuck behind the lost batch");
        assert!(written.is_ok(), "{written:?}");
    }

    #[test]
    fn a_body_takes_its_size_from_the_backlog_within_the_whole_budget() {
        assert_eq!(backlog_share(0), 1);
        assert_eq!(backlog_share(1), 1);
        assert_eq!(backlog_share(1025), 2);
        assert_eq!(backlog_share(usize::MAX), BACKLOG_KIB);
    }
}
