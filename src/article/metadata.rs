//! What readability's metadata misses, read from the page itself: the
//! publication date from `article:published_time` (and its kin), JSON-LD
//! `datePublished` (also inside `@graph` and arrays), or the first
//! `<time datetime>`; the author from `<meta name=author>` or JSON-LD; the
//! title from `og:title` or `<title>`.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use dom_query::Document;
use serde_json::Value;

/// The page's own metadata, each `None` when the page does not say.
#[derive(Debug, Default, Clone, PartialEq)]
pub(super) struct Found {
    pub title: Option<String>,
    pub byline: Option<String>,
    pub published: Option<DateTime<FixedOffset>>,
    pub lang: Option<String>,
}

/// Meta tags that state the publication time, most specific first.
const DATE_META: &[&str] = &[
    r#"meta[property="article:published_time"]"#,
    r#"meta[name="article:published_time"]"#,
    r#"meta[itemprop="datePublished"]"#,
    r#"meta[property="og:published_time"]"#,
    r#"meta[name="date"]"#,
    r#"meta[name="dc.date"]"#,
    r#"meta[name="DC.date.issued"]"#,
];

impl Found {
    pub(super) fn read(html: &str) -> Self {
        let doc = Document::from(html);
        let json_ld = json_ld(&doc);
        let published = DATE_META
            .iter()
            .filter_map(|sel| attr(&doc, sel, "content"))
            .chain(json_ld.iter().filter_map(|v| find_key(v, "datePublished")))
            .chain(time_elements(&doc))
            .find_map(|value| parse_date(&value));
        let byline = [
            r#"meta[name="author"]"#,
            r#"meta[property="article:author"]"#,
        ]
        .iter()
        .filter_map(|sel| attr(&doc, sel, "content"))
        .filter(|name| !name.starts_with("http"))
        .chain(json_ld.iter().filter_map(json_ld_author))
        .next();
        let title = attr(&doc, r#"meta[property="og:title"]"#, "content")
            .or_else(|| super::clean(&doc.select("title").first().text()));
        let lang = attr(&doc, "html", "lang");
        Found {
            title,
            byline,
            published,
            lang,
        }
    }
}

/// The first element's attribute, whitespace collapsed, if not empty.
fn attr(doc: &Document, selector: &str, name: &str) -> Option<String> {
    doc.select(selector)
        .iter()
        .find_map(|el| el.attr(name).and_then(|v| super::clean(&v)))
}

/// `<time itemprop=datePublished>` or `<time pubdate>` first, then any
/// `<time datetime>` (the first on a page is most often the byline's).
fn time_elements(doc: &Document) -> Vec<String> {
    [
        r#"time[itemprop="datePublished"][datetime]"#,
        "time[pubdate][datetime]",
        "time[datetime]",
    ]
    .iter()
    .filter_map(|sel| attr(doc, sel, "datetime"))
    .collect()
}

fn json_ld(doc: &Document) -> Vec<Value> {
    doc.select(r#"script[type="application/ld+json"]"#)
        .iter()
        .filter_map(|script| serde_json::from_str(&script.text()).ok())
        .collect()
}

/// The first string value of `key`, depth first, bounded in depth (the
/// JSON is the page's, so it can nest without end).
fn find_key(value: &Value, key: &str) -> Option<String> {
    fn walk(value: &Value, key: &str, depth: usize) -> Option<String> {
        if depth > 16 {
            return None;
        }
        match value {
            Value::Object(map) => match map.get(key) {
                Some(Value::String(found)) => Some(found.clone()),
                _ => map.values().find_map(|v| walk(v, key, depth + 1)),
            },
            Value::Array(items) => items.iter().find_map(|v| walk(v, key, depth + 1)),
            _ => None,
        }
    }
    walk(value, key, 0)
}

/// JSON-LD `author`: a name, an object with a name, or a list of either.
fn json_ld_author(value: &Value) -> Option<String> {
    fn name(author: &Value) -> Option<String> {
        match author {
            Value::String(name) => super::clean(name),
            Value::Object(map) => map
                .get("name")
                .and_then(Value::as_str)
                .and_then(super::clean),
            _ => None,
        }
    }
    fn find(value: &Value, depth: usize) -> Option<&Value> {
        if depth > 16 {
            return None;
        }
        match value {
            Value::Object(map) => map
                .get("author")
                .or_else(|| map.values().find_map(|v| find(v, depth + 1))),
            Value::Array(items) => items.iter().find_map(|v| find(v, depth + 1)),
            _ => None,
        }
    }
    match find(value, 0)? {
        Value::Array(authors) => {
            let names: Vec<String> = authors.iter().filter_map(name).collect();
            (!names.is_empty()).then(|| names.join(", "))
        }
        author => name(author),
    }
}

/// A publication date as pages write them: RFC 3339, ISO 8601 without an
/// offset (taken as UTC), a bare `YYYY-MM-DD` (midnight UTC), RFC 2822.
pub(super) fn parse_date(value: &str) -> Option<DateTime<FixedOffset>> {
    let value = value.trim();
    let utc = |naive: NaiveDateTime| Utc.from_utc_datetime(&naive).fixed_offset();
    DateTime::parse_from_rfc3339(value)
        .ok()
        .or_else(|| DateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f%z").ok())
        .or_else(|| {
            NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .or_else(|| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M").ok())
                .or_else(|| NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M:%S").ok())
                .map(utc)
        })
        .or_else(|| {
            value
                .get(..10)
                .and_then(|day| NaiveDate::parse_from_str(day, "%Y-%m-%d").ok())
                .map(|day| utc(day.and_time(NaiveTime::MIN)))
        })
        .or_else(|| DateTime::parse_from_rfc2822(value).ok())
}
