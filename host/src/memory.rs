//! Giving freed memory back to the system once the host goes quiet.
//!
//! glibc keeps freed heap in its arenas: after a burst (a 20,000-delta reply, a flood of connections, a plugin
//! compile, thousands of reads) the process would otherwise stay at its peak size for good. `malloc_trim(0)` hands
//! every arena's free pages back to the kernel, but it walks the whole heap, so it runs once per quiet spell rather
//! than after each piece of work: whatever allocates in bulk says so with [`note_activity`] (a relaxed load on the
//! hot path; a wake-up only for the first note after a trim), and one task trims when no note came for
//! [`QUIET_BEFORE_TRIM`] (or after [`BUSY_PERIODS_BEFORE_TRIM`] periods of unbroken activity). An idle host never
//! wakes for it.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

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
    TRIMMER.spawn(release_memory)
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

/// What the quiet trim does: free heap back to the kernel, then the executable's idle code pages out of this
/// process's page tables. True when the allocator released something.
pub fn release_memory() -> bool {
    let released = release_free_memory();
    let unmapped = unmap_idle_code();
    tracing::debug!(unmapped_kib = unmapped >> 10, "unmapped the executable's read-only pages until they run again");
    released
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

/// Drop this process's mappings of its own executable's read-only pages (code, constants): bytes unmapped.
///
/// Resident memory counts every page of the executable the process has touched, and the kernel maps 64 KiB around
/// each page it faults in: start-up (migrations, the CLI parser, linking the plugin runtime) leaves ~20 MiB of a
/// 30 MiB executable mapped that an idle host never runs again. `MADV_DONTNEED` on a read-only private file mapping
/// only removes the page-table entries: the pages stay in the page cache, and code that runs again is mapped back
/// by a minor fault (no I/O). A segment holding a private copy of a page (a debugger's breakpoint, a uprobe) is
/// left alone, since dropping the copy would remove the probe.
pub fn unmap_idle_code() -> usize {
    #[cfg(target_os = "linux")]
    {
        linux::unmap_idle_code().unwrap_or(0)
    }
    #[cfg(not(target_os = "linux"))]
    {
        0
    }
}

#[cfg(target_os = "linux")]
mod linux {
    use std::io::{Read, Seek, SeekFrom};

    /// pagemap: the page is present / the page is file-backed (or shared anonymous).
    const PRESENT: u64 = 1 << 63;
    const FILE: u64 = 1 << 61;

    pub fn unmap_idle_code() -> std::io::Result<usize> {
        let exe = std::fs::read_link("/proc/self/exe")?;
        let exe = exe.to_string_lossy();
        let maps = std::fs::read_to_string("/proc/self/maps")?;
        let mut pagemap = std::fs::File::open("/proc/self/pagemap")?;
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
        let mut unmapped = 0;
        for line in maps.lines() {
            let mut fields = line.split_whitespace();
            let (Some(range), Some(perms)) = (fields.next(), fields.next()) else { continue };
            // offset, device, inode, then the path.
            if fields.nth(3) != Some(exe.as_ref()) || perms.as_bytes().get(1) != Some(&b'-') || perms.as_bytes().get(3) != Some(&b'p') {
                continue;
            }
            let Some((start, end)) = range.split_once('-') else { continue };
            let (Ok(start), Ok(end)) = (usize::from_str_radix(start, 16), usize::from_str_radix(end, 16)) else { continue };
            if private_copies(&mut pagemap, start, end, page)? {
                continue;
            }
            // SAFETY: the range is a whole mapping of this process, read-only and file-backed, with no private copy
            // in it: dropping its page-table entries changes no byte any thread can read.
            if unsafe { libc::madvise(start as *mut libc::c_void, end - start, libc::MADV_DONTNEED) } == 0 {
                unmapped += end - start;
            }
        }
        Ok(unmapped)
    }

    /// Whether any present page of [start, end) is not the file's own page.
    fn private_copies(pagemap: &mut std::fs::File, start: usize, end: usize, page: usize) -> std::io::Result<bool> {
        let mut entries = vec![0u8; (end - start) / page * 8];
        pagemap.seek(SeekFrom::Start((start / page * 8) as u64))?;
        pagemap.read_exact(&mut entries)?;
        Ok(entries.chunks_exact(8).map(|e| u64::from_ne_bytes(e.try_into().expect("8 bytes"))).any(|e| e & PRESENT != 0 && e & FILE == 0))
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

    /// The executable's pages come back when they run or are read again: unmapping them changes nothing a
    /// thread can see, and something was unmapped (this test binary touched its code to get here).
    #[test]
    fn unmapped_code_and_constants_still_run_and_read_the_same() {
        static TABLE: [u64; 4096] = {
            let mut t = [0u64; 4096];
            let mut i = 0;
            while i < t.len() {
                t[i] = (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                i += 1;
            }
            t
        };
        let sum = |t: &[u64]| t.iter().fold(0u64, |a, b| a.wrapping_add(*b));
        let before = sum(std::hint::black_box(&TABLE));
        assert!(unmap_idle_code() > 0);
        assert_eq!(sum(std::hint::black_box(&TABLE)), before);
        assert!(unmap_idle_code() > 0, "again, after the pages came back");
    }
}
