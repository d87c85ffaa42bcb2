//! `feedloom seeds add|ls|rm`: a topic's seed articles from the command
//! line. `add` fetches a page the way `feeds add` probes one (the fetcher's
//! limits, the SSRF guard at connect time, `--allow-private`), extracts its
//! article (`article::extract`) and writes it as a seed file with front
//! matter; `add` and `rm` then score every story again, as `rescore` does.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Subcommand;
use url::Url;

use super::terminal;
use super::topics;
use crate::article::{self, Article};
use crate::config::{Config, FetchLimits, Topic};
use crate::fetch::{self, Body, Fetched, Fetcher};
use crate::guard::{OVERRIDE_FLAG, Policy};
use crate::seeds::{self, SeedArticle};

#[derive(Debug, Subcommand)]
pub enum SeedsCommand {
    /// Fetch an article, save it as a seed of a topic (front matter: title,
    /// url, author, published) and score every story again. A page that is
    /// not an article is refused and nothing is written.
    Add {
        /// The article's address.
        url: Url,
        /// Whose seed (its slug; see `feedloom topics`). Default: the first topic.
        #[arg(long, value_name = "SLUG")]
        topic: Option<String>,
        /// Fetch even if the address is private or local (loopback, LAN).
        #[arg(long)]
        allow_private: bool,
    },
    /// List the seed articles: date, words, file and title.
    Ls {
        /// Only this topic's seeds. Default: every topic's.
        #[arg(long, value_name = "SLUG")]
        topic: Option<String>,
    },
    /// Delete a seed file (by file name, path or title) and score every
    /// story again. Its story stays stored, no longer a seed.
    Rm {
        /// The seed's file name (as `seeds ls` shows it), path or title.
        seed: String,
        /// Only look among this topic's seeds.
        #[arg(long, value_name = "SLUG")]
        topic: Option<String>,
    },
}

pub(super) fn run(config: &Config, command: SeedsCommand) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match command {
        SeedsCommand::Add {
            url,
            topic,
            allow_private,
        } => {
            let topic = topic_named(config, topic.as_deref())?;
            let policy = if allow_private {
                Policy::everything()
            } else {
                config.fetch.allow_private.clone()
            };
            let body = fetch_page(config, &url, policy)?;
            let article =
                article::extract(&body.bytes, body.content_type.as_deref(), &body.final_url)
                    .context("no seed written")?;
            let (path, seed) = write_seed(topic, &body.final_url, &article)?;
            writeln!(
                out,
                "added {}: {} ({}, {} words)",
                path.display(),
                terminal::cell(&seed.title, 200),
                date_of(&seed),
                words(&seed)
            )?;
            topics::rescore(config, &mut out)
        }
        SeedsCommand::Ls { topic } => list(config, topic.as_deref(), &mut out),
        SeedsCommand::Rm { seed, topic } => {
            let (path, title) = find_seed(config, topic.as_deref(), &seed)?;
            fs::remove_file(&path)
                .with_context(|| format!("cannot remove the seed file {}", path.display()))?;
            writeln!(
                out,
                "removed {} ({})",
                path.display(),
                terminal::cell(&title, 200)
            )?;
            topics::rescore(config, &mut out)
        }
    }
}

fn topic_named<'a>(config: &'a Config, slug: Option<&str>) -> anyhow::Result<&'a Topic> {
    match slug {
        None => Ok(config.topic()),
        Some(slug) => config.topic_by_slug(slug).with_context(|| {
            let known: Vec<&str> = config.topics.iter().map(|t| t.slug.as_str()).collect();
            format!("no topic `{slug}`; configured: {}", known.join(", "))
        }),
    }
}

fn topics_named<'a>(config: &'a Config, slug: Option<&str>) -> anyhow::Result<Vec<&'a Topic>> {
    Ok(match slug {
        Some(_) => vec![topic_named(config, slug)?],
        None => config.topics.iter().collect(),
    })
}

/// One GET through the fetcher, as `feeds add` probes: every address the
/// name resolves to, and every redirect, must pass the policy.
fn fetch_page(config: &Config, url: &Url, policy: Policy) -> anyhow::Result<Body> {
    let limits = FetchLimits {
        allow_private: policy,
        ..config.fetch.clone()
    };
    let fetcher = Fetcher::new(&limits).context("cannot set up the HTTP client")?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    eprintln!(
        "fetching {url}… (up to {})",
        humantime::format_duration(limits.timeout)
    );
    let fetched = runtime.block_on(fetcher.fetch_public(url));
    let refused = matches!(fetched, Err(fetch::Error::Refused(_)));
    let body = match fetched.with_context(|| {
        let hint = if refused {
            format!(" ({OVERRIDE_FLAG} fetches it anyway)")
        } else {
            String::new()
        };
        format!("cannot fetch {url}; no seed written{hint}")
    })? {
        Fetched::Body(body) => body,
        Fetched::NotModified { .. } => {
            anyhow::bail!("{url} answered 304 to a plain GET; no seed written")
        }
    };
    if !crate::discover::looks_like_html(&body.bytes, body.content_type.as_deref()) {
        anyhow::bail!(
            "{url} is not a web page ({}); no seed written",
            body.content_type.as_deref().unwrap_or("no content type")
        );
    }
    Ok(body)
}

/// Writes the article as a new file in the topic's seeds folder, named
/// from its title and never over an existing file, after checking that the
/// seed reader reads it back (title, date, text) and that no seed of the
/// topic has this URL already.
fn write_seed(
    topic: &Topic,
    url: &Url,
    article: &Article,
) -> anyhow::Result<(PathBuf, SeedArticle)> {
    let dir = &topic.seeds;
    if dir.is_dir() {
        let existing = seeds::load_dir(dir)
            .with_context(|| format!("cannot read the seeds folder {}", dir.display()))?;
        if let Some(same) = existing
            .iter()
            .flatten()
            .find(|seed| seed.url.as_ref() == Some(url))
        {
            anyhow::bail!(
                "{url} is already a seed of topic {}: {}; no seed written",
                topic.slug,
                same.path.display()
            );
        }
    } else {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create the seeds folder {}", dir.display()))?;
    }
    let text = seed_text(url, article);
    let stem = slug(&article.title);
    for n in 1..=1000 {
        let name = if n == 1 {
            format!("{stem}.txt")
        } else {
            format!("{stem}-{n}.txt")
        };
        let path = dir.join(name);
        // Read back before writing: what the import would store.
        let seed = seeds::clean(&path, &text).with_context(|| {
            format!("the seed reader refuses the article of {url}; no seed written")
        })?;
        match fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
        {
            Ok(mut file) => {
                file.write_all(text.as_bytes())
                    .and_then(|()| file.sync_all())
                    .with_context(|| format!("cannot write the seed file {}", path.display()))?;
                return Ok((path, seed));
            }
            Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(error) => {
                return Err(error)
                    .with_context(|| format!("cannot create the seed file {}", path.display()));
            }
        }
    }
    anyhow::bail!(
        "{} already holds 1000 seeds named {stem}…; no seed written",
        dir.display()
    )
}

/// The seed file: front matter as `seeds::front_matter` reads it, then one
/// paragraph per block.
fn seed_text(url: &Url, article: &Article) -> String {
    let mut text = String::from("---\n");
    text.push_str(&format!("title: \"{}\"\n", article.title));
    text.push_str(&format!("url: {url}\n"));
    if let Some(author) = &article.byline {
        text.push_str(&format!("author: \"{author}\"\n"));
    }
    if let Some(published) = article.published {
        text.push_str(&format!(
            "published: {}\n",
            published.date_naive().format("%Y-%m-%d")
        ));
    }
    text.push_str("---\n");
    for paragraph in &article.paragraphs {
        text.push('\n');
        text.push_str(paragraph);
        text.push('\n');
    }
    text
}

/// A file name from a title: lower-case letters and digits (any script),
/// the rest one `-`, at most 60 characters.
fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
        if out.chars().count() >= 60 {
            break;
        }
    }
    let out = out.trim_end_matches('-');
    if out.is_empty() {
        "article".to_owned()
    } else {
        out.to_owned()
    }
}

fn words(seed: &SeedArticle) -> usize {
    seed.paragraphs
        .iter()
        .map(|p| p.split_whitespace().count())
        .sum()
}

fn date_of(seed: &SeedArticle) -> String {
    seed.published.map_or_else(
        || "undated".to_owned(),
        |d| d.format("%Y-%m-%d").to_string(),
    )
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn list(config: &Config, slug: Option<&str>, out: &mut impl Write) -> anyhow::Result<()> {
    for topic in topics_named(config, slug)? {
        writeln!(out, "topic {}: {}", topic.slug, topic.seeds.display())?;
        let seeds = match seeds::load_dir(&topic.seeds) {
            Ok(seeds) => seeds,
            Err(error) => {
                writeln!(out, "  {}", crate::error::error_chain(&error))?;
                continue;
            }
        };
        if seeds.is_empty() {
            writeln!(out, "  no seed articles")?;
        }
        for seed in seeds {
            match seed {
                Ok(seed) => writeln!(
                    out,
                    "  {:<10}  {:>6}  {}  {}",
                    date_of(&seed),
                    words(&seed),
                    terminal::cell(&file_name(&seed.path), 60),
                    terminal::cell(&seed.title, 100)
                )?,
                Err(error) => writeln!(
                    out,
                    "  unreadable: {}",
                    terminal::cell(&crate::error::error_chain(&error), 200)
                )?,
            }
        }
    }
    Ok(())
}

/// The one seed file `wanted` names: a file name or path in a seeds
/// folder, else a title (case does not matter). Several matches are an
/// error listing them.
fn find_seed(
    config: &Config,
    slug: Option<&str>,
    wanted: &str,
) -> anyhow::Result<(PathBuf, String)> {
    let mut found: Vec<(PathBuf, String)> = Vec::new();
    let wanted_path = Path::new(wanted);
    for topic in topics_named(config, slug)? {
        let Ok(seeds) = seeds::load_dir(&topic.seeds) else {
            continue;
        };
        for seed in seeds.into_iter().flatten() {
            let by_file = file_name(&seed.path) == wanted
                || (wanted_path.components().count() > 1
                    && fs::canonicalize(wanted_path).ok() == fs::canonicalize(&seed.path).ok());
            if by_file || seed.title.to_lowercase() == wanted.trim().to_lowercase() {
                found.push((seed.path.clone(), seed.title.clone()));
            }
        }
    }
    found.dedup_by(|a, b| a.0 == b.0);
    match found.len() {
        0 => anyhow::bail!(
            "no seed file or title `{}`; `feedloom seeds ls` lists them; nothing removed",
            terminal::cell(wanted, 200)
        ),
        1 => Ok(found.remove(0)),
        _ => {
            let list: Vec<String> = found
                .iter()
                .map(|(path, title)| {
                    format!("  {} ({})", path.display(), terminal::cell(title, 100))
                })
                .collect();
            anyhow::bail!(
                "`{}` names {} seeds; give the file instead:\n{}\nnothing removed",
                terminal::cell(wanted, 200),
                found.len(),
                list.join("\n")
            )
        }
    }
}

#[cfg(test)]
mod tests;
