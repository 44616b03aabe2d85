//! Every fact about app-server's protocol the host relies on, in one list, next to the code that relies on it.
//!
//! The protocol moves every few weeks. `conformance/tests/protocol_drift.rs` checks this list against the JSON
//! schema the installed codex prints (`codex app-server generate-json-schema --experimental`), so a renamed field or
//! a dropped enum value fails a test, not a user. When you make the host send or read something new, add it here.

/// Where a fact lives in the protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// Params of a request the host sends.
    Request(&'static str),
    /// Params of a notification the host reads.
    Notification(&'static str),
    /// Params of a request app-server sends the host.
    ServerRequest(&'static str),
    /// A named type: a result the host reads, or an answer it sends.
    Type(&'static str),
}

/// What must hold at the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The property exists (any type).
    Present,
    String,
    Boolean,
    Integer,
    Array,
    Object,
    /// A string (or enum) that can take each of these values.
    Values(&'static [&'static str]),
}

/// One fact: at `path` (dot-separated properties; `[]` steps into array items) of `site`, `expect` holds.
#[derive(Debug, Clone, Copy)]
pub struct Reliance {
    pub site: Site,
    pub path: &'static str,
    pub expect: Expect,
}

const fn r(site: Site, path: &'static str, expect: Expect) -> Reliance {
    Reliance { site, path, expect }
}

use Expect::*;
use Site::*;

/// The list. Grouped by the module that relies on it.
pub const RELIED_ON: &[Reliance] = &[
    // appserver::supervisor — the handshake.
    r(Request("initialize"), "clientInfo.name", String),
    r(Request("initialize"), "clientInfo.version", String),
    r(Request("initialize"), "clientInfo.title", Present),
    r(Request("initialize"), "capabilities.experimentalApi", Boolean),
    r(Type("InitializeResponse"), "userAgent", String),
    // services::sessions — threads.
    r(Request("thread/start"), "cwd", Present),
    r(Request("thread/start"), "model", Present),
    r(Request("thread/start"), "approvalPolicy", Values(&["untrusted", "on-request", "never"])),
    r(Request("thread/start"), "sandbox", Values(&["read-only", "workspace-write", "danger-full-access"])),
    r(Request("thread/start"), "dynamicTools[].name", String),
    r(Request("thread/start"), "dynamicTools[].description", String),
    r(Request("thread/start"), "dynamicTools[].inputSchema", Present),
    r(Request("thread/start"), "dynamicTools[].type", Values(&["function"])),
    r(Type("ThreadStartResponse"), "thread.id", String),
    r(Type("ThreadStartResponse"), "model", String),
    r(Type("ThreadStartResponse"), "sandbox", Present),
    r(Request("thread/resume"), "threadId", String),
    r(Request("thread/resume"), "cwd", Present),
    r(Request("thread/resume"), "excludeTurns", Boolean),
    r(Type("ThreadResumeResponse"), "model", String),
    r(Request("thread/fork"), "threadId", String),
    r(Request("thread/fork"), "excludeTurns", Boolean),
    r(Type("ThreadForkResponse"), "thread.id", String),
    r(Request("thread/name/set"), "threadId", String),
    r(Request("thread/name/set"), "name", String),
    r(Request("thread/delete"), "threadId", String),
    // services::transcript
    r(Request("thread/turns/list"), "threadId", String),
    r(Request("thread/turns/list"), "limit", Integer),
    r(Request("thread/turns/list"), "cursor", String),
    r(Request("thread/turns/list"), "sortDirection", Values(&["asc", "desc"])),
    r(Request("thread/turns/list"), "itemsView", Values(&["full"])),
    r(Type("ThreadTurnsListResponse"), "data", Array),
    r(Type("ThreadTurnsListResponse"), "nextCursor", String),
    // services::turns
    r(Request("turn/start"), "threadId", String),
    r(Request("turn/start"), "input[].type", Values(&["text"])),
    r(Request("turn/start"), "input[].text", String),
    r(Request("turn/start"), "model", String),
    r(Request("turn/start"), "effort", Present),
    r(Request("turn/start"), "approvalPolicy", Values(&["untrusted", "on-request", "never"])),
    r(Request("turn/start"), "sandboxPolicy.type", Values(&["readOnly", "workspaceWrite", "dangerFullAccess"])),
    r(Request("turn/start"), "sandboxPolicy.networkAccess", Present),
    r(Request("turn/start"), "collaborationMode.mode", Values(&["plan", "default"])),
    r(Request("turn/start"), "collaborationMode.settings.model", String),
    r(Type("TurnStartResponse"), "turn.id", String),
    r(Request("turn/steer"), "threadId", String),
    r(Request("turn/steer"), "expectedTurnId", String),
    r(Request("turn/steer"), "input", Array),
    r(Request("turn/interrupt"), "threadId", String),
    r(Request("turn/interrupt"), "turnId", String),
    // services::relay — notifications.
    r(Notification("thread/started"), "thread.id", String),
    r(Notification("thread/closed"), "threadId", String),
    r(Notification("thread/status/changed"), "threadId", String),
    r(Notification("thread/status/changed"), "status.type", Values(&["active", "idle"])),
    r(Notification("thread/status/changed"), "status.activeFlags", Values(&["waitingOnApproval", "waitingOnUserInput"])),
    r(Notification("turn/started"), "threadId", String),
    r(Notification("turn/started"), "turn.id", String),
    r(Notification("turn/completed"), "threadId", String),
    r(Notification("turn/completed"), "turn.id", String),
    r(Notification("turn/completed"), "turn.status", Values(&["completed", "interrupted", "failed", "inProgress"])),
    r(Notification("turn/completed"), "turn.error.message", String),
    r(Notification("item/started"), "threadId", String),
    r(Notification("item/started"), "turnId", String),
    r(Notification("item/started"), "item.id", String),
    r(Notification("item/completed"), "item.id", String),
    r(Notification("item/agentMessage/delta"), "threadId", String),
    r(Notification("item/agentMessage/delta"), "turnId", String),
    r(Notification("item/agentMessage/delta"), "delta", String),
    r(Notification("serverRequest/resolved"), "threadId", String),
    r(Notification("serverRequest/resolved"), "requestId", Present),
    // services::requests — what app-server asks, and the answers the host sends.
    r(ServerRequest("item/commandExecution/requestApproval"), "threadId", String),
    r(ServerRequest("item/commandExecution/requestApproval"), "turnId", String),
    r(ServerRequest("item/commandExecution/requestApproval"), "itemId", String),
    r(ServerRequest("item/commandExecution/requestApproval"), "availableDecisions", Array),
    r(Type("CommandExecutionRequestApprovalResponse"), "decision", Values(&["accept", "acceptForSession", "decline", "cancel"])),
    r(ServerRequest("item/fileChange/requestApproval"), "itemId", String),
    r(ServerRequest("item/fileChange/requestApproval"), "turnId", String),
    r(Type("FileChangeRequestApprovalResponse"), "decision", Values(&["accept", "acceptForSession", "decline", "cancel"])),
    r(ServerRequest("item/permissions/requestApproval"), "permissions", Present),
    r(Type("PermissionsRequestApprovalResponse"), "permissions", Present),
    r(Type("PermissionsRequestApprovalResponse"), "scope", Values(&["turn", "session"])),
    r(ServerRequest("item/tool/requestUserInput"), "itemId", String),
    r(ServerRequest("item/tool/requestUserInput"), "questions[].id", String),
    r(ServerRequest("item/tool/requestUserInput"), "questions[].isSecret", Boolean),
    r(Type("ToolRequestUserInputResponse"), "answers", Object),
    r(ServerRequest("item/tool/call"), "threadId", String),
    r(ServerRequest("item/tool/call"), "callId", String),
    r(ServerRequest("item/tool/call"), "tool", String),
    r(ServerRequest("item/tool/call"), "arguments", Present),
    r(Type("DynamicToolCallResponse"), "contentItems[].type", Values(&["inputText", "inputImage"])),
    r(Type("DynamicToolCallResponse"), "success", Boolean),
    r(ServerRequest("mcpServer/elicitation/request"), "threadId", String),
    r(Type("McpServerElicitationRequestResponse"), "action", Values(&["accept", "decline", "cancel"])),
    r(Type("McpServerElicitationRequestResponse"), "content", Present),
    r(ServerRequest("execCommandApproval"), "conversationId", Present),
    r(ServerRequest("execCommandApproval"), "callId", String),
    r(ServerRequest("applyPatchApproval"), "conversationId", Present),
    r(Type("ExecCommandApprovalResponse"), "decision", Values(&["approved", "approved_for_session", "abort"])),
    r(Type("ExecCommandApprovalResponse"), "decision.denied.rejection", String),
    r(Type("ApplyPatchApprovalResponse"), "decision", Values(&["approved", "approved_for_session", "abort"])),
    r(Type("ApplyPatchApprovalResponse"), "decision.denied.rejection", String),
    // services::codex::mistakes — the facts that tell a client's mistake from an upstream failure.
    r(Request("model/list"), "modelProvider", String),
    r(Request("model/list"), "cursor", String),
    r(Type("ModelProviderListResponse"), "data[].id", String),
    r(Type("ModelProviderError"), "type", Values(&["modelProviderNotConfigured"])),
    r(Request("mcpServerStatus/list"), "cursor", String),
    r(Request("mcpServerStatus/list"), "detail", Values(&["toolsAndAuthOnly"])),
    r(Type("ListMcpServerStatusResponse"), "data[].name", String),
    r(Type("ListMcpServerStatusResponse"), "data[].authStatus", Values(&["unsupported"])),
    r(Type("ListMcpServerStatusResponse"), "nextCursor", String),
    r(Request("thread/revert"), "threadId", String),
    r(Request("thread/revert"), "beforeTurnId", String),
    r(Type("ThreadTurnsListResponse"), "data[].id", String),
];
