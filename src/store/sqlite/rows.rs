//! The SQLite schema's rows as the neutral types: the columns a story or
//! a source is read from, their mappers, and the stored forms (Unix
//! seconds, retired guids) the readers and writers agree on.

use chrono::{DateTime, Utc};

use crate::store::types::{Origin, Source, StoredStory, StoryId};

/// Marks a sighting whose guid the feed later reused for another story:
/// the guid, this, then the sighting's id (unique, and U+001F cannot occur
/// in an XML id). [`source_from_row`] shows the guid without it.
pub(super) const RETIRED_GUID: char = '\u{1f}';

/// The columns [`story_from_row`] reads, in its order.
pub(super) const STORY_COLUMNS: &str = "id, uid, origin, seed_key, title, link, author, content_html, \
     content_text, published_at, updated_at, first_seen_at, changed_at, summary";
/// How many columns [`STORY_COLUMNS`] names.
pub(super) const STORY_COLUMN_COUNT: usize = 14;

pub(super) fn story_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<StoredStory> {
    let origin: String = row.get(2)?;
    Ok(StoredStory {
        id: StoryId(row.get(0)?),
        uid: row.get(1)?,
        origin: if origin == "seed" {
            Origin::Seed
        } else {
            Origin::Feed
        },
        seed_key: row.get(3)?,
        title: row.get(4)?,
        link: row.get(5)?,
        author: row.get(6)?,
        content_html: row.get(7)?,
        content_text: row.get(8)?,
        published_at: row.get::<_, Option<i64>>(9)?.and_then(from_unix),
        updated_at: row.get::<_, Option<i64>>(10)?.and_then(from_unix),
        first_seen_at: from_unix(row.get(11)?).unwrap_or_default(),
        changed_at: from_unix(row.get(12)?).unwrap_or_default(),
        summary: row.get(13)?,
        sources: Vec::new(),
        also_reported_by: Vec::new(),
    })
}

/// The columns [`source_from_row`] reads, over `sightings s JOIN feeds f`.
pub(super) const SOURCE_COLUMNS: &str =
    "s.story_id, f.url, coalesce(f.title, f.feed_title), s.guid, s.link, s.seen_at";

pub(super) fn source_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(StoryId, Source)> {
    Ok((
        StoryId(row.get(0)?),
        Source {
            feed_url: row.get(1)?,
            feed_title: row.get(2)?,
            guid: {
                let mut guid: String = row.get(3)?;
                if let Some(at) = guid.find(RETIRED_GUID) {
                    guid.truncate(at);
                }
                guid
            },
            link: row.get(4)?,
            seen_at: from_unix(row.get(5)?).unwrap_or_default(),
        },
    ))
}

pub(super) fn from_unix(seconds: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(seconds, 0)
}

/// A story's date as the order key ([`StoredStory::date`]) of the
/// `stories` row named `table` (empty for the unqualified table): its
/// published time, else when first seen for a story from a feed, else (an
/// undated seed) `i64::MIN + 1`, below any time chrono can hold (`i64::MIN`
/// itself is not an integer literal to SQLite). The index
/// `stories_by_date` (migrations/0010_undated_seeds.sql) is on exactly this
/// expression, or SQLite would not use it.
pub(super) fn date_key(table: &str) -> String {
    let t = if table.is_empty() {
        String::new()
    } else {
        format!("{table}.")
    };
    format!(
        "coalesce({t}published_at, CASE WHEN {t}origin = 'feed' THEN {t}first_seen_at END, \
         -9223372036854775807)"
    )
}
