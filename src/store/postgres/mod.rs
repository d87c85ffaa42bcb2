//! The PostgreSQL backend: [`Store`], one connection to a database that
//! any number of feedloom nodes share, implementing every trait of
//! `store/storage.rs` with the SQLite backend's behaviour, one file per
//! job. The only code that knows PostgreSQL (see ARCHITECTURE.md,
//! "PostgreSQL").

mod cluster;
mod connection;
mod feeds;
mod highlight;
mod locks;
mod migrate;
mod nodes;
mod open;
mod read;
mod retention;
mod rows;
mod search;
mod statements;
mod topics;
mod write;

pub use connection::redact;

/// A plain client on `url`, TLS as the store's: for the store's own bulk
/// work across backends (`store::copy`).
pub(crate) fn connect_raw(url: &str) -> crate::store::Result<::postgres::Client> {
    connection::connect(
        &connection::config(url)?,
        &connection::redact(url),
        &connection::tls()?,
    )
}
pub use migrate::SCHEMA_VERSION;
pub use open::Store;

#[cfg(test)]
mod tests;
