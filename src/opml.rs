//! Reading OPML subscription lists (`feedloom opml import`).
//!
//! OPML files come from many feed readers, most of them old, and few are
//! valid: legacy encodings, HTML entities such as `&eacute;` or `&nbsp;`
//! (undefined in XML), bare `&`, duplicated or unquoted attributes, stray
//! end tags, outlines after `</body>`. The reader is lenient about all of
//! that, because refusing a user's subscription list over a typo helps
//! nobody; it only gives up when the XML cannot be tokenized at all, and
//! then says where (line:column).
//!
//! What counts as a feed: an `outline` with an `xmlUrl` attribute (any
//! letter case: `xmlurl`, `XMLURL` occur in the wild), or with `url` when its
//! `type` is `rss`/`atom`; a childless `type="rss"`/`"atom"` outline with
//! neither is reported as invalid, with its line. `type="link"` outlines also carry `url`, but they
//! point at web pages or other OPML files (see
//! `tests/corpus/opml/feedvalidator/clean/directory.opml`), so they are not
//! feeds. Outlines without a feed URL that contain others are folders: their
//! titles, joined with `" / "`, become the feeds' category.
//!
//! The writing side is [`crate::publish::opml::render`].

use quick_xml::events::{BytesStart, Event};
use url::Url;

/// Separator between folder names in [`Subscription::category`]; also what
/// [`crate::publish::opml::render`] splits on to nest folders again.
pub const CATEGORY_SEPARATOR: &str = " / ";

/// Everything an OPML subscription list says that feedloom can use.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Subscriptions {
    /// `<head><title>`, whitespace collapsed.
    pub title: Option<String>,
    /// The feeds, in document order (duplicates kept: the caller decides).
    pub feeds: Vec<Subscription>,
    /// Outlines that name a feed URL feedloom cannot poll; reported rather
    /// than silently dropped, so the user can fix them.
    pub invalid: Vec<Invalid>,
}

/// One feed of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The feed's URL (always http or https).
    pub url: Url,
    /// `title`, else `text`; `None` when both are missing or blank.
    pub title: Option<String>,
    /// `htmlUrl`, when it is an http(s) URL.
    pub html_url: Option<Url>,
    /// The enclosing folders' titles joined with [`CATEGORY_SEPARATOR`];
    /// `None` at top level.
    pub category: Option<String>,
    /// 1-based line of the outline's start tag, to point at it (a feed
    /// listed twice in the file is reported at its first line).
    pub line: usize,
}

/// An outline with a feed URL that is not a usable http(s) URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// 1-based line of the outline's start tag.
    pub line: usize,
    /// What is wrong, with the offending value.
    pub reason: String,
    /// The outline's title or text, to help find it.
    pub text: Option<String>,
}

/// Why a document could not be read as a subscription list.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The tokenizer could not go on, even in lenient mode.
    #[error("{line}:{column}: not well-formed XML: {message}")]
    Syntax {
        line: usize,
        column: usize,
        message: String,
    },
    /// Well-formed enough, but some other kind of document (an RSS feed, an
    /// HTML page…): importing it would silently import nothing.
    #[error("{line}:{column}: not an OPML document: the root element is <{root}>, not <opml>")]
    NotOpml {
        root: String,
        line: usize,
        column: usize,
    },
    /// No element at all (empty file, only a declaration or comments).
    #[error("not an OPML document: no root element")]
    Empty,
}

/// Reads an OPML subscription list from raw bytes (any encoding: BOM, then
/// the XML declaration, then UTF-8, then a guess; see `parse::charset`).
///
/// Never panics; returns `Err` only when the bytes are not OPML at all or
/// the XML breaks beyond repair. Bad feed URLs go to
/// [`Subscriptions::invalid`] and the reading goes on.
pub fn read(bytes: &[u8]) -> Result<Subscriptions, Error> {
    let decoded = crate::parse::charset::decode(bytes, None);
    // A file that says (or seems) UTF-8 but is not is nearly always
    // windows-1252 saved by an old Windows reader; that reading loses nothing,
    // where UTF-8 would turn every accented letter into U+FFFD.
    let text = if decoded.had_errors && decoded.encoding == encoding_rs::UTF_8.name() {
        encoding_rs::WINDOWS_1252.decode(bytes).0.into_owned()
    } else {
        decoded.text
    };
    let doc = text.as_str();
    let lines = LineIndex::new(doc);

    let mut reader = quick_xml::Reader::from_str(doc);
    {
        let config = reader.config_mut();
        config.allow_dangling_amp = true;
        config.allow_unmatched_ends = true;
        config.check_end_names = false;
        config.check_comments = false;
    }

    let mut out = Subscriptions::default();
    let mut stack: Vec<Frame> = Vec::new();
    let mut seen_root = false;
    // Text of <head><title>, gathered across text, reference and CDATA events.
    let mut head_title: Option<String> = None;

    loop {
        let start = offset(reader.buffer_position());
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                let (line, column) = lines.line_column(offset(reader.error_position()));
                return Err(Error::Syntax {
                    line,
                    column,
                    message: e.to_string(),
                });
            }
        };
        let in_head_title = matches!(stack.as_slice(), [.., parent, top]
            if parent.name == "head" && top.name == "title");
        match event {
            Event::Start(tag) if !seen_root => {
                seen_root = true;
                stack.push(Frame::element(root_name(&tag, &lines, start)?));
            }
            Event::Empty(tag) if !seen_root => {
                seen_root = true;
                root_name(&tag, &lines, start)?;
            }
            Event::Start(tag) => {
                let frame = element(&tag, false, lines.line(start), &stack, &mut out);
                stack.push(frame);
            }
            Event::Empty(tag) => {
                element(&tag, true, lines.line(start), &stack, &mut out);
            }
            Event::End(tag) => {
                let name = tag.local_name().as_ref().to_ascii_lowercase();
                // Close up to the nearest open element of that name; an end
                // tag nothing matches is ignored (HTML-style recovery).
                if let Some(at) = stack.iter().rposition(|f| f.name == name) {
                    stack.truncate(at);
                }
            }
            Event::Text(text) if in_head_title => {
                head_title
                    .get_or_insert_default()
                    .push_str(&text.xml10_content());
            }
            Event::CData(text) if in_head_title => {
                head_title
                    .get_or_insert_default()
                    .push_str(&text.xml10_content());
            }
            Event::GeneralRef(reference) if in_head_title => {
                head_title
                    .get_or_insert_default()
                    .push_str(&resolve_reference(&reference));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_root {
        return Err(Error::Empty);
    }
    out.title = head_title.as_deref().and_then(clean_text);
    Ok(out)
}

/// An open element. `folder` is set on outlines that group feeds.
struct Frame {
    /// Local name, lower-cased (OPML files in the wild vary the case).
    name: String,
    folder: Option<String>,
}

impl Frame {
    fn element(name: String) -> Self {
        Self { name, folder: None }
    }
}

/// The root element's name, which must be `opml`.
fn root_name(tag: &BytesStart<'_>, lines: &LineIndex<'_>, start: usize) -> Result<String, Error> {
    let name = local_name(tag);
    if name == "opml" {
        Ok(name)
    } else {
        let (line, column) = lines.line_column(start);
        Err(Error::NotOpml {
            root: name,
            line,
            column,
        })
    }
}

/// Handles one start or empty tag below the root; returns the frame to push
/// when the tag opens an element.
fn element(
    tag: &BytesStart<'_>,
    empty: bool,
    line: usize,
    stack: &[Frame],
    out: &mut Subscriptions,
) -> Frame {
    let name = local_name(tag);
    // Outlines in <head> (there are none in valid files) are not subscriptions.
    let in_head = stack.iter().any(|f| f.name == "head");
    if name != "outline" || in_head {
        return Frame::element(name);
    }
    let attrs = Attrs::of(tag);
    let title = attrs
        .get("title")
        .and_then(|t| clean_text(&t))
        .or_else(|| attrs.get("text").and_then(|t| clean_text(&t)));
    let feed_type = attrs
        .get("type")
        .map(|t| t.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let raw_url = attrs.get("xmlurl").or_else(|| {
        matches!(feed_type.as_str(), "rss" | "atom")
            .then(|| attrs.get("url"))
            .flatten()
    });
    let raw_url = match raw_url {
        // An empty xmlUrl on an outline that has children is a folder some
        // exporters mislabel; on a leaf it is a broken feed entry.
        Some(raw) if raw.trim().is_empty() && !empty => None,
        other => other,
    };
    let Some(raw_url) = raw_url else {
        // An outline that says it is a feed and names none: a broken
        // entry, not a folder (a folder would hold other outlines).
        if empty && matches!(feed_type.as_str(), "rss" | "atom") {
            out.invalid.push(Invalid {
                line,
                reason: format!(
                    "a type=\"{feed_type}\" outline without xmlUrl; add the feed's URL"
                ),
                text: title,
            });
            return Frame::element(name);
        }
        return Frame {
            name,
            folder: if empty { None } else { title },
        };
    };
    match feed_url(&raw_url) {
        Ok(url) => {
            let folders: Vec<&str> = stack.iter().filter_map(|f| f.folder.as_deref()).collect();
            out.feeds.push(Subscription {
                url,
                title,
                html_url: attrs.get("htmlurl").and_then(|u| feed_url(&u).ok()),
                category: (!folders.is_empty()).then(|| folders.join(CATEGORY_SEPARATOR)),
                line,
            });
        }
        Err(reason) => out.invalid.push(Invalid {
            line,
            reason,
            text: title,
        }),
    }
    // A feed outline with children (notes, episodes) is no folder.
    Frame::element(name)
}

/// Parses a feed URL: absolute http(s) only. `feed:` URLs (`feed://host/x`,
/// `feed:https://host/x`), which some readers export, are mapped to what
/// they stand for.
fn feed_url(raw: &str) -> Result<Url, String> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err("empty xmlUrl".to_owned());
    }
    let mapped = if let Some(inner) = strip_prefix_ignore_case(trimmed, "feed:") {
        if strip_prefix_ignore_case(inner, "http:").is_some()
            || strip_prefix_ignore_case(inner, "https:").is_some()
        {
            inner.to_owned()
        } else if let Some(rest) = inner.strip_prefix("//") {
            format!("http://{rest}")
        } else {
            trimmed.to_owned()
        }
    } else {
        trimmed.to_owned()
    };
    let url = Url::parse(&mapped).map_err(|e| format!("xmlUrl {trimmed:?} is not a URL: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        "http" | "https" => Err(format!("xmlUrl {trimmed:?} has no host")),
        scheme => Err(format!(
            "xmlUrl {trimmed:?} is a {scheme}: URL; only http and https feeds can be polled"
        )),
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

/// An element's attributes, keys lower-cased, values with entities resolved.
/// The first of duplicated attributes wins (as in HTML); malformed ones are
/// skipped.
struct Attrs(Vec<(String, String)>);

impl Attrs {
    fn of(tag: &BytesStart<'_>) -> Self {
        let mut attrs: Vec<(String, String)> = Vec::new();
        let mut iter = tag.html_attributes();
        iter.with_checks(false);
        for attr in iter.flatten() {
            let key = attr.key.local_name().as_ref().to_ascii_lowercase();
            if attrs.iter().any(|(k, _)| *k == key) {
                continue;
            }
            let value = html_escape::decode_html_entities(&attr.value).into_owned();
            attrs.push((key, value));
        }
        Self(attrs)
    }

    fn get(&self, key: &str) -> Option<String> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    }
}

/// An entity or character reference in text: XML's five, numeric ones and
/// every HTML named entity; an unknown one is kept as written.
fn resolve_reference(name: &str) -> String {
    let written = format!("&{name};");
    html_escape::decode_html_entities(&written).into_owned()
}

fn local_name(tag: &BytesStart<'_>) -> String {
    tag.local_name().as_ref().to_ascii_lowercase()
}

/// Whitespace collapsed; `None` when nothing is left.
fn clean_text(text: &str) -> Option<String> {
    let text = crate::text::collapse_whitespace(text);
    (!text.is_empty()).then_some(text)
}

fn offset(position: u64) -> usize {
    usize::try_from(position).unwrap_or(usize::MAX)
}

/// Byte offset → 1-based line and column (column in characters).
struct LineIndex<'a> {
    doc: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    fn new(doc: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(doc.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { doc, starts }
    }

    fn line(&self, offset: usize) -> usize {
        self.line_column(offset).0
    }

    fn line_column(&self, offset: usize) -> (usize, usize) {
        let mut offset = offset.min(self.doc.len());
        while !self.doc.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let line_start = self.starts.get(line - 1).copied().unwrap_or(0);
        let column = self
            .doc
            .get(line_start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        (line, column)
    }
}

#[cfg(test)]
mod tests;
