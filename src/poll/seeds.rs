//! The seed import: every topic's seed files, cleaned into stories and
//! stored beside the polled ones.

use std::path::Path;

use chrono::{DateTime, NaiveTime, Utc};

use super::Error;
use crate::config::{self, Config};
use crate::error::error_chain;
use crate::normalize;
use crate::seeds;
use crate::store::{SeedChange, SharedStore};

/// What the seed import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeedSummary {
    pub inserted: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// One message per seed file that could not be imported.
    pub failed: Vec<String>,
    /// One message per seeds folder that could not be read (missing, not a
    /// folder): a warning in the words of `check-config`
    /// ([`config::seeds_problem`]), since the feeds are polled all the same.
    pub folders: Vec<String>,
}

/// Imports the seeds of every topic, each keyed by its topic's
/// [`seed_prefix`](crate::config::Topic::seed_prefix) and file name.
pub async fn import_all_seeds(store: &SharedStore, config: &Config) -> Result<SeedSummary, Error> {
    let mut summary = SeedSummary::default();
    for topic in &config.topics {
        let one = import_seeds(store, &topic.seeds, &topic.seed_prefix).await?;
        summary.inserted += one.inserted;
        summary.updated += one.updated;
        summary.unchanged += one.unchanged;
        summary.failed.extend(one.failed);
        summary.folders.extend(one.folders);
    }
    Ok(summary)
}

/// Imports the seed files of one folder, keyed by `key_prefix` and file
/// name. A folder that cannot be read is reported in the summary
/// ([`SeedSummary::folders`]), not as an error: without seeds the feeds are
/// still worth polling.
pub async fn import_seeds(
    store: &SharedStore,
    dir: &Path,
    key_prefix: &str,
) -> Result<SeedSummary, Error> {
    let dir = dir.to_owned();
    let key_prefix = key_prefix.to_owned();
    store
        .blocking(move |store| -> Result<SeedSummary, Error> {
            let mut summary = SeedSummary::default();
            let articles = match seeds::load_dir(&dir) {
                Ok(articles) => articles,
                Err(error) => {
                    let message =
                        config::seeds_problem(&dir).unwrap_or_else(|| error_chain(&error));
                    tracing::warn!("{message}");
                    summary.folders.push(message);
                    return Ok(summary);
                }
            };
            let mut store = store.lock();
            for article in articles {
                let article = match article {
                    Ok(article) => article,
                    Err(error) => {
                        let message = error_chain(&error);
                        tracing::warn!(error = %message, "seed article skipped");
                        summary.failed.push(message);
                        continue;
                    }
                };
                let key = format!(
                    "{key_prefix}{}",
                    article
                        .path
                        .file_name()
                        .map(|name| name.to_string_lossy())
                        .unwrap_or_default()
                );
                let published = article.published.map(|date| {
                    DateTime::from_naive_utc_and_offset(date.and_time(NaiveTime::MIN), Utc)
                });
                let mut story = normalize::story_from_paragraphs(
                    &article.title,
                    article.url.as_ref(),
                    published,
                    &article.paragraphs,
                );
                story.author.clone_from(&article.author);
                match store.upsert_seed(&key, &story, Utc::now())? {
                    SeedChange::Inserted => summary.inserted += 1,
                    SeedChange::Updated => summary.updated += 1,
                    SeedChange::Unchanged => summary.unchanged += 1,
                    SeedChange::Duplicate { of } => summary
                        .failed
                        .push(format!("{key}: same text as {of}; not stored twice")),
                }
            }
            Ok(summary)
        })
        .await
}
