//! Search end to end: `feedloom search` after a poll of the fixture feeds,
//! and `GET /search` on a running daemon.

use std::process::Output;
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use crate::support::daemon::Daemon;
use crate::support::{FixtureServer, feedloom, serve_fixtures, write_config, write_config_with};

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn search_command_finds_polled_stories_and_marks_the_matches() {
    let server = FixtureServer::start();
    serve_fixtures(&server);
    let dir = tempfile::tempdir().unwrap();
    let urls = ["/wire.rss", "/mirror.atom", "/desk.json"].map(|p| server.url(p));
    let config = write_config(dir.path(), &urls, "");

    // No database yet: said so, nothing created.
    let early = feedloom(&config, &["search", "dushanbe"]);
    assert_eq!(early.status.code(), Some(1));
    assert!(
        stderr(&early).contains("run `feedloom poll` first"),
        "{}",
        stderr(&early)
    );

    let poll = feedloom(&config, &["poll"]);
    assert!(poll.status.success(), "{}", stderr(&poll));

    let found = feedloom(&config, &["search", "fortify"]);
    let text = stdout(&found);
    assert!(found.status.success(), "{}", stderr(&found));
    // Stemmed: "fortify" finds "fortifies" and "fortify".
    assert!(
        text.contains("Tajikistan [fortifies] its Afghan border"),
        "{text}"
    );
    assert!(
        text.contains("began a programme to [fortify] sections"),
        "{text}"
    );
    assert!(text.contains("2021-08-24"), "{text}");
    // A seed whose file names no date is undated here as in every feed.
    let seed = stdout(&feedloom(&config, &["search", "Jinping", "Discussed"]));
    assert!(
        seed.lines().any(|line| line.contains("  undated  ")),
        "{seed}"
    );
    assert!(text.contains("from Asia Desk"), "{text}");
    assert!(text.contains("topic (main)"), "scored by the poll: {text}");
    let uid = text
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap();
    assert_eq!(uid.len(), 32, "{text}");

    // A phrase across feeds, and several words given as several arguments.
    let phrase = feedloom(&config, &["search", "\"summit opens\"", "DUSHANBÉ"]);
    let text = stdout(&phrase);
    assert!(text.contains("SCO [summit opens] in [Dushanbe]"), "{text}");
    assert!(text.contains("Steppe Wire"), "{text}");

    let limited = feedloom(&config, &["search", "afghanistan", "--limit", "1"]);
    let text = stdout(&limited);
    assert!(limited.status.success());
    assert!(
        text.contains("more stories match: raise --limit (now 1)"),
        "{text}"
    );

    for query in ["zzyzx", "\"unbalanced", "NEAR(", "*", "AND OR", "col:term"] {
        let output = feedloom(&config, &["search", query]);
        assert!(output.status.success(), "{query}: {}", stderr(&output));
        // Operators are words: "near" and "and" are in the stories.
        if ["zzyzx", "*"].contains(&query) {
            assert_eq!(stdout(&output), "no stories match\n", "{query}");
        }
    }

    let unknown = feedloom(&config, &["search", "kabul", "--topic", "nope"]);
    assert_eq!(unknown.status.code(), Some(1));
    assert!(stderr(&unknown).contains("no topic has the slug `nope`; the topics are: main"));
}

static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap()
});

struct Reply {
    status: u16,
    cache_control: String,
    content_type: String,
    nosniff: bool,
    body: String,
}

fn request(method: &str, url: &str) -> Reply {
    let _ = rustls::crypto::ring::default_provider().install_default();
    RUNTIME.block_on(async {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        let response = client
            .request(method.parse().unwrap(), url)
            .send()
            .await
            .unwrap();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let (cache_control, content_type) = (header("cache-control"), header("content-type"));
        let nosniff = header("x-content-type-options") == "nosniff";
        Reply {
            status: response.status().as_u16(),
            cache_control,
            content_type,
            nosniff,
            body: response.text().await.unwrap(),
        }
    })
}

fn get(url: &str) -> Reply {
    request("GET", url)
}

#[test]
fn search_page_highlights_matches_and_escapes_the_query() {
    let server = FixtureServer::start();
    serve_fixtures(&server);
    let dir = tempfile::tempdir().unwrap();
    let urls = ["/wire.rss", "/mirror.atom", "/desk.json"].map(|p| server.url(p));
    let config = write_config_with(
        dir.path(),
        &urls,
        "* * * * * *",
        "[scheduler]\njitter = \"0s\"\n",
    );
    let daemon = Daemon::start(&config);

    // Wait (at most 30 s) for the first poll's stories: a seed matches
    // too, and may be stored first.
    let deadline = Instant::now() + Duration::from_secs(30);
    let page = loop {
        let reply = get(&daemon.url("/search?q=fortify"));
        assert_eq!(reply.status, 200, "{}", reply.body);
        if reply.body.contains("<mark>fortifies</mark>") {
            break reply;
        }
        assert!(
            Instant::now() < deadline,
            "no hit within 30 s\n{}",
            daemon.stderr()
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        page.content_type.starts_with("text/html"),
        "{}",
        page.content_type
    );
    assert!(!page.cache_control.is_empty());
    assert!(
        page.body
            .contains("Tajikistan <mark>fortifies</mark> its Afghan border"),
        "{}",
        page.body
    );
    assert!(page.body.contains("/stories/"), "links the story page");
    assert!(
        page.body
            .contains("href=\"https://desk.example/2021/08/tajik-border\""),
        "links the original"
    );
    assert!(page.body.contains("topic</span>"), "a badge: {}", page.body);
    assert!(
        page.body.contains("value=\"fortify\""),
        "the form keeps the query"
    );

    // A query full of markup comes back as text.
    let hostile =
        get(&daemon.url("/search?q=%3Cscript%3Ealert(1)%3C%2Fscript%3E%22%3E%3Cimg%20src%3Dx%3E"));
    assert_eq!(hostile.status, 200);
    assert!(!hostile.body.contains("<script>alert"), "{}", hostile.body);
    assert!(!hostile.body.contains("<img src=x>"));
    assert!(
        hostile
            .body
            .contains("&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x&gt;")
    );

    // Bounded: too long, too deep, unknown topic.
    let long = get(&daemon.url(&format!("/search?q={}", "a".repeat(201))));
    assert_eq!(long.status, 400);
    assert!(long.body.contains("too long"), "{}", long.body);
    let deep = get(&daemon.url("/search?q=kabul&page=51"));
    assert_eq!(deep.status, 400);
    assert!(deep.body.contains("page must be"), "{}", deep.body);
    assert_eq!(get(&daemon.url("/search?q=kabul&topic=nope")).status, 400);

    // An unknown topic is repeated in a plain-text 400: never sniffed as
    // HTML. Nor is any other plain-text answer, axum's own included.
    let reflected = get(&daemon.url("/search?q=kabul&topic=%3Cscript%3Ealert(1)%3C%2Fscript%3E"));
    assert_eq!(reflected.status, 400);
    assert!(reflected.content_type.starts_with("text/plain"));
    assert!(reflected.nosniff, "400 without nosniff: {}", reflected.body);
    for (method, path) in [
        ("GET", "/healthz"),
        ("GET", "/metrics"),
        ("GET", "/nowhere"),
        ("POST", "/search?q=kabul"),
        ("GET", "/search?q=kabul&page=x"),
    ] {
        let reply = request(method, &daemon.url(path));
        assert!(
            reply.nosniff,
            "{method} {path}: {} without nosniff",
            reply.status
        );
    }

    // The empty form, HEAD, and the river's form.
    let empty = get(&daemon.url("/search"));
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("<form class=\"search\""));
    assert_eq!(request("HEAD", &daemon.url("/search?q=kabul")).status, 200);
    assert!(
        get(&daemon.url("/"))
            .body
            .contains("<form class=\"search\"")
    );
}
