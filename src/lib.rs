//! feedloom: weaves many news feeds into one deduplicated topic feed.
//!
//! The modules follow the data flow (see ARCHITECTURE.md):
//! `config` → `fetch` → `parse` → `normalize` → `store`, with `seeds` feeding
//! cleaned seed articles into the same store, `poll` running the whole flow for
//! each feed, and `publish` turning stored stories into feed documents.

pub mod article;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod daemon;
pub mod discover;
pub mod error;
pub mod fetch;
pub mod guard;
pub mod memory;
pub mod metrics;
pub mod normalize;
pub mod opml;
pub mod parse;
pub mod poll;
pub mod publish;
pub mod schedule;
pub mod scoring;
pub mod seeds;
pub mod server;
pub mod store;
mod text;
pub mod topic;
