//! The event log as the API reads it: a page after a position (REST) and a subscription with its opening frame
//! (the websocket). Where a position stands against what the log keeps is one rule,
//! [`standing`](crate::events::standing), applied by both.

use bytes::Bytes;
use serde_json::json;

use std::sync::Arc;
use super::core::Core;
use super::error::{ServiceError, ServiceResult};
use super::requests::Requests;
use crate::events::{EventFilter, EventLog, Page, Subscription, DEFAULT_PAGE, MAX_PAGE};

/// The event log as clients read it.
pub struct Events {
    core: Arc<Core>,
    /// For the opening frame of a subscription: what is waiting for an answer now.
    requests: Arc<Requests>,
}

impl Events {
    pub(super) fn new(core: Arc<Core>, requests: Arc<Requests>) -> Self {
        Self { core, requests }
    }

    /// The log itself, for the host's own lifecycle and tests.
    pub fn log(&self) -> &EventLog {
        self.core.events()
    }

    /// At most `limit` (default 500, 1-5000) events after `since` (absent or 0: from the oldest kept), filtered.
    pub async fn event_page(&self, since: Option<i64>, limit: Option<i64>, filter: &EventFilter) -> ServiceResult<Page> {
        let limit = limit.unwrap_or(DEFAULT_PAGE);
        if !(1..=MAX_PAGE).contains(&limit) {
            return Err(ServiceError::invalid(format!("`limit` must be between 1 and {MAX_PAGE}")));
        }
        Ok(Page::read(self.core.events(), since.unwrap_or(0).max(0), limit, filter).await?)
    }

    /// A reader of everything after `since` (absent: only new events), and the frame it opens with: what is
    /// waiting for an answer right now, so a client that connects late sees it at once.
    pub async fn subscribe(&self, since: Option<i64>, filter: EventFilter) -> (Subscription, Option<Bytes>) {
        let subscription = Subscription::new(self.core.events().clone(), since, filter);
        let pending = self.requests.pending_snapshot(subscription.filter()).await.unwrap_or_default();
        let opening =
            (!pending.is_empty()).then(|| crate::events::frame(subscription.position(), crate::events::EventType::RequestsPending.as_str(), json!({"requests": pending})));
        (subscription, opening)
    }
}
