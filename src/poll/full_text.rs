//! Full text for teaser feeds (`full_text = true`): between parse and
//! write, each item's link is looked up in the article cache
//! (`FeedLog::articles`), the links never fetched before are fetched
//! (`Fetcher::fetch_page`: the feed's limits and SSRF guard, one request
//! at a time per host, [`SPACING`] apart) and extracted
//! (`article::extract`), what they gave is cached, and every item whose
//! link has an article gets it as its body (`normalize::with_article`),
//! the teaser kept as its summary, before its content hash, verdicts and
//! candidates are computed. An item stored before keeps matching its
//! story, since its link's article comes from the cache at every poll.
//!
//! A link that fails (fetch, not an article, empty extraction) is cached
//! as failed, logged once, counted ([`FullTextCounts`]) and keeps its
//! teaser; nothing here fails the feed. A failure that may pass (a
//! timeout, an error status) is fetched again after
//! [`RETRY_FAILED_AFTER`], if a poll still carries the link.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use futures_util::StreamExt;
use tokio::time::Instant;
use url::Url;

use super::lock;
use crate::article;
use crate::error::error_chain;
use crate::fetch::{Fetched, Fetcher};
use crate::normalize;
use crate::store::{CachedArticle, FeedUpdate, FetchedArticle, SharedStore};

/// The least time between the starts of two article requests to one host,
/// whatever feeds lead there: a teaser feed of fifty items does not become
/// fifty requests at once to a news site.
pub const SPACING: Duration = Duration::from_millis(250);

/// How long a link whose fetch failed in a way that may pass (a timeout,
/// a refused connection, an error status) waits before it is fetched
/// again, at a poll that still carries it. A page that is no article, or
/// a fetch refused for good (gone, too large, the SSRF guard), is not.
pub const RETRY_FAILED_AFTER: Duration = Duration::from_secs(60 * 60);

/// Failures ([`FetchedArticle::outcome`]) that may pass: fetch errors of
/// these kinds.
const PASSING_FAILURES: [&str; 4] = ["timeout", "connect", "request", "status"];

/// Whether a cached link is fetched again at `now`.
fn fetch_again(cached: &CachedArticle, now: chrono::DateTime<Utc>) -> bool {
    cached.content_html.is_none()
        && PASSING_FAILURES.contains(&cached.outcome.as_str())
        && (now - cached.fetched_at).to_std().unwrap_or(Duration::ZERO) >= RETRY_FAILED_AFTER
}

/// Article pages fetched at once for one feed (different hosts; one host
/// gets one at a time).
const CONCURRENT_PAGES: usize = 4;

/// What one feed's full-text stage did, for the log, `feedloom poll`'s
/// summary and `feedloom_full_text_total`.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct FullTextCounts {
    /// Links fetched and extracted this poll.
    pub extracted: usize,
    /// Links fetched this poll that gave no article (fetch failed, not an
    /// article): their items keep the teaser.
    pub failed: usize,
    /// Items whose article came from the cache.
    pub cached: usize,
}

impl std::ops::AddAssign for FullTextCounts {
    fn add_assign(&mut self, other: Self) {
        self.extracted += other.extracted;
        self.failed += other.failed;
        self.cached += other.cached;
    }
}

/// The per-host pacing of article requests, shared by every feed a
/// `Poller` polls: one request at a time per host, [`SPACING`] apart.
#[derive(Default)]
pub(super) struct Pacer {
    hosts: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<Instant>>>>>,
}

impl Pacer {
    /// Runs `fetch` when `url`'s host is free and its last request started
    /// at least [`SPACING`] ago.
    async fn paced<T>(&self, url: &Url, fetch: impl Future<Output = T>) -> T {
        let host = url.host_str().unwrap_or_default().to_owned();
        let slot = lock(&self.hosts).entry(host).or_default().clone();
        let mut last = slot.lock().await;
        if let Some(at) = *last {
            tokio::time::sleep_until(at + SPACING).await;
        }
        *last = Some(Instant::now());
        fetch.await
    }
}

/// The article of each item link of `update` that has one (cached, or
/// fetched now), by canonical link, and the counts. Links fetched now are
/// cached before this returns.
pub(super) async fn articles(
    store: &SharedStore,
    pacer: &Pacer,
    fetcher: &Fetcher,
    feed: &Url,
    update: &FeedUpdate,
) -> (HashMap<String, String>, FullTextCounts) {
    let mut counts = FullTextCounts::default();
    let links: Vec<Url> = {
        let mut seen = HashSet::new();
        update
            .items
            .iter()
            .filter_map(|item| item.story.link.clone())
            .filter(|link| matches!(link.scheme(), "http" | "https"))
            .filter(|link| seen.insert(link.to_string()))
            .collect()
    };
    if links.is_empty() {
        return (HashMap::new(), counts);
    }
    let keys: Vec<String> = links.iter().map(Url::to_string).collect();
    let cached = match store
        .call(move |store| {
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            store.articles(&keys)
        })
        .await
    {
        Ok(cached) => cached,
        Err(error) => {
            // Without the cache nothing is fetched: fetching every link
            // again at each poll would be worse than a teaser.
            tracing::warn!(error = %error_chain(&error), "cannot read the article cache; the feed's own text is kept this time");
            return (HashMap::new(), counts);
        }
    };
    let now = Utc::now();
    let missing: Vec<Url> = links
        .into_iter()
        .filter(|link| {
            cached
                .get(link.as_str())
                .is_none_or(|cached| fetch_again(cached, now))
        })
        .collect();
    let fetched: Vec<FetchedArticle> = futures_util::stream::iter(missing)
        .map(|link| async move {
            let page = pacer.paced(&link, fetcher.fetch_page(feed, &link)).await;
            fetch_article(link, page).await
        })
        .buffer_unordered(CONCURRENT_PAGES)
        .collect()
        .await;
    let mut articles: HashMap<String, String> = cached
        .into_iter()
        .filter_map(|(link, cached)| Some((link, cached.content_html?)))
        .collect();
    counts.cached = articles.len();
    for article in &fetched {
        match &article.content_html {
            Some(html) => {
                counts.extracted += 1;
                articles.insert(article.link.clone(), html.clone());
            }
            None => counts.failed += 1,
        }
    }
    if !fetched.is_empty() {
        let now = Utc::now();
        if let Err(error) = store
            .call(move |store| store.record_articles(&fetched, now))
            .await
        {
            tracing::warn!(error = %error_chain(&error), "cannot record the fetched articles; their links will be fetched again");
        }
    }
    (articles, counts)
}

/// What fetching `link` gave, extracted on a blocking thread; a failure
/// is logged here, once (it is cached).
async fn fetch_article(link: Url, page: Result<Fetched, crate::fetch::Error>) -> FetchedArticle {
    let failed = |outcome: &str| FetchedArticle {
        link: link.to_string(),
        outcome: outcome.to_owned(),
        content_html: None,
    };
    let body = match page {
        Ok(Fetched::Body(body)) => body,
        Ok(Fetched::NotModified { .. }) => {
            tracing::warn!(%link, "full text: the article page answered 304 to a plain GET; keeping the feed's text");
            return failed("not_modified");
        }
        Err(error) => {
            tracing::warn!(%link, error = %error_chain(&error), "full text: cannot fetch the article; keeping the feed's text");
            return failed(error.kind());
        }
    };
    let extracted = tokio::task::spawn_blocking(move || {
        article::extract(&body.bytes, body.content_type.as_deref(), &body.final_url)
    })
    .await;
    match extracted {
        Ok(Ok(article)) => FetchedArticle {
            link: link.to_string(),
            outcome: "extracted".to_owned(),
            content_html: Some(article.html),
        },
        Ok(Err(error)) => {
            tracing::warn!(%link, error = %error_chain(&error), "full text: no article on the page; keeping the feed's text");
            failed(match error {
                article::Error::NotAnArticle { .. } => "not_an_article",
                article::Error::Extraction { .. } => "extraction",
            })
        }
        Err(join_error) => {
            tracing::warn!(%link, error = %join_error, "full text: extraction crashed (a bug); keeping the feed's text");
            failed("crashed")
        }
    }
}

/// Gives each item whose link has an article in `articles` that article as
/// its body. CPU-bound (sanitizing, hashing): run on a blocking thread.
pub(super) fn apply(update: &mut FeedUpdate, articles: &HashMap<String, String>) {
    for item in &mut update.items {
        let html = item
            .story
            .link
            .as_ref()
            .and_then(|link| articles.get(link.as_str()));
        if let Some(html) = html {
            item.story = normalize::with_article(&item.story, html);
        }
    }
}

#[cfg(test)]
mod tests;
