//! Test plugin `well-behaved`: the reference plugin of the conformance suite.
//!
//! - on-event (every event): adds one to the decimal counter under the kv key `events`;
//! - call-tool `echo`: returns its arguments, as given, as a successful result;
//! - run-job `test.echo`: succeeds with its payload, as given.

use codex_manager_plugin_sdk::{self as sdk, export_plugin, Event, Job, JobOutcome, Plugin, ToolCall, ToolResult};

/// The kv key of the event counter.
const COUNTER: &str = "events";

struct WellBehaved;

impl Plugin for WellBehaved {
    fn on_event(_event: &Event) -> Result<(), String> {
        let count = match sdk::kv::get(COUNTER)? {
            Some(value) => {
                value.trim().parse::<u64>().map_err(|err| format!("kv `{COUNTER}` is not a count: {err}"))?
            }
            None => 0,
        };
        sdk::kv::set(COUNTER, &(count + 1).to_string())?;
        Ok(())
    }

    fn run_job(job: &Job) -> JobOutcome {
        match job.kind.as_str() {
            "test.echo" => JobOutcome::Succeeded(job.payload.clone()),
            other => JobOutcome::failed(format!("well-behaved runs no jobs of kind `{other}`")),
        }
    }

    fn call_tool(call: &ToolCall) -> Result<ToolResult, String> {
        match call.tool.as_str() {
            "echo" => Ok(ToolResult::ok(call.arguments.clone())),
            other => Err(format!("well-behaved offers no tool `{other}`")),
        }
    }
}

export_plugin!(WellBehaved);
