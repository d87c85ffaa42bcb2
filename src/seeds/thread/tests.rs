//! Unit tests of recognising a comment thread by its shape, and of not
//! taking the short lines of articles for one.

use super::*;

const ARTICLE: &str =
    "The council approved the budget on Tuesday after a long debate over the schools.";

#[test]
fn timestamps_in_several_languages_and_forms() {
    for line in [
        "3 hours ago",
        "2h",
        "12 March 2024 at 14:02",
        "il y a 3 heures",
        "vor 5 Minuten",
        "hace 2 días",
        "3 часа назад",
        "gestern, 14:02",
        "12.03.2024 14:02",
    ] {
        assert!(marks(line).time, "{line}");
    }
    for line in ["14:02", "March 2024", "In 2024 the council met 3 times."] {
        assert!(!marks(line).time, "{line}");
    }
}

#[test]
fn names_and_actions() {
    for line in ["Arch Bungle", "dev_guy", "@jdoe", "ivan1987", "Marie dit :"] {
        assert!(marks(line).name, "{line}");
    }
    for line in [
        "Reply",
        "12 replies",
        "↑ 4",
        "▲ 12 ▼",
        "Répondre",
        "Ответить",
        "Me gusta",
    ] {
        assert!(marks(line).action, "{line}");
    }
    let header = marks("Dev_Guy • 2 years ago");
    assert!(header.name && header.time, "{header:?}");
    assert!(!marks("He said the plan would fail.").name);
}

#[test]
fn a_thread_in_an_unknown_language_is_found_by_its_shape() {
    let texts = [
        ARTICLE,
        ARTICLE,
        "kasia_77",
        "3 godziny temu · 2h",
        "To jest bardzo zły pomysł i wszyscy o tym wiedzą od dawna.",
        "↑ 4",
        "Tomek B",
        "2h",
        "Nie zgadzam się z tobą wcale, bo szkoły potrzebują tych pieniędzy.",
        "↑ 1",
    ];
    assert_eq!(thread_start(&texts, 0), Some(2));
}

#[test]
fn lists_quotes_and_q_and_a_are_not_threads() {
    let list = [
        ARTICLE, "Flour", "Sugar", "Two Eggs", "Butter", "Salt", ARTICLE, ARTICLE,
    ];
    assert_eq!(thread_start(&list, 0), None);
    let interview = [
        ARTICLE,
        "Jane Doe",
        "We started the project in 2019 because nobody else would do it.",
        "John Roe",
        "And what did the council say when you first came to them?",
        "Jane Doe",
        "They said no, three times, before the floods changed their minds.",
    ];
    assert_eq!(thread_start(&interview, 0), None);
    let quotes = [ARTICLE, "“It is over.”", "“Yes.”", "“We won.”", ARTICLE];
    assert_eq!(thread_start(&quotes, 0), None);
}

#[test]
fn embedded_posts_mid_article_are_not_a_thread() {
    // Two quoted posts with their handles and times, then the article goes on.
    let texts = [
        ARTICLE,
        "@mayor_jones",
        "2h",
        "The vote is done.",
        "@cllr_smith",
        "3h",
        "Shame on the council.",
        ARTICLE,
        ARTICLE,
        ARTICLE,
        ARTICLE,
        ARTICLE,
    ];
    assert_eq!(thread_start(&texts, 0), None);
}

#[test]
fn a_dateline_in_the_article_is_not_a_thread() {
    let texts = [
        ARTICLE,
        "Updated 3 hours ago",
        ARTICLE,
        "By Jane Doe",
        "12 March 2024 at 14:02",
        ARTICLE,
        ARTICLE,
        ARTICLE,
        ARTICLE,
        ARTICLE,
    ];
    assert_eq!(thread_start(&texts, 0), None);
}
