//! The "also reported by" lists: the other members of a story's
//! near-duplicate cluster, with the feeds that carried them, read for the
//! entries and story pages (`read`). Who is a member is decided in
//! `cluster`.

use std::collections::HashMap;

use rusqlite::Connection;

use crate::store::error::Result;
use crate::store::types::{AlsoReported, MemberRow};

/// The members of clusters with their sources, earliest member first,
/// then first sighting first. `{clusters}` is an SQL condition on
/// `m.cluster_id`.
const MEMBER_QUERY: &str = "SELECT m.cluster_id, m.id, m.uid, m.title, m.link, s.link, f.url,
            coalesce(f.title, f.feed_title)
     FROM stories m
     JOIN sightings s ON s.story_id = m.id
     JOIN feeds f ON f.id = s.feed_id
     WHERE m.cluster_id {clusters}
     ORDER BY m.first_seen_at, m.id, s.seen_at, s.id";

/// The member rows of the clusters that `condition` (on `m.cluster_id`, with
/// `params`) selects, grouped by cluster.
pub(super) fn member_rows(
    conn: &Connection,
    condition: &str,
    params: impl rusqlite::Params,
) -> Result<HashMap<i64, Vec<MemberRow>>> {
    let mut statement = conn.prepare(&MEMBER_QUERY.replace("{clusters}", condition))?;
    let mut grouped: HashMap<i64, Vec<MemberRow>> = HashMap::new();
    let rows = statement.query_map(params, |row| {
        let member_link: Option<String> = row.get(4)?;
        let source_link: Option<String> = row.get(5)?;
        Ok(MemberRow {
            cluster: row.get(0)?,
            member: row.get(1)?,
            report: AlsoReported {
                uid: row.get(2)?,
                title: row.get(3)?,
                link: source_link.or(member_link),
                feed_url: row.get(6)?,
                feed_title: row.get(7)?,
            },
        })
    })?;
    for row in rows {
        let row = row?;
        grouped.entry(row.cluster).or_default().push(row);
    }
    Ok(grouped)
}
