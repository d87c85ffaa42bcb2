//! Unit tests of turning classified units into headline, date and body.

use super::*;

fn units(texts: &[&str]) -> Vec<Unit> {
    texts.iter().map(|t| Unit::new((*t).to_owned())).collect()
}

#[test]
fn span_skips_furniture_on_both_sides() {
    let u = units(&[
        "Main menu",
        "A Headline About Things",
        "The first paragraph of the article is here and it is long enough.",
        "Advertisement",
        "The second paragraph of the article continues the story at length.",
        "Share this:",
        "Twitter",
        "Facebook",
    ]);
    assert_eq!(densest_span(&u), Some((2, 4)));
}

#[test]
fn repeated_headline_wins() {
    let u = units(&[
        "Site Name Daily",
        "The Real Headline Here",
        "The Real Headline Here",
    ]);
    assert_eq!(pick_title(&u).as_deref(), Some("The Real Headline Here"));
}

#[test]
fn dedupe_drops_echoes_and_decks() {
    let deck = "The participants stressed the importance of dialogue among all groups";
    let full = format!("{deck}, and noted the political regime should be inclusive.");
    let kept = dedupe(
        vec![
            "Headline".into(),
            deck.into(),
            "Other text.".into(),
            full.clone(),
        ],
        Some("Headline"),
    );
    assert_eq!(kept, vec!["Other text.".to_owned(), full]);
}

#[test]
fn lede_above_share_buttons_is_kept() {
    let u = units(&[
        "A Headline About Things",
        "The first paragraph of the article is here and it is long enough.",
        "Share",
        "Donate now",
        "The second paragraph of the article continues the story at some length here.",
        "The third paragraph of the article continues the story at some length here.",
    ]);
    let (start, _) = densest_span(&u).unwrap_or_default();
    assert_eq!(extend_back(&u, start), 1);
}

#[test]
fn glued_notice_is_split_from_its_paragraph() {
    let u =
        units(&["The last paragraph ends here. This article was originally published by Grist."]);
    let split = split_notices(u);
    assert_eq!(split.len(), 2);
    assert_eq!(split[0].text, "The last paragraph ends here.");
    assert_eq!(split[1].kind, Kind::Trailer);
}
