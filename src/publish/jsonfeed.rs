//! JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>).
//!
//! Provenance goes in the `_feedloom` extension object, as the spec asks of
//! extensions: readers that do not know it ignore it.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use super::{FeedMeta, markup};
use crate::store::{Origin, StoredStory};

const VERSION: &str = "https://jsonfeed.org/version/1.1";

#[derive(Serialize)]
struct Document<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    items: Vec<ItemOut<'a>>,
}

#[derive(Serialize)]
struct ItemOut<'a> {
    id: &'a str,
    url: String,
    title: &'a str,
    content_html: &'a str,
    content_text: &'a str,
    /// The feed's teaser, for a story that holds the whole article.
    #[serde(skip_serializing_if = "Option::is_none")]
    summary: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_modified: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    authors: Vec<Author<'a>>,
    #[serde(rename = "_feedloom")]
    feedloom: Extension<'a>,
}

#[derive(Serialize)]
struct Author<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct Extension<'a> {
    about: &'static str,
    origin: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<&'a str>,
    first_seen: String,
    sources: Vec<SourceOut<'a>>,
    /// The other members of the story's near-duplicate cluster.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    also_reported_by: Vec<ReportOut<'a>>,
}

#[derive(Serialize)]
struct ReportOut<'a> {
    /// The member's own id (its page is `/stories/{id}`).
    id: &'a str,
    /// Only http(s): readers turn it into a link.
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    title: &'a str,
    feed_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    feed_title: Option<&'a str>,
}

#[derive(Serialize)]
struct SourceOut<'a> {
    feed_url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    feed_title: Option<&'a str>,
    guid: &'a str,
    /// Only http(s): readers turn it into a link.
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    seen_at: String,
}

/// Renders `stories` (already in the order wanted) as a JSON Feed 1.1
/// document, pretty-printed.
pub fn render(meta: &FeedMeta, stories: &[StoredStory]) -> Result<String, serde_json::Error> {
    let document = Document {
        version: VERSION,
        title: &meta.title,
        home_page_url: meta.site_url.as_str(),
        feed_url: meta.self_url.as_str(),
        items: stories.iter().map(|story| item(meta, story)).collect(),
    };
    serde_json::to_string_pretty(&document)
}

fn item<'a>(meta: &FeedMeta, story: &'a StoredStory) -> ItemOut<'a> {
    ItemOut {
        id: &story.uid,
        // The original article; a seed without one links to its own page.
        url: story
            .link
            .clone()
            .unwrap_or_else(|| meta.story_url(&story.uid)),
        title: &story.title,
        content_html: &story.content_html,
        content_text: &story.content_text,
        summary: story.summary.as_deref(),
        date_published: story.date().as_ref().map(rfc3339),
        date_modified: story.updated_at.as_ref().map(rfc3339),
        authors: story
            .author
            .as_deref()
            .map(|name| vec![Author { name }])
            .unwrap_or_default(),
        feedloom: Extension {
            about: "https://github.com/feedloom/feedloom#json-feed-extension",
            origin: match story.origin {
                Origin::Seed => "seed",
                Origin::Feed => "feed",
            },
            seed: story.seed_key.as_deref(),
            first_seen: rfc3339(&story.first_seen_at),
            sources: story
                .sources
                .iter()
                .map(|source| SourceOut {
                    feed_url: &source.feed_url,
                    feed_title: source.feed_title.as_deref(),
                    guid: &source.guid,
                    url: source.link.as_deref().and_then(markup::safe_url),
                    seen_at: rfc3339(&source.seen_at),
                })
                .collect(),
            also_reported_by: story
                .also_reported_by
                .iter()
                .map(|report| ReportOut {
                    id: &report.uid,
                    url: report.link.as_deref().and_then(markup::safe_url),
                    title: &report.title,
                    feed_url: &report.feed_url,
                    feed_title: report.feed_title.as_deref(),
                })
                .collect(),
        },
    }
}

fn rfc3339(time: &DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}
