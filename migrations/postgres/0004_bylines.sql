-- feedloom PostgreSQL schema, version 4: bylines stored before names were
-- cleaned (as migrations/0011_bylines.sql for SQLite): a byline wrapped
-- whole in one pair of parentheses (what `desk@example.org (Wire Desk)`
-- became) loses them, and a byline that is one address is none.
UPDATE stories SET author = nullif(btrim(substr(author, 2, length(author) - 2)), '')
WHERE author LIKE '(%)'
  AND strpos(substr(author, 2, length(author) - 2), '(') = 0
  AND strpos(substr(author, 2, length(author) - 2), ')') = 0;
UPDATE stories SET author = NULL
WHERE author NOT LIKE '% %' AND author LIKE '_%@_%._%';
