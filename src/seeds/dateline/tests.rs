//! Unit tests of the dateline finder: which date shapes are publication dates and which are dates of events.

use super::*;

fn ymd(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

#[test]
fn date_widgets_with_labels_and_times() {
    assert_eq!(
        date_of_line("World August 23, 2021, 17:36"),
        ymd(2021, 8, 23)
    );
    assert_eq!(date_of_line("Published on 3 March 2020"), ymd(2020, 3, 3));
    assert_eq!(date_of_line("Updated: 2019-12-01 08:00"), ymd(2019, 12, 1));
    assert_eq!(
        date_of_line("Mon, Aug. 2nd 2021 | 4:15 pm EST"),
        ymd(2021, 8, 2)
    );
}

#[test]
fn dates_inside_sentences_are_not_widgets() {
    assert_eq!(
        date_of_line("Russia recognised the government on July 3, 2025, officials said."),
        None
    );
    assert_eq!(date_of_line("August 32, 2021"), None);
}

#[test]
fn wire_dateline_borrows_a_single_header_year() {
    let lead = ["DUSHANBE, August 23. /TASS/. Leaders met."];
    assert_eq!(find(&["© 2021 TASS"], &lead), ymd(2021, 8, 23));
    assert_eq!(find(&["2020 and 2021"], &lead), None);
    assert_eq!(find(&[], &lead), None);
    assert_eq!(
        find(
            &[],
            &["WASHINGTON, Aug. 5, 2022 (Reuters) - Officials said."]
        ),
        ymd(2022, 8, 5)
    );
}

#[test]
fn sentence_dates_are_not_datelines() {
    assert_eq!(
        find(&[], &["On Aug. 15, Taliban fighters swept into Kabul."]),
        None
    );
    assert_eq!(
        find(&[], &["MOSCOW — The President of Russia said so."]),
        None
    );
}
