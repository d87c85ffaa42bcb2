//! `feedloom check-config`: everything [`super::load`] validates, plus what
//! only the machine can answer — whether the seeds folder is there and
//! whether the database could be created — so a service is not started on a
//! configuration that parses but cannot run.
//!
//! A database that cannot be created is an error: the daemon cannot run.
//! A seeds folder that cannot be read is a warning, because the daemon and
//! `feedloom poll` run without it (they poll the feeds, and only the topic's
//! include rules can put stories on it) and say so in the same words
//! ([`seeds_problem`]).

use std::fs::{self, OpenOptions};
use std::path::{Path, PathBuf};

use toml_edit::Item;

use super::database::Database;
use super::defaults;
use super::error::{Error, Lines, Problem};
use super::types::Config;
use super::validate;

/// A configuration that can run, with what `check-config` warns about.
#[derive(Debug)]
pub struct Checked {
    pub config: Config,
    /// Problems the daemon runs with (a seeds folder it cannot read), each
    /// at its key, the message starting with `warning: `.
    pub warnings: Vec<Problem>,
}

/// Loads `path` and checks the folders it names, without creating anything
/// that stays behind (the database is not created; its folder's
/// writability is probed with a temp file that is removed at once). All
/// problems come back together in [`Error::Invalid`], each at the key it is
/// about (or the table / first line where the key was left out), the
/// warnings among them; with no problem but warnings, the configuration
/// comes back with them.
pub fn check(path: &Path) -> Result<Checked, Error> {
    let text = fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let lines = Lines::new(&text);
    let spans = Spans::of(&text);
    // The folders are checked even when other keys are wrong: every
    // problem in one run, as `load` does for the keys.
    let mut warnings = Vec::new();
    let (config, mut problems) = match validate::from_str(&text, path) {
        Ok(config) => (Some(config), Vec::new()),
        Err(Error::Invalid { problems, .. }) => (None, problems),
        Err(other) => return Err(other),
    };
    let base = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let seeds = config.as_ref().map_or_else(
        || base.join(spans.seeds_text.as_deref().unwrap_or(defaults::SEEDS)),
        |c| c.topic().seeds.clone(),
    );
    // The environment's database wins, as in `load`; a file path is
    // checked below, a PostgreSQL server is not reached from here.
    let from_env = validate::database_from_env()?;
    let database: Option<PathBuf> = match (&from_env, &config) {
        (Some(database), _) => database.sqlite_path().map(Path::to_owned),
        (None, Some(config)) => config.database.sqlite_path().map(Path::to_owned),
        (None, None) => match spans.database_text.as_deref() {
            Some(text) if Database::is_postgres_url(text) => None,
            text => Some(base.join(text.unwrap_or(defaults::DATABASE))),
        },
    };

    let (offset, defaulted) = match (spans.seeds, spans.topic) {
        (Some(offset), _) => (offset, false),
        (None, Some(offset)) => (offset, true),
        (None, None) => (0, true),
    };
    if let Some(message) = describe_seeds_problem(&seeds, defaulted) {
        warnings.push(lines.problem(
            offset,
            "topic.seeds".to_owned(),
            format!("{WARNING}{message}"),
        ));
    }
    // Every `[[topics]]` entry's folder too, when the file validated (their
    // defaults depend on the slug).
    if let Some(config) = &config {
        let first_extra = usize::from(spans.topic.is_some());
        for (i, topic) in config.topics.iter().enumerate().skip(first_extra) {
            let index = i - first_extra;
            let (offset, defaulted) = match spans.topics.get(index) {
                Some((Some(offset), _)) => (*offset, false),
                Some((None, offset)) => (*offset, true),
                None => (0, false),
            };
            if let Some(message) = describe_seeds_problem(&topic.seeds, defaulted) {
                warnings.push(lines.problem(
                    offset,
                    format!("topics[{index}].seeds"),
                    format!("{WARNING}{message}"),
                ));
            }
        }
    }
    if let Some(message) = database.as_deref().and_then(database_problem) {
        let (offset, note) = match spans.database {
            Some(offset) => (offset, String::new()),
            None => (
                0,
                " (the default; set `database` to put it elsewhere)".to_owned(),
            ),
        };
        problems.push(lines.problem(offset, "database".to_owned(), format!("{message}{note}")));
    }
    match config {
        Some(mut config) if problems.is_empty() => {
            if let Some(database) = from_env {
                config.database = database;
            }
            Ok(Checked { config, warnings })
        }
        _ => {
            problems.extend(warnings);
            problems.sort_by_key(|p| (p.line, p.column));
            Err(Error::Invalid {
                path: path.to_owned(),
                problems,
            })
        }
    }
}

/// Byte offsets of the keys the checks are about, when written.
struct Spans {
    database: Option<usize>,
    topic: Option<usize>,
    seeds: Option<usize>,
    /// Per `[[topics]]` entry: its `seeds` key, and the entry itself.
    topics: Vec<(Option<usize>, usize)>,
    /// The values as written, for when the file does not validate.
    database_text: Option<String>,
    seeds_text: Option<String>,
}

impl Spans {
    fn of(text: &str) -> Self {
        let doc = toml_edit::Document::parse(text).ok();
        let root = doc.as_ref().map(|d| d.as_table());
        let start = |item: Option<&Item>| item.and_then(Item::span).map(|s| s.start);
        let topic = root.and_then(|r| r.get("topic"));
        Self {
            database: start(root.and_then(|r| r.get("database"))),
            topic: topic
                .and_then(|t| t.as_table())
                .and_then(|t| t.span())
                .map(|s| s.start),
            seeds: start(topic.and_then(|t| t.get("seeds"))),
            topics: root
                .and_then(|r| r.get("topics"))
                .and_then(Item::as_array_of_tables)
                .map(|array| {
                    array
                        .iter()
                        .map(|t| {
                            let seeds = t.get("seeds").and_then(Item::span).map(|s| s.start);
                            (seeds, t.span().map_or(0, |s| s.start))
                        })
                        .collect()
                })
                .unwrap_or_default(),
            database_text: root
                .and_then(|r| r.get("database"))
                .and_then(Item::as_str)
                .map(str::to_owned),
            seeds_text: topic
                .and_then(|t| t.get("seeds"))
                .and_then(Item::as_str)
                .map(str::to_owned),
        }
    }
}

/// How a warning's message starts, so that it reads as one among errors.
const WARNING: &str = "warning: ";

/// What feedloom does without the seeds, said after each seeds problem.
const WITHOUT_SEEDS: &str =
    "until then feedloom polls the feeds, but only the topic's include rules can put stories on it";

/// What is wrong with a topic's seeds folder, if anything, in the words
/// `check-config`, `feedloom poll` and the daemon's log all use: a warning,
/// not an error, since feedloom runs without seeds.
pub fn seeds_problem(seeds: &Path) -> Option<String> {
    describe_seeds_problem(seeds, false)
}

/// [`seeds_problem`], the folder named "(the default)" when the
/// configuration left `seeds` out.
fn describe_seeds_problem(seeds: &Path, defaulted: bool) -> Option<String> {
    let folder = format!(
        "seeds folder {}{}",
        seeds.display(),
        if defaulted { " (the default)" } else { "" }
    );
    let problem = match fs::read_dir(seeds) {
        Ok(_) => return None,
        Err(_) if seeds.exists() && !seeds.is_dir() => {
            format!("{folder} is not a folder; point `seeds` at the folder of seed articles")
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => format!(
            "{folder} does not exist; create it and put the seed articles (.txt, .md) that define the topic in it"
        ),
        Err(e) => format!("cannot read {folder} ({e})"),
    };
    Some(format!("{problem}; {WITHOUT_SEEDS}"))
}

/// The database must be creatable (or, if it exists, writable), and its
/// folder writable: SQLite puts its `-wal` and `-shm` files beside it.
fn database_problem(database: &Path) -> Option<String> {
    match fs::metadata(database) {
        Ok(meta) if meta.is_dir() => {
            return Some(format!(
                "database {} is a folder; name a file in it, e.g. \"{}\"",
                database.display(),
                database.join("feedloom.db").display()
            ));
        }
        Ok(_) => {
            if let Err(e) = OpenOptions::new().write(true).open(database) {
                return Some(format!(
                    "database {} is not writable ({e}); feedloom writes every poll there",
                    database.display()
                ));
            }
        }
        Err(_) => {}
    }
    let folder = database.parent().unwrap_or(Path::new("."));
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    // The nearest folder that exists is where creation starts.
    let mut existing: PathBuf = folder.to_owned();
    loop {
        match fs::metadata(&existing) {
            Ok(meta) if meta.is_dir() => break,
            Ok(_) => {
                return Some(format!(
                    "{} is a file, so the database folder {} cannot be created; point `database` elsewhere",
                    existing.display(),
                    folder.display()
                ));
            }
            Err(_) => match existing.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => existing = parent.to_owned(),
                _ => {
                    existing = PathBuf::from(".");
                    break;
                }
            },
        }
    }
    let probe = existing.join(format!(".feedloom-check-{}.tmp", std::process::id()));
    match OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(file) => {
            drop(file);
            let _ = fs::remove_file(&probe);
            None
        }
        Err(e) => {
            let what = if existing == folder {
                format!("database folder {} is not writable", folder.display())
            } else {
                format!(
                    "database folder {} cannot be created: {} is not writable",
                    folder.display(),
                    existing.display()
                )
            };
            Some(format!(
                "{what} ({e}); the database and its -wal and -shm files are created there"
            ))
        }
    }
}
