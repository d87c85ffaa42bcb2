-- feedloom PostgreSQL schema, version 3: a seed without a date has none
-- (as migrations/0010_undated_seeds.sql for SQLite).
--
-- A story's date (StoredStory::date) is the one its source gave, else, for
-- a story from a feed, when it was first seen; a seed whose file names no
-- date has none, and sorts after every dated story
-- (-9223372036854775807, below any time stored). The expression is the one
-- `rows::date_key` writes.
DROP INDEX stories_founders_by_date;
DROP INDEX stories_by_date;
CREATE INDEX stories_founders_by_date ON stories ((coalesce(published_at,
    CASE WHEN origin = 'feed' THEN first_seen_at END, -9223372036854775807)), id)
    WHERE cluster_id = id;
CREATE INDEX stories_by_date ON stories ((coalesce(published_at,
    CASE WHEN origin = 'feed' THEN first_seen_at END, -9223372036854775807)), id);
