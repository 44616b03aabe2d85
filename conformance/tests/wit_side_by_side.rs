//! One host, one engine, a plugin of each served WIT version: each is bound to its own world, both take the same
//! event through the one dispatch, and what only 0.2.0 has (the turn record, the calling job of a tool) reaches the
//! 0.2.0 plugin. The real engine and store (the conformance harness); the two test plugins from plugins/dist.

use std::path::Path;
use std::time::Duration;

use codex_manager_conformance::plugin_harness::{Harness, SESSION_ID};
use codex_manager_host::events::{EventKind, NewEvent};
use serde_json::{json, Value};

fn package(id: &str) -> std::path::PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/dist").join(id);
    assert!(p.join("plugin.wasm").exists(), "no {}: run plugins/build.sh", p.display());
    p
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_0_1_and_a_0_2_plugin_take_the_same_event_each_through_its_own_world() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("side-by-side-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let h = Harness::start(&dir).await.unwrap();
    let legacy = h.install(&package("legacy-v01")).await.unwrap();
    let probe = h.install(&package("probe-v02")).await.unwrap();
    assert_eq!((legacy.wit_version.as_str(), probe.wit_version.as_str()), ("0.1.0", "0.2.0"));

    let data = json!({"threadId": "th", "turn": {"id": "t1", "status": "completed", "items": [], "error": null}});
    let event = NewEvent::raw(EventKind::parse("turn.completed"), data.to_string()).session(Some(SESSION_ID.into()), None).turn(Some("t1".into()));
    h.events.publish_committed(event).await;
    for id in ["legacy-v01", "probe-v02"] {
        let calls = h.wait_calls(id, 1, Duration::from_secs(30)).await;
        assert_eq!(calls.len(), 1, "{id}: {calls:?}");
        assert_eq!((calls[0].outcome.as_str(), calls[0].denials.len()), ("ok", 0), "{id}: {calls:?}");
    }
    let notes = h.notes.lock().unwrap().clone();
    let legacy_note = notes.iter().find(|(p, _, _)| p == "legacy-v01").expect("the 0.1.0 plugin noted the turn");
    assert_eq!((legacy_note.1.as_str(), legacy_note.2.turn_id.as_deref()), (SESSION_ID, Some("t1")));
    let probe_note = notes.iter().find(|(p, _, _)| p == "probe-v02").expect("the 0.2.0 plugin noted the turn");
    assert_eq!(probe_note.2.body, "Here is a summary.", "from the turn record (sessions.get-turn): {probe_note:?}");
    let data: Value = serde_json::from_str(probe_note.2.data.as_deref().unwrap()).unwrap();
    assert_eq!(data["greeting"], "hello", "the manifest's default setting: {data}");

    // tool-call.job-id: the plugin sees the calling job only when the job is its own.
    let whoami = |worker_job| h.plugins.call_tool("whoami", "{}", Some(SESSION_ID), worker_job);
    let own: Value = serde_json::from_str(&whoami(Some(("probe-v02", "job-9"))).await.unwrap().unwrap()).unwrap();
    assert_eq!(own, json!({"job_id": "job-9", "session_id": SESSION_ID}));
    let other: Value = serde_json::from_str(&whoami(Some(("legacy-v01", "job-9"))).await.unwrap().unwrap()).unwrap();
    assert_eq!(other["job_id"], Value::Null, "another plugin's job is not told");
    let user: Value = serde_json::from_str(&whoami(None).await.unwrap().unwrap()).unwrap();
    assert_eq!(user["job_id"], Value::Null);
    let _ = std::fs::remove_dir_all(&dir);
}
