-- feedloom schema, version 17: retention reads an index, not every story.
--
-- Retention groups the stories by cluster and needs each one's origin and
-- `first_seen_at` (src/store/sqlite/retention.rs). Both columns come after
-- the story's text in its row, and a row longer than a page keeps the rest
-- of its text in overflow pages: reading them walked every story's
-- overflow chain, so the hourly retention pass read the whole table (3 GB
-- at 500,000 stories). With both columns in the cluster index the pass
-- reads that index and nothing of the stories themselves. Look-ups by
-- cluster use the same index as before, by its first column.
DROP INDEX stories_by_cluster;
CREATE INDEX stories_by_cluster ON stories (cluster_id, origin, first_seen_at);
