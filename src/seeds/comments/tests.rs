//! Unit tests of finding where the comment section begins.

use super::*;

#[test]
fn single_strong_markers_start_a_section() {
    for line in [
        "Notify of",
        "View all comments",
        "Inline Feedbacks",
        "Newest Most Voted",
        "23 Comments",
        "Leave a Reply",
        "Leave a Reply to Jane Cancel reply",
        "2 thoughts on “Why the Summit Matters”",
        "Last edited 1 year ago by Someone",
        "Log in to Reply",
        "Join the discussion…",
    ] {
        assert!(is_strong(line), "{line}");
    }
}

#[test]
fn sentences_about_comments_are_not_markers() {
    let line = "The minister declined to comment on the 23 comments made by the envoy.";
    assert!(!is_strong(line) && !is_weak(line));
}

#[test]
fn weak_markers_need_company() {
    let texts = [
        "Article text here.",
        "John says:",
        "Long comment text.",
        "Reply",
    ];
    assert_eq!(section_start(&texts, 0), Some(1));
    let lonely = [
        "Article text here.",
        "Reply",
        "More article text.",
        "The end.",
    ];
    assert_eq!(section_start(&lonely, 0), None);
}

#[test]
fn markers_before_the_article_do_not_cut() {
    let texts = [
        "Headline",
        "12 Comments",
        "Article text here.",
        "More text.",
    ];
    assert_eq!(section_start(&texts, 2), None);
}
