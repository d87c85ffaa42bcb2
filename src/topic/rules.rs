//! Include and exclude rules: keywords and regular expressions over the
//! title, the text or either.

use regex::{Regex, RegexBuilder};

use super::document::Document;

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

/// Compiled rules may not grow past this (a user's pattern, not ours).
const SIZE_LIMIT: usize = 1 << 20;

impl Rule {
    /// A keyword or phrase, matched case-insensitively as whole words:
    /// "SCO" matches "the SCO summit" but not "score"; the words of a phrase
    /// may be separated by any whitespace. Fails only for an absurdly long
    /// keyword (the compiled pattern's size limit).
    pub fn keyword(keyword: &str, field: Field) -> Result<Rule, regex::Error> {
        let words: Vec<String> = keyword.split_whitespace().map(regex::escape).collect();
        let body = words.join(r"\s+");
        let trimmed = keyword.trim();
        // \b only where the keyword starts or ends with a word character, so
        // "C++" or ".NET" still match.
        let word_char = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        let start = if word_char(trimmed.chars().next()) {
            r"\b"
        } else {
            ""
        };
        let end = if word_char(trimmed.chars().last()) {
            r"\b"
        } else {
            ""
        };
        let pattern = RegexBuilder::new(&format!("{start}(?:{body}){end}"))
            .case_insensitive(true)
            .size_limit(SIZE_LIMIT)
            .build()?;
        Ok(Rule {
            pattern,
            field,
            source: keyword.to_owned(),
        })
    }

    /// A regular expression, used as written (add `(?i)` for case-insensitive
    /// matching).
    pub fn regex(pattern: &str, field: Field) -> Result<Rule, regex::Error> {
        let compiled: Regex = RegexBuilder::new(pattern).size_limit(SIZE_LIMIT).build()?;
        Ok(Rule {
            pattern: compiled,
            field,
            source: pattern.to_owned(),
        })
    }

    /// Whether the rule matches the document's field.
    pub fn matches(&self, doc: &Document<'_>) -> bool {
        match self.field {
            Field::Title => self.pattern.is_match(doc.title),
            Field::Text => self.pattern.is_match(doc.text),
            Field::Any => self.pattern.is_match(doc.title) || self.pattern.is_match(doc.text),
        }
    }
}

/// The first rule that matches, if any.
pub(crate) fn first_match<'r>(rules: &'r [Rule], doc: &Document<'_>) -> Option<&'r Rule> {
    rules.iter().find(|r| r.matches(doc))
}

#[cfg(test)]
mod tests;
