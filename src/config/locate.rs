//! Where the command line finds its configuration when the user names none:
//! a checkout's `config/feedloom.toml`, then the user's configuration
//! folder, then the system's (`/etc/feedloom`, where the Debian package puts
//! it). So `feedloom feeds ls` works in a checkout, for a user who ran
//! `feedloom init`, and on an installed service alike, without `--config`.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};

/// The environment variable that names the file, after `--config`.
pub const CONFIG_VAR: &str = "FEEDLOOM_CONFIG";
/// The file's name in every folder searched.
pub const FILE_NAME: &str = "feedloom.toml";
/// Searched first, relative to the working directory: a checkout's file.
pub const WORKING_DIR_FILE: &str = "config/feedloom.toml";
/// Searched last: the installed service's configuration.
pub const SYSTEM_DIR: &str = "/etc/feedloom";

/// The per-user folders, from the XDG base directory variables or the home
/// folder. Written out rather than taken from a crate such as `dirs`, which
/// maps them to `~/Library/…` on macOS: feedloom is a Unix command-line tool
/// and keeps its files where the XDG specification says on every system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserDirs {
    /// `$XDG_CONFIG_HOME/feedloom`, or `~/.config/feedloom`.
    pub config: Option<PathBuf>,
    /// `$XDG_DATA_HOME/feedloom`, or `~/.local/share/feedloom`: where
    /// `feedloom init` puts the database of a configuration it writes to
    /// [`UserDirs::config`].
    pub data: Option<PathBuf>,
}

impl UserDirs {
    /// The folders for this process's environment.
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var_os(name), std::env::home_dir())
    }

    /// The folders given the variables (`var`) and the home folder. A
    /// variable that is unset, empty or not an absolute path is ignored, as
    /// the XDG specification asks; without it and without a home folder
    /// there is no such folder.
    pub fn from_vars(var: impl Fn(&str) -> Option<OsString>, home: Option<PathBuf>) -> Self {
        let home = home.filter(|h| h.is_absolute());
        let base = |name: &str, under_home: &str| {
            var(name)
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .or_else(|| home.as_ref().map(|h| h.join(under_home)))
                .map(|p| p.join("feedloom"))
        };
        Self {
            config: base("XDG_CONFIG_HOME", ".config"),
            data: base("XDG_DATA_HOME", ".local/share"),
        }
    }

    /// The files searched when neither `--config` nor [`CONFIG_VAR`] names
    /// one, in order.
    pub fn candidates(&self) -> Vec<PathBuf> {
        let mut out = vec![PathBuf::from(WORKING_DIR_FILE)];
        out.extend(self.config.as_ref().map(|dir| dir.join(FILE_NAME)));
        out.push(Path::new(SYSTEM_DIR).join(FILE_NAME));
        out
    }
}

/// The configuration file to use: `explicit` (from `--config` or
/// [`CONFIG_VAR`], which need not exist: reading it reports that), else the
/// first of [`UserDirs::candidates`] that exists.
pub fn find(explicit: Option<&Path>, dirs: &UserDirs) -> Result<PathBuf, NotFound> {
    if let Some(path) = explicit {
        return Ok(path.to_owned());
    }
    let candidates = dirs.candidates();
    // A place that cannot be examined (a folder without search
    // permission) counts as found, so that reading it reports why.
    match candidates
        .iter()
        .find(|path| path.try_exists().unwrap_or(true))
    {
        Some(found) => Ok(found.clone()),
        None => Err(NotFound {
            looked: candidates,
            init_dir: dirs.config.clone(),
        }),
    }
}

/// No configuration file anywhere feedloom looks. Its message lists the
/// places in order and how to make one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotFound {
    /// The files looked for, in order, after `--config` and [`CONFIG_VAR`].
    pub looked: Vec<PathBuf>,
    /// Where `feedloom init` without a folder writes (the user's folder).
    pub init_dir: Option<PathBuf>,
}

impl fmt::Display for NotFound {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "no configuration file found; feedloom looks, in order, at"
        )?;
        writeln!(f, "  --config PATH (not given)")?;
        writeln!(f, "  ${CONFIG_VAR} (not set)")?;
        for path in &self.looked {
            let note = if path.is_relative() {
                " (in the working directory)"
            } else {
                ""
            };
            writeln!(f, "  {}{note}", path.display())?;
        }
        match &self.init_dir {
            Some(dir) => write!(
                f,
                "`feedloom init` writes a commented configuration and a seeds folder to {}, \
                 `feedloom init DIR` to another folder (then pass --config DIR/{FILE_NAME})",
                dir.display()
            ),
            None => write!(
                f,
                "`feedloom init DIR` writes a commented configuration and a seeds folder to DIR \
                 (then pass --config DIR/{FILE_NAME})"
            ),
        }
    }
}

impl std::error::Error for NotFound {}

#[cfg(test)]
mod tests;
