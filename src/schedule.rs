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
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn config() -> SchedulerConfig {
        SchedulerConfig {
            jitter: Duration::from_secs(30),
            backoff_base: Duration::from_secs(60),
            backoff_max: Duration::from_secs(3600),
        }
    }

    fn every_15_min() -> cron::Schedule {
        "0 */15 * * * *".parse().unwrap()
    }

    #[test]
    fn jitter_is_stable_bounded_and_spreads_feeds() {
        let jitter = Duration::from_secs(30);
        let a = jitter_offset("https://a.example/feed", jitter);
        assert_eq!(a, jitter_offset("https://a.example/feed", jitter));
        let offsets: std::collections::HashSet<Duration> = (0..50)
            .map(|i| jitter_offset(&format!("https://f{i}.example/"), jitter))
            .collect();
        assert!(offsets.iter().all(|o| *o < jitter));
        assert!(
            offsets.len() > 40,
            "offsets should differ: {}",
            offsets.len()
        );
        assert_eq!(jitter_offset("x", Duration::ZERO), Duration::ZERO);
    }

    #[test]
    fn backoff_doubles_and_caps() {
        let (base, max) = (Duration::from_secs(60), Duration::from_secs(3600));
        let delays: Vec<u64> = (1..=8).map(|f| backoff(f, base, max).as_secs()).collect();
        assert_eq!(delays, [60, 120, 240, 480, 960, 1920, 3600, 3600]);
        assert_eq!(backoff(u32::MAX, base, max), max);
    }

    #[test]
    fn a_healthy_feed_follows_its_cron_plus_jitter() {
        let feed = FeedState {
            url: "https://a.example/feed",
            consecutive_failures: 0,
            retry_after: None,
        };
        let next = next_poll(&every_15_min(), &config(), feed, at("2026-11-25T10:03:00Z"));
        let offset = to_chrono(jitter_offset(feed.url, config().jitter));
        assert_eq!(next, at("2026-11-25T10:15:00Z") + offset);
    }

    #[test]
    fn failures_back_off_beyond_the_schedule() {
        let feed = |failures| FeedState {
            url: "https://a.example/feed",
            consecutive_failures: failures,
            retry_after: None,
        };
        let now = at("2026-11-25T10:14:00Z");
        let offset = to_chrono(jitter_offset("https://a.example/feed", config().jitter));
        // One failure: a minute's backoff ends before the next cron time.
        assert_eq!(
            next_poll(&every_15_min(), &config(), feed(1), now),
            at("2026-11-25T10:15:00Z") + offset
        );
        // Five: 16 minutes, past the cron time.
        assert_eq!(
            next_poll(&every_15_min(), &config(), feed(5), now),
            at("2026-11-25T10:30:00Z")
        );
        // Many: capped at the maximum.
        assert_eq!(
            next_poll(&every_15_min(), &config(), feed(30), now),
            at("2026-11-25T11:14:00Z")
        );
    }

    #[test]
    fn retry_after_is_honoured() {
        let feed = FeedState {
            url: "https://a.example/feed",
            consecutive_failures: 1,
            retry_after: Some(at("2026-11-25T13:00:00Z")),
        };
        assert_eq!(
            next_poll(&every_15_min(), &config(), feed, at("2026-11-25T10:00:00Z")),
            at("2026-11-25T13:00:00Z")
        );
    }

    fn healthy(url: &str) -> FeedState<'_> {
        FeedState {
            url,
            consecutive_failures: 0,
            retry_after: None,
        }
    }

    #[test]
    fn restart_keeps_future_times_and_fetches_overdue_feeds_soon() {
        let now = at("2026-11-25T10:00:00Z");
        let later = at("2026-11-25T10:10:00Z");
        let cron = every_15_min();
        assert_eq!(
            first_poll(Some(later), &cron, &config(), healthy("u"), now),
            later
        );
        let overdue = first_poll(
            Some(at("2026-11-25T08:00:00Z")),
            &cron,
            &config(),
            healthy("u"),
            now,
        );
        assert!(overdue >= now && overdue < now + chrono::Duration::seconds(30));
        assert_eq!(
            first_poll(None, &cron, &config(), healthy("u"), now),
            overdue
        );
    }

    #[test]
    fn a_faster_schedule_takes_effect_at_once_and_a_slower_one_after_one_poll() {
        let now = at("2026-11-25T10:03:00Z");
        let tomorrow = at("2026-11-26T00:00:00Z");
        let offset = to_chrono(jitter_offset("u", config().jitter));
        // Daily → every 15 minutes: the next quarter hour, not tomorrow.
        assert_eq!(
            first_poll(
                Some(tomorrow),
                &every_15_min(),
                &config(),
                healthy("u"),
                now
            ),
            at("2026-11-25T10:15:00Z") + offset
        );
        // Every 15 minutes → daily: the time already planned stands.
        let daily: cron::Schedule = "0 0 0 * * *".parse().unwrap();
        let soon = at("2026-11-25T10:15:00Z");
        assert_eq!(
            first_poll(Some(soon), &daily, &config(), healthy("u"), now),
            soon
        );
    }

    #[test]
    fn retry_after_is_capped_and_survives_a_restart() {
        let now = at("2026-11-25T10:00:00Z");
        let far = FeedState {
            url: "u",
            consecutive_failures: 1,
            retry_after: Some(at("2027-11-25T10:00:00Z")),
        };
        assert_eq!(
            next_poll(&every_15_min(), &config(), far, now),
            at("2026-11-26T10:00:00Z")
        );
        let near = FeedState {
            retry_after: Some(at("2026-11-25T12:00:00Z")),
            ..far
        };
        assert_eq!(
            first_poll(None, &every_15_min(), &config(), near, now),
            at("2026-11-25T12:00:00Z")
        );
    }
}
