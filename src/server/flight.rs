//! Renders shared and bounded: requests for the same document (or search)
//! at the same generation share one render (single flight), every request
//! waits at most [`QUEUE_WAIT`] for it, however it joined, and a render
//! whose every requester has gone away is stopped.
//!
//! After a change, every reader of `/feed.atom` used to render it again;
//! under a flood of river pages, renders filled the blocking pool that the
//! polls need too; and a render went on long after its client had given
//! up. The render is a shared future that whichever waiter polls drives,
//! so that the request that started it may leave without taking the work
//! from the others waiting for it; when the last one leaves, the render is
//! dropped, which drops its read and so interrupts the statement
//! (`store::ReadPool`). How many renders run at
//! once is the read pool's business: one connection per core.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::FutureExt;
use futures_util::future::{BoxFuture, Shared};

use super::cache::Rendered;
use super::error::ServerError;
use crate::error::error_chain;

/// The longest a request waits for its document, whether it renders it or
/// joins a render under way: beyond it, a 503 with `Retry-After` rather
/// than a queue that grows with the load. Under the 5 s the issue allows,
/// with room for the answer itself.
pub(super) const QUEUE_WAIT: Duration = Duration::from_secs(4);

/// How a shared render ended, as every waiter can be told (an error is
/// logged once, by the render, not by each waiter).
#[derive(Clone)]
enum Outcome {
    Done(Arc<Rendered>),
    /// No read connection came free in time.
    Busy,
    /// Failed; logged.
    Failed,
}

/// One render under way and the requests waiting for it.
struct Flight {
    /// Tells this flight from a later one for the same key.
    id: u64,
    outcome: Shared<BoxFuture<'static, Outcome>>,
    waiters: usize,
}

type Map<K> = HashMap<(K, u64), Flight>;

/// Renders under way, by what they render and the generation they render
/// it for.
pub(super) struct Flights<K> {
    flights: Arc<Mutex<Map<K>>>,
    next_id: AtomicU64,
    /// [`QUEUE_WAIT`], shorter in tests.
    wait: Duration,
}

impl<K> Default for Flights<K> {
    fn default() -> Self {
        Self::new(QUEUE_WAIT)
    }
}

fn lock<K>(flights: &Mutex<Map<K>>) -> MutexGuard<'_, Map<K>> {
    match flights.lock() {
        Ok(flights) => flights,
        // A map of flights holds no invariant a panic could break.
        Err(poisoned) => poisoned.into_inner(),
    }
}

impl<K> Flights<K> {
    pub(super) fn new(wait: Duration) -> Self {
        Self {
            flights: Arc::default(),
            next_id: AtomicU64::new(0),
            wait,
        }
    }
}

impl<K: Eq + Hash + Clone + Send + 'static> Flights<K> {
    /// Whether `key` at `generation` is being rendered now: a reader can be
    /// given the previous copy meanwhile instead of waiting for it.
    pub(super) fn in_flight(&self, key: &K, generation: u64) -> bool {
        lock(&self.flights).contains_key(&(key.clone(), generation))
    }

    /// How many renders are under way (tests).
    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        lock(&self.flights).len()
    }

    /// The document `key` at `generation`: rendered by `render` (started
    /// now), or by the render already under way for it. Waits at most [`QUEUE_WAIT`], then [`ServerError::Busy`].
    pub(super) async fn render<Fut>(
        &self,
        key: &K,
        generation: u64,
        render: impl FnOnce() -> Fut,
    ) -> Result<Arc<Rendered>, ServerError>
    where
        Fut: Future<Output = Result<Arc<Rendered>, ServerError>> + Send + 'static,
    {
        let id = (key.clone(), generation);
        let (outcome, waiter) = {
            let mut flights = lock(&self.flights);
            let flight = match flights.entry(id.clone()) {
                std::collections::hash_map::Entry::Occupied(flight) => flight.into_mut(),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    let flight_id = self.next_id.fetch_add(1, Ordering::Relaxed);
                    let outcome = shared(render(), self.flights.clone(), id.clone(), flight_id);
                    slot.insert(Flight {
                        id: flight_id,
                        outcome,
                        waiters: 0,
                    })
                }
            };
            flight.waiters += 1;
            let waiter = Waiter {
                flights: self.flights.clone(),
                id: id.clone(),
                flight_id: flight.id,
            };
            (flight.outcome.clone(), waiter)
        };
        let outcome = tokio::time::timeout(self.wait, outcome).await;
        drop(waiter);
        match outcome {
            Ok(Outcome::Done(rendered)) => Ok(rendered),
            Ok(Outcome::Busy) | Err(_) => Err(ServerError::Busy),
            Ok(Outcome::Failed) => Err(ServerError::Logged),
        }
    }
}

/// `render` as a future every waiter can poll (whichever waiter polls it
/// drives it, so the request that started it may leave); it takes its
/// flight off the map when done, so later requests find the cache (or,
/// after a failure, try afresh).
fn shared<K, Fut>(
    render: Fut,
    flights: Arc<Mutex<Map<K>>>,
    id: (K, u64),
    flight_id: u64,
) -> Shared<BoxFuture<'static, Outcome>>
where
    K: Eq + Hash + Send + 'static,
    Fut: Future<Output = Result<Arc<Rendered>, ServerError>> + Send + 'static,
{
    async move {
        let outcome = match render.await {
            Ok(rendered) => Outcome::Done(rendered),
            Err(ServerError::Busy) => Outcome::Busy,
            Err(error) => {
                tracing::error!(error = %error_chain(&error), "cannot render a page");
                Outcome::Failed
            }
        };
        let mut flights = lock(&flights);
        if flights.get(&id).is_some_and(|f| f.id == flight_id) {
            flights.remove(&id);
        }
        outcome
    }
    .boxed()
    .shared()
}

/// One request waiting for a flight. The last to leave an unfinished
/// flight takes it off the map (under the map's lock, so that no request
/// joins it then: a later one starts afresh), which drops the render.
struct Waiter<K: Eq + Hash> {
    flights: Arc<Mutex<Map<K>>>,
    id: (K, u64),
    flight_id: u64,
}

impl<K: Eq + Hash> Drop for Waiter<K> {
    fn drop(&mut self) {
        let mut flights = lock(&self.flights);
        let Some(flight) = flights.get_mut(&self.id).filter(|f| f.id == self.flight_id) else {
            // Finished: its task took it off the map.
            return;
        };
        flight.waiters -= 1;
        if flight.waiters == 0 {
            let abandoned = flights.remove(&self.id);
            drop(flights);
            // The last handle on the render (this waiter's own went
            // first): dropping it drops the read, which interrupts it.
            drop(abandoned);
        }
    }
}

#[cfg(test)]
mod tests;
