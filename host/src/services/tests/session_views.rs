//! A session's views: `session.created` first, then a `session.updated` only for a change a list row shows.

use serde_json::json;

use crate::services::{CreateSession, UpdateSession};
use crate::testing::{ScriptedAppServer, Step, TestHost};

/// Once a new session is indexed, a notification about its thread is tagged with it and can reach the relay before
/// the create call recorded `session.created` (here `thread/started` comes while the host names the thread, which
/// real codex may do as late as it likes). It must not publish a view of its own: unguarded, one such
/// `session.updated` came before `session.created` or right after it with the same view.
#[tokio::test]
async fn a_thread_reporting_in_during_the_create_call_adds_no_view_before_or_after_session_created() {
    let app = ScriptedAppServer::default();
    app.on("thread/name/set", |params| {
        let thread = json!({"id": params["threadId"], "preview": "", "cwd": null, "status": {"type": "idle"}, "turns": []});
        vec![Step::Notify("thread/started".into(), json!({"thread": thread})), Step::Answer(json!({}))]
    });
    let host = TestHost::start_with(app).await;
    let req = CreateSession { cwd: Some(host.dir.0.display().to_string()), title: Some("named".into()), ..Default::default() };
    let session = host.services.sessions().create_session(req).await.expect("session created");
    host.processed().await;

    let started = logged(&host, "session.thread_started", &session.id).await;
    assert_eq!(started.len(), 1, "the notification came while the session was being created, and was tagged with it");
    let created = logged(&host, "session.created", &session.id).await;
    assert_eq!(created.len(), 1);
    assert_eq!((created[0].data()["title"].as_str(), created[0].data()["loaded"].as_bool()), (Some("named"), Some(true)));
    assert_eq!(logged(&host, "session.updated", &session.id).await.len(), 0, "session.created carries the view");

    // A change after it is published as before.
    host.services.sessions().publish_session_updated(&session.id).await;
    assert_eq!(logged(&host, "session.updated", &session.id).await.len(), 0, "the same view is not published twice");
    let rename = UpdateSession { title: Some("renamed".into()), ..Default::default() };
    host.services.sessions().update_session(&session.id, rename).await.expect("renamed");
    let updated = logged(&host, "session.updated", &session.id).await;
    assert_eq!(updated.len(), 1, "a change the row shows is published");
    assert!(updated[0].seq > created[0].seq);
    assert_eq!(updated[0].data()["title"], "renamed");
}

/// The committed events of `kind` about `session`, oldest first.
async fn logged(host: &TestHost, kind: &str, session: &str) -> Vec<std::sync::Arc<crate::events::Event>> {
    host.logged(kind).await.into_iter().filter(|e| e.session_id.as_deref() == Some(session)).collect()
}

/// A create call given up half-way (here: app-server never answers `thread/name/set`, and the caller stops waiting)
/// leaves its session with no `session.created`; the session's later changes are still published.
#[tokio::test]
async fn a_create_call_dropped_half_way_does_not_silence_the_session() {
    let app = ScriptedAppServer::default();
    app.on("thread/name/set", |_| Vec::new());
    let host = TestHost::start_with(app).await;
    let req = CreateSession { cwd: Some(host.dir.0.display().to_string()), title: Some("named".into()), ..Default::default() };
    let create = host.services.sessions().create_session(req);
    assert!(tokio::time::timeout(std::time::Duration::from_millis(300), create).await.is_err(), "the create call waits on app-server");

    let listed = host.services.sessions().list_sessions(Default::default()).await.unwrap().sessions;
    let [session] = listed.as_slice() else { panic!("the row was inserted: {listed:?}") };
    assert_eq!(logged(&host, "session.created", &session.id).await.len(), 0);
    host.services.sessions().publish_session_updated(&session.id).await;
    assert_eq!(logged(&host, "session.updated", &session.id).await.len(), 1, "not left marked as being created");
}
