-- feedloom schema, version 11: bylines stored before names were cleaned
-- (parse::byline).
--
-- RSS 2.0's `desk@example.org (Wire Desk)` was stored as `(Wire Desk)`,
-- and an address given where a name belongs as the name. A feed that sends
-- the item again does not rewrite an unchanged story, so the stories
-- already stored are mended here: a byline wrapped whole in one pair of
-- parentheses loses them, and a byline that is one address is none. Other
-- forms were stored as names before and stay as they are. The author is no
-- part of the content hash, and no trigger watches it.
UPDATE stories SET author = nullif(trim(substr(author, 2, length(author) - 2)), '')
WHERE author LIKE '(%)'
  AND instr(substr(author, 2, length(author) - 2), '(') = 0
  AND instr(substr(author, 2, length(author) - 2), ')') = 0;
UPDATE stories SET author = NULL
WHERE author NOT LIKE '% %' AND author LIKE '_%@_%._%';
