//! Turns parsed entries into clean stories: sanitized HTML, plain text, a
//! canonical link and the content hash that deduplication keys on.
//!
//! Pure functions only: no I/O, no clock, no database. The same input always
//! gives the same story, which is what makes the hash a dedup key.

mod hash;
mod html;
mod link;

use chrono::{DateTime, Utc};
use url::Url;

use crate::cluster::{self, Fingerprint};
use crate::parse::ParsedEntry;
use crate::text::{collapse_whitespace, excerpt, normalize_for_hash};

pub use hash::{ContentHash, content_hash, strip_boilerplate};
pub use html::{html_to_text, sanitize_html, text_to_html};
pub use link::canonical_link;

/// A story ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    /// Plain text; never empty (falls back to the start of the text).
    pub title: String,
    /// Canonical link: tracking parameters and fragment removed.
    pub link: Option<Url>,
    pub author: Option<String>,
    pub published: Option<DateTime<Utc>>,
    pub updated: Option<DateTime<Utc>>,
    /// Sanitized HTML, safe to republish as is.
    pub content_html: String,
    /// Plain text, paragraphs separated by blank lines, boilerplate removed.
    pub content_text: String,
    pub content_hash: ContentHash,
    /// The feed's own text when the story holds the article its link leads
    /// to (a `full_text` feed; see [`with_article`]), plain text; `None`
    /// otherwise. No part of the hash: the article is the story.
    pub summary: Option<String>,
    /// The near-duplicate fingerprint of title and text, computed here (on
    /// the parsing threads) rather than in the store (under its lock).
    pub fingerprint: Fingerprint,
}

/// One entry of one feed: the story plus the identity the feed gave it.
/// The story's link is this feed's (canonical) link for it.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// The feed's guid, else the canonical link, else the content hash:
    /// what tells "the same item again" from "a new item" within a feed.
    pub guid: String,
    pub story: Story,
}

/// Cleans one parsed entry. Returns `None` for an entry with neither a title
/// nor any text: there is nothing to show or to deduplicate on.
pub fn normalize_entry(entry: &ParsedEntry) -> Option<Item> {
    let base = entry.base.as_ref().or(entry.link.as_ref());
    let raw_html = entry
        .content_html
        .as_deref()
        .filter(|html| !html.trim().is_empty())
        .or(entry.summary_html.as_deref())
        .unwrap_or("");
    let content_html = sanitize_html(raw_html, base);
    let content_text = hash::join_without_boilerplate(&html::html_paragraphs(&content_html));
    let title = entry
        .title
        .as_deref()
        .map(plain_title)
        .filter(|title| !title.is_empty())
        .or_else(|| title_from_text(&content_text))?;
    let link = entry.link.as_ref().map(canonical_link);
    // A title alone ("Daily briefing", "Episode 12") does not identify a
    // story: without text, the item's own link or guid joins the hash, so
    // that tomorrow's briefing is not merged into today's.
    let (content_hash, fingerprint) = hash_and_fingerprint(&title, &content_text, || {
        link.as_ref()
            .map(Url::as_str)
            .or(entry.guid.as_deref())
            .unwrap_or("")
    });
    let guid = entry
        .guid
        .as_deref()
        .map(str::trim)
        .filter(|guid| !guid.is_empty())
        .map(str::to_owned)
        .or_else(|| link.as_ref().map(|link| link.to_string()))
        .unwrap_or_else(|| format!("sha256:{}", content_hash.as_str()));
    Some(Item {
        guid,
        story: Story {
            title,
            link,
            author: entry
                .author
                .as_deref()
                .map(plain_author)
                .filter(|a| !a.is_empty()),
            published: entry.published.or(entry.updated),
            updated: entry.updated,
            content_html,
            content_text,
            content_hash,
            summary: None,
            fingerprint,
        },
    })
}

/// Builds a story from plain-text paragraphs (the seed articles).
pub fn story_from_paragraphs(
    title: &str,
    link: Option<&Url>,
    published: Option<DateTime<Utc>>,
    paragraphs: &[String],
) -> Story {
    let title = collapse_whitespace(title);
    let content_text = paragraphs
        .iter()
        .map(|p| collapse_whitespace(p))
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n");
    let content_html = text_to_html(&content_text);
    let (content_hash, fingerprint) = hash_and_fingerprint(&title, &content_text, || "");
    Story {
        title,
        link: link.map(canonical_link),
        author: None,
        published,
        updated: None,
        content_html,
        content_text,
        content_hash,
        summary: None,
        fingerprint,
    }
}

/// The content hash and the near-duplicate fingerprint of a story, from
/// one fold of its title and text (the two describe the same words). A
/// story without text hashes its title with `key()` instead (see
/// [`normalize_entry`]).
fn hash_and_fingerprint<'a>(
    title: &str,
    text: &str,
    key: impl FnOnce() -> &'a str,
) -> (ContentHash, Fingerprint) {
    let folded_title = normalize_for_hash(title);
    let folded_text = normalize_for_hash(text);
    let fingerprint = cluster::fingerprint_of_folded(&folded_title, &folded_text);
    // On the text as stored, not as folded: a text of a zero-width space
    // folds to nothing yet has always been hashed as text.
    let content_hash = if text.is_empty() {
        hash::content_hash_of_folded(&folded_title, &normalize_for_hash(key()))
    } else {
        hash::content_hash_of_folded(&folded_title, &folded_text)
    };
    (content_hash, fingerprint)
}

/// `story` with the article its link leads to as its body: `html`
/// (fetched and extracted, e.g. by `article::extract`) is sanitized again
/// and its text, content hash and fingerprint computed as for any item,
/// so dedup, clusters and topics work on the article; the feed's own
/// text, when it had any, becomes the summary. Title, link, byline and
/// dates stay the feed's.
pub fn with_article(story: &Story, html: &str) -> Story {
    let base = story.link.as_ref();
    let content_html = sanitize_html(html, base);
    let content_text = hash::join_without_boilerplate(&html::html_paragraphs(&content_html));
    if content_text.is_empty() {
        return story.clone();
    }
    let summary = Some(story.content_text.clone()).filter(|teaser| !teaser.is_empty());
    // The text is not empty: the key is never used.
    let (content_hash, fingerprint) = hash_and_fingerprint(&story.title, &content_text, || "");
    Story {
        content_hash,
        fingerprint,
        content_html,
        content_text,
        summary,
        ..story.clone()
    }
}

/// A title as plain text. RSS titles are often HTML in disguise (escaped
/// markup that decodes to `<b>…</b>`, or worse `<script>`): a title that
/// still holds a tag goes through the same text extraction as bodies,
/// which keeps the words and drops scripts and styles with their content.
/// Titles longer than [`MAX_TITLE_CHARS`] are cut.
pub fn plain_title(title: &str) -> String {
    plain_text(title, MAX_TITLE_CHARS)
}

/// An author as plain text, cleaned exactly as a title is (see
/// [`plain_title`]): the same feeds put the same escaped markup in both,
/// and a byline that kept `<b>` as text beside a title that lost it
/// looked broken. Bylines longer than [`MAX_AUTHOR_CHARS`] are cut.
pub fn plain_author(author: &str) -> String {
    plain_text(author, MAX_AUTHOR_CHARS)
}

/// `text` with its markup (if it holds a tag) turned into plain text,
/// whitespace collapsed, cut at `max` characters on a word boundary.
fn plain_text(text: &str, max: usize) -> String {
    static TAG: std::sync::LazyLock<regex::Regex> =
        std::sync::LazyLock::new(|| crate::text::built_in_regex(r"<[A-Za-z/!?][^>]*>"));
    if TAG.is_match(text) {
        excerpt(&html_to_text(&sanitize_html(text, None)), max)
    } else {
        excerpt(text, max)
    }
}

/// The longest title kept, in characters. Real headlines stay under 150; a
/// "title" holding a whole article (it happens) would flood every reader's
/// list, so it is cut on a word boundary, never inside a character.
pub const MAX_TITLE_CHARS: usize = 300;

/// The longest byline kept, in characters: a dozen co-authors fit; a feed
/// that puts a biography there does not flood every entry.
pub const MAX_AUTHOR_CHARS: usize = 200;

/// A title for an untitled item: its first sentence, cut at a word boundary.
fn title_from_text(text: &str) -> Option<String> {
    const MAX: usize = 100;
    let first = text.split("\n\n").next()?.trim();
    if first.is_empty() {
        return None;
    }
    let sentence = first
        .split_inclusive(['.', '!', '?'])
        .next()
        .unwrap_or(first)
        .trim();
    Some(excerpt(sentence, MAX))
}

#[cfg(test)]
mod tests;
