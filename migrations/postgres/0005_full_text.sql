-- feedloom PostgreSQL schema, version 5: full text for teaser feeds (as
-- migrations/0012_full_text.sql for SQLite): a story's summary (the
-- feed's teaser, when the story holds the article its link leads to), and
-- the article fetched for each item link, once.
ALTER TABLE stories ADD COLUMN summary TEXT;

CREATE TABLE articles (
    link         TEXT PRIMARY KEY,
    outcome      TEXT NOT NULL,
    content_html TEXT,
    fetched_at   BIGINT NOT NULL
);
