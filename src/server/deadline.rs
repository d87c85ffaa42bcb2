//! How long without a successful poll is too long: derived from the
//! schedules, so computed once per configuration (and hourly), not per
//! `/healthz` request.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::config::Config;

/// Slots of the slowest schedule without a single successful poll before
/// `/healthz` says degraded: one missed slot is a slow or failing feed,
/// three in a row of every feed is a daemon that no longer gets anything.
pub(super) const STALE_SLOTS: u32 = 3;

/// The shortest deadline for "no feed fetched", whatever the schedule: a
/// single poll may take the whole fetch timeout, and an alarm that fires
/// on every slow feed of a schedule of seconds is one nobody heeds.
pub(super) const MIN_STALE: Duration = Duration::from_secs(5 * 60);

/// How long a computed deadline serves before it is computed again (for
/// the same configuration): the gaps of a schedule's next fire times move
/// with the clock, but by the hour, not by the request.
const STALE_REFRESH: Duration = Duration::from_secs(3600);

/// The deadline [`stale_after`] gave for a configuration, and when: a
/// health check every second must not walk every schedule's next fire
/// times every second.
#[derive(Default)]
pub(super) struct StaleDeadline {
    computed: std::sync::Mutex<Option<Computed>>,
}

/// A deadline, the configuration it is for, and when it was computed.
struct Computed {
    config: Arc<Config>,
    at: DateTime<Utc>,
    deadline: Option<Duration>,
}

impl StaleDeadline {
    /// [`stale_after`] for `config`, computed again only when the
    /// configuration changed or [`STALE_REFRESH`] passed.
    pub(super) fn get(&self, config: &Arc<Config>, now: DateTime<Utc>) -> Option<Duration> {
        let mut computed = self
            .computed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(known) = &*computed
            && Arc::ptr_eq(&known.config, config)
            && (now - known.at)
                .to_std()
                .is_ok_and(|age| age < STALE_REFRESH)
        {
            return known.deadline;
        }
        let deadline = stale_after(config, now);
        *computed = Some(Computed {
            config: config.clone(),
            at: now,
            deadline,
        });
        deadline
    }
}

/// Fire times looked at to find a schedule's longest gap (a weekday-only
/// schedule has a weekend gap the next two fires would not show).
const SLOT_LOOKAHEAD: usize = 32;

/// How long without a successful poll is too long under `config`:
/// [`STALE_SLOTS`] times the longest gap between two fire times of any
/// enabled feed's schedule (the slowest feed sets the pace at which
/// "nothing at all" becomes news), plus the jitter, and at least
/// [`MIN_STALE`]. `None` without an enabled feed.
pub(super) fn stale_after(config: &Config, now: DateTime<Utc>) -> Option<Duration> {
    let mut expressions: Vec<&crate::config::Schedule> = Vec::new();
    for feed in config.enabled_feeds() {
        let schedule = feed.schedule_or(config);
        if !expressions
            .iter()
            .any(|s| s.expression == schedule.expression)
        {
            expressions.push(schedule);
        }
    }
    let slot = expressions
        .iter()
        .filter_map(|schedule| {
            let times: Vec<DateTime<Utc>> =
                schedule.cron.after(&now).take(SLOT_LOOKAHEAD).collect();
            times
                .windows(2)
                .filter_map(|pair| (pair[1] - pair[0]).to_std().ok())
                .max()
        })
        .max()?;
    Some((slot.saturating_mul(STALE_SLOTS) + config.scheduler.jitter).max(MIN_STALE))
}
