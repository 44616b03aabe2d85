//! Sessions: create (a new app-server thread), list, read, rename, archive, move, fork, resume, delete; their
//! controls and transcripts, and the moves and deletes of all of a project's sessions.

mod by_project;
mod controls;
mod published;
mod transcript;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock, Weak};

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use utoipa::{IntoParams, ToSchema};

pub use controls::{ApprovalPolicy, ControlsView, SandboxMode, SessionControls};
pub use transcript::{Transcript, TranscriptQuery};

use published::PublishedViews;
pub(crate) use transcript::is_missing_history;

use controls::DefaultControls;
use super::codex::Codex;
use super::core::Core;
use super::error::{ErrorCode, ServiceError, ServiceResult};
use super::followups::{FollowupBoard, FollowupQueue, Signal};
use super::index::{SessionRef, ThreadIndex};
use super::live::{LiveThreads, ThreadStatus};
use super::paging;
use super::plugins::Plugins;
use super::projects::{validate_cwd, Projects};
use super::requests::{RequestKind, Requests};
use super::turns::TurnRecord;
use super::views::Session;
use crate::appserver::{Connection, RpcError};
use crate::events::EventType;
use crate::store::{NewSession, SessionFilter, SessionPatch, SessionRow, StoreError};

/// Largest page of the session list.
pub const MAX_PAGE: i64 = 500;
/// Longest `q`: a title or path fragment is short, and SQLite refuses LIKE patterns over 50,000 bytes.
pub const MAX_SEARCH_CHARS: usize = 200;

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateSession {
    /// Project to create the session in; its working directory is used unless `cwd` is given.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Absolute working directory. Required without a project.
    #[serde(default)]
    pub cwd: Option<String>,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub controls: Option<SessionControls>,
    /// Tools this session offers Codex that an API client serves: each call becomes a pending `tool_call`
    /// request the client answers.
    #[serde(default)]
    pub dynamic_tools: Option<Vec<DynamicTool>>,
    /// How long a dynamic tool call waits for its answer before it fails back to Codex (1 s – 1 h; default 5 min).
    #[serde(default)]
    pub tool_call_timeout_ms: Option<u64>,
}

/// A tool an API client serves to Codex.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DynamicTool {
    /// 1–64 characters of letters, digits, `_` and `-`.
    pub name: String,
    pub description: String,
    /// JSON Schema of the tool's arguments.
    #[schema(value_type = Object)]
    pub input_schema: Value,
}

/// Longest allowed dynamic tool timeout.
pub const MAX_TOOL_CALL_TIMEOUT_MS: u64 = 3_600_000;

fn validate_tools(tools: &[DynamicTool], timeout_ms: Option<u64>) -> ServiceResult<()> {
    if tools.len() > 64 {
        return Err(ServiceError::invalid("at most 64 dynamic tools per session"));
    }
    let mut names = HashSet::new();
    for t in tools {
        let ok = !t.name.is_empty() && t.name.len() <= 64 && t.name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        if !ok {
            return Err(ServiceError::invalid(format!("tool name `{}` must be 1-64 letters, digits, `_` or `-`", t.name)));
        }
        if !names.insert(t.name.as_str()) {
            return Err(ServiceError::invalid(format!("tool `{}` is listed twice", t.name)));
        }
        if t.description.chars().count() > 4096 || !t.input_schema.is_object() {
            return Err(ServiceError::invalid(format!("tool `{}` needs a description (at most 4096 characters) and an object `inputSchema`", t.name)));
        }
    }
    if let Some(ms) = timeout_ms {
        if !(1000..=MAX_TOOL_CALL_TIMEOUT_MS).contains(&ms) {
            return Err(ServiceError::invalid(format!("`toolCallTimeoutMs` must be between 1000 and {MAX_TOOL_CALL_TIMEOUT_MS}")));
        }
    }
    Ok(())
}

/// `thread/start` params for a session: working directory, controls, its own dynamic tools and the tools the
/// enabled plugins offer (a session's own tool wins a name clash).
fn thread_start_params(cwd: &str, controls: &SessionControls, tools_json: Option<&str>, plugin_tools: Vec<DynamicTool>) -> Value {
    let mut params = Map::new();
    params.insert("cwd".into(), json!(cwd));
    controls.thread_params(&mut params);
    let mut tools: Vec<DynamicTool> = tools_json.and_then(|t| serde_json::from_str(t).ok()).unwrap_or_default();
    for t in plugin_tools {
        if !tools.iter().any(|own| own.name == t.name) {
            tools.push(t);
        }
    }
    if !tools.is_empty() {
        let specs: Vec<Value> = tools
            .iter()
            .map(|t| json!({"type": "function", "name": t.name, "description": t.description, "inputSchema": t.input_schema}))
            .collect();
        params.insert("dynamicTools".into(), Value::Array(specs));
    }
    Value::Object(params)
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UpdateSession {
    #[serde(default)]
    pub title: Option<String>,
    /// Move to this project; `""` moves it out of any project.
    #[serde(default)]
    pub project_id: Option<String>,
    #[serde(default)]
    pub archived: Option<bool>,
}

#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub struct SessionQuery {
    /// Only sessions of this project; `none` for sessions in no project.
    pub project_id: Option<String>,
    /// true: only archived; false: only active; absent: both.
    pub archived: Option<bool>,
    /// Case-insensitive match on title or working directory, at most 200 characters.
    pub q: Option<String>,
    /// Page size, 1–500 (default 50).
    pub limit: Option<i64>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
    /// Include plugins' hidden worker sessions (default false).
    pub workers: Option<bool>,
}

#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionPage {
    pub sessions: Vec<Session>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
    /// Set when no turn can run (no account for a provider that needs one), with what to do.
    pub notice: Option<String>,
}

/// A session opened as a chat: the session, a page of its transcript and, while a turn runs, that turn's record.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionDetail {
    pub session: Session,
    /// Null when app-server is not running (the session itself is still readable).
    pub transcript: Option<Transcript>,
    /// The running turn's record (null when no turn runs): its `startSeq` is where a client reads the turn's events
    /// from to show what streamed so far (`GET /api/events?since=startSeq-1&sessions=id`), with no search of the log.
    pub active_turn: Option<TurnRecord>,
}

fn validate_title(title: &str) -> ServiceResult<Option<String>> {
    let t = title.trim();
    if t.chars().count() > 500 {
        return Err(ServiceError::invalid("`title` must be at most 500 characters"));
    }
    Ok((!t.is_empty()).then(|| t.to_string()))
}

/// The thread id out of a `thread/start` / `thread/fork` result.
fn thread_id_of(result: &Value) -> ServiceResult<String> {
    result
        .pointer("/thread/id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| ServiceError::new(super::ErrorKind::Upstream, ErrorCode::AppServerProtocol, "app-server returned no thread id"))
}

/// Sessions and their controls: what a session is, what its list row shows (`session.updated`), and
/// getting its thread loaded in app-server.
pub struct Sessions {
    core: Arc<Core>,
    codex: Arc<Codex>,
    plugins: Arc<Plugins>,
    projects: Arc<Projects>,
    /// Read for what a row shows; written when a thread is loaded or its session goes.
    live: Arc<LiveThreads>,
    /// thread → session, for tagging app-server's output without a query.
    index: ThreadIndex,
    default_controls: DefaultControls,
    /// The `session.updated` view last published per session, and the turn changes queued with a view and not yet
    /// committed. Locked while a view is built and published.
    published_views: tokio::sync::Mutex<PublishedViews>,
    /// Sessions inserted but not yet announced by `session.created` (`published::Creating`): no view of theirs is
    /// published meanwhile. A plain mutex, so a create call dropped half-way unmarks its session on the spot.
    creating: std::sync::Mutex<HashSet<String>>,
    /// The one edge that points up: a row shows its waiting requests, and a deleted session's requests expire.
    /// Requests are built on sessions (they publish the row they change), so this is a `Weak` set once at start.
    requests: OnceLock<Weak<Requests>>,
    /// Each session's follow-up queue in brief (its view shows it), and where a turn's end is signalled.
    followup_board: Arc<FollowupBoard>,
    /// Whether this host owns a session, per session asked about (PostgreSQL: several hosts), for event reactions.
    owned: std::sync::RwLock<HashMap<String, bool>>,
}

/// What the views of sessions another host runs are built from (read from the store for a page).
#[derive(Default)]
struct RemoteState {
    waiting: HashMap<String, Vec<RequestKind>>,
    followups: HashMap<String, FollowupQueue>,
}

impl Sessions {
    pub(super) fn new(
        core: Arc<Core>,
        codex: Arc<Codex>,
        plugins: Arc<Plugins>,
        projects: Arc<Projects>,
        live: Arc<LiveThreads>,
        followup_board: Arc<FollowupBoard>,
        rows: &[SessionRow],
    ) -> Self {
        Self {
            core,
            codex,
            plugins,
            projects,
            live,
            index: ThreadIndex::load(rows),
            default_controls: DefaultControls::default(),
            published_views: tokio::sync::Mutex::new(PublishedViews::default()),
            creating: std::sync::Mutex::default(),
            requests: OnceLock::new(),
            followup_board,
            owned: std::sync::RwLock::new(HashMap::new()),
        }
    }

    pub(crate) fn followup_board(&self) -> &FollowupBoard {
        &self.followup_board
    }

    pub(super) fn attach_requests(&self, requests: Weak<Requests>) {
        let _ = self.requests.set(requests);
    }

    fn requests(&self) -> Option<Arc<Requests>> {
        self.requests.get()?.upgrade()
    }

    /// The session (and project) a thread belongs to.
    pub(crate) fn session_of_thread(&self, thread_id: &str) -> Option<SessionRef> {
        self.index.get(thread_id)
    }

    pub(crate) fn view(&self, row: SessionRow) -> Session {
        self.view_in(row, self.core.app_server().state().generation)
    }

    /// A session as shown, for a known app-server generation (read once per page, not per row).
    fn view_in(&self, row: SessionRow, generation: u64) -> Session {
        self.view_of(row, generation, &RemoteState::default())
    }

    /// A session as shown, with what `remote` read from the store for the sessions another host runs.
    ///
    /// This host's sessions are shown from its memory (what its app-server says now, its follow-up board). Another
    /// host's are in that host's memory: its sessions are shown from the store instead (the running turn the row
    /// names, the requests pending, the follow-up queue), which the owner writes before it publishes each change.
    fn view_of(&self, row: SessionRow, generation: u64, remote: &RemoteState) -> Session {
        let (live, waiting, followups) = if self.core.hosts().owns(row.owner_host.as_deref()) {
            let waiting = self.requests().map(|r| r.waiting_kinds(&row.thread_id)).unwrap_or_default();
            (self.live.status(&row.thread_id), waiting, self.followup_board.summary(&row.id))
        } else {
            let live = ThreadStatus { active_turn: row.active_turn_id.clone(), ..Default::default() };
            let waiting = remote.waiting.get(&row.id).cloned().unwrap_or_default();
            (live, waiting, remote.followups.get(&row.id).cloned().unwrap_or_default())
        };
        let owner = self.core.hosts().owner_view(row.owner_host.as_deref());
        Session::build(row, &live, &waiting, generation, followups, owner)
    }

    /// What the views of `rows` need beyond this host's memory: their owners in the host list, and for the sessions
    /// another host runs, the kinds of their pending requests and their follow-up queues (a few queries a page, none
    /// when every session is this host's).
    async fn remote_state(&self, rows: &[SessionRow]) -> ServiceResult<RemoteState> {
        let hosts = self.core.hosts();
        hosts.know(rows.iter().map(|r| r.owner_host.as_deref())).await;
        let remote: Vec<&str> = rows.iter().filter(|r| !hosts.owns(r.owner_host.as_deref())).map(|r| r.id.as_str()).collect();
        let mut state = RemoteState::default();
        if remote.is_empty() {
            return Ok(state);
        }
        for (session, kind) in self.core.store().pending_kinds(&remote).await? {
            if let Some(kind) = RequestKind::parse(&kind) {
                state.waiting.entry(session).or_default().push(kind);
            }
        }
        let (counts, paused) = self.core.store().followup_summaries_of(&remote).await?;
        for id in &remote {
            let count = counts.iter().find(|(s, _)| s == id).map_or(0, |(_, n)| *n);
            let pause = paused.iter().find(|p| p.session_id == *id);
            state.followups.insert(id.to_string(), FollowupQueue::new(count, pause));
        }
        Ok(state)
    }

    /// The plugin tools a new thread offers Codex: every enabled plugin's, or for a worker session its own plugin's
    /// only (its tool calls then carry the job whose turn made them, `tool-call.job-id`).
    fn plugin_tools(&self, worker_of: Option<&str>) -> Vec<DynamicTool> {
        let tools = match worker_of {
            Some(plugin_id) => self.plugins.tools_of(plugin_id),
            None => self.plugins.tools(),
        };
        tools
            .into_iter()
            .map(|t| DynamicTool { name: t.name, description: t.description, input_schema: t.input_schema })
            .collect()
    }

    /// Remember that this generation has the thread loaded, and the model and sandbox app-server chose for it.
    fn note_thread_loaded(&self, thread_id: &str, generation: u64, result: &Value) {
        let model = result.get("model").and_then(Value::as_str).map(str::to_owned);
        let sandbox = result.get("sandbox").cloned();
        self.live.with(thread_id, |t| {
            t.loaded_in = Some(generation);
            if model.is_some() {
                t.model = model;
            }
            if sandbox.is_some() {
                t.sandbox = sandbox;
            }
        });
    }

    pub async fn list_sessions(&self, q: SessionQuery) -> ServiceResult<SessionPage> {
        let limit = q.limit.unwrap_or(50);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ServiceError::invalid(format!("`limit` must be between 1 and {MAX_PAGE}")));
        }
        if q.q.as_deref().is_some_and(|t| t.chars().count() > MAX_SEARCH_CHARS) {
            return Err(ServiceError::invalid(format!("`q` must be at most {MAX_SEARCH_CHARS} characters")));
        }
        let (project_id, unassigned) = match q.project_id.as_deref() {
            Some("none") => (None, true),
            other => (other.map(str::to_owned), false),
        };
        let filter = SessionFilter {
            project_id,
            unassigned,
            archived: q.archived,
            text: q.q,
            after: q.cursor.as_deref().map(paging::decode).transpose()?,
            limit: limit + 1,
            include_workers: q.workers.unwrap_or(false),
        };
        let mut rows = self.core.store().list_sessions(&filter).await?;
        let next_cursor = if rows.len() as i64 > limit {
            rows.truncate(limit as usize);
            rows.last().map(|r| paging::encode(r.last_activity_at, &r.id))
        } else {
            None
        };
        let generation = self.core.app_server().state().generation;
        let remote = self.remote_state(&rows).await?;
        let sessions = rows.into_iter().map(|r| self.view_of(r, generation, &remote)).collect();
        Ok(SessionPage { sessions, next_cursor, notice: self.codex.account_notice() })
    }

    pub async fn get_session(&self, id: &str) -> ServiceResult<Session> {
        let row = self.core.session_row(id).await?;
        let remote = self.remote_state(std::slice::from_ref(&row)).await?;
        Ok(self.view_of(row, self.core.app_server().state().generation, &remote))
    }

    /// Whether this host owns the session (for reacting to its events). Ownership never changes while hosts run, so
    /// each answer is kept; SQLite has one host, which owns them all. A session gone from the store counts as
    /// this host's: its events came from a host that had it.
    pub(crate) async fn owned_here(&self, session_id: &str) -> bool {
        if self.core.store().engine() == crate::store::Engine::Sqlite {
            return true;
        }
        if let Some(here) = self.owned.read().expect("owners poisoned").get(session_id) {
            return *here;
        }
        let here = match self.core.store().get_session(session_id).await {
            Ok(row) => self.core.hosts().owns(row.owner_host.as_deref()),
            Err(_) => return true,
        };
        self.owned.write().expect("owners poisoned").insert(session_id.to_string(), here);
        here
    }

    /// Where an action on the session runs (None: no such session), with the owner's state read now.
    pub async fn owner(&self, id: &str) -> ServiceResult<Option<super::hosts::Owner>> {
        // The one host of a SQLite store owns every session: no read on every action's way in (a session that does
        // not exist is the route's own 404 either way).
        if !self.core.hosts().shared() {
            return Ok(Some(super::hosts::Owner::Here));
        }
        match self.core.store().get_session(id).await {
            Ok(row) => Ok(Some(self.core.hosts().owner_of(row.owner_host.as_deref()).await?)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Everything a client needs to open a chat, also mid-turn: one app-server call (the transcript page) and one
    /// read of the turn record for the running turn.
    pub async fn session_detail(&self, id: &str, q: TranscriptQuery) -> ServiceResult<SessionDetail> {
        let session = self.get_session(id).await?;
        // Another host's thread is only in its app-server: its transcript is read there (`GET …/transcript`,
        // forwarded), not here.
        let here = session.owner.id == self.core.hosts().this().id;
        let transcript = if here { self.transcript(id, q).await.map(Some) } else { Ok(None) };
        let transcript = match transcript {
            Ok(t) => t,
            Err(ServiceError { code: ErrorCode::RuntimeUnavailable, .. }) => None,
            Err(e) => return Err(e),
        };
        let active_turn = match session.active_turn_id.as_deref() {
            Some(turn_id) => match self.core.store().get_turn(turn_id).await {
                Ok(turn) if turn.session_id == session.id => Some(TurnRecord::from(turn)),
                Ok(_) | Err(StoreError::NotFound) => None,
                Err(e) => return Err(e.into()),
            },
            None => None,
        };
        Ok(SessionDetail { session, transcript, active_turn })
    }

    pub async fn create_session(&self, req: CreateSession) -> ServiceResult<Session> {
        self.create_session_for(req, None).await
    }

    /// Create a session; with `worker_of`, a plugin's hidden worker session (offering Codex only that plugin's tools:
    /// a worker's turn never calls into other plugins).
    pub(crate) async fn create_session_for(&self, req: CreateSession, worker_of: Option<&str>) -> ServiceResult<Session> {
        let project = match &req.project_id {
            Some(p) => Some(self.projects.get_project(p).await?),
            None => None,
        };
        let cwd = match (&req.cwd, &project) {
            (Some(cwd), _) => validate_cwd(cwd)?,
            (None, Some(p)) => validate_cwd(&p.cwd)?,
            (None, None) => return Err(ServiceError::invalid("give `cwd` or `projectId`")),
        };
        let title = req.title.as_deref().map(validate_title).transpose()?.flatten();
        let own = req.controls.unwrap_or_default();
        own.validate()?;
        let tools = req.dynamic_tools.unwrap_or_default();
        validate_tools(&tools, req.tool_call_timeout_ms)?;
        let tools_json = (!tools.is_empty()).then(|| serde_json::to_string(&tools).expect("tools serialize"));
        let effective = own.overlay(&self.default_controls().await?);

        let conn = self.core.connection()?;
        let plugin_tools = self.plugin_tools(worker_of);
        let result = conn.request("thread/start", thread_start_params(&cwd, &effective, tools_json.as_deref(), plugin_tools)).await?;
        let thread_id = thread_id_of(&result)?;
        self.note_thread_loaded(&thread_id, conn.generation(), &result);

        let row = self.core.store()
            .insert_session(&NewSession {
                id: uuid::Uuid::now_v7().to_string(),
                thread_id: thread_id.clone(),
                project_id: project.map(|p| p.id),
                title: title.clone(),
                cwd,
                forked_from: None,
                controls: own.to_json(),
                dynamic_tools: tools_json,
                tool_call_timeout_ms: req.tool_call_timeout_ms.map(|ms| ms as i64),
                worker_of: worker_of.map(str::to_owned),
                owner_host: Some(self.core.hosts().this().id.clone()),
            })
            .await?;
        // Index first, so the notifications naming the thread are tagged with the session (they publish no view of
        // it before its `session.created`).
        let creating = self.creating(&row.id);
        self.index.put(&row);
        if let Some(t) = &title {
            if let Err(e) = conn.request("thread/name/set", json!({"threadId": thread_id, "name": t})).await {
                tracing::warn!(error = %e, "could not name the new thread");
            }
        }
        self.record_created(&row, creating).await
    }

    /// Rename, archive/unarchive or move a session. The title also goes to app-server, so Codex's own views agree.
    pub async fn update_session(&self, id: &str, req: UpdateSession) -> ServiceResult<Session> {
        let row = self.core.session_row(id).await?;
        let mut patch = SessionPatch::default();
        if let Some(title) = &req.title {
            let title = validate_title(title)?;
            if let (Some(t), Some(conn)) = (&title, self.core.app_server().connection()) {
                if let Err(e) = conn.request("thread/name/set", json!({"threadId": row.thread_id, "name": t})).await {
                    tracing::warn!(error = %e, session = id, "app-server did not take the new name; the host keeps it");
                }
            }
            patch.title = Some(title);
        }
        if let Some(project) = &req.project_id {
            if project.is_empty() {
                patch.project_id = Some(None);
            } else {
                self.projects.get_project(project).await?;
                patch.project_id = Some(Some(project.clone()));
            }
        }
        if let Some(archived) = req.archived {
            if archived && self.live.active_turn(&row.thread_id).is_some() {
                return Err(ServiceError::conflict(ErrorCode::TurnInProgress, "interrupt the running turn before archiving"));
            }
            patch.archived = Some(archived);
        }
        let updated = self.core.store().update_session(id, &patch).await?;
        self.index.put(&updated);
        let kind = match req.archived {
            Some(true) if !row.archived => Some(EventType::SessionArchived),
            Some(false) if row.archived => Some(EventType::SessionUnarchived),
            _ => None,
        };
        if let Some(kind) = kind {
            self.core.record_event(self.core.session_event(kind, &updated, &self.view(updated.clone()))).await?;
        }
        // An archived session starts no follow-ups; unarchived, its queue goes on.
        if kind == Some(EventType::SessionUnarchived) {
            self.followup_board.signal(Signal::Wake { session_id: Some(updated.id.clone()) });
        }
        // Every change a row shows is a `session.updated` too: a client follows that one type to keep its list.
        match self.record_session_updated(id).await? {
            Some(session) => Ok(session),
            None => Ok(self.view(updated)),
        }
    }

    /// Delete the session and its app-server thread. A running turn is interrupted first. Needs app-server, so
    /// that Codex's own copy of the thread is not left behind.
    pub async fn delete_session(&self, id: &str) -> ServiceResult<()> {
        // Under the session lock, so that a send or fork either finishes first or finds the session gone (404), never
        // a thread deleted under it (which app-server answers with an error, once a 502).
        self.core.session_row(id).await?;
        let lock = self.core.session_lock(id);
        let _guard = lock.lock().await;
        let row = self.core.session_row(id).await?;
        self.core.hosts().ensure_here(row.owner_host.as_deref()).await?;
        let conn = self.core.connection()?;
        if let Some(requests) = self.requests() {
            requests.expire_session_requests(id).await;
        }
        if let Some(turn) = self.live.active_turn(&row.thread_id) {
            let _ = conn.request("turn/interrupt", json!({"threadId": row.thread_id, "turnId": turn})).await;
        }
        if let Err(e) = conn.request("thread/delete", json!({"threadId": row.thread_id})).await {
            tracing::info!(error = %e, session = id, "app-server did not delete the thread (it may have no history yet)");
        }
        self.core.store().delete_session(id).await?;
        self.index.remove(&row.thread_id);
        self.live.forget(&row.thread_id);
        self.core.forget_session_lock(id);
        self.forget_view(id).await;
        self.followup_board.forget(id);
        self.core.record_event(self.core.session_event(EventType::SessionDeleted, &row, json!({"id": row.id}))).await?;
        Ok(())
    }

    /// A new session with a copy of this one's history.
    pub async fn fork_session(&self, id: &str) -> ServiceResult<Session> {
        // Checked before the lock too: an id that never existed must not leave a lock behind.
        self.core.session_row(id).await?;
        let lock = self.core.session_lock(id);
        let _guard = lock.lock().await;
        let row = self.core.session_row(id).await?;
        self.core.hosts().ensure_here(row.owner_host.as_deref()).await?;
        let conn = self.core.connection()?;
        let own = SessionControls::from_json(&row.controls);
        let mut params = Map::new();
        params.insert("threadId".into(), json!(row.thread_id));
        // The fork's history is read from the transcript when needed; hydrating it here is deprecated upstream.
        params.insert("excludeTurns".into(), json!(true));
        own.overlay(&self.default_controls().await?).thread_params(&mut params);
        let result = conn.request("thread/fork", Value::Object(params)).await?;
        let thread_id = thread_id_of(&result)?;
        self.note_thread_loaded(&thread_id, conn.generation(), &result);
        let title = Some(format!("{} (fork)", row.title.as_deref().unwrap_or("Untitled")));
        let forked = self.core.store()
            .insert_session(&NewSession {
                id: uuid::Uuid::now_v7().to_string(),
                thread_id,
                project_id: row.project_id.clone(),
                title,
                cwd: row.cwd.clone(),
                forked_from: Some(row.id.clone()),
                controls: row.controls.clone(),
                dynamic_tools: row.dynamic_tools.clone(),
                tool_call_timeout_ms: row.tool_call_timeout_ms,
                worker_of: row.worker_of.clone(),
                owner_host: Some(self.core.hosts().this().id.clone()),
            })
            .await?;
        let creating = self.creating(&forked.id);
        self.index.put(&forked);
        self.record_created(&forked, creating).await
    }

    /// Load the session's thread into the running app-server (after a restart of either side).
    pub async fn resume_session(&self, id: &str) -> ServiceResult<Session> {
        let row = self.core.session_row(id).await?;
        let lock = self.core.session_lock(id);
        let _guard = lock.lock().await;
        let (_, row) = self.ensure_loaded(&row).await?;
        let session = self.view(row.clone());
        self.core.events().publish_committed(self.core.session_event(EventType::SessionResumed, &row, json!({"id": row.id, "threadId": row.thread_id}))).await;
        self.publish_session_updated(&row.id).await;
        Ok(session)
    }

    /// A session's thread, loaded in the running app-server (for thread operations).
    pub(crate) async fn loaded_thread(&self, session_id: &str) -> ServiceResult<String> {
        self.core.session_row(session_id).await?;
        let lock = self.core.session_lock(session_id);
        let _guard = lock.lock().await;
        // Read under the lock: a DELETE holding it may have just removed the session.
        let row = self.core.session_row(session_id).await?;
        let (_, row) = self.ensure_loaded(&row).await?;
        Ok(row.thread_id)
    }

    /// `thread/resume` unless the live app-server already has the thread. Callers hold the session lock.
    ///
    /// Returns the session as it is now: a thread that never ran a turn has no Codex history to resume ("no rollout
    /// found"), so it is replaced by a fresh thread with the same working directory, controls and name.
    pub(crate) async fn ensure_loaded(&self, row: &SessionRow) -> ServiceResult<(std::sync::Arc<Connection>, SessionRow)> {
        // Another host's thread is not in this app-server: resuming it here would fork its history.
        self.core.hosts().ensure_here(row.owner_host.as_deref()).await?;
        let conn = self.core.connection()?;
        if self.live.is_loaded(&row.thread_id, conn.generation()) {
            return Ok((conn, row.clone()));
        }
        let effective = SessionControls::from_json(&row.controls).overlay(&self.default_controls().await?);
        let mut params = Map::new();
        params.insert("threadId".into(), json!(row.thread_id));
        params.insert("cwd".into(), json!(row.cwd));
        params.insert("excludeTurns".into(), json!(true));
        effective.thread_params(&mut params);
        match conn.request("thread/resume", Value::Object(params)).await {
            Ok(result) => {
                self.note_thread_loaded(&row.thread_id, conn.generation(), &result);
                Ok((conn, row.clone()))
            }
            Err(RpcError::Server { message, .. }) if message.contains("no rollout found") => {
                let replaced = self.replace_empty_thread(&conn, row, &effective).await?;
                Ok((conn, replaced))
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn replace_empty_thread(&self, conn: &Connection, row: &SessionRow, controls: &SessionControls) -> ServiceResult<SessionRow> {
        let result = conn.request("thread/start", thread_start_params(&row.cwd, controls, row.dynamic_tools.as_deref(), self.plugin_tools(row.worker_of.as_deref()))).await?;
        let thread_id = thread_id_of(&result)?;
        self.note_thread_loaded(&thread_id, conn.generation(), &result);
        if let Some(title) = &row.title {
            let _ = conn.request("thread/name/set", json!({"threadId": thread_id, "name": title})).await;
        }
        let updated = self.core.store().replace_thread_id(&row.id, &thread_id).await?;
        self.index.remove(&row.thread_id);
        self.live.forget(&row.thread_id);
        self.index.put(&updated);
        let data = json!({"id": row.id, "oldThreadId": row.thread_id, "threadId": thread_id,
            "reason": "the previous thread had no history to resume"});
        self.core.events().publish_committed(self.core.session_event(EventType::SessionThreadReplaced, &updated, data)).await;
        self.publish_session_updated(&updated.id).await;
        Ok(updated)
    }
}
