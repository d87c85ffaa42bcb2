//! `feedloom store copy --to postgres://…`: moves a SQLite store to
//! PostgreSQL row for row, so that every story keeps its id and public id,
//! its cluster, its sightings and its verdicts, and every feed its state:
//! subscribers see the same entries after the move, none twice.
//!
//! The two schemas have the same tables and column names (PostgreSQL's
//! types are stricter: booleans, smaller integers); the copy reads each
//! table whole from SQLite and inserts it in one PostgreSQL transaction,
//! converting each value to the column's type there. What the target
//! computes itself is not copied: the near-duplicate band index (the store
//! fills it at open, from the stories) and the search index (every story is
//! queued and indexed after the copy). Rows already there are left as they
//! are, so running the copy again changes nothing; a target holding other
//! stories is refused.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use postgres::types::ToSql;
use rusqlite::types::Value;

use super::error::{Error, Result};
use super::storage::SearchIndex;
use super::{Store, postgres as pg};

/// What a copy did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Copied {
    /// Rows inserted, per table, in copy order.
    pub rows: Vec<(&'static str, u64)>,
    /// Rows of the source already in the target (a second run).
    pub already_there: u64,
    /// Stories indexed for search in the target.
    pub indexed: usize,
}

/// The tables copied, parents first; the band index and the search index
/// are rebuilt by the target instead.
const TABLES: &[&str] = &[
    "feeds",
    "stories",
    "sightings",
    "story_topics",
    "score_queue",
    "meta",
    "articles",
];

/// `meta` keys the target keeps its own of: which algorithm filled its
/// band index (it fills it itself) and its change count.
const OWN_META: &[&str] = &["cluster_algorithm", "changes"];

/// Rows per INSERT statement: PostgreSQL takes at most 65,535 parameters.
const MAX_PARAMETERS: usize = 30_000;

/// Copies the SQLite store at `from` into the PostgreSQL database at `to`
/// (migrated first if it is new).
pub fn sqlite_to_postgres(from: &Path, to: &str) -> Result<Copied> {
    // Opening migrates the source to this build's schema, as any command
    // would, so that its columns are the ones the target has.
    drop(Store::open_existing(from)?);
    let source = rusqlite::Connection::open_with_flags(
        from,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI,
    )
    .map_err(|source| Error::Open {
        path: from.to_owned(),
        source,
    })?;
    drop(pg::Store::open(to)?);
    let mut target = pg::connect_raw(to)?;
    let mut copied = Copied::default();
    let mut tx = target.transaction()?;
    refuse_other_stories(&source, &mut tx)?;
    for &table in TABLES {
        if table == "score_queue" {
            // Inserting a story queued it for scoring on PostgreSQL; its
            // verdicts came with it, so the queue is the source's.
            tx.batch_execute("DELETE FROM score_queue")?;
        }
        let (inserted, skipped) = copy_table(&source, &mut tx, table)?;
        copied.rows.push((table, inserted));
        // The queue is written afresh each time, not "already there".
        if table != "score_queue" {
            copied.already_there += skipped;
        }
    }
    // New rows take ids after the copied ones.
    for (table, column) in [("feeds", "id"), ("stories", "id"), ("sightings", "id")] {
        tx.execute(
            &format!(
                "SELECT setval(pg_get_serial_sequence('{table}', '{column}'),
                               greatest((SELECT max({column}) FROM {table}), 1))"
            ),
            &[],
        )?;
    }
    tx.commit()?;
    // The target's own indexes: bands at open (none were copied), search
    // from the queue its insert trigger filled.
    let mut store = pg::Store::open(to)?;
    copied.indexed = store.index_all_pending()?;
    Ok(copied)
}

/// The target must hold nothing but (a part of) this store: every story
/// it has must be the source's story of the same id.
fn refuse_other_stories(
    source: &rusqlite::Connection,
    target: &mut postgres::Transaction<'_>,
) -> Result<()> {
    let theirs: HashMap<i64, String> = target
        .query("SELECT id, uid FROM stories", &[])?
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<Result<_>>()?;
    if theirs.is_empty() {
        return Ok(());
    }
    let mut ours = source.prepare("SELECT id, uid FROM stories")?;
    let ours: HashMap<i64, String> = ours
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let foreign = theirs
        .iter()
        .filter(|(id, uid)| ours.get(id) != Some(uid))
        .count();
    if foreign > 0 {
        return Err(Error::CopyRefused(format!(
            "the target database holds {foreign} stories that are not this store's; copy into an empty database"
        )));
    }
    Ok(())
}

/// Copies one table; (rows inserted, rows already there).
fn copy_table(
    source: &rusqlite::Connection,
    target: &mut postgres::Transaction<'_>,
    table: &'static str,
) -> Result<(u64, u64)> {
    let target_types: HashMap<String, String> = target
        .query(
            "SELECT column_name, data_type FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1",
            &[&table],
        )?
        .iter()
        .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
        .collect::<Result<_>>()?;
    let mut statement = source.prepare(&format!("SELECT * FROM {table}"))?;
    let columns: Vec<String> = statement.column_names().map(str::to_owned).collect();
    let missing: Vec<&str> = columns
        .iter()
        .filter(|column| !target_types.contains_key(*column))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Err(Error::CopyRefused(format!(
            "table {table}: the target has no column {}; are both at this feedloom's schema?",
            missing.join(", ")
        )));
    }
    let skip_meta: HashSet<&str> = OWN_META.iter().copied().collect();
    let key_column = columns.iter().position(|c| c == "key");
    let mut rows: Vec<Vec<Value>> = Vec::new();
    let mut query = statement.query([])?;
    while let Some(row) = query.next()? {
        let values = (0..columns.len())
            .map(|i| row.get::<_, Value>(i))
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if table == "meta"
            && let Some(i) = key_column
            && let Value::Text(key) = &values[i]
            && skip_meta.contains(key.as_str())
        {
            continue;
        }
        rows.push(values);
    }
    let total = rows.len() as u64;
    let types: Vec<&str> = columns
        .iter()
        .map(|column| target_types[column].as_str())
        .collect();
    let per_statement = (MAX_PARAMETERS / columns.len().max(1)).max(1);
    let mut inserted = 0;
    for chunk in rows.chunks(per_statement) {
        let mut parameters: Vec<Box<dyn ToSql + Sync>> = Vec::new();
        let mut tuples = Vec::with_capacity(chunk.len());
        for row in chunk {
            let mut placeholders = Vec::with_capacity(row.len());
            for (value, (column, kind)) in row.iter().zip(columns.iter().zip(&types)) {
                parameters.push(convert(value, kind, table, column)?);
                placeholders.push(format!("${}", parameters.len()));
            }
            tuples.push(format!("({})", placeholders.join(", ")));
        }
        let sql = format!(
            "INSERT INTO {table} ({}) VALUES {} ON CONFLICT DO NOTHING",
            columns.join(", "),
            tuples.join(", ")
        );
        let refs: Vec<&(dyn ToSql + Sync)> = parameters.iter().map(AsRef::as_ref).collect();
        inserted += target.execute(&sql, &refs)?;
    }
    Ok((inserted, total - inserted))
}

/// One SQLite value as the PostgreSQL column `kind` takes it.
fn convert(value: &Value, kind: &str, table: &str, column: &str) -> Result<Box<dyn ToSql + Sync>> {
    let wrong = || {
        Error::CopyRefused(format!(
            "{table}.{column}: {value:?} does not fit PostgreSQL's {kind}"
        ))
    };
    Ok(match (value, kind) {
        (Value::Null, "boolean") => Box::new(None::<bool>),
        (Value::Null, "smallint") => Box::new(None::<i16>),
        (Value::Null, "integer") => Box::new(None::<i32>),
        (Value::Null, "bigint") => Box::new(None::<i64>),
        (Value::Null, "double precision" | "real") => Box::new(None::<f64>),
        (Value::Null, "bytea") => Box::new(None::<Vec<u8>>),
        (Value::Null, _) => Box::new(None::<String>),
        (Value::Integer(n), "boolean") => Box::new(*n != 0),
        (Value::Integer(n), "smallint") => Box::new(i16::try_from(*n).map_err(|_| wrong())?),
        (Value::Integer(n), "integer") => Box::new(i32::try_from(*n).map_err(|_| wrong())?),
        (Value::Integer(n), "bigint") => Box::new(*n),
        (Value::Integer(n), "double precision" | "real") => Box::new(*n as f64),
        (Value::Real(x), "double precision" | "real") => Box::new(*x),
        (Value::Text(text), "text" | "character varying") => Box::new(text.clone()),
        (Value::Integer(n), "text" | "character varying") => Box::new(n.to_string()),
        (Value::Blob(bytes), "bytea") => Box::new(bytes.clone()),
        _ => return Err(wrong()),
    })
}

#[cfg(test)]
mod tests;
