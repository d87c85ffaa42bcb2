//! Unit tests of the Markdown stripping.

use super::*;

#[test]
fn headings_lose_their_hashes_and_stand_alone() {
    assert_eq!(
        strip_line("## A *Big* Day ##"),
        ("A Big Day".to_owned(), true)
    );
}

#[test]
fn emphasis_links_and_images_become_plain_text() {
    let (text, alone) =
        strip_line("He said **no** to _the_ [deal](https://x.example/a) ![pic](p.png)today.");
    assert_eq!(text, "He said no to the deal today.");
    assert!(!alone);
}

#[test]
fn underscores_inside_words_survive() {
    assert_eq!(
        strip_inline("the snake_case_name stays"),
        "the snake_case_name stays"
    );
}

#[test]
fn list_items_and_quotes_lose_markers() {
    assert_eq!(strip_line("> quoted words").0, "quoted words");
    assert_eq!(strip_line("- item one").0, "item one");
    assert_eq!(strip_line("---").0, "");
}
