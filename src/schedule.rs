//! When each feed is polled next: cron time plus a per-feed jitter, pushed
//! back by exponential backoff after failures and by the server's
//! Retry-After. Pure functions of their inputs (the clock is a parameter),
//! so every rule is testable without waiting.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::config::SchedulerConfig;

/// A feed's fixed offset within `[0, jitter)`, from its URL: feeds sharing a
/// schedule spread out, and each keeps the same slot across restarts.
pub fn jitter_offset(feed_url: &str, jitter: Duration) -> Duration {
    let millis = u64::try_from(jitter.as_millis()).unwrap_or(u64::MAX);
    if millis == 0 {
        return Duration::ZERO;
    }
    let digest = Sha256::digest(feed_url.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    Duration::from_millis(u64::from_le_bytes(first) % millis)
}

/// The delay before retrying after `failures` consecutive failures (≥ 1):
/// `base`, doubled per further failure, capped at `max`.
pub fn backoff(failures: u32, base: Duration, max: Duration) -> Duration {
    let doublings = failures.saturating_sub(1).min(32);
    base.saturating_mul(1u32 << doublings.min(31)).min(max)
}

/// What the scheduler needs to know about a feed after a poll.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedState<'a> {
    pub url: &'a str,
    pub consecutive_failures: u32,
    pub retry_after: Option<DateTime<Utc>>,
}

/// When to poll a feed next, given its cron schedule, after a poll that
/// ended at `now`: the next cron time (plus the feed's jitter); after a
/// failure, no sooner than `now` plus the backoff; never before the
/// server's Retry-After.
pub fn next_poll(
    schedule: &cron::Schedule,
    config: &SchedulerConfig,
    feed: FeedState<'_>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    let jitter = to_chrono(jitter_offset(feed.url, config.jitter));
    let mut next = schedule
        .after(&now)
        .next()
        .map(|time| time + jitter)
        // A schedule with no future time (a past year): back off instead
        // of never polling again.
        .unwrap_or(now + to_chrono(config.backoff_max));
    if feed.consecutive_failures > 0 {
        let delay = backoff(
            feed.consecutive_failures,
            config.backoff_base,
            config.backoff_max,
        );
        next = next.max(now + to_chrono(delay));
    }
    if let Some(retry_after) = feed.retry_after {
        next = next.max(retry_after.min(now + to_chrono(retry_after_cap(config))));
    }
    next
}

/// A server may ask for a pause, not for retirement: a Retry-After is
/// honoured up to a day, or `backoff_max` when that is longer.
fn retry_after_cap(config: &SchedulerConfig) -> Duration {
    config.backoff_max.max(Duration::from_secs(24 * 3600))
}

/// When to poll a feed whose plan is not in memory: at start, after a
/// reload changed its schedule, or after its poll ran under an older
/// configuration. `stored` is the time saved before (possibly under another
/// schedule); `feed` carries its failures and Retry-After.
///
/// A feed that was due (or was never polled) goes soon, within its jitter
/// slot, so a restart does not fire every feed in the same second; but not
/// before a Retry-After. Otherwise the stored time holds unless the
/// current schedule asks for a poll sooner: an edit from "daily" to "every
/// five minutes" takes effect at once, not tomorrow.
pub fn first_poll(
    stored: Option<DateTime<Utc>>,
    schedule: &cron::Schedule,
    config: &SchedulerConfig,
    feed: FeedState<'_>,
    now: DateTime<Utc>,
) -> DateTime<Utc> {
    match stored {
        Some(stored) if stored > now => stored.min(next_poll(schedule, config, feed, now)),
        _ => {
            let soon = now + to_chrono(jitter_offset(feed.url, config.jitter));
            match feed.retry_after {
                Some(retry_after) => {
                    soon.max(retry_after.min(now + to_chrono(retry_after_cap(config))))
                }
                None => soon,
            }
        }
    }
}

fn to_chrono(duration: Duration) -> chrono::Duration {
    chrono::Duration::from_std(duration).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests;
