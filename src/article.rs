//! Web pages → articles: the one place feedloom turns a fetched HTML page
//! into the article it carries (`feedloom seeds add`, and per-feed full
//! text later). Readability is Mozilla's algorithm as the `dom_smoothie`
//! crate implements it (chosen on Mozilla's own test pages: see
//! `benches/RESULTS.md`, "Article extraction"); the metadata it misses
//! (a `<time datetime>`, a JSON-LD date in a `@graph`) is filled from the
//! page itself (`metadata`). Pure: bytes in, an `Article` or an `Error` out.

use chrono::{DateTime, FixedOffset};
use dom_smoothie::{Config as ReadabilityConfig, Readability, TextMode};
use url::Url;

mod decode;
mod metadata;

/// The article a page carries, as feedloom stores and republishes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Article {
    /// Plain text, whitespace collapsed.
    pub title: String,
    /// The author(s) as the page names them, plain text.
    pub byline: Option<String>,
    /// When the page says it was published; a date without a time is
    /// midnight UTC, so `date_naive()` is the date the page gave.
    pub published: Option<DateTime<FixedOffset>>,
    /// The page's language (`<html lang>`, else metadata), as given.
    pub lang: Option<String>,
    /// The article's text, one paragraph (or heading, list item) a string.
    pub paragraphs: Vec<String>,
    /// The article's markup, sanitized as every stored body is
    /// (`normalize::sanitize_html`), links made absolute.
    pub html: String,
}

/// Why a page gave no article. Every variant names the page.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Readability's own test (`isProbablyReaderable`) says the page has no
    /// article body: an index, a search page, a login wall, a tiny page.
    #[error(
        "{url} does not look like an article (readability finds no body of text long enough: an index, a front page or a teaser?)"
    )]
    NotAnArticle { url: Url },
    /// The page passed the test but the extraction found no content.
    #[error("no article text could be extracted from {url}: {reason}")]
    Extraction { url: Url, reason: String },
}

/// Extracts the article of an HTML page: `bytes` as fetched, the
/// `content_type` header (its charset wins over the page's `<meta
/// charset>`), and the final URL after redirects (relative links resolve
/// against it). A page that is not an article is an error, never an empty
/// article.
pub fn extract(bytes: &[u8], content_type: Option<&str>, url: &Url) -> Result<Article, Error> {
    let html = decode::html_to_string(bytes, content_type);
    let config = ReadabilityConfig {
        text_mode: TextMode::Formatted,
        ..ReadabilityConfig::default()
    };
    let failed = |reason: String| Error::Extraction {
        url: url.clone(),
        reason,
    };
    let mut readability = Readability::new(html.as_str(), Some(url.as_str()), Some(config))
        .map_err(|e| failed(e.to_string()))?;
    if !readability.is_probably_readable() {
        return Err(Error::NotAnArticle { url: url.clone() });
    }
    let found = metadata::Found::read(&html);
    let article = readability.parse().map_err(|e| failed(e.to_string()))?;
    let paragraphs = paragraphs(&article.text_content);
    if paragraphs.is_empty() {
        return Err(failed("the article body is empty".to_owned()));
    }
    let title = clean(&article.title)
        .or_else(|| found.title.clone())
        .or_else(|| paragraphs.first().map(|p| p.chars().take(120).collect()))
        .unwrap_or_default();
    let published = article
        .published_time
        .as_deref()
        .and_then(metadata::parse_date)
        .or(found.published);
    let byline = article
        .byline
        .as_deref()
        .and_then(clean)
        .or_else(|| found.byline.clone());
    Ok(Article {
        title,
        byline,
        published,
        lang: article.lang.as_deref().and_then(clean).or(found.lang),
        paragraphs,
        html: crate::normalize::sanitize_html(&article.content, Some(url)),
    })
}

/// Whitespace collapsed; `None` when nothing is left.
fn clean(text: &str) -> Option<String> {
    let text = crate::text::collapse_whitespace(text);
    (!text.is_empty()).then_some(text)
}

/// Readability's formatted text separates blocks by blank lines.
fn paragraphs(text: &str) -> Vec<String> {
    text.split("\n\n").filter_map(clean).collect()
}

#[cfg(test)]
mod tests;
