//! The HTML river and story pages: what a person sees when they open the
//! site. Plain HTML5 with one small inline stylesheet (`style`) and no
//! JavaScript, so it works in any browser, under a strict
//! content-security policy ([`content_security_policy`]), and makes no
//! request to anybody but this site; the `<head>` carries the feed
//! autodiscovery links that let a reader subscribe from the page.
//!
//! - [`river`]: a topic's stories, newest first, one page at a time.
//! - [`story_page`]: one story in full, with every source and the other
//!   outlets that reported the same event.
//! - `chrome`: what every page shares (the document around it, times,
//!   outlet names, source links); the pages and the search page build on it.
//!
//! Input reaches the page only through `super::markup::escape`, except the
//! story body, which ammonia sanitized when it was stored.

mod chrome;
mod river;
mod story;
mod style;

pub use chrome::TopicLink;
pub(in crate::publish) use chrome::{PageKind, page, sources_line, story_date};
pub use river::{MAX_PAGE, Paging, river};
pub use story::story_page;
pub use style::content_security_policy;
