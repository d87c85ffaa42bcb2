//! `store::configure_sqlite` in a process of its own: SQLite takes
//! process-wide settings only before its first connection, which the other
//! test binaries open from many threads at once. Keep this the only test
//! in this file: another would run beside it, on another thread, in the
//! same process.

use feedloom::store::{Store, configure_sqlite};

#[test]
fn sqlite_keeps_no_memory_statistics_once_configured_first() {
    // SAFETY: the only test of this binary, so no other SQLite call runs
    // before or beside it.
    assert!(
        unsafe { configure_sqlite() },
        "the setting takes before any connection"
    );
    let dir = tempfile::tempdir().expect("temporary folder");
    // Opening migrates a new database: thousands of SQLite allocations.
    let store = Store::open(&dir.path().join("feedloom.db")).expect("store opens");
    // SAFETY: a plain read of SQLite's statistics, which takes no argument.
    let counted = unsafe { rusqlite::ffi::sqlite3_memory_used() };
    assert_eq!(counted, 0, "SQLite still counts its allocations");
    drop(store);
    // SAFETY: as above; the store is closed, nothing else calls SQLite.
    assert!(
        !unsafe { configure_sqlite() },
        "after the first connection the setting is refused, not half applied"
    );
}
