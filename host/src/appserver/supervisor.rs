//! Keeps one app-server process alive: spawn, handshake, watch, restart with backoff and jitter.
//!
//! Each process gets a new generation number. Its connection, its messages and its exit all carry that number,
//! so whoever consumes [`Inbound`] can tell the live process from a dead one. Readiness is published through a
//! watch channel and is true only between a completed handshake and the process's exit, and only while the
//! process answers its liveness probe (see `probe`).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncRead};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use super::drift::ProtocolGate;
use super::probe::{self, Liveness, ProbeConfig};
use super::rpc::{self, Connection, RequestId, SharedConnection};
use super::transport::{AppServerProcess, ChildLauncher, Launch, Launched};

/// Default first restart delay; doubled per consecutive failure up to [`MAX_BACKOFF`], with jitter.
pub const MIN_BACKOFF: Duration = Duration::from_millis(250);
/// Longest pause between restarts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// A process that stayed up this long resets the backoff.
pub const STABLE_AFTER: Duration = Duration::from_secs(60);
/// Grace between the polite and the firm steps of stopping.
pub const STOP_GRACE: Duration = Duration::from_secs(3);
/// Longest line accepted from app-server; a longer one is a protocol fault, not a reason to grow without bound.
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

/// How to run app-server.
#[derive(Debug, Clone)]
pub struct AppServerConfig {
    pub program: std::path::PathBuf,
    pub codex_home: std::path::PathBuf,
    pub overrides: Vec<String>,
    pub env: Vec<(String, String)>,
    pub client_name: String,
    pub client_version: String,
    /// First restart delay (doubled per consecutive failure, capped at [`MAX_BACKOFF`]).
    pub min_backoff: Duration,
    /// The liveness probe's interval and deadline.
    pub probe: ProbeConfig,
}

/// Where app-server is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AppServerStatus {
    Starting,
    Ready,
    /// Running, but it did not answer the liveness probe in time; `lastError` says why. Back to
    /// `ready` when it answers again.
    Unresponsive,
    Restarting,
    Stopped,
}

/// A truthful snapshot of app-server's supervision, for `/api/ready` and `runtime.*` events.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppServerState {
    pub status: AppServerStatus,
    pub generation: u64,
    pub pid: Option<u32>,
    pub user_agent: Option<String>,
    pub restarts: u64,
    pub last_exit: Option<String>,
    pub last_error: Option<String>,
    pub next_attempt_in_ms: Option<u64>,
}

/// What app-server said, or what happened to it, in arrival order.
#[derive(Debug)]
pub enum Inbound {
    /// Handshake done: the process of this generation takes requests. The consumer answers on `recorded` once it
    /// has recorded that, and only then does the supervisor report app-server ready: whoever sees "ready" can find it
    /// in the log.
    Ready { generation: u64, recorded: tokio::sync::oneshot::Sender<()> },
    Notification { generation: u64, method: String, params: Option<Box<RawValue>> },
    Request { connection: SharedConnection, id: RequestId, method: String, params: Option<Box<RawValue>> },
    /// A line that was not JSON-RPC; recorded, then skipped.
    Malformed { generation: u64, line: String, error: String },
    /// The process of this generation is gone; every request it had is void.
    Exited { generation: u64, reason: String },
}

/// Handle to the supervised runtime. Cheap to clone.
#[derive(Clone)]
pub struct AppServer {
    inner: Arc<AppServerInner>,
}

struct AppServerInner {
    state: watch::Sender<AppServerState>,
    connection: Mutex<Option<SharedConnection>>,
    shutdown: watch::Sender<bool>,
    task: Mutex<Option<JoinHandle<()>>>,
    /// The drift guard's verdict on the codex that runs, shared by every connection (it outlives restarts).
    gate: Arc<ProtocolGate>,
}

impl AppServer {
    /// Start supervising `codex app-server` as `config` says. Messages from app-server are delivered, in order, to
    /// `inbound`.
    pub fn start(config: AppServerConfig, inbound: mpsc::Sender<Inbound>) -> Self {
        let launcher = ChildLauncher::new(&config);
        Self::start_with(config, launcher, inbound)
    }

    /// Start supervising whatever `launcher` starts (the child process in the product, an in-memory peer in unit
    /// tests); `config`'s launch fields are not used.
    pub fn start_with<L: Launch>(config: AppServerConfig, launcher: L, inbound: mpsc::Sender<Inbound>) -> Self {
        let initial = AppServerState {
            status: AppServerStatus::Starting,
            generation: 0,
            pid: None,
            user_agent: None,
            restarts: 0,
            last_exit: None,
            last_error: None,
            next_attempt_in_ms: None,
        };
        let inner = Arc::new(AppServerInner {
            state: watch::Sender::new(initial),
            connection: Mutex::new(None),
            shutdown: watch::Sender::new(false),
            task: Mutex::new(None),
            gate: Arc::default(),
        });
        let task = tokio::spawn(supervise(config, launcher, inbound, inner.clone()));
        *inner.task.lock().expect("task slot poisoned") = Some(task);
        Self { inner }
    }

    /// The drift guard's verdict on the running codex, which every call consults (see [`super::drift`]).
    pub fn protocol_gate(&self) -> &ProtocolGate {
        &self.inner.gate
    }

    pub fn state(&self) -> AppServerState {
        self.inner.state.borrow().clone()
    }

    pub fn watch_state(&self) -> watch::Receiver<AppServerState> {
        self.inner.state.subscribe()
    }

    /// The live connection, if app-server is ready.
    pub fn connection(&self) -> Option<SharedConnection> {
        self.inner.connection.lock().expect("connection slot poisoned").clone()
    }

    /// Wait until ready, at most `timeout`.
    pub async fn wait_ready(&self, timeout: Duration) -> Option<SharedConnection> {
        let mut rx = self.watch_state();
        let ready = tokio::time::timeout(timeout, rx.wait_for(|s| s.status == AppServerStatus::Ready)).await;
        match ready {
            Ok(Ok(_)) => self.connection(),
            _ => None,
        }
    }

    /// Stop app-server (stdin EOF, SIGTERM, then the process group) and stop restarting it.
    pub async fn shutdown(&self) {
        self.inner.shutdown.send_replace(true);
        let task = self.inner.task.lock().expect("task slot poisoned").take();
        if let Some(task) = task {
            let _ = task.await;
        }
    }
}

impl AppServerInner {
    fn update(&self, f: impl FnOnce(&mut AppServerState)) {
        self.state.send_modify(f);
    }

    fn set_connection(&self, conn: Option<SharedConnection>) {
        *self.connection.lock().expect("connection slot poisoned") = conn;
    }
}

async fn supervise<L: Launch>(config: AppServerConfig, launcher: L, inbound: mpsc::Sender<Inbound>, inner: Arc<AppServerInner>) {
    let mut shutdown = inner.shutdown.subscribe();
    let mut generation = 0u64;
    let mut failures = 0u32;

    loop {
        if *shutdown.borrow() {
            break;
        }
        generation += 1;
        inner.update(|s| {
            s.status = if generation == 1 { AppServerStatus::Starting } else { AppServerStatus::Restarting };
            s.generation = generation;
            s.pid = None;
            s.next_attempt_in_ms = None;
        });
        let started = Instant::now();
        let outcome = run_once(&launcher, &config, generation, &inbound, &inner, &mut shutdown).await;
        inner.set_connection(None);
        let reason = match outcome {
            RunOutcome::Shutdown => break,
            RunOutcome::Exited(reason) => reason,
        };
        tracing::warn!(generation, %reason, "app-server is down");
        let _ = inbound.send(Inbound::Exited { generation, reason: reason.clone() }).await;

        failures = if started.elapsed() >= STABLE_AFTER { 1 } else { failures.saturating_add(1) };
        let delay = backoff_delay(config.min_backoff, failures);
        inner.update(|s| {
            s.status = AppServerStatus::Restarting;
            s.pid = None;
            s.restarts += 1;
            s.last_exit = Some(reason);
            s.next_attempt_in_ms = Some(delay.as_millis() as u64);
        });
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = stop_requested(&mut shutdown) => break,
        }
    }
    inner.update(|s| {
        s.status = AppServerStatus::Stopped;
        s.pid = None;
        s.next_attempt_in_ms = None;
    });
}

/// Exponential backoff with "equal jitter": half fixed, half random, so restarts of many hosts never align.
fn backoff_delay(min: Duration, failures: u32) -> Duration {
    let exp = min.saturating_mul(1u32 << failures.saturating_sub(1).min(16));
    let capped = exp.min(MAX_BACKOFF);
    let half = capped / 2;
    half + half.mul_f64(fastrand::f64())
}

enum RunOutcome {
    Shutdown,
    Exited(String),
}

async fn run_once<L: Launch>(
    launcher: &L,
    config: &AppServerConfig,
    generation: u64,
    inbound: &mpsc::Sender<Inbound>,
    inner: &AppServerInner,
    shutdown: &mut watch::Receiver<bool>,
) -> RunOutcome {
    let launched = match launcher.launch() {
        Ok(l) => l,
        Err(e) => {
            let msg = format!("could not start {}: {e}", launcher.describe());
            inner.update(|s| s.last_error = Some(msg.clone()));
            return RunOutcome::Exited(msg);
        }
    };
    let Launched { process: mut child, stdin, stdout } = launched;
    let pid = child.pid();
    inner.update(|s| s.pid = pid);
    let conn = Arc::new(Connection::new(generation, stdin, inner.gate.clone()));
    let reader = tokio::spawn(read_lines(stdout, conn.clone(), generation, inbound.clone()));

    let handshake = async {
        let init = conn
            .request(
                "initialize",
                json!({
                    "clientInfo": {"name": config.client_name, "title": "Codex Manager", "version": config.client_version},
                    "capabilities": {"experimentalApi": true},
                }),
            )
            .await?;
        conn.notify::<Value>("initialized", None).await?;
        Ok::<_, rpc::RpcError>(init)
    };

    let ready = tokio::select! {
        r = handshake => r,
        status = child.wait() => {
            let reason = format!("exited during handshake: {status}");
            finish_reader(reader).await;
            conn.close();
            inner.update(|s| s.last_error = Some(reason.clone()));
            return RunOutcome::Exited(reason);
        }
        _ = stop_requested(shutdown) => {
            conn.close();
            child.stop(STOP_GRACE).await;
            finish_reader(reader).await;
            return RunOutcome::Shutdown;
        }
    };

    match ready {
        Ok(init) => {
            let user_agent = init.get("userAgent").and_then(Value::as_str).map(str::to_owned);
            tracing::info!(generation, pid = pid.unwrap_or(0), user_agent = user_agent.as_deref().unwrap_or("?"), "app-server ready");
            inner.set_connection(Some(conn.clone()));
            inner.update(|s| s.user_agent = user_agent.clone());
            let (recorded, acked) = tokio::sync::oneshot::channel();
            if inbound.send(Inbound::Ready { generation, recorded }).await.is_ok() {
                let _ = tokio::time::timeout(Duration::from_secs(5), acked).await;
            }
            inner.update(|s| {
                s.status = AppServerStatus::Ready;
                s.user_agent = user_agent;
                s.last_error = None;
            });
        }
        Err(e) => {
            let reason = format!("handshake failed: {e}");
            inner.update(|s| s.last_error = Some(reason.clone()));
            conn.close();
            child.stop(STOP_GRACE).await;
            finish_reader(reader).await;
            return RunOutcome::Exited(reason);
        }
    }

    let liveness = probe::watch(conn.clone(), config.probe, |change| {
        inner.update(|s| match change {
            Liveness::Answering => {
                s.status = AppServerStatus::Ready;
                s.last_error = None;
            }
            Liveness::Unresponsive(reason) => {
                s.status = AppServerStatus::Unresponsive;
                s.last_error = Some(reason);
            }
        })
    });
    tokio::select! {
        status = child.wait() => {
            // Mark not-ready first: no new request may go to a dead process.
            inner.set_connection(None);
            inner.update(|s| { s.status = AppServerStatus::Restarting; s.pid = None; });
            conn.close();
            // Drain what the process wrote before it died, so its last events come before the exit.
            finish_reader(reader).await;
            child.reap();
            RunOutcome::Exited(status)
        }
        _ = stop_requested(shutdown) => {
            inner.set_connection(None);
            conn.close();
            child.stop(STOP_GRACE).await;
            finish_reader(reader).await;
            RunOutcome::Shutdown
        }
        // Only ends when the connection closes, which the other branches see first.
        _ = liveness => std::future::pending().await,
    }
}

/// Resolves once shutdown was asked for (the watch guard is dropped here, so callers can hold this across awaits).
async fn stop_requested(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|stop| *stop).await;
}

/// The reader ends at EOF; a grandchild holding the pipe open must not hold up the restart.
async fn finish_reader(reader: JoinHandle<()>) {
    let abort = reader.abort_handle();
    if tokio::time::timeout(Duration::from_secs(1), reader).await.is_err() {
        abort.abort();
    }
}

async fn read_lines<R: AsyncRead + Unpin>(stdout: R, conn: SharedConnection, generation: u64, inbound: mpsc::Sender<Inbound>) {
    let mut reader = tokio::io::BufReader::with_capacity(256 * 1024, stdout);
    let mut buf = Vec::with_capacity(64 * 1024);
    loop {
        buf.clear();
        match read_bounded_line(&mut reader, &mut buf).await {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                let _ = inbound
                    .send(Inbound::Malformed { generation, line: String::new(), error: e.to_string() })
                    .await;
                if e.kind() != std::io::ErrorKind::InvalidData {
                    break;
                }
                continue;
            }
        }
        let line = match std::str::from_utf8(&buf) {
            Ok(l) => l.trim_end(),
            Err(e) => {
                let _ = inbound.send(Inbound::Malformed { generation, line: lossy_prefix(&buf), error: e.to_string() }).await;
                continue;
            }
        };
        if line.is_empty() {
            continue;
        }
        let msg = match rpc::parse_line(line) {
            Ok(m) => m,
            Err(e) => {
                let _ = inbound.send(Inbound::Malformed { generation, line: prefix(line), error: e.to_string() }).await;
                continue;
            }
        };
        let forwarded = match (msg.id, msg.method) {
            (Some(id), Some(method)) => {
                inbound.send(Inbound::Request { connection: conn.clone(), id: RequestId(id), method, params: msg.params }).await
            }
            (None, Some(method)) => inbound.send(Inbound::Notification { generation, method, params: msg.params }).await,
            (Some(id), None) => {
                let outcome = match (msg.result, msg.error) {
                    (_, Some(err)) => Err(rpc::server_error(&err)),
                    (Some(result), None) => Ok(result),
                    (None, None) => Ok(RawValue::from_string("null".into()).expect("null is JSON")),
                };
                if let Some(id) = id.as_i64() {
                    conn.complete(id, outcome);
                }
                Ok(())
            }
            (None, None) => {
                inbound
                    .send(Inbound::Malformed { generation, line: prefix(line), error: "neither method nor id".into() })
                    .await
            }
        };
        if forwarded.is_err() {
            break;
        }
    }
}

/// Read one `\n`-terminated line, refusing lines over [`MAX_LINE_BYTES`] (the rest of such a line is skipped).
async fn read_bounded_line<R: tokio::io::AsyncBufRead + Unpin>(reader: &mut R, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    let mut total = 0usize;
    let mut overflow = false;
    loop {
        let available = reader.fill_buf().await?;
        if available.is_empty() {
            return Ok(total);
        }
        let (chunk, done) = match available.iter().position(|b| *b == b'\n') {
            Some(i) => (&available[..=i], true),
            None => (available, false),
        };
        let n = chunk.len();
        if !overflow {
            if buf.len() + n > MAX_LINE_BYTES {
                overflow = true;
                buf.clear();
            } else {
                buf.extend_from_slice(chunk);
            }
        }
        total += n;
        reader.consume(n);
        if done {
            if overflow {
                return Err(std::io::Error::new(std::io::ErrorKind::InvalidData, "line longer than the limit was skipped"));
            }
            return Ok(total);
        }
    }
}

fn prefix(line: &str) -> String {
    line.chars().take(200).collect()
}

fn lossy_prefix(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(200)]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ScriptedAppServer, Step, WAIT};

    fn config() -> AppServerConfig {
        AppServerConfig {
            program: "unused".into(),
            codex_home: "unused".into(),
            overrides: Vec::new(),
            env: Vec::new(),
            client_name: "tests".into(),
            client_version: "0".into(),
            min_backoff: Duration::from_millis(1),
            probe: ProbeConfig { interval: Duration::from_secs(3600), deadline: Duration::from_secs(3600) },
        }
    }

    /// What a consumer of the supervisor sees, in order, acknowledging each `Ready` as the relay does.
    fn consume(mut inbound: mpsc::Receiver<Inbound>) -> mpsc::UnboundedReceiver<String> {
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            while let Some(msg) = inbound.recv().await {
                let seen = match msg {
                    Inbound::Ready { generation, recorded } => {
                        let _ = recorded.send(());
                        format!("ready {generation}")
                    }
                    Inbound::Notification { generation, method, .. } => format!("{method} {generation}"),
                    Inbound::Exited { generation, .. } => format!("exited {generation}"),
                    Inbound::Request { method, .. } => format!("request {method}"),
                    Inbound::Malformed { generation, .. } => format!("malformed {generation}"),
                };
                let _ = tx.send(seen);
            }
        });
        rx
    }

    async fn seen(rx: &mut mpsc::UnboundedReceiver<String>) -> String {
        tokio::time::timeout(WAIT, rx.recv()).await.expect("the app_server reports on").expect("consumer alive")
    }

    #[tokio::test]
    async fn every_line_of_a_dead_process_comes_before_its_exit_and_the_next_generation_follows() {
        let app = ScriptedAppServer::default();
        let (tx, inbound) = mpsc::channel(16);
        let app_server = AppServer::start_with(config(), app.clone(), tx);
        let mut rx = consume(inbound);
        let first = app.next_peer().await;
        assert_eq!(seen(&mut rx).await, "ready 1");
        first.notify("item/agentMessage/delta", serde_json::json!({"delta": "last words"})).await;
        first.exit(1).await;
        assert_eq!(seen(&mut rx).await, "item/agentMessage/delta 1");
        assert_eq!(seen(&mut rx).await, "exited 1");
        app.next_peer().await;
        assert_eq!(seen(&mut rx).await, "ready 2");
        let state = app_server.state();
        assert_eq!((state.generation, state.restarts, state.last_exit.as_deref()), (2, 1, Some("exited with code 1")));
        app_server.shutdown().await;
        assert_eq!(app_server.state().status, AppServerStatus::Stopped);
    }

    #[tokio::test]
    async fn a_refused_handshake_counts_as_an_exit_and_the_next_process_is_tried() {
        let app = ScriptedAppServer::default();
        let refused = std::sync::atomic::AtomicBool::new(false);
        app.on("initialize", move |_| {
            if refused.swap(true, std::sync::atomic::Ordering::SeqCst) {
                vec![Step::Answer(serde_json::json!({"userAgent": "second/1"}))]
            } else {
                vec![Step::Refuse(-32600, "not today".into())]
            }
        });
        let (tx, inbound) = mpsc::channel(16);
        let app_server = AppServer::start_with(config(), app.clone(), tx);
        let mut rx = consume(inbound);
        assert_eq!(seen(&mut rx).await, "exited 1");
        assert_eq!(seen(&mut rx).await, "ready 2");
        let state = app_server.state();
        assert!(state.last_exit.as_deref().is_some_and(|e| e.contains("handshake failed") && e.contains("not today")), "{state:?}");
        assert_eq!(state.user_agent.as_deref(), Some("second/1"));
        assert!(app_server.connection().is_some_and(|c| c.generation() == 2));
        app_server.shutdown().await;
    }

    #[tokio::test]
    async fn shutdown_closes_app_servers_stdin_and_no_new_process_starts() {
        let app = ScriptedAppServer::default();
        let (tx, inbound) = mpsc::channel(16);
        let app_server = AppServer::start_with(config(), app.clone(), tx);
        let mut rx = consume(inbound);
        let peer = app.next_peer().await;
        assert_eq!(seen(&mut rx).await, "ready 1");
        app_server.shutdown().await;
        assert_eq!(app_server.state().status, AppServerStatus::Stopped);
        assert!(app_server.connection().is_none());
        // The polite step was enough: the peer exited on stdin EOF, as app-server does, and was not killed.
        assert_eq!(peer.exited().as_deref(), Some("exited with code 0"));
        assert_eq!(peer.methods(), ["initialize", "initialized"]);
        // The supervisor has ended (shutdown waited for it): a stop is not a crash, nothing is restarted.
        assert_eq!((app_server.state().restarts, app.launches()), (0, 1));
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        for failures in 1..40 {
            let d = backoff_delay(MIN_BACKOFF, failures);
            let full = MIN_BACKOFF.saturating_mul(1u32 << (failures - 1).min(16)).min(MAX_BACKOFF);
            assert!(d >= full / 2 && d <= full, "failures={failures} delay={d:?} full={full:?}");
        }
        assert!(backoff_delay(MIN_BACKOFF, 30) >= MAX_BACKOFF / 2);
    }

    #[tokio::test]
    async fn overlong_lines_are_refused_and_skipped() {
        let mut data = vec![b'x'; MAX_LINE_BYTES + 10];
        data.push(b'\n');
        data.extend_from_slice(b"{\"method\":\"ok\"}\n");
        let mut reader = tokio::io::BufReader::new(&data[..]);
        let mut buf = Vec::new();
        let err = read_bounded_line(&mut reader, &mut buf).await.unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
        buf.clear();
        read_bounded_line(&mut reader, &mut buf).await.unwrap();
        assert_eq!(buf, b"{\"method\":\"ok\"}\n");
    }
}
