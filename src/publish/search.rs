//! The search page (`/search?q=`) and the search form the river shows.
//!
//! Same chrome as the river ([`super::html`]), no JavaScript: the form is a
//! plain GET. Matches come from the store as text fragments, so every
//! fragment goes through `escape` and only the `<mark>` around it is ours:
//! stored text never reaches the page as markup.

use std::fmt::Write as _;

use super::FeedMeta;
use super::html::{self, TopicLink};
use super::markup::{self, escape};
use super::search_form::form;
use crate::store::{Highlighted, Origin, SearchHit};

pub use super::search_form::MAX_QUERY_CHARS;

/// What one search page shows.
#[derive(Debug, Clone, Copy)]
pub struct SearchPage<'a> {
    /// The query as typed (empty: the form alone).
    pub query: &'a str,
    /// The topic named in the URL, carried into the form and page links;
    /// `None` for the default topic.
    pub topic: Option<&'a str>,
    /// 1-based.
    pub page: usize,
    /// This page's hits, in order.
    pub hits: &'a [SearchHit],
    /// Whether a next page has hits.
    pub has_more: bool,
}

/// The search results page: the form, then each hit with its highlighted
/// title linking to its story page, date, sources, on/off-topic badge, the
/// snippet around the matches and the original's link; previous/next links.
pub fn page(meta: &FeedMeta, topics: &[TopicLink], search: &SearchPage<'_>) -> String {
    let mut body = String::from("<h1 class=\"search-title\">Search</h1>\n");
    body.push_str(&form(meta, search.query, search.topic));
    let query = search.query.trim();
    if query.is_empty() {
        body.push_str(
            "<p>Search the stories' titles and text. Every word must match; \
             \"quoted words\" match as a phrase; a trailing * matches the start \
             of a word (<code>tajik*</code>).</p>\n",
        );
    } else if search.hits.is_empty() {
        let _ = writeln!(
            body,
            "<p>No {}stories match <q>{}</q>.</p>",
            if search.page > 1 { "more " } else { "" },
            escape(query)
        );
    } else {
        let _ = writeln!(
            body,
            "<p class=\"meta\">Stories matching <q>{}</q>{}:</p>",
            escape(query),
            if search.page > 1 {
                format!(", page {}", search.page)
            } else {
                String::new()
            }
        );
    }
    for hit in search.hits {
        let story = &hit.story;
        let badge = match hit.on_topic {
            Some(true) => "<span class=\"badge on\">on topic</span>",
            Some(false) => "<span class=\"badge\">off topic</span>",
            None => "<span class=\"badge\">not scored yet</span>",
        };
        let _ = write!(
            body,
            "<article class=\"story\">\n<h2><a href=\"{}\">{}</a></h2>\n<p class=\"meta\">{}",
            escape(&meta.story_url(&story.uid)),
            highlighted(&hit.title),
            html::story_date(story),
        );
        let sources = html::sources_line(&story.sources, 4);
        if !sources.is_empty() {
            let _ = write!(body, " · {sources}");
        } else if story.origin == Origin::Seed {
            body.push_str(" · seed article");
        }
        let _ = writeln!(body, " · {badge}</p>");
        if !hit.snippet.fragments.is_empty() {
            let _ = writeln!(body, "<p>{}</p>", highlighted(&hit.snippet));
        }
        if let Some(link) = story.link.as_deref().and_then(markup::safe_url) {
            let _ = writeln!(
                body,
                "<p class=\"meta\"><a href=\"{}\">Read the original</a></p>",
                escape(&link)
            );
        }
        body.push_str("</article>\n");
    }
    if search.page > 1 || search.has_more {
        body.push_str("<nav class=\"paging\" aria-label=\"Result pages\">\n");
        if search.page > 1 {
            let _ = writeln!(
                body,
                "<a rel=\"prev\" href=\"{}\">← Previous page</a>",
                escape(&search_url(meta, query, search.topic, search.page - 1))
            );
        }
        if search.has_more {
            let _ = writeln!(
                body,
                "<a class=\"older\" rel=\"next\" href=\"{}\">Next page →</a>",
                escape(&search_url(meta, query, search.topic, search.page + 1))
            );
        }
        body.push_str("</nav>\n");
    }
    let title = if query.is_empty() {
        format!("Search · {}", meta.title)
    } else {
        format!("{query} · Search · {}", meta.title)
    };
    html::page(meta, topics, html::PageKind::Search, &title, &body)
}

/// The fragments escaped, matches in `<mark>`.
fn highlighted(text: &Highlighted) -> String {
    let mut html = String::new();
    for fragment in &text.fragments {
        if fragment.matched {
            let _ = write!(html, "<mark>{}</mark>", escape(&fragment.text));
        } else {
            html.push_str(&escape(&fragment.text));
        }
    }
    html
}

/// `{site}search?q=…[&topic=…]&page=N`, form-encoded (the caller escapes it
/// for the attribute).
fn search_url(meta: &FeedMeta, query: &str, topic: Option<&str>, page: usize) -> String {
    let mut params = url::form_urlencoded::Serializer::new(String::new());
    params.append_pair("q", query);
    if let Some(topic) = topic {
        params.append_pair("topic", topic);
    }
    params.append_pair("page", &page.to_string());
    format!("{}search?{}", meta.root_url, params.finish())
}
