//! The document's root element: finding it past the prolog, junk before it
//! or a page around it, and making the roots that feed-rs would reject or
//! read as empty parse (RSS without a known version, RSS 0.90, Atom 0.3).
//! This normalisation runs before the first attempt; the repairs after a
//! failed one ([`super::repair`]) build on it.
//!
//! Everything here works on the document as a string and is general: each
//! fix targets a class of breakage seen in real feeds, never one file.

use std::borrow::Cow;
use std::sync::LazyLock;

use regex::{Captures, Regex};

use super::atom_types::map_atom_types;
use crate::text::built_in_regex;

/// The Atom 1.0 namespace, the only one feed-rs reads Atom elements from.
const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
/// Atom 0.3 (and its drafts) lived here.
const ATOM03_NS: &str = "http://purl.org/atom/ns#";
/// RSS 1.0's namespace, which feed-rs knows.
const RSS10_NS: &str = "http://purl.org/rss/1.0/";
/// RSS 0.90's namespace (both hosts Netscape used), which feed-rs does not know.
const RSS090_NS_VARIANTS: [&str; 2] = [
    "http://my.netscape.com/rdf/simple/0.9/",
    "http://channel.netscape.com/rdf/simple/0.9/",
];

/// The root element of a document, as found by [`find_root`].
#[derive(Debug, Clone)]
pub(crate) struct Root {
    /// Byte offset of the `<` that opens the root start tag.
    pub start: usize,
    /// Byte offset just past the `>` that closes it.
    pub end: usize,
    /// Local name (prefix removed), as written.
    pub local: String,
}

impl Root {
    /// Roots that feed-rs dispatches on.
    pub fn is_feed(&self) -> bool {
        matches!(self.local.as_str(), "rss" | "RDF" | "feed" | "entry")
    }
}

/// Finds the root element, skipping the declaration, comments, processing
/// instructions and a DOCTYPE. `None` when something else (text, junk) comes
/// first or there is no element at all.
pub(crate) fn find_root(text: &str) -> Option<Root> {
    let bytes = text.as_bytes();
    let mut i = 0;
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let rest = &text[i..];
        if rest.starts_with("<?") {
            i += rest.find("?>")? + 2;
        } else if rest.starts_with("<!--") {
            i += rest.find("-->")? + 3;
        } else if rest.starts_with("<!") {
            i += doctype_len(rest)?;
        } else if let Some(after) = rest.strip_prefix('<') {
            let name_len = after
                .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .unwrap_or(after.len());
            let name = &after[..name_len];
            if name.is_empty() {
                return None;
            }
            let local = name.rsplit(':').next().unwrap_or(name).to_owned();
            let end = i + rest.find('>').map_or(rest.len(), |p| p + 1);
            return Some(Root {
                start: i,
                end,
                local,
            });
        } else {
            return None;
        }
    }
}

/// Length of a `<!DOCTYPE …>` including an internal subset in brackets.
fn doctype_len(rest: &str) -> Option<usize> {
    let mut depth = 0i32;
    for (idx, c) in rest.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            '>' if depth <= 0 => return Some(idx + 1),
            _ => {}
        }
    }
    None
}

/// Drops anything before the XML declaration (blank lines, a BOM decoded
/// twice, PHP warnings) or, without a declaration, before the first `<`.
/// Returns the original when there is nothing to strip.
pub(crate) fn strip_leading_junk(text: &str) -> Cow<'_, str> {
    let head_end = floor_char_boundary(text, 4096);
    if let Some(pos) = text[..head_end].find("<?xml") {
        if pos > 0 {
            return Cow::Owned(text[pos..].to_owned());
        }
        return Cow::Borrowed(text);
    }
    match text.find('<') {
        Some(pos) if pos > 0 => Cow::Owned(text[pos..].to_owned()),
        _ => Cow::Borrowed(text),
    }
}

/// A feed embedded in another document (an XHTML page around an Atom
/// feed): returns the feed element, from its start tag to its last end tag.
pub(crate) fn extract_embedded_feed(text: &str) -> Option<String> {
    static START: LazyLock<Regex> =
        LazyLock::new(|| built_in_regex(r"<((?:[A-Za-z_][\w.-]*:)?)(rss|feed|RDF)[\s>]"));
    let re = &*START;
    let caps = re.captures(text)?;
    let start = caps.get(0)?.start();
    let close = format!("</{}{}", &caps[1], &caps[2]);
    let close_at = text.rfind(&close)?;
    let end = close_at + text[close_at..].find('>')? + 1;
    (start > 0 && end > start).then(|| text[start..end].to_owned())
}

fn floor_char_boundary(text: &str, mut idx: usize) -> usize {
    if idx >= text.len() {
        return text.len();
    }
    while !text.is_char_boundary(idx) {
        idx -= 1;
    }
    idx
}

/// Makes roots feed-rs would reject or read as empty parse with entries:
/// `<rss>` without a known version, RSS with a default namespace, Atom 0.3,
/// RSS 0.90. Each change is noted in `warnings`.
pub(crate) fn normalize_root(text: String, root: &Root, warnings: &mut Vec<String>) -> String {
    match root.local.as_str() {
        "rss" => normalize_rss_root(text, root, warnings),
        "feed" | "entry" => normalize_atom(text, root, warnings),
        "RDF" => {
            let mut text = text;
            for ns in RSS090_NS_VARIANTS {
                if text.contains(ns) {
                    warnings.push("RSS 0.90 namespace mapped to RSS 1.0".into());
                    text = text.replace(ns, RSS10_NS);
                }
            }
            add_rdf_item_links(text, warnings)
        }
        _ => text,
    }
}

/// A link that is not one: given to RSS 1.0 items that have neither
/// `<link>` nor `rdf:about`, so that feed-rs keeps them; its scheme is not
/// http(s), so it never becomes an entry's link.
pub(crate) const NO_LINK: &str = "feedloom:no-link";

/// feed-rs drops RSS 1.0 items without `<link>`; the item's `rdf:about`
/// is its URI, so give it as the link (or [`NO_LINK`] when it has none:
/// a title and text are still a story).
fn add_rdf_item_links(text: String, warnings: &mut Vec<String>) -> String {
    static ITEM: LazyLock<Regex> =
        LazyLock::new(|| built_in_regex(r"<((?:[A-Za-z_][\w.-]*:)?)item(\s[^>]*)?>"));
    static ABOUT: LazyLock<Regex> =
        LazyLock::new(|| built_in_regex(r#"\babout\s*=\s*["']([^"']+)["']"#));
    let item_re = &*ITEM;
    let about_re = &*ABOUT;
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let (mut added, mut unlinked) = (0, 0);
    for caps in item_re.captures_iter(&text) {
        let Some(whole) = caps.get(0) else { continue };
        if whole.start() < last {
            continue;
        }
        let close = format!("</{}item>", &caps[1]);
        let Some(body_len) = text[whole.end()..].find(&close) else {
            continue;
        };
        let body = &text[whole.end()..whole.end() + body_len];
        if body.contains("link>") {
            continue;
        }
        let about = caps
            .get(2)
            .and_then(|a| about_re.captures(a.as_str()))
            .and_then(|c| c.get(1));
        let link = match about {
            Some(about) => {
                added += 1;
                about.as_str()
            }
            None => {
                unlinked += 1;
                NO_LINK
            }
        };
        out.push_str(&text[last..whole.end()]);
        out.push_str(&format!("<{}link>{link}</{}link>", &caps[1], &caps[1]));
        last = whole.end();
    }
    if added + unlinked == 0 {
        return text;
    }
    out.push_str(&text[last..]);
    if added > 0 {
        warnings.push(format!(
            "{added} RSS 1.0 items without <link> given their rdf:about"
        ));
    }
    if unlinked > 0 {
        warnings.push(format!(
            "{unlinked} RSS 1.0 items have neither <link> nor rdf:about"
        ));
    }
    out
}

/// feed-rs accepts only `version="2.0"`, `"0.91"`, `"0.92"` or `""` and
/// reads no RSS element in a namespace (the old userland `rss2` namespace).
fn normalize_rss_root(text: String, root: &Root, warnings: &mut Vec<String>) -> String {
    static VERSION: LazyLock<Regex> =
        LazyLock::new(|| built_in_regex(r#"\sversion\s*=\s*["']([^"']*)["']"#));
    static XMLNS: LazyLock<Regex> =
        LazyLock::new(|| built_in_regex(r#"\sxmlns\s*=\s*["'][^"']*["']"#));
    let version_re = &*VERSION;
    let xmlns_re = &*XMLNS;

    let tag = &text[root.start..root.end];
    let mut new_tag = tag.to_owned();
    match version_re.captures(tag).and_then(|c| c.get(1)) {
        Some(v) if matches!(v.as_str(), "2.0" | "0.91" | "0.92") => {}
        Some(v) => {
            warnings.push(format!("RSS version {:?} read as 2.0", v.as_str()));
            new_tag = version_re
                .replace(&new_tag, r#" version="2.0""#)
                .into_owned();
        }
        None => {
            warnings.push("RSS without version read as 2.0".into());
            new_tag = insert_attr(&new_tag, r#" version="2.0""#);
        }
    }
    if xmlns_re.is_match(&new_tag) {
        warnings.push("default namespace on <rss> ignored".into());
        new_tag = xmlns_re.replace_all(&new_tag, "").into_owned();
    }
    // Items straight under <rss> with no <channel>: feed-rs finds no root.
    let body = &text[root.end..];
    let wrap = !new_tag.ends_with("/>") && !body.contains("channel") && body.rfind("</").is_some();
    if new_tag == tag && !wrap {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 32);
    out.push_str(&text[..root.start]);
    out.push_str(&new_tag);
    match body.rfind("</") {
        Some(close) if wrap => {
            warnings.push("RSS without <channel>: items read as if inside one".into());
            out.push_str("<channel>");
            out.push_str(&body[..close]);
            out.push_str("</channel>");
            out.push_str(&body[close..]);
        }
        _ => out.push_str(body),
    }
    out
}

/// Inserts ` attr` before the closing `>` or `/>` of a start tag.
fn insert_attr(tag: &str, attr: &str) -> String {
    let cut = if tag.ends_with("/>") {
        tag.len() - 2
    } else if tag.ends_with('>') {
        tag.len() - 1
    } else {
        tag.len()
    };
    format!("{}{}{}", &tag[..cut], attr, &tag[cut..])
}

/// Atom 0.3 → 1.0: the namespace, the renamed elements and the MIME-typed
/// text constructs (`type="text/plain"`), which feed-rs rejects outright.
fn normalize_atom(text: String, root: &Root, warnings: &mut Vec<String>) -> String {
    static DEFAULT_NS: LazyLock<Regex> =
        LazyLock::new(|| built_in_regex(r#"\sxmlns\s*=\s*["']([^"']*)["']"#));
    static RENAMES: LazyLock<Regex> = LazyLock::new(|| {
        built_in_regex(r"<(/?)((?:[A-Za-z_][\w.-]*:)?)(modified|issued|tagline|copyright)\b")
    });
    let mut text = text;
    if text.contains(ATOM03_NS) {
        warnings.push("Atom 0.3 mapped to Atom 1.0".into());
        text = text.replace(ATOM03_NS, ATOM_NS);
        let renames = &*RENAMES;
        text = renames
            .replace_all(&text, |c: &Captures| {
                let new = match &c[3] {
                    "modified" => "updated",
                    "issued" => "published",
                    "tagline" => "subtitle",
                    _ => "rights",
                };
                format!("<{}{}{}", &c[1], &c[2], new)
            })
            .into_owned();
        text = map_atom_types(&text).into_owned();
        return text;
    }
    // Some other default namespace on the root (a draft URI, a typo): feed-rs
    // would silently ignore every element, so read it as Atom 1.0.
    let ns_re = &*DEFAULT_NS;
    let tag = &text[root.start..root.end.min(text.len())];
    if let Some(ns) = ns_re.captures(tag).and_then(|c| c.get(1)) {
        let ns = ns.as_str();
        if ns != ATOM_NS && ns.to_ascii_lowercase().contains("atom") {
            warnings.push(format!("Atom namespace {ns:?} read as Atom 1.0"));
            let quoted_d = format!("\"{ns}\"");
            let quoted_s = format!("'{ns}'");
            text = text
                .replace(&quoted_d, &format!("\"{ATOM_NS}\""))
                .replace(&quoted_s, &format!("'{ATOM_NS}'"));
        }
    }
    text
}

#[cfg(test)]
mod tests;
