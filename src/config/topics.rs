//! Validation of `[topic]` and `[[topics]]`: what each published feed is
//! about, and the rules that override the relevance score.

use std::collections::HashMap;
use std::ops::Range;

use serde_spanned::Spanned;

use super::defaults;
use super::raw::{RawRule, RawRuleTable, RawTopic};
use super::types::Topic;
use super::values::Validator;
use crate::topic::{DEFAULT_THRESHOLD, Field, Rule};

/// Longest slug: it is a path segment of every URL of its topic.
const MAX_SLUG: usize = 64;

impl Validator<'_> {
    /// Every topic, the default first: `[topic]` if present, else the first
    /// of `[[topics]]`. Slugs are unique because they name URL paths.
    pub(super) fn topics(
        &mut self,
        single: Option<Spanned<RawTopic>>,
        many: Option<Vec<Spanned<RawTopic>>>,
    ) -> Option<Vec<Topic>> {
        let many = many.unwrap_or_default();
        if single.is_none() && many.is_empty() {
            self.missing(
                0..0,
                "topic",
                "missing [topic] table (or [[topics]]); it needs at least `title`".to_owned(),
            );
            return None;
        }
        let mut out = Vec::new();
        let mut ok = true;
        // Slug -> (key, line) of its first use.
        let mut seen: HashMap<String, (String, usize)> = HashMap::new();
        let entries = single
            .map(|raw| ("topic".to_owned(), raw))
            .into_iter()
            .chain(
                many.into_iter()
                    .enumerate()
                    .map(|(i, raw)| (format!("topics[{i}]"), raw)),
            );
        for (key, raw) in entries {
            let is_single = key == "topic";
            let slug_span = raw.get_ref().slug.as_ref().map(Spanned::span);
            let span = raw.span();
            match self.topic_entry(raw.into_inner(), span.clone(), &key, is_single) {
                Some(topic) => {
                    let (line, _) = self.lines.position(slug_span.clone().unwrap_or(span).start);
                    if let Some((first, first_line)) = seen.get(&topic.slug) {
                        let message = format!(
                            "duplicate topic slug `{}`: {first} on line {first_line} uses it; slugs name each topic's URLs and must differ",
                            topic.slug
                        );
                        self.report(slug_span.unwrap_or(0..0), format!("{key}.slug"), message);
                        ok = false;
                    } else {
                        seen.insert(topic.slug.clone(), (key, line));
                        out.push(topic);
                    }
                }
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn topic_entry(
        &mut self,
        raw: RawTopic,
        span: Range<usize>,
        key: &str,
        is_single: bool,
    ) -> Option<Topic> {
        let k = |name: &str| format!("{key}.{name}");
        let table = if is_single { "[topic]" } else { "[[topics]]" };
        let slug = match &raw.slug {
            Some(slug) => self.slug(slug, &k("slug")),
            None if is_single => Some(defaults::TOPIC_SLUG.to_owned()),
            None => {
                self.missing(
                    span.clone(),
                    &k("slug"),
                    format!("missing key `slug` in {table}; it names the topic's URLs, as in /topics/SLUG/feed.atom"),
                );
                None
            }
        };
        let title = match &raw.title {
            Some(title) => self.title(title, &k("title"), "it names the published feed"),
            None => {
                self.missing(span, &k("title"), format!("missing key `title` in {table}"));
                None
            }
        };
        let seeds_default = match (&slug, is_single) {
            (Some(slug), false) => format!("{}/{slug}", defaults::SEEDS),
            _ => defaults::SEEDS.to_owned(),
        };
        let seeds = self.path(raw.seeds, &k("seeds"), &seeds_default);
        let threshold = match raw.threshold {
            None => Some(DEFAULT_THRESHOLD),
            Some(t) if (0.0..=1.0).contains(t.get_ref()) => Some(*t.get_ref()),
            Some(t) => {
                self.report(
                    t.span(),
                    k("threshold"),
                    format!(
                        "threshold {} is outside 0..=1: scores are cosine similarities; the default is {DEFAULT_THRESHOLD}",
                        t.get_ref()
                    ),
                );
                None
            }
        };
        let include = self.rules(raw.include, &k("include"));
        let exclude = self.rules(raw.exclude, &k("exclude"));
        let feeds = match raw.feeds {
            None => Some(None),
            Some(list) => {
                let mut urls = Vec::with_capacity(list.len());
                let mut ok = true;
                for (i, url) in list.iter().enumerate() {
                    match self.url(url, &format!("{key}.feeds[{i}]")) {
                        Some(url) => urls.push(url),
                        None => ok = false,
                    }
                }
                ok.then_some(Some(urls))
            }
        };
        let slug = slug?;
        Some(Topic {
            seed_prefix: if is_single {
                String::new()
            } else {
                format!("{slug}/")
            },
            slug,
            title: title?,
            seeds: seeds?,
            threshold: threshold?,
            include: include?,
            exclude: exclude?,
            feeds: feeds?,
        })
    }

    fn slug(&mut self, raw: &Spanned<String>, key: &str) -> Option<String> {
        let slug = raw.get_ref().trim();
        let valid = !slug.is_empty()
            && slug.len() <= MAX_SLUG
            && slug
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !slug.starts_with('-');
        if valid {
            Some(slug.to_owned())
        } else {
            self.report(
                raw.span(),
                key,
                format!(
                    "bad slug `{slug}`: use 1 to {MAX_SLUG} lowercase letters, digits and dashes (not first), e.g. \"central-asia\"; it is part of the topic's URLs"
                ),
            );
            None
        }
    }

    fn rules(&mut self, raw: Option<Vec<Spanned<RawRule>>>, key: &str) -> Option<Vec<Rule>> {
        let mut rules = Vec::new();
        let mut ok = true;
        for (i, raw) in raw.unwrap_or_default().into_iter().enumerate() {
            let span = raw.span();
            match self.rule(raw.into_inner(), span, &format!("{key}[{i}]")) {
                Some(rule) => rules.push(rule),
                None => ok = false,
            }
        }
        ok.then_some(rules)
    }

    fn rule(&mut self, raw: RawRule, span: Range<usize>, key: &str) -> Option<Rule> {
        let (table, field) = match raw {
            RawRule::Keyword(text) => (
                RawRuleTable {
                    keyword: Some(text),
                    regex: None,
                    field: None,
                },
                Field::Any,
            ),
            RawRule::Table(table) => {
                let field = match table.field.as_deref().map(str::trim) {
                    None | Some("any") => Field::Any,
                    Some("title") => Field::Title,
                    Some("text") => Field::Text,
                    Some(other) => {
                        self.report(
                            span,
                            format!("{key}.in"),
                            format!("`in = \"{other}\"` is not a field; use \"title\", \"text\" or \"any\""),
                        );
                        return None;
                    }
                };
                (table, field)
            }
        };
        match (table.keyword, table.regex) {
            (Some(keyword), None) if keyword.trim().is_empty() => {
                self.report(
                    span,
                    key,
                    "empty keyword; write a word or phrase such as \"CSTO\"",
                );
                None
            }
            (Some(keyword), None) => match Rule::keyword(keyword.trim(), field) {
                Ok(rule) => Some(rule),
                Err(e) => {
                    self.report(
                        span,
                        key,
                        format!("keyword `{keyword}` is too long: {}", last_line(&e)),
                    );
                    None
                }
            },
            (None, Some(regex)) => match Rule::regex(&regex, field) {
                Ok(mut rule) => {
                    rule.source = format!("/{regex}/");
                    Some(rule)
                }
                Err(e) => {
                    self.report(
                        span,
                        format!("{key}.regex"),
                        format!("bad regular expression `{regex}`: {}", last_line(&e)),
                    );
                    None
                }
            },
            (Some(_), Some(_)) => {
                self.report(
                    span,
                    key,
                    "a rule has `keyword` or `regex`, not both; write two rules",
                );
                None
            }
            (None, None) => {
                self.report(
                    span,
                    key,
                    "a rule table needs `keyword` or `regex`, e.g. { keyword = \"CSTO\", in = \"title\" }",
                );
                None
            }
        }
    }
}

/// The regex crate's message ends with its one-line summary; the lines
/// before it draw the pattern with a caret, which a one-line problem
/// cannot show.
fn last_line(error: &regex::Error) -> String {
    error
        .to_string()
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests;
