//! Unit tests of the analyzer.

use super::*;

#[test]
fn stems_drops_stop_words_and_makes_bigrams() {
    let bag = Bag::of("", "The Afghans said the stock index fell.");
    assert!(bag.get("afghan").is_some());
    assert!(bag.get("stock index").is_some());
    assert!(bag.get("the").is_none());
    assert!(bag.get("said").is_none());
    // A stop word breaks a bigram.
    assert!(bag.get("afghan stock").is_none());
}

#[test]
fn punctuation_breaks_bigrams_hyphens_do_not() {
    let bag = Bag::of("", "Kabul, Dushanbe and war-torn Kabul");
    assert!(bag.get("kabul dushanb").is_none());
    assert!(bag.get("war torn").is_some());
}

#[test]
fn names_and_acronyms_are_entities() {
    let bag = Bag::of(
        "Security Talks",
        "Leaders of the CSTO met. The Taliban took Kabul while security \
         worsened and the Collective Security Council met.",
    );
    assert!(bag.get("csto").expect("csto").is_entity());
    assert!(bag.get("taliban").expect("taliban").is_entity());
    assert!(bag.get("kabul").expect("kabul").is_entity());
    assert!(!bag.get("secur").expect("secur").is_entity());
    assert!(bag.get("collect secur").expect("collect secur").is_entity());
    assert_eq!(bag.get("taliban").expect("taliban").surface, "Taliban");
}

#[test]
fn possessives_and_curly_apostrophes() {
    let bag = Bag::of("", "Afghanistan’s neighbours and Russia's army");
    assert!(bag.get("afghanistan").is_some());
    assert!(bag.get("russia").is_some());
    assert_eq!(
        bag.get("afghanistan").expect("afghanistan").surface,
        "Afghanistan"
    );
}

#[test]
fn stop_word_list_parses() {
    assert!(is_stop_word("the"));
    assert!(!is_stop_word("taliban"));
    assert!(STOP_WORDS.len() > 100);
}

/// The analyzer as it was written before bags were keyed by interned stems
/// (a map from each feature's string to its statistics, every word
/// lower-cased, checked and stemmed again): the interned bag must give the
/// same features with the same statistics, or verdicts would change.
fn reference(title: &str, text: &str) -> Map<String, (u32, u32, u32, String)> {
    let mut terms: Map<String, (u32, u32, u32, String, bool)> = Map::default();
    for (part, in_title) in [(title, true), (text, false)] {
        let mut prev: Option<(String, usize, Evidence)> = None;
        let mut count = |key: String, surface: &str, evidence: Evidence| {
            let stat = terms.entry(key).or_default();
            stat.0 += 1;
            let mid = evidence != Evidence::None;
            match evidence {
                Evidence::Named => stat.1 += 1,
                Evidence::Plain => stat.2 += 1,
                Evidence::None => {}
            }
            if stat.3.is_empty() || (mid && !stat.4) {
                stat.3 = surface.to_owned();
                stat.4 = mid;
            }
        };
        for word in words(part) {
            if word.after_break {
                prev = None;
            }
            let raw = word
                .raw
                .strip_suffix("'s")
                .or_else(|| word.raw.strip_suffix("’s"))
                .unwrap_or(word.raw);
            let mut lower = String::new();
            lowercase_into(raw, &mut lower);
            let letters = lower.chars().filter(|c| c.is_alphabetic()).count();
            if letters == 0 || lower.chars().nth(1).is_none() || is_stop_word(&lower) {
                prev = None;
                continue;
            }
            let acronym = raw.chars().filter(|c| c.is_alphabetic()).nth(1).is_some()
                && raw
                    .chars()
                    .filter(|c| c.is_alphabetic())
                    .all(char::is_uppercase);
            let evidence = if acronym {
                Evidence::Named
            } else if word.start || in_title {
                Evidence::None
            } else if raw.chars().next().is_some_and(char::is_uppercase) {
                Evidence::Named
            } else {
                Evidence::Plain
            };
            let stem = STEMMER.stem(&lower).into_owned();
            if let Some((p_stem, p_at, p_evidence)) = prev.take() {
                let bigram = match (p_evidence, evidence) {
                    (Evidence::Named, Evidence::Named) => Evidence::Named,
                    (Evidence::Plain, _) | (_, Evidence::Plain) => Evidence::Plain,
                    _ => Evidence::None,
                };
                count(
                    format!("{p_stem} {stem}"),
                    &part[p_at..word.at + raw.len()],
                    bigram,
                );
            }
            count(stem.clone(), raw, evidence);
            prev = Some((stem, word.at, evidence));
        }
    }
    terms
        .into_iter()
        .map(|(k, (count, named, plain, surface, _))| (k, (count, named, plain, surface)))
        .collect()
}

fn features(bag: &Bag<'_>) -> Map<String, (u32, u32, u32, String)> {
    let features: Map<String, (u32, u32, u32, String)> = bag
        .terms
        .iter()
        .map(|f| {
            let s = &f.stat;
            (f.key(), (s.count, s.named, s.plain, s.surface.to_owned()))
        })
        .collect();
    assert_eq!(features.len(), bag.terms.len(), "a feature twice in a bag");
    features
}

/// The labelled stories of both sets (tests/topic).
fn labelled_stories() -> Vec<super::super::eval::LabelledStory> {
    ["dev", "test"]
        .into_iter()
        .flat_map(|set| {
            let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/topic")
                .join(format!("{set}.jsonl"));
            super::super::eval::load_jsonl(&path).expect("labelled set")
        })
        .collect()
}

#[test]
fn interned_bags_match_the_reference_analyzer_on_the_labelled_sets() {
    let background = super::super::Background::builtin();
    let weights = super::super::Weights::default();
    let mut checked = 0;
    for story in &labelled_stories() {
        let doc = story.document();
        let bag = Bag::of(doc.title, doc.text);
        assert_eq!(
            features(&bag),
            reference(doc.title, doc.text),
            "{}",
            story.id
        );
        // Every feature weighs what the string-keyed lookups gave.
        for feature in &bag.terms {
            let key = feature.key();
            let stat = &feature.stat;
            let mut expected = (1.0 + f64::from(stat.count).ln()) * background.idf(&key);
            if stat.is_entity() {
                expected *= weights.entity;
            }
            if key.contains(' ') {
                expected *= weights.bigram;
            }
            let got = super::super::profile::raw_weight(feature, &background, &weights);
            assert_eq!(got.to_bits(), expected.to_bits(), "{key} in {}", story.id);
        }
        checked += 1;
    }
    assert!(checked > 50, "only {checked} labelled stories");
}

#[test]
fn interned_bags_match_the_reference_on_unicode_and_edge_cases() {
    for (title, text) in [
        ("", ""),
        (
            "Ünïcödé Títle",
            "Straße STRASSE İstanbul’s ΣΊΣΥΦΟΣ. Ǆemal ǅemal x y z.",
        ),
        (
            "A",
            "I a e 12 3rd 4th x2 CO2 U.S. officials' U.N.'s don't rock'n'roll",
        ),
        (
            "Kabul’s",
            "Kabul's Kabul’s KABUL's kabul - war-torn — Kabul • Kabul | Kabul",
        ),
        (
            "The Taliban",
            "the the THE The Taliban Taliban. Taliban taliban TALIBAN",
        ),
    ] {
        let bag = Bag::of(title, text);
        assert_eq!(features(&bag), reference(title, text), "{title:?} {text:?}");
    }
}

#[test]
fn bags_stay_right_across_a_cleared_lexicon() {
    // More distinct words than the lexicon holds, over many bags: the
    // lexicon is cleared between two of them and new stems reuse ids.
    let kept = Bag::of("Kabul", "Kabul security Kabul security");
    let words: Vec<String> = (0..LEXICON_WORDS + 5_000)
        .map(|i| format!("Quor{i}x strom{}x", i % 7))
        .collect();
    for chunk in words.chunks(1_000) {
        let text = chunk.join(" ");
        let bag = Bag::of("Strom Title", &text);
        assert_eq!(features(&bag), reference("Strom Title", &text));
    }
    LEXICON.with_borrow(|lexicon| assert!(lexicon.words.len() < LEXICON_WORDS));
    // A bag built before the lexicon was cleared keeps its own stems.
    assert_eq!(
        features(&kept),
        reference("Kabul", "Kabul security Kabul security")
    );
}

/// The word splitter as it was written before it read ASCII by bytes:
/// every character decoded, the words gathered in a vector.
fn reference_words(text: &str) -> Vec<(usize, &str, bool, bool)> {
    let mut out = Vec::new();
    let mut start = true;
    let mut after_break = true;
    let mut begin: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let apostrophe = (c == '\'' || c == '’')
            && begin.is_some()
            && chars.peek().is_some_and(|&(_, n)| n.is_alphanumeric());
        if c.is_alphanumeric() || apostrophe {
            if begin.is_none() {
                begin = Some(i);
            }
            continue;
        }
        if let Some(b) = begin.take() {
            out.push((b, &text[b..i], start, after_break));
            start = false;
            after_break = false;
        }
        match c {
            '.' | '!' | '?' | '\n' | '•' | '|' => {
                start = true;
                after_break = true;
            }
            c if c.is_whitespace() || c == '-' || c == '‐' => {}
            _ => after_break = true,
        }
    }
    if let Some(b) = begin {
        out.push((b, &text[b..], start, after_break));
    }
    out
}

fn split(text: &str) -> Vec<(usize, &str, bool, bool)> {
    words(text)
        .map(|word| (word.at, word.raw, word.start, word.after_break))
        .collect()
}

#[test]
fn words_split_as_the_reference_on_every_short_mix_of_tricky_characters() {
    // Every string of up to four of these: letters and digits of both
    // kinds, both apostrophes, every separator class, a combining mark.
    let alphabet = [
        "a", "Z", "7", "é", "Ж", "٣", "'", "’", "-", "‐", ".", "!", "\n", "•", "|", " ", "\u{a0}",
        ",", "\u{301}", "😀", "\t", "_",
    ];
    let mut texts = vec![String::new()];
    let mut checked = 0;
    for _ in 0..4 {
        let mut longer = Vec::new();
        for text in &texts {
            for piece in alphabet {
                let text = format!("{text}{piece}");
                assert_eq!(split(&text), reference_words(&text), "{text:?}");
                checked += 1;
                longer.push(text);
            }
        }
        texts = longer;
    }
    assert_eq!(checked, 22 + 484 + 10_648 + 234_256);
}

#[test]
fn words_split_as_the_reference_on_the_labelled_sets() {
    for story in &labelled_stories() {
        let doc = story.document();
        for text in [doc.title, doc.text] {
            assert_eq!(split(text), reference_words(text), "{}", story.id);
        }
    }
}

#[test]
fn ordered_sum_is_the_same_in_every_order_and_as_close_as_a_sorted_sum() {
    // Weights' squares as a bag gives them: a few large, many small, some
    // tiny enough to lose bits below 2⁻⁶⁴.
    let mut values: Vec<f64> = (1..=500u32)
        .map(|i| {
            let x = f64::from(i);
            (x.sin().abs() * 40.0 / x).powi(2) + 1e-21 * x
        })
        .collect();
    let sum = ordered_sum(values.iter().copied());
    let mut sorted = values.clone();
    sorted.sort_unstable_by(f64::total_cmp);
    let reference: f64 = sorted.iter().sum();
    assert!((sum - reference).abs() <= reference * 4.0 * f64::EPSILON);
    // Reversed, rotated and interleaved: the same bits.
    values.reverse();
    assert_eq!(ordered_sum(values.iter().copied()).to_bits(), sum.to_bits());
    values.rotate_left(123);
    assert_eq!(ordered_sum(values.iter().copied()).to_bits(), sum.to_bits());
    let (even, odd): (Vec<f64>, Vec<f64>) = values.iter().partition(|v| v.to_bits() % 2 == 0);
    let interleaved = odd.into_iter().chain(even);
    assert_eq!(ordered_sum(interleaved).to_bits(), sum.to_bits());
    // The unit follows the largest value: as close at any magnitude.
    for magnitude in [1e-30, 1e-12, 1e12, 1e30] {
        let scaled: Vec<f64> = sorted.iter().map(|v| v * magnitude).collect();
        let reference: f64 = scaled.iter().sum();
        let sum = ordered_sum(scaled.iter().rev().copied());
        assert!(
            (sum - reference).abs() <= reference * 4.0 * f64::EPSILON,
            "{magnitude}: {sum} against {reference}"
        );
    }
    assert!((ordered_sum([1e-20; 3]) - 3e-20).abs() < 3e-20 * 1e-15);
    // Signs, an empty sum, and values beyond the fixed point, in any order.
    assert_eq!(ordered_sum([0.25, -0.75, 1.5]), 1.0);
    assert_eq!(ordered_sum([]), 0.0);
    assert_eq!(ordered_sum([-0.0, 0.0]), 0.0);
    assert_eq!(ordered_sum([1e300, 1.0, 1e300]), 2e300);
    assert_eq!(ordered_sum([f64::INFINITY, 1.0]), f64::INFINITY);
    assert_eq!(ordered_sum([1.0, f64::INFINITY]), f64::INFINITY);
    assert!(ordered_sum([1.0, f64::NAN]).is_nan());
    let tiny = f64::MIN_POSITIVE / 8.0;
    assert_eq!(
        ordered_sum([tiny, 2.0 * tiny, tiny]).to_bits(),
        ordered_sum([tiny, tiny, 2.0 * tiny]).to_bits()
    );
}
