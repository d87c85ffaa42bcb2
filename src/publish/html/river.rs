//! The river: a topic's stories, newest first, a page at a time. Each story
//! is a headline (to its page here), the outlets that carried it (to their
//! articles), when, a short summary, and the other outlets that reported
//! the same event.

use std::fmt::Write as _;

use super::{
    MAX_PAGE, PageKind, Paging, TopicLink, distinct_outlets, link_or_text, member_href, page,
    sources_line, summary, time,
};
use crate::publish::FeedMeta;
use crate::publish::markup::{self, escape};
use crate::store::{Origin, StoredStory};

/// Characters of text shown per story: two or three lines on a desktop,
/// enough to tell what the story says, short enough to scan a page.
const SUMMARY_CHARS: usize = 280;

/// Outlets named in a story's line before "and N more".
const RIVER_SOURCES: usize = 3;

/// Other outlets named in "Also reported by" before "and N more" (the
/// story page lists them all).
const RIVER_ALSO: usize = 5;

/// The river page `paging` of `stories` (already the page's stories, newest
/// first). `topics` is every topic, for the header; the one at
/// [`FeedMeta::site_url`] is marked current.
pub fn river(
    meta: &FeedMeta,
    topics: &[TopicLink],
    paging: Paging,
    stories: &[StoredStory],
) -> String {
    let mut main = String::new();
    if paging.page > 1 && !stories.is_empty() {
        let _ = writeln!(
            main,
            "<p class=\"meta pageno\">Page {}: older stories</p>",
            paging.page
        );
    }
    if stories.is_empty() && paging.page > 1 {
        let _ = writeln!(
            main,
            "<p class=\"empty\">No older stories. <a href=\"{}\">Back to the newest</a></p>",
            escape(&page_url(meta, 1, paging.limit))
        );
    } else if stories.is_empty() {
        main.push_str(
            "<p class=\"empty\">No stories yet. feedloom checks its feeds on their schedules; \
             new stories appear here as they are found.</p>\n",
        );
    }
    for story in stories {
        item(&mut main, meta, story);
    }
    if !stories.is_empty() {
        paging_nav(&mut main, meta, paging);
    }
    let title = if paging.page > 1 {
        format!("{} · page {}", meta.title, paging.page)
    } else {
        meta.title.clone()
    };
    page(meta, topics, PageKind::River, &title, &main)
}

/// One story on the river.
fn item(out: &mut String, meta: &FeedMeta, story: &StoredStory) {
    let _ = write!(
        out,
        "<article class=\"story\">\n<h2><a href=\"{}\">{}</a></h2>\n<p class=\"meta\">",
        escape(&meta.story_url(&story.uid)),
        escape(&story.title),
    );
    if story.origin == Origin::Seed {
        out.push_str(
            "<span class=\"tag\" title=\"One of the articles that define this topic\">Seed article</span> · ",
        );
    }
    if !story.sources.is_empty() {
        out.push_str(&sources_line(&story.sources, RIVER_SOURCES));
        out.push_str(" · ");
    }
    out.push_str(&time(&markup::published(story)));
    out.push_str("</p>\n");
    let summary = summary(&story.title, &story.content_text, SUMMARY_CHARS);
    if !summary.is_empty() {
        let _ = writeln!(out, "<p class=\"summary\">{}</p>", escape(&summary));
    }
    let outlets = distinct_outlets(&story.also_reported_by);
    if !outlets.is_empty() {
        out.push_str("<p class=\"also\">Also reported by: ");
        for (i, (member, name)) in outlets.iter().take(RIVER_ALSO).enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(&link_or_text(
                Some(&member_href(meta, member)),
                name,
                Some(&member.title),
            ));
        }
        if outlets.len() > RIVER_ALSO {
            let _ = write!(
                out,
                " and <a href=\"{}#also\">{} more</a>",
                escape(&meta.story_url(&story.uid)),
                outlets.len() - RIVER_ALSO
            );
        }
        out.push_str("</p>\n");
    }
    out.push_str("</article>\n");
}

/// "← Newer" and "Older stories →", each only where there is a page to go
/// to; nothing at all on a first page with nothing older.
fn paging_nav(out: &mut String, meta: &FeedMeta, paging: Paging) {
    let older = paging.has_older && paging.page < MAX_PAGE;
    if paging.page <= 1 && !older {
        return;
    }
    out.push_str("<nav class=\"paging\" aria-label=\"Pages\">\n");
    if paging.page > 1 {
        let _ = writeln!(
            out,
            "<a class=\"newer\" rel=\"prev\" href=\"{}\"><span aria-hidden=\"true\">←</span> Newer</a>",
            escape(&page_url(meta, paging.page - 1, paging.limit))
        );
        let _ = writeln!(out, "<span>Page {}</span>", paging.page);
    }
    if older {
        let _ = writeln!(
            out,
            "<a class=\"older\" rel=\"next\" href=\"{}\">Older stories <span aria-hidden=\"true\">→</span></a>",
            escape(&page_url(meta, paging.page + 1, paging.limit))
        );
    }
    out.push_str("</nav>\n");
}

/// The river's URL for `page` (the plain topic URL for the first page),
/// keeping a non-default `limit`.
fn page_url(meta: &FeedMeta, page: usize, limit: Option<usize>) -> String {
    let mut query = Vec::new();
    if page > 1 {
        query.push(format!("page={page}"));
    }
    if let Some(limit) = limit {
        query.push(format!("limit={limit}"));
    }
    let mut url = meta.site_url.clone();
    url.set_query(None);
    url.set_fragment(None);
    if !query.is_empty() {
        url.set_query(Some(&query.join("&")));
    }
    url.into()
}
