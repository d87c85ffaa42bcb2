//! `feedloom feeds …`: the subscriptions, as the configuration lists them
//! and the database knows them.

use std::path::Path;

use anyhow::Context;
use clap::Subcommand;
use url::Url;

use crate::config::edit::{self, FeedChange, NewFeed, OptionalKey, SelectorArg};
use crate::config::{self, Config, FetchLimits};
use crate::discover;
use crate::fetch::{self, Body, Fetched, Fetcher};
use crate::guard::{CONFIG_KEY, OVERRIDE_FLAG, Policy};

use super::terminal;

mod list;
use list::list;

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
    /// Change a feed's title, schedule, category or full-text fetching, or
    /// take one out so the default applies again.
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
        /// Fetch each new item's link and store the whole article instead
        /// of the feed's teaser (`full_text = true`).
        #[arg(long, conflicts_with = "no_full_text")]
        full_text: bool,
        /// Store the feed's own text again (removes `full_text`).
        #[arg(long)]
        no_full_text: bool,
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
            full_text,
            no_full_text,
        } => {
            let remove: Vec<OptionalKey> = [
                (no_title, OptionalKey::Title),
                (global_schedule, OptionalKey::Schedule),
                (no_category, OptionalKey::Category),
            ]
            .into_iter()
            .filter_map(|(asked, key)| asked.then_some(key))
            .collect();
            let full_text = match (full_text, no_full_text) {
                (true, _) => Some(true),
                (_, true) => Some(false),
                _ => None,
            };
            anyhow::ensure!(
                title.is_some()
                    || schedule.is_some()
                    || category.is_some()
                    || full_text.is_some()
                    || !remove.is_empty(),
                "nothing to set: give --title, --schedule, --category or --full-text (or \
                 --no-title, --global-schedule, --no-category, --no-full-text)"
            );
            edit::change_feed(
                config_path,
                feed.as_selector(),
                &FeedChange {
                    title,
                    schedule,
                    enabled: None,
                    category,
                    full_text,
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
