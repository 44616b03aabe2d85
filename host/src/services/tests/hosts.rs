//! A session owned by another host: every action that would reach app-server is refused here, typed, before
//! anything is written (the API forwards those actions to the owner before they get this far).

use serde_json::json;

use crate::services::{ErrorCode, SendMessage};
use crate::store::now_ms;
use crate::testing::TestHost;

/// Hand the session to a host `other` (online while `beating`) behind the services' back, as a second host on the
/// same store would own it.
async fn give_to_other_host(host: &TestHost, session_id: &str, beating: bool) {
    let pool = host.services.store().pool();
    let seen = if beating { now_ms() } else { now_ms() - 3_600_000 };
    sqlx::query("INSERT INTO hosts (id, name, url, version, started_at, heartbeat_at, stopped_at) VALUES ('other', 'other-box', 'http://127.0.0.1:9', '0', $1, $1, NULL)")
        .bind(seen)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("UPDATE sessions SET owner_host = 'other' WHERE id = $1").bind(session_id).execute(pool).await.unwrap();
}

#[tokio::test]
async fn actions_on_another_hosts_session_are_refused_and_leave_nothing_behind() {
    let host = TestHost::start().await;
    let s = host.session().await;
    assert_eq!(s.owner.id, host.services.host().id, "a session is owned by the host that created it");
    assert!(s.owner.online);
    let turn = host.send(&s, "rm it").await.turn_id;
    host.peer.turn_started(&s.thread_id, &turn).await;
    let _answer = host
        .peer
        .request("item/commandExecution/requestApproval", json!({"threadId": s.thread_id, "turnId": turn, "itemId": "cmd-1", "command": "rm x"}))
        .await;
    let asked = host.event(|e| e.kind == "approval.requested").await;
    let request_id = asked.data()["id"].as_str().unwrap().to_string();
    let queued = SendMessage { text: "later".into(), mode: None, if_busy: Some(crate::services::IfBusy::Queue) };
    host.services.turns().send(&s.id, queued, None).await.expect("queued behind the running turn");
    assert_eq!(host.session_now(&s).await.followups.count, 1);
    give_to_other_host(&host, &s.id, true).await;

    let req = SendMessage { text: "again".into(), mode: None, if_busy: None };
    let err = host.services.turns().send(&s.id, req, Some("key-1")).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::OwnedElsewhere, "{err:?}");
    assert_eq!(err.details.as_ref().unwrap()["url"], "http://127.0.0.1:9");
    let body = serde_json::from_value(json!({"decision": "accept"})).unwrap();
    let err = host.services.requests().respond_to_request(&s.id, &request_id, body, "test").await.unwrap_err();
    assert_eq!(err.code, ErrorCode::OwnedElsewhere, "{err:?}");
    for err in [
        host.services.turns().interrupt(&s.id).await.unwrap_err(),
        host.services.sessions().fork_session(&s.id).await.unwrap_err(),
        host.services.sessions().delete_session(&s.id).await.unwrap_err(),
    ] {
        assert_eq!(err.code, ErrorCode::OwnedElsewhere, "{err:?}");
    }
    // Nothing written: the request still waits for its owner, the key was never claimed, the session is there.
    assert_eq!(host.services.store().get_request(&request_id).await.unwrap().status, crate::store::RequestStatus::Pending);
    let claim = host.services.store().claim_idempotency_key(&s.id, "key-1", "x").await.unwrap();
    assert!(matches!(claim, crate::store::IdempotencyClaim::Claimed), "{claim:?}");
    let now = host.session_now(&s).await;
    assert_eq!((now.owner.id.as_str(), now.owner.name.as_str(), now.owner.online), ("other", "other-box", true));
    // Another host's session is shown from the store (its live state is in the owner's memory), in lists too.
    let shown = (now.status, now.active_turn_id.clone(), now.pending_requests, now.loaded);
    assert_eq!(shown, (crate::services::SessionStatus::WaitingOnApproval, Some(turn.clone()), 1, false));
    // The follow-up queue too: the owner took the follow-up (this host's board, which only knows its own
    // sessions' changes, still counts it).
    sqlx::query("DELETE FROM followups WHERE session_id = $1").bind(&s.id).execute(host.services.store().pool()).await.unwrap();
    assert_eq!(host.session_now(&s).await.followups.count, 0);
    let page = host.services.sessions().list_sessions(Default::default()).await.unwrap();
    let listed = page.sessions.iter().find(|l| l.id == s.id).unwrap();
    assert_eq!((listed.status, listed.pending_requests, listed.owner.id.as_str()), (crate::services::SessionStatus::WaitingOnApproval, 1, "other"));
    assert!(host.services.sessions().session_detail(&s.id, Default::default()).await.unwrap().transcript.is_none());

    // The owner silent past its heartbeats: offline, named, with when it was last seen.
    sqlx::query("UPDATE hosts SET heartbeat_at = 0 WHERE id = 'other'").execute(host.services.store().pool()).await.unwrap();
    let req = SendMessage { text: "again".into(), mode: None, if_busy: None };
    let err = host.services.turns().send(&s.id, req, None).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::OwnerOffline, "{err:?}");
    assert!(err.message.contains("other-box") && err.message.contains("last seen at 1970-01-01"), "{}", err.message);
    // Views read the host list of the last heartbeat (or of the last read of the list, as here).
    host.services.hosts().list().await.unwrap();
    assert!(!host.session_now(&s).await.owner.online);
}

/// Plugins react to the events of this host's sessions only (every host sees every host's events on a shared
/// store): the dispatcher asks `owned_here`. SQLite has one host, which owns them all.
#[tokio::test]
async fn only_this_hosts_sessions_set_off_its_plugins() {
    let host = TestHost::start().await;
    let mine = host.session().await;
    let theirs = host.session().await;
    give_to_other_host(&host, &theirs.id, true).await;
    let sessions = host.services.sessions();
    let postgres = host.services.store().engine() == crate::store::Engine::Postgres;
    assert!(sessions.owned_here(&mine.id).await);
    assert_eq!(sessions.owned_here(&theirs.id).await, !postgres);
    assert!(sessions.owned_here("gone").await, "a session no longer in the store: its events came from its owner");
}

/// Deleting a project's sessions is all or nothing: one of them on another host refuses the call before any goes.
#[tokio::test]
async fn a_projects_sessions_are_not_half_deleted_when_one_is_another_hosts() {
    let host = TestHost::start().await;
    let cwd = host.dir.0.display().to_string();
    let project = host
        .services
        .projects()
        .create_project(crate::services::CreateProject { name: "p".into(), cwd: cwd.clone() })
        .await
        .unwrap();
    let in_project = || crate::services::CreateSession { project_id: Some(project.id.clone()), ..Default::default() };
    let mine = host.services.sessions().create_session(in_project()).await.unwrap();
    let theirs = host.services.sessions().create_session(in_project()).await.unwrap();
    give_to_other_host(&host, &theirs.id, true).await;
    let err = host.services.sessions().delete_project_sessions(&project.id).await.unwrap_err();
    assert_eq!(err.code, ErrorCode::OwnedElsewhere, "{err:?}");
    for s in [&mine, &theirs] {
        host.services.sessions().get_session(&s.id).await.expect("nothing was deleted");
    }
}
