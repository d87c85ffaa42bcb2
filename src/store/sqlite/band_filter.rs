//! A Bloom filter in the writer's memory over every near-duplicate band
//! key stored, so that placing a story looks up in the band index only the
//! keys some stored story may share. Nine in ten new stories share no key
//! at all, yet each cost 32 index seeks (16 bands, two tables) under the
//! store lock: a ninth of a cold poll's CPU, and at 500,000 stories mostly
//! pages read again from disk.
//!
//! The filter only ever says "maybe" or "no". A "no" must be true, or a
//! near duplicate would go unclustered, so the filter holds a superset of
//! the keys in the band index (`band_index`), and is trusted only while no other
//! connection has added keys behind its back (another process, a CLI
//! command writing seeds):
//!
//! - Every transaction that writes band keys, on any connection, in any
//!   process, sets `meta.band_keys_version` to a new random value
//!   ([`BandFilter::bump`], called from the one function that writes keys),
//!   so a version committed means its keys committed. Once per transaction
//!   is enough, with one care: a savepoint rolled back takes the version
//!   back with it, so after one ([`BandFilter::rolled_back`]) the next keys
//!   move it again.
//! - The writer reads that version at the start of each write transaction
//!   ([`BandFilter::begin`]). If it is neither the one it read at the start
//!   of its last transaction nor one it set since (a rollback, whole or of
//!   a savepoint, returns to one of those, and takes only keys away),
//!   another connection wrote keys: the filter is dropped, and look-ups
//!   go to the index until it is built again. A random version cannot be
//!   another connection's by chance, as a counter could after a rollback.
//! - Migration 14 makes a feedloom from before this refuse the database,
//!   so nothing writes keys without moving the version.
//!
//! Deleted stories leave their keys in the filter: a "maybe" for a key no
//! story has costs one look-up, never a wrong answer. When the filter is
//! full and holds more than twice the keys stored (retention deleted the
//! rest), it is read again from the index instead of growing. Moving keys
//! from a stage table into the band file (`band_index`) changes no key, so
//! it moves no version; the deletes a move makes are of deleted or edited
//! stories' keys, which the filter may keep.
//!
//! The filter is built by reading every key once, and only once the
//! stories placed without it would have paid for that read
//! ([`BUILD_AFTER`]): a warm poll that stores nothing never builds one, a
//! cold poll into an empty store builds it at once for nothing. It grows
//! in layers, each twice the capacity of the one before, so a cold poll
//! never reads the index again to grow it.

use fastbloom::BloomFilter;
use rusqlite::{Connection, OptionalExtension};

use crate::store::error::Result;

/// The `meta` key every band-writing transaction moves on.
const VERSION_KEY: &str = "band_keys_version";

/// False positives per layer: a "maybe" for an absent key costs two index
/// seeks, against the 32 every story paid without a filter.
const FALSE_POSITIVES: f64 = 0.01;

/// Keys the first layer holds, at least: about 80 KiB of bits.
const MIN_CAPACITY: usize = 65_536;

/// The filter is built once the stories placed without it since it was
/// last dropped reach this share of the keys stored (1 in 64 keys, 1 in 4
/// stories of 16 bands): reading a key to build it costs about what one
/// story's look-ups cost per 64 keys it would have skipped, measured
/// roughly, so the build is paid back before it is done.
const BUILD_AFTER: u64 = 64;

/// See the module doc. One per writer connection; built lazily.
#[derive(Default)]
pub(super) struct BandFilter {
    /// `None` until built, and again after another connection wrote keys.
    layers: Option<Layers>,
    /// The versions the database can hold if no other connection wrote
    /// keys since: the one read at the start of this connection's last
    /// write transaction, and each this connection set in it (a rollback,
    /// of the transaction or of a savepoint, goes back to one of them).
    known: Vec<i64>,
    /// Stories placed without a filter since it was last dropped.
    unfiltered: u64,
    /// Whether the version was moved in this write transaction, and no
    /// savepoint rolled back since.
    bumped: bool,
    /// The stage table this connection's write transaction fills (see
    /// `band_index`), read at its start.
    stage: usize,
}

struct Layers {
    layers: Vec<Layer>,
}

struct Layer {
    bloom: BloomFilter,
    capacity: usize,
    items: usize,
}

impl BandFilter {
    /// Starts a write transaction: checks that no other connection added
    /// keys since this one last looked, dropping the filter if one did,
    /// and builds the filter if it is due. `tx` must hold the write lock
    /// (an immediate transaction), so the version cannot move under it.
    pub(super) fn begin(&mut self, tx: &Connection) -> Result<()> {
        let version = read_version(tx)?;
        if !self.known.contains(&version) {
            if self.layers.take().is_some() {
                tracing::debug!("band keys were written elsewhere; the band filter is dropped");
            }
            self.unfiltered = 0;
        }
        self.known.clear();
        self.known.push(version);
        self.bumped = false;
        self.stage = super::band_index::active_stage(tx)?;
        if self.layers.is_none() && self.due(tx)? {
            self.layers = Some(Layers::read(tx, stored_keys(tx)?)?);
        }
        Ok(())
    }

    /// The stage table new keys go to in this write transaction (an index
    /// into `band_index::STAGE_INSERTS`).
    pub(super) fn stage(&self) -> usize {
        self.stage
    }

    /// Whether any stored story may have key `hash` in `band`. Always true
    /// without a filter.
    pub(super) fn may_hold(&self, band: usize, hash: u64) -> bool {
        match &self.layers {
            Some(layers) => layers.may_hold(key(band, hash)),
            None => true,
        }
    }

    /// Counts a story placed: without a filter, it brings the build nearer.
    pub(super) fn placed(&mut self) {
        if self.layers.is_none() {
            self.unfiltered += 1;
        }
    }

    /// Records a story's band keys, about to be written in the current
    /// transaction, and moves the version on to a new random value in the
    /// same transaction if it has not moved yet (see the module doc):
    /// whatever of this commits, keys and version commit together. Every
    /// write of band keys goes through here. Once per transaction, not per
    /// story: the UPSERT was a fiftieth of a cold poll's CPU.
    pub(super) fn bump(&mut self, tx: &Connection, bands: &[u64]) -> Result<()> {
        if !self.bumped {
            let version: i64 = tx
                .prepare_cached(
                    "INSERT INTO meta (key, value) VALUES (?1, random())
                     ON CONFLICT (key) DO UPDATE SET value = random()
                     RETURNING CAST(value AS INTEGER)",
                )?
                .query_row([VERSION_KEY], |row| row.get(0))?;
            self.known.push(version);
            self.bumped = true;
        }
        if self
            .layers
            .as_ref()
            .is_some_and(|layers| !layers.fits(bands.len()))
        {
            self.shed(tx)?;
        }
        if let Some(layers) = &mut self.layers {
            for (band, hash) in bands.iter().enumerate() {
                layers.insert(key(band, *hash));
            }
        }
        Ok(())
    }

    /// A savepoint of the current transaction was rolled back, and with it
    /// perhaps the version's move: the next keys written move it again.
    pub(super) fn rolled_back(&mut self) {
        self.bumped = false;
    }

    /// With a filter about to grow a layer and holding more than twice the
    /// keys stored (deleted stories' keys stay in it), reads it again from
    /// the index (which holds every key written before this call);
    /// otherwise the layer is grown.
    fn shed(&mut self, tx: &Connection) -> Result<()> {
        let stored = stored_keys(tx)?;
        let held = self.layers.as_ref().map_or(0, Layers::items);
        if held > stored.saturating_mul(2) {
            self.layers = Some(Layers::read(tx, stored)?);
        }
        Ok(())
    }

    /// Keys the filter was given, deleted ones included.
    #[cfg(test)]
    pub(super) fn held(&self) -> usize {
        self.layers.as_ref().map_or(0, Layers::items)
    }

    /// Whether the filter is built.
    #[cfg(test)]
    pub(super) fn is_built(&self) -> bool {
        self.layers.is_some()
    }

    /// Whether the stories placed without a filter paid for building one.
    fn due(&self, tx: &Connection) -> Result<bool> {
        // The highest id stands in for the number of stories: counting
        // them would read a table, and it errs on the side of waiting.
        let stories: i64 = tx
            .prepare_cached("SELECT coalesce(max(id), 0) FROM stories")?
            .query_row([], |row| row.get(0))?;
        let keys = u64::try_from(stories).unwrap_or(0) * crate::cluster::BANDS as u64;
        Ok(self.unfiltered.saturating_mul(BUILD_AFTER) >= keys)
    }
}

impl Layers {
    /// A filter of every key in the band file and the stage tables
    /// (`count` of them), read once.
    fn read(tx: &Connection, count: usize) -> Result<Self> {
        let mut layers = Self {
            layers: vec![Layer::new((count * 2).max(MIN_CAPACITY))],
        };
        for table in ["story_bands", "band_stage_0", "band_stage_1"] {
            let mut keys = tx.prepare(&format!("SELECT band, hash FROM {table}"))?;
            let mut rows = keys.query([])?;
            while let Some(row) = rows.next()? {
                let band: i64 = row.get(0)?;
                let hash: i64 = row.get(1)?;
                layers.insert(key(usize::try_from(band).unwrap_or(0), hash as u64));
            }
        }
        tracing::debug!(keys = count, "built the band filter");
        Ok(layers)
    }

    /// Keys inserted, deleted ones included.
    fn items(&self) -> usize {
        self.layers.iter().map(|layer| layer.items).sum()
    }

    /// Whether the next insert starts a layer.
    fn full(&self) -> bool {
        !self.fits(1)
    }

    /// Whether `keys` more fit in the last layer.
    fn fits(&self, keys: usize) -> bool {
        self.layers
            .last()
            .is_some_and(|layer| layer.items + keys <= layer.capacity)
    }

    fn may_hold(&self, key: u64) -> bool {
        self.layers
            .iter()
            .any(|layer| layer.bloom.contains_hash(key))
    }

    fn insert(&mut self, key: u64) {
        if self.full() {
            let capacity = self
                .layers
                .last()
                .map_or(MIN_CAPACITY, |layer| layer.capacity * 2);
            self.layers.push(Layer::new(capacity));
        }
        if let Some(layer) = self.layers.last_mut() {
            layer.bloom.insert_hash(key);
            layer.items += 1;
        }
    }
}

impl Layer {
    fn new(capacity: usize) -> Self {
        Self {
            bloom: BloomFilter::with_false_pos(FALSE_POSITIVES).expected_items(capacity),
            capacity,
            items: 0,
        }
    }
}

/// One band's key as the filter's hash. Band hashes are uniform already;
/// each band is moved by its own odd constant so that equal hashes in two
/// bands are two keys.
fn key(band: usize, hash: u64) -> u64 {
    hash ^ (band as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Keys in the band file and the stage tables, counted.
fn stored_keys(tx: &Connection) -> Result<usize> {
    let count: i64 = tx
        .prepare_cached(
            "SELECT (SELECT count(*) FROM story_bands)
                    + (SELECT count(*) FROM band_stage_0)
                    + (SELECT count(*) FROM band_stage_1)",
        )?
        .query_row([], |row| row.get(0))?;
    Ok(usize::try_from(count).unwrap_or(0))
}

/// `meta.band_keys_version`, 0 before any band key was written.
fn read_version(tx: &Connection) -> Result<i64> {
    Ok(tx
        .prepare_cached("SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?1")?
        .query_row([VERSION_KEY], |row| row.get(0))
        .optional()?
        .unwrap_or(0))
}
