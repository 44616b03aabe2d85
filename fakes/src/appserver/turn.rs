//! One turn, streamed on its own thread: `turn/started`, `item/started`, the deltas, `item/completed`,
//! `turn/completed` — bent by the turn's [`TurnPlan`].

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::directives::TurnPlan;
use super::server::Shared;
use super::wire::{unix_millis, unix_nanos};

/// The line written for `fault:malformed`.
pub const MALFORMED_LINE: &str = "fake-app-server: this line is deliberately not JSON {";
/// Longest single sleep while pacing or hanging, so an interrupt is noticed promptly.
const POLL: Duration = Duration::from_millis(10);

pub(super) struct TurnSpec {
    /// What the user sent, kept in the history.
    pub user_text: String,
    pub thread_id: String,
    pub turn_id: String,
    pub item_id: String,
    pub plan: TurnPlan,
    /// When `turn/start` was read (Unix nanoseconds); reported as `fakeReceivedAtNs` in `turn/started`.
    pub received_at_ns: u128,
    pub interrupt: Arc<AtomicBool>,
}

enum Ending {
    Completed,
    Interrupted,
    Crashed,
}

pub(super) fn run(shared: &Shared, spec: TurnSpec) {
    let out = &shared.out;
    let started_at = unix_millis() / 1000;
    out.notify(
        "turn/started",
        json!({
            "threadId": spec.thread_id,
            "turn": {"id": spec.turn_id, "status": "inProgress", "items": [], "error": null, "startedAt": started_at},
            "fakeReceivedAtNs": spec.received_at_ns as u64,
        }),
    );
    let user = json!({"type": "userMessage", "id": format!("{}-user", spec.turn_id),
                      "content": [{"type": "text", "text": spec.user_text, "text_elements": []}]});
    let mut items = vec![user];
    for i in 0..spec.plan.items {
        let item = json!({"type": "reasoning", "id": format!("{}-r{i}", spec.turn_id),
                          "summary": [format!("Step {i} of the plan: looking at the next file.")], "content": []});
        out.notify("item/started", json!({"threadId": spec.thread_id, "turnId": spec.turn_id, "item": item, "startedAtMs": unix_millis()}));
        out.notify("item/completed", json!({"threadId": spec.thread_id, "turnId": spec.turn_id, "item": item, "completedAtMs": unix_millis()}));
        items.push(item);
    }
    out.notify(
        "item/started",
        json!({
            "threadId": spec.thread_id,
            "turnId": spec.turn_id,
            "item": {"type": "agentMessage", "id": spec.item_id, "text": "", "phase": null},
            "startedAtMs": unix_millis(),
        }),
    );

    let mut text = String::new();
    let ending = stream_deltas(shared, &spec, &mut text);
    let ending = match ending {
        Ending::Completed if spec.plan.hang => wait_for_interrupt(&spec.interrupt),
        other => other,
    };
    match ending {
        Ending::Crashed => {}
        Ending::Interrupted => {
            // Like the real one: the interrupted agentMessage never gets `item/completed`.
            let record = json!({"id": spec.turn_id, "status": "interrupted", "items": [items.swap_remove(0)], "error": null,
                                "startedAt": started_at, "completedAt": unix_millis() / 1000});
            shared.finish_turn(&spec.thread_id, &spec.turn_id, record);
            out.notify(
                "turn/completed",
                json!({
                    "threadId": spec.thread_id,
                    "turn": {"id": spec.turn_id, "status": "interrupted", "items": [], "error": null,
                             "startedAt": started_at, "completedAt": unix_millis() / 1000},
                    "fakeEmittedAtNs": unix_nanos() as u64,
                }),
            );
        }
        Ending::Completed => {
            let reply = json!({"type": "agentMessage", "id": spec.item_id, "text": text, "phase": null});
            out.notify(
                "item/completed",
                json!({
                    "threadId": spec.thread_id,
                    "turnId": spec.turn_id,
                    "item": reply.clone(),
                    "completedAtMs": unix_millis(),
                }),
            );
            items.push(reply);
            let record = json!({"id": spec.turn_id, "status": "completed", "items": items, "error": null,
                                "startedAt": started_at, "completedAt": unix_millis() / 1000});
            shared.finish_turn(&spec.thread_id, &spec.turn_id, record);
            out.notify(
                "turn/completed",
                json!({
                    "threadId": spec.thread_id,
                    "turn": {"id": spec.turn_id, "status": "completed", "items": [], "error": null,
                             "startedAt": started_at, "completedAt": unix_millis() / 1000},
                    "fakeEmittedAtNs": unix_nanos() as u64,
                }),
            );
        }
    }
}

fn stream_deltas(shared: &Shared, spec: &TurnSpec, text: &mut String) -> Ending {
    let plan = &spec.plan;
    // Everything of a delta line but its timestamp is fixed for the turn.
    let head = format!(
        "{{\"method\":\"item/agentMessage/delta\",\"params\":{{\"threadId\":{},\"turnId\":{},\"itemId\":{},\"delta\":\"t=",
        json!(spec.thread_id),
        json!(spec.turn_id),
        json!(spec.item_id)
    );
    let start = Instant::now();
    for i in 0..plan.deltas {
        if plan.crash_after == Some(i) {
            (shared.on_crash)();
            return Ending::Crashed;
        }
        if plan.malformed_at() == Some(i) {
            shared.out.write_line(MALFORMED_LINE);
        }
        if plan.rate > 0.0 && !sleep_until(start + Duration::from_secs_f64(i as f64 / plan.rate), &spec.interrupt) {
            return Ending::Interrupted;
        }
        if spec.interrupt.load(Ordering::SeqCst) {
            return Ending::Interrupted;
        }
        shared.out.write_with(|buf| {
            // Taken with the output lock held, right before the write.
            let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
            let nanos = now.as_nanos();
            buf.extend_from_slice(head.as_bytes());
            let _ = write!(buf, "{nanos};\"}},\"emittedAtMs\":{}}}", nanos / 1_000_000);
            text.push_str("t=");
            text.push_str(&nanos.to_string());
            text.push(';');
        });
    }
    if plan.crash_after.is_some_and(|k| k >= plan.deltas) {
        (shared.on_crash)();
        return Ending::Crashed;
    }
    if plan.deltas == 0 && plan.malformed {
        // With no deltas the malformed line goes where they would have been.
        shared.out.write_line(MALFORMED_LINE);
    }
    if spec.interrupt.load(Ordering::SeqCst) {
        return Ending::Interrupted;
    }
    Ending::Completed
}

/// Sleep until `deadline`, waking to check `interrupt`. False if interrupted.
fn sleep_until(deadline: Instant, interrupt: &AtomicBool) -> bool {
    loop {
        if interrupt.load(Ordering::SeqCst) {
            return false;
        }
        let now = Instant::now();
        if now >= deadline {
            return true;
        }
        std::thread::sleep((deadline - now).min(POLL));
    }
}

fn wait_for_interrupt(interrupt: &AtomicBool) -> Ending {
    while !interrupt.load(Ordering::SeqCst) {
        std::thread::sleep(POLL);
    }
    Ending::Interrupted
}
