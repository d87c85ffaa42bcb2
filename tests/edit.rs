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

/// `feeds set` changes the category, and takes a feed's own schedule (or
/// category, or title) out so the default applies again; each change is
/// said, and a flag and its opposite together are refused.
#[test]
fn feeds_set_changes_the_category_and_clears_a_schedule() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &["https://a.example/feed".to_owned()], "");
    let run = |args: &[&str]| {
        let output = feedloom(&config, args);
        assert!(output.status.success(), "{args:?}: {}", out(&output));
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    };
    let url = "https://a.example/feed";
    let said = run(&[
        "feeds",
        "set",
        url,
        "--category",
        "Asia / Energy",
        "--schedule",
        "0 0 * * * *",
        "--title",
        "Asia Desk",
    ]);
    assert!(said.contains("category 'Asia / Energy'"), "{said}");
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.contains("category = \"Asia / Energy\"")
            && text.contains("schedule = \"0 0 * * * *\""),
        "{text}"
    );
    let listed: serde_json::Value =
        serde_json::from_slice(&feedloom(&config, &["feeds", "ls", "--json"]).stdout).unwrap();
    assert_eq!(listed[0]["category"], "Asia / Energy");

    let said = run(&["feeds", "set", "Asia Desk", "--global-schedule"]);
    assert_eq!(
        said,
        format!("changed 'Asia Desk' {url}: schedule 0 0 * * * * → the global 0 */15 * * * *")
    );
    let said = run(&["feeds", "set", url, "--no-category", "--no-title"]);
    assert!(
        said.contains("title 'Asia Desk' → the feed's own")
            && said.contains("category 'Asia / Energy' → none"),
        "{said}"
    );
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        !text.contains("schedule = \"0 0")
            && !text.contains("category")
            && !text.contains("Asia Desk"),
        "{text}"
    );
    let listed: serde_json::Value =
        serde_json::from_slice(&feedloom(&config, &["feeds", "ls", "--json"]).stdout).unwrap();
    assert_eq!(listed[0]["schedule"], "0 */15 * * * *");
    assert!(listed[0]["category"].is_null());
    // Nothing left to take out: nothing written.
    assert!(run(&["feeds", "set", url, "--global-schedule"]).contains("nothing changed"));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);

    let both = feedloom(
        &config,
        &[
            "feeds",
            "set",
            url,
            "--schedule",
            "0 0 * * * *",
            "--global-schedule",
        ],
    );
    assert_eq!(both.status.code(), Some(2), "{}", out(&both));
    assert!(out(&both).contains("cannot be used with"), "{}", out(&both));
    let nothing = feedloom(&config, &["feeds", "set", url]);
    assert!(!nothing.status.success());
    assert!(
        out(&nothing).contains("--global-schedule"),
        "{}",
        out(&nothing)
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
}

/// `feeds set --full-text` writes `full_text = true` into that one entry,
/// keeping the file's comments; `feeds ls` shows it (`--wide`, `--json`);
/// `--no-full-text` takes the key out again, and both together are refused.
#[test]
fn feeds_set_full_text_turns_article_fetching_on_and_off() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(
        dir.path(),
        &[
            "https://a.example/feed".to_owned(),
            "https://b.example/feed".to_owned(),
        ],
        "",
    );
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("# closing words\n");
    std::fs::write(&config, &text).unwrap();
    let run = |args: &[&str]| {
        let output = feedloom(&config, args);
        assert!(output.status.success(), "{args:?}: {}", out(&output));
        String::from_utf8_lossy(&output.stdout).trim().to_owned()
    };
    let url = "https://b.example/feed";
    let said = run(&["feeds", "set", url, "--full-text"]);
    assert_eq!(said, format!("changed {url}: full_text false → true"));
    let after = std::fs::read_to_string(&config).unwrap();
    assert!(after.contains("# closing words"), "{after}");
    let entries: Vec<&str> = after.split("[[feeds]]").collect();
    assert!(!entries[1].contains("full_text"), "{after}");
    assert!(entries[2].contains("full_text = true"), "{after}");
    let listed: serde_json::Value =
        serde_json::from_slice(&feedloom(&config, &["feeds", "ls", "--json"]).stdout).unwrap();
    assert_eq!(listed[0]["full_text"], false);
    assert_eq!(listed[1]["full_text"], true);
    let wide =
        String::from_utf8_lossy(&feedloom(&config, &["feeds", "ls", "--wide"]).stdout).into_owned();
    assert!(wide.lines().next().unwrap().contains("FULL TEXT"), "{wide}");
    let b_row = wide.lines().find(|line| line.contains(url)).unwrap();
    assert!(b_row.contains(" yes "), "{wide}");

    // Already on: nothing written.
    assert!(run(&["feeds", "set", url, "--full-text"]).contains("nothing changed"));
    let said = run(&["feeds", "set", url, "--no-full-text"]);
    assert_eq!(said, format!("changed {url}: full_text true → false"));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);

    let both = feedloom(
        &config,
        &["feeds", "set", url, "--full-text", "--no-full-text"],
    );
    assert_eq!(both.status.code(), Some(2), "{}", out(&both));
    assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
}

/// Every edit of a file that is already invalid is refused, saying that
/// nothing changed, then each problem as file:line:column, one a line.
#[test]
fn an_edit_of_an_invalid_file_says_nothing_changed_and_lists_the_problems() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("feedloom.toml");
    let text = "database = \"f.db\"\nschedul = \"0 0 * * * *\"\n\n[topic]\ntitle = \"T\"\n\n[[feeds]]\nurl = \"https://a.example/feed\"\ntitle = \"A\"\nschedule = \"daily\"\n";
    std::fs::write(&config, text).unwrap();
    let opml = dir.path().join("subs.opml");
    std::fs::write(
        &opml,
        r#"<opml version="2.0"><body><outline xmlUrl="https://b.example/feed"/></body></opml>"#,
    )
    .unwrap();
    let path = config.display().to_string();
    for args in [
        vec!["feeds", "add", "--no-probe", "https://b.example/feed"],
        vec!["feeds", "rm", "A"],
        vec!["feeds", "disable", "A"],
        vec!["feeds", "set", "A", "--category", "X"],
        vec!["opml", "import", opml.to_str().unwrap()],
    ] {
        let output = feedloom(&config, &args);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", out(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.starts_with(&format!(
                "feedloom: nothing changed; fix these first:\n{path}:2:1: schedul: unknown key"
            )),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains(&format!("\n{path}:10:12: feeds[0].schedule: ")),
            "{args:?}: {stderr}"
        );
        assert_eq!(std::fs::read_to_string(&config).unwrap(), text);
    }
    // One problem too starts on a line of its own.
    std::fs::write(&config, text.replace("schedul =", "schedule =")).unwrap();
    let output = feedloom(&config, &["feeds", "rm", "A"]);
    assert_eq!(output.status.code(), Some(2), "{}", out(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        format!(
            "feedloom: nothing changed; fix these first:\n{path}:10:12: feeds[0].schedule: {}\n",
            String::from_utf8_lossy(&feedloom(&config, &["check-config"]).stderr)
                .split_once(": feeds[0].schedule: ")
                .unwrap()
                .1
                .trim_end()
        )
    );
    // Listing is no edit: it says what is wrong, without the refusal.
    let listed = feedloom(&config, &["feeds", "ls"]);
    assert_eq!(listed.status.code(), Some(2));
    assert!(
        !out(&listed).contains("nothing changed"),
        "{}",
        out(&listed)
    );
}

/// `opml import` adds after the last feed, as `feeds add` does: the file's
/// closing comment stays last, a comment under the last feed stays with
/// it. A feed outline without a URL is reported at its line; a feed the
/// file lists twice is skipped in the words used for one already
/// configured.
#[test]
fn opml_import_keeps_the_closing_comment_and_reports_each_outline_it_skips() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("feedloom.toml");
    let seeds = repo_path("config/seeds");
    let head = format!("database = \"f.db\"\n\n[topic]\ntitle = \"T\"\nseeds = {seeds:?}\n\n");
    std::fs::write(
        &config,
        format!(
            "{head}[[feeds]]\nurl = \"https://a.example/feed\"\n# a's note\n\n# Add feeds above this line.\n"
        ),
    )
    .unwrap();
    let opml = dir.path().join("subs.opml");
    std::fs::write(
        &opml,
        r#"<?xml version="1.0"?>
<opml version="2.0"><body>
<outline type="rss" text="B" xmlUrl="https://b.example/feed"/>
<outline type="rss" text="No URL"/>
<outline type="rss" text="B again" xmlUrl="https://B.example/feed#x"/>
<outline type="rss" text="A" xmlUrl="https://a.example/feed"/>
<outline text="Asia">
  <outline type="rss" text="C" xmlUrl="https://c.example/feed"/>
</outline>
</body></opml>"#,
    )
    .unwrap();
    let output = feedloom(&config, &["opml", "import", opml.to_str().unwrap()]);
    assert!(output.status.success(), "{}", out(&output));
    let report = String::from_utf8_lossy(&output.stdout);
    let (file, config_path) = (opml.display(), config.display());
    assert!(
        report.starts_with("added 2 feeds, skipped 2 (already listed), 1 invalid\n"),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "  skipped https://a.example/feed: already listed on line 8 of {config_path}\n"
        )),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "  skipped https://b.example/feed#x: already listed on line 3 of {file}\n"
        )),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "  invalid: {file}:4: a type=\"rss\" outline without xmlUrl; add the feed's URL ('No URL')\n"
        )),
        "{report}"
    );
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        format!(
            "{head}[[feeds]]\nurl = \"https://a.example/feed\"\n# a's note\n\n\
             [[feeds]]\nurl = \"https://b.example/feed\"\ntitle = \"B\"\n\n\
             [[feeds]]\nurl = \"https://c.example/feed\"\ntitle = \"C\"\ncategory = \"Asia\"\n\n\
             # Add feeds above this line.\n"
        )
    );
    // `feeds add` puts its entry in the same place.
    let added = feedloom(
        &config,
        &["feeds", "add", "--no-probe", "https://d.example/feed"],
    );
    assert!(added.status.success(), "{}", out(&added));
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(
        text.ends_with(
            "category = \"Asia\"\n\n[[feeds]]\nurl = \"https://d.example/feed\"\n\n# Add feeds above this line.\n"
        ),
        "{text}"
    );
}

/// The lock file an edit leaves beside the configuration (kept: removing
/// it would let a waiting editor and a new one lock different files) is
/// ignored by the repository, so a checkout's `config/` shows nothing new.
#[test]
fn the_lock_file_an_edit_leaves_is_ignored_by_git() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "");
    let added = feedloom(
        &config,
        &["feeds", "add", "--no-probe", "https://a.example/feed"],
    );
    assert!(added.status.success(), "{}", out(&added));
    let mut left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name != "feedloom.toml")
        .collect();
    left.sort();
    assert_eq!(left, ["feedloom.toml.lock"]);
    if !repo_path(".git").exists() {
        eprintln!("skipped the .gitignore check: not a git checkout");
        return;
    }
    let check = std::process::Command::new("git")
        .arg("-C")
        .arg(repo_path(""))
        .args(["check-ignore", "--no-index", "--quiet"])
        .arg(format!("config/{}", left[0]))
        .status();
    match check {
        Ok(status) => assert!(status.success(), "config/{} is not ignored", left[0]),
        Err(error) => eprintln!("skipped the .gitignore check: no git ({error})"),
    }
}

/// `check-config` and `poll` agree on a missing seeds folder: a warning
/// (exit 0) in the same words, since feedloom polls without seeds.
#[test]
fn check_config_and_poll_say_the_same_of_a_missing_seeds_folder() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("feedloom.toml");
    std::fs::write(
        &config,
        "database = \"feedloom.db\"\n\n[topic]\ntitle = \"T\"\nseeds = \"articles\"\n",
    )
    .unwrap();
    let checked = feedloom(&config, &["check-config"]);
    assert!(checked.status.success(), "{}", out(&checked));
    let polled = feedloom(&config, &["poll"]);
    assert!(polled.status.success(), "{}", out(&polled));
    let summary = String::from_utf8_lossy(&polled.stdout);
    let warning = summary
        .lines()
        .find_map(|line| line.strip_prefix("warning: "))
        .unwrap_or_else(|| panic!("no warning in {summary}"));
    assert!(
        warning.contains("articles does not exist") && warning.contains("polls the feeds"),
        "{warning}"
    );
    let stderr = String::from_utf8_lossy(&checked.stderr);
    assert_eq!(
        stderr.trim_end(),
        format!("{}:5:9: topic.seeds: warning: {warning}", config.display())
    );
    assert!(
        String::from_utf8_lossy(&checked.stdout).contains(": OK: 0 feeds")
            && String::from_utf8_lossy(&checked.stdout).contains("(1 warning)"),
        "{}",
        out(&checked)
    );
}

/// `feeds add` says on stderr what it fetches, and how long it may wait,
/// before it waits: a server that does not answer in time leaves that line
/// first, then the error.
#[test]
fn feeds_add_says_what_it_fetches_before_it_waits() {
    let server = FixtureServer::start();
    server.feed("/wire.rss", fixture("wire.rss"), "application/rss+xml");
    server.route(
        "/slow.rss",
        crate::support::Route::Slow {
            delay: Duration::from_secs(5),
            body: fixture("wire.rss").into_bytes(),
        },
    );
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "[fetch]\ntimeout = \"1s\"\n");
    let url = server.url("/wire.rss");
    let added = feedloom(&config, &["feeds", "add", "--allow-private", &url]);
    assert!(added.status.success(), "{}", out(&added));
    assert_eq!(
        String::from_utf8_lossy(&added.stderr),
        format!("fetching {url}… (up to 1s)\n")
    );
    assert!(!String::from_utf8_lossy(&added.stdout).contains("fetching"));

    let slow = server.url("/slow.rss");
    let timed_out = feedloom(&config, &["feeds", "add", "--allow-private", &slow]);
    assert!(!timed_out.status.success());
    let stderr = String::from_utf8_lossy(&timed_out.stderr);
    let (first, rest) = stderr.split_once('\n').unwrap();
    assert_eq!(first, format!("fetching {slow}… (up to 1s)"));
    assert!(
        rest.starts_with(&format!("feedloom: cannot fetch {slow}; nothing added")),
        "{stderr}"
    );
}

#[test]
fn titles_from_an_opml_file_or_the_command_line_reach_the_terminal_escaped() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("feedloom.toml");
    let seeds = repo_path("config/seeds");
    std::fs::write(
        &config,
        format!("database = \"f.db\"\n\n[topic]\ntitle = \"T\"\nseeds = {seeds:?}\n"),
    )
    .unwrap();
    let opml = dir.path().join("subs.opml");
    std::fs::write(
        &opml,
        "<?xml version=\"1.0\"?>\n<opml version=\"2.0\"><body>\n\
         <outline type=\"rss\" text=\"\u{1b}]0;pwned\u{7}Evil \u{202e}title\" xmlUrl=\"https://e.example/feed\"/>\n\
         </body></opml>",
    )
    .unwrap();
    let clean = |output: &std::process::Output| {
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        assert!(output.status.success(), "{}", out(output));
        assert!(
            !text.contains(|c: char| c.is_control() && c != '\n' || c == '\u{202e}'),
            "{text:?}"
        );
        text
    };
    let imported = clean(&feedloom(
        &config,
        &["opml", "import", opml.to_str().unwrap()],
    ));
    assert!(imported.contains("\\u{1b}]0;pwned\\u{7}Evil"), "{imported}");
    let added = clean(&feedloom(
        &config,
        &[
            "feeds",
            "add",
            "--no-probe",
            "--title",
            "\u{1b}[2JWiped",
            "https://f.example/feed",
        ],
    ));
    assert!(added.contains("\\u{1b}[2JWiped"), "{added}");
}
