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
use crate::store::{self, SharedStore};

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

/// Runs the daemon until `shutdown` completes (the CLI passes
/// [`stop_signal`]; a test, any future). It serves on `listener` if given
/// (a test binds port 0 to learn the port), else on `config.listen`, bound
/// once the store is ready: until then connections are refused, not held.
/// `config_path` is re-read on SIGHUP and when the file changes.
pub async fn run(
    config_path: PathBuf,
    config: Config,
    listener: Option<TcpListener>,
    shutdown: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    // Until a handler exists, SIGHUP's default action would kill the
    // process: watched from the very start.
    let hangup: Signal = signal(SignalKind::hangup()).context("cannot watch SIGHUP")?;
    let notifier = Notifier::from_env();
    let writer =
        SharedStore::new(store::connect(&config.database).context("cannot open the database")?);
    let topics = make_current(&writer, &config).await?;
    // The parse workers score items with the same scorers the catching-up
    // task uses; a reload hands both the new ones.
    let poller = Poller::new(writer.clone());
    poller.set_topics(topics.clone());
    let listener = match listener {
        Some(listener) => listener,
        None => bind(&config).await?,
    };
    let local = listener
        .local_addr()
        .context("cannot read the bound address")?;

    let limits = connection_limits(&config).await;

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
        catch_up::CatchUpTask {
            store: writer.clone(),
            topics: topics_rx,
            wake: score_wake.clone(),
            changes: changes.clone(),
            token: token.clone(),
            config: config_rx.clone(),
        }
        .run(),
    );

    tracker.spawn(release_memory(token.clone()));

    let state = Arc::new(ServerState::new(
        ServerState::read_pool(&config_rx.borrow().database)
            .context("cannot open the database for reading")?,
        config_rx.clone(),
        changes.clone(),
        metrics.clone(),
    ));
    let server = spawn_server(listener, state, limits, token.clone());
    tracing::info!(address = %local, url = %config_rx.borrow().public_url, "serving the merged feed");

    let mut daemon = Daemon {
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
        "serving on {local}; {} feeds scheduled",
        daemon.next.len()
    ));

    let result = daemon.schedule_loop(hangup, shutdown).await;
    // A server that ended on its own was awaited (and reported) by the loop.
    let server = (!(daemon.server.is_finished() && result.is_err())).then_some(daemon.server);
    stop(&notifier, &token, &tracker, server).await;
    result
}

/// How often malloc's free pages go back to the kernel.
const RELEASE_EVERY: Duration = Duration::from_secs(10);

/// Every [`RELEASE_EVERY`] until `token` is cancelled, hands the memory
/// malloc holds free back to the kernel ([`memory::release_free`]), so that
/// RSS falls back after a flood of requests or a large poll.
async fn release_memory(token: CancellationToken) {
    let mut tick = tokio::time::interval(RELEASE_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = token.cancelled() => return,
            _ = tick.tick() => {
                // Its own blocking thread: it walks malloc's heaps.
                let _ = tokio::task::spawn_blocking(memory::release_free).await;
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
