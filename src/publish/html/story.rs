//! A story's own page: the whole sanitized article, its byline and date, a
//! way to the original, the other outlets that reported the same event, and
//! every feed that carried this text.

use std::fmt::Write as _;

use super::chrome::{
    PageKind, TopicLink, link_or_text, member_href, outlet_name, page, source_link, story_date,
    time,
};
use crate::publish::FeedMeta;
use crate::publish::markup::{self, escape};
use crate::store::{Origin, StoredStory};

/// The page of `story`. `topics` is every topic, for the header; none is
/// marked current (a story may be on several).
pub fn story_page(meta: &FeedMeta, topics: &[TopicLink], story: &StoredStory) -> String {
    let mut main = String::new();
    let _ = write!(
        main,
        "<article class=\"full\">\n<h1>{}</h1>\n<p class=\"meta\">",
        escape(&story.title),
    );
    if story.origin == Origin::Seed {
        main.push_str("<span class=\"tag\">Seed article</span> · ");
    }
    if let Some(author) = story.author.as_deref().filter(|a| !a.trim().is_empty()) {
        let _ = write!(main, "By {} · ", escape(author));
    }
    main.push_str(&story_date(story));
    main.push_str("</p>\n");
    if let Some(link) = story.link.as_deref().and_then(markup::safe_url) {
        let outlet = story
            .sources
            .first()
            .map(|s| outlet_name(s.feed_title.as_deref(), &s.feed_url));
        let label = match &outlet {
            Some(outlet) => format!("Read the original at {}", escape(outlet)),
            None => "Read the original".to_owned(),
        };
        let _ = writeln!(
            main,
            "<p class=\"original\"><a href=\"{}\">{label} <span aria-hidden=\"true\">→</span></a></p>",
            escape(&link)
        );
    }
    let _ = write!(
        main,
        "<div class=\"content\">\n{}\n</div>\n</article>\n",
        markup::strip_controls(&story.content_html)
    );

    if !story.also_reported_by.is_empty() {
        main.push_str(
            "<section aria-labelledby=\"also\">\n<h2 id=\"also\">Also reported by</h2>\n<ul>\n",
        );
        // Every member, not one per outlet: here each is a headline of its
        // own, and two reports from one outlet can differ.
        for member in &story.also_reported_by {
            let name = outlet_name(member.feed_title.as_deref(), &member.feed_url);
            let _ = writeln!(
                main,
                "<li>{} <span class=\"meta\">— {}</span></li>",
                link_or_text(Some(&member_href(meta, member)), &member.title, None),
                escape(&name)
            );
        }
        main.push_str("</ul>\n</section>\n");
    }

    main.push_str("<section aria-labelledby=\"sources\">\n<h2 id=\"sources\">Sources</h2>\n");
    if story.origin == Origin::Seed {
        main.push_str(
            "<p>A seed article of this topic: one of the articles that define what this feed is about.</p>\n",
        );
    }
    if !story.sources.is_empty() {
        main.push_str("<ul>\n");
        for source in &story.sources {
            main.push_str("<li>");
            main.push_str(&source_link(source));
            if let Some(feed) = markup::safe_url(&source.feed_url) {
                let _ = write!(main, " (<a href=\"{}\">feed</a>)", escape(&feed));
            }
            let _ = writeln!(main, ", seen {}</li>", time(&source.seen_at));
        }
        main.push_str("</ul>\n");
    } else if story.origin == Origin::Feed {
        main.push_str("<p>No feed carries this story any more.</p>\n");
    }
    main.push_str("</section>\n");
    let title = format!("{} · {}", story.title, meta.title);
    page(meta, topics, PageKind::Story, &title, &main)
}
