//! The feeds' log: validators, failures, redirects, retirements and the
//! configuration digest.

use super::backend::contract;
use super::common::*;
use url::Url;

contract!(fn a_failure_keeps_stories_and_counts_up(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    store
        .apply_update(a, now(), &update(vec![item("a", "T", "Body")]))
        .unwrap();
    store.record_failure(a, now(), Some(500), "boom").unwrap();
    store.record_failure(a, now(), None, "boom again").unwrap();
    let record = store
        .feed(&Url::parse("https://a.example/feed").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(record.consecutive_failures, 2);
    assert_eq!(record.last_error.as_deref(), Some("boom again"));
    assert_eq!(store.story_count().unwrap(), 1);
    store.record_not_modified(a, now()).unwrap();
    let record = store
        .feed(&Url::parse("https://a.example/feed").unwrap())
        .unwrap()
        .unwrap();
    assert_eq!(record.consecutive_failures, 0);
});

contract!(fn validators_schedule_and_retry_after_are_remembered(db) {
    let mut store = db.open();
    let url = Url::parse("https://a.example/feed").unwrap();
    let a = store.ensure_feed(&url, Some("A"), now()).unwrap();
    assert_eq!(a.title.as_deref(), Some("A"));
    assert_eq!((a.etag.clone(), a.next_fetch_at, a.gone), (None, None, false));
    // Ensuring again is idempotent and takes the configured title.
    let again = store.ensure_feed(&url, Some("A, renamed"), now()).unwrap();
    assert_eq!((again.id, again.title.as_deref()), (a.id, Some("A, renamed")));
    store.set_next_fetch(a.id, later(600)).unwrap();
    store.set_retry_after(a.id, Some(later(60))).unwrap();
    store.set_retry_after(a.id, Some(later(60))).unwrap();
    store
        .record_same_body(a.id, later(1), Some("\"e2\""), Some("Mon"), 200)
        .unwrap();
    let record = store.feed(&url).unwrap().unwrap();
    assert_eq!(record.next_fetch_at, Some(later(600)));
    assert_eq!(record.retry_after, Some(later(60)));
    assert_eq!(record.etag.as_deref(), Some("\"e2\""));
    assert_eq!(record.last_modified.as_deref(), Some("Mon"));
    assert_eq!(record.last_status.as_deref(), Some("not_modified"));
    assert_eq!(record.last_fetch_at, Some(later(1)));
    store.set_retry_after(a.id, None).unwrap();
    assert_eq!(store.feed(&url).unwrap().unwrap().retry_after, None);
    let mut body = update(vec![item("1", "T", "Text")]);
    body.body_sha256 = Some("abc".into());
    body.feed_title = Some("Feed's own".into());
    store.apply_update(a.id, later(2), &body).unwrap();
    let record = store.feed(&url).unwrap().unwrap();
    assert_eq!(record.body_sha256.as_deref(), Some("abc"));
    assert_eq!(record.feed_title.as_deref(), Some("Feed's own"));
    assert_eq!(record.last_status.as_deref(), Some("ok"));
    assert!(store.feed(&Url::parse("https://none.example/").unwrap()).unwrap().is_none());
});

contract!(fn a_changed_configuration_forgets_redirects_and_retirements(db) {
    let mut store = db.open();
    let url = Url::parse("https://a.example/feed").unwrap();
    let a = feed(&mut *store, url.as_str());
    assert!(store.apply_config_digest("one").unwrap());
    assert!(!store.apply_config_digest("one").unwrap());
    store
        .set_fetch_url(a, &Url::parse("https://moved.example/feed").unwrap())
        .unwrap();
    store.mark_gone(a).unwrap();
    let record = store.feed(&url).unwrap().unwrap();
    assert_eq!(record.fetch_url.as_deref(), Some("https://moved.example/feed"));
    assert!(record.gone);
    // The same configuration again keeps them.
    assert!(!store.apply_config_digest("one").unwrap());
    assert!(store.feed(&url).unwrap().unwrap().gone);
    assert!(store.apply_config_digest("two").unwrap());
    let record = store.feed(&url).unwrap().unwrap();
    assert_eq!((record.fetch_url, record.gone), (None, false));
});

contract!(fn stories_per_feed_counts_distinct_stories(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let b = feed(&mut *store, "https://b.example/feed");
    feed(&mut *store, "https://c.example/feed");
    store
        .apply_update(a, now(), &update(vec![item("1", "T", "One"), item("2", "U", "Two")]))
        .unwrap();
    store
        .apply_update(b, now(), &update(vec![item("1", "T", "One")]))
        .unwrap();
    let counts = store.stories_per_feed().unwrap();
    assert_eq!(counts.get("https://a.example/feed"), Some(&2));
    assert_eq!(counts.get("https://b.example/feed"), Some(&1));
    assert_eq!(counts.get("https://c.example/feed"), Some(&0));
});

contract!(fn the_article_cache_remembers_each_link_across_opens(db) {
    use crate::store::FetchedArticle;
    let mut store = db.open();
    assert!(store.articles(&["https://a.example/1"]).unwrap().is_empty());
    let fetched = [
        FetchedArticle {
            link: "https://a.example/1".to_owned(),
            outcome: "extracted".to_owned(),
            content_html: Some("<p>Whole text.</p>".to_owned()),
        },
        FetchedArticle {
            link: "https://a.example/2".to_owned(),
            outcome: "not_an_article".to_owned(),
            content_html: None,
        },
    ];
    store.record_articles(&fetched, now()).unwrap();
    drop(store);
    let mut store = db.open();
    let found = store
        .articles(&["https://a.example/1", "https://a.example/2", "https://a.example/3"])
        .unwrap();
    assert_eq!(found.len(), 2, "{found:?}");
    let one = &found["https://a.example/1"];
    assert_eq!(one.content_html.as_deref(), Some("<p>Whole text.</p>"));
    assert_eq!((one.outcome.as_str(), one.fetched_at), ("extracted", now()));
    let two = &found["https://a.example/2"];
    assert_eq!((two.content_html.as_deref(), two.outcome.as_str()), (None, "not_an_article"));
    // Recorded again: replaced.
    store
        .record_articles(
            &[FetchedArticle {
                link: "https://a.example/2".to_owned(),
                outcome: "extracted".to_owned(),
                content_html: Some("<p>Later.</p>".to_owned()),
            }],
            now(),
        )
        .unwrap();
    let found = store.articles(&["https://a.example/2"]).unwrap();
    assert_eq!(
        found["https://a.example/2"].content_html.as_deref(),
        Some("<p>Later.</p>")
    );
});

contract!(fn cached_articles_fetched_before_a_cutoff_are_pruned(db) {
    use crate::store::FetchedArticle;
    let mut store = db.open();
    let article = |link: &str| FetchedArticle {
        link: link.to_owned(),
        outcome: "extracted".to_owned(),
        content_html: Some("<p>Text.</p>".to_owned()),
    };
    store.record_articles(&[article("https://a.example/old")], now() - chrono::Duration::days(40)).unwrap();
    store.record_articles(&[article("https://a.example/new")], now()).unwrap();
    assert_eq!(store.prune_articles(now() - chrono::Duration::days(30)).unwrap(), 1);
    let found = store.articles(&["https://a.example/old", "https://a.example/new"]).unwrap();
    assert_eq!(found.keys().collect::<Vec<_>>(), vec!["https://a.example/new"]);
});

contract!(fn a_story_keeps_its_summary(db) {
    let mut store = db.open();
    let a = feed(&mut *store, "https://a.example/feed");
    let mut with_summary = item("a", "T", "The whole article text.");
    with_summary.story.summary = Some("The teaser.".to_owned());
    store
        .apply_update(a, now(), &update(vec![with_summary, item("b", "U", "Other text.")]))
        .unwrap();
    let stories = store.stories(&crate::store::StoryQuery::default()).unwrap();
    let summary = |title: &str| {
        stories
            .iter()
            .find(|story| story.title == title)
            .map(|story| story.summary.clone())
            .unwrap()
    };
    assert_eq!(summary("T").as_deref(), Some("The teaser."));
    assert_eq!(summary("U"), None);
});
