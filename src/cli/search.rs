//! `feedloom search`: the stored stories matching a query, as plain text.

use std::io::Write;

use anyhow::Context;

use crate::config::Config;
use crate::store::{self, SearchHit, SearchQuery};

/// Hits shown unless `--limit` says otherwise.
pub const DEFAULT_LIMIT: usize = 10;

/// The most `--limit` allows: beyond it a listing stops being read.
const MAX_LIMIT: usize = 500;

/// Prints the stories matching `words` (joined with spaces), the topic's
/// on-topic stories first, one block per story; "no stories match" when
/// none do (not an error: exit 0).
pub fn run(
    config: &Config,
    words: &[String],
    topic: Option<&str>,
    limit: usize,
    out: &mut impl Write,
) -> anyhow::Result<()> {
    let topic = match topic {
        Some(slug) => config.topic_by_slug(slug).with_context(|| {
            let known: Vec<&str> = config.topics.iter().map(|t| t.slug.as_str()).collect();
            format!(
                "no topic has the slug `{slug}`; the topics are: {}",
                known.join(", ")
            )
        })?,
        None => config.topic(),
    };
    let limit = limit.clamp(1, MAX_LIMIT);
    let mut store = store::connect_existing(&config.database)?;
    // Stories the daemon has not indexed yet (or `feedloom poll` left for
    // a daemon that is not running) are indexed first, so the answer is
    // complete; with a daemon running this is usually nothing.
    store
        .index_all_pending()
        .context("cannot index the stories stored since the last search")?;
    // One more than shown, to know whether to say there are more.
    let hits = store
        .search(&SearchQuery {
            text: words.join(" "),
            topic: topic.slug.clone(),
            limit: limit + 1,
            offset: 0,
        })
        .context("cannot search the stored stories")?;
    if hits.is_empty() {
        writeln!(out, "no stories match")?;
        return Ok(());
    }
    for (i, hit) in hits.iter().take(limit).enumerate() {
        if i > 0 {
            writeln!(out)?;
        }
        write_hit(out, hit, &topic.slug)?;
    }
    if hits.len() > limit {
        writeln!(out)?;
        writeln!(out, "more stories match: raise --limit (now {limit})")?;
    }
    Ok(())
}

/// One hit: the title with matches in [brackets], id, date, verdict,
/// sources, and the snippet.
fn write_hit(out: &mut impl Write, hit: &SearchHit, topic: &str) -> std::io::Result<()> {
    let story = &hit.story;
    // The date every output agrees on: an undated seed has none.
    let date = story.date().map_or_else(
        || "undated".to_owned(),
        |date| date.format("%Y-%m-%d").to_string(),
    );
    let verdict = match hit.on_topic {
        Some(true) => format!("on topic ({topic})"),
        Some(false) => format!("off topic ({topic})"),
        None => "not scored yet".to_owned(),
    };
    writeln!(out, "{}", terminal_text(&hit.title.marked("[", "]")))?;
    writeln!(out, "  {}  {}  {verdict}", story.uid, date)?;
    let sources: Vec<&str> = story
        .sources
        .iter()
        .map(|s| {
            s.feed_title
                .as_deref()
                .filter(|t| !t.trim().is_empty())
                .unwrap_or(&s.feed_url)
        })
        .collect();
    if sources.is_empty() {
        writeln!(out, "  seed article")?;
    } else {
        writeln!(out, "  from {}", terminal_text(&sources.join(", ")))?;
    }
    if let Some(link) = &story.link {
        writeln!(out, "  {}", terminal_text(link))?;
    }
    let snippet = terminal_text(&hit.snippet.marked("[", "]"));
    if !snippet.is_empty() {
        writeln!(out, "  {snippet}")?;
    }
    Ok(())
}

/// Stored text made safe and compact for a terminal: control characters
/// (escape sequences a feed could plant) dropped, whitespace collapsed.
fn terminal_text(text: &str) -> String {
    text.split_whitespace()
        .map(|word| word.chars().filter(|c| !c.is_control()).collect::<String>())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
