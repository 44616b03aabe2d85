//! The follow-up queue end to end, against the real app-server and the fake model: messages queued while a turn
//! runs start after it, once each, in order (after edits, a reorder and a removal); an approval or a failed turn
//! pauses the queue until a resume; a host that crashes with follow-ups queued loses none and repeats none.

mod support;

use serde_json::{json, Value};
use support::pty::Pty;
use support::*;

/// Queue `text` (a turn runs): the follow-up's id.
async fn queue(host: &Host, session: &str, text: &str) -> String {
    let (status, body) = host.post(&format!("/api/sessions/{session}/messages"), json!({"text": text, "ifBusy": "queue"})).await;
    assert_eq!(status, 202, "queue: {body}");
    assert!(body["turnId"].is_null(), "queued, not started: {body}");
    assert_eq!(body["followup"]["status"], "queued", "{body}");
    body["followup"]["id"].as_str().unwrap().to_string()
}

/// The user messages of the session's history (Codex's own transcript), oldest first.
async fn user_texts(host: &Host, session: &str) -> Vec<String> {
    let (status, t) = host.get(&format!("/api/sessions/{session}/transcript?limit=100")).await;
    assert_eq!(status, 200, "{t}");
    let mut texts = Vec::new();
    for turn in t["turns"].as_array().unwrap() {
        for item in turn["items"].as_array().unwrap().iter().filter(|i| i["type"] == "userMessage") {
            let text: String = item["content"].as_array().unwrap().iter().filter_map(|c| c["text"].as_str()).collect();
            texts.push(text);
        }
    }
    texts
}

/// A session's event stream and every event read from it so far. A follow-up's `followup.started` is published
/// once `turn/start` answered, by another task than its turn's own events: a short turn's `turn.completed`, and the
/// pause its end causes, may come before it (docs/api.md). So each wait first looks through what was already read.
struct Seen {
    ws: Ws,
    events: Vec<Value>,
}

impl Seen {
    /// The session's events from now on.
    async fn open(host: &Host, session: &str) -> Self {
        Self { ws: host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await, events: Vec::new() }
    }

    /// The first event, read before or now, that `pred` holds for.
    async fn find(&mut self, pred: impl Fn(&Value) -> bool) -> Value {
        if let Some(e) = self.events.iter().find(|e| pred(e)) {
            return e.clone();
        }
        loop {
            let e = next_event(&mut self.ws).await;
            self.events.push(e.clone());
            if pred(&e) {
                return e;
            }
        }
    }

    /// The turn a follow-up started, from its `followup.started`.
    async fn started(&mut self, followup: &str) -> String {
        let e = self.find(|e| e["type"] == "followup.started" && e["data"]["id"] == followup).await;
        e["data"]["turnId"].as_str().unwrap().to_string()
    }

    /// The turn's `turn.completed`.
    async fn ended(&mut self, turn: &str) -> Value {
        self.find(is_turn_end(turn)).await
    }
}

async fn followups(host: &Host, session: &str) -> Value {
    let (status, list) = host.get(&format!("/api/sessions/{session}/followups")).await;
    assert_eq!(status, 200, "{list}");
    list
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_follow_ups_run_after_the_turn_in_order_after_edits_and_a_reorder() {
    let env = Env::start("fu-order").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = Seen::open(host, &session).await;

    let first = host.send(&session, "first scenario:sleep=10000").await;
    // Refused by default, as before: queueing is the request's explicit choice.
    let (status, body) = host.post(&format!("/api/sessions/{session}/messages"), json!({"text": "not queued"})).await;
    assert_eq!((status, code(&body)), (409, "turn_in_progress"), "{body}");
    let a = queue(host, &session, "alpha scenario:deltas=2").await;
    let b = queue(host, &session, "bravo scenario:deltas=2").await;
    // The CLI's `send --queue` queues the same way.
    let (code_c, out, err) = host.cli(&["--json", "send", &session, "charlie scenario:deltas=2", "--queue"]).await;
    assert_eq!(code_c, 0, "{out}{err}");
    let c = serde_json::from_str::<Value>(&out).unwrap()["followup"]["id"].as_str().unwrap().to_string();
    let d = queue(host, &session, "delta scenario:deltas=2").await;
    let (_, view) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(view["session"]["followups"]["count"], 4, "the session's view carries the queue: {view}");

    let (status, edited) = host.patch(&format!("/api/sessions/{session}/followups/{b}"), json!({"text": "bravo, edited scenario:deltas=2"})).await;
    assert_eq!((status, edited["text"].as_str()), (200, Some("bravo, edited scenario:deltas=2")), "{edited}");
    // A reorder must name exactly the queued ones.
    let (status, wrong) = host.put(&format!("/api/sessions/{session}/followups/order"), json!({"ids": [c, a]})).await;
    assert_eq!((status, code(&wrong)), (422, "followup_order_mismatch"), "{wrong}");
    let (status, _) = host.put(&format!("/api/sessions/{session}/followups/order"), json!({"ids": [c, a, b, d]})).await;
    assert_eq!(status, 200);
    // `followups move` (by place in the queue) and `rm` from the CLI.
    let (code_m, out, err) = host.cli(&["followups", "move", &session, &b, "--up"]).await;
    assert_eq!(code_m, 0, "{out}{err}");
    let (code_r, out, err) = host.cli(&["followups", "rm", &session, "4"]).await;
    assert_eq!(code_r, 0, "{out}{err}");
    let list = followups(host, &session).await;
    let order: Vec<&str> = list["followups"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(order, [c.as_str(), b.as_str(), a.as_str()], "{list}");
    let (code_l, out, _) = host.cli(&["followups", "list", &session]).await;
    assert!(code_l == 0 && out.contains("3 waiting, running") && out.contains("bravo, edited"), "{out}");

    // Hostile input gets a clear 4xx and changes nothing.
    let huge = "x".repeat(262_145);
    let (status, body) = host.patch(&format!("/api/sessions/{session}/followups/{a}"), json!({"text": huge})).await;
    assert_eq!((status, code(&body)), (422, "message_too_large"), "{body}");
    let (status, body) = host.post(&format!("/api/sessions/{session}/messages"), json!({"text": huge, "ifBusy": "queue"})).await;
    assert_eq!((status, code(&body)), (422, "message_too_large"), "{body}");
    let (status, body) = host.post(&format!("/api/sessions/{session}/messages"), json!({"text": "x", "ifBusy": "later"})).await;
    assert_eq!(status, 422, "an ifBusy the host does not know: {body}");
    let (status, body) = host.patch(&format!("/api/sessions/{session}/followups/nope"), json!({"text": "y"})).await;
    assert_eq!((status, code(&body)), (404, "followup_not_found"), "{body}");
    let (status, body) = host.patch(&format!("/api/sessions/{session}/followups/{a}"), json!({"text": "y", "position": 1})).await;
    assert_eq!(status, 422, "unknown fields are refused: {body}");
    let (status, body) = host.put(&format!("/api/sessions/{session}/followups/order"), json!({"ids": [c, b, a, "ghost"]})).await;
    assert_eq!((status, code(&body)), (422, "followup_order_mismatch"), "{body}");
    let (status, body) = host.post(&format!("/api/sessions/{session}/followups/resume"), json!({})).await;
    assert_eq!((status, code(&body)), (409, "followups_not_paused"), "{body}");
    let (status, body) = host.get("/api/sessions/no-such-session/followups").await;
    assert_eq!((status, code(&body)), (404, "session_not_found"), "{body}");
    let after = followups(host, &session).await;
    assert_eq!(after["followups"], list["followups"], "nothing changed");

    ws.ended(&first).await;
    let turn_c = ws.started(&c).await;
    ws.ended(&turn_c).await;
    let turn_b = ws.started(&b).await;
    // A started follow-up no longer changes.
    let (status, late) = host.patch(&format!("/api/sessions/{session}/followups/{b}"), json!({"text": "too late"})).await;
    assert_eq!((status, code(&late)), (409, "followup_not_queued"), "{late}");
    ws.ended(&turn_b).await;
    let turn_a = ws.started(&a).await;
    ws.ended(&turn_a).await;

    assert_eq!(
        user_texts(host, &session).await,
        ["first scenario:sleep=10000", "charlie scenario:deltas=2", "bravo, edited scenario:deltas=2", "alpha scenario:deltas=2"]
    );
    let (_, view) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!((view["session"]["followups"]["count"].as_i64(), view["session"]["status"].as_str()), (Some(0), Some("idle")), "{view}");
    let (_, history) = host.get(&format!("/api/sessions/{session}/followups?history=10")).await;
    let statuses: Vec<(&str, &str)> =
        history["followups"].as_array().unwrap().iter().map(|f| (f["id"].as_str().unwrap(), f["status"].as_str().unwrap())).collect();
    assert!(statuses.contains(&(d.as_str(), "removed")) && statuses.iter().filter(|(_, s)| *s == "started").count() == 3, "{history}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_pauses_the_queue_and_a_resume_continues_it() {
    let env = Env::start("fu-approval").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = Seen::open(host, &session).await;
    let first = host.send(&session, "first scenario:sleep=3000").await;
    let asks = queue(host, &session, "run it scenario:approval").await;
    let after = queue(host, &session, "after scenario:deltas=2").await;
    ws.ended(&first).await;
    let asking = ws.started(&asks).await;

    let request = ws.find(|e| e["type"] == "approval.requested").await;
    let paused = ws.find(|e| e["type"] == "followup.paused").await;
    assert_eq!((paused["data"]["reason"].as_str(), paused["data"]["requestId"].clone()), (Some("approval"), request["data"]["id"].clone()), "{paused}");
    let (status, _) = host
        .post(&format!("/api/sessions/{session}/requests/{}/response", request["data"]["id"].as_str().unwrap()), json!({"decision": "accept"}))
        .await;
    assert_eq!(status, 200);
    ws.ended(&asking).await;
    // The turn ended, but the queue stays paused until the user resumes it.
    let (_, view) = host.get(&format!("/api/sessions/{session}")).await;
    let q = &view["session"]["followups"];
    assert_eq!((q["paused"].as_bool(), q["reason"].as_str(), q["count"].as_i64()), (Some(true), Some("approval"), Some(1)), "{view}");
    assert_eq!(view["session"]["status"], "idle");
    let list = followups(host, &session).await;
    assert_eq!(list["followups"][0]["status"], "queued", "{list}");

    let (code_r, out, err) = host.cli(&["followups", "resume", &session]).await;
    assert_eq!(code_r, 0, "{out}{err}");
    let turn = ws.started(&after).await;
    ws.ended(&turn).await;
    // A second resume is a conflict (exit 4), and changes nothing.
    let (code_again, _, err) = host.cli(&["followups", "resume", &session]).await;
    assert_eq!(code_again, 4, "{err}");
    assert!(err.contains("followups_not_paused"), "{err}");
    assert_eq!(user_texts(host, &session).await, ["first scenario:sleep=3000", "run it scenario:approval", "after scenario:deltas=2"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_turn_pauses_the_queue() {
    let env = Env::start("fu-failed").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = Seen::open(host, &session).await;
    let first = host.send(&session, "first scenario:sleep=3000").await;
    let breaks = queue(host, &session, "break scenario:fail").await;
    let after = queue(host, &session, "after scenario:deltas=2").await;
    ws.ended(&first).await;
    let broken = ws.started(&breaks).await;
    let end = ws.ended(&broken).await;
    assert_eq!(end["data"]["turn"]["status"], "failed", "{end}");
    let paused = ws.find(|e| e["type"] == "followup.paused").await;
    assert_eq!((paused["data"]["reason"].as_str(), paused["data"]["turnId"].as_str()), (Some("turn_failed"), Some(broken.as_str())), "{paused}");
    let (_, view) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(view["session"]["followups"]["reason"], "turn_failed", "{view}");
    let (code_l, out, _) = host.cli(&["followups", "list", &session]).await;
    assert!(code_l == 0 && out.contains("paused (turn_failed)"), "{out}");

    let (status, resumed) = host.post(&format!("/api/sessions/{session}/followups/resume"), json!({})).await;
    assert_eq!((status, resumed["paused"].as_bool()), (200, Some(false)), "{resumed}");
    let turn = ws.started(&after).await;
    ws.ended(&turn).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_crash_with_queued_follow_ups_neither_loses_nor_repeats_one() {
    let mut env = Env::start("fu-restart").await;
    let session = env.new_session().await;
    let (a, b) = {
        let host = env.host();
        let mut ws = Seen::open(host, &session).await;
        let first = host.send(&session, "first scenario:slow").await;
        ws.find(|e| e["type"] == "item.delta" && e["turnId"] == first.as_str()).await;
        (queue(host, &session, "one scenario:deltas=2").await, queue(host, &session, "two scenario:deltas=2").await)
    };
    env.kill_host();
    env.start_host().await;
    let host = env.host();
    // The turn the crash cut is over (interrupted), and the queue waits for the user rather than run on by itself.
    let list = followups(host, &session).await;
    let ids: Vec<&str> = list["followups"].as_array().unwrap().iter().map(|f| f["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [a.as_str(), b.as_str()], "both still queued, in order: {list}");
    assert_eq!((list["queue"]["paused"].as_bool(), list["queue"]["reason"].as_str()), (Some(true), Some("interrupted")), "{list}");

    let mut ws = Seen::open(host, &session).await;
    let (status, _) = host.post(&format!("/api/sessions/{session}/followups/resume"), json!({})).await;
    assert_eq!(status, 200);
    let turn_a = ws.started(&a).await;
    ws.ended(&turn_a).await;
    let turn_b = ws.started(&b).await;
    ws.ended(&turn_b).await;
    let texts = user_texts(host, &session).await;
    assert_eq!(texts.iter().filter(|t| t.starts_with("one ")).count(), 1, "{texts:?}");
    assert_eq!(texts.iter().filter(|t| t.starts_with("two ")).count(), 1, "{texts:?}");
    assert_eq!(texts.last().map(String::as_str), Some("two scenario:deltas=2"), "{texts:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_chat_queues_a_follow_up_and_shows_its_turn_when_it_starts() {
    let env = Env::start("fu-chat").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut pty = Pty::spawn(host, &["chat", &session]);
    pty.wait_for("you> ", 1).await;
    pty.type_text("first scenario:sleep=3000\n");
    pty.type_text("/queue then this scenario:deltas=3\n");
    let screen = pty.wait_for("[queued follow-up ", 1).await;
    let list = followups(host, &session).await;
    let id = list["followups"][0]["id"].as_str().unwrap_or_default().to_string();
    assert!(screen.contains(&id), "the chat names the follow-up the host queued: {screen}\n{list}");
    // The follow-up's turn streams into the chat like any turn of the session.
    let screen = pty.wait_for("d0 d1 d2", 1).await;
    assert!(screen.contains("Slept"), "the first turn's reply came first: {screen}");
    assert_eq!(user_texts(host, &session).await, ["first scenario:sleep=3000", "then this scenario:deltas=3"]);
    pty.type_text("/quit\n");
}
