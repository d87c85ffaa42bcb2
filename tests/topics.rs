//! Topics through the binary: rules, per-topic feeds lists, several topics
//! each publishing its own stories, `explain` and `rescore`.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

use crate::support::{FixtureServer, feedloom, repo_path};

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).unwrap()
}

#[track_caller]
fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "{}\n{}",
        stdout(&output),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout(&output)
}

/// An RSS document with one item per (guid, title, text).
fn rss(items: &[(&str, &str, &str)]) -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\"><channel><title>Fixture</title>\
         <link>http://example.invalid/</link><description>d</description>\n",
    );
    for (guid, title, text) in items {
        xml.push_str(&format!(
            "<item><guid isPermaLink=\"false\">{guid}</guid><title>{title}</title>\
             <description>{text}</description></item>\n"
        ));
    }
    xml.push_str("</channel></rss>\n");
    xml
}

const DUSHANBE: (&str, &str, &str) = (
    "a-1",
    "Ministers meet in Dushanbe",
    "Defence ministers met in the Tajik capital to talk about the border.",
);
const STOCKS: (&str, &str, &str) = (
    "a-2",
    "Shanghai stock index slips",
    "The stock index fell as traders in Dushanbe and elsewhere sold shares.",
);
const MATCH_A: (&str, &str, &str) = (
    "a-3",
    "Football derby ends level",
    "The football derby ended one all after a late penalty.",
);
const MATCH_B: (&str, &str, &str) = (
    "b-1",
    "Football cup final tonight",
    "The football cup final kicks off tonight in the capital.",
);

/// Main topic: the repo's seeds with a threshold no score reaches, so only
/// seeds and rules decide; a second topic on feed B alone.
fn config(dir: &Path, feed_a: &str, feed_b: &str, main_rules: &str) -> PathBuf {
    let seeds = repo_path("config/seeds");
    let empty = dir.join("no-seeds");
    std::fs::create_dir_all(&empty).unwrap();
    let text = format!(
        "database = \"feedloom.db\"\nlisten = \"127.0.0.1:0\"\n\n\
         [topic]\ntitle = \"Main\"\nseeds = {seeds:?}\nthreshold = 1.0\n{main_rules}\n\n\
         [[topics]]\nslug = \"sport\"\ntitle = \"Sport\"\nseeds = {empty:?}\nthreshold = 1.0\n\
         include = [\"football\"]\nfeeds = [\"{feed_b}\"]\n\n\
         [[feeds]]\nurl = \"{feed_a}\"\n\n[[feeds]]\nurl = \"{feed_b}\"\n"
    );
    let path = dir.join("feedloom.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn titles(config: &Path, topic: &str) -> Vec<String> {
    let text = ok(feedloom(config, &["export", "--topic", topic]));
    let feed: Value = serde_json::from_str(&text).unwrap();
    let mut titles: Vec<String> = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["title"].as_str().unwrap().to_owned())
        .collect();
    titles.sort();
    titles
}

fn uid_of(config: &Path, title: &str) -> String {
    let feed: Value = serde_json::from_str(&ok(feedloom(config, &["export"]))).unwrap();
    let item = feed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["title"] == title)
        .unwrap_or_else(|| panic!("no stored story titled {title:?}"));
    item["id"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

#[test]
fn each_topic_publishes_its_own_stories_and_explains_why() {
    let server = FixtureServer::start();
    server.feed(
        "/a.rss",
        rss(&[DUSHANBE, STOCKS, MATCH_A]),
        "application/rss+xml",
    );
    server.feed("/b.rss", rss(&[MATCH_B]), "application/rss+xml");
    let dir = tempfile::tempdir().unwrap();
    let config = config(
        dir.path(),
        &server.url("/a.rss"),
        &server.url("/b.rss"),
        "include = [\"Dushanbe\"]\nexclude = [{ keyword = \"stock index\", in = \"text\" }]",
    );
    let poll = ok(feedloom(&config, &["poll"]));
    assert!(poll.contains("topics: 9 stories scored"), "{poll}");

    // Main: its five seeds, and the include rule's story; the exclude
    // rule wins over the include rule for the stock story.
    let main = titles(&config, "main");
    assert_eq!(main.len(), 6, "{main:#?}");
    assert!(main.contains(&DUSHANBE.1.to_owned()));
    assert!(!main.contains(&STOCKS.1.to_owned()));
    // Sport: the rule matches both football stories, but only feed B is
    // this topic's.
    assert_eq!(titles(&config, "sport"), [MATCH_B.1]);
    // Without --topic: every stored story.
    assert_eq!(titles(&config, "main").len() + 3, 9);

    let explain = ok(feedloom(&config, &["explain", &uid_of(&config, STOCKS.1)]));
    assert!(
        explain.contains("topic main: off topic")
            && explain.contains("exclude rule stock index matches"),
        "{explain}"
    );
    assert!(explain.contains("topic sport: off topic"), "{explain}");
    let explain = ok(feedloom(
        &config,
        &["explain", &uid_of(&config, DUSHANBE.1)],
    ));
    assert!(explain.contains("topic main: ON TOPIC"), "{explain}");
    assert!(
        explain.contains("include rule Dushanbe matches"),
        "{explain}"
    );

    let unknown = feedloom(&config, &["explain", "0000"]);
    assert!(!unknown.status.success());
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no stored story has the id `0000`"));

    let topics = ok(feedloom(&config, &["topics"]));
    assert!(
        topics.contains("main: Main: 6 on topic, 3 off topic"),
        "{topics}"
    );
    assert!(topics.contains("/topics/sport/feed.atom"), "{topics}");
}

#[test]
fn rescore_applies_changed_rules_to_stored_stories() {
    let server = FixtureServer::start();
    server.feed("/a.rss", rss(&[DUSHANBE, STOCKS]), "application/rss+xml");
    server.feed("/b.rss", rss(&[]), "application/rss+xml");
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (server.url("/a.rss"), server.url("/b.rss"));
    let config = config(dir.path(), &a, &b, "include = [\"Dushanbe\"]");
    ok(feedloom(&config, &["poll"]));
    let main = titles(&config, "main");
    assert!(main.contains(&STOCKS.1.to_owned()), "{main:#?}");

    // A new exclude rule takes the stock story off the topic, without a
    // poll: the stored verdicts are recomputed.
    config_with(
        &config,
        &a,
        &b,
        "include = [\"Dushanbe\"]\nexclude = [\"stock index\"]",
    );
    let rescore = ok(feedloom(&config, &["rescore"]));
    assert!(rescore.contains("rescored 7 stories"), "{rescore}");
    let main = titles(&config, "main");
    assert!(!main.contains(&STOCKS.1.to_owned()), "{main:#?}");
    assert!(main.contains(&DUSHANBE.1.to_owned()), "{main:#?}");
}

fn config_with(path: &Path, a: &str, b: &str, rules: &str) {
    let dir = path.parent().unwrap();
    config(dir, a, b, rules);
}

fn entry_titles(body: &str) -> Vec<String> {
    let feed = feed_rs::parser::parse(body.as_bytes()).unwrap();
    let mut titles: Vec<String> = feed
        .entries
        .iter()
        .filter_map(|e| e.title.as_ref().map(|t| t.content.clone()))
        .collect();
    titles.sort();
    titles
}

#[test]
fn the_daemon_serves_each_topic_and_rescores_on_reload() {
    use crate::daemon::{get, wait_until};
    use crate::support::daemon::Daemon;

    let server = FixtureServer::start();
    server.feed(
        "/a.rss",
        rss(&[DUSHANBE, STOCKS, MATCH_A]),
        "application/rss+xml",
    );
    server.feed("/b.rss", rss(&[MATCH_B]), "application/rss+xml");
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (server.url("/a.rss"), server.url("/b.rss"));
    let config = config(dir.path(), &a, &b, "include = [\"Dushanbe\"]");
    let mut daemon = Daemon::start(&config);

    let has = |path: &str, title: &str| {
        let reply = get(&daemon.url(path));
        reply.status == 200 && entry_titles(&reply.body).iter().any(|t| t == title)
    };
    wait_until(&daemon, "the sport topic's feed", || {
        has("/topics/sport/feed.atom", MATCH_B.1)
    });
    wait_until(&daemon, "the main topic's feed", || {
        has("/feed.atom", DUSHANBE.1)
    });
    for path in [
        "/topics/sport/feed.rss",
        "/topics/sport/feed.json",
        "/topics/sport/",
    ] {
        let reply = get(&daemon.url(path));
        assert_eq!(reply.status, 200, "{path}");
        assert!(reply.body.contains(MATCH_B.1), "{path}: {}", reply.body);
        assert!(
            !reply.body.contains(MATCH_A.1),
            "{path}: feed A is not sport's"
        );
        assert!(!reply.body.contains(DUSHANBE.1), "{path}");
    }
    // The main topic is also under its slug; the river links its own feeds.
    assert!(has("/topics/main/feed.atom", DUSHANBE.1));
    let river = get(&daemon.url("/topics/sport/"));
    assert!(
        river.body.contains("/topics/sport/feed.atom"),
        "{}",
        river.body
    );
    assert_eq!(get(&daemon.url("/topics/nope/feed.atom")).status, 404);
    // Without the slash: redirected to the river (the client follows).
    let river = get(&daemon.url("/topics/sport"));
    assert_eq!(river.status, 200);
    assert!(river.body.contains(MATCH_B.1));
    assert_eq!(get(&daemon.url("/topics/nope")).status, 404);
    assert_eq!(get(&daemon.url("/topics/sport/feed.xml")).status, 404);
    let main = entry_titles(&get(&daemon.url("/feed.atom")).body);
    // Five seeds and the two stories that name Dushanbe.
    assert_eq!(main.len(), 7, "{main:#?}");

    // A new exclude rule applies to stored stories at the reload.
    config_with(
        &config,
        &a,
        &b,
        "include = [\"Dushanbe\"]\nexclude = [\"ministers\"]",
    );
    daemon.signal("HUP");
    wait_until(&daemon, "the rescored main feed", || {
        let reply = get(&daemon.url("/feed.atom"));
        reply.status == 200 && !entry_titles(&reply.body).iter().any(|t| t == DUSHANBE.1)
    });
    daemon.terminate(std::time::Duration::from_secs(10));
}

/// Mixed stories written for this test (not from the labelled set).
const ON_TOPIC: [(&str, &str, &str); 3] = [
    (
        "m-1",
        "CSTO rehearses border defence in Tajikistan as Taliban consolidate power",
        "Troops from the Collective Security Treaty Organization held drills near Dushanbe on \
         Tuesday, practising the defence of the Tajik border with Afghanistan. Russian Defence \
         Minister Sergei Shoigu said the alliance must be ready for militants and drug \
         traffickers crossing from Afghan territory after the Taliban takeover of Kabul. The \
         exercise involved Russian, Tajik and Kyrgyz units and armoured vehicles from the \
         Russian base in Tajikistan.",
    ),
    (
        "m-2",
        "SCO leaders urge inclusive government in Kabul",
        "Leaders of the Shanghai Cooperation Organization called on Afghanistan's new \
         Taliban rulers to form an inclusive government and to stop terrorism and drug \
         trafficking spreading from Afghan soil. Vladimir Putin told the summit by video link \
         that the withdrawal of US and NATO forces had left risks that the organisation's \
         members, including China and the Central Asian states, must face together.",
    ),
    (
        "m-3",
        "Moscow hosts Taliban delegation for talks on Afghan security",
        "A Taliban delegation met Russian diplomats in Moscow to discuss security in \
         Afghanistan and the threat of Islamic State fighters near the borders of Tajikistan \
         and Uzbekistan. Zamir Kabulov, the Kremlin's envoy for Afghanistan, said Russia would \
         not recognise the government in Kabul until it keeps its promises on terrorism.",
    ),
];

const TRAPS: [(&str, &str, &str); 3] = [
    (
        "t-1",
        "Shanghai stock index slides on property worries",
        "The Shanghai Composite stock index fell two per cent on Tuesday as property \
         developers' shares slid and investors worried about debt. Traders said banks and \
         insurers also weighed on the index, while the yuan weakened against the dollar and \
         bond yields edged lower ahead of central bank data.",
    ),
    (
        "t-2",
        "Russian ballet star returns to the stage in a new Swan Lake",
        "The Russian ballerina returned to the Moscow stage in a new production of Swan Lake, \
         dancing Odette to a standing ovation. Critics praised the orchestra and the \
         choreography, and the theatre said every performance of the season had sold out; \
         the company will tour Europe and Asia next spring.",
    ),
    (
        "t-3",
        "Afghan hounds and antique Afghan carpets star at a country fair",
        "An Afghan hound named Zaria won best in show at the county fair, where a dealer also \
         sold antique Afghan carpets and kilims. Visitors admired the long silky coats of the \
         hounds and the deep red wool of the rugs, and the fair raised money for the village \
         school and the local animal shelter.",
    ),
];

#[test]
fn the_default_topic_keeps_its_stories_and_drops_the_lexical_traps() {
    let server = FixtureServer::start();
    let items: Vec<(&str, &str, &str)> = ON_TOPIC.iter().chain(TRAPS.iter()).copied().collect();
    server.feed("/mixed.rss", rss(&items), "application/rss+xml");
    let dir = tempfile::tempdir().unwrap();
    let seeds = repo_path("config/seeds");
    let text = format!(
        "database = \"feedloom.db\"\n[topic]\ntitle = \"Main\"\nseeds = {seeds:?}\n\n\
         [[feeds]]\nurl = \"{}\"\n",
        server.url("/mixed.rss")
    );
    let config = dir.path().join("feedloom.toml");
    std::fs::write(&config, text).unwrap();
    ok(feedloom(&config, &["poll"]));

    let main = titles(&config, "main");
    for (_, title, _) in ON_TOPIC {
        assert!(
            main.contains(&title.to_owned()),
            "{title} missing from {main:#?}"
        );
    }
    for (_, title, _) in TRAPS {
        assert!(
            !main.contains(&title.to_owned()),
            "{title} published: {main:#?}"
        );
    }
    // Explain names the telling terms of an on-topic story.
    let explain = ok(feedloom(
        &config,
        &["explain", &uid_of(&config, ON_TOPIC[0].1)],
    ));
    assert!(explain.contains("topic main: ON TOPIC"), "{explain}");
    assert!(explain.contains("terms that contributed most"), "{explain}");
    let explain = ok(feedloom(
        &config,
        &["explain", &uid_of(&config, TRAPS[0].1)],
    ));
    assert!(explain.contains("topic main: off topic"), "{explain}");
    assert!(explain.contains("score below the threshold"), "{explain}");
}
