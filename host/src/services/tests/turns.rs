//! Sending, retrying and interrupting turns, as app-server sees them.

use serde_json::json;

use crate::services::{SendMessage, TurnStatus};
use crate::testing::{ScriptedAppServer, Step, TestHost};

fn message(text: &str) -> SendMessage {
    SendMessage { text: text.into(), mode: None, if_busy: None }
}

#[tokio::test]
async fn a_retried_send_with_the_same_key_starts_no_second_turn_and_reports_where_the_turn_is_now() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let first = host.services.turns().send_message(&s.id, message("hi"), Some("key-1")).await.unwrap();
    host.peer.turn_completed(&s.thread_id, &first.turn_id, "completed", None).await;
    host.turn_event("turn.completed", &first.turn_id).await;

    let retry = host.services.turns().send_message(&s.id, message("hi"), Some("key-1")).await.unwrap();
    assert_eq!((retry.turn_id.as_str(), retry.replayed, retry.status), (first.turn_id.as_str(), true, TurnStatus::Completed));
    let starts = host.peer.methods().iter().filter(|m| *m == "turn/start").count();
    assert_eq!(starts, 1, "app-server was asked once");
}

#[tokio::test]
async fn a_turn_app_server_refuses_is_neither_promised_nor_recorded() {
    let app = ScriptedAppServer::default();
    app.on("turn/start", |_| vec![Step::Refuse(-32600, "thread busy".into())]);
    let host = TestHost::start_with(app).await;
    let s = host.session().await;
    let refused = host.services.turns().send_message(&s.id, message("hi"), Some("key-1")).await;
    assert!(refused.is_err(), "{refused:?}");
    let page = host.services.turns().list_turn_records(&s.id, Default::default()).await.unwrap();
    assert!(page.turns.is_empty(), "no record of a turn that never started");
    assert_eq!(host.session_now(&s).await.active_turn_id, None);
}

#[tokio::test]
async fn an_interrupt_answers_with_the_turns_final_status() {
    let app = ScriptedAppServer::default();
    app.on("turn/interrupt", |params| {
        let turn = json!({"id": params["turnId"], "status": "interrupted", "items": [], "error": null});
        vec![Step::Answer(json!({})), Step::Notify("turn/completed".into(), json!({"threadId": params["threadId"], "turn": turn}))]
    });
    let host = TestHost::start_with(app).await;
    let s = host.session().await;
    let turn = host.send(&s, "long job").await.turn_id;
    host.peer.turn_started(&s.thread_id, &turn).await;

    let result = host.services.turns().interrupt(&s.id).await.unwrap();
    assert_eq!((result.turn_id.as_str(), result.status.as_str()), (turn.as_str(), "interrupted"));
    let asked = host.peer.received_nth("turn/interrupt", 0).await;
    assert_eq!(asked["turnId"], turn.as_str());
}

#[tokio::test]
async fn a_second_message_while_a_turn_runs_is_refused_without_asking_app_server() {
    let host = TestHost::start().await;
    let s = host.session().await;
    host.send(&s, "first").await;
    let second = host.services.turns().send_message(&s.id, message("second"), None).await.unwrap_err();
    assert_eq!(second.kind, crate::services::ErrorKind::Conflict);
    assert_eq!(host.peer.methods().iter().filter(|m| *m == "turn/start").count(), 1);
}

/// app-server refuses a steer with prose; whether the turn had already ended decides the answer.
async fn steer_refused_while_the_thread_is(status: &'static str) -> crate::services::ServiceError {
    let app = ScriptedAppServer::default();
    app.on("turn/steer", |_| vec![Step::Refuse(-32600, "no active turn to steer".into())]);
    app.on("thread/read", move |p| vec![Step::Answer(json!({"thread": {"id": p["threadId"], "status": {"type": status}}}))]);
    let host = TestHost::start_with(app).await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    host.peer.turn_started(&s.thread_id, &turn).await;
    host.processed().await;
    host.services.turns().steer(&s.id, crate::services::SteerMessage { text: "also this".into() }).await.unwrap_err()
}

#[tokio::test]
async fn a_steer_that_reaches_app_server_after_the_turn_ended_is_a_conflict() {
    let e = steer_refused_while_the_thread_is("idle").await;
    assert_eq!(e.code, crate::services::ErrorCode::NoActiveTurn, "{e:?}");
}

#[tokio::test]
async fn a_steer_refused_while_the_turn_runs_stays_app_server_s_failure() {
    let e = steer_refused_while_the_thread_is("active").await;
    assert_eq!(e.code, crate::services::ErrorCode::AppServerError, "{e:?}");
}
