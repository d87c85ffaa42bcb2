//! Feed autodiscovery: when `feedloom feeds add` is given a web page rather
//! than a feed, find the feeds the page advertises in its
//! `<link rel="alternate" type="…" href="…">` elements.
//!
//! html5ever's tokenizer reads the page (no tree is needed, and it never
//! fails whatever the markup): regexes get attribute quoting, entities,
//! comments and `<script>` contents wrong.

use std::cell::RefCell;

use html5ever::tokenizer::states::RawKind;
use html5ever::tokenizer::{Tag, TagKind, Token, TokenSink, TokenSinkResult};
use url::Url;

/// The format a page says a feed is in (from the link's `type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedKind {
    Rss,
    Atom,
    Json,
}

/// One feed advertised by a page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedLink {
    /// Absolute http(s) URL.
    pub url: Url,
    /// The link's `title` attribute (e.g. "Comments Feed"), whitespace collapsed.
    pub title: Option<String>,
    pub kind: FeedKind,
}

/// The feeds `html` advertises, in document order, without duplicates
/// (same URL). Relative hrefs are resolved against the first
/// `<base href>` (itself resolved against `base`), else against `base`, the
/// page's URL. Only http(s) results are kept.
pub fn feed_links(html: &str, base: &Url) -> Vec<FeedLink> {
    let state = crate::text::tokenize(html, LinkSink::default())
        .state
        .into_inner();

    // <base> applies to the whole document, even links before it (HTML
    // spec: the first base element with href sets the document base URL).
    let base = state
        .base_href
        .as_deref()
        .and_then(|href| base.join(href.trim()).ok())
        .filter(is_http)
        .unwrap_or_else(|| base.clone());

    let mut out: Vec<FeedLink> = Vec::new();
    for link in state.links {
        let Ok(url) = base.join(link.href.trim()) else {
            continue;
        };
        if !is_http(&url) || out.iter().any(|l| l.url == url) {
            continue;
        }
        out.push(FeedLink {
            url,
            title: link.title,
            kind: link.kind,
        });
    }
    out
}

/// True when a response is an HTML page rather than a feed: the
/// Content-Type says `text/html` (or XHTML), or the body starts (after a
/// BOM, whitespace and comments) with `<!doctype html` or `<html`.
///
/// Used to decide whether to run [`feed_links`] on what a URL returned; a
/// feed served as `text/html` by a misconfigured server would look like a
/// page by its header, so a body that plainly starts like a feed
/// (`<?xml`, `<rss`, `<feed`, `{`) wins over the header.
pub fn looks_like_html(bytes: &[u8], content_type: Option<&str>) -> bool {
    let start = skip_prolog(bytes);
    let head = &start[..start.len().min(64)];
    let starts_with = |prefix: &[u8]| {
        head.len() >= prefix.len() && head[..prefix.len()].eq_ignore_ascii_case(prefix)
    };
    if starts_with(b"<!doctype html") || starts_with(b"<html") {
        return true;
    }
    if starts_with(b"<?xml")
        || starts_with(b"<rss")
        || starts_with(b"<feed")
        || starts_with(b"<rdf")
        || starts_with(b"{")
    {
        return false;
    }
    content_type.is_some_and(|ct| {
        let mime = ct.split(';').next().unwrap_or("").trim();
        mime.eq_ignore_ascii_case("text/html") || mime.eq_ignore_ascii_case("application/xhtml+xml")
    })
}

/// Skips a UTF-8 BOM, ASCII whitespace and `<!-- … -->` comments.
fn skip_prolog(mut bytes: &[u8]) -> &[u8] {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        bytes = rest;
    }
    loop {
        let trimmed = bytes.trim_ascii_start();
        match trimmed.strip_prefix(b"<!--") {
            Some(comment) => match comment.windows(3).position(|w| w == b"-->") {
                Some(end) => bytes = &comment[end + 3..],
                None => return &[],
            },
            None => return trimmed,
        }
    }
}

fn is_http(url: &Url) -> bool {
    matches!(url.scheme(), "http" | "https") && url.host().is_some()
}

/// The feed kind of a link's `type`, ignoring case and parameters
/// (`application/rss+xml; charset=utf-8`). `application/json` counts: some
/// sites advertise JSON Feed with it.
fn kind_of(mime: &str) -> Option<FeedKind> {
    let mime = mime
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/rss+xml" => Some(FeedKind::Rss),
        "application/atom+xml" => Some(FeedKind::Atom),
        "application/feed+json" | "application/json" => Some(FeedKind::Json),
        _ => None,
    }
}

struct RawLink {
    href: String,
    title: Option<String>,
    kind: FeedKind,
}

#[derive(Default)]
struct LinkState {
    links: Vec<RawLink>,
    base_href: Option<String>,
}

#[derive(Default)]
struct LinkSink {
    state: RefCell<LinkState>,
}

fn attr<'t>(tag: &'t Tag, name: &str) -> Option<&'t str> {
    // The tokenizer lower-cases attribute names and keeps the first of
    // duplicated attributes, as browsers do.
    tag.attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| &*a.value)
}

impl TokenSink for LinkSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let Token::TagToken(tag) = token else {
            return TokenSinkResult::Continue;
        };
        if tag.kind != TagKind::StartTag {
            return TokenSinkResult::Continue;
        }
        // Tag names arrive lower-cased.
        match &*tag.name {
            "link" => {
                let alternate = attr(&tag, "rel").is_some_and(|rel| {
                    rel.split_ascii_whitespace()
                        .any(|t| t.eq_ignore_ascii_case("alternate"))
                });
                let kind = attr(&tag, "type").and_then(kind_of);
                let href = attr(&tag, "href").filter(|h| !h.trim().is_empty());
                if let (true, Some(kind), Some(href)) = (alternate, kind, href) {
                    let title = attr(&tag, "title")
                        .map(crate::text::collapse_whitespace)
                        .filter(|t| !t.is_empty());
                    self.state.borrow_mut().links.push(RawLink {
                        href: href.to_owned(),
                        title,
                        kind,
                    });
                }
            }
            "base" => {
                let mut state = self.state.borrow_mut();
                if state.base_href.is_none() {
                    state.base_href = attr(&tag, "href").map(str::to_owned);
                }
            }
            // Without a tree builder the tokenizer does not know these hold
            // raw text; tell it, so a `<link>` inside a script string or a
            // <textarea> is not taken for a real one.
            "script" if !tag.self_closing => return TokenSinkResult::RawData(RawKind::ScriptData),
            "style" | "noscript" | "xmp" | "iframe" | "noembed" | "noframes"
                if !tag.self_closing =>
            {
                return TokenSinkResult::RawData(RawKind::Rawtext);
            }
            "textarea" | "title" if !tag.self_closing => {
                return TokenSinkResult::RawData(RawKind::Rcdata);
            }
            _ => {}
        }
        TokenSinkResult::Continue
    }
}

#[cfg(test)]
mod tests;
