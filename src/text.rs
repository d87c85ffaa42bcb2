//! Small text helpers shared by the stages.

use unicode_normalization::UnicodeNormalization;

/// Every run of whitespace (Unicode's definition, so also no-break spaces)
/// as one space, trimmed.
pub(crate) fn collapse_whitespace(text: &str) -> String {
    if text.is_ascii() {
        return collapse_ascii(text, false);
    }
    let mut out = String::with_capacity(text.len());
    for word in text.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out
}

/// [`collapse_whitespace`] of ASCII text, by bytes, not characters (what
/// `split_whitespace` decides per character, for the bytes ASCII has: tab,
/// line feed, vertical tab, form feed, carriage return and space), and
/// lower-cased when `lower`. Every story's title and text go through here
/// two or three times in a poll: decoding characters to split words was a
/// twenty-fifth of a cold poll's CPU.
fn collapse_ascii(text: &str, lower: bool) -> String {
    let bytes = text.as_bytes();
    let whitespace = |byte: u8| matches!(byte, b'\t'..=b'\r' | b' ');
    let mut out = Vec::with_capacity(bytes.len());
    // Most text needs little collapsing: runs between the places that do
    // (a whitespace byte other than one space before a word) are copied
    // whole. Pushing a byte at a time cost a twentieth of a cold poll's
    // CPU.
    let mut at = bytes
        .iter()
        .position(|&byte| !whitespace(byte))
        .unwrap_or(bytes.len());
    let mut run = at;
    while at < bytes.len() {
        if let Some(plain) = plain_bytes(bytes, at) {
            at += plain;
            if plain == 8 {
                continue;
            }
        }
        let byte = bytes[at];
        if !whitespace(byte)
            || (byte == b' ' && bytes.get(at + 1).is_some_and(|&next| !whitespace(next)))
        {
            at += 1;
            continue;
        }
        out.extend_from_slice(&bytes[run..at]);
        while at < bytes.len() && whitespace(bytes[at]) {
            at += 1;
        }
        if at < bytes.len() {
            out.push(b' ');
        }
        run = at;
    }
    out.extend_from_slice(&bytes[run..]);
    if lower {
        out.make_ascii_lowercase();
    }
    // Cutting at ASCII bytes and lower-casing ASCII letters keep any UTF-8
    // valid, so the fallback is never taken.
    String::from_utf8(out)
        .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
}

/// How many of the eight bytes of ASCII text from `at` come before the
/// first one [`collapse_ascii`] must look at one by one (eight when none
/// does): the bytes above space, and spaces followed by one, are copied as
/// they are. `None` when fewer than nine bytes are left. Read eight at a
/// time, so that prose, a space every six bytes or so, is not decided byte
/// by byte: the ASCII path was a twenty-eighth of a cold poll's CPU. A
/// control byte below space that is not whitespace also stops the run; the
/// byte path copies it.
fn plain_bytes(bytes: &[u8], at: usize) -> Option<usize> {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const LOW: u64 = 0x7f7f_7f7f_7f7f_7f7f;
    let window = bytes.get(at..at + 9)?;
    let (Ok(these), Ok(next)) = (
        <[u8; 8]>::try_from(&window[..8]),
        <[u8; 8]>::try_from(&window[1..]),
    ) else {
        return None;
    };
    let (these, next) = (u64::from_le_bytes(these), u64::from_le_bytes(next));
    // The high bit of each byte set where the byte is below 0x21: for
    // ASCII, adding 0x5f carries into no other byte.
    let low = |word: u64| !word.wrapping_add(0x5f5f_5f5f_5f5f_5f5f) & HIGH;
    // ... where the byte is a space: the bytes of `these ^ 0x20…` that are
    // zero, exactly (no borrow between bytes).
    let spaced = these ^ 0x2020_2020_2020_2020;
    let spaces = !(((spaced & LOW) + LOW) | spaced) & HIGH;
    let stops = low(these) & !(spaces & !low(next));
    Some(stops.trailing_zeros() as usize / 8)
}

/// The text as the content hash and the near-duplicate fingerprint
/// compare it: NFKC, typographic quotes and dashes folded to ASCII,
/// lowercase, whitespace collapsed. Here, below both `normalize` and
/// `cluster`, because the two must fold text alike: a story's hash and its
/// fingerprint describe the same words.
pub(crate) fn normalize_for_hash(text: &str) -> String {
    // Most feed text is ASCII, where NFKC and the folds below are the
    // identity: skip them (the hot path of a cold poll).
    if text.is_ascii() {
        return collapse_ascii(text, true);
    }
    let folded: String = text
        .nfkc()
        .map(|c| match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' | '`' => '\'',
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '«' | '»' => '"',
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{00A0}' | '\u{200B}' | '\u{FEFF}' => ' ',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect();
    collapse_whitespace(&folded)
}

/// The first `limit` characters of `text` with whitespace collapsed, cut at
/// a word boundary and marked with "…" when something was cut. A single
/// word longer than the limit is cut inside the word.
pub(crate) fn excerpt(text: &str, limit: usize) -> String {
    let text = collapse_whitespace(text);
    if text.chars().count() <= limit {
        return text;
    }
    let cut = text
        .char_indices()
        .nth(limit)
        .map_or(text.len(), |(index, _)| index);
    let head = &text[..cut];
    // Cut before the word the limit falls in, unless the next character
    // starts a word anyway (then `head` ends on a boundary).
    let at_boundary = text[cut..].starts_with(' ');
    let head = match head.rfind(' ') {
        Some(space) if !at_boundary => &head[..space],
        _ => head,
    };
    let head = head.trim_end_matches(|c: char| c == ' ' || c.is_ascii_punctuation() && c != '.');
    format!("{head}…")
}

/// Compiles one of feedloom's own constant patterns. Never called with
/// input: a typo fails every test that reaches the pattern, so a panic here
/// is a build defect, not a runtime condition. Callers keep the result in a
/// `LazyLock` so that each pattern compiles once.
pub(crate) fn built_in_regex(pattern: &str) -> regex::Regex {
    match regex::Regex::new(pattern) {
        Ok(regex) => regex,
        Err(error) => panic!("built-in regex {pattern:?} does not compile: {error}"),
    }
}

/// Runs html5ever's tokenizer over `html` into `sink` and returns the sink.
/// A tokenizer (no tree) is all that text extraction and link discovery
/// need, and it accepts any markup without failing.
pub(crate) fn tokenize<S: html5ever::tokenizer::TokenSink>(html: &str, sink: S) -> S {
    use html5ever::tendril::StrTendril;
    use html5ever::tokenizer::{BufferQueue, Tokenizer, TokenizerOpts};
    let tokenizer = Tokenizer::new(sink, TokenizerOpts::default());
    let input = BufferQueue::default();
    input.push_back(StrTendril::from_slice(html));
    // Without a tree builder the tokenizer never pauses for a script.
    let _ = tokenizer.feed(&input);
    tokenizer.end();
    tokenizer.sink
}

#[cfg(test)]
mod tests;
