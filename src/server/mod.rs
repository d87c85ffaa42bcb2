//! The HTTP side: the merged feed as Atom, RSS and JSON Feed, the HTML
//! river, story pages, search, OPML, health and metrics.
//!
//! This file is the route table and nothing else, so that every URL the
//! daemon answers is listed in one place; each route's work lives in the
//! file named for its job. Documents are cached per [`Changes`] generation
//! (`cache`) and answered with validators (`conditional`). This module
//! spawns nothing: the daemon serves the [`router`] on its listener.

mod cache;
mod conditional;
mod deadline;
mod error;
mod feeds;
mod flight;
mod health;
mod kind;
mod meta;
mod paging;
mod search;
mod state;
mod story;

use std::sync::Arc;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, header};
use axum::routing::get;
use tower_http::compression::CompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use cache::Changes;
pub use state::ServerState;

use error::ServerError;
use kind::Kind;

/// The routes. HEAD is answered for every GET route (axum drops the body);
/// responses are compressed (gzip, br) when the client asks. Every answer
/// says `X-Content-Type-Options: nosniff` (documents and error answers
/// set it themselves; the layer covers every other answer, plain-text
/// health and metrics and what axum answers on its own, such as a 405 or
/// a rejected query), so that no browser runs as HTML a plain-text answer
/// that repeats what a request said.
pub fn router(state: Arc<ServerState>) -> Router {
    Router::new()
        .route("/", feeds::at_root(Kind::Html))
        .route(
            &format!("/{}", Kind::Atom.path()),
            feeds::at_root(Kind::Atom),
        )
        .route(&format!("/{}", Kind::Rss.path()), feeds::at_root(Kind::Rss))
        .route(
            &format!("/{}", Kind::Json.path()),
            feeds::at_root(Kind::Json),
        )
        .route(&format!("/{}", Kind::Opml.path()), get(feeds::opml))
        .route("/topics/{slug}", get(feeds::topic_home))
        .route("/topics/{slug}/", get(feeds::topic_river))
        .route("/topics/{slug}/{document}", get(feeds::topic_feed))
        .route("/stories/{uid}", get(story::story))
        .route("/search", get(search::search))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(health::metrics))
        .fallback(|| async { ServerError::NotFound })
        .layer(CompressionLayer::new())
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                // The route template, not the raw URI: bounded cardinality.
                let route = request
                    .extensions()
                    .get::<MatchedPath>()
                    .map_or("-", MatchedPath::as_str);
                tracing::debug_span!("request", method = %request.method(), route)
            }),
        )
        .with_state(state)
}
