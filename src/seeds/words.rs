//! How many words a unit has. Classification, datelines and comment
//! detection all judge a unit partly by its length, and must count alike:
//! the count sits below all three, so none of them imports another for it.

/// Tokens that carry letters or digits; dashes and bullets are not words.
pub(super) fn word_count(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count()
}
