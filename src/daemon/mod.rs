//! The long-running daemon (being written).

pub mod notify;
