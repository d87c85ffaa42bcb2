//! `feedloom opml …`: subscriptions in and out as OPML.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;

use crate::config::edit::{self, NewFeed, Skipped};
use crate::config::{self, Config};
use crate::guard::{OVERRIDE_FLAG, Policy};
use crate::publish::opml as render;

#[derive(Debug, Subcommand)]
pub(super) enum OpmlCommand {
    /// Print the configured feeds as OPML 2.0 (folders for categories).
    Export,
    /// Add the feeds an OPML file lists; nested folders become categories.
    /// Feeds already listed (in the configuration, or earlier in the file)
    /// are skipped and reported with the line they are on.
    Import {
        /// The OPML file (any encoding; exports of most feed readers).
        file: PathBuf,
        /// Also import feeds on loopback, private or link-local addresses.
        #[arg(long)]
        allow_private: bool,
    },
}

impl OpmlCommand {
    /// Whether the command writes the configuration file.
    pub(super) fn edits(&self) -> bool {
        matches!(self, Self::Import { .. })
    }
}

pub(super) fn run(config_path: &Path, config: &Config, command: OpmlCommand) -> anyhow::Result<()> {
    match command {
        OpmlCommand::Export => export(config),
        OpmlCommand::Import {
            file,
            allow_private,
        } => import(config_path, config, &file, allow_private),
    }
}

fn export(config: &Config) -> anyhow::Result<()> {
    let document = render::render(&config.topic().title, &render::from_config(config));
    let mut out = std::io::stdout().lock();
    out.write_all(document.as_bytes())
        .context("cannot write to stdout")?;
    Ok(())
}

/// Adds what the file lists, under the same guard as `feeds add --no-probe`
/// and the daemon ([`Policy::check_url`]): IP literals and local-only names
/// are refused unless `[fetch] allow_private` or `--allow-private` allows
/// them. Names are not resolved here (an import of hundreds of feeds should
/// not wait on hundreds of lookups); the daemon's resolver judges where
/// they lead at every poll.
fn import(
    config_path: &Path,
    config: &Config,
    file: &Path,
    allow_private: bool,
) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let subscriptions = crate::opml::read(&bytes)
        .with_context(|| format!("{} is not a usable OPML file", file.display()))?;
    let policy = if allow_private {
        Policy::everything()
    } else {
        config.fetch.allow_private.clone()
    };
    let mut local = Vec::new();
    let mut public = Vec::new();
    // A feed the file lists twice is skipped in the words used for one the
    // configuration lists already: where the first one is.
    let mut first_lines: Vec<(String, usize)> = Vec::new();
    let mut repeated = Vec::new();
    for subscription in &subscriptions.feeds {
        let key = config::canonical(&subscription.url);
        if let Some((_, line)) = first_lines.iter().find(|(k, _)| *k == key) {
            repeated.push(Skipped {
                url: subscription.url.clone(),
                reason: format!("already listed on line {line} of {}", file.display()),
            });
            continue;
        }
        first_lines.push((key, subscription.line));
        match policy.check_url(&subscription.url, None) {
            Ok(()) => public.push(subscription),
            Err(refusal) => local.push(refusal),
        }
    }
    let feeds: Vec<NewFeed> = public
        .iter()
        .map(|subscription| NewFeed {
            title: subscription.title.clone(),
            category: subscription.category.clone(),
            ..NewFeed::new(subscription.url.clone())
        })
        .collect();
    let mut outcome = edit::add_feeds(config_path, &feeds)?;
    outcome.skipped.extend(repeated);
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}{}",
        outcome,
        match (subscriptions.invalid.len(), local.len()) {
            (0, 0) => String::new(),
            (invalid, 0) => format!(", {invalid} invalid"),
            (invalid, refused) =>
                format!(", {invalid} invalid, {refused} refused (local addresses)"),
        }
    )?;
    // Titles and addresses come from the file: anyone's text.
    let safe = |text: String| super::terminal::lines(&text);
    for added in &outcome.added {
        writeln!(out, "  {}", safe(added.to_string()))?;
    }
    for skipped in &outcome.skipped {
        writeln!(out, "  {}", safe(skipped.to_string()))?;
    }
    for refusal in &local {
        writeln!(
            out,
            "  {} ({OVERRIDE_FLAG} imports it)",
            safe(refusal.to_string())
        )?;
    }
    for invalid in &subscriptions.invalid {
        writeln!(
            out,
            "  invalid: {}:{}: {}{}",
            file.display(),
            invalid.line,
            invalid.reason,
            invalid
                .text
                .as_deref()
                .map(|text| format!(" ('{}')", super::terminal::cell(text, 80)))
                .unwrap_or_default()
        )?;
    }
    Ok(())
}
