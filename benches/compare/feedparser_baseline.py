#!/usr/bin/env python3
"""The Python baseline of benches/compare: one poll of a list of feeds, as a
competent Python developer would write it with the usual libraries.

  feedparser_baseline.py --db PATH --urls FILE [--concurrency 64] [--workers N]

- Fetch: aiohttp, at most --concurrency requests at a time, conditional GET
  (the ETag and Last-Modified of each feed are kept in SQLite and sent back
  as If-None-Match / If-Modified-Since).
- Parse: feedparser (RSS and Atom, with its default HTML sanitizing), and
  JSON Feed with the json module (feedparser 6 does not read JSON Feed).
  Parsing is CPU-bound and the GIL serializes it, so it runs in a
  ProcessPoolExecutor with one worker per core; the content hash is computed
  there too.
- Store: SQLite (WAL, synchronous=NORMAL), one transaction per batch of
  feeds. An item already seen from the same feed under the same id is
  skipped; an item whose content (sha256 of the normalized title and text)
  is already stored is merged into that story. No near-duplicate clustering.

Prints "polled N feeds: F fetched, U unchanged, X failed" and
"stories: A new, B merged duplicates, C updated" on stdout, like
`feedloom poll`.
"""

import argparse
import asyncio
import hashlib
import html
import json
import os
import re
import sqlite3
import sys
import time
from concurrent.futures import ProcessPoolExecutor

import aiohttp
import feedparser

SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url           TEXT PRIMARY KEY,
    title         TEXT,
    etag          TEXT,
    last_modified TEXT,
    last_status   INTEGER,
    last_error    TEXT
);
CREATE TABLE IF NOT EXISTS stories (
    id           INTEGER PRIMARY KEY,
    content_hash TEXT NOT NULL UNIQUE,
    title        TEXT,
    link         TEXT,
    content      TEXT,
    published    TEXT,
    first_seen   REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sightings (
    feed_url     TEXT NOT NULL,
    guid         TEXT NOT NULL,
    story_id     INTEGER NOT NULL REFERENCES stories (id),
    content_hash TEXT NOT NULL,
    PRIMARY KEY (feed_url, guid)
);
"""

# Feeds whose results are committed together.
BATCH = 50

TAG = re.compile(r"<[^>]*>")
SPACE = re.compile(r"\s+")


def normalize(text):
    """Markup removed, entities decoded, whitespace collapsed, case folded."""
    return SPACE.sub(" ", html.unescape(TAG.sub(" ", text or ""))).strip().casefold()


def content_hash(title, content):
    key = normalize(title) + "\n" + normalize(content)
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def parse_feed(body, content_type):
    """In a worker process: bytes -> (feed title, [(guid, link, title,
    content, published, hash)])."""
    head = body[:64].lstrip()
    if "json" in (content_type or "") or head.startswith(b"{"):
        return parse_json_feed(body)
    parsed = feedparser.parse(body, response_headers={"content-type": content_type or ""})
    entries = []
    for entry in parsed.entries:
        title = entry.get("title", "")
        if entry.get("content"):
            content = entry.content[0].get("value", "")
        else:
            content = entry.get("summary", "")
        link = entry.get("link")
        digest = content_hash(title, content)
        guid = entry.get("id") or link or digest
        published = entry.get("published") or entry.get("updated")
        entries.append((guid, link, title, content, published, digest))
    return parsed.feed.get("title"), entries


def parse_json_feed(body):
    doc = json.loads(body)
    entries = []
    for item in doc.get("items") or []:
        title = item.get("title") or ""
        content = item.get("content_html") or item.get("content_text") or item.get("summary") or ""
        link = item.get("url")
        digest = content_hash(title, content)
        guid = str(item.get("id") or link or digest)
        published = item.get("date_published") or item.get("date_modified")
        entries.append((guid, link, title, content, published, digest))
    return doc.get("title"), entries


class Counts:
    def __init__(self):
        self.fetched = self.unchanged = 0
        self.failed = []
        self.new = self.merged = self.updated = 0


def store_feed(db, counts, url, response, parsed):
    """Writes one fetched feed (inside the caller's transaction)."""
    title, entries = parsed
    now = time.time()
    db.execute(
        "UPDATE feeds SET title = ?, etag = ?, last_modified = ?, last_status = 200, last_error = NULL"
        " WHERE url = ?",
        (title, response["etag"], response["last_modified"], url),
    )
    for guid, link, entry_title, content, published, digest in entries:
        seen = db.execute(
            "SELECT content_hash FROM sightings WHERE feed_url = ? AND guid = ?", (url, guid)
        ).fetchone()
        if seen is not None and seen[0] == digest:
            continue  # already stored from this feed, unchanged
        row = db.execute("SELECT id FROM stories WHERE content_hash = ?", (digest,)).fetchone()
        if row is not None:
            story_id = row[0]
            if seen is None:
                counts.merged += 1
        else:
            story_id = db.execute(
                "INSERT INTO stories (content_hash, title, link, content, published, first_seen)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (digest, entry_title, link, content, published, now),
            ).lastrowid
            if seen is None:
                counts.new += 1
        if seen is None:
            db.execute(
                "INSERT INTO sightings (feed_url, guid, story_id, content_hash) VALUES (?, ?, ?, ?)",
                (url, guid, story_id, digest),
            )
        else:
            counts.updated += 1
            db.execute(
                "UPDATE sightings SET story_id = ?, content_hash = ? WHERE feed_url = ? AND guid = ?",
                (story_id, digest, url, guid),
            )


async def fetch(session, url, validators):
    headers = {}
    etag, last_modified = validators
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    async with session.get(url, headers=headers) as resp:
        if resp.status == 304:
            return {"status": 304}
        if resp.status != 200:
            raise RuntimeError(f"HTTP {resp.status}")
        body = await resp.read()
        return {
            "status": 200,
            "body": body,
            "content_type": resp.headers.get("Content-Type", ""),
            "etag": resp.headers.get("ETag"),
            "last_modified": resp.headers.get("Last-Modified"),
        }


async def poll(db, urls, concurrency, workers):
    db.executemany("INSERT OR IGNORE INTO feeds (url) VALUES (?)", [(u,) for u in urls])
    db.commit()
    validators = {
        url: (etag, last_modified)
        for url, etag, last_modified in db.execute("SELECT url, etag, last_modified FROM feeds")
    }
    counts = Counts()
    loop = asyncio.get_running_loop()
    # At most `concurrency` feeds between request and parsed entries, so
    # that bodies waiting for a parse worker do not pile up in memory.
    limit = asyncio.Semaphore(concurrency)
    timeout = aiohttp.ClientTimeout(total=120, connect=10)
    connector = aiohttp.TCPConnector(limit=concurrency, limit_per_host=concurrency)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:

            async def one(url):
                try:
                    async with limit:
                        response = await fetch(session, url, validators.get(url, (None, None)))
                        if response["status"] == 304:
                            return url, response, None
                        parsed = await loop.run_in_executor(
                            pool, parse_feed, response.pop("body"), response["content_type"]
                        )
                        return url, response, parsed
                except Exception as error:  # one feed's failure is not the poll's
                    return url, {"status": None, "error": f"{type(error).__name__}: {error}"}, None

            in_batch = 0
            for task in asyncio.as_completed([one(url) for url in urls]):
                url, response, parsed = await task
                if response["status"] == 304:
                    counts.unchanged += 1
                    db.execute("UPDATE feeds SET last_status = 304 WHERE url = ?", (url,))
                elif response["status"] is None:
                    counts.failed.append((url, response["error"]))
                    db.execute(
                        "UPDATE feeds SET last_status = NULL, last_error = ? WHERE url = ?",
                        (response["error"], url),
                    )
                else:
                    counts.fetched += 1
                    store_feed(db, counts, url, response, parsed)
                in_batch += 1
                if in_batch == BATCH:
                    db.commit()
                    in_batch = 0
            db.commit()
    return counts


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", required=True)
    parser.add_argument("--urls", required=True, help="file with one feed URL a line")
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with open(args.urls, encoding="utf-8") as f:
        urls = [line.strip() for line in f if line.strip() and not line.startswith("#")]
    db = sqlite3.connect(args.db)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    db.executescript(SCHEMA)
    counts = asyncio.run(poll(db, urls, args.concurrency, args.workers))
    db.close()
    print(
        f"polled {len(urls)} feeds: {counts.fetched} fetched, {counts.unchanged} unchanged,"
        f" {len(counts.failed)} failed"
    )
    print(f"stories: {counts.new} new, {counts.merged} merged duplicates, {counts.updated} updated")
    for url, error in counts.failed[:20]:
        print(f"failed: {url}: {error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
