//! Near-duplicate detection: which stories report the same thing in
//! slightly different words (a wire story lightly rewritten by another
//! outlet, a changed headline, an added paragraph).
//!
//! Pure functions, no I/O. The store persists [`Fingerprint::bands`] in an
//! index and asks this module whether a candidate really is a near
//! duplicate ([`similarity`], [`Similarity::confirms`]).
//!
//! # Method
//!
//! 1. **Shingles.** The title and text are folded like the content hash
//!    (NFKC, lowercase, typographic quotes and dashes to ASCII), split into
//!    words (runs of letters and digits), and every run of
//!    [`SHINGLE_WORDS`] consecutive words is hashed to 64 bits. Three-word
//!    shingles: one swapped word changes only three shingles, yet shared
//!    vocabulary ("the Taliban", "President Putin") does not make two
//!    stories look alike.
//! 2. **MinHash.** [`PERMUTATIONS`] (48) independent hash functions, each
//!    keeping the minimum over the shingles. Two signatures agree at one
//!    position with probability equal to the Jaccard similarity of the two
//!    shingle sets.
//! 3. **LSH banding.** The signature is cut into [`BANDS`] (16) bands of
//!    [`ROWS`] (3) values; each band hashes to one 64-bit key, stored in the
//!    `story_bands` index. Two stories are *candidates* when they share at
//!    least one band key, which happens with probability `1 − (1 − J³)¹⁶`:
//!
//!    | Jaccard J | 0.1  | 0.2  | 0.3  | 0.4  | 0.5  | 0.6  | 0.7   |
//!    |-----------|------|------|------|------|------|------|-------|
//!    | candidate | 1.6% | 12%  | 36%  | 65%  | 88%  | 97.2%| 99.6% |
//!
//!    (Until the poll benchmark of issue 8 it was 32 bands of 4: the same
//!    87% at J = 0.5 for twice the index rows and 128 hash functions; the
//!    index writes and the MinHash were a fifth of a cold poll's time. The
//!    price is more candidates below J = 0.3, each one confirmation, and
//!    the confirmation is what decides.)
//!
//!    A light rewrite (a few words swapped per paragraph, a new headline,
//!    an added paragraph) measures J ≈ 0.55–0.8 (see the tests), so it is
//!    found almost always; stories that merely share background paragraphs
//!    measure J ≲ 0.15 and rarely even become candidates. Finding one
//!    story's candidates is 16 index lookups, whatever the store's size:
//!    no all-pairs scan.
//! 4. **Confirmation.** A candidate is confirmed with an exact measure over
//!    the two shingle sets (the MinHash only estimates): Jaccard ≥
//!    [`JACCARD_MIN`] (0.5), or containment (overlap coefficient, shared
//!    shingles over the smaller set) ≥ [`CONTAINMENT_MIN`] (0.8) with
//!    Jaccard ≥ [`CONTAINED_JACCARD_MIN`] (0.3). The containment arm is for
//!    the outlet that adds paragraphs: 80% of the shorter story appears in
//!    the longer one, and the longer is at most about 2.5 times the shorter
//!    (the Jaccard floor), so a short wire story quoted inside a long
//!    round-up does not swallow the round-up. Shared background (two or
//!    three paragraphs of ten) stays far below both arms.
//!
//! Stories with fewer than [`MIN_SHINGLES`] shingles (a headline with a
//! sentence) are never clustered: two "Daily briefing" items with one line
//! each share most of their few shingles without being the same story.
//!
//! # The hash
//!
//! The bands are persisted, so the hash must never change between builds:
//! std's `DefaultHasher` makes no such promise. Shingles are hashed with
//! FNV-1a 64 (a fixed, published algorithm, a few lines, no dependency)
//! followed by the SplitMix64 finaliser, which repairs FNV's weak
//! avalanche; the permutations are multiply-add-shift hashes with
//! constants drawn from a fixed SplitMix64 sequence. Nothing here needs
//! resistance to deliberate collisions: a crafted collision could at most
//! make a story a candidate, and a story that reads like another one can
//! join its cluster honestly anyway. [`ALGORITHM`] names all of this; the
//! store recomputes its bands when it changes.

use crate::text::normalize_for_hash as fold_for_comparison;

/// Words per shingle.
pub const SHINGLE_WORDS: usize = 3;
/// MinHash signature length.
pub const PERMUTATIONS: usize = BANDS * ROWS;
/// LSH bands (rows of `story_bands` per story).
pub const BANDS: usize = 16;
/// Signature values per band.
pub const ROWS: usize = 3;
/// Fewer shingles than this: the story is not clustered (see module doc).
pub const MIN_SHINGLES: usize = 12;
/// Confirmation: Jaccard similarity of the shingle sets at least this.
pub const JACCARD_MIN: f64 = 0.5;
/// Confirmation, second arm: containment at least this …
pub const CONTAINMENT_MIN: f64 = 0.8;
/// … and Jaccard at least this.
pub const CONTAINED_JACCARD_MIN: f64 = 0.3;

/// Names the fingerprint algorithm and its parameters. Persisted next to
/// the bands: a build with another value recomputes every story's bands.
pub const ALGORITHM: &str = "minhash fnv1a64+splitmix 3-word shingles 16x3 v2";

/// What clustering needs to know about one story's text.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fingerprint {
    /// Shingle hashes, sorted, without repeats.
    shingles: Vec<u64>,
    /// One key per LSH band; empty when the story is too short to cluster.
    bands: Vec<u64>,
}

impl Fingerprint {
    /// The LSH band keys, band `i` at index `i`; empty for a story too
    /// short to take part in clustering.
    pub fn bands(&self) -> &[u64] {
        &self.bands
    }

    /// The sorted shingle set, for [`similarity`].
    pub fn shingles(&self) -> &[u64] {
        &self.shingles
    }

    /// Whether the story takes part in clustering at all.
    pub fn is_clusterable(&self) -> bool {
        !self.bands.is_empty()
    }
}

/// The fingerprint of a story's title and plain text.
pub fn fingerprint(title: &str, text: &str) -> Fingerprint {
    fingerprint_of_folded(&fold_for_comparison(title), &fold_for_comparison(text))
}

/// [`fingerprint`] of a title and text already folded as the content hash
/// folds them (`normalize_for_hash`): the parse workers fold a story once
/// for both.
pub(crate) fn fingerprint_of_folded(title: &str, text: &str) -> Fingerprint {
    let shingles = shingles_of_folded(title, text);
    let bands = if shingles.len() >= MIN_SHINGLES {
        bands(&minhash(&shingles))
    } else {
        Vec::new()
    };
    Fingerprint { shingles, bands }
}

/// The sorted, deduplicated shingle hashes of a title and text. The title
/// runs straight into the text: a changed headline changes a handful of
/// shingles, like any other changed words.
pub fn shingles(title: &str, text: &str) -> Vec<u64> {
    shingles_of_folded(&fold_for_comparison(title), &fold_for_comparison(text))
}

fn shingles_of_folded(title: &str, text: &str) -> Vec<u64> {
    let words: Vec<&str> = title
        .split(|c: char| !c.is_alphanumeric())
        .chain(text.split(|c: char| !c.is_alphanumeric()))
        .filter(|word| !word.is_empty())
        .collect();
    let mut hashes: Vec<u64> = if words.len() < SHINGLE_WORDS {
        if words.is_empty() {
            Vec::new()
        } else {
            vec![shingle_hash(&words)]
        }
    } else {
        words.windows(SHINGLE_WORDS).map(shingle_hash).collect()
    };
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// FNV-1a 64 over the words, separated by a byte no word contains, then
/// the SplitMix64 finaliser.
fn shingle_hash(words: &[&str]) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash = OFFSET;
    for word in words {
        for byte in word.bytes().chain(std::iter::once(0x1f)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(PRIME);
        }
    }
    mix(hash)
}

/// SplitMix64's finaliser: every input bit affects every output bit.
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The permutations' (odd multiplier, addend) pairs: a fixed SplitMix64
/// sequence, computed at compile time.
const PERMUTATION_KEYS: [(u64, u64); PERMUTATIONS] = {
    let mut keys = [(0u64, 0u64); PERMUTATIONS];
    let mut state: u64 = 0x6665_6564_6c6f_6f6d; // "feedloom"
    let mut i = 0;
    while i < PERMUTATIONS {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let a = mix(state) | 1;
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let b = mix(state);
        keys[i] = (a, b);
        i += 1;
    }
    keys
};

/// The MinHash signature: per permutation, the minimum over the shingles of
/// the top 32 bits of `a·h + b` (multiply-add-shift hashing).
fn minhash(shingles: &[u64]) -> [u32; PERMUTATIONS] {
    let mut signature = [u32::MAX; PERMUTATIONS];
    for &shingle in shingles {
        for (slot, &(a, b)) in signature.iter_mut().zip(PERMUTATION_KEYS.iter()) {
            let value = (a.wrapping_mul(shingle).wrapping_add(b) >> 32) as u32;
            *slot = (*slot).min(value);
        }
    }
    signature
}

/// One key per band: the band's [`ROWS`] values and its number, hashed.
fn bands(signature: &[u32; PERMUTATIONS]) -> Vec<u64> {
    signature
        .chunks_exact(ROWS)
        .enumerate()
        .map(|(band, rows)| {
            rows.iter().fold(mix(band as u64 + 1), |hash, &value| {
                mix(hash ^ u64::from(value))
            })
        })
        .collect()
}

/// The exact overlap of two shingle sets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    /// Shared shingles over all distinct shingles.
    pub jaccard: f64,
    /// Shared shingles over the smaller set (overlap coefficient).
    pub containment: f64,
}

impl Similarity {
    /// Whether the two stories are near duplicates (see the module doc for
    /// the thresholds and why).
    pub fn confirms(&self) -> bool {
        self.jaccard >= JACCARD_MIN
            || (self.containment >= CONTAINMENT_MIN && self.jaccard >= CONTAINED_JACCARD_MIN)
    }
}

/// Exact Jaccard and containment of two sorted, deduplicated shingle sets
/// (as [`shingles`] returns them). Both are 0 when either set is empty.
pub fn similarity(a: &[u64], b: &[u64]) -> Similarity {
    if a.is_empty() || b.is_empty() {
        return Similarity {
            jaccard: 0.0,
            containment: 0.0,
        };
    }
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - shared;
    Similarity {
        jaccard: shared as f64 / union as f64,
        containment: shared as f64 / a.len().min(b.len()) as f64,
    }
}

/// How many band keys two fingerprints share (what the index finds).
pub fn shared_bands(a: &Fingerprint, b: &Fingerprint) -> usize {
    a.bands.iter().zip(&b.bands).filter(|(x, y)| x == y).count()
}

/// The texts are shared with the store's tests.
#[cfg(test)]
pub(crate) mod tests;
