//! The daemon's catching-up task: whenever a poll stored something or the
//! topics changed, one task drains the score queue and then the search
//! queue, so concurrent polls never score or index the same stories twice,
//! and neither costs the polls' transactions anything.

use std::sync::Arc;

use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::error::error_chain;
use crate::metrics::Metrics;
use crate::scoring::{self, Topics};
use crate::server::Changes;
use crate::store::{PRUNE_EVERY, SharedStore};

pub(super) struct CatchUpTask {
    pub store: SharedStore,
    pub topics: watch::Receiver<Topics>,
    /// Poked after every fetched poll and reload. A poke while a run is
    /// under way is kept (Notify stores one permit), so nothing stored is
    /// left unscored until the next poll.
    pub wake: Arc<Notify>,
    pub changes: Arc<Changes>,
    pub token: CancellationToken,
    /// For `[retention]`, read at each prune so that a reload applies.
    pub config: watch::Receiver<Arc<Config>>,
    /// The queues' backlog is counted after each run.
    pub metrics: Arc<Metrics>,
}

/// After a failed run, the next starts this soon even if no poll pokes
/// it: a store that failed once (a deadlock another node's write broke, a
/// restart) mostly answers again, and the queues must not wait for the
/// next poll that fetches something, which may be hours away.
const RETRY_AFTER: std::time::Duration = std::time::Duration::from_secs(5);

impl CatchUpTask {
    pub async fn run(self) {
        let mut retry = false;
        loop {
            tokio::select! {
                () = self.token.cancelled() => return,
                () = self.wake.notified() => {}
                () = tokio::time::sleep(RETRY_AFTER), if retry => {}
            }
            retry = false;
            super::poll_task::refresh_backlog(&self.store, &self.metrics).await;
            let topics = self.topics.clone();
            let changes = self.changes.clone();
            let run = scoring::score_pending(
                &self.store,
                move || topics.borrow().clone(),
                Some(self.token.clone()),
                // Readers see a long rescore progress batch by batch.
                move |_| changes.note(),
            );
            match run.await {
                Ok(summary) => {
                    if summary.scored > 0 {
                        tracing::debug!(
                            scored = summary.scored,
                            changed = summary.changed,
                            "stories scored"
                        );
                    }
                    if summary.stale {
                        // The reload that changed the topics pokes again
                        // once the new scorers are in place.
                        tracing::debug!("topics changed under the scorer; waiting for the reload");
                    }
                }
                Err(error) => {
                    // The verdicts stay queued; retried shortly. An outage
                    // is said by the polls, once.
                    let scoring::Error::Store(store_error) = &error;
                    if !store_error.is_unavailable() {
                        tracing::error!(error = %error_chain(&error), "scoring stories failed; retrying in a few seconds");
                    }
                    retry = true;
                }
            }
            match self.store.index_all_pending().await {
                Ok(0) => {}
                Ok(indexed) => {
                    tracing::debug!(indexed, "stories indexed for search");
                    // Search pages are cached per generation.
                    self.changes.note();
                }
                // They stay queued; retried shortly.
                Err(error) => {
                    if !error.is_unavailable() {
                        tracing::error!(error = %error_chain(&error), "indexing stories for search failed; retrying in a few seconds");
                    }
                    retry = true;
                }
            }
            // At most hourly, by the time recorded in the store, so that a
            // restart or a `feedloom poll` beside the daemon does not prune
            // again.
            {
                let retention = self.config.borrow().retention;
                match self.store.prune_due(retention, PRUNE_EVERY).await {
                    Ok(pruned) if pruned.stories > 0 => {
                        tracing::info!(
                            clusters = pruned.clusters,
                            stories = pruned.stories,
                            "pruned stories past their retention"
                        );
                        self.changes.note();
                    }
                    Ok(_) => {}
                    Err(error) => {
                        tracing::error!(error = %error_chain(&error), "pruning old stories failed; retried after the next poll")
                    }
                }
            }
            super::poll_task::refresh_backlog(&self.store, &self.metrics).await;
        }
    }
}
