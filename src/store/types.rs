//! The backend-neutral data the storage traits speak: row ids, what the
//! store remembers about a feed, one fetch's update and what writing it
//! did, stored stories with their provenance, which stories to read, a
//! search and its hits, topic verdicts, and what pruning deleted. Nothing
//! here knows SQL, so every backend shares these types.

use chrono::{DateTime, Utc};
use url::Url;

use super::error::Result;
use crate::config::{Config, Topic};
use crate::normalize::Item;
use crate::topic::Verdict;

/// Row id of a feed. A newtype so that it cannot be swapped with a story id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FeedId(pub i64);

/// Row id of a story (internal; the public id is [`StoredStory::uid`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StoryId(pub i64);

/// A new story's public id ([`StoredStory::uid`]): a UUIDv7 (RFC 9562) as
/// 32 hex digits, drawn once at insertion and never changed, never derived
/// from content that could come back. Its first 48 bits are the time in
/// milliseconds, so the ids of a batch go to the end of the `uid` index:
/// random ids put each one on a page of its own, and every commit rewrote
/// most of the index (measured on SQLite: 6 µs of a story row's 50, under
/// the store lock; benches/RESULTS.md, tenth step). The other 74 bits are
/// the `uuid` crate's counter, drawn at random each millisecond and counted
/// up within it (ids stay in order), and 32 random bits: ids of the same
/// millisecond stay apart, across nodes too.
pub(crate) fn new_story_uid() -> String {
    uuid::Uuid::now_v7().simple().to_string()
}

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
    /// Topic verdicts computed where the items were parsed, on every core,
    /// so that the score queue does not wait for them. A new story is
    /// stored with its item's verdicts when they come from the topic
    /// definitions current in the writing transaction; otherwise (none
    /// given, stale, or the item not scored) it is queued for scoring.
    pub verdicts: Option<ItemVerdicts>,
    /// Near-duplicate candidates checked where the items were parsed, by
    /// the index of the item in `items` (shorter, or empty: the rest were
    /// not checked). Hints only: the writer looks the candidates up again
    /// in its transaction and confirms itself every candidate not checked
    /// here or changed since.
    pub candidates: Vec<CandidateChecks>,
}

/// The near-duplicate candidates one story was checked against before
/// its write, against the stored stories as they were then (see
/// [`StoryWriter::check_candidates`](crate::store::StoryWriter::check_candidates)):
/// the expensive part of placing a story in a cluster, which the writer
/// then skips for every candidate whose content has not changed since.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CandidateChecks {
    pub checked: Vec<CandidateCheck>,
}

/// One candidate checked: which version of it (its content hash), and
/// whether its text confirms the story as a near duplicate. Confirmation
/// is a pure function of the two texts, so it holds for as long as the
/// candidate's content hash does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateCheck {
    pub story: StoryId,
    pub content_hash: String,
    pub confirms: bool,
}

impl CandidateChecks {
    /// The check of `story`, if it was checked.
    pub fn find(&self, story: StoryId) -> Option<&CandidateCheck> {
        self.checked.iter().find(|check| check.story == story)
    }
}

/// Verdicts on a feed's items, computed before they were written (see
/// [`FeedUpdate::verdicts`]).
#[derive(Debug, Clone, Default)]
pub struct ItemVerdicts {
    /// (slug, digest) of every topic the verdicts come from; the store
    /// uses them only if this is exactly the set it records as current.
    pub digests: Vec<(String, String)>,
    /// By the index of the item in [`FeedUpdate::items`]: every topic's
    /// verdict (slug, verdict), or `None` for an item left unscored
    /// because its content was already stored when it was parsed.
    pub items: Vec<Option<Vec<(String, Verdict)>>>,
}

impl ItemVerdicts {
    /// The verdicts on item `index`, if it was scored.
    pub fn item(&self, index: usize) -> Option<&[(String, Verdict)]> {
        self.items.get(index)?.as_deref()
    }
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
    /// New stories stored with their verdicts (scored where parsed, see
    /// [`FeedUpdate::verdicts`]); the other new stories were queued.
    pub scored: usize,
}

impl std::ops::AddAssign for ApplyStats {
    fn add_assign(&mut self, other: Self) {
        self.new_stories += other.new_stories;
        self.merged += other.merged;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.reused_ids += other.reused_ids;
        self.scored += other.scored;
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
    /// The feed's teaser when the story holds the article its link leads
    /// to (a `full_text` feed), plain text.
    pub summary: Option<String>,
    /// Every feed that carried it, first sighting first.
    pub sources: Vec<Source>,
    /// The other members of its near-duplicate cluster, as links to where
    /// they were reported ("Also reported by"), earliest first. Empty for a
    /// story alone in its cluster.
    pub also_reported_by: Vec<AlsoReported>,
}

impl StoredStory {
    /// The story's date, as every document shows it and the store orders
    /// by: the date its source gave (the item's published, else updated,
    /// time; a seed file's date), else, for a story from a feed, when
    /// feedloom first saw it (an undated item is news when it first
    /// appears). A seed without a date in its file has none: the time it
    /// was imported says nothing about when it was written, and it must not
    /// pose as today's news. The store puts stories without a date after
    /// every dated one.
    pub fn date(&self) -> Option<DateTime<Utc>> {
        self.published_at.or(match self.origin {
            Origin::Feed => Some(self.first_seen_at),
            Origin::Seed => None,
        })
    }
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
    /// Skip this many first (paging by number: costs a scan of them).
    pub offset: usize,
    /// Only entries older than this story (its uid), in the newest-first
    /// order: the next page after the one that ended with it, found by
    /// index however deep. A uid no longer stored gives no entries.
    pub before: Option<String>,
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
            before: None,
        }
    }
}

/// One search: the text as typed, and whose verdicts put hits first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    /// What the user typed; see
    /// [`fts5_query`](crate::store::fts5_query) for what it means.
    pub text: String,
    /// The topic (slug) whose on-topic stories come first. A slug with no
    /// verdicts only makes every hit "not scored".
    pub topic: String,
    /// At most this many hits.
    pub limit: usize,
    /// Skip this many hits first (paging).
    pub offset: usize,
}

/// One story that matches, with where it matches.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchHit {
    /// The story with its sources, as the publishers take it.
    pub story: StoredStory,
    /// The whole title, matches marked.
    pub title: Highlighted,
    /// A few lines of the text around the matches, marked; "…" where cut.
    pub snippet: Highlighted,
    /// FTS5's bm25 score, title weighted: lower is a better match.
    pub rank: f64,
    /// The requested topic's verdict; `None` while the story waits to be
    /// scored (or the topic has no verdicts).
    pub on_topic: Option<bool>,
}

/// Text cut into plain and matching fragments, in order. Kept apart (not
/// as markup) so that each output escapes the text its own way and marks
/// matches its own way: `<mark>` in HTML, brackets on a terminal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Highlighted {
    pub fragments: Vec<Fragment>,
}

/// A run of text that matched the query, or did not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub text: String,
    pub matched: bool,
}

impl Highlighted {
    /// The text without marks.
    pub fn plain(&self) -> String {
        self.fragments.iter().map(|f| f.text.as_str()).collect()
    }

    /// The text with every match between `open` and `close`, for plain-text
    /// output (not for HTML: nothing is escaped).
    pub fn marked(&self, open: &str, close: &str) -> String {
        let mut out = String::new();
        for fragment in &self.fragments {
            if fragment.matched {
                out.push_str(open);
                out.push_str(&fragment.text);
                out.push_str(close);
            } else {
                out.push_str(&fragment.text);
            }
        }
        out
    }

    /// Whether anything matched.
    pub fn has_match(&self) -> bool {
        self.fragments.iter().any(|f| f.matched)
    }
}

/// A story waiting for its verdicts.
#[derive(Debug, Clone)]
pub struct PendingStory {
    pub id: StoryId,
    pub title: String,
    pub content_text: String,
    /// What the verdicts will be about: a story edited meanwhile stays queued.
    pub content_hash: String,
}

/// Every topic's verdict on one story, as scored from the content whose
/// hash is given.
#[derive(Debug, Clone)]
pub struct ScoredStory {
    pub id: StoryId,
    /// The content the verdicts are about: a story edited since it was
    /// read stays queued and is scored again.
    pub content_hash: String,
    /// (topic slug, verdict)
    pub verdicts: Vec<(String, Verdict)>,
}

/// What [`TopicVerdicts::record_verdicts`](crate::store::TopicVerdicts::record_verdicts)
/// did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    /// Written; `changed` stories changed their on-topic status for some
    /// topic (or were new to it): the published feeds changed.
    Done { changed: usize },
    /// The topics changed since the verdicts were computed; nothing written.
    Stale,
}

/// One topic's stored verdict on one story.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredVerdict {
    pub topic: String,
    pub score: f64,
    pub on_topic: bool,
    /// As stored: `score`, `seed`, `include:RULE` or `exclude:RULE`.
    pub reason: String,
    pub scored_at: Option<DateTime<Utc>>,
}

/// Clusters deleted per transaction: the daemon's other writers get the
/// store between two batches.
pub const PRUNE_BATCH: usize = 500;

/// Retention runs at most this often (see `SharedStore::prune_due`): its
/// query reads every story, and stories age by days, not minutes.
pub const PRUNE_EVERY: std::time::Duration = std::time::Duration::from_secs(3600);

/// What pruning deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub clusters: usize,
    pub stories: usize,
}

impl Pruned {
    /// Runs `batch` (a [`Prune::prune_batch`](crate::store::Prune::prune_batch), each under its own lock if
    /// the caller wants other writers in between) until a batch comes back
    /// short, and adds up what they deleted.
    pub fn until_done<E>(mut batch: impl FnMut() -> Result<Pruned, E>) -> Result<Pruned, E> {
        let mut total = Pruned::default();
        loop {
            let done = batch()?;
            total.clusters += done.clusters;
            total.stories += done.stories;
            if done.clusters < PRUNE_BATCH {
                return Ok(total);
            }
        }
    }
}

/// What fetching one item link of a `full_text` feed gave, for the
/// article cache ([`FeedLog::record_articles`](super::FeedLog::record_articles)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchedArticle {
    /// The item's canonical link.
    pub link: String,
    /// `"extracted"`, or the failure's name (`not_an_article`, a fetch
    /// error's kind).
    pub outcome: String,
    /// The article's sanitized markup; `None` when there is none.
    pub content_html: Option<String>,
}

/// What the article cache holds for one link
/// ([`FeedLog::articles`](super::FeedLog::articles)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedArticle {
    /// The article's sanitized markup; `None` when the last fetch gave none.
    pub content_html: Option<String>,
    /// As recorded: `"extracted"` or the failure's name.
    pub outcome: String,
    /// When it was last fetched: a failure that may pass (a timeout, a
    /// server error) is fetched again once it is old enough.
    pub fetched_at: chrono::DateTime<chrono::Utc>,
}

/// One source of one cluster member, as both backends read it for the
/// "also reported by" lists.
pub(crate) struct MemberRow {
    /// The cluster's founding story.
    pub(crate) cluster: i64,
    /// The member.
    pub(crate) member: i64,
    /// The member as this source shows it.
    pub(crate) report: AlsoReported,
}

impl StoredStory {
    /// Fills `also_reported_by` from its cluster's rows: the other
    /// members, one entry per feed, none for a feed already among the
    /// story's own sources. A member no feed carries (a seed) names no
    /// outlet and is left out.
    pub(crate) fn attach_members(&mut self, rows: &[MemberRow]) {
        let mut feeds: std::collections::HashSet<&str> = self
            .sources
            .iter()
            .map(|source| source.feed_url.as_str())
            .collect();
        let mut reports = Vec::new();
        for row in rows.iter().filter(|row| row.member != self.id.0) {
            if feeds.insert(row.report.feed_url.as_str()) {
                reports.push(row.report.clone());
            }
        }
        self.also_reported_by = reports;
    }
}
