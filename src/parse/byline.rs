//! Bylines: who wrote an entry, as names for people, from every form feeds
//! give it in.
//!
//! RSS 2.0's `<author>` is an e-mail address, by convention with the name
//! in parentheses (`desk@example.org (Wire Desk)`); others write
//! `Wire Desk <desk@example.org>`, `Wire Desk (mailto:desk@example.org)`,
//! `Wire Desk, desk@example.org` or the address alone, in `<author>`,
//! `dc:creator`, `itunes:author`, Atom's `<name>` and JSON Feed's `name`
//! alike. feed-rs splits an address it recognises off an RSS or JSON Feed
//! name but keeps the rest as it was, so `desk@example.org (Wire Desk)`
//! arrives as the name `(Wire Desk)`, and one it does not recognise (a
//! `mailto:` URI, a `~` in the local part) stays in the name.
//!
//! This is the one place a person becomes a name: addresses are dropped
//! wherever they sit, with the brackets that held them, and a name wrapped
//! whole in brackets or quotes is unwrapped. A person who is only an
//! address has no name. Addresses are never republished (see
//! ARCHITECTURE.md, "Bylines"): JSON Feed 1.1 has no place for one, and an
//! aggregator copying them out of other sites' feeds into its own would
//! only feed address harvesters.

use std::sync::LazyLock;

use regex::Regex;

/// An e-mail address as feeds write it (a `mailto:` URI, or `local@domain`
/// with an optional `?subject=…`), with the brackets around it when they
/// hold nothing else.
static ADDRESS: LazyLock<Regex> = LazyLock::new(|| {
    let address = r#"(?:(?i:mailto:)[^\s<>()\[\]]+|[^\s<>()\[\]{},;:"@]+@[\w-]+(?:\.[\w-]+)+(?:\?[^\s<>()\[\]]*)?)"#;
    crate::text::built_in_regex(&format!(r"[(<\[]\s*{address}\s*[)>\]]|{address}"))
});

/// What is left around a removed address: the separators of
/// `Name, address` or `address - Name`.
const LEFTOVER: &[char] = &[',', ';', ':', '|', '-', '–', '—', '·', '•'];

/// Bracket and quote pairs a whole name may be wrapped in.
const WRAPPERS: &[(char, char)] = &[
    ('(', ')'),
    ('[', ']'),
    ('<', '>'),
    ('"', '"'),
    ('“', '”'),
    ('\'', '\''),
];

/// The byline of one entry from its people's names (see [`person_name`]),
/// in order, each once (an item often gives the same person as `<author>`
/// and `dc:creator`; case does not make another person), joined with ", ".
/// `None` when nobody has a name.
pub(super) fn byline(names: impl IntoIterator<Item = String>) -> Option<String> {
    let mut kept: Vec<String> = Vec::new();
    for name in names {
        let folded = name.to_lowercase();
        if !kept.iter().any(|seen| seen.to_lowercase() == folded) {
            kept.push(name);
        }
    }
    (!kept.is_empty()).then(|| kept.join(", "))
}

/// One person's name for people, from the text a feed gave as the name;
/// `had_address` says the parser already split an address off it (what is
/// left may then carry the separators or brackets that surrounded it).
/// HTML entities are decoded (feeds escape names twice as often as not).
/// `None` when nothing but an address, punctuation or whitespace is left.
pub(super) fn person_name(raw: &str, had_address: bool) -> Option<String> {
    let decoded = html_escape::decode_html_entities(raw);
    let without = ADDRESS.replace_all(&decoded, " ");
    let removed = had_address || without != decoded;
    let mut name = crate::text::collapse_whitespace(&without);
    if removed {
        name = name
            .trim_matches(|c: char| c.is_whitespace() || LEFTOVER.contains(&c))
            .to_owned();
    }
    let name = unwrap(name.trim());
    name.chars()
        .any(char::is_alphanumeric)
        .then(|| name.trim().to_owned())
}

/// `text` without the brackets or quotes that wrap it whole, as often as
/// they do: `(Wire Desk)` is `Wire Desk`, but `(now) Ed Aarons (earlier)`
/// stays as it is, since its first bracket closes before the end.
fn unwrap(mut text: &str) -> &str {
    'outer: loop {
        for &(open, close) in WRAPPERS {
            let Some(inner) = text
                .strip_prefix(open)
                .and_then(|rest| rest.strip_suffix(close))
            else {
                continue;
            };
            if open != close && !balanced(inner, open, close) {
                continue;
            }
            if open == close && inner.contains(open) {
                continue;
            }
            text = inner.trim();
            continue 'outer;
        }
        return text;
    }
}

/// Whether every `close` in `text` ends an `open` before it, and every
/// `open` is closed.
fn balanced(text: &str, open: char, close: char) -> bool {
    let mut depth = 0usize;
    for c in text.chars() {
        if c == open {
            depth += 1;
        } else if c == close {
            let Some(less) = depth.checked_sub(1) else {
                return false;
            };
            depth = less;
        }
    }
    depth == 0
}

#[cfg(test)]
mod tests;
