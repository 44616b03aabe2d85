//! Test plugin `big-output`: run-job succeeds with a 16 MiB JSON string, call-tool returns 16 MiB of text.
//! The host must bound what it accepts from a plugin (refuse or truncate, visibly) without running out of
//! memory or blocking other plugins.

use codex_manager_plugin_sdk::{export_plugin, Job, JobOutcome, Plugin, ToolCall, ToolResult};

/// 16 MiB, exactly: the size of both outputs in bytes.
const SIZE: usize = 16 << 20;

struct BigOutput;

impl Plugin for BigOutput {
    fn run_job(_job: &Job) -> JobOutcome {
        // A valid JSON document: one string of SIZE - 2 `a`s between quotes.
        let mut json = String::with_capacity(SIZE);
        json.push('"');
        json.extend(std::iter::repeat_n('a', SIZE - 2));
        json.push('"');
        JobOutcome::Succeeded(json)
    }

    fn call_tool(_call: &ToolCall) -> Result<ToolResult, String> {
        Ok(ToolResult::ok("a".repeat(SIZE)))
    }
}

export_plugin!(BigOutput);
