//! The store: the only module that writes SQL.
//!
//! The pipeline sees it as [`Storage`] (the traits in `storage`, with the
//! contract a backend keeps); [`Store`] is the SQLite implementation, one
//! file in WAL mode, migrated at open. The writes of one feed's fetch
//! result are one transaction, so a crash loses at most the fetches in
//! flight, never a committed story. Deliberately synchronous: async callers
//! run these methods on a blocking thread.

mod error;
mod handle;
mod pool;
mod sqlite;
mod storage;
mod types;

use std::path::Path;

pub use error::{Error, Result};
pub use handle::SharedStore;
pub use pool::ReadPool;
pub use sqlite::{
    MAX_TERMS, MIN_PREFIX_CHARS, Placement, SCHEMA_VERSION, Store, fts5_query, reason_text,
};
pub use storage::{
    FeedLog, INDEX_BATCH, Interrupt, Prune, SearchIndex, Storage, StoryReader, StoryWriter,
    TopicVerdicts,
};
pub use types::{
    AlsoReported, ApplyStats, CandidateCheck, CandidateChecks, FeedId, FeedRecord, FeedUpdate,
    Fragment, Highlighted, ItemVerdicts, Origin, PRUNE_BATCH, PRUNE_EVERY, PendingStory, Pruned,
    Recorded, ScoredStory, SearchHit, SearchQuery, SeedChange, Source, StoredStory, StoredVerdict,
    StoryId, StoryQuery,
};

/// Opens (creating if needed) the configured database as the pipeline uses
/// it. The one place that chooses a backend, so the daemon, the server and
/// the commands never name one: today every database is a SQLite file.
pub fn connect(database: &Path) -> Result<Box<dyn Storage>> {
    Ok(Box::new(Store::open(database)?))
}

/// A read connection with a small page cache (2 MiB), for the parse
/// workers' look-ups before a write (`StoryWriter::check_candidates`):
/// one per core, beside the writer's own cache, so each stays small; what
/// they read is in the operating system's cache anyway.
pub fn connect_checker(database: &Path) -> Result<Box<dyn Storage>> {
    let mut store = Store::open_existing(database)?;
    store.set_cache_kib(2048)?;
    Ok(Box::new(store))
}

/// [`connect`] for commands and requests that only read: a wrong path is an
/// error instead of a new, empty database.
pub fn connect_existing(database: &Path) -> Result<Box<dyn Storage>> {
    Ok(Box::new(Store::open_existing(database)?))
}
