//! Documents are rendered once per change and cached: thousands of readers
//! polling cost a hash-map lookup and, mostly, a 304. The daemon bumps
//! [`Changes`] when stories or the configuration change; the cache keys on
//! that generation, so invalidating it is one atomic increment.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use axum::body::Bytes;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::kind::Kind;

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
    /// A change noted ([`Changes::note`]) and not yet published.
    pending: AtomicBool,
}

impl Default for Changes {
    fn default() -> Self {
        Self {
            pending: AtomicBool::new(false),
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

    /// Notes that the stored stories changed, for the daemon to publish
    /// ([`Changes::take_noted`], then [`Changes::bump`]) together with the
    /// others of the same moment: a poll slot of 50 fetched feeds is one
    /// new generation, not 50 (each of which emptied the cache and the
    /// page marks while readers were asking for them).
    pub fn note(&self) {
        self.pending.store(true, Ordering::SeqCst);
    }

    /// Whether a change was noted since the last call.
    pub fn take_noted(&self) -> bool {
        self.pending.swap(false, Ordering::SeqCst)
    }

    pub(super) fn changed_at(&self) -> DateTime<Utc> {
        let seconds = i64::try_from(self.changed_at.load(Ordering::SeqCst)).unwrap_or(0);
        DateTime::from_timestamp(seconds, 0).unwrap_or_default()
    }

    pub(super) fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    /// Records that a feed poll finished at `at`.
    pub fn polled(&self, at: DateTime<Utc>) {
        self.last_poll.store(unix(at), Ordering::SeqCst);
    }

    /// When the last poll finished; `None` before the first.
    pub(super) fn last_poll(&self) -> Option<DateTime<Utc>> {
        let last_poll = self.last_poll.load(Ordering::SeqCst);
        i64::try_from(last_poll)
            .ok()
            .filter(|t| *t > 0)
            .and_then(|t| DateTime::from_timestamp(t, 0))
    }
}

/// Cached documents besides each topic's own (its feeds and river at the
/// default limit, always cached): other `?limit=` values and river pages
/// beyond this many are rendered on demand, so a crawler walking pages or
/// limits can never push the subscribed feeds out.
const MAX_CACHED_EXTRA: usize = 32;

/// What a cached document was rendered for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct DocumentKey {
    pub(super) kind: Kind,
    /// The item limit; 0 for OPML, which has none.
    pub(super) limit: usize,
    pub(super) slug: String,
    /// The river's page; 1 for every other kind.
    pub(super) page: usize,
    /// The river's `?before=` story (a uid); `None` for every other kind.
    pub(super) before: Option<String>,
}

impl DocumentKey {
    /// A topic's own document, the one its subscribers poll: always cached.
    fn is_standard(&self, feed_items: usize) -> bool {
        self.kind == Kind::Opml
            || (self.page == 1 && self.before.is_none() && self.limit == feed_items)
    }
}

/// What a search page was rendered for (its generation is beside it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct SearchKey {
    pub(super) q: String,
    /// The topic searched (its slug) and whether the query named it (the
    /// page's links keep `topic=` only then).
    pub(super) topic: String,
    pub(super) named_topic: bool,
    pub(super) page: usize,
}

/// Search pages bounded in bytes: the same query asked again (a reload, a
/// flood of it) costs a lookup until the next change, while a flood of
/// distinct queries only turns the oldest out.
pub(super) struct SearchCache {
    pages: quick_cache::sync::Cache<(SearchKey, u64), Arc<Rendered>, BodyBytes>,
}

/// The cache's bound, in bytes of page bodies.
const SEARCH_CACHE_BYTES: u64 = 8 << 20;

/// Weighs a page by its body.
#[derive(Clone)]
struct BodyBytes;

impl quick_cache::Weighter<(SearchKey, u64), Arc<Rendered>> for BodyBytes {
    fn weight(&self, key: &(SearchKey, u64), page: &Arc<Rendered>) -> u64 {
        u64::try_from(page.body.len() + key.0.q.len()).unwrap_or(u64::MAX)
    }
}

impl Default for SearchCache {
    fn default() -> Self {
        Self {
            // About 20 KB a page.
            pages: quick_cache::sync::Cache::with_weighter(400, SEARCH_CACHE_BYTES, BodyBytes),
        }
    }
}

impl SearchCache {
    /// The page for `key` rendered at `generation`, if kept.
    pub(super) fn get(&self, key: &SearchKey, generation: u64) -> Option<Arc<Rendered>> {
        self.pages.get(&(key.clone(), generation))
    }

    pub(super) fn insert(&self, key: SearchKey, page: Arc<Rendered>) {
        self.pages.insert((key, page.generation), page);
    }
}

/// A rendered document with its validators.
pub(super) struct Rendered {
    pub(super) generation: u64,
    pub(super) body: Bytes,
    /// The body gzipped, made on the first request that accepts gzip and
    /// kept: most feed readers ask for gzip, and compressing per request
    /// would cost more than everything else a cached response does.
    gzipped: OnceLock<Option<Bytes>>,
    pub(super) content_type: &'static str,
    pub(super) etag: String,
    pub(super) last_modified: DateTime<Utc>,
}

impl Rendered {
    /// The ETag is weak (`W/`): the compression layer may send the same
    /// document in several encodings, which a strong tag would forbid.
    pub(super) fn new(
        generation: u64,
        body: String,
        kind: Kind,
        last_modified: DateTime<Utc>,
    ) -> Self {
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

    /// The gzipped body (`None` if compression failed: then it is sent
    /// as is, and the compression layer may still compress it).
    pub(super) fn gzipped(&self) -> Option<Bytes> {
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

/// The documents of the newest generation, shared by every handler.
#[derive(Default)]
pub(super) struct DocumentCache {
    documents: Mutex<HashMap<DocumentKey, Arc<Rendered>>>,
}

impl DocumentCache {
    fn documents(&self) -> MutexGuard<'_, HashMap<DocumentKey, Arc<Rendered>>> {
        match self.documents.lock() {
            Ok(documents) => documents,
            // A cache holds no invariant a panic could break.
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The document cached under `key`, if it was rendered at `generation`.
    pub(super) fn get(&self, key: &DocumentKey, generation: u64) -> Option<Arc<Rendered>> {
        self.documents()
            .get(key)
            .filter(|doc| doc.generation == generation)
            .cloned()
    }

    /// The copy of `key` cached last, whatever its generation: what a reader
    /// gets while the current one is being rendered.
    pub(super) fn latest(&self, key: &DocumentKey) -> Option<Arc<Rendered>> {
        self.documents().get(key).cloned()
    }

    /// Keeps `rendered` if it is of the newest generation and there is room
    /// (`feed_items` is the configured default limit: documents at it are
    /// the standard ones, always kept).
    pub(super) fn insert(
        &self,
        key: DocumentKey,
        rendered: Arc<Rendered>,
        changes: &Changes,
        feed_items: usize,
    ) {
        let mut documents = self.documents();
        // Keep only the newest generation; a slow render of an older
        // one must not evict newer documents. Read under the lock, so that
        // inserts see the generations in order.
        let newest = changes.generation();
        documents.retain(|_, doc| doc.generation == newest);
        let extra = documents
            .keys()
            .filter(|key| !key.is_standard(feed_items))
            .count();
        if rendered.generation == newest
            && (key.is_standard(feed_items) || extra < MAX_CACHED_EXTRA)
        {
            documents.insert(key, rendered);
        }
    }
}
