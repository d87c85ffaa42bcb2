//! Finding where the reader-comment section begins.
//!
//! Comments must never reach a reader of the seed: they are unedited,
//! sometimes abusive, and not part of the article. Comment text itself can
//! look exactly like prose, so it cannot be filtered line by line; instead the
//! section is located by its user-interface furniture ("Leave a Reply",
//! "View all comments", "John says:" … "Reply") and everything from there on
//! is dropped, however article-like it looks.
//!
//! Words alone miss threads in other languages and widgets with no heading,
//! so a thread is also recognised by its shape (the `thread` module): comment headers —
//! user names and timestamps — and reply actions recurring among short lines,
//! and going on to the end of the page.

use std::sync::LazyLock;

use regex::Regex;

use super::words::word_count;
use super::{lexicon, thread};

fn re(pattern: &str) -> Regex {
    crate::text::built_in_regex(pattern)
}

/// Furniture that only a comment section has; one is enough.
static STRONG: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)^(?:
        (?:\d+|no|one|two|three|four|five)\ (?:comments?|responses?|replies|thoughts?)(?:\ on\ .*)?
        | comments?(?:\ \(\d+\))? | reader\ comments | comments?\ section | discussion\ \(\d+\)
        | leave\ a\ (?:reply|comment)(?:\ to\ .*)? | post\ a\ comment | add\ a\ comment | write\ a\ comment
        | add\ comment | join\ the\ (?:discussion|conversation).* | (?:view|show|see|load)\ (?:all\ |more\ )?comments
        | inline\ feedbacks | notify\ of | (?:newest|oldest|most\ voted|best|top)(?:\ (?:newest|oldest|most\ voted|best|top))+
        | sort\ by:?\ (?:newest|oldest|best|top|popular).* | comments\ are\ closed.* | cancel\ reply
        | log\ ?in\ to\ (?:comment|reply|leave\ a\ comment).* | you\ must\ be\ (?:logged\ in|registered)\ to\ post\ a\ comment.*
        | would\ love\ your\ thoughts.* | powered\ by\ disqus | disqus | comment\ policy.*
        | your\ e-?mail\ address\ will\ not\ be\ published.* | required\ fields\ are\ marked.*
        | .*\blast\ edited\b.*\bago\ by\b.*
    )\s*[:.!]?$")
});

/// Furniture that suggests a comment section only when repeated nearby.
static WEAK: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)^(?:
        reply | replies | like | dislike | upvote | downvote | report | flag | guest | anonymous
        | \S+(?:\ \S+){0,3}\ says:? | \d+\ (?:likes?|votes?|points?|replies)
        | .*\b\d+\ (?:seconds?|minutes?|hours?|days?|weeks?|months?|years?)\ ago\b.*
        | .*\b\d{1,2}:\d{2}\s*[ap]\.?m\.?.* | what\ do\ you\ think\?? | discussion
    )\s*[:.!]?$")
});

/// Comment furniture is short; a long sentence that happens to contain
/// "comments" is article text.
fn short(text: &str) -> bool {
    word_count(text) <= 12
}

fn is_strong(text: &str) -> bool {
    (short(text) || text.to_lowercase().contains(" thoughts on ")) && STRONG.is_match(text)
        || (short(text)
            && (lexicon::is_label(text, lexicon::COMMENT_HEADINGS)
                || lexicon::is_counter(text, lexicon::COMMENT_NOUNS)))
}

fn is_weak(text: &str) -> bool {
    short(text) && WEAK.is_match(text)
}

/// How far apart two weak markers may be and still form one thread: a
/// username, a comment of a few paragraphs, and its "Reply" link.
const WEAK_WINDOW: usize = 6;

/// Index of the first unit of the comment section, if any. Only markers after
/// the article has begun (`first_prose`) count, so that a "23 Comments" counter
/// beside the byline does not cut the article away.
pub(super) fn section_start(texts: &[&str], first_prose: usize) -> Option<usize> {
    let by_words = (first_prose + 1..texts.len()).find(|&i| {
        is_strong(texts[i])
            || (is_weak(texts[i])
                && texts[i + 1..texts.len().min(i + 1 + WEAK_WINDOW)]
                    .iter()
                    .any(|t| is_weak(t) || is_strong(t)))
    });
    let by_shape = thread::thread_start(&texts[..by_words.unwrap_or(texts.len())], first_prose);
    by_shape.or(by_words)
}

#[cfg(test)]
mod tests;
