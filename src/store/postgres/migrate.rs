//! Numbered plain-SQL migrations (`migrations/postgres/`, beside SQLite's),
//! embedded in the binary and tracked in the one-row table
//! `feedloom_schema`. Several nodes may start at once: the steps run in
//! one transaction under an advisory lock, so one node migrates and the
//! others wait and find the work done. PostgreSQL's DDL is transactional,
//! so a failed step leaves the database as it was.

use postgres::Client;

use crate::store::error::{Error, Result};

/// The migrations, in order; migration `n` (1-based) brings the schema to
/// version `n`. Append only: never edit a migration that has shipped.
const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_initial.sql",
        include_str!("../../../migrations/postgres/0001_initial.sql"),
    ),
    (
        "0002_nodes.sql",
        include_str!("../../../migrations/postgres/0002_nodes.sql"),
    ),
    (
        "0003_undated_seeds.sql",
        include_str!("../../../migrations/postgres/0003_undated_seeds.sql"),
    ),
    (
        "0004_bylines.sql",
        include_str!("../../../migrations/postgres/0004_bylines.sql"),
    ),
    (
        "0005_full_text.sql",
        include_str!("../../../migrations/postgres/0005_full_text.sql"),
    ),
];

/// The PostgreSQL schema version this build writes (its own numbering,
/// apart from SQLite's).
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// The advisory lock the migrating node holds ("feedloom" in ASCII, as a
/// number no other lock of feedloom's uses).
const MIGRATION_LOCK: i64 = 0x6665_6564_6c6f_6f6d;

/// The schema version of the database: 0 when feedloom never migrated it.
pub(super) fn version(client: &mut Client) -> Result<u32> {
    let row = client.query_one("SELECT to_regclass('feedloom_schema') IS NOT NULL", &[])?;
    if !row.try_get::<_, bool>(0)? {
        return Ok(0);
    }
    let row = client.query_opt("SELECT version FROM feedloom_schema", &[])?;
    Ok(match row {
        Some(row) => u32::try_from(row.try_get::<_, i32>(0)?).unwrap_or(0),
        None => 0,
    })
}

/// Brings the database up to [`SCHEMA_VERSION`]; refuses one from a newer
/// feedloom with [`Error::SchemaTooNew`], before and after waiting for the
/// lock (another node may have upgraded it meanwhile).
pub(super) fn migrate(client: &mut Client) -> Result<()> {
    let current = version(client)?;
    if current == SCHEMA_VERSION {
        return Ok(());
    }
    refuse_newer(current)?;
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS feedloom_schema (version integer NOT NULL)")?;
    let current: u32 = match tx.query_opt("SELECT version FROM feedloom_schema", &[])? {
        Some(row) => u32::try_from(row.try_get::<_, i32>(0)?).unwrap_or(0),
        None => {
            tx.execute("INSERT INTO feedloom_schema (version) VALUES (0)", &[])?;
            0
        }
    };
    refuse_newer(current)?;
    for (index, (name, sql)) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = index as i32 + 1;
        tx.batch_execute(sql)
            .map_err(|source| Error::PostgresMigration {
                name: (*name).to_owned(),
                source,
            })?;
        tx.execute("UPDATE feedloom_schema SET version = $1", &[&version])?;
        tracing::info!(migration = name, version, "applied PostgreSQL migration");
    }
    tx.commit()?;
    Ok(())
}

fn refuse_newer(found: u32) -> Result<()> {
    if found > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found,
            known: SCHEMA_VERSION,
        });
    }
    Ok(())
}
