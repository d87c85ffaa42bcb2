-- feedloom schema, version 10: a seed without a date has none.
--
-- A story's date (StoredStory::date) is the one its source gave, else, for
-- a story from a feed, when it was first seen. A seed whose file names no
-- date has no date at all: its import time said nothing about when it was
-- written, yet it put year-old articles above the day's news. The feeds
-- and the river are read newest first by this key, undated stories after
-- every dated one (-9223372036854775807, below any time stored); the
-- expression must be the one `rows::date_key` writes, or SQLite would not
-- use the index.
DROP INDEX stories_by_date;
CREATE INDEX stories_by_date ON stories (
    coalesce(published_at, CASE WHEN origin = 'feed' THEN first_seen_at END,
             -9223372036854775807) DESC
);

-- Search breaks ties by the same date, read from this index alone (see
-- 0005_search.sql): it now needs the origin too.
DROP INDEX stories_search_order;
CREATE INDEX stories_search_order ON stories (id, published_at, first_seen_at, origin);
