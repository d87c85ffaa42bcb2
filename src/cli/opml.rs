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
    },
}

pub(super) fn run(config_path: &Path, config: &Config, command: OpmlCommand) -> anyhow::Result<()> {
    match command {
        OpmlCommand::Export => export(config),
        OpmlCommand::Import { file } => import(config_path, &file),
    }
}

fn export(config: &Config) -> anyhow::Result<()> {
    let document = render::render_categorized(&config.topic.title, &render::from_config(config));
    let mut out = std::io::stdout().lock();
    out.write_all(document.as_bytes())
        .context("cannot write to stdout")?;
    Ok(())
}

fn import(config_path: &Path, file: &Path) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let subscriptions = crate::opml::read(&bytes)
        .with_context(|| format!("{} is not a usable OPML file", file.display()))?;
    let feeds: Vec<NewFeed> = subscriptions
        .feeds
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
        if subscriptions.invalid.is_empty() {
            String::new()
        } else {
            format!(", {} invalid", subscriptions.invalid.len())
        }
    )?;
    for added in &outcome.added {
        writeln!(out, "  {added}")?;
    }
    for skipped in &outcome.skipped {
        writeln!(out, "  {skipped}")?;
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
