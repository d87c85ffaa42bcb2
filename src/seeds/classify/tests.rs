//! Unit tests of the per-unit classification: chrome, trailers and captions against prose that merely mentions them.

use super::*;

#[test]
fn menus_widgets_and_amounts_are_chrome() {
    for line in [
        "Main menu",
        "Latest News",
        "Trending",
        "Exit mobile version",
        "0 $",
        "2,500 $",
        "Support SouthFront",
        "Click to see full-size image",
        "Share this:",
        "Published",
        "on",
        "Home > World > Asia",
        "By Jane Doe | Reuters",
        "We use cookies to improve your experience. By continuing to browse you agree.",
        "Sign up for our newsletter to get the best stories delivered to your inbox.",
    ] {
        assert_eq!(classify(line), Kind::Chrome, "{line}");
    }
}

#[test]
fn trailers_and_credits_are_recognised() {
    for line in [
        "The post Some Headline appeared first on Zenger News.",
        "Read more on the site →",
        "(With inputs from ANI)",
        "Edited by Saptak Datta and Ritaban Misra",
        "Reporting by Jane Doe in Moscow; Editing by John Roe",
        "(Photo: Jane Doe/AP)",
    ] {
        assert_eq!(classify(line), Kind::Trailer, "{line}");
    }
}

#[test]
fn sentences_mentioning_widget_words_stay_prose() {
    for line in [
        "Written by hand, the letter was delivered to the embassy on Monday.",
        "Support for the plan has grown among the member states, officials said.",
        "The photo shows the minister leaving the building.",
    ] {
        assert_eq!(classify(line), Kind::Prose, "{line}");
    }
}

#[test]
fn headlines_mentioning_widget_words_stay_headings() {
    assert_eq!(classify("Putin Says Taliban Photo Is Fake"), Kind::Heading);
    assert_eq!(
        classify("Support for sanctions grows in Europe"),
        Kind::Heading
    );
}

#[test]
fn captions_need_a_photo_credit() {
    assert_eq!(
        classify("The minister on Tuesday. (Kim Doe - Pool/Getty Images)"),
        Kind::Caption
    );
    assert_eq!(
        classify("The treaty was signed in 2001 (and ratified in 2002)."),
        Kind::Prose
    );
}

#[test]
fn short_quotes_are_short_not_chrome() {
    assert_eq!(classify("“It is over.”"), Kind::Short);
    assert_eq!(classify("Yes."), Kind::Short);
}

#[test]
fn terminated_sees_through_closing_quotes() {
    assert!(is_terminated("is it?”"));
    assert!(is_terminated("states).”"));
    assert!(!is_terminated("an 'escape'"));
}
