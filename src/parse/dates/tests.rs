//! Unit tests of the timestamp formats feeds really use.

use super::*;

fn ts(s: &str) -> String {
    parse_timestamp(s)
        .map(|t| t.to_rfc3339())
        .unwrap_or_else(|| "none".into())
}

#[test]
fn standard_formats() {
    assert_eq!(ts("2024-03-01T10:00:00Z"), "2024-03-01T10:00:00+00:00");
    assert_eq!(
        ts("Fri, 01 Mar 2024 10:00:00 GMT"),
        "2024-03-01T10:00:00+00:00"
    );
    assert_eq!(
        ts("Fri, 01 Mar 2024 10:00:00 +0300"),
        "2024-03-01T07:00:00+00:00"
    );
}

#[test]
fn broken_rfc2822() {
    assert_eq!(
        ts("Thurs, 01 March 2024 10:00:00 UTC"),
        "2024-03-01T10:00:00+00:00"
    );
    assert_eq!(
        ts("Fri, 1 Mar 2024 9:00:00 -0000"),
        "2024-03-01T09:00:00+00:00"
    );
    assert_eq!(
        ts("Fri, 01 Mar 2024 10:00:00 MSK"),
        "2024-03-01T07:00:00+00:00"
    );
    assert_eq!(
        ts("Fri, 01 Mar 2024 10:00:00 CET"),
        "2024-03-01T09:00:00+00:00"
    );
}

#[test]
fn zone_less_and_local_formats() {
    assert_eq!(ts("2024-03-01T10:00:00"), "2024-03-01T10:00:00+00:00");
    assert_eq!(ts("2024-03-01 10:00"), "2024-03-01T10:00:00+00:00");
    assert_eq!(ts("2024-03-01"), "2024-03-01T00:00:00+00:00");
    assert_eq!(ts("2024-03-01T10:00:00+0300"), "2024-03-01T07:00:00+00:00");
    assert_eq!(ts("01.03.2024 10:00"), "2024-03-01T10:00:00+00:00");
    assert_eq!(ts("01.03.2024"), "2024-03-01T00:00:00+00:00");
}

#[test]
fn russian_months() {
    assert_eq!(ts("1 марта 2024 10:00"), "2024-03-01T10:00:00+00:00");
    assert_eq!(
        ts("Пт, 01 мар 2024 10:00:00 +0300"),
        "2024-03-01T07:00:00+00:00"
    );
    assert_eq!(ts("12 Декабря 2023"), "2023-12-12T00:00:00+00:00");
}

#[test]
fn other_languages_and_sloppy_english() {
    assert_eq!(
        ts("Seg, 24 Set 2018 19:42:40 -0300"),
        "2018-09-24T22:42:40+00:00"
    );
    assert_eq!(
        ts("Sat, Dec 16 2023 02:02:33 PM"),
        "2023-12-16T14:02:33+00:00"
    );
    assert_eq!(
        ts("Fri 9 Dec 2016 10:00:00 GMT"),
        "2016-12-09T10:00:00+00:00"
    );
    assert_eq!(
        ts("Tue, 22 December 2016 10:00:00 EST"),
        "2016-12-22T15:00:00+00:00"
    );
    assert_eq!(ts("3 mai 2021 08:00"), "2021-05-03T08:00:00+00:00");
}

#[test]
fn two_digit_years_and_rfc_850() {
    assert_eq!(
        ts("Fri, 01 Mar 24 10:00:00 GMT"),
        "2024-03-01T10:00:00+00:00"
    );
    assert_eq!(
        ts("Wed, 01 Jan 97 00:00:00 +0000"),
        "1997-01-01T00:00:00+00:00"
    );
    assert_eq!(
        ts("Friday, 01-Mar-24 10:00:00 GMT"),
        "2024-03-01T10:00:00+00:00"
    );
    assert_eq!(ts("01 Mar 2024 10:00 EST"), "2024-03-01T15:00:00+00:00");
    assert_eq!(ts("Fri, 01 Mar 2024 10:00:00"), "2024-03-01T10:00:00+00:00");
    assert_eq!(ts("2099-12-31T23:59:59Z"), "2099-12-31T23:59:59+00:00");
}

#[test]
fn garbage_is_none() {
    assert_eq!(ts(""), "none");
    assert_eq!(ts("yesterday-ish"), "none");
}
