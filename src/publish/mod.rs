//! Stored stories out as documents: Atom, RSS 2.0, JSON Feed, HTML, OPML,
//! and the HTML search page.
//! Pure rendering: the caller reads the stories from the store and decides
//! where the bytes go; nothing here does I/O.

pub mod atom;
pub mod html;
pub mod jsonfeed;
mod markup;
pub mod opml;
pub mod rss;
pub mod search;
mod search_form;

use chrono::{DateTime, Utc};
use url::Url;

/// Where the documents live below [`FeedMeta::site_url`]. The HTML pages
/// link to these (autodiscovery and footer), so the HTTP server must serve
/// the documents at exactly these paths.
pub const ATOM_PATH: &str = "feed.atom";
pub const RSS_PATH: &str = "feed.rss";
pub const JSON_FEED_PATH: &str = "feed.json";
pub const OPML_PATH: &str = "opml";

/// What a rendered document says about itself and where things live.
#[derive(Debug, Clone)]
pub struct FeedMeta {
    pub title: String,
    /// The topic's home, ending in `/`: its HTML river is here and its
    /// feeds are [`ATOM_PATH`] and friends below it. For the default topic
    /// it is `public_url`; for another, `public_url` + `topics/{slug}/`.
    pub site_url: Url,
    /// The site's base URL (`public_url`): story pages are `stories/{uid}`
    /// below it, whatever topic lists them.
    pub root_url: Url,
    /// This document's own absolute URL (the feed's `self` link).
    pub self_url: Url,
    /// When the newest of the stories last changed; the feed's `updated`.
    pub updated: DateTime<Utc>,
}

impl FeedMeta {
    /// The page of one story on this site: the link of a seed article, and
    /// the "permalink" of every story.
    pub fn story_url(&self, uid: &str) -> String {
        format!("{}stories/{uid}", self.root_url)
    }
}

#[cfg(test)]
mod tests;
