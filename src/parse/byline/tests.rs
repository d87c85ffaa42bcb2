//! Bylines from the forms in tests/corpus (the file each comes from is
//! named), alone and through feed-rs in every element that carries one.

use super::*;
use crate::parse::{ParsedFeed, parse};
use url::Url;

fn name(raw: &str) -> Option<String> {
    person_name(raw, false)
}

#[test]
fn a_name_alone_is_kept_as_it_is() {
    assert_eq!(name("Marco Arment").as_deref(), Some("Marco Arment"));
    assert_eq!(name("  Jane\n  Doe ").as_deref(), Some("Jane Doe"));
    // rss-parser/rss-1.rss, guardian.rss, wapowellness.xml: commas, "and",
    // "in", parentheses inside a name are the name.
    for kept in [
        "Ash, C., Mueller, K. L.",
        "Sam Jones in Madrid and Stephen Burgen in Barcelona",
        "Nick Ames (now), Ed Aarons and Ben Fisher (earlier)",
        "Lenny Bernstein, illustration by Anna Parini for the washington post",
        "/u/llogiq",
        "大鱼儿",
    ] {
        assert_eq!(name(kept).as_deref(), Some(kept));
    }
}

#[test]
fn rss_address_then_name_in_parentheses_is_the_name() {
    // What feed-rs leaves of `desk@example.org (Wire Desk)`.
    assert_eq!(
        person_name("(Wire Desk)", true).as_deref(),
        Some("Wire Desk")
    );
    // The same form when the address reaches us whole.
    for (raw, want) in [
        ("desk@example.org (Wire Desk)", "Wire Desk"),
        ("jbb@dallas.example.com (Joe Bob Briggs)", "Joe Bob Briggs"),
        // feedvalidator html_in_channel_category.xml: the name escaped twice.
        ("loic@example.com (Lo&#239;c Le Meur)", "Loïc Le Meur"),
        (
            "jgarcia@example.org (Jos&eacute; Garc&iacute;a)",
            "José García",
        ),
        ("email@example.org (Author Name)", "Author Name"),
    ] {
        assert_eq!(name(raw).as_deref(), Some(want), "{raw}");
    }
}

#[test]
fn name_then_address_in_any_brackets_is_the_name() {
    for (raw, want) in [
        ("Example editor (me@example.com)", "Example editor"),
        ("Example editor (me+spam@example.com)", "Example editor"),
        ("John Smith <jsmith@example.org>", "John Smith"),
        ("\"John Smith\" <jsmith@example.org>", "John Smith"),
        ("John Smith (mailto:jsmith@example.org)", "John Smith"),
        ("Rael Dornfest (mailto:rael@oreilly.com)", "Rael Dornfest"),
        ("John Smith, jsmith@example.org", "John Smith"),
        ("John Smith [jsmith@example.org]", "John Smith"),
    ] {
        assert_eq!(name(raw).as_deref(), Some(want), "{raw}");
    }
    // What feed-rs leaves of `John Smith, jsmith@example.org`.
    assert_eq!(
        person_name("John Smith,", true).as_deref(),
        Some("John Smith")
    );
}

#[test]
fn an_address_alone_is_no_name() {
    for raw in [
        "webmaster@fcutrecht.net",
        "w-nws.webmaster@noaa.gov",
        "~@example.ie",
        "P.O'Neill@example.ie",
        "pcmonline@ziffdavis.com?subject=RSS_feed",
        "info@welcometonightvale.com (info@welcometonightvale.com)",
        "<me@example.com>",
        "mailto:user%40example.com%20%28name%29",
        "mailto:John%20Smith%20%3Cjsmith%40example%2Eorg%3E?subject=some%20feedback",
    ] {
        assert_eq!(name(raw), None, "{raw}");
    }
}

#[test]
fn empty_and_punctuation_names_are_no_name() {
    for raw in ["", " ", "\n\t", "()", "( )", "-", "\"\"", "&nbsp;"] {
        assert_eq!(name(raw), None, "{raw:?}");
    }
    assert_eq!(person_name("()", true), None);
}

#[test]
fn a_handle_is_not_an_address() {
    assert_eq!(
        name("Jane Doe (@jane)").as_deref(),
        Some("Jane Doe (@jane)")
    );
}

#[test]
fn several_people_make_one_byline_each_once() {
    let names = |list: &[&str]| byline(list.iter().filter_map(|n| name(n)));
    assert_eq!(names(&["Alice", "Bob"]).as_deref(), Some("Alice, Bob"));
    // rsparser/macworld.rss: <author> and <dc:creator> name the same person.
    assert_eq!(
        names(&["Jason Cross", "Jason Cross"]).as_deref(),
        Some("Jason Cross")
    );
    assert_eq!(
        names(&["Jon Phillips", "Alaina Yee", "jon phillips", "Alaina Yee"]).as_deref(),
        Some("Jon Phillips, Alaina Yee")
    );
    // feedvalidator duplicate_item_author.xml.
    assert_eq!(
        names(&[
            "me@example.com (Mark Pilgrim)",
            "me@example.com (Mark Pilgrim)"
        ])
        .as_deref(),
        Some("Mark Pilgrim")
    );
    assert_eq!(names(&["me@example.com", " "]), None);
    assert_eq!(names(&[]), None);
}

// Through feed-rs: every element that carries a byline.

fn base() -> Url {
    Url::parse("https://example.com/feed").expect("constant URL")
}

fn parsed(doc: &str) -> ParsedFeed {
    parse(doc.as_bytes(), None, &base()).unwrap_or_else(|e| panic!("{e}: {doc}"))
}

fn rss_item(inner: &str) -> Option<String> {
    let doc = format!(
        r#"<?xml version="1.0"?><rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
        xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>Feed</title>
        <item><title>T</title><description>Text</description>{inner}</item></channel></rss>"#
    );
    parsed(&doc).entries.remove(0).author
}

#[test]
fn rss_author_and_dc_creator_through_feed_rs() {
    for (inner, want) in [
        (
            "<author>desk@example.org (Wire Desk)</author>",
            Some("Wire Desk"),
        ),
        (
            "<author>loic@example.com (Lo&amp;#239;c Le Meur)</author>",
            Some("Loïc Le Meur"),
        ),
        (
            "<author>Example editor (me@example.com)</author>",
            Some("Example editor"),
        ),
        (
            "<author>Example editor &lt;me@example.com&gt;</author>",
            Some("Example editor"),
        ),
        (
            "<author>John Smith, jsmith@example.org</author>",
            Some("John Smith"),
        ),
        (
            "<author>John Smith (mailto:jsmith@example.org)</author>",
            Some("John Smith"),
        ),
        ("<author>webmaster@fcutrecht.net</author>", None),
        ("<author>~@example.ie</author>", None),
        ("<author> </author>", None),
        (
            "<dc:creator>me@example.com (Mark Pilgrim)</dc:creator>",
            Some("Mark Pilgrim"),
        ),
        (
            "<dc:creator>You (you@example.com)</dc:creator>",
            Some("You"),
        ),
        ("<dc:creator>robot@craigslist.org</dc:creator>", None),
        ("<dc:creator />", None),
        (
            "<author>Jason Cross</author><dc:creator>Jason Cross</dc:creator>",
            Some("Jason Cross"),
        ),
        (
            "<dc:creator>Alice</dc:creator><dc:creator>Bob</dc:creator>",
            Some("Alice, Bob"),
        ),
    ] {
        assert_eq!(rss_item(inner).as_deref(), want, "{inner}");
    }
}

#[test]
fn itunes_author_of_the_channel_applies_to_its_episodes() {
    let doc = r#"<?xml version="1.0"?><rss version="2.0"
        xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel><title>Show</title>
        <itunes:author>Marco Arment, Casey Liss, John Siracusa</itunes:author>
        <item><title>Episode 1</title><description>Talk</description></item>
        <item><title>Episode 2</title><description>More</description>
        <author>guest@example.org (A Guest)</author></item></channel></rss>"#;
    let feed = parsed(doc);
    assert_eq!(
        feed.entries[0].author.as_deref(),
        Some("Marco Arment, Casey Liss, John Siracusa")
    );
    assert_eq!(feed.entries[1].author.as_deref(), Some("A Guest"));
}

#[test]
fn atom_name_and_email_through_feed_rs() {
    let doc = r#"<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
        <title>F</title><id>urn:f</id><updated>2024-01-01T00:00:00Z</updated>
        <author><name>Feed Desk</name><email>desk@example.org</email></author>
        <entry><title>One</title><id>urn:1</id><updated>2024-01-01T00:00:00Z</updated>
          <author><name>John Doe</name><email>jd@example.org</email></author>
          <author><name>Jane Doe</name></author><summary>S</summary></entry>
        <entry><title>Two</title><id>urn:2</id><updated>2024-01-01T00:00:00Z</updated>
          <author><email>only@example.org</email></author><summary>S</summary></entry>
        <entry><title>Three</title><id>urn:3</id><updated>2024-01-01T00:00:00Z</updated>
          <summary>S</summary></entry>
        <entry><title>Four</title><id>urn:4</id><updated>2024-01-01T00:00:00Z</updated>
          <author><name>w-nws.webmaster@noaa.gov</name></author>
          <author><name>Jane Roe &lt;jr@example.org&gt;</name></author><summary>S</summary></entry>
        </feed>"#;
    let authors: Vec<Option<String>> = parsed(doc).entries.into_iter().map(|e| e.author).collect();
    assert_eq!(
        authors,
        [
            Some("John Doe, Jane Doe".to_owned()),
            // Only an address: the feed's author applies, as for none.
            Some("Feed Desk".to_owned()),
            Some("Feed Desk".to_owned()),
            Some("Jane Roe".to_owned()),
        ]
    );
}

#[test]
fn json_feed_authors_1_1_and_author_1_0_through_feed_rs() {
    let doc = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "J",
        "authors": [{"name": "Desk"}],
        "items": [
          {"id": "1", "content_text": "a", "authors": [{"name": "desk@example.org (Wire Desk)"},
                                                       {"name": "Ann <ann@example.org>"},
                                                       {"name": "Wire Desk"}]},
          {"id": "2", "content_text": "b", "author": {"name": "Brent Simmons and Manton Reece"}},
          {"id": "3", "content_text": "c", "authors": [{"name": "  "}, {"url": "https://x.example/"}]},
          {"id": "4", "content_text": "d"}
        ]}"#;
    let authors: Vec<Option<String>> = parsed(doc).entries.into_iter().map(|e| e.author).collect();
    assert_eq!(
        authors,
        [
            Some("Wire Desk, Ann".to_owned()),
            Some("Brent Simmons and Manton Reece".to_owned()),
            Some("Desk".to_owned()),
            Some("Desk".to_owned()),
        ]
    );
}
