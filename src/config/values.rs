//! The validator's state and its checks of single values (paths, titles,
//! cron schedules, durations, sizes, counts, URLs): what every table's
//! validation is built from. `validate` (the top-level keys, the tables,
//! `[[feeds]]`) and `topics` both extend [`Validator`] and share these
//! checks, so they sit below both.

use std::collections::HashSet;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_spanned::Spanned;
use url::Url;

use super::database::{Database, PostgresUrl};
use super::defaults;
use super::error::{Lines, Problem};
use super::raw::{Count, DurationText, RawSize};
use super::types::Schedule;

/// The format of a cron expression, quoted in error messages because the
/// seconds field trips up people used to five-field crontab.
pub const CRON_FORMAT: &str = "sec min hour day-of-month month day-of-week [year]";

/// One validation run, raw values to final types: the problems found so
/// far and what they need (positions, the folder relative paths resolve
/// against, the keys the first layer already reported).
pub(super) struct Validator<'a> {
    /// Where each problem is; also read to name the line of a duplicate.
    pub(super) lines: &'a Lines<'a>,
    base: &'a Path,
    /// Every problem so far, in the order found.
    pub(super) problems: Vec<Problem>,
    /// Keys the first layer already complained about.
    failed: HashSet<String>,
}

impl<'a> Validator<'a> {
    /// Starts where the first layer stopped, with its problems and the keys
    /// they are about; relative paths resolve against `base`.
    pub(super) fn new(
        lines: &'a Lines<'a>,
        base: &'a Path,
        problems: Vec<Problem>,
        failed: HashSet<String>,
    ) -> Self {
        Self {
            lines,
            base,
            problems,
            failed,
        }
    }

    pub(super) fn report(
        &mut self,
        span: Range<usize>,
        key: impl Into<String>,
        message: impl Into<String>,
    ) {
        let problem = self.lines.problem(span.start, key.into(), message.into());
        self.problems.push(problem);
    }

    /// Reports a missing required key unless the first layer already reported
    /// that key (then it is "wrong", not "missing").
    pub(super) fn missing(&mut self, span: Range<usize>, key: &str, message: String) {
        if !self.failed.contains(key) {
            self.report(span, key, message);
        }
    }

    pub(super) fn path(
        &mut self,
        raw: Option<Spanned<String>>,
        key: &str,
        default: &str,
    ) -> Option<PathBuf> {
        let Some(raw) = raw else {
            return Some(self.base.join(default));
        };
        if raw.get_ref().trim().is_empty() {
            self.report(
                raw.span(),
                key,
                format!("empty path; leave the key out to use \"{default}\""),
            );
            return None;
        }
        // Absolute paths replace the base in `join`, so they are kept as is.
        Some(self.base.join(raw.get_ref()))
    }

    /// `database`: a PostgreSQL URL, or else a file path like [`Self::path`].
    pub(super) fn database(
        &mut self,
        raw: Option<Spanned<String>>,
        key: &str,
        default: &str,
    ) -> Option<Database> {
        match raw {
            Some(raw) if Database::is_postgres_url(raw.get_ref()) => {
                match PostgresUrl::parse(raw.get_ref()) {
                    Ok(url) => Some(Database::Postgres(url)),
                    Err(e) => {
                        self.report(raw.span(), key, e.to_string());
                        None
                    }
                }
            }
            raw => self.path(raw, key, default).map(Database::Sqlite),
        }
    }

    pub(super) fn schedule(&mut self, raw: &Spanned<String>, key: &str) -> Option<Schedule> {
        match raw.get_ref().trim().parse::<Schedule>() {
            Ok(schedule) => Some(schedule),
            Err(e) => {
                let detail = match raw.get_ref().split_whitespace().count() {
                    5 => "5 fields: the seconds field is missing".to_owned(),
                    6 | 7 => cron_detail(&e.to_string()),
                    n => format!("{n} fields, not 6 or 7"),
                };
                self.report(
                    raw.span(),
                    key,
                    format!(
                        "bad cron expression `{}` ({detail}); the format is `{CRON_FORMAT}`, e.g. \"{}\" for every 15 minutes",
                        raw.get_ref(),
                        defaults::SCHEDULE
                    ),
                );
                None
            }
        }
    }

    pub(super) fn title(&mut self, raw: &Spanned<String>, key: &str, hint: &str) -> Option<String> {
        let title = raw.get_ref().trim();
        if title.is_empty() {
            self.report(raw.span(), key, format!("empty title; {hint}"));
            None
        } else {
            Some(title.to_owned())
        }
    }

    /// A category is a label to group feeds by; an empty one groups nothing
    /// and is more likely a half-finished edit than an intent.
    pub(super) fn category(&mut self, raw: &Spanned<String>, key: &str) -> Option<String> {
        let category = raw.get_ref().trim();
        if category.is_empty() {
            self.report(
                raw.span(),
                key,
                "empty category; leave the key out for none, or write a name such as \"Central Asia\"",
            );
            None
        } else {
            Some(category.to_owned())
        }
    }

    /// A duration longer than zero: a zero timeout or backoff is a mistake.
    pub(super) fn duration(
        &mut self,
        raw: Option<Spanned<DurationText>>,
        key: &str,
        default: Duration,
    ) -> Option<Duration> {
        self.duration_or_zero(raw, key, default, false)
    }

    pub(super) fn duration_or_zero(
        &mut self,
        raw: Option<Spanned<DurationText>>,
        key: &str,
        default: Duration,
        zero_ok: bool,
    ) -> Option<Duration> {
        let Some(raw) = raw else {
            return Some(default);
        };
        let text = &raw.get_ref().0;
        match humantime::parse_duration(text.trim()) {
            Ok(d) if d.is_zero() && !zero_ok => {
                self.report(raw.span(), key, "must be longer than zero");
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                self.report(
                    raw.span(),
                    key,
                    format!("bad duration `{text}` ({e}); write a number with a unit, e.g. \"30s\", \"2min\", \"1h 30m\""),
                );
                None
            }
        }
    }

    pub(super) fn size(
        &mut self,
        raw: Option<Spanned<RawSize>>,
        key: &str,
        default: u64,
    ) -> Option<u64> {
        let Some(raw) = raw else {
            return Some(default);
        };
        let parsed = match raw.get_ref() {
            RawSize::Bytes(n) => {
                u64::try_from(*n).map_err(|_| format!("bad size {n}: must not be negative"))
            }
            RawSize::Text(text) => parse_size(text).map_err(|e| format!("bad size `{text}`: {e}")),
        };
        match parsed {
            Ok(0) => {
                self.report(raw.span(), key, "must be at least 1 byte");
                None
            }
            Ok(n) => Some(n),
            Err(message) => {
                self.report(raw.span(), key, message);
                None
            }
        }
    }

    pub(super) fn count(
        &mut self,
        raw: Option<Spanned<Count>>,
        key: &str,
        default: usize,
        min: usize,
    ) -> Option<usize> {
        let Some(raw) = raw else {
            return Some(default);
        };
        match usize::try_from(raw.get_ref().0) {
            Ok(n) if n >= min => Some(n),
            _ => {
                let n = raw.get_ref().0;
                let why = if min == 1 {
                    "; 0 would never fetch anything"
                } else {
                    ""
                };
                self.report(
                    raw.span(),
                    key,
                    format!("{n} is too small: must be at least {min}{why}"),
                );
                None
            }
        }
    }

    pub(super) fn url(&mut self, raw: &Spanned<String>, key: &str) -> Option<Url> {
        let text = raw.get_ref().trim();
        match Url::parse(text) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Some(url),
            Ok(url) => {
                self.report(
                    raw.span(),
                    key,
                    format!("unsupported scheme `{}` in `{text}`; feed URLs must start with http:// or https://", url.scheme()),
                );
                None
            }
            Err(e) => {
                self.report(raw.span(), key, format!("bad URL `{text}`: {e}"));
                None
            }
        }
    }
}

/// The cron crate's message without its echo of the input and caret line,
/// which would be noise inside a one-line problem.
pub(super) fn cron_detail(rendered: &str) -> String {
    let after_caret: Vec<&str> = rendered
        .lines()
        .skip_while(|l| !l.trim_start().starts_with('^'))
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let text = if after_caret.is_empty() {
        crate::text::collapse_whitespace(rendered)
    } else {
        after_caret.join(" ")
    };
    text.trim_end_matches('.').to_owned()
}

/// Parses `1048576`, `512KiB`, `10MiB`, `1GiB` (optionally `10 MiB`).
/// Binary units only: "MB" is ambiguous in the wild, so it is refused rather
/// than guessed.
pub(super) fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    if number.is_empty() {
        return Err("must start with a whole number, e.g. \"10MiB\"".to_owned());
    }
    let number: u64 = number.parse().map_err(|_| "number too large".to_owned())?;
    let unit = unit.strip_prefix(' ').unwrap_or(unit);
    let multiplier: u64 = match unit {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ if unit.starts_with(['.', ',']) => {
            return Err("whole numbers only; use a smaller unit, e.g. \"1536KiB\"".to_owned());
        }
        _ => {
            return Err(format!(
                "unknown unit `{unit}`; use B, KiB, MiB or GiB (1 KiB = 1024 bytes), or a plain number of bytes"
            ));
        }
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| "size too large".to_owned())
}
