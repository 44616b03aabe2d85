//! Test plugin `looper`: every entry point spins forever. The host must interrupt it (epoch deadline or
//! timeout) and go on serving the other plugins.

use codex_manager_plugin_sdk::{export_plugin, Event, Job, JobOutcome, Plugin, ToolCall, ToolResult};

struct Looper;

impl Plugin for Looper {
    fn on_event(_event: &Event) -> Result<(), String> {
        spin()
    }

    fn run_job(_job: &Job) -> JobOutcome {
        spin()
    }

    fn call_tool(_call: &ToolCall) -> Result<ToolResult, String> {
        spin()
    }
}

export_plugin!(Looper);

/// A loop the optimizer cannot remove: the counter goes through `black_box` every round.
fn spin() -> ! {
    let mut n: u64 = 0;
    loop {
        n = std::hint::black_box(n.wrapping_add(1));
    }
}
