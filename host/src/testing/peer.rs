//! An in-memory app-server: the supervisor launches it over two `tokio::io::duplex` pipes instead of the codex
//! child, and the test plays app-server's part through a [`Peer`] — notifications, its own requests, a crash.
//!
//! It answers the handshake and the requests the host makes on its own (`thread/start`, `thread/resume`,
//! `turn/start`, `account/read`, ...) the way app-server 0.169 shapes them; everything a turn says is the test's
//! to script, so each test states exactly the sequence whose outcome it promises. [`ScriptedAppServer::on`] replaces the
//! answer to a method (an error, notifications before the answer, an exit right after it).

use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, DuplexStream};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::appserver::{AppServerProcess, Launch, Launched};

/// How long a test waits for something the host is expected to do; a bound, not a timing assertion.
pub const WAIT: Duration = Duration::from_secs(10);

/// Bytes either pipe holds before the writer waits (app-server's pipe holds 64 KiB; tests need no back-pressure).
const PIPE_BYTES: usize = 1 << 20;

/// One step of the peer's answer to a request, in order.
#[derive(Debug, Clone)]
pub enum Step {
    /// The request's result.
    Answer(Value),
    /// A JSON-RPC error for the request.
    Refuse(i64, String),
    /// An `error` of any shape for the request, as written (JSON-RPC's or not).
    Error(Value),
    /// A notification.
    Notify(String, Value),
    /// Exit with this code (after what came before is written).
    Exit(i32),
}

type Responder = Arc<dyn Fn(&Value) -> Vec<Step> + Send + Sync>;

/// The launcher and the script every generation follows. Cheap to clone; hand one to `Services::start_with`.
#[derive(Clone)]
pub struct ScriptedAppServer {
    shared: Arc<ServerShared>,
}

struct ServerShared {
    peers_tx: mpsc::UnboundedSender<Peer>,
    peers_rx: tokio::sync::Mutex<mpsc::UnboundedReceiver<Peer>>,
    overrides: Mutex<HashMap<String, Responder>>,
    ids: AtomicU64,
    launches: AtomicU64,
}

impl Default for ScriptedAppServer {
    fn default() -> Self {
        let (peers_tx, peers_rx) = mpsc::unbounded_channel();
        let shared = ServerShared {
            peers_tx,
            peers_rx: tokio::sync::Mutex::new(peers_rx),
            overrides: Mutex::new(HashMap::new()),
            ids: AtomicU64::new(0),
            launches: AtomicU64::new(0),
        };
        Self { shared: Arc::new(shared) }
    }
}

impl ScriptedAppServer {
    /// Answer `method` with `steps` instead of the default (for every generation from now on).
    pub fn on(&self, method: &str, steps: impl Fn(&Value) -> Vec<Step> + Send + Sync + 'static) {
        self.shared.overrides.lock().unwrap().insert(method.to_string(), Arc::new(steps));
    }

    /// The peer of the next generation the supervisor launches (the first call: the first generation).
    pub async fn next_peer(&self) -> Peer {
        let mut rx = self.shared.peers_rx.lock().await;
        tokio::time::timeout(WAIT, rx.recv()).await.expect("the supervisor launches app-server").expect("launcher alive")
    }

    /// How many processes were launched so far.
    pub fn launches(&self) -> u64 {
        self.shared.launches.load(Ordering::Relaxed)
    }

    /// A fresh id, unique across generations (`thr-1`, `turn-2`, ...).
    pub fn id(&self, prefix: &str) -> String {
        format!("{prefix}-{}", self.shared.ids.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn answer(&self, method: &str, params: &Value) -> Vec<Step> {
        let custom = self.shared.overrides.lock().unwrap().get(method).cloned();
        if let Some(f) = custom {
            return f(params);
        }
        let thread = |id: &str| {
            json!({"thread": {"id": id, "preview": "", "cwd": params.get("cwd"), "status": {"type": "idle"}, "turns": []},
                   "model": "in-memory", "modelProvider": "fake", "cwd": params.get("cwd"),
                   "approvalPolicy": "on-request", "sandbox": {"type": "readOnly"}})
        };
        match method {
            "initialize" => vec![Step::Answer(json!({"userAgent": "in_memory_app_server/0.169.0", "platformOs": "linux"}))],
            "thread/start" | "thread/fork" => {
                let id = self.id("thr");
                let result = thread(&id);
                vec![Step::Answer(result.clone()), Step::Notify("thread/started".into(), json!({"thread": result["thread"]}))]
            }
            "thread/resume" => vec![Step::Answer(thread(params["threadId"].as_str().unwrap_or_default()))],
            "turn/start" => {
                vec![Step::Answer(json!({"turn": {"id": self.id("turn"), "status": "inProgress", "items": [], "error": null}}))]
            }
            "turn/steer" => vec![Step::Answer(json!({"turnId": params["expectedTurnId"]}))],
            "account/read" => vec![Step::Answer(json!({"account": null, "requiresOpenaiAuth": false}))],
            "thread/turns/list" => vec![Step::Answer(json!({"data": [], "nextCursor": null, "backwardsCursor": null}))],
            "turn/interrupt" | "thread/name/set" | "thread/archive" | "thread/unarchive" | "thread/delete"
            | "server/diagnostics" => vec![Step::Answer(json!({}))],
            _ => vec![Step::Refuse(-32600, "unknown method".into())],
        }
    }
}

/// What the supervisor waits for and stops: the in-memory peer's life.
pub struct PeerProcess {
    peer: Peer,
    exit: watch::Receiver<Option<String>>,
}

impl Launch for ScriptedAppServer {
    type Process = PeerProcess;
    type Stdin = DuplexStream;
    type Stdout = DuplexStream;

    fn launch(&self) -> std::io::Result<Launched<PeerProcess, DuplexStream, DuplexStream>> {
        let (host_in, peer_in) = tokio::io::duplex(PIPE_BYTES);
        let (peer_out, host_out) = tokio::io::duplex(PIPE_BYTES);
        let (exit_tx, exit) = watch::channel(None);
        let generation = self.shared.launches.fetch_add(1, Ordering::Relaxed) + 1;
        let peer = Peer {
            inner: Arc::new(PeerInner {
                generation,
                out: tokio::sync::Mutex::new(Some(peer_out)),
                exit: exit_tx,
                received: Mutex::new(Vec::new()),
                arrived: tokio::sync::Notify::new(),
                answers: Mutex::new(HashMap::new()),
                next_id: AtomicI64::new(1000),
                reader: Mutex::new(None),
            }),
        };
        let reader = tokio::spawn(serve(self.clone(), peer.clone(), peer_in));
        *peer.inner.reader.lock().unwrap() = Some(reader);
        let _ = self.shared.peers_tx.send(peer.clone());
        Ok(Launched { process: PeerProcess { peer, exit }, stdin: host_in, stdout: host_out })
    }

    fn describe(&self) -> String {
        "the in-memory app-server".into()
    }
}

impl AppServerProcess for PeerProcess {
    fn pid(&self) -> Option<u32> {
        None
    }

    async fn wait(&mut self) -> String {
        let exit = self.exit.wait_for(Option::is_some).await.map(|e| e.clone().unwrap_or_default());
        exit.unwrap_or_else(|_| "gone".into())
    }

    async fn stop(mut self, grace: Duration) {
        // Like app-server, the peer exits on stdin EOF; one that does not is killed.
        if tokio::time::timeout(grace, self.wait()).await.is_err() {
            self.peer.die("killed by signal 9").await;
        }
    }

    fn reap(&mut self) {}
}

/// One generation of the in-memory app-server, played by the test. Cheap to clone.
#[derive(Clone)]
pub struct Peer {
    inner: Arc<PeerInner>,
}

struct PeerInner {
    generation: u64,
    out: tokio::sync::Mutex<Option<DuplexStream>>,
    exit: watch::Sender<Option<String>>,
    /// Every request and notification the host sent: (method, params).
    received: Mutex<Vec<(String, Value)>>,
    arrived: tokio::sync::Notify,
    /// Answers the host owes to the peer's own requests.
    answers: Mutex<HashMap<i64, oneshot::Sender<Value>>>,
    next_id: AtomicI64,
    reader: Mutex<Option<JoinHandle<()>>>,
}

/// Read what the host writes; answer requests as the script says; exit on EOF, like app-server.
async fn serve(server: ScriptedAppServer, peer: Peer, input: DuplexStream) {
    let mut lines = BufReader::new(input).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let Ok(msg) = serde_json::from_str::<Value>(&line) else { continue };
        let method = msg.get("method").and_then(Value::as_str).map(str::to_owned);
        match (method, msg.get("id").cloned()) {
            (Some(method), id) => {
                let params = msg.get("params").cloned().unwrap_or(Value::Null);
                peer.inner.received.lock().unwrap().push((method.clone(), params.clone()));
                peer.inner.arrived.notify_waiters();
                let Some(id) = id else { continue };
                for step in server.answer(&method, &params) {
                    match step {
                        Step::Answer(result) => peer.write(&json!({"id": id, "result": result})).await,
                        Step::Refuse(code, message) => {
                            peer.write(&json!({"id": id, "error": {"code": code, "message": message}})).await
                        }
                        Step::Error(error) => peer.write(&json!({"id": id, "error": error})).await,
                        Step::Notify(method, params) => peer.notify(&method, params).await,
                        Step::Exit(code) => return peer.die(&format!("exited with code {code}")).await,
                    }
                }
            }
            (None, Some(id)) => {
                let waiter = id.as_i64().and_then(|id| peer.inner.answers.lock().unwrap().remove(&id));
                if let Some(tx) = waiter {
                    let _ = tx.send(msg);
                }
            }
            (None, None) => {}
        }
    }
    peer.die("exited with code 0").await;
}

impl Peer {
    /// The generation this peer is (1 for the first launch).
    pub fn generation(&self) -> u64 {
        self.inner.generation
    }

    async fn write(&self, msg: &Value) {
        self.write_raw(&msg.to_string()).await;
    }

    /// Write one line as is (a dead peer writes nothing).
    pub async fn write_raw(&self, line: &str) {
        let mut out = self.inner.out.lock().await;
        if let Some(pipe) = out.as_mut() {
            let _ = pipe.write_all(format!("{line}\n").as_bytes()).await;
        }
    }

    /// A notification, as app-server writes it.
    pub async fn notify(&self, method: &str, params: Value) {
        self.write(&json!({"method": method, "params": params})).await;
    }

    /// A request of app-server's own (an approval, a tool call); the receiver gets the host's answer line.
    pub async fn request(&self, method: &str, params: Value) -> oneshot::Receiver<Value> {
        let id = self.inner.next_id.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        self.inner.answers.lock().unwrap().insert(id, tx);
        self.write(&json!({"id": id, "method": method, "params": params})).await;
        rx
    }

    /// Exit with `code`: what was written stays readable, then the pipes close and the process is gone.
    pub async fn exit(&self, code: i32) {
        self.die(&format!("exited with code {code}")).await;
    }

    async fn die(&self, how: &str) {
        self.inner.out.lock().await.take();
        if let Some(reader) = self.inner.reader.lock().unwrap().take() {
            reader.abort();
        }
        self.inner.exit.send_replace(Some(how.to_string()));
    }

    /// How it ended, once it did (`exited with code 0` after stdin EOF, `killed by signal 9` when stopped firmly).
    pub fn exited(&self) -> Option<String> {
        self.inner.exit.borrow().clone()
    }

    /// The params of the `n`-th (0-based) `method` the host sent, waiting for it (bounded).
    pub async fn received_nth(&self, method: &str, n: usize) -> Value {
        let found = async {
            loop {
                let arrived = self.inner.arrived.notified();
                if let Some(p) = self.inner.received.lock().unwrap().iter().filter(|(m, _)| m == method).nth(n) {
                    return p.1.clone();
                }
                arrived.await;
            }
        };
        tokio::time::timeout(WAIT, found).await.unwrap_or_else(|_| panic!("the host never sent `{method}` #{n}"))
    }

    /// Every method the host sent, in order.
    pub fn methods(&self) -> Vec<String> {
        self.inner.received.lock().unwrap().iter().map(|(m, _)| m.clone()).collect()
    }

    // What app-server says during a turn, in 0.169's shapes.

    pub async fn turn_started(&self, thread: &str, turn: &str) {
        self.notify("turn/started", json!({"threadId": thread, "turn": {"id": turn, "status": "inProgress", "items": [], "error": null}}))
            .await;
    }

    pub async fn turn_completed(&self, thread: &str, turn: &str, status: &str, error: Option<&str>) {
        let error = error.map(|m| json!({"message": m}));
        self.notify("turn/completed", json!({"threadId": thread, "turn": {"id": turn, "status": status, "items": [], "error": error}}))
            .await;
    }

    pub async fn item_started(&self, thread: &str, turn: &str, item: Value) {
        self.notify("item/started", json!({"threadId": thread, "turnId": turn, "item": item})).await;
    }

    pub async fn item_completed(&self, thread: &str, turn: &str, item: Value) {
        self.notify("item/completed", json!({"threadId": thread, "turnId": turn, "item": item})).await;
    }

    /// The thread's status: `active` with these flags (`waitingOnApproval`, `waitingOnUserInput`), or `idle`.
    pub async fn thread_status(&self, thread: &str, active_flags: Option<&[&str]>) {
        let status = match active_flags {
            Some(flags) => json!({"type": "active", "activeFlags": flags}),
            None => json!({"type": "idle"}),
        };
        self.notify("thread/status/changed", json!({"threadId": thread, "status": status})).await;
    }
}

/// An assistant message item.
pub fn agent_message(id: &str, text: &str) -> Value {
    json!({"type": "agentMessage", "id": id, "text": text})
}

/// A command execution item.
pub fn command(id: &str, command: &str) -> Value {
    json!({"type": "commandExecution", "id": id, "command": command, "cwd": "/tmp", "status": "inProgress"})
}
