//! Publishes changes to the server's documents: this node's own (noted by
//! polls and the catching-up task, published together) and those of every
//! other node sharing the store (seen as the store's change count moving).
//!
//! A generation per fetched feed made the cache useless under polling (a
//! flood of river pages found it empty nearly every time); nodes sharing a
//! store would never learn of each other's stories at all. One tick, twice
//! a second, does both: a change reaches this node's readers within half a
//! second and another node's within a second.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::error::error_chain;
use crate::server::Changes;
use crate::store::SharedStore;

/// How often noted changes are published and the store's count is read.
pub(super) const WATCH_EVERY: Duration = Duration::from_millis(500);

/// Runs until `token` is cancelled.
pub(super) async fn watch_changes(
    store: SharedStore,
    changes: Arc<Changes>,
    token: CancellationToken,
) {
    let mut tick = tokio::time::interval(WATCH_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    // The count last seen, or written by this node.
    let mut seen: Option<i64> = None;
    let mut failing = false;
    loop {
        tokio::select! {
            () = token.cancelled() => return,
            _ = tick.tick() => {}
        }
        let noted = changes.take_noted();
        let count = store
            .call(move |store| {
                if noted {
                    store.mark_changed()
                } else {
                    store.change_count()
                }
            })
            .await;
        match count {
            Ok(count) => {
                if failing {
                    tracing::info!("the store answers again; changes are published");
                    failing = false;
                }
                // Bumped after the count is written: a change another node
                // committed before it is in what the new generation renders,
                // and one committed after it moves the count again.
                if noted || seen.is_some_and(|seen| seen != count) {
                    changes.bump();
                }
                seen = Some(count);
            }
            Err(error) => {
                if noted {
                    // This node's own change is published anyway; the other
                    // nodes learn of it with the next one.
                    changes.bump();
                }
                if !failing {
                    tracing::warn!(error = %error_chain(&error), "cannot read the store's change count; other nodes' changes wait until it answers");
                    failing = true;
                }
            }
        }
    }
}
