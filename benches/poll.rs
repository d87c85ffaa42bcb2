//! Poll benchmark against a local feed farm: N feeds × M items served from
//! 127.0.0.1, polled cold (empty database) and warm (every feed answers 304).
//!
//! `cargo bench --bench poll` (defaults: 1000 feeds × 50 items, about 130 MB
//! of RSS), or `cargo bench --bench poll -- FEEDS ITEMS`. The farm runs in
//! this process on its own runtime; its memory is included in the peak RSS
//! printed at the end, so that figure is an upper bound for feedloom itself.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header;
use axum::response::Response;
use feedloom::config;
use feedloom::fetch::Fetcher;
use feedloom::poll::{self, SharedStore};
use feedloom::store::{Store, StoryQuery};

/// One farm document: body and its ETag.
type Farm = HashMap<String, (Vec<u8>, String)>;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let feeds = args.first().copied().unwrap_or(1000);
    let items = args.get(1).copied().unwrap_or(50);

    let farm = Arc::new(build_farm(feeds, items));
    let bytes: usize = farm.values().map(|(body, _)| body.len()).sum();
    let addr = start_farm(farm.clone());

    let dir = tempfile::tempdir().expect("temp dir");
    let mut text = format!(
        "database = \"bench.db\"\n[topic]\ntitle = \"bench\"\nseeds = {:?}\n[fetch]\nconcurrency = 64\nper_host = 64\n",
        dir.path().join("no-seeds")
    );
    for path in farm.keys() {
        let _ = write!(text, "[[feeds]]\nurl = \"http://{addr}{path}\"\n");
    }
    std::fs::create_dir_all(dir.path().join("no-seeds")).expect("seeds dir");
    let config_path = dir.path().join("feedloom.toml");
    std::fs::write(&config_path, text).expect("write config");
    let config = config::load(&config_path).expect("bench config is valid");
    let store: SharedStore = Arc::new(Mutex::new(Store::open(&config.database).expect("open db")));
    let fetcher = Fetcher::new(&config.fetch).expect("fetcher");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");

    println!(
        "farm: {feeds} feeds × {items} items, {:.1} MB of RSS on http://{addr}",
        bytes as f64 / 1e6
    );
    for pass in ["cold", "warm"] {
        let start = Instant::now();
        let summary = runtime
            .block_on(poll::poll_all(&config, &store, &fetcher, |_, _| {}))
            .expect("poll");
        let elapsed = start.elapsed();
        println!(
            "{pass}: {:>7.2} s  fetched {} unchanged {} failed {}  new {} merged {}",
            elapsed.as_secs_f64(),
            summary.fetched,
            summary.unchanged,
            summary.failed.len(),
            summary.stories.new_stories,
            summary.stories.merged,
        );
    }
    let entries = poll::lock(&store)
        .stories(&StoryQuery::all(None))
        .map(|stories| stories.len())
        .unwrap_or_default();
    println!("entries (one per near-duplicate cluster): {entries}");
    println!("peak RSS (feedloom + farm): {} MB", peak_rss_kib() / 1024);
}

/// Feeds of realistic size, every story in its own words; every tenth item
/// is the previous feed's story lightly rewritten under another URL and
/// guid, to exercise near-duplicate clustering.
fn build_farm(feeds: usize, items: usize) -> Farm {
    let mut farm = Farm::new();
    for feed in 0..feeds {
        let mut body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
             <title>Farm feed {feed}</title><link>https://farm{feed}.example/</link>\
             <description>bench</description>\n"
        );
        for item in 0..items {
            // Every tenth item is the previous feed's story, lightly
            // rewritten (a cross-post with a changed word and a new last
            // sentence); the rest are stories of their own.
            let cross_post = item % 10 == 9 && feed > 0;
            let (source_feed, source_item) = if cross_post {
                (feed - 1, item - 1)
            } else {
                (feed, item)
            };
            let mut text = story_text(source_feed, source_item);
            if cross_post {
                text = text.replacen("</p>", " Officials confirmed the account.</p>", 1);
                text.push_str(" Our correspondent contributed to this report.");
            }
            let _ = writeln!(
                body,
                "<item><title>Story {source_feed}-{source_item}: {}</title>\
                 <link>https://farm{feed}.example/story/{item}?utm_source=rss</link>\
                 <guid>farm{feed}-{item}</guid><pubDate>Mon, 23 Aug 2021 17:36:00 GMT</pubDate>\
                 <description><![CDATA[{text}]]></description></item>",
                headline(source_feed, source_item)
            );
        }
        body.push_str("</channel></rss>\n");
        let etag = format!("\"{feed}-{}\"", body.len());
        farm.insert(format!("/feed/{feed}.xml"), (body.into_bytes(), etag));
    }
    farm
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

fn start_farm(farm: Arc<Farm>) -> std::net::SocketAddr {
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

async fn serve(State(farm): State<Arc<Farm>>, request: Request) -> Response {
    let Some((body, etag)) = farm.get(request.uri().path()) else {
        return Response::builder()
            .status(404)
            .body(Body::empty())
            .unwrap_or_default();
    };
    let not_modified = request
        .headers()
        .get(header::IF_NONE_MATCH)
        .is_some_and(|value| value.as_bytes() == etag.as_bytes());
    let builder = Response::builder().header(header::ETAG, etag.as_str());
    if not_modified {
        return builder.status(304).body(Body::empty()).unwrap_or_default();
    }
    builder
        .header(header::CONTENT_TYPE, "application/rss+xml")
        .body(Body::from(body.clone()))
        .unwrap_or_default()
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| line.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
