//! The daemon against a server of misbehaving and malicious feeds, beside
//! a well-behaved one: it keeps running, stores the good feed's stories,
//! publishes no script anywhere, and says what went wrong with each bad
//! feed (log, `feeds ls`, /metrics).

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use crate::daemon::get;
use crate::support::daemon::Daemon;
use crate::support::feedloom;

const GOOD: &str = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Good</title>\
    <link>http://example.invalid/</link><description>d</description>\
    <item><guid isPermaLink=\"false\">g-1</guid><title>Ministers meet in Dushanbe</title>\
    <description>Defence ministers met in the Tajik capital on Monday.</description></item>\
    </channel></rss>";

/// Script in every place a feed can put it.
const XSS: &str = "<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\">\
    <channel><title>&lt;script&gt;alert(1)&lt;/script&gt;Evil</title><link>javascript:alert(1)</link><description>d</description>\
    <item><guid isPermaLink=\"false\">x-1</guid><title>&lt;script&gt;alert('t')&lt;/script&gt;Hostile title</title>\
    <link>javascript:alert('link')</link>\
    <description><![CDATA[<p onclick=\"alert(2)\">Hello</p><script>alert(3)</script>\
    <a href=\"javascript:alert(4)\">x</a><a href=\"data:text/html,<script>alert(5)</script>\">y</a>\
    <svg onload=\"alert(6)\"><script>alert(7)</script></svg><img src=x onerror=\"alert(8)\">\
    <div style=\"background:url(javascript:alert(9))\">s</div><base href=\"http://evil.example/\">\
    <meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(10)\"><iframe src=\"javascript:alert(11)\"></iframe>\
    <a href=\"vbscript:msgbox(12)\">v</a><p style=\"width:expression(alert(13))\">e</p>\
    <svg><a xlink:href=\"javascript:alert(14)\"><text>t</text></a></svg><object data=\"javascript:alert(15)\"></object>\
    <form action=\"javascript:alert(16)\"><input value=\"f\"></form><style>body{background:url(javascript:alert(17))}</style>\
    <math><mtext><img src=x onerror=\"alert(18)\"></mtext></math>]]></description></item></channel></rss>";

/// A well-formed feed served with no Content-Type, or a wrong one: read by
/// its bytes.
fn untyped(n: u32) -> String {
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Untyped {n}</title>\
         <item><guid isPermaLink=\"false\">u-{n}</guid><title>Border post {n} reopens</title>\
         <description>Crossing number {n} on the Tajik-Afghan border reopened on Tuesday.</description>\
         </item></channel></rss>"
    )
}

const HTML_PAGE: &str = "<!DOCTYPE html><html><head><title>A site</title>\
    <link rel=\"alternate\" type=\"application/rss+xml\" href=\"/the-real-feed.rss\"></head>\
    <body><p>Not a feed.</p></body></html>";

/// A raw HTTP server: one thread per connection, each path misbehaving in
/// its own way. Stops (and drops its connections) with the test.
struct Hostile {
    addr: String,
    stop: Arc<AtomicBool>,
}

impl Drop for Hostile {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl Hostile {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = stop.clone();
        listener.set_nonblocking(true).unwrap();
        thread::spawn(move || {
            while !stopping.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let stop = stopping.clone();
                        thread::spawn(move || serve(stream, &stop));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(20)),
                }
            }
        });
        Self { addr, stop }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

fn serve(stream: TcpStream, stop: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let path = line.split_whitespace().nth(1).unwrap_or("/").to_owned();
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => return,
            Ok(_) if header == "\r\n" => break,
            Ok(_) => {}
        }
    }
    let mut out = stream;
    let send = |out: &mut TcpStream, status: &str, headers: &str, body: &str| {
        let _ = write!(
            out,
            "HTTP/1.1 {status}\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
    };
    // Bounded even if a client never gives up: at most this long.
    let until = Instant::now() + Duration::from_secs(60);
    match path.as_str() {
        "/good.rss" => send(
            &mut out,
            "200 OK",
            "Content-Type: application/rss+xml\r\n",
            GOOD,
        ),
        "/xss.rss" => send(&mut out, "200 OK", "Content-Type: text/html\r\n", XSS),
        "/no-type.rss" => send(&mut out, "200 OK", "", &untyped(1)),
        "/octet.rss" => send(
            &mut out,
            "200 OK",
            "Content-Type: application/octet-stream\r\n",
            &untyped(2),
        ),
        "/page.html" => send(&mut out, "200 OK", "Content-Type: text/html\r\n", HTML_PAGE),
        "/ftp" => send(
            &mut out,
            "302 Found",
            "Location: ftp://example.invalid/feed\r\n",
            "",
        ),
        "/loop" => send(&mut out, "301 Moved Permanently", "Location: /loop\r\n", ""),
        "/not-found" => send(&mut out, "404 Not Found", "", ""),
        "/error" => send(&mut out, "500 Internal Server Error", "", ""),
        "/busy" => send(
            &mut out,
            "503 Service Unavailable",
            "Retry-After: Wed, 21 Oct 2037 07:28:00 GMT\r\n",
            "",
        ),
        "/huge-headers" => {
            let _ = write!(
                out,
                "HTTP/1.1 200 OK\r\nX-Junk: {}\r\n\r\n",
                "a".repeat(2 << 20)
            );
        }
        "/trickle" => {
            let _ = write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 100000\r\n\r\n<?xml version=\"1.0\"?><rss>"
            );
            while !stop.load(Ordering::SeqCst) && Instant::now() < until {
                if out.write_all(b" ").is_err() {
                    return;
                }
                thread::sleep(Duration::from_millis(500));
            }
        }
        "/chunked-forever" => {
            let _ = write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nTransfer-Encoding: chunked\r\n\r\n"
            );
            let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, " ".repeat(64 * 1024));
            while !stop.load(Ordering::SeqCst) && Instant::now() < until {
                if out.write_all(chunk.as_bytes()).is_err() {
                    return;
                }
            }
        }
        // "/hang" and anything else: say nothing, keep the connection.
        _ => {
            while !stop.load(Ordering::SeqCst) && Instant::now() < until {
                thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// Feeds that misbehave but can be read: one story each.
const READABLE: &[&str] = &["/good.rss", "/xss.rss", "/no-type.rss", "/octet.rss"];

const BAD: &[&str] = &[
    "/page.html",
    "/ftp",
    "/loop",
    "/not-found",
    "/error",
    "/busy",
    "/huge-headers",
    "/trickle",
    "/chunked-forever",
    "/hang",
];

fn write_config(dir: &Path, server: &Hostile) -> std::path::PathBuf {
    let seeds = crate::support::repo_path("config/seeds");
    let mut text = format!(
        "database = \"feedloom.db\"\nlisten = \"127.0.0.1:0\"\nschedule = \"*/2 * * * * *\"\n\n\
         [topic]\ntitle = \"T\"\nseeds = {seeds:?}\nthreshold = 0.0\n\n\
         [fetch]\ntimeout = \"3s\"\nconnect_timeout = \"2s\"\nmax_body_size = \"1MiB\"\n\n\
         [scheduler]\njitter = \"0s\"\nbackoff_base = \"1s\"\nbackoff_max = \"2s\"\n\n"
    );
    for path in READABLE.iter().chain(BAD) {
        text.push_str(&format!("[[feeds]]\nurl = \"{}\"\n\n", server.url(path)));
    }
    let path = dir.join("feedloom.toml");
    std::fs::write(&path, text).unwrap();
    path
}

/// Whether a `feeds ls --json` row is one of the [`READABLE`] feeds.
fn readable(row: &serde_json::Value) -> bool {
    let url = row["url"].as_str().unwrap_or_default();
    READABLE.iter().any(|path| url.ends_with(path))
}

#[test]
fn hostile_feeds_are_contained_named_and_never_reach_the_output() {
    let server = Hostile::start();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &server);
    let mut daemon = Daemon::start(&config);

    // Every feed polled at least once: the good one stored, each bad one
    // with its error recorded.
    let deadline = Instant::now() + Duration::from_secs(60);
    let rows = loop {
        let output = feedloom(&config, &["feeds", "ls", "--json"]);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let rows: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout).unwrap();
        let settled = rows.iter().all(|row| {
            row["stories"].as_i64() == Some(1) && readable(row) || row["last_error"].is_string()
        });
        if settled {
            break rows;
        }
        assert!(
            Instant::now() < deadline,
            "feeds never settled: {rows:#?}\n{}",
            daemon.stderr()
        );
        thread::sleep(Duration::from_millis(250));
    };
    for row in &rows {
        let url = row["url"].as_str().unwrap();
        if readable(row) {
            assert_eq!(row["stories"].as_i64(), Some(1), "{row}");
        } else {
            let error = row["last_error"].as_str().unwrap_or_default();
            assert!(!error.is_empty(), "{url}: no error recorded");
        }
    }
    let error_of = |suffix: &str| {
        rows.iter()
            .find(|row| row["url"].as_str().unwrap().ends_with(suffix))
            .and_then(|row| row["last_error"].as_str())
            .unwrap_or_default()
            .to_owned()
    };
    // An HTML page names the feed it advertises.
    assert!(
        error_of("/page.html").contains("the-real-feed.rss"),
        "{}",
        error_of("/page.html")
    );
    assert!(
        error_of("/not-found").contains("404"),
        "{}",
        error_of("/not-found")
    );

    // Still serving, and no script anywhere it publishes.
    let mut pages = vec![
        "/feed.atom".to_owned(),
        "/feed.rss".to_owned(),
        "/feed.json".to_owned(),
        "/".to_owned(),
    ];
    let json: serde_json::Value =
        serde_json::from_str(&get(&daemon.url("/feed.json")).body).unwrap();
    for item in json["items"].as_array().unwrap() {
        let id = item["id"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        pages.push(format!("/stories/{id}"));
    }
    let mut saw_hostile = false;
    for page in &pages {
        let reply = get(&daemon.url(page));
        assert_eq!(reply.status, 200, "{page}");
        let body = reply.body.to_ascii_lowercase();
        saw_hostile |= body.contains("hostile title");
        // The page's own stylesheet, in its head, is the only one.
        assert!(
            body.matches("<style").count() <= 1 && !body.contains("url(javascript"),
            "a feed's style in {page}:\n{}",
            reply.body
        );
        for banned in [
            "<script",
            "javascript:",
            "vbscript:",
            "onerror=",
            "onclick=",
            "onload=",
            "<iframe",
            "<base",
            "http-equiv",
            "data:text/html",
            "expression(",
            "<svg",
            "<object",
            "<math",
        ] {
            assert!(
                !body.contains(banned),
                "{banned} in {page}:\n{}",
                reply.body
            );
        }
    }
    assert!(
        saw_hostile,
        "the hostile story itself is published, cleaned"
    );

    // One clear line per bad feed in the log, naming it.
    let log = daemon.stderr();
    for path in BAD {
        assert!(
            log.lines().any(|line| line.contains(&server.url(path))
                && line.contains("feed failed")
                && line.contains("retry_at=")),
            "no failure line for {path}:\n{log}"
        );
    }
    // And in the metrics.
    let metrics = get(&daemon.url("/metrics")).body;
    for outcome in ["timeout", "status", "parse", "redirects", "too_large"] {
        assert!(
            metrics.contains(&format!(
                "feedloom_fetch_outcomes_total{{outcome=\"{outcome}\"}}"
            )),
            "{outcome} not counted:\n{metrics}"
        );
    }

    let status = daemon.terminate(Duration::from_secs(15));
    assert!(status.success(), "{status:?}");
}

/// The high-water mark of a process's resident memory, in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// Peak memory of one `feedloom poll` over every hostile feed at once
/// (2 MiB of headers, an endless chunked body and a trickle cut at the
/// 1 MiB cap and the 3 s deadline, and the rest): bounded, whatever they
/// send; and the poll ends (the trickle and the silent server at the
/// deadline). Read from /proc while it runs (Linux only).
#[cfg(target_os = "linux")]
#[test]
fn a_poll_of_every_hostile_feed_stays_small() {
    /// Resident memory allowed. Measured: 49 MiB for this debug build,
    /// most of it the topic scorers' tables and SQLite's caches; the
    /// hostile bodies themselves are capped at 1 MiB each. A body read
    /// without the cap (the endless chunked one) would exceed it at once.
    const MAX_RSS_MIB: u64 = 96;
    let server = Hostile::start();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &server);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_feedloom"))
        .arg("--config")
        .arg(&config)
        .arg("poll")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let pid = child.id();
    let started = Instant::now();
    let mut peak = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    let status = loop {
        if let Some(kib) = peak_rss_kib(pid) {
            peak = peak.max(kib);
        }
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the poll did not end within 60 s"
        );
        thread::sleep(Duration::from_millis(10));
    };
    let mut summary = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut summary).unwrap();
    assert!(status.success(), "{summary}");
    let expected = format!(
        "polled {} feeds: {} fetched",
        READABLE.len() + BAD.len(),
        READABLE.len()
    );
    assert!(summary.contains(&expected), "{summary}");
    // Every hostile feed is polled at once; the slowest (trickle, hang,
    // endless chunks) end at the 3 s deadline, so the poll lasts about that.
    println!(
        "peak RSS of the poll: {peak} KiB; the poll took {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert!(peak > 0, "no memory reading");
    assert!(peak < MAX_RSS_MIB * 1024, "peak RSS {peak} KiB");
}
