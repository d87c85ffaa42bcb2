-- feedloom schema, version 7: full-text indexing leaves the poll's
-- transactions.
--
-- Indexing a story in FTS5 from a trigger costs more than the rest of its
-- insert put together, and FTS5 flushes its pending terms at every
-- statement, so the poll wrote one tiny segment per story and then merged
-- them. Now the triggers only queue a story; `Store::index_pending` indexes
-- the queue a thousand stories per statement, outside the feeds' writes
-- (the daemon's background task, the end of `feedloom poll`, and
-- `feedloom search` before it searches). A queued story is not in
-- `stories_fts` yet, so an edit or delete of it must not delete it there:
-- the index would go inconsistent.

CREATE TABLE search_queue (
    story_id INTEGER PRIMARY KEY
);

DROP TRIGGER stories_fts_insert;
DROP TRIGGER stories_fts_delete;
DROP TRIGGER stories_fts_update;

CREATE TRIGGER stories_fts_insert AFTER INSERT ON stories BEGIN
    INSERT OR IGNORE INTO search_queue (story_id) VALUES (new.id);
END;

CREATE TRIGGER stories_fts_delete AFTER DELETE ON stories BEGIN
    INSERT INTO stories_fts (stories_fts, rowid, title, content_text)
    SELECT 'delete', old.id, old.title, old.content_text
    WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE story_id = old.id);
    DELETE FROM search_queue WHERE story_id = old.id;
END;

CREATE TRIGGER stories_fts_update AFTER UPDATE OF title, content_text ON stories BEGIN
    INSERT INTO stories_fts (stories_fts, rowid, title, content_text)
    SELECT 'delete', old.id, old.title, old.content_text
    WHERE NOT EXISTS (SELECT 1 FROM search_queue WHERE story_id = old.id);
    INSERT OR IGNORE INTO search_queue (story_id) VALUES (new.id);
END;
