//! Retention on PostgreSQL ([`Prune`] for [`Store`]): SQLite's rules (see
//! `store/sqlite/retention.rs`) in one statement per batch. A node adding
//! a member to a cluster being pruned meets the deferred reference on
//! `stories.cluster_id`: one of the two transactions fails and is retried
//! later, so no story is left pointing at a deleted cluster.

use chrono::{DateTime, Utc};

use super::open::Store;
use super::rows::big;
use crate::store::error::Result;
use crate::store::storage::Prune;
use crate::store::types::{PRUNE_BATCH, Pruned};

impl Prune for Store {
    fn prune_batch(
        &mut self,
        on_topic_before: Option<DateTime<Utc>>,
        off_topic_before: Option<DateTime<Utc>>,
    ) -> Result<Pruned> {
        let cutoff = |at: Option<DateTime<Utc>>| at.map_or(i64::MIN, |at| at.timestamp());
        let (on_topic, off_topic) = (cutoff(on_topic_before), cutoff(off_topic_before));
        if on_topic == i64::MIN && off_topic == i64::MIN {
            return Ok(Pruned::default());
        }
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        let deleted = tx.query(
            "WITH latest AS (
                 SELECT g.feed_id,
                        coalesce(f.last_parsed_at, max(g.last_seen_at)) AS parsed_at,
                        f.last_success_at AS confirmed_at
                 FROM sightings g JOIN feeds f ON f.id = g.feed_id
                 GROUP BY g.feed_id, f.last_parsed_at, f.last_success_at
             ),
             seen AS (
                 SELECT g.story_id,
                        max(CASE WHEN g.last_seen_at >= l.parsed_at
                                 THEN greatest(g.last_seen_at, coalesce(l.confirmed_at, 0))
                                 ELSE g.last_seen_at END) AS seen_at
                 FROM sightings g JOIN latest l ON l.feed_id = g.feed_id
                 GROUP BY g.story_id
             ),
             doomed AS (
                 SELECT s.cluster_id
                 FROM stories s LEFT JOIN seen ON seen.story_id = s.id
                 GROUP BY s.cluster_id
                 HAVING count(*) FILTER (WHERE s.origin <> 'feed') = 0
                    AND NOT EXISTS (SELECT 1 FROM stories m JOIN score_queue q ON q.story_id = m.id
                                    WHERE m.cluster_id = s.cluster_id)
                    AND max(greatest(s.first_seen_at, coalesce(seen.seen_at, 0))) <
                        CASE WHEN EXISTS (SELECT 1 FROM stories m
                                          JOIN story_topics t ON t.story_id = m.id
                                          WHERE m.cluster_id = s.cluster_id AND t.on_topic)
                             THEN $1::bigint ELSE $2::bigint END
                 LIMIT $3
             )
             DELETE FROM stories WHERE cluster_id IN (SELECT cluster_id FROM doomed)
             RETURNING cluster_id",
            &[&on_topic, &off_topic, &big(PRUNE_BATCH)],
        )?;
        tx.commit()?;
        let mut clusters: Vec<i64> = deleted
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()?;
        let stories = clusters.len();
        clusters.sort_unstable();
        clusters.dedup();
        Ok(Pruned {
            clusters: clusters.len(),
            stories,
        })
    }

    fn prune_articles(&mut self, fetched_before: DateTime<Utc>) -> Result<u64> {
        Ok(self.client()?.execute(
            "DELETE FROM articles WHERE fetched_at < $1",
            &[&fetched_before.timestamp()],
        )?)
    }
}
