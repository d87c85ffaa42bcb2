-- feedloom schema, version 15: the large band index moves to a file of its
-- own, filled by a thread of its own.
--
-- Moving the keys gathered in `story_bands_recent` into the large index
-- held the database's write lock, so polling waited for every move (2.2 s
-- of a 14-s cold poll of 1,000 feeds, and more as the index grows). The
-- large index now lives in `<database>-bands` (src/store/sqlite/band_index.rs),
-- which has its own write lock: the writer stages a story's keys here, in
-- whichever of the two stage tables `band_moves.active` names, and a mover
-- seals that table (switching the writer to the other one), copies it into
-- the other file while polling goes on, and empties it.
--
-- The keys already stored are staged, in key order (each stage page
-- written once), and the first move copies them into the band file: an
-- upgrade does not fingerprint every story again, which at a few hundred
-- thousand stories would hold the database's lock, and the daemon's start,
-- for minutes. The index on story id is made after, by one sort.
CREATE TABLE band_stage_0 (
    band     INTEGER NOT NULL,
    hash     INTEGER NOT NULL,
    story_id INTEGER NOT NULL,
    PRIMARY KEY (band, hash, story_id)
) WITHOUT ROWID;
INSERT INTO band_stage_0 (band, hash, story_id)
    SELECT band, hash, story_id FROM story_bands ORDER BY band, hash, story_id;
INSERT OR IGNORE INTO band_stage_0 (band, hash, story_id)
    SELECT band, hash, story_id FROM story_bands_recent ORDER BY band, hash, story_id;
CREATE INDEX band_stage_0_by_story ON band_stage_0 (story_id);
DROP TRIGGER stories_recent_bands_delete;
DROP TABLE story_bands_recent;
DROP TABLE story_bands;

CREATE TABLE band_stage_1 (
    band     INTEGER NOT NULL,
    hash     INTEGER NOT NULL,
    story_id INTEGER NOT NULL,
    PRIMARY KEY (band, hash, story_id)
) WITHOUT ROWID;
CREATE INDEX band_stage_1_by_story ON band_stage_1 (story_id);

-- Stories whose keys in the large index must go (deleted or edited), in
-- the order they were recorded: the mover deletes their keys there before
-- it copies the keys staged up to the same moment.
CREATE TABLE band_gone (
    seq      INTEGER PRIMARY KEY,
    story_id INTEGER NOT NULL
);

-- The one row of the mover's state. `active`: the stage table the writer
-- fills. `generation`: moved on at every seal, so a mover whose move was
-- finished or undone by another cannot empty a table it did not copy.
-- `pending`: a sealed table not yet emptied (a move to finish). `gone_upto`:
-- the last `band_gone` row the pending move covers. `pairing`: a random
-- value the band file also records, with the generation of the last move
-- copied into it; a band file that records another pairing, or a
-- generation this database did not reach or left behind, was not filled
-- from this database as it is (deleted, or either file restored from a
-- backup), and the store fills it again. `refilled`: every key is staged
-- (the store filled the index again) and the band file is to be emptied
-- at the next move, so it needs no filling meanwhile.
CREATE TABLE band_moves (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    active     INTEGER NOT NULL CHECK (active IN (0, 1)),
    generation INTEGER NOT NULL,
    pending    INTEGER NOT NULL,
    gone_upto  INTEGER NOT NULL,
    pairing    INTEGER NOT NULL,
    refilled   INTEGER NOT NULL
);
-- Every key is staged: the new band file needs no filling.
INSERT INTO band_moves VALUES (1, 0, 0, 0, 0, random(), 1);

-- A deleted story's staged keys go with it, and its moved ones are
-- recorded for the mover, whichever path deletes it.
CREATE TRIGGER stories_bands_delete AFTER DELETE ON stories BEGIN
    DELETE FROM band_stage_0 WHERE story_id = OLD.id;
    DELETE FROM band_stage_1 WHERE story_id = OLD.id;
    INSERT INTO band_gone (story_id) VALUES (OLD.id);
END;
