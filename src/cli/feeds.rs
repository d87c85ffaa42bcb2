//! `feedloom feeds …`: the subscriptions, as the configuration lists them
//! and the database knows them.

use std::io::Write;

use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Datelike, Utc};
use clap::Subcommand;
use serde::Serialize;
use url::Url;

use crate::config::edit::{self, FeedChange, NewFeed, OptionalKey, SelectorArg};
use crate::config::{self, Config, FetchLimits};
use crate::discover;
use crate::fetch::{self, Body, Fetched, Fetcher};
use crate::guard::{CONFIG_KEY, OVERRIDE_FLAG, Policy};
use crate::store;

use super::terminal;

#[derive(Debug, Subcommand)]
pub(super) enum FeedsCommand {
    /// List the configured feeds with what the database knows of each:
    /// category, last poll, next poll, stories, and any problem.
    Ls {
        /// One JSON array on stdout, for scripts (every value in full).
        #[arg(long)]
        json: bool,
        /// Every column (URL, schedule, enabled, problem) at full width,
        /// instead of a table that fits 100 columns.
        #[arg(long)]
        wide: bool,
    },
    /// Add a feed. The URL is fetched once first: a feed gives its title;
    /// a web page the feeds it links to.
    Add {
        /// The feed's URL, or a web page that links its feed.
        url: String,
        /// Display title (default: the title the feed gives itself).
        #[arg(long)]
        title: Option<String>,
        /// Cron expression with seconds; default: the global `schedule`.
        #[arg(long)]
        schedule: Option<String>,
        /// Group name, e.g. an OPML folder ("News / Asia"); it does not
        /// change how the feed is polled.
        #[arg(long)]
        category: Option<String>,
        /// Add it switched off.
        #[arg(long)]
        disabled: bool,
        /// Do not fetch the URL first.
        #[arg(long)]
        no_probe: bool,
        /// When the page links several feeds: the Nth (from 1).
        #[arg(long, value_name = "N")]
        pick: Option<usize>,
        /// Allow URLs on loopback, private or link-local addresses; a host
        /// name is also added to `[fetch] allow_private`, which the daemon's
        /// polls follow.
        #[arg(long)]
        allow_private: bool,
    },
    /// Remove a feed (by URL or title). Its stored stories stay.
    Rm {
        /// The feed: its URL, or its title (any letter case).
        feed: SelectorArg,
    },
    /// Poll a feed again.
    Enable {
        /// The feed: its URL, or its title (any letter case).
        feed: SelectorArg,
    },
    /// Stop polling a feed; it stays listed.
    Disable {
        /// The feed: its URL, or its title (any letter case).
        feed: SelectorArg,
    },
    /// Change a feed's title, schedule or category, or take one out so the
    /// default applies again.
    Set {
        /// The feed: its URL, or its title (any letter case).
        feed: SelectorArg,
        /// New display title.
        #[arg(long, conflicts_with = "no_title")]
        title: Option<String>,
        /// Use the title the feed gives itself again (removes `title`).
        #[arg(long)]
        no_title: bool,
        /// Poll on this cron expression (with seconds) instead of the
        /// global `schedule`.
        #[arg(long, conflicts_with = "global_schedule")]
        schedule: Option<String>,
        /// Poll on the global `schedule` again (removes the feed's own).
        #[arg(long)]
        global_schedule: bool,
        /// Put the feed in this category (a group name, e.g. an OPML folder).
        #[arg(long, conflicts_with = "no_category")]
        category: Option<String>,
        /// Take the feed out of its category.
        #[arg(long)]
        no_category: bool,
    },
}

impl FeedsCommand {
    /// Whether the command writes the configuration file.
    pub(super) fn edits(&self) -> bool {
        !matches!(self, Self::Ls { .. })
    }
}

pub(super) fn run(
    config_path: &Path,
    config: &Config,
    command: FeedsCommand,
) -> anyhow::Result<()> {
    let edited = match command {
        FeedsCommand::Ls { json, wide } => return list(config, json, wide),
        FeedsCommand::Add {
            url,
            title,
            schedule,
            category,
            disabled,
            no_probe,
            pick,
            allow_private,
        } => {
            let url = Url::parse(&url).with_context(|| format!("{url:?} is not a URL"))?;
            // Already listed: refused before any network.
            if let Some(existing) = config
                .feeds
                .iter()
                .find(|feed| config::canonical(&feed.url) == config::canonical(&url))
            {
                anyhow::bail!(
                    "{url} is already listed{}; nothing added",
                    existing
                        .title
                        .as_deref()
                        .map(|t| format!(" as '{t}'"))
                        .unwrap_or_default()
                );
            }
            // The same rule as the daemon's polls, with `--allow-private`
            // allowing everything. The probe checks the URL and every
            // redirect as it fetches (names where they resolve); without a
            // probe, only what can be told without DNS is checked here, and
            // the daemon's resolver judges the rest at every poll.
            let policy = if allow_private {
                Policy::everything()
            } else {
                config.fetch.allow_private.clone()
            };
            let (url, found_title) = if no_probe {
                policy.check_url(&url, None).with_context(|| {
                    format!("not adding {url} ({OVERRIDE_FLAG} adds it anyway)")
                })?;
                (url, None)
            } else {
                probe(config, url, pick, policy)?
            };
            // The daemon's polls follow `[fetch] allow_private`, not this
            // flag: a name not listed there goes into it with the feed, or
            // the probe would reach what every poll is then refused.
            let allow = match url.host() {
                Some(url::Host::Domain(name))
                    if allow_private && !config.fetch.allow_private.allows_name(name) =>
                {
                    Some(name.trim_end_matches('.').to_ascii_lowercase())
                }
                _ => None,
            };
            let edited = edit::add_feed_allowing(
                config_path,
                &NewFeed {
                    title: title.or(found_title),
                    schedule,
                    category,
                    enabled: !disabled,
                    ..NewFeed::new(url)
                },
                allow.as_deref(),
            )?;
            if let Some(name) = &allow {
                eprintln!("allowed private addresses for {name}: added \"{name}\" to {CONFIG_KEY}");
            }
            edited
        }
        FeedsCommand::Rm { feed } => edit::remove_feed(config_path, feed.as_selector())?,
        FeedsCommand::Enable { feed } => edit::set_enabled(config_path, feed.as_selector(), true)?,
        FeedsCommand::Disable { feed } => {
            edit::set_enabled(config_path, feed.as_selector(), false)?
        }
        FeedsCommand::Set {
            feed,
            title,
            no_title,
            schedule,
            global_schedule,
            category,
            no_category,
        } => {
            let remove: Vec<OptionalKey> = [
                (no_title, OptionalKey::Title),
                (global_schedule, OptionalKey::Schedule),
                (no_category, OptionalKey::Category),
            ]
            .into_iter()
            .filter_map(|(asked, key)| asked.then_some(key))
            .collect();
            anyhow::ensure!(
                title.is_some() || schedule.is_some() || category.is_some() || !remove.is_empty(),
                "nothing to set: give --title, --schedule or --category (or --no-title, \
                 --global-schedule, --no-category)"
            );
            edit::change_feed(
                config_path,
                feed.as_selector(),
                &FeedChange {
                    title,
                    schedule,
                    enabled: None,
                    category,
                    remove,
                },
            )?
        }
    };
    println!("{}", terminal::lines(&edited.to_string()));
    Ok(())
}

/// Fetches `url` once: a feed is added as it is, with its title; an HTML
/// page is searched for the feeds it links to. Anything else is refused
/// before the configuration is touched.
fn probe(
    config: &Config,
    url: Url,
    pick: Option<usize>,
    policy: Policy,
) -> anyhow::Result<(Url, Option<String>)> {
    let limits = FetchLimits {
        allow_private: policy,
        ..config.fetch.clone()
    };
    let fetcher = Fetcher::new(&limits).context("cannot set up the HTTP client")?;
    let timeout = humantime::format_duration(limits.timeout);
    runtime()?.block_on(async {
        eprintln!("fetching {url}… (up to {timeout})");
        let body = fetch_public(&fetcher, &url).await?;
        if !discover::looks_like_html(&body.bytes, body.content_type.as_deref()) {
            let title = read_feed(&url, &body)?;
            return Ok((url, title));
        }
        let html = String::from_utf8_lossy(&body.bytes);
        let links = discover::feed_links(&html, &body.final_url);
        let chosen = match (links.len(), pick) {
            (0, _) => anyhow::bail!("{url} is a web page that links no feed; nothing added"),
            (_, Some(n)) => links
                .get(n.wrapping_sub(1))
                .with_context(|| format!("--pick {n}: the page links {} feeds", links.len()))?,
            (1, None) => &links[0],
            (_, None) => {
                let list: Vec<String> = links
                    .iter()
                    .enumerate()
                    .map(|(i, link)| {
                        format!(
                            "  {}. {}{}",
                            i + 1,
                            link.url,
                            link.title
                                .as_deref()
                                .map(|t| format!(" ({t})"))
                                .unwrap_or_default()
                        )
                    })
                    .collect();
                anyhow::bail!(
                    "{url} links {} feeds; choose one with --pick N:\n{}",
                    links.len(),
                    list.join("\n")
                );
            }
        };
        eprintln!("fetching {}… (up to {timeout})", chosen.url);
        let feed_body = fetch_public(&fetcher, &chosen.url).await?;
        let title = read_feed(&chosen.url, &feed_body)?;
        Ok((chosen.url.clone(), title.or_else(|| chosen.title.clone())))
    })
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Fetches `url` for the probe: the URL and every redirect must lead where
/// the fetcher's policy allows (everything, with `--allow-private`).
async fn fetch_public(fetcher: &Fetcher, url: &Url) -> anyhow::Result<Body> {
    let fetched = fetcher.fetch_public(url).await;
    let refused = matches!(fetched, Err(fetch::Error::Refused(_)));
    match fetched.with_context(|| {
        let hint = if refused {
            format!(" ({OVERRIDE_FLAG} adds it anyway)")
        } else {
            String::new()
        };
        format!("cannot fetch {url}; nothing added{hint}")
    })? {
        Fetched::Body(body) => Ok(body),
        Fetched::NotModified { .. } => {
            anyhow::bail!("{url} answered 304 to a plain GET; nothing added")
        }
    }
}

/// The feed's own title, or an error saying why it is not a feed.
fn read_feed(url: &Url, body: &Body) -> anyhow::Result<Option<String>> {
    let feed = crate::parse::parse(&body.bytes, body.content_type.as_deref(), &body.final_url)
        .with_context(|| {
            format!("{url} is neither a feed nor a web page linking one; nothing added")
        })?;
    Ok(feed.title)
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
    category: Option<String>,
    stories: i64,
    consecutive_failures: u32,
    last_error: Option<String>,
    /// Where a permanent redirect moved it.
    moved_to: Option<String>,
    /// The server answered 410 Gone: not polled until the configuration changes.
    gone: bool,
}

fn list(config: &Config, json: bool, wide: bool) -> anyhow::Result<()> {
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
