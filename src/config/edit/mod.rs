//! Editing the configuration file the way a careful person would: what the
//! CLI's `feeds add|rm|enable|disable|set` and `opml import` call.
//!
//! The file is the user's: every comment, blank line, key order and quoting
//! they wrote stays byte for byte, and only the entry being edited changes,
//! in the style of its neighbours. `toml_edit` keeps the text around every
//! item (its "decor"), which is what makes that possible.
//!
//! Every edit runs the same way ([`edit`]): take an exclusive lock on a
//! sidecar file (`feedloom.toml.lock`), so concurrent edits queue instead of
//! losing each other's changes; refuse a file that is already invalid (its
//! problems are the user's to fix, not ours to paper over); apply the edit;
//! validate the result with the same validator the daemon uses and refuse it
//! if it would not load; write it atomically (temp file, fsync, same
//! permissions and owner, rename, fsync the folder), so a reader — the daemon
//! reloads on every save — sees the old file or the new one, never half.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};
use url::Url;

use super::error::{Error, Problem};
use super::types::{Config, FeedConfig, canonical};
use super::validate;

/// How the CLI tells users to see what is there when a selector misses.
const LIST_HINT: &str = "`feedloom feeds ls` lists them";

/// One `[[feeds]]` entry to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewFeed {
    pub url: Url,
    /// Written as `title = "…"`; `None` leaves the key out (the feed's own
    /// title is used).
    pub title: Option<String>,
    /// Cron expression; `None` leaves the key out (the global schedule).
    pub schedule: Option<String>,
    /// `false` writes `enabled = false`; `true` leaves the key out, since
    /// that is the default and the shorter entry is the one people write.
    pub enabled: bool,
    pub category: Option<String>,
}

impl NewFeed {
    /// An enabled feed with nothing but its URL.
    pub fn new(url: Url) -> Self {
        Self {
            url,
            title: None,
            schedule: None,
            enabled: true,
            category: None,
        }
    }
}

/// What to change on one entry; `None` leaves a key as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FeedChange {
    pub title: Option<String>,
    pub schedule: Option<String>,
    pub enabled: Option<bool>,
}

/// Which entry an edit is about.
#[derive(Debug, Clone, Copy)]
pub enum Selector<'a> {
    /// Compared in the canonical form duplicates are found with (scheme and
    /// host case, default port and fragment do not matter).
    Url(&'a Url),
    /// The entry's `title` key, trimmed, case-insensitively; entries without
    /// a title cannot be selected by title.
    Title(&'a str),
}

/// A selector as the CLI receives it (`URL|TITLE`), owned so it can be
/// parsed from an argument; [`SelectorArg::as_selector`] borrows it.
#[derive(Debug, Clone, PartialEq)]
pub enum SelectorArg {
    Url(Url),
    Title(String),
}

impl SelectorArg {
    /// An argument that parses as an `http(s)` URL is a URL, anything else a
    /// title: a title that looks like a URL is not worth the ambiguity.
    pub fn parse(arg: &str) -> Self {
        match Url::parse(arg.trim()) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Self::Url(url),
            _ => Self::Title(arg.to_owned()),
        }
    }

    pub fn as_selector(&self) -> Selector<'_> {
        match self {
            Self::Url(url) => Selector::Url(url),
            Self::Title(title) => Selector::Title(title),
        }
    }
}

impl std::str::FromStr for SelectorArg {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::parse(s))
    }
}

impl fmt::Display for Selector<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Selector::Url(url) => write!(f, "URL {url}"),
            Selector::Title(title) => write!(f, "title '{}'", title.trim()),
        }
    }
}

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
    fn from_feed(action: Action, feed: &FeedConfig, config: &Config, line: usize) -> Self {
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

/// A feed [`add_feeds`] did not add, and why.
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

/// What [`add_feeds`] did: a batch import adds what is new and reports the
/// rest instead of failing on the first feed already listed.
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

/// Why an edit was refused. Nothing was written in any case.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The file cannot be read, or is already invalid: its problems are
    /// listed (file:line:column) and must be fixed by hand first.
    #[error("the configuration must be fixed by hand first; nothing was changed")]
    Config(#[from] Error),
    /// The edit would make the file invalid; the validator's verdict, with
    /// the key path of each problem (positions would point into text that
    /// was never written, so they are left out).
    #[error("refused, {} would not load after this edit:\n{}", path.display(), problems.iter().map(|p| format!("{}: {}", p.key, p.message)).collect::<Vec<_>>().join("\n"))]
    WouldBeInvalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
    #[error("{}:{line}: {url} is already listed{}", path.display(), existing.as_ref().map(|t| format!(" as '{t}'")).unwrap_or_default())]
    Duplicate {
        path: PathBuf,
        /// Boxed: a `Url` would make every `Result` here large.
        url: Box<Url>,
        /// Line of the existing entry's `url`.
        line: usize,
        /// The existing entry's title.
        existing: Option<String>,
    },
    #[error("no feed in {} has {selector}; {LIST_HINT}", path.display())]
    NotFound { path: PathBuf, selector: String },
    #[error("{} feeds in {} have title '{title}'; name one by URL: {}", matches.len(), path.display(), matches.iter().map(|(url, line)| format!("{url} (line {line})")).collect::<Vec<_>>().join(", "))]
    Ambiguous {
        path: PathBuf,
        title: String,
        /// Each match's URL and line.
        matches: Vec<(Url, usize)>,
    },
    /// A layout this module does not edit (`feeds = [ {…} ]` written
    /// inline); better refused than rewritten into another style.
    #[error("{}:{line}: {what}; edit the file by hand", path.display())]
    Unsupported {
        path: PathBuf,
        line: usize,
        what: String,
    },
    #[error("cannot lock {} for editing", path.display())]
    Lock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write {}; the file is unchanged", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Adds one feed; a feed already listed (canonical URL) is an error naming
/// the line it is on, since asking for it twice is likely a mistake.
pub fn add_feed(path: &Path, feed: &NewFeed) -> Result<Edited, EditError> {
    let outcome = add(path, std::slice::from_ref(feed), true)?;
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
    add(path, feeds, false)
}

fn add(path: &Path, feeds: &[NewFeed], strict: bool) -> Result<AddOutcome, EditError> {
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
                        format!("already listed on line {line}")
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

/// The file being edited, as the closure given to [`edit`] sees it.
struct Editing<'a> {
    path: &'a Path,
    /// The file as it is now (valid).
    config: &'a Config,
    /// 1-based line of each `[[feeds]]` entry's `url` (of its header when it
    /// has none), by index.
    lines: Vec<usize>,
    doc: DocumentMut,
}

impl Editing<'_> {
    /// The index of the one entry `selector` names.
    fn select(&self, selector: Selector<'_>) -> Result<usize, EditError> {
        let matches: Vec<usize> = match selector {
            Selector::Url(url) => {
                let key = canonical(url);
                self.config
                    .feeds
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| canonical(&f.url) == key)
                    .map(|(i, _)| i)
                    .collect()
            }
            Selector::Title(title) => {
                let wanted = title.trim().to_lowercase();
                self.config
                    .feeds
                    .iter()
                    .enumerate()
                    .filter(|(_, f)| f.title.as_ref().is_some_and(|t| t.to_lowercase() == wanted))
                    .map(|(i, _)| i)
                    .collect()
            }
        };
        match matches.as_slice() {
            [] => Err(self.not_found(selector)),
            [i] => Ok(*i),
            many => Err(EditError::Ambiguous {
                path: self.path.to_owned(),
                title: match selector {
                    Selector::Title(t) => t.trim().to_owned(),
                    Selector::Url(u) => u.to_string(),
                },
                matches: many
                    .iter()
                    .filter_map(|&i| {
                        let feed = self.config.feeds.get(i)?;
                        Some((feed.url.clone(), self.lines.get(i).copied().unwrap_or(0)))
                    })
                    .collect(),
            }),
        }
    }

    fn not_found(&self, selector: Selector<'_>) -> EditError {
        EditError::NotFound {
            path: self.path.to_owned(),
            selector: selector.to_string(),
        }
    }

    fn unsupported(&self) -> EditError {
        let line = self.lines.first().copied().unwrap_or(1);
        EditError::Unsupported {
            path: self.path.to_owned(),
            line,
            what: "`feeds` is written as an inline array, not as [[feeds]] tables".to_owned(),
        }
    }

    /// The `[[feeds]]` entries; `None` when there are none yet.
    fn feeds_mut(&mut self) -> Result<Option<&mut ArrayOfTables>, EditError> {
        match self.doc.get("feeds") {
            None => return Ok(None),
            Some(Item::ArrayOfTables(_)) => {}
            Some(_) => return Err(self.unsupported()),
        }
        Ok(self
            .doc
            .get_mut("feeds")
            .and_then(Item::as_array_of_tables_mut))
    }

    fn entry_mut(&mut self, index: usize) -> Result<&mut Table, EditError> {
        let path = self.path.to_owned();
        self.feeds_mut()?
            .and_then(|feeds| feeds.get_mut(index))
            .ok_or(EditError::NotFound {
                path,
                selector: format!("index {index}"),
            })
    }

    /// Sets `key` in entry `index` (see [`change_feed`] for where it goes).
    fn set(&mut self, index: usize, key: &str, value: Value) -> Result<(), EditError> {
        let entry = self.entry_mut(index)?;
        if let Some(Item::Value(old)) = entry.get_mut(key) {
            let decor = old.decor().clone();
            let mut value = value;
            *value.decor_mut() = decor;
            *old = value;
            return Ok(());
        }
        let style = KeyStyle::of(entry, key);
        entry.insert(key, Item::Value(value));
        style.apply(entry, key);
        Ok(())
    }

    /// Appends an entry after the last `[[feeds]]` entry, spaced from it as
    /// it is spaced from the one before (the blank lines that lead its
    /// prefix), keys spaced as the last entry's keys are.
    fn append(&mut self, feed: &NewFeed) -> Result<(), EditError> {
        let mut entry = Table::new();
        let mut keys: Vec<(&str, Value)> = vec![("url", Value::from(feed.url.as_str()))];
        if let Some(title) = &feed.title {
            keys.push(("title", Value::from(title.as_str())));
        }
        if let Some(category) = &feed.category {
            keys.push(("category", Value::from(category.as_str())));
        }
        if let Some(schedule) = &feed.schedule {
            keys.push(("schedule", Value::from(schedule.as_str())));
        }
        if !feed.enabled {
            keys.push(("enabled", Value::from(false)));
        }
        let position = self.next_position();
        let Some(feeds) = self.feeds_mut()? else {
            entry.decor_mut().set_prefix("\n");
            entry.set_position(Some(position));
            for (key, value) in keys {
                entry.insert(key, Item::Value(value));
            }
            let mut feeds = ArrayOfTables::new();
            feeds.push(entry);
            self.doc.insert("feeds", Item::ArrayOfTables(feeds));
            return Ok(());
        };
        let last = feeds.iter().last();
        let spacing = last
            .and_then(|t| t.decor().prefix())
            .and_then(|p| p.as_str())
            .map(leading_blank_lines)
            .unwrap_or_default();
        // A lone entry at the top of the file shows no spacing to copy.
        let spacing = if spacing.is_empty() && feeds.len() == 1 {
            "\n".to_owned()
        } else {
            spacing
        };
        entry.decor_mut().set_prefix(spacing);
        for (key, value) in keys {
            let style = last.map(|t| KeyStyle::of(t, key));
            entry.insert(key, Item::Value(value));
            if let Some(style) = style {
                style.apply(&mut entry, key);
            }
        }
        // No position: a table without one is rendered right after the
        // table before it in the document tree, i.e. the last entry, even
        // when other tables follow the entries in the file.
        feeds.push(entry);
        Ok(())
    }

    /// A position after every table, for the first `[[feeds]]` entry.
    fn next_position(&self) -> isize {
        let mut max = 0;
        visit_tables(self.doc.as_table(), &mut |t| {
            max = max.max(t.position().unwrap_or(0));
        });
        max + 1
    }

    /// Removes entry `index` and its attached comment block; a detached part
    /// of its prefix (anything up to and including the last blank line that
    /// holds a comment) is moved onto whatever follows, so comments about
    /// the section survive the removal of its first entry.
    fn remove(&mut self, index: usize) -> Result<(), EditError> {
        let path = self.path.to_owned();
        let Some(feeds) = self.feeds_mut()? else {
            return Err(EditError::NotFound {
                path,
                selector: format!("index {index}"),
            });
        };
        if index >= feeds.len() {
            return Err(EditError::NotFound {
                path,
                selector: format!("index {index}"),
            });
        }
        let removed = feeds.remove(index);
        if feeds.is_empty() {
            self.doc.remove("feeds");
        }
        let prefix = removed
            .decor()
            .prefix()
            .and_then(|p| p.as_str())
            .unwrap_or("");
        let detached = detached_part(prefix);
        if !detached.lines().any(|l| l.trim_start().starts_with('#')) {
            return Ok(());
        }
        let after = removed.position();
        let next = after.and_then(|after| {
            let mut next: Option<isize> = None;
            visit_tables(self.doc.as_table(), &mut |t| {
                if let Some(p) = t.position()
                    && p > after
                    && !t.is_implicit()
                    && next.is_none_or(|n| p < n)
                {
                    next = Some(p);
                }
            });
            next
        });
        let mut moved = false;
        if let Some(next) = next {
            visit_tables_mut(self.doc.as_table_mut(), &mut |t| {
                if !moved && t.position() == Some(next) {
                    let own = t
                        .decor()
                        .prefix()
                        .and_then(|p| p.as_str())
                        .unwrap_or("")
                        .to_owned();
                    let own = own.trim_start_matches(|c: char| {
                        c == '\n' || c == '\r' || c == ' ' || c == '\t'
                    });
                    t.decor_mut().set_prefix(format!("{detached}{own}"));
                    moved = true;
                }
            });
        }
        if !moved {
            // Nothing follows: the comment goes to the end of the file.
            let trailing = self.doc.trailing().as_str().unwrap_or("").to_owned();
            let kept = detached.trim_end_matches(['\n', '\r', ' ', '\t']);
            self.doc.set_trailing(format!("{kept}\n{trailing}"));
        }
        Ok(())
    }
}

/// How a key is written in a neighbouring entry (indentation, spacing
/// around `=`): the same key if the neighbour has it, else its first key.
struct KeyStyle {
    key: Option<toml_edit::Decor>,
    value_prefix: Option<String>,
}

impl KeyStyle {
    fn of(neighbour: &Table, key: &str) -> Self {
        let found = neighbour.get_key_value(key).or_else(|| {
            neighbour
                .iter()
                .next()
                .and_then(|(k, _)| neighbour.get_key_value(k))
        });
        let Some((k, item)) = found else {
            return Self {
                key: None,
                value_prefix: None,
            };
        };
        // Only whitespace is style; a comment belongs to that key.
        let ws = |s: Option<&toml_edit::RawString>| {
            s.and_then(|s| s.as_str())
                .map(|s| s.rsplit('\n').next().unwrap_or("").to_owned())
                .filter(|s| s.chars().all(|c| c == ' ' || c == '\t'))
        };
        let decor = k.leaf_decor();
        let key_decor = match (ws(decor.prefix()), ws(decor.suffix())) {
            (Some(prefix), Some(suffix)) => Some(toml_edit::Decor::new(prefix, suffix)),
            _ => None,
        };
        let value_prefix = item.as_value().and_then(|v| ws(v.decor().prefix()));
        Self {
            key: key_decor,
            value_prefix,
        }
    }

    fn apply(&self, table: &mut Table, key: &str) {
        if let (Some(decor), Some(mut k)) = (&self.key, table.key_mut(key)) {
            *k.leaf_decor_mut() = decor.clone();
        }
        if let (Some(prefix), Some(Item::Value(v))) = (&self.value_prefix, table.get_mut(key)) {
            v.decor_mut().set_prefix(prefix.clone());
        }
    }
}

/// The blank lines a prefix starts with: the spacing between entries.
fn leading_blank_lines(prefix: &str) -> String {
    prefix
        .split_inclusive('\n')
        .take_while(|l| l.trim().is_empty() && l.ends_with('\n'))
        .collect()
}

/// The part of a header's prefix that is not attached to it: everything up
/// to and including the last blank line.
fn detached_part(prefix: &str) -> String {
    let lines: Vec<&str> = prefix.split_inclusive('\n').collect();
    match lines.iter().rposition(|l| l.trim().is_empty()) {
        Some(last_blank) => lines.iter().take(last_blank + 1).copied().collect(),
        None => String::new(),
    }
}

fn visit_tables(table: &Table, f: &mut impl FnMut(&Table)) {
    f(table);
    for (_, item) in table.iter() {
        match item {
            Item::Table(t) => visit_tables(t, f),
            Item::ArrayOfTables(a) => a.iter().for_each(|t| visit_tables(t, f)),
            _ => {}
        }
    }
}

fn visit_tables_mut(table: &mut Table, f: &mut impl FnMut(&mut Table)) {
    f(table);
    for (_, item) in table.iter_mut() {
        match item {
            Item::Table(t) => visit_tables_mut(t, f),
            Item::ArrayOfTables(a) => a.iter_mut().for_each(|t| visit_tables_mut(t, f)),
            _ => {}
        }
    }
}

/// 1-based line of each `[[feeds]]` entry's `url` value (its header when it
/// has no url), by index; empty if the text does not parse.
fn feed_lines(text: &str) -> Vec<usize> {
    let Ok(doc) = toml_edit::Document::parse(text) else {
        return Vec::new();
    };
    let line = |offset: usize| text.get(..offset).map_or(0, |s| s.matches('\n').count()) + 1;
    let Some(Item::ArrayOfTables(feeds)) = doc.get("feeds") else {
        return Vec::new();
    };
    feeds
        .iter()
        .map(|t| {
            t.get("url")
                .and_then(Item::span)
                .or_else(|| t.span())
                .map_or(0, |s| line(s.start))
        })
        .collect()
}

fn read(path: &Path) -> Result<String, EditError> {
    fs::read_to_string(path).map_err(|source| {
        EditError::Config(Error::Read {
            path: path.to_owned(),
            source,
        })
    })
}

/// The configuration as written, with the line of each entry (by index).
type Written = (Config, Vec<usize>);

/// The whole edit protocol (see the module docs). `apply` changes the
/// document and says whether there is anything to write; on a write, the
/// new configuration and its entry lines come back with `apply`'s value.
fn edit<T>(
    path: &Path,
    apply: impl FnOnce(&mut Editing<'_>) -> Result<(T, bool), EditError>,
) -> Result<(Option<Written>, T), EditError> {
    // Write where the file really is: renaming over a symlink would replace
    // the link with a file.
    let real = fs::canonicalize(path).map_err(|source| {
        EditError::Config(Error::Read {
            path: path.to_owned(),
            source,
        })
    })?;
    let lock_path = sidecar(&real, ".lock");
    // Read access is enough for an advisory lock: opening an existing lock
    // file read-only means one left behind by `sudo feedloom …` does not
    // lock the file's owner out. Only a missing one is created.
    let lock = OpenOptions::new()
        .read(true)
        .open(&lock_path)
        .or_else(|_| {
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&lock_path)
        })
        .map_err(|source| EditError::Lock {
            path: lock_path.clone(),
            source,
        })?;
    // Blocks until the other editor is done (`File::lock`, std since 1.89).
    lock.lock().map_err(|source| EditError::Lock {
        path: lock_path.clone(),
        source,
    })?;

    let text = read(&real)?;
    let config = validate::from_str(&text, path)?;
    let doc = toml_edit::Document::parse(text.clone())
        .map_err(|e| EditError::Unsupported {
            path: path.to_owned(),
            line: 1,
            what: format!("the TOML editor cannot read this file ({})", e.message()),
        })?
        .into_mut();
    let mut file = Editing {
        path,
        config: &config,
        lines: feed_lines(&text),
        doc,
    };
    let (value, write) = apply(&mut file)?;
    if !write {
        return Ok((None, value));
    }
    let mut new_text = file.doc.to_string();
    // toml_edit writes `\n`; a file written with CRLF stays CRLF, or every
    // line of it would change.
    if text.contains("\r\n") {
        new_text = new_text.replace("\r\n", "\n").replace('\n', "\r\n");
    }
    let new_config = match validate::from_str(&new_text, path) {
        Ok(config) => config,
        Err(Error::Invalid { problems, .. }) => {
            return Err(EditError::WouldBeInvalid {
                path: path.to_owned(),
                problems,
            });
        }
        Err(e) => return Err(EditError::Config(e)),
    };
    write_atomically(&real, new_text.as_bytes()).map_err(|source| EditError::Write {
        path: path.to_owned(),
        source,
    })?;
    drop(lock);
    let lines = feed_lines(&new_text);
    Ok((Some((new_config, lines)), value))
}

/// `path` with `suffix` appended to its file name.
fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// Replaces `path` with `bytes` so that readers see the old or the new file,
/// never a mix, and a crash leaves one of them: a temp file in the same
/// folder (same file system, so the rename is atomic), fsynced, with the
/// original's permissions and owner, renamed over, then the folder fsynced
/// so the rename itself is durable.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let original = fs::metadata(path)?;
    let (temp_path, mut temp) = loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let candidate = sidecar(path, &format!(".{}.{n}.tmp", std::process::id()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(file) => break (candidate, file),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    };
    let result = (|| {
        keep_owner(&temp, &original)?;
        temp.set_permissions(original.permissions())?;
        temp.write_all(bytes)?;
        temp.sync_all()?;
        fs::rename(&temp_path, path)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp_path);
        return Err(e);
    }
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Gives the temp file the original's owner and group: root editing
/// `/etc/feedloom/feedloom.toml` (root:feedloom, 0640) must not leave a file
/// the daemon can no longer read. Failing that when it matters is an error.
#[cfg(unix)]
fn keep_owner(temp: &File, original: &fs::Metadata) -> std::io::Result<()> {
    use std::os::unix::fs::MetadataExt;
    let mine = temp.metadata()?;
    if (mine.uid(), mine.gid()) == (original.uid(), original.gid()) {
        return Ok(());
    }
    std::os::unix::fs::fchown(temp, Some(original.uid()), Some(original.gid()))
}

#[cfg(not(unix))]
fn keep_owner(_temp: &File, _original: &fs::Metadata) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests;
