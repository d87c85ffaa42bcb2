//! The store's error type: what can go wrong with the database, whatever
//! part of the store was at work.

use std::path::PathBuf;

/// What can go wrong with the database; every variant names what it was doing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot create the database folder {}", path.display())]
    CreateDir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot open the database {}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    #[error("no database at {}; run `feedloom poll` first", path.display())]
    Missing { path: PathBuf },
    /// Root would create files the database's own user cannot write.
    #[error(
        "refusing to open the database as root: {} belongs to {user}, and files SQLite \
         creates beside it would be root's, which {user} could not open; run the command \
         as that user (`sudo -u {user} feedloom …`)",
        path.display()
    )]
    OwnedByAnother { path: PathBuf, user: String },
    #[error(
        "the database has schema version {found}, newer than this feedloom knows ({known}); \
         upgrade feedloom or point it at another database"
    )]
    SchemaTooNew { found: u32, known: u32 },
    #[error("database migration {name} failed")]
    Migration {
        name: String,
        #[source]
        source: rusqlite::Error,
    },
    #[error("database query failed")]
    Sql(#[from] rusqlite::Error),
    /// `url` has its password replaced (see `postgres::redact`): errors
    /// reach logs and `/healthz`.
    #[error("cannot connect to the PostgreSQL database {url}")]
    PostgresConnect {
        url: String,
        #[source]
        source: postgres::Error,
    },
    #[error(
        "the PostgreSQL database {url} has no feedloom schema; open it for writing (`feedloom poll`) first"
    )]
    PostgresUnmigrated { url: String },
    #[error("PostgreSQL migration {name} failed")]
    PostgresMigration {
        name: String,
        #[source]
        source: postgres::Error,
    },
    #[error("PostgreSQL query failed")]
    Postgres(#[from] postgres::Error),
    /// `store copy` cannot copy into the target it was given.
    #[error("cannot copy the store: {0}")]
    CopyRefused(String),
    /// A batched write this caller queued was taken by another thread,
    /// which crashed before it could say how it went.
    #[error("the write was lost: the thread writing it crashed; the next poll retries")]
    WriteLost,
    /// Work run on a blocking thread through a `SharedStore` (a store
    /// call, or the scoring or rendering around one) panicked: a bug, but
    /// the store is intact (an unfinished transaction rolls back).
    #[error("a background task crashed (a bug; please report it): {0}")]
    Crashed(String),
    /// The thread that moves near-duplicate keys could not be started
    /// (the system is out of threads or memory).
    #[error("cannot start the thread that moves near-duplicate keys into the band file")]
    Thread(#[source] std::io::Error),
    /// Every read connection stayed in use for as long as the caller was
    /// willing to wait (see `ReadPool`).
    #[error("every database connection for reading is in use")]
    Busy,
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// Whether the database could not be reached (a server down or
    /// restarting, a dropped connection), rather than refusing a statement:
    /// an outage to report once and wait out, not a failure per call.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Error::PostgresConnect { .. } => true,
            Error::Postgres(error) => {
                error.is_closed()
                    || error.as_db_error().is_none_or(|db| {
                        // Class 08, connection exceptions; class 57P, the
                        // server shutting down or starting up.
                        let code = db.code().code();
                        code.starts_with("08") || code.starts_with("57P")
                    })
            }
            _ => false,
        }
    }
}
