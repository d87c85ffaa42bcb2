//! The second layer: raw values (see `raw`) to the final types (see
//! `types`), collecting every problem with its position so one run shows
//! everything that needs fixing. This file holds the entry points and the
//! top-level keys, the `[fetch]`, `[scheduler]`, `[server]` and
//! `[retention]` tables and `[[feeds]]`; the topics are in `topics`, the
//! checks of single values in `values`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;

use serde_spanned::Spanned;
use url::Url;

use super::database::{DATABASE_URL_VAR, Database, PostgresUrl};
use super::defaults;
use super::error::{Error, Lines, Problem};
use super::raw::{
    self, Count, RawConfig, RawFeed, RawFetch, RawRetention, RawScheduler, RawServer,
};
use super::types::{
    Config, FeedConfig, FetchLimits, LogFormat, Retention, SchedulerConfig, ServerConfig, canonical,
};
use super::values::Validator;
use crate::guard::{Allowed, Policy};

/// The largest `server.max_connections` accepted: each connection costs a
/// file descriptor, and no open-file limit comes near a million.
const MAX_CONNECTIONS: usize = 1_000_000;

/// Loads and validates the file at `path`; `FEEDLOOM_DATABASE_URL`, when
/// set, names the database instead of the file's `database` key.
pub fn load(path: &Path) -> Result<Config, Error> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })?;
    let mut config = from_str(&text, path)?;
    if let Some(database) = database_from_env()? {
        config.database = database;
    }
    Ok(config)
}

/// The database `FEEDLOOM_DATABASE_URL` names, if it is set and not empty:
/// a PostgreSQL URL (a password in the environment rather than in a file
/// that is often world-readable and under version control).
pub(super) fn database_from_env() -> Result<Option<Database>, Error> {
    let Some(value) = std::env::var_os(DATABASE_URL_VAR) else {
        return Ok(None);
    };
    let value = value.to_string_lossy();
    if value.trim().is_empty() {
        return Ok(None);
    }
    if !Database::is_postgres_url(&value) {
        return Err(Error::Environment {
            name: DATABASE_URL_VAR,
            message:
                "is not a postgres:// or postgresql:// URL; unset it to use the file's `database`"
                    .to_owned(),
        });
    }
    PostgresUrl::parse(&value)
        .map(|url| Some(Database::Postgres(url)))
        .map_err(|e| Error::Environment {
            name: DATABASE_URL_VAR,
            message: e.to_string(),
        })
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
    let base = path.parent().unwrap_or(Path::new(""));
    let mut v = Validator::new(&lines, base, parsed.problems, parsed.failed);
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

impl Validator<'_> {
    /// `None` if anything was wrong; the problems say what.
    fn config(&mut self, raw: RawConfig, path: &Path) -> Option<Config> {
        let database = self.database(raw.database, "database", defaults::DATABASE);
        let listen = self.listen(raw.listen);
        let schedule = match raw.schedule {
            Some(s) => self.schedule(&s, "schedule"),
            None => defaults::SCHEDULE.parse().ok(),
        };
        let public_url = self.public_url(raw.public_url, listen);
        let log = self.log(raw.log);
        let log_format = self.log_format(raw.log_format);
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
            log_format: log_format?,
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

    /// `log_format`: one of [`LogFormat::NAMES`]. `Some(None)` means the
    /// key is absent (the format follows where stderr goes).
    fn log_format(&mut self, raw: Option<Spanned<String>>) -> Option<Option<LogFormat>> {
        let Some(raw) = raw else {
            return Some(None);
        };
        let text = raw.get_ref().trim();
        if let Some(format) = LogFormat::from_name(text) {
            return Some(Some(format));
        }
        let hint = raw::closest(&text.to_ascii_lowercase(), &LogFormat::NAMES)
            .map(|name| format!("did you mean `{name}`? "))
            .unwrap_or_default();
        self.report(
            raw.span(),
            "log_format",
            format!(
                "unknown log format `{text}`; {hint}write \"text\", \"json\" (one JSON object per line) or \"journal\" (priority prefixes for systemd), or leave the key out"
            ),
        );
        None
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
        let lease = self.duration(raw.lease, "scheduler.lease", d.lease);
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
            lease: lease?,
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
        let header_read_timeout = self.duration(
            raw.header_read_timeout,
            "server.header_read_timeout",
            d.header_read_timeout,
        );
        let idle_timeout = self.duration(raw.idle_timeout, "server.idle_timeout", d.idle_timeout);
        let max_connections = self.max_connections(raw.max_connections, d.max_connections);
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
            header_read_timeout: header_read_timeout?,
            idle_timeout: idle_timeout?,
            max_connections: max_connections?,
        })
    }

    /// `server.max_connections`: at least one (none would serve nothing),
    /// at most [`MAX_CONNECTIONS`] (far beyond any open-file limit, and
    /// inside what a semaphore can count).
    fn max_connections(&mut self, raw: Option<Spanned<Count>>, default: usize) -> Option<usize> {
        let key = "server.max_connections";
        let Some(raw) = raw else {
            return Some(default);
        };
        let n = raw.get_ref().0;
        match usize::try_from(n) {
            Ok(n) if (1..=MAX_CONNECTIONS).contains(&n) => Some(n),
            Ok(n) if n > MAX_CONNECTIONS => {
                self.report(
                    raw.span(),
                    key,
                    format!("{n} is too large: must be at most {MAX_CONNECTIONS}"),
                );
                None
            }
            _ => {
                self.report(
                    raw.span(),
                    key,
                    format!("{n} is too small: must be at least 1; 0 would refuse every reader"),
                );
                None
            }
        }
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
        let allow_private = self.allow_private(raw.allow_private);
        Some(FetchLimits {
            timeout: timeout?,
            connect_timeout: connect_timeout?,
            max_body_bytes: max_body_bytes?,
            concurrency: concurrency?,
            per_host: per_host?,
            max_redirects: max_redirects?,
            allow_private: allow_private?,
        })
    }

    /// `[fetch] allow_private`: each entry a host name, `*.` and a domain,
    /// an address or a network, reported on its own line when it is none.
    fn allow_private(&mut self, raw: Option<Spanned<Vec<Spanned<String>>>>) -> Option<Policy> {
        let Some(raw) = raw else {
            return Some(Policy::default());
        };
        let mut allowed = Vec::new();
        let mut ok = true;
        for (i, entry) in raw.into_inner().into_iter().enumerate() {
            match Allowed::parse(entry.get_ref()) {
                Ok(parsed) => allowed.push(parsed),
                Err(message) => {
                    self.report(entry.span(), format!("fetch.allow_private[{i}]"), message);
                    ok = false;
                }
            }
        }
        ok.then(|| Policy::new(allowed))
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
                        full_text: feed
                            .full_text
                            .map_or(defaults::FULL_TEXT, Spanned::into_inner),
                    })
                }
                _ => ok = false,
            }
        }
        ok.then_some(feeds)
    }
}
