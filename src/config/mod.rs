//! Configuration: the TOML file feedloom runs on, loaded and validated once so
//! nothing downstream re-checks it.
//!
//! Two layers. `raw` deserializes the file with serde, keeping spans and
//! rejecting unknown keys; `validate` (with `topics` and `values`) then turns
//! the raw values into their final types (URLs, cron schedules, socket
//! addresses, durations, byte counts), collecting every problem with its
//! line:column and key path so one run shows everything that needs fixing.
//!
//! This file is the module's front: it names the files and re-exports what
//! the rest of feedloom uses, and no file below it uses it. The files depend
//! on one another in one direction: `types`, `defaults`, `locate` (where the
//! command line finds the file) and `error` at the bottom (with
//! `database`); then `raw`, `values`, `topics` and `validate`, each using
//! only those before it; `check`, `edit` and `init` (a new file from the
//! bundled one) on top of `validate`.

mod check;
mod database;
pub mod defaults;
pub mod edit;
mod error;
pub mod init;
pub mod locate;
mod raw;
mod topics;
mod types;
mod validate;
mod values;

pub use check::{Checked, check, seeds_problem};
pub use database::{DATABASE_URL_VAR, Database, PostgresUrl, UrlError};
pub use error::{Error, Problem};
pub(crate) use types::canonical;
pub use types::{
    Config, FeedConfig, FetchLimits, LogFormat, Retention, Schedule, SchedulerConfig, ServerConfig,
    Topic,
};
pub use validate::{from_str, load};
pub use values::CRON_FORMAT;

#[cfg(test)]
mod tests;
