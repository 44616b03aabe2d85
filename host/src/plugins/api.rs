//! What plugins may ask of the rest of the host, as a trait the services implement. The plugin runtime depends
//! only on this trait, so it never reaches into the API or the services' internals.

use async_trait::async_trait;

/// Why the host refused or failed a plugin's request (the WIT `error` variant, before capability checks).
#[derive(Debug, Clone)]
pub enum HostCallError {
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

#[async_trait]
pub trait PluginHostApi: Send + Sync + 'static {
    /// The session as the REST API shows it, as JSON.
    async fn session(&self, session_id: &str) -> HostResult<String>;
    /// The first page of the transcript, as JSON.
    async fn transcript(&self, session_id: &str) -> HostResult<String>;
    async fn get_setting(&self, session_id: &str, key: &str) -> HostResult<Option<String>>;
    async fn set_setting(&self, session_id: &str, key: &str, value: &str) -> HostResult<()>;
    async fn rename(&self, session_id: &str, title: &str) -> HostResult<()>;
    async fn create_session(&self, cwd: &str, title: Option<String>) -> HostResult<String>;
    async fn send_message(&self, session_id: &str, text: &str) -> HostResult<String>;
    async fn interrupt(&self, session_id: &str) -> HostResult<()>;
    async fn kv_get(&self, plugin_id: &str, key: &str) -> HostResult<Option<String>>;
    async fn kv_set(&self, plugin_id: &str, key: &str, value: &str) -> HostResult<()>;
    async fn kv_delete(&self, plugin_id: &str, key: &str) -> HostResult<()>;
    /// Answer a pending request as `decided_by` (`plugin:<id>`); `body` is the REST answer body.
    async fn respond(&self, session_id: &str, request_id: &str, body: serde_json::Value, decided_by: &str) -> HostResult<Decided>;
    /// Enqueue a job of one of `plugin_id`'s kinds; returns the job id and whether it was a duplicate.
    async fn enqueue_job(&self, plugin_id: &str, request: JobRequest) -> HostResult<(String, bool)>;
    /// Run a helper turn for `job_id` (a job of `plugin_id` that is running) and wait for it to end.
    async fn run_worker_turn(&self, plugin_id: &str, job_id: &str, turn: WorkerTurn) -> HostResult<WorkerReply>;
    /// Leave a note on a session; returns its id.
    async fn add_note(&self, plugin_id: &str, session_id: &str, note: Note) -> HostResult<String>;
}
