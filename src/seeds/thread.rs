//! A comment thread recognised by its shape, in any language.
//!
//! Whatever the site and the language, a thread is a column of comments,
//! each under a header — a user name, a timestamp ("3 hours ago",
//! "12 March 2024 at 14:02", "2h"), often both — and over its actions
//! ("Reply", "12 replies", "↑ 4"). Articles have short lines too (quotes,
//! lists, datelines, the names of a Q&A), but not timestamps and reply
//! actions recurring among names, and not to the end of the page: a thread
//! starts where such marks begin to recur within a few lines and go on
//! recurring, with never more than a comment's worth of long text between
//! two of them, to the end.

use std::sync::LazyLock;

use regex::Regex;

use super::lexicon;
use super::words::word_count;

fn re(pattern: &str) -> Regex {
    crate::text::built_in_regex(pattern)
}

/// Relative times: "3 hours ago", "il y a 2 jours", "vor 5 Minuten",
/// "hace un año", "3 часа назад".
static RELATIVE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?ix)
        \b(?:\d+|an?|one)\s+(?:sec(?:ond)?s?|min(?:ute)?s?|hrs?|hours?|days?|weeks?|months?|years?)\s+ago\b
        | \bil\s+y\s+a\s+(?:\d+|une?)\s+(?:secondes?|min(?:utes?)?|heures?|h|jours?|semaines?|mois|ans?|années?)\b
        | \bvor\s+(?:\d+|einer?|einem)\s+(?:sekunden?|min(?:uten?)?|stunden?|std\.?|tag(?:en)?|wochen?|monat(?:en)?|jahr(?:en)?)\b
        | \bhace\s+(?:\d+|una?)\s+(?:segundos?|min(?:utos?)?|horas?|h|días?|semanas?|mes(?:es)?|años?)\b
        | (?:\d+\s+)?(?:секунд\w*|минут\w*|мин\.?|час\w*|дн\w*|день|недел\w*|месяц\w*|год\w*|лет)\s+назад\b
        | ^\d{1,3}\s?(?:s|m|min|h|d|w|mo|y|j|t|std|ч|д|мин|н)$
    ")
});

/// A day word with a clock time: "yesterday at 9:15", "heute, 14:02".
static DAY_WORD: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?i)\b(?:yesterday|today|hier|aujourd'hui|gestern|heute|ayer|hoy|вчера|сегодня)\b")
});

/// A calendar date in any common order, month by number or by name.
static DATE: LazyLock<Regex> = LazyLock::new(|| {
    re(r"(?x)
        \b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b | \b\d{4}-\d{2}-\d{2}\b
        | \b\d{1,2}\.?\s+\p{L}{3,}\.?,?\s+\d{4}\b | \b\p{L}{3,}\.?\s+\d{1,2},?\s+\d{4}\b
    ")
});

static CLOCK: LazyLock<Regex> = LazyLock::new(|| re(r"\b\d{1,2}[:h]\d{2}\b"));

/// Vote counters: "↑ 4", "▲ 12 ▼", "+3", "👍 5".
static VOTES: LazyLock<Regex> = LazyLock::new(|| re(r"^(?:[↑↓▲▼△▽👍👎❤♥+−-]\s*\d*\s*)+$"));

/// "Jane says:", "Marie dit :", "Hans schreibt:", "Иван пишет:".
static SAYS: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)^\S+(?:\s+\S+){0,3}\s+(?:says|said|wrote|dit|écrit|sagt|schreibt|schrieb|dice|escribe|escribió|пишет|написал\w*)\s*:?$",
    )
});

/// Separators between the parts of a comment's header or action bar.
static PARTS: LazyLock<Regex> = LazyLock::new(|| re(r"\s*[·•|]\s*|\s+[–—-]\s+"));

/// What a line of a thread can be. A line may be several at once
/// ("Dev_Guy • 2 years ago" is a name and a time).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(super) struct Marks {
    pub time: bool,
    pub name: bool,
    pub action: bool,
}

impl Marks {
    fn any(self) -> bool {
        self.time || self.name || self.action
    }
}

/// The marks of one line; long lines have none: comment furniture is short.
pub(super) fn marks(text: &str) -> Marks {
    if word_count(text) > 10 {
        return Marks::default();
    }
    let mut marks = Marks::default();
    if SAYS.is_match(text) {
        marks.name = true;
    }
    let parts: Vec<&str> = PARTS.split(text.trim()).filter(|p| !p.is_empty()).collect();
    let mut all_known = true;
    for (i, part) in parts.iter().enumerate() {
        if is_time(part) {
            marks.time = true;
        } else if is_action(part) {
            marks.action = true;
        } else if i == 0 && is_name(part) {
            marks.name = true;
        } else {
            all_known = false;
        }
    }
    if !all_known && parts.len() > 1 {
        // "Jane Doe, Reuters – 3 hours ago" is a byline, not a header, unless
        // the whole line is made of header parts.
        marks.action = false;
        marks.name = marks.name && SAYS.is_match(text);
        marks.time = marks.time && parts.len() <= 2;
    }
    marks
}

fn is_time(text: &str) -> bool {
    let folded = lexicon::fold(text);
    word_count(&folded) <= 8
        && (RELATIVE.is_match(&folded)
            || (CLOCK.is_match(&folded) && (DATE.is_match(&folded) || DAY_WORD.is_match(&folded))))
}

fn is_action(text: &str) -> bool {
    lexicon::is_label(text, lexicon::COMMENT_ACTIONS)
        || lexicon::is_counter(text, lexicon::COMMENT_ACTIONS)
        || VOTES.is_match(text.trim())
}

/// A user name: one to four tokens, no sentence punctuation, each token a
/// capitalised name or a handle ("@jdoe", "dev_guy", "ivan1987").
fn is_name(text: &str) -> bool {
    let text = text.trim().trim_end_matches(':');
    let chars = text.chars().count();
    if !(2..=32).contains(&chars) || text.ends_with(['.', '!', '?', '…', ';', ',']) {
        return false;
    }
    let tokens: Vec<&str> = text.split_whitespace().collect();
    (1..=4).contains(&tokens.len())
        && tokens.iter().all(|t| {
            let handle = t.starts_with('@')
                || t.contains('_')
                || (t.chars().any(|c| c.is_ascii_digit()) && t.chars().any(char::is_alphabetic));
            handle || t.chars().next().is_some_and(char::is_uppercase)
        })
}

/// How many lines a comment's header, text and actions span: marks must
/// recur within it to count as a thread.
const WINDOW: usize = 10;

/// Long units (comment paragraphs, or article paragraphs) allowed in a row
/// between two marks; more means the article goes on.
const MAX_LONG_RUN: usize = 4;

/// A unit of this many words or more counts towards that run.
const LONG: usize = 8;

/// Index of the first line of a thread shape after `first_prose`, if any.
pub(super) fn thread_start(texts: &[&str], first_prose: usize) -> Option<usize> {
    let marks: Vec<Marks> = texts.iter().map(|t| marks(t)).collect();
    (first_prose + 1..texts.len()).find(|&i| {
        (marks[i].name || marks[i].time)
            && recurs(&marks[i..texts.len().min(i + WINDOW)])
            && lasts(&texts[i..], &marks[i..])
    })
}

/// Headers and actions recurring: at least two times with a name or an
/// action beside them, or two actions with a header.
fn recurs(window: &[Marks]) -> bool {
    let count = |f: fn(&Marks) -> bool| window.iter().filter(|m| f(m)).count();
    let (times, names, actions) = (count(|m| m.time), count(|m| m.name), count(|m| m.action));
    (times >= 2 && (names >= 1 || actions >= 1)) || (actions >= 2 && (names >= 1 || times >= 1))
}

/// The shape goes on to the end: never more than `MAX_LONG_RUN` long units
/// without a mark.
fn lasts(texts: &[&str], marks: &[Marks]) -> bool {
    let mut run = 0;
    for (text, mark) in texts.iter().zip(marks) {
        if mark.any() {
            run = 0;
        } else if word_count(text) >= LONG {
            run += 1;
            if run > MAX_LONG_RUN {
                return false;
            }
        }
    }
    true
}

#[cfg(test)]
mod tests;
