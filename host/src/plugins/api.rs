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
}
