//! Unit tests of keyword and regex rules.

use super::*;

fn doc<'a>(title: &'a str, text: &'a str) -> Document<'a> {
    Document { title, text }
}

#[test]
fn keywords_match_whole_words_case_insensitively() {
    let rule = Rule::keyword("SCO", Field::Any).unwrap();
    assert!(rule.matches(&doc("", "at the sco summit")));
    assert!(!rule.matches(&doc("", "the final score")));
    let phrase = Rule::keyword("security  council", Field::Text).unwrap();
    assert!(phrase.matches(&doc("", "the Security\nCouncil met")));
    assert!(!phrase.matches(&doc("Security Council", "")));
    let odd = Rule::keyword("C++", Field::Title).unwrap();
    assert!(odd.matches(&doc("Why C++ matters", "")));
}

#[test]
fn regexes_are_used_as_written() {
    let rule = Rule::regex(r"Kabul|Dushanbe", Field::Title).unwrap();
    assert!(rule.matches(&doc("In Kabul", "")));
    assert!(!rule.matches(&doc("in kabul", "")));
    assert!(!rule.matches(&doc("", "Kabul")));
    assert!(Rule::regex("(unclosed", Field::Any).is_err());
}
