//! When app-server dies: every turn it ran ends, once, and the next process takes over.

use crate::services::TurnStatus;
use crate::testing::{command, ScriptedAppServer, Step, TestHost};

#[tokio::test]
async fn a_turn_acknowledged_then_the_runtime_exits_ends_interrupted_in_the_log_exactly_once() {
    let host = TestHost::start().await;
    let s = host.session().await;
    // The 202: the turn is promised before app-server said anything else about it.
    let turn = host.send(&s, "hi").await.turn_id;
    host.peer.exit(1).await;

    let end = host.turn_event("turn.completed", &turn).await;
    assert_eq!(end.data()["turn"]["status"], "interrupted");
    assert_eq!(end.data()["closedByHost"], true);
    // The next process being ready means the dead one was drained: nothing more can end this turn.
    host.app.next_peer().await;
    host.ready(2).await;
    let ends: Vec<_> = host.logged("turn.completed").await.into_iter().filter(|e| e.turn_id.as_deref() == Some(turn.as_str())).collect();
    assert_eq!(ends.len(), 1, "ended exactly once");
    let record = host.services.turns().get_turn_record(&s.id, &turn, std::time::Duration::ZERO).await.unwrap();
    assert_eq!(record.status, TurnStatus::Interrupted);
    assert_eq!(record.end_seq, Some(end.seq));
}

#[tokio::test]
async fn a_turn_whose_process_dies_right_behind_the_acknowledgement_still_ends_exactly_once() {
    let app = ScriptedAppServer::default();
    let turn_id = app.id("turn");
    let answered = turn_id.clone();
    app.on("turn/start", move |_| {
        vec![Step::Answer(serde_json::json!({"turn": {"id": answered, "status": "inProgress", "items": []}})), Step::Exit(1)]
    });
    let host = TestHost::start_with(app).await;
    let s = host.session().await;
    // Whichever comes first — the 202 path marking the turn or the relay draining the dead process — ends it.
    let accepted = host.send(&s, "hi").await;
    assert_eq!(accepted.turn_id, turn_id);

    host.app.next_peer().await;
    host.ready(2).await;
    host.turn_event("turn.completed", &turn_id).await;
    let ends: Vec<_> = host.logged("turn.completed").await.into_iter().filter(|e| e.turn_id.as_deref() == Some(turn_id.as_str())).collect();
    assert_eq!(ends.len(), 1, "ended exactly once");
    assert_eq!(ends[0].data()["turn"]["status"], "interrupted");
    let record = host.services.turns().get_turn_record(&s.id, &turn_id, std::time::Duration::ZERO).await.unwrap();
    assert_eq!(record.status, TurnStatus::Interrupted);
}

#[tokio::test]
async fn when_app_server_dies_mid_turn_its_open_items_close_and_the_turn_ends_with_the_reason() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "build").await.turn_id;
    host.peer.turn_started(&s.thread_id, &turn).await;
    host.peer.item_started(&s.thread_id, &turn, command("cmd-1", "make")).await;
    host.peer.exit(137).await;

    let end = host.turn_event("turn.completed", &turn).await;
    let error = end.data()["turn"]["error"]["message"].as_str().unwrap().to_string();
    assert!(error.contains("exited with code 137"), "{error}");
    let closed = host.event(|e| e.kind == "item.completed").await;
    assert_eq!((closed.data()["item"]["id"].as_str(), closed.data()["closedByHost"].as_bool()), (Some("cmd-1"), Some(true)));
    assert!(closed.seq < end.seq);
    let exited = host.event(|e| e.kind == "runtime.exited").await;
    assert!(exited.seq < end.seq, "the exit is logged before what it caused");
}

#[tokio::test]
async fn the_last_words_of_a_dying_process_are_logged_before_its_exit() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    host.peer.turn_started(&s.thread_id, &turn).await;
    host.peer.item_completed(&s.thread_id, &turn, crate::testing::agent_message("m1", "almost done")).await;
    host.peer.exit(1).await;

    let last_words = host.event(|e| e.kind == "item.completed").await;
    let exited = host.event(|e| e.kind == "runtime.exited").await;
    assert!(last_words.seq < exited.seq);
    host.turn_event("turn.completed", &turn).await;
    let record = host.services.turns().get_turn_record(&s.id, &turn, std::time::Duration::ZERO).await.unwrap();
    assert_eq!(record.final_text.as_deref(), Some("almost done"), "what the turn said before the crash is kept");
}

#[tokio::test]
async fn after_a_crash_the_next_process_resumes_the_thread_before_the_next_turn() {
    let host = TestHost::start().await;
    let s = host.session().await;
    assert!(host.session_now(&s).await.loaded);
    host.peer.exit(1).await;
    let next = host.app.next_peer().await;
    assert_eq!(next.generation(), 2);
    host.ready(2).await;
    assert!(!host.session_now(&s).await.loaded, "the new process has not loaded the thread");

    host.send(&s, "again").await;
    let resumed = next.received_nth("thread/resume", 0).await;
    assert_eq!(resumed["threadId"], s.thread_id.as_str());
    let methods = next.methods();
    let at = |m: &str| methods.iter().position(|x| x == m).unwrap();
    assert!(at("thread/resume") < at("turn/start"), "{methods:?}");
    assert!(host.session_now(&s).await.loaded);
}

#[tokio::test]
async fn a_pending_request_expires_when_the_process_that_asked_dies() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    let _answer = host
        .peer
        .request("item/commandExecution/requestApproval", serde_json::json!({"threadId": s.thread_id, "turnId": turn, "itemId": "c"}))
        .await;
    let asked = host.event(|e| e.kind == "approval.requested").await;
    host.peer.exit(1).await;

    let expired = host.event(|e| e.kind == "approval.expired").await;
    assert_eq!(expired.data()["id"], asked.data()["id"]);
    assert!(expired.seq > asked.seq);
    host.turn_event("turn.completed", &turn).await;
    assert_eq!(host.session_now(&s).await.pending_requests, 0);
}
