//! JSON-RPC over newline-delimited JSON, the way app-server speaks it (no `"jsonrpc"` field).
//!
//! One [`Connection`] per app-server process. Outgoing requests get ids from a counter; their answers are routed
//! back through a pending map. Everything else the server says (notifications and its own requests) is parsed
//! only as far as needed to route it: the params stay raw JSON, so a token delta is never turned into a tree.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use tokio::io::AsyncWriteExt;
use tokio::process::ChildStdin;
use tokio::sync::oneshot;

use super::timeouts::timeout_for;

/// The id of a request app-server sent us. Kept as the raw JSON it came as (app-server uses integers, but the
/// protocol allows strings) so the answer carries it back unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub Value);

impl std::fmt::Display for RequestId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Value::String(s) => f.write_str(s),
            other => write!(f, "{other}"),
        }
    }
}

/// Why a request to app-server did not produce a result.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RpcError {
    #[error("app-server answered with error {code}: {message}")]
    Server { code: i64, message: String, data: Option<Value> },
    #[error("app-server did not answer `{method}` within {timeout:?}")]
    Timeout { method: String, timeout: Duration },
    #[error("app-server is not running (it exited or is restarting)")]
    Disconnected,
    #[error("app-server answer could not be decoded: {0}")]
    Decode(String),
}

type PendingMap = HashMap<i64, oneshot::Sender<Result<Box<RawValue>, RpcError>>>;

/// A live JSON-RPC connection to one app-server process.
pub struct Connection {
    generation: u64,
    next_id: AtomicI64,
    stdin: tokio::sync::Mutex<Option<ChildStdin>>,
    pending: Mutex<PendingMap>,
}

#[derive(Serialize)]
struct OutgoingRequest<'a, P: Serialize> {
    id: i64,
    method: &'a str,
    params: P,
}

#[derive(Serialize)]
struct OutgoingNotification<'a, P: Serialize> {
    method: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    params: Option<P>,
}

#[derive(Serialize)]
struct OutgoingResult<'a, R: Serialize> {
    id: &'a RequestId,
    result: R,
}

#[derive(Serialize)]
struct OutgoingError<'a> {
    id: &'a RequestId,
    error: ErrorBody,
}

#[derive(Debug, Serialize, Deserialize)]
pub(super) struct ErrorBody {
    pub code: i64,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
}

/// One line from app-server, parsed shallowly.
#[derive(Debug, Deserialize)]
pub(super) struct IncomingLine {
    #[serde(default)]
    pub id: Option<Value>,
    #[serde(default)]
    pub method: Option<String>,
    #[serde(default)]
    pub params: Option<Box<RawValue>>,
    #[serde(default)]
    pub result: Option<Box<RawValue>>,
    #[serde(default)]
    pub error: Option<ErrorBody>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").field("generation", &self.generation).finish_non_exhaustive()
    }
}

impl Connection {
    pub(super) fn new(generation: u64, stdin: ChildStdin) -> Self {
        Self {
            generation,
            next_id: AtomicI64::new(1),
            stdin: tokio::sync::Mutex::new(Some(stdin)),
            pending: Mutex::new(HashMap::new()),
        }
    }

    /// The generation of the process behind this connection.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Send a request and wait for its result, within the method's timeout.
    pub async fn request<P: Serialize>(&self, method: &str, params: P) -> Result<Value, RpcError> {
        let raw = self.request_raw(method, params, timeout_for(method)).await?;
        serde_json::from_str(raw.get()).map_err(|e| RpcError::Decode(e.to_string()))
    }

    /// Send a request and decode its result into `T`.
    pub async fn call<P: Serialize, T: serde::de::DeserializeOwned>(&self, method: &str, params: P) -> Result<T, RpcError> {
        let raw = self.request_raw(method, params, timeout_for(method)).await?;
        serde_json::from_str(raw.get()).map_err(|e| RpcError::Decode(format!("{method}: {e}")))
    }

    pub async fn request_raw<P: Serialize>(
        &self,
        method: &str,
        params: P,
        timeout: Duration,
    ) -> Result<Box<RawValue>, RpcError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let line = serde_json::to_string(&OutgoingRequest { id, method, params })
            .map_err(|e| RpcError::Decode(e.to_string()))?;
        let (tx, rx) = oneshot::channel();
        self.pending.lock().expect("pending map poisoned").insert(id, tx);
        if let Err(e) = self.write_line(line).await {
            self.pending.lock().expect("pending map poisoned").remove(&id);
            return Err(e);
        }
        match tokio::time::timeout(timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(RpcError::Disconnected),
            Err(_) => {
                self.pending.lock().expect("pending map poisoned").remove(&id);
                Err(RpcError::Timeout { method: method.to_string(), timeout })
            }
        }
    }

    pub async fn notify<P: Serialize>(&self, method: &str, params: Option<P>) -> Result<(), RpcError> {
        let line = serde_json::to_string(&OutgoingNotification { method, params })
            .map_err(|e| RpcError::Decode(e.to_string()))?;
        self.write_line(line).await
    }

    /// Answer a request app-server sent us.
    pub async fn respond<R: Serialize>(&self, id: &RequestId, result: R) -> Result<(), RpcError> {
        let line = serde_json::to_string(&OutgoingResult { id, result }).map_err(|e| RpcError::Decode(e.to_string()))?;
        self.write_line(line).await
    }

    /// Refuse a request app-server sent us.
    pub async fn respond_error(&self, id: &RequestId, code: i64, message: impl Into<String>) -> Result<(), RpcError> {
        let error = ErrorBody { code, message: message.into(), data: None };
        let line = serde_json::to_string(&OutgoingError { id, error }).map_err(|e| RpcError::Decode(e.to_string()))?;
        self.write_line(line).await
    }

    async fn write_line(&self, mut line: String) -> Result<(), RpcError> {
        line.push('\n');
        let mut guard = self.stdin.lock().await;
        let stdin = guard.as_mut().ok_or(RpcError::Disconnected)?;
        if stdin.write_all(line.as_bytes()).await.is_err() || stdin.flush().await.is_err() {
            *guard = None;
            return Err(RpcError::Disconnected);
        }
        Ok(())
    }

    /// Route the answer to one of our requests. Returns false when nobody waits for it any more.
    pub(super) fn complete(&self, id: i64, outcome: Result<Box<RawValue>, RpcError>) -> bool {
        let waiter = self.pending.lock().expect("pending map poisoned").remove(&id);
        match waiter {
            Some(tx) => tx.send(outcome).is_ok(),
            None => false,
        }
    }

    /// Fail every waiting request and refuse new writes: the process is gone.
    pub(super) async fn close(&self) -> Option<ChildStdin> {
        let drained: Vec<_> = self.pending.lock().expect("pending map poisoned").drain().collect();
        for (_, tx) in drained {
            let _ = tx.send(Err(RpcError::Disconnected));
        }
        self.stdin.lock().await.take()
    }
}

/// Parse one line from app-server.
pub(super) fn parse_line(line: &str) -> Result<IncomingLine, serde_json::Error> {
    serde_json::from_str(line)
}

pub(super) fn server_error(body: ErrorBody) -> RpcError {
    RpcError::Server { code: body.code, message: body.message, data: body.data }
}

pub(super) type SharedConnection = Arc<Connection>;
