-- feedloom PostgreSQL schema, version 2: several nodes sharing the store
-- (as migrations/0008_nodes.sql for SQLite).

-- A poll's lease: the node polling the feed now, and until when its claim
-- holds (see Nodes::claim_feed).
ALTER TABLE feeds ADD COLUMN lease_node text;
ALTER TABLE feeds ADD COLUMN lease_until bigint;

-- Counts the changes that alter what is published.
INSERT INTO meta (key, value) VALUES ('changes', '0') ON CONFLICT (key) DO NOTHING;
