//! Writing stories on SQLite: a batch of fetch results in one transaction
//! (each item a new story, a merge, an edit or a reused id), and seed
//! articles ([`StoryWriter`] for [`Store`]).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use url::Url;

use super::band_filter::BandFilter;
use super::cluster;
use super::open::Store;
use super::rows::RETIRED_GUID;
use super::topics::reason_text;
use crate::normalize::{ContentHash, Item, Story};
use crate::store::error::Result;
use crate::store::storage::StoryWriter;
use crate::store::types::{
    ApplyStats, CandidateChecks, FeedId, FeedUpdate, SeedChange, StoryId, new_story_uid,
};
use crate::topic::Verdict;

impl StoryWriter for Store {
    /// One commit for many feeds is what makes a cold poll fast here: the
    /// band index and the other indexes are written at random places, and
    /// every page a transaction touches goes to the WAL once per commit,
    /// not once per feed.
    ///
    /// The batch is first written without savepoints: under a savepoint
    /// SQLite copies every page before its first change (the statement
    /// journal), and with the band index's random pages that copying was
    /// about a tenth of a cold poll. A feed the store refuses is rare, so
    /// only then is the batch rolled back and written again with a
    /// savepoint per feed, which leaves the refused feed out alone.
    ///
    /// After the batch, the page cache is sized for the file
    /// (`writer_cache_kib`), and the band mover is nudged if the keys
    /// staged are due to move into the band file (`band_index`): the batch
    /// is stored whatever becomes of the move, and does not wait for it.
    fn apply_updates(
        &mut self,
        now: DateTime<Utc>,
        batch: &[(FeedId, &FeedUpdate)],
    ) -> Result<Vec<Result<ApplyStats>>> {
        let results = self.write_batch(now, batch)?;
        if let Err(error) = self.size_writer_cache() {
            tracing::warn!(
                error = %crate::error::error_chain(&error),
                "could not size the writer's page cache; it stays as it is"
            );
        }
        self.move_bands_if_due();
        Ok(results)
    }

    fn upsert_seed(&mut self, key: &str, story: &Story, now: DateTime<Utc>) -> Result<SeedChange> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let bands = &mut self.bands;
        bands.begin(&tx)?;
        let existing: Option<(i64, String, Option<String>, Option<i64>)> = tx
            .query_row(
                "SELECT id, content_hash, link, published_at FROM stories WHERE seed_key = ?1",
                [key],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()?;
        let holder = story_by_hash(&tx, &story.content_hash)?;
        let link = story.link.as_ref().map(Url::as_str);
        let published = story.published.map(|t| t.timestamp());
        let change = match (existing, holder) {
            // The hash covers title and text; front matter can also change
            // the link and the date.
            (Some((_, hash, old_link, old_published)), _)
                if hash == story.content_hash.as_str()
                    && old_link.as_deref() == link
                    && old_published == published =>
            {
                SeedChange::Unchanged
            }
            (Some((id, ..)), Some(other)) if other.0 != id => {
                // The edited seed now reads exactly like another stored
                // story: keep both as they are rather than merge two
                // identities.
                duplicate_of(&tx, other, key)?
            }
            (Some((id, ..)), _) => {
                update_story_content(&tx, StoryId(id), story, now, bands)?;
                SeedChange::Updated
            }
            (None, Some(other)) => {
                let owner: Option<String> = tx.query_row(
                    "SELECT seed_key FROM stories WHERE id = ?1",
                    [other.0],
                    |row| row.get(0),
                )?;
                if owner.is_some() {
                    duplicate_of(&tx, other, key)?
                } else {
                    // A feed carried this very article before it became a
                    // seed: the story becomes the seed's, and the seed's
                    // title, link and date win.
                    tx.execute(
                        "UPDATE stories SET seed_key = ?2, origin = 'seed' WHERE id = ?1",
                        params![other.0, key],
                    )?;
                    update_story_content(&tx, other, story, now, bands)?;
                    SeedChange::Updated
                }
            }
            (None, None) => {
                insert_story(
                    &tx,
                    "seed",
                    Some(key),
                    story,
                    Prepared::default(),
                    now,
                    bands,
                )?;
                SeedChange::Inserted
            }
        };
        tx.commit()?;
        Ok(change)
    }

    fn check_candidates(&self, stories: &[&Story]) -> Result<Vec<CandidateChecks>> {
        // One read transaction: one snapshot for all of them, taken once.
        let tx = self.conn.unchecked_transaction()?;
        let checks = stories
            .iter()
            .map(|story| cluster::check(&tx, story))
            .collect::<Result<Vec<_>>>()?;
        tx.commit()?;
        Ok(checks)
    }

    fn stored_hashes(&self, hashes: &[&ContentHash]) -> Result<HashSet<String>> {
        let mut stored = HashSet::new();
        let mut lookup = self
            .conn
            .prepare_cached("SELECT 1 FROM stories WHERE content_hash = ?1")?;
        for hash in hashes {
            if lookup.exists([hash.as_str()])? {
                stored.insert(hash.as_str().to_owned());
            }
        }
        Ok(stored)
    }
}

impl Store {
    /// The batch of [`StoryWriter::apply_updates`], written.
    fn write_batch(
        &mut self,
        now: DateTime<Utc>,
        batch: &[(FeedId, &FeedUpdate)],
    ) -> Result<Vec<Result<ApplyStats>>> {
        {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            self.bands.begin(&tx)?;
            let digests = current_digests(&tx)?;
            let mut results = Vec::with_capacity(batch.len());
            for &(feed, update) in batch {
                match apply_feed(&tx, feed, now, update, &digests, &mut self.bands) {
                    Ok(stats) => results.push(Ok(stats)),
                    // Alone, the feed's error is the batch's result (the
                    // transaction rolls back when dropped).
                    Err(error) if batch.len() == 1 => return Ok(vec![Err(error)]),
                    Err(_) => break,
                }
            }
            if results.len() == batch.len() {
                tx.commit()?;
                return Ok(results);
            }
        }
        let mut tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        self.bands.begin(&tx)?;
        let digests = current_digests(&tx)?;
        let mut results = Vec::with_capacity(batch.len());
        for &(feed, update) in batch {
            let savepoint = tx.savepoint()?;
            match apply_feed(&savepoint, feed, now, update, &digests, &mut self.bands) {
                Ok(stats) => {
                    savepoint.commit()?;
                    results.push(Ok(stats));
                }
                Err(error) => {
                    // Dropping the savepoint rolls it back, and perhaps
                    // the band keys' version with it.
                    drop(savepoint);
                    self.bands.rolled_back();
                    // A full disk, an I/O error or no memory makes SQLite
                    // roll back the whole transaction itself: the feeds
                    // before this one are gone too, so none was written.
                    if tx.is_autocommit() {
                        return Err(error);
                    }
                    results.push(Err(error));
                }
            }
        }
        tx.commit()?;
        Ok(results)
    }
}

/// One feed's fetch: its items, then its row.
fn apply_feed(
    tx: &Connection,
    feed: FeedId,
    now: DateTime<Utc>,
    update: &FeedUpdate,
    digests: &[(String, String)],
    bands: &mut BandFilter,
) -> Result<ApplyStats> {
    let mut stats = ApplyStats::default();
    // Verdicts from other topic definitions than the current ones are not
    // stored: the stories go to the queue, which the current scorers drain.
    let verdicts = update
        .verdicts
        .as_ref()
        .filter(|verdicts| same_topics(&verdicts.digests, digests));
    for (index, item) in update.items.iter().enumerate() {
        let prepared = Prepared {
            verdicts: verdicts.and_then(|verdicts| verdicts.item(index)),
            candidates: update.candidates.get(index),
        };
        apply_item(tx, feed, now, item, prepared, &mut stats, bands)?;
    }
    tx.prepare_cached(
        "UPDATE feeds SET etag = ?2, last_modified = ?3, last_fetch_at = ?4,
                last_success_at = ?4, last_status = 'ok', http_status = ?5,
                last_error = NULL, consecutive_failures = 0,
                feed_title = coalesce(?6, feed_title), site_link = coalesce(?7, site_link),
                body_sha256 = ?8, last_parsed_at = ?4
         WHERE id = ?1",
    )?
    .execute(params![
        feed.0,
        update.etag,
        update.last_modified,
        now.timestamp(),
        update.http_status,
        update.feed_title,
        update.site_link.as_ref().map(Url::as_str),
        update.body_sha256,
    ])?;
    Ok(stats)
}

/// Writes one feed item: see the schema's comment on `sightings` for why the
/// sighting keeps the hash the feed last sent.
fn apply_item(
    tx: &Connection,
    feed: FeedId,
    now: DateTime<Utc>,
    item: &Item,
    prepared: Prepared<'_>,
    stats: &mut ApplyStats,
    bands: &mut BandFilter,
) -> Result<()> {
    let hash = &item.story.content_hash;
    let link = item.story.link.as_ref().map(Url::as_str);
    let sighting: Option<(i64, i64, String)> = tx
        .prepare_cached(
            "SELECT id, story_id, content_hash FROM sightings WHERE feed_id = ?1 AND guid = ?2",
        )?
        .query_row(params![feed.0, item.guid], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })
        .optional()?;
    let holder = story_by_hash(tx, hash)?;
    let sighting = match sighting {
        Some((sighting_id, old, ref last_hash))
            if last_hash != hash.as_str() && !is_same_story(tx, StoryId(old), &item.story)? =>
        {
            // The feed gave this id to another story (a CMS that reuses
            // ids, a feed whose every item carries the site's URL as its
            // guid): the earlier story stays as it was, under its sighting
            // renamed out of the way, and the item is a new one.
            let retired = format!("{}{RETIRED_GUID}{sighting_id}", item.guid);
            tx.prepare_cached("UPDATE sightings SET guid = ?2 WHERE id = ?1")?
                .execute(params![sighting_id, retired])?;
            stats.reused_ids += 1;
            None
        }
        sighting => sighting,
    };
    match sighting {
        Some((sighting_id, _, ref last_hash)) if last_hash == hash.as_str() => {
            tx.prepare_cached("UPDATE sightings SET last_seen_at = ?2, link = ?3 WHERE id = ?1")?
                .execute(params![sighting_id, now.timestamp(), link])?;
            stats.unchanged += 1;
        }
        Some((sighting_id, old, _)) => {
            // The feed edited an item it had published before.
            let old = StoryId(old);
            let target = match holder {
                Some(existing) => existing,
                None if only_this_feed_has(tx, old)? => {
                    update_story_content(tx, old, &item.story, now, bands)?;
                    old
                }
                // Other feeds (or a seed) still have the old version: leave
                // theirs alone and give this feed's version its own story.
                None => {
                    stats.scored += usize::from(prepared.verdicts.is_some());
                    insert_story(tx, "feed", None, &item.story, prepared, now, bands)?
                }
            };
            tx.prepare_cached("UPDATE sightings SET story_id = ?2, content_hash = ?3, link = ?4, last_seen_at = ?5
                 WHERE id = ?1")?.execute(
                params![sighting_id, target.0, hash.as_str(), link, now.timestamp()],
            )?;
            if target != old {
                // The old version was this feed's alone: it is superseded.
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
                    stats.scored += usize::from(prepared.verdicts.is_some());
                    insert_story(tx, "feed", None, &item.story, prepared, now, bands)?
                }
            };
            tx.prepare_cached("INSERT INTO sightings (story_id, feed_id, guid, link, content_hash, seen_at, last_seen_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)")?.execute(
                params![story.0, feed.0, item.guid, link, hash.as_str(), now.timestamp()],
            )?;
        }
    }
    Ok(())
}

/// Whether `item`, arriving under the id of the stored story `old`, is an
/// edit of it rather than another story: it keeps the link, or a fifth of
/// its wording, or its title where there are no links to compare. A story
/// that keeps none of these is, for a reader, a different story.
fn is_same_story(tx: &Connection, old: StoryId, item: &Story) -> Result<bool> {
    let (title, link, text): (String, Option<String>, String) = tx
        .prepare_cached("SELECT title, link, content_text FROM stories WHERE id = ?1")?
        .query_row([old.0], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?;
    if link.is_some() && link.as_deref() == item.link.as_ref().map(Url::as_str) {
        return Ok(true);
    }
    let theirs = crate::cluster::shingles(&title, &text);
    let ours = crate::cluster::shingles(&item.title, &item.content_text);
    let similarity = crate::cluster::similarity(&ours, &theirs);
    if similarity.containment >= SAME_STORY_CONTAINMENT {
        return Ok(true);
    }
    // Rewritten under the same headline: an edit, unless the links say
    // otherwise.
    let same_title = title.trim().eq_ignore_ascii_case(item.title.trim());
    Ok(same_title && (link.is_none() || item.link.is_none()))
}

/// The share of the shorter version's 3-word shingles an edit keeps, at
/// least. Corrections, updates and added paragraphs keep far more; two
/// unrelated stories share almost none.
const SAME_STORY_CONTAINMENT: f64 = 0.2;

/// True when `story` came from feeds and this feed's sighting is its only
/// one, so an edit may change it in place.
fn only_this_feed_has(tx: &Connection, story: StoryId) -> Result<bool> {
    Ok(tx
        .prepare_cached(
            // Retired sightings (see `RETIRED_GUID`) do not count: the feed
            // carries the story under its live one only.
            "SELECT origin = 'feed'
                    AND (SELECT count(*) FROM sightings
                         WHERE story_id = ?1 AND instr(guid, char(31)) = 0) = 1
         FROM stories WHERE id = ?1",
        )?
        .query_row([story.0], |row| row.get(0))?)
}

/// Reports `key` as a duplicate of the seed (or story) `other`.
fn duplicate_of(tx: &Connection, other: StoryId, key: &str) -> Result<SeedChange> {
    let of: Option<String> = tx
        .prepare_cached("SELECT coalesce(seed_key, title) FROM stories WHERE id = ?1")?
        .query_row([other.0], |row| row.get(0))?;
    let of = of.unwrap_or_default();
    tracing::warn!(seed = key, duplicate_of = %of, "seed has the same content as another story; not stored twice");
    Ok(SeedChange::Duplicate { of })
}

fn story_by_hash(tx: &Connection, hash: &ContentHash) -> Result<Option<StoryId>> {
    Ok(tx
        .prepare_cached("SELECT id FROM stories WHERE content_hash = ?1")?
        .query_row([hash.as_str()], |row| row.get(0).map(StoryId))
        .optional()?)
}

/// Inserts a story with a fresh public id ([`new_story_uid`]). The story
/// joins its near-duplicate cluster, or founds one. It is stored with
/// `verdicts` (current ones: the caller checked) or else queued for
/// scoring: no story is left without a verdict coming.
fn insert_story(
    tx: &Connection,
    origin: &str,
    seed_key: Option<&str>,
    story: &Story,
    prepared: Prepared<'_>,
    now: DateTime<Utc>,
    bands: &mut BandFilter,
) -> Result<StoryId> {
    // The cluster is chosen before the row exists, so the row is written
    // once with its final `cluster_id`: a story's record holds its whole
    // text, and an UPDATE rewrites all of it. The id is chosen here too
    // (max + 1; this connection is the only writer inside its
    // transaction), so a founder can name itself. It is also above every
    // story in `band_gone`: a deleted story's staged keys stay until the
    // next move (see `band_index`), and a story given its id would inherit
    // them.
    let placement = cluster::choose(tx, story, prepared.candidates, bands)?;
    tx.prepare_cached(
        "INSERT INTO stories (id, uid, content_hash, origin, seed_key, title, link, author,
                              content_html, content_text, published_at, updated_at,
                              first_seen_at, changed_at, cluster_id, summary)
         SELECT n, ?14, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11,
                coalesce(?12, n), ?13
         FROM (SELECT max(coalesce((SELECT max(id) FROM stories), 0),
                          coalesce((SELECT max(story_id) FROM band_gone), 0)) + 1 AS n)",
    )?
    .execute(params![
        story.content_hash.as_str(),
        origin,
        seed_key,
        story.title,
        story.link.as_ref().map(Url::as_str),
        story.author,
        story.content_html,
        story.content_text,
        plausible(story.published, now),
        plausible(story.updated, now),
        now.timestamp(),
        placement.joined.map(|cluster| cluster.0),
        story.summary,
        new_story_uid(),
    ])?;
    let id = StoryId(tx.last_insert_rowid());
    cluster::index_new(tx, id, &story.fingerprint, &placement, now, bands)?;
    match prepared.verdicts {
        Some(verdicts) => {
            let mut insert = tx.prepare_cached(
                "INSERT INTO story_topics (topic, story_id, score, on_topic, reason, scored_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (topic, verdict) in verdicts {
                insert.execute(params![
                    topic,
                    id.0,
                    verdict.score,
                    verdict.on_topic,
                    reason_text(&verdict.reason),
                    now.timestamp()
                ])?;
            }
        }
        None => {
            tx.prepare_cached("INSERT INTO score_queue (story_id) VALUES (?1)")?
                .execute([id.0])?;
        }
    }
    Ok(id)
}

/// What was worked out for an item before the write (see [`FeedUpdate`]):
/// verdicts that are current, and near-duplicate candidates checked.
#[derive(Clone, Copy, Default)]
struct Prepared<'a> {
    verdicts: Option<&'a [(String, Verdict)]>,
    candidates: Option<&'a CandidateChecks>,
}

/// Every (slug, digest) recorded as current, sorted: read once per
/// transaction, which the writer holds, so it cannot change under it.
fn current_digests(tx: &Connection) -> Result<Vec<(String, String)>> {
    let mut digests: Vec<(String, String)> = tx
        .prepare_cached(
            "SELECT substr(key, 14), value FROM meta WHERE key LIKE 'topic\\_digest:%' ESCAPE '\\'",
        )?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    digests.sort();
    Ok(digests)
}

/// Whether verdicts computed under `theirs` are current under `current`
/// (sorted): the same topics, each with the same definition. A topic
/// missing from `theirs` would leave the story without its verdict.
fn same_topics(theirs: &[(String, String)], current: &[(String, String)]) -> bool {
    theirs.len() == current.len()
        && theirs
            .iter()
            .all(|pair| current.binary_search(pair).is_ok())
}

/// A feed's date as stored: one more than a day ahead of `now` is a wrong
/// clock or a placeholder ("2099-12-31"), and kept it would pin the story
/// to the top of every newest-first feed for decades; it is dropped, so
/// the story sorts by when it was first seen.
fn plausible(at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Option<i64> {
    at.filter(|at| *at <= now + chrono::Duration::days(1))
        .map(|at| at.timestamp())
}

/// Rewrites a story's content in place (same id and uid), re-indexing it
/// for clustering.
fn update_story_content(
    tx: &Connection,
    id: StoryId,
    story: &Story,
    now: DateTime<Utc>,
    bands: &mut BandFilter,
) -> Result<()> {
    // The keys of its text until now, to take out of the stage tables.
    let before = tx
        .prepare_cached("SELECT title, content_text FROM stories WHERE id = ?1")?
        .query_row([id.0], |row| {
            Ok(crate::cluster::fingerprint(
                &row.get::<_, String>(0)?,
                &row.get::<_, String>(1)?,
            ))
        })?;
    tx.prepare_cached(
        "UPDATE stories SET content_hash = ?2, title = ?3, link = ?4, author = ?5,
                content_html = ?6, content_text = ?7, published_at = ?8, updated_at = ?9,
                changed_at = ?10, summary = ?11
         WHERE id = ?1",
    )?
    .execute(params![
        id.0,
        story.content_hash.as_str(),
        story.title,
        story.link.as_ref().map(Url::as_str),
        story.author,
        story.content_html,
        story.content_text,
        plausible(story.published, now),
        plausible(story.updated, now),
        now.timestamp(),
        story.summary,
    ])?;
    cluster::place_edited(tx, id, story, &before, now, bands)?;
    Ok(())
}
