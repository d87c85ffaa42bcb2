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
use std::rc::Rc;
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

/// Words remembered per thread: everything the analyzer decides about a
/// word as written (a stop word or not, its stem, how it is capitalised)
/// is decided once per thread, since news repeats its words. Cleared when
/// it grows past this many, so memory stays bounded (a few megabytes) on
/// every thread that scores.
const LEXICON_WORDS: usize = 20_000;

thread_local! {
    static LEXICON: RefCell<Lexicon> = RefCell::new(Lexicon::default());
}

/// A stem, shared by every bag that holds it.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Stem {
    pub text: Box<str>,
    /// Its document frequency in the built-in background table, looked up
    /// (by `Background`) once per thread rather than once per story.
    pub builtin_df: std::cell::OnceCell<u32>,
    /// Its number in this thread's lexicon: what a bag is keyed by while it
    /// is built (a number hashes faster than a word). Meaningless outside
    /// the [`Bag::of`] call that used it.
    id: u32,
}

/// What the analyzer knows about a word as written.
#[derive(Debug, Clone)]
struct Entry {
    stem: Rc<Stem>,
    /// Two letters or more, all of them capitals (SCO, CSTO).
    acronym: bool,
    /// Starts with a capital letter.
    capital: bool,
}

/// The per-thread cache of [`Entry`]s (`None`: a word the bag skips: a
/// stop word, one letter, or none) and of the stems they share.
#[derive(Default)]
struct Lexicon {
    words: Map<Box<str>, Option<Entry>>,
    stems: Map<Box<str>, Rc<Stem>>,
    lower: String,
}

impl Lexicon {
    fn entry(&mut self, raw: &str) -> Option<Entry> {
        if let Some(entry) = self.words.get(raw) {
            return entry.clone();
        }
        let entry = self.decide(raw);
        self.words.insert(raw.into(), entry.clone());
        entry
    }

    fn decide(&mut self, raw: &str) -> Option<Entry> {
        let mut lower = std::mem::take(&mut self.lower);
        lowercase_into(raw, &mut lower);
        let letters = lower.chars().filter(|c| c.is_alphabetic()).count();
        let entry = if letters == 0 || lower.chars().nth(1).is_none() || is_stop_word(&lower) {
            None
        } else {
            let stem = STEMMER.stem(&lower);
            let stem = match self.stems.get(stem.as_ref()) {
                Some(stem) => Rc::clone(stem),
                None => {
                    let shared = Rc::new(Stem {
                        builtin_df: std::cell::OnceCell::new(),
                        id: u32::try_from(self.stems.len()).unwrap_or(u32::MAX),
                        text: stem.as_ref().into(),
                    });
                    self.stems.insert(stem.as_ref().into(), Rc::clone(&shared));
                    shared
                }
            };
            let mut alphabetic = raw.chars().filter(|c| c.is_alphabetic());
            let acronym = raw.chars().filter(|c| c.is_alphabetic()).nth(1).is_some()
                && alphabetic.all(char::is_uppercase);
            Some(Entry {
                stem,
                acronym,
                capital: raw.chars().next().is_some_and(char::is_uppercase),
            })
        };
        self.lower = lower;
        entry
    }

    /// Forgets everything once it holds too much. Only between bags: a
    /// bag's ids must not be given to other stems while it is built.
    fn bound(&mut self) {
        if self.words.len() >= LEXICON_WORDS || self.stems.len() >= LEXICON_WORDS {
            self.words.clear();
            self.stems.clear();
        }
    }
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

/// One feature of a document: a stem, or a bigram of two stems.
#[derive(Debug, Clone)]
pub(crate) struct Feature<'a> {
    pub first: Rc<Stem>,
    /// The bigram's second stem.
    pub second: Option<Rc<Stem>>,
    pub stat: Stat<'a>,
}

impl Feature<'_> {
    /// Whether it is a bigram.
    pub fn is_bigram(&self) -> bool {
        self.second.is_some()
    }

    /// The feature as a key: the stem, or the two stems with a space.
    pub fn key(&self) -> String {
        let mut key = String::new();
        self.key_into(&mut key);
        key
    }

    /// [`Feature::key`] into `out` (cleared first).
    pub fn key_into(&self, out: &mut String) {
        out.clear();
        out.push_str(&self.first.text);
        if let Some(second) = &self.second {
            out.push(' ');
            out.push_str(&second.text);
        }
    }
}

/// The features of one document, with their statistics, in the order of
/// their first occurrence. A vector, not a map of strings: a story's
/// features are built once and then only walked, and their stems are
/// shared with the thread's lexicon, so building a bag allocates no
/// string per word.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bag<'a> {
    pub terms: Vec<Feature<'a>>,
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
    stem: Rc<Stem>,
    at: usize,
    evidence: Evidence,
}

/// A bag while it is built: features by key (a stem's id, or two ids).
struct Builder<'a> {
    bag: Bag<'a>,
    index: Map<u64, u32>,
}

impl<'a> Bag<'a> {
    /// Analyses a title and a text as one document.
    pub fn of(title: &'a str, text: &'a str) -> Bag<'a> {
        LEXICON.with_borrow_mut(|lexicon| {
            lexicon.bound();
            let capacity = (title.len() + text.len()) / 12;
            let mut builder = Builder {
                bag: Bag {
                    terms: Vec::with_capacity(capacity),
                },
                index: Map::with_capacity_and_hasher(capacity, RandomState::default()),
            };
            builder.add(lexicon, title, true);
            builder.add(lexicon, text, false);
            builder.bag
        })
    }

    /// The statistics of a feature by its key (a stem, or two stems with a
    /// space). A walk over the bag: for tests and tools, not for scoring.
    #[cfg(test)]
    pub fn get(&self, key: &str) -> Option<&Stat<'a>> {
        self.terms
            .iter()
            .find(|feature| feature.key() == key)
            .map(|feature| &feature.stat)
    }
}

impl<'a> Builder<'a> {
    fn add(&mut self, lexicon: &mut Lexicon, text: &'a str, in_title: bool) {
        let mut prev: Option<Previous> = None;
        for word in words(text) {
            if word.after_break {
                prev = None;
            }
            let raw = word
                .raw
                .strip_suffix("'s")
                .or_else(|| word.raw.strip_suffix("’s"))
                .unwrap_or(word.raw);
            let Some(entry) = lexicon.entry(raw) else {
                prev = None;
                continue;
            };
            let evidence = if entry.acronym {
                Evidence::Named
            } else if word.start || in_title {
                Evidence::None
            } else if entry.capital {
                Evidence::Named
            } else {
                Evidence::Plain
            };
            if let Some(p) = prev.take() {
                let bigram_evidence = match (p.evidence, evidence) {
                    (Evidence::Named, Evidence::Named) => Evidence::Named,
                    (Evidence::Plain, _) | (_, Evidence::Plain) => Evidence::Plain,
                    _ => Evidence::None,
                };
                let surface = &text[p.at..word.at + raw.len()];
                self.count(p.stem, Some(&entry.stem), surface, bigram_evidence);
            }
            self.count(Rc::clone(&entry.stem), None, raw, evidence);
            prev = Some(Previous {
                stem: entry.stem,
                at: word.at,
                evidence,
            });
        }
    }

    fn count(
        &mut self,
        first: Rc<Stem>,
        second: Option<&Rc<Stem>>,
        surface: &'a str,
        evidence: Evidence,
    ) {
        let key = match second {
            // Bigram keys have a non-zero upper half; stem ids are below 2³².
            Some(second) => (u64::from(first.id) + 1) << 32 | u64::from(second.id),
            None => u64::from(first.id),
        };
        let terms = &mut self.bag.terms;
        let at = *self.index.entry(key).or_insert_with(|| {
            terms.push(Feature {
                first,
                second: second.cloned(),
                stat: Stat::default(),
            });
            u32::try_from(terms.len() - 1).unwrap_or(u32::MAX)
        }) as usize;
        let stat = &mut terms[at].stat;
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

/// Splits text into words, marking sentence starts and clause breaks.
/// ASCII, nearly all of a feed's text, is read a byte at a time; other
/// characters are decoded as they come.
fn words(text: &str) -> Words<'_> {
    Words {
        text,
        at: 0,
        start: true,
        after_break: true,
    }
}

/// The iterator of [`words`].
struct Words<'a> {
    text: &'a str,
    /// Byte offset of the next character to read.
    at: usize,
    /// The next word starts a sentence.
    start: bool,
    /// Punctuation came before the next word.
    after_break: bool,
}

impl Words<'_> {
    /// The character at byte offset `at` and its length in bytes.
    fn char_at(&self, at: usize) -> Option<(char, usize)> {
        let byte = *self.text.as_bytes().get(at)?;
        if byte.is_ascii() {
            return Some((char::from(byte), 1));
        }
        let c = self.text[at..].chars().next()?;
        Some((c, c.len_utf8()))
    }

    /// Whether the character at `at` continues a word begun before it: a
    /// letter or digit, or an apostrophe followed by one.
    fn continues_word(&self, c: char, at: usize, len: usize) -> bool {
        // `is_alphanumeric` decides ASCII by range before any table.
        c.is_alphanumeric()
            || ((c == '\'' || c == '’')
                && self
                    .char_at(at + len)
                    .is_some_and(|(next, _)| next.is_alphanumeric()))
    }

    /// What a character outside any word does to the next word.
    fn separator(&mut self, c: char) {
        match c {
            '.' | '!' | '?' | '\n' | '•' | '|' => {
                self.start = true;
                self.after_break = true;
            }
            c if c.is_whitespace() || c == '-' || c == '‐' => {}
            _ => self.after_break = true,
        }
    }
}

impl<'a> Iterator for Words<'a> {
    type Item = Word<'a>;

    fn next(&mut self) -> Option<Word<'a>> {
        // Up to the first letter or digit (an apostrophe starts no word).
        let begin = loop {
            let (c, len) = self.char_at(self.at)?;
            if c.is_alphanumeric() {
                break self.at;
            }
            self.separator(c);
            self.at += len;
        };
        let mut end = begin;
        while let Some((c, len)) = self.char_at(end) {
            if !self.continues_word(c, end, len) {
                break;
            }
            end += len;
        }
        let word = Word {
            raw: &self.text[begin..end],
            at: begin,
            start: self.start,
            after_break: self.after_break,
        };
        self.start = false;
        self.after_break = false;
        self.at = end;
        Some(word)
    }
}

/// The sum of `values`, the same whatever their order. Floating-point
/// addition is not associative, and the analyser's maps iterate in an order
/// that changes from one map to the next: summed as iterated, the same
/// story scored twice (where it is parsed, and again from the score queue)
/// could differ in its last bits, and a story on the threshold could be on
/// topic by one route and off by the other. So the values are added as
/// fixed-point integers, exactly: each is counted in units of 2⁻¹⁰⁰ of the
/// largest one's power of two (what is finer than that, below the last bit
/// of any sum of them, is dropped), and the total is rounded once to
/// `f64`. Neither the unit nor the total depends on the order. (Sorting
/// the values first, as before, cost a ninth of the scorer's time.) Values
/// that are not finite, too many values, or ones all zero or too small for
/// a unit are sorted and summed in ascending order instead, also
/// independent of the order given.
pub(crate) fn ordered_sum(values: impl IntoIterator<Item = f64>) -> f64 {
    // Each term below 2¹⁰⁰, at most 2²² of them: the total stays below
    // 2¹²², inside i128.
    const BITS: i32 = 100;
    const MOST: usize = 1 << 22;
    let mut values: Vec<f64> = values.into_iter().collect();
    let largest = values.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    if let Some(scale) = fixed_point_scale(largest, BITS)
        && values.len() <= MOST
        && values.iter().all(|v| v.is_finite())
    {
        // Exact: a power-of-two scale, then the fraction of a unit dropped
        // (toward zero), the same whatever the order.
        let fixed: i128 = values.iter().map(|v| (v * scale) as i128).sum();
        return fixed as f64 / scale;
    }
    values.sort_unstable_by(f64::total_cmp);
    values.into_iter().sum()
}

/// `2^(bits - e)` for the smallest `e` with `largest < 2^e`: the scale at
/// which `largest` is below `2^bits`. `None` when `largest` is not finite
/// or so small that the scale is not an `f64`.
fn fixed_point_scale(largest: f64, bits: i32) -> Option<f64> {
    if !largest.is_finite() || largest <= 0.0 {
        return None;
    }
    // `largest` = m · 2^e with 0.5 ≤ m < 1, for normal numbers.
    let biased = i32::try_from((largest.to_bits() >> 52) & 0x7ff).ok()?;
    if biased == 0 {
        return None;
    }
    let exponent = biased - 1022;
    let power = bits - exponent;
    // 2^power as an f64: a normal number's exponent field.
    let field = u64::try_from(power + 1023)
        .ok()
        .filter(|f| (1..2047).contains(f))?;
    Some(f64::from_bits(field << 52))
}

#[cfg(test)]
mod tests;
