#!/usr/bin/env python3
"""feedloom beside the tools a user would pick instead, on one local feed farm.

Run by benches/compare/run (which installs newsboat, feedparser and aiohttp
first): `compare.py [FEEDS [ITEMS]]`, defaults 1000 × 50.

Builds feedloom (release) and the farm (benches/poll.rs, started as
`poll --farm FEEDS ITEMS`), then runs every tool on the same farm, each in a
fresh temp dir: a cold poll (empty database), then a warm one (nothing
changed, every feed should answer 304), and a second warm one (newsboat
sends its validators only from its third poll on). Each pass is one child process,
measured from outside: wall time, CPU (user + system of the process and the
processes it waited for, from os.wait4), peak memory. Progress goes to
stderr; stdout gets one markdown table and its notes.

Network: 127.0.0.1 only (the farm). Every tool run is killed after
--timeout seconds (default 900).
"""

import argparse
import datetime
import http.client
import json
import os
import platform
import re
import select
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
# The isolated environment the tools run in, shared with .ci/conformance.py.
sys.path.insert(0, str(REPO / ".ci"))
from tool_env import tool_env  # noqa: E402
BASELINE = HERE / "feedparser_baseline.py"

# Processes to stop on the way out: the farm, and the tool run in progress
# (its own process group: it and any workers it started).
FARM = None
RUNNING = set()


def say(message):
    print(f"compare: {message}", file=sys.stderr, flush=True)


class Failure(Exception):
    pass


# --------------------------------------------------------------------------
# building


def cargo_executable(args, name, kind, env=None):
    """Runs `cargo ARGS --message-format=json-render-diagnostics` in the repo
    and returns the executable cargo reports for target `name` of `kind`."""
    cmd = ["cargo", *args, "--message-format=json-render-diagnostics"]
    say(" ".join(cmd))
    proc = subprocess.run(
        cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, timeout=3600
    )
    if proc.returncode != 0:
        raise Failure(f"{' '.join(cmd)} failed (exit {proc.returncode})")
    found = None
    for line in proc.stdout.decode("utf-8", "replace").splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        target = message.get("target") or {}
        if (
            message.get("reason") == "compiler-artifact"
            and target.get("name") == name
            and kind in target.get("kind", [])
            and message.get("executable")
        ):
            found = message["executable"]
    if not found:
        raise Failure(f"cargo reported no {kind} executable named {name}")
    return found


# --------------------------------------------------------------------------
# the farm


def start_farm(binary, feeds, items, wait=600):
    """Starts `binary --farm FEEDS ITEMS`, returns (address, bytes)."""
    global FARM
    FARM = subprocess.Popen(
        [binary, "--farm", str(feeds), str(items)],
        stdout=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + wait
    line = b""
    while not line.endswith(b"\n"):
        left = deadline - time.monotonic()
        if left <= 0:
            raise Failure(f"the farm printed no address within {wait} s")
        ready, _, _ = select.select([FARM.stdout], [], [], left)
        if ready:
            chunk = os.read(FARM.stdout.fileno(), 4096)
            if not chunk:
                raise Failure(f"the farm exited ({FARM.poll()}) before printing its address")
            line += chunk
    words = line.decode().split()
    if len(words) < 2 or not words[0].startswith("127.0.0.1:"):
        raise Failure(f"unexpected first line from the farm: {line!r}")
    return words[0], int(words[1])


def stop(proc, group=False):
    if proc is None or proc.poll() is not None:
        return
    try:
        if group:
            os.killpg(proc.pid, signal.SIGKILL)
        else:
            proc.kill()
        proc.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired, ChildProcessError):
        pass


def get(addr, path, timeout=10):
    host, port = addr.rsplit(":", 1)
    assert host == "127.0.0.1", addr
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def farm_stats(addr):
    """{"200": n, "304": n} served so far (the farm's `GET /_stats`: one
    "STATUS COUNT" line each), or None when the farm has no /_stats."""
    try:
        status, body = get(addr, "/_stats")
        if status != 200:
            return None
        stats = {}
        for line in body.decode("ascii").splitlines():
            key, value = line.split()
            stats[key] = int(value)
        return stats if "200" in stats and "304" in stats else None
    except (OSError, ValueError, UnicodeDecodeError, http.client.HTTPException):
        return None


def feed_urls(addr, feeds):
    # The one place that knows the farm's paths.
    return [f"http://{addr}/feed/{n}.xml" for n in range(feeds)]


# --------------------------------------------------------------------------
# measuring one child process


def tree_pss_kib(root):
    """Summed PSS of `root` and its descendants (found through /proc/*/stat:
    this kernel may lack /proc/PID/task/TID/children)."""
    parents = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                stat = f.read()
            parents.setdefault(int(stat.rsplit(b")", 1)[1].split()[1]), []).append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    total, todo, seen = 0, [root], set()
    while todo and len(seen) < 100_000:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        todo.extend(parents.get(pid, []))
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except (OSError, ValueError):
            continue
    return total


def measure(argv, workdir, env, name, label, timeout):
    """Runs argv in its own process group; returns a dict with wall, cpu,
    rss_mb, rc, out, err. Killed (with its workers) after `timeout` s."""
    out_path, err_path = workdir / f"{name}.out", workdir / f"{name}.err"
    peak = [0]
    done = threading.Event()
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        start = time.monotonic()
        proc = subprocess.Popen(
            argv, cwd=workdir, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=err,
            start_new_session=True,
        )
        RUNNING.add(proc)
        timed_out = threading.Event()

        def kill_after_timeout():
            if not done.wait(timeout):
                timed_out.set()
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

        def sample():
            while not done.wait(0.1):
                peak[0] = max(peak[0], tree_pss_kib(proc.pid))

        threads = [threading.Thread(target=kill_after_timeout, daemon=True),
                   threading.Thread(target=sample, daemon=True)]
        for thread in threads:
            thread.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            done.set()
        wall = time.monotonic() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        # Anything the tool left behind in its group.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        RUNNING.discard(proc)
        for thread in threads:
            thread.join(timeout=5)
    result = {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        # ru_maxrss: the largest single process (KiB); the sampled sum of
        # PSS counts worker processes too.
        "rss_mb": max(usage.ru_maxrss, peak[0]) / 1024,
        "multi_process_peak": peak[0] > usage.ru_maxrss,
        "rc": proc.returncode,
        "out": out_path.read_text(errors="replace"),
        "err": err_path.read_text(errors="replace"),
    }
    if timed_out.is_set():
        raise Failure(f"{label} killed after {timeout} s")
    if result["rc"] != 0:
        raise Failure(f"{label} exited {result['rc']}:\n{result['out'][-2000:]}\n{result['err'][-2000:]}")
    return result


def count(db_path, sql):
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    try:
        return db.execute(sql).fetchone()[0]
    finally:
        db.close()


SUMMARY = re.compile(r"polled (\d+) feeds: (\d+) fetched, (\d+) unchanged, (\d+) failed")
STORIES = re.compile(r"stories: (\d+) new, (\d+) merged duplicates, (\d+) updated")


def poll_summary(out):
    """(fetched, unchanged, failed) from a "polled N feeds: ..." line."""
    m = SUMMARY.search(out)
    if not m:
        raise Failure(f"no summary line in:\n{out[-2000:]}")
    return int(m[2]), int(m[3]), int(m[4])


# --------------------------------------------------------------------------
# the tools: prepare(dir, urls) once, then argv() per pass, then stored()


class Feedloom:
    name = "feedloom"
    notes = ("`feedloom poll`: fetch, parse, clean the HTML, exact and near-duplicate "
             "merging, topic scoring and search index, in one SQLite file")

    def __init__(self, binary):
        self.binary = binary

    def version(self):
        version = subprocess.run([self.binary, "--version"], capture_output=True, text=True,
                                 timeout=30).stdout.strip() or "feedloom"
        return f"{version} ({git_describe()})"

    def prepare(self, workdir, urls):
        self.db = workdir / "feedloom.db"
        (workdir / "no-seeds").mkdir()
        lines = [
            f"database = {json.dumps(str(self.db))}",
            "[topic]",
            'title = "compare"',
            f"seeds = {json.dumps(str(workdir / 'no-seeds'))}",
            "[fetch]",
            "concurrency = 64",
            "per_host = 64",
        ]
        for url in urls:
            lines += ["[[feeds]]", f"url = {json.dumps(url)}"]
        self.config = workdir / "feedloom.toml"
        self.config.write_text("\n".join(lines) + "\n")

    def argv(self):
        return [self.binary, "--config", str(self.config), "poll"]

    def stored(self, out):
        fetched, unchanged, failed = poll_summary(out)
        stories = count(self.db, "SELECT count(*) FROM stories WHERE origin = 'feed'")
        clusters = count(self.db, "SELECT count(DISTINCT cluster_id) FROM stories WHERE origin = 'feed'")
        items = count(self.db, "SELECT count(*) FROM sightings")
        return {
            "fetched": fetched, "unchanged": unchanged, "failed": failed,
            "stories": stories, "items": items,
            # Items folded into another: same content (another sighting of
            # a stored story), or a near duplicate (one entry per cluster).
            "merged": items - clusters,
            "merged_detail": f"{fmt_int(items - stories)} exact + {fmt_int(stories - clusters)} near",
        }


class Newsboat:
    name = "newsboat"
    notes = ("`newsboat -x reload`, `reload-threads 64`: fetch, parse, store the items "
             "as sent (HTML cleaned only when shown); one row per guid, no content dedup. "
             "It saves a feed's ETag / Last-Modified only once the feed is in its cache "
             "(seen with 2.21), so its first re-poll downloads everything again; every start "
             "loads the whole cache, most of its time when the feeds answer 304")

    def version(self):
        out = subprocess.run(["newsboat", "--version"], capture_output=True, text=True,
                             timeout=30).stdout
        return out.splitlines()[0].split(" - ")[0] if out else "newsboat ?"

    def prepare(self, workdir, urls):
        self.home = workdir / "home"
        self.urls = workdir / "urls"
        self.urls.write_text("".join(f"{url}\n" for url in urls))
        self.config = workdir / "config"
        self.config.write_text(
            "# benches/compare: as many parallel downloads as the other tools\n"
            "reload-threads 64\n"
            "download-full-page no\n"
            "download-timeout 60\n"
            "download-retries 1\n"
            "max-items 0\n"
        )
        self.cache = workdir / "cache.db"
        self.errors = workdir / "errors.log"
        with open(self.config, "a") as f:
            f.write(f"error-log {json.dumps(str(self.errors))}\n")

    def argv(self):
        self.errors.unlink(missing_ok=True)
        return ["newsboat", "-u", str(self.urls), "-c", str(self.cache), "-C", str(self.config),
                "-x", "reload"]

    def stored(self, out):
        rows = count(self.cache, "SELECT count(*) FROM rss_item")
        # One line per feed that could not be retrieved or parsed.
        errors = []
        if self.errors.exists():
            errors = [line for line in self.errors.read_text(errors="replace").splitlines() if line.strip()]
        return {
            "fetched": None, "unchanged": None, "failed": len(errors),
            # Without newsboat's timestamp.
            "first_error": errors[0].split("] ", 1)[-1] if errors else None,
            "stories": rows, "items": rows, "merged": 0, "merged_detail": "guid only",
        }


class Baseline:
    name = "Python feedparser"
    notes = ("benches/compare/feedparser_baseline.py: aiohttp (64 at a time, conditional GET), "
             "feedparser in one process per core, SQLite; exact duplicates (guid, then sha256 "
             "of normalized title + text) merged, no near-duplicate clustering")

    def __init__(self, python):
        self.python = python

    def version(self):
        out = subprocess.run(
            [self.python, "-c",
             "import sys, feedparser, aiohttp; print('Python', sys.version.split()[0],"
             " '+ feedparser', feedparser.__version__, '+ aiohttp', aiohttp.__version__)"],
            capture_output=True, text=True, timeout=60,
        ).stdout.strip()
        return out or "feedparser ?"

    def prepare(self, workdir, urls):
        self.db = workdir / "baseline.db"
        self.urls = workdir / "urls"
        self.urls.write_text("".join(f"{url}\n" for url in urls))

    def argv(self):
        return [self.python, str(BASELINE), "--db", str(self.db), "--urls", str(self.urls),
                "--concurrency", "64"]

    def stored(self, out):
        fetched, unchanged, failed = poll_summary(out)
        stories = count(self.db, "SELECT count(*) FROM stories")
        items = count(self.db, "SELECT count(*) FROM sightings")
        return {
            "fetched": fetched, "unchanged": unchanged, "failed": failed,
            "stories": stories, "items": items, "merged": items - stories,
            "merged_detail": "exact only",
        }


def git_describe():
    """Read-only: describe never writes; status with GIT_OPTIONAL_LOCKS=0
    does not refresh the index file."""
    env = dict(os.environ, GIT_OPTIONAL_LOCKS="0")
    try:
        described = subprocess.run(["git", "describe", "--always", "--tags"], cwd=REPO, env=env,
                                   capture_output=True, text=True, timeout=30)
        if described.returncode != 0:
            return "no git"
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                               cwd=REPO, env=env, capture_output=True, text=True, timeout=30)
        return described.stdout.strip() + ("-dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.TimeoutExpired):
        return "no git"


# --------------------------------------------------------------------------
# the run


def machine():
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} × {model} (nproc {len(os.sched_getaffinity(0))}), Linux {platform.release()}"


def run_tool(tool, addr, urls, scratch, timeout, stats_available):
    workdir = Path(tempfile.mkdtemp(prefix=re.sub(r"\W+", "-", tool.name.lower()) + "-", dir=scratch))
    tool.prepare(workdir, urls)
    env = tool_env(workdir / "home")
    rows = []
    for pass_name in PASSES:
        say(f"{tool.name}, {pass_name}")
        before = farm_stats(addr) if stats_available else None
        result = measure(tool.argv(), workdir, env, pass_name.replace(" ", "-"),
                         f"{tool.name}, {pass_name} pass,", timeout)
        after = farm_stats(addr) if stats_available else None
        result.update(tool.stored(result["out"]))
        if before is not None and after is not None:
            result["farm_200"] = after.get("200", 0) - before.get("200", 0)
            result["farm_304"] = after.get("304", 0) - before.get("304", 0)
        say(f"  {result['wall']:.2f} s wall, {result['cpu']:.2f} s CPU, {result['rss_mb']:.0f} MB; "
            f"farm 200/304: {result.get('farm_200', '?')}/{result.get('farm_304', '?')}; "
            f"tool: fetched {result['fetched']}, unchanged {result['unchanged']}, "
            f"failed {result['failed']}; stored {result['stories']}, merged {result['merged']}")
        rows.append((pass_name, result))
    return rows


def combine(runs):
    """One row per pass from several runs of a tool: the median of wall,
    CPU and memory; counts from the last run, failures from all."""
    rows = []
    for i, (pass_name, last) in enumerate(runs[-1]):
        results = [run[i][1] for run in runs]
        row = dict(last)
        for key in ("wall", "cpu", "rss_mb"):
            row[key] = statistics.median(r[key] for r in results)
        row["multi_process_peak"] = any(r["multi_process_peak"] for r in results)
        row["failed"] = sum(r["failed"] or 0 for r in results) if last["failed"] is not None else None
        rows.append((pass_name, row))
    return rows


def ratio_line(pass_name, key, mine, peer, theirs):
    what = "wall" if key == "wall" else "CPU"
    best = "fastest" if key == "wall" else "leanest"
    line = f"- feedloom {pass_name} {what} {mine:.2f} s vs the {best} peer's ({peer}) {theirs:.2f} s"
    if mine <= 0 or theirs <= 0:
        return line
    if theirs >= mine:
        return f"{line}: {theirs / mine:.1f}× {'faster' if key == 'wall' else 'less CPU'}"
    return f"{line}: {mine / theirs:.1f}× {'slower' if key == 'wall' else 'more CPU'}"


PASSES = ("cold", "warm", "warm 2")


def fmt_int(n):
    return f"{n:,}"


def table(results, feeds, header, farm_has_stats):
    lines = [header, ""]
    lines.append("| tool | pass | wall s | CPU s | peak RSS MB | 304s | stories stored | duplicates merged |")
    lines.append("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    notes = []
    failures = {}
    for tool, rows in results:
        for pass_name, r in rows:
            if pass_name != "cold":
                if "farm_304" in r:
                    not_modified = f"{fmt_int(r['farm_304'])} / {fmt_int(feeds)}"
                elif r["unchanged"] is not None:
                    not_modified = f"{fmt_int(r['unchanged'])} / {fmt_int(feeds)} ‡"
                else:
                    not_modified = "n/a"
            else:
                not_modified = "–"
            rss = f"{r['rss_mb']:.0f}" + (" †" if r["multi_process_peak"] else "")
            lines.append(
                f"| {tool.name} | {pass_name} | {r['wall']:.2f} | {r['cpu']:.2f} | {rss} | {not_modified} "
                f"| {fmt_int(r['stories'])} | {fmt_int(r['merged'])} ({r['merged_detail']}) |"
            )
            if r["failed"]:
                example = f" ({r['first_error']})" if r.get("first_error") else ""
                failures.setdefault((tool.name, r["failed"]), (example, []))[1].append(pass_name)
            if "farm_304" in r and r["unchanged"] is not None and pass_name != "cold" \
                    and r["unchanged"] != r["farm_304"]:
                notes.append(f"{tool.name} {pass_name}: reports {r['unchanged']} unchanged, the farm served "
                             f"{r['farm_304']} 304s")
            if "farm_200" in r and pass_name == "cold" and r["farm_200"] != feeds:
                notes.append(f"{tool.name} cold: the farm served {r['farm_200']} bodies for {feeds} feeds")
    for (name, failed), (example, passes) in failures.items():
        notes.append(f"{name}: {failed} feeds failed in the {', '.join(passes)} pass{'es' if len(passes) > 1 else ''}{example}")
    items = {tool.name: rows[0][1]["items"] for tool, rows in results}
    if len(set(items.values())) > 1:
        notes.append("items received differ: " + ", ".join(f"{k} {fmt_int(v)}" for k, v in items.items()))

    lines.append("")
    by_name = {tool.name: dict(rows) for tool, rows in results}
    ours = by_name.get("feedloom")
    peers = [(name, passes) for name, passes in by_name.items() if name != "feedloom"]
    if ours and peers:
        for pass_name, key in (("cold", "wall"), ("cold", "cpu"), ("warm", "wall"), ("warm 2", "wall")):
            name, passes = min(peers, key=lambda p: p[1][pass_name][key])
            lines.append(ratio_line(pass_name, key, ours[pass_name][key], name, passes[pass_name][key]))
    lines.append("")
    lines.append("Notes:")
    for tool, _ in results:
        lines.append(f"- {tool.name}: {tool.notes}.")
    lines.append("- CPU: user + system of the tool's process and the processes it waited for (os.wait4). "
                 "Peak RSS: ru_maxrss of the process; † = the sampled (10 Hz) peak of the summed PSS "
                 "of the process and its workers, which is larger.")
    if farm_has_stats:
        lines.append("- 304s: counted by the farm during the pass (`GET /_stats`).")
    else:
        lines.append("- 304s: ‡ = as the tool reports it (the farm has no `GET /_stats`); "
                     "n/a = the tool does not say.")
    lines.append("- Duplicates merged: items received − entries a reader sees (exact: same content "
                 "stored once; near: feedloom's clusters of light rewrites, shown as one entry).")
    for note in notes:
        lines.append(f"- {note}")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description="feedloom beside newsboat and a Python feedparser "
                                     "baseline on one local feed farm")
    parser.add_argument("feeds", nargs="?", type=int, default=1000)
    parser.add_argument("items", nargs="?", type=int, default=50)
    parser.add_argument("--timeout", type=int, default=900, help="seconds per tool run (default 900)")
    parser.add_argument("--farm-bin", help="a farm binary to use instead of building benches/poll.rs")
    parser.add_argument("--feedloom-bin", help="a feedloom binary to use instead of building it")
    parser.add_argument("--only", action="append", choices=["feedloom", "newsboat", "python"],
                        help="run only these tools (repeatable)")
    parser.add_argument("--runs", type=int, default=1,
                        help="runs of every tool (fresh dirs each time); the table shows medians")
    parser.add_argument("--keep", action="store_true", help="keep the tools' temp dirs")
    args = parser.parse_args()
    if args.feeds < 1 or args.items < 1 or not 1 <= args.runs <= 20:
        parser.error("FEEDS and ITEMS must be at least 1, --runs 1 to 20")

    wanted = set(args.only or ["feedloom", "newsboat", "python"])
    feedloom = None
    if "feedloom" in wanted:
        feedloom = args.feedloom_bin or cargo_executable(
            ["build", "--release", "--locked", "--bin", "feedloom"], "feedloom", "bin")
    # The farm only serves: it need not be link-time optimized.
    farm_env = dict(os.environ)
    farm_env.setdefault("CARGO_PROFILE_BENCH_LTO", "false")
    farm = args.farm_bin or cargo_executable(
        ["bench", "--locked", "--bench", "poll", "--no-run"], "poll", "bench", env=farm_env)

    tools = []
    if "feedloom" in wanted:
        tools.append(Feedloom(feedloom))
    if "newsboat" in wanted:
        tools.append(Newsboat())
    if "python" in wanted:
        tools.append(Baseline(sys.executable))
    versions = [tool.version() for tool in tools]

    say(f"starting the farm: {args.feeds} feeds × {args.items} items")
    addr, size = start_farm(farm, args.feeds, args.items)
    urls = feed_urls(addr, args.feeds)
    status, _ = get(addr, urlsplit_path(urls[0]))
    if status != 200:
        raise Failure(f"the farm answers {status} for {urls[0]}")
    stats_available = farm_stats(addr) is not None
    say(f"farm on {addr}, {size / 1e6:.1f} MB; /_stats {'available' if stats_available else 'absent'}")

    scratch = Path(tempfile.mkdtemp(prefix="feedloom-compare-"))
    try:
        # Round robin, so that a change in the machine's load hits every tool.
        runs = {tool.name: [] for tool in tools}
        for run in range(args.runs):
            for tool in tools:
                if args.runs > 1:
                    say(f"run {run + 1} of {args.runs}")
                runs[tool.name].append(run_tool(tool, addr, urls, scratch, args.timeout, stats_available))
        results = [(tool, combine(runs[tool.name])) for tool in tools]
    finally:
        if args.keep:
            say(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)

    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    header = (
        f"**feedloom vs peers**, {now}: {fmt_int(args.feeds)} feeds × {args.items} items "
        f"({size / 1e6:.1f} MB) from a local farm on 127.0.0.1; {machine()}"
        f"{f'; median of {args.runs} runs' if args.runs > 1 else ''}.  \n"
        f"Versions: {'; '.join(versions)}."
    )
    print(table(results, args.feeds, header, stats_available))
    return 0


def urlsplit_path(url):
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def on_signal(signum, _frame):
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    code = 1
    try:
        code = main()
    except Failure as error:
        say(f"error: {error}")
    except KeyboardInterrupt:
        say("interrupted")
        code = 130
    finally:
        for proc in list(RUNNING):
            stop(proc, group=True)
        stop(FARM)
    sys.exit(code)
