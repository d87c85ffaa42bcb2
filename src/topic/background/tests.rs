//! Unit tests of the background table.

use super::*;

#[test]
fn builtin_table_parses_and_is_plausible() {
    let table = decode_builtin().unwrap();
    assert!(table.docs > 1000, "{} documents", table.docs);
    let bg = Background::builtin();
    // Common words are common, names are rare.
    assert!(bg.idf("year") < bg.idf("dushanb"));
    assert!(bg.idf("time") < bg.idf("csto"));
}

#[test]
fn added_documents_count() {
    let bg = Background::default().with_documents([
        Document {
            title: "Kabul",
            text: "Kabul today",
        },
        Document {
            title: "Paris",
            text: "Paris today",
        },
    ]);
    assert_eq!(bg.documents(), 2);
    assert_eq!(bg.df("kabul"), 1);
    assert_eq!(bg.df("today"), 2);
    assert!(bg.idf("kabul") > bg.idf("today"));
    assert_eq!(bg.idf("kabul today"), bg.idf("kabul"));
}

#[test]
fn tsv_round_trip() {
    let bg = Background::from_documents([Document {
        title: "a",
        text: "Kabul Kabul",
    }]);
    let table = Table::parse(&bg.to_tsv(1)).unwrap();
    assert_eq!(table.docs, 1);
    assert_eq!(table.df["kabul"], 1);
    assert!(Table::parse("no tab").is_err());
    assert!(Table::parse("x\t1\n").is_err());
}
