//! A whole host minus HTTP, for unit tests: a temp data dir with the real SQLite store and event log, the real
//! services, and the in-memory app-server in place of codex. Starts in milliseconds.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::peer::{ScriptedAppServer, Peer, WAIT};
use crate::appserver::{ProbeConfig, AppServerConfig, AppServerStatus};
use crate::events::{Event, EventFilter, EventLog, StreamItem, Subscription, DEFAULT_RETENTION};
use crate::services::{CreateSession, SendMessage, Services, Session, TurnAccepted};
use crate::store::testing::TestDb;

/// A temp dir removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("cm-unit-{tag}-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The services over a temp store, app-server played by [`TestHost::peer`].
pub struct TestHost {
    pub services: Arc<Services>,
    /// The launcher: its script for every generation, and the peers of later generations.
    pub app: ScriptedAppServer,
    /// The first generation's app-server, handshake done.
    pub peer: Peer,
    pub dir: TempDir,
    /// The store's database: the SQLite file in `dir`, or a PostgreSQL schema of its own (see `store::testing`).
    pub db: Arc<TestDb>,
}

impl TestHost {
    /// A host whose app-server is ready.
    pub async fn start() -> Self {
        Self::start_with(ScriptedAppServer::default()).await
    }

    /// A host over `app` (script its answers with [`ScriptedAppServer::on`] first).
    pub async fn start_with(app: ScriptedAppServer) -> Self {
        Self::start_in(TempDir::new("host"), app).await
    }

    /// Stop this host (as `codex-manager serve` stops) and start another on the same data dir, with a fresh
    /// in-memory app-server.
    pub async fn restart(self) -> Self {
        self.services.shutdown().await;
        let Self { services, dir, db, .. } = self;
        drop(services);
        Self::start_on(dir, db, ScriptedAppServer::default()).await
    }

    /// A host over `app` in `dir` (whose `no-codex-here` is the program the host would inspect).
    pub async fn start_in(dir: TempDir, app: ScriptedAppServer) -> Self {
        Self::start_on(dir, Arc::new(TestDb::new().await), app).await
    }

    async fn start_on(dir: TempDir, db: Arc<TestDb>, app: ScriptedAppServer) -> Self {
        let store = db.open(&dir.0).await;
        let events = EventLog::start(store.clone(), DEFAULT_RETENTION).await.expect("log starts");
        let plugins = crate::plugins::PluginRegistry::start(store.clone(), events.clone(), &dir.0, Default::default()).await.expect("plugins start");
        let config = AppServerConfig {
            // Never run: app-server is the in-memory peer (the capability probe that would run it fails and is skipped).
            program: dir.0.join("no-codex-here"),
            codex_home: dir.0.join("codex-home"),
            overrides: Vec::new(),
            env: Vec::new(),
            client_name: "codex_manager_tests".into(),
            client_version: "0".into(),
            min_backoff: Duration::from_millis(1),
            // No liveness probes during a test: each test scripts what app-server says.
            probe: ProbeConfig { interval: Duration::from_secs(3600), deadline: Duration::from_secs(3600) },
        };
        // The id is kept in the dir, so a host started again on it is the same host.
        let identity = crate::services::HostIdentity::resolve(&Default::default(), &dir.0, "127.0.0.1:9".parse().expect("an address"))
            .expect("the host's identity");
        plugins.attach_host(&identity.id).await;
        let services = Services::start_with(store, events, config, app.clone(), false, plugins, Default::default(), identity)
            .await
            .expect("services start");
        let peer = app.next_peer().await;
        let host = Self { services, app, peer, dir, db };
        host.ready(1).await;
        host
    }

    /// Wait until app-server's `generation` is ready.
    pub async fn ready(&self, generation: u64) {
        let mut state = self.services.app_server().watch_state();
        let ready = state.wait_for(|s| s.status == AppServerStatus::Ready && s.generation == generation);
        tokio::time::timeout(WAIT, ready).await.expect("app-server gets ready").expect("runtime alive");
    }

    /// A new session in the temp dir.
    pub async fn session(&self) -> Session {
        let req = CreateSession { cwd: Some(self.dir.0.display().to_string()), ..Default::default() };
        self.services.sessions().create_session(req).await.expect("session created")
    }

    /// Send `text` to the session: the turn app-server acknowledged.
    pub async fn send(&self, session: &Session, text: &str) -> TurnAccepted {
        let req = SendMessage { text: text.into(), mode: None, if_busy: None };
        self.services.turns().send_message(&session.id, req, None).await.expect("turn accepted")
    }

    /// The session as the API shows it now.
    pub async fn session_now(&self, session: &Session) -> Session {
        self.services.sessions().get_session(&session.id).await.expect("session exists")
    }

    /// The first event in the log (from its start) that `wanted` accepts, waiting for it (bounded).
    pub async fn event(&self, wanted: impl Fn(&Event) -> bool) -> Arc<Event> {
        let mut sub = Subscription::new(self.services.events().log().clone(), Some(0), EventFilter::default());
        let found = async {
            loop {
                if let StreamItem::Event(e) = sub.next().await.expect("the log reads") {
                    if wanted(&e) {
                        return e;
                    }
                }
            }
        };
        tokio::time::timeout(WAIT, found).await.expect("the expected event is logged")
    }

    /// Wait until the relay has handled everything the first generation's peer wrote so far: it takes lines in
    /// order, so once a marker written now is logged, every line before it was processed (records written after
    /// an event is committed included).
    pub async fn processed(&self) {
        let marker = self.app.id("marker");
        self.peer.notify("test/marker", serde_json::json!({"marker": marker})).await;
        self.event(|e| e.data()["marker"] == marker.as_str()).await;
    }

    /// The first event of `kind` for `turn`.
    pub async fn turn_event(&self, kind: &str, turn: &str) -> Arc<Event> {
        self.event(|e| e.kind == kind && e.turn_id.as_deref() == Some(turn)).await
    }

    /// Every committed event of `kind`, oldest first (everything queued so far is committed first).
    pub async fn logged(&self, kind: &str) -> Vec<Arc<Event>> {
        self.services.events().log().flush().await;
        let rows = self.services.store().events_after(0, 100_000).await.expect("the log reads");
        rows.into_iter().filter(|r| r.kind == kind).map(|r| Arc::new(Event::from_row(r))).collect()
    }
}
