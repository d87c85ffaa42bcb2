//! Turns the bytes of a fetched feed into entries.
//!
//! feed-rs does the parsing; this module is the leniency layer around it,
//! shaped by where feed-rs 3.0 fails on the corpus in `tests/corpus/`: it
//! decodes the charset itself (`charset`), normalises roots feed-rs would
//! reject or read as empty (`root`), repairs common XML breakage once and
//! retries (`repair`, with the Atom fixes both share in `atom_types`),
//! makes JSON Feed tolerant (`json`), parses the dates feeds really use
//! (`dates`), and maps the result into feedloom's own, smaller model.

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{DateTime, Utc};
use feed_rs::model;
use feed_rs::parser::{ParseErrorKind, ParseFeedError};
use url::Url;

mod atom_types;
mod byline;
pub(crate) mod charset;
mod dates;
mod json;
mod repair;
mod root;

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
    /// The byline: the names of the entry's authors (else the feed's, as
    /// Atom, JSON Feed and iTunes say they apply), without e-mail addresses,
    /// each once, joined with ", " (see `byline`). `None` when no author
    /// has a name.
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
    if body.starts_with(&[0x1F, 0x8B]) {
        // Content-Encoding is the fetcher's job; a body still gzipped here
        // means a server sent it without saying so.
        return Err(Error::NotAFeed {
            reason: "gzip-compressed body (not decompressed before parsing)".into(),
        });
    }
    let mut warnings = Vec::new();
    // JSON is UTF-8 by definition (RFC 8259): no charset sniffing, only the
    // BOM goes. (A UTF-16/32 BOM still goes through the decoder below.)
    let utf8_body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if matches!(
        utf8_body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{') | Some(b'[')
    ) {
        let text = String::from_utf8_lossy(utf8_body);
        if matches!(text, std::borrow::Cow::Owned(_)) {
            warnings.push("bytes invalid in UTF-8 replaced with U+FFFD".to_owned());
        }
        return parse_json(text.trim_start(), base, warnings);
    }
    let decoded = charset::decode(body, content_type);
    if decoded.had_errors {
        warnings.push(format!(
            "bytes invalid in {} replaced with U+FFFD",
            decoded.encoding
        ));
    }
    if decoded.source == charset::Source::Guess {
        warnings.push(format!(
            "charset not declared, guessed {}",
            decoded.encoding
        ));
    }
    let text = decoded.text;

    let first = text.trim_start().chars().next();
    match first {
        None => Err(Error::NotAFeed {
            reason: "empty document".into(),
        }),
        Some('{') | Some('[') => parse_json(text.trim_start(), base, warnings),
        Some(_) if !text.contains('<') => Err(Error::NotAFeed {
            reason: "neither XML nor JSON".into(),
        }),
        Some(_) => parse_xml(charset::rewrite_declaration(text), base, warnings),
    }
}

/// Marker returned by the id generator given to feed-rs, so that invented
/// ids can be told apart from ids the feed really had. Contains a NUL, which
/// neither XML nor (in practice) JSON ids can.
const NO_ID: &str = "\u{0}feedloom:no-id";

/// A feed-rs parser configured for feedloom: base URL for relative links,
/// no sanitizing (the normaliser does that once), our date parser, and ids
/// that are never invented.
fn feed_rs_parser(base: &Url) -> feed_rs::parser::Parser {
    feed_rs::parser::Builder::new()
        .base_uri(Some(base.as_str()))
        .sanitize_content(false)
        .timestamp_parser(dates::parse_timestamp)
        .id_generator(|_, _, _| NO_ID.to_owned())
        .build()
}

/// What a single feed-rs run can end in besides success.
enum RunError {
    Feed(ParseFeedError),
    Panic(String),
}

/// Runs feed-rs on UTF-8 bytes, turning a panic into an error.
fn run_feed_rs(doc: &[u8], base: &Url) -> Result<model::Feed, RunError> {
    let parser = feed_rs_parser(base);
    match catch_unwind(AssertUnwindSafe(|| parser.parse(doc))) {
        Ok(Ok(feed)) => Ok(feed),
        Ok(Err(e)) => Err(RunError::Feed(e)),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_owned());
            Err(RunError::Panic(message))
        }
    }
}

fn parse_json(text: &str, base: &Url, mut warnings: Vec<String>) -> Result<ParsedFeed, Error> {
    let mut value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| Error::Malformed {
            line: u32::try_from(e.line()).ok().filter(|l| *l > 0),
            column: u32::try_from(e.column()).ok().filter(|c| *c > 0),
            message: format!("invalid JSON: {e}"),
        })?;
    let Some(obj) = value.as_object_mut() else {
        return Err(Error::NotAFeed {
            reason: "JSON document is not an object".into(),
        });
    };
    if !json::looks_like_json_feed(obj) {
        return Err(Error::NotAFeed {
            reason: "JSON document is not a JSON Feed".into(),
        });
    }
    warnings.extend(json::normalize(obj));
    let bytes = serde_json::to_vec(&value).map_err(|e| Error::Malformed {
        line: None,
        column: None,
        message: format!("re-serialising JSON Feed: {e}"),
    })?;
    match run_feed_rs(&bytes, base) {
        Ok(feed) => Ok(convert(feed, base, warnings)),
        Err(RunError::Panic(message)) => Err(Error::Panicked { message }),
        Err(RunError::Feed(e)) => Err(feed_error(e, None)),
    }
}

fn parse_xml(text: String, base: &Url, mut warnings: Vec<String>) -> Result<ParsedFeed, Error> {
    // Control characters (a terminal escape, a NUL) are not XML: quick-xml
    // passes some into the text and chokes on others. They carry nothing.
    let (text, changed) = fixed(text, repair::drop_invalid_chars);
    if changed {
        warnings.push("dropped characters XML forbids".to_owned());
    }
    let (text, changed) = fixed(text, repair::drop_stray_declarations);
    if changed {
        warnings.push("dropped an XML declaration in the middle of the document".to_owned());
    }
    // Find the root; junk before the declaration (blank lines, PHP
    // warnings) can hide it, so look again past the junk.
    let (text, root) = match root::find_root(&text) {
        Some(root) if root.is_feed() => (text, root),
        found => {
            let stripped = root::strip_leading_junk(&text).into_owned();
            match root::find_root(&stripped) {
                Some(root) if root.is_feed() => {
                    warnings.push("dropped text before the XML declaration or root".into());
                    (stripped, root)
                }
                _ => {
                    if let Some(inner) = root::extract_embedded_feed(&text)
                        && let Some(root) = root::find_root(&inner).filter(root::Root::is_feed)
                    {
                        warnings.push("feed extracted from the document around it".into());
                        return parse_normalized(inner, root, base, warnings);
                    }
                    let reason = match found {
                        Some(r) if r.local.eq_ignore_ascii_case("html") => {
                            html_page_reason(&text, base)
                        }
                        Some(r) => format!("unknown root element <{}>", r.local),
                        None => "no root element".to_owned(),
                    };
                    return Err(Error::NotAFeed { reason });
                }
            }
        }
    };
    parse_normalized(text, root, base, warnings)
}

/// What to tell the user about an HTML page where a feed was expected: the
/// feeds the page advertises (what they most likely meant), if any.
fn html_page_reason(html: &str, base: &Url) -> String {
    const SHOWN: usize = 3;
    let links = crate::discover::feed_links(html, base);
    if links.is_empty() {
        return "an HTML page, not a feed, and it links no feed".to_owned();
    }
    let mut named: Vec<String> = links
        .iter()
        .take(SHOWN)
        .map(|l| l.url.to_string())
        .collect();
    if links.len() > SHOWN {
        named.push(format!("and {} more", links.len() - SHOWN));
    }
    format!(
        "an HTML page, not a feed; it links the feed{} {} (configure that URL instead)",
        if links.len() == 1 { "" } else { "s" },
        named.join(", ")
    )
}

/// Normalises the root, runs feed-rs, and on failure repairs once and retries.
fn parse_normalized(
    text: String,
    root: root::Root,
    base: &Url,
    mut warnings: Vec<String>,
) -> Result<ParsedFeed, Error> {
    let mut doc = root::normalize_root(text, &root, &mut warnings);
    if root.local == "rss"
        && let Some(moved) = repair::move_stray_items(&doc)
    {
        warnings.push("items after the end of the channel were read as its items".into());
        doc = moved;
    }
    let has_items = mentions_items(&doc);

    let first_error = match run_feed_rs(doc.as_bytes(), base) {
        Ok(feed) => return Ok(finish(convert(feed, base, warnings), has_items)),
        Err(RunError::Panic(message)) => return Err(Error::Panicked { message }),
        Err(RunError::Feed(ParseFeedError::ParseError(ParseErrorKind::NoFeedRoot))) => {
            return Err(Error::NotAFeed {
                reason: format!("feed-rs does not read <{}> documents", root.local),
            });
        }
        Err(RunError::Feed(e)) => e,
    };

    // Repair once and retry; if that fails too, report the original error.
    let (repaired, notes) = repair::repair(&doc);
    if !notes.is_empty() {
        match run_feed_rs(repaired.as_bytes(), base) {
            Ok(feed) => {
                warnings.extend(notes);
                return Ok(finish(convert(feed, base, warnings), has_items));
            }
            Err(RunError::Panic(message)) => return Err(Error::Panicked { message }),
            Err(RunError::Feed(_)) => {}
        }
    }
    // Cut short: keep the complete items (after the repairs, if any).
    let base_doc = if notes.is_empty() { &doc } else { &repaired };
    if let Some(closed) = repair::close_truncated(base_doc)
        && closed.len() < base_doc.len()
        && let Ok(feed) = run_feed_rs(closed.as_bytes(), base)
    {
        let mut parsed = convert(feed, base, warnings);
        parsed.warnings.extend(notes);
        parsed.warnings.push(format!(
            "the document ends early (truncated?); kept the {} complete entries",
            parsed.entries.len()
        ));
        return Ok(finish(parsed, has_items));
    }
    Err(feed_error(first_error, Some(&doc)))
}

/// Whether the document visibly has `<item>`/`<entry>` elements, to flag
/// "parsed, but no entries" (a namespace feed-rs did not recognise).
fn mentions_items(doc: &str) -> bool {
    static ITEM: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    ITEM.get_or_init(|| crate::text::built_in_regex(r"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s>/]"))
        .is_match(doc)
}

fn finish(mut feed: ParsedFeed, has_items: bool) -> ParsedFeed {
    if feed.entries.is_empty() && has_items {
        feed.warnings
            .push("parsed, but 0 entries although the document has item/entry elements".into());
    }
    feed
}

/// Turns a feed-rs error into ours; `doc` is the XML text, to locate errors
/// feed-rs reports without a position.
fn feed_error(e: ParseFeedError, doc: Option<&str>) -> Error {
    let message = e.to_string();
    let position = match &e {
        ParseFeedError::ParseError(kind) => match kind {
            ParseErrorKind::NoFeedRoot => return Error::NotAFeed { reason: message },
            ParseErrorKind::UnknownMimeType { position, .. }
            | ParseErrorKind::MissingContent { position, .. }
            | ParseErrorKind::UnknownEnumVariant { position, .. }
            | ParseErrorKind::IllegalState { position, .. } => {
                doc.map(|d| line_column(d, usize::try_from(*position).unwrap_or(usize::MAX)))
            }
        },
        ParseFeedError::JsonSerde(je) => Some((
            u32::try_from(je.line()).unwrap_or(0),
            u32::try_from(je.column()).unwrap_or(0),
        )),
        ParseFeedError::JsonUnsupportedVersion(_) => return Error::NotAFeed { reason: message },
        ParseFeedError::XmlReader(_) => doc.and_then(locate_xml_error).map(|(offset, _)| {
            // `doc` is what feed-rs read, so its offsets are ours.
            doc.map_or((0, 0), |d| line_column(d, offset))
        }),
        ParseFeedError::IoError(_) => None,
    };
    let detail = doc.and_then(locate_xml_error).map(|(_, m)| m);
    let message = match detail {
        Some(d) if !message.contains(&d) => format!("{message} ({d})"),
        _ => message,
    };
    Error::Malformed {
        line: position.map(|p| p.0).filter(|l| *l > 0),
        column: position.map(|p| p.1).filter(|c| *c > 0),
        message,
    }
}

/// Runs quick-xml over the document to find where it stops being
/// well-formed (feed-rs's XML errors carry no position): byte offset and
/// message. An unclosed element is reported at the end of the document.
fn locate_xml_error(doc: &str) -> Option<(usize, String)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(doc);
    let mut depth: usize = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => depth += 1,
            Ok(Event::GeneralRef(r)) => {
                if let Err(e) = r.resolve_char_ref() {
                    let end = usize::try_from(reader.buffer_position()).unwrap_or(doc.len());
                    // The reference sits just before the reader's position.
                    let start = doc[..end.min(doc.len())].rfind('&').unwrap_or(end);
                    return Some((start, e.to_string()));
                }
            }
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) => {
                return (depth > 0).then(|| {
                    (
                        doc.len(),
                        format!("document ends with {depth} element(s) still open"),
                    )
                });
            }
            Ok(_) => {}
            Err(e) => {
                let offset = usize::try_from(reader.error_position()).unwrap_or(doc.len());
                return Some((offset.min(doc.len()), e.to_string()));
            }
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(doc: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(doc.len());
    while !doc.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &doc[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let column = before[line_start..].chars().count() + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// Maps feed-rs's model into feedloom's.
fn convert(feed: model::Feed, base: &Url, warnings: Vec<String>) -> ParsedFeed {
    let title = feed.title.as_ref().and_then(plain_text).map(xml_chars_only);
    let link = pick_link(&feed.links, None, base);
    let feed_authors = byline::byline(feed.authors.iter().filter_map(person_name));
    let entries = feed
        .entries
        .into_iter()
        .map(|e| convert_entry(e, base, feed_authors.as_deref()))
        .collect();
    ParsedFeed {
        title,
        link,
        entries,
        warnings,
    }
}

/// A person's name (see `byline::person_name`); feed-rs sets `email`
/// when it split an address off the name.
fn person_name(person: &model::Person) -> Option<String> {
    byline::person_name(person.name.as_deref()?, person.email.is_some())
}

/// `feed_authors`: the byline of the feed's own authors, which apply to an
/// entry without any (RFC 4287 4.2.1, JSON Feed 1.1, iTunes' channel
/// `itunes:author`; RSS's `managingEditor` is an editor, not an author, and
/// feed-rs keeps it apart).
fn convert_entry(entry: model::Entry, base: &Url, feed_authors: Option<&str>) -> ParsedEntry {
    let entry_base = entry.base.as_deref().and_then(|b| resolve(b, None, base));
    let guid = Some(entry.id.trim())
        .filter(|id| !id.is_empty() && *id != NO_ID)
        .map(str::to_owned);
    let author = byline::byline(entry.authors.iter().filter_map(person_name))
        .or_else(|| feed_authors.map(str::to_owned));
    let content_html = entry.content.as_ref().and_then(|c| {
        let body = c.body.as_deref()?;
        if body.trim().is_empty() {
            return None;
        }
        Some(if c.content_type.to_string().starts_with("text/plain") {
            html_escape::encode_text(body).into_owned()
        } else {
            body.to_owned()
        })
    });
    let summary_html = entry.summary.as_ref().and_then(|t| {
        if t.content.trim().is_empty() {
            return None;
        }
        Some(if t.content_type.to_string().starts_with("text/plain") {
            html_escape::encode_text(&t.content).into_owned()
        } else {
            t.content.clone()
        })
    });
    ParsedEntry {
        guid: guid.map(xml_chars_only),
        title: entry
            .title
            .as_ref()
            .and_then(plain_text)
            .map(xml_chars_only),
        link: pick_link(&entry.links, entry_base.as_ref(), base),
        author: author.map(xml_chars_only),
        published: entry.published,
        updated: entry.updated,
        content_html: content_html.map(xml_chars_only),
        summary_html: summary_html.map(xml_chars_only),
        base: entry_base.or_else(|| Some(base.clone())),
    }
}

/// `text` without the characters XML forbids: the document-level pass
/// removes literal ones, but character references (`&#x1;`) and JSON
/// escapes (`\u001b`) bring them back, and a terminal escape in a title
/// has no business in anyone's feed reader.
fn xml_chars_only(text: String) -> String {
    fixed(text, repair::drop_invalid_chars).0
}

/// `text` after one of the repairs that return the input unchanged when
/// there is nothing to do, and whether it changed anything.
fn fixed(text: String, fix: for<'a> fn(&'a str) -> std::borrow::Cow<'a, str>) -> (String, bool) {
    match fix(&text) {
        std::borrow::Cow::Borrowed(_) => (text, false),
        std::borrow::Cow::Owned(fixed) => (fixed, true),
    }
}

/// The main link: `rel="alternate"` (or no rel) first, then anything that
/// is not the feed itself, an enclosure or an edit link; made absolute.
fn pick_link(links: &[model::Link], entry_base: Option<&Url>, base: &Url) -> Option<Url> {
    let is_alternate = |l: &&model::Link| {
        l.rel
            .as_deref()
            .is_none_or(|r| r.eq_ignore_ascii_case("alternate"))
    };
    let is_other = |l: &&model::Link| {
        !matches!(
            l.rel.as_deref().map(str::to_ascii_lowercase).as_deref(),
            Some(
                "self"
                    | "enclosure"
                    | "edit"
                    | "edit-media"
                    | "hub"
                    | "replies"
                    | "next"
                    | "previous"
            )
        )
    };
    links
        .iter()
        .filter(is_alternate)
        .chain(links.iter().filter(is_other))
        .find_map(|l| resolve(&l.href, entry_base, base))
}

/// Resolves a possibly relative URL against the entry base, then the feed
/// URL; only http(s) results are kept for links (no `javascript:`).
fn resolve(href: &str, entry_base: Option<&Url>, base: &Url) -> Option<Url> {
    let href = href.trim();
    if href.is_empty() {
        return None;
    }
    let url = entry_base.unwrap_or(base).join(href).ok()?;
    matches!(url.scheme(), "http" | "https" | "ftp").then_some(url)
}

/// A title as plain text: markup removed when it is HTML, entities that
/// survived XML parsing (`&nbsp;`, `&eacute;`, double escapes) decoded,
/// whitespace collapsed.
fn plain_text(text: &model::Text) -> Option<String> {
    let is_html = text.content_type.to_string().contains("html");
    let raw = if is_html {
        strip_tags(&text.content)
    } else {
        text.content.clone()
    };
    let decoded = html_escape::decode_html_entities(&raw);
    let collapsed = crate::text::collapse_whitespace(&decoded);
    Some(collapsed).filter(|s| !s.is_empty())
}

/// Removes `<…>` tags; good enough for titles, not a sanitizer.
fn strip_tags(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests;
