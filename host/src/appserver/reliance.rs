//! Every fact about app-server's protocol the host relies on, in one list, next to the code that relies on it: the
//! one contract between this host and the codex it runs.
//!
//! The protocol moves every few weeks. [`super::drift`] checks this list against the JSON schema a codex binary
//! prints (`codex app-server generate-json-schema --experimental`): the host does it at start against the binary it
//! spawns (a broken fact turns off only what depends on it, see [`Site::effect`]), and
//! `conformance/tests/protocol_drift.rs` does it in CI, so a renamed field or a dropped enum value fails a test, not
//! a user. When you make the host send or read something new, add it here. Besides the facts listed, the guard
//! checks that every param app-server requires of what the host sends is one this list names (so a param that
//! becomes required is caught), that every request app-server can send is one the host answers or knowingly
//! declines ([`DECLINED_SERVER_REQUESTS`]), and that every method the host's operations call exists.

/// Where a fact lives in the protocol. Each site belongs to one app-server method: what a broken fact turns off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Site {
    /// Params of a request the host sends.
    Request(&'static str),
    /// The result (or error data) the host reads from a request it sent: `(method, type name)`.
    Response(&'static str, &'static str),
    /// Params of a notification the host reads.
    Notification(&'static str),
    /// Params of a request app-server sends the host.
    ServerRequest(&'static str),
    /// The answer the host sends to a request from app-server: `(method, type name)`.
    Answer(&'static str, &'static str),
}

crate::wire::wire_enum! {
    /// What the host does while a fact about a method does not hold in the running codex's schema.
    pub enum DriftEffect {
        /// The host refuses to call the method: the routes that need it answer `codex_incompatible`.
        Refused = "refused",
        /// The host declines app-server's requests of this kind (as it does any request it does not serve).
        Declined = "declined",
        /// Nothing can be turned off (a notification the relay reads, the handshake): the host goes on and may
        /// misread it; named so a user knows where to look.
        Degraded = "degraded",
    }
}

/// The method the host calls first on every process: refusing it would leave nothing working, so drift in it
/// degrades instead.
pub const HANDSHAKE: &str = "initialize";

impl Site {
    /// The app-server method the site belongs to.
    pub const fn method(self) -> &'static str {
        match self {
            Site::Request(m) | Site::Response(m, _) | Site::Notification(m) | Site::ServerRequest(m) | Site::Answer(m, _) => m,
        }
    }

    /// What a broken fact here turns off.
    pub fn effect(self) -> DriftEffect {
        match self {
            Site::Request(m) | Site::Response(m, _) if m == HANDSHAKE => DriftEffect::Degraded,
            Site::Request(_) | Site::Response(..) => DriftEffect::Refused,
            Site::ServerRequest(_) | Site::Answer(..) => DriftEffect::Declined,
            Site::Notification(_) => DriftEffect::Degraded,
        }
    }

    /// Whether the host writes this object (so every field app-server requires in it must be one the host sends).
    pub const fn is_sent(self) -> bool {
        matches!(self, Site::Request(_) | Site::Answer(..))
    }
}

impl std::fmt::Display for Site {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Site::Request(m) => write!(f, "`{m}` params"),
            Site::Response(m, t) => write!(f, "`{m}` result ({t})"),
            Site::Notification(m) => write!(f, "`{m}` notification"),
            Site::ServerRequest(m) => write!(f, "`{m}` request from app-server"),
            Site::Answer(m, t) => write!(f, "answer to `{m}` ({t})"),
        }
    }
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

/// One fact: at `path` (dot-separated properties; `[]` steps into array items) of `site`, `expect` holds. For a
/// site the host sends, the facts also say which params it sends.
#[derive(Debug, Clone, Copy)]
pub struct Reliance {
    pub site: Site,
    pub path: &'static str,
    pub expect: Expect,
}

const fn r(site: Site, path: &'static str, expect: Expect) -> Reliance {
    Reliance { site, path, expect }
}

/// A method the host calls through one of its Codex operations (`services::codex::CodexOp`), with every top-level
/// param it may send: the guard checks the method exists and that app-server requires no param beyond these.
#[derive(Debug, Clone, Copy)]
pub struct Call {
    pub method: &'static str,
    pub sends: &'static [&'static str],
}

/// Requests app-server can send that the host declines on purpose (it never opts in to them): external ChatGPT
/// tokens, attestation, and the client's clock. Any other request the host does not read is drift.
pub const DECLINED_SERVER_REQUESTS: &[&str] = &["account/chatgptAuthTokens/refresh", "attestation/generate", "currentTime/read"];

/// The list. Grouped by the module that relies on it.
pub const RELIED_ON: &[Reliance] = {
    use Expect::*;
    use Site::*;
    &[
        // appserver::supervisor — the handshake.
        r(Request("initialize"), "clientInfo.name", String),
        r(Request("initialize"), "clientInfo.version", String),
        r(Request("initialize"), "clientInfo.title", Present),
        r(Request("initialize"), "capabilities.experimentalApi", Boolean),
        r(Response("initialize", "InitializeResponse"), "userAgent", String),
        // services::sessions — threads.
        r(Request("thread/start"), "cwd", Present),
        r(Request("thread/start"), "model", Present),
        r(Request("thread/start"), "approvalPolicy", Values(&["untrusted", "on-request", "never"])),
        r(Request("thread/start"), "sandbox", Values(&["read-only", "workspace-write", "danger-full-access"])),
        r(Request("thread/start"), "dynamicTools[].name", String),
        r(Request("thread/start"), "dynamicTools[].description", String),
        r(Request("thread/start"), "dynamicTools[].inputSchema", Present),
        r(Request("thread/start"), "dynamicTools[].type", Values(&["function"])),
        r(Response("thread/start", "ThreadStartResponse"), "thread.id", String),
        r(Response("thread/start", "ThreadStartResponse"), "model", String),
        r(Response("thread/start", "ThreadStartResponse"), "sandbox", Present),
        r(Request("thread/resume"), "threadId", String),
        r(Request("thread/resume"), "cwd", Present),
        r(Request("thread/resume"), "excludeTurns", Boolean),
        r(Response("thread/resume", "ThreadResumeResponse"), "model", String),
        r(Request("thread/fork"), "threadId", String),
        r(Request("thread/fork"), "excludeTurns", Boolean),
        r(Response("thread/fork", "ThreadForkResponse"), "thread.id", String),
        r(Request("thread/name/set"), "threadId", String),
        r(Request("thread/name/set"), "name", String),
        r(Request("thread/delete"), "threadId", String),
        // services::transcript
        r(Request("thread/turns/list"), "threadId", String),
        r(Request("thread/turns/list"), "limit", Integer),
        r(Request("thread/turns/list"), "cursor", String),
        r(Request("thread/turns/list"), "sortDirection", Values(&["asc", "desc"])),
        r(Request("thread/turns/list"), "itemsView", Values(&["full"])),
        r(Response("thread/turns/list", "ThreadTurnsListResponse"), "data", Array),
        r(Response("thread/turns/list", "ThreadTurnsListResponse"), "nextCursor", String),
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
        r(Response("turn/start", "TurnStartResponse"), "turn.id", String),
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
        r(Answer("item/commandExecution/requestApproval", "CommandExecutionRequestApprovalResponse"), "decision", Values(&["accept", "acceptForSession", "decline", "cancel"])),
        r(ServerRequest("item/fileChange/requestApproval"), "itemId", String),
        r(ServerRequest("item/fileChange/requestApproval"), "turnId", String),
        r(Answer("item/fileChange/requestApproval", "FileChangeRequestApprovalResponse"), "decision", Values(&["accept", "acceptForSession", "decline", "cancel"])),
        r(ServerRequest("item/permissions/requestApproval"), "permissions", Present),
        r(Answer("item/permissions/requestApproval", "PermissionsRequestApprovalResponse"), "permissions", Present),
        r(Answer("item/permissions/requestApproval", "PermissionsRequestApprovalResponse"), "scope", Values(&["turn", "session"])),
        r(ServerRequest("item/tool/requestUserInput"), "itemId", String),
        r(ServerRequest("item/tool/requestUserInput"), "questions[].id", String),
        r(ServerRequest("item/tool/requestUserInput"), "questions[].isSecret", Boolean),
        r(Answer("item/tool/requestUserInput", "ToolRequestUserInputResponse"), "answers", Object),
        r(ServerRequest("item/tool/call"), "threadId", String),
        r(ServerRequest("item/tool/call"), "callId", String),
        r(ServerRequest("item/tool/call"), "tool", String),
        r(ServerRequest("item/tool/call"), "arguments", Present),
        r(Answer("item/tool/call", "DynamicToolCallResponse"), "contentItems[].type", Values(&["inputText", "inputImage"])),
        r(Answer("item/tool/call", "DynamicToolCallResponse"), "success", Boolean),
        r(ServerRequest("mcpServer/elicitation/request"), "threadId", String),
        r(Answer("mcpServer/elicitation/request", "McpServerElicitationRequestResponse"), "action", Values(&["accept", "decline", "cancel"])),
        r(Answer("mcpServer/elicitation/request", "McpServerElicitationRequestResponse"), "content", Present),
        r(ServerRequest("execCommandApproval"), "conversationId", Present),
        r(ServerRequest("execCommandApproval"), "callId", String),
        r(ServerRequest("applyPatchApproval"), "conversationId", Present),
        r(Answer("execCommandApproval", "ExecCommandApprovalResponse"), "decision", Values(&["approved", "approved_for_session", "abort"])),
        r(Answer("execCommandApproval", "ExecCommandApprovalResponse"), "decision.denied.rejection", String),
        r(Answer("applyPatchApproval", "ApplyPatchApprovalResponse"), "decision", Values(&["approved", "approved_for_session", "abort"])),
        r(Answer("applyPatchApproval", "ApplyPatchApprovalResponse"), "decision.denied.rejection", String),
        // services::codex::mistakes — the facts that tell a client's mistake from an upstream failure.
        r(Request("model/list"), "modelProvider", String),
        r(Request("model/list"), "cursor", String),
        r(Response("modelProvider/list", "ModelProviderListResponse"), "data[].id", String),
        r(Response("model/list", "ModelProviderError"), "type", Values(&["modelProviderNotConfigured"])),
        r(Request("mcpServerStatus/list"), "cursor", String),
        r(Request("mcpServerStatus/list"), "detail", Values(&["toolsAndAuthOnly"])),
        r(Response("mcpServerStatus/list", "ListMcpServerStatusResponse"), "data[].name", String),
        r(Response("mcpServerStatus/list", "ListMcpServerStatusResponse"), "data[].authStatus", Values(&["unsupported"])),
        r(Response("mcpServerStatus/list", "ListMcpServerStatusResponse"), "nextCursor", String),
        r(Request("thread/revert"), "threadId", String),
        r(Request("thread/revert"), "beforeTurnId", String),
        r(Response("thread/turns/list", "ThreadTurnsListResponse"), "data[].id", String),
        r(Request("thread/read"), "threadId", String),
        r(Response("thread/read", "ThreadReadResponse"), "thread.status.type", Values(&["active"])),
        // services::relay — a turn run inside another (an inline review's reviewer) names its root.
        r(Notification("turn/started"), "turn.rootTurnId", String),
        // services::limits — rate limits, usage-limit failures and token usage.
        r(Notification("turn/completed"), "turn.error.codexErrorInfo", Values(&["usageLimitExceeded"])),
        r(Notification("account/rateLimits/updated"), "rateLimits.primary.usedPercent", Integer),
        r(Notification("account/rateLimits/updated"), "rateLimits.primary.windowDurationMins", Integer),
        r(Notification("account/rateLimits/updated"), "rateLimits.primary.resetsAt", Integer),
        r(Notification("account/rateLimits/updated"), "rateLimits.secondary.usedPercent", Integer),
        r(Response("account/rateLimits/read", "GetAccountRateLimitsResponse"), "rateLimits.primary.usedPercent", Integer),
        r(Notification("thread/tokenUsage/updated"), "threadId", String),
        r(Notification("thread/tokenUsage/updated"), "turnId", String),
        r(Notification("thread/tokenUsage/updated"), "tokenUsage.total.totalTokens", Integer),
        r(Notification("thread/tokenUsage/updated"), "tokenUsage.total.inputTokens", Integer),
        r(Notification("thread/tokenUsage/updated"), "tokenUsage.total.cachedInputTokens", Integer),
        r(Notification("thread/tokenUsage/updated"), "tokenUsage.total.outputTokens", Integer),
        r(Notification("thread/tokenUsage/updated"), "tokenUsage.total.reasoningOutputTokens", Integer),
        r(Notification("thread/tokenUsage/updated"), "tokenUsage.last.totalTokens", Integer),
        // services::codex::watch — the end of a login.
        r(Notification("account/login/completed"), "loginId", String),
        r(Notification("account/login/completed"), "success", Boolean),
        r(Notification("account/login/completed"), "error", String),
    ]
};
