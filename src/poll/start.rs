//! What the store must match before feeds are polled under a
//! configuration: written once, run at the daemon's start, at each reload,
//! and at the start of every `feedloom poll`.

use chrono::Utc;
use sha2::{Digest, Sha256};
use url::Url;

use super::Error;
use super::seeds::{SeedSummary, import_all_seeds};
use crate::config::Config;
use crate::scoring::{self, Topics};
use crate::store::SharedStore;

/// What [`sync_store`] did.
#[derive(Debug, Default)]
pub struct Synced {
    pub seeds: SeedSummary,
    /// Stories put back on the score queue because a topic's definition
    /// changed (0 when none did).
    pub queued: i64,
}

/// Brings the store in line with `config`: the seed files imported, a row
/// for every configured feed, and the stored verdicts current with
/// `topics` (from [`build_topics`]; a changed definition queues every
/// story for scoring).
pub async fn sync_store(
    store: &SharedStore,
    config: &Config,
    topics: &Topics,
) -> Result<Synced, Error> {
    let seeds = import_all_seeds(store, config).await?;
    apply_config(store, config).await?;
    let queued = scoring::ensure_current(store, topics, false).await?;
    Ok(Synced { seeds, queued })
}

/// The topics' scorers: reads the seed files and builds the profiles, so
/// on a blocking thread.
pub async fn build_topics(config: &Config) -> Result<Topics, Error> {
    let config = config.clone();
    tokio::task::spawn_blocking(move || scoring::build(&config))
        .await
        .map_err(|join_error| Error::Crashed(join_error.to_string()))
}

/// Makes the store match `config`: a row for every configured feed, and,
/// when the configuration changed since it was last applied, retired (410)
/// feeds and recorded redirects forgotten (see
/// [`FeedLog::apply_config_digest`](crate::store::FeedLog::apply_config_digest)).
pub async fn apply_config(store: &SharedStore, config: &Config) -> Result<bool, Error> {
    let feeds: Vec<(Url, Option<String>)> = config
        .feeds
        .iter()
        .map(|feed| (feed.url.clone(), feed.title.clone()))
        .collect();
    let digest = config_digest(config);
    Ok(store
        .call(move |store| {
            let now = Utc::now();
            for (url, title) in &feeds {
                store.ensure_feed(url, title.as_deref(), now)?;
            }
            store.apply_config_digest(&digest)
        })
        .await?)
}

/// What identifies the feed configuration: URLs, titles, schedules and
/// switches, in order.
fn config_digest(config: &Config) -> String {
    let mut hasher = Sha256::new();
    for feed in &config.feeds {
        hasher.update(feed.url.as_str());
        hasher.update([0]);
        hasher.update(feed.title.as_deref().unwrap_or_default());
        hasher.update([0]);
        hasher.update(feed.schedule.as_ref().map_or("", |s| s.expression.as_str()));
        hasher.update([u8::from(feed.enabled)]);
    }
    hasher.update(config.schedule.expression.as_str());
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}
