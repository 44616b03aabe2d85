//! A plugin's code is loaded when a call needs it and dropped when it idles (host/src/plugins/code.rs): a host
//! started with installed plugins maps none of them, the first event and the first tool call still reach the
//! plugin, a plugin whose code was dropped and loaded again keeps its `kv`, and an artifact deleted under a running
//! host is compiled again.
//!
//! Runs the test plugin `well-behaved` (it counts every event in its kv key `events`), from plugins/dist.

use std::path::Path;
use std::time::Duration;

use codex_manager_conformance::plugin_harness::{Harness, SESSION_ID};
use serde_json::json;

const PLUGIN: &str = "well-behaved";

async fn counted_events(h: &Harness) -> Option<String> {
    h.store.plugin_kv_get(PLUGIN, "events").await.unwrap()
}

/// How many times the plugin's code was loaded.
fn loads(h: &Harness) -> Option<u64> {
    h.plugins.code_state(PLUGIN).map(|(_, loads)| loads)
}

/// Wait (bounded) until the plugin has `n` recorded calls (the earlier host's included), all of them `ok`.
async fn wait_ok_calls(h: &Harness, n: usize) {
    let calls = h.wait_calls(PLUGIN, n, Duration::from_secs(30)).await;
    assert!(calls.len() >= n, "{n} calls expected: {calls:?}");
    assert!(calls.iter().all(|c| c.outcome == "ok"), "{calls:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_is_loaded_on_demand_and_a_reload_keeps_the_plugins_kv() {
    let package = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/dist").join(PLUGIN);
    assert!(package.is_dir(), "no {}: run plugins/build.sh (scripts/test.sh does)", package.display());
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("code-on-demand-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    {
        let h = Harness::start(&dir).await.unwrap();
        h.install(&package).await.unwrap();
        // An install checks the code and keeps none of it loaded. Seen on a plugin no event reaches (this one
        // subscribes to every event, so the one announcing its install may load it at any moment).
        h.install(&package.with_file_name("word-tools")).await.unwrap();
        assert_eq!(h.plugins.code_state("word-tools"), Some((false, 0)), "the install checked it and keeps nothing loaded");
        h.plugins.remove("word-tools").await.unwrap();
        // A kv write the restarted host must still see.
        h.store.plugin_kv_set(PLUGIN, "before-restart", "kept").await.unwrap();
    }

    // A restart maps nothing until a call needs it.
    let h = Harness::start(&dir).await.unwrap();
    assert_eq!(h.plugins.code_state(PLUGIN), Some((false, 0)), "nothing is loaded at start");
    assert_eq!(h.plugins.tools(None).iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["echo"], "its tools are known without its code");
    assert!(h.plugins.job_kind("test.echo").is_some(), "and its job kinds");

    // The first event reaches it: loaded on the way.
    let before = counted_events(&h).await.and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
    let recorded = h.calls(PLUGIN).await.len();
    h.publish("session.updated", Some(SESSION_ID), json!({"id": SESSION_ID, "title": "first"})).await;
    wait_ok_calls(&h, recorded + 1).await;
    // Loaded once; by the time the call's record is read back its code may have been unloaded again (after
    // `IDLE_UNLOAD`, 2 s, on a slow machine), so only the count is certain.
    assert_eq!(loads(&h), Some(1));
    assert_eq!(counted_events(&h).await, Some((before + 1).to_string()));

    // Dropped (as after its idle period) and loaded again by the next event: its kv is where it was.
    h.plugins.unload_code(PLUGIN);
    assert_eq!(h.plugins.code_state(PLUGIN), Some((false, 1)));
    h.publish("session.updated", Some(SESSION_ID), json!({"id": SESSION_ID, "title": "second"})).await;
    wait_ok_calls(&h, recorded + 2).await;
    assert_eq!(loads(&h), Some(2), "loaded a second time");
    assert_eq!(counted_events(&h).await, Some((before + 2).to_string()), "the count went on from the stored one");
    assert_eq!(h.store.plugin_kv_get(PLUGIN, "before-restart").await.unwrap().as_deref(), Some("kept"));

    // The first tool call after a drop gets its answer too.
    h.plugins.unload_code(PLUGIN);
    let args = json!({"text": "one two"}).to_string();
    let answer = h.plugins.call_tool("echo", &args, Some(SESSION_ID), None).await.expect("the tool is offered");
    assert_eq!(answer, Ok(args.clone()));
    assert_eq!(h.plugins.code_state(PLUGIN), Some((true, 3)));

    // So does the first job.
    h.plugins.unload_code(PLUGIN);
    let job = codex_manager_host::plugins::JobCall {
        id: "on-demand-job".into(),
        kind: "test.echo".into(),
        payload: r#"{"hello":1}"#.into(),
        attempt: 1,
        session_id: Some(SESSION_ID.into()),
        project_id: None,
    };
    let report = h.plugins.run_job(job, Duration::from_secs(10)).await.expect("the kind runs");
    assert_eq!(report.outcome.as_str(), "ok", "{:?}", report.error);
    assert_eq!(h.plugins.code_state(PLUGIN), Some((true, 4)));

    // An artifact deleted under the running host is compiled again from plugin.wasm by the next load.
    for entry in std::fs::read_dir(dir.join("plugins/.compiled")).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    h.plugins.unload_code(PLUGIN);
    let answer = h.plugins.call_tool("echo", &args, Some(SESSION_ID), None).await.expect("the tool is offered");
    assert_eq!(answer, Ok(args));
    assert_eq!(h.plugins.code_state(PLUGIN), Some((true, 5)));
    assert_eq!(std::fs::read_dir(dir.join("plugins/.compiled")).unwrap().count(), 1, "written again");
    drop(h);
    let _ = std::fs::remove_dir_all(&dir);
}
