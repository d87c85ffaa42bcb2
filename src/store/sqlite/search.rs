//! Full-text search over stories' titles and text (FTS5, see
//! `migrations/0005_search.sql` for the index and its tokenizer, and
//! `0007_search_queue.sql` for why stories reach it in batches, through
//! [`SearchIndex::index_pending`]).
//!
//! What a person types is never handed to FTS5 as query syntax: FTS5 raises
//! errors on unbalanced quotes, a stray `NEAR(`, `col:` filters and bare
//! operators, and a search box must not answer those with an error page. So
//! [`fts5_query`] understands a small, documented subset and turns every
//! term into a quoted FTS5 string, inside which nothing but `"` is special.

use rusqlite::{TransactionBehavior, params};

use super::open::Store;
use super::rows::{
    SOURCE_COLUMNS, STORY_COLUMN_COUNT, STORY_COLUMNS, date_key, source_from_row, story_from_row,
};
use crate::store::error::Result;
use crate::store::search_terms::search_terms;
use crate::store::storage::SearchIndex;
use crate::store::types::{Fragment, Highlighted, SearchHit, SearchQuery};

/// Marks the start and the end of a match in what `highlight()` and
/// `snippet()` return. Control characters: normalized story text has none
/// (and the HTML escaper drops them), so they cannot be confused with the
/// text; a stray one in stored text would at worst shift a highlight, never
/// reach a page as markup, because every fragment is escaped on output.
const MATCH_START: &str = "\u{2}";
const MATCH_END: &str = "\u{3}";

/// Tokens of text around the matches in a snippet (FTS5's maximum is 64).
const SNIPPET_TOKENS: i64 = 32;

/// A title match weighs this many text matches in the ranking: a story
/// whose headline names the subject is about it.
const TITLE_WEIGHT: f64 = 5.0;

impl Highlighted {
    /// Splits FTS5 output at the match markers. Unbalanced markers (only
    /// possible if stored text held them) toggle nothing unexpected: a
    /// start inside a match or an end outside one is just dropped.
    fn from_marked(marked: &str) -> Self {
        let mut fragments = Vec::new();
        let mut matched = false;
        let mut current = String::new();
        let mut flush = |text: &mut String, matched: bool| {
            if !text.is_empty() {
                fragments.push(Fragment {
                    text: std::mem::take(text),
                    matched,
                });
            }
        };
        for c in marked.chars() {
            match c {
                '\u{2}' if !matched => {
                    flush(&mut current, false);
                    matched = true;
                }
                '\u{3}' if matched => {
                    flush(&mut current, true);
                    matched = false;
                }
                '\u{2}' | '\u{3}' => {}
                c => current.push(c),
            }
        }
        flush(&mut current, matched);
        Self { fragments }
    }
}

/// Turns what a person typed into an FTS5 query that cannot fail to parse;
/// `None` when nothing searchable is left (empty, blank, only punctuation).
/// The terms are [`search_terms`]'s (the language every backend shares);
/// each becomes a quoted FTS5 string, inside which nothing but `"` is
/// special (quotes doubled), `*` appended for a prefix.
pub fn fts5_query(text: &str) -> Option<String> {
    let terms: Vec<String> = search_terms(text)
        .into_iter()
        .map(|term| {
            let star = if term.prefix { "*" } else { "" };
            format!("\"{}\"{star}", term.text.replace('"', "\"\""))
        })
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

impl SearchIndex for Store {
    fn index_pending(&mut self, limit: usize) -> Result<usize> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let indexed = tx
            .prepare_cached(
                "INSERT INTO stories_fts (rowid, title, content_text)
                 SELECT s.id, s.title, s.content_text
                 FROM (SELECT story_id FROM search_queue ORDER BY story_id LIMIT ?1) q
                 JOIN stories s ON s.id = q.story_id",
            )?
            .execute([limit])?;
        tx.prepare_cached(
            "DELETE FROM search_queue
             WHERE story_id IN (SELECT story_id FROM search_queue ORDER BY story_id LIMIT ?1)",
        )?
        .execute([limit])?;
        tx.commit()?;
        Ok(indexed)
    }

    fn pending_index_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM search_queue", [], |row| row.get(0))?)
    }

    fn search(&self, query: &SearchQuery) -> Result<Vec<SearchHit>> {
        let Some(fts) = fts5_query(&query.text) else {
            return Ok(Vec::new());
        };
        let limit = i64::try_from(query.limit).unwrap_or(i64::MAX);
        let offset = i64::try_from(query.offset).unwrap_or(i64::MAX);
        let columns = STORY_COLUMNS
            .split(',')
            .map(|column| format!("s.{}", column.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        // Two steps: rank every match (bm25, the verdict and the date from
        // two index lookups; never the story rows), then build highlights
        // and snippets (the costly part) for one page only. The CROSS JOINs
        // keep the page as the outer loop: otherwise the planner may scan
        // every match again. The outer MATCH gives the auxiliary functions
        // their context.
        let date = date_key("d");
        let sql = format!(
            "WITH page AS MATERIALIZED (
                 SELECT stories_fts.rowid AS id,
                        bm25(stories_fts, {TITLE_WEIGHT}, 1.0) AS rank,
                        t.on_topic AS on_topic,
                        coalesce(t.on_topic, 0) AS first,
                        {date} AS date
                 FROM stories_fts
                 JOIN stories d INDEXED BY stories_search_order ON d.id = stories_fts.rowid
                 LEFT JOIN story_topics t ON t.topic = ?2 AND t.story_id = stories_fts.rowid
                 WHERE stories_fts MATCH ?1
                 ORDER BY first DESC, rank, date DESC, id DESC
                 LIMIT ?3 OFFSET ?4
             )
             SELECT {columns},
                    highlight(stories_fts, 0, ?5, ?6),
                    snippet(stories_fts, 1, ?5, ?6, '…', {SNIPPET_TOKENS}),
                    page.rank, page.on_topic
             FROM page
             CROSS JOIN stories_fts ON stories_fts.rowid = page.id
             CROSS JOIN stories s ON s.id = page.id
             WHERE stories_fts MATCH ?1
             ORDER BY page.first DESC, page.rank, page.date DESC, page.id DESC"
        );
        // One snapshot for the hits and their sources (see `stories`).
        let tx = self.conn.unchecked_transaction()?;
        let mut hits = {
            let mut statement = tx.prepare_cached(&sql)?;
            let rows = statement.query_map(
                params![fts, query.topic, limit, offset, MATCH_START, MATCH_END],
                |row| {
                    let story = story_from_row(row)?;
                    let base = STORY_COLUMN_COUNT;
                    let title: String = row.get(base)?;
                    let snippet: String = row.get(base + 1)?;
                    Ok(SearchHit {
                        story,
                        title: Highlighted::from_marked(&title),
                        snippet: Highlighted::from_marked(&snippet),
                        rank: row.get(base + 2)?,
                        on_topic: row.get(base + 3)?,
                    })
                },
            )?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        {
            let mut sources = tx.prepare_cached(&format!(
                "SELECT {SOURCE_COLUMNS} FROM sightings s JOIN feeds f ON f.id = s.feed_id
                 WHERE s.story_id = ?1 ORDER BY s.seen_at, s.id"
            ))?;
            for hit in &mut hits {
                hit.story.sources = sources
                    .query_map([hit.story.id.0], |row| {
                        source_from_row(row).map(|(_, source)| source)
                    })?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
            }
        }
        tx.commit()?;
        Ok(hits)
    }
}

#[cfg(test)]
mod tests;
