//! Values used when a key is left out, in one place so the validator, the
//! `check-config` fallbacks and the example file agree. Together with
//! [`FetchLimits::default`](super::FetchLimits::default),
//! [`SchedulerConfig::default`](super::SchedulerConfig::default) and
//! [`ServerConfig::default`](super::ServerConfig::default) these are the
//! only defaults; the example file documents them.

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
/// `[[feeds]] full_text`: the feed's own text is the story's.
pub const FULL_TEXT: bool = false;

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
