//! The plugin conformance suite: any plugin package can be run against it.
//!
//!     PLUGIN_UNDER_TEST=path/to/package cargo test -p codex-manager-conformance --test plugin_suite
//!
//! Without it, every plugin that ships with the product (plugins/dist, built by plugins/build.sh) is checked.
//! A conforming plugin installs, takes a standard battery of events without failing, uses no capability it did not
//! request, answers each tool it declares, and runs each job kind it declares (an empty payload about a session)
//! to an answer — succeeded, retry later or failed — without trapping or overrunning its limits.

use std::path::{Path, PathBuf};
use std::time::Duration;

use codex_manager_conformance::plugin_harness::{packages_under_test, standard_events, Harness, SESSION_ID};
use codex_manager_host::plugins::manifest::Manifest;

fn packages() -> Vec<PathBuf> {
    packages_under_test(|_| true, 2, "plugins")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_plugin_conforms() {
    for package in packages() {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("suite-{}-{}", std::process::id(), package.file_name().unwrap().to_string_lossy()));
        let _ = std::fs::remove_dir_all(&dir);
        let h = Harness::start(&dir).await.unwrap();
        let info = h.install(&package).await.unwrap_or_else(|e| panic!("{}: does not install: {e}", package.display()));
        let manifest = Manifest::parse(&std::fs::read_to_string(package.join("plugin.toml")).unwrap()).unwrap();

        let mut expected = Vec::new();
        for (kind, data) in standard_events() {
            if manifest.subscribes_to(kind) {
                expected.push(kind);
            }
            h.publish(kind, Some(SESSION_ID), data).await;
        }
        let reached = |calls: &[codex_manager_host::plugins::PluginCall]| {
            expected.iter().all(|k| calls.iter().any(|c| c.trigger.starts_with(&format!("event:{k}#"))))
        };
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        let mut calls = h.calls(&info.id).await;
        while !reached(&calls) && std::time::Instant::now() < deadline && calls.iter().all(|c| c.outcome == "ok") {
            tokio::time::sleep(Duration::from_millis(20)).await;
            calls = h.calls(&info.id).await;
        }
        for call in &calls {
            assert_eq!(call.outcome, "ok", "{}: {} failed: {:?}", info.id, call.trigger, call.error);
            assert!(call.denials.is_empty(), "{}: used capabilities it did not request: {:?}", info.id, call.denials);
        }
        for kind in &expected {
            let n = calls.iter().filter(|c| c.trigger.starts_with(&format!("event:{kind}#"))).count();
            assert_eq!(n, 1, "{}: `{kind}` reaches it exactly once", info.id);
        }
        for tool in &manifest.tools {
            let args = serde_json::json!({"text": "one two three", "input": "one two three"}).to_string();
            let result = h.plugins.call_tool(&tool.name, &args, Some(SESSION_ID), None).await.expect("declared tools are offered");
            // The call record is written beside the answer: wait for it.
            let trigger = format!("tool:{}", tool.name);
            let deadline = std::time::Instant::now() + Duration::from_secs(30);
            let last = loop {
                if let Some(c) = h.calls(&info.id).await.into_iter().find(|c| c.trigger == trigger) {
                    break c;
                }
                assert!(std::time::Instant::now() < deadline, "{}: no record of the `{}` call", info.id, tool.name);
                tokio::time::sleep(Duration::from_millis(10)).await;
            };
            assert!(
                !matches!(last.outcome.as_str(), "trap" | "timeout" | "memory" | "bad_output"),
                "{}: tool {} broke its limits: {:?} / {result:?}",
                info.id,
                tool.name,
                last.error
            );
        }
        for kind in manifest.job_kinds() {
            let job = codex_manager_host::plugins::JobCall {
                id: format!("suite-{}", kind.kind),
                kind: kind.kind.clone(),
                payload: "{}".into(),
                attempt: 1,
                session_id: Some(SESSION_ID.into()),
                project_id: None,
            };
            let report = h.plugins.run_job(job, Duration::from_millis(kind.timeout_ms)).await.expect("declared kinds run");
            assert!(
                report.value.is_some(),
                "{}: job {} broke its limits: {} {:?}",
                info.id,
                kind.kind,
                report.outcome.as_str(),
                report.error
            );
        }
        assert_eq!(h.plugins.info(&info.id).await.unwrap().consecutive_failures, 0, "{}: no failures counted", info.id);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
