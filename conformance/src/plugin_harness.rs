//! An in-process plugin host for suites and benchmarks: the real engine, store and event log, with the rest of
//! the host replaced by a stub that answers like a small, quiet installation (one session, one setting).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use codex_manager_host::events::{EventKind, EventLog, NewEvent};
use codex_manager_host::plugins::api::{
    Assessment, Decided, HostCallError, HostResult, JobRequest, Note, PluginHostApi, TranscriptPage, TurnPage, TurnRecord, TurnState,
    WorkerReply, WorkerTurn,
};
use codex_manager_host::plugins::manifest::Manifest;
use codex_manager_host::plugins::{PluginCall, PluginRegistry, PluginInfo};
use codex_manager_host::store::Store;
use serde_json::{json, Value};

/// The session every stub answer is about.
pub const SESSION_ID: &str = "00000000-0000-7000-8000-000000000001";

/// Notes plugins added through the stub: (plugin id, session id, note).
pub type AddedNotes = Arc<Mutex<Vec<(String, String, Note)>>>;

/// Answers plugins' host calls without a Codex behind them.
pub struct StubApi {
    store: Store,
    notes: AddedNotes,
}

#[async_trait]
impl PluginHostApi for StubApi {
    async fn session(&self, session_id: &str) -> HostResult<String> {
        if session_id != SESSION_ID {
            return Err(HostCallError::NotFound(format!("no session `{session_id}`")));
        }
        Ok(json!({"id": SESSION_ID, "title": null, "status": "idle", "cwd": "/tmp"}).to_string())
    }
    async fn transcript_page(&self, _session_id: &str, _page: TranscriptPage) -> HostResult<String> {
        Ok(json!({"turns": [{"id": "t1", "status": "completed", "items": [
            {"type": "userMessage", "content": [{"type": "text", "text": "Summarise the design document for me"}]},
            {"type": "agentMessage", "text": "Here is a summary."}]}], "nextCursor": null})
        .to_string())
    }
    async fn get_setting(&self, _s: &str, _k: &str) -> HostResult<Option<String>> {
        Ok(None)
    }
    async fn set_setting(&self, _s: &str, _k: &str, _v: &str) -> HostResult<()> {
        Ok(())
    }
    async fn rename(&self, _s: &str, _t: &str) -> HostResult<()> {
        Ok(())
    }
    async fn create_session(&self, _cwd: &str, _t: Option<String>) -> HostResult<String> {
        Ok(SESSION_ID.into())
    }
    async fn send_message(&self, _j: Option<&str>, _s: &str, _t: &str) -> HostResult<String> {
        Ok("turn-1".into())
    }
    async fn list_turns(&self, session_id: &str, _limit: Option<u32>, _cursor: Option<String>) -> HostResult<TurnPage> {
        Ok(TurnPage { turns: vec![self.get_turn(session_id, "t1").await?], next_cursor: None })
    }
    async fn get_turn(&self, session_id: &str, turn_id: &str) -> HostResult<TurnRecord> {
        if session_id != SESSION_ID || turn_id != "t1" {
            return Err(HostCallError::NotFound(format!("no turn `{turn_id}`")));
        }
        Ok(TurnRecord {
            id: "t1".into(),
            session_id: SESSION_ID.into(),
            status: TurnState::Completed,
            start_seq: Some(1),
            end_seq: Some(2),
            started_at: "2026-01-01T00:00:00.000Z".into(),
            ended_at: Some("2026-01-01T00:00:01.000Z".into()),
            final_text: Some("Here is a summary.".into()),
            error: None,
        })
    }
    async fn steer(&self, _s: &str, _t: &str) -> HostResult<String> {
        Err(HostCallError::Conflict("the session has no running turn".into()))
    }
    async fn interrupt(&self, _s: &str) -> HostResult<()> {
        Ok(())
    }
    async fn kv_get(&self, plugin_id: &str, key: &str) -> HostResult<Option<String>> {
        self.store.plugin_kv_get(plugin_id, key).await.map_err(|e| HostCallError::Unavailable(e.to_string()))
    }
    async fn kv_set(&self, plugin_id: &str, key: &str, value: &str) -> HostResult<()> {
        self.store.plugin_kv_set(plugin_id, key, value).await.map_err(|e| HostCallError::Unavailable(e.to_string()))
    }
    async fn kv_delete(&self, plugin_id: &str, key: &str) -> HostResult<()> {
        self.store.plugin_kv_delete(plugin_id, key).await.map_err(|e| HostCallError::Unavailable(e.to_string()))
    }
    async fn kv_compare_and_set(&self, plugin_id: &str, key: &str, expected: Option<&str>, value: Option<&str>) -> HostResult<bool> {
        self.store.plugin_kv_compare_and_set(plugin_id, key, expected, value).await.map_err(|e| HostCallError::Unavailable(e.to_string()))
    }
    async fn kv_keys(&self, plugin_id: &str, prefix: &str, limit: u32) -> HostResult<Vec<String>> {
        self.store.plugin_kv_keys(plugin_id, prefix, i64::from(limit)).await.map_err(|e| HostCallError::Unavailable(e.to_string()))
    }
    /// The manifest's defaults with what the store holds over them, as the services compute it.
    async fn plugin_settings(&self, plugin_id: &str) -> HostResult<serde_json::Map<String, Value>> {
        let unavailable = |e: String| HostCallError::Unavailable(e);
        let row = self.store.get_plugin(plugin_id).await.map_err(|e| unavailable(e.to_string()))?;
        let mut settings = Manifest::parse(&row.manifest).map_err(|e| unavailable(e.to_string()))?.settings;
        for (key, text) in self.store.plugin_settings(plugin_id).await.map_err(|e| unavailable(e.to_string()))? {
            if settings.contains_key(&key) {
                settings.insert(key, serde_json::from_str(&text).unwrap_or(Value::Null));
            }
        }
        Ok(settings)
    }
    async fn assess(&self, _s: &str, _r: &str, _a: Assessment, _by: &str) -> HostResult<()> {
        Ok(())
    }
    async fn respond(&self, _s: &str, _r: &str, _b: Value, _by: &str) -> HostResult<Decided> {
        Ok(Decided::Applied)
    }
    async fn enqueue_job(&self, _plugin_id: &str, _request: JobRequest) -> HostResult<(String, bool)> {
        Ok(("00000000-0000-7000-8000-00000000j0b1".into(), false))
    }
    async fn run_worker_turn(&self, _plugin_id: &str, _job_id: &str, turn: WorkerTurn) -> HostResult<WorkerReply> {
        Ok(WorkerReply {
            session_id: "00000000-0000-7000-8000-0000000w0rk1".into(),
            turn_id: "worker-turn-1".into(),
            status: "completed".into(),
            text: format!("A worker's answer to a {}-byte prompt.", turn.prompt.len()),
            error: None,
        })
    }
    async fn add_note(&self, plugin_id: &str, session_id: &str, note: Note) -> HostResult<String> {
        self.notes.lock().unwrap().push((plugin_id.to_string(), session_id.to_string(), note));
        Ok("00000000-0000-7000-8000-0000000n0te1".into())
    }
}

pub struct Harness {
    pub dir: PathBuf,
    pub store: Store,
    pub events: EventLog,
    pub plugins: Arc<PluginRegistry>,
    /// What plugins added with `notes.add`.
    pub notes: AddedNotes,
}

impl Harness {
    pub async fn start(dir: &Path) -> anyhow::Result<Self> {
        std::fs::create_dir_all(dir)?;
        let store = Store::open(dir).await?;
        let events = EventLog::start(store.clone(), 1_000_000).await?;
        let plugins = PluginRegistry::start(store.clone(), events.clone(), dir, Default::default()).await?;
        let notes = AddedNotes::default();
        plugins.attach(Arc::new(StubApi { store: store.clone(), notes: notes.clone() }));
        Ok(Self { dir: dir.to_path_buf(), store, events, plugins, notes })
    }

    /// Install a package directory (plugin.toml + plugin.wasm), granting what it requests.
    pub async fn install(&self, package: &Path) -> anyhow::Result<PluginInfo> {
        let manifest = std::fs::read_to_string(package.join("plugin.toml"))?;
        let wasm = std::fs::read(package.join("plugin.wasm"))?;
        let grant: Vec<_> = Manifest::parse(&manifest)?.requested().into_iter().collect();
        Ok(self.plugins.install(&manifest, &wasm, &grant, false).await?)
    }

    /// Publish an event as the host would: a type of the catalog, or an app-server pass-through.
    pub async fn publish(&self, kind: &str, session: Option<&str>, data: Value) {
        let kind = EventKind::parse(kind);
        assert!(
            matches!(kind, EventKind::Known(_)) || kind.app_server_method().is_some(),
            "`{}` is neither a catalog type nor app_server.<method>",
            kind.as_str()
        );
        let event = NewEvent::raw(kind, data.to_string()).session(session.map(Into::into), None);
        self.events.publish_committed(event).await;
    }

    pub async fn calls(&self, id: &str) -> Vec<PluginCall> {
        self.plugins.calls(id, 1_000_000).await.unwrap_or_default()
    }

    /// Wait until a plugin has at least `n` recorded calls.
    pub async fn wait_calls(&self, id: &str, n: usize, within: Duration) -> Vec<PluginCall> {
        let deadline = Instant::now() + within;
        loop {
            let calls = self.calls(id).await;
            if calls.len() >= n || Instant::now() > deadline {
                return calls;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Events every plugin should take without failing, with realistic data.
pub fn standard_events() -> Vec<(&'static str, Value)> {
    vec![
        ("session.created", json!({"id": SESSION_ID, "title": null, "cwd": "/tmp"})),
        ("turn.started", json!({"threadId": "th", "turn": {"id": "t1", "status": "inProgress", "items": []}})),
        ("item.delta", json!({"threadId": "th", "turnId": "t1", "itemId": "i1", "delta": "Hello"})),
        ("item.completed", json!({"threadId": "th", "turnId": "t1", "item": {"type": "agentMessage", "id": "i1", "text": "Hello"}})),
        ("turn.completed", json!({"threadId": "th", "turn": {"id": "t1", "status": "completed", "items": [], "error": null}})),
        ("approval.requested", json!({"id": "r1", "kind": "command_approval", "status": "pending", "params": {"command": "ls"}})),
        ("session.updated", json!({"id": SESSION_ID, "title": "Named"})),
        ("app_server.some/unknown", json!({"anything": [1, 2, 3]})),
    ]
}

/// The packages a conformance test runs against: `PLUGIN_UNDER_TEST` (one package dir) when set, else the shipped
/// plugins in `plugins/dist` whose manifest `keep` accepts (test plugins never), sorted, at least `at_least` of them
/// (`what` says which, in the failure).
pub fn packages_under_test(keep: impl Fn(&Manifest) -> bool, at_least: usize, what: &str) -> Vec<PathBuf> {
    if let Some(p) = std::env::var_os("PLUGIN_UNDER_TEST") {
        return vec![PathBuf::from(p)];
    }
    let dist = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/dist");
    assert!(dist.is_dir(), "no plugins/dist: run plugins/build.sh (scripts/test.sh does)");
    let mut shipped: Vec<PathBuf> = std::fs::read_dir(&dist)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let m = std::fs::read_to_string(p.join("plugin.toml")).unwrap_or_default();
            Manifest::parse(&m).is_ok_and(|m| !m.description.starts_with("Test plugin") && keep(&m))
        })
        .collect();
    shipped.sort();
    assert!(shipped.len() >= at_least, "the product ships at least {at_least} {what}: {shipped:?}");
    shipped
}
