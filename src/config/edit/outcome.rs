//! What an edit did, as the CLI reports it: one [`Edited`] line per entry
//! (its `Display` is the line printed), and for a batch import an
//! [`AddOutcome`] with what was added and what [`Skipped`]. Apart from the
//! edits themselves so that the wording of the report is in one place.

use std::fmt;

use url::Url;

use crate::config::types::{Config, FeedConfig};

/// What an edit did to one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Added,
    Removed,
    Enabled,
    Disabled,
    Changed,
    /// The entry already was as asked; nothing was written.
    Unchanged,
}

/// One key whose value an edit changed, for the report line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyChange {
    pub key: &'static str,
    /// `None`: the key was not written before.
    pub old: Option<String>,
    pub new: String,
}

/// The result of a successful edit of one entry: what the CLI prints as one
/// line (see the `Display` impl), with the data behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Edited {
    pub action: Action,
    pub url: Url,
    pub title: Option<String>,
    /// The schedule the feed runs on (its own or the global one).
    pub schedule: String,
    /// `true` when `schedule` is the global one.
    pub schedule_is_global: bool,
    pub enabled: bool,
    pub category: Option<String>,
    /// 1-based line of the entry's `url` in the file as it is now (for a
    /// removed entry, as it was).
    pub line: usize,
    /// For [`Action::Changed`]: each key that changed.
    pub changes: Vec<KeyChange>,
}

impl Edited {
    pub(super) fn from_feed(
        action: Action,
        feed: &FeedConfig,
        config: &Config,
        line: usize,
    ) -> Self {
        Self {
            action,
            url: feed.url.clone(),
            title: feed.title.clone(),
            schedule: feed.schedule_or(config).expression.clone(),
            schedule_is_global: feed.schedule.is_none(),
            enabled: feed.enabled,
            category: feed.category.clone(),
            line,
            changes: Vec::new(),
        }
    }

    /// `'Title' https://…` or just the URL.
    fn name(&self) -> String {
        match &self.title {
            Some(title) => format!("'{title}' {}", self.url),
            None => self.url.to_string(),
        }
    }

    /// The one line the CLI prints.
    pub fn describe(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Edited {
    /// e.g. `added 'Asia Desk' https://example.org/asia.xml, schedule 0 */15 * * * *`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.name();
        match self.action {
            Action::Added => {
                write!(f, "added {name}, schedule {}", self.schedule)?;
                if self.schedule_is_global {
                    f.write_str(" (global)")?;
                }
                if let Some(category) = &self.category {
                    write!(f, ", category '{category}'")?;
                }
                if !self.enabled {
                    f.write_str(", disabled")?;
                }
                Ok(())
            }
            Action::Removed => write!(f, "removed {name}"),
            Action::Enabled => write!(f, "enabled {name}"),
            Action::Disabled => write!(f, "disabled {name}"),
            Action::Changed => {
                write!(f, "changed {name}: ")?;
                let changes: Vec<String> = self
                    .changes
                    .iter()
                    .map(|c| match &c.old {
                        Some(old) => format!("{} {old} → {}", c.key, c.new),
                        None => format!("{} {}", c.key, c.new),
                    })
                    .collect();
                f.write_str(&changes.join(", "))
            }
            Action::Unchanged => write!(f, "{name} is already as asked; nothing changed"),
        }
    }
}

/// A feed [`add_feeds`](super::add_feeds) did not add, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub url: Url,
    pub reason: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "skipped {}: {}", self.url, self.reason)
    }
}

/// What [`add_feeds`](super::add_feeds) did: a batch import adds what is
/// new and reports the rest instead of failing on the first feed already
/// listed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AddOutcome {
    pub added: Vec<Edited>,
    pub skipped: Vec<Skipped>,
}

impl fmt::Display for AddOutcome {
    /// The summary line, e.g. `added 3 feeds, skipped 1 (already listed)`;
    /// the CLI prints each `added`/`skipped` item on its own line under it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        write!(
            f,
            "added {} feed{}, skipped {} (already listed)",
            self.added.len(),
            plural(self.added.len()),
            self.skipped.len()
        )
    }
}
