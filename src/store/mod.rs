//! The store: the only module that writes SQL.
//!
//! The pipeline sees it as [`Storage`] (the traits in `storage`, with the
//! contract a backend keeps); [`Store`] is the SQLite implementation, one
//! file in WAL mode, migrated at open. The writes of one feed's fetch
//! result are one transaction, so a crash loses at most the fetches in
//! flight, never a committed story. Deliberately synchronous: async callers
//! run these methods on a blocking thread.

pub mod copy;
mod error;
mod handle;
mod pool;
pub mod postgres;
mod search_terms;
mod sqlite;
mod storage;
mod types;

use std::path::Path;

use crate::config::Database;

pub use error::{Error, Result};
pub use handle::SharedStore;
pub use pool::ReadPool;
pub use search_terms::{MAX_TERMS, MIN_PREFIX_CHARS, Term, search_terms};
pub use sqlite::{Placement, SCHEMA_VERSION, Store, configure_sqlite, fts5_query, reason_text};
pub use storage::{
    Claim, FeedLog, INDEX_BATCH, Interrupt, Nodes, Prune, SearchIndex, Storage, StoryReader,
    StoryWriter, TopicVerdicts,
};
pub use types::{
    AlsoReported, ApplyStats, CachedArticle, CandidateCheck, CandidateChecks, FeedId, FeedRecord,
    FeedUpdate, FetchedArticle, Fragment, Highlighted, ItemVerdicts, Origin, PRUNE_BATCH,
    PRUNE_EVERY, PendingStory, Pruned, Recorded, ScoredStory, SearchHit, SearchQuery, SeedChange,
    Source, StoredStory, StoredVerdict, StoryId, StoryQuery,
};

/// Opens (creating if needed) the configured database as the pipeline uses
/// it. The one place that chooses a backend, so the daemon, the server and
/// the commands never name one.
pub fn connect(database: &Database) -> Result<Box<dyn Storage>> {
    match database {
        Database::Sqlite(path) => Ok(Box::new(Store::open(path)?)),
        Database::Postgres(url) => Ok(Box::new(postgres::Store::open(url.connect_str())?)),
    }
}

/// A read connection with a small page cache (2 MiB), for the parse
/// workers' look-ups before a write (`StoryWriter::check_candidates`):
/// one per core, beside the writer's own cache, so each stays small; what
/// they read is in the operating system's cache anyway.
pub fn connect_checker(database: &Database) -> Result<Box<dyn Storage>> {
    match database {
        Database::Sqlite(path) => {
            let mut store = Store::open_existing(path)?;
            store.set_cache_kib(2048)?;
            Ok(Box::new(store))
        }
        Database::Postgres(_) => connect_existing(database),
    }
}

/// [`connect`] for commands and requests that only read: a wrong path is an
/// error instead of a new, empty database.
pub fn connect_existing(database: &Database) -> Result<Box<dyn Storage>> {
    match database {
        Database::Sqlite(path) => Ok(Box::new(Store::open_existing(path)?)),
        Database::Postgres(url) => Ok(Box::new(postgres::Store::open_existing(url.connect_str())?)),
    }
}

/// Whether the configured database exists already (a PostgreSQL server is
/// assumed to: it is reached, and refused, on connecting).
pub fn exists(database: &Database) -> bool {
    database.sqlite_path().is_none_or(Path::exists)
}

#[cfg(test)]
pub(crate) mod tests;
