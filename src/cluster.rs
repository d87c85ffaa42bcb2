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
//!    words (runs of letters and digits), each word is hashed once to 64
//!    bits, and every run of [`SHINGLE_WORDS`] consecutive words is combined
//!    into one 64-bit shingle hash. Three-word shingles: one swapped word
//!    changes only three shingles, yet shared vocabulary ("the Taliban",
//!    "President Putin") does not make two stories look alike.
//! 2. **MinHash, one permutation.** Each shingle hash's top bits put it in
//!    one of [`PERMUTATIONS`] (48) bins and its low 32 bits are its value
//!    there; each bin keeps its minimum (one-permutation hashing). A bin no
//!    shingle fell in copies the value of the first filled bin in a fixed
//!    pseudo-random sequence of bins, the same sequence for every story
//!    (optimal densification, Shrivastava 2017). Two signatures agree at one
//!    position with probability equal to the Jaccard similarity J of the
//!    two shingle sets, as with 48 independent permutations: the first bin
//!    that either story fills, the bin itself or else the first of its
//!    sequence, holds the minimum of the union there, and both stories end
//!    up with that value exactly when its shingle is shared.
//!    A 170-word story fills all but about one bin; a short one (12
//!    shingles) fills about 11 and copies the rest, as 48 permutations of
//!    12 shingles would also repeat their few minima.
//!
//!    (Until `v3` it was 48 independent multiply-add permutations per
//!    shingle and a hash over the three words' bytes per shingle, each word
//!    hashed three times: together 11 % of a cold poll's CPU. Now it is one
//!    byte pass, one hash per word, one per shingle, one bin update per
//!    shingle: the cluster benchmark's fingerprint went from 28 to 12 µs a
//!    story, finding 4,577 of its rewrites instead of 4,557. Simulated
//!    pairs of 12 to 400 shingles become candidates at the rates of the
//!    table below, as before; the estimate of J is as close as with 48
//!    permutations for 12–24 shingles and closer from 40 on, since one
//!    permutation samples without replacement.)
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
//! std's `DefaultHasher` makes no such promise. Each word is hashed with
//! FNV-1a 64 over its UTF-8 bytes (a fixed, published algorithm, a few
//! lines, no dependency) followed by the SplitMix64 finaliser, which
//! repairs FNV's weak avalanche. A shingle's hash is the finaliser over
//! `w1 ^ rotl(w2, 21) ^ rotl(w3, 42)`: the rotations make the word order
//! count, and the finaliser makes shingles sharing words look unrelated,
//! so the MinHash may take the bin and the value straight from its bits.
//! The densification sequence is the finaliser over the bin and attempt
//! numbers. Nothing here needs resistance to deliberate collisions: a
//! crafted collision could at most make a story a candidate, and a story
//! that reads like another one can join its cluster honestly anyway. [`ALGORITHM`] names all of this; the
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
pub const ALGORITHM: &str = "one-permutation minhash, optimal densification, fnv1a64+splitmix words, rotl-xor 3-word shingles 16x3 v3";

/// What the band index needs to know about one story's text. The shingle
/// set the keys come from is not kept: about 2 KB a story against 128
/// bytes of keys, and needed only to confirm a candidate, which one new
/// story in ten has ([`Shingles`] makes it again then). Parsed stories
/// waiting for the writer held 3.3 MB of them in a cold poll of 1,000
/// feeds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Fingerprint {
    /// One key per LSH band; empty when the story is too short to cluster.
    bands: Vec<u64>,
}

impl Fingerprint {
    /// The LSH band keys, band `i` at index `i`; empty for a story too
    /// short to take part in clustering.
    pub fn bands(&self) -> &[u64] {
        &self.bands
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
    // The MinHash keeps the least value per bin, which neither the order
    // of the shingles nor their repeats change: the set is not sorted here
    // (a twentieth of the parse workers' time), only its size checked.
    let shingles = shingle_hashes(title, text);
    let bands = if has_distinct(&shingles, MIN_SHINGLES) {
        bands(&minhash(&shingles))
    } else {
        Vec::new()
    };
    Fingerprint { bands }
}

/// Whether `hashes` holds at least `wanted` distinct values. Read from the
/// start, so prose decides it within its first shingles; only a text that
/// repeats a few words is read to its end.
fn has_distinct(hashes: &[u64], wanted: usize) -> bool {
    if hashes.len() < wanted {
        return false;
    }
    let mut distinct = Vec::with_capacity(wanted);
    for hash in hashes {
        if !distinct.contains(hash) {
            distinct.push(*hash);
            if distinct.len() >= wanted {
                return true;
            }
        }
    }
    false
}

/// A story's shingle set for exact comparisons ([`similarity`]), made from
/// its title and text the first time a comparison needs it, then kept:
/// the same set its [`Fingerprint`] was made from.
pub struct Shingles<'a> {
    title: &'a str,
    text: &'a str,
    set: std::cell::OnceCell<Vec<u64>>,
}

impl<'a> Shingles<'a> {
    /// The shingles of `title` and `text`, not made yet.
    pub fn of(title: &'a str, text: &'a str) -> Self {
        Self {
            title,
            text,
            set: std::cell::OnceCell::new(),
        }
    }

    /// The sorted set, made on the first call.
    pub fn get(&self) -> &[u64] {
        self.set.get_or_init(|| shingles(self.title, self.text))
    }
}

/// The sorted, deduplicated shingle hashes of a title and text. The title
/// runs straight into the text: a changed headline changes a handful of
/// shingles, like any other changed words.
pub fn shingles(title: &str, text: &str) -> Vec<u64> {
    shingles_of_folded(&fold_for_comparison(title), &fold_for_comparison(text))
}

fn shingles_of_folded(title: &str, text: &str) -> Vec<u64> {
    let mut hashes = shingle_hashes(title, text);
    hashes.sort_unstable();
    hashes.dedup();
    hashes
}

/// The shingle hashes of a folded title and text, in text order, repeats
/// included.
fn shingle_hashes(title: &str, text: &str) -> Vec<u64> {
    // About one word per six bytes of prose: one allocation, mostly.
    let mut ring = ShingleRing::with_capacity((title.len() + text.len()) / 5 + 1);
    for_each_word_hash(title, |word| ring.push(word));
    for_each_word_hash(text, |word| ring.push(word));
    ring.finish()
}

/// FNV-1a 64's offset basis and prime.
const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Calls `each` with the hash of every word of `text` (a run of characters
/// that `char::is_alphanumeric` accepts), in order: [`word_hash`], computed
/// while splitting, so no word is collected or hashed twice. The words are
/// exactly those of splitting on `!char::is_alphanumeric`.
fn for_each_word_hash(text: &str, mut each: impl FnMut(u64)) {
    let mut word = WordHash::default();
    if text.is_ascii() {
        // Nearly all feed text: an ASCII character is alphanumeric exactly
        // when `char::is_alphanumeric` says so, and is its one UTF-8 byte,
        // so bytes give the same words and hashes without decoding.
        for &byte in text.as_bytes() {
            if byte.is_ascii_alphanumeric() {
                word.add(byte);
            } else {
                word.end(&mut each);
            }
        }
    } else {
        let mut utf8 = [0u8; 4];
        for c in text.chars() {
            if c.is_alphanumeric() {
                c.encode_utf8(&mut utf8)
                    .bytes()
                    .for_each(|byte| word.add(byte));
            } else {
                word.end(&mut each);
            }
        }
    }
    word.end(&mut each);
}

/// The word being hashed by [`for_each_word_hash`], if any.
struct WordHash {
    hash: u64,
    started: bool,
}

impl Default for WordHash {
    fn default() -> Self {
        Self {
            hash: FNV_OFFSET,
            started: false,
        }
    }
}

impl WordHash {
    fn add(&mut self, byte: u8) {
        self.hash = (self.hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
        self.started = true;
    }

    /// Hands on the word ended here, if one was started.
    fn end(&mut self, each: &mut impl FnMut(u64)) {
        if self.started {
            each(mix(self.hash));
            *self = Self::default();
        }
    }
}

/// A word's hash: FNV-1a 64 over its UTF-8 bytes, then the SplitMix64
/// finaliser. What [`for_each_word_hash`] computes for each word.
#[cfg(test)]
fn word_hash(word: &str) -> u64 {
    let mut hash = FNV_OFFSET;
    for byte in word.bytes() {
        hash = (hash ^ u64::from(byte)).wrapping_mul(FNV_PRIME);
    }
    mix(hash)
}

/// A shingle's hash from its words' hashes, first word first. Each word is
/// hashed once, not once per shingle it is in; the rotations make the order
/// count ("rail line closed" is not "closed rail line"), and the finaliser
/// makes the result look random again, so that the MinHash may take bits
/// of it as they are. A shingle of fewer words (a text of one or two) has
/// zeros for the missing ones.
const fn shingle_hash(first: u64, second: u64, third: u64) -> u64 {
    mix(first ^ second.rotate_left(21) ^ third.rotate_left(42))
}

/// The last two word hashes and the shingle hashes so far.
struct ShingleRing {
    previous: [u64; SHINGLE_WORDS - 1],
    words: usize,
    hashes: Vec<u64>,
}

impl ShingleRing {
    fn with_capacity(capacity: usize) -> Self {
        ShingleRing {
            previous: [0; SHINGLE_WORDS - 1],
            words: 0,
            hashes: Vec::with_capacity(capacity),
        }
    }

    fn push(&mut self, word: u64) {
        let [first, second] = self.previous;
        if self.words >= SHINGLE_WORDS - 1 {
            self.hashes.push(shingle_hash(first, second, word));
        }
        self.previous = [second, word];
        self.words += 1;
    }

    /// The shingle hashes, in text order; a text of one or two words is one
    /// shingle.
    fn finish(mut self) -> Vec<u64> {
        match self.words {
            1 => self.hashes.push(shingle_hash(self.previous[1], 0, 0)),
            2 => self
                .hashes
                .push(shingle_hash(self.previous[0], self.previous[1], 0)),
            _ => {}
        }
        self.hashes
    }
}

/// SplitMix64's finaliser: every input bit affects every output bit.
const fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Random probes per empty bin before [`densify_probe`] walks the bins in
/// order (reached only when almost every bin is empty).
const DENSIFY_PROBES: usize = 64;

/// The `attempt`-th bin an empty bin `bin` copies from, if that one is
/// filled: a fixed pseudo-random sequence per bin, the same for every
/// story (what makes the copies agree between similar stories), then
/// every bin in turn, so that the search always ends.
fn densify_probe(bin: usize, attempt: usize) -> usize {
    if attempt < DENSIFY_PROBES {
        let key = 0x6465_6e73_6966_7900 ^ ((bin as u64) << 32) ^ attempt as u64; // "densify"
        bin_of(mix(key))
    } else {
        (bin + 1 + attempt - DENSIFY_PROBES) % PERMUTATIONS
    }
}

/// The bin of a hash: its top 32 bits scaled to `0..PERMUTATIONS`
/// (multiply-shift range reduction, no division).
const fn bin_of(hash: u64) -> usize {
    (((hash >> 32) * PERMUTATIONS as u64) >> 32) as usize
}

/// The MinHash signature, one-permutation style: each shingle hash's top
/// bits pick one of [`PERMUTATIONS`] bins and its low 32 bits are its value
/// there; a bin keeps its smallest value. A bin no shingle fell in copies
/// the value of the first filled bin in its [`densify_probe`] sequence
/// (optimal densification). All values `u32::MAX` for no shingles.
fn minhash(shingles: &[u64]) -> [u32; PERMUTATIONS] {
    let mut signature = [u32::MAX; PERMUTATIONS];
    let mut filled = 0u64;
    for &shingle in shingles {
        let bin = bin_of(shingle);
        let value = shingle as u32;
        if let Some(slot) = signature.get_mut(bin) {
            *slot = (*slot).min(value);
        }
        filled |= 1 << bin;
    }
    if filled == 0 {
        return signature;
    }
    for bin in 0..PERMUTATIONS {
        if filled & (1 << bin) != 0 {
            continue;
        }
        // Reads only bins filled by shingles, never ones filled here.
        if let Some(source) = (0..DENSIFY_PROBES + PERMUTATIONS)
            .map(|attempt| densify_probe(bin, attempt))
            .find(|&source| filled & (1 << source) != 0)
        {
            signature[bin] = signature[source];
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
