//! Retention: deleting stories nobody will read again, so that a
//! long-running instance's database stays bounded.
//!
//! The unit is the near-duplicate cluster, never a single story: a cluster
//! goes as a whole or not at all, so no published entry loses its founder
//! or an "also reported by" line half-way. A cluster is pruned when
//! - every member is older than the cutoff, counting both when feedloom
//!   first stored it and when a feed last carried it, 304s included (an
//!   item still in its feed would otherwise come back as a "new" story the
//!   next time that feed changes);
//! - none of its members is a seed (seeds define the topics);
//! - every member has been scored (an unscored story's fate is not known);
//! - and, for the off-topic cutoff, no member is on any topic.
//!
//! Deleting a story takes its sightings, verdicts, band keys and search
//! entry with it (foreign keys and triggers, see the migrations).

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::open::Store;
use super::rows::from_unix;
use crate::store::error::Result;
use crate::store::storage::Prune;
use crate::store::types::{PRUNE_BATCH, Pruned};

impl Prune for Store {
    fn prune_batch(
        &mut self,
        on_topic_before: Option<DateTime<Utc>>,
        off_topic_before: Option<DateTime<Utc>>,
    ) -> Result<Pruned> {
        // i64::MIN: nothing is older than that, so `None` prunes nothing.
        let cutoff = |at: Option<DateTime<Utc>>| at.map_or(i64::MIN, |at| at.timestamp());
        let (on_topic, off_topic) = (cutoff(on_topic_before), cutoff(off_topic_before));
        if on_topic == i64::MIN && off_topic == i64::MIN {
            return Ok(Pruned::default());
        }
        {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute_batch(
                "CREATE TEMP TABLE IF NOT EXISTS prune_clusters (cluster INTEGER PRIMARY KEY);
                 DELETE FROM temp.prune_clusters;",
            )?;
            let clusters = tx.prepare_cached(FIND_CLUSTERS)?.execute(params![
                on_topic,
                off_topic,
                PRUNE_BATCH as i64
            ])?;
            let stories = tx
                .prepare_cached(
                    "DELETE FROM stories WHERE cluster_id IN (SELECT cluster FROM temp.prune_clusters)",
                )?
                .execute([])?;
            tx.commit()?;
            // The pruned stories' keys in the band file go at the next move.
            self.move_bands_if_due();
            Ok(Pruned { clusters, stories })
        }
    }

    fn prune_articles(&mut self, fetched_before: DateTime<Utc>) -> Result<u64> {
        let deleted = self
            .conn
            .prepare_cached("DELETE FROM articles WHERE fetched_at < ?1")?
            .execute([fetched_before.timestamp()])?;
        Ok(u64::try_from(deleted).unwrap_or(u64::MAX))
    }

    fn pruned_at(&self) -> Result<Option<DateTime<Utc>>> {
        let at: Option<String> = self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
            .query_row([PRUNED_AT_KEY], |row| row.get(0))
            .optional()?;
        // Something else in the value (an edit by hand) counts as never:
        // the next poll prunes and writes it again.
        Ok(at.and_then(|at| at.parse::<i64>().ok()).and_then(from_unix))
    }

    fn set_pruned_at(&mut self, at: DateTime<Utc>) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute(params![PRUNED_AT_KEY, at.timestamp().to_string()])?;
        Ok(())
    }
}

/// The clusters [`Prune::prune_batch`] deletes, into `temp.prune_clusters`:
/// ?1 the on-topic cutoff, ?2 the off-topic one, ?3 the most to take.
///
/// When a feed last carried a story: the last time a parsed body had it,
/// or, for the items of the feed's latest parsed body, the feed's latest
/// success (a 304 says the same items are still there). A latest body with
/// no items carries nothing. Databases from before `last_parsed_at` use
/// the newest sighting instead. The stories are read through
/// `stories_by_cluster` alone (migration 17): their first sight comes after
/// their text in the row, and reading it from the table walked every
/// story's overflow pages.
pub(super) const FIND_CLUSTERS: &str = "WITH latest AS (
         SELECT g.feed_id,
                coalesce(f.last_parsed_at, max(g.last_seen_at)) AS parsed_at,
                f.last_success_at AS confirmed_at
         FROM sightings g JOIN feeds f ON f.id = g.feed_id
         GROUP BY g.feed_id
     ),
     seen AS (
         SELECT g.story_id,
                max(CASE WHEN g.last_seen_at >= l.parsed_at
                         THEN max(g.last_seen_at, coalesce(l.confirmed_at, 0))
                         ELSE g.last_seen_at END) AS seen_at
         FROM sightings g JOIN latest l ON l.feed_id = g.feed_id
         GROUP BY g.story_id
     )
     INSERT INTO temp.prune_clusters (cluster)
     SELECT s.cluster_id
     FROM stories s LEFT JOIN seen ON seen.story_id = s.id
     GROUP BY s.cluster_id
     HAVING sum(s.origin <> 'feed') = 0
        AND NOT EXISTS (SELECT 1 FROM stories m CROSS JOIN score_queue q ON q.story_id = m.id
                        WHERE m.cluster_id = s.cluster_id)
        AND max(max(s.first_seen_at, coalesce(seen.seen_at, 0))) <
            CASE WHEN EXISTS (SELECT 1 FROM stories m
                              CROSS JOIN story_topics t ON t.story_id = m.id
                              WHERE m.cluster_id = s.cluster_id AND t.on_topic)
                 THEN ?1 ELSE ?2 END
     LIMIT ?3";

/// The `meta` key of [`Prune::pruned_at`]: Unix seconds, as text.
const PRUNED_AT_KEY: &str = "pruned_at";
