//! The feeds' log on SQLite: each feed's row, its conditional-request
//! validators and its failures, and the configuration digest that clears
//! redirects and 410s ([`FeedLog`] for [`Store`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use url::Url;

use super::open::Store;
use super::rows::from_unix;
use crate::store::error::{Error, Result};
use crate::store::storage::FeedLog;
use crate::store::types::{CachedArticle, FeedId, FeedRecord, FetchedArticle};

impl FeedLog for Store {
    fn ensure_feed(
        &mut self,
        url: &Url,
        title: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<FeedRecord> {
        // Read first: at every start and poll the row exists with this
        // title, and a read takes no write lock and dirties no page.
        if let Some(record) = self.feed(url)?
            && record.title.as_deref() == title
        {
            return Ok(record);
        }
        self.conn
            .prepare_cached(
                "INSERT INTO feeds (url, title, created_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (url) DO UPDATE SET title = excluded.title",
            )?
            .execute(params![url.as_str(), title, now.timestamp()])?;
        self.feed(url)?
            .ok_or(Error::Sql(rusqlite::Error::QueryReturnedNoRows))
    }

    fn feed(&self, url: &Url) -> Result<Option<FeedRecord>> {
        Ok(self
            .conn
            .prepare_cached(
                "SELECT id, url, title, feed_title, etag, last_modified, last_status,
                        last_error, consecutive_failures, fetch_url, last_fetch_at,
                        next_fetch_at, retry_after, gone, body_sha256
                 FROM feeds WHERE url = ?1",
            )?
            .query_row([url.as_str()], |row| {
                Ok(FeedRecord {
                    id: FeedId(row.get(0)?),
                    url: row.get(1)?,
                    title: row.get(2)?,
                    feed_title: row.get(3)?,
                    etag: row.get(4)?,
                    last_modified: row.get(5)?,
                    last_status: row.get(6)?,
                    last_error: row.get(7)?,
                    consecutive_failures: row.get(8)?,
                    fetch_url: row.get(9)?,
                    last_fetch_at: row.get::<_, Option<i64>>(10)?.and_then(from_unix),
                    next_fetch_at: row.get::<_, Option<i64>>(11)?.and_then(from_unix),
                    retry_after: row.get::<_, Option<i64>>(12)?.and_then(from_unix),
                    gone: row.get(13)?,
                    body_sha256: row.get(14)?,
                })
            })
            .optional()?)
    }

    fn record_failure(
        &mut self,
        feed: FeedId,
        now: DateTime<Utc>,
        http_status: Option<u16>,
        message: &str,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE feeds SET last_fetch_at = ?2, last_status = 'error', http_status = ?3,
                    last_error = ?4, consecutive_failures = consecutive_failures + 1
             WHERE id = ?1",
            )?
            .execute(params![feed.0, now.timestamp(), http_status, message])?;
        Ok(())
    }

    fn set_next_fetch(&mut self, feed: FeedId, at: DateTime<Utc>) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE feeds SET next_fetch_at = ?2, lease_node = NULL, lease_until = NULL
                 WHERE id = ?1",
            )?
            .execute(params![feed.0, at.timestamp()])?;
        Ok(())
    }

    fn set_retry_after(&mut self, feed: FeedId, at: Option<DateTime<Utc>>) -> Result<()> {
        self.conn
            .prepare_cached(
                // Nearly always unchanged (and NULL): then no page is written.
                "UPDATE feeds SET retry_after = ?2 WHERE id = ?1 AND retry_after IS NOT ?2",
            )?
            .execute(params![feed.0, at.map(|t| t.timestamp())])?;
        Ok(())
    }

    fn set_fetch_url(&mut self, feed: FeedId, to: &Url) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE feeds SET fetch_url = ?2 WHERE id = ?1")?
            .execute(params![feed.0, to.as_str()])?;
        Ok(())
    }

    fn mark_gone(&mut self, feed: FeedId) -> Result<()> {
        self.conn
            .prepare_cached("UPDATE feeds SET gone = 1 WHERE id = ?1")?
            .execute([feed.0])?;
        Ok(())
    }

    fn apply_config_digest(&mut self, digest: &str) -> Result<bool> {
        // Nearly always unchanged: a plain read first takes no write lock.
        let current: Option<String> = self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = 'config_digest'")?
            .query_row([], |row| row.get(0))
            .optional()?;
        if current.as_deref() == Some(digest) {
            return Ok(false);
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let previous: Option<String> = tx
            .query_row(
                "SELECT value FROM meta WHERE key = 'config_digest'",
                [],
                |row| row.get(0),
            )
            .optional()?;
        let changed = previous.as_deref() != Some(digest);
        if changed {
            tx.execute("UPDATE feeds SET gone = 0, fetch_url = NULL", [])?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('config_digest', ?1)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [digest],
            )?;
        }
        tx.commit()?;
        Ok(changed)
    }

    fn stories_per_feed(&self) -> Result<HashMap<String, i64>> {
        let mut statement = self.conn.prepare(
            "SELECT f.url, count(DISTINCT s.story_id)
             FROM feeds f LEFT JOIN sightings s ON s.feed_id = f.id
             GROUP BY f.id",
        )?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<HashMap<String, i64>>>()?)
    }

    fn articles(&self, links: &[&str]) -> Result<HashMap<String, CachedArticle>> {
        let mut lookup = self.conn.prepare_cached(
            "SELECT content_html, outcome, fetched_at FROM articles WHERE link = ?1",
        )?;
        let mut found = HashMap::new();
        for &link in links {
            if let Some(cached) = lookup
                .query_row([link], |row| {
                    Ok(CachedArticle {
                        content_html: row.get(0)?,
                        outcome: row.get(1)?,
                        // Out of range only if written by hand: as old as can be.
                        fetched_at: from_unix(row.get(2)?).unwrap_or(DateTime::UNIX_EPOCH),
                    })
                })
                .optional()?
            {
                found.insert(link.to_owned(), cached);
            }
        }
        Ok(found)
    }

    fn record_articles(&mut self, articles: &[FetchedArticle], now: DateTime<Utc>) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO articles (link, outcome, content_html, fetched_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (link) DO UPDATE SET outcome = excluded.outcome,
                     content_html = excluded.content_html, fetched_at = excluded.fetched_at",
            )?;
            for article in articles {
                insert.execute(params![
                    article.link,
                    article.outcome,
                    article.content_html,
                    now.timestamp()
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn record_not_modified(&mut self, feed: FeedId, now: DateTime<Utc>) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE feeds SET last_fetch_at = ?2, last_success_at = ?2,
                    last_status = 'not_modified', http_status = 304, last_error = NULL,
                    consecutive_failures = 0
             WHERE id = ?1",
            )?
            .execute(params![feed.0, now.timestamp()])?;
        Ok(())
    }

    fn record_same_body(
        &mut self,
        feed: FeedId,
        now: DateTime<Utc>,
        etag: Option<&str>,
        last_modified: Option<&str>,
        http_status: u16,
    ) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE feeds SET etag = ?3, last_modified = ?4, last_fetch_at = ?2,
                    last_success_at = ?2, last_status = 'not_modified', http_status = ?5,
                    last_error = NULL, consecutive_failures = 0
             WHERE id = ?1",
            )?
            .execute(params![
                feed.0,
                now.timestamp(),
                etag,
                last_modified,
                http_status
            ])?;
        Ok(())
    }
}
