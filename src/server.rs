//! The HTTP side: the merged feed as Atom, RSS and JSON Feed, the HTML
//! river, story pages, search, OPML, health and metrics.
//!
//! Documents are rendered once per change and cached: thousands of readers
//! polling cost a hash-map lookup and, mostly, a 304. The daemon bumps
//! [`Changes`] when stories or the configuration change; the cache keys on
//! that generation. This module spawns nothing: the daemon serves the
//! [`router`] on its listener.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Path, Query, RawQuery, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::watch;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::config::{Config, Topic};
use crate::metrics::Metrics;
use crate::publish::{self, FeedMeta};
use crate::store::{self, SearchQuery, SharedStore, StoredStory, StoryQuery};

/// Bumped whenever what the documents show may have changed: stories,
/// their sources, or the configuration (title, public URL, feeds).
#[derive(Debug)]
pub struct Changes {
    generation: AtomicU64,
    /// Unix time of the last bump: every document's Last-Modified, so that
    /// If-Modified-Since sees any change, not only a story's.
    changed_at: AtomicU64,
    /// Unix time of the last completed poll, for `/healthz`; 0 before one.
    last_poll: AtomicU64,
}

impl Default for Changes {
    fn default() -> Self {
        Self {
            generation: AtomicU64::new(0),
            changed_at: AtomicU64::new(unix(Utc::now())),
            last_poll: AtomicU64::new(0),
        }
    }
}

fn unix(time: DateTime<Utc>) -> u64 {
    u64::try_from(time.timestamp()).unwrap_or(0)
}

impl Changes {
    /// Invalidates every cached document.
    pub fn bump(&self) {
        // The time first: a reader that sees the new generation also sees a
        // time at least this new.
        self.changed_at.store(unix(Utc::now()), Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn changed_at(&self) -> DateTime<Utc> {
        let seconds = i64::try_from(self.changed_at.load(Ordering::SeqCst)).unwrap_or(0);
        DateTime::from_timestamp(seconds, 0).unwrap_or_default()
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Records that a feed poll finished at `at`.
    pub fn polled(&self, at: DateTime<Utc>) {
        self.last_poll.store(unix(at), Ordering::SeqCst);
    }
}

/// What the handlers share.
pub struct ServerState {
    /// A connection of its own (WAL lets it read while polls write).
    pub store: SharedStore,
    pub config: watch::Receiver<Arc<Config>>,
    pub changes: Arc<Changes>,
    pub metrics: Arc<Metrics>,
    cache: Mutex<HashMap<DocumentKey, Arc<Rendered>>>,
}

impl ServerState {
    pub fn new(
        store: SharedStore,
        config: watch::Receiver<Arc<Config>>,
        changes: Arc<Changes>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            store,
            config,
            changes,
            metrics,
            cache: Mutex::new(HashMap::new()),
        }
    }

    fn cache(&self) -> MutexGuard<'_, HashMap<DocumentKey, Arc<Rendered>>> {
        match self.cache.lock() {
            Ok(cache) => cache,
            // A cache holds no invariant a panic could break.
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// Cached documents besides each topic's own (its feeds and river at the
/// default limit, always cached): other `?limit=` values and river pages
/// beyond this many are rendered on demand, so a crawler walking pages or
/// limits can never push the subscribed feeds out.
const MAX_CACHED_EXTRA: usize = 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Kind {
    Atom,
    Rss,
    Json,
    Html,
    Opml,
}

impl Kind {
    fn content_type(self) -> &'static str {
        match self {
            Kind::Atom => "application/atom+xml; charset=utf-8",
            Kind::Rss => "application/rss+xml; charset=utf-8",
            Kind::Json => "application/feed+json; charset=utf-8",
            Kind::Html => "text/html; charset=utf-8",
            Kind::Opml => "text/x-opml; charset=utf-8",
        }
    }

    /// Below the site URL; the HTML pages link to the same constants.
    fn path(self) -> &'static str {
        match self {
            Kind::Atom => publish::ATOM_PATH,
            Kind::Rss => publish::RSS_PATH,
            Kind::Json => publish::JSON_FEED_PATH,
            Kind::Html => "",
            Kind::Opml => publish::OPML_PATH,
        }
    }
}

/// Kind, item limit, topic slug, river page (1 for every other kind).
type DocumentKey = (Kind, usize, String, usize);

/// A rendered document with its validators.
struct Rendered {
    generation: u64,
    body: Bytes,
    /// The body gzipped, made on the first request that accepts gzip and
    /// kept: most feed readers ask for gzip, and compressing per request
    /// would cost more than everything else a cached response does.
    gzipped: OnceLock<Option<Bytes>>,
    content_type: &'static str,
    etag: String,
    last_modified: DateTime<Utc>,
}

impl Rendered {
    /// The ETag is weak (`W/`): the compression layer may send the same
    /// document in several encodings, which a strong tag would forbid.
    fn new(generation: u64, body: String, kind: Kind, last_modified: DateTime<Utc>) -> Self {
        let digest = Sha256::digest(body.as_bytes());
        let etag = format!(
            "W/\"{}\"",
            digest[..12]
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        );
        Self {
            generation,
            body: Bytes::from(body),
            gzipped: OnceLock::new(),
            content_type: kind.content_type(),
            etag,
            last_modified,
        }
    }
}

/// The routes. HEAD is answered for every GET route (axum drops the body);
/// responses are compressed (gzip, br) when the client asks.
pub fn router(state: Arc<ServerState>) -> Router {
    Router::new()
        .route("/", get(river))
        .route(&format!("/{}", publish::ATOM_PATH), get(atom))
        .route(&format!("/{}", publish::RSS_PATH), get(rss))
        .route(&format!("/{}", publish::JSON_FEED_PATH), get(json))
        .route(&format!("/{}", publish::OPML_PATH), get(opml))
        .route("/topics/{slug}", get(topic_home))
        .route("/topics/{slug}/", get(topic_river))
        .route("/topics/{slug}/{document}", get(topic_document))
        .route("/stories/{uid}", get(story))
        .route("/search", get(search))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .fallback(not_found)
        .layer(CompressionLayer::new())
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

#[derive(Debug, serde::Deserialize)]
struct Params {
    limit: Option<usize>,
    /// The river's page (`?page=2`: the next `limit` older stories); the
    /// feeds ignore it.
    page: Option<usize>,
}

async fn atom(
    state: State<Arc<ServerState>>,
    query: Query<Params>,
    headers: HeaderMap,
) -> Response {
    document(state, Kind::Atom, None, query, headers).await
}

async fn rss(state: State<Arc<ServerState>>, query: Query<Params>, headers: HeaderMap) -> Response {
    document(state, Kind::Rss, None, query, headers).await
}

async fn json(
    state: State<Arc<ServerState>>,
    query: Query<Params>,
    headers: HeaderMap,
) -> Response {
    document(state, Kind::Json, None, query, headers).await
}

async fn river(
    state: State<Arc<ServerState>>,
    query: Query<Params>,
    headers: HeaderMap,
) -> Response {
    document(state, Kind::Html, None, query, headers).await
}

async fn opml(state: State<Arc<ServerState>>, headers: HeaderMap) -> Response {
    document(
        state,
        Kind::Opml,
        None,
        Query(Params {
            limit: None,
            page: None,
        }),
        headers,
    )
    .await
}

/// `/topics/{slug}` without the slash: the river's relative world starts
/// at the slash, so send readers there.
async fn topic_home(State(state): State<Arc<ServerState>>, Path(slug): Path<String>) -> Response {
    let config = state.config.borrow().clone();
    let Some(topic) = config.topic_by_slug(&slug) else {
        return not_found().await;
    };
    // An absolute path under `public_url`'s: it stays on the site behind a
    // proxy, and on whatever host and port the client reached.
    let target = format!("{}topics/{}/", config.public_url.path(), topic.slug);
    let mut response = StatusCode::PERMANENT_REDIRECT.into_response();
    if let Ok(location) = HeaderValue::from_str(&target) {
        response.headers_mut().insert(header::LOCATION, location);
    }
    response
}

async fn topic_river(
    state: State<Arc<ServerState>>,
    Path(slug): Path<String>,
    query: Query<Params>,
    headers: HeaderMap,
) -> Response {
    document(state, Kind::Html, Some(slug), query, headers).await
}

/// `/topics/{slug}/feed.atom` and the other formats of a topic.
async fn topic_document(
    state: State<Arc<ServerState>>,
    Path((slug, document_name)): Path<(String, String)>,
    query: Query<Params>,
    headers: HeaderMap,
) -> Response {
    let kind = match document_name.as_str() {
        publish::ATOM_PATH => Kind::Atom,
        publish::RSS_PATH => Kind::Rss,
        publish::JSON_FEED_PATH => Kind::Json,
        _ => return not_found().await,
    };
    document(state, kind, Some(slug), query, headers).await
}

/// Serves a cached document, rendering it first when the stories changed
/// since it was cached.
async fn document(
    State(state): State<Arc<ServerState>>,
    kind: Kind,
    slug: Option<String>,
    Query(params): Query<Params>,
    headers: HeaderMap,
) -> Response {
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
        Some(_) => return not_found().await,
        None => config.topic().slug.clone(),
    };
    // Paging is the river's (clamped: a deep OFFSET costs a scan); the feeds
    // always start at the newest.
    let page = match kind {
        Kind::Html => params.page.unwrap_or(1).clamp(1, publish::html::MAX_PAGE),
        _ => 1,
    };
    let key = (kind, if kind == Kind::Opml { 0 } else { limit }, slug, page);
    let cached = state
        .cache()
        .get(&key)
        .filter(|doc| doc.generation == generation)
        .cloned();
    let rendered = match cached {
        Some(rendered) => rendered,
        None => {
            let state_for_render = state.clone();
            let config_for_render = config.clone();
            let slug = key.2.clone();
            let rendered = tokio::task::spawn_blocking(move || {
                render(
                    &state_for_render,
                    &config_for_render,
                    &slug,
                    kind,
                    (limit, page),
                    generation,
                )
            })
            .await;
            let rendered = match rendered {
                Ok(Ok(rendered)) => Arc::new(rendered),
                Ok(Err(message)) => return server_error(&message),
                Err(join_error) => return server_error(&join_error.to_string()),
            };
            state.metrics.document_rendered();
            let mut cache = state.cache();
            // Keep only the newest generation; a slow render of an older
            // one must not evict newer documents.
            let newest = state.changes.generation();
            cache.retain(|_, doc| doc.generation == newest);
            let standard = page == 1 && (limit == config.server.feed_items || kind == Kind::Opml);
            let extra = cache
                .keys()
                .filter(|(k, l, _, p)| {
                    *k != Kind::Opml && (*p != 1 || *l != config.server.feed_items)
                })
                .count();
            if generation == newest && (standard || extra < MAX_CACHED_EXTRA) {
                cache.insert(key, rendered.clone());
            }
            rendered
        }
    };
    respond(&rendered, &headers)
}

fn render(
    state: &ServerState,
    config: &Config,
    slug: &str,
    kind: Kind,
    (limit, page): (usize, usize),
    generation: u64,
) -> Result<Rendered, String> {
    let describe = |error: &dyn std::error::Error| crate::error::error_chain(error);
    let topic = config.topic_by_slug(slug).unwrap_or_else(|| config.topic());
    let body = match kind {
        Kind::Opml => {
            publish::opml::render(&config.topic().title, &publish::opml::from_config(config))
        }
        Kind::Html => river_page(state, config, topic, limit, page)?,
        Kind::Atom | Kind::Rss | Kind::Json => {
            let stories = state
                .store
                .lock()
                .stories(&StoryQuery::for_topic(config, topic, Some(limit)))
                .map_err(|e| describe(&e))?;
            let meta = meta(config, topic, kind, &stories)?;
            match kind {
                Kind::Rss => publish::rss::render(&meta, &stories),
                Kind::Json => {
                    publish::jsonfeed::render(&meta, &stories).map_err(|e| describe(&e))?
                }
                // Kind::Atom; the river and OPML are above.
                _ => publish::atom::render(&meta, &stories),
            }
        }
    };
    Ok(Rendered::new(
        generation,
        body,
        kind,
        state.changes.changed_at(),
    ))
}

/// One page of a topic's river: `limit` stories from `(page - 1) * limit`,
/// reading one more to know whether an "Older stories" link leads anywhere.
fn river_page(
    state: &ServerState,
    config: &Config,
    topic: &Topic,
    limit: usize,
    page: usize,
) -> Result<String, String> {
    let mut query = StoryQuery::for_topic(config, topic, Some(limit.saturating_add(1)));
    query.offset = page.saturating_sub(1).saturating_mul(limit);
    let mut stories = state
        .store
        .lock()
        .stories(&query)
        .map_err(|e| crate::error::error_chain(&e))?;
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

/// Every topic's title and river, default first: the pages' navigation.
fn topic_links(config: &Config) -> Vec<publish::html::TopicLink> {
    config
        .topics
        .iter()
        .map(|topic| publish::html::TopicLink {
            title: topic.title.clone(),
            url: config.topic_url(topic),
        })
        .collect()
}

fn meta(
    config: &Config,
    topic: &Topic,
    kind: Kind,
    stories: &[StoredStory],
) -> Result<FeedMeta, String> {
    let site_url = config.topic_url(topic);
    let self_url = site_url
        .join(kind.path())
        .map_err(|e| format!("cannot build the document's URL: {e}"))?;
    Ok(FeedMeta {
        title: topic.title.clone(),
        root_url: config.public_url.clone(),
        updated: stories
            .iter()
            .map(|story| story.changed_at)
            .max()
            .unwrap_or_default(),
        site_url,
        self_url,
    })
}

/// The document, or 304 when the client's validators match (RFC 9110
/// §13.1: If-None-Match wins over If-Modified-Since).
fn respond(rendered: &Rendered, request: &HeaderMap) -> Response {
    let last_modified = http_date(rendered.last_modified);
    let fresh = match request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    {
        Some(tags) => etag_matches(tags, &rendered.etag),
        None => request
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|since| DateTime::parse_from_rfc2822(since).ok())
            .is_some_and(|since| rendered.last_modified.timestamp() <= since.timestamp()),
    };
    let gzipped = accepts_gzip(request).then(|| rendered.gzipped()).flatten();
    let mut response = if fresh {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut response = match &gzipped {
            Some(body) => {
                let mut response = Response::new(Body::from(body.clone()));
                response
                    .headers_mut()
                    .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
                response
            }
            None => Response::new(Body::from(rendered.body.clone())),
        };
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(rendered.content_type),
        );
        response
    };
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(etag) = HeaderValue::from_str(&rendered.etag) {
        headers.insert(header::ETAG, etag);
    }
    if let Ok(date) = HeaderValue::from_str(&last_modified) {
        headers.insert(header::LAST_MODIFIED, date);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    // The pages need nothing but their own inline style (and story images);
    // see `publish::html::content_security_policy`.
    if rendered.content_type == Kind::Html.content_type() {
        if let Ok(policy) = HeaderValue::from_str(publish::html::content_security_policy()) {
            headers.insert(header::CONTENT_SECURITY_POLICY, policy);
        }
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
    }
    response
}

impl Rendered {
    /// The gzipped body (`None` if compression failed: then it is sent
    /// as is, and the compression layer may still compress it).
    fn gzipped(&self) -> Option<Bytes> {
        self.gzipped
            .get_or_init(|| {
                use std::io::Write;
                let mut encoder =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                encoder.write_all(&self.body).ok()?;
                encoder.finish().ok().map(Bytes::from)
            })
            .clone()
    }
}

/// Whether `Accept-Encoding` allows gzip (RFC 9110 §12.5.3): listed, or
/// `*`, with a non-zero quality.
fn accepts_gzip(request: &HeaderMap) -> bool {
    let Some(accepted) = request
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    accepted.split(',').any(|coding| {
        let mut parts = coding.split(';');
        let name = parts.next().unwrap_or_default().trim();
        let quality = parts
            .filter_map(|p| p.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        (name.eq_ignore_ascii_case("gzip") || name == "*") && quality > 0.0
    })
}

/// Weak comparison (RFC 9110 §8.8.3.2) against a list of entity tags.
fn etag_matches(list: &str, etag: &str) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    list.split(',')
        .any(|tag| tag.trim() == "*" || opaque(tag) == opaque(etag))
}

fn http_date(time: DateTime<Utc>) -> String {
    time.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

async fn story(
    State(state): State<Arc<ServerState>>,
    Path(uid): Path<String>,
    headers: HeaderMap,
) -> Response {
    let generation = state.changes.generation();
    let config = state.config.borrow().clone();
    let state_for_render = state.clone();
    let rendered = tokio::task::spawn_blocking(move || -> Result<Option<Rendered>, String> {
        let story = state_for_render
            .store
            .lock()
            .story_by_uid(&uid)
            .map_err(|e| crate::error::error_chain(&e))?;
        let Some(story) = story else {
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
            state_for_render.changes.changed_at(),
        )))
    })
    .await;
    match rendered {
        Ok(Ok(Some(rendered))) => respond(&rendered, &headers),
        Ok(Ok(None)) => not_found().await,
        Ok(Err(message)) => server_error(&message),
        Err(join_error) => server_error(&join_error.to_string()),
    }
}

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
    /// message for the 400 answer. Read by hand rather than with `Query`,
    /// whose rejections do not say which parameter was wrong.
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

/// `/search?q=…&page=N&topic=SLUG`: rendered per request, never put in
/// the document cache (queries are unbounded, a cache of them would be a
/// memory leak), but bounded: the query's length, the page depth and one
/// page of highlights. It keeps the validators and max-age of every other
/// page, so a reader's back button and reloads within the minute are free.
async fn search(
    State(state): State<Arc<ServerState>>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Response {
    let params = match SearchParams::parse(raw.as_deref().unwrap_or_default()) {
        Ok(params) => params,
        Err(message) => return bad_request(&message),
    };
    let generation = state.changes.generation();
    let config = state.config.borrow().clone();
    let topic = match params.topic.as_deref() {
        None => config.topic(),
        Some(slug) => match config.topic_by_slug(slug) {
            Some(topic) => topic,
            None => {
                let known: Vec<&str> = config.topics.iter().map(|t| t.slug.as_str()).collect();
                return bad_request(&format!(
                    "no topic has the slug `{slug}`; the topics are: {}",
                    known.join(", ")
                ));
            }
        },
    };
    let slug = topic.slug.clone();
    let state_for_render = state.clone();
    let rendered = tokio::task::spawn_blocking(move || -> Result<Rendered, String> {
        let mut hits = if params.q.trim().is_empty() {
            Vec::new()
        } else {
            // Its own connection: ranking a common word over a large store
            // takes a while, and the shared reader serves every feed.
            store::connect_existing(&config.database)
                .map_err(|e| crate::error::error_chain(&e))?
                .search(&SearchQuery {
                    text: params.q.clone(),
                    topic: slug.clone(),
                    // One more than shown: whether there is a next page.
                    limit: SEARCH_PAGE_SIZE + 1,
                    offset: (params.page - 1) * SEARCH_PAGE_SIZE,
                })
                .map_err(|e| crate::error::error_chain(&e))?
        };
        let has_more = hits.len() > SEARCH_PAGE_SIZE;
        hits.truncate(SEARCH_PAGE_SIZE);
        let topic = config
            .topic_by_slug(&slug)
            .unwrap_or_else(|| config.topic());
        let mut meta = meta(&config, topic, Kind::Html, &[])?;
        if let Ok(url) = meta.root_url.join("search") {
            meta.self_url = url;
        }
        let body = publish::search::page(
            &meta,
            &topic_links(&config),
            &publish::search::SearchPage {
                query: &params.q,
                topic: params.topic.as_deref(),
                page: params.page,
                hits: &hits,
                has_more,
            },
        );
        Ok(Rendered::new(
            generation,
            body,
            Kind::Html,
            state_for_render.changes.changed_at(),
        ))
    })
    .await;
    match rendered {
        Ok(Ok(rendered)) => respond(&rendered, &headers),
        Ok(Err(message)) => server_error(&message),
        Err(join_error) => server_error(&join_error.to_string()),
    }
}

fn bad_request(message: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}

async fn healthz(State(state): State<Arc<ServerState>>) -> Response {
    let store = state.store.clone();
    let answer = tokio::task::spawn_blocking(move || store.lock().ping()).await;
    let last_poll = state.changes.last_poll.load(Ordering::SeqCst);
    let last_poll = match i64::try_from(last_poll).ok().filter(|t| *t > 0) {
        Some(t) => {
            DateTime::from_timestamp(t, 0).map_or_else(|| "never".to_owned(), |t| t.to_rfc3339())
        }
        None => "never".to_owned(),
    };
    match answer {
        Ok(Ok(())) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!("ok\nlast_poll: {last_poll}\n"),
        )
            .into_response(),
        Ok(Err(error)) => {
            tracing::error!(error = %crate::error::error_chain(&error), "health check: the database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
        Err(join_error) => server_error(&join_error.to_string()),
    }
}

async fn metrics(State(state): State<Arc<ServerState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.render(),
    )
        .into_response()
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "not found\n",
    )
        .into_response()
}

fn server_error(message: &str) -> Response {
    tracing::error!(error = %message, "cannot render a page");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "internal error; see the daemon's log\n",
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gzip_is_chosen_by_accept_encoding() {
        let with = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_str(value).unwrap(),
            );
            accepts_gzip(&headers)
        };
        assert!(with("gzip"));
        assert!(with("br, GZIP;q=0.5"));
        assert!(with("*"));
        assert!(!with("br"));
        assert!(!with("gzip;q=0"));
        assert!(!with("identity"));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn etags_compare_weakly_and_in_lists() {
        assert!(etag_matches("W/\"abc\"", "W/\"abc\""));
        assert!(etag_matches("\"abc\"", "W/\"abc\""));
        assert!(etag_matches("\"x\", W/\"abc\"", "W/\"abc\""));
        assert!(etag_matches("*", "W/\"abc\""));
        assert!(!etag_matches("W/\"abd\"", "W/\"abc\""));
    }

    #[test]
    fn search_parameters_are_bounded() {
        let ok = SearchParams::parse("q=sco+summit&page=2&topic=asia").unwrap();
        assert_eq!(
            ok,
            SearchParams {
                q: "sco summit".to_owned(),
                page: 2,
                topic: Some("asia".to_owned())
            }
        );
        let plain = SearchParams::parse("").unwrap();
        assert_eq!((plain.q.as_str(), plain.page, plain.topic), ("", 1, None));
        assert_eq!(SearchParams::parse("q=x&page=").unwrap().page, 1);
        assert_eq!(SearchParams::parse("q=%ZZ&q=second").unwrap().q, "%ZZ");
        for bad in [
            "page=0",
            "page=51",
            "page=-1",
            "page=two",
            "page=99999999999999999999999",
        ] {
            let error = SearchParams::parse(bad).unwrap_err();
            assert!(error.contains("page must be"), "{bad}: {error}");
        }
        let long = format!("q={}", "é".repeat(201));
        assert!(SearchParams::parse(&long).unwrap_err().contains("too long"));
        assert!(SearchParams::parse(&format!("q={}", "é".repeat(200))).is_ok());
    }

    #[test]
    fn http_dates_are_imf_fixdate() {
        let time = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
        let text = http_date(time);
        assert_eq!(text, "Mon, 21 Sep 2026 14:13:20 GMT");
        assert_eq!(
            DateTime::parse_from_rfc2822(&text).unwrap().timestamp(),
            1_790_000_000
        );
    }
}
