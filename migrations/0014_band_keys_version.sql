-- feedloom schema, version 14: the version of the near-duplicate band keys.
--
-- The writer keeps a filter in memory of every stored band key and looks
-- up only the keys it may hold (src/store/sqlite/band_filter.rs). Every
-- transaction that writes band keys moves this version on, and a writer
-- whose filter was made at another version drops it. This migration
-- exists so that a feedloom from before it, which writes keys without
-- moving the version, refuses this database instead of writing behind a
-- filter's back.
INSERT INTO meta (key, value) VALUES ('band_keys_version', '0')
    ON CONFLICT (key) DO NOTHING;
