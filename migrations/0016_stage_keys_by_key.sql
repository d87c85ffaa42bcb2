-- feedloom schema, version 16: the stage tables lose their index by story.
--
-- The writer adds sixteen keys to a stage table for every story it stores,
-- and each key went into the table and into its index by story, all under
-- the database's write lock: without the index a cold poll of 1,000 feeds
-- × 50 items on two cores took 0.97 of the time (paired runs,
-- benches/RESULTS.md, eighth step). It served only to take a story's
-- keys out of the stage tables when the story was edited or deleted. Now:
--
-- - an edited story's staged keys are deleted by key: the writer reads
--   the story's text before it is overwritten and fingerprints it
--   (src/store/sqlite/cluster.rs, `place_edited`);
-- - a deleted story's staged keys stay until the next move, which leaves
--   out the keys of every story recorded in `band_gone` and no longer
--   stored (src/store/sqlite/band_index.rs, `copy`). Until then look-ups
--   in the stage tables skip the stories no longer stored, so they take
--   no candidate's place. A new story's id is above every id in
--   `band_gone` (src/store/sqlite/write.rs, `insert_story`), so no story
--   inherits the staged keys of a deleted one that had its id; the index
--   below keeps that look-up short.
DROP INDEX band_stage_0_by_story;
DROP INDEX band_stage_1_by_story;
CREATE INDEX band_gone_by_story ON band_gone (story_id);
DROP TRIGGER stories_bands_delete;
CREATE TRIGGER stories_bands_delete AFTER DELETE ON stories BEGIN
    INSERT INTO band_gone (story_id) VALUES (OLD.id);
END;
