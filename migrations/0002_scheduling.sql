-- feedloom schema, version 2: what the daemon's scheduler needs.

-- Where a feed moved to with a permanent redirect (301/308); fetched
-- instead of `url` until the configuration changes.
ALTER TABLE feeds ADD COLUMN fetch_url TEXT;

-- Small facts about the installation, e.g. the digest of the configuration
-- last applied (a changed configuration un-retires feeds that answered 410).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
