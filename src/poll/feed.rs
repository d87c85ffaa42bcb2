//! One feed's poll, in its steps: fetch and parse (no store), record what
//! the fetch brought (one short lock, or the group commit's queue for a
//! parsed body), wait for the write, and report the outcome in the log.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::SemaphorePermit;
use url::Url;

use super::batch::QueuedWrite;
use super::full_text::{self, FullTextCounts};
use super::{Error, FeedError, FeedOutcome, Poller, prepare};
use crate::config::FeedConfig;
use crate::error::error_chain;
use crate::fetch::{self, Fetched, Fetcher, Validators};
use crate::normalize::{self, Item};
use crate::parse;
use crate::store::{self, FeedRecord, FeedUpdate};

impl Poller {
    /// Polls one feed: conditional GET with the stored validators, parse,
    /// normalize, and write the result in one transaction. A feed failure
    /// is recorded on the feed and returned as [`FeedOutcome::Failed`];
    /// `Err` means the store itself failed.
    #[tracing::instrument(name = "poll_feed", skip_all, fields(feed.url = %feed.url))]
    pub async fn poll_feed(
        &self,
        fetcher: &Fetcher,
        feed: &FeedConfig,
    ) -> Result<FeedOutcome, Error> {
        let record = self.feed_record(feed).await?;
        let fetched = self.fetch_and_queue(fetcher, feed, &record).await?;
        self.finish(fetched).await
    }

    /// [`poll_feed`](Self::poll_feed) up to its write: fetched, parsed and
    /// queued for the group commit, or already recorded. What is left
    /// ([`finish`](Self::finish)) only waits for the writer, so a caller
    /// polling many feeds starts the next one here instead of holding one
    /// of its slots through the write. Memory stays bounded by the backlog
    /// share each queued feed holds until it is written (not a `full_text`
    /// feed's articles: such a feed keeps its slot until written).
    pub(super) async fn fetch_and_queue(
        &self,
        fetcher: &Fetcher,
        feed: &FeedConfig,
        record: &FeedRecord,
    ) -> Result<Queued<'_>, Error> {
        if record.gone {
            return Ok(Queued::Done(FeedOutcome::Retired));
        }
        let fetch = self.fetch_and_parse(fetcher, feed, record).await;
        self.record(record, fetch).await
    }

    /// The end of a feed's poll: waits for its write (if it was queued),
    /// records a failure to store it, and reports the outcome in the log.
    pub(super) async fn finish(&self, queued: Queued<'_>) -> Result<FeedOutcome, Error> {
        let outcome = match queued {
            Queued::Done(FeedOutcome::Retired) => return Ok(FeedOutcome::Retired),
            Queued::Done(outcome) => outcome,
            Queued::Writing {
                feed,
                write,
                backlog,
                warnings,
                full_text,
            } => {
                let written = write.written().await;
                drop(backlog);
                match written {
                    Ok(stats) => FeedOutcome::Fetched {
                        stats,
                        warnings,
                        full_text,
                    },
                    // One feed's data must not stop the poll: if the store
                    // cannot take it, that is this feed's failure, and the
                    // store is still usable if it can record it.
                    Err(error) => {
                        self.store
                            .call(move |store| {
                                record_failure(store, feed, Utc::now(), FeedError::Store(error))
                            })
                            .await?
                    }
                }
            }
        };
        report(&outcome);
        Ok(outcome)
    }

    /// The rows of `feeds`, read under one lock, by URL: for a poll of many
    /// feeds, whose every feed would otherwise wait for the store (behind
    /// the batch being written) before its fetch could start.
    pub(super) async fn feed_records(
        &self,
        feeds: &[&FeedConfig],
    ) -> Result<HashMap<Url, FeedRecord>, Error> {
        let urls: Vec<Url> = feeds.iter().map(|feed| feed.url.clone()).collect();
        Ok(self
            .store
            .call(move |store| {
                let mut records = HashMap::with_capacity(urls.len());
                for url in urls {
                    if let Some(record) = store.feed(&url)? {
                        records.insert(url, record);
                    }
                }
                Ok::<_, store::Error>(records)
            })
            .await?)
    }

    /// The feed's row. `apply_config` made it; reading it costs no write.
    /// A feed polled on its own (tests, tools) gets its row here.
    pub(super) async fn feed_record(&self, feed: &FeedConfig) -> Result<FeedRecord, Error> {
        let url = feed.url.clone();
        let title = feed.title.clone();
        Ok(self
            .store
            .call(move |store| match store.feed(&url)? {
                Some(record) => Ok(record),
                None => store.ensure_feed(&url, title.as_deref(), Utc::now()),
            })
            .await?)
    }

    /// Fetches the feed (from where a permanent redirect moved it) and, if
    /// the body is new, parses it on a blocking thread, within the
    /// poller's limits.
    async fn fetch_and_parse(
        &self,
        fetcher: &Fetcher,
        feed: &FeedConfig,
        record: &FeedRecord,
    ) -> Fetch<'_> {
        let validators = Validators {
            etag: record.etag.clone(),
            last_modified: record.last_modified.clone(),
        };
        // A permanent redirect recorded earlier is followed directly; the
        // SSRF guard's trust still comes from the configured URL.
        let target = record
            .fetch_url
            .as_deref()
            .and_then(|url| Url::parse(url).ok())
            .unwrap_or_else(|| feed.url.clone());
        let fetched = fetcher.fetch_from(&feed.url, &target, &validators).await;
        let moved_to = match &fetched {
            Ok(Fetched::NotModified { moved_to }) => moved_to.clone(),
            Ok(Fetched::Body(body)) => body.moved_to.clone(),
            Err(_) => None,
        };
        let retry_after = fetched.as_ref().err().and_then(fetch::Error::retry_after);
        let mut backlog = None;
        let received = match fetched {
            Ok(Fetched::NotModified { .. }) => Ok(Received::NotModified),
            Ok(Fetched::Body(body)) => {
                let digest = body_digest(&body);
                if record.body_sha256.as_deref() == Some(digest.as_str()) {
                    Ok(Received::SameBody {
                        validators: body.validators,
                        status: body.status,
                    })
                } else {
                    // Held until the feed is written.
                    backlog = self.limits.backlog(body.bytes.len()).await;
                    self.parse(fetcher, feed, body, digest).await
                }
            }
            Err(error) => Err(FeedError::Fetch(error)),
        };
        Fetch {
            received,
            moved_to,
            retry_after,
            backlog,
        }
    }

    /// Parses a new body on a blocking thread, in one of the poller's parse
    /// slots. The slot goes with the parse, which goes on even if this poll
    /// is dropped meanwhile. For a `full_text` feed the items' articles
    /// are fetched between parsing and preparing (out of the parse slot),
    /// so the hashes, verdicts and candidates are the articles'.
    async fn parse(
        &self,
        fetcher: &Fetcher,
        feed: &FeedConfig,
        body: fetch::Body,
        digest: String,
    ) -> Result<Received, FeedError> {
        let slot = self.limits.parse_slot().await;
        let topics = self.topics();
        let store = self.store.clone();
        let readers = self.readers.clone();
        let url = feed.url.clone();
        if !feed.full_text {
            return match tokio::task::spawn_blocking(move || {
                let _slot = slot;
                let (mut update, warnings) = parse_body(&body, digest, &url)?;
                prepare::prepare(&mut update, &store, &readers, topics.as_ref());
                Ok((update, warnings))
            })
            .await
            {
                Ok(parsed) => parsed.map(|(update, warnings)| Received::Parsed {
                    update: Box::new(update),
                    warnings,
                    full_text: FullTextCounts::default(),
                }),
                Err(join_error) => Err(FeedError::Crashed(join_error.to_string())),
            };
        }
        let (mut update, warnings) = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            parse_body(&body, digest, &url)
        })
        .await
        .map_err(|join_error| FeedError::Crashed(join_error.to_string()))??;
        let (articles, counts) =
            full_text::articles(&self.store, &self.pages, fetcher, &feed.url, &update).await;
        let slot = self.limits.parse_slot().await;
        let update = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            full_text::apply(&mut update, &articles);
            prepare::prepare(&mut update, &store, &readers, topics.as_ref());
            update
        })
        .await
        .map_err(|join_error| FeedError::Crashed(join_error.to_string()))?;
        Ok(Received::Parsed {
            update: Box::new(update),
            warnings,
            full_text: counts,
        })
    }

    /// Records what the fetch brought: a move, a Retry-After, a 410, a 304,
    /// the same body again or a failure under one short lock; a parsed body
    /// is queued for the group commit, without taking the lock when there
    /// is nothing else to record (the feed not moved, no Retry-After to
    /// clear): a poll's feeds would otherwise each wait for the batch being
    /// written before joining the next.
    async fn record<'a>(
        &'a self,
        record: &FeedRecord,
        fetch: Fetch<'a>,
    ) -> Result<Queued<'a>, Error> {
        let Fetch {
            received,
            moved_to,
            retry_after,
            backlog,
        } = fetch;
        let feed = record.id;
        let quiet = moved_to.is_none() && retry_after.is_none() && record.retry_after.is_none();
        let (update, warnings, full_text) = match received {
            Ok(Received::Parsed {
                update,
                warnings,
                full_text,
            }) if quiet => (update, warnings, full_text),
            received => {
                let recorded = self
                    .store
                    .call(move |store| -> Result<Recorded, Error> {
                        let now = Utc::now();
                        if let Some(to) = &moved_to {
                            tracing::warn!(moved_to = %to, "feed moved permanently; fetching the new URL from now on (edit the configuration to make it stick)");
                            store.set_fetch_url(feed, to)?;
                        }
                        store.set_retry_after(feed, retry_after)?;
                        if matches!(received, Err(FeedError::Fetch(fetch::Error::Gone))) {
                            tracing::warn!("feed answered 410 Gone; retired until the configuration changes");
                            store.mark_gone(feed)?;
                        }
                        Ok(Recorded::Done(match received {
                            Ok(Received::NotModified) => {
                                store.record_not_modified(feed, now)?;
                                FeedOutcome::NotModified
                            }
                            Ok(Received::SameBody { validators, status }) => {
                                tracing::debug!(
                                    "same body as last time under new validators; not parsed again"
                                );
                                store.record_same_body(
                                    feed,
                                    now,
                                    validators.etag.as_deref(),
                                    validators.last_modified.as_deref(),
                                    status,
                                )?;
                                FeedOutcome::NotModified
                            }
                            Ok(Received::Parsed {
                                update,
                                warnings,
                                full_text,
                            }) => {
                                return Ok(Recorded::ToWrite {
                                    update,
                                    warnings,
                                    full_text,
                                });
                            }
                            Err(error) => record_failure(store, feed, now, error)?,
                        }))
                    })
                    .await?;
                match recorded {
                    Recorded::Done(outcome) => return Ok(Queued::Done(outcome)),
                    Recorded::ToWrite {
                        update,
                        warnings,
                        full_text,
                    } => (update, warnings, full_text),
                }
            }
        };
        Ok(Queued::Writing {
            feed,
            write: self.commits.queue(feed, *update),
            backlog,
            warnings,
            full_text,
        })
    }
}

/// A feed's poll once its fetch is recorded: done, or queued for the group
/// commit ([`Poller::fetch_and_queue`]).
pub(super) enum Queued<'a> {
    Done(FeedOutcome),
    Writing {
        feed: store::FeedId,
        write: QueuedWrite,
        /// The parsed body's share of the backlog, held until it is written.
        backlog: Option<SemaphorePermit<'a>>,
        warnings: Vec<String>,
        full_text: FullTextCounts,
    },
}

/// What a fetch left to record, and the backlog share its parsed body
/// holds until it is written.
struct Fetch<'a> {
    received: Result<Received, FeedError>,
    moved_to: Option<Url>,
    retry_after: Option<DateTime<Utc>>,
    backlog: Option<SemaphorePermit<'a>>,
}

/// What a fetch brought that is worth writing down.
enum Received {
    /// 304.
    NotModified,
    /// A body identical to the last one parsed, under new validators.
    SameBody { validators: Validators, status: u16 },
    /// A new body, parsed and normalized.
    Parsed {
        update: Box<FeedUpdate>,
        warnings: Vec<String>,
        full_text: FullTextCounts,
    },
}

/// Where a feed's poll stands once the store has heard how the fetch went.
enum Recorded {
    Done(FeedOutcome),
    /// A parsed feed, for the group commit.
    ToWrite {
        update: Box<FeedUpdate>,
        warnings: Vec<String>,
        full_text: FullTextCounts,
    },
}

/// Records a feed's failure on the feed and returns it as the outcome.
fn record_failure(
    store: &mut dyn store::Storage,
    feed: store::FeedId,
    now: DateTime<Utc>,
    error: FeedError,
) -> Result<FeedOutcome, Error> {
    let message = error_chain(&error);
    let http_status = match &error {
        FeedError::Fetch(fetch_error) => fetch_error.http_status(),
        FeedError::Parse(_) | FeedError::Store(_) | FeedError::Crashed(_) => None,
    };
    store.record_failure(feed, now, http_status, &message)?;
    Ok(FeedOutcome::Failed { error, message })
}

/// One log line per outcome (and one per warning).
fn report(outcome: &FeedOutcome) {
    match outcome {
        FeedOutcome::Fetched {
            stats,
            warnings,
            full_text,
        } => {
            tracing::info!(
                new = stats.new_stories,
                merged = stats.merged,
                updated = stats.updated,
                unchanged = stats.unchanged,
                "feed fetched"
            );
            if full_text.extracted + full_text.failed > 0 {
                tracing::info!(
                    extracted = full_text.extracted,
                    failed = full_text.failed,
                    "fetched item links for their full text"
                );
            }
            if stats.reused_ids > 0 {
                tracing::warn!(
                    items = stats.reused_ids,
                    "feed gave earlier stories' ids to new ones; stored them as new stories and kept the earlier ones"
                );
            }
            for warning in warnings {
                tracing::warn!(%warning, "feed has problems");
            }
        }
        FeedOutcome::NotModified => tracing::info!("feed not modified"),
        FeedOutcome::Retired => tracing::debug!("feed retired (410 Gone)"),
        // The caller says what happens next (the daemon: when it retries;
        // `feedloom poll`: its summary), in one line.
        FeedOutcome::Failed { message, .. } => {
            tracing::debug!(error = %message, "feed failed; stored stories kept")
        }
    }
}

/// SHA-256 over the Content-Type (its charset changes how the bytes read)
/// and the body, hex.
fn body_digest(body: &fetch::Body) -> String {
    let mut hasher = Sha256::new();
    hasher.update(body.content_type.as_deref().unwrap_or("").as_bytes());
    hasher.update([0]);
    hasher.update(&body.bytes);
    format!("{:x}", hasher.finalize())
}

/// Parses and normalizes a fetched body. CPU-bound: run on a blocking thread.
fn parse_body(
    body: &fetch::Body,
    digest: String,
    feed_url: &Url,
) -> Result<(FeedUpdate, Vec<String>), FeedError> {
    let parsed = parse::parse(&body.bytes, body.content_type.as_deref(), &body.final_url)?;
    let mut warnings = parsed.warnings;
    let mut items: Vec<Item> = Vec::with_capacity(parsed.entries.len());
    let mut guids: HashMap<String, usize> = HashMap::new();
    let (mut empty, mut repeated, mut rekeyed) = (0, 0, 0);
    for entry in &parsed.entries {
        let Some(mut item) = normalize::normalize_entry(entry) else {
            empty += 1;
            continue;
        };
        if let Some(&first) = guids.get(&item.guid) {
            // Two items under one id in one document. The same story twice
            // is skipped. Another story (a feed that gives every item the
            // site's URL as its guid) is keyed by its link, else its
            // content, as if it had no id: keeping only the first would
            // lose it, and keeping both under one id would make each poll
            // "edit" one into the other.
            let other = items[first].story.content_hash != item.story.content_hash;
            let key = item
                .story
                .link
                .as_ref()
                .map(Url::to_string)
                .filter(|link| !guids.contains_key(link))
                .unwrap_or_else(|| format!("sha256:{}", item.story.content_hash.as_str()));
            if !other || guids.contains_key(&key) {
                repeated += 1;
                continue;
            }
            item.guid = key;
            rekeyed += 1;
        }
        guids.insert(item.guid.clone(), items.len());
        items.push(item);
    }
    if empty > 0 {
        warnings.push(format!(
            "{empty} entries had neither a title nor any text and were skipped"
        ));
    }
    if repeated > 0 {
        warnings.push(format!(
            "{repeated} entries repeated an earlier entry's id and content and were skipped"
        ));
    }
    if rekeyed > 0 {
        warnings.push(format!(
            "{rekeyed} entries repeated an earlier entry's id with other content; \
             each was keyed by its link (or its content) instead"
        ));
    }
    tracing::debug!(feed = %feed_url, entries = items.len(), "parsed");
    Ok((
        FeedUpdate {
            etag: body.validators.etag.clone(),
            last_modified: body.validators.last_modified.clone(),
            http_status: body.status,
            feed_title: parsed
                .title
                .as_deref()
                .map(normalize::plain_title)
                .filter(|title| !title.is_empty()),
            site_link: parsed.link,
            items,
            body_sha256: Some(digest),
            verdicts: None,
            candidates: Vec::new(),
        },
        warnings,
    ))
}
