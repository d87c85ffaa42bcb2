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
    /// Folder path, levels separated by [`crate::opml::CATEGORY_SEPARATOR`]
    /// (`" / "`), as [`crate::opml::read`] produces it.
    pub category: Option<String>,
}

/// The configured feeds, with their categories: what `/opml` and
/// `feedloom opml export` list.
pub fn from_config(config: &crate::config::Config) -> Vec<Outline> {
    config
        .feeds
        .iter()
        .map(|feed| Outline {
            title: feed.title.clone(),
            xml_url: feed.url.to_string(),
            html_url: None,
            category: feed.category.clone(),
        })
        .collect()
}

/// Renders an OPML 2.0 document listing `outlines`, one `type="rss"`
/// outline each (OPML uses `rss` for every feed format). `text` is required
/// by the spec, so a feed without a title is named by its URL. Feeds with a
/// category are grouped into nested folder outlines, folders in order of
/// first appearance, a folder's feeds before its sub-folders: how readers
/// show folders, so an export/import round trip keeps them.
pub fn render(title: &str, outlines: &[Outline]) -> String {
    let mut root = Folder::default();
    for outline in outlines {
        let mut folder = &mut root;
        let path = outline.category.as_deref().unwrap_or("");
        for name in path
            .split(crate::opml::CATEGORY_SEPARATOR)
            .map(str::trim)
            .filter(|n| !n.is_empty())
        {
            let at = match folder.folders.iter().position(|(n, _)| n == name) {
                Some(at) => at,
                None => {
                    folder.folders.push((name.to_owned(), Folder::default()));
                    folder.folders.len() - 1
                }
            };
            folder = &mut folder.folders[at].1;
        }
        folder.feeds.push(outline);
    }

    let mut xml = Xml::new();
    xml.open("opml", &[("version", "2.0")]);
    xml.open("head", &[]);
    xml.leaf("title", &[], title);
    xml.close("head");
    xml.open("body", &[]);
    write_folder(&mut xml, &root);
    xml.close("body");
    xml.close("opml");
    xml.finish()
}

/// A node of the category tree: its feeds and named sub-folders.
#[derive(Default)]
struct Folder<'a> {
    feeds: Vec<&'a Outline>,
    folders: Vec<(String, Folder<'a>)>,
}

fn write_folder(xml: &mut Xml, folder: &Folder<'_>) {
    for outline in &folder.feeds {
        write_feed(xml, outline);
    }
    for (name, sub) in &folder.folders {
        xml.open("outline", &[("text", name), ("title", name)]);
        write_folder(xml, sub);
        xml.close("outline");
    }
}

fn write_feed(xml: &mut Xml, outline: &Outline) {
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
