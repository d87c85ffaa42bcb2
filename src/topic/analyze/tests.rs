//! Unit tests of the analyzer.

use super::*;

#[test]
fn stems_drops_stop_words_and_makes_bigrams() {
    let bag = Bag::of("", "The Afghans said the stock index fell.");
    assert!(bag.terms.contains_key("afghan"));
    assert!(bag.terms.contains_key("stock index"));
    assert!(!bag.terms.contains_key("the"));
    assert!(!bag.terms.contains_key("said"));
    // A stop word breaks a bigram.
    assert!(!bag.terms.contains_key("afghan stock"));
}

#[test]
fn punctuation_breaks_bigrams_hyphens_do_not() {
    let bag = Bag::of("", "Kabul, Dushanbe and war-torn Kabul");
    assert!(!bag.terms.contains_key("kabul dushanb"));
    assert!(bag.terms.contains_key("war torn"));
}

#[test]
fn names_and_acronyms_are_entities() {
    let bag = Bag::of(
        "Security Talks",
        "Leaders of the CSTO met. The Taliban took Kabul while security \
         worsened and the Collective Security Council met.",
    );
    assert!(bag.terms["csto"].is_entity());
    assert!(bag.terms["taliban"].is_entity());
    assert!(bag.terms["kabul"].is_entity());
    assert!(!bag.terms["secur"].is_entity());
    assert!(bag.terms["collect secur"].is_entity());
    assert_eq!(bag.terms["taliban"].surface, "Taliban");
}

#[test]
fn possessives_and_curly_apostrophes() {
    let bag = Bag::of("", "Afghanistan’s neighbours and Russia's army");
    assert!(bag.terms.contains_key("afghanistan"));
    assert!(bag.terms.contains_key("russia"));
    assert_eq!(bag.terms["afghanistan"].surface, "Afghanistan");
}

#[test]
fn stop_word_list_parses() {
    assert!(is_stop_word("the"));
    assert!(!is_stop_word("taliban"));
    assert!(STOP_WORDS.len() > 100);
}
