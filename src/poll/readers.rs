//! Read connections for the parse workers: what they look up in the store
//! before a parsed feed goes to the writer (which contents are stored,
//! which near-duplicate candidates confirm), on connections of their own,
//! so that none of it waits for the writer or holds it up.

use std::sync::{Mutex, MutexGuard};

use crate::config::Database;
use crate::error::error_chain;
use crate::store::{self, Storage};

/// The database to read, once known, and the idle connections: at most one
/// per parse slot is ever open, since only parse workers read here.
#[derive(Default)]
pub(super) struct Readers {
    database: Mutex<Option<Database>>,
    idle: Mutex<Vec<Box<dyn Storage>>>,
}

impl Readers {
    /// Reads `database` from now on (connections opened as needed).
    pub(super) fn read_from(&self, database: &Database) {
        *lock(&self.database) = Some(database.clone());
        lock(&self.idle).clear();
    }

    /// Runs `work` on an idle connection, or a new one; `None` when no
    /// database was given or it cannot be opened (the caller then goes
    /// without: everything read here is a hint the writer does not need).
    pub(super) fn read<T>(&self, work: impl FnOnce(&dyn Storage) -> T) -> Option<T> {
        let connection = match lock(&self.idle).pop() {
            Some(connection) => connection,
            None => {
                let database = lock(&self.database).clone()?;
                match store::connect_checker(&database) {
                    Ok(connection) => connection,
                    Err(error) => {
                        tracing::debug!(error = %error_chain(&error), "no read connection for the parse workers; the writer checks alone");
                        return None;
                    }
                }
            }
        };
        let result = work(&*connection);
        lock(&self.idle).push(connection);
        Some(result)
    }
}

/// Takes a lock whose data a panic cannot leave half-changed.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    match mutex.lock() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    }
}
