//! OPML 2.0 subscription lists (<http://opml.org/spec2.opml>): the feeds
//! feedloom polls, for a reader to subscribe to them directly.

use super::markup::Xml;

/// One subscription.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    pub title: Option<String>,
    pub xml_url: String,
    /// The feed's web site, when known.
    pub html_url: Option<String>,
}

/// Renders an OPML 2.0 document listing `outlines`, one `type="rss"`
/// outline each (OPML uses `rss` for every feed format). `text` is required
/// by the spec, so a feed without a title is named by its URL.
pub fn render(title: &str, outlines: &[Outline]) -> String {
    let mut xml = Xml::new();
    xml.open("opml", &[("version", "2.0")]);
    xml.open("head", &[]);
    xml.leaf("title", &[], title);
    xml.close("head");
    xml.open("body", &[]);
    for outline in outlines {
        let text = outline
            .title
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or(&outline.xml_url);
        let mut attrs = vec![
            ("type", "rss"),
            ("text", text),
            ("title", text),
            ("xmlUrl", outline.xml_url.as_str()),
        ];
        if let Some(html_url) = &outline.html_url {
            attrs.push(("htmlUrl", html_url));
        }
        xml.empty("outline", &attrs);
    }
    xml.close("body");
    xml.close("opml");
    xml.finish()
}
