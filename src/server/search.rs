//! `/search`: the one page whose input is free text, so the one that must
//! bound what a request may cost (query length, page depth, a read
//! connection of the pool's) and say in a 400 what it refused.

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::cache::{Changes, Rendered, SearchKey};
use super::conditional::respond;
use super::error::ServerError;
use super::kind::Kind;
use super::meta::{meta, topic_links};
use super::state::ServerState;
use crate::config::Config;
use crate::publish;
use crate::store::{SearchQuery, Storage};

/// Hits per search page.
const SEARCH_PAGE_SIZE: usize = 20;

/// The deepest search page served: each page ranks every match again, and
/// nobody reads a ranked list 1,000 stories deep; a crawler walking "next"
/// links stops here.
const MAX_SEARCH_PAGE: usize = 50;

/// What `/search` was asked.
#[derive(Debug, Default, PartialEq, Eq)]
struct SearchParams {
    q: String,
    page: usize,
    topic: Option<String>,
}

impl SearchParams {
    /// Reads `q`, `page` and `topic` from the query string (the first of
    /// each; others ignored), refusing what the page will not serve with a
    /// message for the 400 answer (the handler makes it a
    /// [`ServerError::BadRequest`]; a message is all a refusal carries).
    /// Read by hand rather than with `Query`, whose rejections do not say
    /// which parameter was wrong.
    fn parse(raw: &str) -> Result<Self, String> {
        let mut q = None;
        let mut page = None;
        let mut topic = None;
        for (key, value) in url::form_urlencoded::parse(raw.as_bytes()) {
            match key.as_ref() {
                "q" if q.is_none() => q = Some(value.into_owned()),
                "page" if page.is_none() => page = Some(value.into_owned()),
                "topic" if topic.is_none() => topic = Some(value.into_owned()),
                _ => {}
            }
        }
        let q = q.unwrap_or_default();
        if q.chars().count() > publish::search::MAX_QUERY_CHARS {
            return Err(format!(
                "the search query is too long: at most {} characters",
                publish::search::MAX_QUERY_CHARS
            ));
        }
        let page = match page.as_deref().map(str::trim) {
            None | Some("") => 1,
            Some(text) => text
                .parse::<usize>()
                .ok()
                .filter(|page| (1..=MAX_SEARCH_PAGE).contains(page))
                .ok_or_else(|| {
                    format!("page must be a whole number from 1 to {MAX_SEARCH_PAGE}")
                })?,
        };
        let topic = topic.filter(|t| !t.trim().is_empty());
        Ok(Self { q, page, topic })
    }
}

/// `/search?q=…&page=N&topic=SLUG`: bounded (the query's length, the
/// page depth, one page of highlights), rendered once per query and change
/// however many ask at once (single flight, like the documents), and kept
/// in a cache bounded in bytes ([`SearchCache`](super::cache::SearchCache))
/// until the next change. It keeps the validators and max-age of every
/// other page, so a reader's back button and reloads within the minute are
/// free.
pub(super) async fn search(
    State(state): State<Arc<ServerState>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let params =
        SearchParams::parse(raw.as_deref().unwrap_or_default()).map_err(ServerError::BadRequest)?;
    let generation = state.changes.generation();
    let config = state.config.borrow().clone();
    let topic = match params.topic.as_deref() {
        None => config.topic(),
        Some(slug) => config.topic_by_slug(slug).ok_or_else(|| {
            let known: Vec<&str> = config.topics.iter().map(|t| t.slug.as_str()).collect();
            ServerError::BadRequest(format!(
                "no topic has the slug `{slug}`; the topics are: {}",
                known.join(", ")
            ))
        })?,
    };
    let key = SearchKey {
        q: params.q,
        topic: topic.slug.clone(),
        named_topic: params.topic.is_some(),
        page: params.page,
    };
    if let Some(page) = state.search_cache().get(&key, generation) {
        return Ok(respond(&page, &headers));
    }
    let render = {
        let (state, key) = (state.clone(), key.clone());
        || async move {
            let wanted = key.clone();
            let changes = state.changes.clone();
            let page = state
                .readers
                .read(move |store| render(store, &config, &changes, &wanted, generation))
                .await?;
            let page = Arc::new(page);
            state.search_cache().insert(key, page.clone());
            Ok(page)
        }
    };
    let page = state.searches().render(&key, generation, render).await?;
    Ok(respond(&page, &headers))
}

/// Runs the search `key` names on one of the server's read connections
/// and renders its page.
fn render(
    store: &dyn Storage,
    config: &Config,
    changes: &Changes,
    key: &SearchKey,
    generation: u64,
) -> Result<Rendered, ServerError> {
    let mut hits = if key.q.trim().is_empty() {
        Vec::new()
    } else {
        store.search(&SearchQuery {
            text: key.q.clone(),
            topic: key.topic.clone(),
            // One more than shown: whether there is a next page.
            limit: SEARCH_PAGE_SIZE + 1,
            offset: (key.page - 1) * SEARCH_PAGE_SIZE,
        })?
    };
    let has_more = hits.len() > SEARCH_PAGE_SIZE;
    hits.truncate(SEARCH_PAGE_SIZE);
    let topic = config
        .topic_by_slug(&key.topic)
        .unwrap_or_else(|| config.topic());
    let mut meta = meta(config, topic, Kind::Html, &[])?;
    if let Ok(url) = meta.root_url.join("search") {
        meta.self_url = url;
    }
    let body = publish::search::page(
        &meta,
        &topic_links(config),
        &publish::search::SearchPage {
            query: &key.q,
            topic: key.named_topic.then_some(key.topic.as_str()),
            page: key.page,
            hits: &hits,
            has_more,
        },
    );
    Ok(Rendered::new(
        generation,
        body,
        Kind::Html,
        changes.changed_at(),
    ))
}

#[cfg(test)]
mod tests;
