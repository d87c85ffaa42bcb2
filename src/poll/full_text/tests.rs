use chrono::{DateTime, Utc};

use super::{CachedArticle, RETRY_FAILED_AFTER, fetch_again};

fn at(seconds: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000 + seconds, 0).unwrap()
}

fn cached(outcome: &str, html: Option<&str>) -> CachedArticle {
    CachedArticle {
        content_html: html.map(str::to_owned),
        outcome: outcome.to_owned(),
        fetched_at: at(0),
    }
}

#[test]
fn a_failure_that_may_pass_is_fetched_again_once_old_enough_and_no_other() {
    let retry = i64::try_from(RETRY_FAILED_AFTER.as_secs()).unwrap();
    for passing in ["timeout", "connect", "request", "status"] {
        let entry = cached(passing, None);
        assert!(!fetch_again(&entry, at(retry - 1)), "{passing}");
        assert!(fetch_again(&entry, at(retry)), "{passing}");
    }
    for lasting in [
        "not_an_article",
        "extraction",
        "gone",
        "refused",
        "too_large",
    ] {
        assert!(
            !fetch_again(&cached(lasting, None), at(10 * retry)),
            "{lasting}"
        );
    }
    // An article once extracted is kept: its link is not fetched again.
    assert!(!fetch_again(
        &cached("extracted", Some("<p>Whole.</p>")),
        at(10 * retry)
    ));
    // A clock set back does not refetch.
    assert!(!fetch_again(&cached("timeout", None), at(-retry)));
}
