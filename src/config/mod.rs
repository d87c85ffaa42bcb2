//! Configuration: the TOML file feedloom runs on, loaded and validated once so
//! nothing downstream re-checks it.
//!
//! Two layers. `raw` deserializes the file with serde, keeping spans and
//! rejecting unknown keys; this module then turns the raw values into their
//! final types (URLs, cron schedules, socket addresses, durations, byte
//! counts), collecting every problem with its line:column and key path so one
//! run shows everything that needs fixing.

mod check;
pub mod edit;
#[cfg(test)]
mod edit_tests;
mod raw;
#[cfg(test)]
mod tests;
mod topics;
#[cfg(test)]
mod topics_tests;

pub use check::check;

use std::collections::HashMap;
use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use serde_spanned::Spanned;
use url::Url;

use raw::{
    Count, DurationText, RawConfig, RawFeed, RawFetch, RawRetention, RawScheduler, RawServer,
    RawSize,
};

/// Values used when a key is left out. Together with [`FetchLimits::default`],
/// [`SchedulerConfig::default`] and [`ServerConfig::default`] these are the
/// only defaults; the example file documents them.
pub mod defaults {
    use std::net::SocketAddr;

    /// Relative to the config file's folder.
    pub const DATABASE: &str = "data/feedloom.db";
    /// Loopback only: the published feed is not exposed unless asked for.
    pub const LISTEN: &str = "127.0.0.1:8080";
    /// Every 15 minutes: fresh enough for news, polite to publishers.
    pub const SCHEDULE: &str = "0 */15 * * * *";
    /// Relative to the config file's folder. A `[[topics]]` entry's default
    /// is this folder's subfolder named after its slug.
    pub const SEEDS: &str = "seeds";
    /// The slug of the `[topic]` table: it is also served at
    /// `/topics/main/`.
    pub const TOPIC_SLUG: &str = "main";
    /// Feeds are polled unless switched off.
    pub const ENABLED: bool = true;

    /// `public_url` when the key is left out: the listen address itself,
    /// which is right for a local or directly exposed server. An unspecified
    /// address (`0.0.0.0`, `[::]`) is not something a reader can fetch, so
    /// links then point at `localhost` on the same port; behind a proxy or
    /// on another machine the key must be set.
    pub fn public_url(listen: SocketAddr) -> String {
        if listen.ip().is_unspecified() {
            format!("http://localhost:{}/", listen.port())
        } else {
            format!("http://{listen}/")
        }
    }
}

/// The format of a cron expression, quoted in error messages because the
/// seconds field trips up people used to five-field crontab.
pub const CRON_FORMAT: &str = "sec min hour day-of-month month day-of-week [year]";

/// The validated configuration: every field has its final type, so nothing
/// downstream re-checks it.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file this was loaded from.
    pub path: PathBuf,
    /// SQLite database file, resolved against the config file's folder.
    pub database: PathBuf,
    /// Where the published feed is served; an address, not a host name, so
    /// binding never depends on DNS.
    pub listen: SocketAddr,
    /// Default schedule for every feed.
    pub schedule: Schedule,
    /// What the published feeds are about: `[topic]` and `[[topics]]`, the
    /// default first (see [`Config::topic`]). Never empty.
    pub topics: Vec<Topic>,
    /// The `[fetch]` table, defaults filled in.
    pub fetch: FetchLimits,
    /// In file order, disabled ones included (see [`Config::enabled_feeds`]).
    pub feeds: Vec<FeedConfig>,
    /// Absolute base URL of the published site, ending in `/`: what links
    /// in the served feeds start with. Default: `http://{listen}/`.
    pub public_url: Url,
    /// Log filter in tracing's syntax (`log = "info"`); RUST_LOG wins.
    pub log: Option<String>,
    /// The `[scheduler]` table, defaults filled in.
    pub scheduler: SchedulerConfig,
    /// The `[server]` table, defaults filled in.
    pub server: ServerConfig,
    /// The `[retention]` table, defaults filled in.
    pub retention: Retention,
}

/// `[retention]`: how long stories are kept, in days after a feed last
/// carried them (`None`: forever). Pruning works on whole near-duplicate
/// clusters and never touches seeds; see `store::retention`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Clusters with a member on some topic. Default: forever, since they
    /// are what the instance publishes and searches.
    pub on_topic_days: Option<u32>,
    /// Clusters on no topic. Default 30: long enough to rescore them after
    /// a change of seeds or rules, short enough that what the topic does
    /// not want stops growing the database.
    pub off_topic_days: Option<u32>,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            on_topic_days: None,
            off_topic_days: Some(30),
        }
    }
}

impl Retention {
    /// The two cutoffs for [`crate::store::Prune::prune_batch`] at `now`.
    pub fn cutoffs(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> (
        Option<chrono::DateTime<chrono::Utc>>,
        Option<chrono::DateTime<chrono::Utc>>,
    ) {
        let before = |days: Option<u32>| days.map(|d| now - chrono::Duration::days(i64::from(d)));
        (before(self.on_topic_days), before(self.off_topic_days))
    }
}

/// `[scheduler]`: how polls are spread and retried.
#[derive(Debug, Clone, PartialEq)]
pub struct SchedulerConfig {
    /// Each poll fires up to this much after its cron time (deterministic
    /// per feed), so that many feeds on one schedule do not fire in the same
    /// second. Default 30 s.
    pub jitter: Duration,
    /// First retry delay after a failure; doubles per consecutive failure.
    /// Default 1 min.
    pub backoff_base: Duration,
    /// Retry delays never exceed this. Default 6 h.
    pub backoff_max: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            jitter: Duration::from_secs(30),
            backoff_base: Duration::from_secs(60),
            backoff_max: Duration::from_secs(6 * 3600),
        }
    }
}

/// `[server]`: what the HTTP server hands out.
#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    /// Entries per feed document without `?limit=`. Default 50.
    pub feed_items: usize,
    /// The largest `?limit=` honoured. Default 500.
    pub max_items: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            feed_items: 50,
            max_items: 500,
        }
    }
}

impl Config {
    /// The default topic: `[topic]`, else the first of `[[topics]]`. It is
    /// the one served at `/feed.atom` and friends.
    pub fn topic(&self) -> &Topic {
        &self.topics[0]
    }

    /// The topic with this slug.
    pub fn topic_by_slug(&self, slug: &str) -> Option<&Topic> {
        self.topics.iter().find(|t| t.slug == slug)
    }

    /// The URL a topic's river is at; its feeds are below it. The default
    /// topic is at the root, the others at `topics/{slug}/`.
    pub fn topic_url(&self, topic: &Topic) -> Url {
        let is_default = self.topics.first().is_some_and(|t| t.slug == topic.slug);
        if is_default {
            return self.public_url.clone();
        }
        self.public_url
            .join(&format!("topics/{}/", topic.slug))
            .unwrap_or_else(|_| self.public_url.clone())
    }

    /// The feeds to poll; disabled feeds stay in `feeds` so they can be listed.
    pub fn enabled_feeds(&self) -> impl Iterator<Item = &FeedConfig> {
        self.feeds.iter().filter(|f| f.enabled)
    }
}

/// A cron schedule with its source text (for display and round-trips).
#[derive(Debug, Clone)]
pub struct Schedule {
    /// As written, so logs and pages show what the user wrote.
    pub expression: String,
    /// Parsed once here, so the poller cannot meet a bad expression.
    pub cron: cron::Schedule,
}

impl FromStr for Schedule {
    type Err = cron::error::Error;

    /// Keeps the text as written, so logs and pages show what the user wrote.
    fn from_str(expression: &str) -> Result<Self, Self::Err> {
        let cron = expression.parse()?;
        Ok(Self {
            expression: expression.to_owned(),
            cron,
        })
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.expression)
    }
}

/// What one published feed is about: seed articles define the topic, rules
/// override the score, the title names the feed.
#[derive(Debug, Clone)]
pub struct Topic {
    /// Names the topic's URLs (`/topics/{slug}/feed.atom`): lowercase
    /// letters, digits, dashes. `[topic]` defaults to "main".
    pub slug: String,
    /// Trimmed and never empty: it titles the published feed.
    pub title: String,
    /// Seeds folder, resolved against the config file's folder.
    pub seeds: PathBuf,
    /// Score (cosine similarity to the seeds, 0..=1) a story needs.
    pub threshold: f64,
    /// A story matching any of these is on topic whatever its score.
    pub include: Vec<crate::topic::Rule>,
    /// A story matching any of these is off topic; exclusion wins.
    pub exclude: Vec<crate::topic::Rule>,
    /// What the keys of this topic's seeds start with in the store: nothing
    /// for `[topic]` (seeds keyed by file name, as before topics existed),
    /// `"{slug}/"` for a `[[topics]]` entry, so that two folders may hold
    /// files of the same name and reordering topics renames nothing.
    pub seed_prefix: String,
    /// Only stories carried by these feeds (and its own seeds) can be on topic;
    /// `None` means every feed. A URL that is not among `[[feeds]]` matches
    /// nothing, so removing a feed never invalidates the file.
    pub feeds: Option<Vec<Url>>,
}

impl Topic {
    /// Whether a story seen in the feed at `url` may belong to this topic.
    pub fn admits_feed(&self, url: &Url) -> bool {
        self.feeds.as_ref().is_none_or(|feeds| {
            let wanted = canonical(url);
            feeds.iter().any(|f| canonical(f) == wanted)
        })
    }
}

/// `[fetch]` table: limits of the HTTP fetcher.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchLimits {
    /// Whole request, headers to last body byte. Default 30 s.
    pub timeout: Duration,
    /// TCP+TLS connect. Default 10 s.
    pub connect_timeout: Duration,
    /// Body cap in bytes, enforced on the decompressed body. Default 10 MiB.
    pub max_body_bytes: u64,
    /// Requests in flight over all feeds. Default 16.
    pub concurrency: usize,
    /// Requests in flight per host. Default 2.
    pub per_host: usize,
    /// Redirects followed. Default 5.
    pub max_redirects: usize,
}

impl Default for FetchLimits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_body_bytes: 10 * 1024 * 1024,
            concurrency: 16,
            per_host: 2,
            max_redirects: 5,
        }
    }
}

/// One `[[feeds]]` entry.
#[derive(Debug, Clone)]
pub struct FeedConfig {
    /// Always http or https.
    pub url: Url,
    /// Overrides the title the feed gives itself; never empty.
    pub title: Option<String>,
    /// Per-feed override of `Config::schedule`.
    pub schedule: Option<Schedule>,
    /// `false` keeps a feed listed (and its stored items) without polling it.
    pub enabled: bool,
    /// Free-form group name (an OPML outline folder, say); trimmed, never
    /// empty. Only listed and exported: it changes nothing about polling.
    pub category: Option<String>,
}

impl FeedConfig {
    /// The schedule this feed actually runs on, so callers cannot forget the
    /// fallback to the global one.
    pub fn schedule_or<'a>(&'a self, config: &'a Config) -> &'a Schedule {
        self.schedule.as_ref().unwrap_or(&config.schedule)
    }
}

/// Every way a configuration can be unusable; each names the file and, where
/// it is about the text, line:column and the key.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The file could not be read at all (missing, permissions, not UTF-8).
    #[error("cannot read config file {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// One or more problems in the text; Display prints one per line as
    /// `path:line:column: key: message`.
    #[error("{}", problems.iter().map(|p| format!("{}:{p}", path.display())).collect::<Vec<_>>().join("\n"))]
    Invalid {
        path: PathBuf,
        problems: Vec<Problem>,
    },
}

/// One problem found in a configuration file (1-based position).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    /// Counted in characters, not bytes, so it matches what editors show.
    pub column: usize,
    /// Dotted key path, e.g. `feeds[2].schedule` (array indices from 0).
    pub key: String,
    /// What is wrong and, where useful, a hint.
    pub message: String,
}

impl fmt::Display for Problem {
    /// `line:column: key: message`, the tail of the compiler-style line that
    /// editors and terminals turn into a jump target.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.line, self.column, self.key, self.message
        )
    }
}

/// Loads and validates the file at `path`.
pub fn load(path: &Path) -> Result<Config, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    from_str(&text, path)
}

/// Validates `text` as if it were the file at `path` (relative paths resolve
/// against `path`'s folder; nothing is read from disk).
pub fn from_str(text: &str, path: &Path) -> Result<Config, Error> {
    let lines = Lines::new(text);
    let invalid = |mut problems: Vec<Problem>| {
        problems.sort_by_key(|p| (p.line, p.column));
        Error::Invalid {
            path: path.to_owned(),
            problems,
        }
    };
    let parsed = raw::parse(text, &lines).map_err(invalid)?;
    let mut v = Validator {
        lines: &lines,
        base: path.parent().unwrap_or(Path::new("")),
        problems: parsed.problems,
        failed: parsed.failed,
    };
    let config = v.config(parsed.raw, path);
    match config {
        Some(config) if v.problems.is_empty() => Ok(config),
        _ => {
            // `None` without a problem means a built-in default failed to
            // parse; never hand back an `Invalid` that lists nothing.
            if v.problems.is_empty() {
                v.problems.push(Problem {
                    line: 1,
                    column: 1,
                    key: "(defaults)".to_owned(),
                    message: "internal error: a built-in default is invalid".to_owned(),
                });
            }
            Err(invalid(v.problems))
        }
    }
}

/// Byte offsets to 1-based line:column.
pub(crate) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { text, starts }
    }

    /// 1-based (line, column); offsets past the end or inside a character
    /// are clamped rather than trusted.
    fn position(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(offset - start, |s| s.chars().count())
            + 1;
        (line, column)
    }

    fn problem(&self, offset: usize, key: String, message: String) -> Problem {
        let (line, column) = self.position(offset);
        Problem {
            line,
            column,
            key,
            message,
        }
    }
}

/// Second layer: raw values to final types, collecting problems.
struct Validator<'a> {
    lines: &'a Lines<'a>,
    base: &'a Path,
    problems: Vec<Problem>,
    /// Keys the first layer already complained about.
    failed: std::collections::HashSet<String>,
}

impl Validator<'_> {
    fn report(&mut self, span: Range<usize>, key: impl Into<String>, message: impl Into<String>) {
        let problem = self.lines.problem(span.start, key.into(), message.into());
        self.problems.push(problem);
    }

    /// Reports a missing required key unless the first layer already reported
    /// that key (then it is "wrong", not "missing").
    fn missing(&mut self, span: Range<usize>, key: &str, message: String) {
        if !self.failed.contains(key) {
            self.report(span, key, message);
        }
    }

    /// `None` if anything was wrong; the problems say what.
    fn config(&mut self, raw: RawConfig, path: &Path) -> Option<Config> {
        let database = self.path(raw.database, "database", defaults::DATABASE);
        let listen = self.listen(raw.listen);
        let schedule = match raw.schedule {
            Some(s) => self.schedule(&s, "schedule"),
            None => defaults::SCHEDULE.parse().ok(),
        };
        let public_url = self.public_url(raw.public_url, listen);
        let log = self.log(raw.log);
        let topics = self.topics(raw.topic, raw.topics);
        let fetch = self.fetch(raw.fetch);
        let scheduler = self.scheduler(raw.scheduler);
        let server = self.server(raw.server);
        let retention = self.retention(raw.retention);
        let feeds = self.feeds(raw.feeds);
        Some(Config {
            path: path.to_owned(),
            database: database?,
            public_url: public_url?,
            listen: listen?,
            schedule: schedule?,
            topics: topics?,
            fetch: fetch?,
            feeds: feeds?,
            log: log?,
            scheduler: scheduler?,
            server: server?,
            retention: retention?,
        })
    }

    /// The base of every published link. A trailing `/` is added because
    /// links are made with [`Url::join`], which would otherwise replace the
    /// last path segment (`/loom` + `feed.xml` = `/feed.xml`). Query and
    /// fragment are refused: joining drops them, so they could only
    /// mislead. Without the key, derived from `listen` (which must then be
    /// valid; if it is not, that is already reported).
    fn public_url(
        &mut self,
        raw: Option<Spanned<String>>,
        listen: Option<SocketAddr>,
    ) -> Option<Url> {
        let Some(raw) = raw else {
            let text = defaults::public_url(listen?);
            return match Url::parse(&text) {
                Ok(url) => Some(url),
                Err(e) => {
                    // Only reachable through a listen address that prints
                    // as something `url` refuses; say so instead of
                    // failing silently.
                    self.report(
                        0..0,
                        "public_url",
                        format!("cannot derive a public URL from `listen` ({text}: {e}); set `public_url`"),
                    );
                    None
                }
            };
        };
        let text = raw.get_ref().trim();
        let mut url = match Url::parse(text) {
            Ok(url) => url,
            Err(e) => {
                self.report(
                    raw.span(),
                    "public_url",
                    format!("bad URL `{text}`: {e}; write an absolute URL such as \"https://news.example.org/loom/\""),
                );
                return None;
            }
        };
        let problem = if !matches!(url.scheme(), "http" | "https") {
            Some(format!(
                "unsupported scheme `{}` in `{text}`; the public URL must start with http:// or https://",
                url.scheme()
            ))
        } else if url.query().is_some() {
            Some(format!(
                "`{text}` has a query (`?…`); links are built by joining paths to the public URL, which drops it"
            ))
        } else if url.fragment().is_some() {
            Some(format!(
                "`{text}` has a fragment (`#…`); links are built by joining paths to the public URL, which drops it"
            ))
        } else if !url.username().is_empty() || url.password().is_some() {
            Some(format!(
                "`{text}` contains credentials; they would be published in every link"
            ))
        } else {
            None
        };
        if let Some(message) = problem {
            self.report(raw.span(), "public_url", message);
            return None;
        }
        if !url.path().ends_with('/') {
            let path = format!("{}/", url.path());
            url.set_path(&path);
        }
        Some(url)
    }

    /// A tracing filter, checked here so a typo is a config error with a
    /// position rather than a daemon that silently logs nothing. `Some(None)`
    /// means the key is absent.
    fn log(&mut self, raw: Option<Spanned<String>>) -> Option<Option<String>> {
        const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];
        let Some(raw) = raw else {
            return Some(None);
        };
        let text = raw.get_ref().trim();
        if text.is_empty() {
            self.report(
                raw.span(),
                "log",
                "empty filter; leave the key out for the default, or write a level such as \"info\"",
            );
            return None;
        }
        if let Err(e) = tracing_subscriber::EnvFilter::try_new(text) {
            self.report(
                raw.span(),
                "log",
                format!("bad log filter `{text}` ({e}); write a level (off, error, warn, info, debug, trace) or directives such as \"info,feedloom=debug\""),
            );
            return None;
        }
        // A bare word that is not a level is valid syntax, but it means "the
        // target named so, at every level" and everything else off: a
        // misspelt level would silently hide all logs.
        for directive in text.split(',').map(str::trim) {
            let is_level = LEVELS.iter().any(|l| l.eq_ignore_ascii_case(directive));
            if directive.contains(['=', '[', ':']) || is_level {
                continue;
            }
            if let Some(level) = raw::closest(directive, &LEVELS) {
                self.report(
                    raw.span(),
                    "log",
                    {
                        let place = if directive == text {
                            String::new()
                        } else {
                            format!(" in `{text}`")
                        };
                        format!("`{directive}`{place} is not a level; did you mean `{level}`? (for the target of that name, write `{directive}=trace`)")
                    },
                );
                return None;
            }
        }
        Some(Some(text.to_owned()))
    }

    fn scheduler(&mut self, raw: Option<Spanned<RawScheduler>>) -> Option<SchedulerConfig> {
        let d = SchedulerConfig::default();
        let Some(raw) = raw else {
            return Some(d);
        };
        let raw = raw.into_inner();
        // No jitter is a legitimate choice; a zero backoff is a busy loop.
        let jitter = self.duration_or_zero(raw.jitter, "scheduler.jitter", d.jitter, true);
        let base_span = raw.backoff_base.as_ref().map(Spanned::span);
        let max_span = raw.backoff_max.as_ref().map(Spanned::span);
        let backoff_base =
            self.duration(raw.backoff_base, "scheduler.backoff_base", d.backoff_base);
        let backoff_max = self.duration(raw.backoff_max, "scheduler.backoff_max", d.backoff_max);
        if let (Some(base), Some(max)) = (backoff_base, backoff_max)
            && max < base
        {
            // Point at the key that was written: with one of them left
            // out, the written one is what conflicts with the default.
            let (span, key) = match (max_span, base_span) {
                (Some(span), _) => (span, "scheduler.backoff_max"),
                (None, Some(span)) => (span, "scheduler.backoff_base"),
                (None, None) => (0..0, "scheduler"),
            };
            self.report(
                span,
                key,
                format!(
                    "backoff_max ({}) is shorter than backoff_base ({}); retries start at backoff_base and are capped at backoff_max",
                    humantime::format_duration(max),
                    humantime::format_duration(base)
                ),
            );
            return None;
        }
        Some(SchedulerConfig {
            jitter: jitter?,
            backoff_base: backoff_base?,
            backoff_max: backoff_max?,
        })
    }

    fn server(&mut self, raw: Option<Spanned<RawServer>>) -> Option<ServerConfig> {
        let d = ServerConfig::default();
        let Some(raw) = raw else {
            return Some(d);
        };
        let raw = raw.into_inner();
        let feed_span = raw.feed_items.as_ref().map(Spanned::span);
        let max_span = raw.max_items.as_ref().map(Spanned::span);
        let feed_items = self.count(raw.feed_items, "server.feed_items", d.feed_items, 1);
        let max_items = self.count(raw.max_items, "server.max_items", d.max_items, 1);
        if let (Some(feed), Some(max)) = (feed_items, max_items)
            && feed > max
        {
            let (span, key) = match (feed_span, max_span) {
                (Some(span), _) => (span, "server.feed_items"),
                (None, Some(span)) => (span, "server.max_items"),
                (None, None) => (0..0, "server"),
            };
            self.report(
                span,
                key,
                format!(
                    "feed_items ({feed}) is more than max_items ({max}); the default page cannot be larger than the largest allowed"
                ),
            );
            return None;
        }
        Some(ServerConfig {
            feed_items: feed_items?,
            max_items: max_items?,
        })
    }

    fn retention(&mut self, raw: Option<Spanned<RawRetention>>) -> Option<Retention> {
        let d = Retention::default();
        let Some(raw) = raw else {
            return Some(d);
        };
        let raw = raw.into_inner();
        let mut days = |raw: Option<Spanned<Count>>, key: &str, default: Option<u32>| {
            let Some(raw) = raw else {
                return Some(default);
            };
            match u32::try_from(raw.get_ref().0) {
                // 0: keep forever, as the comment in the example says.
                Ok(0) => Some(None),
                Ok(n) => Some(Some(n)),
                Err(_) => {
                    let n = raw.get_ref().0;
                    self.report(
                        raw.span(),
                        key,
                        format!("{n} is not a number of days: use 0 to keep stories forever"),
                    );
                    None
                }
            }
        };
        let on_topic_days = days(
            raw.on_topic_days,
            "retention.on_topic_days",
            d.on_topic_days,
        );
        let off_topic_days = days(
            raw.off_topic_days,
            "retention.off_topic_days",
            d.off_topic_days,
        );
        Some(Retention {
            on_topic_days: on_topic_days?,
            off_topic_days: off_topic_days?,
        })
    }

    fn path(&mut self, raw: Option<Spanned<String>>, key: &str, default: &str) -> Option<PathBuf> {
        let Some(raw) = raw else {
            return Some(self.base.join(default));
        };
        if raw.get_ref().trim().is_empty() {
            self.report(
                raw.span(),
                key,
                format!("empty path; leave the key out to use \"{default}\""),
            );
            return None;
        }
        // Absolute paths replace the base in `join`, so they are kept as is.
        Some(self.base.join(raw.get_ref()))
    }

    fn listen(&mut self, raw: Option<Spanned<String>>) -> Option<SocketAddr> {
        let Some(raw) = raw else {
            return defaults::LISTEN.parse().ok();
        };
        match raw.get_ref().trim().parse() {
            Ok(addr) => Some(addr),
            Err(e) => {
                self.report(
                    raw.span(),
                    "listen",
                    format!(
                        "`{}` is not an address ({e}); write IP:port such as \"127.0.0.1:8080\" or \"[::1]:8080\" (host names are not resolved)",
                        raw.get_ref()
                    ),
                );
                None
            }
        }
    }

    fn schedule(&mut self, raw: &Spanned<String>, key: &str) -> Option<Schedule> {
        match raw.get_ref().trim().parse::<Schedule>() {
            Ok(schedule) => Some(schedule),
            Err(e) => {
                let detail = match raw.get_ref().split_whitespace().count() {
                    5 => "5 fields: the seconds field is missing".to_owned(),
                    6 | 7 => cron_detail(&e.to_string()),
                    n => format!("{n} fields, not 6 or 7"),
                };
                self.report(
                    raw.span(),
                    key,
                    format!(
                        "bad cron expression `{}` ({detail}); the format is `{CRON_FORMAT}`, e.g. \"{}\" for every 15 minutes",
                        raw.get_ref(),
                        defaults::SCHEDULE
                    ),
                );
                None
            }
        }
    }

    fn title(&mut self, raw: &Spanned<String>, key: &str, hint: &str) -> Option<String> {
        let title = raw.get_ref().trim();
        if title.is_empty() {
            self.report(raw.span(), key, format!("empty title; {hint}"));
            None
        } else {
            Some(title.to_owned())
        }
    }

    /// A category is a label to group feeds by; an empty one groups nothing
    /// and is more likely a half-finished edit than an intent.
    fn category(&mut self, raw: &Spanned<String>, key: &str) -> Option<String> {
        let category = raw.get_ref().trim();
        if category.is_empty() {
            self.report(
                raw.span(),
                key,
                "empty category; leave the key out for none, or write a name such as \"Central Asia\"",
            );
            None
        } else {
            Some(category.to_owned())
        }
    }

    fn fetch(&mut self, raw: Option<Spanned<RawFetch>>) -> Option<FetchLimits> {
        let d = FetchLimits::default();
        let Some(raw) = raw else {
            return Some(d);
        };
        let raw = raw.into_inner();
        let timeout = self.duration(raw.timeout, "fetch.timeout", d.timeout);
        let connect_timeout = self.duration(
            raw.connect_timeout,
            "fetch.connect_timeout",
            d.connect_timeout,
        );
        let max_body_bytes = self.size(raw.max_body_size, "fetch.max_body_size", d.max_body_bytes);
        let concurrency = self.count(raw.concurrency, "fetch.concurrency", d.concurrency, 1);
        let per_host = self.count(raw.per_host, "fetch.per_host", d.per_host, 1);
        let max_redirects =
            self.count(raw.max_redirects, "fetch.max_redirects", d.max_redirects, 0);
        Some(FetchLimits {
            timeout: timeout?,
            connect_timeout: connect_timeout?,
            max_body_bytes: max_body_bytes?,
            concurrency: concurrency?,
            per_host: per_host?,
            max_redirects: max_redirects?,
        })
    }

    /// A duration longer than zero: a zero timeout or backoff is a mistake.
    fn duration(
        &mut self,
        raw: Option<Spanned<DurationText>>,
        key: &str,
        default: Duration,
    ) -> Option<Duration> {
        self.duration_or_zero(raw, key, default, false)
    }

    fn duration_or_zero(
        &mut self,
        raw: Option<Spanned<DurationText>>,
        key: &str,
        default: Duration,
        zero_ok: bool,
    ) -> Option<Duration> {
        let Some(raw) = raw else {
            return Some(default);
        };
        let text = &raw.get_ref().0;
        match humantime::parse_duration(text.trim()) {
            Ok(d) if d.is_zero() && !zero_ok => {
                self.report(raw.span(), key, "must be longer than zero");
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                self.report(
                    raw.span(),
                    key,
                    format!("bad duration `{text}` ({e}); write a number with a unit, e.g. \"30s\", \"2min\", \"1h 30m\""),
                );
                None
            }
        }
    }

    fn size(&mut self, raw: Option<Spanned<RawSize>>, key: &str, default: u64) -> Option<u64> {
        let Some(raw) = raw else {
            return Some(default);
        };
        let parsed = match raw.get_ref() {
            RawSize::Bytes(n) => {
                u64::try_from(*n).map_err(|_| format!("bad size {n}: must not be negative"))
            }
            RawSize::Text(text) => parse_size(text).map_err(|e| format!("bad size `{text}`: {e}")),
        };
        match parsed {
            Ok(0) => {
                self.report(raw.span(), key, "must be at least 1 byte");
                None
            }
            Ok(n) => Some(n),
            Err(message) => {
                self.report(raw.span(), key, message);
                None
            }
        }
    }

    fn count(
        &mut self,
        raw: Option<Spanned<Count>>,
        key: &str,
        default: usize,
        min: usize,
    ) -> Option<usize> {
        let Some(raw) = raw else {
            return Some(default);
        };
        match usize::try_from(raw.get_ref().0) {
            Ok(n) if n >= min => Some(n),
            _ => {
                let n = raw.get_ref().0;
                let why = if min == 1 {
                    "; 0 would never fetch anything"
                } else {
                    ""
                };
                self.report(
                    raw.span(),
                    key,
                    format!("{n} is too small: must be at least {min}{why}"),
                );
                None
            }
        }
    }

    fn feeds(&mut self, raw: Vec<Spanned<RawFeed>>) -> Option<Vec<FeedConfig>> {
        let mut feeds = Vec::with_capacity(raw.len());
        let mut ok = true;
        // Canonical URL -> (index, line) of its first occurrence.
        let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
        for (i, feed) in raw.into_iter().enumerate() {
            let span = feed.span();
            let feed = feed.into_inner();
            let key = |k: &str| format!("feeds[{i}].{k}");
            let url = match &feed.url {
                Some(url) => self.url(url, &key("url")),
                None => {
                    self.missing(
                        span.clone(),
                        &key("url"),
                        "missing key `url` in [[feeds]]".to_owned(),
                    );
                    None
                }
            };
            if let (Some(url), Some(raw_url)) = (&url, &feed.url) {
                let (line, _) = self.lines.position(raw_url.span().start);
                match seen.get(&canonical(url)) {
                    Some(&(first, first_line)) => {
                        self.report(
                            raw_url.span(),
                            key("url"),
                            format!(
                                "duplicate feed: same URL as feeds[{first}] on line {first_line}"
                            ),
                        );
                        ok = false;
                    }
                    None => {
                        seen.insert(canonical(url), (i, line));
                    }
                }
            }
            let title = match &feed.title {
                Some(t) => self
                    .title(
                        t,
                        &key("title"),
                        "leave the key out to use the feed's own title",
                    )
                    .map(Some),
                None => Some(None),
            };
            let schedule = match &feed.schedule {
                Some(s) => self.schedule(s, &key("schedule")).map(Some),
                None => Some(None),
            };
            let category = match &feed.category {
                Some(c) => self.category(c, &key("category")).map(Some),
                None => Some(None),
            };
            match (url, title, schedule, category) {
                (Some(url), Some(title), Some(schedule), Some(category)) => {
                    feeds.push(FeedConfig {
                        url,
                        title,
                        schedule,
                        enabled: feed.enabled.map_or(defaults::ENABLED, Spanned::into_inner),
                        category,
                    })
                }
                _ => ok = false,
            }
        }
        ok.then_some(feeds)
    }

    fn url(&mut self, raw: &Spanned<String>, key: &str) -> Option<Url> {
        let text = raw.get_ref().trim();
        match Url::parse(text) {
            Ok(url) if matches!(url.scheme(), "http" | "https") => Some(url),
            Ok(url) => {
                self.report(
                    raw.span(),
                    key,
                    format!("unsupported scheme `{}` in `{text}`; feed URLs must start with http:// or https://", url.scheme()),
                );
                None
            }
            Err(e) => {
                self.report(raw.span(), key, format!("bad URL `{text}`: {e}"));
                None
            }
        }
    }
}

/// The cron crate's message without its echo of the input and caret line,
/// which would be noise inside a one-line problem.
fn cron_detail(rendered: &str) -> String {
    let after_caret: Vec<&str> = rendered
        .lines()
        .skip_while(|l| !l.trim_start().starts_with('^'))
        .skip(1)
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let text = if after_caret.is_empty() {
        crate::text::collapse_whitespace(rendered)
    } else {
        after_caret.join(" ")
    };
    text.trim_end_matches('.').to_owned()
}

/// The form two feed URLs are compared in: the `url` crate already lowercases
/// scheme and host and drops default ports; the fragment never reaches the
/// server, so it is dropped too.
pub(crate) fn canonical(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    url.into()
}

/// Parses `1048576`, `512KiB`, `10MiB`, `1GiB` (optionally `10 MiB`).
/// Binary units only: "MB" is ambiguous in the wild, so it is refused rather
/// than guessed.
fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    if number.is_empty() {
        return Err("must start with a whole number, e.g. \"10MiB\"".to_owned());
    }
    let number: u64 = number.parse().map_err(|_| "number too large".to_owned())?;
    let unit = unit.strip_prefix(' ').unwrap_or(unit);
    let multiplier: u64 = match unit {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        _ if unit.starts_with(['.', ',']) => {
            return Err("whole numbers only; use a smaller unit, e.g. \"1536KiB\"".to_owned());
        }
        _ => {
            return Err(format!(
                "unknown unit `{unit}`; use B, KiB, MiB or GiB (1 KiB = 1024 bytes), or a plain number of bytes"
            ));
        }
    };
    number
        .checked_mul(multiplier)
        .ok_or_else(|| "size too large".to_owned())
}
