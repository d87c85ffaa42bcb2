//! Character-set detection and decoding to UTF-8, done before feed-rs sees
//! the bytes.
//!
//! feed-rs trusts the XML declaration alone, cannot read UTF-32, and panics
//! inside quick-xml on some UTF-16BE input, so feedloom decodes the body itself
//! and hands feed-rs a UTF-8 string whose declaration says `utf-8`.
//!
//! Precedence (most to least trusted): byte-order mark > HTTP `charset` >
//! XML declaration > UTF-8 > chardetng's guess. Labels give way to the
//! bytes when the body is valid non-ASCII UTF-8 (then the label is the
//! thing that lies) and when the bytes are invalid in the charset a label
//! names; see [`decode`].

use std::borrow::Cow;
use std::sync::OnceLock;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};
use regex::Regex;

/// The result of decoding: always valid UTF-8, plus what was decided.
#[derive(Debug)]
pub(crate) struct Decoded {
    /// The document as UTF-8, BOM removed.
    pub text: String,
    /// Name of the encoding that was used (for warnings and tests).
    pub encoding: &'static str,
    /// Why that encoding was chosen.
    pub source: Source,
    /// True when some bytes could not be decoded and became U+FFFD.
    pub had_errors: bool,
}

/// Where the encoding decision came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Bom,
    /// UTF-16/32 recognised from the `<?` pattern of the first bytes (XML 1.0 appendix F).
    XmlPattern,
    Http,
    Declaration,
    Utf8,
    Guess,
}

/// A 32-bit Unicode encoding, which encoding_rs does not provide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Utf32 {
    Le,
    Be,
}

/// Decodes `body` to UTF-8 following the precedence in the module docs.
pub(crate) fn decode(body: &[u8], content_type: Option<&str>) -> Decoded {
    // 1. Byte-order marks. UTF-32LE's BOM starts with UTF-16LE's, so test it first.
    if body.starts_with(&[0xFF, 0xFE, 0x00, 0x00]) {
        return decode_utf32(&body[4..], Utf32::Le, Source::Bom);
    }
    if body.starts_with(&[0x00, 0x00, 0xFE, 0xFF]) {
        return decode_utf32(&body[4..], Utf32::Be, Source::Bom);
    }
    if let Some((enc, bom_len)) = Encoding::for_bom(body) {
        return decode_with(&body[bom_len..], enc, Source::Bom);
    }
    // UTF-16/32 without a BOM, recognised by how `<?` or `<` is laid out.
    if body.starts_with(&[0x3C, 0x00, 0x00, 0x00]) {
        return decode_utf32(body, Utf32::Le, Source::XmlPattern);
    }
    if body.starts_with(&[0x00, 0x00, 0x00, 0x3C]) {
        return decode_utf32(body, Utf32::Be, Source::XmlPattern);
    }
    if body.starts_with(&[0x3C, 0x00]) && body.get(3) == Some(&0x00) {
        return decode_with(body, UTF_16LE, Source::XmlPattern);
    }
    if body.starts_with(&[0x00, 0x3C]) && body.get(2) == Some(&0x00) {
        return decode_with(body, UTF_16BE, Source::XmlPattern);
    }

    // 2. The HTTP charset, then 3. the XML declaration, unless the body is
    // valid UTF-8 with non-ASCII bytes: real text in a legacy charset is
    // practically never valid UTF-8, while "charset=iso-8859-1" is a server
    // default and a copied declaration the most common lie there is. (A
    // 16/32-bit label over such a body cannot apply anyway.)
    //
    // A label the bytes contradict (invalid sequences in the encoding it
    // names: "utf-8" over windows-1251 text, "shift_jis" over Latin-1) is a
    // lie too: the next source is tried, and the most trusted one is kept
    // only if every other leaves errors as well.
    let valid_utf8 = std::str::from_utf8(body).is_ok();
    let non_ascii = !body.is_ascii();
    let mut contradicted: Option<Decoded> = None;
    if !(valid_utf8 && non_ascii) {
        let labels = [
            content_type
                .and_then(charset_param)
                .map(|l| (l, Source::Http)),
            declared_encoding(body).map(|l| (l, Source::Declaration)),
        ];
        for (label, source) in labels.into_iter().flatten() {
            match decode_by_label(body, &label, source) {
                Some(decoded) if !decoded.had_errors => return decoded,
                Some(decoded) => {
                    contradicted.get_or_insert(decoded);
                }
                None => {}
            }
        }
    }

    // 4. UTF-8, when the bytes are, or when they mostly are: a UTF-8 feed
    // with a few broken bytes keeps its text, with U+FFFD for those bytes.
    if valid_utf8 || mostly_utf8(body) {
        return decode_with(body, UTF_8, Source::Utf8);
    }

    // 5. Guess.
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(body, true);
    let guess = detector.guess(None, chardetng::Utf8Detection::Allow);
    let guessed = decode_with(body, guess, Source::Guess);
    match contradicted {
        Some(trusted) if guessed.had_errors => trusted,
        _ => guessed,
    }
}

/// Whether invalid UTF-8 is still mostly UTF-8: more well-formed non-ASCII
/// characters than invalid sequences. Legacy text has almost no well-formed
/// multi-byte sequences; a UTF-8 document with a stray byte has many.
fn mostly_utf8(body: &[u8]) -> bool {
    let (mut good, mut bad) = (0usize, 0usize);
    let mut rest = body;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                good += valid.chars().filter(|c| !c.is_ascii()).count();
                break;
            }
            Err(error) => {
                let (valid, after) = rest.split_at(error.valid_up_to());
                good += std::str::from_utf8(valid)
                    .map_or(0, |valid| valid.chars().filter(|c| !c.is_ascii()).count());
                bad += 1;
                let skip = error.error_len().unwrap_or(after.len()).max(1);
                rest = &after[skip.min(after.len())..];
            }
        }
    }
    good > bad
}

/// Decodes with a charset label; `None` when the label is unknown or cannot
/// apply to this body (a 16/32-bit label over 8-bit-looking bytes).
fn decode_by_label(body: &[u8], label: &str, source: Source) -> Option<Decoded> {
    let lower = label.trim().to_ascii_lowercase();
    if lower.starts_with("utf-32") || lower.starts_with("ucs-4") {
        // Only believable if the bytes look 32-bit (NULs in the first units).
        if body.len() >= 4 && body[..4].contains(&0) {
            let be = lower.ends_with("be") || body.first() == Some(&0);
            return Some(decode_utf32(
                body,
                if be { Utf32::Be } else { Utf32::Le },
                source,
            ));
        }
        return None;
    }
    let enc = Encoding::for_label(lower.as_bytes())?;
    if enc == UTF_16LE || enc == UTF_16BE {
        // A 16-bit body without BOM has a NUL in one of its first two bytes.
        if body.len() >= 2 && body[..2].contains(&0) {
            let be = body.first() == Some(&0);
            return Some(decode_with(
                body,
                if be { UTF_16BE } else { UTF_16LE },
                source,
            ));
        }
        return None;
    }
    // encoding_rs maps "iso-8859-1"/"us-ascii" to windows-1252 (the WHATWG
    // rule), which is what real feeds labelled that way contain anyway.
    Some(decode_with(body, enc, source))
}

fn decode_with(body: &[u8], enc: &'static Encoding, source: Source) -> Decoded {
    let (text, had_errors) = enc.decode_without_bom_handling(body);
    let text = match text {
        Cow::Borrowed(s) => s.to_owned(),
        Cow::Owned(s) => s,
    };
    Decoded {
        text,
        encoding: enc.name(),
        source,
        had_errors,
    }
}

/// UTF-32 by hand: encoding_rs deliberately does not support it.
fn decode_utf32(body: &[u8], order: Utf32, source: Source) -> Decoded {
    let mut text = String::with_capacity(body.len() / 4);
    let mut had_errors = false;
    let mut chunks = body.chunks_exact(4);
    for chunk in &mut chunks {
        let bytes = [chunk[0], chunk[1], chunk[2], chunk[3]];
        let value = match order {
            Utf32::Le => u32::from_le_bytes(bytes),
            Utf32::Be => u32::from_be_bytes(bytes),
        };
        match char::from_u32(value) {
            Some(c) => text.push(c),
            None => {
                had_errors = true;
                text.push('\u{FFFD}');
            }
        }
    }
    if !chunks.remainder().is_empty() {
        had_errors = true;
        text.push('\u{FFFD}');
    }
    let encoding = match order {
        Utf32::Le => "UTF-32LE",
        Utf32::Be => "UTF-32BE",
    };
    Decoded {
        text,
        encoding,
        source,
        had_errors,
    }
}

/// The `charset` parameter of a Content-Type header value, unquoted.
pub(crate) fn charset_param(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if name.trim().eq_ignore_ascii_case("charset") {
            let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
            (!value.is_empty()).then(|| value.to_owned())
        } else {
            None
        }
    })
}

fn decl_regex() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        crate::text::built_in_regex(
            r#"(?s)^(.{0,1024}?<\?xml[^>]*?\bencoding\s*=\s*)(["'])([^"']*)(["'])"#,
        )
    })
}

/// The encoding named in the XML declaration, read from the raw bytes (the
/// declaration itself is ASCII in every 8-bit encoding).
fn declared_encoding(body: &[u8]) -> Option<String> {
    let head = &body[..body.len().min(1024)];
    let head = String::from_utf8_lossy(head);
    let caps = decl_regex().captures(&head)?;
    let label = caps.get(3)?.as_str().trim();
    (!label.is_empty()).then(|| label.to_owned())
}

/// Rewrites the declaration's `encoding="…"` to `utf-8`, since the text is
/// UTF-8 now and feed-rs would otherwise decode it a second time.
pub(crate) fn rewrite_declaration(text: String) -> String {
    let re = decl_regex();
    match re.captures(&text) {
        Some(caps) => {
            let (Some(whole), Some(prefix)) = (caps.get(0), caps.get(1)) else {
                return text;
            };
            let mut out = String::with_capacity(text.len());
            out.push_str(prefix.as_str());
            out.push_str("\"utf-8\"");
            out.push_str(&text[whole.end()..]);
            out
        }
        None => text,
    }
}

#[cfg(test)]
mod tests;
