//! The loopback server: accepts connections, logs requests, picks the response, streams it.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tokio::io::BufReader;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

use super::http::{read_request, write_full};
use super::scenario::{load_script, Script, TurnView};
use super::sse::{respond, ResponseCtx};
use super::FakeModelConfig;

/// Path of the control endpoint that returns the request log as JSON (not itself logged).
pub const REQUESTS_PATH: &str = "/_fake/requests";

/// One request the fake received, as recorded in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoggedRequest {
    pub method: String,
    /// Path including any query string, e.g. `/v1/responses`.
    pub path: String,
    /// All request headers, names lower-cased.
    pub headers: BTreeMap<String, String>,
    /// The JSON body (`null` if absent or not JSON).
    pub body: Value,
    /// For `/responses`: the scenario answered (`default` without a token).
    pub scenario: Option<String>,
    /// For `/responses`: the index of the response sent within the scenario.
    pub step: Option<usize>,
}

struct Shared {
    script: Script,
    delay: Duration,
    log: Mutex<Vec<LoggedRequest>>,
}

impl Shared {
    fn record(&self, entry: LoggedRequest) -> usize {
        let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
        log.push(entry);
        log.len() - 1
    }

    fn snapshot(&self) -> Vec<LoggedRequest> {
        self.log.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// A running fake model server. Stops (including open streams) when dropped.
pub struct FakeModel {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl FakeModel {
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT/v1`, the provider `base_url` for codex.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.snapshot()
    }

    /// Stops serving; same as dropping.
    pub fn shutdown(self) {}
}

impl Drop for FakeModel {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Starts the fake on an ephemeral loopback port, serving from a task on the current runtime.
pub async fn start(config: FakeModelConfig) -> anyhow::Result<FakeModel> {
    start_on(config, 0).await
}

/// Like [`start`] but on a given port (0 = ephemeral).
pub async fn start_on(config: FakeModelConfig, port: u16) -> anyhow::Result<FakeModel> {
    let script = match &config.script {
        Some(path) => load_script(path)?,
        None => Script::new(),
    };
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared {
        script,
        delay: Duration::from_millis(config.delay_ms),
        log: Mutex::new(Vec::new()),
    });
    let task = tokio::spawn(accept_loop(listener, shared.clone()));
    Ok(FakeModel { addr, shared, task })
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    // Owning the connections here means aborting this task also drops every open stream.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    connections.spawn(serve_connection(stream, shared.clone()));
                }
                Err(err) => {
                    tracing::warn!(%err, "fake model: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    let mut stream = BufReader::new(stream);
    if let Err(err) = handle(&mut stream, &shared).await {
        tracing::debug!(%err, "fake model: connection ended with an error");
    }
}

async fn handle(stream: &mut BufReader<TcpStream>, shared: &Shared) -> std::io::Result<()> {
    let Some(request) = read_request(stream).await? else {
        return Ok(());
    };
    let route = request.path.split('?').next().unwrap_or_default();
    if request.method == "GET" && route == REQUESTS_PATH {
        let body = serde_json::to_vec(&shared.snapshot()).unwrap_or_default();
        return write_full(stream, 200, "application/json", &body).await;
    }

    let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let mut entry = LoggedRequest {
        method: request.method.clone(),
        path: request.path.clone(),
        headers: request.headers,
        body,
        scenario: None,
        step: None,
    };
    if request.method != "POST" || !route.ends_with("/responses") {
        shared.record(entry);
        let body = json!({ "error": { "message": format!("fake: no route for {route}") } });
        return write_full(stream, 404, "application/json", body.to_string().as_bytes()).await;
    }

    let view = TurnView::from_body(&entry.body);
    let scenario = view
        .scenario
        .clone()
        .unwrap_or_else(|| "default".to_owned());
    let steps = view.response(&shared.script);
    entry.scenario = Some(scenario.clone());
    entry.step = Some(view.step);
    let n = shared.record(entry);

    let stem: String = scenario
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let ctx = ResponseCtx {
        response_id: format!("resp_{n}"),
        call_stem: format!("{stem}_{}_{}", view.user_index, view.step),
        delay: shared.delay,
        input_tokens: (request.body.len() / 4) as u64,
    };
    respond(stream, &steps, &ctx).await
}
