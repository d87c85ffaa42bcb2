-- feedloom schema, version 8: several nodes sharing one store.

-- A poll's lease: the node polling the feed now, and until when its claim
-- holds. A node claims a due feed before polling it (only one claim can
-- hold), and planning the next poll ends the lease; a node that died
-- mid-poll leaves a lease that runs out, and another node polls the feed.
ALTER TABLE feeds ADD COLUMN lease_node TEXT;
ALTER TABLE feeds ADD COLUMN lease_until INTEGER;

-- Counts the changes that alter what is published, so that every node
-- learns of another's (it re-renders its documents when the count moves).
INSERT OR IGNORE INTO meta (key, value) VALUES ('changes', '0');
