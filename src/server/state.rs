//! What every handler shares, in a file of its own so that the handler
//! files depend on it and not on each other or on the route table.

use std::sync::Arc;

use tokio::sync::watch;

use super::cache::{Changes, DocumentCache, DocumentKey, SearchCache, SearchKey};
use super::deadline::StaleDeadline;
use super::flight::{Flights, QUEUE_WAIT};
use super::paging::PageMarks;
use crate::config::{Config, Database};
use crate::metrics::Metrics;
use crate::store::{self, ReadPool};

/// What the handlers share.
pub struct ServerState {
    /// Connections of the server's own (WAL lets them read while polls
    /// write), one per page being rendered: the bound on the server's work.
    pub readers: ReadPool,
    pub config: watch::Receiver<Arc<Config>>,
    pub changes: Arc<Changes>,
    pub metrics: Arc<Metrics>,
    cache: DocumentCache,
    flights: Flights<DocumentKey>,
    searches: Flights<SearchKey>,
    search_cache: SearchCache,
    page_marks: PageMarks,
    stale_deadline: StaleDeadline,
}

impl ServerState {
    /// The server's read connections to `database`: one per core (a
    /// render is CPU work; more would only queue in the kernel), each
    /// request waiting at most [`QUEUE_WAIT`] for one.
    pub fn read_pool(database: &Database) -> Result<ReadPool, store::Error> {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        ReadPool::new(database, cores, QUEUE_WAIT)
    }

    pub fn new(
        readers: ReadPool,
        config: watch::Receiver<Arc<Config>>,
        changes: Arc<Changes>,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            readers,
            config,
            changes,
            metrics,
            cache: DocumentCache::default(),
            flights: Flights::default(),
            searches: Flights::default(),
            search_cache: SearchCache::default(),
            page_marks: PageMarks::default(),
            stale_deadline: StaleDeadline::default(),
        }
    }

    pub(super) fn cache(&self) -> &DocumentCache {
        &self.cache
    }

    pub(super) fn flights(&self) -> &Flights<DocumentKey> {
        &self.flights
    }

    pub(super) fn searches(&self) -> &Flights<SearchKey> {
        &self.searches
    }

    pub(super) fn search_cache(&self) -> &SearchCache {
        &self.search_cache
    }

    pub(super) fn page_marks(&self) -> &PageMarks {
        &self.page_marks
    }

    pub(super) fn stale_deadline(&self) -> &StaleDeadline {
        &self.stale_deadline
    }
}
