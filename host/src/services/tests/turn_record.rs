//! The turn record: the host's own account of every turn it acknowledged.

use crate::services::TurnStatus;
use crate::testing::{agent_message, ScriptedAppServer, Step, TestHost};

#[tokio::test]
async fn a_turn_is_recorded_in_progress_when_acknowledged_and_learns_its_start_seq() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    let record = host.services.turns().get_turn_record(&s.id, &turn, std::time::Duration::ZERO).await.unwrap();
    assert_eq!((record.status, record.start_seq, record.end_seq), (TurnStatus::InProgress, None, None));

    host.peer.turn_started(&s.thread_id, &turn).await;
    // The start seq is recorded once the event is committed.
    host.processed().await;
    let started = host.turn_event("turn.started", &turn).await;
    let record = host.services.turns().get_turn_record(&s.id, &turn, std::time::Duration::ZERO).await.unwrap();
    assert_eq!(record.start_seq, Some(started.seq));
}

#[tokio::test]
async fn a_completed_turn_records_its_final_text_and_the_seq_of_its_end() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    host.peer.turn_started(&s.thread_id, &turn).await;
    host.peer.item_completed(&s.thread_id, &turn, agent_message("m1", "thinking out loud")).await;
    host.peer.item_completed(&s.thread_id, &turn, agent_message("m2", "the answer")).await;
    host.peer.turn_completed(&s.thread_id, &turn, "completed", None).await;

    let end = host.turn_event("turn.completed", &turn).await;
    // The end seq is recorded once the event is committed.
    host.processed().await;
    let record = host.services.turns().get_turn_record(&s.id, &turn, std::time::Duration::ZERO).await.unwrap();
    assert_eq!(record.status, TurnStatus::Completed);
    assert_eq!(record.final_text.as_deref(), Some("the answer"), "the last assistant message, not the first");
    assert_eq!(record.end_seq, Some(end.seq));
    assert!(record.ended_at.is_some());
}

#[tokio::test]
async fn the_record_is_ended_before_its_end_event_is_seen() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    let mut live = host.services.events().log().subscribe_live();
    host.peer.turn_completed(&s.thread_id, &turn, "completed", None).await;
    loop {
        let e = tokio::time::timeout(crate::testing::WAIT, live.recv()).await.unwrap().unwrap();
        if e.kind == "turn.completed" {
            break;
        }
    }
    // A client reacting to the event finds the turn ended in the record and the session.
    let record = host.services.turns().get_turn_record(&s.id, &turn, std::time::Duration::ZERO).await.unwrap();
    assert_eq!(record.status, TurnStatus::Completed);
    assert_eq!(host.session_now(&s).await.last_turn_status, Some(crate::store::TurnStatus::Completed));
}

#[tokio::test]
async fn a_turn_that_completes_before_its_acknowledgement_is_processed_stays_completed() {
    let app = ScriptedAppServer::default();
    app.on("turn/start", |params| {
        let thread = params["threadId"].clone();
        let turn = serde_json::json!({"id": "turn-fast", "status": "completed", "items": [], "error": null});
        vec![
            Step::Notify("turn/started".into(), serde_json::json!({"threadId": thread, "turn": {"id": "turn-fast", "status": "inProgress"}})),
            Step::Notify("turn/completed".into(), serde_json::json!({"threadId": thread, "turn": turn})),
            Step::Answer(serde_json::json!({"turn": {"id": "turn-fast", "status": "inProgress", "items": []}})),
        ]
    });
    let host = TestHost::start_with(app).await;
    let s = host.session().await;
    let accepted = host.send(&s, "quick").await;
    host.turn_event("turn.completed", "turn-fast").await;

    let record = host.services.turns().get_turn_record(&s.id, &accepted.turn_id, std::time::Duration::ZERO).await.unwrap();
    assert_eq!(record.status, TurnStatus::Completed, "the 202 path never moves an ended turn back");
    let now = host.session_now(&s).await;
    assert_eq!(now.active_turn_id, None, "a finished turn is not running");
}

#[tokio::test]
async fn a_turn_of_another_session_is_not_found_through_this_one() {
    let host = TestHost::start().await;
    let (a, b) = (host.session().await, host.session().await);
    let turn = host.send(&a, "hi").await.turn_id;
    let err = host.services.turns().get_turn_record(&b.id, &turn, std::time::Duration::ZERO).await.unwrap_err();
    assert_eq!(err.kind, crate::services::ErrorKind::NotFound);
}

#[tokio::test]
async fn turn_records_list_newest_first() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let mut turns = Vec::new();
    for text in ["one", "two", "three"] {
        let turn = host.send(&s, text).await.turn_id;
        host.peer.turn_completed(&s.thread_id, &turn, "completed", None).await;
        host.turn_event("turn.completed", &turn).await;
        turns.push(turn);
    }
    let page = host.services.turns().list_turn_records(&s.id, Default::default()).await.unwrap();
    let listed: Vec<_> = page.turns.iter().map(|t| t.id.clone()).collect();
    turns.reverse();
    assert_eq!(listed, turns);
}

#[tokio::test]
async fn a_turn_run_inside_another_is_part_of_it_and_ends_with_it() {
    // An inline review: app-server starts the reviewer as a turn whose `rootTurnId` is the review's turn, and only
    // ever completes the review's turn.
    let host = TestHost::start().await;
    let s = host.session().await;
    let review = host.send(&s, "review").await.turn_id;
    host.peer.turn_started(&s.thread_id, &review).await;
    let inner = format!("{review}-inner");
    let started = serde_json::json!({"threadId": s.thread_id, "turn": {"id": inner, "rootTurnId": review, "items": [], "status": "inProgress"}});
    host.peer.notify("turn/started", started).await;
    host.peer.item_completed(&s.thread_id, &inner, agent_message("m1", "the findings")).await;
    host.processed().await;
    assert_eq!(host.session_now(&s).await.active_turn_id.as_deref(), Some(review.as_str()), "the review stays the running turn");
    let finding = host.event(|e| e.kind == "item.completed").await;
    assert_eq!(finding.turn_id.as_deref(), Some(review.as_str()), "what the inner turn says is the review's");

    host.peer.turn_completed(&s.thread_id, &review, "completed", None).await;
    host.turn_event("turn.completed", &review).await;
    host.processed().await;
    let now = host.session_now(&s).await;
    assert_eq!((now.active_turn_id, now.last_turn_status), (None, Some(TurnStatus::Completed)));
    let record = host.services.turns().get_turn_record(&s.id, &review, std::time::Duration::ZERO).await.unwrap();
    assert_eq!((record.status, record.final_text.as_deref()), (TurnStatus::Completed, Some("the findings")));
    assert!(host.services.turns().get_turn_record(&s.id, &inner, std::time::Duration::ZERO).await.is_err(), "the inner turn has no record of its own");
}

#[tokio::test]
async fn an_interrupted_reply_keeps_the_text_it_streamed() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    host.peer.turn_started(&s.thread_id, &turn).await;
    host.peer.item_started(&s.thread_id, &turn, agent_message("m1", "")).await;
    for delta in ["Half ", "a ", "reply"] {
        let params = serde_json::json!({"threadId": s.thread_id, "turnId": turn, "itemId": "m1", "delta": delta});
        host.peer.notify("item/agentMessage/delta", params).await;
    }
    host.peer.turn_completed(&s.thread_id, &turn, "interrupted", None).await;
    host.turn_event("turn.completed", &turn).await;
    host.processed().await;

    let record = host.services.turns().get_turn_record(&s.id, &turn, std::time::Duration::ZERO).await.unwrap();
    assert_eq!((record.status, record.final_text.as_deref()), (TurnStatus::Interrupted, Some("Half a reply")));
    let closed = host.event(|e| e.kind == "item.completed").await;
    let data = closed.data().clone();
    assert_eq!((data["closedByHost"].as_bool(), data["item"]["text"].as_str()), (Some(true), Some("Half a reply")), "{data}");
}

/// The relay does not wait for a turn change's commit; a view built meanwhile waits for it instead. Here the writer is
/// held up (another connection holds the write lock) while a turn ends: a view published in that window (an API
/// call's, say) is read only after the end is committed, so the last `session.updated` shows the session idle, not
/// the running turn the store still had.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_view_built_while_a_turn_s_end_is_queued_waits_for_it() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let turn = host.send(&s, "hi").await.turn_id;
    host.peer.turn_started(&s.thread_id, &turn).await;
    host.processed().await;
    let Some(path) = host.services.store().path() else { return }; // SQLite's write lock; PostgreSQL has none to hold
    let blocker = rusqlite::Connection::open(path).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();

    host.peer.turn_completed(&s.thread_id, &turn, "completed", None).await;
    // The relay queued the end (it reads the row it changes, which a reader may while the lock is held).
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let services = host.services.clone();
    let session_id = s.id.clone();
    let view = tokio::spawn(async move { services.sessions().publish_session_updated(&session_id).await });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!view.is_finished(), "the view waits for the queued end");
    blocker.execute_batch("COMMIT").unwrap();
    view.await.unwrap();

    host.turn_event("turn.completed", &turn).await;
    let views = host.logged("session.updated").await;
    let last = views.iter().rfind(|e| e.session_id.as_deref() == Some(s.id.as_str())).expect("a view");
    assert_eq!(last.data()["activeTurnId"], serde_json::Value::Null, "{}", last.data());
    assert_eq!(last.data()["lastTurnStatus"], "completed");
    assert_eq!(host.session_now(&s).await.last_turn_status, Some(crate::store::TurnStatus::Completed));
}
