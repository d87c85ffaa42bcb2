//! `feedloom init`: a new configuration from the bundled one. The commented
//! `config/feedloom.toml` and the seed articles of `config/seeds/` are built
//! into the binary, so an installed feedloom can make a working
//! configuration anywhere without the repository; only the `database` key
//! changes, set with toml_edit so every comment stays. It never overwrites.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::defaults;
use super::error::Error;
use super::locate::FILE_NAME;
use super::validate;

/// The repository's `config/feedloom.toml`, every key commented.
pub const BUNDLED_CONFIG: &str = include_str!("../../config/feedloom.toml");

/// The repository's `config/seeds/`, file by file (a unit test checks that
/// this list is the folder).
pub const BUNDLED_SEEDS: &[(&str, &str)] = &[
    (
        "000_4629beeac711faa9.txt",
        include_str!("../../config/seeds/000_4629beeac711faa9.txt"),
    ),
    (
        "001_00ff577f5a1c40e0.txt",
        include_str!("../../config/seeds/001_00ff577f5a1c40e0.txt"),
    ),
    (
        "002_a88aa390d9645a1d.txt",
        include_str!("../../config/seeds/002_a88aa390d9645a1d.txt"),
    ),
    (
        "003_969414e8ff3677b6.txt",
        include_str!("../../config/seeds/003_969414e8ff3677b6.txt"),
    ),
    (
        "004_7f4121f5e820f056.txt",
        include_str!("../../config/seeds/004_7f4121f5e820f056.txt"),
    ),
];

/// Why `init` wrote nothing, or stopped.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// The file or folder is there already.
    #[error("{} already exists; feedloom init never overwrites, so nothing was written", path.display())]
    Exists { path: PathBuf },
    /// Creating a folder or writing a file failed; what came before it
    /// stays written.
    #[error("cannot write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The configuration with that `database` does not validate.
    #[error(transparent)]
    Config(#[from] Error),
}

/// What [`write`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub config: PathBuf,
    pub seeds: PathBuf,
    pub seed_files: usize,
}

/// The bundled configuration with `database` set to `database` (a path,
/// relative to the file's folder, or a `postgres://` URL), comments and
/// layout kept.
pub fn text(database: &str) -> String {
    // Built in and parsed by the unit tests: not input that can be wrong.
    let mut doc: toml_edit::DocumentMut = BUNDLED_CONFIG
        .parse()
        .expect("the bundled config/feedloom.toml is TOML");
    doc["database"] = toml_edit::value(database);
    doc.to_string()
}

/// Writes `dir/feedloom.toml` (the bundled configuration, its database at
/// `database`) and `dir/seeds/` (the bundled seed articles), creating `dir`
/// if needed. Refuses, before writing anything, when either exists or the
/// result would not validate.
pub fn write(dir: &Path, database: &str) -> Result<Written, InitError> {
    let config = dir.join(FILE_NAME);
    let seeds = dir.join(defaults::SEEDS);
    let text = text(database);
    validate::from_str(&text, &config)?;
    for path in [&config, &seeds] {
        // A dangling symlink is there too: writing would follow it.
        if path.symlink_metadata().is_ok() {
            return Err(InitError::Exists { path: path.clone() });
        }
    }
    let failed = |path: &Path| {
        let path = path.to_owned();
        move |source| InitError::Write { path, source }
    };
    fs::create_dir_all(dir).map_err(failed(dir))?;
    fs::create_dir(&seeds).map_err(failed(&seeds))?;
    for (name, body) in BUNDLED_SEEDS {
        let path = seeds.join(name);
        create_new(&path, body).map_err(failed(&path))?;
    }
    create_new(&config, &text).map_err(failed(&config))?;
    Ok(Written {
        config,
        seeds,
        seed_files: BUNDLED_SEEDS.len(),
    })
}

/// Writes a file that must not exist yet (so a file created meanwhile is
/// not overwritten either).
fn create_new(path: &Path, body: &str) -> std::io::Result<()> {
    let mut file = OpenOptions::new().write(true).create_new(true).open(path)?;
    file.write_all(body.as_bytes())?;
    file.sync_all()
}

#[cfg(test)]
mod tests;
