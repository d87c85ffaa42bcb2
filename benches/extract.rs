//! Article extraction quality on Mozilla readability's test pages: the
//! crate feedloom uses (dom_smoothie), an alternative port of readability.js
//! (legible), and `feedloom::article::extract` as `seeds add` runs it.
//!
//! The pages are third-party web pages, so they are not in this repository:
//!
//! ```text
//! git clone https://github.com/mozilla/readability
//! cargo bench --profile dev --bench extract -- readability/test/test-pages
//! ```
//!
//! (or `FEEDLOOM_READABILITY_PAGES=…/test/test-pages`). Each folder holds
//! `source.html`, `expected.html` (readability.js's output) and
//! `expected-metadata.json`. A page's text matches when the multiset
//! Jaccard similarity of its whitespace-separated words with the expected
//! text's is at least 0.9; a title matches when equal after collapsing
//! whitespace; a date when the calendar day is the expected one (only pages
//! whose metadata has a `publishedTime`). `--misses` names the pages whose
//! text does not match, on stderr. The figures are in
//! benches/RESULTS.md, "Article extraction".

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use chrono::{DateTime, NaiveDate};
use url::Url;

/// The URL readability.js's test suite gives every page.
const PAGE_URL: &str = "http://fakehost/test/page.html";
const MATCH: f64 = 0.9;

/// What one extractor gave for one page.
#[derive(Default)]
struct Extracted {
    readerable: bool,
    title: Option<String>,
    text: Option<String>,
    published: Option<String>,
}

type Extractor = fn(&str) -> Extracted;

fn dom_smoothie(html: &str) -> Extracted {
    let Ok(mut readability) = dom_smoothie::Readability::new(html, Some(PAGE_URL), None) else {
        return Extracted::default();
    };
    let readerable = readability.is_probably_readable();
    match readability.parse() {
        Ok(article) => Extracted {
            readerable,
            title: Some(article.title),
            text: Some(article.text_content.to_string()),
            published: article.published_time,
        },
        Err(_) => Extracted {
            readerable,
            ..Extracted::default()
        },
    }
}

fn legible(html: &str) -> Extracted {
    let readerable = legible::is_probably_readerable(html, None);
    match legible::parse(html, Some(PAGE_URL), None) {
        Ok(article) => Extracted {
            readerable,
            title: Some(article.title),
            text: Some(article.text_content),
            published: article.published_time,
        },
        Err(_) => Extracted {
            readerable,
            ..Extracted::default()
        },
    }
}

fn feedloom(html: &str) -> Extracted {
    let Ok(url) = Url::parse(PAGE_URL) else {
        return Extracted::default();
    };
    match feedloom::article::extract(html.as_bytes(), Some("text/html; charset=utf-8"), &url) {
        Ok(article) => Extracted {
            readerable: true,
            title: Some(article.title),
            text: Some(article.paragraphs.join("\n\n")),
            published: article.published.map(|p| p.to_rfc3339()),
        },
        Err(_) => Extracted::default(),
    }
}

struct Page {
    source: String,
    expected_text: String,
    title: Option<String>,
    published: Option<NaiveDate>,
    readerable: Option<bool>,
}

fn load(dir: &Path) -> Option<Page> {
    let source = std::fs::read_to_string(dir.join("source.html")).ok()?;
    let expected = std::fs::read_to_string(dir.join("expected.html")).ok()?;
    let meta: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("expected-metadata.json")).ok()?)
            .ok()?;
    Some(Page {
        source,
        expected_text: dom_query::Document::from(expected.as_str())
            .text()
            .to_string(),
        title: meta["title"].as_str().map(collapse),
        published: meta["publishedTime"].as_str().and_then(day),
        readerable: meta["readerable"].as_bool(),
    })
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn day(value: &str) -> Option<NaiveDate> {
    let value = value.trim();
    DateTime::parse_from_rfc3339(value)
        .map(|d| d.date_naive())
        .or_else(|_| DateTime::parse_from_rfc2822(value).map(|d| d.date_naive()))
        .ok()
        .or_else(|| NaiveDate::parse_from_str(value.get(..10)?, "%Y-%m-%d").ok())
}

/// Multiset Jaccard similarity of the two texts' words.
fn similarity(a: &str, b: &str) -> f64 {
    fn bag(text: &str) -> HashMap<&str, usize> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for word in text.split_whitespace() {
            *counts.entry(word).or_default() += 1;
        }
        counts
    }
    let (a, b) = (bag(a), bag(b));
    let (mut both, mut either) = (0usize, 0usize);
    for (word, &n) in &a {
        let m = b.get(word).copied().unwrap_or(0);
        both += n.min(m);
        either += n.max(m);
    }
    either += b
        .iter()
        .filter(|(word, _)| !a.contains_key(*word))
        .map(|(_, &m)| m)
        .sum::<usize>();
    if either == 0 {
        1.0
    } else {
        both as f64 / either as f64
    }
}

#[derive(Default)]
struct Score {
    pages: usize,
    text_matches: usize,
    /// Among the pages readability.js calls readerable.
    readerable_pages: usize,
    readerable_text_matches: usize,
    similarity_sum: f64,
    titles: usize,
    dated: usize,
    dates: usize,
    readerable_known: usize,
    readerable_agree: usize,
    panics: usize,
}

fn main() {
    let dir = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("FEEDLOOM_READABILITY_PAGES").map(PathBuf::from));
    let Some(dir) = dir else {
        eprintln!(
            "extract: give the test pages folder (git clone https://github.com/mozilla/readability; \
             cargo bench --profile dev --bench extract -- readability/test/test-pages, or \
             FEEDLOOM_READABILITY_PAGES); nothing measured"
        );
        return;
    };
    let mut folders: Vec<PathBuf> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries.filter_map(|e| Some(e.ok()?.path())).collect(),
        Err(error) => {
            eprintln!("extract: cannot read {}: {error}", dir.display());
            std::process::exit(1);
        }
    };
    folders.sort();
    // `--misses`: name each page an extractor's text misses, with its similarity.
    let misses = std::env::args().any(|a| a == "--misses");
    let extractors: [(&str, Extractor); 3] = [
        ("dom_smoothie 0.19", dom_smoothie),
        ("legible 0.5", legible),
        ("feedloom::article::extract", feedloom),
    ];
    let mut scores: Vec<Score> = extractors.iter().map(|_| Score::default()).collect();
    for folder in &folders {
        let Some(page) = load(folder) else { continue };
        for ((name, extract), score) in extractors.iter().zip(scores.iter_mut()) {
            score.pages += 1;
            let Ok(got) = catch_unwind(AssertUnwindSafe(|| extract(&page.source))) else {
                score.panics += 1;
                continue;
            };
            let sim = got
                .text
                .as_deref()
                .map_or(0.0, |t| similarity(t, &page.expected_text));
            score.similarity_sum += sim;
            score.text_matches += usize::from(sim >= MATCH);
            if misses && sim < MATCH {
                let page_name = folder.file_name().unwrap_or_default().to_string_lossy();
                eprintln!("{name}: {page_name}: {sim:.3}");
            }
            if page.readerable == Some(true) {
                score.readerable_pages += 1;
                score.readerable_text_matches += usize::from(sim >= MATCH);
            }
            score.titles += usize::from(
                page.title.is_some() && got.title.as_deref().map(collapse) == page.title,
            );
            if let Some(expected) = page.published {
                score.dated += 1;
                score.dates +=
                    usize::from(got.published.as_deref().and_then(day) == Some(expected));
            }
            if let Some(expected) = page.readerable {
                score.readerable_known += 1;
                score.readerable_agree += usize::from(got.readerable == expected);
            }
        }
    }
    let pct = |n: usize, of: usize| {
        if of == 0 {
            "–".to_owned()
        } else {
            format!("{:.1} % ({n}/{of})", 100.0 * n as f64 / of as f64)
        }
    };
    println!(
        "| extractor | text ≥ {MATCH} | text ≥ {MATCH}, readerable pages | mean similarity | title | published date | readerable agrees | panics |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for ((name, _), s) in extractors.iter().zip(&scores) {
        println!(
            "| {name} | {} | {} | {:.3} | {} | {} | {} | {} |",
            pct(s.text_matches, s.pages),
            pct(s.readerable_text_matches, s.readerable_pages),
            s.similarity_sum / s.pages.max(1) as f64,
            pct(s.titles, s.pages),
            pct(s.dates, s.dated),
            pct(s.readerable_agree, s.readerable_known),
            s.panics
        );
    }
}
