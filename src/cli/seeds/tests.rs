use std::path::Path;

use chrono::DateTime;
use url::Url;

use super::{seed_text, slug};
use crate::article::Article;

#[test]
fn file_names_keep_letters_of_any_script_and_stay_short() {
    assert_eq!(
        slug("Winter losses: hit valley's beekeepers!"),
        "winter-losses-hit-valley-s-beekeepers"
    );
    assert_eq!(slug("Таджикистан и ОДКБ"), "таджикистан-и-одкб");
    assert_eq!(slug("«»—…"), "article");
    let long = slug(&"word ".repeat(40));
    assert!(long.chars().count() <= 60 && !long.ends_with('-'), "{long}");
}

#[test]
fn the_seed_reader_reads_back_what_seeds_add_writes() {
    let article = Article {
        title: "He said \"no\": the council's vote".to_owned(),
        byline: Some("Ann \"Bee\" Hive".to_owned()),
        published: DateTime::parse_from_rfc3339("2024-05-02T23:30:00-05:00").ok(),
        lang: Some("en".to_owned()),
        paragraphs: vec![
            "The council voted against the plan on Thursday evening after a long debate."
                .to_owned(),
            "Members said the budget could not carry the cost of the new bridge this year."
                .to_owned(),
        ],
        html: String::new(),
    };
    let url = Url::parse("https://news.example/vote").unwrap();
    let text = seed_text(&url, &article);
    let seed = crate::seeds::clean(Path::new("vote.txt"), &text).unwrap();
    assert_eq!(seed.title, article.title);
    assert_eq!(seed.author, article.byline);
    assert_eq!(seed.url, Some(url));
    // The page's own calendar day, not UTC's.
    assert_eq!(seed.published, chrono::NaiveDate::from_ymd_opt(2024, 5, 2));
    assert_eq!(seed.paragraphs, article.paragraphs);
}
