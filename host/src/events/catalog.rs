//! The catalog of event types: every `type` the host writes to the log (or sends on the websocket only), where it
//! comes from and what its `data` is. Producers name an [`EventType`], never a string, so the catalog, the OpenAPI
//! document (`components.schemas.EventType`) and docs/api.md's event tables are one fact (a conformance test holds
//! the docs to it).
//!
//! One family is open: app-server notifications the host has no type for flow as `app_server.<method>`
//! ([`EventKind::PassThrough`]). Their set is app-server's, not ours (a newer codex adds methods), so they cannot be
//! variants; the enum covers every type the host decides, and the pass-through prefix is part of the catalog.

use std::fmt;

use serde_json::{json, Value};

/// Where an event type comes from, and so what its `data` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// An app-server notification, renamed: `data` is the notification's params, unchanged. Some of these
    /// (`turn.completed`, `item.completed`) are also written by the host, marked `closedByHost: true`.
    AppServer(&'static [&'static str]),
    /// Built by the host. `data` is the named component schema, or the fields listed in `fields`.
    Host(Data),
    /// Sent on the websocket only, never stored.
    Stream(Data),
}

/// The `data` of a host-built event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Data {
    /// A component schema of the OpenAPI document (`Session`, `Job`, ...).
    Schema(&'static str),
    /// An object with these members, written as in docs/api.md (`{id, threadId}`).
    Fields(&'static str),
}

macro_rules! event_types {
    ($($variant:ident = $wire:literal, $source:expr;)*) => {
        /// Every event type the host decides. The wire string is [`EventType::as_str`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum EventType { $($variant,)* }

        impl EventType {
            pub const ALL: &'static [EventType] = &[$(EventType::$variant,)*];

            pub const fn as_str(self) -> &'static str {
                match self { $(EventType::$variant => $wire,)* }
            }

            pub fn source(self) -> Source {
                use Data::*;
                use Source::*;
                match self { $(EventType::$variant => $source,)* }
            }
        }
    };
}

const fn app(methods: &'static [&'static str]) -> Source {
    Source::AppServer(methods)
}

event_types! {
    // From app-server notifications.
    SessionThreadStarted = "session.thread_started", app(&["thread/started"]);
    SessionStatusChanged = "session.status_changed", app(&["thread/status/changed"]);
    SessionNameUpdated = "session.name_updated", app(&["thread/name/updated"]);
    SessionTokenUsage = "session.token_usage", app(&["thread/tokenUsage/updated"]);
    SessionThreadClosed = "session.thread_closed", app(&["thread/closed"]);
    SessionThreadArchived = "session.thread_archived", app(&["thread/archived"]);
    SessionThreadUnarchived = "session.thread_unarchived", app(&["thread/unarchived"]);
    SessionCompacted = "session.compacted", app(&["thread/compacted"]);
    TurnStarted = "turn.started", app(&["turn/started"]);
    TurnCompleted = "turn.completed", app(&["turn/completed"]);
    TurnDiffUpdated = "turn.diff_updated", app(&["turn/diff/updated"]);
    TurnPlanUpdated = "turn.plan_updated", app(&["turn/plan/updated"]);
    TurnError = "turn.error", app(&["error"]);
    ItemStarted = "item.started", app(&["item/started"]);
    ItemCompleted = "item.completed", app(&["item/completed"]);
    ItemDelta = "item.delta", app(&["item/agentMessage/delta"]);
    ItemReasoningDelta = "item.reasoning.delta", app(&["item/reasoning/summaryTextDelta"]);
    ItemReasoningPartAdded = "item.reasoning.part_added", app(&["item/reasoning/summaryPartAdded"]);
    ItemReasoningTextDelta = "item.reasoning.text_delta", app(&["item/reasoning/textDelta"]);
    ItemCommandOutputDelta = "item.command.output_delta", app(&["item/commandExecution/outputDelta"]);
    ItemCommandTerminalInteraction = "item.command.terminal_interaction", app(&["item/commandExecution/terminalInteraction"]);
    ItemFileChangeOutputDelta = "item.file_change.output_delta", app(&["item/fileChange/outputDelta"]);
    ItemFileChangePatchUpdated = "item.file_change.patch_updated", app(&["item/fileChange/patchUpdated"]);
    ItemPlanDelta = "item.plan.delta", app(&["item/plan/delta"]);
    ItemMcpProgress = "item.mcp.progress", app(&["item/mcpToolCall/progress"]);
    RuntimeWarning = "runtime.warning", app(&["warning", "configWarning", "deprecationNotice", "guardianWarning"]);
    RuntimeRateLimits = "runtime.rate_limits", app(&["account/rateLimits/updated"]);

    // Sessions and projects.
    SessionCreated = "session.created", Host(Schema("Session"));
    SessionUpdated = "session.updated", Host(Schema("Session"));
    SessionArchived = "session.archived", Host(Schema("Session"));
    SessionUnarchived = "session.unarchived", Host(Schema("Session"));
    SessionDeleted = "session.deleted", Host(Fields("{id}"));
    SessionResumed = "session.resumed", Host(Fields("{id, threadId}"));
    SessionThreadReplaced = "session.thread_replaced", Host(Fields("{id, oldThreadId, threadId, reason}"));
    SessionControlsUpdated = "session.controls_updated", Host(Fields("{own, defaults, effective}"));
    SessionSettingChanged = "session.setting_changed", Host(Fields("{key, value}"));
    SessionSettingDeleted = "session.setting_deleted", Host(Fields("{key}"));
    SessionNoteAdded = "session.note_added", Host(Schema("SessionNote"));
    ProjectCreated = "project.created", Host(Schema("Project"));
    ProjectUpdated = "project.updated", Host(Schema("Project"));
    ProjectDeleted = "project.deleted", Host(Fields("{id}"));
    ControlsDefaultsUpdated = "controls.defaults_updated", Host(Schema("SessionControls"));

    // The app-server process.
    RuntimeReady = "runtime.ready", Host(Fields("{generation, userAgent}"));
    RuntimeExited = "runtime.exited", Host(Fields("{generation, reason}"));
    RuntimeUnresponsive = "runtime.unresponsive", Host(Fields("{generation, pid, reason}"));
    RuntimeResponsive = "runtime.responsive", Host(Fields("{generation}"));
    RuntimeStopped = "runtime.stopped", Host(Fields("{reason}"));
    RuntimeProtocolError = "runtime.protocol_error", Host(Fields("{generation, error, line}"));

    // Requests waiting for an answer.
    ApprovalRequested = "approval.requested", Host(Schema("PendingRequest"));
    ApprovalResolved = "approval.resolved", Host(Schema("PendingRequest"));
    ApprovalExpired = "approval.expired", Host(Schema("PendingRequest"));
    ApprovalAssessed = "approval.assessed", Host(Schema("PendingRequest"));
    ToolInputRequested = "tool_input.requested", Host(Schema("PendingRequest"));
    ToolInputResolved = "tool_input.resolved", Host(Schema("PendingRequest"));
    ToolInputExpired = "tool_input.expired", Host(Schema("PendingRequest"));
    ToolCallRequested = "tool_call.requested", Host(Schema("PendingRequest"));
    ToolCallResolved = "tool_call.resolved", Host(Schema("PendingRequest"));
    ToolCallExpired = "tool_call.expired", Host(Schema("PendingRequest"));
    AppServerRequestDeclined = "app_server.request_declined", Host(Fields("{method, requestId, params, reason}"));

    // The Codex surface: a call that changed something (the data is in docs/api.md's Codex surface table).
    AccountLoginStarted = "account.login_started", Host(Fields("{type}"));
    AccountLoginCanceled = "account.login_canceled", Host(Fields("{loginId}"));
    AccountLoggedOut = "account.logged_out", Host(Fields("{}"));
    ConfigUpdated = "config.updated", Host(Fields("{keyPaths}"));
    ConfigSkillChanged = "config.skill_changed", Host(Fields("{name, enabled}"));
    ConfigFeatureChanged = "config.feature_changed", Host(Fields("{name, enabled}"));
    McpReloaded = "mcp.reloaded", Host(Fields("{}"));
    McpLoginStarted = "mcp.login_started", Host(Fields("{name}"));
    SessionReviewStarted = "session.review_started", Host(Fields("{target, delivery}"));
    SessionCompactionStarted = "session.compaction_started", Host(Fields("{}"));
    SessionReverted = "session.reverted", Host(Fields("{beforeTurnId}"));
    SessionBackgroundTerminalsCleaned = "session.background_terminals_cleaned", Host(Fields("{}"));
    SessionShellCommandStarted = "session.shell_command_started", Host(Fields("{command}"));
    ExecFinished = "exec.finished", Host(Fields("{command, processId}"));
    FeedbackUploaded = "feedback.uploaded", Host(Fields("{classification}"));

    // Plugins and jobs.
    PluginInstalled = "plugin.installed", Host(Schema("PluginInfo"));
    PluginUpgraded = "plugin.upgraded", Host(Schema("PluginInfo"));
    PluginEnabled = "plugin.enabled", Host(Schema("PluginInfo"));
    PluginDisabled = "plugin.disabled", Host(Schema("PluginInfo"));
    PluginRemoved = "plugin.removed", Host(Fields("{id, version}"));
    PluginSettingsChanged = "plugin.settings_changed", Host(Schema("PluginSettings"));
    FollowupQueued = "followup.queued", Host(Schema("Followup"));
    FollowupUpdated = "followup.updated", Host(Schema("Followup"));
    FollowupReordered = "followup.reordered", Host(Fields("{sessionId, ids}"));
    FollowupRemoved = "followup.removed", Host(Schema("Followup"));
    FollowupStarting = "followup.starting", Host(Schema("Followup"));
    FollowupStarted = "followup.started", Host(Schema("Followup"));
    FollowupFailed = "followup.failed", Host(Schema("Followup"));
    FollowupPaused = "followup.paused", Host(Schema("FollowupQueue"));
    FollowupResumed = "followup.resumed", Host(Schema("FollowupQueue"));
    JobQueued = "job.queued", Host(Schema("Job"));
    JobStarted = "job.started", Host(Schema("Job"));
    JobRetrying = "job.retrying", Host(Schema("Job"));
    JobSucceeded = "job.succeeded", Host(Schema("Job"));
    JobFailed = "job.failed", Host(Schema("Job"));
    JobCanceled = "job.canceled", Host(Schema("Job"));
    JobWaiting = "job.waiting", Host(Schema("Job"));
    LimitsUpdated = "limits.updated", Host(Schema("LimitsStatus"));

    // The websocket only.
    Reset = "reset", Stream(Fields("{reason, oldestSeq, latestSeq}"));
    RequestsPending = "requests.pending", Stream(Fields("{requests}"));
}

/// The prefix of app-server notifications the host passes through without a type of its own.
pub const PASS_THROUGH_PREFIX: &str = "app_server.";

impl EventType {
    pub fn parse(wire: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|t| t.as_str() == wire)
    }

    /// The pieces of a streamed item: what app-server sends many of a second while an item streams, and what an
    /// item's `item.completed` carries whole.
    pub const STREAM_PIECES: &'static [EventType] = &[
        EventType::ItemDelta,
        EventType::ItemReasoningDelta,
        EventType::ItemReasoningTextDelta,
        EventType::ItemCommandOutputDelta,
        EventType::ItemFileChangeOutputDelta,
        EventType::ItemPlanDelta,
    ];
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An event's `type` matched against the catalog: `event.kind == EventType::TurnCompleted`.
impl PartialEq<EventType> for String {
    fn eq(&self, other: &EventType) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<EventType> for str {
    fn eq(&self, other: &EventType) -> bool {
        self == other.as_str()
    }
}

/// The type of an event from an app-server notification: one of the catalog's, or the open pass-through family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    Known(EventType),
    PassThrough(String),
}

impl EventKind {
    /// The event type for an app-server notification method. A method with no type yet still flows, as
    /// `app_server.<method>` with its params untouched: nothing app-server says is dropped.
    pub fn for_method(method: &str) -> Self {
        // Looked up for every line app-server sends (a delta at a time while a reply streams): a map, not a walk
        // through the catalog. A method names one type (`wire_strings_and_methods_are_unique`).
        static BY_METHOD: std::sync::LazyLock<std::collections::HashMap<&'static str, EventType>> =
            std::sync::LazyLock::new(|| {
                let mut map = std::collections::HashMap::new();
                for t in EventType::ALL {
                    if let Source::AppServer(methods) = t.source() {
                        for method in methods {
                            map.insert(*method, *t);
                        }
                    }
                }
                map
            });
        match BY_METHOD.get(method) {
            Some(t) => Self::Known(*t),
            None => Self::PassThrough(format!("{PASS_THROUGH_PREFIX}{method}")),
        }
    }

    /// An event's `type` as it is logged: a catalog type, or a pass-through.
    pub fn parse(wire: &str) -> Self {
        match EventType::parse(wire) {
            Some(t) => Self::Known(t),
            None => Self::PassThrough(wire.to_owned()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            Self::Known(t) => t.as_str(),
            Self::PassThrough(s) => s,
        }
    }

    /// The app-server method of a pass-through event (`account/updated` for `app_server.account/updated`).
    pub fn app_server_method(&self) -> Option<&str> {
        match self {
            Self::Known(_) => None,
            Self::PassThrough(s) => s.strip_prefix(PASS_THROUGH_PREFIX),
        }
    }
}

impl From<EventKind> for String {
    fn from(k: EventKind) -> String {
        match k {
            EventKind::Known(t) => t.as_str().to_owned(),
            EventKind::PassThrough(s) => s,
        }
    }
}

impl From<EventType> for EventKind {
    fn from(t: EventType) -> Self {
        Self::Known(t)
    }
}

impl From<EventType> for String {
    fn from(t: EventType) -> String {
        t.as_str().to_owned()
    }
}

/// The catalog as the OpenAPI document shows it: a string enum of every type, and `x-event-catalog` with, per type
/// (`types`), its source and its `data` (a `$ref` to the component schema, or the fields), and `passThrough` for
/// the open `app_server.<method>` family.
pub fn openapi_schema() -> utoipa::openapi::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
    let mut types = serde_json::Map::new();
    for t in EventType::ALL {
        let entry = match t.source() {
            Source::AppServer(methods) => json!({"source": "app_server", "methods": methods, "data": "the notification's params, unchanged"}),
            Source::Host(data) => json!({"source": "host", "data": data_json(data)}),
            Source::Stream(data) => json!({"source": "stream", "data": data_json(data)}),
        };
        types.insert(t.as_str().to_owned(), entry);
    }
    // One extension key: utoipa keeps extensions in a HashMap, so two keys would print in a random order and
    // make the checked-in document drift.
    let mut extensions = utoipa::openapi::extensions::Extensions::default();
    extensions.insert(
        "x-event-catalog".into(),
        json!({
            "types": Value::Object(types),
            "passThrough": {"prefix": PASS_THROUGH_PREFIX, "data": "the notification's params, unchanged", "example": "app_server.serverRequest/resolved"},
        }),
    );
    ObjectBuilder::new()
        .schema_type(SchemaType::Type(Type::String))
        .description(Some(
            "An event's `type`. Besides these, an app-server notification the host has no type for flows as \
             `app_server.<method>` (see `x-event-catalog.passThrough`); clients must accept types they do not know.",
        ))
        .enum_values(Some(EventType::ALL.iter().map(|t| t.as_str())))
        .extensions(Some(extensions))
        .into()
}

fn data_json(data: Data) -> Value {
    match data {
        Data::Schema(name) => json!({"$ref": format!("#/components/schemas/{name}")}),
        Data::Fields(fields) => json!({"fields": fields}),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_wire_string_parses_back_to_its_type() {
        for t in EventType::ALL {
            assert_eq!(EventType::parse(t.as_str()), Some(*t), "{t}");
        }
        assert_eq!(EventType::parse("turn.nope"), None);
    }

    #[test]
    fn wire_strings_and_methods_are_unique() {
        let wires: HashSet<_> = EventType::ALL.iter().map(|t| t.as_str()).collect();
        assert_eq!(wires.len(), EventType::ALL.len());
        let mut methods = HashSet::new();
        for t in EventType::ALL {
            if let Source::AppServer(ms) = t.source() {
                for m in ms {
                    assert!(methods.insert(*m), "{m} maps to two types");
                }
            }
        }
    }

    #[test]
    fn known_methods_map_and_unknown_ones_pass_through() {
        assert_eq!(EventKind::for_method("item/agentMessage/delta"), EventKind::Known(EventType::ItemDelta));
        assert_eq!(EventKind::for_method("turn/completed").as_str(), "turn.completed");
        assert_eq!(EventKind::for_method("guardianWarning"), EventKind::Known(EventType::RuntimeWarning));
        assert_eq!(EventKind::for_method("thread/goal/updated").as_str(), "app_server.thread/goal/updated");
        let passed = EventKind::parse("app_server.account/updated");
        assert_eq!(passed.app_server_method(), Some("account/updated"));
        assert_eq!(EventKind::parse("turn.completed"), EventKind::Known(EventType::TurnCompleted));
        // A host type that shares the prefix is the catalog's, not a pass-through.
        assert_eq!(EventKind::parse("app_server.request_declined"), EventKind::Known(EventType::AppServerRequestDeclined));
    }

    #[test]
    fn every_method_of_the_catalog_maps_to_its_type() {
        for t in EventType::ALL {
            if let Source::AppServer(ms) = t.source() {
                for m in ms {
                    assert_eq!(EventKind::for_method(m), EventKind::Known(*t), "{m}");
                }
            }
        }
    }

    /// The streamed pieces are the catalog's delta types, all of them: a delta type missing from the list would wake
    /// the host's followers of state changes once per piece (`EventLog::subscribe_settled`).
    #[test]
    fn the_stream_pieces_are_the_delta_types() {
        let deltas: Vec<EventType> = EventType::ALL.iter().copied().filter(|t| t.as_str().ends_with("delta")).collect();
        assert_eq!(deltas, EventType::STREAM_PIECES);
    }

    #[test]
    fn an_event_type_compares_with_the_kind_string() {
        let (completed, started) = (String::from("turn.completed"), String::from("turn.started"));
        assert!(completed == EventType::TurnCompleted);
        assert!(started != EventType::TurnCompleted);
        assert!(*"turn.completed" == EventType::TurnCompleted);
    }
}
