//! Why an edit was refused ([`EditError`]): every way an edit can fail
//! leaves the file as it was, and each variant says what to do about it.
//! Below every other part of `edit`, since each of them can refuse.

use std::path::PathBuf;

use url::Url;

use crate::config::error::{Error, Problem};

/// How the CLI tells users to see what is there when a selector misses.
const LIST_HINT: &str = "`feedloom feeds ls` lists them";

/// Why an edit was refused. Nothing was written in any case.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The file cannot be read, or is already invalid: its problems are
    /// listed (file:line:column, the cause) and must be fixed by hand first.
    #[error("nothing changed; fix these first")]
    Config(#[from] Error),
    /// The edit would make the file invalid; the validator's verdict, with
    /// the key path of each problem (positions would point into text that
    /// was never written, so they are left out).
    #[error("refused, {} would not load after this edit:\n{}", path.display(), problems.iter().map(|p| format!("{}: {}", p.key, p.message)).collect::<Vec<_>>().join("\n"))]
    WouldBeInvalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
    #[error("{}:{line}: {url} is already listed{}", path.display(), existing.as_ref().map(|t| format!(" as '{t}'")).unwrap_or_default())]
    Duplicate {
        path: PathBuf,
        /// Boxed: a `Url` would make every `Result` here large.
        url: Box<Url>,
        /// Line of the existing entry's `url`.
        line: usize,
        /// The existing entry's title.
        existing: Option<String>,
    },
    #[error("no feed in {} has {selector}; {LIST_HINT}", path.display())]
    NotFound { path: PathBuf, selector: String },
    #[error("{} feeds in {} have title '{title}'; name one by URL: {}", matches.len(), path.display(), matches.iter().map(|(url, line)| format!("{url} (line {line})")).collect::<Vec<_>>().join(", "))]
    Ambiguous {
        path: PathBuf,
        title: String,
        /// Each match's URL and line.
        matches: Vec<(Url, usize)>,
    },
    /// A layout this module does not edit (`feeds = [ {…} ]` written
    /// inline); better refused than rewritten into another style.
    #[error("{}:{line}: {what}; edit the file by hand", path.display())]
    Unsupported {
        path: PathBuf,
        line: usize,
        what: String,
    },
    #[error("cannot lock {} for editing", path.display())]
    Lock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}; the file is unchanged", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
