//! `[topic]` and `[[topics]]`.

use std::path::Path;

use url::Url;

use crate::config::tests::{ok, problems};
use crate::topic::{DEFAULT_THRESHOLD, Field};

#[track_caller]
fn one(text: &str, line: usize, key: &str, contains: &str) {
    let all = problems(text);
    assert_eq!(all.len(), 1, "expected one problem, got {all:#?}");
    let p = &all[0];
    assert_eq!((p.line, p.key.as_str()), (line, key), "{p:?}");
    assert!(
        p.message.contains(contains),
        "{:?} lacks {contains:?}",
        p.message
    );
}

#[test]
fn single_topic_gets_defaults() {
    let config = ok("[topic]\ntitle = \"T\"\n");
    assert_eq!(config.topics.len(), 1);
    let topic = config.topic();
    assert_eq!(topic.slug, "main");
    assert_eq!(topic.seeds, Path::new("/etc/feedloom/seeds"));
    assert_eq!(topic.threshold, DEFAULT_THRESHOLD);
    assert!(topic.include.is_empty() && topic.exclude.is_empty());
    assert!(topic.feeds.is_none());
}

#[test]
fn several_topics_default_first() {
    let config = ok(r#"
[topic]
title = "Main"
threshold = 0.3
include = ["CSTO", { regex = "Shoigu|Lavrov", in = "title" }]
exclude = [{ keyword = "stock index", in = "text" }]

[[topics]]
slug = "central-asia"
title = "Central Asia"
feeds = ["https://a.example/feed"]

[[topics]]
slug = "energy"
title = "Energy"
seeds = "energy-seeds"
threshold = 1
"#);
    let slugs: Vec<&str> = config.topics.iter().map(|t| t.slug.as_str()).collect();
    assert_eq!(slugs, ["main", "central-asia", "energy"]);
    let main = config.topic();
    assert_eq!(main.threshold, 0.3);
    assert_eq!(main.include.len(), 2);
    assert_eq!(main.include[0].field, Field::Any);
    assert_eq!(main.include[1].field, Field::Title);
    assert_eq!(main.include[1].source, "/Shoigu|Lavrov/");
    assert_eq!(main.exclude[0].field, Field::Text);
    let asia = config.topic_by_slug("central-asia").unwrap();
    assert_eq!(asia.seeds, Path::new("/etc/feedloom/seeds/central-asia"));
    assert!(asia.admits_feed(&Url::parse("https://a.example/feed").unwrap()));
    assert!(!asia.admits_feed(&Url::parse("https://b.example/feed").unwrap()));
    assert!(main.admits_feed(&Url::parse("https://b.example/feed").unwrap()));
    let energy = config.topic_by_slug("energy").unwrap();
    assert_eq!(energy.seeds, Path::new("/etc/feedloom/energy-seeds"));
    assert_eq!(energy.threshold, 1.0);
}

#[test]
fn topics_alone_make_the_first_the_default() {
    let config =
        ok("[[topics]]\nslug = \"a\"\ntitle = \"A\"\n[[topics]]\nslug = \"b\"\ntitle = \"B\"\n");
    assert_eq!(config.topic().slug, "a");
}

#[test]
fn no_topic_at_all_is_reported() {
    one(
        "listen = \"127.0.0.1:1\"\n",
        1,
        "topic",
        "missing [topic] table (or [[topics]])",
    );
}

#[test]
fn topic_entries_need_slug_and_title() {
    one(
        "[[topics]]\ntitle = \"A\"\n",
        1,
        "topics[0].slug",
        "missing key `slug`",
    );
    one(
        "[[topics]]\nslug = \"a\"\n",
        1,
        "topics[0].title",
        "missing key `title`",
    );
}

#[test]
fn slugs_are_checked_and_unique() {
    one(
        "[[topics]]\nslug = \"Central Asia\"\ntitle = \"A\"\n",
        2,
        "topics[0].slug",
        "bad slug `Central Asia`",
    );
    one(
        "[topic]\ntitle = \"T\"\n[[topics]]\nslug = \"main\"\ntitle = \"A\"\n",
        4,
        "topics[0].slug",
        "duplicate topic slug `main`",
    );
}

#[test]
fn threshold_range() {
    one(
        "[topic]\ntitle = \"T\"\nthreshold = 1.5\n",
        3,
        "topic.threshold",
        "outside 0..=1",
    );
    one(
        "[topic]\ntitle = \"T\"\nthreshold = \"high\"\n",
        3,
        "topic.threshold",
        "invalid type",
    );
}

#[test]
fn bad_rules_name_the_rule() {
    one(
        "[topic]\ntitle = \"T\"\ninclude = [\"ok\", { regex = \"(unclosed\" }]\n",
        3,
        "topic.include[1].regex",
        "bad regular expression `(unclosed`",
    );
    one(
        "[topic]\ntitle = \"T\"\nexclude = [{ keyword = \"x\", in = \"body\" }]\n",
        3,
        "topic.exclude[0].in",
        "not a field",
    );
    one(
        "[topic]\ntitle = \"T\"\nexclude = [{ keyword = \"x\", regex = \"y\" }]\n",
        3,
        "topic.exclude[0]",
        "not both",
    );
    one(
        "[topic]\ntitle = \"T\"\nexclude = [\"  \"]\n",
        3,
        "topic.exclude[0]",
        "empty keyword",
    );
    one(
        "[topic]\ntitle = \"T\"\ninclude = [5]\n",
        3,
        "topic.include",
        "keyword string",
    );
}

#[test]
fn keywords_match_whole_words_and_phrases() {
    let config = ok("[topic]\ntitle = \"T\"\ninclude = [\"SCO\", \"stock  index\", \"C++\"]\n");
    let rules = &config.topic().include;
    assert!(rules[0].pattern.is_match("the sco summit"));
    assert!(!rules[0].pattern.is_match("a disco night"));
    assert!(rules[1].pattern.is_match("Shanghai Stock\nIndex fell"));
    assert!(!rules[1].pattern.is_match("stock indexes"));
    assert!(rules[2].pattern.is_match("written in C++."));
    assert_eq!(rules[1].source, "stock  index");
}
