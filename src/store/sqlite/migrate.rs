//! Numbered plain-SQL migrations tracked in `PRAGMA user_version`.
//!
//! Why not a migration crate: the ones that exist pin older rusqlite versions
//! (the `links = "sqlite3"` conflict), and the whole job is a loop over an
//! ordered list with one transaction per step.

use rusqlite::{Connection, TransactionBehavior};

use crate::store::error::Error;

/// The migrations, in order; migration `n` (1-based) brings the schema to
/// `user_version = n`. Append only: never edit a migration that has shipped.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_initial.sql",
        include_str!("../../../migrations/0001_initial.sql"),
    ),
    (
        "0002_scheduling.sql",
        include_str!("../../../migrations/0002_scheduling.sql"),
    ),
    (
        "0003_topics.sql",
        include_str!("../../../migrations/0003_topics.sql"),
    ),
    (
        "0004_clusters.sql",
        include_str!("../../../migrations/0004_clusters.sql"),
    ),
    (
        "0005_search.sql",
        include_str!("../../../migrations/0005_search.sql"),
    ),
    (
        "0006_body_digest.sql",
        include_str!("../../../migrations/0006_body_digest.sql"),
    ),
    (
        "0007_search_queue.sql",
        include_str!("../../../migrations/0007_search_queue.sql"),
    ),
    (
        "0008_nodes.sql",
        include_str!("../../../migrations/0008_nodes.sql"),
    ),
    (
        "0009_explicit_score_queue.sql",
        include_str!("../../../migrations/0009_explicit_score_queue.sql"),
    ),
    (
        "0010_undated_seeds.sql",
        include_str!("../../../migrations/0010_undated_seeds.sql"),
    ),
    (
        "0011_bylines.sql",
        include_str!("../../../migrations/0011_bylines.sql"),
    ),
    (
        "0012_full_text.sql",
        include_str!("../../../migrations/0012_full_text.sql"),
    ),
    (
        "0013_recent_bands.sql",
        include_str!("../../../migrations/0013_recent_bands.sql"),
    ),
    (
        "0014_band_keys_version.sql",
        include_str!("../../../migrations/0014_band_keys_version.sql"),
    ),
    (
        "0015_band_file.sql",
        include_str!("../../../migrations/0015_band_file.sql"),
    ),
    (
        "0016_stage_keys_by_key.sql",
        include_str!("../../../migrations/0016_stage_keys_by_key.sql"),
    ),
    (
        "0017_retention_by_index.sql",
        include_str!("../../../migrations/0017_retention_by_index.sql"),
    ),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Brings the database up to [`SCHEMA_VERSION`]. Each step runs in its own
/// transaction, so a failure leaves the database at the previous version.
/// A database from a newer feedloom is refused rather than guessed at.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), Error> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found: current,
            known: SCHEMA_VERSION,
        });
    }
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = index as u32 + 1;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(sql).map_err(|source| Error::Migration {
            name: (*name).to_owned(),
            source,
        })?;
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
        tracing::info!(migration = name, version, "applied database migration");
    }
    Ok(())
}
