//! Renders of uncached documents and searches, bounded: requests for the
//! same document at the same generation share one render (single flight),
//! and at most one render or search per core runs at once; a request that
//! waited [`QUEUE_WAIT`] for its turn is answered 503 with `Retry-After`
//! instead of piling up. The slot travels with the work to its blocking
//! thread, so a request whose client left still counts until the work
//! stops.
//! After a change, every reader of `/feed.atom` used to render it again;
//! under a flood of river pages, renders filled the blocking pool that
//! the polls need too.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{OnceCell, OwnedSemaphorePermit, Semaphore};

use super::cache::{DocumentKey, Rendered};
use super::error::ServerError;

/// The longest a request waits for a render slot before it is told to come
/// back later.
pub(super) const QUEUE_WAIT: Duration = Duration::from_secs(5);

/// One document being rendered, and everyone waiting for it.
type Flight = Arc<OnceCell<Arc<Rendered>>>;

pub(super) struct Flights {
    flights: Mutex<HashMap<(DocumentKey, u64), Flight>>,
    /// One render or search per core: CPU work on blocking threads.
    slots: Arc<Semaphore>,
    /// [`QUEUE_WAIT`], shorter in tests.
    wait: Duration,
}

impl Default for Flights {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(cores, QUEUE_WAIT)
    }
}

impl Flights {
    pub(super) fn new(slots: usize, wait: Duration) -> Self {
        Self {
            flights: Mutex::default(),
            slots: Arc::new(Semaphore::new(slots.max(1))),
            wait,
        }
    }

    fn flights(&self) -> MutexGuard<'_, HashMap<(DocumentKey, u64), Flight>> {
        match self.flights.lock() {
            Ok(flights) => flights,
            // A map of flights holds no invariant a panic could break.
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// Whether `key` at `generation` is being rendered now: a reader can be
    /// given the previous copy meanwhile instead of waiting for it.
    pub(super) fn in_flight(&self, key: &DocumentKey, generation: u64) -> bool {
        self.flights().contains_key(&(key.clone(), generation))
    }

    /// A slot for one render or search, waited for at most [`QUEUE_WAIT`].
    pub(super) async fn slot(&self) -> Result<OwnedSemaphorePermit, ServerError> {
        match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(slot)) => Ok(slot),
            // Timed out, or closed (never: nothing closes it).
            _ => Err(ServerError::Busy),
        }
    }

    /// The document `key` at `generation`: rendered by `render` in a free
    /// slot (which it keeps until its work ends), or by the request already
    /// rendering it. If that request's client goes away (its future is
    /// dropped), the next waiter renders.
    pub(super) async fn render<F, Fut>(
        &self,
        key: &DocumentKey,
        generation: u64,
        render: F,
    ) -> Result<Arc<Rendered>, ServerError>
    where
        F: FnOnce(OwnedSemaphorePermit) -> Fut,
        Fut: Future<Output = Result<Arc<Rendered>, ServerError>>,
    {
        let id = (key.clone(), generation);
        let flight = self.flights().entry(id.clone()).or_default().clone();
        let result = flight
            .get_or_try_init(|| async { render(self.slot().await?).await })
            .await
            .cloned();
        // Done (or failed): later requests find the cache, or try afresh.
        let mut flights = self.flights();
        if flights.get(&id).is_some_and(|f| Arc::ptr_eq(f, &flight)) {
            flights.remove(&id);
        }
        result
    }
}

#[cfg(test)]
mod tests;
