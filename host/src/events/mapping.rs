//! The host's event vocabulary for what app-server says.
//!
//! Each app-server notification method maps to one stable host type. A method with no mapping yet still flows,
//! as `app_server.<method>`, with its params untouched: nothing app-server says is dropped.

use std::borrow::Cow;

/// The host event type for an app-server notification method.
pub fn host_type_for(method: &str) -> Cow<'static, str> {
    let mapped = match method {
        "thread/started" => "session.thread_started",
        "thread/status/changed" => "session.status_changed",
        "thread/name/updated" => "session.name_updated",
        "thread/tokenUsage/updated" => "session.token_usage",
        "thread/closed" => "session.thread_closed",
        "thread/archived" => "session.thread_archived",
        "thread/unarchived" => "session.thread_unarchived",
        "thread/compacted" => "session.compacted",
        "turn/started" => "turn.started",
        "turn/completed" => "turn.completed",
        "turn/diff/updated" => "turn.diff_updated",
        "turn/plan/updated" => "turn.plan_updated",
        "error" => "turn.error",
        "item/started" => "item.started",
        "item/completed" => "item.completed",
        "item/agentMessage/delta" => "item.delta",
        "item/reasoning/summaryTextDelta" => "item.reasoning.delta",
        "item/reasoning/summaryPartAdded" => "item.reasoning.part_added",
        "item/reasoning/textDelta" => "item.reasoning.text_delta",
        "item/commandExecution/outputDelta" => "item.command.output_delta",
        "item/commandExecution/terminalInteraction" => "item.command.terminal_interaction",
        "item/fileChange/outputDelta" => "item.file_change.output_delta",
        "item/fileChange/patchUpdated" => "item.file_change.patch_updated",
        "item/plan/delta" => "item.plan.delta",
        "item/mcpToolCall/progress" => "item.mcp.progress",
        "warning" | "configWarning" | "deprecationNotice" | "guardianWarning" => "runtime.warning",
        "account/rateLimits/updated" => "runtime.rate_limits",
        _ => return Cow::Owned(format!("app_server.{method}")),
    };
    Cow::Borrowed(mapped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_methods_map_and_unknown_ones_pass_through() {
        assert_eq!(host_type_for("item/agentMessage/delta"), "item.delta");
        assert_eq!(host_type_for("turn/completed"), "turn.completed");
        assert_eq!(host_type_for("thread/goal/updated"), "app_server.thread/goal/updated");
    }
}
