-- feedloom schema, version 3: topic relevance.

-- One topic's verdict on one story: the score against the topic's seeds and
-- whether its content puts it on topic (rules included). Which feeds a
-- topic takes is applied when publishing, so a story carried by another
-- feed later needs no rescoring.
CREATE TABLE story_topics (
    topic     TEXT    NOT NULL,                 -- the topic's slug
    story_id  INTEGER NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    score     REAL    NOT NULL,                 -- 0..=1
    on_topic  INTEGER NOT NULL,
    reason    TEXT    NOT NULL,                 -- score | seed | include:RULE | exclude:RULE
    scored_at INTEGER NOT NULL,
    PRIMARY KEY (topic, story_id)
) WITHOUT ROWID;
CREATE INDEX story_topics_by_story ON story_topics (story_id);

-- Stories waiting to be scored: every new story and every content change
-- lands here (by trigger, so no writer can forget it), and a changed topic
-- (seeds, rules, threshold) puts every story back. Scoring drains it.
CREATE TABLE score_queue (
    story_id INTEGER PRIMARY KEY REFERENCES stories (id) ON DELETE CASCADE
);
INSERT INTO score_queue (story_id) SELECT id FROM stories;

CREATE TRIGGER stories_score_new AFTER INSERT ON stories BEGIN
    INSERT OR IGNORE INTO score_queue (story_id) VALUES (new.id);
END;
CREATE TRIGGER stories_score_changed AFTER UPDATE OF title, content_text ON stories BEGIN
    INSERT OR IGNORE INTO score_queue (story_id) VALUES (new.id);
END;
