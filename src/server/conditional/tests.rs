use super::*;

#[test]
fn gzip_is_chosen_by_accept_encoding() {
    let with = |value: &str| {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        accepts_gzip(&headers)
    };
    assert!(with("gzip"));
    assert!(with("br, GZIP;q=0.5"));
    assert!(with("*"));
    assert!(!with("br"));
    assert!(!with("gzip;q=0"));
    assert!(!with("identity"));
    assert!(!accepts_gzip(&HeaderMap::new()));
}

#[test]
fn etags_compare_weakly_and_in_lists() {
    assert!(etag_matches("W/\"abc\"", "W/\"abc\""));
    assert!(etag_matches("\"abc\"", "W/\"abc\""));
    assert!(etag_matches("\"x\", W/\"abc\"", "W/\"abc\""));
    assert!(etag_matches("*", "W/\"abc\""));
    assert!(!etag_matches("W/\"abd\"", "W/\"abc\""));
}

#[test]
fn http_dates_are_imf_fixdate() {
    let time = DateTime::from_timestamp(1_790_000_000, 0).unwrap();
    let text = http_date(time);
    assert_eq!(text, "Mon, 21 Sep 2026 14:13:20 GMT");
    assert_eq!(
        DateTime::parse_from_rfc2822(&text).unwrap().timestamp(),
        1_790_000_000
    );
}
