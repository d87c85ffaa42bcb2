//! Reading stories on SQLite: a page of cluster founders with their
//! sources and clusters, one story by its public id, and a
//! [`StoryQuery`] as SQL ([`StoryReader`] for [`Store`]).

use std::collections::HashMap;

use rusqlite::types::Value;
use rusqlite::{OptionalExtension, params_from_iter};

use super::members;
use super::open::Store;
use super::rows::{
    SOURCE_COLUMNS, STORY_COLUMN_COUNT, STORY_COLUMNS, date_key, source_from_row, story_from_row,
};
use crate::store::error::Result;
use crate::store::storage::{Interrupt, StoryReader};
use crate::store::types::{Source, StoredStory, StoryId, StoryQuery};

impl StoryQuery {
    /// Conditions over `stories` (each starting with AND) and their values
    /// (numbered from ?1).
    fn filter(&self) -> (String, Vec<Value>) {
        let mut clauses = Vec::new();
        let mut values = Vec::new();
        if let Some(topic) = &self.topic {
            values.push(Value::Text(topic.clone()));
            let t = values.len();
            // A member the topic takes: on it, and (with a feed list) one
            // of the topic's own seeds or carried by one of its feeds.
            let admitted = match &self.feeds {
                None => String::new(),
                Some(feeds) => {
                    let mut marks = Vec::new();
                    for url in feeds {
                        values.push(Value::Text(url.clone()));
                        marks.push(format!("?{}", values.len()));
                    }
                    let marks = if marks.is_empty() {
                        "NULL".to_owned()
                    } else {
                        marks.join(", ")
                    };
                    format!(
                        " AND (t.reason = 'seed' OR EXISTS (SELECT 1 FROM sightings g \
                         CROSS JOIN feeds f ON f.id = g.feed_id WHERE g.story_id = m.id \
                         AND f.url IN ({marks})))"
                    )
                }
            };
            // A cluster is on topic when a member it takes is: the founder
            // may be a terse wire item, a later member the detailed report.
            // Every subquery walks from the candidate: its members (by
            // `stories_by_cluster`), then each member's verdict and
            // sightings by key. The CROSS JOINs fix that order: left to
            // choose, SQLite started from the topic's verdicts (the
            // primary key's prefix) and read all of them for every
            // candidate, so a page cost grew with the square of the stories
            // stored (6 s for the first page at 100,000 stories).
            clauses.push(format!(
                "EXISTS (SELECT 1 FROM stories m CROSS JOIN story_topics t ON t.story_id = m.id \
                 WHERE m.cluster_id = stories.id AND t.topic = ?{t} AND t.on_topic{admitted})"
            ));
            // An exclude rule matching any member keeps the whole cluster
            // out: its entry shows the founder's text, which may be the
            // excluded one.
            clauses.push(format!(
                "NOT EXISTS (SELECT 1 FROM stories m CROSS JOIN story_topics t ON t.story_id = m.id \
                 WHERE m.cluster_id = stories.id AND t.topic = ?{t} AND t.reason LIKE 'exclude:%')"
            ));
        }
        if let Some(uid) = &self.before {
            values.push(Value::Text(uid.clone()));
            let k = values.len();
            // The first condition is the index range that starts the scan
            // at the story (`stories_by_date`); the second breaks ties
            // between stories of the same date as the order does.
            let at = date_key("");
            clauses.push(format!(
                "{at} <= (SELECT {at} FROM stories WHERE uid = ?{k}) \
                 AND ({at}, id) < (SELECT {at}, id FROM stories WHERE uid = ?{k})"
            ));
        }
        // It follows `WHERE cluster_id = id`.
        let filter = clauses
            .iter()
            .map(|clause| format!(" AND {clause}"))
            .collect::<String>();
        (filter, values)
    }
}

impl Interrupt for rusqlite::InterruptHandle {
    fn interrupt(&self) {
        rusqlite::InterruptHandle::interrupt(self);
    }
}

/// Ids bound per `IN (…)` list when reading a page of stories: well under
/// SQLite's limit on bound parameters, however large the page.
const ID_CHUNK: usize = 500;

/// The published entries: one story per near-duplicate cluster, its founder.
const FOUNDERS: &str = "WHERE cluster_id = id";

/// The query that picks a page's entries (their `column`, `id` or `uid`,
/// in order), and its values.
pub(super) fn page_sql(query: &StoryQuery, column: &str) -> (String, Vec<Value>) {
    let (filter, mut values) = query.filter();
    let limit = query
        .limit
        .map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
    values.push(Value::Integer(limit));
    values.push(Value::Integer(
        i64::try_from(query.offset).unwrap_or(i64::MAX),
    ));
    let n = values.len();
    let date = date_key("");
    let sql = format!(
        "SELECT {column} FROM stories {FOUNDERS} {filter} \
         ORDER BY {date} DESC, id DESC LIMIT ?{} OFFSET ?{n}",
        n - 1
    );
    (sql, values)
}

impl StoryReader for Store {
    fn stories(&self, query: &StoryQuery) -> Result<Vec<StoredStory>> {
        let (sql, values) = page_sql(query, "id");
        // One snapshot for the page, its stories, their sources and their
        // clusters: a poll committing between the queries must not show up
        // in one part only.
        let tx = self.conn.unchecked_transaction()?;
        // The page is chosen once (its filter may be the costly part); the
        // rest is read by id.
        let ids: Vec<i64> = tx
            .prepare_cached(&sql)?
            .query_map(params_from_iter(&values), |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let mut stories = Vec::with_capacity(ids.len());
        let mut grouped: HashMap<StoryId, Vec<Source>> = HashMap::new();
        let mut members = HashMap::new();
        for chunk in ids.chunks(ID_CHUNK) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let mut statement = tx.prepare_cached(&format!(
                "SELECT {STORY_COLUMNS} FROM stories WHERE id IN ({marks})"
            ))?;
            for story in statement.query_map(params_from_iter(chunk), story_from_row)? {
                stories.push(story?);
            }
            drop(statement);
            let mut statement = tx.prepare_cached(&format!(
                "SELECT {SOURCE_COLUMNS} FROM sightings s JOIN feeds f ON f.id = s.feed_id
                 WHERE s.story_id IN ({marks})
                 ORDER BY s.seen_at, s.id"
            ))?;
            for row in statement.query_map(params_from_iter(chunk), source_from_row)? {
                let (story, source) = row?;
                grouped.entry(story).or_default().push(source);
            }
            drop(statement);
            members.extend(members::member_rows(
                &tx,
                &format!("IN ({marks})"),
                params_from_iter(chunk),
            )?);
        }
        tx.commit()?;
        // In the page's order.
        let position: HashMap<i64, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        stories.sort_by_key(|story: &StoredStory| position.get(&story.id.0).copied());
        for story in &mut stories {
            story.sources = grouped.remove(&story.id).unwrap_or_default();
            if let Some(rows) = members.get(&story.id.0) {
                story.attach_members(rows);
            }
        }
        Ok(stories)
    }

    fn story_by_uid(&self, uid: &str) -> Result<Option<StoredStory>> {
        let tx = self.conn.unchecked_transaction()?;
        let story = tx
            .query_row(
                &format!("SELECT {STORY_COLUMNS}, cluster_id FROM stories WHERE uid = ?1"),
                [uid],
                |row| Ok((story_from_row(row)?, row.get::<_, i64>(STORY_COLUMN_COUNT)?)),
            )
            .optional()?;
        let Some((mut story, cluster_id)) = story else {
            return Ok(None);
        };
        let mut statement = tx.prepare(&format!(
            "SELECT {SOURCE_COLUMNS} FROM sightings s JOIN feeds f ON f.id = s.feed_id
             WHERE s.story_id = ?1 ORDER BY s.seen_at, s.id"
        ))?;
        story.sources = statement
            .query_map([story.id.0], |row| {
                source_from_row(row).map(|(_, source)| source)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        drop(statement);
        let members = members::member_rows(&tx, "= ?1", [cluster_id])?;
        tx.commit()?;
        if let Some(rows) = members.get(&cluster_id) {
            story.attach_members(rows);
        }
        Ok(Some(story))
    }

    fn story_uids(&self, query: &StoryQuery) -> Result<Vec<String>> {
        let (sql, values) = page_sql(query, "uid");
        Ok(self
            .conn
            .prepare_cached(&sql)?
            .query_map(params_from_iter(&values), |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn interrupter(&self) -> Box<dyn Interrupt> {
        Box::new(self.conn.get_interrupt_handle())
    }

    fn ping(&self) -> Result<()> {
        self.conn.query_row("SELECT 1", [], |_| Ok(()))?;
        Ok(())
    }

    fn release_memory(&self) {
        // Only unused cache pages go; nothing can be lost, and a failure
        // leaves the cache as it was.
        if let Err(error) = self.conn.release_memory() {
            tracing::debug!(%error, "a read connection kept its cache");
        }
    }

    fn story_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM stories", [], |row| row.get(0))?)
    }
}
