//! Process-wide memory settings, applied once at start-up.

/// Caps glibc's malloc at two arenas, unless the environment already says
/// how many (`MALLOC_ARENA_MAX`, `GLIBC_TUNABLES`).
///
/// glibc gives a thread that finds an arena busy an arena of its own, up
/// to eight per core, and memory freed into an arena stays with it. A poll
/// runs its parsing, its batch writer and its store calls on tokio's
/// blocking threads, so every arena soon holds its own slack. Measured on
/// a cold poll of 1,000 feeds × 50 items (`cargo bench --bench poll`):
/// peak RSS 80 → 62 MB at the default `concurrency = 16`, and 128 → 107 MB
/// at 64, with the same poll time within the noise.
///
/// Call it before any other thread starts. Elsewhere than glibc it does
/// nothing.
pub fn limit_malloc_arenas() {
    let chosen = std::env::var_os("MALLOC_ARENA_MAX").is_some()
        || std::env::var("GLIBC_TUNABLES").is_ok_and(|tunables| tunables.contains("arena_max"));
    if chosen {
        return;
    }
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `mallopt` sets one of glibc's documented allocator tunables;
    // it takes no pointers, and changing M_ARENA_MAX only limits which
    // arenas later allocations may pick.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
