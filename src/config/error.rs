//! How a configuration is reported unusable: the [`Error`] callers match on,
//! each [`Problem`] with its line:column and key, and the line index that
//! turns byte offsets into those positions. Every layer (raw parsing,
//! validation, `check-config`) reports through these, so they sit below all
//! of them.

use std::fmt;
use std::path::PathBuf;

/// Every way a configuration can be unusable; each names the file and, where
/// it is about the text, line:column and the key.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read at all (missing, permissions, not UTF-8).
    #[error("cannot read config file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// An environment variable that stands in for a key is unusable.
    #[error("{name}: {message}")]
    Environment { name: &'static str, message: String },
    /// No file where feedloom looks for one; the message lists the places.
    #[error(transparent)]
    NotFound(#[from] super::locate::NotFound),
    /// One or more problems in the text; Display prints one per line as
    /// `path:line:column: key: message`.
    #[error("{}", problems.iter().map(|p| format!("{}:{p}", path.display())).collect::<Vec<_>>().join("\n"))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

/// One problem found in a configuration file (1-based position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    /// Counted in characters, not bytes, so it matches what editors show.
    pub column: usize,
    /// Dotted key path, e.g. `feeds[2].schedule` (array indices from 0).
    pub key: String,
    /// What is wrong and, where useful, a hint.
    pub message: String,
}

impl fmt::Display for Problem {
    /// `line:column: key: message`, the tail of the compiler-style line that
    /// editors and terminals turn into a jump target.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.line, self.column, self.key, self.message
        )
    }
}

/// Byte offsets to 1-based line:column.
pub(super) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { text, starts }
    }

    /// 1-based (line, column); offsets past the end or inside a character
    /// are clamped rather than trusted.
    pub(super) fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (line, column)
    }

    pub(super) fn problem(&self, offset: usize, key: String, message: String) -> Problem {
        let (line, column) = self.position(offset);
        Problem {
            line,
            column,
            key,
            message,
        }
    }
}
