//! `feedloom explain`, `feedloom rescore` and `feedloom topics`: why a story
//! is (not) published, and recomputing every verdict after a change.

use std::io::Write;

use anyhow::Context;

use crate::config::Config;
use crate::poll;
use crate::scoring;
use crate::store::{self, SharedStore, TopicVerdicts};
use crate::topic::{Document, Reason};

/// Terms shown by `explain` unless asked otherwise.
pub const DEFAULT_TERMS: usize = 10;

/// Prints every topic's verdict on one story with the terms behind it.
/// `id` is the story's public id, or a URL ending in `/stories/{id}`.
pub fn explain(
    config: &Config,
    id: &str,
    terms: usize,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let uid = id
        .trim()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default();
    let store = store::connect_existing(&config.database)?;
    let story = store
        .story_by_uid(uid)
        .context("cannot read the story")?
        .with_context(|| format!("no stored story has the id `{uid}` (ids are shown in /stories/ID links and in `feedloom export`)"))?;
    let stored = store
        .verdicts(story.id)
        .context("cannot read the story's verdicts")?;
    let topics = scoring::build(config);
    writeln!(out, "{}  {}", story.uid, story.title)?;
    for topic in topics.iter() {
        let explanation = topic.scorer.explain(
            &Document {
                title: &story.title,
                text: &story.content_text,
            },
            terms,
        );
        let verdict = &explanation.verdict;
        let label = if verdict.on_topic {
            "ON TOPIC"
        } else {
            "off topic"
        };
        let why = match &verdict.reason {
            Reason::Score if verdict.on_topic => "score reaches the threshold".to_owned(),
            Reason::Score => "score below the threshold".to_owned(),
            Reason::Seed => "one of the topic's seed articles".to_owned(),
            Reason::Include(rule) => format!("include rule {rule} matches"),
            Reason::Exclude(rule) => format!("exclude rule {rule} matches"),
        };
        writeln!(out)?;
        writeln!(
            out,
            "topic {}: {label}: score {:.3}, threshold {:.3} ({why})",
            topic.slug, explanation.verdict.score, explanation.threshold
        )?;
        match stored.iter().find(|v| v.topic == topic.slug) {
            Some(v) if v.on_topic != verdict.on_topic => writeln!(
                out,
                "  stored verdict differs ({}, score {:.3}): run `feedloom rescore`",
                if v.on_topic { "on topic" } else { "off topic" },
                v.score
            )?,
            Some(_) => {}
            None => writeln!(
                out,
                "  not scored yet: the daemon scores it shortly, or run `feedloom rescore`"
            )?,
        }
        if explanation.top_terms.is_empty() {
            writeln!(out, "  no term of the story is in the topic's profile")?;
        } else {
            writeln!(out, "  terms that contributed most:")?;
            for term in &explanation.top_terms {
                writeln!(out, "    {:>7.4}  {}", term.weight, term.term)?;
            }
        }
    }
    Ok(())
}

/// Recomputes every topic's verdict on every stored story.
pub fn rescore(config: &Config, out: &mut impl Write) -> anyhow::Result<()> {
    let store = SharedStore::new(store::connect(&config.database)?);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let summary = runtime.block_on(async {
        poll::import_all_seeds(&store, config).await?;
        let topics = scoring::build(config);
        scoring::ensure_current(&store, &topics, true).await?;
        let summary = scoring::score_pending(&store, move || topics.clone(), None, |_| {}).await?;
        anyhow::Ok(summary)
    })?;
    if summary.stale {
        anyhow::bail!(
            "the stored topics changed while rescoring (is a daemon running on another version of {}?); {} stories were rescored, run `feedloom rescore` again",
            config.path.display(),
            summary.scored
        );
    }
    writeln!(out, "rescored {} stories", summary.scored)?;
    print_counts(config, &**store.lock(), out)
}

/// Lists the topics with their URLs and counts.
pub fn list(config: &Config, out: &mut impl Write) -> anyhow::Result<()> {
    let store = store::connect_existing(&config.database)?;
    print_counts(config, &*store, out)
}

fn print_counts(
    config: &Config,
    store: &dyn TopicVerdicts,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    for (i, topic) in config.topics.iter().enumerate() {
        let (on, off) = store
            .topic_counts(&topic.slug)
            .context("cannot count the topic's stories")?;
        let path = if i == 0 {
            "feed.atom".to_owned()
        } else {
            format!("topics/{}/feed.atom", topic.slug)
        };
        let url = config
            .public_url
            .join(&path)
            .map(|u| u.to_string())
            .unwrap_or(path);
        writeln!(
            out,
            "{}: {}: {on} on topic, {off} off topic (threshold {}); {url}",
            topic.slug, topic.title, topic.threshold
        )?;
    }
    Ok(())
}
