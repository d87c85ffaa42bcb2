-- feedloom schema, version 4: near-duplicate clusters (see src/cluster.rs).

-- The cluster a story belongs to: the id of the cluster's founding story,
-- the first of its members stored. A story alone is its own cluster. The
-- published feeds show one entry per cluster, the founder, so an entry's id
-- (the founder's uid) does not change when another member joins.
ALTER TABLE stories ADD COLUMN cluster_id INTEGER;
UPDATE stories SET cluster_id = id;
CREATE INDEX stories_by_cluster ON stories (cluster_id);

-- A story inserted without a cluster founds its own. A trigger rather than
-- a second statement in every insert path, so no path can forget it.
CREATE TRIGGER stories_found_cluster AFTER INSERT ON stories
WHEN NEW.cluster_id IS NULL
BEGIN
    UPDATE stories SET cluster_id = NEW.id WHERE id = NEW.id;
END;

-- The LSH index: one row per band of each story's MinHash signature.
-- Stories sharing a (band, hash) are near-duplicate candidates. Filled by
-- the store when a story is inserted or edited; the bands of stories stored
-- before this migration are computed once by the store after it opens the
-- database (`meta.cluster_algorithm` records which algorithm filled them).
CREATE TABLE story_bands (
    band     INTEGER NOT NULL,
    hash     INTEGER NOT NULL,
    story_id INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    PRIMARY KEY (band, hash, story_id)
) WITHOUT ROWID;
-- For the cascade and for recomputing one story's bands after an edit.
CREATE INDEX story_bands_by_story ON story_bands (story_id);
