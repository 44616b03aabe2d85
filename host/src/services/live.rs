//! What is happening right now in each loaded thread: the running turn, items started but not completed, the
//! thread's wait flags, and which app-server generation has the thread loaded.
//!
//! This is derived state: it is rebuilt from what app-server says, and what it claims is only trusted for the
//! generation that said it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde_json::value::RawValue;

#[derive(Debug, Default, Clone)]
pub struct ThreadLive {
    pub active_turn: Option<String>,
    /// Items that got `item/started` and no `item/completed`, in start order, with their last known payload.
    pub open_items: Vec<(String, Box<RawValue>)>,
    /// `waitingOnApproval`, `waitingOnUserInput` while the thread is active.
    pub flags: Vec<String>,
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

    pub fn snapshot(&self, thread_id: &str) -> ThreadLive {
        self.threads.lock().expect("live map poisoned").get(thread_id).cloned().unwrap_or_default()
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
        assert_eq!(live.snapshot("t2").active_turn, None);
        // The next process's turns are marked as usual.
        assert!(live.mark_accepted("t2", "turn-3", 2));
        assert_eq!(live.snapshot("t2").active_turn.as_deref(), Some("turn-3"));
    }

    #[test]
    fn a_turn_that_already_completed_is_not_marked_running() {
        let live = LiveThreads::default();
        live.with("t1", |t| t.last_completed_turn = Some("turn-1".into()));
        assert!(live.mark_accepted("t1", "turn-1", 1));
        assert_eq!(live.snapshot("t1").active_turn, None);
    }
}
