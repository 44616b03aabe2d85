//! A plugin's code is loaded when a call needs it and dropped when it idles (host/src/plugins/code.rs): a host
//! started with installed plugins maps none of them, the first event and the first tool call still reach the
//! plugin, a plugin whose code was dropped and loaded again keeps its `kv`, and an artifact deleted under a running
//! host is compiled again.
//!
//! Runs the test plugin `well-behaved` (it counts every event in its kv key `events`), from plugins/dist.

use std::path::{Path, PathBuf};
use std::time::Duration;

use codex_manager_conformance::plugin_harness::{Harness, SESSION_ID};
use serde_json::json;

const PLUGIN: &str = "well-behaved";

async fn counted_events(h: &Harness) -> Option<String> {
    h.store.plugin_kv_get(PLUGIN, "events").await.unwrap()
}

/// How many times the plugin's code was loaded.
fn loads(h: &Harness) -> Option<u64> {
    h.plugins.code_state(PLUGIN).map(|s| s.loads)
}

/// Whether `id`'s code is loaded now, and how many times it was loaded.
fn code(h: &Harness, id: &str) -> Option<(bool, u64)> {
    h.plugins.code_state(id).map(|s| (s.loaded, s.loads))
}

/// The built test plugin `id` (plugins/dist) and an empty data dir for a host.
fn package_and_fresh_dir(id: &str, tag: &str) -> (PathBuf, PathBuf) {
    let package = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/dist").join(id);
    assert!(package.is_dir(), "no {}: run plugins/build.sh (scripts/test.sh does)", package.display());
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    (package, dir)
}

/// Wait (bounded) until the plugin has `n` recorded calls (the earlier host's included), all of them `ok`.
async fn wait_ok_calls(h: &Harness, n: usize) {
    let calls = h.wait_calls(PLUGIN, n, Duration::from_secs(30)).await;
    assert!(calls.len() >= n, "{n} calls expected: {calls:?}");
    assert!(calls.iter().all(|c| c.outcome == "ok"), "{calls:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_is_loaded_on_demand_and_a_reload_keeps_the_plugins_kv() {
    let (package, dir) = package_and_fresh_dir(PLUGIN, "code-on-demand");

    {
        let h = Harness::start(&dir).await.unwrap();
        h.install(&package).await.unwrap();
        // An install checks the code and keeps none of it loaded. Seen on a plugin no event reaches (this one
        // subscribes to every event, so the one announcing its install may load it at any moment).
        h.install(&package.with_file_name("word-tools")).await.unwrap();
        assert_eq!(code(&h, "word-tools"), Some((false, 0)), "the install checked it and keeps nothing loaded");
        h.plugins.remove("word-tools").await.unwrap();
        // A kv write the restarted host must still see.
        h.store.plugin_kv_set(PLUGIN, "before-restart", "kept").await.unwrap();
    }

    // A restart maps nothing until a call needs it.
    let h = Harness::start(&dir).await.unwrap();
    assert_eq!(code(&h, PLUGIN), Some((false, 0)), "nothing is loaded at start");
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
    assert_eq!(code(&h, PLUGIN), Some((false, 1)));
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
    assert_eq!(code(&h, PLUGIN), Some((true, 3)));

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
    assert_eq!(code(&h, PLUGIN), Some((true, 4)));

    // An artifact deleted under the running host is compiled again from plugin.wasm by the next load.
    for entry in std::fs::read_dir(dir.join("plugins/.compiled")).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    h.plugins.unload_code(PLUGIN);
    let answer = h.plugins.call_tool("echo", &args, Some(SESSION_ID), None).await.expect("the tool is offered");
    assert_eq!(answer, Ok(args));
    assert_eq!(code(&h, PLUGIN), Some((true, 5)));
    assert_eq!(std::fs::read_dir(dir.join("plugins/.compiled")).unwrap().count(), 1, "written again");
    drop(h);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Wait (bounded) until `id` has a spare instance ready.
async fn spare_ready(h: &Harness, id: &str) -> bool {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        if h.plugins.code_state(id).is_some_and(|s| s.spare_ready) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    false
}

/// A plugin that instantiates slowly gets its next instance made ahead of the call (host/src/plugins/code.rs,
/// `Spare`). Here every plugin does (threshold zero): the call after a call runs in the spare, which is as fresh as
/// any (the job a call runs is its own, not the previous call's), and unloading the code drops the spare with it.
/// Runs `probe-v02`, whose tool `whoami` answers the calling job; nothing here sends it events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spare_instance_serves_the_next_call_and_goes_with_the_code() {
    const PROBE: &str = "probe-v02";
    let (package, dir) = package_and_fresh_dir(PROBE, "spare");
    let h = Harness::start(&dir).await.unwrap();
    h.install(&package).await.unwrap();
    h.plugins.set_spare_threshold(Duration::ZERO);
    let whoami = |job: Option<&'static str>| {
        let plugins = h.plugins.clone();
        async move {
            let answer = plugins.call_tool("whoami", "{}", Some(SESSION_ID), job.map(|j| (PROBE, j))).await.expect("offered");
            serde_json::from_str::<serde_json::Value>(&answer.expect("whoami answers")).unwrap()
        }
    };

    // The first call instantiates on its way; a spare is made after it.
    assert_eq!(whoami(None).await["job_id"], serde_json::Value::Null);
    assert!(spare_ready(&h, PROBE).await, "a spare after the first call");
    assert_eq!(h.plugins.code_state(PROBE).unwrap().spares_taken, 0);

    // The next call runs in it, with its own job; and the one after in a new spare, without that job.
    assert_eq!(whoami(Some("job-7")).await["job_id"], "job-7");
    assert_eq!(h.plugins.code_state(PROBE).unwrap().spares_taken, 1);
    assert!(spare_ready(&h, PROBE).await, "made again after a call that took one");
    assert_eq!(whoami(None).await["job_id"], serde_json::Value::Null, "nothing of the last call's job");
    assert_eq!(h.plugins.code_state(PROBE).unwrap().spares_taken, 2);

    // Unloading the code drops the spare (its pool slot and pages go back); the next call loads and instantiates.
    assert!(spare_ready(&h, PROBE).await);
    h.plugins.unload_code(PROBE);
    let state = h.plugins.code_state(PROBE).unwrap();
    assert!(!state.loaded && !state.spare_ready, "{state:?}");
    assert_eq!(whoami(Some("job-8")).await["job_id"], "job-8");
    assert_eq!(h.plugins.code_state(PROBE).unwrap().spares_taken, 2, "no spare survived the unload");

    // A plugin that instantiates fast keeps none (what decides is measured on a call that instantiates).
    h.plugins.set_spare_threshold(Duration::MAX);
    h.plugins.unload_code(PROBE);
    whoami(None).await;
    whoami(None).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!h.plugins.code_state(PROBE).unwrap().spare_ready, "no spare made for fast code");
    drop(h);
    let _ = std::fs::remove_dir_all(&dir);
}
