//! XML attacks and pathological nesting through `parse` (and, for the
//! bodies, `normalize`): nothing expands, nothing is read or fetched,
//! nothing overflows the stack.

use std::io::Read as _;
use std::net::TcpListener;

use crate::parse::*;

fn base() -> Url {
    Url::parse("https://example.com/feed.xml").expect("constant URL")
}

fn rss_with_doctype(doctype: &str, title: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?>\n{doctype}\n<rss version=\"2.0\"><channel><title>Feed</title>\
         <item><guid>1</guid><title>{title}</title><description>Body text.</description></item>\
         </channel></rss>"
    )
}

/// Parses, and returns every text the result holds, to search for leaks.
fn all_text(body: &str) -> String {
    match parse(body.as_bytes(), None, &base()) {
        Ok(feed) => {
            let mut text = feed.title.unwrap_or_default();
            for entry in &feed.entries {
                text.push_str(entry.title.as_deref().unwrap_or_default());
                text.push_str(entry.content_html.as_deref().unwrap_or_default());
                text.push_str(entry.summary_html.as_deref().unwrap_or_default());
            }
            text
        }
        Err(error) => error.to_string(),
    }
}

#[test]
fn billion_laughs_and_quadratic_blowup_are_not_expanded() {
    let mut doctype = String::from("<!DOCTYPE lolz [<!ENTITY lol \"lol\">");
    for level in 2..=9 {
        let previous = if level == 2 {
            "lol".to_owned()
        } else {
            format!("lol{}", level - 1)
        };
        let _ = std::fmt::Write::write_fmt(
            &mut doctype,
            format_args!(
                "<!ENTITY lol{level} \"{}\">",
                format!("&{previous};").repeat(10)
            ),
        );
    }
    doctype.push_str("]>");
    let text = all_text(&rss_with_doctype(&doctype, "&lol9;"));
    assert!(text.len() < 10_000, "expanded to {} bytes", text.len());

    // One big entity referenced many times.
    let big = "x".repeat(100_000);
    let doctype = format!("<!DOCTYPE q [<!ENTITY big \"{big}\">]>");
    let text = all_text(&rss_with_doctype(&doctype, &"&big;".repeat(10_000)));
    assert!(text.len() < 1_000_000, "expanded to {} bytes", text.len());
}

#[test]
fn external_entities_and_dtds_are_never_read_or_fetched() {
    let dir = tempfile::tempdir().expect("temp dir");
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "SECRET-7f3a9").expect("write secret");
    // A listener that would see any fetch of a DTD or entity.
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let remote = format!("http://{}/evil.dtd", listener.local_addr().expect("addr"));
    let file = format!("file://{}", secret.display());
    let cases = [
        rss_with_doctype(
            &format!("<!DOCTYPE r [<!ENTITY xxe SYSTEM \"{file}\">]>"),
            "&xxe;",
        ),
        rss_with_doctype(
            &format!("<!DOCTYPE r [<!ENTITY xxe SYSTEM \"{remote}\">]>"),
            "&xxe;",
        ),
        rss_with_doctype(&format!("<!DOCTYPE rss SYSTEM \"{remote}\">"), "Title"),
        rss_with_doctype(
            &format!(
                "<!DOCTYPE r [<!ENTITY % pe SYSTEM \"{file}\"> %pe; <!ENTITY % r2 SYSTEM \"{remote}\"> %r2;]>"
            ),
            "Title",
        ),
        rss_with_doctype(
            "<!DOCTYPE r [<!ENTITY a \"&b;\"><!ENTITY b \"&a;\">]>",
            "&a;",
        ),
    ];
    for case in &cases {
        let text = all_text(case);
        assert!(
            !text.contains("SECRET-7f3a9"),
            "file content leaked: {text}"
        );
    }
    match listener.accept() {
        Ok((mut stream, _)) => {
            let mut request = String::new();
            let _ = stream.read_to_string(&mut request);
            panic!("a DTD or entity was fetched: {request}");
        }
        Err(error) => assert_eq!(error.kind(), std::io::ErrorKind::WouldBlock),
    }
}

#[test]
fn html_named_entities_without_a_dtd_are_decoded() {
    let body = rss_with_doctype(
        "",
        "Caf&eacute; r&eacute;sum&eacute;&nbsp;&hellip; &mdash; 5&nbsp;&euro;",
    );
    let feed = parse(body.as_bytes(), None, &base()).expect("a feed");
    // Titles are plain text with whitespace collapsed (no-break spaces too).
    assert_eq!(
        feed.entries[0].title.as_deref(),
        Some("Café résumé … — 5 €")
    );
}

#[test]
fn ten_thousand_levels_of_nesting_overflow_nothing() {
    let depth = 10_000;
    // Elements nested in the item, in XML.
    let xml = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>F</title><item><guid>1</guid>\
         <title>Deep</title>{}{}<description>Body.</description></item></channel></rss>",
        "<x>".repeat(depth),
        "</x>".repeat(depth)
    );
    let _ = parse(xml.as_bytes(), None, &base());
    // Nested HTML in a description, through the sanitizer and text
    // extraction.
    let html = format!("{}deep{}", "<div>".repeat(depth), "</div>".repeat(depth));
    let xml = format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>F</title><item><guid>1</guid>\
         <title>Deep</title><description><![CDATA[{html}]]></description></item></channel></rss>"
    );
    let feed = parse(xml.as_bytes(), None, &base()).expect("a feed");
    let item = crate::normalize::normalize_entry(&feed.entries[0]).expect("an item");
    assert!(item.story.content_text.contains("deep"));
    // Nested JSON: refused with a clear error, not a crash.
    let json = format!(
        "{{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"t\",\"items\":[{{\"id\":\"1\",\"x\":{}1{}}}]}}",
        "[".repeat(depth),
        "]".repeat(depth)
    );
    let _ = parse(json.as_bytes(), None, &base());
}

#[test]
fn a_truncated_document_keeps_its_complete_items() {
    let full = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>F</title>\
        <item><guid>1</guid><title>First</title><description>One.</description></item>\
        <item><guid>2</guid><title>Second</title><description>Two.</description></item>\
        <item><guid>3</guid><title>Third</title><descr";
    let feed = parse(full.as_bytes(), None, &base()).expect("the complete items");
    let titles: Vec<&str> = feed
        .entries
        .iter()
        .filter_map(|e| e.title.as_deref())
        .collect();
    assert!(titles.starts_with(&["First", "Second"]), "{titles:?}");
}

#[test]
fn items_outside_the_channel_are_read() {
    let body = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>F</title></channel>\
        <item><guid>1</guid><title>Stray</title><description>Outside.</description></item></rss>";
    let feed = parse(body.as_bytes(), None, &base()).expect("a feed");
    assert_eq!(feed.entries.len(), 1);
    assert_eq!(feed.entries[0].title.as_deref(), Some("Stray"));
}

#[test]
fn relative_links_resolve_against_xml_base_or_the_feed() {
    let body = "<?xml version=\"1.0\"?><feed xmlns=\"http://www.w3.org/2005/Atom\" xml:base=\"https://news.example/section/\">\
        <title>F</title><id>f</id><updated>2024-01-01T00:00:00Z</updated>\
        <entry><id>1</id><title>A</title><updated>2024-01-01T00:00:00Z</updated><link href=\"story/1\"/></entry>\
        </feed>";
    let feed = parse(body.as_bytes(), None, &base()).expect("a feed");
    assert_eq!(
        feed.entries[0].link.as_ref().map(Url::as_str),
        Some("https://news.example/section/story/1")
    );
    let body = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>F</title>\
        <item><guid>1</guid><title>A</title><link>/a/1</link></item></channel></rss>";
    let feed = parse(body.as_bytes(), None, &base()).expect("a feed");
    assert_eq!(
        feed.entries[0].link.as_ref().map(Url::as_str),
        Some("https://example.com/a/1")
    );
}

#[test]
fn json_that_is_not_a_json_feed_is_named_as_such() {
    for body in [
        // An API response, GeoJSON, a bare list, RSS converted to JSON.
        r#"{"status": "ok", "data": [{"title": "x"}]}"#,
        r#"{"type": "FeatureCollection", "features": []}"#,
        r#"[{"title": "A", "url": "https://e.example/a"}]"#,
        r#"{"rss": {"channel": {"item": [{"title": "x"}]}}}"#,
        r#""just a string""#,
        "{\"items\": 5}",
    ] {
        match parse(body.as_bytes(), Some("application/json"), &base()) {
            Err(Error::NotAFeed { reason }) => {
                assert!(reason.contains("JSON"), "{body}: {reason}")
            }
            other => panic!("{body}: {other:?}"),
        }
    }
}

#[test]
fn json_feed_items_of_the_wrong_type_are_dropped_or_reshaped() {
    let body = r#"{"version": "https://jsonfeed.org/version/1.1", "title": ["not", "a", "string"],
        "items": [
            1, "two", null, [], true,
            {"id": {"nested": 1}, "title": ["a list"], "url": 5, "content_html": {"x": 1},
             "content_text": "Kept despite its fields.", "date_published": 12345,
             "authors": "Ann", "tags": {"k": "v"}, "attachments": "nope"},
            {"id": "ok", "title": "Fine", "content_text": "A well-formed item."}
        ]}"#;
    let feed = parse(body.as_bytes(), None, &base()).expect("a feed");
    assert_eq!(feed.entries.len(), 2, "{:#?}", feed.entries);
    assert!(
        feed.warnings
            .iter()
            .any(|w| w.contains("dropped 5 JSON Feed items that were not objects")),
        "{:?}",
        feed.warnings
    );
    let odd = &feed.entries[0];
    assert_eq!(
        odd.content_html.as_deref(),
        Some("Kept despite its fields.")
    );
    assert_eq!(feed.entries[1].title.as_deref(), Some("Fine"));
}

#[test]
fn a_truncated_document_after_repairs_keeps_its_items() {
    // HTML entities before the root make the repair pass shorten the text
    // (shifting every offset) before the truncation is closed: found by
    // the fuzz run, which sliced the repaired text with the original's
    // offsets.
    let doc = format!(
        "<?xml version=\"1.0\"?><?xml-stylesheet title=\"{}\" href=\"s.css\"?>\
         <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
         xmlns=\"http://purl.org/rss/1.0/\"><channel><title>T</title></channel>\
         <item rdf:about=\"https://e.example/1\"><title>One</title><link>https://e.example/1</link></item><item><title>Tw",
        "&nbsp;".repeat(100)
    );
    let feed = parse(doc.as_bytes(), None, &base()).expect("the complete item is kept");
    assert_eq!(feed.entries.len(), 1);
    assert_eq!(feed.entries[0].title.as_deref(), Some("One"));
}

#[test]
fn a_second_xml_declaration_does_not_crash_the_parser() {
    // Two documents pasted together, the second with its own declaration:
    // quick-xml 0.42 panics on it (caught, but the feed would be lost).
    let doc = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>T</title>\
        <item><guid>1</guid><title>One</title></item>\
        <?xml version=\"1.0\" encoding=\"iso-8859-1\"?>\
        <item><guid>2</guid><title>Two</title></item></channel></rss>";
    let feed = parse(doc.as_bytes(), None, &base()).expect("parsed, not crashed");
    assert_eq!(feed.entries.len(), 2);
}
