//! Editing the configuration file the way a careful person would: what the
//! CLI's `feeds add|rm|enable|disable|set` and `opml import` call.
//!
//! The file is the user's: every comment, blank line, key order and quoting
//! they wrote stays byte for byte, and only the entry being edited changes,
//! in the style of its neighbours. `toml_edit` keeps the text around every
//! item (its "decor"), which is what makes that possible.
//!
//! Every edit runs the same way (`protocol::edit`): take an exclusive lock on a
//! sidecar file (`feedloom.toml.lock`), so concurrent edits queue instead of
//! losing each other's changes; refuse a file that is already invalid (its
//! problems are the user's to fix, not ours to paper over); apply the edit;
//! validate the result with the same validator the daemon uses and refuse it
//! if it would not load; write it atomically (temp file, fsync, same
//! permissions and owner, rename, fsync the folder), so a reader — the daemon
//! reloads on every save — sees the old file or the new one, never half.
//!
//! This file holds the public edits, which differ only in what they apply.
//! Below them: `protocol` (the sequence above), `document` (the `toml_edit`
//! changes, in the neighbours' style), `disk` (the lock and the atomic
//! write), `outcome` (what an edit did, as the CLI prints it), `request`
//! (what an edit is asked to do) and `error` (why one was refused); each
//! uses only those listed after it.

mod disk;
mod document;
mod error;
mod outcome;
mod protocol;
mod request;

pub use error::EditError;
pub use outcome::{Action, AddOutcome, Edited, KeyChange, Skipped};
pub use request::{FeedChange, NewFeed, OptionalKey, Selector, SelectorArg};

use std::path::Path;

use toml_edit::Value;

use self::disk::read;
use self::document::feed_lines;
use self::protocol::edit;
use crate::config::types::canonical;
use crate::config::validate;

/// Adds one feed; a feed already listed (canonical URL) is an error naming
/// the line it is on, since asking for it twice is likely a mistake.
pub fn add_feed(path: &Path, feed: &NewFeed) -> Result<Edited, EditError> {
    add_feed_allowing(path, feed, None)
}

/// [`add_feed`], and in the same write `allow` (the feed's host name) added
/// to `[fetch] allow_private`: what `feeds add --allow-private` asks for, so
/// that the daemon's polls may reach the private address the user allowed
/// the probe to reach. Refused, with nothing written, in a file without a
/// `[fetch]` table.
pub fn add_feed_allowing(
    path: &Path,
    feed: &NewFeed,
    allow: Option<&str>,
) -> Result<Edited, EditError> {
    let outcome = add(path, std::slice::from_ref(feed), true, allow)?;
    match outcome.added.into_iter().next() {
        Some(edited) => Ok(edited),
        // `strict` turns every skip into an error, so this is unreachable;
        // an error is still better than a panic.
        None => Err(EditError::NotFound {
            path: path.to_owned(),
            selector: format!("URL {}", feed.url),
        }),
    }
}

/// Adds many feeds (an OPML import) in one write: feeds already listed, or
/// listed twice in `feeds`, are skipped and reported. If any new entry is
/// invalid (a bad cron, an empty title), nothing is added.
pub fn add_feeds(path: &Path, feeds: &[NewFeed]) -> Result<AddOutcome, EditError> {
    add(path, feeds, false, None)
}

fn add(
    path: &Path,
    feeds: &[NewFeed],
    strict: bool,
    allow: Option<&str>,
) -> Result<AddOutcome, EditError> {
    let mut skipped = Vec::new();
    let mut fresh = Vec::new();
    let (config, new_count) = edit(path, |file| {
        let mut seen: Vec<(String, Option<usize>)> = file
            .config
            .feeds
            .iter()
            .enumerate()
            .map(|(i, f)| (canonical(&f.url), Some(i)))
            .collect();
        for feed in feeds {
            let key = canonical(&feed.url);
            if let Some((_, existing)) = seen.iter().find(|(k, _)| *k == key) {
                let reason = match existing {
                    Some(i) => {
                        let line = file.lines.get(*i).copied().unwrap_or(0);
                        if strict {
                            return Err(EditError::Duplicate {
                                path: path.to_owned(),
                                url: Box::new(feed.url.clone()),
                                line,
                                existing: file.config.feeds.get(*i).and_then(|f| f.title.clone()),
                            });
                        }
                        format!("already listed on line {line} of {}", path.display())
                    }
                    None => "listed twice in this import".to_owned(),
                };
                skipped.push(Skipped {
                    url: feed.url.clone(),
                    reason,
                });
                continue;
            }
            seen.push((key, None));
            fresh.push(feed);
        }
        let first = file.config.feeds.len();
        if let Some(name) = allow
            && !fresh.is_empty()
        {
            file.allow_private(name)?;
        }
        for feed in &fresh {
            file.append(feed)?;
        }
        Ok((first, !fresh.is_empty()))
    })?;
    let added = match config {
        Some((config, lines)) => (new_count..config.feeds.len())
            .filter_map(|i| {
                let feed = config.feeds.get(i)?;
                let line = lines.get(i).copied().unwrap_or(0);
                Some(Edited::from_feed(Action::Added, feed, &config, line))
            })
            .collect(),
        None => Vec::new(),
    };
    Ok(AddOutcome { added, skipped })
}

/// Removes the selected entry with the comment block that belongs to it
/// (the comment lines right above its header, with no blank line between);
/// a comment separated by a blank line is about what follows and stays.
pub fn remove_feed(path: &Path, selector: Selector<'_>) -> Result<Edited, EditError> {
    let mut before = None;
    edit(path, |file| {
        let i = file.select(selector)?;
        let line = file.lines.get(i).copied().unwrap_or(0);
        if let Some(feed) = file.config.feeds.get(i) {
            before = Some(Edited::from_feed(Action::Removed, feed, file.config, line));
        }
        file.remove(i)?;
        Ok(((), true))
    })?;
    before.ok_or_else(|| EditError::NotFound {
        path: path.to_owned(),
        selector: selector.to_string(),
    })
}

/// Switches polling of the selected entry on or off (`enabled = …`, kept
/// where it is if written, appended to the entry otherwise). Already so:
/// [`Action::Unchanged`] and nothing is written.
pub fn set_enabled(
    path: &Path,
    selector: Selector<'_>,
    enabled: bool,
) -> Result<Edited, EditError> {
    let change = FeedChange {
        enabled: Some(enabled),
        ..FeedChange::default()
    };
    let mut edited = change_feed(path, selector, &change)?;
    if edited.action == Action::Changed {
        edited.action = if enabled {
            Action::Enabled
        } else {
            Action::Disabled
        };
    }
    Ok(edited)
}

/// Sets the given keys of the selected entry: an existing key keeps its
/// place, spacing and trailing comment (only the value changes); a new one
/// is appended after the entry's last key.
pub fn change_feed(
    path: &Path,
    selector: Selector<'_>,
    change: &FeedChange,
) -> Result<Edited, EditError> {
    let mut index = 0;
    let mut changes = Vec::new();
    let (after, _) = edit(path, |file| {
        index = file.select(selector)?;
        let Some(feed) = file.config.feeds.get(index) else {
            return Err(file.not_found(selector));
        };
        if let Some(title) = &change.title
            && feed.title.as_deref() != Some(title.trim())
        {
            changes.push(KeyChange {
                key: "title",
                old: feed.title.as_ref().map(|t| format!("'{t}'")),
                new: format!("'{}'", title.trim()),
            });
            file.set(index, "title", Value::from(title.as_str()))?;
        }
        if let Some(schedule) = &change.schedule
            && feed.schedule.as_ref().map(|s| s.expression.as_str()) != Some(schedule.trim())
        {
            changes.push(KeyChange {
                key: "schedule",
                old: Some(feed.schedule_or(file.config).expression.clone()),
                new: schedule.trim().to_owned(),
            });
            file.set(index, "schedule", Value::from(schedule.as_str()))?;
        }
        if let Some(enabled) = change.enabled
            && feed.enabled != enabled
        {
            changes.push(KeyChange {
                key: "enabled",
                old: Some(feed.enabled.to_string()),
                new: enabled.to_string(),
            });
            file.set(index, "enabled", Value::from(enabled))?;
        }
        if let Some(category) = &change.category
            && feed.category.as_deref() != Some(category.trim())
        {
            changes.push(KeyChange {
                key: "category",
                old: feed.category.as_ref().map(|c| format!("'{c}'")),
                new: format!("'{}'", category.trim()),
            });
            file.set(index, "category", Value::from(category.as_str()))?;
        }
        if let Some(full_text) = change.full_text
            && feed.full_text != full_text
        {
            changes.push(KeyChange {
                key: "full_text",
                old: Some(feed.full_text.to_string()),
                new: full_text.to_string(),
            });
            if full_text {
                file.set(index, "full_text", Value::from(true))?;
            } else {
                file.unset(index, "full_text")?;
            }
        }
        for key in &change.remove {
            let old = match key {
                OptionalKey::Title => feed.title.as_ref().map(|t| format!("'{t}'")),
                OptionalKey::Schedule => feed.schedule.as_ref().map(|s| s.expression.clone()),
                OptionalKey::Category => feed.category.as_ref().map(|c| format!("'{c}'")),
            };
            // Already left out: nothing to say or write.
            let Some(old) = old else { continue };
            let new = match key {
                OptionalKey::Title => "the feed's own".to_owned(),
                OptionalKey::Schedule => format!("the global {}", file.config.schedule.expression),
                OptionalKey::Category => "none".to_owned(),
            };
            changes.push(KeyChange {
                key: key.key(),
                old: Some(old),
                new,
            });
            file.unset(index, key.key())?;
        }
        let write = !changes.is_empty();
        Ok(((), write))
    })?;
    let action = if changes.is_empty() {
        Action::Unchanged
    } else {
        Action::Changed
    };
    let (config, lines) = match after {
        Some(after) => after,
        // Nothing written: describe the entry as it is.
        None => {
            let text = read(path)?;
            let config = validate::from_str(&text, path)?;
            (config, feed_lines(&text))
        }
    };
    let feed = config.feeds.get(index).ok_or_else(|| EditError::NotFound {
        path: path.to_owned(),
        selector: selector.to_string(),
    })?;
    let line = lines.get(index).copied().unwrap_or(0);
    let mut edited = Edited::from_feed(action, feed, &config, line);
    edited.changes = changes;
    Ok(edited)
}

#[cfg(test)]
mod tests;
