//! `feedloom seeds add|ls|rm` through the binary, against article pages
//! written here and served on 127.0.0.1.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::support::{FixtureServer, feedloom, repo_path};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[track_caller]
fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "{}\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    text(&output.stdout)
}

#[track_caller]
fn refused(output: Output) -> String {
    assert!(!output.status.success(), "{}", text(&output.stdout));
    text(&output.stderr)
}

const BEE_TITLE: &str = "Winter losses hit valley beekeepers";

/// An article page: the text, a navigation bar and a footer around it,
/// its date in `article:published_time`, its author in JSON-LD.
fn article_page() -> String {
    let paragraphs = [
        "Beekeepers in the valley counted their hives this spring and found that nearly a third of the honey bee colonies had not survived the long wet winter, the worst loss of bees in a decade.",
        "The beekeepers association survey asked every registered beekeeper how many colonies went into the winter and how many came out, and what the beekeepers believed had killed the hives.",
        "Most beekeepers blamed the varroa mite, a parasite that weakens honey bees and spreads viruses through the colony, and several pointed to rain that kept the foraging bees inside the hive for weeks.",
        "Researchers studying honey bee health said colonies treated against varroa mites in late summer fared markedly better, and urged beekeepers to check their hives for mites before the winter.",
    ];
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>{BEE_TITLE} | Valley News</title>\
         <meta property=\"article:published_time\" content=\"2024-05-02T08:30:00+02:00\">\
         <script type=\"application/ld+json\">{{\"@type\":\"NewsArticle\",\"author\":{{\"@type\":\"Person\",\"name\":\"Ann Hive\"}}}}</script>\
         </head><body><nav><a href=\"/\">Home</a> <a href=\"/news\">News</a> <a href=\"/sport\">Sport</a></nav>\
         <article><h1>{BEE_TITLE}</h1>{body}</article>\
         <footer>Copyright Valley News. All rights reserved.</footer></body></html>"
    )
}

/// A front page: links and a line, no article.
const INDEX_PAGE: &str = "<!DOCTYPE html><html><head><title>Valley News</title></head><body>\
    <nav><ul><li><a href=\"/bees\">Bees</a></li><li><a href=\"/weather\">Weather</a></li>\
    <li><a href=\"/sport\">Sport</a></li></ul></nav><p>Welcome to Valley News.</p></body></html>";

/// The feed: a story about bee colonies (no seed is about bees) and one
/// about something else.
fn feed() -> String {
    let items = [
        (
            "bees",
            "Hive survey finds varroa mites killed honey bee colonies",
            "Beekeepers report that varroa mites and a wet winter killed many honey bee colonies; beekeepers treating hives against mites lost fewer bees.",
        ),
        (
            "port",
            "Harbour crane contract signed",
            "The port authority signed a contract for two new cranes at the container terminal.",
        ),
    ];
    let mut xml = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>Valley</title>\
         <link>http://example.invalid/</link><description>d</description>",
    );
    for (guid, title, text) in items {
        xml.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>\
             <description>{text}</description></item>"
        ));
    }
    xml.push_str("</channel></rss>");
    xml
}

/// The main topic scored against a copy of the repository's seeds (none
/// about bees), with a threshold only a close match reaches.
fn setup(dir: &Path, feed_url: &str) -> (PathBuf, PathBuf) {
    let seeds = dir.join("seeds");
    std::fs::create_dir_all(&seeds).unwrap();
    for entry in std::fs::read_dir(repo_path("config/seeds")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, seeds.join(path.file_name().unwrap())).unwrap();
    }
    let config = dir.join("feedloom.toml");
    std::fs::write(
        &config,
        format!(
            "database = \"feedloom.db\"\nlisten = \"127.0.0.1:0\"\n\n\
             [topic]\ntitle = \"Main\"\nseeds = {seeds:?}\nthreshold = 0.2\n\n\
             [[feeds]]\nurl = \"{feed_url}\"\n"
        ),
    )
    .unwrap();
    (config, seeds)
}

fn published_titles(config: &Path) -> Vec<String> {
    let feed: Value =
        serde_json::from_str(&ok(feedloom(config, &["export", "--topic", "main"]))).unwrap();
    feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["title"].as_str().unwrap().to_owned())
        .collect()
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const BEE_STORY: &str = "Hive survey finds varroa mites killed honey bee colonies";

#[test]
fn a_seed_added_from_a_url_changes_what_the_topic_publishes() {
    let server = FixtureServer::start();
    server.feed("/feed.rss", feed(), "application/rss+xml");
    server.feed("/2024/05/bees", article_page(), "text/html; charset=utf-8");
    let dir = tempfile::tempdir().unwrap();
    let (config, seeds) = setup(dir.path(), &server.url("/feed.rss"));
    ok(feedloom(&config, &["poll"]));
    let before = published_titles(&config);
    assert!(!before.iter().any(|t| t == BEE_STORY), "{before:#?}");

    let url = server.url("/2024/05/bees");
    let added = ok(feedloom(
        &config,
        &["seeds", "add", &url, "--allow-private"],
    ));
    assert!(
        added.contains("added ") && added.contains(BEE_TITLE),
        "{added}"
    );
    assert!(added.contains("2024-05-02"), "{added}");
    assert!(added.contains("rescored"), "{added}");

    let file = seeds.join("winter-losses-hit-valley-beekeepers.txt");
    let written = std::fs::read_to_string(&file).unwrap();
    assert!(
        written.starts_with(&format!(
            "---\ntitle: \"{BEE_TITLE}\"\nurl: {url}\nauthor: \"Ann Hive\"\npublished: 2024-05-02\n---\n"
        )),
        "{written}"
    );
    assert!(
        written.contains("\nBeekeepers in the valley counted"),
        "{written}"
    );
    assert!(
        !written.contains("Copyright") && !written.contains("Home"),
        "{written}"
    );

    // The topic now publishes the feed's bee story, and the seed, dated
    // and signed by its front matter.
    let after = published_titles(&config);
    assert!(after.iter().any(|t| t == BEE_STORY), "{after:#?}");
    let export: Value = serde_json::from_str(&ok(feedloom(&config, &["export"]))).unwrap();
    let seed = export["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["title"] == BEE_TITLE)
        .expect("the seed is stored");
    assert!(
        seed["date_published"]
            .as_str()
            .unwrap()
            .starts_with("2024-05-02"),
        "{seed}"
    );
    assert_eq!(seed["authors"][0]["name"], "Ann Hive", "{seed}");

    // The same article again is refused: nothing written.
    let again = refused(feedloom(
        &config,
        &["seeds", "add", &url, "--allow-private"],
    ));
    assert!(again.contains("already a seed of topic main"), "{again}");

    // ls shows it; rm by title deletes it and the bee story goes again.
    let listed = ok(feedloom(&config, &["seeds", "ls"]));
    let line = listed
        .lines()
        .find(|l| l.contains("winter-losses-hit-valley-beekeepers.txt"))
        .unwrap_or_else(|| panic!("{listed}"));
    assert!(
        line.contains("2024-05-02") && line.contains(BEE_TITLE),
        "{line}"
    );
    assert_eq!(
        listed.lines().filter(|l| l.starts_with("  ")).count(),
        6,
        "{listed}"
    );

    let removed = ok(feedloom(
        &config,
        &["seeds", "rm", &BEE_TITLE.to_lowercase()],
    ));
    assert!(removed.contains("removed "), "{removed}");
    assert!(!file.exists());
    let gone = published_titles(&config);
    assert!(!gone.iter().any(|t| t == BEE_STORY), "{gone:#?}");

    let unknown = refused(feedloom(&config, &["seeds", "rm", "no such seed"]));
    assert!(
        unknown.contains("no seed file or title `no such seed`"),
        "{unknown}"
    );
}

#[test]
fn a_page_that_is_no_article_is_refused_and_nothing_is_written() {
    let server = FixtureServer::start();
    server.feed("/feed.rss", feed(), "application/rss+xml");
    server.feed("/", INDEX_PAGE, "text/html; charset=utf-8");
    server.feed("/2024/05/bees", article_page(), "text/html; charset=utf-8");
    let dir = tempfile::tempdir().unwrap();
    let (config, seeds) = setup(dir.path(), &server.url("/feed.rss"));
    let before = files(&seeds);

    let index = refused(feedloom(
        &config,
        &["seeds", "add", &server.url("/"), "--allow-private"],
    ));
    assert!(index.contains("does not look like an article"), "{index}");
    assert!(index.contains("no seed written"), "{index}");

    let feed = refused(feedloom(
        &config,
        &["seeds", "add", &server.url("/feed.rss"), "--allow-private"],
    ));
    assert!(feed.contains("is not a web page"), "{feed}");

    // Without --allow-private the SSRF guard refuses loopback.
    let private = refused(feedloom(
        &config,
        &["seeds", "add", &server.url("/2024/05/bees")],
    ));
    assert!(
        private.contains("no seed written") && private.contains("--allow-private"),
        "{private}"
    );

    let unknown_topic = refused(feedloom(
        &config,
        &[
            "seeds",
            "add",
            &server.url("/2024/05/bees"),
            "--topic",
            "sport",
            "--allow-private",
        ],
    ));
    assert!(
        unknown_topic.contains("no topic `sport`"),
        "{unknown_topic}"
    );

    assert_eq!(files(&seeds), before);
}

/// A seed file written while the daemon runs (as `seeds add` writes one)
/// is imported and scored without a signal: the daemon watches the seeds
/// folders as it watches its configuration file.
#[test]
fn the_daemon_follows_a_new_seed_file() {
    use crate::daemon::{get, wait_until};
    use crate::support::daemon::Daemon;

    let server = FixtureServer::start();
    server.feed("/feed.rss", feed(), "application/rss+xml");
    let dir = tempfile::tempdir().unwrap();
    let (config, seeds) = setup(dir.path(), &server.url("/feed.rss"));
    let mut daemon = Daemon::start(&config);
    let published = || {
        let reply = get(&daemon.url("/feed.json"));
        let feed: Value = serde_json::from_str(&reply.body).unwrap_or(Value::Null);
        feed["items"]
            .as_array()
            .map(|items| items.iter().any(|item| item["title"] == BEE_STORY))
            .unwrap_or(false)
    };
    wait_until(&daemon, "the bee story stored", || {
        let export = feedloom(&config, &["export"]);
        text(&export.stdout).contains(BEE_STORY)
    });
    assert!(!published(), "no seed is about bees yet");

    let seed = format!(
        "---\ntitle: \"{BEE_TITLE}\"\npublished: 2024-05-02\n---\n\n{}\n",
        article_page()
            .split("<p>")
            .skip(1)
            .map(|p| p.split("</p>").next().unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
    std::fs::write(seeds.join("bees.txt"), seed).unwrap();
    wait_until(
        &daemon,
        "the bee story published after the new seed",
        published,
    );
    daemon.terminate(std::time::Duration::from_secs(10));
}
