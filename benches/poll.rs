//! Poll benchmark against a local feed farm: N feeds × M items served from
//! 127.0.0.1, polled cold (empty database), warm (every feed answers 304)
//! and "one new" (one feed carries 50 new stories, the rest answer 304: a
//! poll in the steady state, whose time should not grow with the stories
//! stored), beside the floors measured in the same run: downloading every body with a
//! plain concurrent client, parsing every body, and storing the stories
//! polled (their rows and search index only, by one connection: the
//! store's own floor, see `store_floor`).
//!
//! `cargo bench --bench poll` (defaults: 1000 feeds × 50 items, about 130 MB
//! of RSS, 64 fetches at a time), or `cargo bench --bench poll -- FEEDS
//! ITEMS [CONCURRENCY]`. The farm runs in a
//! child process (this binary, started with `--farm`), so the peak RSS
//! printed is feedloom's alone. CPU time is this process's user + system
//! time, from /proc/self/stat. `--farm FEEDS ITEMS` runs the farm alone
//! (it prints "ADDR BYTES", then serves until killed, each answer after
//! `FEEDLOOM_FARM_DELAY_MS` if set; `GET /_stats` counts
//! its 200s and 304s, `GET /_bump` gives feed 0 new stories), for
//! benches/compare. `--latency [FILL]` measures the steady-state poll of
//! 200 feeds with 10,000 stories stored and again with a million (FILL
//! feeds × 50 items, default 20,000).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::response::Response;
use feedloom::config;
use feedloom::fetch::Fetcher;
use feedloom::poll::Poller;
use feedloom::store::{SharedStore, Store};
use futures_util::StreamExt;

/// The farm's documents by path.
type Farm = HashMap<String, Document>;

/// One farm feed as served, with its validators.
struct Document {
    body: Vec<u8>,
    content_type: &'static str,
    etag: String,
    last_modified: String,
}

/// The farm's feeds take turns among the three formats.
#[derive(Clone, Copy)]
enum Format {
    Rss,
    Atom,
    Json,
}

fn main() {
    // As `feedloom` itself does first (src/cli/mod.rs). SAFETY: first in
    // `main`, before any SQLite call.
    let _ = unsafe { feedloom::memory::configure_at_start() };
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<usize> = raw.iter().filter_map(|a| a.parse().ok()).collect();
    if raw.iter().any(|a| a == "--latency") {
        latency(args.first().copied().unwrap_or(20_000));
        return;
    }
    let feeds = args.first().copied().unwrap_or(1000);
    let items = args.get(1).copied().unwrap_or(50);
    let concurrency = args.get(2).copied().unwrap_or(64);
    if raw.iter().any(|a| a == "--farm") {
        serve_farm(feeds, items);
        return;
    }

    let (_farm, addr, bytes) = spawn_farm(feeds, items);
    let urls = farm_urls(&addr, feeds);
    let dir = tempfile::tempdir().expect("temp dir");
    let config = bench_config(dir.path(), "feedloom.toml", &urls, concurrency);
    let bench = Bench::new(&config, addr.clone());

    println!(
        "farm: {feeds} feeds × {items} items, {:.1} MB of RSS on http://{addr}; {concurrency} fetches at a time",
        bytes as f64 / 1e6
    );
    println!("RSS before polling: {} MB", rss_kib() / 1024);
    // Cold (empty database), warm (every feed answers 304), then the
    // steady state: one feed has 50 new stories, the rest answer 304.
    for pass in ["cold", "warm", "one new"] {
        bench.pass(&config, pass, pass == "one new");
    }
    // Read before the floors, which hold every body at once.
    let peak = peak_rss_kib();
    // Floors: every body downloaded by a plain concurrent client (64 at a
    // time, like feedloom), then every body parsed, on all cores.
    let (elapsed, cpu, bodies) = measure(|| bench.runtime.block_on(download_all(&urls)));
    println!(
        "floor, download: {:>7.2} s  cpu {:>6.2} s  {} bodies",
        elapsed.as_secs_f64(),
        cpu.as_secs_f64(),
        bodies.len()
    );
    let (elapsed, cpu, entries) = measure(|| parse_all(&bodies));
    println!(
        "floor, parse:    {:>7.2} s  cpu {:>6.2} s  {entries} entries",
        elapsed.as_secs_f64(),
        cpu.as_secs_f64()
    );
    drop(bodies);
    let floor = store_floor(&config, &dir.path().join("floor.db"));
    println!(
        "floor, store:    {:>7.2} s  cpu {:>6.2} s  {} stories, one writer: rows {:.2} s (cpu {:.2} s), search index {:.2} s (cpu {:.2} s)",
        (floor.rows.wall + floor.index.wall).as_secs_f64(),
        (floor.rows.cpu + floor.index.cpu).as_secs_f64(),
        floor.stories,
        floor.rows.wall.as_secs_f64(),
        floor.rows.cpu.as_secs_f64(),
        floor.index.wall.as_secs_f64(),
        floor.index.cpu.as_secs_f64(),
    );

    println!(
        "entries (one per near-duplicate cluster): {}",
        count(&config, "SELECT count(DISTINCT cluster_id) FROM stories")
    );
    report_end(&config, peak);
}

/// How many feeds the latency passes poll: 10,000 stories at 50 items.
const LATENCY_FEEDS: usize = 200;

/// How often each latency pass is repeated; the minimum is printed beside
/// the median, since a shared machine only ever adds time.
const LATENCY_REPEATS: usize = 5;

/// `--latency [FILL]`: does a steady-state poll slow down as stories pile
/// up? The same 200 feeds are polled (all 304, then one feed with 50 new
/// stories) with 10,000 stories stored, and again after polling FILL feeds
/// × 50 items into the same database (20,000: a million stories).
fn latency(fill: usize) {
    let items = 50;
    let fill = fill.max(LATENCY_FEEDS);
    let (_farm, addr, bytes) = spawn_farm(fill, items);
    let urls = farm_urls(&addr, fill);
    let dir = tempfile::tempdir().expect("temp dir");
    let measured = bench_config(dir.path(), "measured.toml", &urls[..LATENCY_FEEDS], 64);
    let everything = bench_config(dir.path(), "fill.toml", &urls, 64);
    let bench = Bench::new(&measured, addr);
    println!(
        "farm: {fill} feeds × {items} items, {:.1} MB; the latency passes poll the first {LATENCY_FEEDS}",
        bytes as f64 / 1e6
    );
    bench.pass(&measured, "fill to 10k", false);
    let small = bench.latency_passes(&measured);
    bench.pass(&everything, "fill to 1M", false);
    let large = bench.latency_passes(&measured);
    for (pass, (small, large)) in ["warm", "one new"].iter().zip(small.iter().zip(&large)) {
        println!(
            "{pass}: {:.3} s with {} stories, {:.3} s with {} stories: {:.2}× (minimum of {LATENCY_REPEATS}, poll + catch-up)",
            small.time.as_secs_f64(),
            small.stories,
            large.time.as_secs_f64(),
            large.stories,
            large.time.as_secs_f64() / small.time.as_secs_f64()
        );
    }
    report_end(&measured, peak_rss_kib());
}

/// The last lines of every run: the database's size and the peak RSS
/// (KiB).
fn report_end(config: &config::Config, peak_kib: u64) {
    let size = std::fs::metadata(sqlite_path(config)).map_or(0, |m| m.len());
    println!("database: {:.1} MB", size as f64 / 1e6);
    println!("peak RSS (feedloom alone): {} MB", peak_kib / 1024);
}

/// The fastest of a latency pass's repeats, and the stories stored then.
struct Latency {
    time: Duration,
    stories: i64,
}

/// What every pass shares: the runtime, the store, the client and the
/// topic model, as `feedloom poll` holds them.
struct Bench {
    runtime: tokio::runtime::Runtime,
    poller: Poller,
    fetcher: Fetcher,
    topics: feedloom::scoring::Topics,
    addr: String,
}

impl Bench {
    fn new(config: &config::Config, addr: String) -> Self {
        let poller = Poller::new(SharedStore::new(Box::new(
            Store::open(sqlite_path(config)).expect("open db"),
        )));
        Self {
            runtime: tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .expect("runtime"),
            poller,
            fetcher: Fetcher::new(&config.fetch).expect("fetcher"),
            topics: feedloom::scoring::build(config),
            addr,
        }
    }

    /// One poll of `config`'s feeds (after a new edition of feed 0 if
    /// `bump`) as `feedloom poll` runs it (`poll_all`: stored, scored and
    /// indexed), then whatever scoring and indexing it still left behind
    /// (nothing, unless that is broken); prints both and returns their
    /// summed wall time.
    fn pass(&self, config: &config::Config, pass: &str, bump: bool) -> Duration {
        if bump {
            self.runtime
                .block_on(reqwest::get(format!("http://{}/_bump", self.addr)))
                .expect("farm bump");
        }
        let (polled, cpu, summary) = measure(|| {
            self.runtime
                .block_on(self.poller.poll_all(config, &self.fetcher, |_, _| {}))
                .expect("poll")
        });
        println!(
            "{pass}, polled:  {:>7.2} s  cpu {:>6.2} s  peak RSS {:>4} MB  fetched {} unchanged {} failed {}  new {} merged {}  indexed {}",
            polled.as_secs_f64(),
            cpu.as_secs_f64(),
            peak_rss_kib() / 1024,
            summary.fetched,
            summary.unchanged,
            summary.failed.len(),
            summary.stories.new_stories,
            summary.stories.merged,
            summary.indexed,
        );
        // What a poll leaves to the background: topic verdicts and the
        // search index (`feedloom poll` does it before it returns).
        let topics = self.topics.clone();
        let (caught_up, cpu, (scored, indexed)) = measure(|| {
            self.runtime.block_on(async {
                let scored = feedloom::scoring::score_pending(
                    self.poller.store(),
                    move || topics.clone(),
                    None,
                    |_| {},
                )
                .await
                .expect("score");
                let indexed = self
                    .poller
                    .store()
                    .index_all_pending()
                    .await
                    .expect("index");
                (scored.scored, indexed)
            })
        });
        println!(
            "{pass}, left over: +{:>5.2} s  cpu {:>6.2} s  peak RSS {:>4} MB  scored {scored} indexed {indexed}",
            caught_up.as_secs_f64(),
            cpu.as_secs_f64(),
            peak_rss_kib() / 1024
        );
        polled + caught_up
    }

    /// The warm and the "one new" pass over `config`, each repeated, as
    /// their fastest times.
    fn latency_passes(&self, config: &config::Config) -> [Latency; 2] {
        let stories = count(config, "SELECT count(*) FROM stories");
        [false, true].map(|bump| {
            let label = if bump { "one new" } else { "warm" };
            let mut times: Vec<Duration> = (0..LATENCY_REPEATS)
                .map(|_| self.pass(config, label, bump))
                .collect();
            times.sort();
            println!(
                "{label} with {stories} stories: minimum {:.3} s, median {:.3} s",
                times[0].as_secs_f64(),
                times[LATENCY_REPEATS / 2].as_secs_f64()
            );
            Latency {
                time: times[0],
                stories,
            }
        })
    }
}

/// The farm's process, killed when the run ends however it ends (a
/// panicking pass too), so no farm outlives its bench.
struct FarmProcess(std::process::Child);

impl Drop for FarmProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the farm in its own process; returns it with its address and the
/// bytes it serves.
fn spawn_farm(feeds: usize, items: usize) -> (FarmProcess, String, usize) {
    let mut farm = std::process::Command::new(std::env::current_exe().expect("own path"))
        .args(["--farm", &feeds.to_string(), &items.to_string()])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("start the farm");
    let mut line = String::new();
    BufReader::new(farm.stdout.take().expect("farm stdout"))
        .read_line(&mut line)
        .expect("farm address");
    let mut words = line.split_whitespace();
    let addr = words.next().expect("address").to_owned();
    let bytes: usize = words.next().and_then(|b| b.parse().ok()).expect("size");
    (FarmProcess(farm), addr, bytes)
}

fn farm_urls(addr: &str, feeds: usize) -> Vec<String> {
    (0..feeds)
        .map(|feed| format!("http://{addr}/feed/{feed}.xml"))
        .collect()
}

/// A configuration polling `urls` into `dir/bench.db`, `concurrency`
/// fetches at a time, with no seed articles.
fn bench_config(
    dir: &std::path::Path,
    name: &str,
    urls: &[String],
    concurrency: usize,
) -> config::Config {
    let seeds = dir.join("no-seeds");
    std::fs::create_dir_all(&seeds).expect("seeds dir");
    let mut text = format!(
        "database = \"bench.db\"\n[topic]\ntitle = \"bench\"\nseeds = {seeds:?}\n[fetch]\nconcurrency = {concurrency}\nper_host = {concurrency}\n"
    );
    for url in urls {
        let _ = write!(text, "[[feeds]]\nurl = \"{url}\"\n");
    }
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write config");
    config::load(&path).expect("bench config is valid")
}

/// One number from the bench database.
fn count(config: &config::Config, sql: &str) -> i64 {
    rusqlite::Connection::open(sqlite_path(config))
        .and_then(|db| db.query_row(sql, [], |row| row.get(0)))
        .unwrap_or_default()
}

/// Runs `f` and returns its wall time, this process's CPU time during it,
/// and its result.
fn measure<T>(f: impl FnOnce() -> T) -> (Duration, Duration, T) {
    measure_by(cpu_time, f)
}

/// [`measure`] with the CPU time read from `clock`.
fn measure_by<T>(clock: fn() -> Duration, f: impl FnOnce() -> T) -> (Duration, Duration, T) {
    let (start, cpu) = (Instant::now(), clock());
    let value = f();
    (start.elapsed(), clock().saturating_sub(cpu), value)
}

/// User + system time of this process so far (utime and stime in
/// /proc/self/stat, in clock ticks of 1/100 s on Linux).
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The command name (field 2) may hold spaces: count from after it.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<u64> = rest
        .split_whitespace()
        .skip(11)
        .take(2)
        .filter_map(|f| f.parse().ok())
        .collect();
    Duration::from_millis(fields.iter().sum::<u64>() * 10)
}

/// Every body with its Content-Type.
async fn download_all(urls: &[String]) -> Vec<(Vec<u8>, Option<String>)> {
    // reqwest is built without a default crypto provider (see `Fetcher`).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::new();
    futures_util::stream::iter(urls)
        .map(|url| {
            let client = client.clone();
            async move {
                let response = client.get(url).send().await.expect("farm answers");
                let content_type = response
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|value| value.to_str().ok())
                    .map(str::to_owned);
                (response.bytes().await.expect("body").to_vec(), content_type)
            }
        })
        .buffer_unordered(64)
        .collect()
        .await
}

fn parse_all(bodies: &[(Vec<u8>, Option<String>)]) -> usize {
    let base = url::Url::parse("http://127.0.0.1/feed.xml").expect("constant URL");
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let chunk = bodies.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = bodies
            .chunks(chunk)
            .map(|part| {
                let base = &base;
                s.spawn(move || {
                    part.iter()
                        .map(|(body, content_type)| {
                            feedloom::parse::parse(body, content_type.as_deref(), base)
                                .map_or(0, |feed| feed.entries.len())
                        })
                        .sum::<usize>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("parse thread"))
            .sum()
    })
}

/// What the store's floor measured: stories copied, and the time spent
/// writing their rows and indexing them.
struct StoreFloor {
    stories: usize,
    rows: Spent,
    index: Spent,
}

/// Wall time and the measuring thread's CPU time, summed over the calls
/// of [`Spent::add`].
#[derive(Default)]
struct Spent {
    wall: Duration,
    cpu: Duration,
}

impl Spent {
    /// Runs `f` and adds its wall time and this thread's CPU time
    /// (`CLOCK_THREAD_CPUTIME_ID`: the bench's other threads, its store's
    /// band mover among them, are not counted; see [`thread_cpu_time`]).
    fn add<T>(&mut self, f: impl FnOnce() -> T) -> T {
        let (wall, cpu, value) = measure_by(thread_cpu_time, f);
        self.wall += wall;
        self.cpu += cpu;
        value
    }
}

/// Every story in the bench's database (all passes), copied into a new
/// database at `path` that has only the `stories` table with its indexes
/// and the FTS5 index, by one connection: the rows a thousand a
/// transaction in id order (the poll's write batches take up to 2,000
/// items), each thousand then indexed in a transaction of its own (as the
/// poll's search batches are). No band keys, sightings, verdicts, queues
/// or triggers: what SQLite itself costs to store the rows and index
/// them. Each batch is read into memory first, untimed, from the bench's
/// database attached read-only. The pragmas are the writer's
/// (`src/store/sqlite/open.rs`), with its largest page cache: 64 MiB,
/// where the writer keeps 4 MiB for a file under 384 MiB. So feedloom's
/// writer cannot do this work in much less (the floor's batches are a
/// little smaller than the poll's, so it commits a little more often).
fn store_floor(config: &config::Config, path: &std::path::Path) -> StoreFloor {
    const BATCH: i64 = 1000;
    let db = rusqlite::Connection::open(path).expect("floor database");
    db.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         PRAGMA foreign_keys = ON; PRAGMA cache_size = -65536;
         PRAGMA wal_autocheckpoint = 16384; PRAGMA journal_size_limit = 67108864;
         PRAGMA temp_store = MEMORY;",
    )
    .expect("floor pragmas");
    let polled = url::Url::from_file_path(sqlite_path(config).canonicalize().expect("bench db"))
        .map(|mut url| {
            url.set_query(Some("mode=ro"));
            url.to_string()
        })
        .expect("bench db as a file: URI");
    db.execute("ATTACH DATABASE ?1 AS polled", [polled])
        .expect("attach the bench's database read-only");
    // The table, its indexes and the search index as the migrations left
    // them (an index SQLite made for a UNIQUE column has no SQL).
    let schema: Vec<String> = db
        .prepare(
            "SELECT sql FROM polled.sqlite_master
             WHERE sql IS NOT NULL AND (name = 'stories_fts'
                   OR (tbl_name = 'stories' AND type IN ('table', 'index')))
             ORDER BY type = 'index', name",
        )
        .and_then(|mut rows| rows.query_map([], |row| row.get(0))?.collect())
        .expect("read the schema");
    for sql in &schema {
        db.execute_batch(sql).expect("floor schema");
    }
    let columns: i64 = db
        .query_row(
            "SELECT count(*) FROM pragma_table_info('stories')",
            [],
            |row| row.get(0),
        )
        .expect("count the columns");
    let columns = usize::try_from(columns).expect("a column count");
    let insert = format!(
        "INSERT INTO stories VALUES ({})",
        vec!["?"; columns].join(", ")
    );
    let mut floor = StoreFloor {
        stories: 0,
        rows: Spent::default(),
        index: Spent::default(),
    };
    let mut after: i64 = 0;
    loop {
        let batch: Vec<Vec<rusqlite::types::Value>> = db
            .prepare_cached("SELECT * FROM polled.stories WHERE id > ?1 ORDER BY id LIMIT ?2")
            .and_then(|mut select| {
                select
                    .query_map([after, BATCH], |row| {
                        (0..columns).map(|column| row.get(column)).collect()
                    })?
                    .collect()
            })
            .expect("read a batch");
        // `id`, the first column, is the INTEGER PRIMARY KEY.
        let Some(&[rusqlite::types::Value::Integer(last), ..]) = batch.last().map(Vec::as_slice)
        else {
            break;
        };
        floor.rows.add(|| {
            let tx = db.unchecked_transaction().expect("begin");
            let mut statement = tx.prepare_cached(&insert).expect("prepare the insert");
            for row in &batch {
                statement
                    .execute(rusqlite::params_from_iter(row))
                    .expect("copy a row");
            }
            drop(statement);
            tx.commit().expect("commit the rows");
        });
        floor.index.add(|| {
            let tx = db.unchecked_transaction().expect("begin");
            tx.execute(
                "INSERT INTO stories_fts (rowid, title, content_text)
                 SELECT id, title, content_text FROM stories WHERE id > ?1 ORDER BY id",
                [after],
            )
            .expect("index the rows");
            tx.commit().expect("commit the index");
        });
        floor.stories += batch.len();
        after = last;
    }
    floor
}

/// The calling thread's CPU time so far.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn thread_cpu_time() -> Duration {
    let mut now = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `now` is a valid, writable timespec; the clock exists on
    // every Linux since 2.6.12.
    let status = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut now) };
    if status != 0 {
        return Duration::ZERO;
    }
    Duration::new(
        u64::try_from(now.tv_sec).unwrap_or(0),
        u32::try_from(now.tv_nsec).unwrap_or(0),
    )
}

/// Where feedloom does not link `libc` (it needs it only on Linux with
/// glibc), the process's CPU time instead: the other threads' too.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn thread_cpu_time() -> Duration {
    cpu_time()
}

/// The child process: builds the farm, prints "ADDR BYTES", serves until
/// killed.
fn serve_farm(feeds: usize, items: usize) {
    let documents = build_farm(feeds, items);
    let bytes: usize = documents.values().map(|document| document.body.len()).sum();
    let addr = start_farm(Arc::new(FarmState {
        documents: RwLock::new(documents),
        items,
        edition: AtomicUsize::new(0),
    }));
    println!("{addr} {bytes}");
    loop {
        std::thread::park();
    }
}

/// Feeds of realistic size, every story in its own words, in RSS 2.0,
/// Atom and JSON Feed by turns; every tenth item is the previous feed's
/// story lightly rewritten under another URL and guid, to exercise
/// near-duplicate clustering.
fn build_farm(feeds: usize, items: usize) -> Farm {
    (0..feeds)
        .map(|feed| (format!("/feed/{feed}.xml"), document(feed, items, 0)))
        .collect()
}

/// Feed `feed` as served; each new `edition` (see `GET /_bump`) carries
/// `items` stories never seen before.
fn document(feed: usize, items: usize, edition: usize) -> Document {
    let format = [Format::Rss, Format::Atom, Format::Json][feed % 3];
    let stories: Vec<FarmStory> = (0..items)
        .map(|item| FarmStory::new(feed, item + edition * items))
        .collect();
    let (body, content_type) = match format {
        Format::Rss => (rss(feed, &stories), "application/rss+xml"),
        Format::Atom => (atom(feed, &stories), "application/atom+xml"),
        Format::Json => (json_feed(feed, &stories), "application/feed+json"),
    };
    let etag = format!("\"{feed}-{edition}-{}\"", body.len());
    // A fixed date per feed and edition.
    let last_modified = format!(
        "Mon, {:02} Aug 2021 {:02}:{:02}:00 GMT",
        2 + edition % 27,
        feed / 60 % 24,
        feed % 60
    );
    Document {
        body: body.into_bytes(),
        content_type,
        etag,
        last_modified,
    }
}

/// One item of a farm feed.
struct FarmStory {
    title: String,
    link: String,
    guid: String,
    html: String,
}

impl FarmStory {
    fn new(feed: usize, item: usize) -> Self {
        // Every tenth item is the previous feed's story, lightly rewritten
        // (a cross-post with a changed word and a new last sentence); the
        // rest are stories of their own.
        let cross_post = item % 10 == 9 && feed > 0;
        let (source_feed, source_item) = if cross_post {
            (feed - 1, item - 1)
        } else {
            (feed, item)
        };
        let mut html = story_text(source_feed, source_item);
        if cross_post {
            html = html.replacen("</p>", " Officials confirmed the account.</p>", 1);
            html.push_str(" Our correspondent contributed to this report.");
        }
        Self {
            title: format!(
                "Story {source_feed}-{source_item}: {}",
                headline(source_feed, source_item)
            ),
            link: format!("https://farm{feed}.example/story/{item}?utm_source=rss"),
            guid: format!("farm{feed}-{item}"),
            html,
        }
    }
}

fn rss(feed: usize, stories: &[FarmStory]) -> String {
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
         <title>Farm feed {feed}</title><link>https://farm{feed}.example/</link>\
         <description>bench</description>\n"
    );
    for story in stories {
        let _ = writeln!(
            body,
            "<item><title>{}</title><link>{}</link><guid>{}</guid>\
             <pubDate>Mon, 23 Aug 2021 17:36:00 GMT</pubDate>\
             <description><![CDATA[{}]]></description></item>",
            story.title, story.link, story.guid, story.html
        );
    }
    body.push_str("</channel></rss>\n");
    body
}

fn atom(feed: usize, stories: &[FarmStory]) -> String {
    let mut body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\
         <title>Farm feed {feed}</title><link href=\"https://farm{feed}.example/\"/>\
         <id>https://farm{feed}.example/</id><updated>2021-08-23T17:36:00Z</updated>\n"
    );
    for story in stories {
        let _ = writeln!(
            body,
            "<entry><title>{}</title><link href=\"{}\"/><id>{}</id>\
             <updated>2021-08-23T17:36:00Z</updated>\
             <content type=\"html\"><![CDATA[{}]]></content></entry>",
            story.title,
            story.link.replace('&', "&amp;"),
            story.guid,
            story.html
        );
    }
    body.push_str("</feed>\n");
    body
}

fn json_feed(feed: usize, stories: &[FarmStory]) -> String {
    let items: Vec<serde_json::Value> = stories
        .iter()
        .map(|story| {
            serde_json::json!({
                "id": story.guid,
                "url": story.link,
                "title": story.title,
                "content_html": story.html,
                "date_published": "2021-08-23T17:36:00Z",
            })
        })
        .collect();
    serde_json::json!({
        "version": "https://jsonfeed.org/version/1.1",
        "title": format!("Farm feed {feed}"),
        "home_page_url": format!("https://farm{feed}.example/"),
        "items": items,
    })
    .to_string()
}

/// Words the generated stories are made of: news vocabulary, enough of it
/// that two stories share words but not sentences.
const WORDS: &[&str] = &[
    "officials",
    "region",
    "border",
    "security",
    "trade",
    "corridor",
    "talks",
    "minister",
    "ministers",
    "summit",
    "agreement",
    "statement",
    "analysts",
    "meeting",
    "diplomacy",
    "government",
    "council",
    "delegation",
    "capital",
    "province",
    "forces",
    "troops",
    "exercise",
    "drills",
    "refugees",
    "aid",
    "convoy",
    "wheat",
    "prices",
    "market",
    "bank",
    "loan",
    "pipeline",
    "gas",
    "oil",
    "railway",
    "road",
    "bridge",
    "river",
    "valley",
    "election",
    "parliament",
    "court",
    "ruling",
    "protest",
    "police",
    "report",
    "survey",
    "economy",
    "inflation",
    "currency",
    "exports",
    "imports",
    "harvest",
    "drought",
    "floods",
    "school",
    "hospital",
    "doctors",
    "teachers",
    "students",
    "workers",
    "farmers",
    "traders",
    "envoy",
    "embassy",
    "visit",
    "sanctions",
    "tariffs",
    "investment",
    "project",
    "plant",
    "mine",
    "copper",
    "gold",
    "cotton",
    "water",
    "energy",
    "power",
    "grid",
    "winter",
];

/// A deterministic xorshift stream per story.
fn stream(feed: usize, item: usize) -> impl FnMut() -> usize {
    let mut x = (feed as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (item as u64 + 1);
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        (x >> 11) as usize
    }
}

fn headline(feed: usize, item: usize) -> String {
    let mut next = stream(feed, item);
    (0..5)
        .map(|_| WORDS[next() % WORDS.len()])
        .collect::<Vec<_>>()
        .join(" ")
}

/// About 330 words in five paragraphs, like a short news story.
fn story_text(feed: usize, item: usize) -> String {
    let mut next = stream(item, feed);
    let mut text = String::new();
    for _ in 0..5 {
        text.push_str("<p>");
        for sentence in 0..6 {
            if sentence > 0 {
                text.push(' ');
            }
            let words: Vec<&str> = (0..11).map(|_| WORDS[next() % WORDS.len()]).collect();
            let mut sentence = words.join(" ");
            if let Some(first) = sentence.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            text.push_str(&sentence);
            text.push('.');
        }
        text.push_str("</p>");
    }
    text
}

/// The farm as its server shares it.
struct FarmState {
    documents: RwLock<Farm>,
    items: usize,
    edition: AtomicUsize,
}

fn start_farm(farm: Arc<FarmState>) -> std::net::SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("farm runtime");
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            let _ = tx.send(listener.local_addr().expect("addr"));
            let app = Router::new().fallback(serve).with_state(farm);
            let _ = axum::serve(listener, app).await;
        });
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("farm started")
}

/// Responses the farm sent, by kind, for `GET /_stats`: the comparison
/// script (benches/compare) reads how many feeds each tool fetched
/// conditionally.
static SENT_FULL: AtomicUsize = AtomicUsize::new(0);
static SENT_NOT_MODIFIED: AtomicUsize = AtomicUsize::new(0);

async fn serve(State(farm): State<Arc<FarmState>>, request: Request) -> Response {
    if request.uri().path() == "/_stats" {
        let stats = format!(
            "200 {}\n304 {}\n",
            SENT_FULL.load(Ordering::Relaxed),
            SENT_NOT_MODIFIED.load(Ordering::Relaxed)
        );
        return Response::new(Body::from(stats));
    }
    if request.uri().path() == "/_bump" {
        // Feed 0 publishes a new edition: its next poll stores new stories.
        let edition = farm.edition.fetch_add(1, Ordering::Relaxed) + 1;
        let next = document(0, farm.items, edition);
        farm.documents
            .write()
            .expect("farm lock")
            .insert("/feed/0.xml".to_owned(), next);
        return Response::new(Body::from(format!("edition {edition}\n")));
    }
    if let Some(delay) = farm_delay() {
        tokio::time::sleep(delay).await;
    }
    let documents = farm.documents.read().expect("farm lock");
    let Some(document) = documents.get(request.uri().path()) else {
        return Response::builder()
            .status(404)
            .body(Body::empty())
            .unwrap_or_default();
    };
    let headers = request.headers();
    // If-None-Match wins when both are sent (RFC 9110, 13.2.2).
    let not_modified = match headers.get(header::IF_NONE_MATCH) {
        Some(tag) => tag.as_bytes() == document.etag.as_bytes(),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .is_some_and(|since| since.as_bytes() == document.last_modified.as_bytes()),
    };
    let builder = Response::builder()
        .header(header::ETAG, document.etag.as_str())
        .header(header::LAST_MODIFIED, document.last_modified.as_str());
    if not_modified {
        SENT_NOT_MODIFIED.fetch_add(1, Ordering::Relaxed);
        return builder.status(304).body(Body::empty()).unwrap_or_default();
    }
    SENT_FULL.fetch_add(1, Ordering::Relaxed);
    builder
        .header(header::CONTENT_TYPE, document.content_type)
        .body(Body::from(document.body.clone()))
        .unwrap_or_default()
}

/// `FEEDLOOM_FARM_DELAY_MS`: how long the farm waits before each answer,
/// as real sites take (benches/nodes sets 200 ms, so that polling is bound
/// by the network and more nodes can help).
fn farm_delay() -> Option<Duration> {
    static DELAY: std::sync::OnceLock<Option<Duration>> = std::sync::OnceLock::new();
    *DELAY.get_or_init(|| {
        std::env::var("FEEDLOOM_FARM_DELAY_MS")
            .ok()?
            .parse()
            .ok()
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis)
    })
}

fn rss_kib() -> u64 {
    status_kib("VmRSS:")
}

fn peak_rss_kib() -> u64 {
    status_kib("VmHWM:")
}

fn status_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(field))
                .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// The bench's database: always a SQLite file, which its configuration names.
fn sqlite_path(config: &feedloom::config::Config) -> &std::path::Path {
    config
        .database
        .sqlite_path()
        .expect("the bench's configuration names a SQLite file")
}
