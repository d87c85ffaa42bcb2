use chrono::NaiveDate;
use url::Url;

use super::{Error, extract};

fn url() -> Url {
    Url::parse("https://news.example/2024/05/bees").unwrap()
}

/// Enough paragraphs of real prose for readability's test to call it an article.
fn body() -> String {
    [
        "Beekeepers in the valley counted their hives this spring and found that nearly a third of the colonies had not survived the long and wet winter, the worst loss in a decade.",
        "The association's survey, sent to every registered keeper, asked how many colonies went into the winter and how many came out, and what the keepers believed had killed the rest.",
        "Most blamed the varroa mite, a parasite that weakens the bees and spreads viruses through the colony, though several pointed to the rain that kept the foragers inside for weeks.",
        "Researchers at the agricultural college said the figures matched their own sampling, and that colonies treated for mites in late summer fared markedly better than those left untreated.",
    ]
    .iter()
    .map(|p| format!("<p>{p}</p>\n"))
    .collect()
}

fn page(head: &str, before_body: &str) -> String {
    format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">{head}</head><body>\
         <nav><a href=\"/\">Home</a> <a href=\"/news\">News</a></nav>\
         <article><h1>Winter losses hit valley beekeepers</h1>{before_body}{}</article>\
         <footer>Copyright News Example</footer></body></html>",
        body()
    )
}

fn date(article: &super::Article) -> Option<NaiveDate> {
    article.published.map(|p| p.date_naive())
}

#[test]
fn the_article_text_and_title_come_without_the_page_chrome() {
    let html = page(
        "<title>Winter losses hit valley beekeepers | News Example</title>",
        "",
    );
    let article = extract(html.as_bytes(), Some("text/html"), &url()).unwrap();
    assert_eq!(article.title, "Winter losses hit valley beekeepers");
    assert_eq!(article.paragraphs.len(), 4, "{:#?}", article.paragraphs);
    assert!(article.paragraphs[0].starts_with("Beekeepers in the valley"));
    assert!(
        !article
            .paragraphs
            .iter()
            .any(|p| p.contains("Copyright") || p.contains("Home"))
    );
    assert_eq!(article.lang.as_deref(), Some("en"));
    assert!(
        article.html.contains("<p>Beekeepers in the valley"),
        "{}",
        article.html
    );
    assert_eq!(article.published, None);
    assert_eq!(article.byline, None);
}

#[test]
fn the_date_comes_from_article_published_time() {
    let html = page(
        r#"<meta property="article:published_time" content="2024-05-02T08:30:00+02:00">"#,
        "",
    );
    let article = extract(html.as_bytes(), None, &url()).unwrap();
    assert_eq!(
        article.published.map(|p| p.to_rfc3339()).as_deref(),
        Some("2024-05-02T08:30:00+02:00")
    );
}

#[test]
fn the_date_and_author_come_from_json_ld_even_inside_a_graph() {
    let html = page(
        r#"<script type="application/ld+json">{"@context":"https://schema.org","@graph":[
            {"@type":"WebSite","name":"News Example"},
            {"@type":"NewsArticle","headline":"Winter losses","datePublished":"2024-04-30",
             "author":[{"@type":"Person","name":"Ann Hive"},{"@type":"Person","name":"Bo Comb"}]}]}</script>"#,
        "",
    );
    let article = extract(html.as_bytes(), None, &url()).unwrap();
    assert_eq!(date(&article), NaiveDate::from_ymd_opt(2024, 4, 30));
    assert_eq!(article.byline.as_deref(), Some("Ann Hive, Bo Comb"));
}

#[test]
fn the_date_comes_from_a_time_element_when_nothing_else_gives_one() {
    let html = page(
        r#"<meta name="author" content="Carla Wax">"#,
        r#"<p class="meta">By Carla Wax, <time datetime="2023-11-17T06:00">17 November</time></p>"#,
    );
    let article = extract(html.as_bytes(), None, &url()).unwrap();
    assert_eq!(date(&article), NaiveDate::from_ymd_opt(2023, 11, 17));
    assert_eq!(article.byline.as_deref(), Some("Carla Wax"));
}

#[test]
fn a_meta_charset_decodes_a_legacy_page() {
    let html = page(
        r#"<meta charset="windows-1252">"#,
        "<p>Caf\u{e9} owners said the honey sold out.</p>",
    )
    .replace("<meta charset=\"utf-8\">", "");
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&html);
    let article = extract(&bytes, Some("text/html"), &url()).unwrap();
    assert!(
        article
            .paragraphs
            .iter()
            .any(|p| p.contains("Caf\u{e9} owners")),
        "{:#?}",
        article.paragraphs
    );
}

#[test]
fn a_page_without_an_article_is_refused() {
    let html = "<html><head><title>News Example</title></head><body><nav><ul>\
                <li><a href=\"/a\">Bees</a></li><li><a href=\"/b\">Weather</a></li></ul></nav>\
                <p>Welcome.</p></body></html>";
    let error = extract(html.as_bytes(), None, &url()).unwrap_err();
    assert!(matches!(error, Error::NotAnArticle { .. }), "{error}");
    assert!(
        error
            .to_string()
            .contains("https://news.example/2024/05/bees")
    );
}

#[test]
fn dates_are_read_in_the_shapes_pages_write() {
    use super::metadata::parse_date;
    let day = |s: &str| parse_date(s).map(|d| d.date_naive());
    let may2 = NaiveDate::from_ymd_opt(2024, 5, 2);
    assert_eq!(day("2024-05-02T08:30:00Z"), may2);
    assert_eq!(day("2024-05-02T08:30:00.000+0000"), may2);
    assert_eq!(day("2024-05-02 08:30:00"), may2);
    assert_eq!(day("2024-05-02"), may2);
    assert_eq!(day("Thu, 02 May 2024 08:30:00 GMT"), may2);
    assert_eq!(day("last Thursday"), None);
}
