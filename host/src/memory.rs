//! Giving freed memory back to the system once the host goes quiet.
//!
//! The binaries that run a host allocate Rust's memory with jemalloc, which purges freed pages by itself
//! ([`JEMALLOC_CONF`]); C libraries (SQLite) and this crate's own tests use glibc's malloc. glibc keeps freed heap
//! in its arenas: after a burst (a 20,000-delta reply, a flood of connections, a plugin compile, thousands of reads)
//! the process would otherwise stay at its peak size for good. `malloc_trim(0)` hands every arena's free pages back
//! to the kernel, but it walks the whole heap, so it runs once per quiet spell rather than after each piece of work:
//! whatever allocates in bulk says so with [`note_activity`] (a relaxed load on the hot path; a wake-up only for the
//! first note after a trim), and one task trims when no note came for [`QUIET_BEFORE_TRIM`] (or after
//! [`BUSY_PERIODS_BEFORE_TRIM`] periods of unbroken activity). An idle host never wakes for it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

/// jemalloc's options for every binary that runs a host (`codex-manager`, and the benchmarks that run one in
/// process, so their memory figures are the product's): freed pages go back to the system about a second after
/// their last use, on jemalloc's own thread.
///
/// - `background_thread:true`: purging does not wait for the next allocation (an idle host makes none);
/// - `dirty_decay_ms:1000`, `muzzy_decay_ms:0`: freed pages go back a second after they were last used, with
///   `MADV_DONTNEED` (RSS falls at once) rather than the lazy `MADV_FREE`;
/// - `narenas:2`: two arenas rather than four per core: the threads' caches take most allocations, and each arena
///   keeps dirty pages of its own.
/// - `tcache_max:4096`, `tcache_nslots_small_max:32`: each thread caches only small objects, 32 of a size at most
///   (defaults: up to 32 KiB, 200 of a size). A thread's cache is purged only as that thread allocates, so an idle
///   thread (a parked worker, a pool connection's) kept what its last burst cached: `RssAnon` 1.2 MiB lower idle
///   and 3 s after a 20,000-delta reply, host CPU per delta unchanged, reads 5-10 % slower (their larger buffers
///   come from the arena; every read bar still met: `cm-bench`, docs/benchmarks.md).
///
/// glibc's malloc kept much of a burst for good (freed chunks on pages a few later allocations pinned); jemalloc keeps
/// size classes apart. Set with [`jemalloc_global_allocator!`](crate::jemalloc_global_allocator);
/// `_RJEM_MALLOC_CONF` in the environment still overrides it, for measuring.
pub const JEMALLOC_CONF: &[u8; 113] =
    b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0,narenas:2,tcache_max:4096,tcache_nslots_small_max:32\0";

/// Make jemalloc, with [`memory::JEMALLOC_CONF`](crate::memory::JEMALLOC_CONF), the binary's global allocator. Called
/// once at the root of a binary that depends on `tikv-jemallocator` (a library cannot set the options: jemalloc reads
/// them from a symbol the linker keeps only when the binary defines it).
#[macro_export]
macro_rules! jemalloc_global_allocator {
    () => {
        #[global_allocator]
        static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

        /// jemalloc's `malloc_conf` (prefixed by tikv-jemalloc-sys), read at its first use.
        #[allow(non_upper_case_globals)]
        #[export_name = "_rjem_malloc_conf"]
        static malloc_conf: &[u8; 113] = $crate::memory::JEMALLOC_CONF;
    };
}

/// How long the host must have been quiet after activity before it trims.
pub const QUIET_BEFORE_TRIM: Duration = Duration::from_secs(1);
/// A host that is never quiet (a client polling every half second, a fuzzer) trims anyway after this many periods
/// of activity, so what a burst in the middle of it freed does not stay for as long as the activity lasts.
pub const BUSY_PERIODS_BEFORE_TRIM: u32 = 30;

/// Activity seen since the trimmer last looked, and the wake-up for its idle wait.
pub struct Trimmer {
    active: AtomicBool,
    wake: Notify,
    trims: AtomicU64,
}

/// The process's trimmer: the allocator is process-wide, so is the one place that trims it.
static TRIMMER: Trimmer = Trimmer::new();

/// Something allocated or freed in bulk: trim once the host has been quiet for a moment. Cheap enough for every
/// committed batch of events and every request.
#[inline]
pub fn note_activity() {
    TRIMMER.note();
}

/// Start the process's trimmer (once per host; it ends with the runtime).
pub fn spawn_trimmer() -> tokio::task::JoinHandle<()> {
    TRIMMER.spawn(release_free_memory)
}

impl Trimmer {
    pub const fn new() -> Self {
        Self { active: AtomicBool::new(false), wake: Notify::const_new(), trims: AtomicU64::new(0) }
    }

    #[inline]
    pub fn note(&self) {
        if !self.active.load(Ordering::Relaxed) && !self.active.swap(true, Ordering::Relaxed) {
            self.wake.notify_one();
        }
    }

    /// Trims done so far.
    pub fn trims(&self) -> u64 {
        self.trims.load(Ordering::Relaxed)
    }

    /// Wait for activity, then for [`QUIET_BEFORE_TRIM`] without any, call `trim` once, and wait again.
    pub fn spawn(&'static self, trim: fn() -> bool) -> tokio::task::JoinHandle<()> {
        tokio::spawn(self.run(trim))
    }

    async fn run(&self, trim: fn() -> bool) {
        loop {
            self.wake.notified().await;
            // A wake-up stored by a note this loop already waited out (it came during the last quiet period).
            if !self.active.swap(false, Ordering::Relaxed) {
                continue;
            }
            // Quiet: a whole period with no note. Each round clears the flag and looks again after the period.
            let mut busy = 0;
            loop {
                tokio::time::sleep(QUIET_BEFORE_TRIM).await;
                if !self.active.swap(false, Ordering::Relaxed) {
                    break;
                }
                busy += 1;
                if busy >= BUSY_PERIODS_BEFORE_TRIM {
                    // Still active: the next note finds the flag cleared and wakes the loop again.
                    break;
                }
            }
            let started = std::time::Instant::now();
            let released = trim();
            self.trims.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(released, took_us = started.elapsed().as_micros() as u64, "host quiet; returned free heap to the system");
        }
    }
}

impl Default for Trimmer {
    fn default() -> Self {
        Self::new()
    }
}

/// For a test: a trimmer of its own (the process's one is shared by every test in the binary).
#[cfg(test)]
pub(crate) fn leaked_trimmer() -> &'static Trimmer {
    Box::leak(Box::new(Trimmer::new()))
}

/// Return free heap pages to the kernel. True when the allocator released something.
pub fn release_free_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: malloc_trim only walks the allocator's own free lists; it takes no pointers from us.
        unsafe { libc::malloc_trim(0) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counting() -> bool {
        true
    }

    /// Virtual time: the trimmer waits on tokio's clock, so the quiet periods pass without real waiting.
    #[tokio::test(start_paused = true)]
    async fn one_trim_per_quiet_spell_and_none_while_idle() {
        let t = leaked_trimmer();
        let task = t.spawn(counting);
        tokio::time::sleep(QUIET_BEFORE_TRIM * 5).await;
        assert_eq!(t.trims(), 0, "an idle host does not trim");

        // A burst of activity spread over several periods: one trim, after it.
        for _ in 0..30 {
            t.note();
            tokio::time::sleep(QUIET_BEFORE_TRIM / 10).await;
        }
        assert_eq!(t.trims(), 0, "not while the activity lasts");
        tokio::time::sleep(QUIET_BEFORE_TRIM * 3).await;
        assert_eq!(t.trims(), 1, "once after it");
        tokio::time::sleep(QUIET_BEFORE_TRIM * 10).await;
        assert_eq!(t.trims(), 1, "and not again while quiet");

        // The next spell trims again.
        t.note();
        tokio::time::sleep(QUIET_BEFORE_TRIM * 3).await;
        assert_eq!(t.trims(), 2);

        // Activity that never pauses for a whole period still trims, every BUSY_PERIODS_BEFORE_TRIM periods.
        for _ in 0..(BUSY_PERIODS_BEFORE_TRIM * 2 + 5) * 2 {
            t.note();
            tokio::time::sleep(QUIET_BEFORE_TRIM / 2).await;
        }
        assert_eq!(t.trims(), 4, "twice during {} busy periods", BUSY_PERIODS_BEFORE_TRIM * 2 + 5);
        tokio::time::sleep(QUIET_BEFORE_TRIM * 3).await;
        assert_eq!(t.trims(), 5, "and once after");
        task.abort();
    }
}
