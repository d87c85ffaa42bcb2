use super::*;
use crate::store;

fn failed_store() -> FeedOutcome {
    FeedOutcome::Failed {
        error: FeedError::Store(store::Error::WriteLost),
        message: "cannot store this feed's items".to_owned(),
    }
}

#[test]
fn writes_are_counted_in_the_window_and_failures_counted_for_ever() {
    let metrics = Metrics::new();
    let t = 1_700_000_000;
    assert_eq!(metrics.writes(t), Writes::default());
    metrics.record_poll(&FeedOutcome::NotModified, Duration::ZERO, t);
    metrics.record_poll(&failed_store(), Duration::ZERO, t + 1);
    metrics.record_poll_not_recorded(t + 2);
    assert_eq!(
        metrics.writes(t + 2),
        Writes {
            succeeded: 1,
            failed: 2,
            last_ok: Some(t),
            last_failed: Some(t + 2),
        }
    );
    assert!(
        metrics
            .render()
            .contains("feedloom_store_write_failures_total 2")
    );
    // Out of the window: the counts go, the last times stay.
    let later = t + WRITE_WINDOW.as_secs() as i64 + 20;
    assert_eq!(
        metrics.writes(later),
        Writes {
            succeeded: 0,
            failed: 0,
            last_ok: Some(t),
            last_failed: Some(t + 2),
        }
    );
    // A bucket reused after a lap starts from zero.
    metrics.record_poll(&FeedOutcome::NotModified, Duration::ZERO, later);
    assert_eq!(metrics.writes(later).succeeded, 1);
    assert_eq!(metrics.writes(later).failed, 0);
}

#[test]
fn a_failure_recorded_on_the_feed_is_a_write_that_worked() {
    let metrics = Metrics::new();
    let fetch_failed = FeedOutcome::Failed {
        error: FeedError::Crashed("boom".to_owned()),
        message: "crashed".to_owned(),
    };
    metrics.record_poll(&fetch_failed, Duration::ZERO, 100);
    assert_eq!(metrics.writes(100).succeeded, 1);
    assert_eq!(metrics.writes(100).failed, 0);
    assert_eq!(metrics.last_success(), None);
    metrics.record_poll(&FeedOutcome::NotModified, Duration::ZERO, 110);
    assert_eq!(metrics.last_success(), Some(110));
}

#[test]
fn full_text_fetches_are_counted_by_outcome() {
    let metrics = Metrics::new();
    let fetched = |extracted, failed| FeedOutcome::Fetched {
        stats: store::ApplyStats::default(),
        warnings: Vec::new(),
        full_text: crate::poll::FullTextCounts {
            extracted,
            failed,
            cached: 7,
        },
    };
    metrics.record_poll(&fetched(2, 1), Duration::ZERO, 1_700_000_000);
    metrics.record_poll(&fetched(3, 0), Duration::ZERO, 1_700_000_001);
    let text = metrics.render();
    assert!(
        text.contains("feedloom_full_text_total{outcome=\"extracted\"} 5"),
        "{text}"
    );
    assert!(
        text.contains("feedloom_full_text_total{outcome=\"failed\"} 1"),
        "{text}"
    );
}
