//! Test harness: a real `codex-manager serve` process driving the real `codex app-server` (the pinned release)
//! against the project's fake model, reached only through the public API.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use codex_manager_fakes::model::{self as fake, FakeModel, FakeModelConfig};
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

pub mod pg;
pub mod pty;

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long any single wait in a test may take before the test fails (generous: CI machines are slow).
pub const WAIT: Duration = Duration::from_secs(60);

/// The pinned codex the set-up installed (or `CODEX_BIN`).
pub fn codex_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("CODEX_BIN") {
        return PathBuf::from(p);
    }
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.tools/codex/node_modules/.bin/codex");
    assert!(local.exists(), "run scripts/setup.sh --test first (no codex at {})", local.display());
    local
}

/// The release of the codex the suites run on, from its own `codex --version` (`codex-cli 0.171.0`): what tests
/// compare with, so they pass on whichever release `CODEX_BIN` chooses.
pub fn codex_version() -> String {
    let out = Command::new(codex_bin()).arg("--version").output().expect("codex --version runs");
    let text = String::from_utf8_lossy(&out.stdout);
    text.split_whitespace().last().unwrap_or_else(|| panic!("no version in `codex --version`: {text:?}")).to_string()
}

/// What the host must say about the codex the suites run on, by the host's own rules
/// (`appserver::version::assess_release`) applied to the binary's release and its printed schema's fingerprint: so a
/// suite asserts the verdict a release deserves (`tested`, `compatible` with or without `sameSchemaAs`,
/// `incompatible`), whichever release `CODEX_BIN` is, listed in `TESTED` or not. (Its schema breaks nothing the host
/// relies on: `drift.rs` and `protocol_drift.rs` check that.)
pub fn expected_codex_verdict(running: &str) -> codex_manager_host::appserver::version::CodexVersion {
    codex_manager_host::appserver::version::assess_release(Some(running), Some(&codex_schema_fingerprint()), 0)
}

/// The fingerprint of the schema the codex under test prints (`app-server generate-json-schema --experimental`, with
/// a scratch `CODEX_HOME`), as the host computes it.
pub fn codex_schema_fingerprint() -> String {
    let dir = TempDir::new("schema-fp");
    let home = dir.path().join("home");
    let out_dir = dir.path().join("schema");
    std::fs::create_dir_all(&home).unwrap();
    let out = Command::new(codex_bin())
        .args(["app-server", "generate-json-schema", "--experimental", "--out"])
        .arg(&out_dir)
        .env("CODEX_HOME", &home)
        .output()
        .expect("codex runs");
    assert!(out.status.success(), "generate-json-schema failed: {}", String::from_utf8_lossy(&out.stderr));
    codex_manager_host::appserver::version::schema_fingerprint(&out_dir).unwrap()
}

/// The scripted fake app-server (`fakes` crate), for faults the real one cannot produce on demand. scripts/test.sh
/// builds it; `FAKE_APP_SERVER_BIN` overrides where it is.
pub fn fake_app_server_bin() -> PathBuf {
    if let Some(p) = std::env::var_os("FAKE_APP_SERVER_BIN") {
        return PathBuf::from(p);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let bin = target.join("debug/fake-app-server");
    assert!(bin.exists(), "no fake app-server at {}: run `cargo build -p codex-manager-fakes --bins` (scripts/test.sh does)", bin.display());
    bin
}

/// A scratch directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR"));
        let dir = base.join(format!("{tag}-{}-{}", std::process::id(), fastrand_suffix()));
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if std::env::var_os("KEEP_TEST_DIRS").is_none() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn fastrand_suffix() -> String {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos();
    format!("{nanos:x}")
}

/// Everything one test needs: a fake model, a data dir, a work dir, a running host.
pub struct Env {
    pub dir: TempDir,
    pub model: FakeModel,
    pub host: Option<Host>,
    overrides: Vec<String>,
    /// Extra environment for the host process.
    pub host_env: Vec<(String, String)>,
}

impl Env {
    pub async fn start(tag: &str) -> Self {
        Self::start_with(tag, &[]).await
    }

    pub async fn start_with(tag: &str, host_env: &[(&str, &str)]) -> Self {
        Self::start_full(tag, host_env, &[]).await
    }

    /// With extra environment for the host and extra `-c` overrides (and serve flags via env) for codex.
    pub async fn start_full(tag: &str, host_env: &[(&str, &str)], extra_overrides: &[&str]) -> Self {
        Self::start_configured(tag, host_env, extra_overrides, None).await
    }

    /// With the fake model also answering the scenarios of `script` (a `fakes::model::Script` as JSON: scenario name
    /// → responses → steps).
    pub async fn start_scripted(tag: &str, script: &Value) -> Self {
        Self::start_configured(tag, &[], &[], Some(script)).await
    }

    async fn start_configured(tag: &str, host_env: &[(&str, &str)], extra_overrides: &[&str], script: Option<&Value>) -> Self {
        let dir = TempDir::new(tag);
        for sub in ["data", "work", "userhome", "data/codex-home"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let script = script.map(|script| {
            let path = dir.path().join("fake-model-script.json");
            std::fs::write(&path, script.to_string()).unwrap();
            path
        });
        let model = fake::start(FakeModelConfig { script, ..FakeModelConfig::default() }).await.expect("fake model starts");
        let catalog = dir.path().join("catalog.json");
        fake::write_model_catalog(&codex_bin(), &dir.path().join("data/codex-home"), &catalog).expect("model catalog");
        let mut overrides = fake::codex_overrides(&model.base_url(), Some(&catalog));
        overrides.extend(extra_overrides.iter().map(|o| o.to_string()));
        let host_env = host_env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut env = Self { dir, model, host: None, overrides, host_env };
        env.start_host().await;
        env
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn work_dir(&self) -> String {
        self.dir.path().join("work").display().to_string()
    }

    pub async fn start_host(&mut self) {
        let host = Host::spawn(&self.data_dir(), &self.dir.path().join("userhome"), &self.overrides, &self.host_env, self.host_log()).await;
        host.wait_ready().await;
        self.host = Some(host);
    }

    fn host_log(&self) -> PathBuf {
        let n = std::fs::read_dir(self.dir.path()).map(|d| d.count()).unwrap_or(0);
        self.dir.path().join(format!("host-{n}.log"))
    }

    /// A host whose "codex" is the scripted fake app-server (no model server needed).
    pub async fn start_with_fake_app_server(tag: &str) -> Self {
        let dir = TempDir::new(tag);
        for sub in ["data", "work", "userhome"] {
            std::fs::create_dir_all(dir.path().join(sub)).unwrap();
        }
        let model = fake::start(FakeModelConfig::default()).await.expect("fake model starts");
        let host_env = vec![("CODEX_BIN".to_string(), fake_app_server_bin().display().to_string())];
        let mut env = Self { dir, model, host: None, overrides: Vec::new(), host_env };
        env.start_host().await;
        env
    }

    pub fn host(&self) -> &Host {
        self.host.as_ref().expect("host running")
    }

    /// Stop the host cleanly (SIGTERM) and wait for it.
    /// SIGKILL the host and wait until it is gone: a crash, with no chance to clean up.
    pub fn kill_host(&mut self) {
        let mut host = self.host.take().expect("a running host");
        host.child.kill().unwrap();
        host.child.wait().unwrap();
    }

    pub async fn stop_host(&mut self) {
        if let Some(mut h) = self.host.take() {
            h.terminate().await;
        }
    }

    pub async fn new_session(&self) -> String {
        let (status, body) = self.host().post("/api/sessions", json!({"cwd": self.work_dir()})).await;
        assert_eq!(status, 201, "create session: {body}");
        body["id"].as_str().unwrap().to_string()
    }
}

pub struct Host {
    pub child: Child,
    pub url: String,
    pub token: String,
    pub http: reqwest::Client,
    pub log: PathBuf,
}

impl Host {
    async fn spawn(data_dir: &Path, user_home: &Path, overrides: &[String], env: &[(String, String)], log: PathBuf) -> Self {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_codex-manager"));
        cmd.arg("serve").arg("--data-dir").arg(data_dir).arg("--bind").arg("127.0.0.1:0");
        for o in overrides {
            cmd.arg("-c").arg(o);
        }
        let log_file = std::fs::File::create(&log).unwrap();
        cmd.env("CODEX_BIN", codex_bin())
            .env("HOME", user_home)
            .env("CODEX_MANAGER_LOG", "info,codex_manager_host=debug,sqlx=warn")
            .env_remove("CODEX_MANAGER_TOKEN")
            .env_remove("CODEX_MANAGER_URL")
            // Tests install the plugins they need themselves.
            .env("CODEX_MANAGER_BUNDLED_PLUGINS", "none")
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log_file);
        let mut child = cmd.spawn().expect("codex-manager starts");
        let stdout = child.stdout.take().unwrap();
        let url = tokio::task::spawn_blocking(move || {
            use std::io::BufRead;
            let mut lines = std::io::BufReader::new(stdout).lines();
            let address = loop {
                let line = lines.next().expect("host prints its address").expect("readable stdout");
                if let Some(url) = line.strip_prefix("Codex Manager listening on ") {
                    break url.to_string();
                }
            };
            // Keep draining so the host never blocks on a full pipe.
            std::thread::spawn(move || for _ in lines {});
            address
        })
        .await
        .unwrap();
        assert!(url.starts_with("http://127.0.0.1:"), "unexpected address: {url}");
        // A token given to the host (a team's shared one) is used as is; else the host wrote its own.
        let token = match env.iter().find(|(k, _)| k == "CODEX_MANAGER_TOKEN") {
            Some((_, token)) => token.clone(),
            None => std::fs::read_to_string(data_dir.join("token")).unwrap().trim().to_string(),
        };
        // A hung host fails the test in time instead of hanging the suite.
        let http = reqwest::Client::builder().timeout(WAIT).build().unwrap();
        Self { child, url, token, http, log }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub async fn wait_ready(&self) {
        let deadline = Instant::now() + WAIT;
        loop {
            let (status, body) = self.get("/api/ready").await;
            if status == 200 {
                return;
            }
            assert!(Instant::now() < deadline, "host not ready in time: {body}\nlog:\n{}", self.log_text());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    pub async fn terminate(&mut self) {
        unsafe {
            libc::kill(self.child.id() as i32, libc::SIGTERM);
        }
        let deadline = Instant::now() + WAIT;
        while self.child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "host did not stop on SIGTERM");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub async fn request(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self.http.request(method, format!("{}{}", self.url, path)).bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.unwrap_or_else(|e| panic!("{path}: the host did not answer: {e:?}"));
        decode(resp).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.request(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.request(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.request(reqwest::Method::PATCH, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.request(reqwest::Method::PUT, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> (u16, Value) {
        self.request(reqwest::Method::DELETE, path, None).await
    }

    pub async fn latest_seq(&self) -> i64 {
        let (_, v) = self.get("/api/events?since=0&limit=1").await;
        v["latestSeq"].as_i64().unwrap()
    }

    /// Open the event stream with a query string (`since=..&sessions=..`).
    pub async fn stream(&self, query: &str) -> Ws {
        let url = format!("{}/api/stream?{query}", self.url.replacen("http://", "ws://", 1));
        let mut req = url.into_client_request().unwrap();
        req.headers_mut().insert("Authorization", format!("Bearer {}", self.token).parse().unwrap());
        let (ws, _) = tokio_tungstenite::connect_async(req).await.expect("stream opens");
        ws
    }

    /// Open the event stream on a socket with a tiny receive buffer, so a client that stops reading pushes back
    /// on the host almost at once.
    pub async fn stream_small_buffer(&self, query: &str) -> Ws {
        let addr: std::net::SocketAddr = self.url.trim_start_matches("http://").parse().unwrap();
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let tcp = socket.connect(addr).await.unwrap();
        let url = format!("{}/api/stream?{query}", self.url.replacen("http://", "ws://", 1));
        let mut req = url.into_client_request().unwrap();
        req.headers_mut().insert("Authorization", format!("Bearer {}", self.token).parse().unwrap());
        let (ws, _) = tokio_tungstenite::client_async(req, MaybeTlsStream::Plain(tcp)).await.expect("stream opens");
        ws
    }

    /// Send a message and return its turn id.
    pub async fn send(&self, session: &str, text: &str) -> String {
        let (status, body) = self.post(&format!("/api/sessions/{session}/messages"), json!({"text": text})).await;
        assert_eq!(status, 202, "send: {body}");
        body["turnId"].as_str().unwrap().to_string()
    }

    /// Run a `codex-manager` client command against this host; returns (exit code, stdout, stderr).
    pub async fn cli(&self, args: &[&str]) -> (i32, String, String) {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_codex-manager"))
            .arg("--url")
            .arg(&self.url)
            .arg("--token")
            .arg(&self.token)
            .args(args)
            .output()
            .await
            .expect("the CLI runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    pub async fn runtime(&self) -> Value {
        self.get("/api/ready").await.1["runtime"].clone()
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub async fn decode(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

/// The stable error code of an error answer.
pub fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("<no code>")
}

/// The next event envelope from the stream, within [`WAIT`] (pings and other frames do not extend it).
pub async fn next_event(ws: &mut Ws) -> Value {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.expect("an event in time").expect("stream open").expect("frame");
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

/// Read events until `pred` holds; return all read (including the matching one).
pub async fn until(ws: &mut Ws, mut pred: impl FnMut(&Value) -> bool) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let e = next_event(ws).await;
        let done = pred(&e);
        seen.push(e);
        if done {
            return seen;
        }
    }
}

pub fn is_turn_end(turn_id: &str) -> impl Fn(&Value) -> bool + '_ {
    move |e| e["type"] == "turn.completed" && e["turnId"] == turn_id
}

/// Poll `check` until it returns Some, failing after [`WAIT`].
pub async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + WAIT;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// The built package of a plugin (plugins/build.sh lays them out; scripts/test.sh runs it).
pub fn package(id: &str) -> PathBuf {
    let dist = std::env::var_os("PLUGINS_DIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../plugins/dist")));
    let dir = dist.join(id);
    assert!(dir.join("plugin.wasm").exists(), "no built plugin at {}: run plugins/build.sh (scripts/test.sh does)", dir.display());
    dir
}

pub fn plugin_body(id: &str) -> Value {
    let dir = package(id);
    let manifest = std::fs::read_to_string(dir.join("plugin.toml")).unwrap();
    let wasm = std::fs::read(dir.join("plugin.wasm")).unwrap();
    use base64::Engine as _;
    json!({"manifest": manifest, "component": base64::engine::general_purpose::STANDARD.encode(wasm)})
}

pub async fn install_plugin(host: &Host, id: &str, grant: &[&str]) -> (u16, Value) {
    let mut b = plugin_body(id);
    b["grant"] = json!(grant);
    host.post("/api/plugins", b).await
}

