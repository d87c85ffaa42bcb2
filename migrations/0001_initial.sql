-- feedloom schema, version 1: feeds, stories, sightings.
-- Times are Unix seconds (UTC). Hashes are lowercase hex.

-- One row per feed feedloom has been configured to poll. Rows are never
-- deleted when a feed leaves the configuration: its stories keep their
-- provenance.
CREATE TABLE feeds (
    id                   INTEGER PRIMARY KEY,
    url                  TEXT    NOT NULL UNIQUE,  -- as configured
    title                TEXT,                     -- from the config
    feed_title           TEXT,                     -- from the feed document
    site_link            TEXT,                     -- the feed's home page
    etag                 TEXT,                     -- validators for conditional GET
    last_modified        TEXT,
    last_fetch_at        INTEGER,
    last_success_at      INTEGER,
    last_status          TEXT CHECK (last_status IN ('ok', 'not_modified', 'error')),
    http_status          INTEGER,
    last_error           TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    next_fetch_at        INTEGER,
    retry_after          INTEGER,
    gone                 INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL
);

-- One row per distinct story. `content_hash` identifies the current content;
-- `uid` is the public id: fixed at insertion, it survives edits and restarts.
CREATE TABLE stories (
    id            INTEGER PRIMARY KEY,
    uid           TEXT    NOT NULL UNIQUE,
    content_hash  TEXT    NOT NULL UNIQUE,
    origin        TEXT    NOT NULL CHECK (origin IN ('seed', 'feed')),
    seed_key      TEXT    UNIQUE,                  -- seed file name, for seeds
    title         TEXT    NOT NULL,
    link          TEXT,                            -- canonical link
    author        TEXT,
    content_html  TEXT    NOT NULL,                -- sanitized
    content_text  TEXT    NOT NULL,
    published_at  INTEGER,
    updated_at    INTEGER,
    first_seen_at INTEGER NOT NULL,
    changed_at    INTEGER NOT NULL                 -- last insert or content change
);
CREATE INDEX stories_by_date ON stories (coalesce(published_at, first_seen_at) DESC);

-- Provenance: every feed that carried a story, under which id and link.
-- `content_hash` is what that feed last sent, so that an edit is told apart
-- from another feed carrying an older version of the same story.
CREATE TABLE sightings (
    id            INTEGER PRIMARY KEY,
    story_id      INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    feed_id       INTEGER NOT NULL REFERENCES feeds (id) ON DELETE CASCADE,
    guid          TEXT    NOT NULL,                -- the feed's id, or one derived from link/content
    link          TEXT,
    content_hash  TEXT    NOT NULL,
    seen_at       INTEGER NOT NULL,                -- first time
    last_seen_at  INTEGER NOT NULL,
    UNIQUE (feed_id, guid)
);
CREATE INDEX sightings_by_story ON sightings (story_id);
