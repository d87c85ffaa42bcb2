//! Topic verdicts: which stories wait to be scored, what each topic made of
//! each story, and the digest of each topic's definition.
//!
//! Scoring itself happens outside the store (it is pure and may take a
//! while); the store only hands out the queue and records the results.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::open::Store;
use super::rows::from_unix;
use crate::store::error::Result;
use crate::store::storage::TopicVerdicts;
use crate::store::types::{PendingStory, Recorded, ScoredStory, StoredVerdict, StoryId};
use crate::topic::Reason;

/// The stored form of a [`Reason`].
pub fn reason_text(reason: &Reason) -> String {
    match reason {
        Reason::Score => "score".to_owned(),
        Reason::Seed => "seed".to_owned(),
        Reason::Include(rule) => format!("include:{rule}"),
        Reason::Exclude(rule) => format!("exclude:{rule}"),
    }
}

impl TopicVerdicts for Store {
    fn pending_scores(&self, limit: usize) -> Result<Vec<PendingStory>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT s.id, s.title, s.content_text, s.content_hash FROM score_queue q
             JOIN stories s ON s.id = q.story_id ORDER BY q.story_id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |row| {
            Ok(PendingStory {
                id: StoryId(row.get(0)?),
                title: row.get(1)?,
                content_text: row.get(2)?,
                content_hash: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn pending_score_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM score_queue", [], |row| row.get(0))?)
    }

    fn record_verdicts(
        &mut self,
        digests: &[(String, String)],
        scored: &[ScoredStory],
        now: DateTime<Utc>,
    ) -> Result<Recorded> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut changed = 0;
        {
            let mut current_digest = tx.prepare_cached("SELECT value FROM meta WHERE key = ?1")?;
            for (slug, digest) in digests {
                let recorded: Option<String> = current_digest
                    .query_row([format!("topic_digest:{slug}")], |row| row.get(0))
                    .optional()?;
                if recorded.as_deref() != Some(digest.as_str()) {
                    return Ok(Recorded::Stale);
                }
            }
            let mut previous = tx.prepare_cached(
                "SELECT on_topic FROM story_topics WHERE topic = ?1 AND story_id = ?2",
            )?;
            let mut upsert = tx.prepare_cached(
                "INSERT INTO story_topics (topic, story_id, score, on_topic, reason, scored_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (topic, story_id) DO UPDATE SET score = excluded.score,
                   on_topic = excluded.on_topic, reason = excluded.reason,
                   scored_at = excluded.scored_at",
            )?;
            let mut current =
                tx.prepare_cached("SELECT content_hash FROM stories WHERE id = ?1")?;
            let mut dequeue = tx.prepare_cached("DELETE FROM score_queue WHERE story_id = ?1")?;
            for ScoredStory {
                id: story,
                content_hash,
                verdicts,
            } in scored
            {
                // Deleted or edited since it was read: an edit queued it
                // again, a deletion took it off; either way these verdicts
                // are about nothing stored.
                let now_hash: Option<String> =
                    current.query_row([story.0], |row| row.get(0)).optional()?;
                if now_hash.as_deref() != Some(content_hash.as_str()) {
                    continue;
                }
                let mut story_changed = false;
                for (topic, verdict) in verdicts {
                    let before: Option<bool> = previous
                        .query_row(params![topic, story.0], |row| row.get(0))
                        .optional()?;
                    story_changed |= before != Some(verdict.on_topic);
                    upsert.execute(params![
                        topic,
                        story.0,
                        verdict.score,
                        verdict.on_topic,
                        reason_text(&verdict.reason),
                        now.timestamp()
                    ])?;
                }
                dequeue.execute([story.0])?;
                changed += usize::from(story_changed);
            }
        }
        tx.commit()?;
        Ok(Recorded::Done { changed })
    }

    fn topic_digests(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT substr(key, 14), value FROM meta WHERE key LIKE 'topic\\_digest:%' ESCAPE '\\'",
        )?;
        let rows = stmt.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn rescore_all(&mut self, digests: &[(String, String)]) -> Result<i64> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT OR IGNORE INTO score_queue (story_id) SELECT id FROM stories",
            [],
        )?;
        let queued: i64 = tx.query_row("SELECT count(*) FROM score_queue", [], |row| row.get(0))?;
        tx.execute(
            "DELETE FROM meta WHERE key LIKE 'topic\\_digest:%' ESCAPE '\\'",
            [],
        )?;
        for (slug, digest) in digests {
            tx.execute(
                "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                params![format!("topic_digest:{slug}"), digest],
            )?;
        }
        let slugs: Vec<&str> = digests.iter().map(|(slug, _)| slug.as_str()).collect();
        let placeholders = vec!["?"; slugs.len()].join(", ");
        tx.execute(
            &format!("DELETE FROM story_topics WHERE topic NOT IN ({placeholders})"),
            rusqlite::params_from_iter(slugs),
        )?;
        tx.commit()?;
        Ok(queued)
    }

    fn verdicts(&self, story: StoryId) -> Result<Vec<StoredVerdict>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT topic, score, on_topic, reason, scored_at FROM story_topics
             WHERE story_id = ?1 ORDER BY topic",
        )?;
        let rows = stmt.query_map([story.0], |row| {
            Ok(StoredVerdict {
                topic: row.get(0)?,
                score: row.get(1)?,
                on_topic: row.get(2)?,
                reason: row.get(3)?,
                scored_at: row.get::<_, Option<i64>>(4)?.and_then(from_unix),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn topic_counts(&self, slug: &str) -> Result<(i64, i64)> {
        Ok(self.conn.query_row(
            "SELECT coalesce(sum(on_topic), 0), count(*) - coalesce(sum(on_topic), 0)
             FROM story_topics WHERE topic = ?1",
            [slug],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?)
    }
}

impl Store {
    /// The digest of a topic's definition when its verdicts were last
    /// computed; `None` for a topic never scored.
    pub fn topic_digest(&self, slug: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = ?1",
                [format!("topic_digest:{slug}")],
                |row| row.get(0),
            )
            .optional()?)
    }
}
