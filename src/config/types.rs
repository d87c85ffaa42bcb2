//! The final types of a configuration: what the rest of feedloom reads,
//! with every value already parsed and checked, so nothing downstream
//! re-checks it. Kept apart from the validator that builds them, so that the
//! readers (and `edit`, `check`) depend on the types alone.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use url::Url;

use super::database::Database;

/// The validated configuration: every field has its final type, so nothing
/// downstream re-checks it.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file this was loaded from.
    pub path: PathBuf,
    /// Where the stories live: a SQLite file (resolved against the config
    /// file's folder) or a PostgreSQL server; `FEEDLOOM_DATABASE_URL`
    /// replaces the file's `database` key (see [`super::load`]).
    pub database: Database,
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
    /// How log lines are written (`log_format`); `None`: chosen by where
    /// stderr goes (see [`LogFormat`]). `FEEDLOOM_LOG_FORMAT` wins.
    pub log_format: Option<LogFormat>,
    /// The `[scheduler]` table, defaults filled in.
    pub scheduler: SchedulerConfig,
    /// The `[server]` table, defaults filled in.
    pub server: ServerConfig,
    /// The `[retention]` table, defaults filled in.
    pub retention: Retention,
}

/// How log lines are written on stderr. Left unset, feedloom writes
/// [`LogFormat::Journal`] when stderr is the systemd journal's stream and
/// [`LogFormat::Text`] otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One readable line per event: time, level, target, message, fields.
    Text,
    /// One JSON object per line, for log shippers: `timestamp`, `level`,
    /// `target`, and `fields` with `message` and the event's fields.
    Json,
    /// Text without the time (the journal adds its own), each line led by
    /// its syslog priority (`<3>` for errors…) so the journal keeps levels.
    Journal,
}

impl LogFormat {
    /// The names the configuration and `FEEDLOOM_LOG_FORMAT` accept.
    pub const NAMES: [&'static str; 3] = ["text", "json", "journal"];

    /// Parses one of [`Self::NAMES`] (any letter case, spaces trimmed).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "text" => Some(Self::Text),
            "json" => Some(Self::Json),
            "journal" => Some(Self::Journal),
            _ => None,
        }
    }
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
    /// How long a node's claim on a feed it polls holds (nodes sharing a
    /// store): longer than any poll takes, and as long as a feed waits for
    /// another node when its poller died mid-poll. Default 2 min.
    pub lease: Duration,
}

impl Default for SchedulerConfig {
    fn default() -> Self {
        Self {
            jitter: Duration::from_secs(30),
            backoff_base: Duration::from_secs(60),
            backoff_max: Duration::from_secs(6 * 3600),
            lease: Duration::from_secs(120),
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
    /// A request's head must arrive whole within this, counted from when
    /// the server starts waiting for it: from the accept, and on a kept
    /// alive connection from the end of the previous answer (so it is also
    /// how long an HTTP/1 connection may sit idle between requests).
    /// Default 10 s: a reader or proxy sends its head in one packet; a
    /// connection that trickles it (slowloris) or sends nothing frees its
    /// slot this soon.
    pub header_read_timeout: Duration,
    /// A connection on which no byte moved either way for this long while
    /// the server waits to read or write is closed: a client that stops
    /// reading an answer, or a request body that stalls. Default 60 s: far
    /// more than any live reader needs between two packets.
    pub idle_timeout: Duration,
    /// Connections served at once; beyond it the daemon stops accepting
    /// (the kernel queues the rest) until one closes. Each costs a file
    /// descriptor, which polls and SQLite need too: the daemon lowers the
    /// cap to what its open-file limit leaves (see `daemon::listen`).
    /// Default 1,024.
    pub max_connections: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            feed_items: 50,
            max_items: 500,
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
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
    /// The SSRF guard's leave (`allow_private`): the names, subdomains and
    /// networks that may be private. Default: none; a feed whose URL names
    /// a private address literally needs no entry (see [`crate::guard`]).
    pub allow_private: crate::guard::Policy,
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
            allow_private: crate::guard::Policy::default(),
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
    /// `full_text = true`: the feed carries teasers, so each new item's
    /// link is fetched and its article stored as the story's text (the
    /// feed's own text kept as its summary). Default false.
    pub full_text: bool,
}

impl FeedConfig {
    /// The schedule this feed actually runs on, so callers cannot forget the
    /// fallback to the global one.
    pub fn schedule_or<'a>(&'a self, config: &'a Config) -> &'a Schedule {
        self.schedule.as_ref().unwrap_or(&config.schedule)
    }
}

/// The form two feed URLs are compared in: the `url` crate already lowercases
/// scheme and host and drops default ports; the fragment never reaches the
/// server, so it is dropped too.
pub(crate) fn canonical(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    url.into()
}
