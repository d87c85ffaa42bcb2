//! A bounded fuzz run on stable: feed documents from the corpus
//! (tests/corpus), mutated by proptest (bit flips, truncations, deletions,
//! splices of another sample, insertions of markup that breaks parsers),
//! go through everything a fetched body goes through — charset detection,
//! parse with its repairs, normalize (sanitize, text, canonical link) and
//! the content hash — and nothing may panic.
//!
//! `cargo test --test fuzz` runs 10,000 cases; `FEEDLOOM_FUZZ_CASES=100000
//! cargo test --release --test fuzz` runs longer. A failing case is shrunk
//! and printed with the sample's path and the mutations.

#[path = "support/corpus_files.rs"]
mod corpus_files;

use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use proptest::prelude::*;
use url::Url;

/// Every corpus sample small enough to mutate quickly, sorted so that a
/// case names the same file on every machine.
static SAMPLES: LazyLock<Vec<(PathBuf, Vec<u8>)>> = LazyLock::new(|| {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    corpus_files::samples(&root)
        .into_iter()
        .filter_map(|path| {
            let bytes = std::fs::read(&path).ok()?;
            (bytes.len() <= 64 * 1024).then_some((path, bytes))
        })
        .collect()
});

/// Fragments that trip parsers: markup, entities, encodings, nesting.
const INSERTS: &[&[u8]] = &[
    b"<",
    b"&",
    b"]]>",
    b"<![CDATA[",
    b"\0",
    b"\xEF\xBB\xBF",
    b"\xFF\xFE",
    b"\xC3\x28",
    b"&#xD800;",
    b"&#0;",
    b"&nbsp;&hellip;&eacute;",
    b"<!DOCTYPE x [<!ENTITY a \"&a;&a;\">]>&a;",
    b"<script>alert(1)</script>",
    b"<a href=\"javascript:alert(1)\">x</a>",
    b"<div><div><div><div><div><div><div><div>",
    b"</item></channel>",
    b"<item><title>t</title></item>",
    b"<entry><id>x</id></entry>",
    b"{\"items\":[{\"id\":",
    b"<?xml version=\"1.0\" encoding=\"utf-16\"?>",
    b"xml:base=\"javascript:\"",
    b"<pubDate>Sun, 31 Dec 2099 25:61:61 +9999</pubDate>",
];

#[derive(Debug, Clone)]
enum Mutation {
    FlipBit {
        at: u32,
        bit: u8,
    },
    Truncate {
        at: u32,
    },
    Delete {
        at: u32,
        len: u16,
    },
    Insert {
        at: u32,
        what: usize,
    },
    Splice {
        at: u32,
        other: usize,
        from: u32,
        len: u16,
    },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<u32>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit { at, bit }),
        any::<u32>().prop_map(|at| Mutation::Truncate { at }),
        (any::<u32>(), any::<u16>()).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<u32>(), 0..INSERTS.len()).prop_map(|(at, what)| Mutation::Insert { at, what }),
        (any::<u32>(), any::<usize>(), any::<u32>(), any::<u16>()).prop_map(
            |(at, other, from, len)| Mutation::Splice {
                at,
                other,
                from,
                len
            }
        ),
    ]
}

/// A position in `0..=len` from a fraction of `u32::MAX`.
fn position(at: u32, len: usize) -> usize {
    ((at as u64 * len as u64) / u32::MAX as u64) as usize
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let len = bytes.len();
    match *mutation {
        Mutation::FlipBit { at, bit } => {
            if len > 0 {
                let i = position(at, len - 1);
                bytes[i] ^= 1 << bit;
            }
        }
        Mutation::Truncate { at } => bytes.truncate(position(at, len)),
        Mutation::Delete { at, len: n } => {
            let start = position(at, len);
            let end = (start + n as usize).min(len);
            bytes.drain(start..end);
        }
        Mutation::Insert { at, what } => {
            let i = position(at, len);
            bytes.splice(i..i, INSERTS[what].iter().copied());
        }
        Mutation::Splice {
            at,
            other,
            from,
            len: n,
        } => {
            let source = &SAMPLES[other % SAMPLES.len()].1;
            let start = position(from, source.len());
            let end = (start + n as usize).min(source.len());
            let i = position(at, len);
            bytes.splice(i..i, source[start..end].iter().copied());
        }
    }
}

fn cases() -> u32 {
    std::env::var("FEEDLOOM_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000)
}

const CONTENT_TYPES: &[Option<&str>] = &[
    None,
    Some("application/rss+xml"),
    Some("text/xml; charset=utf-16"),
    Some("application/xml; charset=windows-1251"),
    Some("text/html; charset=bogus"),
    Some("application/feed+json"),
];

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn mutated_feeds_never_panic(
        sample in any::<usize>(),
        content_type in 0..CONTENT_TYPES.len(),
        mutations in proptest::collection::vec(mutation(), 0..6),
    ) {
        prop_assume!(!SAMPLES.is_empty());
        let (path, original) = &SAMPLES[sample % SAMPLES.len()];
        let mut bytes = original.clone();
        for mutation in &mutations {
            apply(&mut bytes, mutation);
        }
        let base = Url::parse("https://fuzz.example/feeds/feed.xml").map_err(|e| TestCaseError::fail(e.to_string()))?;
        // Any outcome but a panic is fine; the test harness reports one
        // with the inputs.
        if let Ok(feed) = feedloom::parse::parse(&bytes, CONTENT_TYPES[content_type], &base) {
            for entry in &feed.entries {
                if let Some(item) = feedloom::normalize::normalize_entry(entry) {
                    prop_assert!(!item.story.content_hash.as_str().is_empty(), "{}", path.display());
                    prop_assert!(!item.story.content_html.to_ascii_lowercase().contains("<script"), "{}", path.display());
                }
            }
        }
    }
}
