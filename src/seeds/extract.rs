//! From classified units to headline, date and body.
//!
//! The article is the densest run of prose: navigation and widgets cluster
//! above and below it, so a maximum-sum run over per-unit scores (prose
//! positive, furniture negative) finds it without knowing the site. The
//! comment section is cut off before that search, because long comments
//! would otherwise look like more article.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::Regex;

use super::classify::{self, Kind, is_terminated};
use super::words::word_count;
use super::{comments, dateline, lexicon};

/// A paragraph or stand-alone line of the scrape and what it looks like.
#[derive(Debug, Clone)]
pub(super) struct Unit {
    pub text: String,
    pub kind: Kind,
}

impl Unit {
    pub(super) fn new(text: String) -> Self {
        let kind = classify::classify(&text);
        Self { text, kind }
    }
}

/// What the text itself yields; front matter may override it.
#[derive(Debug, Default)]
pub(super) struct Extracted {
    pub title: Option<String>,
    pub published: Option<NaiveDate>,
    pub paragraphs: Vec<String>,
}

/// Headings of "more to read" boxes that end articles on many sites.
static TAIL_SECTION: LazyLock<Regex> = LazyLock::new(|| {
    crate::text::built_in_regex(
        r"(?ix)^(?:
        related(?:\ (?:articles|posts|stories|news|content|coverage|reading))? | read\ next
        | you\ (?:may|might)\ (?:also\ )?(?:like|enjoy|be\ interested\ in) | more\ (?:stories|news|articles|from\ .+)
        | recommended(?:\ for\ you|\ stories|\ articles)? | most\ (?:read|popular|viewed) | popular\ (?:posts|stories|articles)
        | trending(?:\ now|\ stories)? | latest\ (?:news|stories|articles|posts) | editor'?s\ picks?
        | what\ to\ read\ next | more\ on\ this\ (?:story|topic)
    )\s*:?$",
    )
});

/// A site-name suffix on a headline: "Headline | Site".
static SITE_SUFFIX: LazyLock<Regex> =
    LazyLock::new(|| crate::text::built_in_regex(r"\s+\|\s+[^|]{1,40}$"));

/// `known_title` (from front matter) is removed from the body like a
/// detected headline would be.
pub(super) fn extract(units: Vec<Unit>, known_title: Option<&str>) -> Extracted {
    let mut units = split_notices(units);
    let end = article_end(&units);
    let ended_by_notice = units.get(end).is_some_and(|u| classify::is_notice(&u.text));
    units.truncate(end);
    if ended_by_notice {
        keep_last_sentence(&mut units);
    }
    let Some((start, end)) = densest_span(&units) else {
        return Extracted {
            title: pick_title(&units),
            ..Extracted::default()
        };
    };
    let (mut start, end) = (extend_back(&units, start), extend_forward(&units, end));
    let mut title = pick_title(&units[..start]);
    if title.is_none() && is_long_headline(&units[start]) {
        title = Some(units[start].text.clone());
        start += 1;
    }
    let title = title.map(|t| SITE_SUFFIX.replace(&t, "").into_owned());
    let span = units.get(start..=end).unwrap_or_default();
    let mut paragraphs = dedupe(body(span), title.as_deref());
    if let Some(known) = known_title.map(fold) {
        paragraphs.retain(|p| fold(p) != known);
    }
    let published = publication_date(&units, start, &paragraphs);
    Extracted {
        title,
        published,
        paragraphs,
    }
}

/// Where the article's page ends: at the comment section, or at a trailing
/// "related stories" box (only when little prose follows it — such a box in
/// mid-article is followed by the rest of the article).
fn article_end(units: &[Unit]) -> usize {
    // Short paragraphs count as the start too: a brief made of one-line
    // sentences must not let its comment section pass as its first prose.
    let Some(first_prose) = units.iter().position(|u| u.kind.is_text()) else {
        return units.len();
    };
    let texts: Vec<&str> = units.iter().map(|u| u.text.as_str()).collect();
    let end = comments::section_start(&texts, first_prose).unwrap_or(units.len());
    let prose_chars = |range: &[Unit]| -> usize {
        range
            .iter()
            .filter(|u| u.kind == Kind::Prose)
            .map(|u| u.text.len())
            .sum()
    };
    (first_prose + 1..end)
        .find(|&i| {
            let text = &units[i].text;
            let tail_heading = word_count(text) <= 6
                && (TAIL_SECTION.is_match(text) || lexicon::is_label(text, lexicon::TAIL_SECTIONS));
            (tail_heading || classify::is_notice(text))
                && prose_chars(&units[i + 1..end]) < prose_chars(&units[..i])
        })
        .unwrap_or(end)
}

/// A notice glued to the last paragraph (same line, or one hard-wrapped
/// block) becomes a unit of its own, so the paragraph is kept and the
/// notice still ends the article.
fn split_notices(units: Vec<Unit>) -> Vec<Unit> {
    let mut out = Vec::with_capacity(units.len());
    for unit in units {
        let split = if unit.kind == Kind::Trailer {
            None
        } else {
            notice_start(&unit.text)
        };
        match split {
            Some(at) => {
                out.push(Unit::new(unit.text[..at].trim_end().to_owned()));
                out.push(Unit::new(unit.text[at..].to_owned()));
            }
            None => out.push(unit),
        }
    }
    out
}

/// Byte offset of a sentence inside `text` that opens a notice.
fn notice_start(text: &str) -> Option<usize> {
    SENTENCE_BREAK
        .find_iter(text)
        .map(|m| m.end())
        .find(|&at| at < text.len() && classify::is_notice(&text[at..]))
}

/// Where a new sentence may start: after final punctuation (and closing
/// quotes) and a space, before a capital letter.
static SENTENCE_BREAK: LazyLock<Regex> =
    LazyLock::new(|| crate::text::built_in_regex(r#"[.!?…]["'”’»)\]]*\s+"#));

/// A notice ends the article, so what comes just before it is the last
/// paragraph: when it lacks only its final stop (it ends in a link or a
/// name) it is text, not a heading.
fn keep_last_sentence(units: &mut [Unit]) {
    if let Some(last) = units.last_mut()
        && last.kind == Kind::Heading
        && classify::reads_as_sentence(&last.text)
    {
        last.kind = Kind::Prose;
    }
}

/// How much a unit argues for "the article is here".
fn weight(unit: &Unit) -> f32 {
    match unit.kind {
        Kind::Prose => 1.0 + (word_count(&unit.text) as f32 / 40.0).min(2.0),
        Kind::Short => 0.3,
        Kind::Heading => -0.4,
        Kind::Chrome | Kind::Date | Kind::Trailer | Kind::Caption => -1.0,
    }
}

/// The maximum-sum run of units (inclusive bounds), or `None` when nothing
/// scores positive — then there is no article.
fn densest_span(units: &[Unit]) -> Option<(usize, usize)> {
    let mut best: Option<(f32, usize, usize)> = None;
    let mut run_start = 0;
    let mut run_sum = 0.0f32;
    for (i, unit) in units.iter().enumerate() {
        if run_sum <= 0.0 {
            run_start = i;
            run_sum = 0.0;
        }
        run_sum += weight(unit);
        if run_sum > 0.0 && best.is_none_or(|(sum, _, _)| run_sum > sum) {
            best = Some((run_sum, run_start, i));
        }
    }
    best.map(|(_, start, end)| (start, end))
}

/// Share and donation buttons right under the lede can outweigh it, so
/// the densest run starts after it; prose separated from the run by a few
/// widget lines alone (no heading between) is the article's first paragraph.
fn extend_back(units: &[Unit], mut start: usize) -> usize {
    const MAX_WIDGETS: usize = 3;
    loop {
        let widgets = units[..start]
            .iter()
            .rev()
            .take_while(|u| u.kind == Kind::Chrome)
            .count();
        let Some(before) = start.checked_sub(widgets + 1) else {
            return start;
        };
        if widgets == 0 || widgets > MAX_WIDGETS || units[before].kind != Kind::Prose {
            return start;
        }
        start = before;
    }
}

/// The same below the run: prose after a few widget lines (no heading
/// between) is the article going on.
fn extend_forward(units: &[Unit], mut end: usize) -> usize {
    const MAX_WIDGETS: usize = 3;
    loop {
        let widgets = units[end + 1..]
            .iter()
            .take_while(|u| u.kind == Kind::Chrome)
            .count();
        let after = end + 1 + widgets;
        if widgets == 0
            || widgets > MAX_WIDGETS
            || units.get(after).is_none_or(|u| u.kind != Kind::Prose)
        {
            return end;
        }
        end = after;
    }
}

/// Headline candidates are unterminated, non-furniture lines above the body.
/// A headline printed twice (page title and article heading) is the surest
/// sign; otherwise the first line long enough not to be a site name.
fn pick_title(header: &[Unit]) -> Option<String> {
    let candidates: Vec<&str> = header
        .iter()
        .filter(|u| u.kind == Kind::Heading && (3..=35).contains(&word_count(&u.text)))
        .map(|u| u.text.as_str())
        .collect();
    let repeated = candidates
        .iter()
        .find(|c| candidates.iter().filter(|o| fold(o) == fold(c)).count() > 1);
    repeated
        .or_else(|| candidates.iter().find(|c| word_count(c) >= 5))
        .or_else(|| candidates.first())
        .map(|t| (*t).to_owned())
}

/// Long headlines read like prose but lack the final stop.
fn is_long_headline(unit: &Unit) -> bool {
    unit.kind == Kind::Prose && !is_terminated(&unit.text) && word_count(&unit.text) <= 35
}

/// Article text inside the span. Subheadings survive only between text, so
/// lists of teaser titles do not.
fn body(span: &[Unit]) -> Vec<String> {
    let is_subheading = |i: usize| {
        span[i].kind == Kind::Heading
            && (2..=15).contains(&word_count(&span[i].text))
            && i > 0
            && span[i - 1].kind.is_text()
            && span.get(i + 1).is_some_and(|u| u.kind == Kind::Prose)
    };
    (0..span.len())
        .filter(|&i| span[i].kind.is_text() || is_subheading(i))
        .map(|i| span[i].text.clone())
        .collect()
}

/// Comparison key that ignores case, punctuation and spacing.
fn fold(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Drops repeats: the headline echoed in the body, decks that reappear as
/// the start of a later paragraph, and paragraphs printed twice.
fn dedupe(paragraphs: Vec<String>, title: Option<&str>) -> Vec<String> {
    let title = title.map(fold);
    let folded: Vec<String> = paragraphs.iter().map(|p| fold(p)).collect();
    paragraphs
        .into_iter()
        .enumerate()
        .filter(|(i, _)| {
            let me = &folded[*i];
            let echoes_title = title.as_ref().is_some_and(|t| t == me);
            let repeated = folded[..*i].contains(me);
            let is_prefix = me.len() >= 40
                && folded
                    .iter()
                    .any(|other| other.len() > me.len() && other.starts_with(me.as_str()));
            !(me.is_empty() || echoes_title || repeated || is_prefix)
        })
        .map(|(_, p)| p)
        .collect()
}

/// Date widgets sit above the body or just inside it; wire datelines open
/// the first paragraphs.
fn publication_date(units: &[Unit], start: usize, paragraphs: &[String]) -> Option<NaiveDate> {
    let header: Vec<&str> = units
        .iter()
        .take(start + 3)
        .enumerate()
        .filter(|(i, u)| *i < start || u.kind == Kind::Date)
        .map(|(_, u)| u.text.as_str())
        .collect();
    let lead: Vec<&str> = paragraphs.iter().take(2).map(String::as_str).collect();
    dateline::find(&header, &lead)
}

#[cfg(test)]
mod tests;
