#!/usr/bin/env python3
"""feedloom's HTML pages in a real browser engine (headless Chromium).

Run by .ci/browser, which installs Chromium and builds feedloom. This script
serves the fixture feeds (tests/fixtures/feeds plus a generated "stress" feed
of 30 items with very long words, URLs, a wide table and a hostile title)
from a temporary folder, starts `feedloom run` on a config with two topics,
and loads the river, a topic's river, page 2, a page past the end and two
story pages at phone (390x844) and desktop (1280x900) widths, each in the
light and the dark color scheme. For every load it checks:

  - the document answered 200, and no request left 127.0.0.1 (every
    request the page made is recorded through the DevTools protocol; the
    browser also cannot resolve any other host);
  - nothing external in the DOM or CSS (scripts, stylesheets, icons,
    embedded media, @import, url(), web fonts);
  - no console errors (a Content-Security-Policy violation is one, so this
    also proves the policy's style hash matches the inline style);
  - no horizontal overflow: document scrollWidth <= window.innerWidth, and
    innerWidth is the viewport's width (an emulated phone widens its layout
    viewport to fit content that overflows);
  - text and link contrast >= 4.5:1 (WCAG AA) in both schemes, and the
    two schemes have different backgrounds;
  - the header's and the footer's column edges within 1 px of the main
    content's (left and right);
  - lang, one <h1>, header/main/footer landmarks; on phones, navigation
    tap targets >= 44 px tall (others >= 24 px, WCAG 2.2 minimum);
  - the first Tab focuses the skip link, visibly (an outline).

Screenshots go to --out (target/browser/) for humans. Every wait is bounded;
the browser is driven over --remote-debugging-pipe, so only the standard
library is needed. Exit status 1 if any check failed.
"""

import argparse
import base64
import fcntl
import functools
import http.server
import json
import random
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

VIEWPORTS = {
    "phone": {"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": True},
    "desktop": {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False},
}
SCHEMES = ("light", "dark")
STRESS_ITEMS = 30
STRESS_SLUG = "stress"
# Screenshots stop at this many CSS pixels of page height.
SHOT_MAX_HEIGHT = 2400
MIN_CONTRAST = 4.5
NAV_TARGET = 44
MIN_TARGET = 24
# How far apart (CSS px) the header's, content's and footer's column edges
# may be.
COLUMN_TOLERANCE = 1
LONG_WORD = "Pneumonoultramicroscopicsilicovolcanoconiosis" * 2


def log(*parts):
    print(*parts, flush=True)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url, timeout=5.0):
    """GET a loopback URL without any proxy; (status, body bytes)."""
    host = urllib.parse.urlsplit(url).hostname
    if host != "127.0.0.1":
        raise RuntimeError(f"refusing non-loopback URL {url}")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


# --------------------------------------------------------------------------
# fixtures, daemon


def stress_feed():
    """An RSS feed of STRESS_ITEMS items, the newest an hour ago: the first
    has an unbreakable title word, a long URL as text and link, a long <pre>
    line and a wide table; the second a hostile title."""
    now = datetime.now(timezone.utc).replace(microsecond=0)
    long_url = "https://example.org/" + "very-long-path-segment/" * 12 + "?query=" + "x" * 80
    items = []
    for n in range(1, STRESS_ITEMS + 1):
        date = (now - timedelta(hours=n)).strftime("%a, %d %b %Y %H:%M:%S +0000")
        if n == 1:
            title = f"Stress test: {LONG_WORD} harvest"
            body = (
                f"<p>A harvest report with a word that never breaks: {LONG_WORD}.</p>"
                f"<p>Source: {long_url}</p><p><a href=\"{long_url}\">{long_url}</a></p>"
                f"<pre>{'harvest-' * 40}</pre>"
                "<table><tr>" + "".join(f"<td>column{i}-harvest-value</td>" for i in range(12)) + "</tr></table>"
            )
        elif n == 2:
            title = "<script>alert('harvest')</script> & \"quotes\" </title> harvest"
            body = "<p>Escaping test: &lt;b&gt;not bold&lt;/b&gt; &amp; more harvest.</p>"
        else:
            # Each report in its own words: feedloom clusters near
            # duplicates, and thirty copies of one text would be one entry.
            rng = random.Random(n)
            words = rng.sample(HARVEST_WORDS, 24)
            title = f"Harvest report {n:03}: {' '.join(words[:3])} across the steppe"
            body = (
                f"<p>Field {n} brought in a harvest of {n * 7} tonnes: {', '.join(words[3:12])}.</p>"
                f"<p>Farmers spoke of {' and '.join(words[12:18])}; the market talked of "
                f"{', '.join(words[18:24])}.</p>"
            )
        items.append(
            "<item>"
            f"<title>{escape_xml(title)}</title>"
            f"<link>https://farm.example/harvest/{n}</link>"
            f"<guid isPermaLink=\"false\">stress-{n}</guid>"
            f"<pubDate>{date}</pubDate>"
            f"<description>{escape_xml(body)}</description>"
            "</item>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
        "<title>Steppe Harvest Wire</title><link>https://farm.example/</link>"
        "<description>Browser-test fixture</description>\n"
        + "\n".join(items)
        + "\n</channel></rss>\n"
    )


HARVEST_WORDS = """wheat barley oats rye millet sunflower rapeseed flax buckwheat lentils
chickpeas peas maize sorghum hay straw silage clover alfalfa melons apricots apples
grapes walnuts almonds cotton tractors combines drills balers trailers silos granaries
irrigation canals wells pumps rain drought frost hail wind dust storms floods heat
prices buyers traders brokers railways trucks barges ports elevators mills bakeries
cooperatives banks loans subsidies seeds fertiliser pesticides labour wages harvesters
shepherds herds sheep goats cattle horses camels poultry honey wool leather dairy
cheese butter bread flour pasta noodles exports imports quotas tariffs""".split()


def escape_xml(text):
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def start_fixture_server(folder):
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


def write_config(work, fixture_port, daemon_port, feeds, seeds):
    lines = [
        f'database = "{work}/feedloom.db"',
        f'listen = "127.0.0.1:{daemon_port}"',
        'schedule = "*/2 * * * * *"',
        'log = "info"',
        "",
        "[topic]",
        'title = "Russia, Afghanistan and the SCO"',
        f'seeds = "{seeds}"',
        "threshold = 0.0",
        "",
        "[[topics]]",
        f'slug = "{STRESS_SLUG}"',
        'title = "Steppe harvests"',
        f'seeds = "{work}/no-seeds"',
        "threshold = 0.0",
        'include = ["harvest"]',
        f'feeds = ["http://127.0.0.1:{fixture_port}/stress.rss"]',
        "",
        "[fetch]",
        'timeout = "5s"',
        'connect_timeout = "2s"',
        "",
        "[scheduler]",
        'jitter = "0s"',
        'backoff_base = "1s"',
        'backoff_max = "2s"',
    ]
    for name in feeds:
        lines += ["", "[[feeds]]", f'url = "http://127.0.0.1:{fixture_port}/{name}"']
    path = work / "feedloom.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def item_count(url):
    try:
        status, body = fetch(url)
        if status != 200:
            return -1
        return len(json.loads(body).get("items", []))
    except (OSError, ValueError):
        return -1


def wait_for_stories(base, main_at_least, topic_at_least, timeout):
    deadline = time.monotonic() + timeout
    main = topic = -1
    while time.monotonic() < deadline:
        main = item_count(base + "feed.json?limit=500")
        topic = item_count(base + f"topics/{STRESS_SLUG}/feed.json?limit=500")
        if main >= main_at_least and topic >= topic_at_least:
            return main, topic
        time.sleep(0.25)
    raise RuntimeError(
        f"the daemon did not publish the fixtures within {timeout} s "
        f"(main {main}/{main_at_least}, {STRESS_SLUG} {topic}/{topic_at_least})"
    )


# --------------------------------------------------------------------------
# Chrome DevTools Protocol over a pipe


class CDPError(RuntimeError):
    pass


class Browser:
    """Headless Chromium driven through --remote-debugging-pipe: the browser
    reads NUL-terminated JSON commands on fd 3 and writes replies and events
    on fd 4."""

    def __init__(self, binary, profile, stderr_path):
        to_browser_r, self._out = os.pipe()
        self._in, from_browser_w = os.pipe()
        # Above 9 so that bash can redirect them onto 3 and 4 without a clash.
        read_fd = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD, 10)
        write_fd = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD, 10)
        os.close(to_browser_r)
        os.close(from_browser_w)
        args = [
            binary,
            "--headless",
            "--remote-debugging-pipe",
            f"--user-data-dir={profile}",
            "--no-sandbox",  # CI runs as root; the pages are our own
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--metrics-recording-only",
            "--mute-audio",
            "--no-proxy-server",
            # Nothing but loopback resolves: a page that tried to load
            # something from elsewhere fails (and is reported) rather than
            # reaching the network.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            "about:blank",
        ]
        self._stderr = open(stderr_path, "w")
        self.process = subprocess.Popen(
            ["bash", "-c", f'exec "$@" 3<&{read_fd} 4>&{write_fd} {read_fd}<&- {write_fd}>&-', "bash", *args],
            pass_fds=(read_fd, write_fd),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=self._stderr,
        )
        os.close(read_fd)
        os.close(write_fd)
        self._buffer = b""
        self._next_id = 0
        self.events = []

    def _write(self, message):
        data = json.dumps(message).encode() + b"\0"
        while data:
            written = os.write(self._out, data)
            data = data[written:]

    def _read(self, deadline):
        """One message, or None at the deadline."""
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            ready, _, _ = select.select([self._in], [], [], remaining)
            if not ready:
                return None
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise CDPError("the browser closed its pipe (crashed?)")
            self._buffer += chunk
        raw, self._buffer = self._buffer.split(b"\0", 1)
        return json.loads(raw)

    def send(self, method, params=None, session=None, timeout=20.0):
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self._write(message)
        deadline = time.monotonic() + timeout
        while True:
            reply = self._read(deadline)
            if reply is None:
                raise CDPError(f"{method}: no answer within {timeout} s")
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_event(self, method, session, timeout):
        deadline = time.monotonic() + timeout
        while True:
            for i, event in enumerate(self.events):
                if event["method"] == method and event.get("sessionId") == session:
                    return self.events.pop(i)
            event = self._read(deadline)
            if event is None:
                raise CDPError(f"no {method} within {timeout} s")
            if "method" in event:
                self.events.append(event)

    def drain(self, seconds):
        """Collects the events that arrive in the next `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            event = self._read(deadline)
            if event is None:
                return
            if "method" in event:
                self.events.append(event)

    def close(self):
        try:
            self.send("Browser.close", timeout=5)
        except (CDPError, OSError):
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        for fd in (self._in, self._out):
            try:
                os.close(fd)
            except OSError:
                pass
        self._stderr.close()


# --------------------------------------------------------------------------
# the checks, in the page

# Called with the viewport's width in CSS pixels.
PAGE_PROBE = r"""
((vw) => {
  const rgba = (text) => {
    const m = /rgba?\(([^)]+)\)/.exec(text || '');
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgba(getComputedStyle(el).backgroundColor);
      if (c && c[3] > 0) return c;
    }
    return [255, 255, 255, 1];
  };
  const ratio = (a, b) => {
    const [x, y] = [lum(a) + 0.05, lum(b) + 0.05];
    return Math.round(100 * Math.max(x, y) / Math.min(x, y)) / 100;
  };
  const describe = (el) => el.tagName.toLowerCase() + (el.className ? '.' + String(el.className).split(' ').join('.') : '');

  // Elements reaching past the viewport, outside scrolling boxes.
  const scrolls = (el) => {
    for (el = el.parentElement; el && el !== document.body; el = el.parentElement) {
      const o = getComputedStyle(el).overflowX;
      if (o === 'auto' || o === 'scroll' || o === 'hidden') return true;
    }
    return false;
  };
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width > 0 && r.right > vw + 0.5 && !scrolls(el)) wide.push(describe(el) + ' right=' + Math.round(r.right));
  }

  const origin = location.origin;
  const external = [];
  for (const el of document.querySelectorAll('script')) external.push('script ' + (el.src || 'inline'));
  for (const el of document.querySelectorAll('link')) {
    const rel = el.rel.toLowerCase().split(/\s+/);
    if (!(rel.length === 1 && rel[0] === 'alternate')) external.push('link rel=' + el.rel + ' ' + el.href);
    else if (!el.href.startsWith(origin + '/')) external.push('alternate off-site ' + el.href);
  }
  for (const el of document.querySelectorAll('[src],[srcset],[poster],[data],iframe,object,embed')) {
    const url = el.getAttribute('src') || el.getAttribute('srcset') || el.getAttribute('poster') || el.getAttribute('data') || '';
    if (!url.startsWith(origin + '/')) external.push(describe(el) + ' ' + url);
  }
  for (const sheet of document.styleSheets) {
    if (sheet.href) external.push('stylesheet ' + sheet.href);
    for (const rule of sheet.cssRules) {
      const css = rule.cssText;
      if (/@import|url\(|@font-face/i.test(css)) external.push('css ' + css.slice(0, 80));
    }
  }
  for (const el of document.querySelectorAll('[style]')) external.push('style attribute on ' + describe(el));

  const contrast = {};
  for (const sel of ['body', '.summary', '.meta', '.meta a', '.meta time', '.also', '.also a', '.story h2 a',
                     '.brand a', '.topics a', '.topics a[aria-current]', '.paging a', '.paging span', '.tag',
                     '.empty', '.empty a', '.full h1', '.original a', '.content p', '.content a', '.content pre',
                     'section h2', 'section li', 'section li a', 'footer', 'footer a']) {
    const el = document.querySelector(sel);
    if (!el) continue;
    const fg = rgba(getComputedStyle(el).color);
    if (fg) contrast[sel] = ratio(fg, background(el));
  }

  const targets = [];
  for (const [sel, min] of [['.topics a', 44], ['.paging a', 44], ['.original a', 24], ['footer a', 24], ['.empty a', 24]]) {
    for (const el of document.querySelectorAll(sel)) {
      const h = el.getBoundingClientRect().height;
      targets.push([sel, Math.round(h * 10) / 10, min]);
    }
  }

  // The content box of each band's column: the header's, the main
  // content's and the footer's must line up.
  const column = (sel) => {
    const el = document.querySelector(sel);
    if (!el) return null;
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return {left: r.left + parseFloat(s.paddingLeft), right: r.right - parseFloat(s.paddingRight)};
  };
  const columns = {};
  for (const sel of ['header .wrap', 'main', 'footer .wrap']) columns[sel] = column(sel);

  return {
    columns,
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    wide: wide.slice(0, 8),
    external,
    contrast,
    targets,
    background: getComputedStyle(document.body).backgroundColor,
    backgroundLuminance: lum(rgba(getComputedStyle(document.body).backgroundColor) || [255, 255, 255]),
    lang: document.documentElement.lang,
    h1: document.querySelectorAll('h1').length,
    landmarks: ['header', 'main', 'footer'].filter((t) => document.querySelector(t)),
    fonts: document.fonts.size,
    stories: document.querySelectorAll('article.story').length,
    newer: !!document.querySelector('.paging a.newer'),
    older: !!document.querySelector('.paging a.older'),
    text: document.body.innerText.slice(0, 20000),
  };
})
"""

FOCUS_PROBE = r"""
(() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const r = el.getBoundingClientRect();
  return {cls: el.className, outline: style.outlineStyle, width: parseFloat(style.outlineWidth), top: r.top, left: r.left};
})()
"""


class Checker:
    def __init__(self, browser, session, out_dir):
        self.browser = browser
        self.session = session
        self.out_dir = out_dir
        self.failures = []
        self.passed = 0
        self.backgrounds = {}

    def cdp(self, method, params=None, timeout=20.0):
        return self.browser.send(method, params, session=self.session, timeout=timeout)

    def evaluate(self, expression):
        result = self.cdp("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise CDPError(f"evaluate: {result['exceptionDetails']}")
        return result["result"].get("value")

    def fail(self, where, message):
        self.failures.append(f"{where}: {message}")

    def load(self, url, viewport, scheme):
        """Navigates, waits for the load event, returns the page's requests
        and console problems."""
        self.cdp("Emulation.setDeviceMetricsOverride", VIEWPORTS[viewport])
        self.cdp("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-color-scheme", "value": scheme}]})
        self.browser.events.clear()
        result = self.cdp("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise CDPError(f"navigate {url}: {result['errorText']}")
        self.browser.wait_event("Page.loadEventFired", self.session, timeout=20)
        # Late console messages and requests (there should be none).
        self.browser.drain(0.3)
        requests, problems, status = [], [], None
        for event in self.browser.events:
            method, params = event["method"], event.get("params", {})
            if method == "Network.requestWillBeSent":
                requests.append(params["request"]["url"])
            elif method == "Network.responseReceived" and params.get("type") == "Document":
                status = params["response"]["status"]
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                problems.append(f"request failed: {params.get('errorText')} {params.get('blockedReason', '')}")
            elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                problems.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                problems.append("exception: " + json.dumps(params.get("exceptionDetails", {}))[:300])
            elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
                problems.append(f"log ({params['entry'].get('source')}): {params['entry'].get('text')}")
        return requests, problems, status

    def check(self, name, url, viewport, scheme, expect=None):
        where = f"{name} {viewport} {scheme}"
        before = len(self.failures)
        requests, problems, status = self.load(url, viewport, scheme)
        if status != 200:
            self.fail(where, f"{url} answered {status}")
        for request in requests:
            parts = urllib.parse.urlsplit(request)
            if parts.scheme not in ("data", "about") and parts.hostname != "127.0.0.1":
                self.fail(where, f"request left 127.0.0.1: {request}")
        for problem in problems:
            self.fail(where, problem)

        width = VIEWPORTS[viewport]["width"]
        probe = self.evaluate(f"{PAGE_PROBE}({width})")
        if probe["innerWidth"] != width or probe["scrollWidth"] > probe["innerWidth"]:
            self.fail(where, f"horizontal overflow: scrollWidth {probe['scrollWidth']}, innerWidth {probe['innerWidth']} "
                             f"(viewport {width}); wide elements: {probe['wide']}")
        for item in probe["external"]:
            self.fail(where, f"external or embedded resource: {item}")
        for selector, value in sorted(probe["contrast"].items()):
            if value < MIN_CONTRAST:
                self.fail(where, f"contrast of {selector} is {value}:1 (< {MIN_CONTRAST})")
        if viewport == "phone":
            for selector, height, minimum in probe["targets"]:
                if height < minimum:
                    self.fail(where, f"tap target {selector} is {height} px tall (< {minimum})")
        # The header's and the footer's text start and end where the
        # content's does (a font size on a band once narrowed its column
        # and indented the footer 60 px on a desktop).
        content = probe["columns"].get("main")
        for band in ("header .wrap", "footer .wrap"):
            edges = probe["columns"].get(band)
            if content is None or edges is None:
                self.fail(where, f"no column to compare: main {content}, {band} {edges}")
                continue
            for side in ("left", "right"):
                if abs(edges[side] - content[side]) > COLUMN_TOLERANCE:
                    self.fail(where, f"{band} {side} edge at {edges[side]:.1f} px, the content's at "
                                     f"{content[side]:.1f} px (more than {COLUMN_TOLERANCE} px apart)")
        if probe["lang"] != "en" or probe["h1"] != 1 or len(probe["landmarks"]) != 3:
            self.fail(where, f"structure: lang={probe['lang']!r}, {probe['h1']} h1, landmarks {probe['landmarks']}")
        if probe["fonts"]:
            self.fail(where, f"{probe['fonts']} web fonts declared")
        for what, wanted in (expect or {}).items():
            if what == "contains":
                for text in wanted:
                    # innerText applies text-transform: compare without case.
                    if text.casefold() not in probe["text"].casefold():
                        self.fail(where, f"page text lacks {text!r}")
            elif probe.get(what) != wanted:
                self.fail(where, f"{what} is {probe.get(what)!r}, expected {wanted!r}")
        self.backgrounds[(name, viewport, scheme)] = (probe["background"], probe["backgroundLuminance"])

        self.screenshot(f"{name}-{viewport}-{scheme}.png", viewport)
        # Keyboard: the first Tab lands on the skip link, which shows with
        # an outline.
        for kind in ("keyDown", "keyUp"):
            self.cdp("Input.dispatchKeyEvent", {"type": kind, "key": "Tab", "code": "Tab", "windowsVirtualKeyCode": 9})
        focus = self.evaluate(FOCUS_PROBE)
        if focus["cls"] != "skip" or focus["outline"] == "none" or focus["width"] < 2 or focus["top"] < 0:
            self.fail(where, f"first Tab: {focus}")

        ok = len(self.failures) == before
        self.passed += ok
        min_contrast = min(probe["contrast"].values()) if probe["contrast"] else None
        log(f"{'PASS' if ok else 'FAIL'}: {where}: {url} — {len(requests)} request(s), "
            f"scrollWidth {probe['scrollWidth']}/{probe['innerWidth']}, min contrast {min_contrast}, "
            f"{probe['stories']} stories")
        return probe

    def screenshot(self, filename, viewport):
        metrics = self.cdp("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics.get("contentSize")
        height = min(int(size["height"]) + 1, SHOT_MAX_HEIGHT)
        width = VIEWPORTS[viewport]["width"]
        shot = self.cdp("Page.captureScreenshot", {
            "format": "png",
            "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        }, timeout=30)
        (self.out_dir / filename).write_bytes(base64.b64decode(shot["data"]))

    def check_schemes_differ(self):
        for (name, viewport, scheme), (color, luminance) in sorted(self.backgrounds.items()):
            if scheme != "dark":
                continue
            light = self.backgrounds.get((name, viewport, "light"))
            where = f"{name} {viewport}"
            if light is None:
                continue
            if light[0] == color or not (light[1] > 0.8 and luminance < 0.05):
                self.fail(where, f"light background {light[0]} vs dark {color}: the schemes do not differ enough")


def story_href(checker, base, text):
    """The story page link of the river story whose headline contains `text`."""
    checker.load(base, "desktop", "light")
    href = checker.evaluate(
        "(() => { const a = [...document.querySelectorAll('.story h2 a')]"
        f".find((a) => a.textContent.includes({json.dumps(text)})); return a ? a.href : null; }})()"
    )
    if not href:
        raise RuntimeError(f"no story {text!r} on {base}")
    return href


# --------------------------------------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="the feedloom binary")
    parser.add_argument("--chromium", required=True, help="the chromium binary")
    parser.add_argument("--fixtures", required=True, help="tests/fixtures/feeds")
    parser.add_argument("--seeds", required=True, help="config/seeds")
    parser.add_argument("--out", required=True, help="folder for the screenshots")
    parser.add_argument("--wait", type=float, default=60, help="seconds to wait for the daemon's stories")
    args = parser.parse_args()

    started = time.monotonic()
    out_dir = Path(args.out)
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    work = Path(tempfile.mkdtemp(prefix="feedloom-browser."))
    feeds_dir = work / "feeds"
    feeds_dir.mkdir()
    names = []
    for path in sorted(Path(args.fixtures).iterdir()):
        if path.suffix in (".rss", ".atom", ".json"):
            shutil.copy(path, feeds_dir / path.name)
            names.append(path.name)
    (feeds_dir / "stress.rss").write_text(stress_feed())
    names.append("stress.rss")

    fixture_server = start_fixture_server(feeds_dir)
    daemon = browser = None
    daemon_log = work / "daemon.log"
    try:
        fixture_port = fixture_server.server_address[1]
        daemon_port = free_port()
        config = write_config(work, fixture_port, daemon_port, names, Path(args.seeds).resolve())
        base = f"http://127.0.0.1:{daemon_port}/"
        env = {k: v for k, v in os.environ.items() if k not in ("RUST_LOG", "FEEDLOOM_LOG", "NOTIFY_SOCKET")}
        env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1"
        with open(daemon_log, "w") as sink:
            daemon = subprocess.Popen([args.bin, "--config", str(config), "run"], stdin=subprocess.DEVNULL,
                                      stdout=sink, stderr=sink, env=env)
        # Seeds (5) and the fixtures' distinct stories (5) and the stress feed
        # on the main topic; the stress feed alone on its topic.
        main_count, topic_count = wait_for_stories(base, 10 + STRESS_ITEMS, STRESS_ITEMS, args.wait)
        log(f"daemon on {base}: {main_count} stories on the main topic, {topic_count} on {STRESS_SLUG}")

        browser = Browser(args.chromium, work / "profile", work / "chromium.log")
        version = browser.send("Browser.getVersion", timeout=30)
        log(f"browser: {version.get('product')}")
        target = browser.send("Target.createTarget", {"url": "about:blank"})
        session = browser.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})["sessionId"]
        checker = Checker(browser, session, out_dir)
        for domain in ("Page", "Network", "Runtime", "Log"):
            checker.cdp(f"{domain}.enable")

        topic = f"{base}topics/{STRESS_SLUG}/"
        pages = [
            ("river", base, {"contains": ["Steppe Wire", "Seed article", "UTC"]}),
            # The hostile title is shown as plain text: its markup (the
            # script with its content, the stray end tag) removed.
            ("topic", topic, {"contains": ["Steppe harvests", LONG_WORD, "& \"quotes\" harvest"]}),
            ("page2", base + "?limit=10&page=2", {"stories": 10, "newer": True, "older": True}),
            ("beyond", base + "?limit=10&page=99", {"stories": 0, "contains": ["No older stories."]}),
            ("story-stress", story_href(checker, topic, "Stress test"), {"contains": [LONG_WORD, "Sources"]}),
            ("story-merged", story_href(checker, base, "Putin and Xi"),
             {"contains": ["Steppe Wire", "Central Asia Mirror", "Read the original"]}),
        ]
        for viewport in VIEWPORTS:
            for scheme in SCHEMES:
                for name, url, expect in pages:
                    try:
                        checker.check(name, url, viewport, scheme, expect)
                    except CDPError as error:
                        checker.fail(f"{name} {viewport} {scheme}", str(error))
                        log(f"FAIL: {name} {viewport} {scheme}: {error}")
        checker.check_schemes_differ()

        elapsed = time.monotonic() - started
        for failure in checker.failures:
            log(f"  problem: {failure}")
        log(f"browser: {checker.passed} page loads passed, {len(checker.failures)} problem(s), "
            f"{len(list(out_dir.glob('*.png')))} screenshots in {out_dir}, {elapsed:.1f} s")
        return 1 if checker.failures else 0
    except (RuntimeError, OSError) as error:
        log(f"FAIL: browser check could not run: {error}")
        if daemon_log.exists():
            log("--- daemon log (last 30 lines)")
            log("\n".join(daemon_log.read_text(errors="replace").splitlines()[-30:]))
        chromium_log = work / "chromium.log"
        if chromium_log.exists():
            log("--- chromium log (last 15 lines)")
            log("\n".join(chromium_log.read_text(errors="replace").splitlines()[-15:]))
        return 1
    finally:
        if browser is not None:
            browser.close()
        if daemon is not None and daemon.poll() is None:
            daemon.send_signal(signal.SIGTERM)
            try:
                daemon.wait(timeout=10)
            except subprocess.TimeoutExpired:
                daemon.kill()
                daemon.wait(timeout=10)
        fixture_server.shutdown()
        fixture_server.server_close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
