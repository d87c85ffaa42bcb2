//! Stored stories out as feed documents. Pure rendering: the caller reads
//! the stories from the store and decides where the bytes go.

pub mod jsonfeed;

/// What a rendered document says about itself.
#[derive(Debug, Clone, Default)]
pub struct FeedMeta {
    pub title: String,
    /// The site the feed belongs to, when served over HTTP.
    pub home_page_url: Option<String>,
    /// Where the document itself is served, when it is.
    pub feed_url: Option<String>,
}
