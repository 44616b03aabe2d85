//! The process's allocator: jemalloc, configured to hand freed memory back to the system within about a second.
//!
//! With glibc's malloc a long-lived host kept what a burst freed (a 20,000-delta reply, a connection flood):
//! freed chunks sat on pages that a few allocations made during the burst still used, so neither the arenas nor
//! `malloc_trim` could return them (docs/benchmarks.md, Memory). jemalloc keeps allocations of one size class
//! together and purges unused pages on a clock; the options below make that clock short and run it on jemalloc's
//! own background thread, so a host that goes idle gives the pages back without allocating again:
//!
//! - `background_thread:true`: purging does not wait for the next allocation (an idle host makes none);
//! - `dirty_decay_ms:1000`, `muzzy_decay_ms:0`: freed pages go back about a second after they were last used, with
//!   `MADV_DONTNEED` (RSS falls at once) rather than the lazy `MADV_FREE`;
//! - `narenas:2`: two arenas rather than four per core: the threads' caches take most allocations, and each arena
//!   keeps dirty pages of its own.
//!
//! C libraries (SQLite) still allocate through libc; the host's quiet-time trim (`codex_manager_host::memory`) keeps
//! trimming that heap. `_RJEM_MALLOC_CONF` in the environment still overrides these options, for measuring.

#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc reads its options from this symbol (its `malloc_conf`, prefixed by tikv-jemalloc-sys) at its first use.
#[allow(non_upper_case_globals)]
#[export_name = "_rjem_malloc_conf"]
pub static malloc_conf: &[u8; 70] = b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0,narenas:2\0";
