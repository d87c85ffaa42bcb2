use super::*;
use crate::parse::ParsedEntry;

fn url(s: &str) -> Url {
    Url::parse(s).unwrap()
}

fn entry(title: &str, html: &str) -> ParsedEntry {
    ParsedEntry {
        title: Some(title.to_owned()),
        content_html: Some(html.to_owned()),
        link: Some(url("https://news.example/a/1")),
        ..ParsedEntry::default()
    }
}

#[test]
fn sanitizer_removes_script_handlers_and_dangerous_urls() {
    let html = r#"<p onclick="steal()">Hi <script>alert(1)</script><a href="javascript:evil()">x</a>
        <img src="data:image/png;base64,AAAA"><a href="/rel">rel</a><style>p{}</style></p>"#;
    let clean = sanitize_html(html, Some(&url("https://news.example/a/")));
    assert!(!clean.contains("script"), "{clean}");
    assert!(!clean.contains("onclick"), "{clean}");
    assert!(!clean.contains("javascript:"), "{clean}");
    assert!(!clean.contains("data:"), "{clean}");
    assert!(!clean.contains("<style"), "{clean}");
    assert!(
        clean.contains(r#"href="https://news.example/rel""#),
        "{clean}"
    );
}

#[test]
fn relative_links_without_a_base_are_dropped() {
    let clean = sanitize_html(r#"<a href="/rel">rel</a>"#, None);
    assert!(!clean.contains("href"), "{clean}");
}

#[test]
fn text_has_paragraphs_and_decoded_entities() {
    let text = html_to_text(
        "<p>One &amp; two&nbsp;three</p><p>Second\n   para<br>line</p><script>if (a < b) x()</script>",
    );
    assert_eq!(
        text,
        "One & two\u{a0}three\n\nSecond para\n\nline".replace('\u{a0}', " ")
    );
}

#[test]
fn hash_ignores_markup_whitespace_case_quotes_and_boilerplate() {
    let a = content_hash(
        "Putin meets Xi",
        "The two leaders “agreed” on Afghanistan.\n\nMore text here.",
    );
    let b = content_hash(
        "  putin   MEETS xi ",
        &strip_boilerplate(
            "The two leaders \"agreed\" on Afghanistan.\n\nMore   text here.\n\nThe post Putin meets Xi appeared first on Example News.",
        ),
    );
    assert_eq!(a, b);
    let c = content_hash(
        "Putin meets Xi",
        "The two leaders agreed on Syria.\n\nMore text here.",
    );
    assert_ne!(a, c);
}

#[test]
fn stories_sharing_a_background_paragraph_hash_differently() {
    let background = "On Aug. 15, Taliban fighters swept into Kabul and took the capital.";
    let a = content_hash(
        "CSTO meets",
        &format!("The CSTO met on Monday.\n\n{background}"),
    );
    let b = content_hash(
        "Putin speaks",
        &format!("Putin spoke on Tuesday.\n\n{background}"),
    );
    assert_ne!(a, b);
}

#[test]
fn boilerplate_is_only_short_trailers() {
    let text =
        "Body.\n\nRead more on the site →\n\nContinue reading\n\nThe post X appeared first on Y.";
    assert_eq!(strip_boilerplate(text), "Body.");
    let long = format!("Read more {}", "words ".repeat(80));
    assert_eq!(strip_boilerplate(&long), long.trim());
}

#[test]
fn the_text_of_html_is_its_paragraphs_without_boilerplate_either_way() {
    // Normalizing takes the paragraphs as the tokenizer gives them; the
    // text must be what splitting the joined text again gives.
    let long = format!("<p>Read more {}</p>", "words ".repeat(80));
    let samples = [
        "<p>Body.</p><p>Read more on the site →</p><p>Continue reading</p>",
        "<div>  One\n\n two </div>\n\n<p></p><p> </p>three<br>four",
        "<p>The post X appeared first on Y.</p>",
        "<ul><li>[…]</li><li>a\tb</li></ul><pre>x\n\ny</pre><script>Read more</script>",
        "no markup at all\n\nRead more\n\nend",
        &long,
        "",
    ];
    for html in samples {
        assert_eq!(
            hash::join_without_boilerplate(&html::html_paragraphs(html)),
            strip_boilerplate(&html_to_text(html)),
            "{html:?}"
        );
    }
    let item = normalize_entry(&entry("T", samples[0])).unwrap();
    assert_eq!(item.story.content_text, "Body.");
}

#[test]
fn canonical_link_drops_tracking_and_fragment() {
    let link = canonical_link(&url(
        "HTTPS://News.Example:443/story?id=7&utm_source=rss&utm_medium=feed&fbclid=abc#comments",
    ));
    assert_eq!(link.as_str(), "https://news.example/story?id=7");
    let bare = canonical_link(&url("https://news.example/story?utm_campaign=x&gclid=1"));
    assert_eq!(bare.as_str(), "https://news.example/story");
}

#[test]
fn cross_post_with_other_markup_and_tracking_is_the_same_story() {
    let a = normalize_entry(&entry("Title", "<p>Hello <b>world</b>.</p><p>Second.</p>")).unwrap();
    let mut other = entry("Title", "<div>Hello world.</div>\n\n<div>  Second. </div>");
    other.link = Some(url("https://mirror.example/x?utm_source=tw"));
    other.guid = Some("mirror-77".into());
    let b = normalize_entry(&other).unwrap();
    assert_eq!(a.story.content_hash, b.story.content_hash);
    assert_ne!(a.guid, b.guid);
    assert_eq!(b.story.link.unwrap().as_str(), "https://mirror.example/x");
}

#[test]
fn guid_falls_back_to_link_then_hash() {
    let with_link = normalize_entry(&entry("T", "<p>x</p>")).unwrap();
    assert_eq!(with_link.guid, "https://news.example/a/1");
    let mut bare = entry("T", "<p>x</p>");
    bare.link = None;
    let item = normalize_entry(&bare).unwrap();
    assert_eq!(item.guid, format!("sha256:{}", item.story.content_hash));
}

#[test]
fn untitled_entries_take_their_first_sentence_and_empty_ones_are_dropped() {
    let mut untitled = entry("", "<p>Kabul airport reopened today. More follows.</p>");
    untitled.title = None;
    assert_eq!(
        normalize_entry(&untitled).unwrap().story.title,
        "Kabul airport reopened today."
    );
    let mut empty = entry("", "  ");
    empty.title = None;
    assert!(normalize_entry(&empty).is_none());
}

#[test]
fn summary_is_used_when_there_is_no_content() {
    let mut summary_only = entry("T", "");
    summary_only.summary_html = Some("<p>Summary.</p>".into());
    assert_eq!(
        normalize_entry(&summary_only).unwrap().story.content_text,
        "Summary."
    );
}

#[test]
fn seed_paragraphs_become_escaped_html() {
    let story = story_from_paragraphs(
        "A <b> title",
        None,
        None,
        &["One < two".into(), "".into(), "Three".into()],
    );
    assert_eq!(story.content_html, "<p>One &lt; two</p>\n<p>Three</p>");
    assert_eq!(story.content_text, "One < two\n\nThree");
}

#[test]
fn ascii_fast_path_hashes_like_the_general_path() {
    // "ﬁ" (a ligature) forces the general path; NFKC folds it to "fi".
    assert_eq!(
        content_hash("T", "Final  WORD"),
        content_hash("T", "\u{FB01}nal word")
    );
}

#[test]
fn title_only_items_with_different_links_stay_apart() {
    let mut monday = entry("Daily briefing", "");
    monday.link = Some(url("https://news.example/briefing/monday"));
    let mut tuesday = entry("Daily briefing", "");
    tuesday.link = Some(url("https://news.example/briefing/tuesday"));
    let (a, b) = (
        normalize_entry(&monday).unwrap(),
        normalize_entry(&tuesday).unwrap(),
    );
    assert_ne!(a.story.content_hash, b.story.content_hash);
    // With text, the text alone decides, whatever the link.
    let mut x = entry("Same", "<p>Same text.</p>");
    x.link = Some(url("https://a.example/1"));
    let mut y = entry("Same", "<p>Same text.</p>");
    y.link = Some(url("https://b.example/2"));
    assert_eq!(
        normalize_entry(&x).unwrap().story.content_hash,
        normalize_entry(&y).unwrap().story.content_hash
    );
}

#[test]
fn canonical_link_keeps_the_bytes_of_the_parameters_it_keeps() {
    for kept in [
        "https://news.example/a?id",
        "https://news.example/a?q=a%20b&page=2",
        "https://news.example/a?x=%7E;y=1",
        "https://news.example/a?q=a+b",
    ] {
        assert_eq!(canonical_link(&url(kept)).as_str(), kept);
    }
    assert_eq!(
        canonical_link(&url("https://news.example/a?q=a%20b&utm_source=x&id")).as_str(),
        "https://news.example/a?q=a%20b&id"
    );
    assert_eq!(
        canonical_link(&url("https://news.example/a?utm%5Fsource=x")).as_str(),
        "https://news.example/a"
    );
}

#[test]
fn titles_that_hold_markup_become_plain_text_without_scripts() {
    assert_eq!(
        plain_title("<script>alert(1)</script>Hostile <b>title</b>"),
        "Hostile title"
    );
    assert_eq!(
        plain_title("Tom & Jerry <3 cats, a < b > c"),
        "Tom & Jerry <3 cats, a < b > c"
    );
    assert_eq!(plain_title("  Plain\n title "), "Plain title");
    assert_eq!(
        plain_title("<style>x{}</style><img src=x onerror=alert(1)>Photo"),
        "Photo"
    );
}

#[test]
fn authors_lose_their_markup_as_titles_do() {
    assert_eq!(plain_author("<b>Jane</b>   Doe"), "Jane Doe");
    assert_eq!(
        plain_author("<script>alert(1)</script><a href=\"https://x.example/\">Ann</a>, Bo"),
        "Ann, Bo"
    );
    assert_eq!(plain_author("Tom & Jerry <3"), "Tom & Jerry <3");
    assert_eq!(plain_author("  Plain\n name "), "Plain name");
    let long = "Someone ".repeat(100);
    let cut = plain_author(&long);
    assert!(cut.chars().count() <= MAX_AUTHOR_CHARS + 1, "{cut}");
    assert!(cut.ends_with('…'), "{cut}");

    // Through the whole entry: title and author cleaned alike.
    let mut e = entry("<i>Kabul</i> airport reopens", "<p>Body text.</p>");
    e.author = Some("<i>Jane</i> <b>Doe</b>".to_owned());
    let story = normalize_entry(&e).unwrap().story;
    assert_eq!(story.title, "Kabul airport reopens");
    assert_eq!(story.author.as_deref(), Some("Jane Doe"));
    // An author that is only markup is no author.
    e.author = Some("<script>alert(1)</script>".to_owned());
    assert_eq!(normalize_entry(&e).unwrap().story.author, None);
}

#[test]
fn very_long_titles_are_cut_on_a_word_and_char_boundary() {
    // 400 three-byte characters in words of five: the cut falls inside a
    // word and inside no character.
    let long = vec!["ééééé"; 80].join(" ");
    let title = plain_title(&long);
    assert!(title.chars().count() <= MAX_TITLE_CHARS + 1, "{title}");
    assert!(title.ends_with("ééééé…"), "{title}");
    // One endless word (CJK has no spaces): cut inside it, by characters.
    let word = "東".repeat(1000);
    let title = plain_title(&word);
    assert_eq!(title.chars().count(), MAX_TITLE_CHARS + 1);
    assert!(title.ends_with('…'));
    // Through the whole entry, markup included.
    let mut e = entry("", "<p>Body text.</p>");
    e.title = Some(format!("<b>{}</b>", "word ".repeat(200)));
    let item = normalize_entry(&e).unwrap();
    assert!(item.story.title.chars().count() <= MAX_TITLE_CHARS + 1);
    assert!(item.story.title.starts_with("word word"));
    // Short titles are untouched.
    assert_eq!(
        plain_title("  Kabul   airport reopens "),
        "Kabul airport reopens"
    );
}

#[test]
fn html_nested_past_the_limit_keeps_its_text_only() {
    use crate::normalize::html::MAX_DEPTH;
    let depth = MAX_DEPTH + 1;
    let deep = format!(
        "<p>Intro <a href=\"https://e.example/\">link</a>.</p>{}deep <script>alert(1)</script>words{}",
        "<div>".repeat(depth),
        "</div>".repeat(depth)
    );
    let clean = sanitize_html(&deep, None);
    assert!(!clean.contains("<div") && !clean.contains("<a "), "{clean}");
    assert!(!clean.contains("alert"), "{clean}");
    assert!(
        clean.contains("Intro link.") && clean.contains("deep words"),
        "{clean}"
    );
    // At the limit, the markup is kept.
    let depth = MAX_DEPTH;
    let nested = format!("{}kept{}", "<div>".repeat(depth), "</div>".repeat(depth));
    assert!(sanitize_html(&nested, None).starts_with("<div><div>"));
    // Long flat markup, with end tags the parser supplies itself, is not
    // "deep": 2,000 list items and paragraphs without end tags.
    let list = format!(
        "<ul>{}</ul>{}",
        "<li>item ".repeat(2000),
        "<p>paragraph ".repeat(2000)
    );
    let clean = sanitize_html(&list, None);
    assert_eq!(clean.matches("<li>").count(), 2000);
    assert_eq!(clean.matches("<p>").count(), 2000);
}

#[test]
fn content_hashes_stay_what_stored_stories_were_hashed_with() {
    // Stored hashes identify stories in existing databases: these values
    // are SHA-256 of the folded title, a newline and the folded text (or,
    // without text, the link), as every earlier build computed them.
    let item = normalize_entry(&entry("  Hello   World ", "<p>Foo</p><p>Bar</p>")).unwrap();
    assert_eq!(
        item.story.content_hash.as_str(),
        "039daf0afc66d73c9849e97f3c4e64adcb58b979e92e8534c1ec0a1247e31f08"
    );
    let mut briefing = entry("Daily briefing", "");
    briefing.link = Some(url("https://example.com/a"));
    let briefing = normalize_entry(&briefing).unwrap();
    assert_eq!(
        briefing.story.content_hash.as_str(),
        "57587baeea4df06dd383b05cac12791426892fa3d9bc3ecc66379c961a960a37"
    );
    // A text that folds to nothing is still hashed as the (empty) text,
    // not replaced by the link.
    let zero_width = normalize_entry(&entry("Zero width", "<p>\u{200B}</p>")).unwrap();
    assert_eq!(zero_width.story.content_text, "\u{200B}");
    assert_eq!(
        zero_width.story.content_hash.as_str(),
        "7b011c7e494278828bf7ac8e2c9e520ba52beed3d7a1d2fb71fdd4034907dac0"
    );
}

#[test]
fn one_fold_gives_the_fingerprint_of_title_and_text() {
    let item = normalize_entry(&entry(
        "Kabul’s “New” Talks",
        "<p>The ﬁnal   round of talks in Kabul began on Monday, officials said.</p>\
         <p>Delegates from SCO members attended the opening session.</p>",
    ))
    .unwrap();
    assert_eq!(
        item.story.fingerprint,
        cluster::fingerprint(&item.story.title, &item.story.content_text)
    );
    assert_eq!(
        item.story.content_hash,
        content_hash(&item.story.title, &item.story.content_text)
    );
}
