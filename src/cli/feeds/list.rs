//! `feeds ls`: the configured feeds with what the database knows, as a
//! table that fits the terminal, every column (`--wide`) or JSON.

use std::io::Write;

use anyhow::Context;
use chrono::{DateTime, Datelike, Utc};
use serde::Serialize;

use crate::cli::terminal;
use crate::config::Config;
use crate::store;

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
    category: Option<String>,
    /// `full_text = true`: item links are fetched for the whole article.
    full_text: bool,
    stories: i64,
    consecutive_failures: u32,
    last_error: Option<String>,
    /// Where a permanent redirect moved it.
    moved_to: Option<String>,
    /// The server answered 410 Gone: not polled until the configuration changes.
    gone: bool,
}

pub(super) fn list(config: &Config, json: bool, wide: bool) -> anyhow::Result<()> {
    // Listing must work before the first poll: without a database, every
    // feed is simply "never fetched".
    let store = if store::exists(&config.database) {
        Some(store::connect_existing(&config.database)?)
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
            category: feed.category.clone(),
            full_text: feed.full_text,
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
        let layout = if wide {
            Layout::Wide
        } else {
            Layout::Fit(WIDTH)
        };
        write_table(&mut out, &rows, layout, Utc::now()).context("cannot write to stdout")?;
    }
    Ok(())
}

/// How wide `feeds ls` is by default, in display columns: a terminal of
/// 100 columns shows every row on one line (with a problem on a second).
const WIDTH: usize = 100;

/// The widest a column of `feeds ls` gets, in display columns: titles and
/// problems are anyone's text (a feed, an OPML file, a server's error), and
/// one long cell would widen every row. `--json` has the full values.
const MAX_TITLE: usize = 60;
const MAX_URL: usize = 120;
const MAX_CATEGORY: usize = 40;
const MAX_SCHEDULE: usize = 40;
const MAX_PROBLEM: usize = 160;

/// The narrowest a column that gives way to fit the width gets.
const MIN_TITLE: usize = 12;
const MIN_CATEGORY: usize = 8;
const MIN_URL: usize = 24;

/// The two tables `feeds ls` prints.
#[derive(Debug, Clone, Copy)]
enum Layout {
    /// Title, category, last poll, next poll, stories and URL in this many
    /// columns (title, category and URL cut to fit), and a failing feed's
    /// problem on an indented line under its row.
    Fit(usize),
    /// `--wide`: every column, each as wide as its widest cell (up to its
    /// cap), the problem in a column of its own.
    Wide,
}

/// One column: its header, its cap, and how narrow it may get to fit.
struct Column {
    header: &'static str,
    max: usize,
    /// `None`: never narrowed (dates, counts).
    min: Option<usize>,
}

/// The table `feeds ls` prints: every cell safe for a terminal and bounded
/// (see [`terminal::cell`]), columns padded to the widest cell, widths in
/// display columns.
fn write_table(
    out: &mut impl Write,
    rows: &[Row],
    layout: Layout,
    now: DateTime<Utc>,
) -> std::io::Result<()> {
    let wide = matches!(layout, Layout::Wide);
    let when = |time: Option<DateTime<Utc>>| match time {
        None => String::new(),
        Some(t) if wide => t.format("%Y-%m-%d %H:%M").to_string(),
        Some(t) if t.year() == now.year() => t.format("%-d %b %H:%M").to_string(),
        Some(t) => t.format("%-d %b %Y").to_string(),
    };
    let column = |header, max, min| Column { header, max, min };
    let columns: Vec<Column> = if wide {
        vec![
            column("TITLE", MAX_TITLE, None),
            column("URL", MAX_URL, None),
            column("CATEGORY", MAX_CATEGORY, None),
            column("ENABLED", 7, None),
            column("SCHEDULE", MAX_SCHEDULE, None),
            column("FULL TEXT", 9, None),
            column("LAST POLL", 40, None),
            column("NEXT POLL", 16, None),
            column("STORIES", 10, None),
            column("PROBLEM", MAX_PROBLEM, None),
        ]
    } else {
        vec![
            column("TITLE", MAX_TITLE, Some(MIN_TITLE)),
            column("CATEGORY", MAX_CATEGORY, Some(MIN_CATEGORY)),
            column("LAST POLL", 40, None),
            column("NEXT POLL", 16, None),
            column("STORIES", 10, None),
            column("URL", MAX_URL, Some(MIN_URL)),
        ]
    };
    // Each row's cells (uncut) and its problem.
    let table: Vec<(Vec<String>, String)> = rows
        .iter()
        .map(|row| {
            let last = match (&row.last_status, row.gone) {
                (_, true) => "gone (410)".to_owned(),
                (None, false) => "not polled yet".to_owned(),
                (Some(status), false) => {
                    let status = match status.as_str() {
                        "error" => "failed",
                        "not_modified" => "unchanged",
                        other => other,
                    };
                    format!("{status} {}", when(row.last_fetch_at))
                }
            };
            let next = if row.enabled {
                when(row.next_fetch_at)
            } else {
                "disabled".to_owned()
            };
            let mut problem = match (&row.last_error, row.consecutive_failures) {
                (Some(error), failures) => format!("{failures}× {error}"),
                (None, _) => String::new(),
            };
            if let Some(to) = &row.moved_to {
                problem = if problem.is_empty() {
                    format!("moved to {to}")
                } else {
                    format!("moved to {to}; {problem}")
                };
            }
            let title = row.title.clone().unwrap_or_else(|| "-".to_owned());
            let category = row.category.clone().unwrap_or_default();
            let cells = if wide {
                vec![
                    title,
                    row.url.clone(),
                    category,
                    if row.enabled { "yes" } else { "no" }.to_owned(),
                    row.schedule.clone(),
                    if row.full_text { "yes" } else { "no" }.to_owned(),
                    last,
                    next,
                    row.stories.to_string(),
                    problem.clone(),
                ]
            } else {
                vec![
                    title,
                    category,
                    last,
                    next,
                    row.stories.to_string(),
                    row.url.clone(),
                ]
            };
            (cells, problem)
        })
        .collect();
    let mut widths: Vec<usize> = columns.iter().map(|c| terminal::width(c.header)).collect();
    for (cells, _) in &table {
        for ((width, cell), column) in widths.iter_mut().zip(cells).zip(&columns) {
            *width = (*width).max(terminal::width(&terminal::cell(cell, column.max)));
        }
    }
    if let Layout::Fit(total) = layout {
        fit(&mut widths, &columns, total);
    }
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(cell, &width)| terminal::pad(&terminal::cell(cell, width), width))
            .collect::<Vec<_>>()
            .join(GAP)
            .trim_end()
            .to_owned()
    };
    let header: Vec<String> = columns.iter().map(|c| c.header.to_owned()).collect();
    writeln!(out, "{}", line(&header))?;
    for (cells, problem) in &table {
        writeln!(out, "{}", line(cells))?;
        if let Layout::Fit(total) = layout
            && !problem.is_empty()
        {
            let indent = "  ↳ ";
            let room = total.saturating_sub(terminal::width(indent));
            writeln!(out, "{indent}{}", terminal::cell(problem, room))?;
        }
    }
    Ok(())
}

/// What separates two columns.
const GAP: &str = "  ";

/// Narrows the columns that may give way (title, category, URL), the
/// widest first, one display column at a time, until the row fits in
/// `total` or none can give more.
fn fit(widths: &mut [usize], columns: &[Column], total: usize) {
    let gaps = GAP.len() * widths.len().saturating_sub(1);
    let mut used: usize = widths.iter().sum::<usize>() + gaps;
    while used > total {
        let widest = widths
            .iter()
            .zip(columns)
            .enumerate()
            .filter_map(|(i, (&width, column))| {
                let min = column.min?;
                (width > min).then_some((width - min, i))
            })
            .max();
        let Some((_, i)) = widest else { return };
        widths[i] -= 1;
        used -= 1;
    }
}
