//! Several nodes on one SQLite file ([`Nodes`] for [`Store`]): claims on
//! the feeds' rows and the change count in `meta`. SQLite has one writer at
//! a time, so an `UPDATE … WHERE` is the whole of a claim's atomicity.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use url::Url;

use super::open::Store;
use super::rows::from_unix;
use crate::store::error::Result;
use crate::store::storage::{Claim, Nodes};

impl Nodes for Store {
    fn claim_feed(
        &mut self,
        url: &Url,
        node: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Result<Claim> {
        let claimed = self
            .conn
            .prepare_cached(
                "UPDATE feeds SET lease_node = ?2, lease_until = ?4
                 WHERE url = ?1
                   AND (next_fetch_at IS NULL OR next_fetch_at <= ?3)
                   AND (lease_until IS NULL OR lease_until <= ?3 OR lease_node = ?2)",
            )?
            .execute(params![
                url.as_str(),
                node,
                now.timestamp(),
                until.timestamp()
            ])?;
        if claimed == 1 {
            return Ok(Claim::Won);
        }
        let row: Option<(Option<i64>, Option<String>, Option<i64>)> = self
            .conn
            .prepare_cached(
                "SELECT next_fetch_at, lease_node, lease_until FROM feeds WHERE url = ?1",
            )?
            .query_row([url.as_str()], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?))
            })
            .optional()?;
        Ok(match row {
            None => Claim::Won,
            Some((_, Some(holder), Some(lease))) if lease > now.timestamp() => Claim::Held {
                node: holder,
                until: from_unix(lease).unwrap_or(now),
            },
            Some((Some(next), _, _)) => Claim::NotDue {
                next: from_unix(next).unwrap_or(now),
            },
            // Neither due nor held can only be a row changed between the
            // two statements (another process): ask again shortly.
            Some(_) => Claim::NotDue { next: now },
        })
    }

    fn plan_feed(&mut self, url: &Url, at: DateTime<Utc>) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE feeds SET next_fetch_at = ?2 WHERE url = ?1 AND next_fetch_at > ?2",
            )?
            .execute(params![url.as_str(), at.timestamp()])?;
        Ok(())
    }

    fn claim_holders(&self) -> Result<Vec<String>> {
        Ok(self
            .conn
            .prepare_cached("SELECT DISTINCT lease_node FROM feeds WHERE lease_node IS NOT NULL")?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?)
    }

    fn release_claims(&mut self, node: &str) -> Result<usize> {
        Ok(self
            .conn
            .prepare_cached(
                "UPDATE feeds SET lease_node = NULL, lease_until = NULL WHERE lease_node = ?1",
            )?
            .execute([node])?)
    }

    fn mark_changed(&mut self) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached(
                "INSERT INTO meta (key, value) VALUES ('changes', '1')
                 ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1
                 RETURNING CAST(value AS INTEGER)",
            )?
            .query_row([], |row| row.get(0))?)
    }

    fn change_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .prepare_cached("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'changes'")?
            .query_row([], |row| row.get(0))
            .optional()?
            .unwrap_or(0))
    }
}
