//! `[limits] events_per_instance` (host/src/plugins/call.rs, registry.rs): events already queued for a plugin are
//! handed over together and run one after another in one instance, each its own call with its own record; none is
//! lost or run twice; a call that traps ends its instance, so the events after it run in a fresh one; and without
//! the setting every event still gets a fresh instance.
//!
//! The plugin's call permits are held while the events are published, so they queue up behind the first one and
//! the worker hands over exactly what the setting allows. Runs the test plugins `well-behaved` (it counts every
//! event in kv key `events`) and `panicker` (it panics in every call), from plugins/dist, subscribed to
//! `app_server.test/` only, so that nothing but the test's own events reaches them.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use codex_manager_conformance::plugin_harness::{Harness, SESSION_ID};
use codex_manager_host::plugins::PluginCall;
use serde_json::json;

const EVENT: &str = "app_server.test/tick";

/// A copy of the built test plugin `id` subscribed to `EVENT` only, with `events_per_instance` set when given,
/// and an empty data dir for a host.
fn package_and_fresh_dir(id: &str, per_instance: Option<u32>, tag: &str) -> (PathBuf, PathBuf) {
    let built = Path::new(env!("CARGO_MANIFEST_DIR")).join("../plugins/dist").join(id);
    assert!(built.is_dir(), "no {}: run plugins/build.sh (scripts/test.sh does)", built.display());
    let root = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let package = root.join("package");
    std::fs::create_dir_all(&package).unwrap();
    std::fs::copy(built.join("plugin.wasm"), package.join("plugin.wasm")).unwrap();
    let manifest = std::fs::read_to_string(built.join("plugin.toml")).unwrap();
    assert!(manifest.contains("events = [\"*\"]"), "{id}'s plugin.toml changed shape");
    let mut manifest = manifest.replace("events = [\"*\"]", "events = [\"app_server.test/\"]");
    if let Some(n) = per_instance {
        let setting = format!("events_per_instance = {n}\n");
        manifest = if manifest.contains("[limits]\n") {
            manifest.replace("[limits]\n", &format!("[limits]\n{setting}"))
        } else {
            format!("{manifest}\n[limits]\n{setting}")
        };
    }
    std::fs::write(package.join("plugin.toml"), manifest).unwrap();
    (package, root.join("data"))
}

/// Publish `n` events while the plugin's calls are held, wait until all but the first (which its worker holds)
/// are queued, let the calls go, and return the `n` call records.
async fn burst(h: &Harness, id: &str, n: usize) -> Vec<PluginCall> {
    let held = h.plugins.hold_calls(id).await.expect("the plugin is active");
    for i in 0..n {
        h.publish(EVENT, Some(SESSION_ID), json!({"i": i})).await;
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    while h.plugins.queued_events(id) != Some(n - 1) {
        assert!(Instant::now() < deadline, "the events did not queue up: {:?} of {}", h.plugins.queued_events(id), n - 1);
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    drop(held);
    let calls = h.wait_calls(id, n, Duration::from_secs(60)).await;
    assert_eq!(calls.len(), n, "one call record per event: {calls:?}");
    let mut triggers: Vec<&str> = calls.iter().map(|c| c.trigger.as_str()).collect();
    triggers.sort_unstable();
    triggers.dedup();
    assert_eq!(triggers.len(), n, "every event was called once: {calls:?}");
    assert!(triggers.iter().all(|t| t.starts_with(&format!("event:{EVENT}#"))), "{triggers:?}");
    calls
}

fn shared(h: &Harness, id: &str) -> u64 {
    h.plugins.code_state(id).expect("the plugin is active").calls_in_shared_instances
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_events_share_an_instance_up_to_the_limit_and_each_is_its_own_call() {
    let (package, dir) = package_and_fresh_dir("well-behaved", Some(8), "per-instance-8");
    let h = Harness::start(&dir).await.unwrap();
    let info = h.install(&package).await.unwrap();
    assert_eq!(info.limits.events_per_instance, 8, "the limit in force is shown");

    let calls = burst(&h, "well-behaved", 10).await;
    assert!(calls.iter().all(|c| c.outcome == "ok"), "{calls:?}");
    assert_eq!(h.store.plugin_kv_get("well-behaved", "events").await.unwrap().as_deref(), Some("10"), "each event handled once");
    // Ten events, at most eight an instance: 8 + 2, so 7 + 1 calls ran where an earlier call had run.
    assert_eq!(shared(&h, "well-behaved"), 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_setting_every_event_gets_a_fresh_instance() {
    let (package, dir) = package_and_fresh_dir("well-behaved", None, "per-instance-default");
    let h = Harness::start(&dir).await.unwrap();
    let info = h.install(&package).await.unwrap();
    assert_eq!(info.limits.events_per_instance, 1);

    let calls = burst(&h, "well-behaved", 10).await;
    assert!(calls.iter().all(|c| c.outcome == "ok"), "{calls:?}");
    assert_eq!(h.store.plugin_kv_get("well-behaved", "events").await.unwrap().as_deref(), Some("10"));
    assert_eq!(shared(&h, "well-behaved"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_that_traps_ends_its_instance_and_the_next_event_gets_a_fresh_one() {
    let (package, dir) = package_and_fresh_dir("panicker", Some(8), "per-instance-trap");
    let h = Harness::start(&dir).await.unwrap();
    h.install(&package).await.unwrap();

    // Four, below the circuit breaker's five failures in a row.
    let calls = burst(&h, "panicker", 4).await;
    for call in &calls {
        assert_eq!(call.outcome, "trap", "{call:?}");
        // Each record holds its own call's stderr, not the calls' before it in the batch.
        let stderr = call.stderr.as_deref().unwrap_or_default();
        assert_eq!(stderr.matches("deliberate panic").count(), 1, "{stderr}");
    }
    assert_eq!(shared(&h, "panicker"), 0, "no call ran in an instance that had trapped");
}
