//! Serialising placements between nodes. Two nodes storing the same
//! content, or two near duplicates, at the same moment must end with one
//! story, or one cluster: each looks the content hash and the band keys
//! up, finds nothing, and inserts, unless the second waits for the first
//! to commit. So a write transaction first takes transaction-scoped
//! advisory locks on the hash and the 16 band keys of every item it may
//! insert or edit, all at once and in one order (no two writers can
//! deadlock), and only then reads. Under READ COMMITTED each later
//! statement sees what the writer it waited for committed.
//!
//! Keys are folded into [`SLOTS`] lock slots: PostgreSQL keeps advisory
//! locks in its shared lock table (`max_locks_per_transaction` ×
//! connections, 6,400 by default), so a transaction takes at most
//! [`SLOTS`] of them, however large its batch. Two unrelated keys in one
//! slot only make one writer wait for the other. Items a feed sent before
//! with the same content (most items of a warm poll) need no lock.

use postgres::Transaction;

use crate::cluster::Fingerprint;
use crate::normalize::ContentHash;
use crate::store::error::Result;

/// Lock slots. A batch of a few new items takes a few dozen; a cold batch
/// takes them all, which serialises it with every other writer, as SQLite
/// always does.
pub(super) const SLOTS: u32 = 512;

/// The first key of feedloom's two-part advisory locks ("feed" in ASCII).
const NAMESPACE: i32 = 0x6665_6564;

/// The slots a set of stories' writes need, to be taken by [`lock`].
#[derive(Debug, Default)]
pub(super) struct Slots {
    slots: Vec<i32>,
}

impl Slots {
    /// Adds the slots of a story with this content: its hash and, when it
    /// can cluster, its band keys.
    pub(super) fn add(&mut self, hash: &ContentHash, fingerprint: &Fingerprint) {
        self.slots.push(slot(hash.as_str().as_bytes()));
        if fingerprint.is_clusterable() {
            for (band, key) in fingerprint.bands().iter().enumerate() {
                let mut bytes = [0u8; 9];
                bytes[0] = band as u8;
                bytes[1..].copy_from_slice(&key.to_le_bytes());
                self.slots.push(slot(&bytes));
            }
        }
    }
}

/// Takes the slots' locks, in ascending order, until the transaction ends.
pub(super) fn lock(tx: &mut Transaction<'_>, mut slots: Slots) -> Result<()> {
    slots.slots.sort_unstable();
    slots.slots.dedup();
    if slots.slots.is_empty() {
        return Ok(());
    }
    // One statement for all of them: a function scan over the sorted
    // array takes them in its order.
    tx.execute(
        "SELECT pg_advisory_xact_lock($1, slot) FROM unnest($2::integer[]) AS slot",
        &[&NAMESPACE, &slots.slots],
    )?;
    Ok(())
}

/// A key's slot: FNV-1a over its bytes (stable across builds and nodes,
/// which must agree), folded into [`SLOTS`].
fn slot(bytes: &[u8]) -> i32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % u64::from(SLOTS)) as i32
}
