//! The cached documents: every topic's Atom, RSS and JSON feeds and its
//! HTML river, and the site's OPML. They share one handler (which document
//! is a [`Kind`] and a topic), one cache lookup and one renderer, so the
//! formats cannot drift apart in limits, paging or caching.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};

use super::cache::{DocumentKey, Rendered};
use super::conditional::respond;
use super::error::ServerError;
use super::kind::Kind;
use super::meta::{meta, topic_links};
use super::paging::Start;
use super::state::ServerState;
use crate::config::{Config, Topic};
use crate::publish;
use crate::store::{Storage, StoryQuery};

#[derive(Debug, Default, serde::Deserialize)]
pub(super) struct Params {
    limit: Option<usize>,
    /// The river's page (`?page=2`: the next `limit` older stories); the
    /// feeds ignore it.
    page: Option<usize>,
    /// The river's next page by index: the stories older than this one (a
    /// uid; "Older stories" links carry it). `page` then only numbers the
    /// page. The feeds ignore it.
    before: Option<String>,
}

/// Whether `text` has the shape of a story's public id (32 lowercase hex
/// digits): anything else in `?before=` is refused before it reaches the
/// cache key or the store.
fn is_uid(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The default topic's document of `kind` at the site's root (`/`,
/// `/feed.atom`, …): the same handler for every kind that takes a limit.
pub(super) fn at_root(kind: Kind) -> MethodRouter<Arc<ServerState>> {
    get(
        move |State(state): State<Arc<ServerState>>,
              Query(params): Query<Params>,
              headers: HeaderMap| async move {
            document(&state, kind, None, params, &headers).await
        },
    )
}

/// The site's OPML: no limit or page, so a query string is not read
/// (nor refused).
pub(super) async fn opml(
    State(state): State<Arc<ServerState>>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    document(&state, Kind::Opml, None, Params::default(), &headers).await
}

/// `/topics/{slug}` without the slash: the river's relative world starts
/// at the slash, so send readers there.
pub(super) async fn topic_home(
    State(state): State<Arc<ServerState>>,
    Path(slug): Path<String>,
) -> Result<Response, ServerError> {
    let config = state.config.borrow().clone();
    let topic = config.topic_by_slug(&slug).ok_or(ServerError::NotFound)?;
    // An absolute path under `public_url`'s: it stays on the site behind a
    // proxy, and on whatever host and port the client reached.
    let target = format!("{}topics/{}/", config.public_url.path(), topic.slug);
    let mut response = StatusCode::PERMANENT_REDIRECT.into_response();
    if let Ok(location) = HeaderValue::from_str(&target) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    Ok(response)
}

/// `/topics/{slug}/`: a topic's river.
pub(super) async fn topic_river(
    State(state): State<Arc<ServerState>>,
    Path(slug): Path<String>,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    document(&state, Kind::Html, Some(slug), params, &headers).await
}

/// `/topics/{slug}/feed.atom` and the other formats of a topic.
pub(super) async fn topic_feed(
    State(state): State<Arc<ServerState>>,
    Path((slug, document_name)): Path<(String, String)>,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let kind = Kind::feed_named(&document_name).ok_or(ServerError::NotFound)?;
    document(&state, kind, Some(slug), params, &headers).await
}

/// Serves a cached document, rendering it first when the stories changed
/// since it was cached. `slug` is `None` for the default topic at the root.
async fn document(
    state: &Arc<ServerState>,
    kind: Kind,
    slug: Option<String>,
    params: Params,
    headers: &HeaderMap,
) -> Result<Response, ServerError> {
    // The generation before the configuration: a reload replaces the
    // configuration, then bumps; read the other way round, a document
    // rendered from the old configuration could be cached as new.
    let generation = state.changes.generation();
    let config = state.config.borrow().clone();
    let limit = params
        .limit
        .unwrap_or(config.server.feed_items)
        .clamp(1, config.server.max_items);
    // A topic's own URLs; the default topic is also at the root.
    let slug = match slug {
        Some(slug) if config.topic_by_slug(&slug).is_some() => slug,
        Some(_) => return Err(ServerError::NotFound),
        None => config.topic().slug.clone(),
    };
    // Paging is the river's; the feeds always start at the newest.
    let (page, before) = match kind {
        Kind::Html => match params.before {
            Some(uid) if is_uid(&uid) => (
                params.page.unwrap_or(2).clamp(2, publish::html::MAX_PAGE),
                Some(uid),
            ),
            Some(_) => {
                return Err(ServerError::BadRequest(
                    "before must be a story id (32 hex digits)".to_owned(),
                ));
            }
            None => (
                params.page.unwrap_or(1).clamp(1, publish::html::MAX_PAGE),
                None,
            ),
        },
        _ => (1, None),
    };
    let key = DocumentKey {
        kind,
        limit: if kind == Kind::Opml { 0 } else { limit },
        slug,
        page,
        before,
    };
    let rendered = match state.cache().get(&key, generation) {
        Some(rendered) => rendered,
        // Being rendered for this change already: the previous copy now
        // (its own validators say what it is), the new one when it is done.
        None if state.flights().in_flight(&key, generation)
            && let Some(stale) = state.cache().latest(&key) =>
        {
            stale
        }
        None => {
            let render = {
                let (state, key) = (state.clone(), key.clone());
                || async move {
                    let wanted = key.clone();
                    let reader = state.clone();
                    let rendered = state
                        .readers
                        .read(move |store| render(store, &reader, &config, &wanted, generation))
                        .await?;
                    let rendered = Arc::new(rendered);
                    state.metrics.document_rendered();
                    let feed_items = state.config.borrow().server.feed_items;
                    state
                        .cache()
                        .insert(key, rendered.clone(), &state.changes, feed_items);
                    Ok(rendered)
                }
            };
            match state.flights().render(&key, generation, render).await {
                Ok(rendered) => rendered,
                // No read connection in time, or the database is down: the
                // last copy rendered, if there is one (its own validators
                // say what it is), rather than a 503.
                Err(ServerError::Busy) => state.cache().latest(&key).ok_or(ServerError::Busy)?,
                Err(error) => return Err(error),
            }
        }
    };
    Ok(respond(&rendered, headers))
}

/// Renders the document `key` names from the store as it is now, on one
/// of the server's read connections.
fn render(
    store: &dyn Storage,
    state: &ServerState,
    config: &Config,
    key: &DocumentKey,
    generation: u64,
) -> Result<Rendered, ServerError> {
    let topic = config
        .topic_by_slug(&key.slug)
        .unwrap_or_else(|| config.topic());
    let body = match key.kind {
        Kind::Opml => {
            publish::opml::render(&config.topic().title, &publish::opml::from_config(config))
        }
        Kind::Html => river_page(store, state, config, topic, key, generation)?,
        Kind::Atom | Kind::Rss | Kind::Json => {
            let stories = store.stories(&StoryQuery::for_topic(config, topic, Some(key.limit)))?;
            let meta = meta(config, topic, key.kind, &stories)?;
            match key.kind {
                Kind::Rss => publish::rss::render(&meta, &stories),
                Kind::Json => publish::jsonfeed::render(&meta, &stories)?,
                // Kind::Atom; the river and OPML are above.
                _ => publish::atom::render(&meta, &stories),
            }
        }
    };
    Ok(Rendered::new(
        generation,
        body,
        key.kind,
        state.changes.changed_at(),
    ))
}

/// One page of a topic's river: `limit` stories older than `before` when
/// given, else page `page` (old `?page=` links), which starts where
/// [`PageMarks`](super::paging::PageMarks) says; either way by key, however
/// deep. Reads one more story to know whether an "Older stories" link
/// leads anywhere.
fn river_page(
    store: &dyn Storage,
    state: &ServerState,
    config: &Config,
    topic: &Topic,
    key: &DocumentKey,
    generation: u64,
) -> Result<String, ServerError> {
    let (limit, page) = (key.limit, key.page);
    let mut query = StoryQuery::for_topic(config, topic, Some(limit.saturating_add(1)));
    let start = match &key.before {
        Some(uid) => Start::After(uid.clone()),
        None => state
            .page_marks()
            .start(store, &query, limit, page, generation)?,
    };
    let mut stories = match start {
        Start::Newest => store.stories(&query)?,
        Start::After(uid) => {
            query.before = Some(uid);
            store.stories(&query)?
        }
        Start::PastEnd => Vec::new(),
    };
    let has_older = stories.len() > limit;
    stories.truncate(limit);
    let meta = meta(config, topic, Kind::Html, &stories)?;
    let paging = publish::html::Paging {
        page,
        has_older,
        limit: (limit != config.server.feed_items).then_some(limit),
    };
    Ok(publish::html::river(
        &meta,
        &topic_links(config),
        paging,
        &stories,
    ))
}
