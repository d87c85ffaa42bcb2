//! Log lines as a log shipper and the journal read them: JSON objects,
//! priority prefixes under systemd, the format chosen by the configuration
//! or `FEEDLOOM_LOG_FORMAT`.

use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::support::{FixtureServer, feedloom, serve_fixtures, write_config};

/// `feedloom poll` on `config` at level info, with `env`, its stderr into
/// the file `stderr` (so that a test can name it in `JOURNAL_STREAM`).
fn poll_logging(config: &Path, stderr: &Path, env: &[(&str, String)]) -> (Output, String) {
    let file = std::fs::File::create(stderr).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_feedloom"));
    command
        .arg("--config")
        .arg(config)
        .arg("poll")
        .env_remove("RUST_LOG")
        .env_remove("FEEDLOOM_LOG_FORMAT")
        .env_remove("JOURNAL_STREAM")
        .env_remove("FEEDLOOM_DATABASE_URL")
        .env("FEEDLOOM_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(file);
    for (name, value) in env {
        command.env(name, value);
    }
    let output = command.output().unwrap();
    let logged = std::fs::read_to_string(stderr).unwrap();
    (output, logged)
}

/// A configuration with two fixture feeds and a seeds folder that is not
/// there, so that a poll logs at info (each feed) and warn (the seeds).
fn setup(dir: &Path, server: &FixtureServer, extra: &str) -> std::path::PathBuf {
    serve_fixtures(server);
    let config = write_config(
        dir,
        &[server.url("/wire.rss"), server.url("/desk.json")],
        extra,
    );
    let text = std::fs::read_to_string(&config).unwrap().replacen(
        "seeds = ",
        "seeds = \"no-seeds\"\n#",
        1,
    );
    std::fs::write(&config, text).unwrap();
    config
}

/// [`poll_logging`] in JSON (with `env` besides), its stderr in `dir`, and
/// its lines parsed: each must be one JSON object.
fn poll_json(config: &Path, dir: &Path, env: &[(&str, String)]) -> (Output, String, Vec<Value>) {
    let mut env = env.to_vec();
    env.push(("FEEDLOOM_LOG_FORMAT", "json".to_owned()));
    let (output, logged) = poll_logging(config, &dir.join("stderr"), &env);
    let events = logged
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line:?}"))
        })
        .collect();
    (output, logged, events)
}

#[test]
fn json_logs_are_one_object_per_line_with_level_message_and_fields() {
    let server = FixtureServer::start();
    let dir = tempfile::tempdir().unwrap();
    let config = setup(dir.path(), &server, "");
    let (output, logged, events) = poll_json(&config, dir.path(), &[]);
    assert!(output.status.success(), "{logged}");
    let fetched: Vec<&Value> = events
        .iter()
        .filter(|e| e["fields"]["message"] == "feed fetched")
        .collect();
    assert_eq!(fetched.len(), 2, "{logged}");
    for event in &fetched {
        assert_eq!(event["level"], "INFO");
        assert!(event["fields"]["new"].is_u64(), "{event}");
        assert!(event["timestamp"].is_string(), "{event}");
        assert!(
            event["span"]["feed.url"]
                .as_str()
                .is_some_and(|url| url.starts_with("http://127.0.0.1")),
            "{event}"
        );
    }
    let seeds = events
        .iter()
        .find(|e| {
            e["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("no-seeds does not exist"))
        })
        .unwrap_or_else(|| panic!("no seeds warning in {logged}"));
    assert_eq!(seeds["level"], "WARN");

    // The configuration's `log_format` does the same; the variable wins.
    let mut text = std::fs::read_to_string(&config).unwrap();
    text = format!("log_format = \"json\"\n{text}");
    std::fs::write(&config, text).unwrap();
    let (_, logged) = poll_logging(&config, &dir.path().join("stderr"), &[]);
    assert!(!logged.is_empty());
    assert!(
        logged
            .lines()
            .all(|line| serde_json::from_str::<Value>(line).is_ok()),
        "{logged}"
    );
    let (_, logged) = poll_logging(
        &config,
        &dir.path().join("stderr"),
        &[("FEEDLOOM_LOG_FORMAT", "text".to_owned())],
    );
    assert!(logged.contains(" INFO "), "{logged}");
    assert!(
        logged
            .lines()
            .all(|line| serde_json::from_str::<Value>(line).is_err()),
        "{logged}"
    );
}

/// At debug level a poll says how each group commit went: the feeds and
/// items it wrote, and how long it gathered, waited for the store and
/// wrote (how to tell an idle writer from a busy one).
#[test]
fn debug_logs_time_each_batch_written() {
    let server = FixtureServer::start();
    let dir = tempfile::tempdir().unwrap();
    let config = setup(dir.path(), &server, "");
    let (output, logged, events) = poll_json(
        &config,
        dir.path(),
        &[("FEEDLOOM_LOG", "feedloom=debug".to_owned())],
    );
    assert!(output.status.success(), "{logged}");
    let batches: Vec<&Value> = events
        .iter()
        .filter(|e| e["fields"]["message"] == "batch written")
        .collect();
    assert!(!batches.is_empty(), "{logged}");
    let field = |e: &Value, name: &str| {
        e["fields"][name]
            .as_u64()
            .unwrap_or_else(|| panic!("no {name} in {e}"))
    };
    // Both feeds were new bodies: each was written in some batch, once.
    let feeds: u64 = batches.iter().map(|e| field(e, "feeds")).sum();
    assert_eq!(feeds, 2, "{logged}");
    for batch in batches {
        assert!(field(batch, "items") > 0, "{batch}");
        for timing in ["gathered_ms", "waited_ms", "wrote_ms"] {
            field(batch, timing);
        }
    }
}

/// `JOURNAL_STREAM` naming stderr's device and inode is how systemd says
/// stderr is the journal: each line then starts with its syslog priority
/// (`<4>` warning, `<6>` info) and carries no time of its own. A variable
/// inherited with another stderr changes nothing.
#[test]
fn under_the_journal_each_line_starts_with_its_priority() {
    let server = FixtureServer::start();
    let dir = tempfile::tempdir().unwrap();
    let config = setup(dir.path(), &server, "");
    let stderr = dir.path().join("stderr");
    std::fs::write(&stderr, "").unwrap();
    let meta = std::fs::metadata(&stderr).unwrap();
    let stream = format!("{}:{}", meta.dev(), meta.ino());
    // The test rewrites the same file, keeping its inode.
    let (output, logged) = poll_logging(&config, &stderr, &[("JOURNAL_STREAM", stream.clone())]);
    assert_eq!(std::fs::metadata(&stderr).unwrap().ino(), meta.ino());
    assert!(output.status.success(), "{logged}");
    let lines: Vec<&str> = logged.lines().collect();
    assert!(lines.len() >= 3, "{logged}");
    for line in &lines {
        let (priority, rest) = line.split_at(3.min(line.len()));
        assert!(
            ["<3>", "<4>", "<6>", "<7>"].contains(&priority),
            "no priority: {line:?}"
        );
        assert!(
            !rest.starts_with(|c: char| c.is_ascii_digit()),
            "a time: {line:?}"
        );
        assert!(!rest.contains('\u{1b}'), "colours: {line:?}");
    }
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("<4>") && l.contains("no-seeds does not exist")),
        "{logged}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("<6>") && l.contains("feed fetched")),
        "{logged}"
    );

    // JSON to the journal keeps the prefix: the journal strips it.
    let (_, logged) = poll_logging(
        &config,
        &stderr,
        &[
            ("JOURNAL_STREAM", stream),
            ("FEEDLOOM_LOG_FORMAT", "json".to_owned()),
        ],
    );
    for line in logged.lines() {
        let json = line.get(3..).unwrap_or_default();
        assert!(
            line.starts_with('<') && serde_json::from_str::<Value>(json).is_ok(),
            "{line:?}"
        );
    }

    // Another stderr than the one named: plain text with times.
    let (_, logged) = poll_logging(&config, &stderr, &[("JOURNAL_STREAM", "1:1".to_owned())]);
    assert!(!logged.is_empty());
    for line in logged.lines() {
        assert!(line.starts_with(|c: char| c.is_ascii_digit()), "{line:?}");
    }

    // Asked for by name (a supervisor that reads prefixes, systemd-cat).
    let (_, logged) = poll_logging(
        &config,
        &stderr,
        &[("FEEDLOOM_LOG_FORMAT", "journal".to_owned())],
    );
    assert!(logged.lines().all(|l| l.starts_with('<')), "{logged}");
}

/// A format that does not exist is refused, naming where it was written.
#[test]
fn an_unknown_log_format_is_refused_where_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "");
    let output = Command::new(env!("CARGO_BIN_EXE_feedloom"))
        .arg("--config")
        .arg(&config)
        .arg("topics")
        .env("FEEDLOOM_LOG_FORMAT", "xml")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr
            .contains("FEEDLOOM_LOG_FORMAT: `xml` is not a log format; write text, json, journal"),
        "{stderr}"
    );

    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("log_format = \"jsn\"\n{text}")).unwrap();
    let output = feedloom(&config, &["check-config"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "feedloom.toml:1:14: log_format: unknown log format `jsn`; did you mean `json`?"
        ),
        "{stderr}"
    );
}
