//! `feedloom opml …`: subscriptions in and out as OPML.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;

use crate::config::Config;
use crate::config::edit::{self, NewFeed};
use crate::publish::opml as render;

#[derive(Debug, Subcommand)]
pub(super) enum OpmlCommand {
    /// Print the configured feeds as OPML 2.0 (folders for categories).
    Export,
    /// Add the feeds an OPML file lists; nested folders become categories.
    /// Feeds already listed are skipped.
    Import {
        /// The OPML file.
        file: PathBuf,
        /// Also import feeds on loopback, private or link-local addresses.
        #[arg(long)]
        allow_private: bool,
    },
}

pub(super) fn run(config_path: &Path, config: &Config, command: OpmlCommand) -> anyhow::Result<()> {
    match command {
        OpmlCommand::Export => export(config),
        OpmlCommand::Import {
            file,
            allow_private,
        } => import(config_path, &file, allow_private),
    }
}

fn export(config: &Config) -> anyhow::Result<()> {
    let document = render::render(&config.topic().title, &render::from_config(config));
    let mut out = std::io::stdout().lock();
    out.write_all(document.as_bytes())
        .context("cannot write to stdout")?;
    Ok(())
}

/// Whether `url` names a local address outright (an IP literal or
/// `localhost`). Names are not resolved here: an import of hundreds of feeds
/// should not wait on hundreds of lookups; the daemon fetches what the
/// configuration lists.
fn names_local_address(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => !crate::guard::is_public(ip.into()),
        Some(url::Host::Ipv6(ip)) => !crate::guard::is_public(ip.into()),
        Some(url::Host::Domain(name)) => {
            name.eq_ignore_ascii_case("localhost")
                || name.to_ascii_lowercase().ends_with(".localhost")
        }
        None => true,
    }
}

fn import(config_path: &Path, file: &Path, allow_private: bool) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let subscriptions = crate::opml::read(&bytes)
        .with_context(|| format!("{} is not a usable OPML file", file.display()))?;
    let (local, public): (Vec<_>, Vec<_>) = subscriptions
        .feeds
        .iter()
        .partition(|subscription| !allow_private && names_local_address(&subscription.url));
    let feeds: Vec<NewFeed> = public
        .iter()
        .map(|subscription| NewFeed {
            title: subscription.title.clone(),
            category: subscription.category.clone(),
            ..NewFeed::new(subscription.url.clone())
        })
        .collect();
    let outcome = edit::add_feeds(config_path, &feeds)?;
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
    for added in &outcome.added {
        writeln!(out, "  {added}")?;
    }
    for skipped in &outcome.skipped {
        writeln!(out, "  {skipped}")?;
    }
    for refused in &local {
        writeln!(
            out,
            "  refused: {} is a local address (--allow-private imports it)",
            refused.url
        )?;
    }
    for invalid in &subscriptions.invalid {
        writeln!(
            out,
            "  invalid: {}:{}: {}",
            file.display(),
            invalid.line,
            invalid.reason
        )?;
    }
    Ok(())
}
