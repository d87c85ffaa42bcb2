//! Process-wide memory settings, applied once at start-up.

/// Every process-wide memory setting feedloom runs with, in one call for
/// each `main` (the binary's and the benchmarks', which measure what it
/// runs): glibc's arenas ([`limit_malloc_arenas`]) and mmap threshold
/// ([`keep_large_blocks_mapped`]), and SQLite's memory statistics off
/// ([`crate::store::configure_sqlite`]). Returns whether SQLite took its
/// setting.
///
/// # Safety
///
/// As [`crate::store::configure_sqlite`]: no SQLite call may come before
/// it or run beside it. Call it first in `main`.
pub unsafe fn configure_at_start() -> bool {
    limit_malloc_arenas();
    keep_large_blocks_mapped();
    // SAFETY: passed on to our caller (above).
    unsafe { crate::store::configure_sqlite() }
}

/// Caps glibc's malloc at two arenas per core, unless the environment
/// already says how many (`MALLOC_ARENA_MAX`, `GLIBC_TUNABLES`).
///
/// glibc gives a thread that finds an arena busy an arena of its own, up
/// to eight per core, and memory freed into an arena stays with it. A poll
/// runs its parsing, its batch writer and its store calls on tokio's
/// blocking threads, so every arena soon holds its own slack. About two
/// threads per core allocate at once (the async workers, and the parse
/// slots beside the writer), so two arenas per core keep them from
/// queueing for a lock. Measured with `farm-bench` on `feedloom poll` of
/// 1,000 feeds × 50 items at `concurrency = 64`, 2 cores, three runs in
/// turn (medians): 16 arenas 117 MiB peak; 4 arenas 99.5 MiB at the same
/// wall time (ratio 1.00); 2 arenas 93.5 MiB but 18 % slower.
///
/// Call it first, before other threads start: arenas made before it stay.
/// Elsewhere than glibc it does nothing.
pub fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let arenas = libc::c_int::try_from(2 * cores).unwrap_or(libc::c_int::MAX);
        set_unless_chosen("MALLOC_ARENA_MAX", "arena_max", libc::M_ARENA_MAX, arenas);
    }
}

/// Fixes glibc's threshold for serving an allocation with its own mapping
/// at 256 KiB, unless the environment already sets it
/// (`MALLOC_MMAP_THRESHOLD_`, `GLIBC_TUNABLES`).
///
/// glibc starts at 128 KiB but raises the threshold to the size of each
/// mapped block freed, up to 32 MiB: after the first fetched body of a few
/// hundred KiB is freed, every later body buffer and large vector comes
/// from the arenas, where freed pieces between live ones cannot go back
/// to the kernel. A fixed threshold keeps them mapped, and unmapped when
/// freed. Measured with `farm-bench` on `feedloom poll` of 1,000 feeds × 50
/// items at the default `concurrency` (16), 2 cores, five runs in turn
/// (medians): peak 56.2 MiB against 63.6 MiB, wall time 1.02×
/// (0.97–1.03).
///
/// Call it first, with [`limit_malloc_arenas`]. Elsewhere than glibc it
/// does nothing.
pub fn keep_large_blocks_mapped() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    set_unless_chosen(
        "MALLOC_MMAP_THRESHOLD_",
        "mmap_threshold",
        libc::M_MMAP_THRESHOLD,
        256 * 1024,
    );
}

/// Sets glibc's malloc `parameter` to `value`, unless the environment
/// already chose it: the `variable` glibc reads, or `tunable` in
/// `GLIBC_TUNABLES`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn set_unless_chosen(variable: &str, tunable: &str, parameter: libc::c_int, value: libc::c_int) {
    let chosen = std::env::var_os(variable).is_some()
        || std::env::var("GLIBC_TUNABLES").is_ok_and(|tunables| tunables.contains(tunable));
    if chosen {
        return;
    }
    // SAFETY: `mallopt` sets one of glibc's documented allocator tunables;
    // it takes no pointers, and the two feedloom sets (M_ARENA_MAX,
    // M_MMAP_THRESHOLD) only decide how later allocations are served.
    unsafe {
        libc::mallopt(parameter, value);
    }
}

/// Hands the memory malloc holds free back to the kernel (glibc's
/// `malloc_trim`): after a flood of requests or a large poll, the freed
/// pages stay with malloc's arenas otherwise, and the daemon's RSS stays at
/// its peak for good (110 MiB more after the load bench's floods). Cheap
/// when there is nothing to give back; the daemon calls it every few
/// seconds from a blocking thread, and the poll's batch writer after each
/// batch. Elsewhere than glibc it does nothing.
pub fn release_free() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes no pointers; it only returns free pages
    // of malloc's own heaps to the kernel, under malloc's own locks.
    unsafe {
        libc::malloc_trim(0);
    }
}
