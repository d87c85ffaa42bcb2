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
use feedloom::store::Store;

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
    println!("peak RSS (feedloom + farm): {} MB", peak_rss_kib() / 1024);
}

/// Feeds of realistic size; every tenth item is a cross-post of an original
/// item of the previous feed under another URL and guid, to exercise dedup.
fn build_farm(feeds: usize, items: usize) -> Farm {
    let paragraph = "Officials in the region met on Monday to discuss border security, trade \
        corridors and the humanitarian situation, according to statements released after the \
        talks. Analysts said the meeting reflected a broader shift in regional diplomacy. ";
    let mut farm = Farm::new();
    for feed in 0..feeds {
        let mut body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
             <title>Farm feed {feed}</title><link>https://farm{feed}.example/</link>\
             <description>bench</description>\n"
        );
        for item in 0..items {
            let (source_feed, source_item) = if item % 10 == 9 && feed > 0 {
                (feed - 1, item - 1)
            } else {
                (feed, item)
            };
            let _ = writeln!(
                body,
                "<item><title>Story {source_feed}-{source_item}: talks on regional security</title>\
                 <link>https://farm{feed}.example/story/{item}?utm_source=rss</link>\
                 <guid>farm{feed}-{item}</guid><pubDate>Mon, 23 Aug 2021 17:36:00 GMT</pubDate>\
                 <description><![CDATA[<p>Story {source_feed}-{source_item}.</p><p>{}</p>]]></description></item>",
                paragraph.repeat(10)
            );
        }
        body.push_str("</channel></rss>\n");
        let etag = format!("\"{feed}-{}\"", body.len());
        farm.insert(format!("/feed/{feed}.xml"), (body.into_bytes(), etag));
    }
    farm
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
