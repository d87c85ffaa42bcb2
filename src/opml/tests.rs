use std::path::{Path, PathBuf};

use super::*;
use crate::publish::opml::{Outline, render};

fn corpus(path: &str) -> Vec<u8> {
    std::fs::read(Path::new("tests/corpus/opml").join(path)).unwrap()
}

fn read_corpus(path: &str) -> Subscriptions {
    read(&corpus(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if !path.to_string_lossy().contains("LICENSE") {
            out.push(path);
        }
    }
}

/// Every sample reads without panicking; only the three documents whose
/// root is not `<opml>` are errors (an outline document, `<haha>`, an RSS
/// feed), and the error says where the root is.
#[test]
fn every_corpus_sample_reads_without_panic() {
    let mut paths = Vec::new();
    walk(Path::new("tests/corpus/opml"), &mut paths);
    paths.sort();
    assert_eq!(paths.len(), 39, "MANIFEST.md lists 39 OPML samples");
    let mut not_opml = Vec::new();
    for path in &paths {
        let bytes = std::fs::read(path).unwrap();
        let result = std::panic::catch_unwind(|| read(&bytes))
            .unwrap_or_else(|_| panic!("{} panicked", path.display()));
        match result {
            Ok(_) => {}
            Err(Error::NotOpml { root, line, .. }) => {
                not_opml.push((
                    path.file_name().unwrap().to_string_lossy().into_owned(),
                    root,
                    line,
                ));
            }
            Err(e) => panic!("{}: {e}", path.display()),
        }
    }
    assert_eq!(
        not_opml,
        [
            (
                "outlineDocument.opml".to_owned(),
                "outlinedocument".to_owned(),
                17
            ),
            ("missingOpml.opml".to_owned(), "haha".to_owned(), 8),
            ("twittergram.xml".to_owned(), "rss".to_owned(), 10),
        ]
    );
}

/// `grep -c 'xmlUrl=' subscriptionList.opml` → 13, one outline per line, all
/// top level and all http.
#[test]
fn flat_subscription_list() {
    let subs = read_corpus("feedvalidator/clean/subscriptionList.opml");
    assert_eq!(subs.title.as_deref(), Some("mySubscriptions.opml"));
    assert_eq!(subs.feeds.len(), 13);
    assert!(subs.invalid.is_empty());
    assert!(subs.feeds.iter().all(|f| f.category.is_none()));
    let first = &subs.feeds[0];
    assert_eq!(first.url.as_str(), "http://news.com.com/2547-1_3-0-5.xml");
    assert_eq!(first.title.as_deref(), Some("CNET News.com"));
    assert_eq!(
        first.html_url.as_ref().map(Url::as_str),
        Some("http://news.com.com/")
    );
    // `&gt;` and `&amp;` in attributes are resolved.
    assert_eq!(subs.feeds[9].title.as_deref(), Some("NYT > Business"));
    assert_eq!(
        subs.feeds[3].html_url.as_ref().map(Url::as_str),
        Some("http://news.yahoo.com/news?tmpl=index&cid=738")
    );
}

/// Subs.opml (NetNewsWire): `grep -c xmlUrl=` → 207 feeds, all http(s), no
/// duplicates. Four folder outlines (lines 76, 111, 118, 217, closed at 110,
/// 117, 216, 221); counting `xmlUrl=` by line range with awk gives 69 top
/// level, Programming 33, Macintosh 5, Weblogs 97, Writers 3 (sum 207).
/// 35 outlines have `htmlUrl=""`, which must become `None`.
#[test]
fn nested_folders_become_categories() {
    for path in ["rsparser/Subs.opml", "rsparser/SubsNoTitleAttributes.opml"] {
        let subs = read_corpus(path);
        assert_eq!(subs.title.as_deref(), Some("Subs"), "{path}");
        assert_eq!(subs.feeds.len(), 207, "{path}");
        assert!(subs.invalid.is_empty(), "{path}");
        let count = |category: Option<&str>| {
            subs.feeds
                .iter()
                .filter(|f| f.category.as_deref() == category)
                .count()
        };
        assert_eq!(count(None), 69, "{path}");
        assert_eq!(count(Some("Programming")), 33, "{path}");
        assert_eq!(count(Some("Macintosh")), 5, "{path}");
        assert_eq!(count(Some("Weblogs")), 97, "{path}");
        assert_eq!(count(Some("Writers")), 3, "{path}");
        assert_eq!(
            subs.feeds.iter().filter(|f| f.html_url.is_none()).count(),
            35,
            "{path}"
        );
        // Titles come from `title`, else from `text`: same either way here.
        assert_eq!(
            subs.feeds[0].title.as_deref(),
            Some("Daring Fireball"),
            "{path}"
        );
        assert_eq!(
            subs.feeds[4].title.as_deref(),
            Some("chat & code"),
            "{path}"
        );
    }
}

/// subscriptionListErrors*.opml: 5 outlines, 4 with `xmlUrl=`/`xmlurl=`
/// (`grep -ci xmlurl=` → 4): "Feed 1" (line 23) is `type="rss"` with none,
/// a broken entry reported at its line; "Feed 5" spells it `xmlurl`, which
/// is accepted.
#[test]
fn attribute_case_variants_are_accepted() {
    for n in 1..=4 {
        let subs = read_corpus(&format!(
            "feedvalidator/errors/subscriptionListErrors{n}.opml"
        ));
        let titles: Vec<_> = subs
            .feeds
            .iter()
            .map(|f| f.title.as_deref().unwrap())
            .collect();
        assert_eq!(titles, ["Feed 2", "Feed 3", "Feed 4", "Feed 5"]);
        let invalid: Vec<_> = subs
            .invalid
            .iter()
            .map(|i| (i.line, i.text.as_deref()))
            .collect();
        assert_eq!(invalid, [(23, Some("Feed 1"))]);
    }
}

/// Ill-formed but readable: a bare `&` in text and in an attribute
/// (notwellformed.opml), an undefined entity and `<` in an attribute
/// (notEncoded.opml, whose `type="link" url=` outlines are web pages, not
/// feeds), outlines after `<body/>` (closedbody.opml), a UTF-8 declaration
/// over windows-1252 bytes (invalidCharacters.opml).
#[test]
fn ill_formed_samples_are_read_leniently() {
    let subs = read_corpus("feedvalidator/errors/notwellformed.opml");
    assert_eq!(subs.title.as_deref(), Some("This & That"));
    assert_eq!(subs.feeds.len(), 1);
    assert_eq!(subs.feeds[0].title.as_deref(), Some("Nick Bradbury & Co"));
    assert_eq!(subs.feeds[0].category.as_deref(), Some("Folder"));

    let subs = read_corpus("feedvalidator/errors/notEncoded.opml");
    assert_eq!(subs.title.as_deref(), Some("Favorite Things"));
    assert!(subs.feeds.is_empty());

    let subs = read_corpus("feedvalidator/errors/closedbody.opml");
    assert_eq!(subs.feeds.len(), 1);
    assert_eq!(
        subs.feeds[0].url.as_str(),
        "http://feeds.feedburner.com/NickBradbury"
    );

    let subs = read_corpus("feedvalidator/errors/invalidCharacters.opml");
    assert_eq!(
        subs.title.as_deref(),
        Some("Badly \u{201c}Quoted\u{201d} Text")
    );

    // directory.opml: 8 `type="link" url=` outlines pointing at other OPML files.
    assert!(
        read_corpus("feedvalidator/clean/directory.opml")
            .feeds
            .is_empty()
    );
}

#[test]
fn invalid_urls_are_reported_with_lines_and_reading_goes_on() {
    let doc = r#"<?xml version="1.0"?>
<opml version="2.0">
  <head><title>Mixed</title></head>
  <body>
    <outline text="Good" xmlUrl="https://example.org/feed.xml"/>
    <outline text="Relative" xmlUrl="/feed.xml"/>
    <outline text="Mail" xmlUrl="mailto:someone@example.org"/>
    <outline text="Blank" xmlUrl="  "/>
    <outline text="Spaces" xmlUrl="http://exa mple.org/"/>
    <outline text="Also good" xmlUrl="http://example.com/rss"/>
  </body>
</opml>"#;
    let subs = read(doc.as_bytes()).unwrap();
    assert_eq!(subs.feeds.len(), 2);
    let lines: Vec<_> = subs
        .invalid
        .iter()
        .map(|i| (i.line, i.text.as_deref().unwrap()))
        .collect();
    assert_eq!(
        lines,
        [(6, "Relative"), (7, "Mail"), (8, "Blank"), (9, "Spaces")]
    );
    assert!(
        subs.invalid[0].reason.contains("\"/feed.xml\""),
        "{}",
        subs.invalid[0].reason
    );
    assert!(
        subs.invalid[1].reason.contains("mailto"),
        "{}",
        subs.invalid[1].reason
    );
}

/// An outline typed as a feed that names none is a broken entry, reported
/// at its line; one with children is a (mislabelled) folder.
#[test]
fn a_feed_outline_without_a_url_is_reported_and_a_typed_folder_is_not() {
    let doc = r#"<?xml version="1.0"?>
<opml version="2.0"><body>
  <outline type="rss" text="No URL"/>
  <outline type="atom" text="Folder">
    <outline text="Inside" xmlUrl="https://example.org/in.xml"/>
  </outline>
  <outline type="link" text="A page" url="https://example.org/"/>
</body></opml>"#;
    let subs = read(doc.as_bytes()).unwrap();
    assert_eq!(subs.feeds.len(), 1);
    assert_eq!(subs.feeds[0].category.as_deref(), Some("Folder"));
    assert_eq!(subs.feeds[0].line, 5);
    assert_eq!(subs.invalid.len(), 1, "{:?}", subs.invalid);
    assert_eq!(subs.invalid[0].line, 3);
    assert_eq!(subs.invalid[0].text.as_deref(), Some("No URL"));
    assert!(
        subs.invalid[0].reason.contains("without xmlUrl"),
        "{}",
        subs.invalid[0].reason
    );
}

#[test]
fn wild_variants() {
    // Latin-1 declared and used, HTML entities, duplicated attributes (first
    // wins), XMLURL casing, `url` on a type="rss" outline, feed: URLs, a
    // folder with an empty xmlUrl, nesting two deep, upper-case element names.
    let mut doc =
        b"<?xml version='1.0' encoding='ISO-8859-1'?>\n<OPML version='1.0'><head><title>Caf"
            .to_vec();
    doc.push(0xE9); // é in Latin-1
    doc.extend_from_slice(
        br#"&nbsp;list</title></head><body>
<outline text="News" xmlUrl="">
  <outline text="World">
    <Outline title="Le Monde &eacute;co" text="ignored" title="dup" XMLURL="https://www.lemonde.fr/rss/une.xml"/>
    <outline text="Old" type="rss" url="http://old.example/rss"/>
  </outline>
  <outline text="Feed scheme" xmlUrl="feed://example.net/atom"/>
  <outline text="Feed https" xmlUrl="feed:https://example.net/x"/>
</outline>
<outline text="Page" type="link" url="http://example.org/"/>
</body></OPML>"#,
    );
    let subs = read(&doc).unwrap();
    assert_eq!(subs.title.as_deref(), Some("Caf\u{e9} list"));
    let got: Vec<_> = subs
        .feeds
        .iter()
        .map(|f| {
            (
                f.url.as_str(),
                f.title.as_deref().unwrap(),
                f.category.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (
                "https://www.lemonde.fr/rss/une.xml",
                "Le Monde \u{e9}co",
                Some("News / World")
            ),
            ("http://old.example/rss", "Old", Some("News / World")),
            ("http://example.net/atom", "Feed scheme", Some("News")),
            ("https://example.net/x", "Feed https", Some("News")),
        ]
    );
    assert!(subs.invalid.is_empty());
}

#[test]
fn broken_xml_is_an_error_with_position() {
    // A tag left open at the end of the file (a truncated download).
    let doc = "<opml version=\"2.0\">\n<body>\n  <outline text=\"a\" xmlUrl=\"http://a.example/";
    match read(doc.as_bytes()) {
        Err(Error::Syntax { line, column, .. }) => assert!(line >= 3, "{line}:{column}"),
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(read(b""), Err(Error::Empty)));
    assert!(matches!(
        read(b"<?xml version=\"1.0\"?>\n<!-- nothing -->"),
        Err(Error::Empty)
    ));
    assert!(matches!(
        read(b"<!doctype html><html><body>hi</body></html>"),
        Err(Error::NotOpml { .. }) | Err(Error::Syntax { .. })
    ));
}

#[test]
fn utf16_with_bom() {
    let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><opml><body><outline text=\"\u{444}\" xmlUrl=\"https://example.ru/rss\"/></body></opml>";
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let subs = read(&bytes).unwrap();
    assert_eq!(subs.feeds.len(), 1);
    assert_eq!(subs.feeds[0].title.as_deref(), Some("\u{444}"));
}

fn outline(title: Option<&str>, url: &str, html: Option<&str>) -> Outline {
    Outline {
        title: title.map(str::to_owned),
        xml_url: url.to_owned(),
        html_url: html.map(str::to_owned),
        category: None,
    }
}

#[test]
fn round_trip_with_categories() {
    let feeds = vec![
        (
            None,
            outline(
                Some("Top"),
                "https://top.example/feed",
                Some("https://top.example/"),
            ),
        ),
        (
            Some("News / World".to_owned()),
            outline(
                Some("BBC <World> & more"),
                "https://bbc.example/world.xml",
                None,
            ),
        ),
        (
            Some("News".to_owned()),
            outline(Some("Reuters"), "https://reuters.example/rss?a=1&b=2", None),
        ),
        (
            Some("News / World".to_owned()),
            outline(Some("Le Monde"), "https://lemonde.example/une.xml", None),
        ),
        (
            Some("Tech".to_owned()),
            outline(None, "https://tech.example/atom", None),
        ),
    ];
    let feeds: Vec<Outline> = feeds
        .into_iter()
        .map(|(category, outline)| Outline {
            category,
            ..outline
        })
        .collect();
    let doc = render("My \"feeds\"", &feeds);
    let subs = read(doc.as_bytes()).unwrap();
    assert_eq!(subs.title.as_deref(), Some("My \"feeds\""));
    assert!(subs.invalid.is_empty());
    let mut got: Vec<_> = subs
        .feeds
        .iter()
        .map(|f| {
            (
                f.category.clone(),
                f.url.to_string(),
                f.title.clone(),
                f.html_url.as_ref().map(Url::to_string),
            )
        })
        .collect();
    let mut want: Vec<_> = feeds
        .iter()
        .map(|o| {
            // A feed without a title is rendered with its URL as title.
            let title = o.title.clone().or_else(|| Some(o.xml_url.clone()));
            (
                o.category.clone(),
                o.xml_url.clone(),
                title,
                o.html_url.clone(),
            )
        })
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want);
}

#[test]
fn round_trip_without_categories_keeps_order() {
    let feeds = vec![
        outline(Some("B"), "https://b.example/feed", None),
        outline(Some("A"), "https://a.example/feed", None),
    ];
    let subs = read(render("t", &feeds).as_bytes()).unwrap();
    let urls: Vec<_> = subs.feeds.iter().map(|f| f.url.as_str()).collect();
    assert_eq!(urls, ["https://b.example/feed", "https://a.example/feed"]);
    assert!(subs.feeds.iter().all(|f| f.category.is_none()));
}
