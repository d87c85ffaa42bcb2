//! What an edit is asked to do: the entry to add ([`NewFeed`]), the keys to
//! change ([`FeedChange`]) and which entry is meant ([`Selector`], parsed
//! from the CLI's `URL|TITLE` argument by [`SelectorArg`]). Plain data the
//! CLI builds and the document code reads, so both can depend on it.

use std::fmt;

use url::Url;

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
    pub category: Option<String>,
    /// `Some(true)` writes `full_text = true`; `Some(false)` takes the key
    /// out (false is the default).
    pub full_text: Option<bool>,
    /// Keys to take out of the entry, so that their default applies again.
    pub remove: Vec<OptionalKey>,
}

/// An entry's key that may be left out, and what applies then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OptionalKey {
    /// The feed's own title.
    Title,
    /// The global `schedule`.
    Schedule,
    /// No category.
    Category,
}

impl OptionalKey {
    /// The key as written in the file.
    pub fn key(self) -> &'static str {
        match self {
            Self::Title => "title",
            Self::Schedule => "schedule",
            Self::Category => "category",
        }
    }
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
