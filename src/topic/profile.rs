//! Weighted term vectors and the seed profile.
//!
//! A document's vector: for every feature (stem or bigram) of its bag,
//! `(1 + ln tf) × idf × entity boost × bigram weight`, L2-normalised.
//! Sublinear tf keeps a word repeated five times from weighing five times as
//! much; the background IDF (see `background`) makes common words light. The
//! profile is the centroid of the seeds' unit vectors (each seed counts the
//! same, however long), normalised again, so that a story's score is the
//! cosine with it, in 0..=1, and each shared term's product is its share.

use super::analyze::{Bag, Feature, Map, ordered_sum};
use super::background::Background;

/// Weighting knobs, chosen on the development set by
/// `cargo bench --bench topic -- --tune` (a grid over all four with the best
/// threshold for each): entity ×3 gave the widest margin at the best F1;
/// bigrams at 0.25 tie with none on dev (F1 0.952, threshold margin 0.034
/// against 0.036) and are kept because they make explanations name phrases
/// ("Shanghai Cooperation") and separate phrase traps the dev set is too
/// small to show; coverage 4 (or 5) of the strongest stems was in every
/// setting with the widest margins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    /// Factor on names, places, organisations and acronyms, in the profile
    /// and in the story alike: they tell a topic better than common words.
    pub entity: f64,
    /// Factor on bigrams ("security council"). Below 1: a bigram repeats
    /// the evidence of its two words, so it adds precision without taking
    /// over the score.
    pub bigram: f64,
    /// Coverage: how many distinct strong profile terms a story must contain
    /// for its cosine to count in full; with fewer, the cosine is scaled by
    /// hits / needed, so one word repeated (Afghan ×5) cannot carry a story.
    pub coverage_needed: usize,
    /// The strong profile terms: the profile's stems (not bigrams) of the
    /// largest weights, this many.
    pub strong_terms: usize,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            entity: 3.0,
            bigram: 0.25,
            coverage_needed: 4,
            strong_terms: 40,
        }
    }
}

/// One weighted term.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub weight: f64,
    pub surface: String,
}

/// A unit vector of terms.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Vector {
    pub terms: Map<String, Entry>,
}

impl Vector {
    pub fn of(bag: &Bag, background: &Background, weights: &Weights) -> Vector {
        let mut terms: Map<String, Entry> = bag
            .terms
            .iter()
            .map(|feature| {
                let entry = Entry {
                    weight: raw_weight(feature, background, weights),
                    surface: feature.stat.surface.to_owned(),
                };
                (feature.key(), entry)
            })
            .collect();
        normalise(&mut terms);
        Vector { terms }
    }

    /// The centroid of unit vectors, normalised.
    pub fn centroid(vectors: &[Vector]) -> Vector {
        let mut terms: Map<String, Entry> = Map::default();
        for v in vectors {
            for (key, e) in &v.terms {
                terms
                    .entry(key.clone())
                    .and_modify(|t| t.weight += e.weight)
                    .or_insert_with(|| e.clone());
            }
        }
        normalise(&mut terms);
        Vector { terms }
    }
}

/// A feature's weight in one document before normalisation: what the
/// profile and a scored story both use, so that they weigh alike.
pub(crate) fn raw_weight(feature: &Feature<'_>, background: &Background, weights: &Weights) -> f64 {
    let stat = &feature.stat;
    let mut weight = (1.0 + ln_count(stat.count)) * background.idf_feature(feature);
    if stat.is_entity() {
        weight *= weights.entity;
    }
    if feature.is_bigram() {
        weight *= weights.bigram;
    }
    weight
}

/// `ln(count)`, from a table for the small counts nearly every feature
/// has: the same bits as `f64::ln`, which took a twentieth of the scorer's
/// time.
pub(super) fn ln_count(count: u32) -> f64 {
    static SMALL: std::sync::LazyLock<[f64; 64]> =
        std::sync::LazyLock::new(|| std::array::from_fn(|c| f64::from(c as u32).ln()));
    match SMALL.get(count as usize) {
        Some(ln) => *ln,
        None => f64::from(count).ln(),
    }
}

fn normalise(terms: &mut Map<String, Entry>) {
    // In a fixed order, so that the same seeds give the same profile to the
    // last bit in every process (see `ordered_sum`).
    let norm = ordered_sum(terms.values().map(|e| e.weight * e.weight)).sqrt();
    if norm > 0.0 {
        for e in terms.values_mut() {
            e.weight /= norm;
        }
    }
}
