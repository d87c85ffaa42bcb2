//! `feedloom man` and `feedloom completions`: the manual pages and the
//! shell completion scripts, generated from the same clap definition as
//! `--help`, so they never disagree with the binary. The Debian package
//! ships what these print (packaging/build-deb).

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::Cli;

#[derive(Debug, Args)]
pub(super) struct ManArgs {
    /// Write feedloom.1 and one page per command (feedloom-feeds-add.1…)
    /// into this folder (created if missing) instead of printing
    /// feedloom.1.
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub(super) struct CompletionsArgs {
    /// The shell the script is for.
    shell: Shell,
}

/// The command tree as the pages show it: `feedloom help` is `--help`
/// there, not a page of its own.
fn command() -> clap::Command {
    let mut command = Cli::command().disable_help_subcommand(true);
    command.build();
    command
}

pub(super) fn man(args: ManArgs) -> anyhow::Result<()> {
    let command = command();
    match args.dir {
        None => {
            let page = render(&command)?;
            std::io::stdout()
                .lock()
                .write_all(&page)
                .context("cannot write to stdout")
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            let written = write_pages(&command, &dir)?;
            println!("wrote {written} manual pages to {}", dir.display());
            Ok(())
        }
    }
}

/// One page in roff.
fn render(command: &clap::Command) -> anyhow::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(command.clone())
        .render(&mut page)
        .with_context(|| format!("cannot render the page of {}", command.get_name()))?;
    Ok(page)
}

/// Writes `command`'s page and its subcommands', recursively; returns how
/// many.
fn write_pages(command: &clap::Command, dir: &Path) -> anyhow::Result<usize> {
    let mut written = 0;
    for sub in command.get_subcommands().filter(|s| !s.is_hide_set()) {
        written += write_pages(sub, dir)?;
    }
    let man = clap_mangen::Man::new(command.clone());
    let path = dir.join(man.get_filename());
    std::fs::write(&path, render(command)?)
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(written + 1)
}

pub(super) fn completions(args: CompletionsArgs) -> anyhow::Result<()> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "feedloom", &mut script);
    std::io::stdout()
        .lock()
        .write_all(&script)
        .context("cannot write to stdout")
}
