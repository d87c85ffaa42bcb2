//! What the XML and HTML renderers share: the one escaping function, a tiny
//! indenting XML writer built on it, and the per-story decisions (ids, the
//! link, the author, dates, the "Also reported by" note) that must come out
//! the same in Atom, RSS and HTML.
//!
//! Every piece of input reaches the output through [`escape`], so the
//! renderers never concatenate raw input into markup; element and attribute
//! names are `&'static str`, so input can never become a name.

use std::borrow::Cow;
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDate, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

use super::FeedMeta;
use crate::store::{AlsoReported, Source, StoredStory};

/// Text made safe for XML 1.0 and HTML, as element content or as a quoted
/// attribute value: characters XML 1.0 forbids (C0 controls other than tab,
/// newline and carriage return; U+FFFE, U+FFFF) or discourages (DEL and C1
/// controls, which are also HTML parse errors) are dropped, then `&`, `<`,
/// `>`, `"`, `'` and `\r` become references. Escaping `>` also defuses `]]>`.
pub(super) fn escape(text: &str) -> Cow<'_, str> {
    if text.chars().any(is_unwanted) {
        let cleaned: String = text.chars().filter(|&c| !is_unwanted(c)).collect();
        Cow::Owned(quick_xml::escape::escape(cleaned).into_owned())
    } else {
        quick_xml::escape::escape(text)
    }
}

fn is_unwanted(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{7F}'..='\u{9F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// An XML document being written, indented two spaces per level so that the
/// feeds are readable when someone opens them in a browser.
pub(super) struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    /// Starts a document with the XML declaration.
    pub(super) fn new() -> Self {
        Self {
            out: String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"),
            depth: 0,
        }
    }

    fn start_tag(&mut self, name: &'static str, attrs: &[(&'static str, &str)]) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        self.out.push('<');
        self.out.push_str(name);
        for (key, value) in attrs {
            let _ = write!(self.out, " {key}=\"{}\"", escape(value));
        }
    }

    /// `<name attrs>` on its own line; the children follow, indented.
    pub(super) fn open(&mut self, name: &'static str, attrs: &[(&'static str, &str)]) {
        self.start_tag(name, attrs);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    /// `</name>` closing the matching [`Xml::open`].
    pub(super) fn close(&mut self, name: &'static str) {
        self.depth = self.depth.saturating_sub(1);
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
        let _ = writeln!(self.out, "</{name}>");
    }

    /// `<name attrs>text</name>`, the text escaped.
    pub(super) fn leaf(&mut self, name: &'static str, attrs: &[(&'static str, &str)], text: &str) {
        self.start_tag(name, attrs);
        let _ = writeln!(self.out, ">{}</{name}>", escape(text));
    }

    /// `<name attrs/>`.
    pub(super) fn empty(&mut self, name: &'static str, attrs: &[(&'static str, &str)]) {
        self.start_tag(name, attrs);
        self.out.push_str("/>\n");
    }

    pub(super) fn finish(self) -> String {
        self.out
    }
}

/// A URL that may go into an `href`: absolute `http`/`https` only, so that a
/// hostile feed cannot plant `javascript:` or `data:` links in the pages and
/// feeds we republish. Returns the URL re-serialized (percent-encoded).
pub(super) fn safe_url(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw.trim()).ok()?;
    matches!(url.scheme(), "http" | "https").then(|| url.into())
}

/// The permanent id of a story in Atom and RSS: `urn:uuid:` + the 32-hex
/// public id as 8-4-4-4-12. Readers key their read/unread state on it, so it
/// must never change; it depends on the uid alone, not on order or content.
/// A uid that is not 32 hex digits (never written by the store, but the type
/// allows it) is hashed into a UUID instead, which is just as stable.
pub(super) fn entry_id(uid: &str) -> String {
    let hex = if uid.len() == 32 && uid.bytes().all(|b| b.is_ascii_hexdigit()) {
        uid.to_ascii_lowercase()
    } else {
        hashed_hex(&format!("feedloom story {uid}"))
    };
    uuid_urn(&hex)
}

/// The feed's own id: a UUID (version 8, "custom", per RFC 9562) from a
/// SHA-256 of the site URL, so it survives restarts and differs between
/// sites, and moving the site is the only thing that changes it.
pub(super) fn feed_id(meta: &FeedMeta) -> String {
    let mut hex = hashed_hex(&format!("feedloom feed {}", meta.site_url)).into_bytes();
    hex[12] = b'8'; // version 8
    hex[16] = b"89ab"[usize::from(hex[16] % 4)]; // RFC 4122 variant
    uuid_urn(&String::from_utf8_lossy(&hex))
}

fn hashed_hex(input: &str) -> String {
    let digest = Sha256::digest(input.as_bytes());
    let mut hex = String::with_capacity(32);
    for byte in &digest[..16] {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// `hex` is 32 ASCII hex digits.
fn uuid_urn(hex: &str) -> String {
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Where a story's headline points in a feed: the original article, or for a
/// story without one (seed articles) its page on this site.
pub(super) fn story_link(meta: &FeedMeta, story: &StoredStory) -> String {
    story
        .link
        .as_deref()
        .and_then(safe_url)
        .unwrap_or_else(|| meta.story_url(&story.uid))
}

/// The story's author as a name for humans: its own byline, else the feed
/// that carried it first, else this feed. Atom needs an author on every
/// entry, and "who wrote this" is the best fallback we have.
pub(super) fn author<'a>(meta: &'a FeedMeta, story: &'a StoredStory) -> &'a str {
    non_blank(story.author.as_deref())
        .or_else(|| non_blank(story.sources.first().and_then(|s| s.feed_title.as_deref())))
        .unwrap_or(&meta.title)
}

fn non_blank(text: Option<&str>) -> Option<&str> {
    text.filter(|t| !t.trim().is_empty())
}

/// What a source is called in prose: its feed's title, else its feed URL.
pub(super) fn source_name(source: &Source) -> &str {
    non_blank(source.feed_title.as_deref()).unwrap_or(&source.feed_url)
}

/// Where a mention of a source points: its item, else its feed.
pub(super) fn source_link(source: &Source) -> Option<String> {
    source
        .link
        .as_deref()
        .and_then(safe_url)
        .or_else(|| safe_url(&source.feed_url))
}

/// The dates a feed carries must have four-digit, non-negative years (RFC
/// 3339 and 2822 cannot say more, and chrono's RFC 2822 formatter panics
/// otherwise); a feed that claims the year 20250 is pulled back to 9999.
fn clamp(time: &DateTime<Utc>) -> DateTime<Utc> {
    let first = NaiveDate::from_ymd_opt(1, 1, 1).and_then(|d| d.and_hms_opt(0, 0, 0));
    let last = NaiveDate::from_ymd_opt(9999, 12, 31).and_then(|d| d.and_hms_opt(23, 59, 59));
    match (first, last) {
        (Some(first), _) if time.year() < 1 => first.and_utc(),
        (_, Some(last)) if time.year() > 9999 => last.and_utc(),
        _ => *time,
    }
}

/// `2025-06-01T12:00:00Z`: Atom, HTML `datetime`.
pub(super) fn rfc3339(time: &DateTime<Utc>) -> String {
    clamp(time).to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `Sun, 1 Jun 2025 12:00:00 +0000`: RSS.
pub(super) fn rfc2822(time: &DateTime<Utc>) -> String {
    clamp(time).to_rfc2822()
}

/// What another cluster member's outlet is called in prose: its feed's
/// title, else its feed URL.
pub(super) fn report_name(report: &AlsoReported) -> &str {
    non_blank(report.feed_title.as_deref()).unwrap_or(&report.feed_url)
}

/// Where a mention of another member points: its article, else its feed.
pub(super) fn report_link(report: &AlsoReported) -> Option<String> {
    report
        .link
        .as_deref()
        .and_then(safe_url)
        .or_else(|| safe_url(&report.feed_url))
}

/// `<a href="…">name</a>` (or the name alone without a safe link), escaped.
fn linked(name: &str, href: Option<String>) -> String {
    let name = escape(name);
    match href {
        Some(href) => format!("<a href=\"{}\">{name}</a>", escape(&href)),
        None => name.into_owned(),
    }
}

/// Every outlet of a story as linked names: the feeds that carried it,
/// then the other members of its near-duplicate cluster.
pub(super) fn outlets(story: &StoredStory) -> Vec<String> {
    story
        .sources
        .iter()
        .map(|source| linked(source_name(source), source_link(source)))
        .chain(
            story
                .also_reported_by
                .iter()
                .map(|report| linked(report_name(report), report_link(report))),
        )
        .collect()
}

/// The note appended to a story's HTML in the feeds when more than one
/// outlet reported it: every feed that carried it and every other member
/// of its near-duplicate cluster, linked to its item and named by its
/// feed, so a reader sees the whole spread of outlets in one entry. `None`
/// for a story with one source or none and no cluster, where the note
/// would only repeat the entry's own link.
pub(super) fn also_reported_by(story: &StoredStory) -> Option<String> {
    if story.sources.len() < 2 && story.also_reported_by.is_empty() {
        return None;
    }
    Some(format!(
        "<p class=\"feedloom-sources\">Also reported by: {}</p>",
        outlets(story).join(", ")
    ))
}

/// The story's sanitized HTML with the "Also reported by" note, as feeds
/// carry it (the caller escapes the whole for the XML).
pub(super) fn feed_content(story: &StoredStory) -> String {
    match also_reported_by(story) {
        Some(note) => format!("{}\n{note}", story.content_html),
        None => story.content_html.clone(),
    }
}

/// Text for HTML that is already markup (the ammonia-sanitized story body):
/// only the control characters [`escape`] would drop are removed.
pub(super) fn strip_controls(html: &str) -> Cow<'_, str> {
    if html.chars().any(is_unwanted) {
        Cow::Owned(html.chars().filter(|&c| !is_unwanted(c)).collect())
    } else {
        Cow::Borrowed(html)
    }
}

/// `1 Jun 2025, 12:05 UTC`: a date and time for people that says its zone,
/// so nobody reads it as their local time; machines get [`rfc3339`] in
/// `<time datetime>`.
pub(super) fn human_time(time: &DateTime<Utc>) -> String {
    clamp(time).format("%-d %b %Y, %H:%M UTC").to_string()
}
