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

use std::collections::HashMap;
use std::collections::HashSet;
use std::sync::LazyLock;

use rust_stemmers::{Algorithm, Stemmer};

/// The documented stop-word list (one word a line, `#` comments).
static STOP_WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("stopwords.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

static STEMMER: LazyLock<Stemmer> = LazyLock::new(|| Stemmer::create(Algorithm::English));

/// Whether a lower-case word is a stop word.
pub(crate) fn is_stop_word(lower: &str) -> bool {
    STOP_WORDS.contains(lower)
}

/// The stem of a lower-case word.
pub(crate) fn stem(lower: &str) -> String {
    STEMMER.stem(lower).into_owned()
}

/// What one feature did in one document.
#[derive(Debug, Clone, Default)]
pub(crate) struct Stat {
    /// Occurrences.
    pub count: u32,
    /// Mid-sentence occurrences written as a name (or acronyms anywhere).
    pub named: u32,
    /// Mid-sentence occurrences written in lower case.
    pub plain: u32,
    /// How a reader saw it: the first mid-sentence form, else the first.
    pub surface: String,
    surface_mid: bool,
}

impl Stat {
    /// Most of its mid-sentence occurrences look like a name.
    pub fn is_entity(&self) -> bool {
        self.named > self.plain
    }
}

/// The features of one document, with their statistics.
#[derive(Debug, Clone, Default)]
pub(crate) struct Bag {
    pub terms: HashMap<String, Stat>,
}

/// One word as read, before grouping.
struct Word<'a> {
    raw: &'a str,
    /// First word of a sentence (or of the title, or of a paragraph).
    start: bool,
    /// Punctuation other than a hyphen or apostrophe came right before it.
    after_break: bool,
}

impl Bag {
    /// Analyses a title and a text as one document.
    pub fn of(title: &str, text: &str) -> Bag {
        let mut bag = Bag::default();
        bag.add(title, true);
        bag.add(text, false);
        bag
    }

    fn add(&mut self, text: &str, in_title: bool) {
        // (stem, surface, evidence, mid_sentence) of the previous content word,
        // if it is adjacent to the current one.
        let mut prev: Option<(String, String, Evidence)> = None;
        for word in words(text) {
            if word.after_break {
                prev = None;
            }
            let lower = word.raw.to_lowercase();
            let lower = lower
                .strip_suffix("'s")
                .or_else(|| lower.strip_suffix("’s"))
                .unwrap_or(&lower);
            let letters = lower.chars().filter(|c| c.is_alphabetic()).count();
            if letters == 0 || lower.chars().count() < 2 || is_stop_word(lower) {
                prev = None;
                continue;
            }
            let evidence = evidence(word.raw, word.start, in_title);
            let stemmed = stem(lower);
            let surface = word
                .raw
                .trim_end_matches("'s")
                .trim_end_matches("’s")
                .to_owned();
            if let Some((p_stem, p_surface, p_evidence)) = prev.take() {
                let bigram_evidence = match (p_evidence, evidence) {
                    (Evidence::Named, Evidence::Named) => Evidence::Named,
                    (Evidence::Plain, _) | (_, Evidence::Plain) => Evidence::Plain,
                    _ => Evidence::None,
                };
                self.count(
                    format!("{p_stem} {stemmed}"),
                    format!("{p_surface} {surface}"),
                    bigram_evidence,
                );
            }
            self.count(stemmed.clone(), surface.clone(), evidence);
            prev = Some((stemmed, surface, evidence));
        }
    }

    fn count(&mut self, key: String, surface: String, evidence: Evidence) {
        let stat = self.terms.entry(key).or_default();
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
    let letters: Vec<char> = raw.chars().filter(|c| c.is_alphabetic()).collect();
    let acronym = letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase());
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
            start,
            after_break,
        });
    }
    out.into_iter()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_drops_stop_words_and_makes_bigrams() {
        let bag = Bag::of("", "The Afghans said the stock index fell.");
        assert!(bag.terms.contains_key("afghan"));
        assert!(bag.terms.contains_key("stock index"));
        assert!(!bag.terms.contains_key("the"));
        assert!(!bag.terms.contains_key("said"));
        // A stop word breaks a bigram.
        assert!(!bag.terms.contains_key("afghan stock"));
    }

    #[test]
    fn punctuation_breaks_bigrams_hyphens_do_not() {
        let bag = Bag::of("", "Kabul, Dushanbe and war-torn Kabul");
        assert!(!bag.terms.contains_key("kabul dushanb"));
        assert!(bag.terms.contains_key("war torn"));
    }

    #[test]
    fn names_and_acronyms_are_entities() {
        let bag = Bag::of(
            "Security Talks",
            "Leaders of the CSTO met. The Taliban took Kabul while security \
             worsened and the Collective Security Council met.",
        );
        assert!(bag.terms["csto"].is_entity());
        assert!(bag.terms["taliban"].is_entity());
        assert!(bag.terms["kabul"].is_entity());
        assert!(!bag.terms["secur"].is_entity());
        assert!(bag.terms["collect secur"].is_entity());
        assert_eq!(bag.terms["taliban"].surface, "Taliban");
    }

    #[test]
    fn possessives_and_curly_apostrophes() {
        let bag = Bag::of("", "Afghanistan’s neighbours and Russia's army");
        assert!(bag.terms.contains_key("afghanistan"));
        assert!(bag.terms.contains_key("russia"));
        assert_eq!(bag.terms["afghanistan"].surface, "Afghanistan");
    }

    #[test]
    fn stop_word_list_parses() {
        assert!(is_stop_word("the"));
        assert!(!is_stop_word("taliban"));
        assert!(STOP_WORDS.len() > 100);
    }
}
