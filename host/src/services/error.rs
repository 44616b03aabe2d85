//! Service errors: a kind (which the API maps to a status, once) and a stable code clients can match on.

use serde_json::Value;

use crate::appserver::RpcError;
use crate::store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Invalid,
    /// The request did not prove who sent it (a webhook's signature).
    Unauthorized,
    Forbidden,
    NotFound,
    Conflict,
    Gone,
    /// A bounded resource is full (the job queue): try again later.
    TooManyRequests,
    Unavailable,
    Upstream,
    Timeout,
    NotSupported,
    Internal,
}

#[derive(Debug, Clone, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ServiceError {
    pub kind: ErrorKind,
    pub code: ErrorCode,
    pub message: String,
    pub details: Option<Value>,
}

pub type ServiceResult<T> = Result<T, ServiceError>;

macro_rules! error_codes {
    ($($variant:ident = $wire:literal;)*) => {
        /// Every `code` an error body can carry: stable, for programs to match on. docs/api.md's error table lists
        /// the same set (a conformance test holds them together).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode { $($variant,)* }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            pub const fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $wire,)* }
            }
        }
    };
}

error_codes! {
    Unauthorized = "unauthorized";
    HostNotAllowed = "host_not_allowed";
    OriginNotAllowed = "origin_not_allowed";
    ExecDisabled = "exec_disabled";
    RouteNotFound = "route_not_found";
    MethodNotAllowed = "method_not_allowed";
    InvalidJson = "invalid_json";
    InvalidPath = "invalid_path";
    ReservedClientLabel = "reserved_client_label";
    InvalidQuery = "invalid_query";
    WebsocketRequired = "websocket_required";
    InvalidIdempotencyKey = "invalid_idempotency_key";
    UnsupportedMediaType = "unsupported_media_type";
    BodyTooLarge = "body_too_large";
    InvalidBody = "invalid_body";
    InvalidRequest = "invalid_request";
    InvalidCursor = "invalid_cursor";
    CwdNotFound = "cwd_not_found";
    MessageTooLarge = "message_too_large";
    SettingTooLarge = "setting_too_large";
    InvalidSettingKey = "invalid_setting_key";
    UnknownPluginSetting = "unknown_plugin_setting";
    WrongSettingType = "wrong_setting_type";
    IdempotencyKeyReused = "idempotency_key_reused";
    ModelUnknown = "model_unknown";
    WrongAnswerKind = "wrong_answer_kind";
    InvalidDecision = "invalid_decision";
    InvalidAnswer = "invalid_answer";
    InvalidPlugin = "invalid_plugin";
    IncompatiblePlugin = "incompatible_plugin";
    SessionNotFound = "session_not_found";
    ProjectNotFound = "project_not_found";
    SettingNotFound = "setting_not_found";
    RequestNotFound = "request_not_found";
    LoginNotFound = "login_not_found";
    ModelProviderNotFound = "model_provider_not_found";
    McpServerNotFound = "mcp_server_not_found";
    TurnNotFound = "turn_not_found";
    PluginNotFound = "plugin_not_found";
    JobNotFound = "job_not_found";
    FollowupNotFound = "followup_not_found";
    RoutineNotFound = "routine_not_found";
    NotFound = "not_found";
    AccountRequired = "account_required";
    ProjectNameTaken = "project_name_taken";
    ProjectNotEmpty = "project_not_empty";
    TurnInProgress = "turn_in_progress";
    NoActiveTurn = "no_active_turn";
    SessionArchived = "session_archived";
    IdempotencyInProgress = "idempotency_in_progress";
    RequestAlreadyResolved = "request_already_resolved";
    PluginExists = "plugin_exists";
    PluginReloadInProgress = "plugin_reload_in_progress";
    FollowupNotQueued = "followup_not_queued";
    FollowupsPaused = "followups_paused";
    FollowupsNotPaused = "followups_not_paused";
    FollowupOrderMismatch = "followup_order_mismatch";
    JobFinished = "job_finished";
    JobBusy = "job_busy";
    JobNotRetryable = "job_not_retryable";
    DuplicateJob = "duplicate_job";
    UnknownJobKind = "unknown_job_kind";
    JobKindUnavailable = "job_kind_unavailable";
    JobKindTaken = "job_kind_taken";
    JobKindNotOwned = "job_kind_not_owned";
    PayloadTooLarge = "payload_too_large";
    QueueFull = "queue_full";
    InvalidSchedule = "invalid_schedule";
    RoutinePaused = "routine_paused";
    WebhookSignatureInvalid = "webhook_signature_invalid";
    WebhookTimestampStale = "webhook_timestamp_stale";
    WebhookReplayed = "webhook_replayed";
    UsageLimited = "usage_limited";
    McpLoginUnsupported = "mcp_login_unsupported";
    SettingsFull = "settings_full";
    Conflict = "conflict";
    RequestExpired = "request_expired";
    StoreError = "store_error";
    InternalError = "internal_error";
    PluginInternal = "plugin_internal";
    NotSupported = "not_supported";
    AppServerError = "app_server_error";
    AppServerProtocol = "app_server_protocol";
    RuntimeUnavailable = "runtime_unavailable";
    StorageUnavailable = "storage_unavailable";
    EventLogUnavailable = "event_log_unavailable";
    OwnerOffline = "owner_offline";
    OwnedElsewhere = "owned_elsewhere";
    ForwardFailed = "forward_failed";
    RuntimeUnresponsive = "runtime_unresponsive";
    TooManyConnections = "too_many_connections";
    JobCancelPending = "job_cancel_pending";
    AppServerTimeout = "app_server_timeout";
    CodexIncompatible = "codex_incompatible";
}

impl ErrorCode {
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == s)
    }

    /// The catalog as the OpenAPI document shows it: a string enum, the type of `ErrorBody.code`.
    pub fn openapi_schema() -> utoipa::openapi::Schema {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::String))
            .description(Some("Stable, machine-readable error code; docs/api.md's error table says when each is sent."))
            .enum_values(Some(Self::ALL.iter().map(|c| c.as_str())))
            .into()
    }
}

impl utoipa::PartialSchema for ErrorCode {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::Schema> {
        Self::openapi_schema().into()
    }
}

impl utoipa::ToSchema for ErrorCode {}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl ServiceError {
    pub fn new(kind: ErrorKind, code: ErrorCode, message: impl Into<String>) -> Self {
        Self { kind, code, message: message.into(), details: None }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, ErrorCode::InvalidRequest, message)
    }

    pub fn not_found(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, code, message)
    }

    pub fn conflict(code: ErrorCode, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }

    /// The store cannot write (the data dir is full or failing): 503, nothing half-done to clean up.
    pub fn storage_unavailable() -> Self {
        Self::new(
            ErrorKind::Unavailable,
            ErrorCode::StorageUnavailable,
            "the data dir cannot take writes (disk full?); free space and retry, /api/ready says when (the host log has the details)",
        )
    }

    /// The change was made but its event is not in the log yet (the log cannot commit: disk full?).
    pub fn event_log_unavailable() -> Self {
        Self::new(
            ErrorKind::Unavailable,
            ErrorCode::EventLogUnavailable,
            "the change was saved, but its event could not be written to the event log in time (disk full?); it is \
             logged once the data dir can take writes again, /api/ready says when",
        )
    }

    pub fn runtime_unavailable() -> Self {
        Self::new(
            ErrorKind::Unavailable,
            ErrorCode::RuntimeUnavailable,
            "app-server is not ready (starting or restarting); retry shortly, /api/ready says when",
        )
    }
}

/// Store failures reach clients as a code and a fixed sentence: the SQL, table and constraint names stay in the log.
impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::not_found(ErrorCode::NotFound, "no such record"),
            // The store's own sentences are for clients; the database's ("UNIQUE constraint failed: t.c") are not.
            e if e.is_constraint_violation() => {
                tracing::info!(detail = %e, "store conflict");
                ServiceError::conflict(ErrorCode::Conflict, "the change conflicts with an existing record; re-read it and try again")
            }
            StoreError::Conflict(m) => ServiceError::conflict(ErrorCode::Conflict, m),
            other if other.is_storage_failure() => {
                tracing::error!(error = %other, "the store cannot write");
                ServiceError::storage_unavailable()
            }
            other => {
                tracing::error!(error = %other, "store error");
                ServiceError::new(ErrorKind::Internal, ErrorCode::StoreError, "the host's database failed; the host log has the details")
            }
        }
    }
}

impl From<RpcError> for ServiceError {
    fn from(e: RpcError) -> Self {
        match &e {
            RpcError::Disconnected => ServiceError::runtime_unavailable(),
            RpcError::Unresponsive(reason) => ServiceError::new(
                ErrorKind::Unavailable,
                ErrorCode::RuntimeUnresponsive,
                format!("{reason}; requests are refused until it answers again (/api/ready says when)"),
            ),
            RpcError::Timeout { .. } => ServiceError::new(ErrorKind::Timeout, ErrorCode::AppServerTimeout, e.to_string()),
            RpcError::Server { code, message, .. } => {
                ServiceError::new(ErrorKind::Upstream, ErrorCode::AppServerError, message.clone())
                    .with_details(serde_json::json!({"rpcCode": code}))
            }
            RpcError::Decode(m) => ServiceError::new(ErrorKind::Upstream, ErrorCode::AppServerProtocol, m.clone()),
            RpcError::Incompatible { method, facts } => ServiceError::new(
                ErrorKind::NotSupported,
                ErrorCode::CodexIncompatible,
                format!("{e}: this is off until codex is a supported release (/api/ready names what changed)"),
            )
            .with_details(serde_json::json!({"method": method, "facts": facts})),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn every_error_code_round_trips_its_wire_string_and_is_unique() {
        let mut seen = HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "{c} twice");
            assert_eq!(ErrorCode::parse(c.as_str()), Some(*c));
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
            assert!(c.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{c}");
        }
        assert_eq!(ErrorCode::parse("Session_Not_Found"), None);
    }

    #[test]
    fn store_and_rpc_failures_carry_catalog_codes() {
        assert_eq!(ServiceError::from(StoreError::NotFound).code, ErrorCode::NotFound);
        assert_eq!(ServiceError::from(StoreError::Conflict("UNIQUE constraint failed: t.c".into())).code, ErrorCode::Conflict);
        // PostgreSQL's wording, as the store passes it on: answered with the fixed sentence, not the table's name.
        let pg = ServiceError::from(StoreError::Conflict("constraint failed: duplicate key value violates unique constraint \"projects_name_key\"".into()));
        assert_eq!(pg.code, ErrorCode::Conflict);
        assert!(!pg.message.contains("projects_name_key"), "{}", pg.message);
        assert_eq!(ServiceError::from(RpcError::Disconnected).code, ErrorCode::RuntimeUnavailable);
    }
}
