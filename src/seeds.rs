//! Seed articles: the hand-picked stories that define the merged feed's topic.
//!
//! Seeds arrive as plain-text scrapes of news pages, so besides the article
//! they carry whatever the page showed: menus, donation widgets, captions,
//! syndication trailers and, worst, reader comments. They are republished as
//! stories, so a reader must see the article alone. Cleaning is general
//! rather than tuned to particular files (see the `classify`, `comments` and
//! `extract` submodules), and a curator can override what detection cannot
//! know with front matter (the `front_matter` submodule).

use std::fs;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use url::Url;

mod classify;
mod comments;
mod dateline;
mod error;
mod extract;
mod front_matter;
mod lexicon;
mod markdown;
mod thread;
mod words;

pub use error::Error;
use extract::Unit;

/// One seed article, cleaned: the article alone, no site chrome, no comments.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedArticle {
    /// The file it came from; its file name is the seed's stable identity.
    pub path: PathBuf,
    pub title: String,
    /// From front matter only (scraped text carries no reliable URL).
    pub url: Option<Url>,
    /// From front matter only: the story's byline.
    pub author: Option<String>,
    /// From front matter, else the dateline in the text, else `None`.
    pub published: Option<NaiveDate>,
    /// The body, one paragraph per element, plain text.
    pub paragraphs: Vec<String>,
}

/// Loads every `.txt` and `.md` file of `dir`, sorted by file name.
/// A bad file is returned as an error in its slot so that one bad seed does
/// not hide the others.
pub fn load_dir(dir: &Path) -> Result<Vec<Result<SeedArticle, Error>>, Error> {
    let read_dir_error = |source| Error::ReadDir {
        path: dir.to_path_buf(),
        source,
    };
    let mut paths = Vec::new();
    for entry in fs::read_dir(dir).map_err(read_dir_error)? {
        let path = entry.map_err(read_dir_error)?.path();
        if is_seed_file(&path) {
            paths.push(path);
        }
    }
    paths.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    Ok(paths.iter().map(|path| load_file(path)).collect())
}

/// Hidden files are editor backups and swap files, not seeds.
fn is_seed_file(path: &Path) -> bool {
    let hidden = path
        .file_name()
        .is_none_or(|name| name.to_string_lossy().starts_with('.'));
    !hidden && seed_format(path).is_some() && path.is_file()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Markdown,
}

fn seed_format(path: &Path) -> Option<Format> {
    let ext = path.extension()?.to_string_lossy().to_ascii_lowercase();
    match ext.as_str() {
        "txt" => Some(Format::Text),
        "md" => Some(Format::Markdown),
        _ => None,
    }
}

fn load_file(path: &Path) -> Result<SeedArticle, Error> {
    let bytes = fs::read(path).map_err(|source| Error::ReadFile {
        path: path.to_path_buf(),
        source,
    })?;
    clean(path, &decode(&bytes))
}

/// Scrapes saved by other tools are not always UTF-8: a BOM, then valid
/// UTF-8, then a guess decide, as for feeds, rather than rejecting the file
/// or filling it with replacement marks.
fn decode(bytes: &[u8]) -> String {
    crate::parse::charset::decode(bytes, None).text
}

/// Cleans one scraped article (front matter, if any, wins over detection).
pub fn clean(path: &Path, raw: &str) -> Result<SeedArticle, Error> {
    let format = seed_format(path).unwrap_or(Format::Text);
    let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
    let normalised = raw.replace("\r\n", "\n").replace('\r', "\n");
    let lines: Vec<&str> = normalised.lines().collect();
    let (front, body_start) = front_matter::split(path, &lines)?;

    let front_title = front.title.map(|t| match format {
        Format::Markdown => markdown::strip_inline(&t),
        Format::Text => t,
    });
    let found = extract::extract(units(&lines[body_start..], format), front_title.as_deref());
    let empty = || Error::Empty {
        path: path.to_path_buf(),
    };
    if found.paragraphs.is_empty() {
        return Err(empty());
    }
    let title = front_title
        .or(found.title)
        .or_else(|| fallback_title(&found.paragraphs))
        .ok_or_else(empty)?;
    Ok(SeedArticle {
        path: path.to_path_buf(),
        title,
        url: front.url,
        author: front.author,
        published: front.published.or(found.published),
        paragraphs: found.paragraphs,
    })
}

/// Splits the text into units: blank-line separated blocks, each either one
/// hard-wrapped paragraph or a stack of separate lines (menus, widgets and
/// one-line-per-paragraph scrapes).
fn units(lines: &[&str], format: Format) -> Vec<Unit> {
    let mut units = Vec::new();
    let mut block = Vec::new();
    for line in lines {
        let (text, alone) = match format {
            Format::Markdown => markdown::strip_line(line),
            Format::Text => ((*line).to_owned(), false),
        };
        let text = tidy(&text);
        if text.is_empty() || alone {
            flush(&mut block, format, &mut units);
        }
        if text.is_empty() {
            continue;
        }
        if alone {
            units.push(Unit::new(text));
        } else {
            block.push(text);
        }
    }
    flush(&mut block, format, &mut units);
    units
}

fn flush(block: &mut Vec<String>, format: Format, units: &mut Vec<Unit>) {
    if block.is_empty() {
        return;
    }
    let lines = std::mem::take(block);
    if format == Format::Markdown || is_hard_wrapped(&lines) {
        units.push(Unit::new(lines.join(" ")));
    } else {
        units.extend(lines.into_iter().map(Unit::new));
    }
}

/// A hard-wrapped paragraph has long lines that mostly stop mid-sentence;
/// stacked short lines or one-sentence lines are separate units.
fn is_hard_wrapped(lines: &[String]) -> bool {
    let Some((_, inner)) = lines.split_last() else {
        return false;
    };
    if inner.is_empty() || inner.iter().any(|l| l.chars().count() < 40) {
        return false;
    }
    let open = inner.iter().filter(|l| !classify::is_terminated(l)).count();
    open * 2 > inner.len()
}

/// Scrapes are full of no-break and zero-width spaces; they only hinder
/// comparison and display.
fn tidy(line: &str) -> String {
    let visible: String = line
        .chars()
        .filter(|c| {
            !matches!(
                c,
                '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}' | '\u{feff}' | '\u{ad}'
            )
        })
        .collect();
    crate::text::collapse_whitespace(&visible)
}

/// Without any headline, the opening words of the article stand in, so a
/// seed is still identifiable in the feed.
fn fallback_title(paragraphs: &[String]) -> Option<String> {
    let first = paragraphs.first()?;
    let words: Vec<&str> = first.split_whitespace().collect();
    let sentence_end = words
        .iter()
        .position(|w| classify::is_terminated(w))
        .map_or(words.len(), |i| i + 1);
    if sentence_end <= 15 {
        let sentence = words[..sentence_end].join(" ");
        Some(sentence.trim_end_matches(['.', ':', ';']).to_owned())
    } else {
        Some(format!("{}…", words[..12].join(" ")))
    }
}

#[cfg(test)]
mod tests;
