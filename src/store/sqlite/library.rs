//! Process-wide settings of the SQLite library, applied once at start-up,
//! before the first connection: SQLite accepts them only until it is
//! initialised.

/// Turns off SQLite's memory statistics (`SQLITE_CONFIG_MEMSTATUS`), which
/// SQLite's documentation itself recommends off for speed.
///
/// With them on, every allocation and free of every connection takes one
/// process-wide mutex to keep the counts. In a poll the writer, the band
/// mover and the read connections allocate at once, and their threads
/// sleep on that mutex: 0.4 s in one cold poll of 1,000 feeds × 50 items,
/// 0.21 s of it while a search batch held the store lock
/// (`perf record -e sched:sched_switch`). Off, the same poll took 0.967
/// of the wall time and 0.953 of the CPU (8 pairs, benches/RESULTS.md).
/// Nothing in feedloom reads the statistics (`sqlite3_memory_used`,
/// `sqlite3_status`) or sets a soft heap limit, which needs them.
///
/// Call it first, before other threads start, as with
/// [`crate::memory::limit_malloc_arenas`]: `sqlite3_config` must not run
/// beside any other SQLite call. Returns whether the setting took; it does
/// not once a connection was opened in this process, which only costs the
/// speed above.
pub fn configure_sqlite() -> bool {
    // SAFETY: `sqlite3_config` with `SQLITE_CONFIG_MEMSTATUS` takes one
    // int, passed as a C int. It reads and writes SQLite's global
    // configuration without a lock, so it must not run beside another
    // SQLite call: callers run it first, before other threads start (see
    // above). After initialisation it changes nothing and returns
    // SQLITE_MISUSE.
    let code = unsafe {
        rusqlite::ffi::sqlite3_config(
            rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS,
            std::ffi::c_int::from(false),
        )
    };
    code == rusqlite::ffi::SQLITE_OK
}
