//! `feedloom run`: the long-running daemon. The only module that spawns
//! tasks, handles signals and talks to systemd.
//!
//! One task runs the scheduler loop below; it spawns one task per due feed
//! (tracked, so shutdown can wait for them) and the HTTP server. Polls of
//! one feed never overlap: a feed is not due again until its poll reported
//! back. Shutdown: notice (SIGTERM/SIGINT), tell (the cancellation token),
//! wait (the task tracker, bounded by a grace period).

pub mod notify;
mod scoring;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use std::panic::AssertUnwindSafe;

use anyhow::Context;
use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{Notify, mpsc, watch};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use url::Url;

use crate::config::{self, Config, FeedConfig};
use crate::fetch::Fetcher;
use crate::metrics::Metrics;
use crate::poll::{self, FeedOutcome, SharedStore, lock};
use crate::schedule::{self, FeedState};
use crate::server::{self, Changes, ServerState};
use crate::store;

use self::notify::Notifier;

/// How long in-flight polls, and then open HTTP connections, may take to
/// finish after a stop is asked for (twice this is well inside systemd's
/// stop timeout).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// Editors write a file in several steps; reload once it settles.
const RELOAD_DEBOUNCE: Duration = Duration::from_millis(500);
/// The shortest time between two STATUS lines.
const STATUS_INTERVAL: Duration = Duration::from_secs(5);
/// The scheduler wakes at least this often (watchdog, clock changes).
const MAX_SLEEP: Duration = Duration::from_secs(30);

/// The signals the daemon answers, watched from the very start: until a
/// handler exists, SIGHUP's default action would kill the process.
struct Signals {
    hangup: Signal,
    terminate: Signal,
    interrupt: Signal,
}

impl Signals {
    fn watch() -> anyhow::Result<Self> {
        Ok(Self {
            hangup: signal(SignalKind::hangup()).context("cannot watch SIGHUP")?,
            terminate: signal(SignalKind::terminate()).context("cannot watch SIGTERM")?,
            interrupt: signal(SignalKind::interrupt()).context("cannot watch SIGINT")?,
        })
    }
}

/// Runs the daemon until SIGTERM or SIGINT. `config_path` is re-read on
/// SIGHUP and when the file changes.
pub async fn run(config_path: PathBuf, config: Config) -> anyhow::Result<()> {
    let signals = Signals::watch()?;
    let notifier = Notifier::from_env();
    let writer: SharedStore = crate::poll::StoreHandle::new(
        store::connect(&config.database).context("cannot open the database")?,
    );
    let reader: SharedStore = crate::poll::StoreHandle::new(
        store::connect(&config.database).context("cannot open the database for reading")?,
    );
    let seeds = poll::import_all_seeds(&writer, &config).await?;
    for message in &seeds.failed {
        tracing::warn!(error = %message, "seed article not imported");
    }
    poll::apply_config(&writer, &config).await?;
    let topics = build_topics(&config).await?;
    let queued = crate::scoring::ensure_current(&writer, &topics, false).await?;
    if queued > 0 {
        tracing::info!(
            stories = queued,
            "topics changed since the stories were scored; rescoring them in the background"
        );
    }

    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let local = listener
        .local_addr()
        .context("cannot read the bound address")?;

    let metrics = Arc::new(Metrics::new());
    let changes = Arc::new(Changes::default());
    let (config_tx, config_rx) = watch::channel(Arc::new(config));
    let token = CancellationToken::new();
    let tracker = TaskTracker::new();
    let (topics_tx, topics_rx) = watch::channel(topics);
    let score_wake = Arc::new(Notify::new());
    // Whatever was queued before this start (a crash, an upgrade) is
    // scored now.
    score_wake.notify_one();
    tracker.spawn(
        scoring::ScoringTask {
            store: writer.clone(),
            topics: topics_rx,
            wake: score_wake.clone(),
            changes: changes.clone(),
            token: token.clone(),
            config: config_rx.clone(),
        }
        .run(),
    );

    let state = Arc::new(ServerState::new(
        reader,
        config_rx.clone(),
        changes.clone(),
        metrics.clone(),
    ));
    let server_token = token.clone();
    let server = tokio::spawn(async move {
        axum::serve(listener, server::router(state))
            .with_graceful_shutdown(server_token.cancelled_owned())
            .await
    });
    tracing::info!(address = %local, url = %config_rx.borrow().public_url, "serving the merged feed");

    let mut daemon = Daemon {
        config_path,
        config: config_tx,
        store: writer,
        fetcher: Arc::new(Fetcher::new(&config_rx.borrow().fetch)?),
        metrics,
        changes,
        topics: topics_tx,
        score_wake,
        notifier: notifier.clone(),
        tracker: tracker.clone(),
        server,
        next: HashMap::new(),
        in_flight: HashSet::new(),
    };
    refresh_story_count(&daemon.store, &daemon.metrics).await;
    daemon.plan_all().await?;
    notifier.ready();
    notifier.status(&format!(
        "serving on {local}; {} feeds scheduled",
        daemon.next.len()
    ));

    let result = daemon.schedule_loop(signals).await;
    let server = daemon.server;

    // Stop: no new polls; in-flight ones get a bounded time to commit.
    notifier.stopping();
    token.cancel();
    tracker.close();
    tracing::debug!(polls = tracker.len(), "waiting for polls in flight");
    if tokio::time::timeout(SHUTDOWN_GRACE, tracker.wait())
        .await
        .is_err()
    {
        tracing::warn!(
            grace = ?SHUTDOWN_GRACE,
            "polls still running at shutdown were abandoned; their feeds will be polled again after restart"
        );
    }
    tracing::debug!("waiting for open HTTP connections");
    // A server that ended on its own was awaited (and reported) by the loop.
    if !(server.is_finished() && result.is_err()) {
        match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(error))) => tracing::error!(%error, "the HTTP server failed"),
            Ok(Err(error)) => tracing::error!(%error, "the HTTP server task failed"),
            Err(_) => tracing::warn!(
                grace = ?SHUTDOWN_GRACE,
                "HTTP connections still open at shutdown were closed"
            ),
        }
    }
    tracing::info!("stopped");
    result
}

/// What a finished poll reports to the scheduler loop.
struct Done {
    url: Url,
    /// A STATUS line for systemd.
    status: String,
    next: DateTime<Utc>,
    /// The configuration the poll ran (and planned) under.
    config: Arc<Config>,
}

struct Daemon {
    config_path: PathBuf,
    config: watch::Sender<Arc<Config>>,
    store: SharedStore,
    fetcher: Arc<Fetcher>,
    metrics: Arc<Metrics>,
    changes: Arc<Changes>,
    /// Every topic's scorer; replaced on reload.
    topics: watch::Sender<crate::scoring::Topics>,
    /// Pokes the scoring task.
    score_wake: Arc<Notify>,
    notifier: Notifier,
    tracker: TaskTracker,
    /// The HTTP server: if it ends before shutdown, so does the daemon.
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// When each enabled feed is next due.
    next: HashMap<Url, DateTime<Utc>>,
    /// Feeds being polled now: never polled twice at once.
    in_flight: HashSet<Url>,
}

impl Daemon {
    /// Runs until a stop signal (Ok) or the server's end (Err).
    async fn schedule_loop(&mut self, signals: Signals) -> anyhow::Result<()> {
        let Signals {
            mut hangup,
            mut terminate,
            mut interrupt,
        } = signals;
        let (changed_tx, mut changed_rx) = mpsc::channel::<()>(16);
        let _watcher = watch_file(&self.config_path, changed_tx)
            .map_err(|error| {
                tracing::warn!(%error, "cannot watch the configuration file; reload with SIGHUP")
            })
            .ok();
        let (done_tx, mut done_rx) = mpsc::unbounded_channel::<Done>();
        let mut reload_at: Option<tokio::time::Instant> = None;
        let watchdog = self.notifier.watchdog_interval();
        // STATUS goes out at most every few seconds, not once per poll.
        let mut pending_status: Option<String> = None;
        let mut status_sent = Instant::now();
        let mut pinged = Instant::now();

        loop {
            self.start_due_polls(&done_tx);
            let now = Utc::now();
            let until_due = self
                .next
                .iter()
                .filter(|(url, _)| !self.in_flight.contains(*url))
                .map(|(_, at)| (*at - now).to_std().unwrap_or(Duration::ZERO))
                .min()
                .unwrap_or(MAX_SLEEP);
            let mut sleep = until_due.min(MAX_SLEEP);
            if let Some(interval) = watchdog {
                sleep = sleep.min(interval);
            }
            let reload_deadline =
                reload_at.unwrap_or_else(|| tokio::time::Instant::now() + MAX_SLEEP);
            tokio::select! {
                () = tokio::time::sleep(sleep) => {}
                _ = terminate.recv() => {
                    tracing::info!("SIGTERM: shutting down");
                    return Ok(());
                }
                _ = interrupt.recv() => {
                    tracing::info!("SIGINT: shutting down");
                    return Ok(());
                }
                _ = hangup.recv() => {
                    tracing::info!("SIGHUP: reloading the configuration");
                    self.reload().await;
                }
                Some(()) = changed_rx.recv() => {
                    reload_at = Some(tokio::time::Instant::now() + RELOAD_DEBOUNCE);
                }
                () = tokio::time::sleep_until(reload_deadline), if reload_at.is_some() => {
                    reload_at = None;
                    tracing::info!("the configuration file changed: reloading");
                    self.reload().await;
                }
                Some(done) = done_rx.recv() => {
                    self.in_flight.remove(&done.url);
                    pending_status = Some(done.status);
                    // A feed removed by a reload while it was polled stays
                    // removed; one polled under an older configuration is
                    // planned again under the current one.
                    if Arc::ptr_eq(&done.config, &self.config.borrow()) {
                        if let Some(next) = self.next.get_mut(&done.url) {
                            *next = done.next;
                        }
                    } else if self.next.remove(&done.url).is_some()
                        && let Err(error) = self.plan_all().await
                    {
                        tracing::error!(error = %format!("{error:#}"), "cannot plan the next polls");
                    }
                }
                result = &mut self.server => {
                    return Err(match result {
                        Ok(Ok(())) => anyhow::anyhow!("the HTTP server stopped on its own"),
                        Ok(Err(error)) => anyhow::Error::new(error).context("the HTTP server failed"),
                        Err(error) => anyhow::Error::new(error).context("the HTTP server task failed"),
                    });
                }
            }
            if let Some(interval) = watchdog
                && pinged.elapsed() >= interval
            {
                self.notifier.watchdog();
                pinged = Instant::now();
            }
            if status_sent.elapsed() >= STATUS_INTERVAL
                && let Some(status) = pending_status.take()
            {
                self.notifier.status(&status);
                status_sent = Instant::now();
            }
        }
    }

    /// Spawns a poll for every feed that is due and not already running.
    fn start_due_polls(&mut self, done: &mpsc::UnboundedSender<Done>) {
        let now = Utc::now();
        let config = self.config.borrow().clone();
        let due: Vec<FeedConfig> = config
            .enabled_feeds()
            .filter(|feed| {
                !self.in_flight.contains(&feed.url)
                    && self.next.get(&feed.url).is_some_and(|at| *at <= now)
            })
            .cloned()
            .collect();
        for feed in due {
            self.in_flight.insert(feed.url.clone());
            let task = PollTask {
                feed,
                config: config.clone(),
                store: self.store.clone(),
                fetcher: self.fetcher.clone(),
                metrics: self.metrics.clone(),
                changes: self.changes.clone(),
                score_wake: self.score_wake.clone(),
                done: done.clone(),
            };
            self.tracker.spawn(task.run());
        }
    }

    /// Plans every enabled feed that has no plan in memory (at start, and
    /// after a reload dropped its plan) from what the store remembers; see
    /// [`schedule::first_poll`]. Feeds no longer enabled lose their plan.
    async fn plan_all(&mut self) -> anyhow::Result<()> {
        let config = self.config.borrow().clone();
        let store = self.store.clone();
        let unplanned: Vec<Url> = config
            .enabled_feeds()
            .map(|f| f.url.clone())
            .filter(|url| !self.next.contains_key(url))
            .collect();
        let records = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<_>> {
            let store = lock(&store);
            unplanned
                .into_iter()
                .map(|url| Ok((url.clone(), store.feed(&url)?)))
                .collect()
        })
        .await??;
        let now = Utc::now();
        for (url, record) in records {
            let Some(feed) = config.feeds.iter().find(|f| f.url == url) else {
                continue;
            };
            let state = FeedState {
                url: url.as_str(),
                consecutive_failures: record.as_ref().map_or(0, |r| r.consecutive_failures),
                retry_after: record.as_ref().and_then(|r| r.retry_after),
            };
            let stored = record.as_ref().and_then(|r| r.next_fetch_at);
            let at = schedule::first_poll(
                stored,
                &feed.schedule_or(&config).cron,
                &config.scheduler,
                state,
                now,
            );
            self.next.insert(url, at);
        }
        let enabled: HashSet<&Url> = config.enabled_feeds().map(|f| &f.url).collect();
        self.next.retain(|url, _| enabled.contains(url));
        Ok(())
    }

    /// Re-reads the configuration. A bad one is reported and the running
    /// one stays; a good one is applied without a restart.
    async fn reload(&mut self) {
        let new = match config::load(&self.config_path) {
            Ok(new) => new,
            Err(error) => {
                tracing::error!(
                    "configuration not reloaded, the previous one stays in force:\n{}",
                    crate::error::error_chain(&error)
                );
                return;
            }
        };
        self.notifier.reloading();
        let old = self.config.borrow().clone();
        for (key, changed) in [
            ("listen", old.listen != new.listen),
            ("database", old.database != new.database),
            ("log", old.log != new.log),
        ] {
            if changed {
                tracing::warn!(
                    key,
                    "changed in the configuration; takes effect after a restart"
                );
            }
        }
        if old.fetch != new.fetch {
            match Fetcher::new(&new.fetch) {
                Ok(fetcher) => self.fetcher = Arc::new(fetcher),
                Err(error) => {
                    tracing::error!(error = %crate::error::error_chain(&error), "new [fetch] limits not applied")
                }
            }
        }
        if let Err(error) = self.apply(&old, &new).await {
            tracing::error!(error = %format!("{error:#}"), "configuration only partly applied");
        }
        self.notifier.ready();
    }

    async fn apply(&mut self, old: &Config, new: &Config) -> anyhow::Result<()> {
        poll::apply_config(&self.store, new).await?;
        let seeds = poll::import_all_seeds(&self.store, new).await?;
        for message in &seeds.failed {
            tracing::warn!(error = %message, "seed article not imported");
        }
        // Seeds, rules or thresholds may have changed: the digests tell.
        let topics = build_topics(new).await?;
        let queued = crate::scoring::ensure_current(&self.store, &topics, false).await?;
        if queued > 0 {
            tracing::info!(
                stories = queued,
                "topics changed; rescoring the stored stories"
            );
        }
        self.topics.send_replace(topics);
        self.score_wake.notify_one();
        // Feeds whose schedule changed are planned afresh; the others keep
        // their times.
        let schedule_of = |config: &Config, url: &Url| {
            config
                .feeds
                .iter()
                .find(|f| &f.url == url)
                .map(|f| f.schedule_or(config).expression.clone())
        };
        let before: HashSet<Url> = self.next.keys().cloned().collect();
        self.next
            .retain(|url, _| schedule_of(old, url) == schedule_of(new, url));
        let new_arc = Arc::new(new.clone());
        self.config.send_replace(new_arc);
        self.plan_all().await?;
        let after: HashSet<Url> = self.next.keys().cloned().collect();
        tracing::info!(
            added = after.difference(&before).count(),
            removed = before.difference(&after).count(),
            feeds = after.len(),
            "configuration reloaded"
        );
        self.changes.bump();
        refresh_story_count(&self.store, &self.metrics).await;
        Ok(())
    }
}

/// The topics' scorers: reads the seed files and builds the profiles, so
/// off the async threads.
async fn build_topics(config: &Config) -> anyhow::Result<crate::scoring::Topics> {
    let config = config.clone();
    tokio::task::spawn_blocking(move || crate::scoring::build(&config))
        .await
        .context("building the topic scorers failed")
}

/// One feed's poll, as a task of its own.
struct PollTask {
    feed: FeedConfig,
    config: Arc<Config>,
    store: SharedStore,
    fetcher: Arc<Fetcher>,
    metrics: Arc<Metrics>,
    changes: Arc<Changes>,
    score_wake: Arc<Notify>,
    done: mpsc::UnboundedSender<Done>,
}

impl PollTask {
    /// Polls, plans the next poll, and always reports back: even a panic
    /// in the poll ends in a [`Done`] (with a retry after the backoff
    /// base), or the feed would stay "in flight" and never be polled again.
    async fn run(self) {
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

    /// The poll itself; returns a STATUS line and the next poll time.
    async fn poll(&self) -> (String, DateTime<Utc>) {
        let started = Instant::now();
        let outcome = poll::poll_feed(&self.store, &self.fetcher, &self.feed).await;
        let now = Utc::now();
        let next = match &outcome {
            Ok(outcome) => {
                self.metrics
                    .record_poll(outcome, started.elapsed(), now.timestamp());
                self.changes.polled(now);
                // Any fetched body may change what the documents show (new
                // stories, sources, links, the feed's title); re-rendering
                // is cheap and the ETag is the content's hash, so readers
                // only see a change when there is one.
                if matches!(outcome, FeedOutcome::Fetched { .. }) {
                    self.changes.bump();
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
            Err(error) => {
                // The store failed: feedloom is wrong, not the feed. Retry
                // after the backoff base rather than hammering it.
                tracing::error!(feed = %self.feed.url, error = %crate::error::error_chain(error), "poll failed");
                now + chrono::Duration::from_std(self.config.scheduler.backoff_base)
                    .unwrap_or(chrono::Duration::MAX)
            }
        };
        // Only a fetched body can change the number of stories: a 304 or
        // a failure costs no count(*) on the writer's connection.
        if matches!(outcome, Ok(FeedOutcome::Fetched { .. })) {
            refresh_story_count(&self.store, &self.metrics).await;
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
        let store = self.store.clone();
        let feed = self.feed.clone();
        let config = self.config.clone();
        let planned = tokio::task::spawn_blocking(move || -> anyhow::Result<DateTime<Utc>> {
            let mut store = lock(&store);
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
            Ok(Ok(next)) => next,
            Ok(Err(error)) => {
                tracing::error!(feed = %self.feed.url, error = %format!("{error:#}"), "cannot plan the next poll");
                now + chrono::Duration::seconds(60)
            }
            Err(error) => {
                tracing::error!(feed = %self.feed.url, %error, "cannot plan the next poll");
                now + chrono::Duration::seconds(60)
            }
        }
    }
}

/// Counts the stored stories into the `stories_stored` gauge.
async fn refresh_story_count(store: &SharedStore, metrics: &Metrics) {
    let store = store.clone();
    if let Ok(Ok(count)) = tokio::task::spawn_blocking(move || lock(&store).story_count()).await {
        metrics.set_stories(count);
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

/// Watches the configuration file's folder (editors replace files by
/// renaming, which a watch on the file itself would miss) and sends a
/// message for every event that touches the file.
fn watch_file(
    path: &Path,
    changed: mpsc::Sender<()>,
) -> ::notify::Result<::notify::RecommendedWatcher> {
    use ::notify::{RecursiveMode, Watcher};
    let file_name = path.file_name().map(|name| name.to_owned());
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_owned();
    let mut watcher =
        ::notify::recommended_watcher(move |event: ::notify::Result<::notify::Event>| {
            let Ok(event) = event else { return };
            let touches = event
                .paths
                .iter()
                .any(|p| p.file_name().map(|n| n.to_owned()) == file_name);
            if touches && !matches!(event.kind, ::notify::EventKind::Access(_)) {
                // A full channel already holds a pending reload.
                let _ = changed.try_send(());
            }
        })?;
    watcher.watch(&folder, RecursiveMode::NonRecursive)?;
    Ok(watcher)
}
