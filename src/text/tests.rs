//! Unit tests of the shared text helpers.

use super::excerpt;

#[test]
fn excerpt_cuts_at_a_word_boundary() {
    assert_eq!(excerpt("  short   text ", 300), "short text");
    assert_eq!(excerpt("alpha beta gamma", 8), "alpha…");
    assert_eq!(excerpt("alpha beta gamma", 10), "alpha beta…");
    assert_eq!(excerpt("alpha, beta", 7), "alpha…");
    assert_eq!(excerpt("abcdefghij", 4), "abcd…");
    assert_eq!(excerpt("ééééé ééé", 6), "ééééé…");
}
