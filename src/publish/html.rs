//! The HTML river and story pages: what a person sees when they open the
//! site. Plain HTML5 with a little inline CSS and no JavaScript, so it works
//! in any browser and with any content-security policy; the `<head>` carries
//! the feed autodiscovery links that let a reader subscribe from the page.
//!
//! Input reaches the page only through [`markup::escape`], except the story
//! body, which ammonia sanitized when it was stored.

use std::fmt::Write as _;

use super::markup::{self, escape};
use super::{ATOM_PATH, FeedMeta, JSON_FEED_PATH, OPML_PATH, RSS_PATH};
use crate::store::{Origin, StoredStory};

/// Characters of text shown per story on the river.
const EXCERPT_CHARS: usize = 300;

/// Sources named on the river before "and N more".
const RIVER_SOURCES: usize = 4;

const STYLE: &str = "\
:root{color-scheme:light dark;--fg:#1b1b1b;--bg:#fdfdfc;--muted:#5f6368;--link:#0b57d0;--rule:#ddd}
@media (prefers-color-scheme:dark){:root{--fg:#e6e6e6;--bg:#161617;--muted:#a0a4a8;--link:#8ab4f8;--rule:#333}}
body{margin:0 auto;max-width:42rem;padding:1rem 1.25rem 3rem;font:1.0625rem/1.6 system-ui,-apple-system,\"Segoe UI\",sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--link)}
header h1{font-size:1.6rem;line-height:1.25;margin:1rem 0 .25rem}
header h1 a{color:inherit;text-decoration:none}
article{border-top:1px solid var(--rule);padding:.75rem 0}
article h2{font-size:1.2rem;line-height:1.3;margin:.25rem 0}
.meta{color:var(--muted);font-size:.9rem;margin:.25rem 0}
.content img,.content video,.content iframe{max-width:100%;height:auto}
.content pre{overflow-x:auto}
footer{border-top:1px solid var(--rule);margin-top:2rem;padding-top:.75rem;color:var(--muted);font-size:.9rem}
form.search{display:flex;gap:.5rem;margin:.5rem 0 1rem}
form.search input{flex:1;min-width:0;font:inherit;padding:.2rem .5rem}
form.search button{font:inherit}
mark{background:#ffe58a;color:#1b1b1b}
.badge{border:1px solid var(--rule);border-radius:.25rem;padding:0 .3rem;font-size:.8rem}
.badge.on{border-color:var(--link);color:var(--link)}
nav.pages{display:flex;justify-content:space-between;margin-top:1rem}
";

/// The river: a readable page of `stories`, newest first: each a headline
/// linking to its story page, where it was reported, when, and the first
/// few lines of its text (not the whole article: that is on the story page).
pub fn river(meta: &FeedMeta, stories: &[StoredStory]) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        "<header>\n<h1><a href=\"{}\">{}</a></h1>\n{}</header>\n<main>\n",
        escape(meta.site_url.as_str()),
        escape(&meta.title),
        super::search::form(meta, "", None)
    );
    if stories.is_empty() {
        body.push_str("<p>No stories yet.</p>\n");
    }
    for story in stories {
        let _ = write!(
            body,
            "<article>\n<h2><a href=\"{}\">{}</a></h2>\n<p class=\"meta\">{} · {}</p>\n",
            escape(&meta.story_url(&story.uid)),
            escape(&story.title),
            time(&markup::published(story)),
            provenance(story),
        );
        if !story.also_reported_by.is_empty() {
            let names: Vec<String> = story
                .also_reported_by
                .iter()
                .map(|report| escape(markup::report_name(report)).into_owned())
                .collect();
            let _ = writeln!(
                body,
                "<p class=\"meta\">Also reported by: {}</p>",
                names.join(", ")
            );
        }
        let excerpt = excerpt(&story.content_text, EXCERPT_CHARS);
        if !excerpt.is_empty() {
            let _ = writeln!(body, "<p>{}</p>", escape(&excerpt));
        }
        body.push_str("</article>\n");
    }
    body.push_str("</main>\n");
    page(meta, &meta.title, &body)
}

/// One story with all its sources: the full sanitized article, its
/// byline and date, a link to the original, and every feed that carried it.
pub fn story_page(meta: &FeedMeta, story: &StoredStory) -> String {
    let mut body = String::new();
    let _ = write!(
        body,
        "<header>\n<p class=\"meta\"><a href=\"{}\">{}</a></p>\n</header>\n<main>\n<article>\n<h1>{}</h1>\n<p class=\"meta\">",
        escape(meta.site_url.as_str()),
        escape(&meta.title),
        escape(&story.title),
    );
    if let Some(author) = story.author.as_deref().filter(|a| !a.trim().is_empty()) {
        let _ = write!(body, "By {} · ", escape(author));
    }
    body.push_str(&time(&markup::published(story)));
    if let Some(link) = story.link.as_deref().and_then(markup::safe_url) {
        let _ = write!(
            body,
            " · <a href=\"{}\">Read the original</a>",
            escape(&link)
        );
    }
    body.push_str("</p>\n");
    let _ = write!(
        body,
        "<div class=\"content\">\n{}\n</div>\n</article>\n<section>\n<h2>Sources</h2>\n",
        markup::strip_controls(&story.content_html)
    );
    if story.origin == Origin::Seed {
        body.push_str("<p>A seed article of this topic: one of the articles that define what this feed is about.</p>\n");
    }
    if !story.sources.is_empty() {
        body.push_str("<ul>\n");
        for source in &story.sources {
            let name = escape(markup::source_name(source));
            body.push_str("<li>");
            match markup::source_link(source) {
                Some(href) => {
                    let _ = write!(body, "<a href=\"{}\">{name}</a>", escape(&href));
                }
                None => body.push_str(&name),
            }
            if let Some(feed) = markup::safe_url(&source.feed_url) {
                let _ = write!(body, " (<a href=\"{}\">feed</a>)", escape(&feed));
            }
            let _ = writeln!(body, ", seen {}</li>", time(&source.seen_at));
        }
        body.push_str("</ul>\n");
    } else if story.origin == Origin::Feed {
        body.push_str("<p>No feed carries this story any more.</p>\n");
    }
    body.push_str("</section>\n");
    if !story.also_reported_by.is_empty() {
        // The same event as other outlets reported it (its near-duplicate
        // cluster): their articles, and their pages here.
        body.push_str("<section>\n<h2>Also reported by</h2>\n<ul>\n");
        for report in &story.also_reported_by {
            let title = escape(&report.title);
            body.push_str("<li>");
            match markup::report_link(report) {
                Some(href) => {
                    let _ = write!(body, "<a href=\"{}\">{title}</a>", escape(&href));
                }
                None => body.push_str(&title),
            }
            let _ = writeln!(
                body,
                " ({}, <a href=\"{}\">here</a>)</li>",
                escape(markup::report_name(report)),
                escape(&meta.story_url(&report.uid))
            );
        }
        body.push_str("</ul>\n</section>\n");
    }
    body.push_str("</main>\n");
    let title = format!("{} · {}", story.title, meta.title);
    page(meta, &title, &body)
}

/// The document around `body`: head with the autodiscovery links, and the
/// footer linking every format.
pub(super) fn page(meta: &FeedMeta, title: &str, body: &str) -> String {
    let site = meta.site_url.as_str();
    let feed_title = escape(&meta.title);
    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n",
    );
    let _ = writeln!(html, "<title>{}</title>", escape(title));
    for (kind, label, path) in [
        ("application/atom+xml", "Atom", ATOM_PATH),
        ("application/rss+xml", "RSS", RSS_PATH),
        ("application/feed+json", "JSON Feed", JSON_FEED_PATH),
    ] {
        let _ = writeln!(
            html,
            "<link rel=\"alternate\" type=\"{kind}\" title=\"{feed_title} ({label})\" href=\"{}\">",
            escape(&format!("{site}{path}"))
        );
    }
    let _ = write!(
        html,
        "<style>\n{STYLE}</style>\n</head>\n<body>\n{body}<footer>\n<p>Subscribe: "
    );
    for (i, (label, path)) in [
        ("Atom", ATOM_PATH),
        ("RSS", RSS_PATH),
        ("JSON Feed", JSON_FEED_PATH),
        ("the source feeds (OPML)", OPML_PATH),
    ]
    .into_iter()
    .enumerate()
    {
        if i > 0 {
            html.push_str(" · ");
        }
        let _ = write!(
            html,
            "<a href=\"{}\">{label}</a>",
            escape(&format!("{site}{path}"))
        );
    }
    let _ = write!(
        html,
        "</p>\n<p>Made by feedloom {}.</p>\n</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    html
}

/// `<time datetime="2025-06-01T12:00:00Z">1 Jun 2025</time>`.
pub(super) fn time(at: &chrono::DateTime<chrono::Utc>) -> String {
    format!(
        "<time datetime=\"{}\">{}</time>",
        markup::rfc3339(at),
        markup::human_date(at)
    )
}

/// Where the river says a story came from: the feeds, each linked to its
/// item, the first few only; or that it is a seed article.
pub(super) fn provenance(story: &StoredStory) -> String {
    if story.sources.is_empty() {
        return match story.origin {
            Origin::Seed => "seed article".to_owned(),
            Origin::Feed => String::new(),
        };
    }
    let mut line = String::from("from ");
    for (i, source) in story.sources.iter().take(RIVER_SOURCES).enumerate() {
        if i > 0 {
            line.push_str(", ");
        }
        let name = escape(markup::source_name(source));
        match markup::source_link(source) {
            Some(href) => {
                let _ = write!(line, "<a href=\"{}\">{name}</a>", escape(&href));
            }
            None => line.push_str(&name),
        }
    }
    if story.sources.len() > RIVER_SOURCES {
        let _ = write!(line, " and {} more", story.sources.len() - RIVER_SOURCES);
    }
    line
}

/// The first `limit` characters of `text` with whitespace collapsed, cut at
/// a word boundary and marked with "…" when something was cut. A single
/// word longer than the limit is cut inside the word.
fn excerpt(text: &str, limit: usize) -> String {
    let text = crate::text::collapse_whitespace(text);
    if text.chars().count() <= limit {
        return text;
    }
    let cut = text
        .char_indices()
        .nth(limit)
        .map_or(text.len(), |(index, _)| index);
    let head = &text[..cut];
    // Cut before the word the limit falls in, unless the next character
    // starts a word anyway (then `head` ends on a boundary).
    let at_boundary = text[cut..].starts_with(' ');
    let head = match head.rfind(' ') {
        Some(space) if !at_boundary => &head[..space],
        _ => head,
    };
    let head = head.trim_end_matches(|c: char| c == ' ' || c.is_ascii_punctuation() && c != '.');
    format!("{head}…")
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn excerpt_cuts_at_a_word_boundary() {
        assert_eq!(excerpt("  short   text ", 300), "short text");
        assert_eq!(excerpt("alpha beta gamma", 8), "alpha…");
        assert_eq!(excerpt("alpha beta gamma", 10), "alpha beta…");
        assert_eq!(excerpt("alpha, beta", 7), "alpha…");
        assert_eq!(excerpt("abcdefghij", 4), "abcd…");
        assert_eq!(excerpt("ééééé ééé", 6), "ééééé…");
    }
}
