//! What plugins may ask of the rest of the host, as a trait the services implement. The plugin runtime depends
//! only on this trait, so it never reaches into the API or the services' internals.

use async_trait::async_trait;

/// Why the host refused or failed a plugin's request (the WIT `error` variant, before capability checks).
#[derive(Debug, Clone)]
pub enum HostCallError {
    /// The plugin may not make this call (a capability it was not granted). Raised by the plugin runtime's checks,
    /// never by the services.
    Denied(String),
    NotFound(String),
    Conflict(String),
    Invalid(String),
    Unavailable(String),
}

pub type HostResult<T> = Result<T, HostCallError>;

/// A decision a plugin made on a pending request, and whether it took effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decided {
    Applied,
    /// Someone decided first; nothing changed.
    AlreadyResolved,
}

/// A job a plugin asks to enqueue (the WIT `job-request`).
#[derive(Debug, Clone)]
pub struct JobRequest {
    pub kind: String,
    pub payload: String,
    pub session_id: Option<String>,
    pub project_id: Option<String>,
    pub dedupe_key: Option<String>,
    pub priority: Option<i32>,
    pub delay_ms: Option<u64>,
}

/// A helper turn on a worker session (the WIT `worker-turn`), defaults already applied.
#[derive(Debug, Clone)]
pub struct WorkerTurn {
    pub session_id: Option<String>,
    pub project_id: Option<String>,
    pub prompt: String,
    pub workspace_write: bool,
    pub network: bool,
    pub model: Option<String>,
    /// How the host answers what the turn asks: accept (true) or decline.
    pub accept_requests: bool,
}

#[derive(Debug, Clone)]
pub struct WorkerReply {
    pub session_id: String,
    pub turn_id: String,
    pub status: String,
    pub text: String,
    pub error: Option<String>,
}

/// A note on a session (the WIT `note`).
#[derive(Debug, Clone)]
pub struct Note {
    pub kind: String,
    pub title: String,
    pub body: String,
    pub data: Option<String>,
    pub turn_id: Option<String>,
}

/// A turn's state in the host's record (the WIT `turn-status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TurnState {
    InProgress,
    Completed,
    Interrupted,
    Failed,
}

/// One turn as the host recorded it (the WIT `turn-record`).
#[derive(Debug, Clone)]
pub struct TurnRecord {
    pub id: String,
    pub session_id: String,
    pub status: TurnState,
    pub start_seq: Option<i64>,
    pub end_seq: Option<i64>,
    pub started_at: String,
    pub ended_at: Option<String>,
    pub final_text: Option<String>,
    pub error: Option<String>,
}

/// A page of turn records, newest first.
#[derive(Debug, Clone)]
pub struct TurnPage {
    pub turns: Vec<TurnRecord>,
    pub next_cursor: Option<String>,
}

/// Which page of a transcript, limits already checked.
#[derive(Debug, Clone)]
pub struct TranscriptPage {
    pub limit: u32,
    pub cursor: Option<String>,
    pub newest_first: bool,
}

/// How risky an approval is, as judged (the WIT `risk`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Risk {
    Low,
    Medium,
    High,
}

/// A plugin's judgement of a pending approval (the WIT `assessment`).
#[derive(Debug, Clone)]
pub struct Assessment {
    pub risk: Risk,
    pub summary: String,
    pub rationale: String,
    pub assessor: Option<String>,
}

#[async_trait]
pub trait PluginHostApi: Send + Sync + 'static {
    /// Whether this host reacts to the session's events: it owns the session. Several hosts on one store all see
    /// every host's events; each host's plugins react to its own sessions' only, so one event never sets off the
    /// same plugin on every host. By default (one host): every session is this host's.
    async fn owns_session(&self, _session_id: &str) -> bool {
        true
    }
    /// The session as the REST API shows it, as JSON.
    async fn session(&self, session_id: &str) -> HostResult<String>;
    /// A page of the transcript, as JSON (`{turns, nextCursor}`).
    async fn transcript_page(&self, session_id: &str, page: TranscriptPage) -> HostResult<String>;
    /// The host's turn records, newest first.
    async fn list_turns(&self, session_id: &str, limit: Option<u32>, cursor: Option<String>) -> HostResult<TurnPage>;
    /// One turn's record as it is now (no waiting for its end).
    async fn get_turn(&self, session_id: &str, turn_id: &str) -> HostResult<TurnRecord>;
    async fn get_setting(&self, session_id: &str, key: &str) -> HostResult<Option<String>>;
    async fn set_setting(&self, session_id: &str, key: &str, value: &str) -> HostResult<()>;
    async fn rename(&self, session_id: &str, title: &str) -> HostResult<()>;
    async fn create_session(&self, cwd: &str, title: Option<String>) -> HostResult<String>;
    /// Start a turn for the calling plugin (inside `job_id`'s `run-job` call when given): automation, held by a usage limit
    /// or a spent budget like a worker turn.
    async fn send_message(&self, job_id: Option<&str>, session_id: &str, text: &str) -> HostResult<String>;
    /// Add to the running turn; returns its id.
    async fn steer(&self, session_id: &str, text: &str) -> HostResult<String>;
    async fn interrupt(&self, session_id: &str) -> HostResult<()>;
    async fn kv_get(&self, plugin_id: &str, key: &str) -> HostResult<Option<String>>;
    async fn kv_set(&self, plugin_id: &str, key: &str, value: &str) -> HostResult<()>;
    async fn kv_delete(&self, plugin_id: &str, key: &str) -> HostResult<()>;
    /// Set (or with `value` none, delete) `key` only if it holds `expected` (none: absent), atomically.
    async fn kv_compare_and_set(&self, plugin_id: &str, key: &str, expected: Option<&str>, value: Option<&str>) -> HostResult<bool>;
    /// Keys starting with `prefix`, sorted, at most `limit`.
    async fn kv_keys(&self, plugin_id: &str, prefix: &str, limit: u32) -> HostResult<Vec<String>>;
    /// The plugin's settings in force: the user's values over the manifest's defaults.
    async fn plugin_settings(&self, plugin_id: &str) -> HostResult<serde_json::Map<String, serde_json::Value>>;
    /// Attach `assessment` to a pending approval, by `assessed_by` (`plugin:<id>`).
    async fn assess(&self, session_id: &str, request_id: &str, assessment: Assessment, assessed_by: &str) -> HostResult<()>;
    /// Answer a pending request as `decided_by` (`plugin:<id>`); `body` is the REST answer body.
    async fn respond(&self, session_id: &str, request_id: &str, body: serde_json::Value, decided_by: &str) -> HostResult<Decided>;
    /// Enqueue a job of one of `plugin_id`'s kinds; returns the job id and whether it was a duplicate.
    async fn enqueue_job(&self, plugin_id: &str, request: JobRequest) -> HostResult<(String, bool)>;
    /// Run a helper turn for `job_id` (a job of `plugin_id` that is running) and wait for it to end.
    async fn run_worker_turn(&self, plugin_id: &str, job_id: &str, turn: WorkerTurn) -> HostResult<WorkerReply>;
    /// Leave a note on a session; returns its id.
    async fn add_note(&self, plugin_id: &str, session_id: &str, note: Note) -> HostResult<String>;
}
