//! How much of a poll may be in memory at once, whatever the number of
//! feeds: parsing is limited to one feed per core, and parsed feeds waiting
//! for the writer to a budget of body bytes. The fetcher's own semaphores
//! bound the fetches in flight.

use std::sync::Arc;

use tokio::sync::{Semaphore, SemaphorePermit};

/// Bytes of fetched bodies, in KiB, that may be parsed and not yet written
/// at once. A parsed feed takes about three times its body's size (clean
/// HTML, text and shingles per item) until the writer has stored it, and
/// the writer is the slowest stage: without this, every feed in flight
/// would wait parsed, and memory would grow with `concurrency`. Beyond it,
/// fetched feeds wait as their compact bodies. One body larger than the
/// budget (up to `[fetch] max_body_size`) is let in alone, and a poll
/// dropped before its write finished gives its share back early. 4 MiB is
/// about thirty feeds of fifty stories, more than the batch a busy poll
/// writes at once (about twenty), so the next batch still gathers while one
/// is written. One run each of `cargo bench --bench poll -- 1000 50 64`:
/// peak RSS 104 MB with 8 MiB, 96 MB with 4, cold poll 13.3 and 14.0 s
/// (runs on this machine vary by 20 %).
pub(super) const BACKLOG_KIB: u32 = 4 * 1024;

/// The limits one poller's feeds share. Cheap to clone.
#[derive(Clone)]
pub(super) struct Backpressure {
    /// Feeds parsed at once: one per core. Parsing is pure CPU, so more at
    /// once finish no sooner, and each holds its whole document tree in
    /// memory; the fetches beyond these wait as compact bodies.
    parse_slots: Arc<Semaphore>,
    /// KiB of bodies parsed and not yet written; see [`BACKLOG_KIB`].
    backlog: Arc<Semaphore>,
}

impl Backpressure {
    pub(super) fn new() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self {
            parse_slots: Arc::new(Semaphore::new(cores)),
            backlog: Arc::new(Semaphore::new(BACKLOG_KIB as usize)),
        }
    }

    /// Waits until a body of `body_len` bytes fits in the backlog; the
    /// share is held until the feed is written (or given up). `None` only if
    /// the semaphore were closed, which it never is: going on without the
    /// permit is still correct.
    pub(super) async fn backlog(&self, body_len: usize) -> Option<SemaphorePermit<'_>> {
        self.backlog
            .acquire_many(backlog_share(body_len))
            .await
            .ok()
    }

    /// Waits for a parse slot. Owned, so that it can travel with the parse
    /// to its blocking thread (which goes on even if the poll is dropped).
    pub(super) async fn parse_slot(&self) -> Option<tokio::sync::OwnedSemaphorePermit> {
        self.parse_slots.clone().acquire_owned().await.ok()
    }
}

/// A fetched body's share of the backlog: its size in KiB, at least one,
/// and at most the whole budget (a body larger than the budget waits until
/// it has the backlog to itself).
fn backlog_share(body_len: usize) -> u32 {
    u32::try_from(body_len.div_ceil(1024))
        .unwrap_or(u32::MAX)
        .clamp(1, BACKLOG_KIB)
}

#[cfg(test)]
mod tests;
