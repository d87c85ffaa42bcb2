-- feedloom schema, version 12: full text for teaser feeds (`full_text =
-- true` on a feed).
--
-- A story from such a feed holds the article its link leads to; the
-- feed's own text (the teaser) is kept as its summary. Stories from other
-- feeds, and seeds, have none.
ALTER TABLE stories ADD COLUMN summary TEXT;

-- Every item link a full-text feed led to, fetched once: the article's
-- sanitized markup when one was extracted, else NULL with why not
-- (`outcome`), so that a link is never fetched again, across polls and
-- restarts, whatever its page did. Keyed by the canonical link, so two
-- feeds carrying one article share it.
CREATE TABLE articles (
    link       TEXT PRIMARY KEY,
    outcome    TEXT NOT NULL,
    content_html TEXT,
    fetched_at INTEGER NOT NULL
) WITHOUT ROWID;
