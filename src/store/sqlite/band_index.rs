//! The large near-duplicate band index in a file of its own
//! (`<database>-bands`), filled by a mover thread, so that polling never
//! waits for it.
//!
//! Band keys are random: adding a batch's keys straight to one large index
//! rewrote most of its pages at every commit. So the writer stages a
//! story's keys in a small table of the database (`band_stage_0` or
//! `band_stage_1`, whichever `band_moves.active` names) and they are moved
//! into the large index in key order once enough have gathered. That move
//! held the database's write lock for seconds, every few batches (2.2 s of
//! a 14-s cold poll of 1,000 feeds). The large index now lives in another
//! SQLite file, with a write lock of its own, and a move is three
//! transactions:
//!
//! 1. **Seal** (the database's write lock, one row): the writer is switched
//!    to the other stage table, and the move recorded as pending under a
//!    new `generation`, with the last `band_gone` row it covers.
//! 2. **Copy** (only the band file's write lock): the stories recorded in
//!    `band_gone` up to then lose their keys in the large index, and the
//!    sealed table's keys are added to it. The database is read, not
//!    locked: the writer goes on storing stories meanwhile.
//! 3. **Clear** (the database's write lock, at once): the sealed table is
//!    emptied and its `band_gone` rows deleted; nothing pending.
//!
//! Why this stays right:
//!
//! - A key is always in a stage table, the large index, or both: it leaves
//!   its stage table only after the copy that put it in the large index
//!   committed. Look-ups read the stage tables before the large index, so
//!   a reader that finds a stage table emptied finds the copy; a crash
//!   between copy and clear leaves keys in both, which look-ups count once,
//!   and the next move copies them again (`INSERT OR IGNORE`).
//! - A seal finds any unfinished move first and finishes it instead, so a
//!   stage table is never sealed while the other still holds keys.
//! - The copy checks, holding the band file's lock, that its move is still
//!   the pending one (`generation`); the clear checks it again. Two
//!   processes' movers, or a mover and a refill, never empty a table the
//!   other has not copied.
//! - An edited or deleted story's keys in the large index go at the next
//!   copy (`band_gone`); until then they only make it a candidate, which
//!   the exact similarity check judges on its current text. The stage
//!   tables have no index by story (the writer would update it for every
//!   key): an edited story's staged keys are deleted by key, those of its
//!   old text; a deleted story's stay staged until the move, which leaves
//!   out the keys of the stories in `band_gone` that are no longer stored.
//!   Meanwhile look-ups in the stage tables skip stories no longer stored,
//!   and no new story is given an id recorded in `band_gone`, so none
//!   inherits a deleted story's keys.
//! - The band file is data derived from the stories. It records the
//!   `pairing` value of the database that filled it and the generation of
//!   the last move copied into it; one that records another pairing, or a
//!   generation the database has not reached or has left behind (a band
//!   file deleted, or either file restored from a backup alone), is
//!   filled again from the stories at open (`cluster::backfill_bands`):
//!   every key is staged (`band_moves.refilled`, which also stands for
//!   the band file until then), and the next copy empties the band file
//!   before it copies.
//!   Copies are synced to disk before their clear begins, so a power cut
//!   cannot keep a clear and lose its copy.
//!
//! Every connection of the store attaches the band file read-only, so its
//! write transactions lock the database alone; only the mover's own
//! connection to the band file writes it. A store in memory (tests,
//! benchmarks) attaches a band database in memory read-write and moves
//! inline, on its own connection.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};

use crate::store::error::{Error, Result};

/// The two stage tables, by `band_moves.active`.
const STAGES: [&str; 2] = ["band_stage_0", "band_stage_1"];

/// The statement staging one key, by `band_moves.active`: written out, so
/// that the writer's per-story statement is not formatted for each story.
pub(super) const STAGE_INSERTS: [&str; 2] = [
    "INSERT OR IGNORE INTO band_stage_0 (band, hash, story_id) VALUES (?1, ?2, ?3)",
    "INSERT OR IGNORE INTO band_stage_1 (band, hash, story_id) VALUES (?1, ?2, ?3)",
];

/// The band file's schema version (`PRAGMA user_version` of that file).
const FILE_VERSION: i64 = 1;

/// The band file's tables. Names unique across both files, so that the
/// same statements read them on every connection, whichever file is its
/// main one.
const FILE_SCHEMA: &str = "
    CREATE TABLE IF NOT EXISTS story_bands (
        band     INTEGER NOT NULL,
        hash     INTEGER NOT NULL,
        story_id INTEGER NOT NULL,
        PRIMARY KEY (band, hash, story_id)
    ) WITHOUT ROWID;
    CREATE INDEX IF NOT EXISTS story_bands_by_story ON story_bands (story_id);
    CREATE TABLE IF NOT EXISTS band_file (
        id      INTEGER PRIMARY KEY CHECK (id = 1),
        pairing INTEGER NOT NULL,
        moved   INTEGER NOT NULL
    );";

/// Staged keys before any move: about 256 pages, a few thousand stories.
const MIN_STAGED: i64 = 65_536;

/// What one story in `band_gone` counts for against the move threshold:
/// its keys in the large index, about one per band.
const GONE_WEIGHT: i64 = crate::cluster::BANDS as i64;

/// The page cache of the mover's connection to the band file, in KiB. A
/// copy walks the staged keys and the large index in the same order, so
/// it needs few pages at a time; a larger cache bought no speed and cost
/// peak RSS (every page cache is memory beside the writer's).
const MOVER_CACHE_KIB: i64 = 1024;

/// The page cache of the mover's reads of the database (the sealed stage
/// table, in order; `band_moves`), in KiB.
const MOVER_STORE_CACHE_KIB: i64 = 256;

/// The page cache of the band file on every store connection, in KiB: the
/// band filter spares most look-ups.
const ATTACHED_CACHE_KIB: i64 = 1024;

/// The band file of the database at `database`.
pub(super) fn path_for(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push("-bands");
    PathBuf::from(name)
}

/// Creates the band file of `database` if it is new, in WAL mode, with its
/// tables. Cheap when it exists: one read of its version.
pub(super) fn prepare(database: &Path) -> Result<()> {
    let path = path_for(database);
    connect(&path, |conn| {
        let version: i64 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
        if version >= FILE_VERSION {
            return Ok(());
        }
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.execute_batch(&format!(
            "BEGIN IMMEDIATE; {FILE_SCHEMA} PRAGMA user_version = {FILE_VERSION}; COMMIT;"
        ))
    })?;
    Ok(())
}

/// Opens `path` with the store's busy timeout and runs `setup` on it;
/// an error of either names the file.
fn connect(
    path: &Path,
    setup: impl FnOnce(&Connection) -> rusqlite::Result<()>,
) -> Result<Connection> {
    let open = || {
        let conn = Connection::open(path)?;
        conn.busy_timeout(Duration::from_secs(10))?;
        setup(&conn)?;
        Ok(conn)
    };
    open().map_err(|source| Error::Open {
        path: path.to_owned(),
        source,
    })
}

/// Attaches the band file of `database` to `conn` as `bands`, read-only;
/// with no `database` (a store in memory), a band database in memory,
/// read-write.
pub(super) fn attach(conn: &Connection, database: Option<&Path>) -> Result<()> {
    let Some(database) = database else {
        conn.execute("ATTACH DATABASE ':memory:' AS bands", [])?;
        conn.execute_batch(&FILE_SCHEMA.replace("EXISTS ", "EXISTS bands."))?;
        return Ok(());
    };
    let path = path_for(database);
    let uri = read_only_uri(&path)?;
    conn.execute("ATTACH DATABASE ?1 AS bands", [uri])
        .and_then(|_| conn.pragma_update(Some("bands"), "cache_size", -ATTACHED_CACHE_KIB))
        .map_err(|source| Error::Open { path, source })
}

/// `path` as an SQLite URI that opens it read-only.
fn read_only_uri(path: &Path) -> Result<String> {
    let invalid = || Error::Open {
        path: path.to_owned(),
        source: rusqlite::Error::InvalidPath(path.to_owned()),
    };
    let absolute = std::path::absolute(path).map_err(|_| invalid())?;
    let mut url = url::Url::from_file_path(&absolute).map_err(|()| invalid())?;
    url.set_query(Some("mode=ro"));
    Ok(url.into())
}

/// The stage table the writer fills now. Only a seal changes it, under the
/// database's write lock: read once per write transaction.
pub(super) fn active_stage(tx: &Connection) -> Result<usize> {
    let active: i64 = tx
        .prepare_cached("SELECT active FROM band_moves")?
        .query_row([], |row| row.get(0))?;
    Ok(usize::from(active == 1))
}

/// Whether a move is due: the keys staged in the active table (and the
/// keys of stories gone since the last move) reach `max(MIN_STAGED,
/// 128 · sqrt(M))` for `M` keys in the large index.
///
/// A transaction that adds `b` keys to a table of `n` pages rewrites about
/// `min(b, n)` of them; a move reads the staged keys in key order and
/// rewrites each touched page of the large index once. Moving every `T`
/// keys costs, per key, about `T / 2b` stage pages plus `M / T` large
/// pages: least at `T = sqrt(2bM)`, about `128 · sqrt(M)` for a cold
/// poll's batches. Staging costs the writer; the move now costs only the
/// mover, so this keeps the writer's share where it was measured best.
pub(super) fn move_due(conn: &Connection) -> Result<bool> {
    let active = active_stage(conn)?;
    let (staged, gone, pending): (i64, i64, bool) = conn
        .prepare_cached(&format!(
            "SELECT (SELECT count(*) FROM {}), (SELECT count(*) FROM band_gone),
                    (SELECT pending FROM band_moves)",
            STAGES[active]
        ))?
        .query_row([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    if pending {
        return Ok(true);
    }
    let waiting = staged.saturating_add(gone.saturating_mul(GONE_WEIGHT));
    if waiting < MIN_STAGED {
        return Ok(false);
    }
    // Stories × bands stands in for the large index's keys: counting them
    // would read the whole index.
    let stories: i64 = conn
        .prepare_cached("SELECT count(*) FROM stories")?
        .query_row([], |row| row.get(0))?;
    let large = stories.saturating_mul(crate::cluster::BANDS as i64).max(0) as f64;
    Ok(waiting as f64 >= 128.0 * large.sqrt())
}

/// A sealed stage table, to copy and then clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Move {
    sealed: usize,
    generation: i64,
    gone_upto: i64,
}

/// Step 1: returns the unfinished move to finish if there is one, else
/// seals the active stage table if `due` ([`move_due`], read before the
/// lock: counting under it would hold the writer up); `None` when there
/// is nothing to move. `store` holds the database read-write.
pub(super) fn seal(store: &Connection, due: bool) -> Result<Option<Move>> {
    let tx = Transaction::new_unchecked(store, TransactionBehavior::Immediate)?;
    let (active, generation, pending, gone_upto): (i64, i64, bool, i64) = tx.query_row(
        "SELECT active, generation, pending, gone_upto FROM band_moves",
        [],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
    )?;
    let active = usize::from(active == 1);
    if pending {
        return Ok(Some(Move {
            sealed: 1 - active,
            generation,
            gone_upto,
        }));
    }
    if !due {
        return Ok(None);
    }
    let gone_upto: i64 =
        tx.query_row("SELECT coalesce(max(seq), 0) FROM band_gone", [], |row| {
            row.get(0)
        })?;
    let generation = generation.wrapping_add(1);
    tx.execute(
        "UPDATE band_moves SET active = ?1, generation = ?2, pending = 1, gone_upto = ?3",
        params![1 - active as i64, generation, gone_upto],
    )?;
    tx.commit()?;
    Ok(Some(Move {
        sealed: active,
        generation,
        gone_upto,
    }))
}

/// Step 2: copies the sealed table into the large index, after deleting
/// the keys of the stories gone up to the seal; returns the keys copied,
/// or `None` if the move is no longer the pending one (another mover
/// finished it, a refill undid it). `bands` holds the band file read-write and the database
/// read-only: its immediate transaction takes only the band file's write
/// lock, and reads the database as it is once that lock is held.
pub(super) fn copy(bands: &Connection, step: &Move) -> Result<Option<usize>> {
    let tx = Transaction::new_unchecked(bands, TransactionBehavior::Immediate)?;
    if !still_pending(&tx, step)? {
        return Ok(None);
    }
    pair(&tx)?;
    tx.prepare_cached(
        "DELETE FROM story_bands WHERE story_id IN
             (SELECT story_id FROM band_gone WHERE seq <= ?1)",
    )?
    .execute([step.gone_upto])?;
    let mut copied = 0usize;
    {
        // One single-row INSERT per key, in key order: an INSERT … SELECT
        // of the lot copies every page it changes into its statement
        // journal first, in memory.
        let mut insert = tx.prepare_cached(
            "INSERT OR IGNORE INTO story_bands (band, hash, story_id) VALUES (?1, ?2, ?3)",
        )?;
        // The keys of a story deleted since it was staged are left out
        // (the stage tables have no index by story to delete them by).
        let mut keys = tx.prepare(&format!(
            "SELECT band, hash, story_id FROM {}
             WHERE story_id NOT IN
                 (SELECT story_id FROM band_gone WHERE story_id NOT IN (SELECT id FROM stories))
             ORDER BY band, hash, story_id",
            STAGES[step.sealed]
        ))?;
        let mut rows = keys.query([])?;
        while let Some(row) = rows.next()? {
            let (band, hash, story): (i64, i64, i64) = (row.get(0)?, row.get(1)?, row.get(2)?);
            insert.execute(params![band, hash, story])?;
            copied += 1;
        }
    }
    tx.prepare_cached("UPDATE band_file SET moved = ?1")?
        .execute([step.generation])?;
    tx.commit()?;
    Ok(Some(copied))
}

/// Step 3: empties the sealed table and the `band_gone` rows the move
/// covered, if the move is still the pending one.
pub(super) fn clear(store: &Connection, step: &Move) -> Result<()> {
    let tx = Transaction::new_unchecked(store, TransactionBehavior::Immediate)?;
    if !still_pending(&tx, step)? {
        return Ok(());
    }
    // No WHERE and no trigger on the table: SQLite drops its pages at once.
    tx.execute(&format!("DELETE FROM {}", STAGES[step.sealed]), [])?;
    tx.execute("DELETE FROM band_gone WHERE seq <= ?1", [step.gone_upto])?;
    // The copy paired the band file: a refill's keys no longer need it
    // emptied.
    tx.execute("UPDATE band_moves SET pending = 0, refilled = 0", [])?;
    tx.commit()?;
    Ok(())
}

fn still_pending(tx: &Connection, step: &Move) -> Result<bool> {
    let (generation, pending): (i64, bool) =
        tx.query_row("SELECT generation, pending FROM band_moves", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
    Ok(pending && generation == step.generation)
}

/// Makes the band file the database's: if it records another pairing than
/// the database, every key in it is dropped, and the database's pairing
/// and generation recorded. In a transaction holding the band file's
/// write lock.
fn pair(tx: &Connection) -> Result<()> {
    let (ours, generation): (i64, i64) =
        tx.query_row("SELECT pairing, generation FROM band_moves", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })?;
    let theirs: Option<i64> = tx
        .query_row("SELECT pairing FROM band_file", [], |row| row.get(0))
        .optional()?;
    if theirs != Some(ours) {
        tx.execute("DELETE FROM story_bands", [])?;
        tx.execute(
            "INSERT INTO band_file (id, pairing, moved) VALUES (1, ?1, ?2)
             ON CONFLICT (id) DO UPDATE SET pairing = excluded.pairing, moved = excluded.moved",
            params![ours, generation],
        )?;
    }
    Ok(())
}

/// Whether the band file holds what this database moved into it: the same
/// pairing, and the last move copied into it the one the database last
/// sealed (or the one before, while that is being copied). A database or
/// band file restored from a backup, alone, is caught here: moves went on
/// in the other file since. A refill's staged keys need no band file.
pub(super) fn paired(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT m.refilled
                OR (f.pairing IS m.pairing
                    AND (f.moved = m.generation OR (m.pending AND f.moved = m.generation - 1)))
         FROM band_moves AS m LEFT JOIN band_file AS f ON 1",
        [],
        |row| row.get(0),
    )?)
}

/// A whole move (seal, copy, clear) on `store` and `bands` (the same
/// connection for a store in memory), if one is pending or due (`due`:
/// already known to be); returns the keys copied.
pub(super) fn move_once(store: &Connection, bands: &Connection, due: bool) -> Result<usize> {
    let due = due || move_due(store)?;
    let Some(step) = seal(store, due)? else {
        return Ok(0);
    };
    let Some(copied) = copy(bands, &step)? else {
        return Ok(0);
    };
    clear(store, &step)?;
    Ok(copied)
}

/// The mover's connection to the band file of `database`: the band file
/// read-write as its main database, the database attached read-only (as
/// `store`), so that its write transactions lock the band file alone.
pub(super) fn open_for_moves(database: &Path) -> Result<Connection> {
    let store = read_only_uri(database)?;
    connect(&path_for(database), |conn| {
        // Each copy is on disk before its clear begins: with NORMAL, a power
        // cut could keep the database's clear and lose the band file's copy,
        // and the keys would be in neither. One fsync per move.
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "cache_size", -MOVER_CACHE_KIB)?;
        conn.pragma_update(None, "wal_autocheckpoint", 16_384)?;
        conn.pragma_update(None, "journal_size_limit", 64 * 1024 * 1024)?;
        conn.execute("ATTACH DATABASE ?1 AS store", [store])?;
        conn.pragma_update(Some("store"), "cache_size", -MOVER_STORE_CACHE_KIB)
    })
}

/// The mover's connection to the database itself, for seals and clears.
fn open_store(database: &Path) -> Result<Connection> {
    connect(database, |conn| {
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "cache_size", -MOVER_STORE_CACHE_KIB)
    })
}

/// The mover thread of one writer: it moves whenever the writer says a
/// move is due ([`Mover::nudge`]), until dropped. Dropping it lets the move
/// asked for finish (`feedloom poll` returns with its keys moved, as a
/// daemon stopping does) and starts no other: seconds at a cold poll's
/// sizes, longer for the first move after the index was filled again,
/// which copies every key. A process killed meanwhile loses nothing: the
/// copy rolls back and the keys stay staged.
pub(super) struct Mover {
    nudges: Option<SyncSender<()>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Mover {
    /// Starts the mover of the database at `database`.
    pub(super) fn start(database: &Path) -> Result<Self> {
        let (nudges, wakes) = sync_channel(1);
        let stop = Arc::new(AtomicBool::new(false));
        let database = database.to_owned();
        let thread = std::thread::Builder::new()
            .name("feedloom-band-mover".into())
            .spawn({
                let stop = Arc::clone(&stop);
                move || run(&database, &wakes, &stop)
            })
            .map_err(Error::Thread)?;
        Ok(Self {
            nudges: Some(nudges),
            stop,
            thread: Some(thread),
        })
    }

    /// Whether the thread has ended (it could not open its connections):
    /// the writer starts another.
    pub(super) fn has_ended(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Asks for a move; a move already asked for and not yet begun covers
    /// this one too.
    pub(super) fn nudge(&self) {
        if let Some(nudges) = &self.nudges {
            match nudges.try_send(()) {
                Ok(()) | Err(TrySendError::Full(())) => {}
                Err(TrySendError::Disconnected(())) => {
                    tracing::warn!("the band mover has stopped; staged keys stay staged")
                }
            }
        }
    }
}

impl Drop for Mover {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        self.nudges.take();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The mover thread's loop: one move per nudge, and again while one is
/// due (a cold poll stages faster than a move takes).
fn run(database: &Path, wakes: &Receiver<()>, stop: &AtomicBool) {
    let connections = open_store(database).and_then(|store| Ok((store, open_for_moves(database)?)));
    let (store, bands) = match connections {
        Ok(connections) => connections,
        Err(error) => {
            tracing::warn!(
                error = %crate::error::error_chain(&error),
                path = %path_for(database).display(),
                "could not open the band file for moves; staged near-duplicate keys \
                 stay staged and are found there"
            );
            return;
        }
    };
    while wakes.recv().is_ok() {
        // Bounded: each round either moves or finds nothing due. The move
        // asked for is made even when the writer is going away (its keys
        // are moved when `feedloom poll` returns); no further one then.
        for round in 0..16 {
            if round > 0 && stop.load(Ordering::Relaxed) {
                return;
            }
            match move_once(&store, &bands, false) {
                Ok(0) => break,
                Ok(moved) => {
                    tracing::debug!(keys = moved, "moved staged band keys into the band file");
                    // Between moves the mover holds no pages.
                    for conn in [&store, &bands] {
                        if let Err(error) = conn.execute_batch("PRAGMA shrink_memory") {
                            tracing::debug!(error = %error, "could not free the mover's page cache");
                        }
                    }
                }
                Err(error) => {
                    tracing::warn!(
                        error = %crate::error::error_chain(&error),
                        "could not move staged near-duplicate keys into the band file; \
                         they stay staged and are found there, and the move is tried \
                         again after the next batch"
                    );
                    break;
                }
            }
        }
    }
}
