//! A reader's view of the log: every event after a `seq`, replayed from the store and then live, filtered.
//!
//! The live receiver is created before the store is read, and every event carries its seq, so the hand-over from
//! replay to live can neither skip nor repeat an event. A reader that lags behind the live buffer goes back to
//! the store; one that asks for events already pruned gets a `reset` and continues from the newest event.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

use tokio::sync::broadcast::{self, error::RecvError};

use super::envelope::Event;
use super::log::EventLog;
use crate::store::StoreResult;

/// Events per store read while replaying.
const REPLAY_PAGE: i64 = 512;

/// Which events a reader wants. Empty sets mean "all".
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub sessions: HashSet<String>,
    pub projects: HashSet<String>,
    /// Type prefixes to include (`turn.` or an exact type).
    pub types: Vec<String>,
    /// Type prefixes to leave out (for instance `item.delta` for a client that skips tokens).
    pub exclude_types: Vec<String>,
}

impl EventFilter {
    pub fn matches(&self, e: &Event) -> bool {
        if !self.sessions.is_empty() && !e.session_id.as_deref().is_some_and(|s| self.sessions.contains(s)) {
            return false;
        }
        if !self.projects.is_empty() && !e.project_id.as_deref().is_some_and(|p| self.projects.contains(p)) {
            return false;
        }
        if !self.types.is_empty() && !self.types.iter().any(|t| e.kind.starts_with(t.as_str())) {
            return false;
        }
        !self.exclude_types.iter().any(|t| e.kind.starts_with(t.as_str()))
    }
}

/// What a reader receives next.
#[derive(Debug, Clone)]
pub enum StreamItem {
    Event(Arc<Event>),
    /// The reader's position cannot be continued event by event: the events after it were pruned
    /// (`beyond_retention`), or it is ahead of the log (`ahead_of_log`, e.g. a restored database). Re-read state,
    /// then continue from `latest`.
    Reset { oldest: i64, latest: i64, reason: &'static str },
}

impl StreamItem {
    /// The frame sent to clients (an event's envelope is shared, not copied).
    pub fn to_frame(&self) -> bytes::Bytes {
        match self {
            StreamItem::Event(e) => e.json.clone(),
            StreamItem::Reset { oldest, latest, reason } => serde_json::json!({
                "seq": latest,
                "type": "reset",
                "ts": super::envelope::format_ts(crate::store::now_ms()),
                "sessionId": null, "turnId": null, "projectId": null,
                "data": {"reason": reason, "oldestSeq": oldest, "latestSeq": latest},
            })
            .to_string()
            .into(),
        }
    }
}

pub struct Subscription {
    log: EventLog,
    live: broadcast::Receiver<Arc<Event>>,
    last: i64,
    filter: EventFilter,
    buffer: VecDeque<Arc<Event>>,
    replaying: bool,
}

impl Subscription {
    /// Everything after `since` (0: from the oldest event kept), or only new events when `since` is None.
    pub fn new(log: EventLog, since: Option<i64>, filter: EventFilter) -> Self {
        let live = log.subscribe_live();
        let (last, replaying) = match since {
            Some(s) => (s.max(0), true),
            None => (log.last_seq(), false),
        };
        Self { log, live, last, filter, buffer: VecDeque::new(), replaying }
    }

    /// The seq of the last event this reader has passed (delivered or filtered out).
    pub fn position(&self) -> i64 {
        self.last
    }

    /// The next event for this reader, waiting for one if needed. Errors only when the store fails.
    pub async fn next(&mut self) -> StoreResult<StreamItem> {
        loop {
            if let Some(e) = self.buffer.pop_front() {
                self.last = e.seq;
                if self.filter.matches(&e) {
                    return Ok(StreamItem::Event(e));
                }
                continue;
            }
            if self.replaying {
                if let Some(reset) = self.check_retention().await? {
                    return Ok(reset);
                }
                let rows = self.log.store().events_after(self.last, REPLAY_PAGE).await?;
                if rows.is_empty() {
                    self.replaying = false;
                } else {
                    self.buffer.extend(rows.into_iter().map(|r| Arc::new(Event::from_row(r))));
                }
                continue;
            }
            match self.live.recv().await {
                Ok(e) if e.seq <= self.last => continue,
                Ok(e) if e.seq == self.last + 1 => self.buffer.push_back(e),
                // A gap means events went by before this receiver saw them: read them from the store.
                Ok(_) | Err(RecvError::Lagged(_)) => {
                    tracing::debug!(position = self.last, "subscriber fell behind the live buffer; catching up from the store");
                    self.replaying = true;
                    self.live = self.live.resubscribe();
                }
                Err(RecvError::Closed) => std::future::pending::<()>().await,
            }
        }
    }

    async fn check_retention(&mut self) -> StoreResult<Option<StreamItem>> {
        let (oldest, latest) = self.log.store().event_bounds().await?;
        // Position 0 asks for everything kept: start at the oldest event, there is nothing to reset.
        if self.last == 0 {
            self.last = (oldest - 1).max(0);
            return Ok(None);
        }
        // Behind the oldest kept event, or ahead of the newest (a position from another database): either way the
        // reader's picture cannot be patched up event by event. (`oldest - 1`, not `last + 1`: `since` may be i64::MAX.)
        let reason = if oldest > 0 && self.last < oldest - 1 {
            "beyond_retention"
        } else if self.last > latest {
            "ahead_of_log"
        } else {
            return Ok(None);
        };
        self.last = latest;
        self.replaying = false;
        Ok(Some(StreamItem::Reset { oldest, latest, reason }))
    }
}

#[cfg(test)]
mod tests;
