//! Unit tests of the fetcher's pure parts.

use super::*;

#[test]
fn retry_after_reads_seconds_and_dates() {
    let now = DateTime::parse_from_rfc3339("2026-11-25T12:00:00Z")
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default();
    let mut headers = HeaderMap::new();
    headers.insert(
        RETRY_AFTER,
        "120".parse().unwrap_or_else(|_| unreachable!()),
    );
    assert_eq!(
        retry_after(&headers, now),
        Some(now + chrono::Duration::seconds(120))
    );
    headers.insert(
        RETRY_AFTER,
        "Wed, 25 Nov 2026 13:00:00 GMT"
            .parse()
            .unwrap_or_else(|_| unreachable!()),
    );
    assert_eq!(
        retry_after(&headers, now),
        Some(now + chrono::Duration::hours(1))
    );
    headers.insert(
        RETRY_AFTER,
        "soon".parse().unwrap_or_else(|_| unreachable!()),
    );
    assert_eq!(retry_after(&headers, now), None);
}
