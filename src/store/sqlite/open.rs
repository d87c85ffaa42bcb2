//! The SQLite store: one file in WAL mode, opened with its pragmas and
//! migrated, and the diagnostics that read it outside the storage traits.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use rusqlite::config::DbConfig;

use super::band_filter::BandFilter;
use super::band_index::{self, Mover};
use super::cluster::{self, Placement};
use super::migrate;
use super::rows::from_unix;
use crate::normalize::Story;
use crate::store::error::{Error, Result};

/// The SQLite store. Not `Sync`: share it behind a mutex and use it from
/// blocking threads.
pub struct Store {
    pub(super) conn: Connection,
    /// Which band keys are stored, for this connection's writes (see
    /// `band_filter`); built only on a connection that places stories.
    pub(super) bands: BandFilter,
    /// The page cache this connection set for itself as a writer, in KiB
    /// (see [`writer_cache_kib`]); `None` before its first batch.
    writer_cache: Option<u32>,
    /// The database file; `None` for a store in memory, which moves its
    /// band keys inline (see `band_index`).
    pub(super) database: Option<PathBuf>,
    /// This connection's band mover, started at its first move due.
    pub(super) mover: Option<Mover>,
}

/// The page cache of a connection at open, in KiB (the writer's is sized
/// by [`writer_cache_kib`] at its first batch).
const CACHE_KIB: u32 = 16 * 1024;

/// The writer's page cache for a small database, in KiB.
const MIN_WRITER_CACHE_KIB: u32 = 4 * 1024;

/// The most the writer's page cache grows to, in KiB.
const MAX_WRITER_CACHE_KIB: u32 = 64 * 1024;

/// The page cache the writer keeps for a database of `bytes`:
/// [`MIN_WRITER_CACHE_KIB`] up to 384 MiB, then a 16th of what is beyond
/// (12 MiB at 512 MiB), up to [`MAX_WRITER_CACHE_KIB`] (reached at 1.31
/// GiB). A cold poll writes stories and indexes all over a file that grows
/// with them; with 16 MiB, at 500,000 stories (a 3.6 GB file) a fifth of
/// the writer's time went to reading pages again through `pread`, and 64
/// MiB polled 10,000 feeds × 50 items in 196 s instead of 224 s (peak RSS
/// 165 against 111 MB, within the 256 MB wanted at that size). Below that,
/// since the band filter spares the writer its look-ups and the large band
/// index is moved into by another connection (`band_index`), 4 MiB polled
/// 1,000 feeds (a 340 MB file) as fast as 8 MiB, for a peak RSS 10 MB
/// lower (benches/RESULTS.md).
pub(super) fn writer_cache_kib(bytes: u64) -> u32 {
    let beyond = bytes.saturating_sub(384 * 1024 * 1024) / 16 / 1024;
    u32::try_from(beyond)
        .unwrap_or(u32::MAX)
        .saturating_add(MIN_WRITER_CACHE_KIB)
        .min(MAX_WRITER_CACHE_KIB)
}

impl Store {
    /// Opens (creating if needed) the database at `path`, with its folder,
    /// and migrates it.
    pub fn open(path: &Path) -> Result<Self> {
        super::owner::refuse_root_on_anothers(path)?;
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
        Self::setup(conn, Some(path))
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
        Self::setup(conn, None)
    }

    fn setup(mut conn: Connection, database: Option<&Path>) -> Result<Self> {
        let path = database.unwrap_or(Path::new(":memory:"));
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
        // pread. 16 MiB per connection keeps the hot part of the index (the
        // writer's grows with the file: `writer_cache_kib`).
        conn.pragma_update(None, "cache_size", -i64::from(CACHE_KIB))
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
        // Statement journals in memory. A statement that may fail half-way
        // (a story's INSERT, whose triggers queue it for search) copies each
        // page it touches first into a journal of its own; SQLite keeps
        // that journal in memory up to 64 KiB, then in a temporary file for
        // the rest of the transaction, and a poll's long transactions
        // passed that early: a 14th of a cold poll's CPU was spent
        // writing those copies to a file nobody reads back. Each statement
        // journal is emptied when its statement ends, so it stays a few
        // pages; retention's temporary table holds at most a batch of ids.
        conn.pragma_update(None, "temp_store", "MEMORY")
            .map_err(open_error)?;
        // Plan each statement once. SQLite (built with STAT4) otherwise
        // marks a statement whose WHERE compares an indexed column with a
        // bound value, and plans it again when the value changes: the band
        // look-ups, sixteen per story, were re-prepared every few calls, a
        // sixth of their time. feedloom runs no ANALYZE, so a new plan is
        // never a better one.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)
            .map_err(open_error)?;
        // The per-item statements of `apply_update` run tens of thousands of
        // times in a cold poll: parse each once. With the clustering,
        // scoring and search statements that share the connection there
        // are more than 32 of them.
        conn.set_prepared_statement_cache_capacity(64);
        migrate::migrate(&mut conn)?;
        if let Some(database) = database {
            band_index::prepare(database)?;
        }
        band_index::attach(&conn, database)?;
        cluster::backfill_bands(&mut conn)?;
        Ok(Self {
            conn,
            bands: BandFilter::default(),
            writer_cache: None,
            database: database.map(Path::to_owned),
            mover: None,
        })
    }

    /// The near-duplicate candidates of `story` among the stored ones, and
    /// the cluster it would join; writes nothing. For diagnostics and the
    /// benchmark.
    pub fn near_duplicates(&self, story: &Story) -> Result<Placement> {
        cluster::best_match(&self.conn, story)
    }

    /// Sets this connection's page cache to `kib` KiB (16 MiB at open).
    pub fn set_cache_kib(&mut self, kib: u32) -> Result<()> {
        self.conn
            .pragma_update(None, "cache_size", -i64::from(kib))?;
        Ok(())
    }

    /// This connection's page cache, in KiB. feedloom always sets it in
    /// KiB, which SQLite reports as a negative number.
    #[cfg(test)]
    pub(super) fn cache_kib(&self) -> Result<u32> {
        let size: i64 = self
            .conn
            .pragma_query_value(None, "cache_size", |row| row.get(0))?;
        Ok(u32::try_from(size.saturating_neg()).unwrap_or(0))
    }

    /// Sizes the writer's page cache for the database (see
    /// [`writer_cache_kib`]): at the first batch, from the size every
    /// connection opens with, then only ever larger. Called after each
    /// batch written, so a cold poll's cache grows as its file does.
    pub(super) fn size_writer_cache(&mut self) -> Result<()> {
        let bytes: i64 = self
            .conn
            .prepare_cached(
                "SELECT page_count * page_size FROM pragma_page_count, pragma_page_size",
            )?
            .query_row([], |row| row.get(0))?;
        self.size_writer_cache_for(u64::try_from(bytes).unwrap_or(0))
    }

    /// [`Self::size_writer_cache`] for a database of `bytes`.
    pub(super) fn size_writer_cache_for(&mut self, bytes: u64) -> Result<()> {
        let wanted = writer_cache_kib(bytes);
        if self.writer_cache.is_none_or(|set| wanted > set) {
            self.set_cache_kib(wanted)?;
            self.writer_cache = Some(wanted);
        }
        Ok(())
    }

    /// Moves the staged band keys into the band file if a move is due
    /// (see `band_index`): on the mover thread, started at the first, for
    /// a database file; inline for a store in memory. A failure is logged:
    /// the keys stay staged and are found there, and the move is tried
    /// again after the next write.
    pub(super) fn move_bands_if_due(&mut self) {
        if let Err(error) = self.try_move_bands() {
            tracing::warn!(
                error = %crate::error::error_chain(&error),
                "could not move the staged near-duplicate keys into the band file; \
                 they stay staged and are found there, and the move is tried again \
                 after the next write"
            );
        }
    }

    fn try_move_bands(&mut self) -> Result<()> {
        if !band_index::move_due(&self.conn)? {
            return Ok(());
        }
        let Some(database) = &self.database else {
            let moved = band_index::move_once(&self.conn, &self.conn, true)?;
            tracing::debug!(keys = moved, "moved staged band keys into the band index");
            return Ok(());
        };
        if self.mover.as_ref().is_none_or(Mover::has_ended) {
            self.mover = Some(Mover::start(database)?);
        }
        if let Some(mover) = &self.mover {
            mover.nudge();
        }
        Ok(())
    }

    /// Stops the mover, then finishes a pending move or else moves the
    /// active stage table, on this thread: for tests that read where keys
    /// are.
    #[cfg(test)]
    pub(super) fn settle_bands(&mut self) -> Result<usize> {
        self.mover.take();
        match &self.database {
            Some(database) => {
                let bands = band_index::open_for_moves(database)?;
                band_index::move_once(&self.conn, &bands, true)
            }
            None => band_index::move_once(&self.conn, &self.conn, true),
        }
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
