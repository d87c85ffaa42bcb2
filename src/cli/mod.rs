//! The command line: argument parsing, logging set-up, and one function per
//! command. The stages never call into here.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};

mod feeds;
mod init;
mod logging;
mod man;
mod opml;
mod progress;
mod search;
mod seeds;
mod store_command;
mod terminal;
mod topics;

use crate::config::edit::EditError;
use crate::config::{self, Config, Database};
use crate::daemon::Role;
use crate::fetch::Fetcher;
use crate::poll::{PollSummary, Poller};
use crate::publish::{self, FeedMeta};
use crate::store::{self, SharedStore, StoryQuery};

/// Exit code for an unusable configuration (bad TOML, keys, values).
const EXIT_CONFIG: u8 = 2;
/// Exit code for any other failure (database, I/O).
const EXIT_FAILURE: u8 = 1;

#[derive(Debug, Parser)]
#[command(
    name = "feedloom",
    version,
    about = "Weaves many news feeds into one deduplicated topic feed"
)]
struct Cli {
    /// Configuration file. Without it (or FEEDLOOM_CONFIG), the first that
    /// exists of ./config/feedloom.toml,
    /// $XDG_CONFIG_HOME/feedloom/feedloom.toml (~/.config/…) and
    /// /etc/feedloom/feedloom.toml; `feedloom init` writes one.
    #[arg(long, global = true, env = config::locate::CONFIG_VAR, value_name = "PATH")]
    config: Option<PathBuf>,
    /// More log output on stderr (-v: info, -vv: debug). FEEDLOOM_LOG or
    /// RUST_LOG (tracing filter syntax) override it.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the daemon: poll on schedule, serve the merged feed over HTTP,
    /// reload on SIGHUP or file change, stop on SIGTERM/SIGINT.
    Run {
        /// What this node does; nodes sharing one database split the work
        /// (see the README, "Running several nodes").
        #[arg(long, value_enum, default_value_t = Role::All)]
        role: Role,
    },
    /// Import the seed articles, poll every enabled feed once, print a summary and exit.
    Poll,
    /// Print the stored stories, newest first.
    Export {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Json)]
        format: Format,
        /// At most this many stories (default: all).
        #[arg(long)]
        limit: Option<usize>,
        /// Only the stories this topic publishes (its slug; see `feedloom
        /// topics`). Default: every stored story, on topic or not.
        #[arg(long)]
        topic: Option<String>,
    },
    /// The feeds: list, add, remove, enable, disable, change. Edits keep
    /// every comment and the layout of the file; a running daemon follows.
    #[command(subcommand)]
    Feeds(feeds::FeedsCommand),
    /// Check the configuration: keys, types, cron, URLs, duplicates, the
    /// seeds folder, the database path. Exit 0 when clean, 2 otherwise.
    CheckConfig,
    /// The seed articles that define each topic: add one from a URL, list,
    /// remove. Adding or removing scores every story again.
    #[command(subcommand)]
    Seeds(seeds::SeedsCommand),
    /// Subscriptions as OPML.
    #[command(subcommand)]
    Opml(opml::OpmlCommand),
    /// The store as a whole: copy it to PostgreSQL.
    #[command(subcommand)]
    Store(store_command::StoreCommand),
    /// Why a story is or is not on each topic: its score, the threshold,
    /// the rule that decided, and the terms that weighed most.
    Explain {
        /// The story's id (as in its /stories/ID link), or that link.
        story: String,
        /// How many terms to show.
        #[arg(long, default_value_t = topics::DEFAULT_TERMS)]
        terms: usize,
    },
    /// Score every stored story again against the current seeds, rules and
    /// thresholds (the daemon does this by itself on reload).
    Rescore,
    /// List the topics with their feed URLs and on/off-topic counts.
    Topics,
    /// Search the stored stories' titles and text. Every word must match
    /// (English word endings and accents do not matter); "quoted words"
    /// match as a phrase; a trailing * matches a prefix (`tajik*`); any
    /// other punctuation is part of the words. Stories on the topic first,
    /// then the best matches, then the newest.
    Search {
        /// What to search for.
        #[arg(required = true, value_name = "QUERY")]
        query: Vec<String>,
        /// Whose on-topic stories come first (default: the first topic).
        #[arg(long, value_name = "SLUG")]
        topic: Option<String>,
        /// At most this many stories.
        #[arg(long, default_value_t = search::DEFAULT_LIMIT)]
        limit: usize,
    },
    /// Write a commented configuration and the bundled seed articles to a
    /// folder, refusing to overwrite anything.
    Init(init::InitArgs),
    /// Print the manual page (roff) on stdout, or write one page per
    /// command to a folder.
    Man(man::ManArgs),
    /// Print a shell's completion script on stdout.
    Completions(man::CompletionsArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Format {
    /// JSON Feed 1.1.
    Json,
}

/// Runs the command line and maps the outcome to an exit code: 0 success,
/// 2 bad configuration, 1 anything else. Errors are printed with their causes.
pub fn main() -> ExitCode {
    // SAFETY: first in `main`: nothing has called SQLite yet, and no
    // other thread exists that could.
    let sqlite_configured = unsafe { crate::memory::configure_at_start() };
    // Speed only, so not worth failing a command for; but a change that
    // initialises SQLite earlier would lose it unnoticed.
    debug_assert!(sqlite_configured, "SQLite was initialised before main");
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        // `feedloom feeds ls | head` closing the pipe early is not an error.
        Err(error)
            if error.chain().any(|cause| {
                let kind = cause
                    .downcast_ref::<std::io::Error>()
                    .map(std::io::Error::kind)
                    .or_else(|| {
                        cause
                            .downcast_ref::<serde_json::Error>()
                            .and_then(serde_json::Error::io_error_kind)
                    });
                kind == Some(std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("feedloom: {}", message(&error));
            let config_error = error
                .chain()
                .any(|cause| cause.downcast_ref::<config::Error>().is_some());
            ExitCode::from(if config_error {
                EXIT_CONFIG
            } else {
                EXIT_FAILURE
            })
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    // The commands that need no configuration.
    match cli.command {
        Command::Init(args) => return init::run(args),
        Command::Man(args) => return man::man(args),
        Command::Completions(args) => return man::completions(args),
        _ => {}
    }
    let config_path =
        config::locate::find(cli.config.as_deref(), &config::locate::UserDirs::from_env())
            .map_err(config::Error::from)?;
    if matches!(cli.command, Command::CheckConfig) {
        return check_config(&config_path);
    }
    let config = config::load(&config_path).map_err(|error| refuse_edit(&cli.command, error))?;
    // The daemon logs what it does; one-shot commands print a summary and
    // log only errors unless asked.
    let quiet_default = if matches!(cli.command, Command::Run { .. }) {
        "info"
    } else {
        "error"
    };
    logging::init(
        cli.verbose,
        config.log.as_deref(),
        config.log_format,
        quiet_default,
    )?;
    match cli.command {
        Command::Run { role } => daemon(config_path, config, role),
        Command::Poll => poll(&config),
        Command::Export {
            format,
            limit,
            topic,
        } => export(&config, format, limit, topic.as_deref()),
        Command::Feeds(command) => feeds::run(&config_path, &config, command),
        Command::Opml(command) => opml::run(&config_path, &config, command),
        Command::Seeds(command) => seeds::run(&config, command),
        Command::Store(command) => store_command::run(&config, command),
        Command::CheckConfig => check_config(&config_path),
        Command::Explain { story, terms } => {
            topics::explain(&config, &story, terms, &mut std::io::stdout().lock())
        }
        Command::Rescore => topics::rescore(&config, &mut std::io::stdout().lock()),
        Command::Topics => topics::list(&config, &mut std::io::stdout().lock()),
        Command::Search {
            query,
            topic,
            limit,
        } => search::run(
            &config,
            &query,
            topic.as_deref(),
            limit,
            &mut std::io::stdout().lock(),
        ),
        Command::Init(_) | Command::Man(_) | Command::Completions(_) => {
            unreachable!("answered above without a configuration")
        }
    }
}

fn poll(config: &Config) -> anyhow::Result<()> {
    let poller = Poller::new(open_store(&config.database)?);
    let fetcher = Fetcher::new(&config.fetch).context("cannot set up the HTTP client")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let progress = progress::PollLine::start();
    let summary = runtime
        .block_on(poller.poll_all_reporting(config, &fetcher, |report| progress.update(report)))
        .context("the poll stopped")?;
    progress.finish();
    let mut out = std::io::stdout().lock();
    print_summary(&mut out, config, &summary).context("cannot write to stdout")?;
    Ok(())
}

fn print_summary(
    out: &mut impl Write,
    config: &Config,
    summary: &PollSummary,
) -> std::io::Result<()> {
    let enabled = config.feeds.iter().filter(|feed| feed.enabled).count();
    let seeds = &summary.seeds;
    writeln!(
        out,
        "polled {enabled} feeds: {} fetched, {} unchanged, {} failed{}",
        summary.fetched,
        summary.unchanged,
        summary.failed.len(),
        if summary.retired > 0 {
            format!(", {} retired (410 Gone)", summary.retired)
        } else {
            String::new()
        }
    )?;
    writeln!(
        out,
        "stories: {} new, {} merged duplicates, {} updated",
        summary.stories.new_stories, summary.stories.merged, summary.stories.updated
    )?;
    writeln!(
        out,
        "seeds: {} imported, {} updated, {} unchanged{}",
        seeds.inserted,
        seeds.updated,
        seeds.unchanged,
        if seeds.failed.is_empty() {
            String::new()
        } else {
            format!(", {} failed", seeds.failed.len())
        }
    )?;
    let full_text = summary.full_text;
    if full_text.extracted + full_text.failed > 0 {
        writeln!(
            out,
            "full text: {} articles fetched, {} failed (teasers kept)",
            full_text.extracted, full_text.failed
        )?;
    }
    if summary.scored.scored > 0 {
        writeln!(out, "topics: {} stories scored", summary.scored.scored)?;
    }
    if summary.pruned.stories > 0 {
        writeln!(
            out,
            "retention: {} old stories deleted ({} clusters)",
            summary.pruned.stories, summary.pruned.clusters
        )?;
    }
    for failure in &summary.failed {
        match &failure.title {
            Some(title) => writeln!(
                out,
                "failed: {} ({title}): {}",
                failure.url, failure.message
            )?,
            None => writeln!(out, "failed: {}: {}", failure.url, failure.message)?,
        }
    }
    for message in &seeds.failed {
        writeln!(out, "seed failed: {message}")?;
    }
    // The words `check-config` uses for the same folder.
    for message in &seeds.folders {
        writeln!(out, "warning: {message}")?;
    }
    for (from, to) in &summary.moved {
        writeln!(
            out,
            "moved: {from} now answers at {to} (permanent redirect); update the configuration"
        )?;
    }
    for (url, warning) in &summary.warnings {
        writeln!(out, "warning: {url}: {warning}")?;
    }
    Ok(())
}

fn export(
    config: &Config,
    format: Format,
    limit: Option<usize>,
    topic: Option<&str>,
) -> anyhow::Result<()> {
    let store = store::connect_existing(&config.database)?;
    let (query, topic) = match topic {
        Some(slug) => {
            let topic = config.topic_by_slug(slug).with_context(|| {
                let known: Vec<&str> = config.topics.iter().map(|t| t.slug.as_str()).collect();
                format!("no topic `{slug}`; configured: {}", known.join(", "))
            })?;
            (StoryQuery::for_topic(config, topic, limit), topic)
        }
        None => (StoryQuery::all(limit), config.topic()),
    };
    let stories = store
        .stories(&query)
        .context("cannot read the stored stories")?;
    let site_url = config.topic_url(topic);
    let meta = FeedMeta {
        title: topic.title.clone(),
        self_url: site_url
            .join(publish::JSON_FEED_PATH)
            .context("cannot build the feed URL")?,
        root_url: config.public_url.clone(),
        site_url,
        updated: stories
            .iter()
            .map(|s| s.changed_at)
            .max()
            .unwrap_or_default(),
    };
    let document = match format {
        Format::Json => {
            publish::jsonfeed::render(&meta, &stories).context("cannot render JSON Feed")?
        }
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{document}").context("cannot write to stdout")?;
    Ok(())
}

fn check_config(path: &Path) -> anyhow::Result<()> {
    let checked = config::check(path)?;
    let config = &checked.config;
    for warning in &checked.warnings {
        eprintln!("{}:{warning}", path.display());
    }
    println!(
        "{}: OK: {} feeds ({} enabled), database {}, seeds {}{}",
        path.display(),
        config.feeds.len(),
        config.enabled_feeds().count(),
        config.database,
        config.topic().seeds.display(),
        match checked.warnings.len() {
            0 => String::new(),
            1 => " (1 warning)".to_owned(),
            n => format!(" ({n} warnings)"),
        }
    );
    Ok(())
}

fn daemon(path: PathBuf, config: Config, role: Role) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        // A burst of blocking work (a slot's polls waiting for the store, a
        // flood's reads) starts threads that tokio keeps for 10 s after
        // their last task; with a poll slot every few seconds some idle
        // thread is woken before then, so none ever left and the count
        // stayed at the highest burst's. Two seconds outlasts the gaps
        // within a burst and lets the threads go between slots.
        .thread_keep_alive(DAEMON_THREAD_KEEP_ALIVE)
        .build()
        .context("cannot start the async runtime")?;
    let result = runtime.block_on(async {
        let shutdown = crate::daemon::stop_signal()?;
        crate::daemon::run(path, config, role, None, shutdown).await
    });
    // Blocking work still running (a parse, a write waiting for the lock)
    // must not hold the exit: SQLite rolls back what did not commit.
    runtime.shutdown_timeout(std::time::Duration::from_secs(5));
    result
}

/// How long an idle blocking thread of the daemon's runtime waits for work.
const DAEMON_THREAD_KEEP_ALIVE: std::time::Duration = std::time::Duration::from_secs(2);

fn open_store(database: &Database) -> anyhow::Result<SharedStore> {
    Ok(SharedStore::new(store::connect(database)?))
}

/// An error as the CLI prints it: the message and its causes, each after
/// `: `, except that a configuration's problems (one `file:line:column`
/// a line), or any cause of several lines, start on a line of their own.
fn message(error: &anyhow::Error) -> String {
    let mut out = String::new();
    for (i, cause) in error.chain().enumerate() {
        let text = cause.to_string();
        let problems = matches!(
            cause.downcast_ref::<config::Error>(),
            Some(config::Error::Invalid { .. })
        );
        if i > 0 {
            out.push_str(if problems || text.contains('\n') {
                ":\n"
            } else {
                ": "
            });
        }
        out.push_str(&text);
    }
    out
}

/// A configuration that does not load, when the command was to edit it:
/// the edit is refused (nothing is written) until the file's problems,
/// listed as `file:line:column`, are fixed by hand.
fn refuse_edit(command: &Command, error: config::Error) -> anyhow::Error {
    let edits = match command {
        Command::Feeds(command) => command.edits(),
        Command::Opml(command) => command.edits(),
        _ => false,
    };
    if edits && matches!(error, config::Error::Invalid { .. }) {
        EditError::Config(error).into()
    } else {
        error.into()
    }
}

#[cfg(test)]
mod tests;
