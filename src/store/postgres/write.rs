//! Writing stories on PostgreSQL ([`StoryWriter`] for [`Store`]): a batch
//! of fetch results in one transaction, each feed under a savepoint (on
//! PostgreSQL one failed statement aborts the transaction, so a refused
//! feed must be rolled back to its savepoint for the others to commit),
//! and seed articles. The rules are SQLite's (`store/sqlite/write.rs`),
//! statement for statement; the locks that keep several nodes from
//! storing one content twice are taken first (see `locks`).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use url::Url;

use super::cluster;
use super::connection::is_transient;
use super::locks::{self, Slots};
use super::open::Store;
use super::rows::RETIRED_GUID;
use super::statements::Run;
use crate::normalize::{ContentHash, Item, Story};
use crate::store::error::Result;
use crate::store::storage::StoryWriter;
use crate::store::types::{ApplyStats, FeedId, FeedUpdate, SeedChange, StoryId, new_story_uid};

impl StoryWriter for Store {
    /// A batch PostgreSQL rolled back to break a deadlock (writers
    /// touching the same founders in another order, a verdict's row lock)
    /// is written again, at most [`ATTEMPTS`] times in all.
    fn apply_updates(
        &mut self,
        now: DateTime<Utc>,
        batch: &[(FeedId, &FeedUpdate)],
    ) -> Result<Vec<Result<ApplyStats>>> {
        let mut attempt = 1;
        loop {
            match self.try_apply_updates(now, batch) {
                Err(error) if is_transient(&error) && attempt < ATTEMPTS => attempt += 1,
                Ok(results)
                    if attempt < ATTEMPTS
                        && results
                            .iter()
                            .any(|result| result.as_ref().is_err_and(is_transient)) =>
                {
                    attempt += 1
                }
                outcome => return outcome,
            }
        }
    }

    fn upsert_seed(&mut self, key: &str, story: &Story, now: DateTime<Utc>) -> Result<SeedChange> {
        self.write(|tx| {
            let mut slots = Slots::default();
            slots.add(&story.content_hash, &story.fingerprint);
            locks::lock(tx, slots)?;
            let existing = tx.query_opt(
                "SELECT id, content_hash, link, published_at FROM stories WHERE seed_key = $1",
                &[&key],
            )?;
            let existing: Option<(i64, String, Option<String>, Option<i64>)> = match existing {
                Some(row) => Some((
                    row.try_get(0)?,
                    row.try_get(1)?,
                    row.try_get(2)?,
                    row.try_get(3)?,
                )),
                None => None,
            };
            let holder = story_by_hash(tx, &story.content_hash)?;
            let link = story.link.as_ref().map(Url::as_str);
            let published = story.published.map(|t| t.timestamp());
            let change = match (existing, holder) {
                (Some((_, hash, old_link, old_published)), _)
                    if hash == story.content_hash.as_str()
                        && old_link.as_deref() == link
                        && old_published == published =>
                {
                    SeedChange::Unchanged
                }
                (Some((id, ..)), Some(other)) if other.0 != id => duplicate_of(tx, other, key)?,
                (Some((id, ..)), _) => {
                    update_story_content(tx, StoryId(id), story, now)?;
                    SeedChange::Updated
                }
                (None, Some(other)) => {
                    let owner: Option<String> = tx
                        .query_one("SELECT seed_key FROM stories WHERE id = $1", &[&other.0])?
                        .try_get(0)?;
                    if owner.is_some() {
                        duplicate_of(tx, other, key)?
                    } else {
                        tx.execute(
                            "UPDATE stories SET seed_key = $2, origin = 'seed' WHERE id = $1",
                            &[&other.0, &key],
                        )?;
                        update_story_content(tx, other, story, now)?;
                        SeedChange::Updated
                    }
                }
                (None, None) => {
                    insert_story(tx, "seed", Some(key), story, now)?;
                    SeedChange::Inserted
                }
            };
            Ok(change)
        })
    }
}

/// The hash each of the update's guids last sent from this feed: items
/// that send it again write no story, so they need no lock.
fn known_hashes(
    tx: &mut impl Run,
    feed: FeedId,
    update: &FeedUpdate,
) -> Result<HashMap<String, String>> {
    let guids: Vec<&str> = update.items.iter().map(|item| item.guid.as_str()).collect();
    if guids.is_empty() {
        return Ok(HashMap::new());
    }
    tx.query(
        "SELECT guid, content_hash FROM sightings WHERE feed_id = $1 AND guid = ANY($2)",
        &[&feed.0, &guids],
    )?
    .iter()
    .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
    .collect()
}

/// Tries at most this many times to write a batch PostgreSQL rolled back
/// to break a deadlock.
const ATTEMPTS: usize = 3;

impl Store {
    /// One attempt at [`StoryWriter::apply_updates`]. A feed whose
    /// savepoint was rolled back for a deadlock leaves a transient error in
    /// its slot, which makes the caller write the whole batch again.
    fn try_apply_updates(
        &mut self,
        now: DateTime<Utc>,
        batch: &[(FeedId, &FeedUpdate)],
    ) -> Result<Vec<Result<ApplyStats>>> {
        self.write(|tx| {
            let mut slots = Slots::default();
            for &(feed, update) in batch {
                let known = known_hashes(tx, feed, update)?;
                for item in &update.items {
                    let hash = item.story.content_hash.as_str();
                    if known.get(&item.guid).map(String::as_str) != Some(hash) {
                        slots.add(&item.story.content_hash, &item.story.fingerprint);
                    }
                }
            }
            locks::lock(tx, slots)?;
            let mut results = Vec::with_capacity(batch.len());
            for &(feed, update) in batch {
                let mut savepoint = tx.savepoint("feed")?;
                match apply_feed(&mut savepoint, feed, now, update) {
                    Ok(stats) => {
                        savepoint.commit()?;
                        results.push(Ok(stats));
                    }
                    // Dropping the savepoint rolls it back. A lost connection
                    // fails the next statement, and with it the call.
                    Err(error) => results.push(Err(error)),
                }
            }
            Ok(results)
        })
    }
}

/// One feed's fetch: its items, then its row.
fn apply_feed(
    tx: &mut impl Run,
    feed: FeedId,
    now: DateTime<Utc>,
    update: &FeedUpdate,
) -> Result<ApplyStats> {
    let mut stats = ApplyStats::default();
    for item in &update.items {
        apply_item(tx, feed, now, item, &mut stats)?;
    }
    tx.execute(
        "UPDATE feeds SET etag = $2, last_modified = $3, last_fetch_at = $4,
                last_success_at = $4, last_status = 'ok', http_status = $5,
                last_error = NULL, consecutive_failures = 0,
                feed_title = coalesce($6, feed_title), site_link = coalesce($7, site_link),
                body_sha256 = $8, last_parsed_at = $4
         WHERE id = $1",
        &[
            &feed.0,
            &update.etag,
            &update.last_modified,
            &now.timestamp(),
            &i32::from(update.http_status),
            &update.feed_title,
            &update.site_link.as_ref().map(Url::as_str),
            &update.body_sha256,
        ],
    )?;
    Ok(stats)
}

/// Writes one feed item (the rules of `store/sqlite/write.rs`).
fn apply_item(
    tx: &mut impl Run,
    feed: FeedId,
    now: DateTime<Utc>,
    item: &Item,
    stats: &mut ApplyStats,
) -> Result<()> {
    let hash = &item.story.content_hash;
    let link = item.story.link.as_ref().map(Url::as_str);
    let sighting: Option<(i64, i64, String)> = match tx.query_opt(
        "SELECT id, story_id, content_hash FROM sightings WHERE feed_id = $1 AND guid = $2",
        &[&feed.0, &item.guid],
    )? {
        Some(row) => Some((row.try_get(0)?, row.try_get(1)?, row.try_get(2)?)),
        None => None,
    };
    let holder = story_by_hash(tx, hash)?;
    let sighting = match sighting {
        Some((sighting_id, old, ref last_hash))
            if last_hash != hash.as_str() && !is_same_story(tx, StoryId(old), &item.story)? =>
        {
            // The feed gave this id to another story: the earlier story
            // stays under its sighting renamed out of the way.
            let retired = format!("{}{RETIRED_GUID}{sighting_id}", item.guid);
            tx.execute(
                "UPDATE sightings SET guid = $2 WHERE id = $1",
                &[&sighting_id, &retired],
            )?;
            stats.reused_ids += 1;
            None
        }
        sighting => sighting,
    };
    match sighting {
        Some((sighting_id, _, ref last_hash)) if last_hash == hash.as_str() => {
            tx.execute(
                "UPDATE sightings SET last_seen_at = $2, link = $3 WHERE id = $1",
                &[&sighting_id, &now.timestamp(), &link],
            )?;
            stats.unchanged += 1;
        }
        Some((sighting_id, old, _)) => {
            let old = StoryId(old);
            let target = match holder {
                Some(existing) => existing,
                None if only_this_feed_has(tx, old)? => {
                    update_story_content(tx, old, &item.story, now)?;
                    old
                }
                None => insert_story(tx, "feed", None, &item.story, now)?,
            };
            tx.execute(
                "UPDATE sightings SET story_id = $2, content_hash = $3, link = $4, last_seen_at = $5
                 WHERE id = $1",
                &[&sighting_id, &target.0, &hash.as_str(), &link, &now.timestamp()],
            )?;
            if target != old {
                cluster::delete_superseded(tx, old, now)?;
            }
            stats.updated += 1;
        }
        None => {
            let story = match holder {
                Some(existing) => {
                    stats.merged += 1;
                    existing
                }
                None => {
                    stats.new_stories += 1;
                    insert_story(tx, "feed", None, &item.story, now)?
                }
            };
            tx.execute(
                "INSERT INTO sightings (story_id, feed_id, guid, link, content_hash, seen_at, last_seen_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $6)",
                &[&story.0, &feed.0, &item.guid, &link, &hash.as_str(), &now.timestamp()],
            )?;
        }
    }
    Ok(())
}

/// Whether `item`, under the id of the stored story `old`, is an edit of
/// it: it keeps the link, or a fifth of its wording, or its title where
/// there are no links to compare.
fn is_same_story(tx: &mut impl Run, old: StoryId, item: &Story) -> Result<bool> {
    let row = tx.query_one(
        "SELECT title, link, content_text FROM stories WHERE id = $1",
        &[&old.0],
    )?;
    let (title, link, text): (String, Option<String>, String) =
        (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?);
    if link.is_some() && link.as_deref() == item.link.as_ref().map(Url::as_str) {
        return Ok(true);
    }
    let theirs = crate::cluster::shingles(&title, &text);
    let ours = crate::cluster::shingles(&item.title, &item.content_text);
    let similarity = crate::cluster::similarity(&ours, &theirs);
    if similarity.containment >= SAME_STORY_CONTAINMENT {
        return Ok(true);
    }
    let same_title = title.trim().eq_ignore_ascii_case(item.title.trim());
    Ok(same_title && (link.is_none() || item.link.is_none()))
}

/// The share of the shorter version's 3-word shingles an edit keeps, at
/// least (SQLite's).
const SAME_STORY_CONTAINMENT: f64 = 0.2;

/// True when `story` came from feeds and this feed's live sighting is its
/// only one.
fn only_this_feed_has(tx: &mut impl Run, story: StoryId) -> Result<bool> {
    Ok(tx
        .query_one(
            "SELECT origin = 'feed'
                    AND (SELECT count(*) FROM sightings
                         WHERE story_id = $1 AND strpos(guid, chr(31)) = 0) = 1
             FROM stories WHERE id = $1",
            &[&story.0],
        )?
        .try_get(0)?)
}

fn duplicate_of(tx: &mut impl Run, other: StoryId, key: &str) -> Result<SeedChange> {
    let of: Option<String> = tx
        .query_one(
            "SELECT coalesce(seed_key, title) FROM stories WHERE id = $1",
            &[&other.0],
        )?
        .try_get(0)?;
    let of = of.unwrap_or_default();
    tracing::warn!(seed = key, duplicate_of = %of, "seed has the same content as another story; not stored twice");
    Ok(SeedChange::Duplicate { of })
}

fn story_by_hash(tx: &mut impl Run, hash: &ContentHash) -> Result<Option<StoryId>> {
    Ok(tx
        .query_opt(
            "SELECT id FROM stories WHERE content_hash = $1",
            &[&hash.as_str()],
        )?
        .map(|row| row.try_get(0).map(StoryId))
        .transpose()?)
}

/// Inserts a story with a fresh public id ([`new_story_uid`], as on
/// SQLite) in the cluster it joins, or founding its own: the row id is
/// drawn first so that a founder names itself.
fn insert_story(
    tx: &mut impl Run,
    origin: &str,
    seed_key: Option<&str>,
    story: &Story,
    now: DateTime<Utc>,
) -> Result<StoryId> {
    let joined = cluster::choose(tx, story)?;
    let row = tx.query_one(
        "WITH n AS (SELECT nextval(pg_get_serial_sequence('stories', 'id')) AS id)
         INSERT INTO stories (id, uid, content_hash, origin, seed_key, title, link, author,
                              content_html, content_text, published_at, updated_at,
                              first_seen_at, changed_at, cluster_id, summary)
         SELECT n.id, $14, $1, $2, $3, $4, $5, $6, $7,
                $8, $9, $10, $11, $11, coalesce($12, n.id), $13
         FROM n
         RETURNING id",
        &[
            &story.content_hash.as_str(),
            &origin,
            &seed_key,
            &story.title,
            &story.link.as_ref().map(Url::as_str),
            &story.author,
            &story.content_html,
            &story.content_text,
            &plausible(story.published, now),
            &plausible(story.updated, now),
            &now.timestamp(),
            &joined.map(|cluster| cluster.0),
            &story.summary,
            &new_story_uid(),
        ],
    )?;
    let id = StoryId(row.try_get(0)?);
    cluster::index_new(tx, id, &story.fingerprint, joined, now)?;
    Ok(id)
}

/// A feed's date as stored: more than a day ahead of `now` is dropped, as
/// on SQLite.
fn plausible(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<i64> {
    at.filter(|at| *at <= now + chrono::Duration::days(1))
        .map(|at| at.timestamp())
}

/// Rewrites a story's content in place (same id and uid), re-placing it.
fn update_story_content(
    tx: &mut impl Run,
    id: StoryId,
    story: &Story,
    now: DateTime<Utc>,
) -> Result<()> {
    tx.execute(
        "UPDATE stories SET content_hash = $2, title = $3, link = $4, author = $5,
                content_html = $6, content_text = $7, published_at = $8, updated_at = $9,
                changed_at = $10, summary = $11
         WHERE id = $1",
        &[
            &id.0,
            &story.content_hash.as_str(),
            &story.title,
            &story.link.as_ref().map(Url::as_str),
            &story.author,
            &story.content_html,
            &story.content_text,
            &plausible(story.published, now),
            &plausible(story.updated, now),
            &now.timestamp(),
            &story.summary,
        ],
    )?;
    cluster::place_edited(tx, id, story, now)?;
    Ok(())
}
