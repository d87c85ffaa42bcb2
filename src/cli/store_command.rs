//! `feedloom store …`: the store as a whole. `copy` moves a SQLite store
//! to PostgreSQL (see `store::copy`), for a user who outgrows one machine.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use crate::config::{Config, DATABASE_URL_VAR, Database, PostgresUrl};
use crate::store::copy;

#[derive(Debug, Subcommand)]
pub(super) enum StoreCommand {
    /// Copy this SQLite store into a PostgreSQL database: every story
    /// keeps its id, cluster, sources and verdicts, every feed its state,
    /// so subscribers see no new entries. Running it again changes
    /// nothing. Stop the daemon first, then point `database` at the URL.
    Copy {
        /// The PostgreSQL database (postgres://USER@HOST/DATABASE);
        /// default: FEEDLOOM_DATABASE_URL.
        #[arg(long)]
        to: Option<String>,
        /// The SQLite file; default: the configuration's `database`.
        #[arg(long)]
        from: Option<PathBuf>,
    },
}

pub(super) fn run(config: &Config, command: StoreCommand) -> anyhow::Result<()> {
    match command {
        StoreCommand::Copy { to, from } => copy_to_postgres(config, to, from),
    }
}

fn copy_to_postgres(
    config: &Config,
    to: Option<String>,
    from: Option<PathBuf>,
) -> anyhow::Result<()> {
    let to = match to {
        Some(to) => to,
        None => match &config.database {
            Database::Postgres(url) => url.connect_str().to_owned(),
            Database::Sqlite(_) => anyhow::bail!(
                "name the PostgreSQL database: --to postgres://USER@HOST/DATABASE (or {DATABASE_URL_VAR})"
            ),
        },
    };
    let target = PostgresUrl::parse(&to).context("--to")?;
    let from = match (from, &config.database) {
        (Some(from), _) => from,
        (None, Database::Sqlite(path)) => path.clone(),
        (None, Database::Postgres(_)) => anyhow::bail!(
            "the configuration's database is PostgreSQL ({DATABASE_URL_VAR} is set?); name the SQLite file with --from"
        ),
    };
    let copied = copy::sqlite_to_postgres(&from, target.connect_str())
        .with_context(|| format!("cannot copy {} to {target}", from.display()))?;
    for (table, rows) in &copied.rows {
        println!("{table}: {rows} rows copied");
    }
    if copied.already_there > 0 {
        println!(
            "{} rows were there already (an earlier copy) and were left as they are",
            copied.already_there
        );
    }
    println!(
        "{} stories indexed for search; {} now holds this store: set `database` to it (or {DATABASE_URL_VAR}) and start feedloom",
        copied.indexed, target
    );
    Ok(())
}
