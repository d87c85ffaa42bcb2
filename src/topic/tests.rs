//! Scorer tests on the shipped seeds (config/seeds) with sentences written
//! for these tests, and the evaluation on the labelled sets.

use std::path::Path;

use super::eval::{BASELINE_KEYWORDS, KeywordBaseline, evaluate, load_jsonl};
use super::*;

/// The shipped seeds, cleaned as feedloom cleans them.
pub(crate) fn seed_texts() -> Vec<(String, String)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/seeds");
    crate::seeds::load_dir(&dir)
        .unwrap()
        .into_iter()
        .map(|s| {
            let s = s.unwrap();
            (s.title, s.paragraphs.join("\n\n"))
        })
        .collect()
}

pub(crate) fn scorer_with(include: Vec<Rule>, exclude: Vec<Rule>) -> Scorer {
    let seeds = seed_texts();
    let docs: Vec<Document<'_>> = seeds
        .iter()
        .map(|(title, text)| Document { title, text })
        .collect();
    Scorer::new(
        &docs,
        &Background::builtin(),
        DEFAULT_THRESHOLD,
        include,
        exclude,
    )
}

fn scorer() -> Scorer {
    scorer_with(Vec::new(), Vec::new())
}

fn doc<'a>(title: &'a str, text: &'a str) -> Document<'a> {
    Document { title, text }
}

const ON_TOPIC: &[(&str, &str)] = &[
    (
        "SCO ministers meet in Dushanbe over Afghan security",
        "Foreign ministers of the Shanghai Cooperation Organisation gathered in \
         Dushanbe to discuss the security situation in Afghanistan. Russia and \
         China urged the Taliban to form an inclusive government and to stop \
         terrorist groups from using Afghan territory.",
    ),
    (
        "CSTO holds drills on the Tajik-Afghan border",
        "Troops of the Collective Security Treaty Organization held exercises in \
         Tajikistan near the border with Afghanistan, the Russian defence ministry \
         said. Sergei Shoigu said the drills answer the threat from militants \
         in northern Afghanistan after the Taliban takeover of Kabul.",
    ),
    (
        "Moscow hosts talks with the Taliban",
        "Russia hosted a Taliban delegation in Moscow for talks on Afghanistan's \
         future. Representatives of China, Pakistan and Iran joined. Moscow \
         called for humanitarian aid and warned about drug trafficking across \
         Central Asia.",
    ),
];

/// Lexical traps: one topic word, another story.
const TRAPS: &[(&str, &str)] = &[
    (
        "Shanghai stock index closes higher",
        "The Shanghai Composite index rose 1.2 percent on Friday as technology \
         shares rallied. Traders in Shanghai said the stock market was lifted by \
         hopes of lower interest rates, while the Shenzhen index also gained. \
         Investors watched the yuan and bond yields.",
    ),
    (
        "Bolshoi brings Russian ballet to London",
        "The Bolshoi Ballet returns to London with Swan Lake this summer. Russian \
         dancers trained in Moscow will perform Tchaikovsky's classic in a run \
         of twelve shows. The Russian choreographer praised the orchestra and \
         the costumes, which were made in Moscow workshops.",
    ),
    (
        "How to care for an Afghan carpet",
        "A hand-knotted Afghan carpet lasts generations if it is cleaned gently. \
         Afghan rugs use wool dyed with madder and walnut; vacuum them without \
         the beater bar, rotate the rug every year and keep it out of direct \
         sunlight. Afghan weavers recommend a professional wash every few years.",
    ),
    (
        "Afghan hound wins best in show",
        "An Afghan hound named Bella won best in show at the dog show on Sunday. \
         The Afghan hound is known for its long silky coat and aloof character. \
         Her owner said Bella eats salmon, is groomed for three hours before a \
         show and loves running on the beach.",
    ),
];

#[test]
fn on_topic_sentences_pass() {
    let scorer = scorer();
    for (title, text) in ON_TOPIC {
        let e = scorer.explain(&doc(title, text), 5);
        assert!(e.verdict.on_topic, "{title}: {e:?}");
        assert_eq!(e.verdict.reason, Reason::Score);
    }
}

#[test]
fn lexical_traps_are_rejected() {
    let scorer = scorer();
    for (title, text) in TRAPS {
        let e = scorer.explain(&doc(title, text), 5);
        assert!(!e.verdict.on_topic, "{title}: {e:?}");
    }
}

#[test]
fn contributions_add_up_to_the_score_and_show_surface_forms() {
    let scorer = scorer();
    let (title, text) = ON_TOPIC[0];
    let e = scorer.explain(&doc(title, text), usize::MAX);
    let sum: f64 = e.top_terms.iter().map(|c| c.weight).sum();
    assert!(
        (sum - e.verdict.score).abs() < 1e-9,
        "{sum} vs {}",
        e.verdict.score
    );
    assert!(e.top_terms.windows(2).all(|w| w[0].weight >= w[1].weight));
    let terms: Vec<&str> = e.top_terms.iter().map(|c| c.term.as_str()).collect();
    assert!(terms.contains(&"Dushanbe"), "{terms:?}");
    assert_eq!(e.threshold, DEFAULT_THRESHOLD);
}

#[test]
fn names_outweigh_common_words() {
    let scorer = scorer();
    let terms = scorer.profile_terms(usize::MAX);
    let weight = |term: &str| {
        terms
            .iter()
            .find(|c| c.term.eq_ignore_ascii_case(term))
            .map_or(0.0, |c| c.weight)
    };
    for name in ["Taliban", "SCO", "CSTO", "Dushanbe", "Kabul", "Shoigu"] {
        for common in ["year", "government", "country", "said", "situation"] {
            assert!(weight(name) > weight(common), "{name} vs {common}");
        }
    }
}

#[test]
fn a_seed_scores_one() {
    let scorer = scorer();
    let seeds = seed_texts();
    let (title, text) = &seeds[0];
    // Spacing and case do not matter.
    let respaced = text.replace("\n\n", "\n").to_uppercase();
    let v = scorer.score(&doc(title, &respaced));
    assert_eq!(v.reason, Reason::Seed);
    assert_eq!(v.score, 1.0);
    assert!(v.on_topic);
    // Its title over other words is a story of its own, scored as one.
    let edited = format!("{text} One more sentence.");
    let v = scorer.score(&doc(title, &edited));
    assert_ne!(v.reason, Reason::Seed);
    assert!(v.score < 1.0);
}

#[test]
fn rules_exclude_wins_then_include_then_score() {
    let include = vec![Rule::keyword("Bolshoi", Field::Title).unwrap()];
    let exclude = vec![Rule::regex(r"(?i)\bdrills?\b", Field::Any).unwrap()];
    let scorer = scorer_with(include, exclude);
    let (title, text) = TRAPS[1];
    let v = scorer.score(&doc(title, text));
    assert_eq!(v.reason, Reason::Include("Bolshoi".into()));
    assert!(v.on_topic);
    let (title, text) = ON_TOPIC[1];
    let v = scorer.score(&doc(title, text));
    assert_eq!(v.reason, Reason::Exclude(r"(?i)\bdrills?\b".into()));
    assert!(!v.on_topic);
    assert!(v.score > 0.0);
}

#[test]
fn empty_story_scores_zero() {
    let v = scorer().score(&doc("", ""));
    assert_eq!(v.score, 0.0);
    assert!(!v.on_topic);
}

/// The labelled sets, when present.
fn labelled(name: &str) -> Vec<eval::LabelledStory> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/topic")
        .join(name);
    load_jsonl(&path).unwrap()
}

#[test]
fn labelled_sets_precision_recall_and_baseline() {
    let scorer = scorer();
    let mut all = labelled("dev.jsonl");
    all.extend(labelled("test.jsonl"));
    assert!(all.len() >= 80);
    let m = evaluate(&scorer, &all);
    let baseline = evaluate(&KeywordBaseline::new(&scorer, BASELINE_KEYWORDS), &all);
    assert!(m.f1 >= 0.9, "{m:?}");
    assert!(m.precision >= 0.85, "{m:?}");
    assert!(m.recall >= 0.85, "{m:?}");
    assert!(m.f1 > baseline.f1, "{m:?} vs baseline {baseline:?}");
}

#[test]
fn ln_count_is_ln_to_the_last_bit() {
    for count in 0..=200u32 {
        assert_eq!(
            super::profile::ln_count(count).to_bits(),
            f64::from(count).ln().to_bits(),
            "{count}"
        );
    }
}
