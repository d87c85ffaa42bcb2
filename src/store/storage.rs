//! What the pipeline needs from a database, as traits. `poll`, `daemon`,
//! `server`, `scoring` and `cli` hold a `Box<dyn Storage>` (from
//! [`super::connect`]) and never name a backend, so a second one
//! (PostgreSQL, see ARCHITECTURE.md, "Past one machine") is a type that
//! implements these traits plus a branch in `connect`, and the pipeline
//! does not change. [`super::Store`] is the SQLite implementation; opening
//! and migrating it are its own business.
//!
//! What every backend keeps, beyond each method's own contract:
//!
//! - Each method is one transaction, or, for a read of several queries, one
//!   snapshot: a crash loses at most the calls in flight, and no reader sees
//!   half a write (a page whose sources or cluster members come from two
//!   commits).
//! - Reads do not wait for writes: the server reads through a handle of its
//!   own while polls write, and a slow poll must not stall feed readers.
//! - The pipeline serialises the calls on one handle (a mutex, taken on
//!   blocking threads), so methods are synchronous, writes take `&mut self`,
//!   and a backend is `Send` but need not be `Sync`. Several handles on one
//!   database (the daemon's writer and reader, a CLI command) do run at once.
//! - [`FeedId`] and [`StoryId`] are the backend's row ids, which the
//!   pipeline only hands back. A story's public id is [`StoredStory::uid`]:
//!   drawn at random when the story is first stored and never changed,
//!   because feed entries and `/stories/` links are built from it.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use url::Url;

use super::error::Result;
use super::types::{
    ApplyStats, CachedArticle, CandidateChecks, FeedId, FeedRecord, FeedUpdate, FetchedArticle,
    PendingStory, Pruned, Recorded, ScoredStory, SearchHit, SearchQuery, SeedChange, StoredStory,
    StoredVerdict, StoryId, StoryQuery,
};
use crate::normalize::{ContentHash, Story};

/// Stories indexed per statement by [`SearchIndex::index_all_pending`]:
/// large enough that FTS5 writes a few big segments instead of many small
/// ones, small enough that one batch holds the write lock for a fraction of
/// a second.
pub const INDEX_BATCH: usize = 1000;

/// Everything the pipeline uses, as one object. Implemented for every type
/// that implements the parts, so a backend implements only those.
pub trait Storage:
    FeedLog + StoryWriter + StoryReader + TopicVerdicts + SearchIndex + Prune + Nodes + Send
{
}

impl<T> Storage for T where
    T: FeedLog
        + StoryWriter
        + StoryReader
        + TopicVerdicts
        + SearchIndex
        + Prune
        + Nodes
        + Send
        + ?Sized
{
}

/// Stops the statement a connection is running, from any thread; the
/// interrupted call returns an error (and rolls back). A no-op when the
/// connection runs nothing.
pub trait Interrupt: Send + Sync {
    fn interrupt(&self);
}

/// The feeds' rows: what the scheduler and the conditional GET remember
/// between polls, and why a feed failed. None of these touches a story: a
/// feed that fails, answers 304 or disappears keeps every story it carried,
/// so a flaky server never empties a published feed.
pub trait FeedLog {
    /// Makes sure a row exists for a configured feed and records its
    /// configured title; returns what the store knows about it. Run for
    /// every configured feed at every start and reload, so it must be cheap
    /// and idempotent.
    fn ensure_feed(
        &mut self,
        url: &Url,
        title: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<FeedRecord>;

    /// The stored state of the feed configured at `url` (not where a
    /// redirect moved it: a redirect does not make another feed), if any.
    fn feed(&self, url: &Url) -> Result<Option<FeedRecord>>;

    /// Records a failed fetch: the message, the HTTP status if there was
    /// one, one more consecutive failure (the scheduler's backoff counts
    /// them). Validators stay, so the next poll is still conditional.
    fn record_failure(
        &mut self,
        feed: FeedId,
        now: DateTime<Utc>,
        http_status: Option<u16>,
        message: &str,
    ) -> Result<()>;

    /// Records a 304: the feed is healthy (no failures in a row) and was
    /// carrying the items of its last parsed body until `now`, which is what
    /// retention counts.
    fn record_not_modified(&mut self, feed: FeedId, now: DateTime<Utc>) -> Result<()>;

    /// Records a 2xx whose body has the digest of the last one parsed
    /// ([`FeedRecord::body_sha256`]): like a 304, plus the new validators
    /// for the next conditional GET.
    fn record_same_body(
        &mut self,
        feed: FeedId,
        now: DateTime<Utc>,
        etag: Option<&str>,
        last_modified: Option<&str>,
        http_status: u16,
    ) -> Result<()>;

    /// When the feed is next due. Persisted so that a restarted daemon
    /// neither polls every feed at once nor forgets a backoff, and shared,
    /// so that every node sharing the store knows it. Ends the lease of a
    /// claim ([`Nodes::claim_feed`]): the poll it was for is over.
    fn set_next_fetch(&mut self, feed: FeedId, at: DateTime<Utc>) -> Result<()>;

    /// Remembers the server's Retry-After, or forgets it with `None`. Called
    /// after every fetch and nearly always unchanged: make that case cheap.
    fn set_retry_after(&mut self, feed: FeedId, at: Option<DateTime<Utc>>) -> Result<()>;

    /// Records a permanent redirect: later polls fetch `to` directly, until
    /// the configuration changes ([`FeedLog::apply_config_digest`]).
    fn set_fetch_url(&mut self, feed: FeedId, to: &Url) -> Result<()>;

    /// Retires a feed whose server answered 410 Gone: not polled until the
    /// configuration changes.
    fn mark_gone(&mut self, feed: FeedId) -> Result<()>;

    /// Records `digest` as the configuration applied. When it differs from
    /// the last one, every retirement (410) and recorded redirect is
    /// forgotten in the same transaction: the user may have fixed the URL,
    /// and the server may have changed its mind. Returns whether it differed.
    fn apply_config_digest(&mut self, digest: &str) -> Result<bool>;

    /// How many distinct stories each feed has carried, by configured URL.
    fn stories_per_feed(&self) -> Result<HashMap<String, i64>>;

    /// What the article cache holds for each of `links` it has seen (a
    /// `full_text` feed's item links): the extracted article, or none with
    /// the failure's name, and when. A link it has not seen is absent.
    /// Recorded by [`record_articles`](Self::record_articles), kept across
    /// restarts.
    fn articles(&self, links: &[&str]) -> Result<HashMap<String, CachedArticle>>;

    /// Records what fetching each link gave: the outcome's name
    /// (`"extracted"`, or why not) and the article's sanitized markup when
    /// there is one. A link recorded again is replaced.
    fn record_articles(&mut self, articles: &[FetchedArticle], now: DateTime<Utc>) -> Result<()>;
}

/// Where items and seed articles become stories: the dedup, edit and
/// near-duplicate rules of ARCHITECTURE.md ("Storage") live behind these
/// methods, and a backend applies them exactly, because the published
/// entry ids and "also reported by" lists come out of them and feed
/// readers key on those ids.
///
/// What the rules need from a backend:
/// - one story per content hash; a sighting per (feed, guid) remembering the
///   hash the feed last sent, which is how an edit (same guid, new hash,
///   same story by link, wording or title) is told from a reused guid;
/// - a new story's cluster is chosen and its band keys written in the
///   transaction that inserts it, serialised with every other placement:
///   two near duplicates written at once must still meet;
/// - a founder with members never moves, and a deleted founder hands its
///   cluster to the earliest member, so an entry's id outlives its members;
///   a membership change moves the founder's `changed_at`;
/// - every story inserted is stored with its item's verdicts
///   ([`FeedUpdate::verdicts`]) when they come from the topic definitions
///   current in the same transaction, and is otherwise queued for scoring
///   ([`TopicVerdicts`]); every story whose title or text changes is
///   queued for scoring; both are queued for the search index
///   ([`SearchIndex`]); all in the same transaction: nothing is published
///   without a verdict coming, whoever wrote it (SQLite queues edits and
///   the search index by trigger, new stories in `insert_story`).
pub trait StoryWriter {
    /// Writes several feeds' fetches in one transaction, each feed as if
    /// under a savepoint of its own: a feed the store cannot take is rolled
    /// back alone and gets its `Err` in its slot (results are in `batch`
    /// order), the others are written. A feed's items, validators and status are
    /// written together or not at all: validators without their items would
    /// make the next poll a 304 and lose the items for good. `Err` from the
    /// call means nothing was written (the pipeline then writes feed by
    /// feed, so that each gets its own error).
    fn apply_updates(
        &mut self,
        now: DateTime<Utc>,
        batch: &[(FeedId, &FeedUpdate)],
    ) -> Result<Vec<Result<ApplyStats>>>;

    /// One feed's fetch: [`StoryWriter::apply_updates`] with a batch of one.
    fn apply_update(
        &mut self,
        feed: FeedId,
        now: DateTime<Utc>,
        update: &FeedUpdate,
    ) -> Result<ApplyStats> {
        let mut results = self.apply_updates(now, &[(feed, update)])?;
        results.pop().unwrap_or(Ok(ApplyStats::default()))
    }

    /// Stores a seed article under `key` (its file name, prefixed for a
    /// `[[topics]]` entry), in one transaction. Seeds define the topics, so
    /// their stories are never deleted here or by retention: an edit of the
    /// file updates its story in place (same uid), a story a feed carried
    /// first becomes the seed's, and a text that would merge two identities
    /// (another seed's, or for an edited seed any other story's) is
    /// reported ([`SeedChange::Duplicate`]) and not stored.
    fn upsert_seed(&mut self, key: &str, story: &Story, now: DateTime<Utc>) -> Result<SeedChange>;

    /// Which of `hashes` are some story's content now, as text. A hint for
    /// work done before the write (the parse workers score only contents
    /// not stored yet), never a decision: the write looks again in its own
    /// transaction. The default says none, which costs that work, never a
    /// wrong result.
    fn stored_hashes(&self, hashes: &[&ContentHash]) -> Result<HashSet<String>> {
        let _ = hashes;
        Ok(HashSet::new())
    }

    /// For each story, the near-duplicate candidates its placement would
    /// compare now, compared: read-only work done
    /// before the write, on any connection, so that the write transaction
    /// re-runs only the cheap index lookups and compares only candidates
    /// stored or changed since ([`FeedUpdate::candidates`]). The decision
    /// itself stays in the write transaction. The default checks nothing
    /// (one empty entry per story): the writer then does it all.
    fn check_candidates(&self, stories: &[&Story]) -> Result<Vec<CandidateChecks>> {
        Ok(vec![CandidateChecks::default(); stories.len()])
    }
}

/// What the published documents read. Each call is one snapshot, and none
/// waits for a writer (see the module's notes).
pub trait StoryReader {
    /// One entry per near-duplicate cluster, newest first by
    /// [`StoredStory::date`](super::StoredStory::date), entries without a
    /// date (undated seeds) after every dated one, ties by insertion,
    /// newest first; with its sources and the other members'
    /// outlets (`also_reported_by`); [`StoryQuery`] says which. The entry
    /// is the cluster's founder, so its `uid` does not change when another
    /// member joins; its `changed_at` does, and the documents' validators
    /// follow it. On a topic, a cluster is in when a member it takes is on
    /// the topic, and out when any member matched an exclude rule.
    fn stories(&self, query: &StoryQuery) -> Result<Vec<StoredStory>>;

    /// One story by its public id, with its sources and the other members
    /// of its cluster. Every member keeps its own page, so this answers for
    /// any stored story, not only the entries of the feeds.
    fn story_by_uid(&self, uid: &str) -> Result<Option<StoredStory>>;

    /// The public ids of the entries `query` selects, in its order, and
    /// nothing else of them: where a deep page begins (the server turns
    /// `?page=N` into a key once per change, instead of an OFFSET scan
    /// per request).
    fn story_uids(&self, query: &StoryQuery) -> Result<Vec<String>>;

    /// A handle that stops whatever statement this connection is running,
    /// from another thread: the server's work for a client that went away.
    fn interrupter(&self) -> Box<dyn Interrupt>;

    /// Number of stored stories (a metric).
    fn story_count(&self) -> Result<i64>;

    /// Answers when the database does: `/healthz` asks the server's own
    /// handle, so it fails when pages cannot be served.
    fn ping(&self) -> Result<()>;

    /// Hands back the memory this connection keeps as cache: called on a
    /// read connection left idle after a flood, so the process shrinks
    /// back instead of keeping every connection's cache full for good.
    fn release_memory(&self) {}
}

/// The score queue and the verdicts. Scoring is pure and slow, so it runs
/// outside the store and its lock; the store is therefore the judge of
/// whether verdicts that come back are still current. A topic definition
/// changed meanwhile (its digest) or a story edited or deleted meanwhile
/// (its content hash) makes them stale, and stale verdicts are never
/// written over newer state: the stories stay queued for the new scorers.
pub trait TopicVerdicts {
    /// Up to `limit` queued stories, newest first: after an upgrade or a
    /// new topic the whole store waits, and the stories on a feed's first
    /// page are the ones readers see. Reading does not dequeue (only
    /// recorded verdicts do), so a crash mid-scoring loses nothing.
    fn pending_scores(&self, limit: usize) -> Result<Vec<PendingStory>>;

    /// How many stories wait to be scored.
    fn pending_score_count(&self) -> Result<i64>;

    /// Records every topic's verdict on each story and takes it off the
    /// queue, in one transaction, if every `digests` entry (slug, digest) is
    /// the one recorded as current; else writes nothing and returns
    /// [`Recorded::Stale`]. A story whose content hash is no longer the one
    /// scored is skipped: edited, it is queued again; deleted, it is gone.
    fn record_verdicts(
        &mut self,
        digests: &[(String, String)],
        scored: &[ScoredStory],
        now: DateTime<Utc>,
    ) -> Result<Recorded>;

    /// Every recorded (slug, digest): the definitions the verdicts are from.
    fn topic_digests(&self) -> Result<Vec<(String, String)>>;

    /// Queues every story, records `digests` (slug, digest) as current and
    /// drops the verdicts of topics no longer given, in one transaction:
    /// new digests without the queue would make old verdicts look current.
    /// Returns how many stories wait to be scored.
    fn rescore_all(&mut self, digests: &[(String, String)]) -> Result<i64>;

    /// Every topic's stored verdict on a story, by slug.
    fn verdicts(&self, story: StoryId) -> Result<Vec<StoredVerdict>>;

    /// On-topic and off-topic story counts of a topic, for status output.
    fn topic_counts(&self, slug: &str) -> Result<(i64, i64)>;
}

/// Full-text search. Indexing lags writing on purpose: a story is queued
/// by the transaction that stores it ([`StoryWriter`]) and indexed in large
/// batches outside the feeds' transactions, because indexing one story at
/// a time cost more than the rest of its insert. Until then it is
/// published but not found.
pub trait SearchIndex {
    /// Indexes up to `limit` queued stories in one transaction and returns
    /// how many. Callers loop until it returns 0, a call per lock, so that
    /// the feeds' writes get in between.
    fn index_pending(&mut self, limit: usize) -> Result<usize>;

    /// How many stories wait to be indexed: a monitor's sign that the
    /// catching-up task has stopped or cannot keep up.
    fn pending_index_count(&self) -> Result<i64>;

    /// Indexes every queued story, [`INDEX_BATCH`] at a time; returns how
    /// many.
    fn index_all_pending(&mut self) -> Result<usize> {
        let mut total = 0;
        loop {
            match self.index_pending(INDEX_BATCH)? {
                0 => return Ok(total),
                n => total += n,
            }
        }
    }

    /// The stories matching `query`: on topic for `query.topic` first, then
    /// by relevance (a title match weighs more), then newest; a page of
    /// them. What a person typed is never an error: the query language is
    /// the small subset [`super::fts5_query`] documents, and text with
    /// nothing searchable matches nothing.
    fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>>;
}

/// Retention, whose rules are in `store::retention`. The unit is the
/// cluster: it goes whole or not at all, so no entry loses its founder or
/// half its "also reported by"; and a story's sightings, verdicts, band
/// keys and search entry go with it.
pub trait Prune {
    /// Deletes at most [`PRUNE_BATCH`](super::PRUNE_BATCH) clusters whose members were all last
    /// carried before a cutoff: `off_topic_before` for clusters with no
    /// member on any topic, `on_topic_before` for the others; `None` keeps
    /// them. Never a cluster with a seed or an unscored member. One
    /// transaction per batch, so that other writers get the store in
    /// between: run it through [`Pruned::until_done`], which stops at the
    /// first batch short of [`PRUNE_BATCH`](super::PRUNE_BATCH), so fewer means nothing is left.
    fn prune_batch(
        &mut self,
        on_topic_before: Option<DateTime<Utc>>,
        off_topic_before: Option<DateTime<Utc>>,
    ) -> Result<Pruned>;

    /// Deletes the article cache's links (`full_text` feeds) last fetched
    /// before `fetched_before`; returns how many. An item still carried
    /// after that is fetched again once: the cache only has to outlive the
    /// items feeds carry, not grow with every link ever seen.
    fn prune_articles(&mut self, fetched_before: DateTime<Utc>) -> Result<u64>;

    /// When retention last ran to the end, as [`Prune::set_pruned_at`]
    /// recorded it; `None` if never. Retention reads every story, and
    /// stories age by days: callers skip it when it ran within the hour
    /// (`SharedStore::prune_due`), which is most of a warm poll's time
    /// otherwise. Kept in the database, not in a process, so that
    /// `feedloom poll` run from cron every few minutes and several workers
    /// on one database share the schedule. The default knows nothing, so a
    /// backend without it prunes every time: slower, never wrong.
    fn pruned_at(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(None)
    }

    /// Records that retention ran to the end at `at` (see
    /// [`Prune::pruned_at`]). The default records nothing.
    fn set_pruned_at(&mut self, at: DateTime<Utc>) -> Result<()> {
        let _ = at;
        Ok(())
    }
}

/// What several feedloom nodes sharing one store agree on through it: who
/// polls a feed in each slot, and that the published documents changed.
/// One node alone goes through the same steps (a claim always wins).
pub trait Nodes {
    /// Claims the feed configured at `url` for one poll by `node`, until
    /// `until`, if it is due at `now` (its stored next poll is not later)
    /// and no other node's claim holds at `now`. Atomic: of the nodes that
    /// ask for the same feed at once, one wins. The claim ends when the
    /// poll is planned ([`FeedLog::set_next_fetch`]) or runs out (a node
    /// that died mid-poll), and `node` may always renew its own.
    fn claim_feed(
        &mut self,
        url: &Url,
        node: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Claim>;

    /// Brings the stored next poll of the feed at `url` forward to `at`
    /// if it is later: a schedule made faster applies at once, on every
    /// node (nodes reloading the same change write the same time).
    fn plan_feed(&mut self, url: &Url, at: DateTime<Utc>) -> Result<()>;

    /// The nodes holding a claim now or before (their leases may have run
    /// out): a node starting on a machine learns which of its host's
    /// processes died holding claims.
    fn claim_holders(&self) -> Result<Vec<String>>;

    /// Ends every claim `node` holds: at a clean stop (polls abandoned
    /// mid-way), and for a process known to be dead, so its feeds need not
    /// wait for the leases to run out.
    fn release_claims(&mut self, node: &str) -> Result<usize>;

    /// Counts one change to what is published (stories, verdicts, the
    /// configuration); returns the new count. Other nodes see the count
    /// move ([`Nodes::change_count`]) and render their documents again.
    fn mark_changed(&mut self) -> Result<i64>;

    /// The count [`Nodes::mark_changed`] moves.
    fn change_count(&self) -> Result<i64>;
}

/// What [`Nodes::claim_feed`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// This node polls the feed now (or the feed has no row yet, which
    /// only a feed no node has planned can lack).
    Won,
    /// Not due: another node polled it already; next due at `next`.
    NotDue { next: DateTime<Utc> },
    /// Another node is polling it; its claim runs until `until`.
    Held { node: String, until: DateTime<Utc> },
}
