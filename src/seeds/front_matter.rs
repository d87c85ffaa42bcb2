//! Optional front matter: the seed author's own word on title, URL and date.
//!
//! Scraped text carries no reliable URL and often no reliable date, so a
//! curator can state them (and the author) in a leading `---` (YAML-style `key: value`) or
//! `+++` (TOML-style `key = "value"`) block. Because these values are
//! published as-is, anything doubtful is an error naming the file and line
//! rather than a silent guess.

use std::path::Path;

use chrono::{DateTime, NaiveDate};
use url::Url;

use super::error::Error;

/// What the front matter stated; absent keys are left to detection.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct FrontMatter {
    pub title: Option<String>,
    pub url: Option<Url>,
    /// The byline, as `feedloom seeds add` reads it from the page.
    pub author: Option<String>,
    pub published: Option<NaiveDate>,
}

/// Splits off leading front matter. Returns it and the index of the first
/// body line (0 when there is none).
pub(super) fn split(path: &Path, lines: &[&str]) -> Result<(FrontMatter, usize), Error> {
    let Some(open) = lines.iter().position(|l| !l.trim().is_empty()) else {
        return Ok((FrontMatter::default(), 0));
    };
    let delimiter = lines[open].trim();
    let separator = match delimiter {
        "---" => ':',
        "+++" => '=',
        _ => return Ok((FrontMatter::default(), 0)),
    };
    let error = |index: usize, message: String| Error::FrontMatter {
        path: path.to_path_buf(),
        line: index + 1,
        message,
    };
    let close = lines[open + 1..]
        .iter()
        .position(|l| l.trim() == delimiter)
        .map(|offset| open + 1 + offset)
        .ok_or_else(|| error(open, format!("no closing `{delimiter}`")))?;

    let mut front = FrontMatter::default();
    for (index, line) in lines.iter().enumerate().take(close).skip(open + 1) {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        apply(&mut front, line, separator).map_err(|message| error(index, message))?;
    }
    Ok((front, close + 1))
}

fn apply(front: &mut FrontMatter, line: &str, separator: char) -> Result<(), String> {
    let (key, value) = line
        .split_once(separator)
        .ok_or_else(|| format!("expected `key{separator} value`, found `{line}`"))?;
    let key = key.trim();
    let value = unquote(value.trim());
    if value.is_empty() {
        return Err(format!("`{key}` has no value"));
    }
    match key {
        "title" => set(
            &mut front.title,
            key,
            crate::text::collapse_whitespace(value),
        ),
        "url" => set(&mut front.url, key, parse_url(value)?),
        "author" => set(
            &mut front.author,
            key,
            crate::text::collapse_whitespace(value),
        ),
        "published" => set(&mut front.published, key, parse_date(value)?),
        _ => Err(format!(
            "unknown key `{key}` (expected title, url, author or published)"
        )),
    }
}

fn set<T>(slot: &mut Option<T>, key: &str, value: T) -> Result<(), String> {
    if slot.is_some() {
        return Err(format!("`{key}` given twice"));
    }
    *slot = Some(value);
    Ok(())
}

fn unquote(value: &str) -> &str {
    ['"', '\'']
        .iter()
        .find_map(|q| value.strip_prefix(*q)?.strip_suffix(*q))
        .unwrap_or(value)
}

/// Only web addresses: the URL becomes the story's link in published feeds.
fn parse_url(value: &str) -> Result<Url, String> {
    let url = Url::parse(value).map_err(|e| format!("bad url `{value}`: {e}"))?;
    match url.scheme() {
        "http" | "https" if url.host().is_some() => Ok(url),
        _ => Err(format!("bad url `{value}`: expected an http(s) address")),
    }
}

fn parse_date(value: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .or_else(|_| DateTime::parse_from_rfc3339(value).map(|dt| dt.date_naive()))
        .map_err(|_| format!("bad date `{value}`: expected YYYY-MM-DD or RFC 3339"))
}

#[cfg(test)]
mod tests;
