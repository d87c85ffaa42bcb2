//! Unit tests of the schedule: cron times, jitter, backoff and the server's hints.

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
        lease: Duration::from_secs(120),
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
