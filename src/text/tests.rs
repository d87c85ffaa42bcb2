//! Unit tests of the shared text helpers.

use super::excerpt;

#[test]
fn excerpt_cuts_at_a_word_boundary() {
    assert_eq!(excerpt("  short   text ", 300), "short text");
    assert_eq!(excerpt("alpha beta gamma", 8), "alpha…");
    assert_eq!(excerpt("alpha beta gamma", 10), "alpha beta…");
    assert_eq!(excerpt("alpha, beta", 7), "alpha…");
    assert_eq!(excerpt("abcdefghij", 4), "abcd…");
    assert_eq!(excerpt("ééééé ééé", 6), "ééééé…");
}

/// The reference: `split_whitespace` joined by single spaces.
fn words_joined(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn whitespace_is_collapsed_as_split_whitespace_splits_on_every_byte() {
    // Every ASCII byte between two words, alone and doubled, at the ends
    // too: the byte path must call exactly the bytes whitespace that
    // `char::is_whitespace` does (vertical tab included).
    for byte in 0u8..0x80 {
        let c = char::from(byte);
        for text in [
            format!("a{c}b"),
            format!("{c}a{c}{c}b{c}"),
            format!("{c}{c}"),
            format!("Ab{c}Cd"),
        ] {
            assert_eq!(
                super::collapse_whitespace(&text),
                words_joined(&text),
                "{byte:#04x}"
            );
            assert_eq!(
                super::normalize_for_hash(&text),
                words_joined(&text).to_lowercase(),
                "{byte:#04x}"
            );
        }
    }
    // The same at every place of a text long enough to be read eight bytes
    // at a time, each byte alone, doubled, and after a space.
    let words = "Rail line closed by floods near the river";
    for byte in 0u8..0x80 {
        let c = char::from(byte);
        for at in 0..words.len() {
            for inserted in [format!("{c}"), format!("{c}{c}"), format!(" {c}")] {
                let mut text = words.to_owned();
                text.insert_str(at, &inserted);
                assert_eq!(
                    super::collapse_whitespace(&text),
                    words_joined(&text),
                    "{text:?}"
                );
            }
        }
    }
    // Non-ASCII text keeps Unicode's whitespace (no-break space, ideographic
    // space).
    let text = "a\u{a0}b\u{3000} c\u{2028}";
    assert_eq!(super::collapse_whitespace(text), "a b c");
    assert_eq!(words_joined(text), "a b c");
}

#[test]
fn every_short_run_of_spaces_and_letters_collapses_as_split_whitespace_does() {
    // Every string of eight from a letter, a space, a line feed (other
    // whitespace bytes are tested one by one above) and a control byte that
    // is not whitespace, at each of the eight places a word of eight bytes
    // can start: each lane of the eight-byte reads.
    let alphabet = [b'a', b' ', b'\n', 0x01];
    for prefix in 0..8 {
        let mut text = vec![b'x'; prefix];
        for mut code in 0..alphabet.len().pow(8) {
            text.truncate(prefix);
            for _ in 0..8 {
                text.push(alphabet[code % alphabet.len()]);
                code /= alphabet.len();
            }
            text.extend_from_slice(b"words after");
            let text = std::str::from_utf8(&text).unwrap();
            assert_eq!(
                super::collapse_whitespace(text),
                words_joined(text),
                "{text:?}"
            );
        }
    }
}
