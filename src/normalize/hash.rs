//! The content hash: what makes two items "the same story".
//!
//! It is computed over the story's normalized words, not its URL or guid, so
//! a cross-post under another URL, guid, markup, whitespace or tracking
//! parameters hashes the same, while two stories that merely share a
//! background paragraph do not.

use std::fmt;
use std::sync::LazyLock;

use regex::Regex;
use sha2::{Digest, Sha256};

use crate::text::normalize_for_hash;

/// SHA-256 of a story's normalized title and text, as lowercase hex.
/// A newtype so that it cannot be mixed up with other strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContentHash(String);

impl ContentHash {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ContentHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Hashes a story's title and plain text, the text as stored: paragraphs
/// separated by blank lines, boilerplate already dropped by
/// [`strip_boilerplate`].
///
/// Normalization: Unicode NFKC, typographic quotes and dashes folded to
/// ASCII, lowercase, every run of whitespace collapsed to one space.
pub fn content_hash(title: &str, text: &str) -> ContentHash {
    content_hash_of_folded(&normalize_for_hash(title), &normalize_for_hash(text))
}

/// [`content_hash`] of a title and text already folded by
/// `normalize_for_hash`: the parse workers fold a story once for its hash
/// and its near-duplicate fingerprint.
pub(crate) fn content_hash_of_folded(title: &str, text: &str) -> ContentHash {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut hasher = Sha256::new();
    hasher.update(title.as_bytes());
    hasher.update(b"\n");
    hasher.update(text.as_bytes());
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(digest.len() * 2);
    for byte in digest {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0xf)]));
    }
    ContentHash(hex)
}

/// Drops the paragraphs that syndication adds around a story ("The post …
/// appeared first on …", "Read more …", "Continue reading …"): they differ
/// between two copies of the same story and say nothing about it.
pub fn strip_boilerplate(text: &str) -> String {
    text.split("\n\n")
        .map(str::trim)
        .filter(|paragraph| !paragraph.is_empty() && !is_boilerplate(paragraph))
        .collect::<Vec<_>>()
        .join("\n\n")
}

/// [`strip_boilerplate`] of paragraphs not joined yet (trimmed, none
/// empty, none holding a blank line): the same text, without splitting
/// at blank lines a text just joined at them.
pub(crate) fn join_without_boilerplate(paragraphs: &[String]) -> String {
    paragraphs
        .iter()
        .map(String::as_str)
        .filter(|paragraph| !is_boilerplate(paragraph))
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn is_boilerplate(paragraph: &str) -> bool {
    // Only short paragraphs qualify: a long one that happens to start with
    // "Read more" is article text.
    const MAX_LEN: usize = 300;
    static PATTERNS: LazyLock<Regex> = LazyLock::new(|| {
        crate::text::built_in_regex(
            r"(?ix)^(?:
                the\ post\ .+\ (?:appeared|was\ published)\ first\ on\ .+
              | this\ (?:article|post|story)\ (?:first\ )?appeared\ (?:first\ )?(?:on|in)\ .+
              | (?:read|see)\ (?:more|the\ (?:full|original|rest\ of\ the)\ (?:story|article|post))\b.*
              | continue\ reading\b.*
              | (?:the\ )?(?:full\ )?(?:story|article)\ continues\b.*
              | \[?(?:…|\.\.\.)\]?
            )$",
        )
    });
    paragraph.len() <= MAX_LEN && PATTERNS.is_match(paragraph)
}
