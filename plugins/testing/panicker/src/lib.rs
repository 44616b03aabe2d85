//! Test plugin `panicker`: every entry point panics. On wasm32 a Rust panic aborts the instance with an
//! `unreachable` trap; the host must record the failure and use a fresh instance for the next call.

use codex_manager_plugin_sdk::{export_plugin, Event, Job, JobOutcome, Plugin, ToolCall, ToolResult};

struct Panicker;

impl Plugin for Panicker {
    fn on_event(event: &Event) -> Result<(), String> {
        panic!("panicker: deliberate panic in on-event (event {})", event.seq)
    }

    fn run_job(job: &Job) -> JobOutcome {
        panic!("panicker: deliberate panic in run-job (job {})", job.id)
    }

    fn call_tool(call: &ToolCall) -> Result<ToolResult, String> {
        panic!("panicker: deliberate panic in call-tool (tool {})", call.tool)
    }
}

export_plugin!(Panicker);
