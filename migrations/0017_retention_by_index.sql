-- feedloom schema, version 17: retention reads an index, not every story.
--
-- Retention groups the stories by cluster and needs each one's origin and
-- `first_seen_at` (src/store/sqlite/retention.rs). `first_seen_at` comes
-- after the story's text in its row, and a row longer than a page keeps
-- the rest of its text in overflow pages: reading it walked every story's
-- overflow chain, so the hourly retention pass read the whole table (3 GB
-- at 500,000 stories). With both columns in the cluster index the pass
-- reads that index and nothing of the stories themselves. `id` comes
-- second, so a cluster's members stay in id order in the index, as they
-- were: the first members and the earliest one are read without sorting
-- the whole cluster (src/store/sqlite/cluster.rs).
DROP INDEX stories_by_cluster;
CREATE INDEX stories_by_cluster ON stories (cluster_id, id, origin, first_seen_at);
