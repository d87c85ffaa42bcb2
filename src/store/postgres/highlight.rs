//! Words as PostgreSQL's search index sees them, and the highlights of a
//! hit. SQLite's FTS5 folds accents in its tokenizer and marks matches
//! itself (`highlight()`, `snippet()`); PostgreSQL's `unaccent` is an
//! extension a database may not have, and `ts_headline` reparses the whole
//! text of every hit. So the folding is done here, the same way for the
//! documents indexed and the queries (lower case, accents and other marks
//! dropped, anything but letters and digits a word break), and the
//! matches are marked here too, with the Snowball English stemmer that
//! PostgreSQL's `english` configuration uses, on the one page of hits.

use std::borrow::Cow;

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::store::search_terms::Term;
use crate::store::types::{Fragment, Highlighted};

/// Words of text around the matches in a snippet (FTS5's `snippet()` is
/// given the same number of tokens on SQLite).
const SNIPPET_WORDS: usize = 32;

/// `text` as the index reads it: lower case, accents dropped (NFKD, marks
/// removed: "Dušanbe" reads "dusanbe"), every run of other characters one
/// space, so that PostgreSQL's parser finds exactly the words this module
/// finds.
pub(super) fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    let mut space = true;
    for c in text.nfkd() {
        if is_combining_mark(c) {
            continue;
        }
        if c.is_alphanumeric() {
            folded.extend(c.to_lowercase());
            space = false;
        } else if !space {
            folded.push(' ');
            space = true;
        }
    }
    if folded.ends_with(' ') {
        folded.pop();
    }
    folded
}

/// A query for `to_tsquery('english', …)` built from the terms: each
/// term's folded words joined by `<->` (a phrase), `:*` after a prefix
/// term's last word, the terms joined by `&`. Every word is letters and
/// digits only, so nothing in it is tsquery syntax and no typed text can
/// make the query fail to parse. `None` when no word is left.
pub(super) fn tsquery(terms: &[Term]) -> Option<String> {
    let parts: Vec<String> = terms
        .iter()
        .filter_map(|term| {
            let folded = fold(&term.text);
            if folded.is_empty() {
                return None;
            }
            let star = if term.prefix { ":*" } else { "" };
            Some(format!(
                "({}{star})",
                folded.split(' ').collect::<Vec<_>>().join(" <-> ")
            ))
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" & "))
}

/// Marks the words of a text that the query's words match: the same stem,
/// or for a prefix, a stem that starts with the prefix's.
pub(super) struct Matcher {
    stemmer: Stemmer,
    /// (stem, is a prefix)
    words: Vec<(String, bool)>,
}

impl Matcher {
    pub(super) fn new(terms: &[Term]) -> Self {
        let stemmer = Stemmer::create(Algorithm::English);
        let mut words = Vec::new();
        for term in terms {
            let folded = fold(&term.text);
            let count = folded.split(' ').filter(|w| !w.is_empty()).count();
            for (i, word) in folded.split(' ').filter(|w| !w.is_empty()).enumerate() {
                let prefix = term.prefix && i + 1 == count;
                words.push((stemmer.stem(word).into_owned(), prefix));
            }
        }
        Self { stemmer, words }
    }

    fn matches(&self, word: &str) -> bool {
        let folded = fold(word);
        if folded.is_empty() {
            return false;
        }
        let stem: Cow<'_, str> = self.stemmer.stem(&folded);
        self.words.iter().any(|(query, prefix)| {
            if *prefix {
                stem.starts_with(query.as_str()) || folded.starts_with(query.as_str())
            } else {
                stem == query.as_str()
            }
        })
    }

    /// The whole text, matches marked.
    pub(super) fn highlight(&self, text: &str) -> Highlighted {
        let words = words(text);
        self.mark(text, &words, 0, words.len())
    }

    /// About [`SNIPPET_WORDS`] words of the text around the most matches,
    /// "…" where it was cut.
    pub(super) fn snippet(&self, text: &str) -> Highlighted {
        let words = words(text);
        if words.len() <= SNIPPET_WORDS {
            return self.mark(text, &words, 0, words.len());
        }
        let matched: Vec<bool> = words
            .iter()
            .map(|&(start, end)| self.matches(&text[start..end]))
            .collect();
        // The window with the most matching words, the earliest on ties.
        let mut count: usize = matched[..SNIPPET_WORDS].iter().filter(|m| **m).count();
        let (mut best, mut best_count) = (0, count);
        for start in 1..=words.len() - SNIPPET_WORDS {
            count -= usize::from(matched[start - 1]);
            count += usize::from(matched[start + SNIPPET_WORDS - 1]);
            if count > best_count {
                (best, best_count) = (start, count);
            }
        }
        // A matching window starts a little before its first match.
        if best_count > 0 {
            let first = (best..best + SNIPPET_WORDS)
                .find(|&i| matched[i])
                .unwrap_or(best);
            best = first.saturating_sub(4).min(words.len() - SNIPPET_WORDS);
        }
        self.mark(text, &words, best, best + SNIPPET_WORDS)
    }

    /// The text from word `from` to word `to` (exclusive; all of it when
    /// they span every word), matches marked, "…" where it was cut.
    fn mark(&self, text: &str, words: &[(usize, usize)], from: usize, to: usize) -> Highlighted {
        let mut fragments = Vec::new();
        let mut plain = String::new();
        let begin = if from == 0 { 0 } else { words[from].0 };
        let finish = if to >= words.len() {
            text.len()
        } else {
            words[to - 1].1
        };
        if from > 0 {
            plain.push('…');
        }
        let mut at = begin;
        for &(start, end) in &words[from..to.min(words.len())] {
            let word = &text[start..end];
            if self.matches(word) {
                plain.push_str(&text[at..start]);
                if !plain.is_empty() {
                    fragments.push(Fragment {
                        text: std::mem::take(&mut plain),
                        matched: false,
                    });
                }
                fragments.push(Fragment {
                    text: word.to_owned(),
                    matched: true,
                });
                at = end;
            }
        }
        plain.push_str(&text[at..finish]);
        if to < words.len() {
            plain.push('…');
        }
        if !plain.is_empty() {
            fragments.push(Fragment {
                text: plain,
                matched: false,
            });
        }
        Highlighted { fragments }
    }
}

/// The byte ranges of the words of `text`: runs of letters, digits and
/// combining marks (a decomposed accent belongs to its letter).
fn words(text: &str) -> Vec<(usize, usize)> {
    let mut words = Vec::new();
    let mut start = None;
    for (at, c) in text.char_indices() {
        let inside = c.is_alphanumeric() || is_combining_mark(c);
        match (inside, start) {
            (true, None) => start = Some(at),
            (false, Some(from)) => {
                words.push((from, at));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(from) = start {
        words.push((from, text.len()));
    }
    words
}
