//! What every HTML page shares: the document around it (the head with
//! the autodiscovery links and the style, the header with the topics, the
//! footer with the subscription links) and the small pieces that the river,
//! story and search pages all draw (times, outlet names, source links).
//! The pages build on it and it knows none of them, so the chrome never
//! reaches back into a page it frames.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use url::Url;

use crate::publish::markup::{self, escape};
use crate::publish::search_form;
use crate::publish::{ATOM_PATH, FeedMeta, JSON_FEED_PATH, OPML_PATH, RSS_PATH};
use crate::store::{AlsoReported, Source, StoredStory};

/// One topic in the site's navigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicLink {
    pub title: String,
    /// The topic's river ([`FeedMeta::site_url`] of its documents).
    pub url: Url,
}

/// Which page the chrome is around: the river's header carries the
/// topic's title as the page heading; a story page's, as a link home.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::publish) enum PageKind {
    River,
    Story,
    /// The search page: like a story page, under the default topic's name.
    Search,
}

/// The document around `main`: the head (title, autodiscovery, style), the
/// header with the topic and the other topics, and the footer with every
/// subscription link.
pub(in crate::publish) fn page(
    meta: &FeedMeta,
    topics: &[TopicLink],
    kind: PageKind,
    title: &str,
    main: &str,
) -> String {
    let site = meta.site_url.as_str();
    let feed_title = escape(&meta.title);
    let mut html = String::with_capacity(main.len() + 6 * 1024);
    html.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"color-scheme\" content=\"light dark\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n",
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
        "<style>{}</style>\n</head>\n<body>\n<a class=\"skip\" href=\"#main\">Skip to content</a>\n\
         <header class=\"site\">\n<div class=\"wrap\">\n",
        super::style::STYLE
    );
    // The river's heading is its topic. A story page names the site by
    // the default topic, unless the topic navigation below names them all.
    match kind {
        PageKind::River => {
            let _ = writeln!(
                html,
                "<h1 class=\"brand\"><a href=\"{}\">{feed_title}</a></h1>",
                escape(site)
            );
        }
        PageKind::Story | PageKind::Search if topics.len() <= 1 => {
            let _ = writeln!(
                html,
                "<p class=\"brand\"><a href=\"{}\">{feed_title}</a></p>",
                escape(site)
            );
        }
        PageKind::Story | PageKind::Search => {}
    }
    // The river carries the search form (the search page has its own,
    // filled in); it searches this river's topic.
    if kind == PageKind::River {
        html.push_str(&search_form::form(meta, "", topic_slug(meta).as_deref()));
    }
    if topics.len() > 1 {
        html.push_str("<nav class=\"topics\" aria-label=\"Topics\">\n<ul>\n");
        for topic in topics {
            let current = if kind == PageKind::River && topic.url == meta.site_url {
                " aria-current=\"page\""
            } else {
                ""
            };
            let _ = writeln!(
                html,
                "<li><a href=\"{}\"{current}>{}</a></li>",
                escape(topic.url.as_str()),
                escape(&topic.title)
            );
        }
        html.push_str("</ul>\n</nav>\n");
    }
    let _ = write!(
        html,
        "</div>\n</header>\n<main id=\"main\" class=\"wrap\">\n{main}</main>\n\
         <footer>\n<div class=\"wrap\">\n<p id=\"subscribe\">Subscribe to {feed_title}: "
    );
    // The OPML lists every configured feed, whatever the topic: it is at
    // the site's root only.
    let opml = format!("{}{OPML_PATH}", meta.root_url);
    let links = [
        ("Atom", format!("{site}{ATOM_PATH}")),
        ("RSS", format!("{site}{RSS_PATH}")),
        ("JSON Feed", format!("{site}{JSON_FEED_PATH}")),
        ("the sources (OPML)", opml),
    ];
    for (i, (label, href)) in links.iter().enumerate() {
        if i > 0 {
            html.push_str(" · ");
        }
        let _ = write!(html, "<a href=\"{}\">{label}</a>", escape(href));
    }
    let _ = write!(
        html,
        "</p>\n<p>Gathered by feedloom {}. Times are UTC.</p>\n</div>\n</footer>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    html
}

/// `<time datetime="2025-06-01T12:05:00Z">1 Jun 2025, 12:05 UTC</time>`:
/// an absolute time a reader anywhere can place, since without script the
/// page cannot say "2 hours ago" and stay true while it is cached.
pub(in crate::publish) fn time(at: &DateTime<Utc>) -> String {
    format!(
        "<time datetime=\"{}\">{}</time>",
        markup::rfc3339(at),
        markup::human_time(at)
    )
}

/// A story's date on a page ([`StoredStory::date`]), or "undated" for a
/// seed whose file names none: said, so that no reader takes the page's
/// silence for today.
pub(in crate::publish) fn story_date(story: &StoredStory) -> String {
    match story.date() {
        Some(at) => time(&at),
        None => "undated".to_owned(),
    }
}

/// What an outlet is called on a page: its feed's title, else the host of
/// its feed (shorter and friendlier than the whole feed URL), else the URL.
pub(super) fn outlet_name(feed_title: Option<&str>, feed_url: &str) -> String {
    if let Some(title) = feed_title.map(str::trim).filter(|t| !t.is_empty()) {
        return title.to_owned();
    }
    Url::parse(feed_url)
        .ok()
        .and_then(|url| {
            url.host_str()
                .map(|h| h.trim_start_matches("www.").to_owned())
        })
        .unwrap_or_else(|| feed_url.to_owned())
}

/// A topic's slug from its river's URL (`…/topics/{slug}/`); `None` for
/// the default topic, whose river is the site's root.
fn topic_slug(meta: &FeedMeta) -> Option<String> {
    if meta.site_url == meta.root_url {
        return None;
    }
    meta.site_url
        .path_segments()
        .and_then(|mut segments| segments.rfind(|s| !s.is_empty()))
        .map(str::to_owned)
}

/// The sources of a story as outlet links, the first few only, for one
/// line of a list.
pub(in crate::publish) fn sources_line(sources: &[Source], shown: usize) -> String {
    let mut line = String::new();
    for (i, source) in sources.iter().take(shown).enumerate() {
        if i > 0 {
            line.push_str(", ");
        }
        line.push_str(&source_link(source));
    }
    if sources.len() > shown {
        let _ = write!(line, " and {} more", sources.len() - shown);
    }
    line
}

/// A source as a link to its item (else its feed), named by its outlet.
pub(super) fn source_link(source: &Source) -> String {
    let name = outlet_name(source.feed_title.as_deref(), &source.feed_url);
    link_or_text(markup::source_link(source).as_deref(), &name, None)
}

/// Where a cluster member's mention points: its own article, else its page
/// on this site (it is a stored story, so it has one).
pub(super) fn member_href(meta: &FeedMeta, member: &AlsoReported) -> String {
    member
        .link
        .as_deref()
        .and_then(markup::safe_url)
        .unwrap_or_else(|| meta.story_url(&member.uid))
}

/// `<a href="…" title="…">text</a>` with everything escaped, or the
/// escaped text alone without a usable link.
pub(super) fn link_or_text(href: Option<&str>, text: &str, title: Option<&str>) -> String {
    match href {
        Some(href) => {
            let title = title
                .map(|t| format!(" title=\"{}\"", escape(t)))
                .unwrap_or_default();
            format!("<a href=\"{}\"{title}>{}</a>", escape(href), escape(text))
        }
        None => escape(text).into_owned(),
    }
}

#[cfg(test)]
mod tests;
