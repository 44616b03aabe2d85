//! Records app-server's liveness transitions as events, so the log shows when it stopped answering and when it
//! came back, and clients that follow the stream learn it without polling `/api/ready`.

use serde_json::json;

use super::core::Core;
use crate::appserver::AppServerStatus;
use crate::events::{EventType, NewEvent};

impl Core {
    /// `runtime.unresponsive` `{generation, pid, reason}` when the probe marks app-server unresponsive, and
    /// `runtime.responsive` `{generation}` when it answers again. A process that goes from unresponsive to an exit
    /// gets `runtime.exited` instead (from the relay).
    pub(in crate::services) fn record_liveness(&self) {
        let mut state = self.app_server().watch_state();
        let events = self.events().clone();
        tokio::spawn(async move {
            let mut unresponsive = false;
            while state.changed().await.is_ok() {
                let s = state.borrow_and_update().clone();
                let now = s.status == AppServerStatus::Unresponsive;
                if now == unresponsive {
                    continue;
                }
                unresponsive = now;
                if now {
                    let data = json!({"generation": s.generation, "pid": s.pid, "reason": s.last_error});
                    events.publish(NewEvent::new(EventType::RuntimeUnresponsive, data)).await;
                } else if s.status == AppServerStatus::Ready {
                    events.publish(NewEvent::new(EventType::RuntimeResponsive, json!({"generation": s.generation}))).await;
                }
            }
        });
    }
}
