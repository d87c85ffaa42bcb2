//! The `feedloom` binary as a user runs it: exit codes, output, export.

use std::process::Output;

use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use crate::support::{FixtureServer, feedloom, fixture, write_config};

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

/// Asserts that the command exited 0, showing its stderr if not.
fn assert_succeeded(output: &Output) {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn poll_then_export_gives_a_json_feed_with_clean_seeds_and_sources() {
    let server = FixtureServer::start();
    server.feed("/wire.rss", fixture("wire.rss"), "application/rss+xml");
    server.feed(
        "/mirror.atom",
        fixture("mirror.atom"),
        "application/atom+xml",
    );
    server.route("/gone.rss", crate::support::Route::Status(404));
    let dir = tempfile::tempdir().unwrap();
    let urls = [
        server.url("/wire.rss"),
        server.url("/mirror.atom"),
        server.url("/gone.rss"),
    ];
    let config = write_config(dir.path(), &urls, "");

    let poll = feedloom(&config, &["poll"]);
    let text = stdout(&poll);
    assert!(
        poll.status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&poll.stderr)
    );
    assert!(
        text.contains("polled 3 feeds: 2 fetched, 0 unchanged, 1 failed"),
        "{text}"
    );
    assert!(
        text.contains("stories: 4 new, 1 merged duplicates"),
        "{text}"
    );
    assert!(text.contains("seeds: 5 imported"), "{text}");
    assert!(
        text.contains("failed: http://") && text.contains("404"),
        "{text}"
    );

    let export = feedloom(&config, &["export", "--format", "json"]);
    assert!(export.status.success());
    let feed: Value = serde_json::from_str(&stdout(&export)).unwrap();
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    let items = feed["items"].as_array().unwrap();
    assert_eq!(items.len(), 9);

    // Newest first.
    let dates: Vec<&str> = items
        .iter()
        .filter_map(|i| i["date_published"].as_str())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted);

    let merged = items
        .iter()
        .find(|i| i["title"] == "Putin and Xi agree to coordinate on Afghanistan")
        .unwrap();
    let url = merged["url"].as_str().unwrap();
    assert!(
        [
            "https://wire.example/story/101",
            "https://mirror.example/p/putin-xi"
        ]
        .contains(&url),
        "{url}"
    );
    assert_eq!(merged["_feedloom"]["sources"].as_array().unwrap().len(), 2);

    let seeds: Vec<&Value> = items
        .iter()
        .filter(|i| i["_feedloom"]["origin"] == "seed")
        .collect();
    assert_eq!(seeds.len(), 5);
    for seed in &seeds {
        let page = format!(
            "http://127.0.0.1:0/stories/{}",
            seed["id"].as_str().unwrap()
        );
        assert_eq!(seed["url"], page.as_str(), "a seed links to its own page");
        let text = seed["content_text"].as_str().unwrap().to_lowercase();
        let html = seed["content_html"].as_str().unwrap().to_lowercase();
        for junk in [
            "main menu",
            "support southfront",
            "click to see full-size image",
            "view all comments",
            "appeared first on",
            "read more",
            "exit mobile version",
            "jew",
            "arch bungle",
            "<script",
        ] {
            assert!(
                !text.contains(junk) && !html.contains(junk),
                "{junk:?} in seed {}",
                seed["title"]
            );
        }
    }
    let titles: Vec<&str> = seeds.iter().map(|s| s["title"].as_str().unwrap()).collect();
    for expected in [
        "Vladimir Putin And Xi Jinping Discussed Afghanistan, Agreed on Countering Terrorism",
        "Moscow-led security bloc agrees to step up interaction due to instability in Afghanistan",
        "Russia Will Not Interfere In Afghanistan’s Domestic Affairs: Vladimir Putin",
    ] {
        assert!(titles.contains(&expected), "{expected:?} not in {titles:?}");
    }

    // Idempotent: a second poll imports nothing new.
    let again = feedloom(&config, &["poll"]);
    assert!(
        stdout(&again).contains("seeds: 0 imported, 0 updated, 5 unchanged"),
        "{}",
        stdout(&again)
    );
}

#[test]
fn a_bad_config_exits_2_naming_file_line_and_key_and_touches_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("feedloom.toml");
    std::fs::write(
        &config,
        "database = \"feedloom.db\"\nschedule = \"every minute\"\n[topic]\ntitle = \"T\"\n",
    )
    .unwrap();
    let output = feedloom(&config, &["poll"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("feedloom.toml:2:"), "{stderr}");
    assert!(stderr.contains("schedule"), "{stderr}");
    assert!(!dir.path().join("feedloom.db").exists(), "nothing touched");
}

#[test]
fn a_database_from_the_future_is_refused_with_a_nonzero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "");
    let db = rusqlite::Connection::open(dir.path().join("feedloom.db")).unwrap();
    db.pragma_update(None, "user_version", 999).unwrap();
    drop(db);
    let output = feedloom(&config, &["poll"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("schema version 999"));
}

#[test]
fn export_without_a_database_says_so_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "");
    let output = feedloom(&config, &["export"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stderr).contains("run `feedloom poll` first"));
    assert!(!dir.path().join("feedloom.db").exists());
}

#[test]
fn feeds_ls_joins_the_configuration_and_the_database() {
    let server = FixtureServer::start();
    server.feed("/wire.rss", fixture("wire.rss"), "application/rss+xml");
    server.route("/gone.rss", crate::support::Route::Status(404));
    let dir = tempfile::tempdir().unwrap();
    let urls = [server.url("/wire.rss"), server.url("/gone.rss")];
    let config = write_config(dir.path(), &urls, "");

    // Before any poll: listed, not polled yet, and no database created.
    let before = feedloom(&config, &["feeds", "ls"]);
    assert!(before.status.success());
    let text = stdout(&before);
    assert!(
        text.contains("not polled yet") && text.contains(&urls[1]),
        "{text}"
    );
    assert!(!dir.path().join("feedloom.db").exists());

    assert!(feedloom(&config, &["poll"]).status.success());
    // The failing feed's problem on a line of its own under its row.
    let table = stdout(&feedloom(&config, &["feeds", "ls"]));
    let lines: Vec<&str> = table.lines().collect();
    let row = lines
        .iter()
        .position(|line| line.ends_with(&urls[1]))
        .expect("the failing feed's row");
    assert!(lines[row].contains("failed "), "{table}");
    assert!(
        lines[row + 1].starts_with("  ↳ 1× ") && lines[row + 1].contains("404"),
        "{table}"
    );
    let listed = feedloom(&config, &["feeds", "ls", "--json"]);
    let rows: Value = serde_json::from_str(&stdout(&listed)).unwrap();
    let rows = rows.as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["url"], urls[0].as_str());
    assert_eq!(rows[0]["title"], "Steppe Wire", "the feed's own title");
    assert_eq!(rows[0]["stories"], 3);
    assert_eq!(rows[0]["last_status"], "ok");
    assert_eq!(rows[1]["consecutive_failures"], 1);
    assert!(rows[1]["last_error"].as_str().unwrap().contains("404"));
    assert!(rows[1]["next_fetch_at"].is_null(), "poll does not schedule");
}

#[test]
fn opml_export_lists_every_configured_feed() {
    let dir = tempfile::tempdir().unwrap();
    let urls = [
        "https://a.example/feed".to_owned(),
        "https://b.example/rss?x=1&y=2".to_owned(),
    ];
    let config = write_config(dir.path(), &urls, "");
    let output = feedloom(&config, &["opml", "export"]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert!(text.contains("<opml version=\"2.0\">"), "{text}");
    assert!(text.contains("xmlUrl=\"https://a.example/feed\""), "{text}");
    assert!(
        text.contains("xmlUrl=\"https://b.example/rss?x=1&amp;y=2\""),
        "{text}"
    );
}

#[test]
fn poll_prunes_stories_past_their_retention_at_most_hourly_and_keeps_the_rest() {
    let item = |n: u32, title: &str| {
        format!(
            "<item><guid>item-{n}</guid><title>{title}</title><link>https://r.example/{n}</link>\
             <description>Story number {n}: {title}, with a few more words of text.</description></item>"
        )
    };
    let feed = |items: &[String]| {
        format!(
            "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>R</title>{}</channel></rss>",
            items.concat()
        )
    };
    let server = FixtureServer::start();
    server.feed(
        "/r.rss",
        feed(&[item(1, "Old story"), item(2, "Kept story")]),
        "application/rss+xml",
    );
    let dir = tempfile::tempdir().unwrap();
    // The test config's threshold is 0: every story is on topic, so the
    // on-topic retention applies.
    let config = write_config(
        dir.path(),
        &[server.url("/r.rss")],
        "[retention]\non_topic_days = 30\n",
    );
    let first = feedloom(&config, &["poll"]);
    assert_succeeded(&first);
    assert!(!stdout(&first).contains("retention:"), "{}", stdout(&first));

    // Forty days later: the feed has dropped story 1, still carries 2.
    let db_path = dir.path().join("feedloom.db");
    {
        let db = rusqlite::Connection::open(&db_path).unwrap();
        let forty_days = 40 * 24 * 3600;
        db.execute_batch(&format!(
            "UPDATE stories SET first_seen_at = first_seen_at - {forty_days};
             UPDATE sightings SET seen_at = seen_at - {forty_days},
                                  last_seen_at = last_seen_at - {forty_days};
             UPDATE feeds SET last_success_at = last_success_at - {forty_days};"
        ))
        .unwrap();
    }
    server.feed(
        "/r.rss",
        feed(&[item(2, "Kept story"), item(3, "New story")]),
        "application/rss+xml",
    );
    let second = feedloom(&config, &["poll"]);
    assert_succeeded(&second);
    // Retention ran at the first poll, less than an hour ago: not again.
    assert!(
        !stdout(&second).contains("retention:"),
        "{}",
        stdout(&second)
    );

    // An hour and more since it ran: the next poll prunes.
    rusqlite::Connection::open(&db_path)
        .unwrap()
        .execute(
            "UPDATE meta SET value = CAST(value AS INTEGER) - 3601 WHERE key = 'pruned_at'",
            [],
        )
        .unwrap();
    let third = feedloom(&config, &["poll"]);
    assert_succeeded(&third);
    assert!(
        stdout(&third).contains("retention: 1 old stories deleted (1 clusters)"),
        "{}",
        stdout(&third)
    );
    let db = rusqlite::Connection::open(&db_path).unwrap();
    let titles: Vec<String> = db
        .prepare("SELECT title FROM stories WHERE origin = 'feed' ORDER BY title")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(titles, ["Kept story", "New story"]);
    let seeds: i64 = db
        .query_row(
            "SELECT count(*) FROM stories WHERE origin = 'seed'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(seeds, 5, "seeds are never pruned, however old");
}

/// `feeds ls` prints titles from the configuration (`--title`, an OPML
/// import) on a terminal: escape sequences are shown, not obeyed, and a
/// title of any length is cut, not a panic (it was, at 65,536 characters).
#[test]
fn feeds_ls_escapes_control_characters_and_cuts_long_titles() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "");
    let huge = "A".repeat(70_000);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "[[feeds]]\nurl = \"https://a.example/feed\"\n\
         title = \"\\u001b]0;pwned\\u0007\\u001b[2J\\u001b[31mRed\\u009b1m \\u202eevil\"\n\n\
         [[feeds]]\nurl = \"https://b.example/feed\"\ntitle = \"{huge}\"\n"
    ));
    std::fs::write(&config, text).unwrap();

    let output = feedloom(&config, &["feeds", "ls", "--wide"]);
    assert_succeeded(&output);
    let table = stdout(&output);
    assert!(
        !table.contains(|c: char| c.is_control() && c != '\n' || c == '\u{202e}'),
        "{table:?}"
    );
    assert!(
        table.contains("\\u{1b}]0;pwned\\u{7}\\u{1b}[2J\\u{1b}[31mRed\\u{9b}1m \\u{202e}e…"),
        "{table}"
    );
    let long_row = table
        .lines()
        .find(|line| line.starts_with("AAA"))
        .expect("the long title's row");
    assert!(
        long_row.contains(&format!("{}…", "A".repeat(59))),
        "{long_row}"
    );
    assert!(!long_row.contains(&"A".repeat(61)), "{long_row}");
    assert!(
        table.lines().all(|line| line.chars().count() < 600),
        "{table}"
    );
    // The default table cuts them further, to fit.
    let fitted = stdout(&feedloom(&config, &["feeds", "ls"]));
    assert!(
        !fitted.contains(|c: char| c.is_control() && c != '\n' || c == '\u{202e}'),
        "{fitted:?}"
    );
    assert!(fitted.lines().all(|line| line.width() <= 100), "{fitted}");

    // Scripts get the full values, escaped as JSON escapes them.
    let json = feedloom(&config, &["feeds", "ls", "--json"]);
    assert_succeeded(&json);
    let rows: Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(rows[1]["title"].as_str().map(str::len), Some(70_000));
    assert!(
        rows[0]["title"]
            .as_str()
            .unwrap()
            .starts_with("\u{1b}]0;pwned")
    );
}

/// `feeds ls` fits 100 columns (display columns: a CJK title takes two per
/// character), cutting with an ellipsis; it shows the category and says
/// "not polled yet"; `--wide` shows every column in full.
#[test]
fn feeds_ls_fits_100_columns_and_shows_the_category() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &[], "");
    let long_url = format!("https://news.example.org/{}/feed.xml", "section/".repeat(8));
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "[[feeds]]\nurl = \"{long_url}\"\ntitle = \"{}\"\ncategory = \"Asia / Energy\"\n\n\
         [[feeds]]\nurl = \"https://b.example/feed\"\ntitle = \"Short\"\nschedule = \"0 0 * * * *\"\nenabled = false\n",
        "新华社中亚能源新闻".repeat(6)
    ));
    std::fs::write(&config, text).unwrap();

    let output = feedloom(&config, &["feeds", "ls"]);
    assert_succeeded(&output);
    let table = stdout(&output);
    assert!(table.lines().all(|line| line.width() <= 100), "{table}");
    let widest = table.lines().map(UnicodeWidthStr::width).max().unwrap();
    assert!(widest > 90, "uses the room it has: {table}");
    let header = table.lines().next().unwrap();
    for column in [
        "TITLE",
        "CATEGORY",
        "LAST POLL",
        "NEXT POLL",
        "STORIES",
        "URL",
    ] {
        assert!(header.contains(column), "{header}");
    }
    assert!(table.contains("Asia / Energy"), "{table}");
    assert!(table.contains("not polled yet"), "{table}");
    assert!(!table.contains("never fetched"), "{table}");
    assert!(table.contains("disabled"), "the disabled feed: {table}");
    assert!(table.contains("新华社") && table.contains('…'), "{table}");
    assert!(!table.contains(&long_url), "the URL is cut to fit: {table}");
    assert!(table.contains("https://b.example/feed"), "{table}");

    let wide = stdout(&feedloom(&config, &["feeds", "ls", "--wide"]));
    assert!(wide.contains(&long_url), "{wide}");
    assert!(wide.lines().any(|line| line.width() > 100), "{wide}");
    for column in ["SCHEDULE", "ENABLED", "PROBLEM"] {
        assert!(wide.lines().next().unwrap().contains(column), "{wide}");
    }
    assert!(wide.contains("0 0 * * * *"), "{wide}");
}

/// Piped, stderr gets no progress line (no carriage returns, no escape
/// sequences) and stdout only the summary.
#[test]
fn poll_draws_no_progress_when_stderr_is_not_a_terminal() {
    let server = FixtureServer::start();
    crate::support::serve_fixtures(&server);
    let dir = tempfile::tempdir().unwrap();
    let urls = [server.url("/wire.rss"), server.url("/desk.json")];
    let config = write_config(dir.path(), &urls, "");
    let output = feedloom(&config, &["poll"]);
    assert_succeeded(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !stderr.contains(['\r', '\u{1b}']) && !stderr.contains("polling feeds"),
        "{stderr:?}"
    );
    let text = stdout(&output);
    assert!(text.starts_with("polled 2 feeds:"), "{text:?}");
    assert!(!text.contains(['\r', '\u{1b}']), "{text:?}");
}

/// On a terminal (a pseudo-terminal from `script(1)`), `poll` shows the
/// feeds done out of the total, stories new and merged, failures and the
/// time elapsed, then clears the line before the summary.
#[test]
fn poll_shows_progress_on_a_terminal() {
    let Ok(found) = std::process::Command::new("script")
        .arg("--version")
        .output()
    else {
        eprintln!("skipped: no script(1) to give the poll a terminal");
        return;
    };
    assert!(found.status.success());
    let server = FixtureServer::start();
    crate::support::serve_fixtures(&server);
    server.route("/gone.rss", crate::support::Route::Status(404));
    let dir = tempfile::tempdir().unwrap();
    let urls = [
        server.url("/wire.rss"),
        server.url("/mirror.atom"),
        server.url("/gone.rss"),
    ];
    let config = write_config(dir.path(), &urls, "");
    let command = format!(
        "'{}' --config '{}' poll",
        env!("CARGO_BIN_EXE_feedloom"),
        config.display()
    );
    let output = std::process::Command::new("script")
        .args(["--quiet", "--return", "--command", &command, "/dev/null"])
        .env("TERM", "xterm")
        .env_remove("FEEDLOOM_LOG")
        .env_remove("RUST_LOG")
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{shown}");
    assert!(shown.contains("importing seeds"), "{shown:?}");
    assert!(
        shown.contains("polling feeds 3/3 · 4 new, 1 merged, 1 failed · "),
        "{shown:?}"
    );
    assert!(shown.contains("scoring and indexing"), "{shown:?}");
    // Cleared before the summary, which starts a line of its own.
    let summary = shown.find("polled 3 feeds:").expect("the summary");
    assert!(shown[..summary].ends_with("\u{1b}[2K"), "{shown:?}");
}

/// Root running a command on another user's database (the packaged
/// service's, say) is refused before SQLite creates a file there that the
/// owner could not open. Only root can set this up: elsewhere the test
/// says so and checks nothing.
#[test]
fn root_is_refused_another_users_database_and_nothing_is_created() {
    use std::os::unix::fs::{MetadataExt, chown};
    let dir = tempfile::tempdir().unwrap();
    if std::fs::metadata(dir.path()).unwrap().uid() != 0 {
        eprintln!("not root: the refusal cannot be set up here");
        return;
    }
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    let config = write_config(dir.path(), &[], "");
    let text = std::fs::read_to_string(&config).unwrap().replace(
        "database = \"feedloom.db\"",
        "database = \"data/feedloom.db\"",
    );
    std::fs::write(&config, text).unwrap();
    // The owner's database, as the service leaves it when stopped.
    assert_succeeded(&feedloom(&config, &["poll"]));
    let nobody = 65_534;
    for path in [data.join("feedloom.db"), data.clone()] {
        chown(&path, Some(nobody), Some(nobody)).unwrap();
    }
    let before: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();

    for command in [&["feeds", "ls"][..], &["poll"], &["search", "border"]] {
        let output = feedloom(&config, command);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{command:?}: {stderr}");
        assert!(
            stderr.contains("refusing to open the database as root") && stderr.contains("sudo -u "),
            "{command:?}: {stderr}"
        );
    }
    let after: Vec<_> = std::fs::read_dir(&data)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(before, after, "nothing created beside the database");

    // Before the first start: the folder is the owner's, the database not
    // there yet. Root would create it as root: refused too.
    std::fs::remove_file(data.join("feedloom.db")).unwrap();
    let output = feedloom(&config, &["poll"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(!data.join("feedloom.db").exists());
}
