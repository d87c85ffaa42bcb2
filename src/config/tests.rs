//! Tests of loading and validation: every problem a file can have, with
//! its position and message, and the final types a valid file becomes.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::error::Lines;
use super::values::{cron_detail, parse_size};
use super::*;
use crate::guard::{Allowed, Policy};

const MINIMAL: &str = "[topic]\ntitle = \"T\"\n";

fn dir() -> PathBuf {
    Path::new("/etc/feedloom").to_owned()
}

pub(super) fn ok(text: &str) -> Config {
    match from_str(text, &dir().join("feedloom.toml")) {
        Ok(config) => config,
        Err(e) => panic!("expected a valid config, got:\n{e}"),
    }
}

pub(super) fn problems(text: &str) -> Vec<Problem> {
    match from_str(text, Path::new("feedloom.toml")) {
        Ok(_) => panic!("expected problems in:\n{text}"),
        Err(Error::Invalid { problems, .. }) => problems,
        Err(e) => panic!("expected Error::Invalid, got {e:?}"),
    }
}

/// The single problem in `text`.
fn problem(text: &str) -> Problem {
    let mut all = problems(text);
    assert_eq!(all.len(), 1, "expected one problem, got {all:#?}");
    all.remove(0)
}

#[track_caller]
fn assert_at(p: &Problem, line: usize, column: usize, key: &str, contains: &str) {
    assert_eq!(
        (p.line, p.column, p.key.as_str()),
        (line, column, key),
        "{p:?}"
    );
    assert!(
        p.message.contains(contains),
        "message {:?} lacks {contains:?}",
        p.message
    );
}

#[test]
fn shipped_default_file_is_valid() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/feedloom.toml");
    let config = match load(&path) {
        Ok(config) => config,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(config.fetch, FetchLimits::default());
    let config_dir = path.parent().map(Path::to_owned).unwrap_or_default();
    assert_eq!(
        config.database,
        Database::Sqlite(config_dir.join("data/feedloom.db"))
    );
    assert!(
        config
            .database
            .sqlite_path()
            .unwrap()
            .ends_with("config/data/feedloom.db")
    );
    assert_eq!(config.topic().seeds, config_dir.join("seeds"));
    assert_eq!(config.topic().title, "Russia, Afghanistan and the SCO");
    assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
    assert_eq!(config.schedule.expression, defaults::SCHEDULE);
    assert_eq!(config.public_url.as_str(), "http://127.0.0.1:8080/");
    assert_eq!(config.log, None);
    assert_eq!(config.scheduler, SchedulerConfig::default());
    assert_eq!(config.server, ServerConfig::default());
    assert!((5..=8).contains(&config.feeds.len()));
    assert!(config.feeds.iter().all(|f| f.url.scheme() == "https"));
}

#[test]
fn defaults_apply_to_a_minimal_file() {
    let config = ok(MINIMAL);
    assert_eq!(
        config.database,
        Database::Sqlite(dir().join(defaults::DATABASE))
    );
    assert_eq!(config.topic().seeds, dir().join(defaults::SEEDS));
    assert_eq!(config.listen.to_string(), defaults::LISTEN);
    assert_eq!(config.schedule.expression, defaults::SCHEDULE);
    assert_eq!(config.fetch, FetchLimits::default());
    assert!(config.feeds.is_empty());
    assert_eq!(config.public_url.as_str(), "http://127.0.0.1:8080/");
    assert_eq!(config.log, None);
    assert_eq!(
        config.scheduler,
        SchedulerConfig {
            jitter: Duration::from_secs(30),
            backoff_base: Duration::from_secs(60),
            backoff_max: Duration::from_secs(6 * 3600),
            lease: Duration::from_secs(120),
        }
    );
    assert_eq!(
        config.server,
        ServerConfig {
            feed_items: 50,
            max_items: 500,
            ..ServerConfig::default()
        }
    );
    assert_eq!(config.server.header_read_timeout, Duration::from_secs(10));
    assert_eq!(config.server.idle_timeout, Duration::from_secs(60));
    assert_eq!(config.server.max_connections, 1024);
    // Empty tables are all defaults too.
    let config = ok(&format!(
        "{MINIMAL}[scheduler]
[server]
"
    ));
    assert_eq!(config.scheduler, SchedulerConfig::default());
    assert_eq!(config.server, ServerConfig::default());
}

#[test]
fn full_file_gets_final_types() {
    let config = ok(r#"
database = "db.sqlite"
listen = "[::1]:9000"
schedule = "0 0 * * * *"
public_url = " https://news.example.org/loom "
log = "warn,feedloom=debug"
[topic]
title = "  Topic  "
seeds = "s"
[fetch]
timeout = "1m 30s"
connect_timeout = "500ms"
max_body_size = "512KiB"
concurrency = 4
per_host = 1
max_redirects = 0
allow_private = ["RSSHub.lan.", "*.home.arpa", "10.0.0.0/8", "192.168.1.20", "[fd00::1]"]
[scheduler]
jitter = "0s"
backoff_base = "2m"
backoff_max = "1h"
[server]
feed_items = 20
max_items = 20
header_read_timeout = "5s"
idle_timeout = "1m 30s"
max_connections = 64
[[feeds]]
url = "https://a.example/feed"
[[feeds]]
url = "http://b.example/rss"
title = "B"
schedule = "0 30 * * * *"
enabled = false
"#);
    assert_eq!(config.listen.to_string(), "[::1]:9000");
    assert_eq!(config.public_url.as_str(), "https://news.example.org/loom/");
    assert_eq!(config.log.as_deref(), Some("warn,feedloom=debug"));
    assert_eq!(
        config.scheduler,
        SchedulerConfig {
            jitter: Duration::ZERO,
            backoff_base: Duration::from_secs(120),
            backoff_max: Duration::from_secs(3600),
            lease: Duration::from_secs(120),
        }
    );
    assert_eq!(
        config.server,
        ServerConfig {
            feed_items: 20,
            max_items: 20,
            header_read_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(90),
            max_connections: 64,
        }
    );
    assert_eq!(config.topic().title, "Topic");
    assert_eq!(
        config.fetch,
        FetchLimits {
            timeout: Duration::from_secs(90),
            connect_timeout: Duration::from_millis(500),
            max_body_bytes: 512 * 1024,
            concurrency: 4,
            per_host: 1,
            max_redirects: 0,
            allow_private: Policy::new(vec![
                Allowed::Name("rsshub.lan".into()),
                Allowed::Subdomains("home.arpa".into()),
                Allowed::Network("10.0.0.0/8".parse().unwrap()),
                Allowed::Network("192.168.1.20/32".parse().unwrap()),
                Allowed::Network("fd00::1/128".parse().unwrap()),
            ]),
        }
    );
    assert_eq!(config.feeds.len(), 2);
    assert!(config.feeds[0].enabled);
    assert_eq!(
        config.feeds[0].schedule_or(&config).expression,
        "0 0 * * * *"
    );
    assert_eq!(config.feeds[1].title.as_deref(), Some("B"));
    assert_eq!(
        config.feeds[1].schedule_or(&config).expression,
        "0 30 * * * *"
    );
    let enabled: Vec<_> = config.enabled_feeds().map(|f| f.url.as_str()).collect();
    assert_eq!(enabled, ["https://a.example/feed"]);
}

#[test]
fn relative_paths_resolve_against_the_config_folder() {
    let text = "database = \"x/y.db\"\n[topic]\ntitle = \"T\"\nseeds = \"../seeds\"\n";
    let config = match from_str(text, Path::new("conf/sub/feedloom.toml")) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(
        config.database.sqlite_path(),
        Some(Path::new("conf/sub/x/y.db"))
    );
    assert_eq!(config.topic().seeds, Path::new("conf/sub/../seeds"));
    // A bare file name has an empty folder: paths stay relative to it.
    let config = match from_str(text, Path::new("feedloom.toml")) {
        Ok(c) => c,
        Err(e) => panic!("{e}"),
    };
    assert_eq!(config.database.sqlite_path(), Some(Path::new("x/y.db")));
}

#[test]
fn absolute_paths_are_kept() {
    let config =
        ok("database = \"/var/lib/feedloom/db\"\n[topic]\ntitle = \"T\"\nseeds = \"/srv/seeds\"\n");
    assert_eq!(
        config.database.sqlite_path(),
        Some(Path::new("/var/lib/feedloom/db"))
    );
    assert_eq!(config.topic().seeds, Path::new("/srv/seeds"));
}

#[test]
fn unknown_top_level_key_suggests_the_closest() {
    let p = problem("databse = \"x.db\"\n[topic]\ntitle = \"T\"\n");
    assert_at(
        &p,
        1,
        1,
        "databse",
        "unknown key `databse`; did you mean `database`?",
    );
}

#[test]
fn unknown_key_in_feed_suggests_the_closest() {
    let p = problem(
        "[topic]\ntitle = \"T\"\n[[feeds]]\nurl = \"https://a.example/\"\n[[feeds]]\nurl = \"https://b.example/\"\n  titel = \"B\"\n",
    );
    assert_at(&p, 7, 3, "feeds[1].titel", "did you mean `title`?");
}

#[test]
fn unknown_key_without_a_near_match_lists_known_keys() {
    let p = problem("[topic]\ntitle = \"T\"\ncolour = \"red\"\n");
    assert_at(
        &p,
        3,
        1,
        "topic.colour",
        "known keys: slug, title, seeds, threshold, include, exclude, feeds",
    );
}

#[test]
fn wrong_type() {
    let p = problem("[topic]\ntitle = \"T\"\n[fetch]\nconcurrency = \"many\"\n");
    assert_at(&p, 4, 15, "fetch.concurrency", "expected a whole number");
    let p = problem("[topic]\ntitle = 5\n");
    assert_at(&p, 2, 9, "topic.title", "invalid type");
    let p = problem("topic = 5\n");
    assert_at(&p, 1, 9, "topic", "expected a table");
    let p = problem("[topic]\ntitle = \"T\"\n[fetch]\ntimeout = 30\n");
    assert_at(&p, 4, 11, "fetch.timeout", "duration string");
}

#[test]
fn bad_cron_names_the_format() {
    let p = problem("schedule = \"*/15 * * * *\"\n[topic]\ntitle = \"T\"\n");
    assert_at(
        &p,
        1,
        12,
        "schedule",
        "sec min hour day-of-month month day-of-week [year]",
    );
    let p = problem(
        "[topic]\ntitle = \"T\"\n[[feeds]]\nurl = \"https://a.example/\"\nschedule = \"every hour\"\n",
    );
    assert_at(
        &p,
        5,
        12,
        "feeds[0].schedule",
        "bad cron expression `every hour`",
    );
}

#[test]
fn bad_url() {
    let p = problem("[topic]\ntitle = \"T\"\n[[feeds]]\nurl = \"not a url\"\n");
    assert_at(&p, 4, 7, "feeds[0].url", "bad URL `not a url`");
}

#[test]
fn non_http_url() {
    let p = problem("[topic]\ntitle = \"T\"\n[[feeds]]\nurl = \"ftp://a.example/feed.xml\"\n");
    assert_at(&p, 4, 7, "feeds[0].url", "unsupported scheme `ftp`");
}

#[test]
fn duplicate_feed_names_both_lines() {
    let text = "[topic]\ntitle = \"T\"\n\
        [[feeds]]\nurl = \"https://News.Example:443/rss\"\n\
        [[feeds]]\nurl = \"https://other.example/rss\"\n\
        [[feeds]]\nurl = \"HTTPS://news.example/rss#latest\"\n";
    let p = problem(text);
    assert_at(&p, 8, 7, "feeds[2].url", "same URL as feeds[0] on line 4");
    // Different paths or ports are different feeds.
    ok(
        "[topic]\ntitle = \"T\"\n[[feeds]]\nurl = \"https://a.example/rss\"\n[[feeds]]\nurl = \"https://a.example:8443/rss\"\n[[feeds]]\nurl = \"https://a.example/atom\"\n",
    );
}

#[test]
fn bad_duration() {
    let p = problem("[topic]\ntitle = \"T\"\n[fetch]\ntimeout = \"30 parsecs\"\n");
    assert_at(&p, 4, 11, "fetch.timeout", "bad duration `30 parsecs`");
    let p = problem("[topic]\ntitle = \"T\"\n[fetch]\nconnect_timeout = \"0s\"\n");
    assert_at(&p, 4, 19, "fetch.connect_timeout", "longer than zero");
}

#[test]
fn bad_size() {
    let p = problem("[topic]\ntitle = \"T\"\n[fetch]\nmax_body_size = \"10MB\"\n");
    assert_at(&p, 4, 17, "fetch.max_body_size", "unknown unit `MB`");
    let p = problem("[topic]\ntitle = \"T\"\n[fetch]\nmax_body_size = -1\n");
    assert_at(&p, 4, 17, "fetch.max_body_size", "negative");
    let p = problem("[topic]\ntitle = \"T\"\n[fetch]\nmax_body_size = true\n");
    assert_at(&p, 4, 17, "fetch.max_body_size", "invalid type");
}

#[test]
fn sizes() {
    assert_eq!(parse_size("1048576"), Ok(1 << 20));
    assert_eq!(parse_size("512KiB"), Ok(512 << 10));
    assert_eq!(parse_size("10MiB"), Ok(10 << 20));
    assert_eq!(parse_size("10 MiB"), Ok(10 << 20));
    assert_eq!(parse_size("2GiB"), Ok(2 << 30));
    assert_eq!(parse_size("7B"), Ok(7));
    for bad in [
        "",
        "MiB",
        "1.5MiB",
        "10mib",
        "10 kb",
        "10  MiB",
        "-1",
        "99999999999999999999",
        "17179869184GiB",
    ] {
        assert!(parse_size(bad).is_err(), "{bad:?} was accepted");
    }
    assert_eq!(
        ok(&format!("{MINIMAL}[fetch]\nmax_body_size = 4096\n"))
            .fetch
            .max_body_bytes,
        4096
    );
}

#[test]
fn zero_limits_empty_titles_and_bad_listen() {
    let p = problem("[topic]\ntitle = \"T\"\n[fetch]\nconcurrency = 0\n");
    assert_at(&p, 4, 15, "fetch.concurrency", "at least 1");
    let p = problem("[topic]\ntitle = \"T\"\n[fetch]\nper_host = 0\n");
    assert_at(&p, 4, 12, "fetch.per_host", "at least 1");
    let p = problem("[topic]\ntitle = \"  \"\n");
    assert_at(&p, 2, 9, "topic.title", "empty title");
    let p =
        problem("[topic]\ntitle = \"T\"\n[[feeds]]\nurl = \"https://a.example/\"\ntitle = \"\"\n");
    assert_at(&p, 5, 9, "feeds[0].title", "empty title");
    let p = problem("listen = \"localhost:8080\"\n[topic]\ntitle = \"T\"\n");
    assert_at(&p, 1, 10, "listen", "not an address");
}

#[test]
fn missing_required_keys() {
    let p = problem("database = \"x.db\"\n");
    assert_at(&p, 1, 1, "topic", "missing [topic]");
    let p = problem("[topic]\nseeds = \"s\"\n");
    assert_at(&p, 1, 1, "topic.title", "missing key `title`");
    let p = problem("[topic]\ntitle = \"T\"\n[[feeds]]\ntitle = \"no url\"\n");
    assert_at(&p, 3, 1, "feeds[0].url", "missing key `url`");
}

#[test]
fn syntax_error_is_one_problem() {
    let p = problem("[topic]\ntitle = \"T\"\nlisten = 127.0.0.1:8080\n");
    assert_eq!((p.line, p.key.as_str()), (3, "syntax"), "{p:?}");
    assert!(p.column > 1, "{p:?}");
}

#[test]
fn all_problems_are_reported_in_file_order() {
    let text = r#"databse = "x.db"
schedule = "every minute"
[topic]
title = ""
[fetch]
timout = "5s"
concurrency = 0
max_body_size = "lots"
[[feeds]]
url = "ftp://a.example/"
[[feeds]]
url = "https://b.example/"
enabled = "yes"
[[feeds]]
url = "https://B.example/"
"#;
    let all = problems(text);
    let got: Vec<(usize, String)> = all.iter().map(|p| (p.line, p.key.clone())).collect();
    let want = [
        (1, "databse"),
        (2, "schedule"),
        (4, "topic.title"),
        (6, "fetch.timout"),
        (7, "fetch.concurrency"),
        (8, "fetch.max_body_size"),
        (10, "feeds[0].url"),
        (13, "feeds[1].enabled"),
        (15, "feeds[2].url"),
    ];
    let want: Vec<(usize, String)> = want.iter().map(|(l, k)| (*l, (*k).to_owned())).collect();
    assert_eq!(got, want, "{all:#?}");
}

#[test]
fn display_prints_one_line_per_problem() {
    let path = Path::new("conf/feedloom.toml");
    let err = match from_str("databse = 1\n[topic]\ntitle = \"\"\n", path) {
        Err(e) => e,
        Ok(_) => panic!("expected problems"),
    };
    let text = err.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].starts_with("conf/feedloom.toml:1:1: databse: unknown key"),
        "{text}"
    );
    assert!(
        lines[1].starts_with("conf/feedloom.toml:3:9: topic.title: empty title"),
        "{text}"
    );
}

#[test]
fn read_error_names_the_path() {
    let err = match load(Path::new("/nonexistent/feedloom.toml")) {
        Err(e) => e,
        Ok(_) => panic!("expected a read error"),
    };
    assert!(matches!(err, Error::Read { .. }));
    assert_eq!(
        err.to_string(),
        "cannot read config file /nonexistent/feedloom.toml"
    );
}

#[test]
fn columns_count_characters() {
    // "é" is two bytes; the column is still the 12th character.
    let p = problem("[topic]\ntitle = \"é\"; x\n");
    assert_eq!(p.line, 2);
    let lines = Lines::new("ab\néé = 1\n");
    assert_eq!(lines.position(0), (1, 1));
    assert_eq!(lines.position(3), (2, 1));
    assert_eq!(lines.position(8), (2, 4));
    assert_eq!(lines.position(1000), (3, 1));
}

#[test]
fn closest_key() {
    assert_eq!(
        raw::closest("timout", &["timeout", "per_host"]),
        Some("timeout")
    );
    assert_eq!(raw::closest("URL", &["url", "title"]), Some("url"));
    assert_eq!(raw::closest("colour", &["title", "seeds"]), None);
}

#[test]
fn edit_distances() {
    assert_eq!(raw::edit_distance("titel", "title"), 1);
    assert_eq!(raw::edit_distance("", "abc"), 3);
    assert_eq!(raw::edit_distance("kitten", "sitting"), 3);
}

#[test]
fn five_field_cron_says_the_seconds_field_is_missing() {
    let p = problem("schedule = \"*/15 * * * *\"\n[topic]\ntitle = \"T\"\n");
    assert!(p.message.contains("seconds field is missing"), "{p:?}");
}

#[test]
fn wrong_containers_are_reported_once_at_the_container() {
    let p = problem("[topic]\ntitle = \"T\"\n[[database]]\nx = 1\ny = 2\n");
    assert_at(&p, 3, 1, "database", "expected a string");
    let p = problem(
        "[topic]\ntitle = \"T\"\n[[feeds]]\nurl = \"https://a.example/\"\n[feeds.extra]\ny = 1\nz = 2\n",
    );
    assert_at(&p, 5, 8, "feeds[0].extra", "unknown key `extra`");
}

#[test]
fn a_mistyped_required_key_is_not_also_missing() {
    let p = problem("[topic]\ntitle = \"T\"\n[[feeds]]\nurl = 5\n");
    assert_at(&p, 4, 7, "feeds[0].url", "expected a string");
}

#[test]
fn cron_detail_drops_the_echo() {
    assert_eq!(
        cron_detail("0 99 * * * *\n  ^\nMinutes too big."),
        "Minutes too big"
    );
    assert_eq!(cron_detail("plain  message"), "plain message");
}

#[test]
fn public_url_ends_in_a_slash_so_links_join_below_it() {
    for (written, want) in [
        (
            "https://news.example.org/loom",
            "https://news.example.org/loom/",
        ),
        (
            "https://news.example.org/loom/",
            "https://news.example.org/loom/",
        ),
        ("http://News.Example.org", "http://news.example.org/"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/"),
    ] {
        let config = ok(&format!("public_url = \"{written}\"\n{MINIMAL}"));
        assert_eq!(config.public_url.as_str(), want, "{written}");
    }
    let config = ok(&format!(
        "public_url = \"https://a.example/loom\"\n{MINIMAL}"
    ));
    assert_eq!(
        config.public_url.join("feed.xml").map(String::from),
        Ok("https://a.example/loom/feed.xml".to_owned())
    );
}

#[test]
fn public_url_defaults_to_the_listen_address() {
    for (listen, want) in [
        ("127.0.0.1:8080", "http://127.0.0.1:8080/"),
        ("127.0.0.1:0", "http://127.0.0.1:0/"),
        ("[::1]:9000", "http://[::1]:9000/"),
        ("192.0.2.7:80", "http://192.0.2.7/"),
        // Unspecified addresses are not fetchable: localhost, same port.
        ("0.0.0.0:8080", "http://localhost:8080/"),
        ("[::]:9000", "http://localhost:9000/"),
    ] {
        let config = ok(&format!("listen = \"{listen}\"\n{MINIMAL}"));
        assert_eq!(config.public_url.as_str(), want, "{listen}");
    }
    // A key written wins over the listen address.
    let config = ok(&format!(
        "listen = \"0.0.0.0:8080\"\npublic_url = \"https://a.example/\"\n{MINIMAL}"
    ));
    assert_eq!(config.public_url.as_str(), "https://a.example/");
    // A bad listen address is one problem, not also a public_url one.
    let p = problem(&format!("listen = \"nowhere\"\n{MINIMAL}"));
    assert_at(&p, 1, 10, "listen", "not an address");
}

#[test]
fn bad_public_url() {
    // Top-level keys go before MINIMAL, which opens `[topic]`.
    let at = |value: &str| problem(&format!("public_url = \"{value}\"\n{MINIMAL}"));
    assert_at(&at("news.example.org/loom"), 1, 14, "public_url", "bad URL");
    assert_at(
        &at("ftp://a.example/"),
        1,
        14,
        "public_url",
        "unsupported scheme `ftp`",
    );
    assert_at(
        &at("https://a.example/?x=1"),
        1,
        14,
        "public_url",
        "has a query",
    );
    assert_at(
        &at("https://a.example/?"),
        1,
        14,
        "public_url",
        "has a query",
    );
    assert_at(
        &at("https://a.example/#top"),
        1,
        14,
        "public_url",
        "has a fragment",
    );
    assert_at(
        &at("https://u:p@a.example/"),
        1,
        14,
        "public_url",
        "credentials",
    );
    let p = problem("public_url = 5\n[topic]\ntitle = \"T\"\n");
    assert_at(&p, 1, 14, "public_url", "invalid type");
}

#[test]
fn log_filter() {
    let log = |value: &str| ok(&format!("log = \"{value}\"\n{MINIMAL}")).log;
    assert_eq!(log("info").as_deref(), Some("info"));
    assert_eq!(log(" DEBUG ").as_deref(), Some("DEBUG"));
    assert_eq!(
        log("warn,feedloom::fetch=trace").as_deref(),
        Some("warn,feedloom::fetch=trace")
    );
    // A bare target name is a valid directive.
    assert_eq!(log("feedloom").as_deref(), Some("feedloom"));
    let at = |value: &str| problem(&format!("log = \"{value}\"\n{MINIMAL}"));
    assert_at(
        &at("feedloom=loud"),
        1,
        7,
        "log",
        "bad log filter `feedloom=loud`",
    );
    assert_at(&at("inof"), 1, 7, "log", "did you mean `info`?");
    assert_at(
        &at("warn,debg"),
        1,
        7,
        "log",
        "`debg` in `warn,debg` is not a level",
    );
    assert_at(&at(" "), 1, 7, "log", "empty filter");
    let p = problem("log = true\n[topic]\ntitle = \"T\"\n");
    assert_at(&p, 1, 7, "log", "invalid type");
}

#[test]
fn bad_scheduler() {
    let at = |body: &str| problem(&format!("{MINIMAL}[scheduler]\n{body}\n"));
    assert_at(
        &at("jitter = \"soon\""),
        4,
        10,
        "scheduler.jitter",
        "bad duration `soon`",
    );
    assert_at(
        &at("backoff_base = \"0s\""),
        4,
        16,
        "scheduler.backoff_base",
        "longer than zero",
    );
    assert_at(
        &at("backoff_max = 60"),
        4,
        15,
        "scheduler.backoff_max",
        "duration string",
    );
    assert_at(
        &at("backoff_base = \"1h\"\nbackoff_max = \"30m\""),
        5,
        15,
        "scheduler.backoff_max",
        "backoff_max (30m) is shorter than backoff_base (1h)",
    );
    // Only the base written: it conflicts with the default maximum (6h).
    assert_at(
        &at("backoff_base = \"12h\""),
        4,
        16,
        "scheduler.backoff_base",
        "shorter than backoff_base (12h)",
    );
    assert_at(
        &at("jiter = \"1s\""),
        4,
        1,
        "scheduler.jiter",
        "did you mean `jitter`?",
    );
    let p = problem(&format!("scheduler = \"fast\"\n{MINIMAL}"));
    assert_at(&p, 1, 13, "scheduler", "expected a table");
    // Equal bounds are fine: a constant retry delay.
    let config = ok(&format!(
        "{MINIMAL}[scheduler]\nbackoff_base = \"5m\"\nbackoff_max = \"5m\"\n"
    ));
    assert_eq!(config.scheduler.backoff_max, Duration::from_secs(300));
}

#[test]
fn bad_server() {
    let at = |body: &str| problem(&format!("{MINIMAL}[server]\n{body}\n"));
    assert_at(
        &at("feed_items = 0"),
        4,
        14,
        "server.feed_items",
        "at least 1",
    );
    assert_at(
        &at("max_items = -5"),
        4,
        13,
        "server.max_items",
        "at least 1",
    );
    assert_at(
        &at("max_items = \"all\""),
        4,
        13,
        "server.max_items",
        "expected a whole number",
    );
    assert_at(
        &at("feed_items = 100\nmax_items = 10"),
        4,
        14,
        "server.feed_items",
        "feed_items (100) is more than max_items (10)",
    );
    // One side written: it is the one that conflicts with the default.
    assert_at(
        &at("feed_items = 600"),
        4,
        14,
        "server.feed_items",
        "feed_items (600) is more than max_items (500)",
    );
    assert_at(
        &at("max_items = 10"),
        4,
        13,
        "server.max_items",
        "feed_items (50) is more than max_items (10)",
    );
}

#[test]
fn bad_connection_limits_are_named_with_their_place() {
    let at = |body: &str| problem(&format!("{MINIMAL}[server]\n{body}\n"));
    assert_at(
        &at("header_read_timeout = \"0s\""),
        4,
        23,
        "server.header_read_timeout",
        "longer than zero",
    );
    assert_at(
        &at("idle_timeout = \"soon\""),
        4,
        16,
        "server.idle_timeout",
        "bad duration `soon`",
    );
    assert_at(
        &at("idle_timeout = 60"),
        4,
        16,
        "server.idle_timeout",
        "duration string",
    );
    assert_at(
        &at("max_connections = 0"),
        4,
        19,
        "server.max_connections",
        "at least 1",
    );
    assert_at(
        &at("max_connections = 2000000"),
        4,
        19,
        "server.max_connections",
        "at most 1000000",
    );
    assert_at(
        &at("max_conections = 10"),
        4,
        1,
        "server.max_conections",
        "max_connections",
    );
    // Every problem of the table at once, the item counts' conflict too.
    let all = problems(&format!(
        "{MINIMAL}[server]\nfeed_items = 600\nmax_connections = -1\n"
    ));
    let keys: Vec<&str> = all.iter().map(|p| p.key.as_str()).collect();
    assert_eq!(
        keys,
        ["server.feed_items", "server.max_connections"],
        "{all:#?}"
    );
}

#[test]
fn new_keys_report_every_problem_in_file_order() {
    let text = r#"public_url = "ftp://a.example/"
log = "foo=bar"
[topic]
title = "T"
[scheduler]
jitter = "x"
backoff_max = "0s"
[server]
feed_items = 0
max_items = 0
"#;
    let all = problems(text);
    let got: Vec<(usize, String)> = all.iter().map(|p| (p.line, p.key.clone())).collect();
    let want = [
        (1, "public_url"),
        (2, "log"),
        (6, "scheduler.jitter"),
        (7, "scheduler.backoff_max"),
        (9, "server.feed_items"),
        (10, "server.max_items"),
    ];
    let want: Vec<(usize, String)> = want.iter().map(|(l, k)| (*l, (*k).to_owned())).collect();
    assert_eq!(got, want, "{all:#?}");
}

#[test]
fn retention_defaults_zero_means_forever_and_bad_values_are_named() {
    assert_eq!(
        ok(MINIMAL).retention,
        Retention {
            on_topic_days: None,
            off_topic_days: Some(30)
        }
    );
    let config = ok(&format!(
        "{MINIMAL}[retention]\non_topic_days = 365\noff_topic_days = 0\n"
    ));
    assert_eq!(
        config.retention,
        Retention {
            on_topic_days: Some(365),
            off_topic_days: None
        }
    );
    let p = problem(&format!("{MINIMAL}[retention]\noff_topic_days = -3\n"));
    assert_at(
        &p,
        4,
        18,
        "retention.off_topic_days",
        "0 to keep stories forever",
    );
    let p = problem(&format!("{MINIMAL}[retention]\nkeep = 3\n"));
    assert_at(
        &p,
        4,
        1,
        "retention.keep",
        "known keys: on_topic_days, off_topic_days",
    );
}

#[test]
fn allow_private_entries_are_checked_one_by_one() {
    let text = format!(
        "{MINIMAL}[fetch]\nallow_private = [\n  \"rsshub.lan\",\n  \"http://nas.lan/feed\",\n  \"10.0.0.0/33\",\n  \"nas.lan:8080\",\n  \"\",\n]\n"
    );
    let all = problems(&text);
    let found: Vec<(usize, &str)> = all.iter().map(|p| (p.line, p.key.as_str())).collect();
    assert_eq!(
        found,
        [
            (6, "fetch.allow_private[1]"),
            (7, "fetch.allow_private[2]"),
            (8, "fetch.allow_private[3]"),
            (9, "fetch.allow_private[4]"),
        ],
        "{all:#?}"
    );
    assert!(all[0].message.contains("write its host alone"), "{all:#?}");
    assert!(
        all[1].message.contains("prefix length from 0 to 32"),
        "{all:#?}"
    );
    assert!(all[2].message.contains("ports and paths"), "{all:#?}");
    assert!(all[3].message.contains("empty entry"), "{all:#?}");
    let wrong_type = problem(&format!(
        "{MINIMAL}[fetch]\nallow_private = \"rsshub.lan\"\n"
    ));
    assert_eq!(wrong_type.key, "fetch.allow_private", "{wrong_type:?}");
}
