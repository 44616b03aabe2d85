//! Service errors: a kind (which the API maps to a status, once) and a stable code clients can match on.

use serde_json::Value;

use crate::appserver::RpcError;
use crate::store::StoreError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    Invalid,
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
    pub code: &'static str,
    pub message: String,
    pub details: Option<Value>,
}

pub type ServiceResult<T> = Result<T, ServiceError>;

impl ServiceError {
    pub fn new(kind: ErrorKind, code: &'static str, message: impl Into<String>) -> Self {
        Self { kind, code, message: message.into(), details: None }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, "invalid_request", message)
    }

    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, code, message)
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, code, message)
    }

    /// The store cannot write (the data dir is full or failing): 503, nothing half-done to clean up.
    pub fn storage_unavailable() -> Self {
        Self::new(
            ErrorKind::Unavailable,
            "storage_unavailable",
            "the data dir cannot take writes (disk full?); free space and retry, /api/ready says when (the host log has the details)",
        )
    }

    /// The change was made but its event is not in the log yet (the log cannot commit: disk full?).
    pub fn event_log_unavailable() -> Self {
        Self::new(
            ErrorKind::Unavailable,
            "event_log_unavailable",
            "the change was saved, but its event could not be written to the event log in time (disk full?); it is \
             logged once the data dir can take writes again, /api/ready says when",
        )
    }

    pub fn runtime_unavailable() -> Self {
        Self::new(
            ErrorKind::Unavailable,
            "runtime_unavailable",
            "app-server is not ready (starting or restarting); retry shortly, /api/ready says when",
        )
    }
}

/// The data dir cannot take the write: full (SQLITE_FULL, a short write), over the file size limit or failing
/// (SQLITE_IOERR: EFBIG, EIO). Not the request's fault and not a bug: the operator has to make room.
fn is_storage_failure(e: &StoreError) -> bool {
    const SQLITE_IOERR: i32 = 10;
    const SQLITE_FULL: i32 = 13;
    match e {
        StoreError::Database(sqlx::Error::Database(db)) => db
            .code()
            .and_then(|c| c.parse::<i32>().ok())
            .is_some_and(|c| matches!(c & 0xff, SQLITE_IOERR | SQLITE_FULL)),
        StoreError::Database(sqlx::Error::Io(_)) => true,
        _ => false,
    }
}

/// Store failures reach clients as a code and a fixed sentence: the SQL, table and constraint names stay in the log.
impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::not_found("not_found", "no such record"),
            // The store's own sentences are for clients; SQLite's ("UNIQUE constraint failed: t.c") are not.
            StoreError::Conflict(detail) if detail.contains("constraint failed") => {
                tracing::info!(%detail, "store conflict");
                ServiceError::conflict("conflict", "the change conflicts with an existing record; re-read it and try again")
            }
            StoreError::Conflict(m) => ServiceError::conflict("conflict", m),
            other if is_storage_failure(&other) => {
                tracing::error!(error = %other, "the store cannot write");
                ServiceError::storage_unavailable()
            }
            other => {
                tracing::error!(error = %other, "store error");
                ServiceError::new(ErrorKind::Internal, "store_error", "the host's database failed; the host log has the details")
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
                "runtime_unresponsive",
                format!("{reason}; requests are refused until it answers again (/api/ready says when)"),
            ),
            RpcError::Timeout { .. } => ServiceError::new(ErrorKind::Timeout, "app_server_timeout", e.to_string()),
            RpcError::Server { code, message, .. } => {
                ServiceError::new(ErrorKind::Upstream, "app_server_error", message.clone())
                    .with_details(serde_json::json!({"rpcCode": code}))
            }
            RpcError::Decode(m) => ServiceError::new(ErrorKind::Upstream, "app_server_protocol", m.clone()),
        }
    }
}
