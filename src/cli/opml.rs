//! `feedloom opml …`: subscriptions in and out as OPML.

use std::io::Write;

use anyhow::Context;
use clap::Subcommand;

use crate::config::Config;
use crate::publish::opml::{self, Outline};

#[derive(Debug, Subcommand)]
pub(super) enum OpmlCommand {
    /// Print the configured feeds as OPML 2.0.
    Export,
}

pub(super) fn run(config: &Config, command: OpmlCommand) -> anyhow::Result<()> {
    match command {
        OpmlCommand::Export => export(config),
    }
}

/// The configured feeds as OPML outlines (also what `/opml` serves).
pub(crate) fn outlines(config: &Config) -> Vec<Outline> {
    config
        .feeds
        .iter()
        .map(|feed| Outline {
            title: feed.title.clone(),
            xml_url: feed.url.to_string(),
            html_url: None,
        })
        .collect()
}

fn export(config: &Config) -> anyhow::Result<()> {
    let document = opml::render(&config.topic.title, &outlines(config));
    let mut out = std::io::stdout().lock();
    out.write_all(document.as_bytes())
        .context("cannot write to stdout")?;
    Ok(())
}
