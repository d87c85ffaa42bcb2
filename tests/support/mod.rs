//! Test support: a fixture HTTP server on 127.0.0.1:0 and config helpers.
//!
//! The server runs on its own thread and runtime, so it serves both async
//! tests and tests that run the `feedloom` binary as a child process.

use std::collections::HashMap;
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use sha2::{Digest, Sha256};

/// What the server answers on one path.
#[derive(Clone)]
pub enum Route {
    /// A feed with a strong ETag (hash of the body) and a Last-Modified;
    /// answers 304 to a matching If-None-Match.
    Feed {
        body: Vec<u8>,
        content_type: &'static str,
    },
    /// An empty response with this status.
    Status(u16),
    /// Sleeps, then answers like `Feed`.
    Slow { delay: Duration, body: Vec<u8> },
    /// A redirect with this status (301, 302, 307, 308) to another path
    /// of this server.
    Redirect(u16, String),
    /// This status with a `Retry-After` of this many seconds.
    RetryAfter(u16, u32),
    /// A compressed body (made by [`gzip_bomb`] or [`brotli_bomb`]), sent
    /// with this Content-Encoding.
    Compressed(&'static str, Vec<u8>),
    /// `size` spaces in 64 KiB chunks, with no Content-Length.
    Chunked { size: usize },
    /// A feed whose server sends a new ETag with every response and never
    /// answers 304.
    FreshEtag(Vec<u8>),
}

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub if_none_match: Option<String>,
    pub user_agent: Option<String>,
    pub status: u16,
    /// When the request arrived (before any delay of its route).
    pub arrived: std::time::SystemTime,
}

#[derive(Default)]
struct Shared {
    routes: Mutex<HashMap<String, Route>>,
    seen: Mutex<Vec<Seen>>,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    responses: AtomicUsize,
}

pub struct FixtureServer {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FixtureServer {
    pub fn start() -> Self {
        let shared = Arc::new(Shared::default());
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (shutdown_tx, shutdown_rx) = tokio::sync::oneshot::channel::<()>();
        let state = shared.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let app = Router::new().fallback(handle).with_state(state);
                axum::serve(listener, app)
                    .with_graceful_shutdown(async {
                        let _ = shutdown_rx.await;
                    })
                    .await
                    .unwrap();
            });
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(10)).unwrap();
        Self {
            addr,
            shared,
            shutdown: Some(shutdown_tx),
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    pub fn route(&self, path: &str, route: Route) {
        self.shared
            .routes
            .lock()
            .unwrap()
            .insert(path.to_owned(), route);
    }

    pub fn feed(&self, path: &str, body: impl Into<Vec<u8>>, content_type: &'static str) {
        self.route(
            path,
            Route::Feed {
                body: body.into(),
                content_type,
            },
        );
    }

    /// Every request so far, in arrival order.
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    pub fn clear_seen(&self) {
        self.shared.seen.lock().unwrap().clear();
    }

    pub fn max_in_flight(&self) -> usize {
        self.shared.max_in_flight.load(Ordering::SeqCst)
    }
}

impl Drop for FixtureServer {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let arrived = std::time::SystemTime::now();
    let in_flight = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    shared.max_in_flight.fetch_max(in_flight, Ordering::SeqCst);
    let path = request.uri().path().to_owned();
    let if_none_match = header_value(&request, header::IF_NONE_MATCH);
    let user_agent = header_value(&request, header::USER_AGENT);
    drop(request);
    let route = shared.routes.lock().unwrap().get(&path).cloned();
    let response = match route {
        None => status(404),
        Some(Route::Status(code)) => status(code),
        Some(Route::Feed { body, content_type }) => {
            feed_response(body, content_type, if_none_match.as_deref())
        }
        Some(Route::Slow { delay, body }) => {
            tokio::time::sleep(delay).await;
            feed_response(body, "application/rss+xml", if_none_match.as_deref())
        }
        Some(Route::Redirect(code, to)) => Response::builder()
            .status(code)
            .header(header::LOCATION, to)
            .body(Body::empty())
            .unwrap(),
        Some(Route::RetryAfter(code, seconds)) => Response::builder()
            .status(code)
            .header(header::RETRY_AFTER, seconds.to_string())
            .body(Body::empty())
            .unwrap(),
        Some(Route::Chunked { size }) => {
            let chunk = axum::body::Bytes::from(vec![b' '; 64 * 1024]);
            let chunks = (0..size.div_ceil(chunk.len()))
                .map(move |_| Ok::<_, std::io::Error>(chunk.clone()));
            Response::builder()
                .header(header::CONTENT_TYPE, "application/rss+xml")
                .body(Body::from_stream(futures_util::stream::iter(chunks)))
                .unwrap()
        }
        Some(Route::FreshEtag(body)) => {
            let n = shared.responses.fetch_add(1, Ordering::SeqCst);
            Response::builder()
                .header(header::CONTENT_TYPE, "application/rss+xml")
                .header(header::ETAG, format!("\"response-{n}\""))
                .body(Body::from(body))
                .unwrap()
        }
        Some(Route::Compressed(encoding, body)) => Response::builder()
            .header(header::CONTENT_TYPE, "application/rss+xml")
            .header(header::CONTENT_ENCODING, encoding)
            .body(Body::from(body))
            .unwrap(),
    };
    shared.seen.lock().unwrap().push(Seen {
        path,
        if_none_match,
        user_agent,
        status: response.status().as_u16(),
        arrived,
    });
    shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    response
}

fn header_value(request: &Request, name: header::HeaderName) -> Option<String> {
    request
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `inflated` spaces, gzip-compressed: small on the wire, huge unpacked.
pub fn gzip_bomb(inflated: usize) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let spaces = vec![b' '; 1 << 20];
    for _ in 0..inflated.div_ceil(spaces.len()) {
        encoder.write_all(&spaces).unwrap();
    }
    encoder.finish().unwrap()
}

/// `inflated` spaces, brotli-compressed: a few hundred bytes on the wire.
pub fn brotli_bomb(inflated: usize) -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = brotli::CompressorWriter::new(&mut out, 1 << 16, 5, 22);
        let spaces = vec![b' '; 1 << 20];
        for _ in 0..inflated.div_ceil(spaces.len()) {
            encoder.write_all(&spaces).unwrap();
        }
    }
    out
}

fn status(code: u16) -> Response {
    Response::builder()
        .status(StatusCode::from_u16(code).unwrap())
        .body(Body::empty())
        .unwrap()
}

fn feed_response(body: Vec<u8>, content_type: &str, if_none_match: Option<&str>) -> Response {
    let digest = Sha256::digest(&body);
    let etag = format!("\"{:x}\"", digest);
    let builder = Response::builder()
        .header(header::ETAG, HeaderValue::from_str(&etag).unwrap())
        .header(header::LAST_MODIFIED, "Mon, 23 Aug 2021 17:36:00 GMT");
    if if_none_match == Some(etag.as_str()) {
        return builder.status(304).body(Body::empty()).unwrap();
    }
    builder
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .unwrap()
}

/// Runs the `feedloom` binary on `config` with `args`, logging off.
pub fn feedloom(config: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_feedloom"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("FEEDLOOM_LOG")
        .env_remove("RUST_LOG")
        .env_remove("FEEDLOOM_DATABASE_URL")
        .output()
        .unwrap()
}

/// Serves the three fixture feeds (tests/fixtures/feeds): `/wire.rss`,
/// `/mirror.atom` and `/desk.json`: 7 items, 5 distinct stories.
pub fn serve_fixtures(server: &FixtureServer) {
    server.feed("/wire.rss", fixture("wire.rss"), "application/rss+xml");
    server.feed(
        "/mirror.atom",
        fixture("mirror.atom"),
        "application/atom+xml",
    );
    server.feed("/desk.json", fixture("desk.json"), "application/feed+json");
}

/// The repository's own folders.
pub fn repo_path(relative: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
}

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(repo_path("tests/fixtures/feeds").join(name)).unwrap()
}

/// Writes a config file into `dir` listing `feed_urls`, with the repo's seed
/// articles and a database inside `dir`; `extra` is appended verbatim
/// (e.g. a `[fetch]` table). The topic's threshold is 0, so every story is
/// published: these tests are about the pipeline, and the topic filter is
/// tested on its own (tests/topics.rs).
pub fn write_config(dir: &Path, feed_urls: &[String], extra: &str) -> PathBuf {
    write_config_with(dir, feed_urls, "0 */15 * * * *", extra)
}

/// [`write_config`] with another global schedule.
pub fn write_config_with(dir: &Path, feed_urls: &[String], schedule: &str, extra: &str) -> PathBuf {
    let seeds = repo_path("config/seeds");
    let mut text = format!(
        "database = \"feedloom.db\"\nlisten = \"127.0.0.1:0\"\nschedule = \"{schedule}\"\n\n\
         [topic]\ntitle = \"Test topic\"\nseeds = {seeds:?}\nthreshold = 0.0\n\n{extra}\n"
    );
    for url in feed_urls {
        text.push_str(&format!("[[feeds]]\nurl = \"{url}\"\n\n"));
    }
    let path = dir.join("feedloom.toml");
    std::fs::write(&path, text).unwrap();
    path
}

pub mod daemon;
pub mod postgres;
