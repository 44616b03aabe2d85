//! What every component stands on: the store, the event log, app-server's supervisor, and the per-session
//! operation locks, with the helpers they all use (the envelope of a session's event, "the live connection or a
//! 503", "the session or a 404").
//!
//! The session locks live here, not in [`Sessions`](super::Sessions): a send (turns), a thread operation (codex),
//! a worker turn (queue) and a delete (sessions) must not interleave on one session, so every one of them takes the
//! same lock, and none of those components should have to call another to get it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::error::{ErrorCode, ServiceError, ServiceResult};
use super::hosts::Hosts;
use crate::appserver::{Connection, AppServer};
use crate::events::{EventLog, EventType, NewEvent};
use crate::store::{SessionRow, Store, StoreError};

pub struct Core {
    store: Store,
    events: EventLog,
    app_server: AppServer,
    hosts: Arc<Hosts>,
    session_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// When this host process started its services (RFC 3339), for `/api/ready`.
    started_at: String,
}

impl Core {
    pub(super) fn new(store: Store, events: EventLog, app_server: AppServer, hosts: Arc<Hosts>) -> Self {
        let started_at = crate::events::envelope_ts(crate::store::now_ms());
        Self { store, events, app_server, hosts, session_locks: Mutex::new(HashMap::new()), started_at }
    }

    pub fn started_at(&self) -> &str {
        &self.started_at
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn events(&self) -> &EventLog {
        &self.events
    }

    pub fn app_server(&self) -> &AppServer {
        &self.app_server
    }

    /// This host's identity, the other hosts on the store, and who owns a session.
    pub fn hosts(&self) -> &Hosts {
        &self.hosts
    }

    /// Append the event an API call records and wait for its commit, bounded: a log that cannot write (disk full)
    /// makes the call answer a clear 503 instead of hanging until space comes back.
    pub(crate) async fn record_event(&self, event: NewEvent) -> ServiceResult<()> {
        match self.events.publish_committed(event).await {
            Some(_) => Ok(()),
            None => Err(ServiceError::event_log_unavailable()),
        }
    }

    /// The live connection or a clear 503.
    pub(crate) fn connection(&self) -> ServiceResult<Arc<Connection>> {
        self.app_server.connection().ok_or_else(ServiceError::runtime_unavailable)
    }

    /// Serializes the operations on one session that must not interleave (load + start a turn, delete).
    pub(crate) fn session_lock(&self, session_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.session_locks.lock().expect("lock map poisoned").entry(session_id.to_string()).or_default().clone()
    }

    /// The session is gone: its lock goes too.
    pub(crate) fn forget_session_lock(&self, session_id: &str) {
        self.session_locks.lock().expect("lock map poisoned").remove(session_id);
    }

    /// The session's row, or the 404 every session-scoped call answers.
    pub(crate) async fn session_row(&self, id: &str) -> ServiceResult<SessionRow> {
        self.store.get_session(id).await.map_err(|e| match e {
            StoreError::NotFound => ServiceError::not_found(ErrorCode::SessionNotFound, format!("no session `{id}`")),
            other => other.into(),
        })
    }

    /// An event about a session, tagged with the session and its project.
    pub(crate) fn session_event(&self, kind: EventType, row: &SessionRow, data: impl serde::Serialize) -> NewEvent {
        NewEvent::new(kind, data).session(Some(row.id.as_str().into()), row.project_id.as_deref().map(Into::into))
    }
}
