//! What supervisors and scrapers ask: `/healthz` (does the database answer,
//! when did a poll last finish) and `/metrics`. Neither is a document, so
//! neither goes through the cache or conditional GET.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::error::ServerError;
use super::state::ServerState;
use crate::store;

pub(super) async fn healthz(
    State(state): State<Arc<ServerState>>,
) -> Result<Response, ServerError> {
    let answer = state.store.call(|store| store.ping()).await;
    let last_poll = state
        .changes
        .last_poll()
        .map_or_else(|| "never".to_owned(), |t| t.to_rfc3339());
    match answer {
        Ok(()) => Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("ok\nlast_poll: {last_poll}\n"),
        )
            .into_response()),
        // A crash is a bug in the check, not a database that is down.
        Err(crashed @ store::Error::Crashed(_)) => Err(ServerError::Store(crashed)),
        Err(error) => Err(ServerError::Unavailable(error)),
    }
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
