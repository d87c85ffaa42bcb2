//! The analyzer: text → bag of weighted features.
//!
//! Words are split on Unicode word boundaries (letters and digits; an
//! apostrophe inside a word keeps it whole, a trailing possessive `'s` is
//! dropped; hyphens split, so "SCO-Afghanistan" gives both names), lower-cased,
//! stop words (the documented list in `stopwords.txt`) and tokens without a
//! letter or of one letter are dropped, and the rest are stemmed with the
//! Snowball English stemmer, so "Afghans" and "Afghan" are one term while
//! "Afghanistan" stays another.
//!
//! Besides single stems, two adjacent content words (no stop word and no
//! punctuation between them) form a bigram feature, "stock index" or
//! "security council": phrases separate a story about the Shanghai stock
//! index from one about the Shanghai Cooperation Organisation where single
//! words cannot.
//!
//! Names: a word is capitalised evidence when it starts with a capital letter
//! mid-sentence (not in the title, whose title case proves nothing), or is an
//! all-caps acronym of two letters or more (SCO, CSTO, NATO) anywhere. A
//! feature is an entity in a document when most of its mid-sentence
//! occurrences are such evidence ("Taliban" yes; "security" no, though the
//! "Collective Security Council" capitalises it once). Entities weigh more
//! (see `profile`).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use foldhash::fast::RandomState;

use rust_stemmers::{Algorithm, Stemmer};

/// The documented stop-word list (one word a line, `#` comments).
static STOP_WORDS: LazyLock<Set<&'static str>> = LazyLock::new(|| {
    include_str!("stopwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Fast hashing for the analyzer's maps: their keys are words of the text,
/// and SipHash's defence against crafted collisions costs a tenth of the
/// scoring time; foldhash still seeds per process.
pub(crate) type Map<K, V> = HashMap<K, V, RandomState>;
/// A set with the same fast hashing.
pub(crate) type Set<K> = HashSet<K, RandomState>;

/// Stems cached per thread: stemming is a third of the analysis, and news
/// repeats its words. Cleared when it grows past this many words, so memory
/// stays bounded (about a megabyte) on every thread that scores.
const STEM_CACHE_WORDS: usize = 20_000;

thread_local! {
    static STEM_CACHE: RefCell<Map<String, String>> = RefCell::new(Map::default());
}

/// Writes the stem of a lower-case word into `out`.
fn stem_into(lower: &str, out: &mut String) {
    out.clear();
    STEM_CACHE.with_borrow_mut(|cache| {
        if let Some(stem) = cache.get(lower) {
            out.push_str(stem);
            return;
        }
        let stem = STEMMER.stem(lower);
        out.push_str(&stem);
        if cache.len() >= STEM_CACHE_WORDS {
            cache.clear();
        }
        cache.insert(lower.to_owned(), stem.into_owned());
    });
}

/// Whether a lower-case word is a stop word.
pub(crate) fn is_stop_word(lower: &str) -> bool {
    STOP_WORDS.contains(lower)
}

/// What one feature did in one document.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stat<'a> {
    /// Occurrences.
    pub count: u32,
    /// Mid-sentence occurrences written as a name (or acronyms anywhere).
    pub named: u32,
    /// Mid-sentence occurrences written in lower case.
    pub plain: u32,
    /// How a reader saw it (a slice of the text): the first mid-sentence
    /// form, else the first.
    pub surface: &'a str,
    surface_mid: bool,
}

impl Stat<'_> {
    /// Most of its mid-sentence occurrences look like a name.
    pub fn is_entity(&self) -> bool {
        self.named > self.plain
    }
}

/// The features of one document, with their statistics.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bag<'a> {
    pub terms: Map<String, Stat<'a>>,
}

/// One word as read, before grouping.
struct Word<'a> {
    raw: &'a str,
    /// Byte offset in the text.
    at: usize,
    /// First word of a sentence (or of the title, or of a paragraph).
    start: bool,
    /// Punctuation other than a hyphen or apostrophe came right before it.
    after_break: bool,
}

/// The previous content word, while it is adjacent to the current one.
struct Previous {
    stem: String,
    at: usize,
    evidence: Evidence,
}

impl<'a> Bag<'a> {
    /// Analyses a title and a text as one document.
    pub fn of(title: &'a str, text: &'a str) -> Bag<'a> {
        let mut bag = Bag {
            terms: Map::with_capacity_and_hasher(
                (title.len() + text.len()) / 12,
                RandomState::default(),
            ),
        };
        bag.add(title, true);
        bag.add(text, false);
        bag
    }

    fn add(&mut self, text: &'a str, in_title: bool) {
        let mut prev: Option<Previous> = None;
        let mut lower = String::new();
        let mut key = String::new();
        let mut stemmed = String::new();
        for word in words(text) {
            if word.after_break {
                prev = None;
            }
            let raw = word
                .raw
                .strip_suffix("'s")
                .or_else(|| word.raw.strip_suffix("’s"))
                .unwrap_or(word.raw);
            lowercase_into(raw, &mut lower);
            let letters = lower.chars().filter(|c| c.is_alphabetic()).count();
            if letters == 0 || lower.chars().nth(1).is_none() || is_stop_word(&lower) {
                prev = None;
                continue;
            }
            let evidence = evidence(raw, word.start, in_title);
            stem_into(&lower, &mut stemmed);
            if let Some(p) = prev.take() {
                let bigram_evidence = match (p.evidence, evidence) {
                    (Evidence::Named, Evidence::Named) => Evidence::Named,
                    (Evidence::Plain, _) | (_, Evidence::Plain) => Evidence::Plain,
                    _ => Evidence::None,
                };
                key.clear();
                key.push_str(&p.stem);
                key.push(' ');
                key.push_str(&stemmed);
                let surface = &text[p.at..word.at + raw.len()];
                self.count(&key, surface, bigram_evidence);
                // Reuse the previous stem's buffer for this one.
                let mut stem = p.stem;
                stem.clear();
                stem.push_str(&stemmed);
                prev = Some(Previous {
                    stem,
                    at: word.at,
                    evidence,
                });
            } else {
                prev = Some(Previous {
                    stem: stemmed.clone(),
                    at: word.at,
                    evidence,
                });
            }
            self.count(&stemmed, raw, evidence);
        }
    }

    fn count(&mut self, key: &str, surface: &'a str, evidence: Evidence) {
        let stat = match self.terms.get_mut(key) {
            Some(stat) => stat,
            None => self.terms.entry(key.to_owned()).or_default(),
        };
        stat.count += 1;
        let mid = evidence != Evidence::None;
        match evidence {
            Evidence::Named => stat.named += 1,
            Evidence::Plain => stat.plain += 1,
            Evidence::None => {}
        }
        if stat.surface.is_empty() || (mid && !stat.surface_mid) {
            stat.surface = surface;
            stat.surface_mid = mid;
        }
    }
}

/// `word` lower-cased into `out` (cleared first); ASCII words, nearly all
/// of them, without the Unicode tables.
pub(super) fn lowercase_into(word: &str, out: &mut String) {
    out.clear();
    if word.is_ascii() {
        out.push_str(word);
        out.make_ascii_lowercase();
    } else {
        out.extend(word.chars().flat_map(char::to_lowercase));
    }
}

/// What one occurrence says about a word being a name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Evidence {
    /// Capitalised mid-sentence, or an acronym.
    Named,
    /// Lower case mid-sentence.
    Plain,
    /// Sentence start or title: capitalisation proves nothing.
    None,
}

fn evidence(raw: &str, start: bool, in_title: bool) -> Evidence {
    let mut letters = raw.chars().filter(|c| c.is_alphabetic());
    let acronym = raw.chars().filter(|c| c.is_alphabetic()).nth(1).is_some()
        && letters.all(char::is_uppercase);
    if acronym {
        return Evidence::Named;
    }
    if start || in_title {
        return Evidence::None;
    }
    match raw.chars().next() {
        Some(c) if c.is_uppercase() => Evidence::Named,
        _ => Evidence::Plain,
    }
}

/// Splits text into words, marking sentence starts and clause breaks.
fn words(text: &str) -> impl Iterator<Item = Word<'_>> {
    let mut out = Vec::new();
    let mut start = true;
    let mut after_break = true;
    let mut begin: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let apostrophe = (c == '\'' || c == '’')
            && begin.is_some()
            && chars.peek().is_some_and(|&(_, n)| n.is_alphanumeric());
        if c.is_alphanumeric() || apostrophe {
            if begin.is_none() {
                begin = Some(i);
            }
            continue;
        }
        if let Some(b) = begin.take() {
            out.push(Word {
                raw: &text[b..i],
                at: b,
                start,
                after_break,
            });
            start = false;
            after_break = false;
        }
        match c {
            '.' | '!' | '?' | '\n' | '•' | '|' => {
                start = true;
                after_break = true;
            }
            c if c.is_whitespace() || c == '-' || c == '‐' => {}
            _ => after_break = true,
        }
    }
    if let Some(b) = begin {
        out.push(Word {
            raw: &text[b..],
            at: b,
            start,
            after_break,
        });
    }
    out.into_iter()
}

/// The sum of `terms`' values, in ascending order of value. Floating-point
/// addition is not associative, and the analyser's maps iterate in an order
/// that changes from one map to the next: summed as iterated, the same
/// story scored twice (where it is parsed, and again from the score queue)
/// could differ in its last bits, and a story on the threshold could be on
/// topic by one route and off by the other. The values are the same
/// multiset by either route, so sorted they are the same sequence (equal
/// values may swap places, which changes nothing); sorting numbers is
/// cheaper than sorting the terms' keys, and adding the small ones first
/// loses less.
pub(crate) fn ordered_sum(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut values: Vec<f64> = values.into_iter().collect();
    values.sort_unstable_by(f64::total_cmp);
    values.into_iter().sum()
}

#[cfg(test)]
mod tests;
