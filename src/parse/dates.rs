//! Timestamp parsing for feed-rs (`Builder::timestamp_parser`).
//!
//! Registering a parser replaces feed-rs's own lenient one, which is private,
//! so this redoes what it does (RFC 3339, RFC 2822 with the usual breakage)
//! and adds what real feeds use on top: named zones such as MSK and CET,
//! ISO dates without a zone (read as UTC), `dd.mm.yyyy`, `yyyy/mm/dd`,
//! RFC 850 and two-digit years, and
//! Russian (and English long) month names.

use std::sync::OnceLock;

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, TimeZone, Utc};
use regex::Regex;

fn regex(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    // Constant patterns: a typo fails every test, never input-dependent.
    cell.get_or_init(|| crate::text::built_in_regex(pattern))
}

/// Parses a feed timestamp; `None` when nothing sensible can be read.
pub(crate) fn parse_timestamp(raw: &str) -> Option<DateTime<Utc>> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(s) {
        return Some(t.with_timezone(&Utc));
    }
    let cleaned = clean(s);
    if let Ok(t) = DateTime::parse_from_rfc3339(&cleaned) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc2822(&cleaned) {
        return Some(t.with_timezone(&Utc));
    }
    with_formats(&cleaned)
}

/// Normalises the spellings the formats below cannot express.
fn clean(s: &str) -> String {
    static WEEKDAY: OnceLock<Regex> = OnceLock::new();
    static SPACES: OnceLock<Regex> = OnceLock::new();
    static ZONE: OnceLock<Regex> = OnceLock::new();
    static OFFSET_NO_COLON: OnceLock<Regex> = OnceLock::new();
    static HOUR_PAD: OnceLock<Regex> = OnceLock::new();
    static MDY: OnceLock<Regex> = OnceLock::new();
    static RFC850: OnceLock<Regex> = OnceLock::new();

    let mut s = months_to_english(s);
    // A leading weekday name in any language ("Thurs, ", "Пн, ", "Monday ").
    s = regex(
        &WEEKDAY,
        r"(?i)^(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+|\p{L}+\.?,\s*)",
    )
    .replace(&s, "")
    .into_owned();
    s = s.replace(',', " ");
    // RFC 850's "01-Mar-24", and two-digit years: 00–68 are 20xx, 69–99
    // 19xx (the POSIX pivot chrono uses for RFC 2822 too).
    s = regex(&RFC850, r"(?i)^(\d{1,2})[- ]([a-z]{3})[- ](\d{2}|\d{4})\b")
        .replace(&s, |c: &regex::Captures| {
            let year = match c[3].parse::<u32>() {
                Ok(yy) if c[3].len() == 2 && yy < 69 => format!("20{}", &c[3]),
                Ok(_) if c[3].len() == 2 => format!("19{}", &c[3]),
                _ => c[3].to_owned(),
            };
            format!("{} {} {year}", &c[1], &c[2])
        })
        .into_owned();
    s = regex(&SPACES, r"\s+")
        .replace_all(&s, " ")
        .trim()
        .to_owned();
    // Named zones to offsets.
    s = regex(&ZONE, r"(?i)\s?\b([a-z]{1,5})$")
        .replace(&s, |c: &regex::Captures| {
            match zone_offset(&c[1].to_ascii_lowercase()) {
                Some(off) => format!(" {off}"),
                None => c[0].to_owned(),
            }
        })
        .into_owned();
    // "-0000" and "+0530" written without colon after an ISO time.
    s = regex(
        &OFFSET_NO_COLON,
        r"(\d{2}:\d{2}(?::\d{2})?(?:\.\d+)?)(\s?)([+-]\d{2}):?(\d{2})$",
    )
    .replace(&s, "$1$2$3:$4")
    .into_owned();
    s = regex(&HOUR_PAD, r" (\d):")
        .replace(&s, " 0$1:")
        .into_owned();
    s = s.replace(" 24:", " 00:");
    // "jan 5 2024" → "5 jan 2024"
    s = regex(&MDY, r"(?i)^([a-z]{3}) (\d{1,2}) (\d{4})")
        .replace(&s, "$2 $1 $3")
        .into_owned();
    s
}

/// UTC offsets of the zone abbreviations feeds use (the ones RFC 2822
/// already knows — GMT, UT, EST… — are listed too so one table serves all).
fn zone_offset(abbr: &str) -> Option<&'static str> {
    Some(match abbr {
        "z" | "ut" | "utc" | "gmt" | "wet" => "+00:00",
        "bst" | "cet" | "mez" | "wat" | "west" => "+01:00",
        "cest" | "mesz" | "eet" | "sast" | "cat" => "+02:00",
        "eest" | "msk" | "eat" | "ast" | "trt" => "+03:00",
        "msd" | "gst" | "samt" => "+04:00",
        "pkt" | "yekt" => "+05:00",
        "ist" => "+05:30",
        "ict" | "wib" | "novt" => "+07:00",
        "hkt" | "sgt" | "awst" | "pht" | "myt" => "+08:00",
        "jst" | "kst" => "+09:00",
        "acst" => "+09:30",
        "aest" => "+10:00",
        "aedt" => "+11:00",
        "nzst" => "+12:00",
        "nzdt" => "+13:00",
        "edt" => "-04:00",
        "est" | "cdt" => "-05:00",
        "cst" | "mdt" => "-06:00",
        "mst" | "pdt" => "-07:00",
        "pst" | "akdt" => "-08:00",
        "akst" => "-09:00",
        "hst" => "-10:00",
        _ => return None,
    })
}

/// Replaces Russian month names (any case form), long English ones and the
/// abbreviations of Portuguese, Spanish, French, German and Italian that
/// differ from English with three-letter English abbreviations, which
/// chrono's `%b` reads. Only reached after the standard formats failed.
fn months_to_english(s: &str) -> String {
    static MONTH: OnceLock<Regex> = OnceLock::new();
    let re = regex(
        &MONTH,
        r"(?i)\b(?:(янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя|дек)\p{L}*|(january|february|march|april|june|july|august|september|october|november|december|sept|janv|févr|fev|mars|avr|mai|juin|juil|août|ago|set|out|okt|ott|dez|déc|dic|ene|gen|mag|giu|lug|mär|mrz|abr))\b\.?",
    );
    re.replace_all(s, |c: &regex::Captures| {
        let m = c
            .get(1)
            .or_else(|| c.get(2))
            .map_or(String::new(), |m| m.as_str().to_lowercase());
        let en = match m.as_str() {
            "янв" | "january" | "janv" | "ene" | "gen" => "jan",
            "фев" | "february" | "févr" | "fev" => "feb",
            "мар" | "march" | "mars" | "mär" | "mrz" => "mar",
            "апр" | "april" | "avr" | "abr" => "apr",
            "май" | "мая" | "mai" | "mag" => "may",
            "июн" | "june" | "juin" | "giu" => "jun",
            "июл" | "july" | "juil" | "lug" => "jul",
            "авг" | "august" | "août" | "ago" => "aug",
            "сен" | "september" | "sept" | "set" => "sep",
            "окт" | "october" | "out" | "okt" | "ott" => "oct",
            "ноя" | "november" => "nov",
            _ => "dec",
        };
        en.to_owned()
    })
    .into_owned()
}

fn with_formats(s: &str) -> Option<DateTime<Utc>> {
    const ZONED: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f %:z",
        "%Y-%m-%dT%H:%M%:z",
        "%d %b %Y %H:%M:%S %:z",
        "%d %b %Y %H:%M %:z",
        "%d.%m.%Y %H:%M:%S %:z",
        "%d.%m.%Y %H:%M %:z",
    ];
    const NAIVE: &[&str] = &[
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%d.%m.%Y %H:%M:%S",
        "%d.%m.%Y %H:%M",
        "%d %b %Y %H:%M:%S",
        "%d %b %Y %H:%M",
        "%d %b %Y %I:%M:%S %p",
        "%d %b %Y %I:%M %p",
        "%d %b %Y г. %H:%M",
    ];
    const DATE: &[&str] = &["%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%d %b %Y", "%Y%m%d"];

    // Zone as a colon offset at the end (after `clean`).
    for f in ZONED {
        if let Ok(t) = DateTime::<FixedOffset>::parse_from_str(s, f) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for f in NAIVE {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Some(Utc.from_utc_datetime(&t));
        }
    }
    for f in DATE {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return d.and_hms_opt(0, 0, 0).map(|t| Utc.from_utc_datetime(&t));
        }
    }
    None
}

#[cfg(test)]
mod tests;
