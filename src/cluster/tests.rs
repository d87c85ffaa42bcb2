use super::*;

pub(crate) const WIRE_TITLE: &str =
    "Flood waters close main rail line between Riverton and Eastport";

/// A wire story, written for these tests.
pub(crate) const WIRE: &str =
    "Heavy rain over the weekend pushed the Aller river above its banks on Sunday, \
closing the main rail line between Riverton and Eastport for at least three days, the national \
rail operator said.

Engineers found water over the tracks at four places south of Millbrook and a damaged culvert \
near the old sugar factory, a spokeswoman for the operator told reporters at Riverton station.

About twelve thousand passengers use the line on a normal weekday. Replacement buses will run \
every thirty minutes from Monday morning, and tickets bought for the train remain valid on them.

The regional weather office warned that another band of rain could reach the valley on Tuesday \
night, and asked residents of low-lying streets in Millbrook to move cars and valuables upstairs.

The last flood to close the line, in the spring of 2019, kept it shut for nine days while \
engineers rebuilt an embankment that had been washed away.";

pub(crate) const REWRITE_TITLE: &str =
    "Rail link between Riverton and Eastport shut as river floods";

/// The same story as another outlet runs it: a new headline, a few words
/// changed in every paragraph, and a paragraph of its own at the end.
pub(crate) const REWRITE: &str = "Heavy rain over the weekend pushed the Aller river above its banks on Sunday, \
shutting the main rail line between Riverton and Eastport for at least three days, the national \
rail operator said on Sunday.

Engineers found water over the tracks at four locations south of Millbrook and a damaged culvert \
near the former sugar factory, a spokeswoman for the operator told journalists at Riverton station.

Around twelve thousand passengers use the line on a normal weekday. Replacement buses will run \
every thirty minutes from Monday morning, and tickets bought for the train will remain valid on them.

The regional weather office warned that another band of heavy rain could reach the valley on \
Tuesday night, and urged residents of low-lying streets in Millbrook to move cars and valuables upstairs.

The last flood to close the line, in the spring of 2019, kept it shut for nine days while \
engineers rebuilt an embankment that had been washed away.

Local businesses in Eastport said the closure came at the worst possible time, with the harvest \
festival expected to bring thousands of visitors to the town next weekend.";

pub(crate) const OTHER_TITLE: &str = "City council approves budget for new public library";

/// An unrelated story.
pub(crate) const OTHER: &str =
    "The city council voted seven to two on Thursday to approve a budget of \
eleven million for a new public library on the site of the former bus depot.

Construction is expected to start next spring and to take about two years. The library will \
have a children's wing, a makerspace and a cafe run by a local cooperative.

Two councillors who voted against said the money would be better spent repairing the roads in \
the northern districts, where residents have complained about potholes for years.";

pub(crate) const BACKGROUND_TITLE: &str =
    "Rail operator sets aside funds to raise tracks in the Aller valley";

/// A different story from the same place that reuses the wire story's last
/// two paragraphs as background, as outlets do.
pub(crate) const BACKGROUND: &str =
    "The national rail operator will spend forty million over five years \
raising the tracks between Millbrook and Eastport by up to a metre, its chief executive \
announced at the company's annual meeting in the capital on Wednesday.

The plan also replaces seven culverts and adds a second drainage channel along the embankment \
south of Millbrook, which engineers have long called the weakest part of the line.

Shareholders questioned whether the money would be better spent on new rolling stock, which \
the operator has delayed twice since its last fleet order was cancelled.

The regional weather office warned that another band of rain could reach the valley on Tuesday \
night, and asked residents of low-lying streets in Millbrook to move cars and valuables upstairs.

The last flood to close the line, in the spring of 2019, kept it shut for nine days while \
engineers rebuilt an embankment that had been washed away.";

fn pair(a: (&str, &str), b: (&str, &str)) -> (Fingerprint, Fingerprint, Similarity) {
    let fa = fingerprint(a.0, a.1);
    let fb = fingerprint(b.0, b.1);
    let similarity = similarity(&shingles(a.0, a.1), &shingles(b.0, b.1));
    (fa, fb, similarity)
}

#[test]
fn a_light_rewrite_is_a_candidate_and_is_confirmed() {
    let (wire, rewrite, sim) = pair((WIRE_TITLE, WIRE), (REWRITE_TITLE, REWRITE));
    assert!(wire.is_clusterable() && rewrite.is_clusterable());
    assert_eq!(wire.bands().len(), BANDS);
    // At least one band in common: the index finds it.
    let shared = shared_bands(&wire, &rewrite);
    assert!(shared >= 1, "shared bands: {shared}, {sim:?}");
    assert!(sim.confirms(), "{sim:?}");
    assert!(sim.jaccard > 0.55 && sim.jaccard < 0.9, "{sim:?}");
    assert!(sim.containment > 0.8, "{sim:?}");
}

#[test]
fn an_unrelated_story_is_neither_a_candidate_nor_confirmed() {
    let (wire, other, sim) = pair((WIRE_TITLE, WIRE), (OTHER_TITLE, OTHER));
    assert_eq!(shared_bands(&wire, &other), 0, "{sim:?}");
    assert!(!sim.confirms(), "{sim:?}");
    assert!(sim.jaccard < 0.02, "{sim:?}");
}

#[test]
fn shared_background_paragraphs_do_not_make_a_near_duplicate() {
    let (wire, background, sim) = pair((WIRE_TITLE, WIRE), (BACKGROUND_TITLE, BACKGROUND));
    assert!(!sim.confirms(), "{sim:?}");
    assert!(sim.jaccard < 0.3 && sim.containment < 0.5, "{sim:?}");
    // Rarely even a candidate; not here.
    assert!(shared_bands(&wire, &background) <= 1, "{sim:?}");
}

#[test]
fn minhash_estimates_the_jaccard_similarity() {
    for (a, b) in [
        ((WIRE_TITLE, WIRE), (REWRITE_TITLE, REWRITE)),
        ((WIRE_TITLE, WIRE), (BACKGROUND_TITLE, BACKGROUND)),
    ] {
        let exact = similarity(&shingles(a.0, a.1), &shingles(b.0, b.1)).jaccard;
        let sa = minhash(&shingles(a.0, a.1));
        let sb = minhash(&shingles(b.0, b.1));
        let agree = sa.iter().zip(&sb).filter(|(x, y)| x == y).count();
        let estimate = agree as f64 / PERMUTATIONS as f64;
        // Standard error sqrt(J(1-J)/128) ≤ 0.045: allow about 3 of them.
        assert!((estimate - exact).abs() < 0.14, "{estimate} vs {exact}");
    }
}

#[test]
fn folding_ignores_case_markup_punctuation_and_typography() {
    let a = shingles(
        "Rail “line” closed",
        "The river’s   banks—burst. On Sunday!",
    );
    let b = shingles("rail \"line\" CLOSED", "the river's banks-burst on sunday");
    assert_eq!(a, b);
    assert_eq!(fingerprint("x", WIRE), fingerprint("x", WIRE));
}

#[test]
fn short_items_do_not_take_part() {
    let briefing = fingerprint("Daily briefing", "Today's top stories in one place.");
    assert!(!briefing.is_clusterable());
    assert!(briefing.bands().is_empty());
    assert_eq!(shingles("", ""), Vec::<u64>::new());
    assert_eq!(shingles("Two words", "").len(), 1);
    let empty = similarity(&[], &[1, 2]);
    assert!(!empty.confirms());
}

/// The fingerprint as the sorted, deduplicated shingle set gives it.
fn fingerprint_of_set(title: &str, text: &str) -> Vec<u64> {
    let set = shingles(title, text);
    if set.len() >= MIN_SHINGLES {
        bands(&minhash(&set))
    } else {
        Vec::new()
    }
}

#[test]
fn the_fingerprint_counts_distinct_shingles_and_ignores_repeats() {
    // Twelve words in a loop: each pass repeats the same twelve shingles.
    let twelve = "one two three four five six seven eight nine ten eleven twelve ";
    let eleven = "one two three four five six seven eight nine ten eleven ";
    let cases = [
        ("", twelve.to_owned()),
        ("", twelve.repeat(40)),
        ("", eleven.repeat(40)),
        ("", "rain ".repeat(500)),
        (
            "Rail line closed",
            format!("{WIRE} {WIRE} {}", eleven.repeat(3)),
        ),
        (WIRE_TITLE, WIRE.to_owned()),
    ];
    for (title, text) in &cases {
        let expected = fingerprint_of_set(title, text);
        assert_eq!(fingerprint(title, text).bands(), expected, "{text:.40}");
    }
    // Twelve words give ten distinct shingles once, twelve when repeated
    // (the loop closes); eleven words repeated give eleven.
    assert!(!fingerprint("", twelve).is_clusterable());
    assert!(fingerprint("", &twelve.repeat(40)).is_clusterable());
    assert!(!fingerprint("", &eleven.repeat(40)).is_clusterable());
    assert!(!fingerprint("", &"rain ".repeat(500)).is_clusterable());
}

#[test]
fn the_hash_is_fixed_across_builds() {
    // The bands are persisted: if any of these changes, so must ALGORITHM.
    // The values were computed by an independent implementation (Python:
    // FNV-1a 64 + SplitMix64 per word, the rotations, the one-permutation
    // bins and their densification, the band keys).
    assert_eq!(word_hash("the"), 0x9019_6226_0b6a_34d5);
    assert_eq!(
        shingle_hash(word_hash("the"), word_hash("rail"), word_hash("line")),
        0x233e_d121_c984_233b
    );
    assert_eq!(shingles("Two words", ""), [0x10c7_b2b4_dd05_bbcc]);
    // No empty bin, 6 empty bins, 32 empty bins.
    let wire = fingerprint(WIRE_TITLE, WIRE);
    assert_eq!(wire.bands()[0], 0x486b_4406_1a4b_c05d);
    assert_eq!(wire.bands()[15], 0xdb92_61e1_9501_12e4);
    let other = fingerprint(OTHER_TITLE, OTHER);
    assert_eq!(other.bands()[0], 0xb2ae_3986_2cea_6fa0);
    assert_eq!(other.bands()[15], 0xd9d6_6a37_7662_1bab);
    let short_text = "The river rose above its banks on Sunday and closed the main rail line \
         between two towns for three days.";
    let short = fingerprint("", short_text);
    assert_eq!(shingles("", short_text).len(), 18);
    assert_eq!(Shingles::of("", short_text).get(), shingles("", short_text));
    assert_eq!(short.bands()[0], 0x6d7f_b21d_0091_af55);
    assert_eq!(short.bands()[15], 0x48eb_d5a4_1e08_0ee4);
}

/// What `for_each_word_hash` hands on for `text`.
fn word_hashes(text: &str) -> Vec<u64> {
    let mut hashed = Vec::new();
    for_each_word_hash(text, |hash| hashed.push(hash));
    hashed
}

/// The reference: the words of splitting on `!char::is_alphanumeric`,
/// hashed one by one.
fn split_hashes(text: &str) -> Vec<u64> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(word_hash)
        .collect()
}

#[test]
fn the_word_split_reads_unicode_as_char_is_alphanumeric_does() {
    for text in [
        "ça coûte 3\u{a0}€ — déjà vu, naïve café",
        "Москва: 12 000 человек",
        "東京 2024 年 オリンピック",
        "a\u{2013}b c\u{0301}d e\u{200b}f ½ ²³ x",
        "",
        "   ",
        "end.",
    ] {
        assert_eq!(word_hashes(text), split_hashes(text), "{text:?}");
    }
}

#[test]
fn the_word_split_of_ascii_text_reads_every_byte_as_char_is_alphanumeric_does() {
    // ASCII text takes a byte path: every ASCII byte, inside a word and
    // between two, must split and hash as the character path does.
    for byte in 0u8..0x80 {
        let c = char::from(byte);
        for text in [
            format!("ab{c}cd"),
            format!("{c}x{c}{c}y9{c}"),
            format!("{c}"),
        ] {
            assert_eq!(word_hashes(&text), split_hashes(&text), "{byte:#04x}");
        }
    }
}

#[test]
fn word_order_matters_within_a_shingle() {
    let a = shingles("", "rail line closed");
    assert_eq!(a.len(), 1);
    assert_ne!(a, shingles("", "closed rail line"));
    assert_ne!(a, shingles("", "line rail closed"));
    assert_ne!(shingles("", "a a b"), shingles("", "a b a"));
    // A repeated word does not cancel out.
    assert_ne!(shingles("", "a a a"), shingles("", "b b b"));
}

#[test]
fn densification_fills_every_bin_from_a_filled_one() {
    // 12 shingles: most of the 48 bins are empty before densification.
    let few: Vec<u64> = (1..=12).map(mix).collect();
    let signature = minhash(&few);
    let values: Vec<u32> = few.iter().map(|&s| s as u32).collect();
    assert!(
        signature.iter().all(|v| values.contains(v)),
        "{signature:?}"
    );
    // One shingle fills every bin with its value.
    assert_eq!(minhash(&[mix(7)]), [mix(7) as u32; PERMUTATIONS]);
    assert_eq!(minhash(&[]), [u32::MAX; PERMUTATIONS]);
}

#[test]
fn similarity_counts_shared_elements() {
    let s = similarity(&[1, 2, 3, 4], &[3, 4, 5, 6, 7, 8]);
    assert!((s.jaccard - 2.0 / 8.0).abs() < 1e-9);
    assert!((s.containment - 0.5).abs() < 1e-9);
    let contained = similarity(&[1, 2, 3, 4, 5], &[1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert!(contained.confirms(), "{contained:?}");
    let swallowed = similarity(&[1, 2], &(1..=20).collect::<Vec<_>>());
    assert!(!swallowed.confirms(), "{swallowed:?}");
}
