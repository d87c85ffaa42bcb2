//! What supervisors and scrapers ask: `/healthz` and `/metrics`. Neither is
//! a document, so neither goes through the cache or conditional GET.
//!
//! `/healthz` answers 200 `ok` or 503 `degraded`, in plain text with the
//! figures behind the verdict, so that a supervisor or load balancer sees
//! a daemon that serves but no longer stores anything (a full disk once
//! failed 240 writes in 25 s under an `ok`). Degraded when:
//! - the last poll write failed, or at least [`MIN_FAILED_WRITES`] of the
//!   last five minutes' writes failed and they were half or more;
//! - no feed was fetched (or found unchanged) for [`STALE_SLOTS`](super::deadline::STALE_SLOTS) slots of
//!   the slowest enabled schedule, plus the jitter (at least
//!   [`MIN_STALE`](super::deadline::MIN_STALE));
//! - the database does not answer (as before: `database unavailable`).
//!
//! It stays cheap and never queues behind a render: the figures are
//! counters the polls keep, and the database is pinged only if one of the
//! server's read connections is free this instant (busy ones are
//! answering).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};

use super::error::{NOSNIFF, ServerError};
use super::state::ServerState;
use crate::metrics::{WRITE_WINDOW, Writes};
use crate::store;

/// Failed writes in the window that make a trend even when the last write
/// worked: fewer is a passing lock or a blip.
pub(super) const MIN_FAILED_WRITES: u64 = 5;

/// What the server's database connection said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Database {
    Answers,
    /// In use this instant (a render or a search): it answers, to them.
    Busy,
}

/// Everything `/healthz` judges, gathered without waiting.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Figures {
    pub now: DateTime<Utc>,
    pub started: DateTime<Utc>,
    pub last_poll: Option<DateTime<Utc>>,
    pub last_success: Option<DateTime<Utc>>,
    pub writes: Writes,
    /// How long without a successful poll is too long; `None` without an
    /// enabled feed (nothing to fetch, nothing to miss).
    pub stale_after: Option<Duration>,
    pub database: Database,
}

/// The verdict and the plain-text body that shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Verdict {
    pub degraded: bool,
    pub body: String,
}

/// Judges `figures`: the reasons first, then every figure, one per line.
pub(super) fn assess(figures: &Figures) -> Verdict {
    let mut reasons = Vec::new();
    let writes = &figures.writes;
    let last_failed = writes
        .last_failed
        .is_some_and(|failed| writes.last_ok.is_none_or(|ok| failed > ok));
    if last_failed {
        reasons.push("the last write to the database failed".to_owned());
    } else if writes.failed >= MIN_FAILED_WRITES && writes.failed >= writes.succeeded {
        reasons.push(format!(
            "{} of the last {} writes to the database failed",
            writes.failed,
            writes.failed + writes.succeeded
        ));
    }
    if let Some(limit) = figures.stale_after {
        let since = figures
            .last_success
            .unwrap_or(figures.started)
            .max(figures.started);
        let quiet = (figures.now - since).to_std().unwrap_or(Duration::ZERO);
        if quiet > limit {
            reasons.push(format!(
                "no feed fetched for {} (allowed: {})",
                human(quiet),
                human(limit)
            ));
        }
    }
    let when =
        |time: Option<DateTime<Utc>>| time.map_or_else(|| "never".to_owned(), |t| t.to_rfc3339());
    let unix = |time: Option<i64>| when(time.and_then(|t| DateTime::from_timestamp(t, 0)));
    let mut body = String::new();
    if reasons.is_empty() {
        body.push_str("ok\n");
    } else {
        for reason in &reasons {
            body.push_str(&format!("degraded: {reason}\n"));
        }
    }
    body.push_str(&format!("last_poll: {}\n", when(figures.last_poll)));
    body.push_str(&format!("last_fetch: {}\n", when(figures.last_success)));
    body.push_str(&format!(
        "writes_last_{}: {} ok, {} failed\n",
        human(WRITE_WINDOW),
        writes.succeeded,
        writes.failed
    ));
    body.push_str(&format!("last_write_ok: {}\n", unix(writes.last_ok)));
    body.push_str(&format!(
        "last_write_failed: {}\n",
        unix(writes.last_failed)
    ));
    body.push_str(&format!(
        "fetch_deadline: {}\n",
        figures
            .stale_after
            .map_or_else(|| "none (no enabled feed)".to_owned(), human)
    ));
    body.push_str(match figures.database {
        Database::Answers => "database: answers\n",
        Database::Busy => "database: busy serving (not pinged)\n",
    });
    Verdict {
        degraded: !reasons.is_empty(),
        body,
    }
}

fn human(duration: Duration) -> String {
    humantime::format_duration(Duration::from_secs(duration.as_secs())).to_string()
}

pub(super) async fn healthz(
    State(state): State<Arc<ServerState>>,
) -> Result<Response, ServerError> {
    // Only if a read connection is free this instant: renders holding
    // them all must not hold the health check too.
    let database = match state.readers.try_read(|store| store.ping()).await {
        Ok(()) => Database::Answers,
        Err(store::Error::Busy) => Database::Busy,
        // A crash is a bug in the check, not a database that is down.
        Err(crashed @ store::Error::Crashed(_)) => return Err(ServerError::Store(crashed)),
        Err(error) => return Err(ServerError::Unavailable(error)),
    };
    let now = Utc::now();
    let config = state.config.borrow().clone();
    let stale = state.stale_deadline().get(&config, now);
    let metrics = &state.metrics;
    let at = |unix: i64| DateTime::from_timestamp(unix, 0);
    let figures = Figures {
        now,
        started: at(metrics.started()).unwrap_or(now),
        last_poll: state.changes.last_poll(),
        last_success: metrics.last_success().and_then(at),
        writes: metrics.writes(now.timestamp()),
        stale_after: stale,
        database,
    };
    let verdict = assess(&figures);
    let status = if verdict.degraded {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            NOSNIFF,
            (header::CACHE_CONTROL, "no-store"),
        ],
        verdict.body,
    )
        .into_response())
}

pub(super) async fn metrics(State(state): State<Arc<ServerState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

#[cfg(test)]
mod tests;
