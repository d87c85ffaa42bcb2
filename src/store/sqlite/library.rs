//! Process-wide settings of the SQLite library, applied once at start-up,
//! before the first connection: SQLite accepts them only until it is
//! initialised.

/// Turns off SQLite's memory statistics (`SQLITE_CONFIG_MEMSTATUS`), which
/// SQLite's documentation itself recommends off for speed.
///
/// With them on, every allocation and free of every connection takes one
/// process-wide mutex to keep the counts. In a poll the writer, the band
/// mover and the parse threads' store calls allocate at once, and their
/// threads sleep on that mutex: 0.4 s in one cold poll of 1,000 feeds × 50
/// items, 0.21 s of it while a search batch held the store lock
/// (`perf record -e sched:sched_switch`). Off, that poll took 0.944–0.997
/// of the wall time in four rounds of paired runs (benches/RESULTS.md),
/// a small gain within the noise of any one round; the mutex it removes is
/// contended more the more threads allocate at once. Nothing in feedloom
/// reads the statistics (`sqlite3_memory_used`, `sqlite3_status`) or sets
/// a soft or hard heap limit, which need them.
///
/// Returns whether the setting took: it does not once SQLite was
/// initialised in this process, which costs only the speed above.
///
/// # Safety
///
/// No other SQLite call may come before it in the process (opening a
/// connection initialises SQLite) nor run at the same time on another
/// thread: `sqlite3_config` writes SQLite's global configuration without a
/// lock. Call it first in `main`, before anything that may open a
/// database.
pub unsafe fn configure_sqlite() -> bool {
    // SAFETY: the caller guarantees that no other SQLite call runs
    // beside this one. `SQLITE_CONFIG_MEMSTATUS` reads one `int` from the
    // variadic arguments (`va_arg(ap, int)`), passed here as a C int.
    // Once SQLite is initialised the call changes nothing and returns
    // SQLITE_MISUSE.
    let code = unsafe {
        rusqlite::ffi::sqlite3_config(
            rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS,
            std::ffi::c_int::from(false),
        )
    };
    code == rusqlite::ffi::SQLITE_OK
}
