//! Exit codes, one per error family, and how every failure is reported (text, or the API's error envelope under
//! `--json`). docs/cli.md's exit code table lists the same set.

use codex_manager_host::services::ErrorCode;
use codex_manager_host::store::transfer::{TransferError, TransferErrorCode};
use serde_json::{json, Value};

/// What the process exits with when a command fails (success is 0). Stable: scripts match on these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The API refused for another reason (invalid input the host caught, an upstream error, ...).
    Api = 1,
    /// The command line was wrong (clap's own usage errors use 2 as well).
    Usage = 2,
    /// A session, project, request, job, turn, ... (or the route) does not exist.
    NotFound = 3,
    /// The state does not allow it now: a turn in progress, already resolved, name taken, not retryable, ...
    Conflict = 4,
    /// No token, a wrong token, a forbidden host or origin, or codex needs an account.
    Auth = 5,
    /// The host cannot be reached, or it (or app-server, the store, the queue) is unavailable right now.
    Unavailable = 6,
    /// The work ran and ended badly: a turn that failed or was interrupted, a job that failed or was canceled.
    Failed = 7,
}

impl Exit {
    pub fn code(self) -> i32 {
        self as i32
    }

    /// The family of an API error code.
    pub fn of(code: ErrorCode) -> Exit {
        use ErrorCode as C;
        match code {
            C::SessionNotFound
            | C::ProjectNotFound
            | C::SettingNotFound
            | C::RequestNotFound
            | C::LoginNotFound
            | C::ModelProviderNotFound
            | C::McpServerNotFound
            | C::TurnNotFound
            | C::PluginNotFound
            | C::JobNotFound
            | C::FollowupNotFound
            | C::RoutineNotFound
            | C::NotFound
            | C::RouteNotFound => Exit::NotFound,
            C::ProjectNameTaken
            | C::ProjectNotEmpty
            | C::TurnInProgress
            | C::NoActiveTurn
            | C::SessionArchived
            | C::IdempotencyInProgress
            | C::IdempotencyKeyReused
            | C::RequestAlreadyResolved
            | C::RequestExpired
            | C::PluginExists
            | C::PluginReloadInProgress
            | C::JobFinished
            | C::JobBusy
            | C::JobNotRetryable
            | C::FollowupNotQueued
            | C::FollowupsPaused
            | C::FollowupsNotPaused
            | C::JobCancelPending
            | C::DuplicateJob
            | C::JobKindTaken
            | C::SettingsFull
            | C::RoutinePaused
            | C::WebhookReplayed
            | C::Conflict => Exit::Conflict,
            C::Unauthorized | C::WebhookSignatureInvalid | C::WebhookTimestampStale | C::HostNotAllowed | C::OriginNotAllowed | C::AccountRequired | C::ExecDisabled => Exit::Auth,
            C::RuntimeUnavailable
            | C::RuntimeUnresponsive
            | C::StorageUnavailable
            | C::EventLogUnavailable
            | C::TooManyConnections
            | C::QueueFull
            | C::AppServerTimeout
            | C::JobKindUnavailable => Exit::Unavailable,
            // Invalid input the host caught, upstream and internal errors: new codes land here until sorted.
            _ => Exit::Api,
        }
    }
}

impl Exit {
    /// The family of a `store migrate` failure.
    pub fn of_transfer(code: TransferErrorCode) -> Exit {
        use TransferErrorCode as C;
        match code {
            C::SourceNotFound => Exit::NotFound,
            C::SourceInUse | C::TargetNotEmpty => Exit::Conflict,
            C::TargetUnreachable | C::TargetError => Exit::Unavailable,
            C::SourceSchemaMismatch | C::SourceUnreadable | C::SchemaDrift | C::UnsupportedSchema | C::ValueMismatch => Exit::Api,
        }
    }
}

/// An error answer from the API: the envelope `{"error": {"code", "message", "details"}}`.
#[derive(Debug)]
pub struct ApiFailure {
    pub status: u16,
    /// The code as sent; `code` when the host's catalog knows it.
    pub code_text: String,
    pub code: Option<ErrorCode>,
    pub message: String,
    /// The envelope as the host sent it (what `--json` prints), or one made from the status.
    pub envelope: Value,
}

impl ApiFailure {
    pub fn from_reply(status: u16, body: &[u8]) -> Self {
        let v: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
        let err = &v["error"];
        let code_text = err["code"].as_str().unwrap_or("http_error").to_string();
        let message = err["message"].as_str().map(str::to_owned).unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
        let envelope = if err.is_object() { v.clone() } else { envelope("http_error", &message, json!({"status": status})) };
        Self { status, code: ErrorCode::parse(&code_text), code_text, message, envelope }
    }

    pub fn exit(&self) -> Exit {
        match self.code {
            Some(c) => Exit::of(c),
            // Not the host's envelope (a proxy, another server): the status is all there is.
            None => match self.status {
                401 | 403 => Exit::Auth,
                404 => Exit::NotFound,
                409 => Exit::Conflict,
                502..=504 => Exit::Unavailable,
                _ => Exit::Api,
            },
        }
    }
}

impl std::fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}): {}", self.code_text, self.status, self.message)
    }
}

impl std::error::Error for ApiFailure {}

/// The host did not answer at all.
#[derive(Debug)]
pub struct Unreachable {
    pub url: String,
    pub cause: String,
}

impl std::fmt::Display for Unreachable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cannot reach the host at {} (is `codex-manager serve` running?): {}", self.url, self.cause)
    }
}

impl std::error::Error for Unreachable {}

/// No token anywhere the CLI looks.
#[derive(Debug)]
pub struct NoToken(pub String);

impl std::fmt::Display for NoToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NoToken {}

/// A command line the CLI itself rejects (beyond what clap checks).
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// `Err(Usage)` with a formatted message.
#[macro_export]
macro_rules! usage {
    ($($arg:tt)*) => { return Err($crate::exit::Usage(format!($($arg)*)).into()) };
}

/// Awaited work that ended badly (`code` is `turn_failed`, `job_failed`, ...); `details` is the record as the host
/// holds it.
#[derive(Debug)]
pub struct Failed {
    pub code: &'static str,
    pub message: String,
    pub details: Value,
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Failed {}

/// An exit code with nothing more to say (what happened was printed already, e.g. `status` of a host not ready).
#[derive(Debug)]
pub struct Silent(pub Exit);

impl std::fmt::Display for Silent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "exit {}", self.0.code())
    }
}

impl std::error::Error for Silent {}

fn envelope(code: &str, message: &str, details: Value) -> Value {
    json!({"error": {"code": code, "message": message, "details": details}})
}

/// The exit code and the JSON envelope for any error a command returns. Errors the API did not send carry the
/// CLI's own codes: `usage`, `host_unreachable`, `no_token`, `turn_failed`/`job_failed`, `cli_error`.
pub fn classify(e: &anyhow::Error) -> (Exit, Value) {
    if let Some(s) = e.downcast_ref::<Silent>() {
        return (s.0, Value::Null);
    }
    if let Some(f) = e.downcast_ref::<ApiFailure>() {
        return (f.exit(), f.envelope.clone());
    }
    if let Some(u) = e.downcast_ref::<Unreachable>() {
        return (Exit::Unavailable, envelope("host_unreachable", &u.to_string(), json!({"url": u.url})));
    }
    if let Some(t) = e.downcast_ref::<NoToken>() {
        return (Exit::Auth, envelope("no_token", &t.0, Value::Null));
    }
    if let Some(u) = e.downcast_ref::<Usage>() {
        return (Exit::Usage, envelope("usage", &u.0, Value::Null));
    }
    if let Some(f) = e.downcast_ref::<Failed>() {
        return (Exit::Failed, envelope(f.code, &f.message, f.details.clone()));
    }
    if let Some(t) = e.downcast_ref::<TransferError>() {
        return (Exit::of_transfer(t.code), envelope(t.code.as_str(), &t.message, t.details.clone()));
    }
    (Exit::Api, envelope("cli_error", &format!("{e:#}"), Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_come_from_the_code_not_the_status() {
        let f = ApiFailure::from_reply(404, br#"{"error":{"code":"session_not_found","message":"no","details":null}}"#);
        assert_eq!((f.code, f.exit()), (Some(ErrorCode::SessionNotFound), Exit::NotFound));
        let f = ApiFailure::from_reply(409, br#"{"error":{"code":"turn_in_progress","message":"busy","details":null}}"#);
        assert_eq!(f.exit(), Exit::Conflict);
        let f = ApiFailure::from_reply(503, br#"{"error":{"code":"runtime_unavailable","message":"x","details":null}}"#);
        assert_eq!(f.exit(), Exit::Unavailable);
        let f = ApiFailure::from_reply(422, br#"{"error":{"code":"invalid_request","message":"x","details":null}}"#);
        assert_eq!(f.exit(), Exit::Api);
        let f = ApiFailure::from_reply(502, b"<html>bad gateway</html>");
        assert_eq!((f.code, f.exit()), (None, Exit::Unavailable));
        assert_eq!(f.envelope["error"]["code"], "http_error");
    }

    #[test]
    fn every_cli_error_has_an_envelope() {
        let (exit, env) = classify(&Usage("bad".into()).into());
        assert_eq!((exit, env["error"]["code"].as_str()), (Exit::Usage, Some("usage")));
        let (exit, env) = classify(&anyhow::anyhow!("boom"));
        assert_eq!((exit, env["error"]["message"].as_str()), (Exit::Api, Some("boom")));
    }
}
