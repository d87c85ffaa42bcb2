//! Configuration (CONTRACT STUB — being written).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use url::Url;

/// The validated configuration: every field has its final type, so nothing
/// downstream re-checks it.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file this was loaded from.
    pub path: PathBuf,
    /// SQLite database file, resolved against the config file's folder.
    pub database: PathBuf,
    pub listen: SocketAddr,
    /// Default schedule for every feed.
    pub schedule: Schedule,
    pub topic: Topic,
    pub fetch: FetchLimits,
    pub feeds: Vec<FeedConfig>,
}

/// A cron schedule with its source text (for display and round-trips).
#[derive(Debug, Clone)]
pub struct Schedule {
    pub expression: String,
    pub cron: cron::Schedule,
}

#[derive(Debug, Clone)]
pub struct Topic {
    pub title: String,
    /// Seeds folder, resolved against the config file's folder.
    pub seeds: PathBuf,
}

/// `[fetch]` table: limits of the HTTP fetcher.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchLimits {
    /// Whole request, headers to last body byte. Default 30 s.
    pub timeout: Duration,
    /// TCP+TLS connect. Default 10 s.
    pub connect_timeout: Duration,
    /// Body cap in bytes, enforced on the decompressed body. Default 10 MiB.
    pub max_body_bytes: u64,
    /// Requests in flight over all feeds. Default 16.
    pub concurrency: usize,
    /// Requests in flight per host. Default 2.
    pub per_host: usize,
    /// Redirects followed. Default 5.
    pub max_redirects: usize,
}

impl Default for FetchLimits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: 10 * 1024 * 1024,
            concurrency: 16,
            per_host: 2,
            max_redirects: 5,
        }
    }
}

#[derive(Debug, Clone)]
pub struct FeedConfig {
    pub url: Url,
    pub title: Option<String>,
    /// Per-feed override of `Config::schedule`.
    pub schedule: Option<Schedule>,
    pub enabled: bool,
}

/// Every way a configuration can be unusable; each names the file and, where
/// it is about the text, line:column and the key.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot read config file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// One or more problems in the text; Display prints one per line as
    /// `path:line:column: key: message`.
    #[error("{}", problems.iter().map(|p| format!("{}:{}:{}: {}: {}", path.display(), p.line, p.column, p.key, p.message)).collect::<Vec<_>>().join("\n"))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

/// One problem found in a configuration file (1-based position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: usize,
    /// Dotted key path, e.g. `feeds[2].schedule`.
    pub key: String,
    /// What is wrong and, where useful, a hint.
    pub message: String,
}

/// Loads and validates the file at `path`.
pub fn load(path: &Path) -> Result<Config, Error> {
    let _ = path;
    unimplemented!()
}

/// Validates `text` as if it were the file at `path` (relative paths resolve
/// against `path`'s folder; nothing is read from disk).
pub fn from_str(text: &str, path: &Path) -> Result<Config, Error> {
    let _ = (text, path);
    unimplemented!()
}
