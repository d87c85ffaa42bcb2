-- feedloom schema, version 6: the digest of each feed's last parsed body.
--
-- Some servers send a new ETag (or none, or no Last-Modified) with every
-- response although the feed has not changed. A body whose SHA-256 (over
-- the Content-Type and the bytes) equals the last one parsed is not parsed
-- or written again: the poll costs a download, like a 304 costs a request.
ALTER TABLE feeds ADD COLUMN body_sha256 TEXT;

-- When a body was last parsed (not merely answered 304 or found unchanged):
-- retention counts the items of that body as carried until the feed's
-- latest success, and only those (see `store::retention`).
ALTER TABLE feeds ADD COLUMN last_parsed_at INTEGER;
