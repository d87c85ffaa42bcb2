#!/usr/bin/env python3
"""feedloom's conformance checks against real feed readers and validators.

Run by .ci/conformance, which installs the tools, builds feedloom, starts the
fixture server and the daemon; this script waits for the daemon's feeds and
checks them. Subcommands:

  free-port                    print a free TCP port on 127.0.0.1
  check --base URL ...         wait for the feeds, run every check, print
                               PASS/FAIL lines, exit 1 if any check failed

All traffic goes to 127.0.0.1 only (the daemon and the fixture server).
"""

import argparse
import datetime
import html.parser
import http.client
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

from tool_env import tool_env

HERE = Path(__file__).resolve().parent
ATOM_SCHEMA = HERE / "atom-rfc4287.rnc"
JSON_SCHEMA = HERE / "jsonfeed-1.1.schema.json"

# Checks known to fail because of a bug in feedloom that is not fixed yet:
# name -> reason. A known failure is reported as KNOWN-FAIL and does not fail
# the run; a known failure that passes is reported (XPASS) and does fail it,
# so the entry gets removed once the bug is fixed.
KNOWN_FAILURES = {}


# --------------------------------------------------------------------------
# small helpers


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers  # lower-case name -> value
        self.body = body


def get(url, headers=None, timeout=5.0):
    """GET over a plain connection to the loopback host in `url` (no proxy)."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise RuntimeError(f"refusing non-loopback URL {url}")
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        body = resp.read()
        return Response(resp.status, {k.lower(): v for k, v in resp.getheaders()}, body)
    finally:
        conn.close()


def norm_title(text):
    return " ".join((text or "").split()).casefold()


def uuid_urn(hex_id):
    """Atom/RSS id of a story: urn:uuid: + its 32-hex JSON id as 8-4-4-4-12
    (src/publish/markup.rs, entry_id)."""
    h = hex_id.lower()
    if not re.fullmatch(r"[0-9a-f]{32}", h):
        return None
    return f"urn:uuid:{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


def show(items, limit=12):
    items = list(items)
    text = "\n".join(f"      {x!r}" for x in items[:limit])
    if len(items) > limit:
        text += f"\n      ... and {len(items) - limit} more"
    return text


class Checks:
    def __init__(self):
        self.results = []  # (name, outcome)

    def record(self, name, ok, detail=""):
        known = KNOWN_FAILURES.get(name)
        if ok and known is None:
            outcome = "PASS"
        elif not ok and known is not None:
            outcome = "KNOWN-FAIL"
        elif ok:
            outcome = "XPASS"  # listed as known failure but passes: remove it
        else:
            outcome = "FAIL"
        self.results.append((name, outcome))
        print(f"{outcome}: {name}" + (f" ({known})" if known and not ok else ""))
        if detail:
            for line in detail.rstrip("\n").splitlines():
                print(f"    {line}")
        sys.stdout.flush()

    def run(self, name, fn, *args):
        """fn returns (ok, detail); an exception is a failure with its text."""
        try:
            ok, detail = fn(*args)
        except Exception as exc:  # a crash in one check must not hide the others
            ok, detail = False, f"{type(exc).__name__}: {exc}"
        self.record(name, ok, detail)

    def counts(self):
        passed = sum(1 for _, o in self.results if o == "PASS")
        failed = sum(1 for _, o in self.results if o in ("FAIL", "XPASS"))
        known = sum(1 for _, o in self.results if o == "KNOWN-FAIL")
        return passed, failed, known


# --------------------------------------------------------------------------
# what the daemon should serve, computed from the fixtures


def expected_items(fixtures, seeds):
    """Distinct stories the daemon should publish: one per seed file plus one
    per distinct (normalized) fixture title, since the fixtures' cross-posts
    carry the same title and text. Parsed with feedparser / json, not with
    feedloom's code."""
    import feedparser

    titles = set()
    for path in sorted(fixtures.iterdir()):
        if path.suffix == ".json":
            doc = json.loads(path.read_text(encoding="utf-8"))
            titles.update(norm_title(i.get("title")) for i in doc.get("items", []))
        elif path.suffix in (".rss", ".atom", ".xml"):
            parsed = feedparser.parse(path.read_bytes())
            titles.update(norm_title(e.get("title")) for e in parsed.entries)
    titles.discard("")
    seed_files = [p for p in seeds.iterdir() if p.suffix in (".txt", ".md")]
    return len(seed_files) + len(titles), len(seed_files), len(titles)


def wait_for_daemon(base, expected, deadline_s):
    """Poll /healthz then /feed.json until it lists `expected` items (or the
    deadline passes). Returns (ok, message, last seen count)."""
    start = time.monotonic()
    seen, healthy, last_error = None, False, ""
    while time.monotonic() - start < deadline_s:
        try:
            if not healthy:
                r = get(base + "healthz", timeout=2)
                healthy = r.status == 200
            if healthy:
                r = get(base + "feed.json", timeout=5)
                if r.status == 200:
                    seen = len(json.loads(r.body).get("items", []))
                    if seen >= expected:
                        # give the other documents the same poll: they are
                        # rendered together, but check all three agree
                        counts = []
                        for path in ("feed.atom", "feed.rss"):
                            body = get(base + path, timeout=5).body
                            counts.append(body.count(b"<entry>") + body.count(b"<entry ")
                                          if path.endswith("atom")
                                          else body.count(b"<item>"))
                        if all(c == seen for c in counts):
                            return True, f"{seen} items after {time.monotonic() - start:.1f}s", seen
        except (OSError, ValueError, http.client.HTTPException) as exc:
            last_error = f"{type(exc).__name__}: {exc}"
        time.sleep(0.5)
    return (False,
            f"gave up after {deadline_s}s: healthz ok={healthy}, feed.json items={seen}, "
            f"expected {expected}; last error: {last_error or 'none'}", seen)


# --------------------------------------------------------------------------
# the checks


def check_feedparser(doc, kind, want_version, json_items):
    import feedparser

    resp = doc[kind]
    if resp.status != 200:
        return False, f"GET /feed.{kind} answered {resp.status}"
    parsed = feedparser.parse(
        resp.body, response_headers={"content-type": resp.headers.get("content-type", "")}
    )
    problems = []
    if parsed.bozo:
        problems.append(f"bozo=1: {parsed.get('bozo_exception')!r}")
    if parsed.version != want_version:
        problems.append(f"version {parsed.version!r}, expected {want_version!r}")
    entries = parsed.entries
    if len(entries) != len(json_items):
        problems.append(f"{len(entries)} entries, /feed.json has {len(json_items)} items")
    got = [norm_title(e.get("title")) for e in entries]
    want = [norm_title(i.get("title")) for i in json_items]
    if got != want:
        problems.append("titles differ from /feed.json (in order):\n  "
                        f"only in {kind}:\n{show(sorted(set(got) - set(want)))}\n  "
                        f"only in json:\n{show(sorted(set(want) - set(got)))}"
                        + ("\n  (same titles, different order)" if sorted(got) == sorted(want) else ""))
    for n, e in enumerate(entries):
        if not e.get("id"):
            problems.append(f"entry {n} ({e.get('title')!r}) has no id/guid")
        if not e.get("link"):
            problems.append(f"entry {n} ({e.get('title')!r}) has no link")
    detail = (f"content-type {resp.headers.get('content-type')!r}, version {parsed.version}, "
              f"{len(entries)} entries, bozo {parsed.bozo}")
    return not problems, detail + ("\n" + "\n".join(problems) if problems else "")


def check_atom_schema(atom_file):
    proc = subprocess.run(
        ["jing", "-c", str(ATOM_SCHEMA), str(atom_file)],
        capture_output=True, text=True, timeout=60,
    )
    # jing's launcher warns on stderr about optional jars that
    # --no-install-recommends left out; only its stdout is the verdict.
    out = proc.stdout.strip()
    if proc.returncode == 0 and not out:
        return True, f"jing -c {ATOM_SCHEMA.name}: valid"
    lines = out.splitlines()
    text = "\n".join(lines[:20]) + (f"\n... {len(lines) - 20} more" if len(lines) > 20 else "")
    src = atom_file.read_text(encoding="utf-8").splitlines()
    snippets = []
    for line in lines[:5]:
        m = re.search(r":(\d+):(\d+): error", line)
        if m:
            ln = int(m.group(1))
            snippets.append(f"line {ln}: " + src[ln - 1][:300] if 0 < ln <= len(src) else "")
    err = proc.stderr.strip().splitlines()
    err = [e for e in err if not e.startswith("[warning]")]
    return False, (f"jing exit {proc.returncode}\n{text}"
                   + ("\n" + "\n".join(err[:10]) if err else "")
                   + ("\noffending lines:\n" + "\n".join(snippets) if snippets else ""))


def rfc3339(value):
    if not isinstance(value, str):
        return True  # the type check reports it
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", value):
        return False
    try:  # the calendar: no month 13, no February 30
        datetime.datetime.fromisoformat(value[:19])
    except ValueError:
        return False
    return True


def absolute_url(value):
    if not isinstance(value, str):
        return True  # the type check reports it
    p = urllib.parse.urlsplit(value)
    return bool(p.scheme) and (bool(p.netloc) or p.scheme not in ("http", "https"))


def check_json_schema(doc, json_doc, atom_ids):
    import jsonschema

    resp = doc["json"]
    schema = json.loads(JSON_SCHEMA.read_text(encoding="utf-8"))
    checker = jsonschema.FormatChecker(formats=())
    checker.checks("date-time")(rfc3339)
    checker.checks("uri")(absolute_url)
    validator_cls = jsonschema.validators.validator_for(schema)
    validator_cls.check_schema(schema)
    validator = validator_cls(schema, format_checker=checker)
    errors = sorted(validator.iter_errors(json_doc), key=lambda e: list(e.absolute_path))
    problems = []
    ctype = resp.headers.get("content-type", "")
    if not ctype.startswith(("application/feed+json", "application/json")):
        problems.append(f"content-type {ctype!r}, expected application/feed+json")
    for e in errors[:10]:
        where = "/".join(str(p) for p in e.absolute_path) or "(root)"
        problems.append(f"schema: at {where}: {e.message}")
    if len(errors) > 10:
        problems.append(f"... and {len(errors) - 10} more schema errors")
    json_ids = [i.get("id") for i in json_doc.get("items", [])]
    mapped = [uuid_urn(i) if isinstance(i, str) else None for i in json_ids]
    if None in mapped:
        problems.append("JSON ids that are not 32 hex digits: "
                        + ", ".join(repr(i) for i, m in zip(json_ids, mapped) if m is None))
    if len(set(json_ids)) != len(json_ids):
        problems.append("duplicate JSON item ids")
    if mapped != atom_ids:
        problems.append("Atom entry ids are not urn:uuid:<JSON id as 8-4-4-4-12> in order:\n"
                        f"  json→urn only:\n{show(sorted(set(mapped) - set(atom_ids), key=str))}\n"
                        f"  atom only:\n{show(sorted(set(atom_ids) - set(mapped), key=str))}")
    detail = (f"{len(errors)} schema errors, {len(json_ids)} ids, "
              f"{sum(1 for a, b in zip(mapped, atom_ids) if a == b)} match Atom ids")
    return not problems, detail + ("\n" + "\n".join(problems) if problems else "")


def check_newsboat(base, workdir, json_items):
    """newsboat subscribes to /feed.atom and /feed.rss and reloads once.

    Each feed gets its own cache: newsboat keys its cached items on the guid
    alone (not feed + guid), and feedloom gives a story the same id in Atom
    and RSS (urn:uuid:...), so with one cache the second feed's items would
    be merged into the first feed's rows. A reader subscribes to one format;
    one cache per feed checks each exactly as such a reader sees it."""
    problems, summary = [], []
    want = sorted(norm_title(i.get("title")) for i in json_items)
    for name in ("feed.atom", "feed.rss"):
        url = base + name
        home = workdir / f"newsboat-{name.replace('.', '-')}"
        home.mkdir(exist_ok=True)
        urls = home / "urls"
        urls.write_text(f"{url}\n", encoding="utf-8")
        config = home / "config"
        config.write_text(
            "# minimal newsboat config for feedloom's conformance check\n"
            "download-timeout 10\n"
            "download-retries 1\n"
            "max-items 0\n"
            "cleanup-on-quit no\n",
            encoding="utf-8",
        )
        cache = home / "cache.db"
        env = tool_env(home)
        proc = subprocess.run(
            ["newsboat", "-u", str(urls), "-c", str(cache), "-C", str(config), "-x", "reload"],
            capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL,
        )
        output = (proc.stdout + proc.stderr).strip()
        if proc.returncode != 0:
            problems.append(f"{name}: newsboat exited {proc.returncode}: {output[:2000]}")
        if not cache.exists():
            problems.append(f"{name}: newsboat wrote no cache")
            continue
        db = sqlite3.connect(f"file:{cache}?mode=ro", uri=True)
        try:
            rows = db.execute("SELECT title, guid, url FROM rss_item WHERE feedurl = ?", (url,)).fetchall()
            feed = db.execute("SELECT title FROM rss_feed WHERE rssurl = ?", (url,)).fetchone()
        finally:
            db.close()
        summary.append(f"{name}: {len(rows)} items, feed title {feed[0] if feed else None!r}")
        if len(rows) != len(json_items):
            problems.append(f"{name}: newsboat stored {len(rows)} items, /feed.json has {len(json_items)}"
                            + (f"; newsboat said: {output[:1000]}" if output else ""))
        got = sorted(norm_title(r[0]) for r in rows)
        if got != want:
            problems.append(f"{name}: titles differ from /feed.json:\n"
                            f"  only in newsboat:\n{show(sorted(set(got) - set(want)))}\n"
                            f"  only in json:\n{show(sorted(set(want) - set(got)))}")
        if any(not r[1] or not r[2] for r in rows):
            problems.append(f"{name}: items without guid or link in newsboat's cache")
    detail = "; ".join(summary)
    return not problems, detail + ("\n" + "\n".join(problems) if problems else "")


class LinkFinder(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = []

    def handle_starttag(self, tag, attrs):
        if tag == "link":
            self.links.append({k: (v or "") for k, v in attrs})


def check_html(base):
    resp = get(base)
    problems = []
    ctype = resp.headers.get("content-type", "")
    if resp.status != 200:
        problems.append(f"GET / answered {resp.status}")
    if not ctype.startswith("text/html"):
        problems.append(f"content-type {ctype!r}, expected text/html")
    text = resp.body.decode("utf-8", "replace")
    literal = '<link rel="alternate" type="application/atom+xml"'
    if literal not in text:
        problems.append(f"no {literal} in the page")
    finder = LinkFinder()
    finder.feed(text)
    alternates = {l.get("type"): urllib.parse.urljoin(base, l.get("href", ""))
                  for l in finder.links if "alternate" in l.get("rel", "").split()}
    for kind, path in (("application/atom+xml", "feed.atom"), ("application/rss+xml", "feed.rss"),
                       ("application/feed+json", "feed.json")):
        if alternates.get(kind) != base + path:
            problems.append(f"autodiscovery for {kind}: {alternates.get(kind)!r}, expected {base + path!r}")
    detail = f"status {resp.status}, content-type {ctype!r}, alternates {sorted(alternates.items())}"
    return not problems, detail + ("\n" + "\n".join(problems) if problems else "")


def check_conditional_get(base):
    first = get(base + "feed.atom")
    etag = first.headers.get("etag")
    if first.status != 200 or not etag:
        return False, f"first GET: status {first.status}, ETag {etag!r}"
    second = get(base + "feed.atom", headers={"If-None-Match": etag})
    ok = second.status == 304 and not second.body
    return ok, (f"ETag {etag}; second GET with If-None-Match: {second.status}, "
                f"{len(second.body)} body bytes, ETag {second.headers.get('etag')!r}")


# --------------------------------------------------------------------------


def cmd_check(args):
    base = args.base.rstrip("/") + "/"
    workdir = Path(args.workdir)
    checks = Checks()

    expected, n_seeds, n_fixture = expected_items(Path(args.fixtures), Path(args.seeds))
    print(f"expecting {expected} items: {n_seeds} seeds + {n_fixture} distinct fixture stories")
    ok, message, _ = wait_for_daemon(base, expected, args.wait)
    checks.record(f"daemon serves {expected} items in all formats", ok, message)
    if not ok:
        return finish(checks)

    doc = {kind: get(base + f"feed.{kind}") for kind in ("json", "atom", "rss")}
    json_doc = json.loads(doc["json"].body)
    json_items = json_doc.get("items", [])
    atom_file = workdir / "feed.atom"
    atom_file.write_bytes(doc["atom"].body)
    (workdir / "feed.rss").write_bytes(doc["rss"].body)
    (workdir / "feed.json").write_bytes(doc["json"].body)

    import feedparser

    atom_ids = [e.get("id") for e in feedparser.parse(doc["atom"].body).entries]

    checks.run("feedparser reads /feed.atom (atom10)", check_feedparser, doc, "atom", "atom10", json_items)
    checks.run("feedparser reads /feed.rss (rss20)", check_feedparser, doc, "rss", "rss20", json_items)
    checks.run("/feed.atom valid against RFC 4287 RELAX NG (jing)", check_atom_schema, atom_file)
    checks.run("/feed.json valid against JSON Feed 1.1 schema, ids match Atom",
               check_json_schema, doc, json_doc, atom_ids)
    checks.run("newsboat subscribes to /feed.atom and /feed.rss", check_newsboat, base, workdir, json_items)
    checks.run("HTML / is text/html with feed autodiscovery", check_html, base)
    checks.run("conditional GET of /feed.atom answers 304", check_conditional_get, base)
    return finish(checks)


def finish(checks):
    passed, failed, known = checks.counts()
    Path(os.environ.get("CONFORMANCE_COUNTS", os.devnull)).write_text(f"{passed} {failed} {known}\n")
    return 1 if failed else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("free-port")
    check = sub.add_parser("check")
    check.add_argument("--base", required=True, help="daemon base URL, e.g. http://127.0.0.1:PORT/")
    check.add_argument("--fixtures", required=True, help="folder of the fixture feeds being served")
    check.add_argument("--seeds", required=True, help="the seeds folder in the daemon's config")
    check.add_argument("--workdir", required=True, help="scratch folder (newsboat's HOME, saved documents)")
    check.add_argument("--wait", type=float, default=30.0, help="seconds to wait for the daemon")
    args = parser.parse_args()
    if args.cmd == "free-port":
        print(free_port())
        return 0
    return cmd_check(args)


if __name__ == "__main__":
    sys.exit(main())
