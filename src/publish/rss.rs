//! RSS 2.0 (<https://www.rssboard.org/rss-specification>), for the readers
//! and scripts that only speak RSS. Atom namespace for the `self` link (as the
//! RSS Advisory Board recommends), Dublin Core for the author, since RSS's own
//! `<author>` must be an e-mail address.

use super::FeedMeta;
use super::markup::{self, Xml};
use crate::store::StoredStory;

const ATOM_NS: &str = "http://www.w3.org/2005/Atom";
const DC_NS: &str = "http://purl.org/dc/elements/1.1/";
const DOCS: &str = "https://www.rssboard.org/rss-specification";

/// Renders `stories` (already ordered and limited) as a complete document.
///
/// Items carry the same permanent id as the Atom entries (`urn:uuid:…`, as a
/// `guid` with `isPermaLink="false"`) and the full sanitized HTML, escaped,
/// in `description`.
pub fn render(meta: &FeedMeta, stories: &[StoredStory]) -> String {
    let mut xml = Xml::new();
    xml.open(
        "rss",
        &[
            ("version", "2.0"),
            ("xmlns:atom", ATOM_NS),
            ("xmlns:dc", DC_NS),
        ],
    );
    xml.open("channel", &[]);
    xml.leaf("title", &[], &meta.title);
    xml.leaf("link", &[], meta.site_url.as_str());
    xml.leaf(
        "description",
        &[],
        &format!("{}: stories merged from many feeds by feedloom", meta.title),
    );
    xml.leaf("lastBuildDate", &[], &markup::rfc2822(&meta.updated));
    xml.leaf(
        "generator",
        &[],
        &format!("feedloom {}", env!("CARGO_PKG_VERSION")),
    );
    xml.leaf("docs", &[], DOCS);
    xml.empty(
        "atom:link",
        &[
            ("href", meta.self_url.as_str()),
            ("rel", "self"),
            ("type", "application/rss+xml"),
        ],
    );
    for story in stories {
        item(&mut xml, meta, story);
    }
    xml.close("channel");
    xml.close("rss");
    xml.finish()
}

fn item(xml: &mut Xml, meta: &FeedMeta, story: &StoredStory) {
    xml.open("item", &[]);
    xml.leaf("title", &[], &story.title);
    xml.leaf("link", &[], &markup::story_link(meta, story));
    xml.leaf(
        "guid",
        &[("isPermaLink", "false")],
        &markup::entry_id(&story.uid),
    );
    // Optional in RSS: left out for a story without a date.
    if let Some(date) = story.date() {
        xml.leaf("pubDate", &[], &markup::rfc2822(&date));
    }
    xml.leaf("dc:creator", &[], markup::author(meta, story));
    xml.leaf("description", &[], &markup::feed_content(story));
    // RSS allows one <source>: the feed that carried the story first.
    if let Some(source) = story.sources.first() {
        xml.leaf(
            "source",
            &[("url", &source.feed_url)],
            markup::source_name(source),
        );
    }
    xml.close("item");
}
