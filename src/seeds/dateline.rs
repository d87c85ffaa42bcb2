//! Publication dates found in scraped text.
//!
//! Only two shapes are trusted: a line that is essentially a date (the date
//! widget near the headline) and a wire-service dateline opening the body
//! ("DUSHANBE, August 23. /TASS/."). Dates inside sentences ("On Aug. 15,
//! fighters …") are about events, not about publication, and are ignored.

use std::sync::LazyLock;

use chrono::NaiveDate;
use regex::{Captures, Regex};

use super::words::word_count;

const MONTH: &str = r"(?i:(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?))";

fn re(pattern: &str) -> Regex {
    crate::text::built_in_regex(pattern)
}

/// "August 23, 2021", "Aug. 23rd 2021".
static MONTH_DAY_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"\b{MONTH}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})\b"
    ))
});

/// "23 August 2021".
static DAY_MONTH_YEAR: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"\b(\d{{1,2}})(?:st|nd|rd|th)?\s+{MONTH}\.?,?\s+(\d{{4}})\b"
    ))
});

/// "2021-08-23" and "23.08.2021".
static ISO: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d{4})-(\d{2})-(\d{2})\b"));
static DOTTED: LazyLock<Regex> = LazyLock::new(|| re(r"\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"));

/// What may surround a date in a date widget besides one or two labels.
static DATE_NOISE: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)\b\d{1,2}:\d{2}(?::\d{2})?\s*(?:[ap]\.?m\.?)?(?:\s+[A-Z]{2,4}\b)?|\b(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\b|\b(?:published|updated|posted|last|modified|date|on|at)\b|[|,:/•·–—-]",
    )
});

/// "CITY, Month Day[, Year]" opening a paragraph, followed by the agency or
/// a dash: the wire-service dateline.
static WIRE: LazyLock<Regex> = LazyLock::new(|| {
    re(&format!(
        r"^\p{{Lu}}[\p{{Lu}}.'’-]+(?:[ -]\p{{Lu}}[\p{{Lu}}.'’-]+)*(?:,\s*\p{{Lu}}[\p{{L}}.]+)*,\s+{MONTH}\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,\s*(\d{{4}}))?\s*(?:[./(—–-]|$)"
    ))
});

static YEAR: LazyLock<Regex> = LazyLock::new(|| re(r"\b((?:19|20)\d{2})\b"));

fn month_number(name: &str) -> Option<u32> {
    let prefix: String = name.chars().take(3).collect::<String>().to_lowercase();
    let months = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    months
        .iter()
        .position(|m| *m == prefix)
        .and_then(|i| u32::try_from(i + 1).ok())
}

fn number<T: std::str::FromStr>(caps: &Captures<'_>, group: usize) -> Option<T> {
    caps.get(group)?.as_str().parse().ok()
}

fn plausible(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    if !(1900..=2100).contains(&year) {
        return None;
    }
    NaiveDate::from_ymd_opt(year, month, day)
}

/// The first full date (with year) in the text and where it sits.
fn find_full_date(text: &str) -> Option<(NaiveDate, std::ops::Range<usize>)> {
    let candidates = [
        MONTH_DAY_YEAR.captures(text).and_then(|c| {
            let date = plausible(
                number(&c, 3)?,
                month_number(c.get(1)?.as_str())?,
                number(&c, 2)?,
            )?;
            Some((date, c.get(0)?.range()))
        }),
        DAY_MONTH_YEAR.captures(text).and_then(|c| {
            let date = plausible(
                number(&c, 3)?,
                month_number(c.get(2)?.as_str())?,
                number(&c, 1)?,
            )?;
            Some((date, c.get(0)?.range()))
        }),
        ISO.captures(text).and_then(|c| {
            let date = plausible(number(&c, 1)?, number(&c, 2)?, number(&c, 3)?)?;
            Some((date, c.get(0)?.range()))
        }),
        DOTTED.captures(text).and_then(|c| {
            let date = plausible(number(&c, 3)?, number(&c, 2)?, number(&c, 1)?)?;
            Some((date, c.get(0)?.range()))
        }),
    ];
    candidates
        .into_iter()
        .flatten()
        .min_by_key(|(_, range)| range.start)
}

/// A date widget: a date plus at most a couple of labels ("World", "By X").
/// Sentences that contain a date are not widgets.
pub(super) fn is_date_line(text: &str) -> bool {
    date_of_line(text).is_some()
}

/// The date a date widget shows.
pub(super) fn date_of_line(text: &str) -> Option<NaiveDate> {
    if word_count(text) > 10 {
        return None;
    }
    let (date, range) = find_full_date(text)?;
    let rest = format!("{} {}", &text[..range.start], &text[range.end..]);
    let rest = DATE_NOISE.replace_all(&rest, " ");
    (word_count(&rest) <= 3).then_some(date)
}

/// Month and day (and year if printed) of a wire dateline opening `text`.
fn wire_dateline(text: &str) -> Option<(Option<i32>, u32, u32)> {
    let caps = WIRE.captures(text)?;
    let month = month_number(caps.get(1)?.as_str())?;
    let day: u32 = number(&caps, 2)?;
    Some((number(&caps, 3), month, day))
}

/// The publication date of an article.
///
/// `header` is the furniture above the body (where date widgets live) and
/// `lead` the first body paragraphs (where wire datelines live). A wire
/// dateline without a year borrows it from the header, and only when the
/// header names exactly one year, so a guess is never made.
pub(super) fn find(header: &[&str], lead: &[&str]) -> Option<NaiveDate> {
    if let Some(date) = header.iter().find_map(|line| date_of_line(line)) {
        return Some(date);
    }
    let (year, month, day) = lead.iter().find_map(|p| wire_dateline(p))?;
    let year = match year {
        Some(year) => year,
        None => single_year(header)?,
    };
    plausible(year, month, day)
}

fn single_year(header: &[&str]) -> Option<i32> {
    let mut years = header
        .iter()
        .flat_map(|line| YEAR.captures_iter(line))
        .filter_map(|c| number::<i32>(&c, 1));
    let first = years.next()?;
    years.all(|y| y == first).then_some(first)
}

#[cfg(test)]
mod tests;
