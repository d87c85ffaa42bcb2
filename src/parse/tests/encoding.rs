//! Encodings through `parse`, with documents of our own made by
//! encoding_rs: every legacy charset the web still serves, declared in the
//! HTTP header, in the XML declaration, or nowhere; UTF-16 in both byte
//! orders with and without BOM and declaration; labels that lie or name
//! nothing; invalid bytes and control characters. The text must come out
//! right wherever the bytes allow it, and always as valid UTF-8.

use encoding_rs::Encoding;

use crate::parse::*;

fn base() -> Url {
    Url::parse("https://example.com/feed.xml").expect("constant URL")
}

/// A headline and a paragraph in one language: long enough for a charset
/// detector to have something to go on, as real item texts do.
struct Sample {
    label: &'static str,
    title: &'static str,
    text: &'static str,
}

const SAMPLES: &[Sample] = &[
    Sample {
        label: "windows-1251",
        title: "Новости Душанбе",
        text: "Президент Таджикистана провёл встречу с делегацией соседних стран и обсудил \
               вопросы безопасности на границе, торговлю и строительство новых дорог.",
    },
    Sample {
        label: "koi8-r",
        title: "Новости Душанбе",
        text: "Президент Таджикистана провёл встречу с делегацией соседних стран и обсудил \
               вопросы безопасности на границе, торговлю и строительство новых дорог.",
    },
    Sample {
        label: "iso-8859-1",
        title: "Réunion à Genève",
        text: "Les délégués se sont réunis à Genève pour une journée de négociations; \
               le ministre a déclaré que l'accord était « très proche » après des mois d'efforts.",
    },
    Sample {
        label: "shift_jis",
        title: "東京の会議",
        text: "政府は本日、周辺国との会議を東京で開き、国境の安全保障と貿易について話し合った。\
               外務大臣は、協力を強化することで合意したと述べた。",
    },
    Sample {
        label: "big5",
        title: "臺北的會議",
        text: "政府今天在臺北召開會議，與鄰國討論邊境安全與貿易問題。外交部長表示，各方同意加強合作。",
    },
    Sample {
        label: "gb2312",
        title: "北京的会议",
        text: "政府今天在北京召开会议，与邻国讨论边境安全和贸易问题。外交部长表示，各方同意加强合作。",
    },
];

/// An RSS document with the sample's title and text, the declaration
/// naming `declared` (or none), encoded in the sample's charset.
fn document(sample: &Sample, declared: Option<&str>) -> Vec<u8> {
    let declaration = match declared {
        Some(label) => format!("<?xml version=\"1.0\" encoding=\"{label}\"?>"),
        None => "<?xml version=\"1.0\"?>".to_owned(),
    };
    let xml = format!(
        "{declaration}\n<rss version=\"2.0\"><channel><title>{title}</title>\
         <item><guid>1</guid><title>{title}</title><description>{text}</description></item>\
         </channel></rss>",
        title = sample.title,
        text = sample.text,
    );
    let encoding = Encoding::for_label(sample.label.as_bytes()).expect("known label");
    let (bytes, _, unmappable) = encoding.encode(&xml);
    assert!(!unmappable, "{} cannot encode its sample", sample.label);
    bytes.into_owned()
}

/// The entry's title and description, with the warnings, or the error.
fn read(body: &[u8], content_type: Option<&str>) -> (String, String, Vec<String>) {
    match parse(body, content_type, &base()) {
        Ok(feed) => {
            let entry = feed.entries.first().cloned().unwrap_or_default();
            (
                entry.title.unwrap_or_default(),
                entry
                    .summary_html
                    .or(entry.content_html)
                    .unwrap_or_default(),
                feed.warnings,
            )
        }
        Err(error) => panic!("not parsed: {error}"),
    }
}

#[test]
fn legacy_charsets_decode_from_header_declaration_or_bytes_alone() {
    for sample in SAMPLES {
        let declared = document(sample, Some(sample.label));
        let undeclared = document(sample, None);
        let header = format!("application/rss+xml; charset={}", sample.label);
        for (how, body, content_type) in [
            ("declaration", &declared, None),
            ("HTTP header", &undeclared, Some(header.as_str())),
            ("header and declaration", &declared, Some(header.as_str())),
            ("bytes alone", &undeclared, None),
        ] {
            let (title, text, _) = read(body, content_type);
            assert_eq!(title, sample.title, "{} by {how}", sample.label);
            assert_eq!(text, sample.text, "{} by {how}", sample.label);
        }
    }
}

#[test]
fn a_label_the_bytes_contradict_gives_way() {
    let russian = &SAMPLES[0];
    let cp1251 = document(russian, Some("windows-1251"));
    // The server's default "utf-8" over a windows-1251 document that says
    // so itself: the declaration is believed.
    let (title, ..) = read(&cp1251, Some("text/xml; charset=utf-8"));
    assert_eq!(title, russian.title);
    // Nobody tells the truth: the header says UTF-8, the declaration
    // nothing. The bytes are not UTF-8, so they are identified.
    let undeclared = document(russian, None);
    let (title, _, warnings) = read(&undeclared, Some("text/xml; charset=utf-8"));
    assert_eq!(title, russian.title);
    assert!(
        warnings.iter().any(|w| w.contains("guessed")),
        "{warnings:?}"
    );
    // A multi-byte label over UTF-8 bytes: UTF-8 wins.
    let utf8 = format!(
        "<?xml version=\"1.0\" encoding=\"shift_jis\"?><rss version=\"2.0\"><channel><title>t</title>\
         <item><title>{}</title></item></channel></rss>",
        SAMPLES[3].title
    );
    let (title, ..) = read(utf8.as_bytes(), Some("text/xml; charset=Shift_JIS"));
    assert_eq!(title, SAMPLES[3].title);
}

#[test]
fn an_unknown_charset_name_falls_back_to_the_bytes() {
    let french = &SAMPLES[2];
    let latin1 = document(french, Some("x-no-such-charset"));
    let (title, text, warnings) = read(&latin1, Some("text/xml; charset=klingon"));
    assert_eq!(title, french.title);
    assert_eq!(text, french.text);
    assert!(
        warnings.iter().any(|w| w.contains("guessed")),
        "{warnings:?}"
    );
}

#[test]
fn utf16_in_both_orders_with_and_without_bom_and_declaration() {
    let sample = &SAMPLES[0];
    for big_endian in [false, true] {
        for bom in [false, true] {
            for declared in [false, true] {
                let declaration = if declared {
                    "<?xml version=\"1.0\" encoding=\"UTF-16\"?>"
                } else {
                    "<?xml version=\"1.0\"?>"
                };
                let xml = format!(
                    "{declaration}<rss version=\"2.0\"><channel><title>t</title><item><guid>1</guid>\
                     <title>{}</title><description>{}</description></item></channel></rss>",
                    sample.title, sample.text
                );
                let mut body: Vec<u8> = Vec::new();
                if bom {
                    body.extend(if big_endian {
                        [0xFE, 0xFF]
                    } else {
                        [0xFF, 0xFE]
                    });
                }
                for unit in xml.encode_utf16() {
                    body.extend(if big_endian {
                        unit.to_be_bytes()
                    } else {
                        unit.to_le_bytes()
                    });
                }
                let (title, text, _) = read(&body, None);
                let case = format!("big endian {big_endian}, BOM {bom}, declared {declared}");
                assert_eq!(title, sample.title, "{case}");
                assert_eq!(text, sample.text, "{case}");
            }
        }
    }
}

#[test]
fn invalid_bytes_become_replacement_characters_and_are_reported() {
    // A UTF-8 document with a few broken bytes in it: a lone continuation
    // byte, a truncated sequence, an overlong form, a Latin-1 "é". It stays
    // UTF-8, with U+FFFD for the broken bytes, whatever the header says.
    let russian = SAMPLES[0].text;
    let mut body = "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>\
         <title>t</title><item><title>Caf"
        .as_bytes()
        .to_vec();
    body.extend([0xE9, b' ', 0x80, b' ', 0xE2, 0x82, b' ', 0xC0, 0xAF]);
    body.extend(
        format!("</title><description>{russian}</description></item></channel></rss>").bytes(),
    );
    for content_type in [None, Some("text/xml; charset=utf-8")] {
        let (title, text, warnings) = read(&body, content_type);
        assert_eq!(
            title, "Caf\u{FFFD} \u{FFFD} \u{FFFD} \u{FFFD}\u{FFFD}",
            "{content_type:?}"
        );
        assert_eq!(text, russian);
        assert!(
            warnings.iter().any(|w| w.contains("replaced with U+FFFD")),
            "{warnings:?}"
        );
    }
    // The same broken bytes with no UTF-8 around them are not UTF-8 text:
    // they are read as the legacy text they most likely are.
    let mut body =
        b"<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title><item><title>Caf"
            .to_vec();
    body.extend([0xE9]);
    body.extend(b" cr\xE8me br\xFBl\xE9e</title></item></channel></rss>");
    let (title, ..) = read(&body, Some("text/xml; charset=utf-8"));
    assert_eq!(title, "Café crème brûlée");
}

#[test]
fn control_characters_are_dropped() {
    let body = "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>t</title>\
        <item><title>Bell\u{7} and\u{1b}[31m escape\u{0}</title>\
        <description>Form\u{c}feed, backspace\u{8}, &#x1; and &#27; too.</description></item>\
        </channel></rss>";
    let (title, text, _) = read(body.as_bytes(), None);
    assert_eq!(title, "Bell and[31m escape");
    for c in title.chars().chain(text.chars()) {
        assert!(
            !c.is_control() || matches!(c, '\n' | '\t' | '\r'),
            "{c:?} in {title:?} / {text:?}"
        );
    }
    assert!(text.starts_with("Formfeed, backspace"), "{text}");
}

#[test]
fn control_characters_in_json_feed_escapes_are_dropped() {
    let body = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "J\u0007",
        "items": [{"id": "1", "title": "Bell\u0007 and\u001b[31m escape", "content_text": "Body\u0000."}]}"#;
    let feed = parse(body.as_bytes(), None, &base()).expect("a feed");
    assert_eq!(feed.title.as_deref(), Some("J"));
    let entry = &feed.entries[0];
    assert_eq!(entry.title.as_deref(), Some("Bell and[31m escape"));
    assert_eq!(entry.content_html.as_deref(), Some("Body."));
}
