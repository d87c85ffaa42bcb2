//! Unit tests of the river's own pieces.

use super::summary;

#[test]
fn summary_skips_a_repeated_headline() {
    assert_eq!(
        summary("Talks end", "Talks end. The ministers left.", 100),
        "The ministers left."
    );
    assert_eq!(summary("Talks end", "Talks end", 100), "Talks end");
    assert_eq!(summary("Other", "Talks end.", 100), "Talks end.");
    assert_eq!(summary("", "Talks end.", 100), "Talks end.");
}
