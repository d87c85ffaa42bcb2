//! Near-duplicate clusters in the database: the band index, and placing a
//! story in a cluster when it is stored or edited (the "also reported by"
//! lists are read in `members`). The method and its thresholds are in
//! [`crate::cluster`].
//!
//! Rules, kept simple on purpose:
//!
//! - A new story joins the cluster of its first confirmed candidate (most
//!   shared bands first); without one it founds its own cluster. Clusters are
//!   single-linkage: a story joins through any member, not only the founder.
//! - An edited story keeps its cluster while it still matches another member
//!   of it. A founder with members never moves (its uid is the entry's id
//!   readers know). A member that no longer matches leaves and is placed
//!   like a new story; so is a founder that was alone.
//! - When a founder is deleted (an edit superseded it), the earliest
//!   remaining member founds the cluster from then on.
//! - Whenever a cluster's membership (or a member's content) changes, the
//!   founder's `changed_at` moves: the entry shows the members, so its
//!   `updated` date, the feeds' dates and the documents' validators follow.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::band_filter::BandFilter;
use super::band_index::{self, STAGE_INSERTS};
use crate::cluster::{self, Fingerprint, Shingles};
use crate::normalize::Story;
use crate::store::error::Result;
use crate::store::types::{CandidateCheck, CandidateChecks, StoryId};

/// Candidates confirmed per placement, most shared bands first. A story
/// with more candidates than this is in a crowd of near-identical ones,
/// and the best-placed few are as good a match as any.
const MAX_CONFIRMED: usize = 16;

/// Stories read per band key, newest first. A key shared by a crowd (a
/// feed that sends the same boilerplate item every hour) would otherwise
/// make every insert read the whole crowd: with this bound a placement
/// reads at most 32 × this many index rows, and the newest members of a
/// crowd are as good a match as any.
const MAX_PER_BAND: i64 = 32;

/// Members re-checked when an edited member asks whether it still belongs.
const MAX_RECHECKED: usize = 32;

/// The first members of cluster ?1 by id, ?2 left out, at most ?3. Read
/// from `stories_by_cluster`, which keeps each cluster's members in id
/// order: the first few, not the whole cluster sorted.
pub(super) const FIRST_MEMBERS: &str =
    "SELECT id FROM stories WHERE cluster_id = ?1 AND id != ?2 ORDER BY id LIMIT ?3";

/// The earliest member of cluster ?1: the first entry of the cluster in
/// `stories_by_cluster`.
pub(super) const EARLIEST_MEMBER: &str = "SELECT min(id) FROM stories WHERE cluster_id = ?1";

/// The `meta` key recording which algorithm filled the band index.
const ALGORITHM_KEY: &str = "cluster_algorithm";

/// What placing a story in a cluster found (see
/// [`super::Store::near_duplicates`]).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Placement {
    /// Distinct stories sharing at least one band.
    pub candidates: usize,
    /// Candidates whose texts were compared.
    pub compared: usize,
    /// The cluster joined, if any.
    pub joined: Option<StoryId>,
}

/// The cluster a story about to be inserted joins: its best confirmed
/// candidate's, or none (it founds its own). Looks up only the band keys
/// `bands` may hold.
pub(super) fn choose(
    tx: &Connection,
    story: &Story,
    checked: Option<&CandidateChecks>,
    bands: &mut BandFilter,
) -> Result<Placement> {
    if !story.fingerprint.is_clusterable() {
        return Ok(Placement::default());
    }
    bands.placed();
    let ours = Shingles::of(&story.title, &story.content_text);
    // No story has id 0: nothing to skip.
    place(
        tx,
        StoryId(0),
        &story.fingerprint,
        &ours,
        checked,
        Some(bands),
    )
}

/// The candidates [`choose`] would compare for `story` now, compared (see
/// [`CandidateChecks`]): the same ranking, the same stop at the first
/// confirmed one. Reads only, so any connection can do it before the write.
pub(super) fn check(conn: &Connection, story: &Story) -> Result<CandidateChecks> {
    let mut checks = CandidateChecks::default();
    let fingerprint = &story.fingerprint;
    if !fingerprint.is_clusterable() {
        return Ok(checks);
    }
    let ours = Shingles::of(&story.title, &story.content_text);
    for (candidate, _) in ranked_candidates(conn, StoryId(0), fingerprint, None)?
        .into_iter()
        .take(MAX_CONFIRMED)
    {
        let Some(row) = candidate_row(conn, StoryId(candidate))? else {
            continue;
        };
        let confirms = row.confirms(&ours);
        checks.checked.push(CandidateCheck {
            story: StoryId(candidate),
            content_hash: row.content_hash,
            confirms,
        });
        if confirms {
            break;
        }
    }
    Ok(checks)
}

/// Indexes a newly inserted story's bands; the cluster it joined (see
/// [`choose`]) changes, so its entry moves.
pub(super) fn index_new(
    tx: &Connection,
    id: StoryId,
    fingerprint: &Fingerprint,
    placement: &Placement,
    now: DateTime<Utc>,
    bands: &mut BandFilter,
) -> Result<()> {
    if !fingerprint.is_clusterable() {
        return Ok(());
    }
    write_bands(tx, id, fingerprint, bands)?;
    if let Some(cluster) = placement.joined {
        touch(tx, cluster, now)?;
    }
    Ok(())
}

/// Re-indexes an edited story and keeps or changes its cluster (see the
/// module doc).
/// `before` is the fingerprint of its text before the edit.
pub(super) fn place_edited(
    tx: &Connection,
    id: StoryId,
    story: &Story,
    before: &Fingerprint,
    now: DateTime<Utc>,
    bands: &mut BandFilter,
) -> Result<()> {
    let fingerprint = &story.fingerprint;
    let ours = Shingles::of(&story.title, &story.content_text);
    // Its staged keys go now, by key (the stage tables have no index by
    // story); its keys in the band file at the next move (see
    // `band_index`).
    for statement in [
        "DELETE FROM band_stage_0 WHERE band = ?1 AND hash = ?2 AND story_id = ?3",
        "DELETE FROM band_stage_1 WHERE band = ?1 AND hash = ?2 AND story_id = ?3",
    ] {
        let mut delete = tx.prepare_cached(statement)?;
        for (band, hash) in before.bands().iter().enumerate() {
            delete.execute(params![band as i64, *hash as i64, id.0])?;
        }
    }
    tx.prepare_cached("INSERT INTO band_gone (story_id) VALUES (?1)")?
        .execute([id.0])?;
    write_bands(tx, id, fingerprint, bands)?;
    let cluster = StoryId(
        tx.prepare_cached("SELECT cluster_id FROM stories WHERE id = ?1")?
            .query_row([id.0], |row| row.get(0))?,
    );
    let others: Vec<StoryId> = tx
        .prepare_cached(FIRST_MEMBERS)?
        .query_map(params![cluster.0, id.0, MAX_RECHECKED as i64], |row| {
            row.get(0).map(StoryId)
        })?
        .collect::<rusqlite::Result<_>>()?;
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
        // It no longer reads like its cluster: it leaves, and the entry it
        // was listed on changes.
        set_cluster(tx, id, id)?;
        touch(tx, cluster, now)?;
    }
    if fingerprint.is_clusterable() {
        bands.placed();
    }
    if fingerprint.is_clusterable()
        && let Some(joined) = place(tx, id, fingerprint, &ours, None, Some(bands))?.joined
    {
        set_cluster(tx, id, joined)?;
        touch(tx, joined, now)?;
    }
    Ok(())
}

/// Deletes a superseded feed story that no feed carries any more (see
/// `apply_item`); if it founded a cluster with members, the earliest member
/// founds it from now on.
pub(super) fn delete_superseded(tx: &Connection, old: StoryId, now: DateTime<Utc>) -> Result<()> {
    let cluster: Option<i64> = tx
        .prepare_cached("SELECT cluster_id FROM stories WHERE id = ?1")?
        .query_row([old.0], |row| row.get(0))
        .optional()?;
    let deleted = tx
        .prepare_cached(
            "DELETE FROM stories WHERE id = ?1 AND origin = 'feed'
               AND NOT EXISTS (SELECT 1 FROM sightings WHERE story_id = ?1)",
        )?
        .execute([old.0])?;
    if deleted == 1 && cluster == Some(old.0) {
        let next: Option<i64> = tx
            .prepare_cached(EARLIEST_MEMBER)?
            .query_row([old.0], |row| row.get(0))?;
        if let Some(next) = next {
            tx.prepare_cached("UPDATE stories SET cluster_id = ?2 WHERE cluster_id = ?1")?
                .execute(params![old.0, next])?;
            touch(tx, StoryId(next), now)?;
        }
    }
    Ok(())
}

/// The candidates of `story` by band, confirmed by exact similarity;
/// `joined` is the cluster of the first confirmed one, most shared bands
/// first. Reads only.
pub(super) fn best_match(tx: &Connection, story: &Story) -> Result<Placement> {
    let ours = Shingles::of(&story.title, &story.content_text);
    // No story has id 0: nothing to skip.
    place(tx, StoryId(0), &story.fingerprint, &ours, None, None)
}

/// [`best_match`] for the story with `fingerprint` and shingles `ours`,
/// skipping `id` (already inserted, maybe already
/// indexed), looking up only the keys `filter` may hold, and reusing the
/// comparisons in `checked` (made before the
/// write, see [`check`]) for every candidate whose content hash is still
/// the one compared: the same candidates, in the same order, with the same
/// outcome as comparing them all here, since a comparison depends only on
/// the two texts. A candidate stored or edited since is compared here.
fn place(
    tx: &Connection,
    id: StoryId,
    fingerprint: &Fingerprint,
    ours: &Shingles<'_>,
    checked: Option<&CandidateChecks>,
    filter: Option<&BandFilter>,
) -> Result<Placement> {
    let ranked = ranked_candidates(tx, id, fingerprint, filter)?;
    let mut placement = Placement {
        candidates: ranked.len(),
        ..Placement::default()
    };
    // Candidates come most shared bands first, the MinHash estimate of
    // similarity: the first one the exact measure confirms is the match.
    // Reading on would recompute up to sixteen stored texts' shingles under
    // the store lock for every story in a crowd of copies.
    for &(candidate, _) in ranked.iter().take(MAX_CONFIRMED) {
        placement.compared += 1;
        let candidate = StoryId(candidate);
        let joined = match checked.and_then(|checked| checked.find(candidate)) {
            Some(check) => match candidate_version(tx, candidate)? {
                Some((hash, cluster)) if hash == check.content_hash => {
                    check.confirms.then_some(cluster)
                }
                Some(_) => confirmed(tx, candidate, ours)?,
                None => None,
            },
            None => confirmed(tx, candidate, ours)?,
        };
        if let Some(cluster) = joined {
            placement.joined = Some(cluster);
            break;
        }
    }
    Ok(placement)
}

/// The stories sharing a band with `fingerprint` (but `id`), with how many
/// bands each shares: most first, the oldest on ties. A key `filter` says
/// no story holds is not looked up.
fn ranked_candidates(
    conn: &Connection,
    id: StoryId,
    fingerprint: &Fingerprint,
    filter: Option<&BandFilter>,
) -> Result<Vec<(i64, usize)>> {
    let mut shared: HashMap<i64, usize> = HashMap::new();
    // A key is in a stage table, the band file or both (see `band_index`):
    // the newest MAX_PER_BAND stories of the three together are those of
    // the one index they stand for. The stage tables are read first: a key
    // no longer staged was copied before it left.
    // A deleted story's staged keys stay until the next move (the stage
    // tables have no index by story): skipped here, they take no stored
    // story's place among the newest.
    let mut lookups = [
        conn.prepare_cached(
            "SELECT story_id FROM band_stage_0 AS k WHERE band = ?1 AND hash = ?2
               AND EXISTS (SELECT 1 FROM stories WHERE id = k.story_id)
             ORDER BY story_id DESC LIMIT ?3",
        )?,
        conn.prepare_cached(
            "SELECT story_id FROM band_stage_1 AS k WHERE band = ?1 AND hash = ?2
               AND EXISTS (SELECT 1 FROM stories WHERE id = k.story_id)
             ORDER BY story_id DESC LIMIT ?3",
        )?,
        conn.prepare_cached(
            "SELECT story_id FROM story_bands WHERE band = ?1 AND hash = ?2
             ORDER BY story_id DESC LIMIT ?3",
        )?,
    ];
    let mut stories = Vec::new();
    for (band, hash) in fingerprint.bands().iter().enumerate() {
        if filter.is_some_and(|filter| !filter.may_hold(band, *hash)) {
            continue;
        }
        stories.clear();
        for lookup in &mut lookups {
            let rows = lookup
                .query_map(params![band as i64, *hash as i64, MAX_PER_BAND], |row| {
                    row.get::<_, i64>(0)
                })?;
            for story in rows {
                stories.push(story?);
            }
        }
        // A key both staged and copied (a move not yet cleared) counts once.
        stories.sort_unstable_by(|a, b| b.cmp(a));
        stories.dedup();
        stories.truncate(MAX_PER_BAND as usize);
        for &story in &stories {
            if story != id.0 {
                *shared.entry(story).or_default() += 1;
            }
        }
    }
    let mut ranked: Vec<(i64, usize)> = shared.into_iter().collect();
    // Most shared bands (the MinHash estimate) first; the oldest on ties.
    ranked.sort_unstable_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(ranked)
}

/// What comparing a stored candidate needs of it.
struct CandidateRow {
    title: String,
    text: String,
    cluster: StoryId,
    content_hash: String,
}

impl CandidateRow {
    /// Whether its text confirms the story whose shingles are `ours` as a
    /// near duplicate. Its shingles are recomputed from its stored title
    /// and text (cheaper than storing them).
    fn confirms(&self, ours: &Shingles<'_>) -> bool {
        let theirs = cluster::shingles(&self.title, &self.text);
        theirs.len() >= cluster::MIN_SHINGLES && cluster::similarity(ours.get(), &theirs).confirms()
    }
}

fn candidate_row(conn: &Connection, story: StoryId) -> Result<Option<CandidateRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT title, content_text, cluster_id, content_hash FROM stories WHERE id = ?1",
        )?
        .query_row([story.0], |row| {
            Ok(CandidateRow {
                title: row.get(0)?,
                text: row.get(1)?,
                cluster: StoryId(row.get(2)?),
                content_hash: row.get(3)?,
            })
        })
        .optional()?)
}

/// A candidate's content hash and cluster now, without its text.
fn candidate_version(tx: &Connection, story: StoryId) -> Result<Option<(String, StoryId)>> {
    Ok(tx
        .prepare_cached("SELECT content_hash, cluster_id FROM stories WHERE id = ?1")?
        .query_row([story.0], |row| Ok((row.get(0)?, StoryId(row.get(1)?))))
        .optional()?)
}

/// The cluster of the stored story `other` if it is a near duplicate of
/// the story whose shingles are `ours`.
fn confirmed(tx: &Connection, other: StoryId, ours: &Shingles<'_>) -> Result<Option<StoryId>> {
    Ok(candidate_row(tx, other)?
        .filter(|row| row.confirms(ours))
        .map(|row| row.cluster))
}

/// Writes a story's band keys into the active stage table (see
/// `band_index`), where a transaction touches few pages, a prepared
/// single-row statement per band, and records them in `bands` (which
/// moves the version other connections' filters are checked against: see
/// `band_filter`). Not one multi-row INSERT: SQLite gives a statement that
/// may fail after its first row a statement journal, and copying each
/// band page into it cost more than the statements it saved (measured:
/// `write_bands` went from 6 % to 10 % of a cold poll's CPU).
fn write_bands(
    tx: &Connection,
    id: StoryId,
    fingerprint: &Fingerprint,
    bands: &mut BandFilter,
) -> Result<()> {
    bands.bump(tx, fingerprint.bands())?;
    let mut insert = tx.prepare_cached(STAGE_INSERTS[bands.stage()])?;
    for (band, hash) in fingerprint.bands().iter().enumerate() {
        // SQLite integers are signed: the key's bits are stored as they are.
        insert.execute(params![band as i64, *hash as i64, id.0])?;
    }
    Ok(())
}

fn set_cluster(tx: &Connection, id: StoryId, cluster: StoryId) -> Result<()> {
    tx.prepare_cached("UPDATE stories SET cluster_id = ?2 WHERE id = ?1")?
        .execute(params![id.0, cluster.0])?;
    Ok(())
}

/// Moves a founder's `changed_at`: its entry changed.
fn touch(tx: &Connection, founder: StoryId, now: DateTime<Utc>) -> Result<()> {
    tx.prepare_cached("UPDATE stories SET changed_at = max(changed_at, ?2) WHERE id = ?1")?
        .execute(params![founder.0, now.timestamp()])?;
    Ok(())
}

/// Fills the band index for every story when it was filled by another
/// algorithm, not at all (a database from before clusters), or into a
/// band file that is not this database's (see `band_index`): once, at
/// open. Clusters are left as they are; stories stored before get no
/// retroactive clustering (each stays its own cluster, as migrated), so
/// no published entry disappears on upgrade.
///
/// The keys are all staged (`band_moves.refilled`), under a new pairing:
/// the next move empties the band file before it copies them there.
pub(super) fn backfill_bands(conn: &mut Connection) -> Result<()> {
    // Every connection opens through here, the server's per-search ones
    // too: a plain read first, so that opening does not wait for a poll's
    // write transaction when there is nothing to fill.
    if filled(conn)? {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Another connection may have filled it meanwhile.
    if filled(&tx)? {
        return Ok(());
    }
    // A new pairing and generation: a move under way is undone, and the
    // band file is emptied before any key staged from now on is copied
    // into it. Until then `refilled` stands for it, so that connections
    // opening meanwhile do not fill the index again.
    tx.execute_batch(
        "DELETE FROM band_stage_0; DELETE FROM band_stage_1; DELETE FROM band_gone;
         UPDATE band_moves SET generation = generation + 1, pending = 0, gone_upto = 0,
                               pairing = random(), refilled = 1;",
    )?;
    let mut count = 0usize;
    // No connection's filter survives this: the first key written moves
    // the version on.
    let mut bands = BandFilter::default();
    bands.begin(&tx)?;
    {
        let mut stories = tx.prepare("SELECT id, title, content_text FROM stories")?;
        let mut rows = stories.query([])?;
        while let Some(row) = rows.next()? {
            let id = StoryId(row.get(0)?);
            let fingerprint =
                cluster::fingerprint(&row.get::<_, String>(1)?, &row.get::<_, String>(2)?);
            // In story order, one transaction: each page of the stage
            // table is written once however the keys fall.
            write_bands(&tx, id, &fingerprint, &mut bands)?;
            count += 1;
        }
    }
    tx.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [ALGORITHM_KEY, cluster::ALGORITHM],
    )?;
    tx.commit()?;
    if count > 0 {
        tracing::info!(
            stories = count,
            "indexed stored stories for near-duplicate clustering"
        );
    }
    Ok(())
}

/// Whether the band index was filled by this algorithm, into a band file
/// paired with this database.
fn filled(conn: &Connection) -> Result<bool> {
    Ok(filled_by(conn)?.as_deref() == Some(cluster::ALGORITHM) && band_index::paired(conn)?)
}

/// The algorithm that filled the band index, if any.
fn filled_by(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            [ALGORITHM_KEY],
            |row| row.get(0),
        )
        .optional()?)
}
