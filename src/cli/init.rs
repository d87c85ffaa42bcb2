//! `feedloom init [DIR]`: a working configuration to start from, written
//! where feedloom will find it (the user's folder) unless told otherwise.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::config::{defaults, init, locate};

#[derive(Debug, Args)]
pub(super) struct InitArgs {
    /// Folder to write feedloom.toml and seeds/ into (created if missing).
    /// Default: $XDG_CONFIG_HOME/feedloom (~/.config/feedloom), where
    /// feedloom looks without --config.
    dir: Option<PathBuf>,
    /// The `database` key: a SQLite file (relative to DIR) or a
    /// postgres:// URL. Default: data/feedloom.db in DIR; for the default
    /// folder, $XDG_DATA_HOME/feedloom/feedloom.db
    /// (~/.local/share/feedloom/feedloom.db).
    #[arg(long, value_name = "PATH_OR_URL")]
    database: Option<String>,
}

pub(super) fn run(args: InitArgs) -> anyhow::Result<()> {
    let dirs = locate::UserDirs::from_env();
    let (dir, default_database) = match args.dir {
        Some(dir) => (dir, PathBuf::from(defaults::DATABASE)),
        None => {
            let dir = dirs.config.clone().context(
                "no user configuration folder: neither $XDG_CONFIG_HOME nor $HOME is set; \
                 name the folder: `feedloom init DIR`",
            )?;
            let database = dirs
                .data
                .as_ref()
                .map(|data| data.join("feedloom.db"))
                .unwrap_or_else(|| PathBuf::from(defaults::DATABASE));
            (dir, database)
        }
    };
    let database = match args.database {
        Some(database) => database,
        None => default_database
            .to_str()
            .with_context(|| {
                format!(
                    "the database path {} is not UTF-8, so TOML cannot hold it; give one with --database",
                    default_database.display()
                )
            })?
            .to_owned(),
    };
    let written = init::write(&dir, &database)?;
    println!(
        "wrote {} (database {database}) and {} ({} seed articles)",
        written.config.display(),
        written.seeds.display(),
        written.seed_files
    );
    // Whether a plain `feedloom` finds it now.
    let found = locate::find(None, &dirs).ok();
    let check = if found.as_deref() == Some(written.config.as_path()) {
        "feedloom check-config".to_owned()
    } else {
        format!(
            "feedloom --config {} check-config",
            written.config.display()
        )
    };
    println!(
        "next: set [topic] and the [[feeds]] in it (or `feedloom feeds add URL`), put your own seed articles in the seeds folder, then run `{check}`"
    );
    Ok(())
}
