use super::{cell, pad, width};

#[test]
fn control_and_bidi_characters_are_shown_as_escapes() {
    assert_eq!(
        cell("\u{1b}[31mred\u{1b}[0m", 100),
        "\\u{1b}[31mred\\u{1b}[0m"
    );
    assert_eq!(cell("a\u{7}b\u{9b}c\u{7f}", 100), "a\\u{7}b\\u{9b}c\\u{7f}");
    assert_eq!(cell("abc\u{202e}fed", 100), "abc\\u{202e}fed");
    assert_eq!(cell("two\nlines\tand\r", 100), "two lines and ");
    assert_eq!(cell("Ünïcödé — fine", 100), "Ünïcödé — fine");
}

#[test]
fn long_text_is_cut_with_an_ellipsis_and_escapes_are_never_split() {
    assert_eq!(cell("abcdef", 6), "abcdef");
    assert_eq!(cell("abcdefg", 6), "abcde…");
    assert_eq!(cell("", 6), "");
    assert_eq!(cell("abc", 0), "");
    // `\u{1b}` is six characters: it does not fit after "ab" in 6.
    assert_eq!(cell("ab\u{1b}cd", 6), "ab…");
    let huge = "x".repeat(70_000);
    let cut = cell(&huge, 60);
    assert_eq!(cut.chars().count(), 60);
    assert!(cut.ends_with('…'));
}

#[test]
fn padding_works_at_any_width() {
    assert_eq!(pad("ab", 4), "ab  ");
    assert_eq!(pad("abcdef", 4), "abcdef");
    assert_eq!(pad("é", 3), "é  ");
    assert_eq!(pad("", 70_000).len(), 70_000);
}

#[test]
fn widths_are_display_columns() {
    // Two columns per CJK character, none for a combining mark.
    assert_eq!(width("新闻"), 4);
    assert_eq!(width("e\u{301}"), 1);
    assert_eq!(cell("新闻联播", 8), "新闻联播");
    assert_eq!(cell("新闻联播", 7), "新闻联…");
    assert_eq!(cell("新闻联播", 6), "新闻…");
    assert!(width(&cell("新闻联播 and more", 7)) <= 7);
    assert_eq!(pad("新", 4), "新  ");
}
