//! The SQLite backend: [`Store`], one file in WAL mode, migrated at open,
//! implementing every trait of `store/storage.rs`, one file per job. The
//! only code that knows SQLite; everything above it speaks the traits and
//! the types of `store/types.rs`.

mod band_filter;
mod band_index;
mod cluster;
mod feeds;
mod library;
mod members;
mod migrate;
mod nodes;
mod open;
mod owner;
mod read;
mod retention;
mod rows;
mod search;
mod topics;
mod write;

pub use cluster::Placement;
pub use library::configure_sqlite;
pub use migrate::SCHEMA_VERSION;
pub use open::Store;
pub use search::fts5_query;
pub use topics::reason_text;

#[cfg(test)]
mod tests;
