//! Topic relevance: does a story belong to the topic its seed articles
//! define?
//!
//! CONTRACT STUB (issue 6): the API below is what `poll`, `cli` and `server`
//! build on; the bodies are placeholders to be replaced by the real scorer.
//!
//! A [`Scorer`] is built once per topic (at start, on reload, on `rescore`)
//! from the topic's seed documents, a [`Background`] of general text that
//! tells common words from telling ones, and the topic's rules. Scoring a
//! story is then a pure function of the story's title and text, so it can run
//! outside the store lock and be repeated by `feedloom rescore` with the same
//! result.

use regex::Regex;

/// The text of one story, as scored.
#[derive(Debug, Clone, Copy)]
pub struct Document<'a> {
    pub title: &'a str,
    pub text: &'a str,
}

/// Which part of a story a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Title,
    Text,
    /// Title or text.
    Any,
}

/// An include or exclude rule from the configuration.
#[derive(Debug, Clone)]
pub struct Rule {
    /// Compiled matcher: a keyword becomes a case-insensitive whole-word
    /// pattern; a regex is used as written.
    pub pattern: Regex,
    pub field: Field,
    /// The rule as the user wrote it, for `explain` and logs.
    pub source: String,
}

/// Why a story is or is not on topic.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    /// The score alone decided (compared with the threshold).
    Score,
    /// An include rule matched (the rule's `source`).
    Include(String),
    /// An exclude rule matched; exclusion wins over everything else.
    Exclude(String),
    /// The story is one of the topic's own seed articles.
    Seed,
}

/// The outcome of scoring one story against one topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Similarity to the seed profile, in 0..=1.
    pub score: f64,
    pub on_topic: bool,
    pub reason: Reason,
}

/// One term's share of a score, for `feedloom explain`.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// The term as a reader recognises it (a surface form, not the stem).
    pub term: String,
    /// Its part of the score; the parts of all terms add up to the score.
    pub weight: f64,
}

/// A verdict with the terms that made it.
#[derive(Debug, Clone, PartialEq)]
pub struct Explanation {
    pub verdict: Verdict,
    pub threshold: f64,
    /// Largest first.
    pub top_terms: Vec<Contribution>,
}

/// Document frequencies of general text: how common each term is outside
/// the topic.
#[derive(Debug, Clone, Default)]
pub struct Background {}

impl Background {
    /// The table shipped with feedloom.
    pub fn builtin() -> Self {
        Background {}
    }
}

/// One topic's scorer.
#[derive(Debug, Clone)]
pub struct Scorer {
    threshold: f64,
    include: Vec<Rule>,
    exclude: Vec<Rule>,
}

impl Scorer {
    /// Builds the seed profile. `seeds` are the topic's seed articles.
    pub fn new(
        seeds: &[Document<'_>],
        background: &Background,
        threshold: f64,
        include: Vec<Rule>,
        exclude: Vec<Rule>,
    ) -> Self {
        let _ = (seeds, background);
        Scorer {
            threshold,
            include,
            exclude,
        }
    }

    pub fn threshold(&self) -> f64 {
        self.threshold
    }

    pub fn score(&self, doc: &Document<'_>) -> Verdict {
        self.explain(doc, 0).verdict
    }

    pub fn explain(&self, doc: &Document<'_>, top: usize) -> Explanation {
        let _ = top;
        let score = 0.0;
        let matches = |rule: &Rule| match rule.field {
            Field::Title => rule.pattern.is_match(doc.title),
            Field::Text => rule.pattern.is_match(doc.text),
            Field::Any => rule.pattern.is_match(doc.title) || rule.pattern.is_match(doc.text),
        };
        let (on_topic, reason) = if let Some(rule) = self.exclude.iter().find(|r| matches(r)) {
            (false, Reason::Exclude(rule.source.clone()))
        } else if let Some(rule) = self.include.iter().find(|r| matches(r)) {
            (true, Reason::Include(rule.source.clone()))
        } else {
            (score >= self.threshold, Reason::Score)
        };
        Explanation {
            verdict: Verdict {
                score,
                on_topic,
                reason,
            },
            threshold: self.threshold,
            top_terms: Vec::new(),
        }
    }
}

/// Default threshold of a topic that does not set one.
pub const DEFAULT_THRESHOLD: f64 = 0.2;
