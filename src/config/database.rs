//! Where the stories live: a SQLite file (the default, nothing to install)
//! or a PostgreSQL server that several feedloom nodes share.
//!
//! A PostgreSQL URL may carry a password. It is kept here and handed only to
//! the driver ([`PostgresUrl::connect_str`]); everything that prints a
//! database (logs, errors, `check-config`) goes through `Display` or
//! `Debug`, which show `***` in its place.

use std::fmt;
use std::path::{Path, PathBuf};

use url::Url;

/// The environment variable that names the database instead of the file's
/// `database` key, so that a password need not sit in the configuration.
pub const DATABASE_URL_VAR: &str = "FEEDLOOM_DATABASE_URL";

/// The configured database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// A SQLite file, resolved against the configuration file's folder.
    Sqlite(PathBuf),
    /// A PostgreSQL server (`postgres://` or `postgresql://`).
    Postgres(PostgresUrl),
}

impl Database {
    /// The SQLite file, if the stories live in one.
    pub fn sqlite_path(&self) -> Option<&Path> {
        match self {
            Database::Sqlite(path) => Some(path),
            Database::Postgres(_) => None,
        }
    }

    /// Whether `text` names a PostgreSQL server rather than a file.
    pub fn is_postgres_url(text: &str) -> bool {
        let text = text.trim_start();
        ["postgres://", "postgresql://"].iter().any(|scheme| {
            text.get(..scheme.len())
                .is_some_and(|head| head.eq_ignore_ascii_case(scheme))
        })
    }
}

impl fmt::Display for Database {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "{}", path.display()),
            Database::Postgres(url) => write!(f, "{url}"),
        }
    }
}

/// A PostgreSQL connection URL whose password never shows when printed.
#[derive(Clone, PartialEq, Eq)]
pub struct PostgresUrl(Url);

/// Why a text is not a usable PostgreSQL URL. Names no password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UrlError(String);

impl PostgresUrl {
    /// Parses a `postgres://` or `postgresql://` URL with a host. The
    /// error describes the URL without its password.
    pub fn parse(text: &str) -> Result<Self, UrlError> {
        let url = Url::parse(text.trim()).map_err(|e| {
            UrlError(format!(
                "not a PostgreSQL URL ({e}); write postgres://USER@HOST[:PORT]/DATABASE"
            ))
        })?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            return Err(UrlError(format!(
                "scheme {}: is not postgres: or postgresql:",
                url.scheme()
            )));
        }
        let url = Self(url);
        if url.0.host_str().is_none_or(str::is_empty) {
            return Err(UrlError(format!(
                "{url} names no host; write postgres://USER@HOST[:PORT]/DATABASE"
            )));
        }
        Ok(url)
    }

    /// The URL as the driver needs it, password included. Only for
    /// connecting: never log or print it.
    pub fn connect_str(&self) -> &str {
        self.0.as_str()
    }
}

impl fmt::Display for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut shown = self.0.clone();
        if shown.password().is_some() {
            // Cannot fail: the URL has a host, so it can have a password.
            let _ = shown.set_password(Some("***"));
        }
        if shown.query().is_some() {
            let pairs: Vec<(String, String)> = shown
                .query_pairs()
                .map(|(key, value)| {
                    let value = if key.eq_ignore_ascii_case("password") {
                        "***".to_owned()
                    } else {
                        value.into_owned()
                    };
                    (key.into_owned(), value)
                })
                .collect();
            shown.query_pairs_mut().clear().extend_pairs(pairs);
        }
        f.write_str(shown.as_str())
    }
}

impl fmt::Debug for PostgresUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PostgresUrl({self})")
    }
}

#[cfg(test)]
mod tests;
