#!/usr/bin/env python3
"""Polling with several feedloom nodes on one PostgreSQL database, beside
one node on SQLite, on one local feed farm whose every answer takes about
200 ms, as real sites do (issue 19).

Run by benches/nodes/run: `nodes.py [FEEDS [ITEMS]]`, defaults 1,000 feeds
x 50 items. Builds feedloom (release) and the farm (benches/poll.rs
`--farm`, with FEEDLOOM_FARM_DELAY_MS), starts a throwaway PostgreSQL
cluster (.ci/postgres), then for each setup (SQLite x 1 node; PostgreSQL x
1, 2, 4 nodes), on a fresh database:

- cold: N `feedloom run --role poller` processes start together on a
  configuration listing every farm feed (none polled yet); the wall time
  runs until every feed was fetched and the score and search queues are
  empty (what `feedloom poll` waits for);
- warm: the nodes stop, every feed is made due again, N nodes start; the
  wall time runs until every feed was fetched again (all 304).

CPU: user + system seconds of the node processes, and of PostgreSQL (the
postmaster and the backends it reaped). Prints one markdown table on stdout
(progress on stderr). Network: 127.0.0.1 only.
"""

import argparse
import os
import shlex
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE.parent / "compare"))
import compare  # noqa: E402  (the farm, cargo and process helpers)

DELAY_MS = 200
SETUPS = [("sqlite", 1), ("postgres", 1), ("postgres", 2), ("postgres", 4)]
TICKS = os.sysconf("SC_CLK_TCK")


def say(message):
    print(f"nodes: {message}", file=sys.stderr, flush=True)


def cpu_seconds(pid, children=False):
    """utime + stime (+ cutime + cstime) of `pid`, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # After the ")": state is field 0; utime 11, stime 12, cutime 13, cstime 14.
    ticks = int(fields[11]) + int(fields[12])
    if children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / TICKS


class Postgres:
    """The throwaway cluster, its URL and its postmaster's pid."""

    def __init__(self):
        out = subprocess.run([str(REPO / ".ci/postgres"), "start"], check=True,
                             stdout=subprocess.PIPE, text=True).stdout
        self.env = {}
        for line in out.splitlines():
            name, _, value = line.removeprefix("export ").partition("=")
            self.env[name] = shlex.split(value)[0]
        self.server = self.env["FEEDLOOM_TEST_POSTGRES"]
        pid_file = Path(self.env["FEEDLOOM_TEST_POSTGRES_DATA"]) / "cluster" / "postmaster.pid"
        self.pid = int(pid_file.read_text().split()[0])

    def sql(self, url, statement):
        return subprocess.run(["psql", "-X", "-q", "-tA", url, "-c", statement], check=True,
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                              text=True).stdout.strip()

    def database(self, name):
        self.sql(self.server, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        self.sql(self.server, f"CREATE DATABASE {name}")
        return self.server.rsplit("/", 1)[0] + "/" + name

    def cpu(self):
        return cpu_seconds(self.pid, children=True)

    def stop(self):
        subprocess.run([str(REPO / ".ci/postgres"), "stop"], env={**os.environ, **self.env},
                       check=False)


class Store:
    """Reads progress from the database the nodes share."""

    def __init__(self, kind, location, postgres):
        self.kind, self.location, self.postgres = kind, location, postgres

    def scalar(self, statement):
        if self.kind == "sqlite":
            if not Path(self.location).exists():
                return 0
            conn = sqlite3.connect(f"file:{self.location}?mode=ro", uri=True, timeout=10)
            try:
                return conn.execute(statement).fetchone()[0]
            except sqlite3.OperationalError:
                return 0
            finally:
                conn.close()
        try:
            return int(self.postgres.sql(self.location, statement) or 0)
        except subprocess.CalledProcessError:
            return 0

    def execute(self, statement):
        if self.kind == "sqlite":
            conn = sqlite3.connect(self.location, timeout=10)
            conn.execute(statement)
            conn.commit()
            conn.close()
        else:
            self.postgres.sql(self.location, statement)

    def fetched_since(self, since):
        return self.scalar(f"SELECT count(*) FROM feeds WHERE last_fetch_at >= {since}")

    def queued(self):
        return (self.scalar("SELECT count(*) FROM score_queue")
                + self.scalar("SELECT count(*) FROM search_queue"))

    def stories(self):
        return self.scalar("SELECT count(*) FROM stories")


def write_config(path, database, urls):
    lines = [
        f'database = "{database}"',
        'listen = "127.0.0.1:0"',
        # Never by the clock: a feed never polled is due at start, and the
        # warm pass makes every feed due again by hand.
        'schedule = "0 0 0 1 1 * 2099"',
        "",
        "[topic]",
        'title = "Bench"',
        f'seeds = "{REPO / "config" / "seeds"}"',
        "",
        "[scheduler]",
        'jitter = "0s"',
        "",
        "[fetch]",
        # The farm is one host standing in for many.
        "per_host = 16",
        "",
    ]
    for url in urls:
        lines += ["[[feeds]]", f'url = "{url}"', ""]
    path.write_text("\n".join(lines))


def run_pass(feedloom, config, nodes, store, feeds, postgres, wait_queues, timeout):
    """Starts `nodes` pollers, waits until every feed was fetched (and the
    queues are empty, if asked), stops them; (wall s, nodes' CPU s, PG CPU s)."""
    since = int(time.time())
    pg_before = postgres.cpu() if postgres else 0.0
    start = time.monotonic()
    procs = [
        subprocess.Popen([feedloom, "--config", str(config), "run", "--role", "poller"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         env={**os.environ, "FEEDLOOM_LOG": "warn"})
        for _ in range(nodes)
    ]
    done = None
    cpu = 0.0
    try:
        while time.monotonic() - start < timeout:
            if store.fetched_since(since) >= feeds and (not wait_queues or store.queued() == 0):
                done = time.monotonic() - start
                break
            time.sleep(0.1)
        cpu = sum(cpu_seconds(p.pid) for p in procs)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    # The backends of the stopped nodes have exited and been reaped.
    time.sleep(0.5)
    pg_cpu = postgres.cpu() - pg_before if postgres else 0.0
    return done, cpu, pg_cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("feeds", nargs="?", type=int, default=1000)
    parser.add_argument("items", nargs="?", type=int, default=50)
    parser.add_argument("--timeout", type=int, default=900)
    args = parser.parse_args()

    feedloom = compare.cargo_executable(["build", "--release", "--locked"], "feedloom", "bin")
    farm_bin = compare.cargo_executable(["bench", "--no-run", "--bench", "poll", "--locked"],
                                        "poll", "bench")
    os.environ["FEEDLOOM_FARM_DELAY_MS"] = str(DELAY_MS)
    addr, _ = compare.start_farm(farm_bin, args.feeds, args.items)
    urls = compare.feed_urls(addr, args.feeds)
    postgres = Postgres()
    rows = []
    try:
        with tempfile.TemporaryDirectory() as scratch:
            for index, (kind, nodes) in enumerate(SETUPS):
                if kind == "sqlite":
                    location = str(Path(scratch) / f"bench{index}.db")
                else:
                    location = postgres.database(f"bench_nodes_{index}")
                store = Store(kind, location, postgres)
                config = Path(scratch) / f"feedloom{index}.toml"
                write_config(config, location, urls)
                pg = postgres if kind == "postgres" else None
                say(f"{kind} x {nodes}: cold")
                cold = run_pass(feedloom, config, nodes, store, args.feeds, pg, True, args.timeout)
                stories = store.stories()
                store.execute("UPDATE feeds SET next_fetch_at = NULL")
                time.sleep(1.1)
                say(f"{kind} x {nodes}: warm")
                warm = run_pass(feedloom, config, nodes, store, args.feeds, pg, False, args.timeout)
                rows.append((kind, nodes, cold, warm, stories))
                say(f"{kind} x {nodes}: cold {cold[0]}, warm {warm[0]}, {stories} stories")
    finally:
        postgres.stop()
        compare.stop(compare.FARM)

    def secs(value):
        return "did not finish" if value is None else f"{value:.1f} s"

    print(f"Polling by several nodes: {args.feeds} feeds x {args.items} items, every answer "
          f"after {DELAY_MS} ms, `[fetch]` concurrency 16 per node\n")
    print("| store | nodes | cold wall | cold CPU, nodes / PostgreSQL | warm wall | "
          "warm CPU, nodes / PostgreSQL | stories |")
    print("| --- | ---: | ---: | --- | ---: | --- | ---: |")
    for kind, nodes, cold, warm, stories in rows:
        print(f"| {kind} | {nodes} | {secs(cold[0])} | {cold[1]:.1f} / {cold[2]:.1f} s | "
              f"{secs(warm[0])} | {warm[1]:.1f} / {warm[2]:.1f} s | {stories:,} |")


if __name__ == "__main__":
    try:
        main()
    except compare.Failure as failure:
        print(f"nodes: {failure}", file=sys.stderr)
        sys.exit(1)
