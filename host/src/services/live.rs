//! What is happening right now in each loaded thread: the running turn, items started but not completed, the
//! thread's wait flags, and which app-server generation has the thread loaded.
//!
//! This is derived state: it is rebuilt from what app-server says, and what it claims is only trusted for the
//! generation that said it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde_json::value::RawValue;

/// app-server's `activeFlags` that the host acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum ThreadFlag {
    WaitingOnApproval,
    WaitingOnUserInput,
}

/// Not `Clone`: rows read a [`ThreadStatus`], never a copy of every open item.
#[derive(Debug, Default)]
pub struct ThreadLive {
    pub active_turn: Option<String>,
    /// Items that got `item/started` and no `item/completed`, in start order, with their last known payload.
    pub open_items: Vec<(String, Box<RawValue>)>,
    /// What the thread waits on while it is active (the flags this host knows; others are dropped).
    pub flags: Vec<ThreadFlag>,
    /// The app-server generation that has this thread loaded.
    pub loaded_in: Option<u64>,
    /// The last turn that completed, so a late `turn/start` answer cannot mark a finished turn as running.
    pub last_completed_turn: Option<String>,
    /// The model app-server runs this thread with (needed to name it in a collaboration mode).
    pub model: Option<String>,
    /// The sandbox policy app-server reported for the thread (`{type, networkAccess, ...}`).
    pub sandbox: Option<serde_json::Value>,
    /// The text of the running turn's last completed assistant message (its final text when it ends).
    pub last_agent_text: Option<String>,
    /// The text streamed so far (`item/agentMessage/delta`) of each assistant message still open, by item id: what
    /// an interrupt or a dead process would otherwise lose (app-server keeps no unfinished item in its history).
    pub streamed: Vec<(String, String)>,
    /// Turns app-server runs inside another, each with its root (an inline review's inner turn names the review
    /// turn as its `rootTurnId`). They are folded into the root: only the root starts, ends and has a record.
    pub nested_turns: Vec<(String, String)>,
}

impl ThreadLive {
    /// Add a delta to the open assistant message `item_id`.
    pub fn stream(&mut self, item_id: &str, delta: &str) {
        match self.streamed.iter_mut().find(|(id, _)| id == item_id) {
            Some((_, text)) => text.push_str(delta),
            None => self.streamed.push((item_id.to_string(), delta.to_string())),
        }
    }

    /// The text the newest open assistant message streamed, if any.
    pub fn last_streamed(&self) -> Option<&str> {
        self.streamed.last().map(|(_, text)| text.as_str()).filter(|t| !t.is_empty())
    }

    /// The turn that owns `turn_id`: its root when it is a nested turn, else itself.
    pub fn root_of(&self, turn_id: &str) -> Option<&str> {
        self.nested_turns.iter().find(|(nested, _)| nested == turn_id).map(|(_, root)| root.as_str())
    }
}

/// What a session's row and a turn's start need to know of a thread: a light copy, without its open items'
/// payloads (those are read one at a time, [`LiveThreads::open_item`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadStatus {
    pub active_turn: Option<String>,
    /// Items started and not completed.
    pub open_items: usize,
    /// The thread waits for an approval decision (app-server's `waitingOnApproval` flag).
    pub waiting_on_approval: bool,
    /// The thread waits for an answer to a question (`waitingOnUserInput`).
    pub waiting_on_input: bool,
    /// The app-server generation that has this thread loaded.
    pub loaded_in: Option<u64>,
}

/// What app-server runs a thread with, for a turn's params.
#[derive(Debug, Clone, Default)]
pub struct ThreadSettings {
    pub model: Option<String>,
    pub sandbox: Option<serde_json::Value>,
}

#[derive(Default)]
pub struct LiveThreads {
    threads: Mutex<HashMap<String, ThreadLive>>,
    /// The newest app-server generation whose running turns were drained (ended by the host). Written and read
    /// under the `threads` lock, so a turn is either drained or sees that it came too late, never neither.
    drained_through: AtomicU64,
}

impl LiveThreads {
    /// Mark `turn_id` running on `thread_id` unless it already completed; false (nothing marked) when `generation`,
    /// the process that accepted the turn, has already been drained: nobody else will end that turn.
    pub fn mark_accepted(&self, thread_id: &str, turn_id: &str, generation: u64) -> bool {
        let mut map = self.threads.lock().expect("live map poisoned");
        if self.drained_through.load(Ordering::Acquire) >= generation {
            return false;
        }
        let t = map.entry(thread_id.to_string()).or_default();
        if t.active_turn.is_none() && t.last_completed_turn.as_deref() != Some(turn_id) {
            t.active_turn = Some(turn_id.to_string());
        }
        true
    }

    pub fn with<R>(&self, thread_id: &str, f: impl FnOnce(&mut ThreadLive) -> R) -> R {
        let mut map = self.threads.lock().expect("live map poisoned");
        f(map.entry(thread_id.to_string()).or_default())
    }

    pub fn status(&self, thread_id: &str) -> ThreadStatus {
        let map = self.threads.lock().expect("live map poisoned");
        let Some(t) = map.get(thread_id) else { return ThreadStatus::default() };
        ThreadStatus {
            active_turn: t.active_turn.clone(),
            open_items: t.open_items.len(),
            waiting_on_approval: t.flags.contains(&ThreadFlag::WaitingOnApproval),
            waiting_on_input: t.flags.contains(&ThreadFlag::WaitingOnUserInput),
            loaded_in: t.loaded_in,
        }
    }

    pub fn active_turn(&self, thread_id: &str) -> Option<String> {
        self.threads.lock().expect("live map poisoned").get(thread_id).and_then(|t| t.active_turn.clone())
    }

    pub fn settings(&self, thread_id: &str) -> ThreadSettings {
        let map = self.threads.lock().expect("live map poisoned");
        map.get(thread_id).map(|t| ThreadSettings { model: t.model.clone(), sandbox: t.sandbox.clone() }).unwrap_or_default()
    }

    pub fn is_loaded(&self, thread_id: &str, generation: u64) -> bool {
        self.threads.lock().expect("live map poisoned").get(thread_id).is_some_and(|t| t.loaded_in == Some(generation))
    }

    /// The payload of an item that started and has not completed (what an approval is about).
    pub fn open_item(&self, thread_id: &str, item_id: &str) -> Option<String> {
        let map = self.threads.lock().expect("live map poisoned");
        let thread = map.get(thread_id)?;
        thread.open_items.iter().find(|(id, _)| id == item_id).map(|(_, item)| item.get().to_string())
    }

    pub fn forget(&self, thread_id: &str) {
        self.threads.lock().expect("live map poisoned").remove(thread_id);
    }

    /// The process is gone: every thread is unloaded; return what was running, for closing.
    pub fn drain_for_exit(&self, generation: u64) -> Vec<(String, ThreadLive)> {
        let mut map = self.threads.lock().expect("live map poisoned");
        self.drained_through.fetch_max(generation, Ordering::AcqRel);
        let mut running = Vec::new();
        for (thread_id, t) in map.iter_mut() {
            t.loaded_in = None;
            t.flags.clear();
            if t.active_turn.is_some() {
                running.push((thread_id.clone(), std::mem::take(t)));
            }
        }
        running
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_turn_accepted_by_a_generation_already_drained_is_not_marked_running() {
        let live = LiveThreads::default();
        assert!(live.mark_accepted("t1", "turn-1", 1));
        let drained = live.drain_for_exit(1);
        assert_eq!(drained.len(), 1, "the running turn is handed to whoever ends it");
        // The 202 path of a turn the same (dead) process accepted comes late: it must end the turn itself.
        assert!(!live.mark_accepted("t2", "turn-2", 1));
        assert_eq!(live.active_turn("t2"), None);
        // The next process's turns are marked as usual.
        assert!(live.mark_accepted("t2", "turn-3", 2));
        assert_eq!(live.active_turn("t2").as_deref(), Some("turn-3"));
    }

    #[test]
    fn a_thread_s_status_carries_no_item_payloads_and_reads_its_wait_flags() {
        let live = LiveThreads::default();
        let item = RawValue::from_string(r#"{"id":"i1","type":"commandExecution","command":"ls"}"#.into()).unwrap();
        live.with("t1", |t| {
            t.active_turn = Some("turn-1".into());
            t.open_items.push(("i1".into(), item));
            t.flags = vec![ThreadFlag::WaitingOnApproval];
            t.loaded_in = Some(3);
        });
        let status = live.status("t1");
        assert_eq!(
            status,
            ThreadStatus { active_turn: Some("turn-1".into()), open_items: 1, waiting_on_approval: true, waiting_on_input: false, loaded_in: Some(3) }
        );
        assert!(live.open_item("t1", "i1").is_some_and(|p| p.contains("commandExecution")), "the payload is read where it is needed");
        assert_eq!(live.status("unknown"), ThreadStatus::default());
    }

    #[test]
    fn a_turn_that_already_completed_is_not_marked_running() {
        let live = LiveThreads::default();
        live.with("t1", |t| t.last_completed_turn = Some("turn-1".into()));
        assert!(live.mark_accepted("t1", "turn-1", 1));
        assert_eq!(live.active_turn("t1"), None);
    }
}
