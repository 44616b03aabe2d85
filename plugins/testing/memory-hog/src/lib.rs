//! Test plugin `memory-hog`: on-event (and run-job) keep allocating 1 MiB blocks and writing to every page
//! of them until an allocation fails, which aborts the instance (a trap). The host's memory limit must stop
//! it well before the machine runs short.

use codex_manager_plugin_sdk::{self as sdk, export_plugin, Event, Job, JobOutcome, Plugin};

const BLOCK: usize = 1 << 20;
const PAGE: usize = 4096;

struct MemoryHog;

impl Plugin for MemoryHog {
    fn on_event(_event: &Event) -> Result<(), String> {
        hog()
    }

    fn run_job(_job: &Job) -> JobOutcome {
        hog()
    }
}

export_plugin!(MemoryHog);

fn hog() -> ! {
    sdk::log::info("memory-hog: allocating until it fails");
    let mut blocks: Vec<Vec<u8>> = Vec::new();
    loop {
        // A write per page, so the memory is really used and not just reserved. An allocation that fails
        // aborts (a trap) instead of returning.
        let mut block = vec![0u8; BLOCK];
        for i in (0..BLOCK).step_by(PAGE) {
            block[i] = (blocks.len() as u8).wrapping_add(1);
        }
        blocks.push(std::hint::black_box(block));
    }
}
