//! Full-text search on PostgreSQL ([`SearchIndex`] for [`Store`]): a
//! `tsvector` per story in `story_search` (GIN-indexed), title weighted A
//! and text D, built with the `english` configuration from the folded
//! words of `highlight::fold`; queries from the terms every backend shares
//! (`store::search_terms`), never from typed syntax. Stories reach the
//! index through `search_queue`, as on SQLite; several nodes draining it
//! take disjoint batches (FOR UPDATE SKIP LOCKED).

use super::highlight::{self, Matcher};
use super::open::{Store, snapshot};
use super::rows::{
    SOURCES_OF, STORY_COLUMN_COUNT, STORY_COLUMNS, big, date_key, source_from_row, story_from_row,
};
use crate::store::error::Result;
use crate::store::search_terms::search_terms;
use crate::store::storage::SearchIndex;
use crate::store::types::{SearchHit, SearchQuery, Source, StoryId};

/// `ts_rank`'s weights for {D, C, B, A}: a title match (A) weighs five
/// text matches (D), as on SQLite.
const WEIGHTS: &str = "{0.2, 0.2, 0.2, 1.0}";

/// The search: rank every match from the index and two lookups, then
/// read one page of stories. `$1` the tsquery, `$2` the topic, `$3`/`$4`
/// limit and offset.
pub(super) fn search_sql() -> String {
    // Rank every match from the index and two lookups, then read one
    // page of stories.
    let date = date_key("d");
    format!(
        "WITH page AS MATERIALIZED (
             SELECT x.story_id AS id,
                    ts_rank('{WEIGHTS}', x.document, q.query, 1) AS rank,
                    t.on_topic AS on_topic,
                    coalesce(t.on_topic, false) AS first,
                    {date} AS date
             FROM to_tsquery('english', $1) AS q(query)
             JOIN story_search x ON x.document @@ q.query
             JOIN stories d ON d.id = x.story_id
             LEFT JOIN story_topics t ON t.topic = $2 AND t.story_id = x.story_id
             ORDER BY first DESC, rank DESC, date DESC, id DESC
             LIMIT $3 OFFSET $4
         )
         SELECT {STORY_COLUMNS}, page.rank, page.on_topic
         FROM page JOIN stories s ON s.id = page.id
         ORDER BY page.first DESC, page.rank DESC, page.date DESC, page.id DESC"
    )
}

impl SearchIndex for Store {
    fn index_pending(&mut self, limit: usize) -> Result<usize> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        let rows = tx.query(
            "WITH taken AS (
                 DELETE FROM search_queue
                 WHERE story_id IN (SELECT story_id FROM search_queue ORDER BY story_id
                                    LIMIT $1 FOR UPDATE SKIP LOCKED)
                 RETURNING story_id
             )
             SELECT s.id, s.title, s.content_text FROM taken JOIN stories s ON s.id = taken.story_id",
            &[&big(limit)],
        )?;
        let mut ids = Vec::with_capacity(rows.len());
        let mut titles = Vec::with_capacity(rows.len());
        let mut texts = Vec::with_capacity(rows.len());
        for row in &rows {
            ids.push(row.try_get::<_, i64>(0)?);
            titles.push(highlight::fold(row.try_get(1)?));
            texts.push(highlight::fold(row.try_get(2)?));
        }
        if !ids.is_empty() {
            tx.execute(
                "INSERT INTO story_search (story_id, document)
                 SELECT id, setweight(to_tsvector('english', title), 'A')
                            || setweight(to_tsvector('english', body), 'D')
                 FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, title, body)
                 ON CONFLICT (story_id) DO UPDATE SET document = excluded.document",
                &[&ids, &titles, &texts],
            )?;
        }
        tx.commit()?;
        Ok(ids.len())
    }

    fn pending_index_count(&self) -> Result<i64> {
        Ok(self
            .client()?
            .query_one("SELECT count(*) FROM search_queue", &[])?
            .try_get(0)?)
    }

    fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>> {
        let terms = search_terms(&query.text);
        let Some(tsquery) = highlight::tsquery(&terms) else {
            return Ok(Vec::new());
        };
        let sql = search_sql();
        let mut client = self.client()?;
        let mut tx = snapshot(&mut client)?;
        let rows = tx.query(
            &sql,
            &[
                &tsquery,
                &query.topic,
                &big(query.limit),
                &big(query.offset),
            ],
        )?;
        let matcher = Matcher::new(&terms);
        let mut hits = Vec::with_capacity(rows.len());
        for row in &rows {
            let story = story_from_row(row)?;
            let rank: f32 = row.try_get(STORY_COLUMN_COUNT)?;
            hits.push(SearchHit {
                title: matcher.highlight(&story.title),
                snippet: matcher.snippet(&story.content_text),
                story,
                // Lower is better, as FTS5's bm25 (the trait's rule).
                rank: -f64::from(rank),
                on_topic: row.try_get(STORY_COLUMN_COUNT + 1)?,
            });
        }
        let ids: Vec<i64> = hits.iter().map(|hit| hit.story.id.0).collect();
        let mut sources: std::collections::HashMap<StoryId, Vec<Source>> = Default::default();
        for row in tx.query(SOURCES_OF, &[&ids])? {
            let (story, source) = source_from_row(&row)?;
            sources.entry(story).or_default().push(source);
        }
        tx.commit()?;
        for hit in &mut hits {
            hit.story.sources = sources.remove(&hit.story.id).unwrap_or_default();
        }
        Ok(hits)
    }
}
