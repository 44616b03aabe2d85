//! The follow-up queue: messages queued while a turn runs start once each, in order, when the session goes idle; an
//! approval or a failed turn pauses the queue until a resume; a claim survives a restart without a second send.

use serde_json::json;

use crate::services::{
    EditFollowup, ErrorCode, FollowupStatus, IfBusy, PauseReason, ReorderFollowups, SendMessage, SendOutcome, Session,
};
use crate::testing::TestHost;

fn queued(text: &str) -> SendMessage {
    SendMessage { text: text.into(), mode: None, if_busy: Some(IfBusy::Queue) }
}

/// Queue `text` in the session (a turn runs): the follow-up's id.
async fn queue(host: &TestHost, s: &Session, text: &str) -> String {
    match host.services.turns().send(&s.id, queued(text), None).await.expect("queued") {
        SendOutcome::Queued(q) => q.followup.id,
        SendOutcome::Started(t) => panic!("started turn {} instead of queueing", t.turn_id),
    }
}

/// The texts of the turns the host asked app-server to start, in order.
async fn started_texts(host: &TestHost, n: usize) -> Vec<String> {
    let mut texts = Vec::new();
    for i in 0..n {
        let params = host.peer.received_nth("turn/start", i).await;
        texts.push(params["input"][0]["text"].as_str().unwrap_or_default().to_owned());
    }
    texts
}

fn turn_starts(host: &TestHost) -> usize {
    host.peer.methods().iter().filter(|m| *m == "turn/start").count()
}

/// The turn the follow-up started, once it did.
async fn started_turn(host: &TestHost, followup_id: &str) -> String {
    let event = host.event(|e| e.kind == "followup.started" && e.data()["id"] == followup_id).await;
    event.data()["turnId"].as_str().expect("a started follow-up names its turn").to_owned()
}

#[tokio::test]
async fn queued_follow_ups_start_once_each_in_order_when_the_session_goes_idle() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let first = host.send(&s, "first").await.turn_id;
    let a = queue(&host, &s, "a").await;
    let b = queue(&host, &s, "b").await;
    let view = host.session_now(&s).await;
    assert_eq!((view.followups.count, view.followups.paused), (2, false), "the session's view carries the queue");
    assert_eq!(turn_starts(&host), 1, "nothing starts while the turn runs");

    host.peer.turn_completed(&s.thread_id, &first, "completed", None).await;
    let turn_a = started_turn(&host, &a).await;
    host.processed().await;
    assert_eq!(turn_starts(&host), 1 + 1, "one follow-up at a time");
    host.peer.turn_completed(&s.thread_id, &turn_a, "completed", None).await;
    let turn_b = started_turn(&host, &b).await;
    host.peer.turn_completed(&s.thread_id, &turn_b, "completed", None).await;
    host.turn_event("turn.completed", &turn_b).await;

    assert_eq!(started_texts(&host, 3).await, ["first", "a", "b"]);
    let list = host.services.followups().list(&s.id, Default::default()).await.unwrap();
    assert!(list.followups.is_empty(), "nothing waits: {list:?}");
    assert_eq!(host.session_now(&s).await.followups.count, 0);
    assert_eq!(turn_starts(&host), 3);
}

#[tokio::test]
async fn edits_and_a_reorder_change_what_starts_and_a_started_one_can_no_longer_change() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let first = host.send(&s, "first").await.turn_id;
    let a = queue(&host, &s, "a").await;
    let b = queue(&host, &s, "b").await;
    let c = queue(&host, &s, "c").await;
    let f = host.services.followups();
    f.edit(&s.id, &b, EditFollowup { text: Some("b, edited".into()), mode: None }).await.unwrap();
    let wrong = f.reorder(&s.id, ReorderFollowups { ids: vec![c.clone(), a.clone()] }).await.unwrap_err();
    assert_eq!(wrong.code, ErrorCode::FollowupOrderMismatch, "{wrong:?}");
    assert_eq!(wrong.details.unwrap()["queued"], json!([a, b, c]), "the answer names the queued ones");
    let twice = f.reorder(&s.id, ReorderFollowups { ids: vec![c.clone(), c.clone(), a.clone()] }).await.unwrap_err();
    assert_eq!(twice.code, ErrorCode::FollowupOrderMismatch);
    f.reorder(&s.id, ReorderFollowups { ids: vec![c.clone(), b.clone(), a.clone()] }).await.unwrap();
    let removed = f.remove(&s.id, &a).await.unwrap();
    assert_eq!(removed.status, FollowupStatus::Removed);
    assert_eq!(f.remove(&s.id, &a).await.unwrap_err().code, ErrorCode::FollowupNotQueued, "removed once");
    assert_eq!(f.remove(&s.id, "nope").await.unwrap_err().code, ErrorCode::FollowupNotFound);

    host.peer.turn_completed(&s.thread_id, &first, "completed", None).await;
    let turn_c = started_turn(&host, &c).await;
    let late = f.edit(&s.id, &c, EditFollowup { text: Some("too late".into()), mode: None }).await.unwrap_err();
    assert_eq!(late.code, ErrorCode::FollowupNotQueued, "{late:?}");
    host.peer.turn_completed(&s.thread_id, &turn_c, "completed", None).await;
    let turn_b = started_turn(&host, &b).await;
    host.peer.turn_completed(&s.thread_id, &turn_b, "completed", None).await;
    host.turn_event("turn.completed", &turn_b).await;
    assert_eq!(started_texts(&host, 3).await, ["first", "c", "b, edited"]);
    assert_eq!(turn_starts(&host), 3, "the removed one never started");
}

#[tokio::test]
async fn an_approval_pauses_the_queue_until_the_user_resumes_it() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let first = host.send(&s, "first").await.turn_id;
    host.peer.turn_started(&s.thread_id, &first).await;
    let a = queue(&host, &s, "a").await;
    let _answer = host
        .peer
        .request("item/commandExecution/requestApproval", json!({"threadId": s.thread_id, "turnId": first, "itemId": "c"}))
        .await;
    let paused = host.event(|e| e.kind == "followup.paused").await;
    assert_eq!((paused.data()["reason"].as_str(), paused.data()["turnId"].as_str()), (Some("approval"), Some(first.as_str())));
    host.peer.turn_completed(&s.thread_id, &first, "completed", None).await;
    host.turn_event("turn.completed", &first).await;
    host.processed().await;
    let view = host.session_now(&s).await;
    assert_eq!((view.followups.paused, view.followups.reason, view.followups.count), (true, Some(PauseReason::Approval), 1));
    assert_eq!(turn_starts(&host), 1, "a paused queue starts nothing");
    let again = host.services.followups().pause(&s.id).await.unwrap_err();
    assert_eq!(again.code, ErrorCode::FollowupsPaused);

    let resumed = host.services.followups().resume(&s.id).await.unwrap();
    assert!(!resumed.paused);
    started_turn(&host, &a).await;
    assert_eq!(started_texts(&host, 2).await, ["first", "a"]);
    let twice = host.services.followups().resume(&s.id).await.unwrap_err();
    assert_eq!(twice.code, ErrorCode::FollowupsNotPaused, "a second resume is refused, and changes nothing");
}

#[tokio::test]
async fn a_failed_turn_pauses_the_queue_with_its_error() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let first = host.send(&s, "first").await.turn_id;
    queue(&host, &s, "a").await;
    host.peer.turn_completed(&s.thread_id, &first, "failed", Some("the model broke")).await;
    let paused = host.event(|e| e.kind == "followup.paused").await;
    assert_eq!(paused.data()["reason"], "turn_failed");
    assert_eq!(paused.data()["message"], "the model broke");
    host.processed().await;
    assert_eq!(turn_starts(&host), 1);
}

#[tokio::test]
async fn a_message_queued_while_idle_behind_a_paused_queue_waits_and_without_a_queue_starts_at_once() {
    let host = TestHost::start().await;
    let s = host.session().await;
    match host.services.turns().send(&s.id, queued("straight away"), None).await.unwrap() {
        SendOutcome::Started(t) => host.peer.turn_completed(&s.thread_id, &t.turn_id, "completed", None).await,
        SendOutcome::Queued(_) => panic!("an idle session with no queue starts the turn"),
    }
    host.processed().await;
    host.services.followups().pause(&s.id).await.unwrap();
    // The session is idle but the queue is paused and empty: ifBusy only queues behind waiting follow-ups.
    let t = match host.services.turns().send(&s.id, queued("still at once"), None).await.unwrap() {
        SendOutcome::Started(t) => t.turn_id,
        SendOutcome::Queued(_) => panic!("nothing waits, so nothing to queue behind"),
    };
    let a = queue(&host, &s, "behind the turn").await;
    host.peer.turn_completed(&s.thread_id, &t, "completed", None).await;
    host.turn_event("turn.completed", &t).await;
    // Idle, with one waiting in a paused queue: a new one goes behind it, never ahead.
    let b = queue(&host, &s, "behind the queue").await;
    host.processed().await;
    assert_eq!(turn_starts(&host), 2);
    host.services.followups().resume(&s.id).await.unwrap();
    let turn_a = started_turn(&host, &a).await;
    host.peer.turn_completed(&s.thread_id, &turn_a, "completed", None).await;
    started_turn(&host, &b).await;
    assert_eq!(started_texts(&host, 4).await, ["straight away", "still at once", "behind the turn", "behind the queue"]);
}

#[tokio::test]
async fn racing_starts_claim_a_follow_up_once() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let first = host.send(&s, "first").await.turn_id;
    let a = queue(&host, &s, "a").await;
    host.services.followups().pause(&s.id).await.unwrap();
    host.peer.turn_completed(&s.thread_id, &first, "completed", None).await;
    host.turn_event("turn.completed", &first).await;
    host.services.followups().resume(&s.id).await.unwrap();
    // The resume's own start and two more, at once: one claim wins.
    let d = host.services.dispatcher();
    tokio::join!(d.start_next(&s.id), d.start_next(&s.id));
    started_turn(&host, &a).await;
    host.processed().await;
    assert_eq!(turn_starts(&host), 2, "one turn for the follow-up");
}

#[tokio::test]
async fn a_follow_up_left_starting_by_a_stopped_host_is_never_sent_again() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let first = host.send(&s, "first").await.turn_id;
    let lost = queue(&host, &s, "claimed, then the host died").await;
    let kept = queue(&host, &s, "still queued").await;
    // The claim of a host that then died before `turn/start` (so no turn of the session was recorded after it).
    sqlx::query("UPDATE followups SET status = 'starting', claimed_at = $2 WHERE id = $1")
        .bind(&lost)
        .bind(crate::store::now_ms() + 1)
        .execute(host.services.store().pool())
        .await
        .unwrap();
    host.peer.turn_completed(&s.thread_id, &first, "completed", None).await;
    host.turn_event("turn.completed", &first).await;

    let host = host.restart().await;
    let settled = host.services.store().get_followup(&lost).await.unwrap();
    assert_eq!(settled.status, FollowupStatus::Failed, "unknown whether it reached Codex: not sent twice");
    let view = host.services.sessions().get_session(&s.id).await.unwrap();
    assert_eq!((view.followups.count, view.followups.reason), (1, Some(PauseReason::StartFailed)), "{view:?}");
    host.processed().await;
    assert_eq!(turn_starts(&host), 0, "nothing starts until the user resumes");
    host.services.followups().resume(&s.id).await.unwrap();
    started_turn(&host, &kept).await;
    assert_eq!(started_texts(&host, 1).await, ["still queued"]);
}

#[tokio::test]
async fn a_follow_up_whose_turn_was_recorded_before_the_host_stopped_counts_as_started() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let first = host.send(&s, "first").await.turn_id;
    let a = queue(&host, &s, "a").await;
    host.peer.turn_completed(&s.thread_id, &first, "completed", None).await;
    host.turn_event("turn.completed", &first).await;
    let turn_a = started_turn(&host, &a).await;
    // The host died after the turn record, before the follow-up was settled: put it back the way it was.
    sqlx::query("UPDATE followups SET status = 'starting', turn_id = NULL WHERE id = $1")
        .bind(&a)
        .execute(host.services.store().pool())
        .await
        .unwrap();

    let host = host.restart().await;
    let settled = host.services.store().get_followup(&a).await.unwrap();
    assert_eq!((settled.status, settled.turn_id.as_deref()), (FollowupStatus::Started, Some(turn_a.as_str())));
    host.processed().await;
    assert_eq!(turn_starts(&host), 0, "not sent again");
}

#[tokio::test]
async fn hostile_edits_are_refused_plainly() {
    let host = TestHost::start().await;
    let s = host.session().await;
    host.send(&s, "first").await;
    let a = queue(&host, &s, "a").await;
    let f = host.services.followups();
    let huge = "x".repeat(crate::services::turns::MAX_MESSAGE_BYTES + 1);
    assert_eq!(f.edit(&s.id, &a, EditFollowup { text: Some(huge.clone()), mode: None }).await.unwrap_err().code, ErrorCode::MessageTooLarge);
    let too_big = host.services.turns().send(&s.id, queued(&huge), None).await.unwrap_err();
    assert_eq!(too_big.code, ErrorCode::MessageTooLarge);
    assert_eq!(f.edit(&s.id, &a, EditFollowup::default()).await.unwrap_err().code, ErrorCode::InvalidRequest);
    assert_eq!(f.edit(&s.id, &a, EditFollowup { text: Some("  ".into()), mode: None }).await.unwrap_err().code, ErrorCode::InvalidRequest);
    let other = host.session().await;
    assert_eq!(f.remove(&other.id, &a).await.unwrap_err().code, ErrorCode::FollowupNotFound, "another session's id is unknown here");
    assert_eq!(f.list("no-such-session", Default::default()).await.unwrap_err().code, ErrorCode::SessionNotFound);
    assert_eq!(f.resume(&s.id).await.unwrap_err().code, ErrorCode::FollowupsNotPaused);
    let list = f.list(&s.id, Default::default()).await.unwrap();
    assert_eq!(list.followups.len(), 1, "nothing half-done");
    assert_eq!(list.followups[0].text, "a");
}

#[tokio::test]
async fn a_retried_queueing_send_answers_the_same_follow_up_as_it_is_now() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let first = host.send(&s, "first").await.turn_id;
    let send = || host.services.turns().send(&s.id, queued("once"), Some("key-q"));
    let SendOutcome::Queued(q) = send().await.unwrap() else { panic!("queued") };
    assert!(!q.replayed);
    host.peer.turn_completed(&s.thread_id, &first, "completed", None).await;
    let turn = started_turn(&host, &q.followup.id).await;
    let SendOutcome::Queued(again) = send().await.unwrap() else { panic!("the replay answers the follow-up") };
    assert_eq!((again.replayed, again.followup.id.as_str()), (true, q.followup.id.as_str()));
    assert_eq!((again.followup.status, again.followup.turn_id.as_deref()), (FollowupStatus::Started, Some(turn.as_str())), "as it is now");
    let list = host.services.followups().list(&s.id, crate::services::FollowupQuery { history: Some(10) }).await.unwrap();
    assert_eq!(list.followups.len(), 1, "nothing queued twice");
}

#[tokio::test]
async fn an_archived_session_starts_no_follow_up_until_unarchived() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let first = host.send(&s, "first").await.turn_id;
    let a = queue(&host, &s, "a").await;
    host.services.followups().pause(&s.id).await.unwrap();
    host.peer.turn_completed(&s.thread_id, &first, "completed", None).await;
    host.turn_event("turn.completed", &first).await;
    let archive = crate::services::UpdateSession { archived: Some(true), ..Default::default() };
    host.services.sessions().update_session(&s.id, archive).await.unwrap();
    host.services.followups().resume(&s.id).await.unwrap();
    host.processed().await;
    host.services.dispatcher().start_next(&s.id).await;
    assert_eq!(turn_starts(&host), 1, "archived: nothing starts");
    assert!(matches!(host.services.store().claim_next_followup(&s.id).await.unwrap(), crate::store::Claim::Nothing));
    let unarchive = crate::services::UpdateSession { archived: Some(false), ..Default::default() };
    host.services.sessions().update_session(&s.id, unarchive).await.unwrap();
    started_turn(&host, &a).await;
    assert_eq!(started_texts(&host, 2).await, ["first", "a"]);
}

#[tokio::test]
async fn a_turn_that_failed_since_the_last_resume_holds_the_claim_even_before_its_pause_is_recorded() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let first = host.send(&s, "first").await.turn_id;
    let a = queue(&host, &s, "a").await;
    host.peer.turn_completed(&s.thread_id, &first, "failed", Some("broke")).await;
    host.event(|e| e.kind == "followup.paused").await;
    // The moment between the turn's end and its pause, made to last: the pause taken away behind the host's back.
    // Two paths record that pause (the turn's end signal, and a claim that meets the failed turn), and the one that
    // comes second may land after the pause was taken away: then the claim finds the queue paused again (Nothing),
    // and the pause is taken away once more. Only `Nothing` is retried: a claim that went through is the bug.
    let mut held = crate::store::Claim::Nothing;
    for _ in 0..50 {
        sqlx::query("UPDATE followup_queues SET paused = NULL WHERE session_id = $1")
            .bind(&s.id)
            .execute(host.services.store().pool())
            .await
            .unwrap();
        held = host.services.store().claim_next_followup(&s.id).await.unwrap();
        if !matches!(held, crate::store::Claim::Nothing) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    match &held {
        crate::store::Claim::HeldByTurnEnd(PauseReason::TurnFailed, error) => {
            assert_eq!(error.as_deref(), Some("broke"), "the error comes with the status it belongs to")
        }
        other => panic!("the failed turn holds the queue: {other:?}"),
    }
    // The dispatcher records the pause the turn's end calls for.
    host.services.dispatcher().start_next(&s.id).await;
    assert_eq!(turn_starts(&host), 1);
    assert_eq!(host.session_now(&s).await.followups.reason, Some(PauseReason::TurnFailed));
    assert_eq!(host.session_now(&s).await.followups.message.as_deref(), Some("broke"), "the pause says why, whichever path recorded it");
    sqlx::query("UPDATE followup_queues SET paused = NULL WHERE session_id = $1")
        .bind(&s.id)
        .execute(host.services.store().pool())
        .await
        .unwrap();
    // A resume (after a pause) is what lets it go on.
    host.services.store().pause_followups(&s.id, PauseReason::User, &Default::default()).await.unwrap();
    host.services.followups().resume(&s.id).await.unwrap();
    started_turn(&host, &a).await;
}

#[tokio::test]
async fn a_failed_turn_s_late_signal_does_not_pause_a_queue_resumed_since() {
    let host = TestHost::start().await;
    let s = host.session().await;
    let first = host.send(&s, "first").await.turn_id;
    let a = queue(&host, &s, "a").await;
    let b = queue(&host, &s, "b").await;
    host.peer.turn_completed(&s.thread_id, &first, "failed", Some("broke")).await;
    host.event(|e| e.kind == "followup.paused").await;
    host.services.followups().resume(&s.id).await.unwrap();
    let turn_a = started_turn(&host, &a).await;
    // The first turn's end, signalled again (a signal that lagged behind the claim's pause and the user's resume).
    host.services.sessions().followup_board().turn_ended(&s.id, Some(&first), crate::store::TurnStatus::Failed, Some("broke"));
    host.processed().await;
    host.peer.turn_completed(&s.thread_id, &turn_a, "completed", None).await;
    started_turn(&host, &b).await;
    assert!(!host.session_now(&s).await.followups.paused, "the queue resumed since that turn ended runs on");
}
