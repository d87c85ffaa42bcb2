//! What every handler shares, in a file of its own so that the handler
//! files depend on it and not on each other or on the route table.

use std::sync::Arc;

use tokio::sync::watch;

use super::cache::{Changes, DocumentCache};
use super::deadline::StaleDeadline;
use super::flight::Flights;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::store::SharedStore;

/// What the handlers share.
pub struct ServerState {
    /// A connection of its own (WAL lets it read while polls write).
    pub store: SharedStore,
    pub config: watch::Receiver<Arc<Config>>,
    pub changes: Arc<Changes>,
    pub metrics: Arc<Metrics>,
    cache: DocumentCache,
    flights: Flights,
    stale_deadline: StaleDeadline,
}

impl ServerState {
    pub fn new(
        store: SharedStore,
        config: watch::Receiver<Arc<Config>>,
        changes: Arc<Changes>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            store,
            config,
            changes,
            metrics,
            cache: DocumentCache::default(),
            flights: Flights::default(),
            stale_deadline: StaleDeadline::default(),
        }
    }

    pub(super) fn cache(&self) -> &DocumentCache {
        &self.cache
    }

    pub(super) fn flights(&self) -> &Flights {
        &self.flights
    }

    pub(super) fn stale_deadline(&self) -> &StaleDeadline {
        &self.stale_deadline
    }
}
