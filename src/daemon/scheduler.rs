//! The scheduler loop: decides when each feed is polled, starts the due
//! polls, takes their reports, and applies reloads (SIGHUP, or the
//! configuration file changing).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::signal::unix::Signal;
use tokio::sync::{Notify, mpsc, watch};
use tokio_util::task::TaskTracker;
use url::Url;

use super::config_watch::watch_files;
use super::make_current;
use super::poll_task::{Done, PollTask, refresh_story_count};
use super::systemd::Notifier;
use crate::config::{self, Config, FeedConfig};
use crate::error::error_chain;
use crate::fetch::Fetcher;
use crate::metrics::Metrics;
use crate::poll::Poller;
use crate::schedule::{self, FeedState};
use crate::server::Changes;
use crate::store;

/// Editors write a file in several steps; reload once it settles.
const RELOAD_DEBOUNCE: Duration = Duration::from_millis(500);
/// The shortest time between two STATUS lines.
const STATUS_INTERVAL: Duration = Duration::from_secs(5);
/// The scheduler wakes at least this often (watchdog, clock changes).
const MAX_SLEEP: Duration = Duration::from_secs(30);

/// The scheduler's state: what runs, what is due when, and the handles it
/// passes to each poll task. Only the scheduler loop's task owns it.
pub(super) struct Daemon {
    /// This node's name in the feeds' claims.
    pub(super) node: Arc<str>,
    /// Whether this node polls (its role is not `server`).
    pub(super) polls: bool,
    pub(super) config_path: PathBuf,
    pub(super) config: watch::Sender<Arc<Config>>,
    pub(super) poller: Poller,
    pub(super) fetcher: Arc<Fetcher>,
    pub(super) metrics: Arc<Metrics>,
    pub(super) changes: Arc<Changes>,
    /// Every topic's scorer; replaced on reload.
    pub(super) topics: watch::Sender<crate::scoring::Topics>,
    /// Pokes the catching-up task.
    pub(super) score_wake: Arc<Notify>,
    pub(super) notifier: Notifier,
    pub(super) tracker: TaskTracker,
    /// The HTTP server, if this node serves: if it ends before shutdown,
    /// so does the daemon.
    pub(super) server: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
    /// When each enabled feed is next due.
    pub(super) next: HashMap<Url, DateTime<Utc>>,
    /// Feeds being polled now: never polled twice at once.
    pub(super) in_flight: HashSet<Url>,
}

impl Daemon {
    /// Runs until `shutdown` completes (Ok) or the server ends (Err);
    /// reloads on `hangup`.
    pub(super) async fn schedule_loop(
        &mut self,
        mut hangup: Signal,
        shutdown: impl Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let mut shutdown = std::pin::pin!(shutdown);
        let (changed_tx, mut changed_rx) = mpsc::channel::<()>(16);
        let mut watcher = self.watch(&changed_tx);
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
                () = &mut shutdown => return Ok(()),
                _ = hangup.recv() => {
                    tracing::info!("SIGHUP: reloading the configuration");
                    self.reload().await;
                    // The seeds folders may have moved.
                    drop(watcher.take());
                    watcher = self.watch(&changed_tx);
                }
                Some(()) = changed_rx.recv() => {
                    reload_at = Some(tokio::time::Instant::now() + RELOAD_DEBOUNCE);
                }
                () = tokio::time::sleep_until(reload_deadline), if reload_at.is_some() => {
                    reload_at = None;
                    tracing::info!("the configuration file or a seed changed: reloading");
                    self.reload().await;
                    drop(watcher.take());
                    watcher = self.watch(&changed_tx);
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
                        tracing::error!(error = %error_chain(error.as_ref()), "cannot plan the next polls");
                    }
                }
                Some(result) = async { self.server.as_mut()?.await.into() }, if self.server.is_some() => {
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
                node: self.node.clone(),
                feed,
                config: config.clone(),
                poller: self.poller.clone(),
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
    pub(super) async fn plan_all(&mut self) -> anyhow::Result<()> {
        if !self.polls {
            return Ok(());
        }
        let config = self.config.borrow().clone();
        let unplanned: Vec<Url> = config
            .enabled_feeds()
            .map(|f| f.url.clone())
            .filter(|url| !self.next.contains_key(url))
            .collect();
        let records = self
            .poller
            .store()
            .call(move |store| {
                unplanned
                    .into_iter()
                    .map(|url| Ok((url.clone(), store.feed(&url)?)))
                    .collect::<store::Result<Vec<_>>>()
            })
            .await?;
        let now = Utc::now();
        let mut planned = Vec::new();
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
            planned.push((url.clone(), at));
            self.next.insert(url, at);
        }
        // The plan is shared: a faster schedule brings each feed's stored
        // next poll forward, or the claim would wait for the old one.
        self.poller
            .store()
            .call(move |store| {
                planned
                    .iter()
                    .try_for_each(|(url, at)| store.plan_feed(url, *at))
            })
            .await?;
        let enabled: HashSet<&Url> = config.enabled_feeds().map(|f| &f.url).collect();
        self.next.retain(|url, _| enabled.contains(url));
        Ok(())
    }

    /// Re-reads the configuration. A bad one is reported and the running
    /// one stays; a good one is applied without a restart.
    /// Watches the configuration file and the current seeds folders; a
    /// change to either reloads (a reload imports the seeds and rescores).
    fn watch(&self, changed: &mpsc::Sender<()>) -> Option<::notify::RecommendedWatcher> {
        let seed_dirs: Vec<PathBuf> = self
            .config
            .borrow()
            .topics
            .iter()
            .map(|topic| topic.seeds.clone())
            .collect();
        watch_files(&self.config_path, &seed_dirs, changed.clone())
            .map_err(|error| {
                tracing::warn!(error = %error_chain(&error), "cannot watch the configuration file; reload with SIGHUP")
            })
            .ok()
    }

    async fn reload(&mut self) {
        let new = match config::load(&self.config_path) {
            Ok(new) => new,
            Err(error) => {
                tracing::error!(
                    "configuration not reloaded, the previous one stays in force:\n{}",
                    error_chain(&error)
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
            ("log_format", old.log_format != new.log_format),
            (
                "server.header_read_timeout",
                old.server.header_read_timeout != new.server.header_read_timeout,
            ),
            (
                "server.idle_timeout",
                old.server.idle_timeout != new.server.idle_timeout,
            ),
            (
                "server.max_connections",
                old.server.max_connections != new.server.max_connections,
            ),
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
                    tracing::error!(error = %error_chain(&error), "new [fetch] limits not applied")
                }
            }
        }
        if let Err(error) = self.apply(&old, &new).await {
            tracing::error!(error = %error_chain(error.as_ref()), "configuration only partly applied");
        }
        self.notifier.ready();
    }

    async fn apply(&mut self, old: &Config, new: &Config) -> anyhow::Result<()> {
        // Seeds, rules or thresholds may have changed: the digests tell.
        let topics = make_current(self.poller.store(), new).await?;
        self.poller.set_topics(topics.clone());
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
        refresh_story_count(self.poller.store(), &self.metrics).await;
        Ok(())
    }
}
