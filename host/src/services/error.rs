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

    pub fn runtime_unavailable() -> Self {
        Self::new(
            ErrorKind::Unavailable,
            "runtime_unavailable",
            "app-server is not ready (starting or restarting); retry shortly, /api/ready says when",
        )
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => ServiceError::not_found("not_found", "no such record"),
            StoreError::Conflict(m) => ServiceError::conflict("conflict", m),
            other => {
                tracing::error!(error = %other, "store error");
                ServiceError::new(ErrorKind::Internal, "store_error", format!("the store failed: {other}"))
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
