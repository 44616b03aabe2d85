//! The instance pool (host/src/plugins/engine.rs: `POOLED_CALLS` instances, `CORE_INSTANCES_PER_CALL`, ...) holds
//! what a real plugin runs at once, not only the synthetic interpreter-shaped component its unit test uses.
//!
//!     PLUGIN_UNDER_TEST=path/to/package cargo test -p codex-manager-conformance --test plugin_pool
//!
//! scripts/plugin_conformance_languages.sh runs it against the Python and the JavaScript template (a componentize-py
//! interpreter is the largest instance there is); without the variable, the shipped plugins that offer a tool.
//!
//! The package is installed three times (other ids, `limits.concurrency` at its ceiling, the copies without tools):
//! ~20 tool calls are fired at once into the first while the same number of events reaches the copies, so up to
//! 3 × 8 instances are alive together (a call holds its instance across the host calls it awaits: `kv`, `log`).
//! Every call must be answered by the guest: none refused for want of a pool slot.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use codex_manager_conformance::plugin_harness::{packages_under_test, standard_events, Harness, SESSION_ID};
use codex_manager_host::plugins::manifest::{Manifest, MAX_CONCURRENCY};

const COPIES: usize = 3;
const CALLS: usize = 20;

fn packages() -> Vec<PathBuf> {
    packages_under_test(|m| !m.tools.is_empty(), 1, "plugin that offers a tool")
}

/// `manifest` as copy `n`: its own id, `limits.concurrency` at the ceiling, and (for the copies) no tools, so the
/// tool calls all reach the first.
fn copy(manifest: &str, id: &str, n: usize) -> String {
    let mut out = Vec::new();
    let mut section = String::new();
    let mut limits_seen = false;
    for line in manifest.lines() {
        let t = line.trim();
        if t.starts_with('[') {
            if section == "[limits]" && !limits_seen {
                out.push(format!("concurrency = {MAX_CONCURRENCY}"));
                limits_seen = true;
            }
            section = t.to_string();
        }
        if n > 0 && section == "[[tools]]" {
            continue;
        }
        if section.is_empty() && t.starts_with("id =") {
            out.push(format!("id = \"{id}-pool{n}\""));
        } else if section == "[limits]" && t.starts_with("concurrency") {
            out.push(format!("concurrency = {MAX_CONCURRENCY}"));
            limits_seen = true;
        } else {
            out.push(line.to_string());
        }
    }
    if section == "[limits]" && !limits_seen {
        out.push(format!("concurrency = {MAX_CONCURRENCY}"));
    } else if !manifest.contains("[limits]") {
        out.push(format!("[limits]\nconcurrency = {MAX_CONCURRENCY}"));
    }
    out.join("\n") + "\n"
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_calls_into_a_real_plugin_all_get_an_instance() {
    for package in packages() {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("pool-{}-{}", std::process::id(), package.file_name().unwrap().to_string_lossy()));
        let _ = std::fs::remove_dir_all(&dir);
        let h = Harness::start(&dir).await.unwrap();
        let text = std::fs::read_to_string(package.join("plugin.toml")).unwrap();
        let wasm = std::fs::read(package.join("plugin.wasm")).unwrap();
        let original = Manifest::parse(&text).unwrap();
        let tool = original.tools.first().unwrap_or_else(|| panic!("{}: offers no tool", package.display())).name.clone();
        let mut ids = Vec::new();
        for n in 0..COPIES {
            let manifest = copy(&text, &original.id, n);
            let parsed = Manifest::parse(&manifest).unwrap_or_else(|e| panic!("copy {n}: {e}\n{manifest}"));
            assert_eq!(parsed.limits().concurrency, MAX_CONCURRENCY);
            let grant: Vec<_> = parsed.requested().into_iter().collect();
            h.plugins.install(&manifest, &wasm, &grant, false).await.unwrap_or_else(|e| panic!("{}: copy {n} does not install: {e}", original.id));
            ids.push(parsed.id);
        }
        // An event every copy takes (the template: `turn.completed`, a `kv` round trip and a log line); a plugin
        // that takes none of them gets only the tool calls.
        let event = standard_events().into_iter().find(|(k, _)| original.subscribes_to(k));

        let args = serde_json::json!({"text": "one two three", "input": "one two three"}).to_string();
        let calls = (0..CALLS).map(|_| {
            let plugins = h.plugins.clone();
            let (tool, args) = (tool.clone(), args.clone());
            tokio::spawn(async move { plugins.call_tool(&tool, &args, Some(SESSION_ID), None).await })
        });
        let calls: Vec<_> = calls.collect();
        if let Some((kind, data)) = &event {
            for _ in 0..CALLS {
                h.publish(kind, Some(SESSION_ID), data.clone()).await;
            }
        }
        for call in calls {
            assert!(call.await.unwrap().is_some(), "{}: the tool is offered", original.id);
        }

        // Every call made is recorded: CALLS tool calls into the first copy, and the events, by each copy.
        let deadline = Instant::now() + Duration::from_secs(120);
        for (n, id) in ids.iter().enumerate() {
            let wanted = if event.is_some() { CALLS } else { 0 } + if n == 0 { CALLS } else { 0 };
            let records = loop {
                let records = h.calls(id).await;
                if records.len() >= wanted || Instant::now() > deadline {
                    break records;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            };
            let failed: Vec<_> = records.iter().filter(|c| c.outcome != "ok").map(|c| (c.trigger.clone(), c.outcome.clone(), c.error.clone())).take(3).collect();
            assert!(failed.is_empty(), "{id}: calls failed ({} of {}): {failed:?}", records.iter().filter(|c| c.outcome != "ok").count(), records.len());
            assert_eq!(records.len(), wanted, "{id}: every call ran and was recorded");
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
