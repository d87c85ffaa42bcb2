//! `feedloom run`: the long-running daemon. The only module that spawns
//! tasks, handles signals and talks to systemd.
//!
//! [`run`] starts the catching-up task (`catch_up`) and the HTTP server,
//! then runs the scheduler loop (`scheduler`), which spawns one task per
//! due feed (`poll_task`, tracked, so shutdown can wait for them). Polls of
//! one feed never overlap: a feed is not due again until its poll reported
//! back.
//! Shutdown: notice (the `shutdown` future: SIGTERM/SIGINT for the CLI),
//! tell (the cancellation token), wait (the task tracker, bounded by a
//! grace period).

mod catch_up;
mod changes_watch;
mod config_watch;
mod listen;
mod poll_task;
mod scheduler;
pub mod systemd;

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::signal::unix::{Signal, SignalKind, signal};
use tokio::sync::{Notify, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::Config;
use crate::error::error_chain;
use crate::fetch::Fetcher;
use crate::memory;
use crate::metrics::Metrics;
use crate::poll::{self, Poller};
use crate::scoring::Topics;
use crate::server::{self, Changes, ServerState};
use crate::store::{self, ReadPool, SharedStore};

use self::scheduler::Daemon;
use self::systemd::Notifier;

/// How long in-flight polls, and then open HTTP connections, may take to
/// finish after a stop is asked for (twice this is well inside systemd's
/// stop timeout).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Binds the configured listen address.
async fn bind(config: &Config) -> anyhow::Result<TcpListener> {
    TcpListener::bind(config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))
}

/// The stop signals, watched from the moment this returns (SIGTERM's and
/// SIGINT's default actions would kill the process without a clean
/// shutdown): the future ends when either arrives.
pub fn stop_signal() -> anyhow::Result<impl Future<Output = ()>> {
    let mut terminate = signal(SignalKind::terminate()).context("cannot watch SIGTERM")?;
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot watch SIGINT")?;
    Ok(async move {
        tokio::select! {
            _ = terminate.recv() => tracing::info!("SIGTERM: shutting down"),
            _ = interrupt.recv() => tracing::info!("SIGINT: shutting down"),
        }
    })
}

/// What a node does: everything (one machine, the default), or one half,
/// so that a site can run the pollers apart from the servers that face
/// subscribers. Any number of each may share one store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Role {
    /// Polls the feeds and serves the merged feeds.
    #[default]
    All,
    /// Polls, scores and indexes; serves nothing.
    Poller,
    /// Serves what the pollers stored; polls nothing.
    Server,
}

impl Role {
    fn polls(self) -> bool {
        self != Role::Server
    }

    fn serves(self) -> bool {
        self != Role::Poller
    }
}

/// This node's name in the feeds' claims: host and process, so that a
/// node restarted after a crash is a new claimant (its old claims run out
/// as any dead node's do).
fn node_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{host}/{}", std::process::id())
}

/// Runs the daemon until `shutdown` completes (the CLI passes
/// [`stop_signal`]; a test, any future). A node that serves does so on
/// `listener` if given (a test binds port 0 to learn the port), else on
/// `config.listen`, bound once the store is ready: until then connections
/// are refused, not held. `config_path` is re-read on SIGHUP and when the
/// file changes.
pub async fn run(
    config_path: PathBuf,
    config: Config,
    role: Role,
    listener: Option<TcpListener>,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    // Until a handler exists, SIGHUP's default action would kill the
    // process: watched from the very start.
    let hangup: Signal = signal(SignalKind::hangup()).context("cannot watch SIGHUP")?;
    let notifier = Notifier::from_env();
    // Opening is blocking work (a file, or a server's handshake by a
    // synchronous client that must not run inside async code).
    let database = config.database.clone();
    let opened = tokio::task::spawn_blocking(move || store::connect(&database))
        .await
        .context("opening the database crashed")?;
    let writer = SharedStore::new(
        opened.with_context(|| format!("cannot open the database {}", config.database))?,
    );
    let topics = make_current(&writer, &config).await?;
    // The parse workers score items with the same scorers the catching-up
    // task uses; a reload hands both the new ones.
    let poller = Poller::new(writer.clone());
    poller.set_topics(topics.clone());
    let listener = match (role.serves(), listener) {
        (true, Some(listener)) => Some(listener),
        (true, None) => Some(bind(&config).await?),
        (false, _) => None,
    };
    let limits = connection_limits(&config).await;

    let metrics = Arc::new(Metrics::new());
    let changes = Arc::new(Changes::default());
    let (config_tx, config_rx) = watch::channel(Arc::new(config));
    let token = CancellationToken::new();
    let tracker = TaskTracker::new();
    let (topics_tx, topics_rx) = watch::channel(topics);
    let score_wake = Arc::new(Notify::new());
    if role.polls() {
        // Whatever was queued before this start (a crash, an upgrade) is
        // scored now.
        score_wake.notify_one();
        tracker.spawn(
            catch_up::CatchUpTask {
                store: writer.clone(),
                topics: topics_rx,
                wake: score_wake.clone(),
                changes: changes.clone(),
                token: token.clone(),
                config: config_rx.clone(),
                metrics: metrics.clone(),
            }
            .run(),
        );
    }
    tracker.spawn(changes_watch::watch_changes(
        writer.clone(),
        changes.clone(),
        token.clone(),
    ));

    let mut server = None;
    let mut serving = String::new();
    if let Some(listener) = listener {
        let local = listener
            .local_addr()
            .context("cannot read the bound address")?;
        let readers = ServerState::read_pool(&config_rx.borrow().database)
            .context("cannot open the database for reading")?;
        tracker.spawn(release_memory(Some(readers.clone()), token.clone()));
        let state = Arc::new(ServerState::new(
            readers,
            config_rx.clone(),
            changes.clone(),
            metrics.clone(),
        ));
        server = Some(spawn_server(listener, state, limits, token.clone()));
        tracing::info!(address = %local, url = %config_rx.borrow().public_url, "serving the merged feed");
        serving = format!("serving on {local}; ");
    } else {
        tracker.spawn(release_memory(None, token.clone()));
    }

    let mut daemon = Daemon {
        node: node_name().into(),
        polls: role.polls(),
        config_path,
        config: config_tx,
        poller,
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
    poll_task::refresh_story_count(daemon.poller.store(), &daemon.metrics).await;
    daemon.plan_all().await?;
    notifier.ready();
    notifier.status(&format!(
        "{serving}{} feeds scheduled on node {} ({role:?})",
        daemon.next.len(),
        daemon.node
    ));

    if role.polls() {
        release_dead_claims(daemon.poller.store(), &daemon.node).await;
    }
    let result = daemon.schedule_loop(hangup, shutdown).await;
    // A server that ended on its own was awaited (and reported) by the loop.
    let server = daemon
        .server
        .take()
        .filter(|server| !(server.is_finished() && result.is_err()));
    stop(&notifier, &token, &tracker, server).await;
    // Polls abandoned at the stop leave no claim for others to wait out.
    let node = daemon.node.to_string();
    if let Err(error) = daemon
        .poller
        .store()
        .call(move |store| store.release_claims(&node))
        .await
    {
        tracing::warn!(error = %error_chain(&error), "cannot end this node's claims; other nodes wait for them to run out");
    }
    result
}

/// Ends the claims of this host's feedloom processes that are gone (a
/// `kill -9`, a crash): their feeds are polled now, not when the leases
/// run out. Other hosts' claims are left to run out: no process list
/// says whether those nodes live.
async fn release_dead_claims(store: &SharedStore, node: &str) {
    let Some((host, _)) = node.rsplit_once('/') else {
        return;
    };
    let prefix = format!("{host}/");
    let own = node.to_owned();
    let released = store
        .call(move |store| {
            let mut released = 0;
            for holder in store.claim_holders()? {
                let dead = holder
                    .strip_prefix(&prefix)
                    .and_then(|pid| pid.parse::<u32>().ok())
                    .is_some_and(|pid| !std::path::Path::new(&format!("/proc/{pid}")).exists());
                if dead && holder != own {
                    released += store.release_claims(&holder)?;
                }
            }
            Ok::<_, store::Error>(released)
        })
        .await;
    match released {
        Ok(0) => {}
        Ok(feeds) => tracing::info!(
            feeds,
            "ended the claims of this host's feedloom processes that died mid-poll"
        ),
        Err(error) => {
            tracing::warn!(error = %error_chain(&error), "cannot end dead processes' claims; their feeds wait for the leases to run out")
        }
    }
}

/// How often malloc's free pages go back to the kernel.
const RELEASE_EVERY: Duration = Duration::from_secs(10);

/// Every [`RELEASE_EVERY`] until `token` is cancelled, empties the caches
/// of read connections left idle that long and hands the memory malloc
/// holds free back to the kernel ([`memory::release_free`]), so that RSS
/// falls back after a flood of requests or a large poll.
async fn release_memory(readers: Option<ReadPool>, token: CancellationToken) {
    let mut tick = tokio::time::interval(RELEASE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = token.cancelled() => return,
            _ = tick.tick() => {
                // Its own blocking thread: it walks malloc's heaps.
                let readers = readers.clone();
                let _ = tokio::task::spawn_blocking(move || {
                    if let Some(readers) = &readers {
                        readers.release_idle(RELEASE_EVERY);
                    }
                    memory::release_free();
                })
                .await;
            }
        }
    }
}

/// Serves the router on `listener` under `limits` until `token` is
/// cancelled; then lets open connections finish (the caller bounds how
/// long). See `listen` for the limits.
fn spawn_server(
    listener: TcpListener,
    state: Arc<ServerState>,
    limits: listen::Limits,
    token: CancellationToken,
) -> JoinHandle<std::io::Result<()>> {
    tokio::spawn(listen::serve(
        listener,
        server::router(state),
        limits,
        token,
    ))
}

/// `[server]`'s connection limits, the cap lowered to what the open-file
/// limit leaves once polls and SQLite have their share (said in the log
/// when it is: the fix is a higher `LimitNOFILE=` or `ulimit -n`).
async fn connection_limits(config: &Config) -> listen::Limits {
    let mut limits = listen::Limits::from_config(&config.server);
    let cap = listen::connection_cap(
        limits.max_connections,
        config.fetch.concurrency,
        listen::open_file_limit().await,
    );
    if let Some((open_files, reserved)) = cap.lowered {
        tracing::warn!(
            configured = limits.max_connections,
            used = cap.connections,
            open_files,
            reserved,
            "server.max_connections lowered to fit the open-file limit next to the descriptors kept for polls and SQLite; raise the limit (LimitNOFILE= under systemd, ulimit -n) to serve more connections"
        );
    }
    limits.max_connections = cap.connections;
    limits
}

/// Stops in order: no new polls, in-flight ones get a bounded time to
/// commit, then open HTTP connections get the same (`server`: unless it
/// already ended and was reported).
async fn stop(
    notifier: &Notifier,
    token: &CancellationToken,
    tracker: &TaskTracker,
    server: Option<JoinHandle<std::io::Result<()>>>,
) {
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
    if let Some(server) = server {
        match tokio::time::timeout(SHUTDOWN_GRACE, server).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(error))) => {
                tracing::error!(error = %error_chain(&error), "the HTTP server failed")
            }
            Ok(Err(error)) => {
                tracing::error!(error = %error_chain(&error), "the HTTP server task failed")
            }
            Err(_) => tracing::warn!(
                grace = ?SHUTDOWN_GRACE,
                "HTTP connections still open at shutdown were closed"
            ),
        }
    }
    tracing::info!("stopped");
}

/// Brings the store in line with `config` (see [`poll::sync_store`]) and
/// returns its topics' scorers; says what it did in the log. At start and
/// at every reload.
async fn make_current(store: &SharedStore, config: &Config) -> anyhow::Result<Topics> {
    let topics = poll::build_topics(config).await?;
    let synced = poll::sync_store(store, config, &topics).await?;
    for message in &synced.seeds.failed {
        tracing::warn!(error = %message, "seed article not imported");
    }
    if synced.queued > 0 {
        tracing::info!(
            stories = synced.queued,
            "topics changed since the stories were scored; rescoring them in the background"
        );
    }
    Ok(topics)
}
