//! Requests that can no longer be answered become `expired`, with the reason, never silently dropped: their turn
//! ended, their session was deleted, app-server withdrew them or exited, or the host restarted.

use super::Requests;
use super::kind::RequestKind;
use crate::appserver::RequestId;
use crate::store::RequestStatus;

impl Requests {
    /// Expire one request if it is still pending. True when this call expired it.
    pub(crate) async fn expire_request(&self, id: &str, reason: &str) -> bool {
        self.registry.remove(id);
        match self.core.store().settle_request(id, RequestStatus::Expired, None, "host", Some(reason)).await {
            Ok(true) => {
                if let Ok(row) = self.core.store().get_request(id).await {
                    let kind = RequestKind::parse(&row.kind).unwrap_or(RequestKind::CommandApproval);
                    self.publish_request_event(kind, &row).await;
                }
                true
            }
            Ok(false) => false,
            Err(e) => {
                tracing::error!(error = %e, request = id, "could not expire a request");
                false
            }
        }
    }

    async fn expire_all(&self, ids: Vec<String>, reason: &str) {
        for id in ids {
            self.expire_request(&id, reason).await;
        }
    }

    /// The turn is over: what it asked cannot be answered any more.
    pub(crate) async fn expire_turn_requests(&self, thread_id: &str, turn_id: Option<&str>, status: &str) {
        let ids = self.registry.for_turn(thread_id, turn_id);
        self.expire_all(ids, &format!("the turn ended ({status})")).await;
    }

    /// app-server withdrew a request it had made (`serverRequest/resolved` for one nobody answered).
    pub(crate) async fn expire_withdrawn_request(&self, generation: u64, rpc_id: &RequestId) {
        if let Some(id) = self.registry.by_rpc_id(generation, rpc_id) {
            self.expire_request(&id, "app-server withdrew the request (the turn was interrupted or moved on)").await;
        }
    }

    pub(crate) async fn expire_generation_requests(&self, generation: u64, reason: &str) {
        let ids = self.registry.for_generation(generation);
        self.expire_all(ids, &format!("app-server stopped ({reason})")).await;
    }

    pub(crate) async fn expire_session_requests(&self, session_id: &str) {
        let ids = self.registry.for_session(session_id);
        self.expire_all(ids, "the session was deleted").await;
    }

    /// At start: every request still pending belonged to an app-server process that is gone.
    pub(crate) async fn expire_requests_left_by_last_run(&self) {
        // Only this host's: another host's app-server may still be waiting for its answers.
        match self.core.store().pending_request_ids(&self.core.hosts().this().id).await {
            Ok(ids) => self.expire_all(ids, "the host restarted; the app-server that asked is gone").await,
            Err(e) => tracing::error!(error = %e, "could not read pending requests at start"),
        }
    }
}
