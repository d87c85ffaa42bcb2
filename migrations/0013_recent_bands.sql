-- feedloom schema, version 13: new band keys land in a small table first.
--
-- LSH band keys are random, so each transaction that added keys to the
-- one large `story_bands` rewrote most of its leaf pages: a cold poll of
-- 1,000 feeds wrote about 1.8 GB for a 366 MB database, and the band index
-- was half of a cold poll's time at 150,000 stories. Keys are now written
-- here, where a transaction touches only this table's few pages, and the
-- store moves them into `story_bands` in key order once enough have
-- gathered (src/store/sqlite/cluster.rs), so each page of the large table
-- is rewritten once per move instead of once per transaction. Look-ups
-- read both tables; a key is in exactly one of them.
--
-- No foreign key: SQLite empties a table that has one row by row (a move
-- spent a third of its time there), and one without at once. Only the
-- store writes here, with the id of the story it is inserting or editing;
-- the trigger below does what the cascade did.
CREATE TABLE story_bands_recent (
    band     INTEGER NOT NULL,
    hash     INTEGER NOT NULL,
    story_id INTEGER NOT NULL,
    PRIMARY KEY (band, hash, story_id)
) WITHOUT ROWID;
-- For the trigger and for recomputing one story's bands after an edit.
CREATE INDEX story_bands_recent_by_story ON story_bands_recent (story_id);
-- A deleted story's recent keys go with it, whichever path deletes it.
CREATE TRIGGER stories_recent_bands_delete AFTER DELETE ON stories BEGIN
    DELETE FROM story_bands_recent WHERE story_id = OLD.id;
END;
