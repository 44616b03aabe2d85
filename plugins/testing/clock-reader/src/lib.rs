//! Test plugin `clock-reader`: the tool `now` answers the Unix time (seconds) the plugin's WASI clock gives.
//! Without the `clock` capability the host freezes that clock at the epoch, so the answer is 0.

use codex_manager_plugin_sdk::{export_plugin, Plugin, ToolCall, ToolResult};

struct ClockReader;

impl Plugin for ClockReader {
    fn call_tool(call: &ToolCall) -> Result<ToolResult, String> {
        match call.tool.as_str() {
            "now" => {
                let secs = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                Ok(ToolResult::ok(secs.to_string()))
            }
            other => Err(format!("clock-reader offers no tool `{other}`")),
        }
    }
}

export_plugin!(ClockReader);
