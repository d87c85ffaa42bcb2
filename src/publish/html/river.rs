//! The river: a topic's stories, newest first, a page at a time. Each story
//! is a headline (to its page here), the outlets that carried it (to their
//! articles), when, a short summary, and the other outlets that reported
//! the same event.

use std::fmt::Write as _;

use super::chrome::{
    PageKind, TopicLink, link_or_text, member_href, outlet_name, page, sources_line, story_date,
};
use crate::publish::FeedMeta;
use crate::publish::markup::escape;
use crate::store::{AlsoReported, Origin, StoredStory};

/// The last river page there is (`?page=` beyond it is clamped by the
/// server): deep paging costs an OFFSET scan, and a thousand pages of a
/// topic is more than anybody pages through.
pub const MAX_PAGE: usize = 1000;

/// Where a river page is in the topic's stories.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// 1 for the newest stories, up to [`MAX_PAGE`].
    pub page: usize,
    /// Whether older stories exist after this page (the server reads one
    /// story more than it shows to know), so "Older stories" never leads
    /// to an empty page.
    pub has_older: bool,
    /// A `?limit=` the paging links carry, so that page 2 continues the
    /// page the reader is on; `None` when the server's default applies.
    pub limit: Option<usize>,
}

impl Default for Paging {
    fn default() -> Self {
        Self {
            page: 1,
            has_older: false,
            limit: None,
        }
    }
}

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
            escape(&page_url(meta, 1, paging.limit, None))
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
    if let Some(last) = stories.last() {
        paging_nav(&mut main, meta, paging, &last.uid);
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
    out.push_str(&story_date(story));
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
/// to; nothing at all on a first page with nothing older. "Older" names
/// the `last` story shown (`before=`), so the server starts the next page
/// from it by index, however deep, instead of skipping an OFFSET; `page=`
/// stays for the page's number and the "Newer" link.
fn paging_nav(out: &mut String, meta: &FeedMeta, paging: Paging, last: &str) {
    let older = paging.has_older && paging.page < MAX_PAGE;
    if paging.page <= 1 && !older {
        return;
    }
    out.push_str("<nav class=\"paging\" aria-label=\"Pages\">\n");
    if paging.page > 1 {
        let _ = writeln!(
            out,
            "<a class=\"newer\" rel=\"prev\" href=\"{}\"><span aria-hidden=\"true\">←</span> Newer</a>",
            escape(&page_url(meta, paging.page - 1, paging.limit, None))
        );
        let _ = writeln!(out, "<span>Page {}</span>", paging.page);
    }
    if older {
        let _ = writeln!(
            out,
            "<a class=\"older\" rel=\"next\" href=\"{}\">Older stories <span aria-hidden=\"true\">→</span></a>",
            escape(&page_url(meta, paging.page + 1, paging.limit, Some(last)))
        );
    }
    out.push_str("</nav>\n");
}

/// The river's URL for `page` (the plain topic URL for the first page),
/// keeping a non-default `limit`, and starting `before` a story (its uid)
/// when given.
fn page_url(meta: &FeedMeta, page: usize, limit: Option<usize>, before: Option<&str>) -> String {
    let mut query = Vec::new();
    if page > 1 {
        query.push(format!("page={page}"));
    }
    if let Some(limit) = limit {
        query.push(format!("limit={limit}"));
    }
    if let Some(before) = before {
        query.push(format!("before={before}"));
    }
    let mut url = meta.site_url.clone();
    url.set_query(None);
    url.set_fragment(None);
    if !query.is_empty() {
        url.set_query(Some(&query.join("&")));
    }
    url.into()
}

/// The other members of a story's cluster, one per outlet (the earliest
/// report of each): a cluster that is five reports from one outlet names
/// that outlet once.
fn distinct_outlets(members: &[AlsoReported]) -> Vec<(&AlsoReported, String)> {
    let mut seen: Vec<(&AlsoReported, String)> = Vec::new();
    for member in members {
        let name = outlet_name(member.feed_title.as_deref(), &member.feed_url);
        if !seen.iter().any(|(_, known)| *known == name) {
            seen.push((member, name));
        }
    }
    seen
}

/// The summary under a headline: the text's opening, without the headline
/// when the text starts by repeating it (many feeds do), which would spend
/// half the summary saying the headline twice.
fn summary(title: &str, text: &str, limit: usize) -> String {
    let text = crate::text::collapse_whitespace(text);
    let title = crate::text::collapse_whitespace(title);
    let rest = text
        .strip_prefix(title.as_str())
        .filter(|_| !title.is_empty())
        .map(|rest| rest.trim_start_matches(|c: char| c == ' ' || c.is_ascii_punctuation()))
        .filter(|rest| !rest.is_empty())
        .unwrap_or(&text);
    crate::text::excerpt(rest, limit)
}

#[cfg(test)]
mod tests;
