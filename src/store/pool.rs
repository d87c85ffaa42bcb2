//! Connections for the server's reads: one per page or search being
//! answered, at most one per core, each on a blocking thread of its own.
//!
//! The server once read through one connection behind a mutex (every
//! render queued behind the one before, however many cores) and opened a
//! fresh connection per search (schema parsed again, page cache cold, on
//! every request). A pool bounds the work in flight (a request waits a
//! bounded time for a connection, then hears "busy"), keeps the caches
//! warm, and lets a request whose client went away stop its statement
//! ([`Interrupt`]) instead of finishing work nobody reads.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use deadpool::managed::{self, Metrics, Pool, PoolError, RecycleResult, Timeouts};

use super::error::{Error, Result};
use super::storage::{Interrupt, Storage};
use crate::config::Database;

/// Opens the pool's connections, on a blocking thread (opening a file and
/// reading its schema is blocking work).
struct Opener {
    database: Database,
}

impl managed::Manager for Opener {
    type Type = Box<dyn Storage>;
    type Error = Error;

    async fn create(&self) -> Result<Box<dyn Storage>> {
        let database = self.database.clone();
        match tokio::task::spawn_blocking(move || super::connect_existing(&database)).await {
            Ok(opened) => opened,
            Err(join_error) => Err(Error::Crashed(join_error.to_string())),
        }
    }

    async fn recycle(&self, _: &mut Box<dyn Storage>, _: &Metrics) -> RecycleResult<Error> {
        // A read leaves nothing behind: each method is one snapshot that
        // ends before it returns (an interrupted one rolls back).
        Ok(())
    }
}

/// The server's read connections. Cheap to clone.
#[derive(Clone)]
pub struct ReadPool {
    pool: Pool<Opener>,
    wait: Duration,
}

impl ReadPool {
    /// A pool of at most `size` connections to the existing `database`,
    /// opened as they are first needed; a request waits at most `wait` for
    /// one before [`Error::Busy`].
    pub fn new(database: &Database, size: usize, wait: Duration) -> Result<Self> {
        let opener = Opener {
            database: database.clone(),
        };
        let pool = Pool::builder(opener)
            .max_size(size.max(1))
            .runtime(deadpool::Runtime::Tokio1)
            .wait_timeout(Some(wait))
            .build()
            .map_err(|error| Error::Crashed(format!("cannot build the read pool: {error}")))?;
        Ok(Self { pool, wait })
    }

    /// Empties the caches of the connections no read has used for `idle`
    /// (the ones in use are left alone, and so are the warm ones of a
    /// steady load): after a flood, their page caches would otherwise hold
    /// their fill for as long as the daemon runs. Blocking: call it on a
    /// blocking thread.
    pub fn release_idle(&self, idle: Duration) -> usize {
        let mut released = 0;
        self.pool.retain(|store, metrics| {
            if metrics.last_used() >= idle {
                store.release_memory();
                released += 1;
            }
            true
        });
        released
    }

    /// How many reads may run at once.
    pub fn capacity(&self) -> usize {
        self.pool.status().max_size
    }

    /// Runs `work` on a pooled connection on a blocking thread, after
    /// waiting at most the pool's wait for a free connection
    /// ([`Error::Busy`] beyond it). If this future is dropped before the
    /// work ends (its client went away), the statement running on the
    /// connection is interrupted and the work ends with an error nobody
    /// reads. A panic in `work` becomes [`Error::Crashed`].
    pub async fn read<T, E>(
        &self,
        work: impl FnOnce(&dyn Storage) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        self.read_within(self.wait, work).await
    }

    /// [`read`](Self::read), but [`Error::Busy`] at once when every
    /// connection is in use: for a check that must not queue behind the
    /// pages being rendered (`/healthz`).
    pub async fn try_read<T, E>(
        &self,
        work: impl FnOnce(&dyn Storage) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        self.read_within(Duration::ZERO, work).await
    }

    async fn read_within<T, E>(
        &self,
        wait: Duration,
        work: impl FnOnce(&dyn Storage) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E>
    where
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let timeouts = Timeouts {
            wait: Some(wait),
            ..self.pool.timeouts()
        };
        let connection = self
            .pool
            .timeout_get(&timeouts)
            .await
            .map_err(|error| E::from(pool_error(error)))?;
        let running = Arc::new(Running {
            finished: Mutex::new(false),
            interrupt: connection.interrupter(),
        });
        let mut abandoned = InterruptOnDrop(Some(running.clone()));
        let outcome = tokio::task::spawn_blocking(move || {
            let result = work(&**connection);
            // Before the connection goes back to the pool: an interrupt
            // that comes later must not reach the next reader's work.
            *running.finished() = true;
            drop(connection);
            result
        })
        .await;
        abandoned.0 = None;
        match outcome {
            Ok(result) => result,
            Err(join_error) => Err(Error::Crashed(join_error.to_string()).into()),
        }
    }
}

/// Work running on a pooled connection.
struct Running {
    /// Set, under this lock, before the connection goes back to the pool.
    finished: Mutex<bool>,
    interrupt: Box<dyn Interrupt>,
}

impl Running {
    fn finished(&self) -> std::sync::MutexGuard<'_, bool> {
        match self.finished.lock() {
            Ok(finished) => finished,
            // A flag holds no invariant a panic could break.
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// Interrupts the work if dropped while armed (`Some`): the awaiting
/// future was dropped.
struct InterruptOnDrop(Option<Arc<Running>>);

impl Drop for InterruptOnDrop {
    fn drop(&mut self) {
        if let Some(running) = self.0.take() {
            // Held across the interrupt, so that the work cannot hand its
            // connection back in between.
            let finished = running.finished();
            if !*finished {
                running.interrupt.interrupt();
            }
        }
    }
}

fn pool_error(error: PoolError<Error>) -> Error {
    match error {
        PoolError::Timeout(_) => Error::Busy,
        PoolError::Backend(error) => error,
        other => Error::Crashed(format!("the read pool failed: {other}")),
    }
}

#[cfg(test)]
mod tests;
