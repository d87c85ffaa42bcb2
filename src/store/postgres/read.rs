//! Reading stories on PostgreSQL ([`StoryReader`] for [`Store`]): a page
//! of cluster founders with their sources and clusters, one story by its
//! public id, and a [`StoryQuery`] as SQL. Each read of several
//! statements runs in one REPEATABLE READ snapshot, so a commit between
//! them cannot show up in one part only.

use std::collections::HashMap;

use postgres::types::ToSql;

use super::cluster;
use super::open::{Store, snapshot};
use super::rows::{
    SOURCES_OF, STORY_COLUMN_COUNT, STORY_COLUMNS, big, date_key, source_from_row, story_from_row,
};
use crate::store::error::Result;
use crate::store::storage::{Interrupt, StoryReader};
use crate::store::types::{Source, StoredStory, StoryId, StoryQuery};

/// The query that picks a page's entries (their `column`, `id` or `uid`,
/// newest first by [`date_key`], undated stories last; ties by
/// insertion), and its values.
pub(super) fn page_sql(query: &StoryQuery, column: &str) -> (String, Vec<Box<dyn ToSql + Sync>>) {
    let mut values: Vec<Box<dyn ToSql + Sync>> = Vec::new();
    let mut clauses = String::new();
    if let Some(topic) = &query.topic {
        values.push(Box::new(topic.clone()));
        let t = values.len();
        // A member the topic takes: on it, and (with a feed list) one of
        // the topic's own seeds or carried by one of its feeds.
        let admitted = match &query.feeds {
            None => String::new(),
            Some(feeds) => {
                values.push(Box::new(feeds.clone()));
                let f = values.len();
                format!(
                    " AND (t.reason = 'seed' OR EXISTS (SELECT 1 FROM sightings g \
                     JOIN feeds f ON f.id = g.feed_id WHERE g.story_id = m.id \
                     AND f.url = ANY(${f})))"
                )
            }
        };
        clauses.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM stories m JOIN story_topics t ON t.story_id = m.id \
             WHERE m.cluster_id = s.id AND t.topic = ${t} AND t.on_topic{admitted})"
        ));
        clauses.push_str(&format!(
            " AND NOT EXISTS (SELECT 1 FROM stories m JOIN story_topics t ON t.story_id = m.id \
             WHERE m.cluster_id = s.id AND t.topic = ${t} AND t.reason LIKE 'exclude:%')"
        ));
    }
    let at = date_key("s");
    if let Some(uid) = &query.before {
        values.push(Box::new(uid.clone()));
        let k = values.len();
        // A uid no longer stored makes the comparison NULL: no entries.
        clauses.push_str(&format!(
            " AND ({at}, s.id) < (SELECT {}, b.id FROM stories b WHERE b.uid = ${k})",
            date_key("b")
        ));
    }
    values.push(Box::new(query.limit.map(big)));
    values.push(Box::new(big(query.offset)));
    let n = values.len();
    let sql = format!(
        "SELECT s.{column} FROM stories s WHERE s.cluster_id = s.id{clauses}
         ORDER BY {at} DESC, s.id DESC LIMIT ${} OFFSET ${n}",
        n - 1
    );
    (sql, values)
}

fn params(values: &[Box<dyn ToSql + Sync>]) -> Vec<&(dyn ToSql + Sync)> {
    values.iter().map(|value| &**value).collect()
}

impl StoryReader for Store {
    fn stories(&self, query: &StoryQuery) -> Result<Vec<StoredStory>> {
        let (sql, values) = page_sql(query, "id");
        let mut client = self.client()?;
        let mut tx = snapshot(&mut client)?;
        let ids: Vec<i64> = tx
            .query(&sql, &params(&values))?
            .iter()
            .map(|row| row.try_get(0))
            .collect::<Result<_, _>>()?;
        let mut stories = tx
            .query(
                &format!("SELECT {STORY_COLUMNS} FROM stories s WHERE s.id = ANY($1)"),
                &[&ids],
            )?
            .iter()
            .map(story_from_row)
            .collect::<Result<Vec<_>>>()?;
        let mut grouped: HashMap<StoryId, Vec<Source>> = HashMap::new();
        for row in tx.query(SOURCES_OF, &[&ids])? {
            let (story, source) = source_from_row(&row)?;
            grouped.entry(story).or_default().push(source);
        }
        let members = cluster::member_rows(&mut tx, &ids)?;
        tx.commit()?;
        let position: HashMap<i64, usize> =
            ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
        stories.sort_by_key(|story| position.get(&story.id.0).copied());
        for story in &mut stories {
            story.sources = grouped.remove(&story.id).unwrap_or_default();
            if let Some(rows) = members.get(&story.id.0) {
                story.attach_members(rows);
            }
        }
        Ok(stories)
    }

    fn story_by_uid(&self, uid: &str) -> Result<Option<StoredStory>> {
        let mut client = self.client()?;
        let mut tx = snapshot(&mut client)?;
        let row = tx.query_opt(
            &format!("SELECT {STORY_COLUMNS}, s.cluster_id FROM stories s WHERE s.uid = $1"),
            &[&uid],
        )?;
        let Some(row) = row else {
            return Ok(None);
        };
        let mut story = story_from_row(&row)?;
        let cluster_id: i64 = row.try_get(STORY_COLUMN_COUNT)?;
        story.sources = tx
            .query(SOURCES_OF, &[&vec![story.id.0]])?
            .iter()
            .map(|row| source_from_row(row).map(|(_, source)| source))
            .collect::<Result<_>>()?;
        let members = cluster::member_rows(&mut tx, &[cluster_id])?;
        tx.commit()?;
        if let Some(rows) = members.get(&cluster_id) {
            story.attach_members(rows);
        }
        Ok(Some(story))
    }

    fn story_uids(&self, query: &StoryQuery) -> Result<Vec<String>> {
        let (sql, values) = page_sql(query, "uid");
        self.client()?
            .query(&sql, &params(&values))?
            .iter()
            .map(|row| Ok(row.try_get(0)?))
            .collect()
    }

    fn interrupter(&self) -> Box<dyn Interrupt> {
        match self.cancel_handle() {
            Ok(Some(interrupt)) => interrupt,
            // No connection (it dropped; the read will open one or fail),
            // or one in use on this very thread (a bug): nothing to stop.
            Ok(None) | Err(_) => Box::new(Nothing),
        }
    }

    fn story_count(&self) -> Result<i64> {
        Ok(self
            .client()?
            .query_one("SELECT count(*) FROM stories", &[])?
            .try_get(0)?)
    }

    fn ping(&self) -> Result<()> {
        self.client()?.query_one("SELECT 1", &[])?;
        Ok(())
    }
}

struct Nothing;

impl Interrupt for Nothing {
    fn interrupt(&self) {}
}
