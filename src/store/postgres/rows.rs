//! The PostgreSQL schema's rows as the neutral types: the columns a story
//! or a source is read from and their mappers. Stored forms are SQLite's
//! (Unix seconds, retired guids), so a store copied between them keeps
//! every value.

use chrono::{DateTime, Utc};
use postgres::Row;

use crate::store::error::Result;
use crate::store::types::{Origin, Source, StoredStory, StoryId};

/// Marks a sighting whose guid the feed later reused for another story:
/// the guid, this, then the sighting's id (as on SQLite).
pub(super) const RETIRED_GUID: char = '\u{1f}';

/// The columns [`story_from_row`] reads, in its order, over `stories s`.
pub(super) const STORY_COLUMNS: &str = "s.id, s.uid, s.origin, s.seed_key, s.title, s.link, \
     s.author, s.content_html, s.content_text, s.published_at, s.updated_at, s.first_seen_at, \
     s.changed_at, s.summary";
/// How many columns [`STORY_COLUMNS`] names.
pub(super) const STORY_COLUMN_COUNT: usize = 14;

pub(super) fn story_from_row(row: &Row) -> Result<StoredStory> {
    let origin: String = row.try_get(2)?;
    Ok(StoredStory {
        id: StoryId(row.try_get(0)?),
        uid: row.try_get(1)?,
        origin: if origin == "seed" {
            Origin::Seed
        } else {
            Origin::Feed
        },
        seed_key: row.try_get(3)?,
        title: row.try_get(4)?,
        link: row.try_get(5)?,
        author: row.try_get(6)?,
        content_html: row.try_get(7)?,
        content_text: row.try_get(8)?,
        published_at: row.try_get::<_, Option<i64>>(9)?.and_then(from_unix),
        updated_at: row.try_get::<_, Option<i64>>(10)?.and_then(from_unix),
        first_seen_at: from_unix(row.try_get(11)?).unwrap_or_default(),
        changed_at: from_unix(row.try_get(12)?).unwrap_or_default(),
        summary: row.try_get(13)?,
        sources: Vec::new(),
        also_reported_by: Vec::new(),
    })
}

/// The sources of the stories `$1` (a `bigint[]`) names, first sighting
/// first: (story id, source) rows of [`source_from_row`].
pub(super) const SOURCES_OF: &str =
    "SELECT s.story_id, f.url, coalesce(f.title, f.feed_title), s.guid, s.link, s.seen_at
     FROM sightings s JOIN feeds f ON f.id = s.feed_id
     WHERE s.story_id = ANY($1)
     ORDER BY s.seen_at, s.id";

pub(super) fn source_from_row(row: &Row) -> Result<(StoryId, Source)> {
    let mut guid: String = row.try_get(3)?;
    if let Some(at) = guid.find(RETIRED_GUID) {
        guid.truncate(at);
    }
    Ok((
        StoryId(row.try_get(0)?),
        Source {
            feed_url: row.try_get(1)?,
            feed_title: row.try_get(2)?,
            guid,
            link: row.try_get(4)?,
            seen_at: from_unix(row.try_get(5)?).unwrap_or_default(),
        },
    ))
}

pub(super) fn from_unix(seconds: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(seconds, 0)
}

/// A count or limit as PostgreSQL's `bigint`.
pub(super) fn big(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A story's date as the order key ([`StoredStory::date`]) of the
/// `stories` row named `table`: its published time, else when first seen
/// for a story from a feed, else (an undated seed) `i64::MIN + 1`, below
/// any time chrono can hold. The indexes `stories_founders_by_date` and
/// `stories_by_date` (migrations/postgres/0003_undated_seeds.sql) are on
/// exactly this expression.
pub(super) fn date_key(table: &str) -> String {
    format!(
        "coalesce({table}.published_at, CASE WHEN {table}.origin = 'feed' THEN {table}.first_seen_at END, \
         -9223372036854775807)"
    )
}
