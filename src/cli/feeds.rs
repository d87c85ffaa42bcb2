//! `feedloom feeds …`: the subscriptions, as the configuration lists them
//! and the database knows them.

use std::io::Write;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Subcommand;
use serde::Serialize;

use crate::config::Config;
use crate::store::Store;

#[derive(Debug, Subcommand)]
pub(super) enum FeedsCommand {
    /// List the configured feeds with what the database knows of each.
    Ls {
        /// One JSON array on stdout, for scripts.
        #[arg(long)]
        json: bool,
    },
}

pub(super) fn run(config: &Config, command: FeedsCommand) -> anyhow::Result<()> {
    match command {
        FeedsCommand::Ls { json } => list(config, json),
    }
}

/// One row of `feeds ls`.
#[derive(Debug, Serialize)]
struct Row {
    title: Option<String>,
    url: String,
    enabled: bool,
    schedule: String,
    last_status: Option<String>,
    last_fetch_at: Option<DateTime<Utc>>,
    next_fetch_at: Option<DateTime<Utc>>,
    stories: i64,
    consecutive_failures: u32,
    last_error: Option<String>,
    /// Where a permanent redirect moved it.
    moved_to: Option<String>,
    /// The server answered 410 Gone: not polled until the configuration changes.
    gone: bool,
}

fn list(config: &Config, json: bool) -> anyhow::Result<()> {
    // Listing must work before the first poll: without a database, every
    // feed is simply "never fetched".
    let store = if config.database.exists() {
        Some(Store::open_existing(&config.database)?)
    } else {
        None
    };
    let stories = match &store {
        Some(store) => store
            .stories_per_feed()
            .context("cannot count stories per feed")?,
        None => Default::default(),
    };
    let mut rows = Vec::new();
    for feed in &config.feeds {
        let record = match &store {
            Some(store) => store.feed(&feed.url).context("cannot read the feeds")?,
            None => None,
        };
        rows.push(Row {
            title: feed
                .title
                .clone()
                .or_else(|| record.as_ref().and_then(|r| r.feed_title.clone())),
            url: feed.url.to_string(),
            enabled: feed.enabled,
            schedule: feed.schedule_or(config).expression.clone(),
            last_status: record.as_ref().and_then(|r| r.last_status.clone()),
            last_fetch_at: record.as_ref().and_then(|r| r.last_fetch_at),
            next_fetch_at: record.as_ref().and_then(|r| r.next_fetch_at),
            stories: stories.get(feed.url.as_str()).copied().unwrap_or(0),
            consecutive_failures: record.as_ref().map_or(0, |r| r.consecutive_failures),
            last_error: record.as_ref().and_then(|r| r.last_error.clone()),
            moved_to: record.as_ref().and_then(|r| r.fetch_url.clone()),
            gone: record.as_ref().is_some_and(|r| r.gone),
        });
    }
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &rows).context("cannot write JSON")?;
        writeln!(out).context("cannot write to stdout")?;
    } else {
        write_table(&mut out, &rows).context("cannot write to stdout")?;
    }
    Ok(())
}

fn write_table(out: &mut impl Write, rows: &[Row]) -> std::io::Result<()> {
    let when = |time: Option<DateTime<Utc>>| {
        time.map_or_else(
            || "-".to_owned(),
            |t| t.format("%Y-%m-%d %H:%M").to_string(),
        )
    };
    let table: Vec<[String; 8]> = rows
        .iter()
        .map(|row| {
            let status = match (&row.last_status, row.gone) {
                (_, true) => "gone (410)".to_owned(),
                (Some(status), false) => status.replace('_', " "),
                (None, false) => "never fetched".to_owned(),
            };
            let mut problem = match (&row.last_error, row.consecutive_failures) {
                (Some(error), failures) => format!("{failures}× {error}"),
                (None, _) => String::new(),
            };
            if let Some(to) = &row.moved_to {
                problem = format!("moved to {to}; {problem}");
            }
            [
                row.title.clone().unwrap_or_else(|| "-".to_owned()),
                row.url.clone(),
                if row.enabled { "yes" } else { "no" }.to_owned(),
                row.schedule.clone(),
                format!("{status} {}", when(row.last_fetch_at)),
                when(row.next_fetch_at),
                row.stories.to_string(),
                problem,
            ]
        })
        .collect();
    let header = [
        "TITLE", "URL", "ENABLED", "SCHEDULE", "LAST", "NEXT", "STORIES", "PROBLEM",
    ];
    let mut widths = header.map(|h| h.chars().count());
    for row in &table {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    writeln!(out, "{}", line(header.to_vec()))?;
    for row in &table {
        writeln!(out, "{}", line(row.iter().map(String::as_str).collect()))?;
    }
    Ok(())
}
