//! What the rest of the host knows of follow-up queues without asking the store: each session's queue summary (what
//! its view shows, read per row of a 10,000-session list), and the inbox of signals that move the queues (a turn
//! ended, an approval was asked). Built before the sessions, so every component that produces a signal can reach it
//! without depending on the dispatcher that consumes them.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::mpsc;

use super::FollowupQueue;
use crate::store::{PauseRow, TurnStatus};

/// Something that may move a session's queue.
#[derive(Debug, Clone)]
pub(crate) enum Signal {
    /// A turn of the session ended (recorded and logged).
    TurnEnded { session_id: String, turn_id: Option<String>, status: TurnStatus, error: Option<String> },
    /// The session's turn asked for an approval.
    Approval { session_id: String, request_id: String, turn_id: Option<String> },
    /// Try to start the session's next follow-up (all sessions' with `None`).
    Wake { session_id: Option<String> },
}

pub struct FollowupBoard {
    summaries: Mutex<HashMap<String, FollowupQueue>>,
    inbox: mpsc::UnboundedSender<Signal>,
}

impl FollowupBoard {
    pub(crate) fn new() -> (Self, mpsc::UnboundedReceiver<Signal>) {
        let (inbox, rx) = mpsc::unbounded_channel();
        (Self { summaries: Mutex::new(HashMap::new()), inbox }, rx)
    }

    /// The session's queue as its view shows it (an empty, running queue when it never had one).
    pub fn summary(&self, session_id: &str) -> FollowupQueue {
        self.summaries.lock().expect("board poisoned").get(session_id).cloned().unwrap_or_default()
    }

    pub(crate) fn set(&self, session_id: &str, count: i64, pause: Option<&PauseRow>) {
        let summary = FollowupQueue::new(count, pause);
        let mut map = self.summaries.lock().expect("board poisoned");
        if summary == FollowupQueue::default() {
            map.remove(session_id);
        } else {
            map.insert(session_id.to_owned(), summary);
        }
    }

    pub(crate) fn forget(&self, session_id: &str) {
        self.summaries.lock().expect("board poisoned").remove(session_id);
    }

    pub(crate) fn signal(&self, signal: Signal) {
        // Closed only once the dispatcher is gone (the host stops): nothing is left to move.
        let _ = self.inbox.send(signal);
    }

    pub(crate) fn turn_ended(&self, session_id: &str, turn_id: Option<&str>, status: TurnStatus, error: Option<&str>) {
        self.signal(Signal::TurnEnded {
            session_id: session_id.to_owned(),
            turn_id: turn_id.map(str::to_owned),
            status,
            error: error.map(str::to_owned),
        });
    }

    pub(crate) fn approval(&self, session_id: &str, request_id: &str, turn_id: Option<&str>) {
        self.signal(Signal::Approval { session_id: session_id.to_owned(), request_id: request_id.to_owned(), turn_id: turn_id.map(str::to_owned) });
    }
}

impl FollowupBoard {
    /// Sessions with follow-ups waiting in a running (not paused) queue.
    pub(crate) fn ready_sessions(&self) -> Vec<String> {
        let map = self.summaries.lock().expect("board poisoned");
        map.iter().filter(|(_, q)| q.count > 0 && !q.paused).map(|(id, _)| id.clone()).collect()
    }

    /// Sessions whose queue is paused for one of these reasons.
    pub(crate) fn paused_for(&self, reasons: &[crate::store::PauseReason]) -> Vec<String> {
        let map = self.summaries.lock().expect("board poisoned");
        map.iter().filter(|(_, q)| q.reason.is_some_and(|r| reasons.contains(&r))).map(|(id, _)| id.clone()).collect()
    }
}
