//! `feedloom feeds …`: the subscriptions, as the configuration lists them
//! and the database knows them.

use std::io::Write;

use std::path::Path;

use anyhow::Context;
use chrono::{DateTime, Utc};
use clap::Subcommand;
use serde::Serialize;
use url::Url;

use crate::config::edit::{self, FeedChange, NewFeed, SelectorArg};
use crate::config::{self, Config, FetchLimits};
use crate::discover;
use crate::fetch::{self, Body, Fetched, Fetcher};
use crate::guard::{CONFIG_KEY, OVERRIDE_FLAG, Policy};
use crate::store;

use super::terminal;

#[derive(Debug, Subcommand)]
pub(super) enum FeedsCommand {
    /// List the configured feeds with what the database knows of each.
    Ls {
        /// One JSON array on stdout, for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Add a feed. The URL is fetched once first: a feed gives its title;
    /// a web page the feeds it links to.
    Add {
        url: String,
        #[arg(long)]
        title: Option<String>,
        /// Cron expression with seconds; default: the global `schedule`.
        #[arg(long)]
        schedule: Option<String>,
        #[arg(long)]
        category: Option<String>,
        /// Add it switched off.
        #[arg(long)]
        disabled: bool,
        /// Do not fetch the URL first.
        #[arg(long)]
        no_probe: bool,
        /// When the page links several feeds: the Nth (from 1).
        #[arg(long)]
        pick: Option<usize>,
        /// Allow URLs on loopback, private or link-local addresses.
        #[arg(long)]
        allow_private: bool,
    },
    /// Remove a feed (by URL or title). Its stored stories stay.
    Rm { feed: SelectorArg },
    /// Poll a feed again.
    Enable { feed: SelectorArg },
    /// Stop polling a feed; it stays listed.
    Disable { feed: SelectorArg },
    /// Change a feed's title or schedule.
    Set {
        feed: SelectorArg,
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        schedule: Option<String>,
    },
}

pub(super) fn run(
    config_path: &Path,
    config: &Config,
    command: FeedsCommand,
) -> anyhow::Result<()> {
    let edited = match command {
        FeedsCommand::Ls { json } => return list(config, json),
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
            if allow_private {
                warn_if_name_not_allowed(config, &url);
            }
            edit::add_feed(
                config_path,
                &NewFeed {
                    title: title.or(found_title),
                    schedule,
                    category,
                    enabled: !disabled,
                    ..NewFeed::new(url)
                },
            )?
        }
        FeedsCommand::Rm { feed } => edit::remove_feed(config_path, feed.as_selector())?,
        FeedsCommand::Enable { feed } => edit::set_enabled(config_path, feed.as_selector(), true)?,
        FeedsCommand::Disable { feed } => {
            edit::set_enabled(config_path, feed.as_selector(), false)?
        }
        FeedsCommand::Set {
            feed,
            title,
            schedule,
        } => {
            anyhow::ensure!(
                title.is_some() || schedule.is_some(),
                "nothing to set: give --title and/or --schedule"
            );
            edit::change_feed(
                config_path,
                feed.as_selector(),
                &FeedChange {
                    title,
                    schedule,
                    enabled: None,
                },
            )?
        }
    };
    println!("{edited}");
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
    runtime()?.block_on(async {
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

/// `--allow-private` lets the probe through, but the daemon's polls follow
/// the configuration's `[fetch] allow_private`: a literal address is trusted
/// there, a name is not, so say what the daemon will need if the name
/// resolves to a private address.
fn warn_if_name_not_allowed(config: &Config, url: &Url) {
    if let Some(url::Host::Domain(name)) = url.host()
        && !config.fetch.allow_private.allows_name(name)
    {
        eprintln!(
            "note: the daemon fetches {name} only while it resolves to public addresses; \
             if it is private, add \"{name}\" to {CONFIG_KEY}"
        );
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

fn list(config: &Config, json: bool) -> anyhow::Result<()> {
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
        write_table(&mut out, &rows).context("cannot write to stdout")?;
    }
    Ok(())
}

/// The widest each column of `feeds ls` gets, in characters: titles and
/// problems are anyone's text (a feed, an OPML file, a server's error), and
/// one long cell would widen every row. `--json` has the full values.
const WIDTHS: [usize; 8] = [60, 120, 7, 40, 40, 16, 10, 160];

/// The table `feeds ls` prints: every cell safe for a terminal and bounded
/// (see [`terminal::cell`]), columns padded to the widest cell.
fn write_table(out: &mut impl Write, rows: &[Row]) -> std::io::Result<()> {
    let when = |time: Option<DateTime<Utc>>| {
        time.map_or_else(
            || "-".to_owned(),
            |t| t.format("%Y-%m-%d %H:%M").to_string(),
        )
    };
    let table: Vec<Vec<String>> = rows
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
            .into_iter()
            .zip(WIDTHS)
            .map(|(text, max)| terminal::cell(&text, max))
            .collect::<Vec<_>>()
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
            .map(|(cell, width)| terminal::pad(cell, width))
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
