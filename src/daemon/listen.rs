//! The HTTP accept loop, on hyper directly because `axum::serve` has no
//! connection limits: a flood of idle connections once took every file
//! descriptor, and polls then failed with "Too many open files".
//!
//! Three bounds, from `[server]`:
//! - a cap on open connections (a semaphore; one permit held per
//!   connection). At the cap the loop stops accepting until a connection
//!   closes, rather than accepting and closing: connections waiting in the
//!   kernel's listen queue cost the daemon no descriptor, and a reader that
//!   arrives during a flood is served, in turn, as soon as the idle ones
//!   time out instead of being turned away;
//! - a header-read timeout (hyper's own): a request head must arrive whole
//!   within it, so a connection that sends nothing, or trickles its head
//!   (slowloris), or sits idle after an answer, frees its permit;
//! - an idle timeout ([`IdleTimeout`]): a read or write that waits that
//!   long without a byte moving fails, so a client that stops reading an
//!   answer cannot hold a permit either.
//!
//! HTTP/1.1 only: readers and reverse proxies speak it, and HTTP/2 over
//! clear text (prior knowledge) would need limits of its own per stream.
//! The cap itself is lowered to what the process's open-file limit leaves
//! once polls, DNS and SQLite have their share ([`connection_cap`]).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::ServerConfig;
use crate::error::error_chain;

/// Descriptors the daemon keeps for itself whatever the fetch concurrency:
/// standard streams, the runtime's epoll and wakers, the listener, the
/// configuration watch, the notify socket, two SQLite connections with
/// their WAL and shared-memory files and SQLite's temporary files.
const RESERVED_FIXED: u64 = 128;

/// Descriptors kept per fetch slot (`[fetch] concurrency`): the request's
/// socket, its DNS lookup's socket, and connections the HTTP client keeps
/// open for the next poll of the same host.
const RESERVED_PER_FETCH: u64 = 8;

/// How long the loop pauses after an accept error that is not one
/// connection's (out of descriptors, out of memory), so that it does not
/// spin and flood the log while the condition lasts.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_secs(1);

/// The connection limits the loop applies, from `[server]` (the cap
/// already lowered by [`connection_cap`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

impl Limits {
    /// `server`'s limits, the cap as given.
    pub fn from_config(server: &ServerConfig) -> Self {
        Self {
            header_read_timeout: server.header_read_timeout,
            idle_timeout: server.idle_timeout,
            max_connections: server.max_connections,
        }
    }
}

/// What [`connection_cap`] decided: the cap to use, and why it is lower
/// than the configured one when it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap {
    pub connections: usize,
    /// `Some((open-file limit, descriptors reserved))` when the configured
    /// cap did not fit under the limit.
    pub lowered: Option<(u64, u64)>,
}

/// The connection cap that fits in `open_files` (the soft `RLIMIT_NOFILE`,
/// `None` when unknown or unlimited) next to what polls and SQLite need:
/// [`RESERVED_FIXED`] plus [`RESERVED_PER_FETCH`] per fetch slot, but never
/// more than half the limit, so that a tiny limit still leaves the server
/// something. Connections never take the descriptors a poll needs, which
/// is what failed when they were unbounded.
pub fn connection_cap(configured: usize, fetch_concurrency: usize, open_files: Option<u64>) -> Cap {
    let Some(limit) = open_files else {
        return Cap {
            connections: configured,
            lowered: None,
        };
    };
    let per_fetch = u64::try_from(fetch_concurrency).unwrap_or(u64::MAX);
    let reserve = RESERVED_FIXED
        .saturating_add(RESERVED_PER_FETCH.saturating_mul(per_fetch))
        .min(limit / 2);
    let fits = usize::try_from(limit - reserve)
        .unwrap_or(usize::MAX)
        .max(1);
    if configured <= fits {
        Cap {
            connections: configured,
            lowered: None,
        }
    } else {
        Cap {
            connections: fits,
            lowered: Some((limit, reserve)),
        }
    }
}

/// The soft limit on open files from `limits` (the text of
/// `/proc/self/limits`); `None` for "unlimited" or text it cannot read.
pub fn parse_open_file_limit(limits: &str) -> Option<u64> {
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    line.trim_start_matches("Max open files")
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The process's soft open-file limit, read from `/proc/self/limits`
/// (Linux; no system call that the unit's filter might refuse). `None`
/// elsewhere or when unlimited: then the configured cap stands.
pub async fn open_file_limit() -> Option<u64> {
    match tokio::fs::read_to_string("/proc/self/limits").await {
        Ok(text) => parse_open_file_limit(&text),
        Err(error) => {
            tracing::debug!(error = %error, "cannot read /proc/self/limits; server.max_connections applies as configured");
            None
        }
    }
}

/// Serves `router` on `listener` under `limits` until `token` is
/// cancelled; then stops accepting, asks every open connection to close
/// after its request in flight, and returns once all have (the caller
/// bounds how long). Errors only if the permits can no longer be counted.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    token: CancellationToken,
) -> io::Result<()> {
    let permits = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let connections = TaskTracker::new();
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(true);
    let outcome = loop {
        // The permit before the accept: at the cap, new connections wait in
        // the kernel's queue and cost no descriptor here.
        let permit = tokio::select! {
            biased;
            () = token.cancelled() => break Ok(()),
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break Err(io::Error::other(
                    "the connection permits were closed; the server stopped accepting",
                )),
            },
        };
        let (stream, peer) = tokio::select! {
            biased;
            () = token.cancelled() => break Ok(()),
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(&error, &token).await;
                    continue;
                }
            },
        };
        connections.spawn(connection(
            stream,
            peer,
            http.clone(),
            router.clone(),
            limits.idle_timeout,
            token.clone(),
            permit,
        ));
    };
    drop(listener);
    connections.close();
    tracing::debug!(
        connections = connections.len(),
        "stopped accepting; waiting for open connections"
    );
    connections.wait().await;
    outcome
}

/// An accept that failed. One connection's trouble (reset before it was
/// accepted) is not the server's: the loop goes on at once. Anything else
/// (no descriptor left, no memory) is logged and the loop pauses
/// [`ACCEPT_ERROR_PAUSE`], or until shutdown.
async fn accept_failed(error: &io::Error, token: &CancellationToken) {
    use io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        error.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        tracing::debug!(error = %error, "a connection was gone before it was accepted");
        return;
    }
    tracing::warn!(
        error = %error,
        pause = ?ACCEPT_ERROR_PAUSE,
        "cannot accept connections; retrying after a pause"
    );
    tokio::select! {
        () = token.cancelled() => {}
        () = tokio::time::sleep(ACCEPT_ERROR_PAUSE) => {}
    }
}

/// Serves one connection, holding `_permit` until it closes. On shutdown
/// the connection finishes the request in flight, if any, and closes.
async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    http: http1::Builder,
    router: Router,
    idle_timeout: Duration,
    token: CancellationToken,
    _permit: OwnedSemaphorePermit,
) {
    let io = TokioIo::new(IdleTimeout::new(stream, idle_timeout));
    let conn = http.serve_connection(io, TowerToHyperService::new(router));
    let mut conn = std::pin::pin!(conn);
    let result = tokio::select! {
        result = conn.as_mut() => result,
        () = token.cancelled() => {
            conn.as_mut().graceful_shutdown();
            conn.await
        }
    };
    if let Err(error) = result {
        // Timeouts and clients that went away: routine, and one line per
        // connection would let any client flood the log.
        tracing::debug!(%peer, error = %error_chain(&error), "connection closed");
    }
}

/// A stream whose reads and writes fail with `TimedOut` once one of them
/// has waited `limit` with no byte moving. The clock starts when a wait
/// starts, not at the last byte, so time spent between waits (the
/// server computing an answer) is not counted against the client.
pub struct IdleTimeout<S> {
    inner: S,
    limit: Duration,
    timer: Pin<Box<Sleep>>,
    /// Whether `timer` runs for the current wait.
    waiting: bool,
}

impl<S> IdleTimeout<S> {
    pub fn new(inner: S, limit: Duration) -> Self {
        Self {
            inner,
            limit,
            timer: Box::pin(tokio::time::sleep(limit)),
            waiting: false,
        }
    }

    /// Passes a finished read or write through (and ends the wait); on a
    /// pending one, starts the clock if this wait just began, and fails
    /// once it ran out.
    fn watch<T>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<T>>,
    ) -> Poll<io::Result<T>> {
        if polled.is_ready() {
            self.waiting = false;
            return polled;
        }
        if !self.waiting {
            self.waiting = true;
            self.timer.as_mut().reset(Instant::now() + self.limit);
        }
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "no byte moved for {}; the connection was closed",
                    humantime::format_duration(self.limit)
                ),
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for IdleTimeout<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        this.watch(cx, polled)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for IdleTimeout<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write(cx, buf);
        this.watch(cx, polled)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        this.watch(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_flush(cx);
        this.watch(cx, polled)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests;
