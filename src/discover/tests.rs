use super::*;

fn base(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn summary(links: &[FeedLink]) -> Vec<(&str, Option<&str>, FeedKind)> {
    links
        .iter()
        .map(|l| (l.url.as_str(), l.title.as_deref(), l.kind))
        .collect()
}

#[test]
fn wordpress_head() {
    let html = r#"<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<title>Example Blog &#8211; Just another WordPress site</title>
<link rel='dns-prefetch' href='//s.w.org' />
<link rel="alternate" type="application/rss+xml" title="Example Blog &raquo; Feed" href="https://blog.example.com/feed/" />
<link rel="alternate" type="application/rss+xml" title="Example Blog &raquo; Comments Feed" href="https://blog.example.com/comments/feed/" />
<link rel="https://api.w.org/" href="https://blog.example.com/wp-json/" />
<link rel="alternate" type="application/json" href="https://blog.example.com/wp-json/wp/v2/pages/2" />
<link rel="alternate" type="application/json+oembed" href="https://blog.example.com/wp-json/oembed/1.0/embed?url=x" />
<link rel="stylesheet" href="/style.css" type="text/css" />
<script>document.write('<link rel="alternate" type="application/rss+xml" href="/fake">');</script>
</head><body><p>Hello</p></body></html>"#;
    let links = feed_links(html, &base("https://blog.example.com/"));
    assert_eq!(
        summary(&links),
        [
            (
                "https://blog.example.com/feed/",
                Some("Example Blog \u{bb} Feed"),
                FeedKind::Rss
            ),
            (
                "https://blog.example.com/comments/feed/",
                Some("Example Blog \u{bb} Comments Feed"),
                FeedKind::Rss
            ),
            // WordPress's REST alternate is typed application/json; it is
            // reported (JSON Feed uses that type too), the caller's fetch
            // will tell it is no feed.
            (
                "https://blog.example.com/wp-json/wp/v2/pages/2",
                None,
                FeedKind::Json
            ),
        ]
    );
}

#[test]
fn atom_and_json_feed_with_base() {
    let html = r#"<html><head>
<link rel="alternate" type="application/atom+xml" href="atom.xml" title="Atom">
<base href="https://cdn.example.net/site/">
<base href="https://ignored.example/">
<link rel="alternate" type="application/feed+json" href="feed.json" title="JSON Feed">
<link rel="alternate" type="application/atom+xml; charset=utf-8" href="/atom.xml">
</head></html>"#;
    let links = feed_links(html, &base("https://www.example.net/blog/post.html"));
    assert_eq!(
        summary(&links),
        [
            (
                "https://cdn.example.net/site/atom.xml",
                Some("Atom"),
                FeedKind::Atom
            ),
            (
                "https://cdn.example.net/site/feed.json",
                Some("JSON Feed"),
                FeedKind::Json
            ),
            ("https://cdn.example.net/atom.xml", None, FeedKind::Atom),
        ]
    );
}

#[test]
fn rel_tokens_case_and_uppercase_tags() {
    let html = r#"<HTML><HEAD>
<LINK REL="Alternate Feed" TYPE="Application/RSS+XML" HREF="/rss.xml" TITLE="  All   posts ">
<link rel="feed alternate" type="application/atom+xml" href="/atom">
<link rel="alternates" type="application/rss+xml" href="/not-a-token-match">
<link rel="alternate" type="text/html" href="/fr/">
<link rel="alternate" hreflang="de" type="application/rss+xml" href="">
</HEAD></HTML>"#;
    let links = feed_links(html, &base("http://example.org/a/b"));
    assert_eq!(
        summary(&links),
        [
            (
                "http://example.org/rss.xml",
                Some("All posts"),
                FeedKind::Rss
            ),
            ("http://example.org/atom", None, FeedKind::Atom),
        ]
    );
}

#[test]
fn relative_protocol_relative_duplicates_and_schemes() {
    let html = r#"<head>
<link rel=alternate type=application/rss+xml href=feed.xml>
<link rel="alternate" type="application/rss+xml" href="//feeds.example.com/main">
<link rel="alternate" type="application/rss+xml" href="https://www.example.com/news/feed.xml">
<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">
<link rel="alternate" type="application/rss+xml" href="ftp://example.com/feed.xml">
<link rel="alternate" type="application/rss+xml" href="  /news/feed.xml  ">
</head>"#;
    let links = feed_links(html, &base("https://www.example.com/news/"));
    assert_eq!(
        summary(&links),
        [
            ("https://www.example.com/news/feed.xml", None, FeedKind::Rss),
            ("https://feeds.example.com/main", None, FeedKind::Rss),
        ]
    );
}

#[test]
fn page_without_feeds() {
    let html = r#"<!doctype html><html><head><title>No feeds</title>
<link rel="icon" href="/favicon.ico"><link rel="canonical" href="https://example.com/">
<!-- <link rel="alternate" type="application/rss+xml" href="/commented-out"> -->
</head><body><a rel="alternate" type="application/rss+xml" href="/anchor-not-link">RSS</a>
<textarea><link rel="alternate" type="application/rss+xml" href="/in-textarea"></textarea></body></html>"#;
    assert!(feed_links(html, &base("https://example.com/")).is_empty());
    assert!(feed_links("", &base("https://example.com/")).is_empty());
    assert!(
        feed_links(
            "<link rel=alternate type=application/rss+xml href=",
            &base("https://example.com/")
        )
        .is_empty()
    );
}

#[test]
fn html_or_feed() {
    assert!(looks_like_html(b"<!DOCTYPE html><html>", None));
    assert!(looks_like_html(
        b"\xEF\xBB\xBF  \n<!-- generated -->\n<!doctype HTML>",
        None
    ));
    assert!(looks_like_html(b"<HTML lang=en>", None));
    assert!(looks_like_html(
        b"<div>fragment</div>",
        Some("text/html; charset=utf-8")
    ));
    assert!(looks_like_html(b"", Some("TEXT/HTML")));
    assert!(!looks_like_html(
        b"<?xml version=\"1.0\"?><rss version=\"2.0\">",
        None
    ));
    assert!(!looks_like_html(
        b"<rss version=\"2.0\">",
        Some("text/html")
    ));
    assert!(!looks_like_html(
        b"<?xml version='1.0'?><feed xmlns='http://www.w3.org/2005/Atom'>",
        Some("application/atom+xml")
    ));
    assert!(!looks_like_html(
        b"{\"version\": \"https://jsonfeed.org/version/1.1\"}",
        Some("application/feed+json")
    ));
    assert!(!looks_like_html(b"<!-- unterminated", None));
    assert!(!looks_like_html(b"", None));
}
