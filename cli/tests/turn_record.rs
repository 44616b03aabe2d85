//! The turn record the host owns, end to end: a read of a turn can wait for its end, every change a session list row
//! shows is published as `session.updated` with the row itself, and a chat opens mid-turn from one call.

mod support;

use std::collections::BTreeMap;

use serde_json::{json, Value};
use support::*;

async fn respond(host: &Host, session: &str, request: &str, body: Value) -> (u16, Value) {
    host.post(&format!("/api/sessions/{session}/requests/{request}/response"), body).await
}

async fn next_of(ws: &mut Ws, kind: &str) -> Value {
    until(ws, |e| e["type"] == kind).await.pop().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_of_a_turn_waits_for_its_end_and_answers_in_progress_when_the_wait_runs_out() {
    let env = Env::start("turnwait").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;

    // A turn that ends by itself: the wait answers its final state, with the final text and the seq of its end.
    let turn = host.send(&session, "hello").await;
    let (status, record) = host.get(&format!("/api/sessions/{session}/turns/{turn}?wait=30s")).await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["status"], "completed", "{record}");
    assert!(!record["finalText"].as_str().unwrap_or_default().is_empty(), "{record}");
    let end = until(&mut ws, is_turn_end(&turn)).await.pop().unwrap();
    let (_, record) = host.get(&format!("/api/sessions/{session}/turns/{turn}")).await;
    assert_eq!(record["endSeq"], end["seq"]);

    // A turn that waits for an approval cannot end by itself: a short wait runs out and says so.
    let turn = host.send(&session, "run it scenario:approval").await;
    let request = next_of(&mut ws, "approval.requested").await;
    let (status, record) = host.get(&format!("/api/sessions/{session}/turns/{turn}?wait=300ms")).await;
    assert_eq!((status, record["status"].as_str()), (200, Some("inProgress")), "{record}");
    assert!(record["endSeq"].is_null());

    // A wait in progress is woken by the end.
    let waiting = {
        let (url, token) = (host.url.clone(), host.token.clone());
        let path = format!("/api/sessions/{session}/turns/{turn}?wait=60s");
        tokio::spawn(async move {
            let resp = reqwest::Client::new().get(format!("{url}{path}")).bearer_auth(token).send().await.unwrap();
            decode(resp).await
        })
    };
    let (status, _) = respond(host, &session, request["data"]["id"].as_str().unwrap(), json!({"decision": "accept"})).await;
    assert_eq!(status, 200);
    let (status, record) = tokio::time::timeout(WAIT, waiting).await.expect("the wait answers").unwrap();
    assert_eq!((status, record["status"].as_str()), (200, Some("completed")), "{record}");

    let (status, body) = host.get(&format!("/api/sessions/{session}/turns/{turn}?wait=soon")).await;
    assert_eq!((status, code(&body)), (422, "invalid_request"), "{body}");
    let (status, body) = host.get(&format!("/api/sessions/{session}/turns/no-such-turn?wait=1s")).await;
    assert_eq!((status, code(&body)), (404, "turn_not_found"), "{body}");
}

/// The list a client builds from events alone: `session.created` adds a row, `session.updated` (and the archive
/// events, which carry the row too) replace it, `session.deleted` removes it.
fn apply(list: &mut BTreeMap<String, Value>, e: &Value) {
    match e["type"].as_str().unwrap_or_default() {
        "session.created" | "session.updated" | "session.archived" | "session.unarchived" => {
            list.insert(e["data"]["id"].as_str().unwrap().to_string(), e["data"].clone());
        }
        "session.deleted" => {
            list.remove(e["data"]["id"].as_str().unwrap());
        }
        _ => {}
    }
}

#[derive(Default)]
struct Feed {
    list: BTreeMap<String, Value>,
    seen: Vec<Value>,
}

impl Feed {
    async fn follow(&mut self, ws: &mut Ws, pred: &dyn Fn(&Value) -> bool) -> Vec<Value> {
        let events = until(ws, |e| pred(e)).await;
        for e in &events {
            apply(&mut self.list, e);
        }
        self.seen.extend(events.iter().cloned());
        events
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_updated_follows_every_turn_transition_and_events_alone_rebuild_the_session_list() {
    let env = Env::start("sessionfeed").await;
    let host = env.host();
    let mut ws = host.stream(&format!("since={}", host.latest_seq().await)).await;
    let mut feed = Feed::default();

    let session = env.new_session().await;
    let updated_with = |status: &'static str| {
        let session = session.clone();
        move |e: &Value| e["type"] == "session.updated" && e["sessionId"] == session.as_str() && e["data"]["status"] == status
    };

    // A turn that ends by itself: running at its start, idle at its end.
    let turn = host.send(&session, "hello").await;
    let events = feed.follow(&mut ws, &is_turn_end(&turn)).await;
    let started = events.iter().position(|e| e["type"] == "turn.started" && e["turnId"] == turn.as_str()).expect("turn.started");
    // The view showing the turn running is committed with `turn.started`, right before it (or earlier, by the 202).
    assert!(
        events[..started].iter().any(|e| e["type"] == "session.updated" && e["data"]["activeTurnId"] == turn.as_str()),
        "the start is published with the turn running: {events:#?}"
    );
    let idle = updated_with("idle");
    let ended = events.iter().rposition(&idle).expect("the end is published with the session idle");
    assert_eq!(events[ended]["data"]["lastTurnStatus"], "completed");
    assert!(events[ended]["data"]["activeTurnId"].is_null());

    // A turn that waits on an approval: the row shows the wait and the pending request, then the end.
    let turn = host.send(&session, "run it scenario:approval").await;
    let waiting = updated_with("waiting_on_approval");
    let events = feed.follow(&mut ws, &waiting).await;
    assert!(events.iter().any(|e| e["type"] == "session.updated" && e["data"]["status"] == "running"), "{events:#?}");
    let request = feed.seen.iter().find(|e| e["type"] == "approval.requested").cloned();
    let request = match request {
        Some(r) => r,
        None => feed.follow(&mut ws, &|e: &Value| e["type"] == "approval.requested").await.pop().unwrap(),
    };
    let pending = |e: &Value| e["type"] == "session.updated" && e["data"]["pendingRequests"] == 1;
    assert!(feed.seen.iter().any(pending) || !feed.follow(&mut ws, &pending).await.is_empty());
    let (status, _) = respond(host, &session, request["data"]["id"].as_str().unwrap(), json!({"decision": "accept"})).await;
    assert_eq!(status, 200);
    let events = feed.follow(&mut ws, &is_turn_end(&turn)).await;
    let ended = events.iter().rposition(&idle).expect("the end is published with the session idle");
    assert_eq!(events[ended]["data"]["pendingRequests"], 0);

    // A title, an archive: each is a `session.updated` with the row.
    let (status, _) = host.patch(&format!("/api/sessions/{session}"), json!({"title": "renamed"})).await;
    assert_eq!(status, 200);
    feed.follow(&mut ws, &|e: &Value| e["type"] == "session.updated" && e["data"]["title"] == "renamed").await;
    let (status, _) = host.post(&format!("/api/sessions/{session}/archive"), json!({})).await;
    assert_eq!(status, 200);
    feed.follow(&mut ws, &|e: &Value| e["type"] == "session.updated" && e["data"]["archived"] == true).await;
    let other = env.new_session().await;
    feed.follow(&mut ws, &|e: &Value| e["type"] == "session.created" && e["data"]["id"] == other.as_str()).await;

    let (status, page) = host.get("/api/sessions?limit=500").await;
    assert_eq!(status, 200);
    let listed: BTreeMap<String, Value> =
        page["sessions"].as_array().unwrap().iter().map(|s| (s["id"].as_str().unwrap().to_string(), s.clone())).collect();
    assert_eq!(listed, feed.list, "a client that follows only events shows the same list as GET /api/sessions");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_opens_mid_turn_from_one_call_that_names_the_running_turn_and_where_it_started() {
    let env = Env::start("openmid").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "run it scenario:approval").await;
    let started = next_of(&mut ws, "turn.started").await;
    let request = next_of(&mut ws, "approval.requested").await;

    let (status, detail) = host.get(&format!("/api/sessions/{session}?limit=30&order=desc")).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["activeTurn"]["id"], turn.as_str());
    assert_eq!(detail["activeTurn"]["status"], "inProgress");
    assert_eq!(detail["activeTurn"]["startSeq"], started["seq"], "the turn's start is read from its record, not searched for");

    respond(host, &session, request["data"]["id"].as_str().unwrap(), json!({"decision": "accept"})).await;
    until(&mut ws, is_turn_end(&turn)).await;
    let (_, detail) = host.get(&format!("/api/sessions/{session}")).await;
    assert!(detail["activeTurn"].is_null(), "{detail}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_send_wait_prints_the_reply_and_takes_the_outcome_from_the_record() {
    let env = Env::start("cliwait").await;
    let host = env.host();
    let session = env.new_session().await;
    let (code, out, err) = host.cli(&["send", &session, "hello cli", "--wait"]).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("You said: hello cli"), "{out}");
    let (code, out, err) = host.cli(&["send", &session, "break scenario:fail", "--wait"]).await;
    assert_ne!(code, 0, "{out}\n{err}");
    let (_, page) = host.get(&format!("/api/sessions/{session}/turns?limit=1")).await;
    let status = page["turns"][0]["status"].as_str().unwrap().to_string();
    assert_ne!(status, "completed");
    assert!(err.contains(&format!("ended {status}")), "{err}");
}
