//! Why a request failed, as one type the handlers return with `?`: each
//! failure renders the same plain-text answer wherever it happens, and an
//! internal one is logged exactly once, where it becomes a response.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::error_chain;
use crate::store;

#[derive(Debug, thiserror::Error)]
pub(super) enum ServerError {
    /// The request asks for something the server will not serve; the
    /// message, the 400's body, tells the reader what to change.
    #[error("{0}")]
    BadRequest(String),
    #[error("not found")]
    NotFound,
    /// The health check's database does not answer: a 503, so that a
    /// supervisor or load balancer sees the daemon as down.
    #[error("the database does not answer")]
    Unavailable(#[source] store::Error),
    #[error(transparent)]
    Store(store::Error),
    #[error(transparent)]
    JsonFeed(#[from] serde_json::Error),
    #[error("cannot build the document's URL")]
    Url(#[from] url::ParseError),
    /// The request's document was not ready within
    /// [`QUEUE_WAIT`](super::flight::QUEUE_WAIT), or no read connection came
    /// free in time: a 503 with `Retry-After`, rather than a queue that
    /// grows with the load.
    #[error("too busy")]
    Busy,
    /// A render shared by several requests failed; the render logged why,
    /// once, so its waiters answer 500 without logging it again.
    #[error("the page could not be rendered (logged)")]
    Logged,
    /// A render on a blocking thread panicked.
    #[error(transparent)]
    Crashed(#[from] tokio::task::JoinError),
}

impl From<store::Error> for ServerError {
    /// Every read connection in use is "busy", like a render slot
    /// taken, and so is a database that cannot be reached (a PostgreSQL
    /// restart: a 503 with `Retry-After` while cached pages are still
    /// served, logged once by the daemon, not once per request); the rest
    /// are failures.
    fn from(error: store::Error) -> Self {
        match error {
            store::Error::Busy => ServerError::Busy,
            error if error.is_unavailable() => ServerError::Busy,
            error => ServerError::Store(error),
        }
    }
}

const PLAIN_TEXT: (header::HeaderName, &str) = (header::CONTENT_TYPE, "text/plain; charset=utf-8");

/// On every error answer: a 400 repeats what the request said (an unknown
/// `topic=`), and a browser that sniffed that text as HTML would run
/// whatever markup the link carried. The router adds it to every other
/// answer too (see `server::router`); here it holds wherever an error is
/// rendered.
pub(super) const NOSNIFF: (header::HeaderName, &str) = (header::X_CONTENT_TYPE_OPTIONS, "nosniff");

impl IntoResponse for ServerError {
    fn into_response(self) -> Response {
        match self {
            ServerError::BadRequest(message) => (
                StatusCode::BAD_REQUEST,
                [PLAIN_TEXT, NOSNIFF],
                format!("{message}\n"),
            )
                .into_response(),
            ServerError::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                [PLAIN_TEXT, NOSNIFF, (header::RETRY_AFTER, "5")],
                "busy; try again in a few seconds\n",
            )
                .into_response(),
            ServerError::Logged => (
                StatusCode::INTERNAL_SERVER_ERROR,
                [PLAIN_TEXT, NOSNIFF],
                "internal error; see the daemon's log\n",
            )
                .into_response(),
            ServerError::NotFound => {
                (StatusCode::NOT_FOUND, [PLAIN_TEXT, NOSNIFF], "not found\n").into_response()
            }
            ServerError::Unavailable(error) => {
                tracing::error!(error = %error_chain(&error), "health check: the database does not answer");
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [PLAIN_TEXT, NOSNIFF],
                    "database unavailable\n",
                )
                    .into_response()
            }
            internal @ (ServerError::Store(_)
            | ServerError::JsonFeed(_)
            | ServerError::Url(_)
            | ServerError::Crashed(_)) => {
                tracing::error!(error = %error_chain(&internal), "cannot render a page");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    [PLAIN_TEXT, NOSNIFF],
                    "internal error; see the daemon's log\n",
                )
                    .into_response()
            }
        }
    }
}

#[cfg(test)]
mod tests;
