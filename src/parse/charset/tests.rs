//! Unit tests of charset detection and decoding.

use super::*;

fn utf16(s: &str, be: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    if bom {
        out.extend_from_slice(if be { &[0xFE, 0xFF] } else { &[0xFF, 0xFE] });
    }
    for unit in s.encode_utf16() {
        out.extend_from_slice(&if be {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    out
}

#[test]
fn utf8_bom_is_stripped() {
    let d = decode(b"\xEF\xBB\xBF<rss/>", None);
    assert_eq!(d.text, "<rss/>");
    assert_eq!(d.source, Source::Bom);
}

#[test]
fn utf16_with_and_without_bom() {
    for be in [false, true] {
        for bom in [false, true] {
            let d = decode(&utf16("<?xml version='1.0'?><a>é</a>", be, bom), None);
            assert_eq!(d.text, "<?xml version='1.0'?><a>é</a>", "be={be} bom={bom}");
        }
    }
}

#[test]
fn utf32_by_hand() {
    let s = "<a>ü€𝄞</a>";
    let mut le = vec![0xFF, 0xFE, 0, 0];
    let mut be = vec![0, 0, 0xFE, 0xFF];
    for c in s.chars() {
        le.extend_from_slice(&(c as u32).to_le_bytes());
        be.extend_from_slice(&(c as u32).to_be_bytes());
    }
    assert_eq!(decode(&le, None).text, s);
    assert_eq!(decode(&be, None).text, s);
    // Without BOM, from the `<` pattern.
    assert_eq!(decode(&le[4..], None).text, s);
    assert_eq!(decode(&be[4..], None).text, s);
    // A truncated unit becomes U+FFFD, never invalid UTF-8.
    let d = decode(&le[..le.len() - 1], None);
    assert!(d.had_errors);
}

#[test]
fn http_charset_beats_declaration() {
    let body = b"<?xml version=\"1.0\" encoding=\"utf-8\"?><a>\xE9</a>";
    let d = decode(body, Some("application/xml; charset=\"ISO-8859-1\""));
    assert_eq!(d.source, Source::Http);
    assert!(d.text.contains("<a>é</a>"));
}

#[test]
fn an_8_bit_label_over_valid_utf8_is_ignored() {
    let body = "<?xml version=\"1.0\"?><a>café</a>".as_bytes();
    for label in ["ISO-8859-1", "koi8-r", "Shift_JIS"] {
        let d = decode(body, Some(&format!("text/xml; charset={label}")));
        assert_eq!(d.source, Source::Utf8, "{label}");
        assert!(d.text.contains("café"), "{label}");
    }
    // Over ASCII, where both readings agree, the label is used.
    let d = decode(b"<a>cafe</a>", Some("text/xml; charset=koi8-r"));
    assert_eq!(d.source, Source::Http);
}

#[test]
fn declaration_used_for_legacy_bytes() {
    let body = b"<?xml version=\"1.0\" encoding=\"windows-1251\"?><a>\xCF\xF0\xE8\xE2\xE5\xF2</a>";
    let d = decode(body, None);
    assert_eq!(d.source, Source::Declaration);
    assert!(d.text.contains("Привет"));
    assert!(rewrite_declaration(d.text).starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?>"));
}

#[test]
fn valid_utf8_beats_a_lying_declaration() {
    let body = "<?xml version='1.0' encoding='iso-8859-1'?><a>é</a>".as_bytes();
    let d = decode(body, None);
    assert_eq!(d.source, Source::Utf8);
    assert!(d.text.contains("é"));
}

#[test]
fn utf16_declaration_over_ascii_bytes_is_ignored() {
    let d = decode(b"<?xml version='1.0' encoding='utf-16'?><a>x</a>", None);
    assert_eq!(d.text, "<?xml version='1.0' encoding='utf-16'?><a>x</a>");
}

#[test]
fn unknown_label_falls_back_to_guess() {
    let body =
        b"<?xml version='1.0' encoding='x-no-such-thing'?><a>caf\xE9 cr\xE8me br\xFBl\xE9e</a>";
    let d = decode(body, None);
    assert_eq!(d.source, Source::Guess);
    assert!(d.text.contains("café"));
}

#[test]
fn charset_param_parsing() {
    assert_eq!(
        charset_param("text/xml; charset=utf-8").as_deref(),
        Some("utf-8")
    );
    assert_eq!(
        charset_param("text/xml;CHARSET='koi8-r' ").as_deref(),
        Some("koi8-r")
    );
    assert_eq!(charset_param("text/xml"), None);
}
