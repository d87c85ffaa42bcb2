//! End-to-end tests: one binary (faster to build and link than one per file),
//! a fixture HTTP server on 127.0.0.1:0, temporary databases.

mod support;

mod architecture;
mod cli;
mod cluster;
mod connections;
mod crash;
mod daemon;
mod edit;
mod full_text;
mod health;
mod hostile;
mod install;
mod limits;
mod logging;
mod nodes;
mod pipeline;
mod readers;
mod river;
mod search;
mod seed_cleaning;
mod seeds;
mod ssrf;
mod topics;
