//! The `toml_edit` side of an edit: finding an entry, setting a key,
//! appending and removing `[[feeds]]` entries, all in the style of the
//! neighbouring text (indentation, spacing around `=`, blank lines between
//! entries, comments attached to an entry or to its section). The only part
//! of `edit` that knows how the file is laid out.

use std::path::Path;

use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, Value};

use super::error::EditError;
use super::request::{NewFeed, Selector};
use crate::config::types::{Config, canonical};

/// The file being edited, as the closure given to
/// [`edit`](super::protocol::edit) sees it.
pub(super) struct Editing<'a> {
    path: &'a Path,
    /// The file as it is now (valid).
    pub(super) config: &'a Config,
    /// 1-based line of each `[[feeds]]` entry's `url` (of its header when it
    /// has none), by index.
    pub(super) lines: Vec<usize>,
    doc: DocumentMut,
}

impl<'a> Editing<'a> {
    /// `text` (the file at `path`, which validated as `config`) ready to
    /// edit; a file the TOML editor cannot read is refused, not guessed at.
    pub(super) fn new(path: &'a Path, config: &'a Config, text: &str) -> Result<Self, EditError> {
        let doc = toml_edit::Document::parse(text.to_owned())
            .map_err(|e| EditError::Unsupported {
                path: path.to_owned(),
                line: 1,
                what: format!("the TOML editor cannot read this file ({})", e.message()),
            })?
            .into_mut();
        Ok(Self {
            path,
            config,
            lines: feed_lines(text),
            doc,
        })
    }

    /// The edited text, every untouched byte as it was.
    pub(super) fn render(&self) -> String {
        self.doc.to_string()
    }

    /// The index of the one entry `selector` names.
    pub(super) fn select(&self, selector: Selector<'_>) -> Result<usize, EditError> {
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

    pub(super) fn not_found(&self, selector: Selector<'_>) -> EditError {
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

    /// Sets `key` in entry `index` (see [`change_feed`](super::change_feed) for where
    /// it goes).
    pub(super) fn set(&mut self, index: usize, key: &str, value: Value) -> Result<(), EditError> {
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

    /// Takes `key` out of entry `index`, with its line (and a comment on
    /// that line); a key that is not there is left so.
    pub(super) fn unset(&mut self, index: usize, key: &str) -> Result<(), EditError> {
        self.entry_mut(index)?.remove(key);
        Ok(())
    }

    /// Appends an entry after the last `[[feeds]]` entry, spaced from it as
    /// it is spaced from the one before (the blank lines that lead its
    /// prefix), keys spaced as the last entry's keys are. Comment lines
    /// right under the last entry's keys stay with it; a comment after a
    /// blank line (the file's closing words, or the next table's) stays
    /// after the new entries.
    pub(super) fn append(&mut self, feed: &NewFeed) -> Result<(), EditError> {
        let attached = self.take_comment_under_last_entry();
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
        // The blank lines before the last entry, after the comment lines
        // that belong to the entry above it.
        let spacing = last
            .and_then(|t| t.decor().prefix())
            .and_then(|p| p.as_str())
            .map(|p| leading_blank_lines(split_attached(p, false).1))
            .unwrap_or_default();
        // A lone entry at the top of the file shows no spacing to copy.
        let spacing = if spacing.is_empty() && feeds.len() == 1 {
            "\n".to_owned()
        } else {
            spacing
        };
        entry.decor_mut().set_prefix(format!("{attached}{spacing}"));
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

    /// Adds `name` to `[fetch] allow_private`, making the key (after the
    /// table's last key, spaced as its first) when it is not there. A file
    /// without a `[fetch]` table is refused rather than given one, since
    /// where a new table belongs among the user's is theirs to say.
    pub(super) fn allow_private(&mut self, name: &str) -> Result<(), EditError> {
        let line = self
            .render()
            .lines()
            .position(|l| l.trim_start().starts_with("[fetch]"))
            .map_or(1, |i| i + 1);
        let path = self.path.to_owned();
        let unsupported = |what: &str| EditError::Unsupported {
            path: path.clone(),
            line,
            what: what.to_owned(),
        };
        let Some(Item::Table(fetch)) = self.doc.get_mut("fetch") else {
            return Err(unsupported(&format!(
                "nothing added: the file has no [fetch] table to list \"{name}\" in \
                 allow_private; add `[fetch]` with `allow_private = [\"{name}\"]`"
            )));
        };
        match fetch.get_mut("allow_private") {
            Some(Item::Value(Value::Array(names))) => {
                names.push(name);
                Ok(())
            }
            Some(_) => Err(unsupported("[fetch] allow_private is not an array")),
            None => {
                let style = KeyStyle::of(fetch, "allow_private");
                let names: toml_edit::Array = std::iter::once(name).collect();
                fetch.insert("allow_private", Item::Value(Value::Array(names)));
                style.apply(fetch, "allow_private");
                Ok(())
            }
        }
    }

    /// Takes the comment lines written right under the last `[[feeds]]`
    /// entry's keys (no blank line between) out of what holds them in the
    /// document: the prefix of the table that follows, when a blank line
    /// separates them from that table's header, or the document's trailing
    /// text, when the entry is the last table. An entry added after it
    /// carries them in its prefix, so they stay under the entry they are
    /// about instead of moving below the new ones. Only an entry read from
    /// the file has a position; after the first entry added, nothing is
    /// left to take.
    fn take_comment_under_last_entry(&mut self) -> String {
        let Some(Item::ArrayOfTables(feeds)) = self.doc.get("feeds") else {
            return String::new();
        };
        let Some(after) = feeds.iter().last().and_then(Table::position) else {
            return String::new();
        };
        let Some(next) = self.next_table_after(after) else {
            let trailing = self.doc.trailing().as_str().unwrap_or("").to_owned();
            let (attached, rest) = split_attached(&trailing, false);
            let attached = attached.to_owned();
            self.doc.set_trailing(rest);
            return attached;
        };
        let mut attached = String::new();
        visit_tables_mut(self.doc.as_table_mut(), &mut |t| {
            if attached.is_empty() && t.position() == Some(next) {
                let prefix = t
                    .decor()
                    .prefix()
                    .and_then(|p| p.as_str())
                    .unwrap_or("")
                    .to_owned();
                let (taken, rest) = split_attached(&prefix, true);
                attached = taken.to_owned();
                if !attached.is_empty() {
                    t.decor_mut().set_prefix(rest);
                }
            }
        });
        attached
    }

    /// The position of the first table written after position `after`
    /// (an implicit table has no header of its own to come after).
    fn next_table_after(&self, after: isize) -> Option<isize> {
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
    pub(super) fn remove(&mut self, index: usize) -> Result<(), EditError> {
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
        let next = after.and_then(|after| self.next_table_after(after));
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

/// Splits the text that follows an entry's last key into the comment lines
/// right under it (they belong to the entry) and the rest. With
/// `before_header` (the text is the next table's prefix), comment lines
/// count as the entry's only when a blank line follows them: without one,
/// they lead into that header and are its own.
fn split_attached(text: &str, before_header: bool) -> (&str, &str) {
    let mut end = 0;
    for line in text.split_inclusive('\n') {
        if !line.trim_start().starts_with('#') {
            break;
        }
        end += line.len();
    }
    let rest = &text[end..];
    let blank_follows = rest
        .split_inclusive('\n')
        .next()
        .is_some_and(|line| line.trim().is_empty() && line.ends_with('\n'));
    if end == 0 || (before_header && !blank_follows) || !text[..end].ends_with('\n') {
        return ("", text);
    }
    (&text[..end], rest)
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
pub(super) fn feed_lines(text: &str) -> Vec<usize> {
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
