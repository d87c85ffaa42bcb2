//! The feeds' log on PostgreSQL ([`FeedLog`] for [`Store`]): each feed's
//! row, its validators and failures, and the configuration digest that
//! clears redirects and 410s. Two nodes applying one configuration at once
//! end as one would: rows are upserted, and the digest is compared and
//! written under a row lock.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use url::Url;

use super::open::Store;
use super::rows::from_unix;
use crate::store::error::Result;
use crate::store::storage::FeedLog;
use crate::store::types::{CachedArticle, FeedId, FeedRecord, FetchedArticle};

const FEED_COLUMNS: &str = "id, url, title, feed_title, etag, last_modified, last_status, \
     last_error, consecutive_failures, fetch_url, last_fetch_at, next_fetch_at, retry_after, \
     gone, body_sha256";

fn feed_from_row(row: &postgres::Row) -> Result<FeedRecord> {
    Ok(FeedRecord {
        id: FeedId(row.try_get(0)?),
        url: row.try_get(1)?,
        title: row.try_get(2)?,
        feed_title: row.try_get(3)?,
        etag: row.try_get(4)?,
        last_modified: row.try_get(5)?,
        last_status: row.try_get(6)?,
        last_error: row.try_get(7)?,
        consecutive_failures: u32::try_from(row.try_get::<_, i32>(8)?).unwrap_or(0),
        fetch_url: row.try_get(9)?,
        last_fetch_at: row.try_get::<_, Option<i64>>(10)?.and_then(from_unix),
        next_fetch_at: row.try_get::<_, Option<i64>>(11)?.and_then(from_unix),
        retry_after: row.try_get::<_, Option<i64>>(12)?.and_then(from_unix),
        gone: row.try_get(13)?,
        body_sha256: row.try_get(14)?,
    })
}

impl FeedLog for Store {
    fn ensure_feed(
        &mut self,
        url: &Url,
        title: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<FeedRecord> {
        // Run for every feed at every start and reload, by every node: a
        // row whose title is unchanged is not written (a new row version
        // each time would bloat the table), only read.
        let mut client = self.client()?;
        let written = client.query_opt(
            &format!(
                "INSERT INTO feeds (url, title, created_at) VALUES ($1, $2, $3)
                 ON CONFLICT (url) DO UPDATE SET title = excluded.title
                 WHERE feeds.title IS DISTINCT FROM excluded.title
                 RETURNING {FEED_COLUMNS}"
            ),
            &[&url.as_str(), &title, &now.timestamp()],
        )?;
        let row = match written {
            Some(row) => row,
            None => client.query_one(
                &format!("SELECT {FEED_COLUMNS} FROM feeds WHERE url = $1"),
                &[&url.as_str()],
            )?,
        };
        feed_from_row(&row)
    }

    fn feed(&self, url: &Url) -> Result<Option<FeedRecord>> {
        let row = self.client()?.query_opt(
            &format!("SELECT {FEED_COLUMNS} FROM feeds WHERE url = $1"),
            &[&url.as_str()],
        )?;
        row.as_ref().map(feed_from_row).transpose()
    }

    fn record_failure(
        &mut self,
        feed: FeedId,
        now: DateTime<Utc>,
        http_status: Option<u16>,
        message: &str,
    ) -> Result<()> {
        self.client()?.execute(
            "UPDATE feeds SET last_fetch_at = $2, last_status = 'error', http_status = $3,
                    last_error = $4, consecutive_failures = consecutive_failures + 1
             WHERE id = $1",
            &[
                &feed.0,
                &now.timestamp(),
                &http_status.map(i32::from),
                &message,
            ],
        )?;
        Ok(())
    }

    fn record_not_modified(&mut self, feed: FeedId, now: DateTime<Utc>) -> Result<()> {
        self.client()?.execute(
            "UPDATE feeds SET last_fetch_at = $2, last_success_at = $2,
                    last_status = 'not_modified', http_status = 304, last_error = NULL,
                    consecutive_failures = 0
             WHERE id = $1",
            &[&feed.0, &now.timestamp()],
        )?;
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
        self.client()?.execute(
            "UPDATE feeds SET etag = $3, last_modified = $4, last_fetch_at = $2,
                    last_success_at = $2, last_status = 'not_modified', http_status = $5,
                    last_error = NULL, consecutive_failures = 0
             WHERE id = $1",
            &[
                &feed.0,
                &now.timestamp(),
                &etag,
                &last_modified,
                &i32::from(http_status),
            ],
        )?;
        Ok(())
    }

    fn set_next_fetch(&mut self, feed: FeedId, at: DateTime<Utc>) -> Result<()> {
        self.client()?.execute(
            "UPDATE feeds SET next_fetch_at = $2, lease_node = NULL, lease_until = NULL
             WHERE id = $1",
            &[&feed.0, &at.timestamp()],
        )?;
        Ok(())
    }

    fn set_retry_after(&mut self, feed: FeedId, at: Option<DateTime<Utc>>) -> Result<()> {
        self.client()?.execute(
            // Nearly always unchanged (and NULL): then no row is written.
            "UPDATE feeds SET retry_after = $2 WHERE id = $1 AND retry_after IS DISTINCT FROM $2",
            &[&feed.0, &at.map(|t| t.timestamp())],
        )?;
        Ok(())
    }

    fn set_fetch_url(&mut self, feed: FeedId, to: &Url) -> Result<()> {
        self.client()?.execute(
            "UPDATE feeds SET fetch_url = $2 WHERE id = $1",
            &[&feed.0, &to.as_str()],
        )?;
        Ok(())
    }

    fn mark_gone(&mut self, feed: FeedId) -> Result<()> {
        self.client()?
            .execute("UPDATE feeds SET gone = true WHERE id = $1", &[&feed.0])?;
        Ok(())
    }

    fn apply_config_digest(&mut self, digest: &str) -> Result<bool> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        // The row is created first and then locked, so that two nodes
        // applying the same configuration at once take turns: the second
        // finds the digest the first wrote and changes nothing.
        tx.execute(
            "INSERT INTO meta (key, value) VALUES ('config_digest', '') ON CONFLICT DO NOTHING",
            &[],
        )?;
        let previous: String = tx
            .query_one(
                "SELECT value FROM meta WHERE key = 'config_digest' FOR UPDATE",
                &[],
            )?
            .try_get(0)?;
        let changed = previous != digest;
        if changed {
            tx.execute("UPDATE feeds SET gone = false, fetch_url = NULL", &[])?;
            tx.execute(
                "UPDATE meta SET value = $1 WHERE key = 'config_digest'",
                &[&digest],
            )?;
        }
        tx.commit()?;
        Ok(changed)
    }

    fn stories_per_feed(&self) -> Result<HashMap<String, i64>> {
        let rows = self.client()?.query(
            "SELECT f.url, count(DISTINCT s.story_id)
             FROM feeds f LEFT JOIN sightings s ON s.feed_id = f.id
             GROUP BY f.id",
            &[],
        )?;
        rows.iter()
            .map(|row| Ok((row.try_get(0)?, row.try_get(1)?)))
            .collect()
    }

    fn articles(&self, links: &[&str]) -> Result<HashMap<String, CachedArticle>> {
        let rows = self.client()?.query(
            "SELECT link, content_html, outcome, fetched_at FROM articles WHERE link = ANY($1)",
            &[&links],
        )?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get(0)?,
                    CachedArticle {
                        content_html: row.try_get(1)?,
                        outcome: row.try_get(2)?,
                        // Out of range only if written by hand: as old as can be.
                        fetched_at: DateTime::from_timestamp(row.try_get(3)?, 0)
                            .unwrap_or(DateTime::UNIX_EPOCH),
                    },
                ))
            })
            .collect()
    }

    fn record_articles(&mut self, articles: &[FetchedArticle], now: DateTime<Utc>) -> Result<()> {
        let mut client = self.client()?;
        let mut tx = client.transaction()?;
        for article in articles {
            tx.execute(
                "INSERT INTO articles (link, outcome, content_html, fetched_at)
                 VALUES ($1, $2, $3, $4)
                 ON CONFLICT (link) DO UPDATE SET outcome = excluded.outcome,
                     content_html = excluded.content_html, fetched_at = excluded.fetched_at",
                &[
                    &article.link,
                    &article.outcome,
                    &article.content_html,
                    &now.timestamp(),
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}
