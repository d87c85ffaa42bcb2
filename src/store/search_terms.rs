//! What a person typed into a search box, as terms: the one small query
//! language every backend understands (see [`search_terms`]), so that a
//! search means the same on SQLite and on PostgreSQL whatever each engine's
//! own syntax. Nothing here knows SQL.

/// Terms of a query beyond this many are ignored: each one is a posting
/// list to merge, and nobody types twenty words into a news search.
pub const MAX_TERMS: usize = 16;

/// The shortest prefix a trailing `*` applies to: a one-letter prefix
/// expands to a good share of the vocabulary for next to no precision, so
/// `a*` searches for the word `a`.
pub const MIN_PREFIX_CHARS: usize = 2;

/// One term: a word, or a quoted phrase of words, all of which a match
/// must contain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The word or phrase as typed, control characters dropped; it holds
    /// at least one letter or digit.
    pub text: String,
    /// Whether its last word is a prefix (`tajik*`), only when that word
    /// is at least [`MIN_PREFIX_CHARS`] letters or digits long.
    pub prefix: bool,
}

/// Splits what a person typed into terms:
/// - words: each is one term; all terms must match (AND);
/// - `"a quoted phrase"`: its words next to each other, in order (an
///   unclosed quote runs to the end of the text);
/// - a trailing `*` on a word or after a closing quote: a prefix (of the
///   phrase's last word), when at least [`MIN_PREFIX_CHARS`] letters long.
///
/// Everything else is literal: `AND`, `OR`, `NOT`, `NEAR(`, `col:term`,
/// `^`, `+`, `-`, parentheses are words or word separators for the
/// backend's tokenizer. Control characters are dropped; terms without a
/// letter or digit are skipped; only the first [`MAX_TERMS`] terms count.
pub fn search_terms(text: &str) -> Vec<Term> {
    let mut terms: Vec<Term> = Vec::new();
    let mut rest = text;
    while terms.len() < MAX_TERMS {
        rest = rest.trim_start();
        if rest.is_empty() {
            break;
        }
        let (term, prefix, tail) = if let Some(after) = rest.strip_prefix('"') {
            let (phrase, tail) = match after.find('"') {
                Some(end) => (&after[..end], &after[end + 1..]),
                None => (after, ""),
            };
            match tail.strip_prefix('*') {
                Some(tail) => (phrase, true, tail.trim_start_matches('*')),
                None => (phrase, false, tail),
            }
        } else {
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"')
                .unwrap_or(rest.len());
            let word = &rest[..end];
            let bare = word.trim_end_matches('*');
            (bare, bare.len() < word.len(), &rest[end..])
        };
        rest = tail;
        let text: String = term.chars().filter(|c| !c.is_control()).collect();
        if !text.chars().any(char::is_alphanumeric) {
            continue;
        }
        let trailing_letters = text
            .chars()
            .rev()
            .take_while(|c| c.is_alphanumeric())
            .count();
        terms.push(Term {
            prefix: prefix && trailing_letters >= MIN_PREFIX_CHARS,
            text,
        });
    }
    terms
}
