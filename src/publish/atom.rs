//! Atom 1.0 (RFC 4287): the feed readers' first choice, and the format that
//! can say the most about provenance (`via` links per source).

use super::FeedMeta;
use super::markup::{self, Xml};
use crate::store::StoredStory;

const NS: &str = "http://www.w3.org/2005/Atom";

/// Renders `stories` (already ordered and limited) as a complete document.
///
/// Every entry has an id that never changes (`urn:uuid:` from the story's
/// public id), an author (Atom requires one; see `markup::author`), and the
/// full sanitized HTML as `<content type="html">`.
pub fn render(meta: &FeedMeta, stories: &[StoredStory]) -> String {
    let mut xml = Xml::new();
    xml.open("feed", &[("xmlns", NS)]);
    xml.leaf("id", &[], &markup::feed_id(meta));
    xml.leaf("title", &[("type", "text")], &meta.title);
    xml.leaf("updated", &[], &markup::rfc3339(&meta.updated));
    xml.empty(
        "link",
        &[
            ("rel", "self"),
            ("type", "application/atom+xml"),
            ("href", meta.self_url.as_str()),
        ],
    );
    xml.empty(
        "link",
        &[
            ("rel", "alternate"),
            ("type", "text/html"),
            ("href", meta.site_url.as_str()),
        ],
    );
    xml.leaf(
        "generator",
        &[
            ("uri", "https://github.com/feedloom/feedloom"),
            ("version", env!("CARGO_PKG_VERSION")),
        ],
        "feedloom",
    );
    for story in stories {
        entry(&mut xml, meta, story);
    }
    xml.close("feed");
    xml.finish()
}

fn entry(xml: &mut Xml, meta: &FeedMeta, story: &StoredStory) {
    let link = markup::story_link(meta, story);
    let page = meta.story_url(&story.uid);
    xml.open("entry", &[]);
    xml.leaf("id", &[], &markup::entry_id(&story.uid));
    xml.leaf("title", &[("type", "text")], &story.title);
    xml.empty(
        "link",
        &[("rel", "alternate"), ("type", "text/html"), ("href", &link)],
    );
    // The page on this site lists every source; the alternate already is
    // that page for a story without an original.
    if link != page {
        xml.empty(
            "link",
            &[("rel", "related"), ("type", "text/html"), ("href", &page)],
        );
    }
    for source in &story.sources {
        if let Some(href) = markup::source_link(source) {
            xml.empty(
                "link",
                &[
                    ("rel", "via"),
                    ("href", &href),
                    ("title", markup::source_name(source)),
                ],
            );
        }
    }
    // The other members of its near-duplicate cluster: the same event as
    // other outlets wrote it.
    for report in &story.also_reported_by {
        if let Some(href) = markup::report_link(report) {
            xml.empty(
                "link",
                &[
                    ("rel", "related"),
                    ("type", "text/html"),
                    ("href", &href),
                    ("title", markup::report_name(report)),
                ],
            );
        }
    }
    // `published` only for a story with a date (`StoredStory::date`).
    // Atom requires `updated` on every entry: when this entry last changed
    // here (stored, edited, joined by a member), which is true of an
    // undated seed too, and claims nothing about when it was written.
    if let Some(date) = story.date() {
        xml.leaf("published", &[], &markup::rfc3339(&date));
    }
    xml.leaf("updated", &[], &markup::rfc3339(&story.changed_at));
    xml.open("author", &[]);
    xml.leaf("name", &[], markup::author(meta, story));
    xml.close("author");
    xml.leaf("content", &[("type", "html")], &markup::feed_content(story));
    xml.close("entry");
}
