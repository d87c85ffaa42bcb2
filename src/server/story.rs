//! A story's own page (`/stories/{uid}`), the link target of every river
//! entry. Rendered per request and never cached: any of tens of thousands
//! of stories may be asked for, and each is one indexed read.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

use super::cache::Rendered;
use super::conditional::respond;
use super::error::ServerError;
use super::kind::Kind;
use super::meta::{meta, topic_links};
use super::state::ServerState;
use crate::publish;

pub(super) async fn story(
    State(state): State<Arc<ServerState>>,
    Path(uid): Path<String>,
    headers: HeaderMap,
) -> Result<Response, ServerError> {
    let generation = state.changes.generation();
    let config = state.config.borrow().clone();
    let changes = state.changes.clone();
    // On a read connection like every render: a flood of story pages
    // waits for one (a bounded time), never fills the blocking pool the
    // polls need.
    let rendered = state
        .readers
        .read(move |store| -> Result<Option<Rendered>, ServerError> {
            let Some(story) = store.story_by_uid(&uid)? else {
                return Ok(None);
            };
            let mut meta = meta(
                &config,
                config.topic(),
                Kind::Html,
                std::slice::from_ref(&story),
            )?;
            if let Ok(url) = meta.root_url.join(&format!("stories/{}", story.uid)) {
                meta.self_url = url;
            }
            let body = publish::html::story_page(&meta, &topic_links(&config), &story);
            Ok(Some(Rendered::new(
                generation,
                body,
                Kind::Html,
                changes.changed_at(),
            )))
        })
        .await?
        .ok_or(ServerError::NotFound)?;
    Ok(respond(&rendered, &headers))
}
