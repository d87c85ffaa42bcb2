//! Runs the topic scorers over stored stories.
//!
//! Scoring is decoupled from writing: the store queues every new or changed
//! story (by trigger), and [`score_pending`] drains the queue in batches,
//! scoring outside the store lock. A changed topic definition (seeds, rules,
//! threshold, or a new feedloom) is detected by digest and puts every story
//! back on the queue, which is what `feedloom rescore` and a reload do.

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;
use sha2::{Digest, Sha256};
use tokio_util::sync::CancellationToken;

use crate::config::{Config, Topic};
use crate::normalize;
use crate::seeds;
use crate::store::{self, ItemVerdicts, Recorded, ScoredStory, SharedStore};
use crate::topic::{Analysis, Background, Document, Scorer, Verdict};

/// Why scoring stopped: the store failed (what is left stays queued).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Store(#[from] store::Error),
}

/// Stories scored per store round trip: small enough that the lock is never
/// held for long, large enough to amortise the transaction.
const BATCH: usize = 256;

/// One configured topic, ready to score.
#[derive(Debug)]
pub struct TopicScorer {
    pub slug: String,
    pub scorer: Scorer,
    /// Identifies the definition the verdicts come from.
    pub digest: String,
}

impl TopicScorer {
    /// The verdict on one story. The scorer knows the topic's own seeds:
    /// they are on it unless an exclude rule matches.
    pub fn verdict(&self, title: &str, text: &str) -> Verdict {
        self.scorer.score(&Document { title, text })
    }
}

/// Every topic's verdict on one story (slug, verdict), in the topics'
/// order: what both routes record, the parse workers' and the queue's, so
/// they agree to the last bit (the scorer sums in a fixed order).
/// The story is analysed once for all the topics.
pub fn verdicts(topics: &[TopicScorer], title: &str, text: &str) -> Vec<(String, Verdict)> {
    let analysis = Analysis::of(Document { title, text });
    topics
        .iter()
        .map(|topic| (topic.slug.clone(), topic.scorer.score_analysis(&analysis)))
        .collect()
}

/// (slug, digest) of every topic: the definitions verdicts come from.
pub fn digests(topics: &[TopicScorer]) -> Vec<(String, String)> {
    topics
        .iter()
        .map(|topic| (topic.slug.clone(), topic.digest.clone()))
        .collect()
}

/// The verdicts on a feed's items where they are parsed, so that scoring
/// runs on every core beside the parsing instead of after the writer, in
/// one task. Only the items `wanted` says are scored (the others get
/// `None`): an item whose content is already stored makes no new story.
pub fn item_verdicts(
    topics: &Topics,
    items: &[normalize::Item],
    wanted: impl Fn(&normalize::Item) -> bool,
) -> ItemVerdicts {
    ItemVerdicts {
        digests: digests(topics),
        items: items
            .iter()
            .map(|item| {
                wanted(item).then(|| verdicts(topics, &item.story.title, &item.story.content_text))
            })
            .collect(),
    }
}

/// Every configured topic's scorer, the default first. Cheap to share.
pub type Topics = Arc<Vec<TopicScorer>>;

/// Builds the scorers of every topic in `config` from its seeds folder. A
/// missing or unreadable seed is left out with a warning (the daemon goes
/// on); a topic without any seed scores nothing above zero, and only its
/// include rules can put stories on it.
pub fn build(config: &Config) -> Topics {
    let background = Background::builtin();
    Arc::new(
        config
            .topics
            .iter()
            .map(|topic| build_one(topic, &background))
            .collect(),
    )
}

fn build_one(topic: &Topic, background: &Background) -> TopicScorer {
    let articles = load_seeds(&topic.seeds, &topic.slug);
    let stories: Vec<normalize::Story> = articles
        .iter()
        .map(|article| {
            normalize::story_from_paragraphs(&article.title, None, None, &article.paragraphs)
        })
        .collect();
    let documents: Vec<Document<'_>> = stories
        .iter()
        .map(|story| Document {
            title: &story.title,
            text: &story.content_text,
        })
        .collect();
    let scorer = Scorer::new(
        &documents,
        background,
        topic.threshold,
        topic.include.clone(),
        topic.exclude.clone(),
    );
    let mut seed_hashes: Vec<String> = stories
        .iter()
        .map(|story| story.content_hash.as_str().to_owned())
        .collect();
    seed_hashes.sort();
    let digest = digest(topic, &seed_hashes);
    TopicScorer {
        slug: topic.slug.clone(),
        scorer,
        digest,
    }
}

fn load_seeds(dir: &Path, slug: &str) -> Vec<seeds::SeedArticle> {
    match seeds::load_dir(dir) {
        Ok(articles) => articles
            .into_iter()
            .filter_map(|article| match article {
                Ok(article) => Some(article),
                Err(error) => {
                    tracing::warn!(topic = slug, error = %crate::error::error_chain(&error), "seed article left out of the topic profile");
                    None
                }
            })
            .collect(),
        Err(error) => {
            tracing::warn!(topic = slug, error = %crate::error::error_chain(&error), "topic has no seed articles; only its include rules can put stories on it");
            Vec::new()
        }
    }
}

/// What the verdicts of a topic depend on. feedloom's version is part of
/// it because the scorer itself may change between releases.
fn digest(topic: &Topic, seed_hashes: &[String]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(env!("CARGO_PKG_VERSION"));
    hasher.update([0]);
    hasher.update(topic.threshold.to_bits().to_le_bytes());
    for (kind, rules) in [("include", &topic.include), ("exclude", &topic.exclude)] {
        for rule in rules {
            hasher.update(kind);
            hasher.update(format!("{:?}", rule.field));
            hasher.update(&rule.source);
            hasher.update([0]);
        }
    }
    for hash in seed_hashes {
        hasher.update(hash);
    }
    hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Puts every story back on the queue when any topic's definition differs
/// from the one its verdicts came from (or `force`). Returns the number of
/// stories waiting to be scored then (0 when nothing changed).
pub async fn ensure_current(
    store: &SharedStore,
    topics: &Topics,
    force: bool,
) -> Result<i64, Error> {
    let digests = digests(topics);
    store
        .call(move |store| -> Result<i64, Error> {
            let mut recorded = store.topic_digests()?;
            recorded.sort();
            let mut wanted = digests.clone();
            wanted.sort();
            // A changed, added or removed topic.
            let stale = force || recorded != wanted;
            if !stale {
                return Ok(0);
            }
            Ok(store.rescore_all(&digests)?)
        })
        .await
}

/// What one [`score_pending`] run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ScoreSummary {
    pub scored: usize,
    /// Stories whose on-topic status changed for some topic: when non-zero
    /// the published feeds changed.
    pub changed: usize,
    /// The run stopped because the topics it was given are not the ones
    /// the store now scores for (a reload or `feedloom rescore` changed
    /// them meanwhile); what is left stays queued for the new scorers.
    pub stale: bool,
}

/// Scores every queued story against every topic, newest first. `topics`
/// is asked for the current scorers before each batch, so a reload takes
/// effect mid-run; verdicts computed from a definition that is no longer
/// current are not recorded. The lock is held only to read a batch and to
/// write its verdicts. `stop`, when cancelled, ends the run between
/// batches (the rest stays queued), so a long rescore never holds up a
/// shutdown. `on_batch` is told after each batch that changed what some
/// topic publishes, so that readers see a long rescore progress.
pub async fn score_pending(
    store: &SharedStore,
    topics: impl Fn() -> Topics + Send + 'static,
    stop: Option<CancellationToken>,
    on_batch: impl Fn(&ScoreSummary) + Send + 'static,
) -> Result<ScoreSummary, Error> {
    store
        .blocking(move |store| -> Result<ScoreSummary, Error> {
            let mut summary = ScoreSummary::default();
            // A stale batch is retried once with freshly read topics; a second
            // one means the store is ahead of the caller's configuration.
            let mut retried_stale = false;
            loop {
                if stop.as_ref().is_some_and(CancellationToken::is_cancelled) {
                    return Ok(summary);
                }
                let topics = topics();
                let batch = store.lock().pending_scores(BATCH)?;
                if batch.is_empty() {
                    return Ok(summary);
                }
                let scored: Vec<ScoredStory> = batch
                    .into_iter()
                    .map(|story| ScoredStory {
                        verdicts: verdicts(&topics, &story.title, &story.content_text),
                        id: story.id,
                        content_hash: story.content_hash,
                    })
                    .collect();
                let digests = digests(&topics);
                match store
                    .lock()
                    .record_verdicts(&digests, &scored, Utc::now())?
                {
                    Recorded::Done { changed } => {
                        retried_stale = false;
                        summary.scored += scored.len();
                        summary.changed += changed;
                        if changed > 0 {
                            on_batch(&summary);
                        }
                    }
                    Recorded::Stale if !retried_stale => retried_stale = true,
                    Recorded::Stale => {
                        summary.stale = true;
                        return Ok(summary);
                    }
                }
            }
        })
        .await
}

#[cfg(test)]
mod tests;
