//! End-to-end tests of `parse`: one per repair, through feed-rs; encodings
//! and hostile documents have files of their own.

use super::*;

mod encoding;
mod hostile;

fn base() -> Url {
    Url::parse("https://example.com/blog/feed.xml").expect("constant URL")
}

fn ok(body: &[u8]) -> ParsedFeed {
    match parse(body, None, &base()) {
        Ok(feed) => feed,
        Err(e) => panic!("expected a feed, got {e}"),
    }
}

fn rss(items: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Feed</title><link>https://example.com/</link>{items}</channel></rss>"#
    )
}

#[test]
fn plain_rss_maps_fields() {
    let feed = ok(rss(
        r#"<item><title>Hello</title><link>https://example.com/a</link><guid>id-1</guid>
        <author>ann@example.com (Ann)</author><pubDate>Fri, 01 Mar 2024 10:00:00 GMT</pubDate>
        <description>&lt;p&gt;Sum&lt;/p&gt;</description></item>"#,
    )
    .as_bytes());
    assert_eq!(feed.title.as_deref(), Some("Feed"));
    assert_eq!(
        feed.link.as_ref().map(Url::as_str),
        Some("https://example.com/")
    );
    let e = &feed.entries[0];
    assert_eq!(e.guid.as_deref(), Some("id-1"));
    assert_eq!(e.title.as_deref(), Some("Hello"));
    assert_eq!(
        e.link.as_ref().map(Url::as_str),
        Some("https://example.com/a")
    );
    assert_eq!(e.summary_html.as_deref(), Some("<p>Sum</p>"));
    assert_eq!(
        e.published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-03-01T10:00:00+00:00")
    );
    assert_eq!(
        e.author.as_deref(),
        Some("Ann"),
        "the address is not part of the name"
    );
}

#[test]
fn guid_is_none_when_the_feed_has_none() {
    let feed =
        ok(rss("<item><title>No id</title><link>https://example.com/x</link></item>").as_bytes());
    assert_eq!(feed.entries.len(), 1);
    assert_eq!(feed.entries[0].guid, None);
}

#[test]
fn relative_links_resolve_against_xml_base_and_feed_url() {
    let atom = r#"<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://other.example/dir/">
        <title>t</title><id>f</id>
        <entry><id>1</id><title>a</title><link rel="enclosure" href="/a.mp3"/><link href="post/1"/></entry>
        </feed>"#;
    let feed = ok(atom.as_bytes());
    assert_eq!(
        feed.entries[0].link.as_ref().map(Url::as_str),
        Some("https://other.example/dir/post/1")
    );

    let feed = ok(rss("<item><title>r</title><link>/posts/2</link></item>").as_bytes());
    assert_eq!(
        feed.entries[0].link.as_ref().map(Url::as_str),
        Some("https://example.com/posts/2")
    );
}

#[test]
fn bare_ampersand_is_repaired() {
    let feed = ok(rss(
        "<item><title>Tom & Jerry</title><link>https://example.com/?a=1&b=2</link></item>",
    )
    .as_bytes());
    assert_eq!(feed.entries[0].title.as_deref(), Some("Tom & Jerry"));
    assert_eq!(
        feed.entries[0].link.as_ref().map(Url::as_str),
        Some("https://example.com/?a=1&b=2")
    );
    assert!(
        feed.warnings.iter().any(|w| w.contains("'&'")),
        "{:?}",
        feed.warnings
    );
}

#[test]
fn html_entities_are_decoded_in_titles() {
    // Undefined in XML: feed-rs keeps them literally, we decode.
    let feed = ok(rss(
        "<item><title>caf&eacute;&nbsp;&hellip; &amp;amp; co</title><guid>1</guid></item>",
    )
    .as_bytes());
    assert_eq!(feed.entries[0].title.as_deref(), Some("café … & co"));
}

#[test]
fn rss_without_version_parses() {
    let feed = ok(b"<rss><channel><title>t</title><item><title>i</title><guid>g</guid></item></channel></rss>");
    assert_eq!(feed.entries.len(), 1);
    assert!(feed.warnings.iter().any(|w| w.contains("version")));
}

#[test]
fn rss_items_without_channel() {
    let feed = ok(b"<rss version=\"2.0\"><item><title>i</title><guid>g</guid></item></rss>");
    assert_eq!(feed.entries.len(), 1);
}

#[test]
fn userland_namespace_rss_has_entries() {
    let feed = ok(
        br#"<rss version="2.0" xmlns="http://backend.userland.com/rss2"><channel><title>t</title>
        <item><title>i</title><guid>g</guid></item></channel></rss>"#,
    );
    assert_eq!(feed.entries.len(), 1);
}

#[test]
fn atom_0_3_has_entries_and_dates() {
    let feed = ok(br#"<?xml version="1.0"?><feed version="0.3" xmlns="http://purl.org/atom/ns#">
        <title type="text/plain" mode="escaped">Old</title>
        <entry><title>e</title><id>tag:x,2004:1</id><link rel="alternate" type="text/html" href="http://x.example/1"/>
        <issued>2004-01-02T03:04:05Z</issued><modified>2004-01-03T03:04:05Z</modified>
        <content type="text/html" mode="escaped">&lt;b&gt;hi&lt;/b&gt;</content></entry></feed>"#);
    assert_eq!(feed.title.as_deref(), Some("Old"));
    let e = &feed.entries[0];
    assert_eq!(e.guid.as_deref(), Some("tag:x,2004:1"));
    assert!(e.published.is_some() && e.updated.is_some());
    assert_eq!(e.content_html.as_deref(), Some("<b>hi</b>"));
}

#[test]
fn rss_0_90_has_entries() {
    let feed = ok(br#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://my.netscape.com/rdf/simple/0.9/">
        <channel><title>t</title><link>http://x.example/</link></channel>
        <item><title>i</title><link>http://x.example/1</link></item></rdf:RDF>"#);
    assert_eq!(feed.entries.len(), 1);
}

#[test]
fn rss_1_0_item_without_link_uses_rdf_about() {
    let feed = ok(br#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
        <channel rdf:about="http://x.example/"><title>t</title></channel>
        <item rdf:about="http://x.example/1"><title>i</title></item></rdf:RDF>"#);
    assert_eq!(
        feed.entries[0].link.as_ref().map(Url::as_str),
        Some("http://x.example/1")
    );
}

#[test]
fn unknown_atom_type_is_mapped() {
    let feed = ok(br#"<feed xmlns="http://www.w3.org/2005/Atom"><title type="TEXT">t</title><id>f</id>
        <entry><id>1</id><title type="text/plain">a &lt; b</title><summary type="plain">s</summary></entry></feed>"#);
    let e = &feed.entries[0];
    assert_eq!(e.title.as_deref(), Some("a < b"));
    assert_eq!(e.summary_html.as_deref(), Some("s"));
}

#[test]
fn plain_text_content_is_escaped() {
    let feed = ok(br#"<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>f</id>
        <entry><id>1</id><title>x</title><content type="text">1 &lt; 2 &amp; 3</content></entry></feed>"#);
    assert_eq!(
        feed.entries[0].content_html.as_deref(),
        Some("1 &lt; 2 &amp; 3")
    );
}

#[test]
fn charset_from_declaration_reaches_titles() {
    let mut body =
        b"<?xml version=\"1.0\" encoding=\"windows-1251\"?><rss version=\"2.0\"><channel><title>"
            .to_vec();
    body.extend_from_slice(b"\xCD\xEE\xE2\xEE\xF1\xF2\xE8"); // "Новости"
    body.extend_from_slice(b"</title></channel></rss>");
    assert_eq!(ok(&body).title.as_deref(), Some("Новости"));
}

#[test]
fn http_charset_wins() {
    let body = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel><title>caf\xE9</title></channel></rss>";
    let feed = parse(body, Some("text/xml; charset=iso-8859-1"), &base()).expect("parses");
    assert_eq!(feed.title.as_deref(), Some("café"));
}

#[test]
fn utf16be_with_bom_does_not_panic() {
    // feed-rs/quick-xml 0.42 panic on this when given the raw bytes.
    let doc = "<?xml version=\"1.0\" encoding=\"utf-16\"?><rss version=\"2.0\"><channel><title>Ünï</title>\
               <item><title>é</title><guid>1</guid></item></channel></rss>";
    let mut body = vec![0xFE, 0xFF];
    for unit in doc.encode_utf16() {
        body.extend_from_slice(&unit.to_be_bytes());
    }
    // Handed over undecoded, feed-rs panics; the panic must be caught.
    assert!(matches!(
        run_feed_rs(&body, &base()),
        Err(RunError::Panic(_))
    ));
    let feed = ok(&body);
    assert_eq!(feed.title.as_deref(), Some("Ünï"));
    assert_eq!(feed.entries.len(), 1);
}

#[test]
fn junk_before_declaration_is_dropped() {
    let feed = ok(format!(
        "\n\n  {}",
        rss("<item><title>i</title><guid>g</guid></item>")
    )
    .as_bytes());
    assert_eq!(feed.entries.len(), 1);
}

#[test]
fn json_feed_tolerance() {
    let body = br#"{"version": "http://jsonfeed.org/version/1", "title": "J",
        "items": [{"id": 7, "url": "/p/7", "title": "T &amp; U", "tags": "one",
                   "content_text": "a < b", "author": "Ann", "date_published": "2024-03-01 10:00"}]}"#;
    let feed = ok(body);
    assert_eq!(feed.title.as_deref(), Some("J"));
    let e = &feed.entries[0];
    assert_eq!(e.guid.as_deref(), Some("7"));
    assert_eq!(e.title.as_deref(), Some("T & U"));
    assert_eq!(e.content_html.as_deref(), Some("a &lt; b"));
    assert_eq!(e.author.as_deref(), Some("Ann"));
    assert!(e.published.is_some());
    assert_eq!(
        e.link.as_ref().map(Url::as_str),
        Some("https://example.com/p/7")
    );
}

#[test]
fn json_without_id_has_no_guid_and_bom_is_stripped() {
    let body = "\u{FEFF}{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"J\",\"items\":[{\"url\":\"https://e.example/1\"}]}";
    let feed = ok(body.as_bytes());
    assert_eq!(feed.entries[0].guid, None);
}

#[test]
fn non_feed_json_and_html_are_not_feeds() {
    let e = parse(br#"{"rss": {"channel": {}}}"#, None, &base());
    assert!(matches!(e, Err(Error::NotAFeed { .. })), "{e:?}");
    let e = parse(
        b"<!DOCTYPE html><html><head><title>x</title></head></html>",
        None,
        &base(),
    );
    assert!(matches!(e, Err(Error::NotAFeed { .. })), "{e:?}");
    for empty in [
        &b""[..],
        b"  \n\t\r\n ",
        b"\xEF\xBB\xBF",
        b"\xFF\xFE",
        b"\xEF\xBB\xBF \n",
    ] {
        match parse(empty, Some("application/rss+xml"), &base()) {
            Err(Error::NotAFeed { reason }) => assert_eq!(reason, "empty document"),
            other => panic!("{empty:?}: {other:?}"),
        }
    }
}

#[test]
fn truncated_document_reports_line_and_column() {
    let body = b"<rss version=\"2.0\">\n<channel>\n<title>t</title>\n<item><title>a</title></channel>\n</rss>";
    match parse(body, None, &base()) {
        Err(Error::Malformed {
            line,
            column,
            message,
        }) => {
            assert_eq!(line, Some(4), "{message}");
            assert_eq!(column, Some(23), "{message}");
        }
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn invalid_json_reports_position() {
    match parse(
        b"{\"version\": \"https://jsonfeed.org/version/1\",\n \"items\": [",
        None,
        &base(),
    ) {
        Err(Error::Malformed { line, .. }) => assert_eq!(line, Some(2)),
        other => panic!("expected Malformed, got {other:?}"),
    }
}

#[test]
fn fallback_dates_through_feed_rs() {
    let feed = ok(rss(
        "<item><guid>1</guid><pubDate>Пт, 01 марта 2024 10:00:00 MSK</pubDate></item>\
                      <item><guid>2</guid><pubDate>01.03.2024 10:00</pubDate></item>",
    )
    .as_bytes());
    assert_eq!(
        feed.entries[0].published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-03-01T07:00:00+00:00")
    );
    assert_eq!(
        feed.entries[1].published.map(|d| d.to_rfc3339()).as_deref(),
        Some("2024-03-01T10:00:00+00:00")
    );
}

#[test]
fn feed_embedded_in_xhtml_page() {
    let feed = ok(br#"<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><body>
        <feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>f</id><entry><id>1</id><title>a</title></entry></feed>
        </body></html>"#);
    assert_eq!(feed.entries.len(), 1);
}

#[test]
fn zero_entries_with_items_is_a_warning() {
    // Items in a namespace feed-rs does not read.
    let feed = ok(br#"<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
        xmlns:x="http://x.example/"><channel><title>t</title></channel><x:item><x:title>i</x:title></x:item></rdf:RDF>"#);
    assert!(feed.entries.is_empty());
    assert!(
        feed.warnings.iter().any(|w| w.contains("0 entries")),
        "{:?}",
        feed.warnings
    );
}

#[test]
fn gzip_body_is_not_a_feed() {
    let e = parse(&[0x1F, 0x8B, 0x08, 0x00], None, &base());
    assert!(matches!(e, Err(Error::NotAFeed { .. })), "{e:?}");
}

#[test]
fn json_ignores_http_charset() {
    let body = "{\"version\":\"https://jsonfeed.org/version/1.1\",\"title\":\"Café\",\"items\":[]}";
    let feed = parse(
        body.as_bytes(),
        Some("application/json; charset=iso-8859-1"),
        &base(),
    )
    .expect("parses");
    assert_eq!(feed.title.as_deref(), Some("Café"));
}

#[test]
fn rss_1_0_item_without_link_or_about_is_kept_without_a_link() {
    let doc = "<?xml version=\"1.0\"?><rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
        xmlns=\"http://purl.org/rss/1.0/\"><channel><title>T</title></channel>\
        <item><title>One</title><description>Text.</description></item></rdf:RDF>";
    let feed = ok(doc.as_bytes());
    assert_eq!(feed.entries.len(), 1, "{:?}", feed.warnings);
    assert_eq!(feed.entries[0].title.as_deref(), Some("One"));
    assert_eq!(feed.entries[0].link, None);
}
