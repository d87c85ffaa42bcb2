//! First layer: the file's shape, as serde sees it, with spans kept.
//!
//! Every key is optional here so that "missing" is decided by validation (with
//! a good message and position), not by serde. To report *every* unknown key
//! and wrong type instead of serde's first, [`parse`] deserializes each leaf of
//! the document on its own, drops the leaves that fail, and deserializes what
//! is left.

use std::collections::HashSet;
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};
use serde_spanned::Spanned;
use toml::de::{DeArray, DeString, DeTable, DeValue, ValueDeserializer};

use super::error::{Lines, Problem};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawConfig {
    pub database: Option<Spanned<String>>,
    pub listen: Option<Spanned<String>>,
    pub schedule: Option<Spanned<String>>,
    pub public_url: Option<Spanned<String>>,
    pub log: Option<Spanned<String>>,
    pub log_format: Option<Spanned<String>>,
    pub topic: Option<Spanned<RawTopic>>,
    pub topics: Option<Vec<Spanned<RawTopic>>>,
    pub fetch: Option<Spanned<RawFetch>>,
    pub scheduler: Option<Spanned<RawScheduler>>,
    pub server: Option<Spanned<RawServer>>,
    pub retention: Option<Spanned<RawRetention>>,
    #[serde(default)]
    pub feeds: Vec<Spanned<RawFeed>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawTopic {
    pub slug: Option<Spanned<String>>,
    pub title: Option<Spanned<String>>,
    pub seeds: Option<Spanned<String>>,
    pub threshold: Option<Spanned<f64>>,
    pub include: Option<Vec<Spanned<RawRule>>>,
    pub exclude: Option<Vec<Spanned<RawRule>>>,
    pub feeds: Option<Vec<Spanned<String>>>,
}

/// An include or exclude rule: a bare string is a keyword; a table says
/// `keyword` or `regex`, and optionally `in` (title, text or any).
#[derive(Debug, Deserialize)]
#[serde(
    untagged,
    expecting = r#"a keyword string, or a table such as { regex = "\bCSTO\b", in = "title" }"#
)]
pub(super) enum RawRule {
    Keyword(String),
    Table(RawRuleTable),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRuleTable {
    pub keyword: Option<String>,
    pub regex: Option<String>,
    #[serde(rename = "in")]
    pub field: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawFetch {
    pub timeout: Option<Spanned<DurationText>>,
    pub connect_timeout: Option<Spanned<DurationText>>,
    pub max_body_size: Option<Spanned<RawSize>>,
    pub concurrency: Option<Spanned<Count>>,
    pub per_host: Option<Spanned<Count>>,
    pub max_redirects: Option<Spanned<Count>>,
    pub allow_private: Option<Spanned<Vec<Spanned<String>>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawScheduler {
    pub jitter: Option<Spanned<DurationText>>,
    pub backoff_base: Option<Spanned<DurationText>>,
    pub backoff_max: Option<Spanned<DurationText>>,
    pub lease: Option<Spanned<DurationText>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawServer {
    pub feed_items: Option<Spanned<Count>>,
    pub max_items: Option<Spanned<Count>>,
    pub header_read_timeout: Option<Spanned<DurationText>>,
    pub idle_timeout: Option<Spanned<DurationText>>,
    pub max_connections: Option<Spanned<Count>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawRetention {
    pub on_topic_days: Option<Spanned<Count>>,
    pub off_topic_days: Option<Spanned<Count>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a table")]
pub(super) struct RawFeed {
    pub url: Option<Spanned<String>>,
    pub title: Option<Spanned<String>>,
    pub schedule: Option<Spanned<String>>,
    pub enabled: Option<Spanned<bool>>,
    pub category: Option<Spanned<String>>,
    pub full_text: Option<Spanned<bool>>,
}

/// A duration as written (`"30s"`); only strings, so that a bare `30` is not
/// silently read as some unit.
#[derive(Debug)]
pub(super) struct DurationText(pub String);

impl<'de> Deserialize<'de> for DurationText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DurationText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"a duration string such as "30s" or "1m 30s""#)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<DurationText, E> {
                Ok(DurationText(v.to_owned()))
            }
        }
        d.deserialize_str(V)
    }
}

/// A whole number as written; range checks belong to validation, which knows
/// what each count means.
#[derive(Debug)]
pub(super) struct Count(pub i64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a whole number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
                Ok(Count(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
                i64::try_from(v)
                    .map(Count)
                    .map_err(|_| E::custom("number too large"))
            }
        }
        d.deserialize_i64(V)
    }
}

/// A byte size: an integer number of bytes, or a string such as `"10MiB"`.
#[derive(Debug)]
pub(super) enum RawSize {
    Bytes(i64),
    Text(String),
}

impl<'de> Deserialize<'de> for RawSize {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RawSize;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(r#"a size such as "512KiB" or "10MiB", or a whole number of bytes"#)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<RawSize, E> {
                Ok(RawSize::Bytes(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RawSize, E> {
                i64::try_from(v)
                    .map(RawSize::Bytes)
                    .map_err(|_| E::custom("number too large"))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawSize, E> {
                Ok(RawSize::Text(v.to_owned()))
            }
        }
        d.deserialize_any(V)
    }
}

/// What the first layer produced: the raw configuration (without the parts
/// that did not fit), the problems with those parts, and their key paths so
/// validation does not also call them "missing".
pub(super) struct Parsed {
    pub raw: RawConfig,
    pub problems: Vec<Problem>,
    pub failed: HashSet<String>,
}

/// Parses and deserializes `text`. `Err` means nothing usable came out (a
/// syntax error, or a shape problem that survived leaf-by-leaf recovery).
pub(super) fn parse(text: &str, lines: &Lines) -> Result<Parsed, Vec<Problem>> {
    let root = DeTable::parse(text).map_err(|e| {
        let start = e.span().map_or(0, |s| s.start);
        vec![lines.problem(start, "syntax".to_owned(), e.message().trim().to_owned())]
    })?;
    let root_span = root.span();
    let root = Spanned::new(root_span.clone(), DeValue::Table(root.into_inner()));

    let mut leaves = Vec::new();
    collect_leaves(&root, &mut Vec::new(), &mut leaves);

    let mut problems: Vec<Problem> = Vec::new();
    let mut failed = HashSet::new();
    let mut clean = root.clone();
    for leaf in &leaves {
        let doc = wrap(leaf, &root_span);
        if let Err(e) = RawConfig::deserialize(ValueDeserializer::from(doc)) {
            let span = e.span().unwrap_or_else(|| leaf.value.span());
            // A wrong container type (`topic = 5`, `[[database]]`) or an
            // unknown table (`[feeds.extra]`) is about that container, not the
            // leaf that happened to reveal it.
            let depth = leaf
                .path
                .iter()
                .position(|seg| seg.span == span || seg.key_span().as_ref() == Some(&span))
                .map_or(leaf.path.len(), |i| i + 1);
            let path = &leaf.path[..depth];
            let key = key_path(path);
            let problem = lines.problem(span.start, key.clone(), describe(e.message()));
            if !problems.contains(&problem) {
                problems.push(problem);
            }
            failed.insert(key);
            remove_at(clean.get_mut(), path);
        }
    }

    match RawConfig::deserialize(ValueDeserializer::from(clean)) {
        Ok(raw) => Ok(Parsed {
            raw,
            problems,
            failed,
        }),
        Err(e) => {
            let start = e.span().map_or(0, |s| s.start);
            let problem = lines.problem(start, "(document)".to_owned(), describe(e.message()));
            if !problems.contains(&problem) {
                problems.push(problem);
            }
            Err(problems)
        }
    }
}

/// One step from a container to a value, with the span of the value reached.
#[derive(Clone)]
struct Seg<'i> {
    key: SegKey<'i>,
    span: Range<usize>,
}

impl Seg<'_> {
    /// Where the key is written; unknown-key errors point there.
    fn key_span(&self) -> Option<Range<usize>> {
        match &self.key {
            SegKey::Key(key) => Some(key.span()),
            SegKey::Index(_) => None,
        }
    }
}

#[derive(Clone)]
enum SegKey<'i> {
    Key(Spanned<DeString<'i>>),
    Index(usize),
}

struct Leaf<'i> {
    path: Vec<Seg<'i>>,
    value: Spanned<DeValue<'i>>,
}

/// Tables and arrays of tables are branches; everything else (including empty
/// tables and arrays of scalars) is a leaf.
fn collect_leaves<'i>(
    value: &Spanned<DeValue<'i>>,
    path: &mut Vec<Seg<'i>>,
    out: &mut Vec<Leaf<'i>>,
) {
    match value.get_ref() {
        DeValue::Table(table) if !table.is_empty() => {
            for (key, child) in table.iter() {
                path.push(Seg {
                    key: SegKey::Key(key.clone()),
                    span: child.span(),
                });
                collect_leaves(child, path, out);
                path.pop();
            }
        }
        DeValue::Array(array)
            if !array.is_empty() && array.iter().all(|v| v.get_ref().is_table()) =>
        {
            for (i, child) in array.iter().enumerate() {
                path.push(Seg {
                    key: SegKey::Index(i),
                    span: child.span(),
                });
                collect_leaves(child, path, out);
                path.pop();
            }
        }
        _ if path.is_empty() => {} // an empty document has no leaves
        _ => out.push(Leaf {
            path: path.clone(),
            value: value.clone(),
        }),
    }
}

/// A document holding only `leaf`, with the original spans.
fn wrap<'i>(leaf: &Leaf<'i>, root_span: &Range<usize>) -> Spanned<DeValue<'i>> {
    let mut value = leaf.value.clone();
    for i in (0..leaf.path.len()).rev() {
        let parent_span = match i {
            0 => root_span.clone(),
            _ => leaf.path[i - 1].span.clone(),
        };
        value = match &leaf.path[i].key {
            SegKey::Key(key) => {
                let mut table = DeTable::new();
                table.insert(key.clone(), value);
                Spanned::new(parent_span, DeValue::Table(table))
            }
            SegKey::Index(_) => {
                let mut array = DeArray::new();
                array.push(value);
                Spanned::new(parent_span, DeValue::Array(array))
            }
        };
    }
    value
}

/// Removes the value at `path`; an array element becomes an empty table so
/// the indices of its siblings (used in key paths) do not shift.
fn remove_at(value: &mut DeValue<'_>, path: &[Seg<'_>]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    match (value, &first.key) {
        (DeValue::Table(table), SegKey::Key(key)) => {
            let name: &str = key.get_ref();
            if rest.is_empty() {
                table.remove(name);
            } else if let Some(child) = table.get_mut(name) {
                remove_at(child.get_mut(), rest);
            }
        }
        (DeValue::Array(array), SegKey::Index(i)) => {
            if let Some(child) = array.get_mut(*i) {
                if rest.is_empty() {
                    *child.get_mut() = DeValue::Table(DeTable::new());
                } else {
                    remove_at(child.get_mut(), rest);
                }
            }
        }
        _ => {}
    }
}

/// `feeds[3].url`; keys that are not bare TOML keys are quoted.
fn key_path(path: &[Seg<'_>]) -> String {
    let mut out = String::new();
    for seg in path {
        match &seg.key {
            SegKey::Key(key) => {
                let key: &str = key.get_ref();
                if !out.is_empty() {
                    out.push('.');
                }
                let bare = !key.is_empty()
                    && key
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if bare {
                    out.push_str(key);
                } else {
                    out.push_str(&format!("{key:?}"));
                }
            }
            SegKey::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// Rewrites serde's messages into the file's vocabulary (keys, not fields)
/// and adds a "did you mean" for unknown keys.
fn describe(message: &str) -> String {
    let message = message.trim();
    let Some(rest) = message.strip_prefix("unknown field `") else {
        return message.to_owned();
    };
    let Some((name, tail)) = rest.split_once('`') else {
        return message.to_owned();
    };
    let known: Vec<&str> = tail
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|k| !k.is_empty())
        .collect();
    if let Some(best) = closest(name, &known) {
        format!("unknown key `{name}`; did you mean `{best}`?")
    } else if known.is_empty() {
        format!("unknown key `{name}`; this table takes no keys")
    } else {
        format!("unknown key `{name}`; known keys: {}", known.join(", "))
    }
}

/// The known key nearest to `name`, if it is near enough to be a typo.
pub(super) fn closest<'a>(name: &str, known: &[&'a str]) -> Option<&'a str> {
    let lower = name.to_lowercase();
    known
        .iter()
        .map(|k| (edit_distance(&lower, &k.to_lowercase()), *k))
        .filter(|(d, k)| *d <= (k.chars().count() / 3).max(1))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Edit distance over chars where swapping two neighbours counts as one edit
/// (optimal string alignment), since transposed letters are the commonest typo.
pub(super) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // d[i][j]: distance between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    if let Some(first) = d.first_mut() {
        for (j, cell) in first.iter_mut().enumerate() {
            *cell = j;
        }
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}
