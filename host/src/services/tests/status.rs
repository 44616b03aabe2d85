//! Session status derivation: what a list row says a session is doing.

use serde_json::json;

use crate::services::SessionStatus;
use crate::testing::TestHost;

#[tokio::test]
async fn a_session_with_no_turn_is_idle() {
    let host = TestHost::start().await;
    let s = host.session().await;
    assert_eq!(host.session_now(&s).await.status, SessionStatus::Idle);
}

#[tokio::test]
async fn an_acknowledged_turn_makes_the_session_running_before_app_server_says_it_started() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    let now = host.session_now(&s).await;
    assert_eq!((now.status, now.active_turn_id.as_deref()), (SessionStatus::Running, Some(turn.as_str())));
}

#[tokio::test]
async fn a_thread_waiting_on_approval_shows_as_waiting_on_approval_and_running_again_after() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    host.peer.turn_started(&s.thread_id, &turn).await;
    host.peer.thread_status(&s.thread_id, Some(&["waitingOnApproval"])).await;
    host.event(|e| e.kind == "session.status_changed").await;
    assert_eq!(host.session_now(&s).await.status, SessionStatus::WaitingOnApproval);

    host.peer.thread_status(&s.thread_id, Some(&[])).await;
    host.event(|e| e.kind == "session.status_changed" && e.data()["status"]["activeFlags"] == json!([])).await;
    assert_eq!(host.session_now(&s).await.status, SessionStatus::Running);
}

#[tokio::test]
async fn a_thread_waiting_on_user_input_shows_as_waiting_on_input() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "plan it").await.turn_id;
    host.peer.turn_started(&s.thread_id, &turn).await;
    host.peer.thread_status(&s.thread_id, Some(&["waitingOnUserInput"])).await;
    host.event(|e| e.kind == "session.status_changed").await;
    assert_eq!(host.session_now(&s).await.status, SessionStatus::WaitingOnInput);
}

#[tokio::test]
async fn a_pending_approval_request_shows_as_waiting_on_approval_without_a_flag() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    let _answer = host
        .peer
        .request("item/commandExecution/requestApproval", json!({"threadId": s.thread_id, "turnId": turn, "itemId": "c"}))
        .await;
    host.event(|e| e.kind == "approval.requested").await;
    let now = host.session_now(&s).await;
    assert_eq!((now.status, now.pending_requests), (SessionStatus::WaitingOnApproval, 1));
}

#[tokio::test]
async fn a_failed_last_turn_shows_as_failed_until_the_next_turn_runs() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    host.peer.turn_completed(&s.thread_id, &turn, "failed", Some("model overloaded")).await;
    host.turn_event("turn.completed", &turn).await;
    let now = host.session_now(&s).await;
    assert_eq!((now.status, now.last_error.as_deref()), (SessionStatus::Failed, Some("model overloaded")));

    host.send(&s, "again").await;
    assert_eq!(host.session_now(&s).await.status, SessionStatus::Running);
}

#[tokio::test]
async fn a_completed_turn_leaves_the_session_idle_with_no_active_turn() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    host.peer.turn_started(&s.thread_id, &turn).await;
    host.peer.thread_status(&s.thread_id, Some(&["waitingOnApproval"])).await;
    host.peer.turn_completed(&s.thread_id, &turn, "completed", None).await;
    host.turn_event("turn.completed", &turn).await;
    let now = host.session_now(&s).await;
    assert_eq!((now.status, now.active_turn_id), (SessionStatus::Idle, None), "the turn's wait flags went with it");
}
