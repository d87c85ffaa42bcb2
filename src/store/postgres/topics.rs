//! Topic verdicts on PostgreSQL ([`TopicVerdicts`] for [`Store`]): the
//! score queue, the verdicts and each topic's digest.
//!
//! Several nodes drain one queue. [`TopicVerdicts::pending_scores`] leases
//! the batch it hands out: the rows are chosen with FOR UPDATE SKIP LOCKED
//! (a row another node is claiming is passed over, never waited for) and
//! marked with this connection's backend pid and a deadline, so each story
//! is scored by one node. Reading still does not dequeue: only recorded
//! verdicts do, and a lease that runs out (its node died mid-scoring) frees
//! its rows for the others. The connection that holds a lease gets its rows
//! again on its next call, so a stale batch is retried where it was read.

use chrono::{DateTime, Utc};

use super::open::Store;
use super::rows::{big, from_unix};
use crate::store::error::Result;
use crate::store::reason_text;
use crate::store::storage::TopicVerdicts;
use crate::store::types::{PendingStory, Recorded, ScoredStory, StoredVerdict, StoryId};

/// How long a leased batch stays with its node: far longer than scoring a
/// batch takes, short enough that a dead node's batch is soon scored.
const LEASE_SECONDS: i64 = 300;

impl TopicVerdicts for Store {
    fn pending_scores(&self, limit: usize) -> Result<Vec<PendingStory>> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        let rows = tx.query(
            "WITH now AS (SELECT extract(epoch FROM clock_timestamp())::bigint AS at),
             claimed AS (
                 SELECT q.story_id FROM score_queue q, now
                 WHERE q.claimed_until IS NULL OR q.claimed_until < now.at
                       OR q.claimed_by = pg_backend_pid()
                 ORDER BY q.story_id DESC
                 LIMIT $1
                 FOR UPDATE OF q SKIP LOCKED
             ),
             leased AS (
                 UPDATE score_queue q
                 SET claimed_by = pg_backend_pid(), claimed_until = now.at + $2
                 FROM claimed, now
                 WHERE q.story_id = claimed.story_id
                 RETURNING q.story_id
             )
             SELECT s.id, s.title, s.content_text, s.content_hash
             FROM leased JOIN stories s ON s.id = leased.story_id
             ORDER BY s.id DESC",
            &[&big(limit), &LEASE_SECONDS],
        )?;
        tx.commit()?;
        rows.iter()
            .map(|row| {
                Ok(PendingStory {
                    id: StoryId(row.try_get(0)?),
                    title: row.try_get(1)?,
                    content_text: row.try_get(2)?,
                    content_hash: row.try_get(3)?,
                })
            })
            .collect()
    }

    fn pending_score_count(&self) -> Result<i64> {
        Ok(self
            .client()?
            .query_one("SELECT count(*) FROM score_queue", &[])?
            .try_get(0)?)
    }

    fn record_verdicts(
        &mut self,
        digests: &[(String, String)],
        scored: &[ScoredStory],
        now: DateTime<Utc>,
    ) -> Result<Recorded> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        for (slug, digest) in digests {
            // Locked, so that a rescore cannot commit new digests between
            // this check and the verdicts' commit.
            let recorded: Option<String> = tx
                .query_opt(
                    "SELECT value FROM meta WHERE key = $1 FOR SHARE",
                    &[&format!("topic_digest:{slug}")],
                )?
                .map(|row| row.try_get(0))
                .transpose()?;
            if recorded.as_deref() != Some(digest.as_str()) {
                return Ok(Recorded::Stale);
            }
        }
        let mut changed = 0;
        for ScoredStory {
            id: story,
            content_hash,
            verdicts,
        } in scored
        {
            // Locked against an edit committing between the check and the
            // verdicts: an edit waits, then queues the story again.
            let now_hash: Option<String> = tx
                .query_opt(
                    "SELECT content_hash FROM stories WHERE id = $1 FOR SHARE",
                    &[&story.0],
                )?
                .map(|row| row.try_get(0))
                .transpose()?;
            if now_hash.as_deref() != Some(content_hash.as_str()) {
                continue;
            }
            let mut story_changed = false;
            for (topic, verdict) in verdicts {
                let before: Option<bool> = tx
                    .query_opt(
                        "SELECT on_topic FROM story_topics WHERE topic = $1 AND story_id = $2",
                        &[topic, &story.0],
                    )?
                    .map(|row| row.try_get(0))
                    .transpose()?;
                story_changed |= before != Some(verdict.on_topic);
                tx.execute(
                    "INSERT INTO story_topics (topic, story_id, score, on_topic, reason, scored_at)
                     VALUES ($1, $2, $3, $4, $5, $6)
                     ON CONFLICT (topic, story_id) DO UPDATE SET score = excluded.score,
                       on_topic = excluded.on_topic, reason = excluded.reason,
                       scored_at = excluded.scored_at",
                    &[
                        topic,
                        &story.0,
                        &verdict.score,
                        &verdict.on_topic,
                        &reason_text(&verdict.reason),
                        &now.timestamp(),
                    ],
                )?;
            }
            tx.execute("DELETE FROM score_queue WHERE story_id = $1", &[&story.0])?;
            changed += usize::from(story_changed);
        }
        tx.commit()?;
        Ok(Recorded::Done { changed })
    }

    fn topic_digests(&self) -> Result<Vec<(String, String)>> {
        self.client()?
            .query(
                "SELECT substr(key, 14), value FROM meta WHERE key LIKE 'topic\\_digest:%'",
                &[],
            )?
            .iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect()
    }

    fn rescore_all(&mut self, digests: &[(String, String)]) -> Result<i64> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        // Two nodes reloading one changed configuration take turns here.
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext('feedloom topic digests'))",
            &[],
        )?;
        tx.execute(
            "INSERT INTO score_queue (story_id) SELECT id FROM stories ON CONFLICT DO NOTHING",
            &[],
        )?;
        // Batches leased under the old definitions come back stale.
        tx.execute(
            "UPDATE score_queue SET claimed_by = NULL, claimed_until = NULL
             WHERE claimed_until IS NOT NULL",
            &[],
        )?;
        let queued: i64 = tx
            .query_one("SELECT count(*) FROM score_queue", &[])?
            .try_get(0)?;
        tx.execute("DELETE FROM meta WHERE key LIKE 'topic\\_digest:%'", &[])?;
        for (slug, digest) in digests {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ($1, $2)",
                &[&format!("topic_digest:{slug}"), digest],
            )?;
        }
        let slugs: Vec<&str> = digests.iter().map(|(slug, _)| slug.as_str()).collect();
        tx.execute("DELETE FROM story_topics WHERE topic <> ALL($1)", &[&slugs])?;
        tx.commit()?;
        Ok(queued)
    }

    fn verdicts(&self, story: StoryId) -> Result<Vec<StoredVerdict>> {
        self.client()?
            .query(
                "SELECT topic, score, on_topic, reason, scored_at FROM story_topics
                 WHERE story_id = $1 ORDER BY topic",
                &[&story.0],
            )?
            .iter()
            .map(|row| {
                Ok(StoredVerdict {
                    topic: row.try_get(0)?,
                    score: row.try_get(1)?,
                    on_topic: row.try_get(2)?,
                    reason: row.try_get(3)?,
                    scored_at: row.try_get::<_, Option<i64>>(4)?.and_then(from_unix),
                })
            })
            .collect()
    }

    fn topic_counts(&self, slug: &str) -> Result<(i64, i64)> {
        let row = self.client()?.query_one(
            "SELECT count(*) FILTER (WHERE on_topic), count(*) FILTER (WHERE NOT on_topic)
             FROM story_topics WHERE topic = $1",
            &[&slug],
        )?;
        Ok((row.try_get(0)?, row.try_get(1)?))
    }
}
