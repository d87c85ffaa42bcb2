//! Group commit: the fetched feeds that arrive while one waits for the
//! store are written together, in one transaction.
//!
//! Every transaction rewrites each index page it touches, and a story's
//! band keys land on random pages of the near-duplicate index: a
//! transaction of one feed rewrites about as many pages as one of fifty. A
//! poll of a thousand feeds spent most of its time writing the same pages
//! again, one feed at a time.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::Utc;

use crate::error::error_chain;
use crate::store::{self, ApplyStats, FeedUpdate, SharedStore};

/// How long the first feed of a batch waits at most for others to join it.
const GATHER: Duration = Duration::from_millis(100);

/// The batch stops gathering when no feed joined for this long: the feeds
/// still being fetched are not coming soon. Those that come while the
/// writer waits for the store (the previous batch being written) still
/// join: the queue is taken once the store is. A feed polled alone waits
/// this long, which nobody notices.
const GATHER_GAP: Duration = Duration::from_millis(15);

/// Items at which a batch stops gathering, and about the most one
/// transaction writes (up to the feed that reaches it): enough to make each
/// rewritten page count, few enough that one transaction stays short (the
/// server and the scorer wait for the store while it is written) and that
/// the parsed items waiting for it stay a few megabytes.
const BATCH_ITEMS: usize = 2_000;

/// The fetched feeds gathering for the next transaction on one store.
/// Cheap to clone; every clone shares the queue.
#[derive(Clone)]
pub(super) struct GroupCommit {
    inner: Arc<Queue>,
}

struct Queue {
    store: SharedStore,
    writes: Mutex<Vec<PendingWrite>>,
    /// Wakes the batch writer when a feed joins.
    joined: Condvar,
}

/// One feed's parsed fetch, and where its writer wants the result.
struct PendingWrite {
    feed: store::FeedId,
    update: FeedUpdate,
    done: tokio::sync::oneshot::Sender<store::Result<ApplyStats>>,
}

/// Items in the fetched feeds gathering for the next transaction.
fn queued_items(queue: &[PendingWrite]) -> usize {
    queue.iter().map(|write| write.update.items.len()).sum()
}

impl GroupCommit {
    pub(super) fn new(store: SharedStore) -> Self {
        Self {
            inner: Arc::new(Queue {
                store,
                writes: Mutex::default(),
                joined: Condvar::new(),
            }),
        }
    }

    /// Writes one feed's fetch, together with the other fetches that arrive
    /// while it waits: [`queue`](Self::queue), then the result.
    #[cfg(test)]
    pub(super) async fn write(
        &self,
        feed: store::FeedId,
        update: FeedUpdate,
    ) -> store::Result<ApplyStats> {
        self.queue(feed, update).written().await
    }

    /// Queues one feed's fetch for the next transaction, together with the
    /// other fetches that arrive while it waits (see [`GATHER`] and
    /// [`GATHER_GAP`]). The first feed into an empty queue starts the
    /// batch's writer on a blocking thread: it waits for the batch to fill,
    /// takes the store, writes the whole queue and hands each feed its
    /// result. Every feed (the first too) only awaits its result, holding
    /// no thread, so a busy poll does not park one blocking thread per
    /// waiting feed (each would also keep its own malloc arena). While one
    /// batch is written the next one gathers, so the busier the poll, the
    /// larger the batches. If the batch's transaction fails as a whole,
    /// each feed is written alone so that each gets its own error.
    ///
    /// Returns at once: the caller is free to fetch the next feed while
    /// this one waits for the writer (`feedloom poll` does), and awaits
    /// [`QueuedWrite::written`] for the result. Must be called within the
    /// runtime.
    pub(super) fn queue(&self, feed: store::FeedId, update: FeedUpdate) -> QueuedWrite {
        let (done, result) = tokio::sync::oneshot::channel();
        let first = {
            let mut queue = self.inner.lock_queue();
            queue.push(PendingWrite { feed, update, done });
            self.inner.joined.notify_one();
            queue.len() == 1
        };
        if first {
            start_writer(&self.inner);
        }
        QueuedWrite(result)
    }
}

/// Starts a batch writer for `queue` on a blocking thread. Not awaited: the
/// batch is written even if the poll that started it is dropped meanwhile,
/// and its feeds' results reach whoever still waits.
fn start_writer(queue: &Arc<Queue>) {
    let batch = UntakenBatch {
        queue: Arc::clone(queue),
        taken: false,
    };
    drop(tokio::task::spawn_blocking(move || write_batch(batch)));
}

/// How many feeds from the front of the queue one transaction takes: up to
/// the one that brings it to [`BATCH_ITEMS`], at least one.
fn batch_len(queue: &[PendingWrite]) -> usize {
    let mut items = 0;
    for (taken, write) in queue.iter().enumerate() {
        if taken > 0 && items >= BATCH_ITEMS {
            return taken;
        }
        items += write.update.items.len();
    }
    queue.len()
}

/// One feed's fetch in the group commit's queue ([`GroupCommit::queue`]).
pub(super) struct QueuedWrite(tokio::sync::oneshot::Receiver<store::Result<ApplyStats>>);

impl QueuedWrite {
    /// Waits for the batch that holds this feed to be written.
    pub(super) async fn written(self) -> store::Result<ApplyStats> {
        // A writer that crashed dropped our sender with the batch.
        self.0.await.unwrap_or(Err(store::Error::WriteLost))
    }
}

impl Queue {
    fn lock_queue(&self) -> MutexGuard<'_, Vec<PendingWrite>> {
        match self.writes.lock() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

/// The queue a batch writer was started for but has not taken yet, given
/// back if the writer never takes it: its thread could not be spawned, the
/// runtime was shutting down, or it panicked while gathering. The feeds
/// queued then get [`store::Error::WriteLost`] instead of waiting for ever,
/// and the next feed to arrive finds the queue empty and starts a new
/// writer (every feed after the first relies on the writer it joined).
struct UntakenBatch {
    queue: Arc<Queue>,
    /// Set once the writer has taken the queue.
    taken: bool,
}

impl Drop for UntakenBatch {
    fn drop(&mut self) {
        if !self.taken {
            // Dropping the entries drops their senders.
            drop(std::mem::take(&mut *self.queue.lock_queue()));
        }
    }
}

/// The batch writer of [`GroupCommit::queue`]: gathers, then writes the
/// queue, or its first [`BATCH_ITEMS`] when more joined while it waited for
/// the store (the rest get a writer of their own).
fn write_batch(mut batch: UntakenBatch) {
    let queue = &*batch.queue;
    let started = Instant::now();
    let mut waiting = queue.lock_queue();
    while queued_items(&waiting) < BATCH_ITEMS {
        let left = GATHER.saturating_sub(started.elapsed());
        if left.is_zero() {
            break;
        }
        let before = waiting.len();
        waiting = match queue.joined.wait_timeout(waiting, left.min(GATHER_GAP)) {
            Ok((waiting, _)) => waiting,
            Err(poisoned) => poisoned.into_inner().0,
        };
        // Nobody joined (or a spurious wake-up, which only ends the wait
        // early).
        if waiting.len() == before {
            break;
        }
    }
    drop(waiting);
    let gathered = started.elapsed();
    let mut store = queue.store.lock();
    let locked = started.elapsed();
    let writes: Vec<PendingWrite> = {
        let mut waiting = queue.lock_queue();
        let taken = batch_len(&waiting);
        let writes = waiting.drain(..taken).collect();
        if !waiting.is_empty() {
            start_writer(&batch.queue);
        }
        writes
    };
    // Taken: from here, a panic drops the batch and with it the senders.
    batch.taken = true;
    let now = Utc::now();
    let updates: Vec<(store::FeedId, &FeedUpdate)> =
        writes.iter().map(|w| (w.feed, &w.update)).collect();
    // Every result is sent before the store is let go of.
    let written = store.apply_updates(now, &updates);
    // How the poll's pipeline runs: a batch gathered while the store was
    // idle, or written back to back with the one before it.
    tracing::debug!(
        feeds = writes.len(),
        items = queued_items(&writes),
        gathered_ms = millis(gathered),
        waited_ms = millis(locked - gathered),
        wrote_ms = millis(started.elapsed() - locked),
        "batch written"
    );
    match written {
        Ok(results) => {
            drop(updates);
            for (write, result) in writes.into_iter().zip(results) {
                let _ = write.done.send(result);
            }
        }
        Err(error) => {
            drop(updates);
            tracing::debug!(error = %error_chain(&error), feeds = writes.len(), "batched write failed; writing feed by feed");
            for write in writes {
                let result = store.apply_update(write.feed, now, &write.update);
                let _ = write.done.send(result);
            }
        }
    }
    drop(store);
    // The batch's parsed feeds are freed now, by the threads that made
    // them, into malloc's arenas; handed back at once, they do not pile up
    // in one arena while the next batch fills another (peak RSS of a cold
    // poll of 1,000 feeds: 68–69 MB without, 60 MB with; see
    // benches/RESULTS.md). Outside the store lock.
    crate::memory::release_free();
}

/// A duration in whole milliseconds, as a log field (tracing records a
/// `u128` as text).
fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests;
