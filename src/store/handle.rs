//! The store as async code shares it: one connection behind a mutex, used
//! only from blocking threads. Every async caller goes through
//! [`SharedStore::call`], so no store method ever runs on the async
//! threads and no caller writes the `spawn_blocking` dance itself.

use std::sync::{Arc, Mutex, MutexGuard, TryLockError};

use chrono::Utc;

use super::error::Error;
use super::storage::{INDEX_BATCH, Storage};
use super::types::Pruned;
use crate::config::Retention;

/// One store connection, shared. Cheap to clone (an `Arc`). Holds the
/// store as a [`Storage`] object, so the pipeline runs on whichever backend
/// [`connect`](super::connect) (or a test) chose.
#[derive(Clone)]
pub struct SharedStore {
    store: Arc<Mutex<Box<dyn Storage>>>,
}

impl SharedStore {
    /// Shares `store`, as [`connect`](super::connect) or a test opened it.
    pub fn new(store: Box<dyn Storage>) -> Self {
        Self {
            store: Arc::new(Mutex::new(store)),
        }
    }

    /// The store lock, for code already on a blocking thread. A panic
    /// while holding it cannot leave the store half-written (each method is
    /// one transaction, see [`Storage`], and an unfinished one rolls back),
    /// so a poisoned lock is safe to take over.
    pub fn lock(&self) -> MutexGuard<'_, Box<dyn Storage>> {
        match self.store.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }

    /// The store lock if no one holds it now; `None` if someone does. For
    /// a check that must answer at once rather than queue behind a render
    /// (`/healthz`). Poisoned is taken over, as in [`lock`](Self::lock).
    pub fn try_lock(&self) -> Option<MutexGuard<'_, Box<dyn Storage>>> {
        match self.store.try_lock() {
            Ok(guard) => Some(guard),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    /// Runs `work` with the store locked, on a blocking thread, and returns
    /// what it returned. A panic in `work` becomes [`Error::Crashed`]
    /// (converted into the caller's error type) instead of taking the
    /// caller's task down with it.
    pub async fn call<T, E>(
        &self,
        work: impl FnOnce(&mut dyn Storage) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        self.blocking(move |store| work(&mut **store.lock())).await
    }

    /// Runs `work` on a blocking thread with this handle, for work that
    /// takes the lock more than once (a batch per lock, so the server and
    /// the polls get the store in between) or works outside it. A panic
    /// becomes [`Error::Crashed`] as in [`call`](Self::call).
    pub async fn blocking<T, E>(
        &self,
        work: impl FnOnce(&SharedStore) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let store = self.clone();
        match tokio::task::spawn_blocking(move || work(&store)).await {
            Ok(result) => result,
            Err(join_error) => Err(Error::Crashed(join_error.to_string()).into()),
        }
    }

    /// Indexes every story waiting for search, a batch per lock, so that
    /// the server and polls get the store in between; returns how many.
    pub async fn index_all_pending(&self) -> Result<usize, Error> {
        self.blocking(|store| {
            let mut total = 0;
            loop {
                match store.lock().index_pending(INDEX_BATCH)? {
                    0 => return Ok(total),
                    n => total += n,
                }
            }
        })
        .await
    }

    /// Indexes one full batch ([`INDEX_BATCH`]) of the stories waiting for
    /// search, if that many wait; returns how many it indexed (0 or a
    /// batch). For indexing while a poll stores: a batch indexed in one
    /// transaction makes one large segment, where indexing whatever is
    /// queued at each turn would make many small ones for FTS5 to merge.
    pub async fn index_full_batch(&self) -> Result<usize, Error> {
        self.call(|store| {
            if store.pending_index_count()? < INDEX_BATCH as i64 {
                return Ok(0);
            }
            let started = std::time::Instant::now();
            let indexed = store.index_pending(INDEX_BATCH)?;
            // What else holds the store lock during a poll, beside the
            // batches written (their `batch written` event).
            tracing::debug!(
                stories = indexed,
                indexed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                "search batch indexed"
            );
            Ok(indexed)
        })
        .await
    }

    /// Deletes the clusters `retention` no longer keeps (see
    /// `store::retention`), a batch per lock, and records when
    /// ([`Prune::set_pruned_at`](super::Prune::set_pruned_at)).
    pub async fn prune(&self, retention: Retention) -> Result<Pruned, Error> {
        self.blocking(move |store| {
            let now = Utc::now();
            let (on_topic, off_topic) = retention.cutoffs(now);
            let pruned = Pruned::until_done(|| store.lock().prune_batch(on_topic, off_topic))?;
            // Cached articles go with the longest finite retention: older
            // than that, no story kept for a limited time still needs one.
            if let Some(cutoff) = on_topic.into_iter().chain(off_topic).min() {
                store.lock().prune_articles(cutoff)?;
            }
            store.lock().set_pruned_at(now)?;
            Ok(pruned)
        })
        .await
    }

    /// [`prune`](Self::prune), unless the store says retention ran less
    /// than `every` ago: then nothing, at the cost of one read. Retention
    /// reads every story, and stories age by days, so a warm poll run
    /// every few minutes would otherwise spend most of its time here.
    pub async fn prune_due(
        &self,
        retention: Retention,
        every: std::time::Duration,
    ) -> Result<Pruned, Error> {
        let last = self.call(|store| store.pruned_at()).await?;
        let every = chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX);
        // A clock set back makes `last` future: prune then, rather than
        // wait until the clock catches up.
        let now = Utc::now();
        if last.is_some_and(|at| at <= now && now - at < every) {
            return Ok(Pruned::default());
        }
        self.prune(retention).await
    }
}
