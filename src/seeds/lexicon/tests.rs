//! Unit tests of the word lists' matching: case, NFC and decoration.

use super::*;

#[test]
fn labels_match_across_case_normal_form_and_decoration() {
    assert!(is_label("MENÜ", WIDGET_LINES));
    // "Menü" with a combining diaeresis (NFD), as some scrapers save it.
    assert!(is_label("Menu\u{308}", WIDGET_LINES));
    assert!(is_label("Partager :", WIDGET_LINES));
    assert!(is_label("Lire la suite →", WIDGET_LINES));
    assert!(is_label("Kommentare (12)", COMMENT_HEADINGS));
    assert!(is_label("Подпишитесь", WIDGET_LINES));
    assert!(is_label("Ещё", &["еще"]));
    assert!(!is_label("Partager le pouvoir", WIDGET_LINES));
}

#[test]
fn notices_match_whole_words_at_the_start_only() {
    assert!(starts_with_phrase(
        "Cet article a été initialement publié par The Conversation.",
        NOTICE_PREFIXES
    ));
    assert!(starts_with_phrase(
        "This article was originally published by Grist. Republished under licence.",
        NOTICE_PREFIXES
    ));
    assert!(!starts_with_phrase(
        "The report says this article was originally published elsewhere.",
        NOTICE_PREFIXES
    ));
    assert!(!starts_with_phrase(
        "Republishedness is a word.",
        NOTICE_PREFIXES
    ));
}

#[test]
fn counters_need_a_number_and_a_known_noun() {
    assert!(is_counter("12 commentaires", COMMENT_NOUNS));
    assert!(is_counter("3 комментария", COMMENT_NOUNS));
    assert!(is_counter("5 Antworten", COMMENT_ACTIONS));
    assert!(!is_counter("12 ministres", COMMENT_NOUNS));
    assert!(!is_counter("Kommentare", COMMENT_NOUNS));
}
