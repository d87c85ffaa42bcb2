//! Text-level repairs of a decoded XML document: the characters and stray
//! declarations XML forbids, dropped before the first attempt, and the one
//! pass of fixes applied after feed-rs rejects the document.
//!
//! Everything here works on the document as a string and is general: each
//! fix targets a class of breakage seen in real feeds, never one file.

use std::borrow::Cow;

use super::atom_types::{drop_empty_text_constructs, map_atom_types};
use super::root::{find_root, strip_leading_junk};

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
    // In chunks with no early exit inside one, which the compiler turns
    // into vector instructions: a byte-at-a-time `any` over every body of
    // a cold poll was a hundredth of its CPU.
    let suspect = text.as_bytes().chunks(64).any(|chunk| {
        chunk.iter().fold(false, |found, &b| {
            found | ((b < 0x20) & !matches!(b, b'\t' | b'\n' | b'\r')) | (b == 0xEF)
        })
    });
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
mod tests;
