//! The relay: what app-server says becomes events, tagged and in order, and live state.

use serde_json::json;

use crate::testing::{agent_message, command, TestHost};

#[tokio::test]
async fn a_turn_completed_closes_items_left_open() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "run ls").await.turn_id;
    host.peer.turn_started(&s.thread_id, &turn).await;
    host.peer.item_started(&s.thread_id, &turn, command("cmd-1", "ls")).await;
    host.peer.turn_completed(&s.thread_id, &turn, "interrupted", None).await;

    let closed = host.event(|e| e.kind == "item.completed").await;
    let data = closed.data();
    assert_eq!(data["item"]["id"], "cmd-1");
    assert_eq!(data["closedByHost"], true);
    assert_eq!(data["reason"], "turn ended (interrupted) before the item completed");
    assert_eq!(closed.turn_id.as_deref(), Some(turn.as_str()));
    let end = host.turn_event("turn.completed", &turn).await;
    assert!(closed.seq < end.seq, "the item is closed before the turn's end is logged");
}

#[tokio::test]
async fn items_that_completed_are_not_closed_again() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    host.peer.turn_started(&s.thread_id, &turn).await;
    host.peer.item_started(&s.thread_id, &turn, agent_message("msg-1", "")).await;
    host.peer.item_completed(&s.thread_id, &turn, agent_message("msg-1", "hello")).await;
    host.peer.turn_completed(&s.thread_id, &turn, "completed", None).await;

    host.turn_event("turn.completed", &turn).await;
    let completed = host.logged("item.completed").await;
    assert_eq!(completed.len(), 1, "only app-server's own item.completed");
    assert_eq!(completed[0].data().get("closedByHost"), None);
}

#[tokio::test]
async fn notifications_are_tagged_with_their_session_and_turn() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    host.peer.notify("item/agentMessage/delta", json!({"threadId": s.thread_id, "turnId": turn, "itemId": "m", "delta": "he"})).await;

    let delta = host.event(|e| e.kind == "item.delta").await;
    assert_eq!(delta.session_id.as_deref(), Some(s.id.as_str()));
    assert_eq!(delta.turn_id.as_deref(), Some(turn.as_str()));
    assert_eq!(delta.data()["delta"], "he", "the params are the event's data as they came");
}

#[tokio::test]
async fn a_notification_about_an_unknown_thread_is_logged_without_a_session() {
    let host = TestHost::start().await;
    host.peer.notify("item/agentMessage/delta", json!({"threadId": "not-ours", "turnId": "t", "itemId": "m", "delta": "x"})).await;

    let delta = host.event(|e| e.kind == "item.delta").await;
    assert_eq!(delta.session_id, None);
    assert_eq!(delta.data()["threadId"], "not-ours");
}

#[tokio::test]
async fn a_malformed_line_is_logged_and_the_lines_after_it_still_arrive() {
    let host = TestHost::start().await;
    host.peer.write_raw("this is not json").await;
    host.peer.notify("account/updated", json!({"authMode": null})).await;

    let error = host.event(|e| e.kind == "runtime.protocol_error").await;
    assert_eq!(error.data()["line"], "this is not json");
    assert_eq!(error.data()["generation"], 1);
    let next = host.event(|e| e.kind.contains("account")).await;
    assert!(next.seq > error.seq);
}

#[tokio::test]
async fn the_runtime_reports_ready_only_once_its_ready_event_is_in_the_log() {
    let host = TestHost::start().await;
    // TestHost::start waited for app-server to say ready: the event is already committed.
    host.services.events().log().flush().await;
    let logged = host.services.store().events_after(0, 100).await.unwrap();
    let ready = logged.iter().find(|e| e.kind == "runtime.ready").expect("runtime.ready is in the log");
    assert!(ready.data.contains("in_memory_app_server/0.169.0"), "it names the user agent: {}", ready.data);
}

#[tokio::test]
async fn an_approval_request_waits_pending_and_the_decision_reaches_app_server_once() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "rm it").await.turn_id;
    host.peer.turn_started(&s.thread_id, &turn).await;
    host.peer.item_started(&s.thread_id, &turn, command("cmd-1", "rm x")).await;
    let answer = host
        .peer
        .request("item/commandExecution/requestApproval", json!({"threadId": s.thread_id, "turnId": turn, "itemId": "cmd-1", "command": "rm x"}))
        .await;

    let asked = host.event(|e| e.kind == "approval.requested").await;
    let id = asked.data()["id"].as_str().unwrap().to_string();
    assert_eq!(asked.data()["item"]["command"], "rm x", "the request carries the item it is about");
    let body = serde_json::from_value(json!({"decision": "accept"})).unwrap();
    host.services.requests().respond_to_request(&s.id, &id, body, "test").await.expect("the first decision wins");
    let line = tokio::time::timeout(crate::testing::WAIT, answer).await.unwrap().unwrap();
    assert_eq!(line["result"]["decision"], "accept");
    let again = serde_json::from_value(json!({"decision": "decline"})).unwrap();
    let late = host.services.requests().respond_to_request(&s.id, &id, again, "test").await.unwrap_err();
    assert_eq!(late.kind, crate::services::ErrorKind::Conflict, "a second decision is refused: {late:?}");
}

/// What a newer codex might add (an enum variant, a union member of another shape, fields) is read leniently: the
/// rest of each message still counts, so no turn is left running and no state is lost.
#[tokio::test]
async fn an_additive_release_s_new_variants_and_shapes_never_break_a_read() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    host.peer.turn_started(&s.thread_id, &turn).await;
    // A wait flag this host does not know beside one it does (an object, even).
    let status = json!({"type": "active", "activeFlags": ["waitingOnApproval", {"waitingOnBudget": {"limit": 3}}]});
    host.peer.notify("thread/status/changed", json!({"threadId": s.thread_id, "status": status})).await;
    host.event(|e| e.kind == "session.status_changed").await;
    assert_eq!(host.session_now(&s).await.status, crate::services::SessionStatus::WaitingOnApproval);
    // An item of a new type, and the answer with a new field.
    host.peer.item_completed(&s.thread_id, &turn, json!({"id": "x1", "type": "hologram", "frames": 3})).await;
    let mut answer = agent_message("m1", "the answer");
    answer["phase"] = json!({"final": true});
    host.peer.item_completed(&s.thread_id, &turn, answer).await;
    // A status this host does not know, and an error that is a string where it was an object.
    let ended = json!({"id": turn, "status": "stoppedByPolicy", "items": [], "error": "the policy said no"});
    host.peer.notify("turn/completed", json!({"threadId": s.thread_id, "turn": ended})).await;

    let end = host.turn_event("turn.completed", &turn).await;
    assert_eq!(end.data()["turn"]["status"], "stoppedByPolicy", "the event keeps what app-server said");
    host.processed().await;
    let record = host.services.turns().get_turn_record(&s.id, &turn, std::time::Duration::ZERO).await.unwrap();
    assert_eq!(record.status, crate::services::TurnStatus::Failed, "an unknown end with an error is a failure");
    assert_eq!(record.error.as_deref(), Some("the policy said no"));
    assert_eq!(record.final_text.as_deref(), Some("the answer"));
    assert_ne!(host.session_now(&s).await.status, crate::services::SessionStatus::Running);
}

// Composites decoded field by field: one field of another type or shape costs only that field.

#[tokio::test]
async fn a_turn_with_a_root_of_another_type_keeps_its_session_and_its_completion_ends_the_turn() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    let odd = |status: &str| json!({"id": turn, "rootTurnId": 42, "status": status, "items": [], "error": null});
    host.peer.notify("turn/started", json!({"threadId": s.thread_id, "turn": odd("inProgress")})).await;
    let started = host.event(|e| e.kind == "turn.started").await;
    assert_eq!((started.session_id.as_deref(), started.turn_id.as_deref()), (Some(s.id.as_str()), Some(turn.as_str())));
    host.peer.notify("turn/completed", json!({"threadId": s.thread_id, "turn": odd("completed")})).await;
    let end = host.turn_event("turn.completed", &turn).await;
    assert_eq!(end.session_id.as_deref(), Some(s.id.as_str()));
    let now = host.session_now(&s).await;
    assert_eq!((now.status, now.active_turn_id), (crate::services::SessionStatus::Idle, None), "the turn ended");
}

#[tokio::test]
async fn a_delta_of_another_shape_keeps_its_session_and_turn() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    let params = json!({"threadId": s.thread_id, "turnId": turn, "itemId": {"id": "m"}, "delta": {"text": "he", "kind": ["rich"]}});
    host.peer.notify("item/agentMessage/delta", params).await;
    let delta = host.event(|e| e.kind == "item.delta").await;
    assert_eq!((delta.session_id.as_deref(), delta.turn_id.as_deref()), (Some(s.id.as_str()), Some(turn.as_str())));
    assert_eq!(delta.data()["delta"]["text"], "he", "the event carries what app-server said");
}

#[tokio::test]
async fn a_thread_status_of_another_shape_clears_the_wait_flags() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    host.peer.turn_started(&s.thread_id, &turn).await;
    host.peer.thread_status(&s.thread_id, Some(&["waitingOnApproval"])).await;
    host.event(|e| e.kind == "session.status_changed").await;
    assert_eq!(host.session_now(&s).await.status, crate::services::SessionStatus::WaitingOnApproval);
    host.peer.notify("thread/status/changed", json!({"threadId": s.thread_id, "status": "active"})).await;
    host.processed().await;
    assert_eq!(host.session_now(&s).await.status, crate::services::SessionStatus::Running, "no stale wait");
}

#[tokio::test]
async fn an_error_of_another_shape_fails_the_call_it_answers_at_once() {
    let app = crate::testing::ScriptedAppServer::default();
    app.on("thread/name/set", |_| vec![crate::testing::Step::Error(json!("the thread is busy"))]);
    app.on("thread/delete", |_| vec![crate::testing::Step::Error(json!({"code": "E_BUSY", "detail": {"retry": true}}))]);
    let host = TestHost::start_with(app).await;
    let conn = host.services.app_server().connection().expect("app-server runs");
    // Within the peer's wait, far below any request timeout: before, the line was malformed and the call waited out
    // its timeout.
    let call = |method: &'static str| {
        let conn = conn.clone();
        async move { tokio::time::timeout(crate::testing::WAIT, conn.request(method, json!({"threadId": "t"}))).await.expect("answered, not timed out") }
    };
    match call("thread/name/set").await {
        Err(crate::appserver::RpcError::Server { code, message, data }) => {
            assert_eq!((code, message.as_str(), data), (-32603, "the thread is busy", Some(json!("the thread is busy"))));
        }
        other => panic!("{other:?}"),
    }
    match call("thread/delete").await {
        Err(crate::appserver::RpcError::Server { code, message, data }) => {
            assert_eq!(code, -32603);
            assert!(message.contains("E_BUSY") && message.contains("unknown shape"), "{message}");
            assert_eq!(data, Some(json!({"code": "E_BUSY", "detail": {"retry": true}})));
        }
        other => panic!("{other:?}"),
    }
    assert!(host.logged("runtime.protocol_error").await.is_empty(), "nothing malformed");
}

#[tokio::test]
async fn a_server_request_with_an_id_of_another_type_still_belongs_to_its_session() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    let params = json!({"threadId": s.thread_id, "turnId": turn, "itemId": 7, "callId": {"v": 1}});
    let _answer = host.peer.request("item/commandExecution/requestApproval", params).await;
    let asked = host.event(|e| e.kind == "approval.requested").await;
    assert_eq!((asked.session_id.as_deref(), asked.turn_id.as_deref()), (Some(s.id.as_str()), Some(turn.as_str())));
    let now = host.session_now(&s).await;
    assert_eq!((now.status, now.pending_requests), (crate::services::SessionStatus::WaitingOnApproval, 1));
}
