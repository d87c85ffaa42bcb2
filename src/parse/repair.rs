//! Text-level fixes applied to a decoded XML document before (normalisation)
//! or after (repair) feed-rs rejects it.
//!
//! Everything here works on the document as a string and is general: each
//! fix targets a class of breakage seen in real feeds, never one file.

use std::borrow::Cow;
use std::sync::OnceLock;

use regex::{Captures, Regex};

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
    static START: OnceLock<Regex> = OnceLock::new();
    let re = regex(&START, r"<((?:[A-Za-z_][\w.-]*:)?)(rss|feed|RDF)[\s>]");
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

fn regex(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    // Patterns are constants; a typo fails every test, never input-dependent.
    cell.get_or_init(|| crate::text::built_in_regex(pattern))
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
    static ITEM: OnceLock<Regex> = OnceLock::new();
    static ABOUT: OnceLock<Regex> = OnceLock::new();
    let item_re = regex(&ITEM, r"<((?:[A-Za-z_][\w.-]*:)?)item(\s[^>]*)?>");
    let about_re = regex(&ABOUT, r#"\babout\s*=\s*["']([^"']+)["']"#);
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
    static VERSION: OnceLock<Regex> = OnceLock::new();
    static XMLNS: OnceLock<Regex> = OnceLock::new();
    let version_re = regex(&VERSION, r#"\sversion\s*=\s*["']([^"']*)["']"#);
    let xmlns_re = regex(&XMLNS, r#"\sxmlns\s*=\s*["'][^"']*["']"#);

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
    static DEFAULT_NS: OnceLock<Regex> = OnceLock::new();
    static RENAMES: OnceLock<Regex> = OnceLock::new();
    let mut text = text;
    if text.contains(ATOM03_NS) {
        warnings.push("Atom 0.3 mapped to Atom 1.0".into());
        text = text.replace(ATOM03_NS, ATOM_NS);
        let renames = regex(
            &RENAMES,
            r"<(/?)((?:[A-Za-z_][\w.-]*:)?)(modified|issued|tagline|copyright)\b",
        );
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
    let ns_re = regex(&DEFAULT_NS, r#"\sxmlns\s*=\s*["']([^"']*)["']"#);
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

/// Rewrites `type=` on Atom text constructs to the values feed-rs accepts
/// (`text`, `html`, `xhtml`; a MIME type on `<content>`): one unexpected value
/// would otherwise fail the whole feed.
pub(crate) fn map_atom_types(text: &str) -> Cow<'_, str> {
    static TAG: OnceLock<Regex> = OnceLock::new();
    static TYPE: OnceLock<Regex> = OnceLock::new();
    let tag_re = regex(
        &TAG,
        r"<((?:[A-Za-z_][\w.-]*:)?)(title|subtitle|summary|content|rights|description)(\s[^>]*)>",
    );
    let type_re = regex(&TYPE, r#"(\stype\s*=\s*)(["'])([^"']*)(["'])"#);
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
    static EMPTY: OnceLock<Regex> = OnceLock::new();
    let re = regex(
        &EMPTY,
        r"<((?:[A-Za-z_][\w.-]*:)?)(title|subtitle|summary|content|rights)\b([^>]*?)(?:/>|>\s*</((?:[A-Za-z_][\w.-]*:)?)(title|subtitle|summary|content|rights)\s*>)",
    );
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

/// Fixes references the XML parser rejects, outside CDATA and comments:
/// a bare `&` becomes `&amp;`; HTML named entities XML does not define
/// (`&nbsp;`, `&eacute;`) become their characters; references to characters
/// XML forbids are dropped, and C1 controls (`&#150;`) are read as the
/// windows-1252 characters their authors meant. Returns the number of fixes.
pub(crate) fn fix_references(text: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len() + 64);
    let mut fixes = 0;
    let mut rest = text;
    while let Some(pos) = rest.find(['&', '<']) {
        out.push_str(&rest[..pos]);
        rest = &rest[pos..];
        if rest.starts_with('<') {
            // Copy CDATA sections and comments verbatim.
            let skip = if rest.starts_with("<![CDATA[") {
                rest.find("]]>").map_or(rest.len(), |p| p + 3)
            } else if rest.starts_with("<!--") {
                rest.find("-->").map_or(rest.len(), |p| p + 3)
            } else {
                1
            };
            out.push_str(&rest[..skip]);
            rest = &rest[skip..];
            continue;
        }
        // rest starts with '&'
        let (consumed, replacement) = fix_one_reference(rest);
        if let Some(r) = replacement {
            fixes += 1;
            out.push_str(&r);
        } else {
            out.push_str(&rest[..consumed]);
        }
        rest = &rest[consumed..];
    }
    out.push_str(rest);
    (out, fixes)
}

/// Looks at a reference starting at `&`; returns how many bytes it spans and
/// its replacement (`None` = keep as is).
fn fix_one_reference(s: &str) -> (usize, Option<String>) {
    let body_end = s[1..]
        .char_indices()
        .take(40)
        .find(|(_, c)| !(c.is_ascii_alphanumeric() || matches!(c, '#' | '_' | '.' | '-' | ':')))
        .map(|(i, c)| (i + 1, c));
    let Some((end, ';')) = body_end else {
        return (1, Some("&amp;".into()));
    };
    let name = &s[1..end];
    let consumed = end + 1;
    if let Some(num) = name.strip_prefix('#') {
        let value = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok(),
            None => num.parse::<u32>().ok(),
        };
        return match value {
            None => (1, Some("&amp;".into())),
            // `&#X41;`: XML only allows a lowercase x.
            Some(v) if num.starts_with('X') && is_xml_char(v) && !(0x80..=0x9F).contains(&v) => {
                (consumed, Some(format!("&#x{};", &num[1..])))
            }
            Some(v) if is_xml_char(v) && !(0x80..=0x9F).contains(&v) => (consumed, None),
            Some(v) if (0x80..=0x9F).contains(&v) => {
                let byte = [v as u8];
                let (c, _) = encoding_rs::WINDOWS_1252.decode_without_bom_handling(&byte);
                (consumed, Some(escape_for_xml(&c)))
            }
            Some(_) => (consumed, Some(String::new())),
        };
    }
    if matches!(name, "amp" | "lt" | "gt" | "quot" | "apos") {
        return (consumed, None);
    }
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        return (1, Some("&amp;".into()));
    }
    let entity = &s[..consumed];
    let decoded = html_escape::decode_html_entities(entity);
    if decoded != entity {
        (consumed, Some(escape_for_xml(&decoded)))
    } else {
        // Unknown name: keep the text as written.
        (1, Some("&amp;".into()))
    }
}

fn escape_for_xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

/// The XML 1.0 `Char` production.
fn is_xml_char(v: u32) -> bool {
    matches!(v, 0x9 | 0xA | 0xD | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

/// Removes characters XML 1.0 forbids (control characters, U+FFFE/FFFF)
/// that appear literally; quick-xml would pass some and choke on others.
pub(crate) fn drop_invalid_chars(text: &str) -> Cow<'_, str> {
    // Every forbidden character is a C0 control byte or starts with 0xEF
    // (U+FFFE/FFFF), or is a lone surrogate, which a `str` cannot hold: a
    // byte scan rules most documents out without decoding them.
    let suspect = text
        .bytes()
        .any(|b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r')) || b == 0xEF);
    if !suspect || text.chars().all(|c| is_xml_char(c as u32)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().filter(|&c| is_xml_char(c as u32)).collect())
}

/// Removes XML declarations after the start of the document (two feeds
/// pasted together, a template that includes one): quick-xml 0.42 panics
/// on a second one instead of failing. The document's own declaration
/// (after nothing but whitespace and BOMs), and any inside CDATA or a
/// comment, stay. One forward pass over the `<`s: a hostile body of a
/// million declarations costs what reading it costs.
pub(crate) fn drop_stray_declarations(text: &str) -> Cow<'_, str> {
    /// A declaration is `<?xml ... ?>` on a few dozen bytes; `?>` further
    /// than this is not the end of one.
    const LONGEST: usize = 256;
    let own = text.len()
        - text
            .trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
            .len();
    // Nearly every feed has at most its own declaration: one substring
    // search says so without looking at every tag.
    let mut declarations = text.match_indices("<?xml").map(|(at, _)| at);
    match (declarations.next(), declarations.next()) {
        (None, _) => return Cow::Borrowed(text),
        (Some(first), None) if first == own => return Cow::Borrowed(text),
        _ => {}
    }
    let mut out: Option<String> = None;
    let mut copied = 0;
    let mut pos = 0;
    while let Some(offset) = text[pos..].find('<') {
        let at = pos + offset;
        let rest = &text[at..];
        // Skip what is text to XML, in one step each.
        let skip_to = |close: &str| rest.find(close).map(|end| at + end + close.len());
        if rest.starts_with("<![CDATA[") {
            match skip_to("]]>") {
                Some(next) => pos = next,
                None => break,
            }
            continue;
        }
        if rest.starts_with("<!--") {
            match skip_to("-->") {
                Some(next) => pos = next,
                None => break,
            }
            continue;
        }
        let declaration = rest.starts_with("<?xml")
            && rest[5..].starts_with(|c: char| c.is_ascii_whitespace() || c == '?');
        if declaration && at != own {
            let mut window = rest.len().min(LONGEST);
            while !rest.is_char_boundary(window) {
                window -= 1;
            }
            if let Some(end) = rest[..window]
                .find("?>")
                .filter(|end| !rest[1..*end].contains('<'))
            {
                let out = out.get_or_insert_with(|| String::with_capacity(text.len()));
                out.push_str(&text[copied..at]);
                copied = at + end + 2;
                pos = copied;
                continue;
            }
        }
        pos = at + 1;
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut out) => {
            out.push_str(&text[copied..]);
            Cow::Owned(out)
        }
    }
}

/// All repairs in one pass, for the single retry after an XML error.
/// Returns the repaired text and what was done. (Characters XML forbids
/// and stray declarations are gone before the first attempt: `parse_xml`.)
pub(crate) fn repair(text: &str) -> (String, Vec<String>) {
    let mut notes = Vec::new();
    let mut doc = match strip_leading_junk(text) {
        Cow::Owned(s) => {
            notes.push("dropped text before the XML declaration or root".to_owned());
            s
        }
        Cow::Borrowed(s) => s.to_owned(),
    };
    let (fixed, n) = fix_references(&doc);
    if n > 0 {
        notes.push(format!(
            "repaired {n} bare '&' or undefined entity references"
        ));
        doc = fixed;
    }
    if let Cow::Owned(s) = map_atom_types(&doc)
        && s != doc
    {
        notes.push("mapped unknown Atom type= values".to_owned());
        doc = s;
    }
    if let Cow::Owned(s) = drop_empty_text_constructs(&doc)
        && s != doc
    {
        notes.push("dropped empty Atom text elements".to_owned());
        doc = s;
    }
    (doc, notes)
}

/// RSS 2.0 items written after `</channel>` (some generators close the
/// channel early): the channel's end moves to just before `</rss>`, so the
/// items are read. `None` when there is nothing to move.
pub(crate) fn move_stray_items(doc: &str) -> Option<String> {
    let lower = doc.to_ascii_lowercase();
    let close = lower.rfind("</channel>")?;
    let after = &lower[close..];
    if !after.contains("<item") {
        return None;
    }
    let end = close + after.find("</rss>")?;
    let mut fixed = String::with_capacity(doc.len());
    fixed.push_str(&doc[..close]);
    fixed.push_str(&doc[close + "</channel>".len()..end]);
    fixed.push_str("</channel>");
    fixed.push_str(&doc[end..]);
    Some(fixed)
}

/// A document cut short (a dropped connection, a full disk on the
/// publisher's side): everything after the last complete `</item>` or
/// `</entry>` is dropped and the open containers are closed, so the
/// complete items are kept. `None` when no item is complete. The root is
/// found again in `doc` itself: offsets from another version of the text
/// (before the repairs) would not fit it.
pub(crate) fn close_truncated(doc: &str) -> Option<String> {
    let root = find_root(doc)?;
    let lower = doc.to_ascii_lowercase();
    let last = ["</item>", "</entry>"]
        .iter()
        .filter_map(|tag| lower.rfind(tag).map(|at| at + tag.len()))
        .max()
        .filter(|last| *last > root.end)?;
    let mut fixed = doc[..last].to_owned();
    match root.local.as_str() {
        "rss" => {
            if lower[..last].contains("<channel") && !lower[..last].contains("</channel>") {
                fixed.push_str("</channel>");
            }
            fixed.push_str("</rss>");
        }
        "feed" => fixed.push_str("</feed>"),
        _ => {
            // RDF and others: close the root as it was written.
            let tag = doc
                .get(root.start + 1..root.end)
                .unwrap_or_default()
                .split(|c: char| c.is_whitespace() || c == '>' || c == '/')
                .next()
                .unwrap_or_default();
            if tag.is_empty() {
                return None;
            }
            fixed.push_str(&format!("</{tag}>"));
        }
    }
    Some(fixed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stray_declarations_go_and_those_in_cdata_stay() {
        let doc = "<?xml version=\"1.0\"?><rss><channel><?xml version=\"1.0\" encoding=\"utf-16\"?>\
                   <item><description><![CDATA[<?xml version=\"1.0\"?>]]></description></item>\
                   <?xml-stylesheet href=\"s\"?></channel></rss>";
        assert_eq!(
            drop_stray_declarations(doc),
            "<?xml version=\"1.0\"?><rss><channel>\
             <item><description><![CDATA[<?xml version=\"1.0\"?>]]></description></item>\
             <?xml-stylesheet href=\"s\"?></channel></rss>"
        );
        assert!(matches!(
            drop_stray_declarations("<?xml version=\"1.0\"?><a/>"),
            Cow::Borrowed(_)
        ));
        // The document's own declaration after whitespace and a BOM stays;
        // one in a comment stays; one without its `?>` is left alone.
        for kept in [
            "\u{feff} \n<?xml version=\"1.0\"?><a/>",
            "<?xml version=\"1.0\"?><a><!-- <?xml version=\"1.0\"?> --></a>",
            "<?xml version=\"1.0\"?><a><?xml version=\"1.0\" <b/></a>",
        ] {
            assert!(
                matches!(drop_stray_declarations(kept), Cow::Borrowed(_)),
                "{kept}"
            );
        }
        // Linear: a megabyte of declarations goes in one pass.
        let hostile = format!(
            "<?xml version=\"1.0\"?><a>{}</a>",
            "<?xml?>".repeat(150_000)
        );
        assert_eq!(
            drop_stray_declarations(&hostile),
            "<?xml version=\"1.0\"?><a></a>"
        );
    }

    #[test]
    fn bare_ampersands_are_escaped() {
        let (out, n) = fix_references("<a href=\"x?a=1&b=2\">Tom & Jerry &amp; co</a>");
        assert_eq!(
            out,
            "<a href=\"x?a=1&amp;b=2\">Tom &amp; Jerry &amp; co</a>"
        );
        assert_eq!(n, 2);
    }

    #[test]
    fn html_entities_are_decoded() {
        let (out, _) = fix_references("<t>a&nbsp;b &eacute;t&eacute; &hellip; &LT;</t>");
        assert_eq!(out, "<t>a\u{a0}b été … &lt;</t>");
    }

    #[test]
    fn unknown_entity_is_kept_as_text() {
        let (out, _) = fix_references("<t>&bogus;</t>");
        assert_eq!(out, "<t>&amp;bogus;</t>");
    }

    #[test]
    fn invalid_char_refs_dropped_and_c1_mapped() {
        let (out, _) = fix_references("<t>a&#0;b&#xD800;c&#150;d&#8217;</t>");
        assert_eq!(out, "<t>abc–d&#8217;</t>");
    }

    #[test]
    fn cdata_and_comments_are_untouched() {
        let s = "<t><![CDATA[a & b &nbsp;]]><!-- & --></t>";
        assert_eq!(fix_references(s).0, s);
    }

    #[test]
    fn rss_without_version_gets_2_0() {
        let doc = "<?xml version='1.0'?>\n<rss><channel/></rss>".to_owned();
        let root = find_root(&doc).expect("root");
        let mut w = Vec::new();
        let out = normalize_root(doc, &root, &mut w);
        assert!(out.contains(r#"<rss version="2.0">"#), "{out}");
        assert_eq!(w.len(), 1);
    }

    #[test]
    fn rss_unknown_version_and_userland_namespace() {
        let doc =
            r#"<rss version="2.01" xmlns="http://backend.userland.com/rss2"><channel/></rss>"#
                .to_owned();
        let root = find_root(&doc).expect("root");
        let out = normalize_root(doc, &root, &mut Vec::new());
        assert_eq!(out, r#"<rss version="2.0"><channel/></rss>"#);
    }

    #[test]
    fn atom03_is_mapped() {
        let doc = r#"<feed version="0.3" xmlns="http://purl.org/atom/ns#"><entry><title type="text/plain">x</title><modified>2004-01-01T00:00:00Z</modified></entry></feed>"#.to_owned();
        let root = find_root(&doc).expect("root");
        let out = normalize_root(doc, &root, &mut Vec::new());
        assert!(out.contains(ATOM_NS));
        assert!(out.contains(r#"<title type="text">"#), "{out}");
        assert!(
            out.contains("<updated>2004-01-01T00:00:00Z</updated>"),
            "{out}"
        );
    }

    #[test]
    fn root_is_found_past_prolog() {
        let doc = "<?xml version='1.0'?><!-- c --><!DOCTYPE rss [<!ENTITY x 'y'>]>\n<rdf:RDF xmlns:rdf='r'>";
        let root = find_root(doc).expect("root");
        assert_eq!(root.local, "RDF");
        assert!(find_root("junk <rss>").is_none());
    }

    #[test]
    fn junk_before_declaration_is_stripped() {
        assert_eq!(
            strip_leading_junk("\n\n<?xml version='1.0'?><rss/>"),
            "<?xml version='1.0'?><rss/>"
        );
        assert_eq!(strip_leading_junk("garbage<rss/>"), "<rss/>");
    }

    #[test]
    fn empty_text_constructs_dropped() {
        let s = r#"<entry><title type="html"></title><summary/><content src="x"/></entry>"#;
        assert_eq!(
            drop_empty_text_constructs(s),
            r#"<entry><content src="x"/></entry>"#
        );
    }

    #[test]
    fn atom_types_mapped() {
        let s = r#"<title type="TEXT">a</title><content type="image/png">b</content><summary type='plain'>c</summary>"#;
        assert_eq!(
            map_atom_types(s),
            r#"<title type="text">a</title><content type="image/png">b</content><summary type="text">c</summary>"#
        );
    }
}
