-- feedloom schema: full-text search over stories (`feedloom search`,
-- `GET /search`). Self-contained: it only reads `stories`, so it may be
-- renumbered next to other migrations without change.

-- An external-content FTS5 index: the text lives once, in `stories`;
-- `highlight()` and `snippet()` read it back from there by rowid. The
-- triggers below keep the index in step with every insert, edit and delete,
-- whoever writes them.
--
-- Tokenizer: `porter unicode61 remove_diacritics 2`.
--   * unicode61 splits on Unicode letters and digits, so transliterated
--     names and punctuation-heavy headlines ("U.S.-Taliban", "al-Qaeda")
--     become plain words, and case folds for every script;
--   * remove_diacritics 2 folds accents, including those written as
--     combining marks (option 1 misses some), so "Dušanbe" finds "Dusanbe"
--     and the other way round: feeds spell names both ways;
--   * porter stems English on top, so "sanction" finds "sanctions" and
--     "sanctioned". The stories are English news; the price is the odd
--     over-stemming ("organization" and "organ" share a stem) and no
--     stemming for other languages, whose words are still found as written.
--     A prefix query (`sanc*`) matches stems, so a prefix longer than the
--     stem ("runni*") can miss: type the word or a shorter prefix.
-- Not trigram: substring matching triples the index and ranks worse for
-- words, which is what people type.
CREATE VIRTUAL TABLE stories_fts USING fts5 (
    title,
    content_text,
    content = 'stories',
    content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE TRIGGER stories_fts_insert AFTER INSERT ON stories BEGIN
    INSERT INTO stories_fts (rowid, title, content_text)
    VALUES (new.id, new.title, new.content_text);
END;

-- An external-content index forgets a row by being told its old values.
CREATE TRIGGER stories_fts_delete AFTER DELETE ON stories BEGIN
    INSERT INTO stories_fts (stories_fts, rowid, title, content_text)
    VALUES ('delete', old.id, old.title, old.content_text);
END;

CREATE TRIGGER stories_fts_update AFTER UPDATE OF title, content_text ON stories BEGIN
    INSERT INTO stories_fts (stories_fts, rowid, title, content_text)
    VALUES ('delete', old.id, old.title, old.content_text);
    INSERT INTO stories_fts (rowid, title, content_text)
    VALUES (new.id, new.title, new.content_text);
END;

-- Search ranks every match, then breaks ties by date: this index, keyed by
-- id, holds the dates so that ranking never reads the stories' rows, whose
-- dates sit behind the text, on overflow pages (3× faster for a word in
-- 10% of 100,000 stories). `Store::search` names it with INDEXED BY: the
-- planner cannot know the rows are that wide and would pick the table.
CREATE INDEX stories_search_order ON stories (id, published_at, first_seen_at);

-- The stories stored before this migration.
INSERT INTO stories_fts (stories_fts) VALUES ('rebuild');
