//! The backend-neutral data the storage traits speak: row ids, what the
//! store remembers about a feed, one fetch's update and what writing it
//! did, stored stories with their provenance, and which stories to read.
//! Nothing here knows SQL, so every backend shares these types.

use chrono::{DateTime, Utc};
use url::Url;

use crate::config::{Config, Topic};
use crate::normalize::Item;

/// Row id of a feed. A newtype so that it cannot be swapped with a story id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FeedId(pub i64);

/// Row id of a story (internal; the public id is [`StoredStory::uid`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StoryId(pub i64);

/// What the store remembers about a feed between polls.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedRecord {
    pub id: FeedId,
    pub url: String,
    /// Title from the configuration.
    pub title: Option<String>,
    /// Title the feed gives itself.
    pub feed_title: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub last_status: Option<String>,
    pub last_error: Option<String>,
    pub consecutive_failures: u32,
    /// Where a permanent redirect moved the feed; fetched instead of `url`.
    pub fetch_url: Option<String>,
    pub last_fetch_at: Option<DateTime<Utc>>,
    pub next_fetch_at: Option<DateTime<Utc>>,
    /// Not before this, as the server asked (429/503 Retry-After).
    pub retry_after: Option<DateTime<Utc>>,
    /// The server answered 410: not polled until the configuration changes.
    pub gone: bool,
    /// The digest of the last body parsed (see [`FeedUpdate::body_sha256`]).
    pub body_sha256: Option<String>,
}

/// The result of one successful fetch of one feed, ready to be written.
#[derive(Debug, Clone, Default)]
pub struct FeedUpdate {
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub http_status: u16,
    pub feed_title: Option<String>,
    pub site_link: Option<Url>,
    pub items: Vec<Item>,
    /// SHA-256 of the Content-Type and body these items came from: the
    /// next response with the same digest is not parsed again.
    pub body_sha256: Option<String>,
}

/// Counts of what one
/// [`StoryWriter::apply_update`](crate::store::StoryWriter::apply_update) did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ApplyStats {
    /// Stories seen for the first time anywhere.
    pub new_stories: usize,
    /// Items whose content was already stored (from another feed or another
    /// item): one more sighting, no new story.
    pub merged: usize,
    /// Items the feed re-published with edited content.
    pub updated: usize,
    /// Items already seen from this feed with the same content.
    pub unchanged: usize,
    /// Items whose id the feed had given before to a different story (new
    /// title, new link, other text): stored as new stories, the earlier
    /// story kept as it was.
    pub reused_ids: usize,
}

impl std::ops::AddAssign for ApplyStats {
    fn add_assign(&mut self, other: Self) {
        self.new_stories += other.new_stories;
        self.merged += other.merged;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.reused_ids += other.reused_ids;
    }
}

/// What importing one seed article did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeedChange {
    Inserted,
    Updated,
    Unchanged,
    /// The article reads exactly like another seed's; it is not stored twice.
    Duplicate {
        of: String,
    },
}

/// Where a story came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Seed,
    Feed,
}

/// A stored story with its provenance, as the publishers need it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredStory {
    pub id: StoryId,
    /// Public id: fixed when the story is first stored, unchanged by edits.
    pub uid: String,
    pub origin: Origin,
    /// The seed file name, for seed stories.
    pub seed_key: Option<String>,
    pub title: String,
    pub link: Option<String>,
    pub author: Option<String>,
    pub content_html: String,
    pub content_text: String,
    pub published_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub first_seen_at: DateTime<Utc>,
    /// Last insert or content change: what a re-render depends on.
    pub changed_at: DateTime<Utc>,
    /// Every feed that carried it, first sighting first.
    pub sources: Vec<Source>,
    /// The other members of its near-duplicate cluster, as links to where
    /// they were reported ("Also reported by"), earliest first. Empty for a
    /// story alone in its cluster.
    pub also_reported_by: Vec<AlsoReported>,
}

/// Another outlet's report of the same event: one member of a story's
/// near-duplicate cluster, seen through one of its sources.
#[derive(Debug, Clone, PartialEq)]
pub struct AlsoReported {
    /// The member's public id (its own page is `/stories/{uid}`).
    pub uid: String,
    pub title: String,
    /// The item link of the source it was seen through, else the member's
    /// canonical link (which is the first source's: for a member carried
    /// by several feeds, each feed's own link is the right one).
    pub link: Option<String>,
    pub feed_url: String,
    /// Configured title, else the feed's own.
    pub feed_title: Option<String>,
}

/// One feed that carried a story.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    pub feed_url: String,
    /// Configured title, else the feed's own.
    pub feed_title: Option<String>,
    pub guid: String,
    pub link: Option<String>,
    pub seen_at: DateTime<Utc>,
}

/// Which stored stories to read, for a published document or an export.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StoryQuery {
    /// Only stories on this topic (its slug); `None`: every story.
    pub topic: Option<String>,
    /// With `topic`: only stories some of these feeds carried (their
    /// configured URLs) and seed articles. `None`: any feed.
    pub feeds: Option<Vec<String>>,
    /// At most this many; `None`: all.
    pub limit: Option<usize>,
    /// Skip this many first (paging).
    pub offset: usize,
}

impl StoryQuery {
    /// Every story, newest first, at most `limit`.
    pub fn all(limit: Option<usize>) -> Self {
        Self {
            limit,
            ..Self::default()
        }
    }

    /// What a topic publishes: its on-topic stories, from its feeds if it
    /// names some (matched to `[[feeds]]` by canonical URL, and given as the
    /// URLs the store knows them by).
    pub fn for_topic(config: &Config, topic: &Topic, limit: Option<usize>) -> Self {
        let feeds = topic.feeds.as_ref().map(|_| {
            config
                .feeds
                .iter()
                .filter(|feed| topic.admits_feed(&feed.url))
                .map(|feed| feed.url.as_str().to_owned())
                .collect()
        });
        Self {
            topic: Some(topic.slug.clone()),
            feeds,
            limit,
            offset: 0,
        }
    }
}
