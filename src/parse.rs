//! Turns the bytes of a fetched feed into entries (CONTRACT STUB — being written).

use chrono::{DateTime, Utc};
use url::Url;

/// A feed as feedloom understands it after the leniency layer and feed-rs.
#[derive(Debug, Clone, Default)]
pub struct ParsedFeed {
    /// The feed's own title, entities decoded, plain text.
    pub title: Option<String>,
    /// The feed's home page link (absolute).
    pub link: Option<Url>,
    /// Entries in document order.
    pub entries: Vec<ParsedEntry>,
    /// Things that were repaired or look wrong but did not stop parsing
    /// (e.g. "parsed, but no entries", "repaired bare '&'").
    pub warnings: Vec<String>,
}

/// One item of a feed, before cleaning: HTML is still raw and unsanitized.
#[derive(Debug, Clone, Default)]
pub struct ParsedEntry {
    /// The id the feed itself gave (RSS guid, Atom id, JSON Feed id); `None`
    /// when the feed had none (feed-rs's invented ids are not kept).
    pub guid: Option<String>,
    /// Plain-text title, HTML entities decoded.
    pub title: Option<String>,
    /// The entry's main link, absolute (resolved against xml:base / feed URL).
    pub link: Option<Url>,
    /// Author names joined with ", ".
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// The full body as raw HTML (content:encoded, Atom content, content_html),
    /// or plain text turned into HTML-escaped text.
    pub content_html: Option<String>,
    /// The summary/description as raw HTML.
    pub summary_html: Option<String>,
    /// Base URL for relative links in this entry's HTML.
    pub base: Option<Url>,
}

/// Why a document could not be read as a feed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Not XML/JSON at all, or XML with a root feedloom does not know.
    #[error("not a feed: {reason}")]
    NotAFeed { reason: String },
    /// The document is broken; position where known (1-based).
    #[error("malformed feed at line {line}, column {column}: {message}", line = .line.map(|l| l.to_string()).unwrap_or_else(|| "?".into()), column = .column.map(|c| c.to_string()).unwrap_or_else(|| "?".into()))]
    Malformed {
        line: Option<u32>,
        column: Option<u32>,
        message: String,
    },
    /// The parser panicked; caught and reported instead of crashing.
    #[error("the feed parser crashed on this document: {message}")]
    Panicked { message: String },
}

/// Parses a feed body. `content_type` is the HTTP Content-Type header (its
/// charset wins over the XML declaration); `base` is the URL it came from.
/// Synchronous and CPU-bound: async callers run it in `spawn_blocking`.
pub fn parse(body: &[u8], content_type: Option<&str>, base: &Url) -> Result<ParsedFeed, Error> {
    let _ = (body, content_type, base);
    unimplemented!("parse is being written")
}
