//! Unit tests of the pieces every page shares.

use super::outlet_name;

#[test]
fn outlets_are_named_by_title_else_host() {
    assert_eq!(outlet_name(Some(" Wire "), "https://w.example/f"), "Wire");
    assert_eq!(
        outlet_name(None, "https://www.w.example/feed.xml"),
        "w.example"
    );
    assert_eq!(outlet_name(Some(""), "not a url"), "not a url");
}
