//! Several nodes on one PostgreSQL database ([`Nodes`] for [`Store`]):
//! claims on the feeds' rows and the change count in `meta`. Under READ
//! COMMITTED, a second `UPDATE` of a row another transaction is updating
//! waits for it, then checks its `WHERE` against the new row: of the nodes
//! claiming one feed at once, one wins.

use chrono::{DateTime, Utc};
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
        let mut client = self.client()?;
        let claimed = client.execute(
            "UPDATE feeds SET lease_node = $2, lease_until = $4
             WHERE url = $1
               AND (next_fetch_at IS NULL OR next_fetch_at <= $3)
               AND (lease_until IS NULL OR lease_until <= $3 OR lease_node = $2)",
            &[&url.as_str(), &node, &now.timestamp(), &until.timestamp()],
        )?;
        if claimed == 1 {
            return Ok(Claim::Won);
        }
        let row = client.query_opt(
            "SELECT next_fetch_at, lease_node, lease_until FROM feeds WHERE url = $1",
            &[&url.as_str()],
        )?;
        let Some(row) = row else {
            return Ok(Claim::Won);
        };
        let next: Option<i64> = row.try_get(0)?;
        let holder: Option<String> = row.try_get(1)?;
        let lease: Option<i64> = row.try_get(2)?;
        Ok(match (next, holder, lease) {
            (_, Some(node), Some(lease)) if lease > now.timestamp() => Claim::Held {
                node,
                until: from_unix(lease).unwrap_or(now),
            },
            (Some(next), _, _) => Claim::NotDue {
                next: from_unix(next).unwrap_or(now),
            },
            // Changed between the two statements: ask again shortly.
            _ => Claim::NotDue { next: now },
        })
    }

    fn plan_feed(&mut self, url: &Url, at: DateTime<Utc>) -> Result<()> {
        self.client()?.execute(
            "UPDATE feeds SET next_fetch_at = $2 WHERE url = $1 AND next_fetch_at > $2",
            &[&url.as_str(), &at.timestamp()],
        )?;
        Ok(())
    }

    fn claim_holders(&self) -> Result<Vec<String>> {
        let rows = self.client()?.query(
            "SELECT DISTINCT lease_node FROM feeds WHERE lease_node IS NOT NULL",
            &[],
        )?;
        rows.iter()
            .map(|row| Ok(row.try_get(0)?))
            .collect::<Result<_>>()
    }

    fn release_claims(&mut self, node: &str) -> Result<usize> {
        let released = self.client()?.execute(
            "UPDATE feeds SET lease_node = NULL, lease_until = NULL WHERE lease_node = $1",
            &[&node],
        )?;
        Ok(usize::try_from(released).unwrap_or(usize::MAX))
    }

    fn mark_changed(&mut self) -> Result<i64> {
        let row = self.client()?.query_one(
            "INSERT INTO meta (key, value) VALUES ('changes', '1')
             ON CONFLICT (key) DO UPDATE SET value = (meta.value::bigint + 1)::text
             RETURNING value::bigint",
            &[],
        )?;
        Ok(row.try_get(0)?)
    }

    fn change_count(&self) -> Result<i64> {
        let row = self
            .client()?
            .query_opt("SELECT value::bigint FROM meta WHERE key = 'changes'", &[])?;
        Ok(match row {
            Some(row) => row.try_get(0)?,
            None => 0,
        })
    }
}
