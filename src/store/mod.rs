//! The store: the only module that writes SQL.
//!
//! The pipeline sees it as [`Storage`] (the traits in `storage`, with the
//! contract a backend keeps); [`Store`] is the SQLite implementation, one
//! file in WAL mode, migrated at open. The writes of one feed's fetch
//! result are one transaction, so a crash loses at most the fetches in
//! flight, never a committed story. Deliberately synchronous: async callers
//! run these methods on a blocking thread.

mod cluster;
mod handle;
mod migrate;
mod retention;
mod search;
#[cfg(test)]
mod search_tests;
mod storage;
mod topics;
#[cfg(test)]
mod topics_tests;

pub use search::{
    Fragment, Highlighted, INDEX_BATCH, MAX_TERMS, MIN_PREFIX_CHARS, SearchHit, SearchQuery,
    fts5_query,
};
pub use topics::{PendingStory, Recorded, ScoredStory, StoredVerdict, reason_text};

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params, params_from_iter};
use url::Url;

use crate::cluster::Fingerprint;
use crate::config::{Config, Topic};
use crate::normalize::{ContentHash, Item, Story};

pub use cluster::Placement;
pub use handle::SharedStore;
pub use migrate::SCHEMA_VERSION;
pub use retention::{PRUNE_BATCH, Pruned};
pub use storage::{FeedLog, Prune, SearchIndex, Storage, StoryReader, StoryWriter, TopicVerdicts};

/// What can go wrong with the database; every variant names what it was doing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot create the database folder {}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the database {}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("no database at {}; run `feedloom poll` first", path.display())]
    Missing { path: PathBuf },
    #[error(
        "the database has schema version {found}, newer than this feedloom knows ({known}); \
         upgrade feedloom or point it at another database"
    )]
    SchemaTooNew { found: u32, known: u32 },
    #[error("database migration {name} failed")]
    Migration {
        name: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("database query failed")]
    Sql(#[from] rusqlite::Error),
    /// A batched write this caller queued was taken by another thread,
    /// which crashed before it could say how it went.
    #[error("the write was lost: the thread writing it crashed; the next poll retries")]
    WriteLost,
    /// A store call panicked on its blocking thread: a bug, but the store
    /// is intact (the transaction rolled back).
    #[error("a database call crashed (a bug; please report it): {0}")]
    Crashed(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Row id of a feed. A newtype so that it cannot be swapped with a story id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FeedId(pub i64);

/// Row id of a story (internal; the public id is [`StoredStory::uid`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StoryId(pub i64);

/// What the store remembers about a feed between polls.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedRecord {
    pub id: FeedId,
    pub url: String,
    /// Title from the configuration.
    pub title: Option<String>,
    /// Title the feed gives itself.
    pub feed_title: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_status: Option<String>,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    /// Where a permanent redirect moved the feed; fetched instead of `url`.
    pub fetch_url: Option<String>,
    pub last_fetch_at: Option<DateTime<Utc>>,
    pub next_fetch_at: Option<DateTime<Utc>>,
    /// Not before this, as the server asked (429/503 Retry-After).
    pub retry_after: Option<DateTime<Utc>>,
    /// The server answered 410: not polled until the configuration changes.
    pub gone: bool,
    /// The digest of the last body parsed (see [`FeedUpdate::body_sha256`]).
    pub body_sha256: Option<String>,
}

/// The result of one successful fetch of one feed, ready to be written.
#[derive(Debug, Clone, Default)]
pub struct FeedUpdate {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub http_status: u16,
    pub feed_title: Option<String>,
    pub site_link: Option<Url>,
    pub items: Vec<Item>,
    /// SHA-256 of the Content-Type and body these items came from: the
    /// next response with the same digest is not parsed again.
    pub body_sha256: Option<String>,
}

/// Counts of what one [`StoryWriter::apply_update`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyStats {
    /// Stories seen for the first time anywhere.
    pub new_stories: usize,
    /// Items whose content was already stored (from another feed or another
    /// item): one more sighting, no new story.
    pub merged: usize,
    /// Items the feed re-published with edited content.
    pub updated: usize,
    /// Items already seen from this feed with the same content.
    pub unchanged: usize,
    /// Items whose id the feed had given before to a different story (new
    /// title, new link, other text): stored as new stories, the earlier
    /// story kept as it was.
    pub reused_ids: usize,
}

impl std::ops::AddAssign for ApplyStats {
    fn add_assign(&mut self, other: Self) {
        self.new_stories += other.new_stories;
        self.merged += other.merged;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.reused_ids += other.reused_ids;
    }
}

/// What importing one seed article did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedChange {
    Inserted,
    Updated,
    Unchanged,
    /// The article reads exactly like another seed's; it is not stored twice.
    Duplicate {
        of: String,
    },
}

/// Where a story came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Seed,
    Feed,
}

/// A stored story with its provenance, as the publishers need it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredStory {
    pub id: StoryId,
    /// Public id: fixed when the story is first stored, unchanged by edits.
    pub uid: String,
    pub origin: Origin,
    /// The seed file name, for seed stories.
    pub seed_key: Option<String>,
    pub title: String,
    pub link: Option<String>,
    pub author: Option<String>,
    pub content_html: String,
    pub content_text: String,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub first_seen_at: DateTime<Utc>,
    /// Last insert or content change: what a re-render depends on.
    pub changed_at: DateTime<Utc>,
    /// Every feed that carried it, first sighting first.
    pub sources: Vec<Source>,
    /// The other members of its near-duplicate cluster, as links to where
    /// they were reported ("Also reported by"), earliest first. Empty for a
    /// story alone in its cluster.
    pub also_reported_by: Vec<AlsoReported>,
}

/// Another outlet's report of the same event: one member of a story's
/// near-duplicate cluster, seen through one of its sources.
#[derive(Debug, Clone, PartialEq)]
pub struct AlsoReported {
    /// The member's public id (its own page is `/stories/{uid}`).
    pub uid: String,
    pub title: String,
    /// The item link of the source it was seen through, else the member's
    /// canonical link (which is the first source's: for a member carried
    /// by several feeds, each feed's own link is the right one).
    pub link: Option<String>,
    pub feed_url: String,
    /// Configured title, else the feed's own.
    pub feed_title: Option<String>,
}

/// One feed that carried a story.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub feed_url: String,
    /// Configured title, else the feed's own.
    pub feed_title: Option<String>,
    pub guid: String,
    pub link: Option<String>,
    pub seen_at: DateTime<Utc>,
}

/// Which stored stories to read, for a published document or an export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoryQuery {
    /// Only stories on this topic (its slug); `None`: every story.
    pub topic: Option<String>,
    /// With `topic`: only stories some of these feeds carried (their
    /// configured URLs) and seed articles. `None`: any feed.
    pub feeds: Option<Vec<String>>,
    /// At most this many; `None`: all.
    pub limit: Option<usize>,
    /// Skip this many first (paging).
    pub offset: usize,
}

impl StoryQuery {
    /// Every story, newest first, at most `limit`.
    pub fn all(limit: Option<usize>) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }

    /// What a topic publishes: its on-topic stories, from its feeds if it
    /// names some (matched to `[[feeds]]` by canonical URL, and given as the
    /// URLs the store knows them by).
    pub fn for_topic(config: &Config, topic: &Topic, limit: Option<usize>) -> Self {
        let feeds = topic.feeds.as_ref().map(|_| {
            config
                .feeds
                .iter()
                .filter(|feed| topic.admits_feed(&feed.url))
                .map(|feed| feed.url.as_str().to_owned())
                .collect()
        });
        Self {
            topic: Some(topic.slug.clone()),
            feeds,
            limit,
            offset: 0,
        }
    }

    /// Conditions over `stories` (each starting with AND) and their values
    /// (numbered from ?1).
    fn filter(&self) -> (String, Vec<Value>) {
        let mut clauses = Vec::new();
        let mut values = Vec::new();
        if let Some(topic) = &self.topic {
            values.push(Value::Text(topic.clone()));
            let t = values.len();
            // A member the topic takes: on it, and (with a feed list) one
            // of the topic's own seeds or carried by one of its feeds.
            let admitted = match &self.feeds {
                None => String::new(),
                Some(feeds) => {
                    let mut marks = Vec::new();
                    for url in feeds {
                        values.push(Value::Text(url.clone()));
                        marks.push(format!("?{}", values.len()));
                    }
                    let marks = if marks.is_empty() {
                        "NULL".to_owned()
                    } else {
                        marks.join(", ")
                    };
                    format!(
                        " AND (t.reason = 'seed' OR EXISTS (SELECT 1 FROM sightings g \
                         JOIN feeds f ON f.id = g.feed_id WHERE g.story_id = m.id \
                         AND f.url IN ({marks})))"
                    )
                }
            };
            // A cluster is on topic when a member it takes is: the founder
            // may be a terse wire item, a later member the detailed report.
            clauses.push(format!(
                "EXISTS (SELECT 1 FROM stories m JOIN story_topics t ON t.story_id = m.id \
                 WHERE m.cluster_id = stories.id AND t.topic = ?{t} AND t.on_topic{admitted})"
            ));
            // An exclude rule matching any member keeps the whole cluster
            // out: its entry shows the founder's text, which may be the
            // excluded one.
            clauses.push(format!(
                "NOT EXISTS (SELECT 1 FROM stories m JOIN story_topics t ON t.story_id = m.id \
                 WHERE m.cluster_id = stories.id AND t.topic = ?{t} AND t.reason LIKE 'exclude:%')"
            ));
        }
        // It follows `WHERE cluster_id = id`.
        let filter = clauses
            .iter()
            .map(|clause| format!(" AND {clause}"))
            .collect::<String>();
        (filter, values)
    }
}

/// Ids bound per `IN (…)` list when reading a page of stories: well under
/// SQLite's limit on bound parameters, however large the page.
const ID_CHUNK: usize = 500;

/// Newest first: publication date, else first seen; ties by insertion.
const NEWEST_FIRST: &str = "ORDER BY coalesce(published_at, first_seen_at) DESC, id DESC";

/// The published entries: one story per near-duplicate cluster, its founder.
const FOUNDERS: &str = "WHERE cluster_id = id";

/// The SQLite store. Not `Sync`: share it behind a mutex and use it from
/// blocking threads.
pub struct Store {
    conn: Connection,
}

/// Opens (creating if needed) the configured database as the pipeline uses
/// it. The one place that chooses a backend, so the daemon, the server and
/// the commands never name one: today every database is a SQLite file.
pub fn connect(database: &Path) -> Result<Box<dyn Storage>> {
    Ok(Box::new(Store::open(database)?))
}

/// [`connect`] for commands and requests that only read: a wrong path is an
/// error instead of a new, empty database.
pub fn connect_existing(database: &Path) -> Result<Box<dyn Storage>> {
    Ok(Box::new(Store::open_existing(database)?))
}

impl Store {
    /// Opens (creating if needed) the database at `path`, with its folder,
    /// and migrates it.
    pub fn open(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| Error::CreateDir {
                path: parent.to_owned(),
                source,
            })?;
        }
        let conn = Connection::open(path).map_err(|source| Error::Open {
            path: path.to_owned(),
            source,
        })?;
        Self::setup(conn, path)
    }

    /// Opens an existing database, for commands that only read: a wrong
    /// path is an error instead of a new, empty database.
    pub fn open_existing(path: &Path) -> Result<Self> {
        if !path.is_file() {
            return Err(Error::Missing {
                path: path.to_owned(),
            });
        }
        Self::open(path)
    }

    /// A private database in memory, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Self> {
        let conn = Connection::open_in_memory()?;
        Self::setup(conn, Path::new(":memory:"))
    }

    fn setup(mut conn: Connection, path: &Path) -> Result<Self> {
        let open_error = |source| Error::Open {
            path: path.to_owned(),
            source,
        };
        // WAL lets readers (the HTTP server, `export`) run while a poll
        // writes; NORMAL sync is durable across application crashes in WAL.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_error)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_error)?;
        conn.pragma_update(None, "foreign_keys", "ON")
            .map_err(open_error)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(open_error)?;
        // SQLite's default page cache is 2 MiB; a cold poll looks up band
        // keys and candidates all over the index and rereads pages through
        // pread. 16 MiB per connection keeps the hot part of the index.
        conn.pragma_update(None, "cache_size", -16_384)
            .map_err(open_error)?;
        // Checkpoint the WAL every 64 MiB instead of 4: the band index is
        // written at random places, and a page written many times between
        // two checkpoints is copied into the database once. A cold poll of
        // 1,000 feeds stored in 11–12 s instead of 14 s with 16 MiB; 128 MiB
        // gained nothing more. The file is cut back to that size after a
        // checkpoint, should a long reader have let it grow.
        conn.pragma_update(None, "wal_autocheckpoint", 16_384)
            .map_err(open_error)?;
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)
            .map_err(open_error)?;
        // The per-item statements of `apply_update` run tens of thousands of
        // times in a cold poll: parse each once. With the clustering,
        // scoring and search statements that share the connection there
        // are more than 32 of them.
        conn.set_prepared_statement_cache_capacity(64);
        migrate::migrate(&mut conn)?;
        cluster::backfill_bands(&mut conn)?;
        Ok(Self { conn })
    }

    /// The near-duplicate candidates of a story with this fingerprint among
    /// the stored ones, and the cluster it would join; writes nothing. For
    /// diagnostics and the benchmark.
    pub fn near_duplicates(&self, fingerprint: &Fingerprint) -> Result<Placement> {
        cluster::best_match(&self.conn, StoryId(0), fingerprint)
    }

    /// The most recent successful fetch of any feed (health checks).
    pub fn last_success(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(self
            .conn
            .query_row("SELECT max(last_success_at) FROM feeds", [], |row| {
                row.get::<_, Option<i64>>(0)
            })?
            .and_then(from_unix))
    }
}

impl FeedLog for Store {
    fn ensure_feed(
        &mut self,
        url: &Url,
        title: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<FeedRecord> {
        self.conn.execute(
            "INSERT INTO feeds (url, title, created_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (url) DO UPDATE SET title = excluded.title",
            params![url.as_str(), title, now.timestamp()],
        )?;
        self.feed(url)?
            .ok_or(Error::Sql(rusqlite::Error::QueryReturnedNoRows))
    }

    fn feed(&self, url: &Url) -> Result<Option<FeedRecord>> {
        Ok(self
            .conn
            .query_row(
                "SELECT id, url, title, feed_title, etag, last_modified, last_status,
                        last_error, consecutive_failures, fetch_url, last_fetch_at,
                        next_fetch_at, retry_after, gone, body_sha256
                 FROM feeds WHERE url = ?1",
                [url.as_str()],
                |row| {
                    Ok(FeedRecord {
                        id: FeedId(row.get(0)?),
                        url: row.get(1)?,
                        title: row.get(2)?,
                        feed_title: row.get(3)?,
                        etag: row.get(4)?,
                        last_modified: row.get(5)?,
                        last_status: row.get(6)?,
                        last_error: row.get(7)?,
                        consecutive_failures: row.get(8)?,
                        fetch_url: row.get(9)?,
                        last_fetch_at: row.get::<_, Option<i64>>(10)?.and_then(from_unix),
                        next_fetch_at: row.get::<_, Option<i64>>(11)?.and_then(from_unix),
                        retry_after: row.get::<_, Option<i64>>(12)?.and_then(from_unix),
                        gone: row.get(13)?,
                        body_sha256: row.get(14)?,
                    })
                },
            )
            .optional()?)
    }

    fn record_failure(
        &mut self,
        feed: FeedId,
        now: DateTime<Utc>,
        http_status: Option<u16>,
        message: &str,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE feeds SET last_fetch_at = ?2, last_status = 'error', http_status = ?3,
                    last_error = ?4, consecutive_failures = consecutive_failures + 1
             WHERE id = ?1",
            params![feed.0, now.timestamp(), http_status, message],
        )?;
        Ok(())
    }

    fn set_next_fetch(&mut self, feed: FeedId, at: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "UPDATE feeds SET next_fetch_at = ?2 WHERE id = ?1",
            params![feed.0, at.timestamp()],
        )?;
        Ok(())
    }

    fn set_retry_after(&mut self, feed: FeedId, at: Option<DateTime<Utc>>) -> Result<()> {
        self.conn.execute(
            // Nearly always unchanged (and NULL): then no page is written.
            "UPDATE feeds SET retry_after = ?2 WHERE id = ?1 AND retry_after IS NOT ?2",
            params![feed.0, at.map(|t| t.timestamp())],
        )?;
        Ok(())
    }

    fn set_fetch_url(&mut self, feed: FeedId, to: &Url) -> Result<()> {
        self.conn.execute(
            "UPDATE feeds SET fetch_url = ?2 WHERE id = ?1",
            params![feed.0, to.as_str()],
        )?;
        Ok(())
    }

    fn mark_gone(&mut self, feed: FeedId) -> Result<()> {
        self.conn
            .execute("UPDATE feeds SET gone = 1 WHERE id = ?1", [feed.0])?;
        Ok(())
    }

    fn apply_config_digest(&mut self, digest: &str) -> Result<bool> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let previous: Option<String> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'config_digest'",
                [],
                |row| row.get(0),
            )
            .optional()?;
        let changed = previous.as_deref() != Some(digest);
        if changed {
            tx.execute("UPDATE feeds SET gone = 0, fetch_url = NULL", [])?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('config_digest', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [digest],
            )?;
        }
        tx.commit()?;
        Ok(changed)
    }

    fn stories_per_feed(&self) -> Result<HashMap<String, i64>> {
        let mut statement = self.conn.prepare(
            "SELECT f.url, count(DISTINCT s.story_id)
             FROM feeds f LEFT JOIN sightings s ON s.feed_id = f.id
             GROUP BY f.id",
        )?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<HashMap<String, i64>>>()?)
    }

    fn record_not_modified(&mut self, feed: FeedId, now: DateTime<Utc>) -> Result<()> {
        self.conn.execute(
            "UPDATE feeds SET last_fetch_at = ?2, last_success_at = ?2,
                    last_status = 'not_modified', http_status = 304, last_error = NULL,
                    consecutive_failures = 0
             WHERE id = ?1",
            params![feed.0, now.timestamp()],
        )?;
        Ok(())
    }

    fn record_same_body(
        &mut self,
        feed: FeedId,
        now: DateTime<Utc>,
        etag: Option<&str>,
        last_modified: Option<&str>,
        http_status: u16,
    ) -> Result<()> {
        self.conn.execute(
            "UPDATE feeds SET etag = ?3, last_modified = ?4, last_fetch_at = ?2,
                    last_success_at = ?2, last_status = 'not_modified', http_status = ?5,
                    last_error = NULL, consecutive_failures = 0
             WHERE id = ?1",
            params![feed.0, now.timestamp(), etag, last_modified, http_status],
        )?;
        Ok(())
    }
}

impl StoryWriter for Store {
    /// One commit for many feeds is what makes a cold poll fast here: the
    /// band index and the other indexes are written at random places, and
    /// every page a transaction touches goes to the WAL once per commit,
    /// not once per feed.
    ///
    /// The batch is first written without savepoints: under a savepoint
    /// SQLite copies every page before its first change (the statement
    /// journal), and with the band index's random pages that copying was
    /// about a tenth of a cold poll. A feed the store refuses is rare, so
    /// only then is the batch rolled back and written again with a
    /// savepoint per feed, which leaves the refused feed out alone.
    fn apply_updates(
        &mut self,
        now: DateTime<Utc>,
        batch: &[(FeedId, &FeedUpdate)],
    ) -> Result<Vec<Result<ApplyStats>>> {
        {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let mut results = Vec::with_capacity(batch.len());
            for &(feed, update) in batch {
                match apply_feed(&tx, feed, now, update) {
                    Ok(stats) => results.push(Ok(stats)),
                    // Alone, the feed's error is the batch's result (the
                    // transaction rolls back when dropped).
                    Err(error) if batch.len() == 1 => return Ok(vec![Err(error)]),
                    Err(_) => break,
                }
            }
            if results.len() == batch.len() {
                tx.commit()?;
                return Ok(results);
            }
        }
        let mut tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut results = Vec::with_capacity(batch.len());
        for &(feed, update) in batch {
            let savepoint = tx.savepoint()?;
            match apply_feed(&savepoint, feed, now, update) {
                Ok(stats) => {
                    savepoint.commit()?;
                    results.push(Ok(stats));
                }
                Err(error) => {
                    // Dropping the savepoint rolls it back.
                    drop(savepoint);
                    // A full disk, an I/O error or no memory makes SQLite
                    // roll back the whole transaction itself: the feeds
                    // before this one are gone too, so none was written.
                    if tx.is_autocommit() {
                        return Err(error);
                    }
                    results.push(Err(error));
                }
            }
        }
        tx.commit()?;
        Ok(results)
    }

    fn upsert_seed(&mut self, key: &str, story: &Story, now: DateTime<Utc>) -> Result<SeedChange> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<(i64, String, Option<String>, Option<i64>)> = tx
            .query_row(
                "SELECT id, content_hash, link, published_at FROM stories WHERE seed_key = ?1",
                [key],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()?;
        let holder = story_by_hash(&tx, &story.content_hash)?;
        let link = story.link.as_ref().map(Url::as_str);
        let published = story.published.map(|t| t.timestamp());
        let change = match (existing, holder) {
            // The hash covers title and text; front matter can also change
            // the link and the date.
            (Some((_, hash, old_link, old_published)), _)
                if hash == story.content_hash.as_str()
                    && old_link.as_deref() == link
                    && old_published == published =>
            {
                SeedChange::Unchanged
            }
            (Some((id, ..)), Some(other)) if other.0 != id => {
                // The edited seed now reads exactly like another stored
                // story: keep both as they are rather than merge two
                // identities.
                duplicate_of(&tx, other, key)?
            }
            (Some((id, ..)), _) => {
                update_story_content(&tx, StoryId(id), story, now)?;
                SeedChange::Updated
            }
            (None, Some(other)) => {
                let owner: Option<String> = tx.query_row(
                    "SELECT seed_key FROM stories WHERE id = ?1",
                    [other.0],
                    |row| row.get(0),
                )?;
                if owner.is_some() {
                    duplicate_of(&tx, other, key)?
                } else {
                    // A feed carried this very article before it became a
                    // seed: the story becomes the seed's, and the seed's
                    // title, link and date win.
                    tx.execute(
                        "UPDATE stories SET seed_key = ?2, origin = 'seed' WHERE id = ?1",
                        params![other.0, key],
                    )?;
                    update_story_content(&tx, other, story, now)?;
                    SeedChange::Updated
                }
            }
            (None, None) => {
                insert_story(&tx, "seed", Some(key), story, now)?;
                SeedChange::Inserted
            }
        };
        tx.commit()?;
        Ok(change)
    }
}

impl StoryReader for Store {
    fn stories(&self, query: &StoryQuery) -> Result<Vec<StoredStory>> {
        let (filter, mut values) = query.filter();
        let limit = query
            .limit
            .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        values.push(Value::Integer(limit));
        values.push(Value::Integer(
            i64::try_from(query.offset).unwrap_or(i64::MAX),
        ));
        let n = values.len();
        // One snapshot for the page, its stories, their sources and their
        // clusters: a poll committing between the queries must not show up
        // in one part only.
        let tx = self.conn.unchecked_transaction()?;
        // The page is chosen once (its filter may be the costly part); the
        // rest is read by id.
        let ids: Vec<i64> = tx
            .prepare_cached(&format!(
                "SELECT id FROM stories {FOUNDERS} {filter} {NEWEST_FIRST} LIMIT ?{} OFFSET ?{n}",
                n - 1
            ))?
            .query_map(params_from_iter(&values), |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut stories = Vec::with_capacity(ids.len());
        let mut grouped: HashMap<StoryId, Vec<Source>> = HashMap::new();
        let mut members = HashMap::new();
        for chunk in ids.chunks(ID_CHUNK) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let mut statement = tx.prepare_cached(&format!(
                "SELECT {STORY_COLUMNS} FROM stories WHERE id IN ({marks})"
            ))?;
            for story in statement.query_map(params_from_iter(chunk), story_from_row)? {
                stories.push(story?);
            }
            drop(statement);
            let mut statement = tx.prepare_cached(&format!(
                "SELECT {SOURCE_COLUMNS} FROM sightings s JOIN feeds f ON f.id = s.feed_id
                 WHERE s.story_id IN ({marks})
                 ORDER BY s.seen_at, s.id"
            ))?;
            for row in statement.query_map(params_from_iter(chunk), source_from_row)? {
                let (story, source) = row?;
                grouped.entry(story).or_default().push(source);
            }
            drop(statement);
            members.extend(cluster::member_rows(
                &tx,
                &format!("IN ({marks})"),
                params_from_iter(chunk),
            )?);
        }
        tx.commit()?;
        // In the page's order.
        let position: HashMap<i64, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        stories.sort_by_key(|story: &StoredStory| position.get(&story.id.0).copied());
        for story in &mut stories {
            story.sources = grouped.remove(&story.id).unwrap_or_default();
            if let Some(rows) = members.get(&story.id.0) {
                cluster::attach(story, rows);
            }
        }
        Ok(stories)
    }

    fn story_by_uid(&self, uid: &str) -> Result<Option<StoredStory>> {
        let tx = self.conn.unchecked_transaction()?;
        let story = tx
            .query_row(
                &format!("SELECT {STORY_COLUMNS}, cluster_id FROM stories WHERE uid = ?1"),
                [uid],
                |row| Ok((story_from_row(row)?, row.get::<_, i64>(STORY_COLUMN_COUNT)?)),
            )
            .optional()?;
        let Some((mut story, cluster_id)) = story else {
            return Ok(None);
        };
        let mut statement = tx.prepare(&format!(
            "SELECT {SOURCE_COLUMNS} FROM sightings s JOIN feeds f ON f.id = s.feed_id
             WHERE s.story_id = ?1 ORDER BY s.seen_at, s.id"
        ))?;
        story.sources = statement
            .query_map([story.id.0], |row| {
                source_from_row(row).map(|(_, source)| source)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        drop(statement);
        let members = cluster::member_rows(&tx, "= ?1", [cluster_id])?;
        tx.commit()?;
        if let Some(rows) = members.get(&cluster_id) {
            cluster::attach(&mut story, rows);
        }
        Ok(Some(story))
    }

    fn ping(&self) -> Result<()> {
        self.conn.query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }

    fn story_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM stories", [], |row| row.get(0))?)
    }
}

/// Writes one feed item: see the schema's comment on `sightings` for why the
/// sighting keeps the hash the feed last sent.
/// One feed's fetch: its items, then its row.
fn apply_feed(
    tx: &Connection,
    feed: FeedId,
    now: DateTime<Utc>,
    update: &FeedUpdate,
) -> Result<ApplyStats> {
    let mut stats = ApplyStats::default();
    for item in &update.items {
        apply_item(tx, feed, now, item, &mut stats)?;
    }
    tx.prepare_cached(
        "UPDATE feeds SET etag = ?2, last_modified = ?3, last_fetch_at = ?4,
                last_success_at = ?4, last_status = 'ok', http_status = ?5,
                last_error = NULL, consecutive_failures = 0,
                feed_title = coalesce(?6, feed_title), site_link = coalesce(?7, site_link),
                body_sha256 = ?8, last_parsed_at = ?4
         WHERE id = ?1",
    )?
    .execute(params![
        feed.0,
        update.etag,
        update.last_modified,
        now.timestamp(),
        update.http_status,
        update.feed_title,
        update.site_link.as_ref().map(Url::as_str),
        update.body_sha256,
    ])?;
    Ok(stats)
}

fn apply_item(
    tx: &Connection,
    feed: FeedId,
    now: DateTime<Utc>,
    item: &Item,
    stats: &mut ApplyStats,
) -> Result<()> {
    let hash = &item.story.content_hash;
    let link = item.story.link.as_ref().map(Url::as_str);
    let sighting: Option<(i64, i64, String)> = tx
        .prepare_cached(
            "SELECT id, story_id, content_hash FROM sightings WHERE feed_id = ?1 AND guid = ?2",
        )?
        .query_row(params![feed.0, item.guid], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    let holder = story_by_hash(tx, hash)?;
    let sighting = match sighting {
        Some((sighting_id, old, ref last_hash))
            if last_hash != hash.as_str() && !is_same_story(tx, StoryId(old), &item.story)? =>
        {
            // The feed gave this id to another story (a CMS that reuses
            // ids, a feed whose every item carries the site's URL as its
            // guid): the earlier story stays as it was, under its sighting
            // renamed out of the way, and the item is a new one.
            let retired = format!("{}{RETIRED_GUID}{sighting_id}", item.guid);
            tx.prepare_cached("UPDATE sightings SET guid = ?2 WHERE id = ?1")?
                .execute(params![sighting_id, retired])?;
            stats.reused_ids += 1;
            None
        }
        sighting => sighting,
    };
    match sighting {
        Some((sighting_id, _, ref last_hash)) if last_hash == hash.as_str() => {
            tx.prepare_cached("UPDATE sightings SET last_seen_at = ?2, link = ?3 WHERE id = ?1")?
                .execute(params![sighting_id, now.timestamp(), link])?;
            stats.unchanged += 1;
        }
        Some((sighting_id, old, _)) => {
            // The feed edited an item it had published before.
            let old = StoryId(old);
            let target = match holder {
                Some(existing) => existing,
                None if only_this_feed_has(tx, old)? => {
                    update_story_content(tx, old, &item.story, now)?;
                    old
                }
                // Other feeds (or a seed) still have the old version: leave
                // theirs alone and give this feed's version its own story.
                None => insert_story(tx, "feed", None, &item.story, now)?,
            };
            tx.prepare_cached("UPDATE sightings SET story_id = ?2, content_hash = ?3, link = ?4, last_seen_at = ?5
                 WHERE id = ?1")?.execute(
                params![sighting_id, target.0, hash.as_str(), link, now.timestamp()],
            )?;
            if target != old {
                // The old version was this feed's alone: it is superseded.
                cluster::delete_superseded(tx, old, now)?;
            }
            stats.updated += 1;
        }
        None => {
            let story = match holder {
                Some(existing) => {
                    stats.merged += 1;
                    existing
                }
                None => {
                    stats.new_stories += 1;
                    insert_story(tx, "feed", None, &item.story, now)?
                }
            };
            tx.prepare_cached("INSERT INTO sightings (story_id, feed_id, guid, link, content_hash, seen_at, last_seen_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)")?.execute(
                params![story.0, feed.0, item.guid, link, hash.as_str(), now.timestamp()],
            )?;
        }
    }
    Ok(())
}

/// Marks a sighting whose guid the feed later reused for another story:
/// the guid, this, then the sighting's id (unique, and U+001F cannot occur
/// in an XML id). [`source_from_row`] shows the guid without it.
const RETIRED_GUID: char = '\u{1f}';

/// Whether `item`, arriving under the id of the stored story `old`, is an
/// edit of it rather than another story: it keeps the link, or a fifth of
/// its wording, or its title where there are no links to compare. A story
/// that keeps none of these is, for a reader, a different story.
fn is_same_story(tx: &Connection, old: StoryId, item: &Story) -> Result<bool> {
    let (title, link, text): (String, Option<String>, String) = tx
        .prepare_cached("SELECT title, link, content_text FROM stories WHERE id = ?1")?
        .query_row([old.0], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    if link.is_some() && link.as_deref() == item.link.as_ref().map(Url::as_str) {
        return Ok(true);
    }
    let theirs = crate::cluster::shingles(&title, &text);
    let similarity = crate::cluster::similarity(item.fingerprint.shingles(), &theirs);
    if similarity.containment >= SAME_STORY_CONTAINMENT {
        return Ok(true);
    }
    // Rewritten under the same headline: an edit, unless the links say
    // otherwise.
    let same_title = title.trim().eq_ignore_ascii_case(item.title.trim());
    Ok(same_title && (link.is_none() || item.link.is_none()))
}

/// The share of the shorter version's 3-word shingles an edit keeps, at
/// least. Corrections, updates and added paragraphs keep far more; two
/// unrelated stories share almost none.
const SAME_STORY_CONTAINMENT: f64 = 0.2;

/// True when `story` came from feeds and this feed's sighting is its only
/// one, so an edit may change it in place.
fn only_this_feed_has(tx: &Connection, story: StoryId) -> Result<bool> {
    Ok(tx
        .prepare_cached(
            // Retired sightings (see `RETIRED_GUID`) do not count: the feed
            // carries the story under its live one only.
            "SELECT origin = 'feed'
                    AND (SELECT count(*) FROM sightings
                         WHERE story_id = ?1 AND instr(guid, char(31)) = 0) = 1
         FROM stories WHERE id = ?1",
        )?
        .query_row([story.0], |row| row.get(0))?)
}

/// Reports `key` as a duplicate of the seed (or story) `other`.
fn duplicate_of(tx: &Connection, other: StoryId, key: &str) -> Result<SeedChange> {
    let of: Option<String> = tx
        .prepare_cached("SELECT coalesce(seed_key, title) FROM stories WHERE id = ?1")?
        .query_row([other.0], |row| row.get(0))?;
    let of = of.unwrap_or_default();
    tracing::warn!(seed = key, duplicate_of = %of, "seed has the same content as another story; not stored twice");
    Ok(SeedChange::Duplicate { of })
}

fn story_by_hash(tx: &Connection, hash: &ContentHash) -> Result<Option<StoryId>> {
    Ok(tx
        .prepare_cached("SELECT id FROM stories WHERE content_hash = ?1")?
        .query_row([hash.as_str()], |row| row.get(0).map(StoryId))
        .optional()?)
}

/// Inserts a story with a fresh public id: 128 random bits from SQLite,
/// fixed for the story's life (edits keep it), never derived from content
/// that could come back. The story joins its near-duplicate cluster, or
/// founds one.
fn insert_story(
    tx: &Connection,
    origin: &str,
    seed_key: Option<&str>,
    story: &Story,
    now: DateTime<Utc>,
) -> Result<StoryId> {
    // The cluster is chosen before the row exists, so the row is written
    // once with its final `cluster_id`: a story's record holds its whole
    // text, and an UPDATE rewrites all of it. The id is chosen here too
    // (max + 1, what SQLite would pick; this connection is the only
    // writer inside its transaction), so a founder can name itself.
    let placement = cluster::choose(tx, &story.fingerprint)?;
    tx.prepare_cached(
        "INSERT INTO stories (id, uid, content_hash, origin, seed_key, title, link, author,
                              content_html, content_text, published_at, updated_at,
                              first_seen_at, changed_at, cluster_id)
         SELECT n, lower(hex(randomblob(16))), ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11,
                coalesce(?12, n)
         FROM (SELECT coalesce(max(id), 0) + 1 AS n FROM stories)",
    )?
    .execute(params![
        story.content_hash.as_str(),
        origin,
        seed_key,
        story.title,
        story.link.as_ref().map(Url::as_str),
        story.author,
        story.content_html,
        story.content_text,
        plausible(story.published, now),
        plausible(story.updated, now),
        now.timestamp(),
        placement.joined.map(|cluster| cluster.0),
    ])?;
    let id = StoryId(tx.last_insert_rowid());
    cluster::index_new(tx, id, &story.fingerprint, &placement, now)?;
    Ok(id)
}

/// A feed's date as stored: one more than a day ahead of `now` is a wrong
/// clock or a placeholder ("2099-12-31"), and kept it would pin the story
/// to the top of every newest-first feed for decades; it is dropped, so
/// the story sorts by when it was first seen.
fn plausible(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<i64> {
    at.filter(|at| *at <= now + chrono::Duration::days(1))
        .map(|at| at.timestamp())
}

/// Rewrites a story's content in place (same id and uid), re-indexing it
/// for clustering.
fn update_story_content(
    tx: &Connection,
    id: StoryId,
    story: &Story,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.prepare_cached(
        "UPDATE stories SET content_hash = ?2, title = ?3, link = ?4, author = ?5,
                content_html = ?6, content_text = ?7, published_at = ?8, updated_at = ?9,
                changed_at = ?10
         WHERE id = ?1",
    )?
    .execute(params![
        id.0,
        story.content_hash.as_str(),
        story.title,
        story.link.as_ref().map(Url::as_str),
        story.author,
        story.content_html,
        story.content_text,
        plausible(story.published, now),
        plausible(story.updated, now),
        now.timestamp(),
    ])?;
    cluster::place_edited(tx, id, &story.fingerprint, now)?;
    Ok(())
}

/// The columns [`story_from_row`] reads, in its order.
const STORY_COLUMNS: &str = "id, uid, origin, seed_key, title, link, author, content_html, \
     content_text, published_at, updated_at, first_seen_at, changed_at";
/// How many columns [`STORY_COLUMNS`] names.
const STORY_COLUMN_COUNT: usize = 13;

fn story_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredStory> {
    let origin: String = row.get(2)?;
    Ok(StoredStory {
        id: StoryId(row.get(0)?),
        uid: row.get(1)?,
        origin: if origin == "seed" {
            Origin::Seed
        } else {
            Origin::Feed
        },
        seed_key: row.get(3)?,
        title: row.get(4)?,
        link: row.get(5)?,
        author: row.get(6)?,
        content_html: row.get(7)?,
        content_text: row.get(8)?,
        published_at: row.get::<_, Option<i64>>(9)?.and_then(from_unix),
        updated_at: row.get::<_, Option<i64>>(10)?.and_then(from_unix),
        first_seen_at: from_unix(row.get(11)?).unwrap_or_default(),
        changed_at: from_unix(row.get(12)?).unwrap_or_default(),
        sources: Vec::new(),
        also_reported_by: Vec::new(),
    })
}

/// The columns [`source_from_row`] reads, over `sightings s JOIN feeds f`.
const SOURCE_COLUMNS: &str =
    "s.story_id, f.url, coalesce(f.title, f.feed_title), s.guid, s.link, s.seen_at";

fn source_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(StoryId, Source)> {
    Ok((
        StoryId(row.get(0)?),
        Source {
            feed_url: row.get(1)?,
            feed_title: row.get(2)?,
            guid: {
                let mut guid: String = row.get(3)?;
                if let Some(at) = guid.find(RETIRED_GUID) {
                    guid.truncate(at);
                }
                guid
            },
            link: row.get(4)?,
            seen_at: from_unix(row.get(5)?).unwrap_or_default(),
        },
    ))
}

fn from_unix(seconds: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(seconds, 0)
}

#[cfg(test)]
mod tests;
