//! JSON-RPC over newline-delimited JSON, the way app-server speaks it (no `"jsonrpc"` field).
//!
//! One [`Connection`] per app-server process. Outgoing requests get ids from a counter; their answers are routed
//! back through a pending map. Lines go out through one writer task, so a caller that gives up (its timeout ran
//! out while app-server was not reading) never leaves half a line in the pipe. Everything else the server says (notifications and its own requests) is parsed
//! only as far as needed to route it: the params stay raw JSON, so a token delta is never turned into a tree.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::drift::ProtocolGate;
use super::timeouts::{timeout_for, WRITE_TIMEOUT};

/// Lines queued for app-server beyond what its pipe holds; past it, writers wait (within their deadline).
const OUTBOX_LINES: usize = 1024;

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
    /// The process runs but stopped answering (see `probe`); refused without waiting.
    #[error("{0}")]
    Unresponsive(String),
    #[error("app-server answer could not be decoded: {0}")]
    Decode(String),
    /// The drift guard found the running codex's schema breaks what the host relies on for this method: refused
    /// without sending, naming the broken facts.
    #[error("the running codex changed `{method}` in a way this host does not support ({})", facts.join("; "))]
    Incompatible { method: String, facts: Vec<String> },
}

type PendingMap = HashMap<i64, oneshot::Sender<Result<Box<RawValue>, RpcError>>>;

/// A live JSON-RPC connection to one app-server process.
pub struct Connection {
    generation: u64,
    next_id: AtomicI64,
    /// To the writer task; None once closed.
    outbox: Mutex<Option<mpsc::Sender<String>>>,
    pending: Mutex<PendingMap>,
    /// Why app-server counts as unresponsive, while it does.
    unresponsive: Mutex<Option<String>>,
    /// The drift guard's verdict on the running codex: methods it broke are refused here.
    gate: Arc<ProtocolGate>,
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
    /// Kept raw: an error of another shape than JSON-RPC's still fails the call it answers (see [`server_error`])
    /// instead of making the whole line malformed and leaving the call to time out.
    #[serde(default)]
    pub error: Option<Box<RawValue>>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").field("generation", &self.generation).finish_non_exhaustive()
    }
}

impl Connection {
    pub(super) fn new<W: AsyncWrite + Unpin + Send + 'static>(generation: u64, stdin: W, gate: Arc<ProtocolGate>) -> Self {
        let (tx, rx) = mpsc::channel(OUTBOX_LINES);
        tokio::spawn(write_lines(stdin, rx));
        Self {
            generation,
            next_id: AtomicI64::new(1),
            outbox: Mutex::new(Some(tx)),
            pending: Mutex::new(HashMap::new()),
            unresponsive: Mutex::new(None),
            gate,
        }
    }

    /// Set or clear the unresponsive mark; true when that changed it.
    pub(super) fn set_unresponsive(&self, reason: Option<String>) -> bool {
        let mut slot = self.unresponsive.lock().expect("unresponsive mark poisoned");
        let changed = slot.is_some() != reason.is_some();
        *slot = reason;
        changed
    }

    /// Whether app-server answered the last liveness probe.
    pub fn unresponsive(&self) -> Option<String> {
        self.unresponsive.lock().expect("unresponsive mark poisoned").clone()
    }

    /// Send `method` and wait at most `deadline` for any answer (a result or an error both prove app-server
    /// reads and answers). Goes out even while marked unresponsive: it is how recovery is noticed.
    pub(super) async fn probe(&self, method: &str, deadline: Duration) -> Result<(), RpcError> {
        match self.exchange(method, serde_json::json!({}), deadline).await {
            Ok(_) | Err(RpcError::Server { .. }) => Ok(()),
            Err(e) => Err(e),
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

    /// Send a request and wait for its result within `timeout`, writing included. Refused at once while
    /// app-server is marked unresponsive (the caller learns so now rather than when its timeout runs out), and when
    /// the drift guard found the running codex breaks what the host relies on for `method`.
    pub async fn request_raw<P: Serialize>(
        &self,
        method: &str,
        params: P,
        timeout: Duration,
    ) -> Result<Box<RawValue>, RpcError> {
        let broken = self.gate.refused_call(method);
        if !broken.is_empty() {
            return Err(RpcError::Incompatible { method: method.to_string(), facts: broken.iter().map(ToString::to_string).collect() });
        }
        if let Some(reason) = self.unresponsive() {
            return Err(RpcError::Unresponsive(reason));
        }
        self.exchange(method, params, timeout).await
    }

    async fn exchange<P: Serialize>(&self, method: &str, params: P, timeout: Duration) -> Result<Box<RawValue>, RpcError> {
        let deadline = Instant::now() + timeout;
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let line = serde_json::to_string(&OutgoingRequest { id, method, params })
            .map_err(|e| RpcError::Decode(e.to_string()))?;
        let (tx, rx) = oneshot::channel();
        self.pending.lock().expect("pending map poisoned").insert(id, tx);
        let outcome = match self.write_line(line, deadline).await {
            Ok(()) => match tokio::time::timeout_at(deadline, rx).await {
                Ok(Ok(result)) => return result,
                Ok(Err(_)) => Err(RpcError::Disconnected),
                Err(_) => Err(RpcError::Timeout { method: method.to_string(), timeout }),
            },
            Err(RpcError::Timeout { .. }) => Err(RpcError::Timeout { method: method.to_string(), timeout }),
            Err(e) => Err(e),
        };
        self.pending.lock().expect("pending map poisoned").remove(&id);
        outcome
    }

    pub async fn notify<P: Serialize>(&self, method: &str, params: Option<P>) -> Result<(), RpcError> {
        let line = serde_json::to_string(&OutgoingNotification { method, params })
            .map_err(|e| RpcError::Decode(e.to_string()))?;
        self.write_line(line, Instant::now() + WRITE_TIMEOUT).await
    }

    /// Answer a request app-server sent us.
    pub async fn respond<R: Serialize>(&self, id: &RequestId, result: R) -> Result<(), RpcError> {
        let line = serde_json::to_string(&OutgoingResult { id, result }).map_err(|e| RpcError::Decode(e.to_string()))?;
        self.write_line(line, Instant::now() + WRITE_TIMEOUT).await
    }

    /// Refuse a request app-server sent us.
    pub async fn respond_error(&self, id: &RequestId, code: i64, message: impl Into<String>) -> Result<(), RpcError> {
        let error = ErrorBody { code, message: message.into(), data: None };
        let line = serde_json::to_string(&OutgoingError { id, error }).map_err(|e| RpcError::Decode(e.to_string()))?;
        self.write_line(line, Instant::now() + WRITE_TIMEOUT).await
    }

    /// Queue one line for the writer, waiting for room until `deadline`.
    async fn write_line(&self, mut line: String, deadline: Instant) -> Result<(), RpcError> {
        line.push('\n');
        let outbox = self.outbox.lock().expect("outbox poisoned").clone().ok_or(RpcError::Disconnected)?;
        match tokio::time::timeout_at(deadline, outbox.send(line)).await {
            Ok(Ok(())) => Ok(()),
            // The writer ended: the pipe broke.
            Ok(Err(_)) => Err(RpcError::Disconnected),
            Err(_) => Err(RpcError::Timeout { method: "(writing to app-server)".into(), timeout: WRITE_TIMEOUT }),
        }
    }

    /// Route the answer to one of our requests. Returns false when nobody waits for it any more.
    pub(super) fn complete(&self, id: i64, outcome: Result<Box<RawValue>, RpcError>) -> bool {
        let waiter = self.pending.lock().expect("pending map poisoned").remove(&id);
        match waiter {
            Some(tx) => tx.send(outcome).is_ok(),
            None => false,
        }
    }

    /// Fail every waiting request and refuse new writes; the writer sends what is queued, then closes stdin (the
    /// polite way to ask app-server to exit).
    pub(super) fn close(&self) {
        let drained: Vec<_> = self.pending.lock().expect("pending map poisoned").drain().collect();
        for (_, tx) in drained {
            let _ = tx.send(Err(RpcError::Disconnected));
        }
        self.outbox.lock().expect("outbox poisoned").take();
    }
}

/// Write queued lines whole, in order, until the queue closes or the pipe breaks (then stdin is dropped: EOF).
async fn write_lines<W: AsyncWrite + Unpin>(mut stdin: W, mut lines: mpsc::Receiver<String>) {
    while let Some(line) = lines.recv().await {
        if stdin.write_all(line.as_bytes()).await.is_err() || stdin.flush().await.is_err() {
            return;
        }
    }
}

/// Parse one line from app-server.
pub(super) fn parse_line(line: &str) -> Result<IncomingLine, serde_json::Error> {
    serde_json::from_str(line)
}

/// JSON-RPC's "internal error": the code of an error app-server sent without one the host can read.
const INTERNAL_ERROR: i64 = -32603;

/// The call's failure from app-server's `error`: JSON-RPC's `{code, message, data}`, or, for any other shape, the
/// error as it came (its `code` and `message` when they read, the whole error as `data`).
pub(super) fn server_error(raw: &RawValue) -> RpcError {
    if let Ok(body) = serde_json::from_str::<ErrorBody>(raw.get()) {
        return RpcError::Server { code: body.code, message: body.message, data: body.data };
    }
    let value: Value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
    let code = value.get("code").and_then(Value::as_i64).unwrap_or(INTERNAL_ERROR);
    let message = match value.get("message").and_then(Value::as_str) {
        Some(m) => m.to_string(),
        None => match &value {
            Value::String(text) => text.clone(),
            other => format!("app-server answered with an error of an unknown shape: {other}"),
        },
    };
    RpcError::Server { code, message, data: Some(value) }
}

pub(super) type SharedConnection = Arc<Connection>;

#[cfg(test)]
mod tests {
    use super::*;

    /// A child that never reads its stdin, like a stopped app-server: once the pipe is full, writes block.
    fn deaf_child() -> (tokio::process::Child, tokio::process::ChildStdin) {
        let mut child = tokio::process::Command::new("sleep")
            .arg("60")
            .stdin(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("sleep runs");
        let stdin = child.stdin.take().unwrap();
        (child, stdin)
    }

    #[tokio::test]
    async fn a_peer_that_stops_reading_fails_requests_at_their_timeout_writing_included() {
        let (_child, stdin) = deaf_child();
        let conn = Connection::new(1, stdin, Arc::default());
        // Far more than a pipe holds (64 KiB on Linux) plus the writer's queue: the write itself must block.
        let big = "x".repeat(256 * 1024);
        let mut waits = Vec::new();
        for _ in 0..3 {
            waits.push(conn.request_raw("thread/start", serde_json::json!({"text": big}), Duration::from_millis(300)));
        }
        let outcome = tokio::time::timeout(Duration::from_secs(20), futures_util::future::join_all(waits))
            .await
            .expect("every request ends at its own timeout even while the pipe is full");
        for r in outcome {
            assert!(matches!(r, Err(RpcError::Timeout { ref method, .. }) if method == "thread/start"), "{r:?}");
        }
        assert!(conn.pending.lock().unwrap().is_empty(), "timed-out requests leave nothing pending");
    }

    #[tokio::test]
    async fn an_unresponsive_mark_refuses_requests_at_once_but_not_the_probe() {
        let (_child, stdin) = deaf_child();
        let conn = Connection::new(1, stdin, Arc::default());
        assert!(conn.set_unresponsive(Some("no answer to the probe".into())));
        assert!(!conn.set_unresponsive(Some("still none".into())), "only transitions count as changes");
        let r = conn.request_raw("thread/start", serde_json::json!({}), Duration::from_secs(30)).await;
        assert!(matches!(r, Err(RpcError::Unresponsive(ref why)) if why == "still none"), "{r:?}");
        // The probe still goes out (and, unanswered, times out) so that recovery can be noticed.
        let p = conn.probe("server/diagnostics", Duration::from_millis(100)).await;
        assert!(matches!(p, Err(RpcError::Timeout { .. })), "{p:?}");
        assert!(conn.set_unresponsive(None));
        assert_eq!(conn.unresponsive(), None);
    }

    #[tokio::test]
    async fn any_answer_to_the_probe_counts_even_an_error() {
        let (_child, stdin) = deaf_child();
        let conn = Arc::new(Connection::new(1, stdin, Arc::default()));
        let probing = tokio::spawn({
            let conn = conn.clone();
            async move { conn.probe("server/diagnostics", Duration::from_secs(20)).await }
        });
        // Answer as app-server does to a method it does not know.
        let id = loop {
            if let Some(id) = conn.pending.lock().unwrap().keys().next().copied() {
                break id;
            }
            tokio::task::yield_now().await;
        };
        conn.complete(id, Err(RpcError::Server { code: -32600, message: "unknown variant".into(), data: None }));
        assert!(probing.await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn a_method_the_drift_guard_broke_is_refused_without_being_sent_and_only_it() {
        use crate::appserver::drift::{DriftEffect, ProtocolViolation};
        let (_child, stdin) = deaf_child();
        let gate = Arc::new(ProtocolGate::default());
        let violation = |method: &str, effect| ProtocolViolation {
            fact: format!("`{method}` params, x"),
            problem: "`x` is not there".into(),
            method: method.into(),
            effect,
        };
        gate.set(vec![violation("turn/steer", DriftEffect::Refused), violation("item/tool/call", DriftEffect::Declined)]);
        let conn = Connection::new(1, stdin, gate);
        let r = conn.request_raw("turn/steer", serde_json::json!({}), Duration::from_secs(30)).await;
        match r {
            Err(RpcError::Incompatible { method, facts }) => {
                assert_eq!(method, "turn/steer");
                assert_eq!(facts, vec!["`turn/steer` params, x: `x` is not there".to_string()]);
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert!(conn.pending.lock().unwrap().is_empty(), "nothing was sent");
        // Another method still goes out (and, unanswered by the deaf child, times out).
        let other = conn.request_raw("turn/start", serde_json::json!({}), Duration::from_millis(100)).await;
        assert!(matches!(other, Err(RpcError::Timeout { .. })), "{other:?}");
    }
}
