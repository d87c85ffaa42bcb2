//! The fetcher's limits against a misbehaving server: every request ends,
//! within its caps, and says which limit it hit.

use std::time::Duration;

use feedloom::config::FetchLimits;
use feedloom::fetch::{Error, Fetcher, Validators};
use url::Url;

use crate::support::{FixtureServer, Route, brotli_bomb, fixture, gzip_bomb};

fn limits() -> FetchLimits {
    FetchLimits {
        timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(2),
        max_body_bytes: 64 * 1024,
        ..FetchLimits::default()
    }
}

async fn fetch(server: &FixtureServer, limits: &FetchLimits, path: &str) -> Result<(), Error> {
    let fetcher = Fetcher::new(limits).unwrap();
    let url = Url::parse(&server.url(path)).unwrap();
    fetcher
        .fetch(&url, &Validators::default())
        .await
        .map(|_| ())
}

#[tokio::test(flavor = "multi_thread")]
async fn a_body_over_the_cap_is_refused() {
    let server = FixtureServer::start();
    server.feed("/big.rss", vec![b' '; 200 * 1024], "application/rss+xml");
    let error = fetch(&server, &limits(), "/big.rss").await.unwrap_err();
    assert!(
        matches!(error, Error::TooLarge { limit: 65536 }),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_streamed_body_without_length_stops_at_the_cap() {
    let server = FixtureServer::start();
    server.route("/endless.rss", Route::Chunked { size: 8 << 20 });
    let error = fetch(&server, &limits(), "/endless.rss").await.unwrap_err();
    assert!(
        matches!(error, Error::TooLarge { limit: 65536 }),
        "{error:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn gzip_and_brotli_bombs_stop_at_the_cap_after_decompression() {
    let server = FixtureServer::start();
    // 64 MiB of spaces: 300 KiB gzipped, 100 bytes in brotli. Both are
    // under the 1 MiB cap on the wire, so only a cap on the inflated bytes
    // holds.
    let gzip = gzip_bomb(64 << 20);
    let brotli = brotli_bomb(64 << 20);
    assert!(gzip.len() < 1 << 19 && brotli.len() < 1 << 10);
    server.route("/bomb.gz.rss", Route::Compressed("gzip", gzip));
    server.route("/bomb.br.rss", Route::Compressed("br", brotli));
    // A generous timeout: this test is about the size cap, and inflating
    // in a debug build on a busy machine is slow.
    let limits = FetchLimits {
        max_body_bytes: 1 << 20,
        timeout: Duration::from_secs(60),
        ..limits()
    };
    for path in ["/bomb.gz.rss", "/bomb.br.rss"] {
        let error = fetch(&server, &limits, path).await.unwrap_err();
        assert!(matches!(error, Error::TooLarge { .. }), "{path}: {error:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_slow_server_times_out() {
    let server = FixtureServer::start();
    server.route(
        "/slow.rss",
        Route::Slow {
            delay: Duration::from_secs(30),
            body: fixture("wire.rss").into_bytes(),
        },
    );
    let limits = FetchLimits {
        timeout: Duration::from_millis(300),
        ..limits()
    };
    let error = fetch(&server, &limits, "/slow.rss").await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(error.to_string().contains("timed out"), "{error}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redirect_loop_stops_at_the_limit() {
    let server = FixtureServer::start();
    server.route("/a", Route::Redirect(302, "/b".into()));
    server.route("/b", Route::Redirect(307, "/a".into()));
    let error = fetch(&server, &limits(), "/a").await.unwrap_err();
    assert!(
        matches!(error, Error::TooManyRedirects { limit: 5 }),
        "{error:?}"
    );
    let paths: Vec<String> = server.seen().into_iter().map(|seen| seen.path).collect();
    assert_eq!(
        paths,
        ["/a", "/b", "/a", "/b", "/a", "/b"],
        "the first request and five redirects"
    );
}

/// Fetches six slow feeds from the fixture server at once and returns the
/// most requests it had in flight at any moment.
async fn max_in_flight(limits: &FetchLimits) -> usize {
    let server = FixtureServer::start();
    let body = fixture("wire.rss").into_bytes();
    let fetcher = Fetcher::new(limits).unwrap();
    let mut urls = Vec::new();
    for i in 0..6 {
        let path = format!("/f{i}");
        server.route(
            &path,
            Route::Slow {
                delay: Duration::from_millis(150),
                body: body.clone(),
            },
        );
        urls.push(Url::parse(&server.url(&path)).unwrap());
    }
    let none = Validators::default();
    let results =
        futures_util::future::join_all(urls.iter().map(|url| fetcher.fetch(url, &none))).await;
    assert!(results.iter().all(Result::is_ok));
    server.max_in_flight()
}

#[tokio::test(flavor = "multi_thread")]
async fn at_most_per_host_requests_reach_one_host_at_once() {
    assert_eq!(max_in_flight(&limits()).await, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn at_most_concurrency_requests_are_in_flight_overall() {
    let limits = FetchLimits {
        concurrency: 3,
        per_host: 6,
        ..limits()
    };
    assert_eq!(max_in_flight(&limits).await, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_refused_connection_says_so_in_one_clause() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    let fetcher = Fetcher::new(&limits()).unwrap();
    let url = Url::parse(&format!("http://{closed}/feed")).unwrap();
    let error = fetcher
        .fetch(&url, &Validators::default())
        .await
        .unwrap_err();
    let message = error.to_string();
    assert!(message.starts_with("cannot connect: "), "{message}");
    assert!(message.to_lowercase().contains("refused"), "{message}");
    assert!(!message.contains("error sending request"), "{message}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_public_only_fetch_refuses_local_addresses_before_connecting() {
    let server = FixtureServer::start();
    server.feed("/wire.rss", fixture("wire.rss"), "application/rss+xml");
    let fetcher = Fetcher::new(&limits()).unwrap();
    let url = Url::parse(&server.url("/wire.rss")).unwrap();
    let error = fetcher.fetch_public(&url).await.unwrap_err();
    assert!(matches!(error, Error::Refused(_)), "{error:?}");
    assert!(server.seen().is_empty(), "no request reached the server");
    // The ordinary fetch (configured feeds) may reach it.
    assert!(fetcher.fetch(&url, &Validators::default()).await.is_ok());
}
