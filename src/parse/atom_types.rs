//! Atom text constructs that feed-rs rejects outright, losing the whole
//! feed: a `type=` outside its vocabulary, an element with no content.
//! Both the normalisation of Atom 0.3 roots ([`super::root`]) and the
//! repair pass ([`super::repair`]) fix them, so they sit below both.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use crate::text::built_in_regex;

/// Rewrites `type=` on Atom text constructs to the values feed-rs accepts
/// (`text`, `html`, `xhtml`; a MIME type on `<content>`): one unexpected value
/// would otherwise fail the whole feed.
pub(crate) fn map_atom_types(text: &str) -> Cow<'_, str> {
    static TAG: LazyLock<Regex> = LazyLock::new(|| {
        built_in_regex(
            r"<((?:[A-Za-z_][\w.-]*:)?)(title|subtitle|summary|content|rights|description)(\s[^>]*)>",
        )
    });
    static TYPE: LazyLock<Regex> =
        LazyLock::new(|| built_in_regex(r#"(\stype\s*=\s*)(["'])([^"']*)(["'])"#));
    let tag_re = &*TAG;
    let type_re = &*TYPE;
    tag_re.replace_all(text, |c: &Captures| {
        let whole = &c[0];
        let kind = match (&c[1], &c[2]) {
            ("media:", _) => Kind::Media,
            (_, "description") => return whole.to_owned(),
            (_, "content") if c[3].contains("src") => Kind::ContentSrc,
            (_, "content") => Kind::Content,
            _ => Kind::Text,
        };
        match type_re.captures(whole) {
            Some(t) => {
                let value = &t[3];
                match atom_type(value, kind) {
                    Some(new) if new != value => type_re
                        .replace(whole, |t: &Captures| format!("{}\"{}\"", &t[1], new))
                        .into_owned(),
                    _ => whole.to_owned(),
                }
            }
            None => whole.to_owned(),
        }
    })
}

/// Which vocabulary a `type=` attribute is checked against.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Atom text construct: text, html, xhtml.
    Text,
    /// Atom content: a text type or any MIME type.
    Content,
    /// Atom content with `src`: must be a MIME type.
    ContentSrc,
    /// Media RSS title/description: plain or html.
    Media,
}

/// The `type` value feed-rs will accept in place of `value`.
fn atom_type(value: &str, kind: Kind) -> Option<String> {
    let v = value.trim().to_ascii_lowercase();
    if kind == Kind::Media {
        let html = v.contains("html");
        return Some(if html { "html" } else { "plain" }.into());
    }
    if kind == Kind::ContentSrc {
        let mime = match v.as_str() {
            "text" => "text/plain".to_owned(),
            "html" => "text/html".to_owned(),
            "xhtml" => "application/xhtml+xml".to_owned(),
            _ if is_mime(&v) => return Some(value.to_owned()),
            _ => "application/octet-stream".to_owned(),
        };
        return Some(mime);
    }
    let is_content = kind == Kind::Content;
    let mapped = match v.as_str() {
        "text" | "html" | "xhtml" => v.clone(),
        "text/plain" => "text".into(),
        "text/html" | "escaped" => "html".into(),
        "application/xhtml+xml" => "xhtml".into(),
        _ if is_content && is_mime(&v) => return Some(value.to_owned()),
        _ if v.contains("html") => "html".into(),
        _ => "text".into(),
    };
    Some(mapped)
}

fn is_mime(v: &str) -> bool {
    match v.split_once('/') {
        Some((a, b)) => {
            !a.is_empty()
                && !b.is_empty()
                && !b.contains('/')
                && v.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.;=/ _\"".contains(c))
        }
        None => false,
    }
}

/// Removes Atom text constructs with no content (`<summary/>`,
/// `<title type="html"></title>`): feed-rs reports "missing content" and loses
/// the whole feed. Out-of-line `<content src=…/>` is kept.
pub(crate) fn drop_empty_text_constructs(text: &str) -> Cow<'_, str> {
    static EMPTY: LazyLock<Regex> = LazyLock::new(|| {
        built_in_regex(
            r"<((?:[A-Za-z_][\w.-]*:)?)(title|subtitle|summary|content|rights)\b([^>]*?)(?:/>|>\s*</((?:[A-Za-z_][\w.-]*:)?)(title|subtitle|summary|content|rights)\s*>)",
        )
    });
    let re = &*EMPTY;
    re.replace_all(text, |c: &Captures| {
        let attrs = c.get(3).map_or("", |m| m.as_str());
        let same_close = match (c.get(4), c.get(5)) {
            (Some(p), Some(n)) => p.as_str() == &c[1] && n.as_str() == &c[2],
            _ => true, // self-closing
        };
        if !same_close || attrs.contains("src") {
            c[0].to_owned()
        } else {
            String::new()
        }
    })
}

#[cfg(test)]
mod tests;
