//! Near-duplicate clusters on PostgreSQL: the band index, placing a story
//! in a cluster when it is stored or edited, and the "also reported by"
//! lists. The rules are SQLite's, word for word (see
//! `store/sqlite/cluster.rs` and [`crate::cluster`]); what is PostgreSQL's
//! own is that a placement runs under the advisory locks of `locks`, so
//! two nodes placing near duplicates at once take turns.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::rows::big;
use super::statements::Run;
use crate::cluster::{self, Fingerprint, Shingles};
use crate::normalize::Story;
use crate::store::error::Result;
use crate::store::types::{AlsoReported, MemberRow, StoryId};

/// Candidates confirmed per placement, most shared bands first.
const MAX_CONFIRMED: usize = 16;

/// Stories read per band key, newest first.
const MAX_PER_BAND: i64 = 32;

/// Members re-checked when an edited member asks whether it still belongs.
const MAX_RECHECKED: usize = 32;

/// The `meta` key recording which algorithm filled `story_bands`.
const ALGORITHM_KEY: &str = "cluster_algorithm";

/// The cluster a story about to be inserted joins, if any.
pub(super) fn choose(tx: &mut impl Run, story: &Story) -> Result<Option<StoryId>> {
    if !story.fingerprint.is_clusterable() {
        return Ok(None);
    }
    let ours = Shingles::of(&story.title, &story.content_text);
    best_match(tx, StoryId(0), &story.fingerprint, &ours)
}

/// Indexes a newly inserted story's bands; the cluster it joined changes.
pub(super) fn index_new(
    tx: &mut impl Run,
    id: StoryId,
    fingerprint: &Fingerprint,
    joined: Option<StoryId>,
    now: DateTime<Utc>,
) -> Result<()> {
    if !fingerprint.is_clusterable() {
        return Ok(());
    }
    write_bands(tx, id, fingerprint)?;
    if let Some(cluster) = joined {
        touch(tx, cluster, now)?;
    }
    Ok(())
}

/// Re-indexes an edited story and keeps or changes its cluster.
pub(super) fn place_edited(
    tx: &mut impl Run,
    id: StoryId,
    story: &Story,
    now: DateTime<Utc>,
) -> Result<()> {
    let fingerprint = &story.fingerprint;
    let ours = Shingles::of(&story.title, &story.content_text);
    tx.execute("DELETE FROM story_bands WHERE story_id = $1", &[&id.0])?;
    write_bands(tx, id, fingerprint)?;
    let cluster = StoryId(
        tx.query_one("SELECT cluster_id FROM stories WHERE id = $1", &[&id.0])?
            .try_get(0)?,
    );
    let others: Vec<StoryId> = tx
        .query(
            "SELECT id FROM stories WHERE cluster_id = $1 AND id != $2 ORDER BY id LIMIT $3",
            &[&cluster.0, &id.0, &big(MAX_RECHECKED)],
        )?
        .iter()
        .map(|row| row.try_get(0).map(StoryId))
        .collect::<Result<_, _>>()?;
    if cluster == id && !others.is_empty() {
        return Ok(());
    }
    if cluster != id {
        for other in &others {
            if confirmed(tx, *other, &ours)?.is_some() {
                touch(tx, cluster, now)?;
                return Ok(());
            }
        }
        set_cluster(tx, id, id)?;
        touch(tx, cluster, now)?;
    }
    if fingerprint.is_clusterable()
        && let Some(joined) = best_match(tx, id, fingerprint, &ours)?
    {
        set_cluster(tx, id, joined)?;
        touch(tx, joined, now)?;
    }
    Ok(())
}

/// Deletes a superseded feed story no feed carries any more; if it founded
/// a cluster with members, the earliest member founds it from now on.
pub(super) fn delete_superseded(tx: &mut impl Run, old: StoryId, now: DateTime<Utc>) -> Result<()> {
    let deleted = tx.query_opt(
        "DELETE FROM stories WHERE id = $1 AND origin = 'feed'
           AND NOT EXISTS (SELECT 1 FROM sightings WHERE story_id = $1)
         RETURNING cluster_id",
        &[&old.0],
    )?;
    let Some(row) = deleted else {
        return Ok(());
    };
    let cluster: i64 = row.try_get(0)?;
    if cluster == old.0 {
        let next: Option<i64> = tx
            .query_one(
                "SELECT min(id) FROM stories WHERE cluster_id = $1",
                &[&old.0],
            )?
            .try_get(0)?;
        if let Some(next) = next {
            tx.execute(
                "UPDATE stories SET cluster_id = $2 WHERE cluster_id = $1",
                &[&old.0, &next],
            )?;
            touch(tx, StoryId(next), now)?;
        }
    }
    Ok(())
}

/// The cluster of the first candidate the exact similarity confirms, most
/// shared bands first (the oldest on ties); `id` itself is skipped.
fn best_match(
    tx: &mut impl Run,
    id: StoryId,
    fingerprint: &Fingerprint,
    ours: &Shingles<'_>,
) -> Result<Option<StoryId>> {
    let bands: Vec<i16> = (0..fingerprint.bands().len())
        .map(|band| band as i16)
        .collect();
    // The key's bits as they are, as on SQLite.
    let keys: Vec<i64> = fingerprint.bands().iter().map(|key| *key as i64).collect();
    // One statement for the 16 lookups, each bounded as on SQLite.
    let rows = tx.query(
        "SELECT c.story_id, count(*) AS shared
         FROM unnest($1::smallint[], $2::bigint[]) AS k(band, hash)
         CROSS JOIN LATERAL (
             SELECT story_id FROM story_bands b
             WHERE b.band = k.band AND b.hash = k.hash
             ORDER BY story_id DESC LIMIT $3
         ) AS c
         WHERE c.story_id != $4
         GROUP BY c.story_id
         ORDER BY shared DESC, c.story_id
         LIMIT $5",
        &[&bands, &keys, &MAX_PER_BAND, &id.0, &big(MAX_CONFIRMED)],
    )?;
    for row in rows {
        let candidate = StoryId(row.try_get(0)?);
        if let Some(cluster) = confirmed(tx, candidate, ours)? {
            return Ok(Some(cluster));
        }
    }
    Ok(None)
}

/// The cluster of the stored story `other` if it is a near duplicate of the
/// story whose shingles are `ours` (its own recomputed from its stored text).
fn confirmed(tx: &mut impl Run, other: StoryId, ours: &Shingles<'_>) -> Result<Option<StoryId>> {
    let row = tx.query_opt(
        "SELECT title, content_text, cluster_id FROM stories WHERE id = $1",
        &[&other.0],
    )?;
    let Some(row) = row else {
        return Ok(None);
    };
    let (title, text): (String, String) = (row.try_get(0)?, row.try_get(1)?);
    let theirs = cluster::shingles(&title, &text);
    if theirs.len() < cluster::MIN_SHINGLES {
        return Ok(None);
    }
    let similarity = cluster::similarity(ours.get(), &theirs);
    Ok(similarity.confirms().then_some(StoryId(row.try_get(2)?)))
}

fn write_bands(tx: &mut impl Run, id: StoryId, fingerprint: &Fingerprint) -> Result<()> {
    if fingerprint.bands().is_empty() {
        return Ok(());
    }
    let bands: Vec<i16> = (0..fingerprint.bands().len())
        .map(|band| band as i16)
        .collect();
    let keys: Vec<i64> = fingerprint.bands().iter().map(|key| *key as i64).collect();
    tx.execute(
        "INSERT INTO story_bands (band, hash, story_id)
         SELECT band, hash, $3 FROM unnest($1::smallint[], $2::bigint[]) AS k(band, hash)
         ON CONFLICT DO NOTHING",
        &[&bands, &keys, &id.0],
    )?;
    Ok(())
}

fn set_cluster(tx: &mut impl Run, id: StoryId, cluster: StoryId) -> Result<()> {
    tx.execute(
        "UPDATE stories SET cluster_id = $2 WHERE id = $1",
        &[&id.0, &cluster.0],
    )?;
    Ok(())
}

/// Moves a founder's `changed_at`: its entry changed.
fn touch(tx: &mut impl Run, founder: StoryId, now: DateTime<Utc>) -> Result<()> {
    tx.execute(
        "UPDATE stories SET changed_at = greatest(changed_at, $2) WHERE id = $1",
        &[&founder.0, &now.timestamp()],
    )?;
    Ok(())
}

/// Fills `story_bands` for every story when another algorithm (or none)
/// filled it, once, at open, as on SQLite: clusters stay as they are.
pub(super) fn backfill_bands(client: &mut postgres::Client) -> Result<()> {
    let mut tx = client.transaction()?;
    if filled_by(&mut tx)?.as_deref() == Some(cluster::ALGORITHM) {
        return Ok(());
    }
    // One node fills; the others wait, then find it done.
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('feedloom story_bands'))",
        &[],
    )?;
    if filled_by(&mut tx)?.as_deref() == Some(cluster::ALGORITHM) {
        return Ok(());
    }
    tx.execute("DELETE FROM story_bands", &[])?;
    let stories = tx.query("SELECT id, title, content_text FROM stories", &[])?;
    for row in &stories {
        let id = StoryId(row.try_get(0)?);
        let fingerprint =
            cluster::fingerprint(&row.try_get::<_, String>(1)?, &row.try_get::<_, String>(2)?);
        write_bands(&mut tx, id, &fingerprint)?;
    }
    tx.execute(
        "INSERT INTO meta (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        &[&ALGORITHM_KEY, &cluster::ALGORITHM],
    )?;
    tx.commit()?;
    if !stories.is_empty() {
        tracing::info!(
            stories = stories.len(),
            "indexed stored stories for near-duplicate clustering"
        );
    }
    Ok(())
}

fn filled_by(tx: &mut impl Run) -> Result<Option<String>> {
    Ok(tx
        .query_opt("SELECT value FROM meta WHERE key = $1", &[&ALGORITHM_KEY])?
        .map(|row| row.try_get(0))
        .transpose()?)
}

/// The member rows of the clusters `clusters` names, grouped by cluster,
/// earliest member first, then first sighting first.
pub(super) fn member_rows(
    tx: &mut impl Run,
    clusters: &[i64],
) -> Result<HashMap<i64, Vec<MemberRow>>> {
    let rows = tx.query(
        "SELECT m.cluster_id, m.id, m.uid, m.title, m.link, s.link, f.url,
                coalesce(f.title, f.feed_title)
         FROM stories m
         JOIN sightings s ON s.story_id = m.id
         JOIN feeds f ON f.id = s.feed_id
         WHERE m.cluster_id = ANY($1)
         ORDER BY m.first_seen_at, m.id, s.seen_at, s.id",
        &[&clusters],
    )?;
    let mut grouped: HashMap<i64, Vec<MemberRow>> = HashMap::new();
    for row in rows {
        let member_link: Option<String> = row.try_get(4)?;
        let source_link: Option<String> = row.try_get(5)?;
        let member = MemberRow {
            cluster: row.try_get(0)?,
            member: row.try_get(1)?,
            report: AlsoReported {
                uid: row.try_get(2)?,
                title: row.try_get(3)?,
                link: source_link.or(member_link),
                feed_url: row.try_get(6)?,
                feed_title: row.try_get(7)?,
            },
        };
        grouped.entry(member.cluster).or_default().push(member);
    }
    Ok(grouped)
}
