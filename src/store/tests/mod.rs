//! The storage contract suite: tests written once against the traits of
//! `store/storage.rs` and run on every backend (see `backend`). A backend
//! that behaves differently from the contract fails them. Tests of one
//! backend's own machinery (SQLite's pragmas, FTS5 syntax, query plans;
//! PostgreSQL's locks and leases) stay beside that backend.

pub(crate) mod backend;
mod clusters;
pub(crate) mod common;
mod concurrency;
mod feeds;
mod nodes;
mod paging;
mod retention;
mod search;
mod verdicts;
mod writes;
