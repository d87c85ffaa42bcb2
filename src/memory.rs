//! Process-wide memory settings, applied once at start-up.

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
    let chosen = std::env::var_os("MALLOC_ARENA_MAX").is_some()
        || std::env::var("GLIBC_TUNABLES").is_ok_and(|tunables| tunables.contains("arena_max"));
    if chosen {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        let arenas = libc::c_int::try_from(2 * cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: `mallopt` sets one of glibc's documented allocator
        // tunables; it takes no pointers, and changing M_ARENA_MAX only
        // limits which arenas later allocations may pick.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// Hands the memory malloc holds free back to the kernel (glibc's
/// `malloc_trim`): after a flood of requests or a large poll, the freed
/// pages stay with malloc's arenas otherwise, and the daemon's RSS stays at
/// its peak for good (110 MiB more after the load bench's floods). Cheap
/// when there is nothing to give back; the daemon calls it every few
/// seconds from a blocking thread. Elsewhere than glibc it does nothing.
pub fn release_free() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes no pointers; it only returns free pages
    // of malloc's own heaps to the kernel, under malloc's own locks.
    unsafe {
        libc::malloc_trim(0);
    }
}
