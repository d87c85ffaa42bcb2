//! The documents the server renders, named once: each kind's content type
//! and its path below a topic's URL are what the routes, the cache key, the
//! documents' self links and the CSP header all have to agree on.

use crate::publish;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(super) enum Kind {
    Atom,
    Rss,
    Json,
    Html,
    Opml,
}

impl Kind {
    pub(super) fn content_type(self) -> &'static str {
        match self {
            Kind::Atom => "application/atom+xml; charset=utf-8",
            Kind::Rss => "application/rss+xml; charset=utf-8",
            Kind::Json => "application/feed+json; charset=utf-8",
            Kind::Html => "text/html; charset=utf-8",
            Kind::Opml => "text/x-opml; charset=utf-8",
        }
    }

    /// Below the site URL; the HTML pages link to the same constants.
    pub(super) fn path(self) -> &'static str {
        match self {
            Kind::Atom => publish::ATOM_PATH,
            Kind::Rss => publish::RSS_PATH,
            Kind::Json => publish::JSON_FEED_PATH,
            Kind::Html => "",
            Kind::Opml => publish::OPML_PATH,
        }
    }

    /// The feed a topic serves under `name` (`/topics/{slug}/{name}`): the
    /// river is the topic's own URL and OPML is the site's, so only the
    /// feeds are looked up by name.
    pub(super) fn feed_named(name: &str) -> Option<Kind> {
        [Kind::Atom, Kind::Rss, Kind::Json]
            .into_iter()
            .find(|kind| kind.path() == name)
    }
}
