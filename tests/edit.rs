//! Editing the configuration through the CLI: `feeds add|rm|enable|disable|
//! set`, `opml import|export`, `check-config`, and a running daemon
//! following an edit.

use std::process::Output;
use std::time::{Duration, Instant};

use crate::support::daemon::Daemon;
use crate::support::{
    FixtureServer, feedloom, fixture, repo_path, write_config, write_config_with,
};

fn out(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A page linking feeds, as a blog's <head> does.
fn page(links: &[(&str, &str)]) -> String {
    let links: String = links
        .iter()
        .map(|(kind, href)| format!("<link rel=\"alternate\" type=\"{kind}\" href=\"{href}\">\n"))
        .collect();
    format!(
        "<!doctype html><html><head><title>Blog</title>\n{links}</head><body><p>Hi</p></body></html>"
    )
}

#[test]
fn feeds_add_probes_the_url_and_fills_the_title() {
    let server = FixtureServer::start();
    server.feed("/wire.rss", fixture("wire.rss"), "application/rss+xml");
    server.feed("/desk.json", fixture("desk.json"), "application/feed+json");
    server.feed(
        "/one.html",
        page(&[("application/rss+xml", "/wire.rss")]),
        "text/html",
    );
    server.feed(
        "/two.html",
        page(&[
            ("application/rss+xml", "/wire.rss"),
            ("application/feed+json", "desk.json"),
        ]),
        "text/html",
    );
    server.feed("/plain.html", page(&[]), "text/html");
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "");

    // Loopback is refused unless asked for (the SSRF guard).
    let empty = std::fs::read_to_string(&config).unwrap();
    let url = server.url("/wire.rss");
    for command in [
        vec!["feeds", "add", &url],
        vec!["feeds", "add", "--no-probe", &url],
    ] {
        let refused = feedloom(&config, &command);
        assert!(!refused.status.success());
        assert!(
            out(&refused).contains("--allow-private"),
            "{}",
            out(&refused)
        );
        assert_eq!(
            std::fs::read_to_string(&config).unwrap(),
            empty,
            "nothing written"
        );
    }
    assert!(server.seen().is_empty(), "refused before any request");

    let added = feedloom(
        &config,
        &["feeds", "add", "--allow-private", &server.url("/wire.rss")],
    );
    assert!(added.status.success(), "{}", out(&added));
    let line = String::from_utf8_lossy(&added.stdout).into_owned();
    assert!(line.starts_with("added 'Steppe Wire' http://"), "{line}");
    assert_eq!(line.lines().count(), 1);

    // A duplicate is refused, naming the entry.
    let again = feedloom(
        &config,
        &["feeds", "add", "--allow-private", &server.url("/wire.rss")],
    );
    assert!(!again.status.success());
    assert!(out(&again).contains("already listed"), "{}", out(&again));

    // A page linking one feed: that feed. Two: a list, then --pick.
    let text_before = std::fs::read_to_string(&config).unwrap();
    let two = feedloom(
        &config,
        &["feeds", "add", "--allow-private", &server.url("/two.html")],
    );
    assert!(!two.status.success());
    assert!(
        out(&two).contains("--pick") && out(&two).contains("2. "),
        "{}",
        out(&two)
    );
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        text_before,
        "nothing written"
    );
    let picked = feedloom(
        &config,
        &[
            "feeds",
            "add",
            "--allow-private",
            "--pick",
            "2",
            &server.url("/two.html"),
        ],
    );
    assert!(picked.status.success(), "{}", out(&picked));
    assert!(
        out(&picked).contains("'Asia Desk'") && out(&picked).contains("/desk.json"),
        "{}",
        out(&picked)
    );

    // Neither a feed nor a page linking one: nothing written.
    let plain = feedloom(
        &config,
        &[
            "feeds",
            "add",
            "--allow-private",
            &server.url("/plain.html"),
        ],
    );
    assert!(!plain.status.success());
    assert!(out(&plain).contains("links no feed"), "{}", out(&plain));

    let listed = feedloom(&config, &["feeds", "ls", "--json"]);
    let rows: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 2);
    assert!(feedloom(&config, &["check-config"]).status.success());
}

#[test]
fn rm_enable_disable_set_edit_one_entry_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let urls = [
        "https://a.example/feed".to_owned(),
        "https://b.example/feed".to_owned(),
    ];
    let config = write_config(dir.path(), &urls, "");
    let run = |args: &[&str]| {
        let output = feedloom(&config, args);
        assert!(output.status.success(), "{args:?}: {}", out(&output));
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    };
    assert_eq!(
        run(&[
            "feeds",
            "set",
            "https://a.example/feed",
            "--title",
            "Asia Desk"
        ])
        .lines()
        .count(),
        1
    );
    assert!(run(&["feeds", "disable", "Asia Desk"]).starts_with("disabled 'Asia Desk'"));
    assert!(run(&["feeds", "enable", "asia desk"]).starts_with("enabled 'Asia Desk'"));
    assert!(
        run(&["feeds", "set", "Asia Desk", "--schedule", "0 0 * * * *"]).contains("0 0 * * * *")
    );
    assert!(run(&["feeds", "rm", "https://b.example/feed"]).starts_with("removed"));
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(!text.contains("b.example"));
    assert!(
        text.contains("title = \"Asia Desk\"") && text.contains("schedule = \"0 0 * * * *\""),
        "{text}"
    );

    // A bad value is refused with the validator's message; nothing written.
    let bad = feedloom(
        &config,
        &["feeds", "set", "Asia Desk", "--schedule", "daily"],
    );
    assert!(!bad.status.success());
    assert!(out(&bad).contains("cron"), "{}", out(&bad));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
}

#[test]
fn opml_import_adds_once_and_round_trips() {
    let sample = repo_path("tests/corpus/opml/rsparser/Subs.opml");
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "");
    let first = feedloom(&config, &["opml", "import", sample.to_str().unwrap()]);
    assert!(first.status.success(), "{}", out(&first));
    let listed: serde_json::Value =
        serde_json::from_slice(&feedloom(&config, &["feeds", "ls", "--json"]).stdout).unwrap();
    let count = listed.as_array().unwrap().len();
    assert!(count > 100, "{count} feeds from Subs.opml");
    let second = feedloom(&config, &["opml", "import", sample.to_str().unwrap()]);
    assert!(second.status.success());
    assert!(
        out(&second).starts_with("added 0 feeds"),
        "{}",
        out(&second)
    );

    // Export, then import into an empty configuration: the same feeds.
    let exported = dir.path().join("export.opml");
    std::fs::write(&exported, feedloom(&config, &["opml", "export"]).stdout).unwrap();
    let other = tempfile::tempdir().unwrap();
    let fresh = write_config(other.path(), &[], "");
    assert!(
        feedloom(&fresh, &["opml", "import", exported.to_str().unwrap()])
            .status
            .success()
    );
    let urls = |config: &std::path::Path| {
        let rows: serde_json::Value =
            serde_json::from_slice(&feedloom(config, &["feeds", "ls", "--json"]).stdout).unwrap();
        let mut urls: Vec<String> = rows
            .as_array()
            .unwrap()
            .iter()
            .map(|r| format!("{} {} {}", r["url"], r["title"], r["category"]))
            .collect();
        urls.sort();
        urls
    };
    assert_eq!(urls(&config), urls(&fresh));
    assert!(
        std::fs::read_to_string(&fresh)
            .unwrap()
            .contains("category = ")
    );
}

#[test]
fn check_config_points_at_each_mistake() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("feedloom.toml");
    std::fs::write(
        &config,
        "database = \"feedloom.db\"\nschedule = \"0 */15 * * *\"\n\n[topic]\ntitle = \"T\"\nseeds = \"missing\"\n\n[[feeds]]\nurl = \"ftp://x.example/\"\n",
    )
    .unwrap();
    let output = feedloom(&config, &["check-config"]);
    assert_eq!(output.status.code(), Some(2));
    let text = out(&output);
    assert!(text.contains("feedloom.toml:2:12: schedule"), "{text}");
    assert!(text.contains("feedloom.toml:6:9: topic.seeds"), "{text}");
    assert!(text.contains("feedloom.toml:9:7: feeds[0].url"), "{text}");
    let default = feedloom(&repo_path("config/feedloom.toml"), &["check-config"]);
    assert!(default.status.success(), "{}", out(&default));
}

#[test]
fn a_postgres_password_never_shows_and_the_environment_names_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("feedloom.toml");
    let seeds = repo_path("config/seeds");
    let file = |database: &str| {
        std::fs::write(
            &config,
            format!("database = \"{database}\"\n\n[topic]\ntitle = \"T\"\nseeds = {seeds:?}\n"),
        )
        .unwrap()
    };
    file("postgres://feedloom:in-the-file@db.internal:5433/feeds");
    let output = feedloom(&config, &["check-config"]);
    let text = out(&output);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("database postgres://feedloom:***@db.internal:5433/feeds"),
        "{text}"
    );
    assert!(!text.contains("in-the-file"), "{text}");

    // The environment wins over the file, and its password stays hidden.
    file("feedloom.db");
    let with_env = |value: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_feedloom"))
            .arg("--config")
            .arg(&config)
            .arg("check-config")
            .env_remove("FEEDLOOM_LOG")
            .env_remove("RUST_LOG")
            .env("FEEDLOOM_DATABASE_URL", value)
            .output()
            .unwrap()
    };
    let output = with_env("postgresql://node@10.0.0.5/feeds?password=from-the-env");
    let text = out(&output);
    assert!(output.status.success(), "{text}");
    assert!(
        text.contains("database postgresql://node@10.0.0.5/feeds?password=***"),
        "{text}"
    );
    assert!(!text.contains("from-the-env"), "{text}");

    // A variable that names no server is refused, by name, without its value.
    let output = with_env("postgres://node:from-the-env@/feeds");
    let text = out(&output);
    assert_eq!(output.status.code(), Some(2), "{text}");
    assert!(text.contains("FEEDLOOM_DATABASE_URL"), "{text}");
    assert!(!text.contains("from-the-env"), "{text}");
}

#[test]
fn a_running_daemon_polls_a_feed_the_cli_added() {
    let server = FixtureServer::start();
    server.feed("/wire.rss", fixture("wire.rss"), "application/rss+xml");
    server.feed("/desk.json", fixture("desk.json"), "application/feed+json");
    let dir = tempfile::tempdir().unwrap();
    let config = write_config_with(
        dir.path(),
        &[server.url("/wire.rss")],
        "* * * * * *",
        "[scheduler]\njitter = \"0s\"\n",
    );
    let mut daemon = Daemon::start(&config);
    let added = feedloom(
        &config,
        &[
            "feeds",
            "add",
            "--no-probe",
            "--allow-private",
            &server.url("/desk.json"),
        ],
    );
    assert!(added.status.success(), "{}", out(&added));
    let deadline = Instant::now() + Duration::from_secs(30);
    while !server.seen().iter().any(|s| s.path == "/desk.json") {
        assert!(
            Instant::now() < deadline,
            "never polled:\n{}",
            daemon.stderr()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(daemon.terminate(Duration::from_secs(15)).success());
}

#[test]
fn opml_import_refuses_local_addresses_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "");
    let file = dir.path().join("subs.opml");
    std::fs::write(
        &file,
        r#"<?xml version="1.0"?><opml version="2.0"><head/><body>
<outline type="rss" text="Public" xmlUrl="https://news.example/feed"/>
<outline type="rss" text="Metadata" xmlUrl="http://169.254.169.254/latest/"/>
<outline type="rss" text="Local" xmlUrl="http://localhost:8080/feed"/>
</body></opml>"#,
    )
    .unwrap();
    let first = feedloom(&config, &["opml", "import", file.to_str().unwrap()]);
    assert!(first.status.success(), "{}", out(&first));
    assert!(out(&first).contains("2 refused"), "{}", out(&first));
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("news.example") && !text.contains("169.254") && !text.contains("localhost"),
        "{text}"
    );
    let allowed = feedloom(
        &config,
        &["opml", "import", "--allow-private", file.to_str().unwrap()],
    );
    assert!(allowed.status.success());
    assert!(
        std::fs::read_to_string(&config)
            .unwrap()
            .contains("169.254.169.254")
    );
}
