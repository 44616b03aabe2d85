//! WebAssembly plugins through the public API and the CLI, against the real app-server: install, act on real
//! turns, serve tools to Codex; and plugins that misbehave on purpose — they are contained, recorded, and
//! switched off, while the host and every other plugin keep working.

mod support;

use base64::Engine as _;
use serde_json::{json, Value};
use support::*;

/// The smallest component importing one interface: the header, a type section with one empty instance type, and
/// an import section importing `name` as an instance of it.
fn component_importing(name: &str) -> Vec<u8> {
    assert!(name.len() < 0x70, "lengths below are one-byte LEB128");
    let mut imports = vec![1, 0, name.len() as u8];
    imports.extend(name.as_bytes());
    imports.extend([0x05, 0]);
    let mut wasm = b"\0asm\x0d\x00\x01\x00".to_vec();
    wasm.extend([7, 3, 1, 0x42, 0]);
    wasm.extend([10, imports.len() as u8]);
    wasm.extend(imports);
    wasm
}

async fn plugin(host: &Host, id: &str) -> Value {
    host.get(&format!("/api/plugins/{id}")).await.1
}

async fn calls(host: &Host, id: &str) -> Vec<Value> {
    host.get(&format!("/api/plugins/{id}/calls?limit=1000")).await.1.as_array().cloned().unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_installed_with_the_cli_acts_on_real_turns() {
    let env = Env::start("autonamer").await;
    let host = env.host();
    let (code_, out, err) = host.cli(&["plugin", "install", package("auto-namer").to_str().unwrap(), "--yes"]).await;
    assert_eq!(code_, 0, "{out}{err}");
    let (_, listed, _) = host.cli(&["plugin", "list"]).await;
    assert!(listed.contains("auto-namer") && listed.contains("enabled"), "{listed}");
    let info = plugin(host, "auto-namer").await;
    assert_eq!(info["granted"], json!(["log", "kv", "sessions-read", "session-settings", "sessions-write"]));

    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "Refactor the parser to handle nested lists please scenario:deltas=2").await;
    until(&mut ws, is_turn_end(&turn)).await;
    let title = eventually("the plugin names the session", async || {
        let (_, s) = host.get(&format!("/api/sessions/{session}")).await;
        s["session"]["title"].as_str().map(str::to_owned)
    })
    .await;
    assert_eq!(title, "Refactor the parser to handle nested");
    // The plugin sets the title during its call; the call's record is written when the call returns.
    eventually("the plugin's call is recorded as ok", async || {
        calls(host, "auto-namer").await.iter().any(|c| c["outcome"] == "ok").then_some(())
    })
    .await;

    // Once named, never renamed; a title the user set is left alone.
    let (s, _) = host.patch(&format!("/api/sessions/{session}"), json!({"title": "Mine"})).await;
    assert_eq!(s, 200);
    let next = host.send(&session, "Something else entirely scenario:deltas=1").await;
    until(&mut ws, is_turn_end(&next)).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, s) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(s["session"]["title"], "Mine");
}

/// The host's plugin dispatcher reads the deltas of a stream only while an enabled plugin subscribes to them (the
/// shipped plugins do not: a stream then wakes only the clients that show it). A plugin installed later gets every
/// delta of the next turn, each a call of its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_installed_later_gets_every_delta_of_the_next_turn() {
    let env = Env::start("plugin-deltas").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "Before any plugin wants deltas scenario:deltas=2").await;
    until(&mut ws, is_turn_end(&turn)).await;

    let (s, b) = install_plugin(host, "well-behaved", &["log", "kv"]).await;
    assert_eq!(s, 201, "{b}");
    let turn = host.send(&session, "With one that does scenario:deltas=3").await;
    let seen = until(&mut ws, is_turn_end(&turn)).await;
    let deltas: Vec<String> = seen.iter().filter(|e| e["type"] == "item.delta").map(|e| format!("event:item.delta#{}", e["seq"])).collect();
    assert!(!deltas.is_empty(), "the turn streamed: {seen:?}");
    eventually("every delta of the turn reached the plugin", async || {
        let calls = calls(host, "well-behaved").await;
        let triggers: Vec<&str> = calls.iter().filter(|c| c["outcome"] == "ok").filter_map(|c| c["trigger"].as_str()).collect();
        deltas.iter().all(|d| triggers.contains(&d.as_str())).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_tool_is_called_by_codex_and_its_answer_reaches_the_transcript() {
    let env = Env::start("plugintool").await;
    let host = env.host();
    let (s, info) = install_plugin(host, "word-tools", &["log"]).await;
    assert_eq!(s, 201, "{info}");
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "scenario:tool:count_words one two three four").await;
    let events = until(&mut ws, is_turn_end(&turn)).await;
    assert!(!events.iter().any(|e| e["type"] == "tool_call.requested"), "a plugin tool never waits for an API client");
    let (_, t) = host.get(&format!("/api/sessions/{session}/transcript")).await;
    assert!(t.to_string().contains("Tool said: 4"), "{t}");
    // The call record is written beside the answer.
    let c = eventually("the tool call is recorded", async || {
        let c = calls(host, "word-tools").await;
        (!c.is_empty()).then_some(c)
    })
    .await;
    assert_eq!((c[0]["trigger"].as_str(), c[0]["outcome"].as_str()), (Some("tool:count_words"), Some("ok")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misbehaving_plugins_are_contained_recorded_and_switched_off() {
    let env = Env::start("misbehave").await;
    let host = env.host();
    for (id, grant) in [("well-behaved", vec!["log", "kv"]), ("looper", vec!["log"]), ("memory-hog", vec!["log"]), ("panicker", vec!["log"]), ("snoop", vec!["log"])] {
        let (s, body) = install_plugin(host, id, &grant).await;
        assert_eq!(s, 201, "{id}: {body}");
    }
    let mut ws = host.stream(&format!("since={}&types=plugin.", host.latest_seq().await)).await;
    // Plenty of events for every plugin: a session and a turn.
    let session = env.new_session().await;
    let turn = host.send(&session, "make some events scenario:deltas=30").await;

    let mut off = std::collections::BTreeMap::new();
    while off.len() < 3 {
        let e = next_event(&mut ws).await;
        if e["type"] == "plugin.disabled" {
            off.insert(e["data"]["id"].as_str().unwrap().to_string(), e["data"]["disabledReason"].as_str().unwrap_or("").to_string());
        }
    }
    assert_eq!(off.keys().cloned().collect::<Vec<_>>(), vec!["looper", "memory-hog", "panicker"], "{off:?}");
    assert!(off.values().all(|r| r.contains("circuit breaker")), "{off:?}");
    for (id, outcome) in [("looper", "timeout"), ("memory-hog", "memory"), ("panicker", "trap")] {
        let c = calls(host, id).await;
        assert!(c.iter().all(|c| c["outcome"] == outcome), "{id} failed as {outcome}: {c:#?}");
        assert!(c.len() >= 5, "{id}");
        assert_eq!(plugin(host, id).await["enabled"], false);
    }
    // A trap says only "unreachable"; what the guest wrote to stderr before it (here Rust's panic message) is kept
    // with the failed call, shown by `plugin logs` and written to the host's log.
    let panics = calls(host, "panicker").await;
    assert!(
        panics.iter().all(|c| c["stderr"].as_str().is_some_and(|s| s.contains("panicker: deliberate panic in on-event (event "))),
        "{panics:#?}"
    );
    let (code_, logs, err) = host.cli(&["plugin", "logs", "panicker"]).await;
    assert_eq!(code_, 0, "{err}");
    assert!(logs.contains("panicker: deliberate panic in on-event"), "{logs}");
    assert!(host.log_text().contains("panicker: deliberate panic in on-event"), "the host log has the stderr too");
    // Denied capability uses are refused (not a trap) and audited.
    let snoop = calls(host, "snoop").await;
    assert!(snoop.iter().all(|c| c["outcome"] == "ok"), "{snoop:#?}");
    let denials: Vec<String> = snoop.iter().flat_map(|c| c["denials"].as_array().cloned().unwrap_or_default()).map(|d| d.as_str().unwrap().to_string()).collect();
    assert!(denials.iter().any(|d| d.starts_with("kv")) && denials.iter().any(|d| d.starts_with("http")), "{denials:?}");
    assert_eq!(plugin(host, "snoop").await["enabled"], true);
    // The well-behaved one kept working all along, and so does the host.
    let good = calls(host, "well-behaved").await;
    assert!(good.len() > 5 && good.iter().all(|c| c["outcome"] == "ok" && c["stderr"].is_null()), "{good:#?}");
    let mut session_ws = host.stream(&format!("since=0&sessions={session}")).await;
    until(&mut session_ws, is_turn_end(&turn)).await;
    let next = host.send(&session, "still fine scenario:deltas=2").await;
    let events = until(&mut session_ws, is_turn_end(&next)).await;
    assert_eq!(events.last().unwrap()["data"]["turn"]["status"], "completed");

    // Switched back on by a user, it starts with a clean slate.
    let (s, back) = host.post("/api/plugins/panicker/enable", json!({})).await;
    assert_eq!((s, back["enabled"].as_bool(), back["consecutiveFailures"].as_i64()), (200, Some(true), Some(0)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn installs_are_validated_before_they_go_live_and_one_at_a_time() {
    let env = Env::start("plugininstall").await;
    let host = env.host();
    let (s, first) = install_plugin(host, "well-behaved", &["log", "kv"]).await;
    assert_eq!(s, 201, "{first}");

    let mut garbage = plugin_body("word-tools");
    garbage["component"] = json!(base64::engine::general_purpose::STANDARD.encode(b"\0asm not really"));
    let (s, b) = host.post("/api/plugins", garbage.clone()).await;
    assert_eq!((s, code(&b)), (422, "invalid_plugin"));
    let mut future = plugin_body("word-tools");
    future["manifest"] = json!(future["manifest"].as_str().unwrap().replace("wit = \"^0.2\"", "wit = \"^0.3\""));
    let (s, b) = host.post("/api/plugins/inspect", future).await;
    assert_eq!((s, code(&b)), (422, "incompatible_plugin"));
    assert!(b["error"]["message"].as_str().unwrap().contains("this host serves 0.1.0, 0.2.0"), "{b}");
    // A 0.2.0 component under a manifest that asks for 0.1: checked against the 0.1.0 world, and refused.
    let mut mismatched = plugin_body("word-tools");
    mismatched["manifest"] = json!(mismatched["manifest"].as_str().unwrap().replace("wit = \"^0.2\"", "wit = \"^0.1\""));
    let (s, b) = host.post("/api/plugins/inspect", mismatched).await;
    assert_eq!((s, code(&b)), (422, "incompatible_plugin"));
    assert!(b["error"]["message"].as_str().unwrap().contains("codex-manager:plugin@0.1.0"), "{b}");
    let (s, b) = host.post("/api/plugins", json!({"manifest": "id = 1", "component": ""})).await;
    assert_eq!((s, code(&b)), (422, "invalid_plugin"));
    // A component importing wasi:http (componentize-js's default build does) is refused from its import list,
    // before any compiling, with the fix.
    let mut http = plugin_body("word-tools");
    http["component"] = json!(base64::engine::general_purpose::STANDARD.encode(component_importing("wasi:http/outgoing-handler@0.2.3")));
    for path in ["/api/plugins/inspect", "/api/plugins"] {
        let (s, b) = host.post(path, http.clone()).await;
        assert_eq!((s, code(&b)), (422, "incompatible_plugin"), "{path}: {b}");
        let message = b["error"]["message"].as_str().unwrap();
        assert!(message.contains("`wasi:http/outgoing-handler@0.2.3`") && message.contains("codex-manager:plugin/http"), "{message}");
        assert!(message.contains("-d http -d fetch-event"), "{message}");
    }

    // A broken upgrade leaves the running version in place.
    let mut broken = plugin_body("well-behaved");
    broken["component"] = garbage["component"].clone();
    broken["upgrade"] = json!(true);
    let (s, b) = host.post("/api/plugins", broken).await;
    assert_eq!((s, code(&b)), (422, "invalid_plugin"));
    assert_eq!(plugin(host, "well-behaved").await["enabled"], true);
    let before = calls(host, "well-behaved").await.len();
    env.new_session().await;
    eventually("the old version still runs", async || (calls(host, "well-behaved").await.len() > before).then_some(())).await;

    let (s, b) = install_plugin(host, "well-behaved", &["log"]).await;
    assert_eq!((s, code(&b)), (409, "plugin_exists"));
    let mut upgrade = plugin_body("word-tools");
    upgrade["upgrade"] = json!(true);
    let (s, b) = host.post("/api/plugins", upgrade).await;
    assert_eq!((s, code(&b)), (404, "plugin_not_found"), "nothing to upgrade");

    // Two installs at once: one wins, the other is refused.
    let (a, b) = tokio::join!(install_plugin(host, "word-tools", &["log"]), install_plugin(host, "word-tools", &["log"]));
    let mut statuses = [a.0, b.0];
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{a:?} / {b:?}");

    let (s, inspection) = host.post("/api/plugins/inspect", plugin_body("auto-namer")).await;
    assert_eq!(s, 200, "{inspection}");
    assert_eq!(inspection["requested"], json!(["log", "kv", "sessions-read", "session-settings", "sessions-write"]));
    assert!(inspection["replaces"].is_null());

    let (s, _) = host.delete("/api/plugins/word-tools").await;
    assert_eq!(s, 204);
    let (s, b) = host.get("/api/plugins/word-tools/calls").await;
    assert_eq!((s, code(&b)), (404, "plugin_not_found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plugins_survive_a_restart_from_their_compiled_cache() {
    let mut env = Env::start("pluginrestart").await;
    // One artifact per component, named by its SHA-256: the inspection compiles it, the install and every restart
    // map that same file (a file written again would be a new inode: it is renamed into place).
    let compiled = env.data_dir().join("plugins/.compiled");
    let artifact = || {
        let found: Vec<_> = std::fs::read_dir(&compiled)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.path().extension().is_some_and(|x| x == "cwasm"))
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        let name = found[0].file_name().to_string_lossy().into_owned();
        (name, std::os::unix::fs::MetadataExt::ino(&found[0].metadata().unwrap()))
    };
    let (s, _) = env.host().post("/api/plugins/inspect", plugin_body("word-tools")).await;
    assert_eq!(s, 200);
    let inspected = artifact();
    // Compiled by a child of the host's executable: Cranelift's code and heap never enter the host.
    let log = env.data_dir().join("host.log");
    eventually("the host logs where it compiled", async || {
        std::fs::read_to_string(&log).unwrap_or_default().contains("compiled a plugin in a child process").then_some(())
    })
    .await;
    let wasm = std::fs::read(package("word-tools").join("plugin.wasm")).unwrap();
    let digest: String = <sha2::Sha256 as sha2::Digest>::digest(&wasm).iter().map(|b| format!("{b:02x}")).collect();
    assert!(inspected.0.starts_with(&format!("{digest}.")), "{inspected:?}");
    let (s, _) = install_plugin(env.host(), "word-tools", &["log"]).await;
    assert_eq!(s, 201);
    assert_eq!(artifact(), inspected, "the install reused the inspection's compilation");
    env.stop_host().await;
    env.start_host().await;
    assert_eq!(artifact(), inspected, "the restart loaded it without compiling");
    let host = env.host();
    let info = plugin(host, "word-tools").await;
    assert_eq!((info["enabled"].as_bool(), info["version"].as_str()), (Some(true), Some("0.1.0")));
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "scenario:tool:reverse_words one two three").await;
    until(&mut ws, is_turn_end(&turn)).await;
    let (_, t) = host.get(&format!("/api/sessions/{session}/transcript")).await;
    assert!(t.to_string().contains("Tool said: three two one"), "{t}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_tool_answer_fails_cleanly_back_to_codex() {
    let env = Env::start("bigoutput").await;
    let host = env.host();
    let (s, _) = install_plugin(host, "big-output", &["log"]).await;
    assert_eq!(s, 201);
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "scenario:tool:big_output now").await;
    until(&mut ws, is_turn_end(&turn)).await;
    let (_, t) = host.get(&format!("/api/sessions/{session}/transcript")).await;
    assert!(t.to_string().contains("over the 1048576-byte limit"), "{}", &t.to_string()[..t.to_string().len().min(2000)]);
    let c = eventually("the tool call is recorded", async || {
        let c = calls(host, "big-output").await;
        (!c.is_empty()).then_some(c)
    })
    .await;
    assert_eq!(c[0]["outcome"], "bad_output");
}

/// A call's record is written in batches, off the call path, yet listed as soon as the call has answered, and it
/// outlives a clean stop of the host.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_record_is_listed_once_the_call_answered_and_survives_a_clean_stop() {
    let mut env = Env::start("callrecords").await;
    let (s, _) = install_plugin(env.host(), "word-tools", &["log"]).await;
    assert_eq!(s, 201);
    let session = env.new_session().await;
    let host = env.host();
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "scenario:tool:reverse_words one two three").await;
    until(&mut ws, is_turn_end(&turn)).await;
    // No waiting: the tool answered Codex before the turn ended, so its record is listed.
    let listed = calls(host, "word-tools").await;
    let tool_calls = || listed.iter().filter(|c| c["trigger"] == "tool:reverse_words").count();
    assert_eq!(tool_calls(), 1, "{listed:?}");
    assert_eq!(listed.iter().find(|c| c["trigger"] == "tool:reverse_words").unwrap()["outcome"], "ok");

    env.stop_host().await;
    env.start_host().await;
    let after = calls(env.host(), "word-tools").await;
    let ids = |v: &[Value]| v.iter().map(|c| c["id"].clone()).collect::<Vec<_>>();
    assert_eq!(ids(&after), ids(&listed), "every record listed before the stop is there after it");
}

/// `plugin install URL --sha256`: an archive over HTTP installs when its checksum matches, and nothing installs
/// when it does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_installs_from_a_url_with_its_checksum() {
    use sha2::Digest;
    let env = Env::start("pluginurl").await;
    let host = env.host();
    let mut archive = tar::Builder::new(flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast()));
    archive.append_dir_all("word-tools", package("word-tools")).unwrap();
    let bytes = archive.into_inner().unwrap().finish().unwrap();
    let sha: String = sha2::Sha256::digest(&bytes).iter().map(|b| format!("{b:02x}")).collect();

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/word-tools.tar.gz", listener.local_addr().unwrap());
    tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        while let Ok((mut socket, _)) = listener.accept().await {
            let mut request = [0u8; 4096];
            let _ = socket.read(&mut request).await;
            let head = format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", bytes.len());
            let _ = socket.write_all(head.as_bytes()).await;
            let _ = socket.write_all(&bytes).await;
        }
    });

    let (code_, _, err) = host.cli(&["plugin", "install", &url, "--yes"]).await;
    assert_ne!(code_, 0);
    assert!(err.contains("--sha256"), "{err}");
    let wrong = "0".repeat(64);
    let (code_, _, err) = host.cli(&["plugin", "install", &url, "--sha256", &wrong, "--yes"]).await;
    assert_ne!(code_, 0);
    assert!(err.contains("sha256 mismatch"), "{err}");
    assert_eq!(host.get("/api/plugins").await.1, json!([]), "nothing installed");
    let (code_, out, err) = host.cli(&["plugin", "install", &url, "--sha256", &sha, "--yes"]).await;
    assert_eq!(code_, 0, "{out}{err}");
    assert_eq!(plugin(host, "word-tools").await["enabled"], true);
}

/// Deny by default reaches the clock too: without the `clock` capability a plugin's time is frozen at the epoch.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_sees_the_real_time_only_with_the_clock_capability() {
    let env = Env::start("pluginclock").await;
    let host = env.host();
    let (s, _) = install_plugin(host, "clock-reader", &["log"]).await;
    assert_eq!(s, 201);
    let frozen = tool_answer(&env, "now").await;
    assert_eq!(frozen, "0", "no clock capability: a frozen clock");
    let mut upgrade = plugin_body("clock-reader");
    upgrade["upgrade"] = json!(true);
    upgrade["grant"] = json!(["log", "clock"]);
    let (s, b) = host.post("/api/plugins", upgrade).await;
    assert_eq!(s, 201, "{b}");
    let real: u64 = tool_answer(&env, "now").await.parse().unwrap();
    assert!(real > 1_700_000_000, "with the capability, the real time: {real}");
}

/// Ask Codex (fake model) to call a plugin tool in a fresh session; the text the tool returned.
async fn tool_answer(env: &Env, tool: &str) -> String {
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, &format!("scenario:tool:{tool} go")).await;
    until(&mut ws, is_turn_end(&turn)).await;
    let (_, t) = host.get(&format!("/api/sessions/{session}/transcript")).await;
    let text = t.to_string();
    let start = text.find("Tool said: ").expect("the model relays the tool's answer") + "Tool said: ".len();
    text[start..].chars().take_while(|c| c.is_ascii_digit()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_plugins_are_installed_on_first_start_and_a_removed_one_stays_removed() {
    let dist = package("auto-namer").parent().unwrap().display().to_string();
    let mut env = Env::start_with("bundled", &[("CODEX_MANAGER_BUNDLED_PLUGINS", dist.as_str())]).await;
    let shipped = ["approval-supervisor", "auto-namer", "notifier", "suggest-next-request", "turn-review", "word-tools"];
    let installed = |list: &Value| -> Vec<String> {
        let mut ids: Vec<String> = list.as_array().unwrap().iter().map(|p| p["id"].as_str().unwrap().to_string()).collect();
        ids.sort();
        ids
    };
    eventually("the shipped plugins are installed", async || {
        let (_, list) = env.host().get("/api/plugins").await;
        (installed(&list) == shipped).then_some(())
    })
    .await;
    let (_, list) = env.host().get("/api/plugins").await;
    for p in list.as_array().unwrap() {
        assert_eq!(p["granted"], p["requested"], "a shipped plugin gets what it asks for: {p}");
    }
    let (s, _) = env.host().delete("/api/plugins/word-tools").await;
    assert_eq!(s, 204);
    env.stop_host().await;
    env.start_host().await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let (_, list) = env.host().get("/api/plugins").await;
    assert_eq!(installed(&list), ["approval-supervisor", "auto-namer", "notifier", "suggest-next-request", "turn-review"], "removed stays removed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_only_in_a_private_data_dir_and_only_with_the_capability() {
    let env = Env::start("data-dir").await;
    let host = env.host();
    let full = ["log", "kv", "sessions-read", "jobs", "workers", "notes", "data-dir"];
    let run = async |payload: Value| -> Value {
        let (s, job) = host.post("/api/jobs", json!({"kind": "test.file", "payload": payload})).await;
        assert_eq!(s, 201, "{job}");
        let id = job["id"].as_str().unwrap().to_string();
        eventually("the file job ends", async || {
            let (_, j) = host.get(&format!("/api/jobs/{id}")).await;
            matches!(j["state"].as_str(), Some("succeeded" | "failed")).then_some(j)
        })
        .await
    };

    assert_eq!(install_plugin(host, "well-behaved", &full).await.0, 201);
    let done = run(json!({"name": "note.txt", "text": "kept"})).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["result"], json!({"read": "kept", "files": ["note.txt"]}));
    let on_disk = env.data_dir().join("plugins/well-behaved/data/note.txt");
    assert_eq!(std::fs::read_to_string(&on_disk).unwrap(), "kept");
    // The directory is the plugin's whole filesystem: no way out of it.
    let escape = run(json!({"name": "../escaped.txt", "text": "no"})).await;
    assert_eq!(escape["state"], "failed", "{escape}");
    assert!(!env.data_dir().join("plugins/well-behaved/escaped.txt").exists());

    // Removed with the plugin; without the grant there is no /data at all.
    assert_eq!(host.delete("/api/plugins/well-behaved").await.0, 204);
    assert!(!on_disk.exists());
    let without: Vec<&str> = full.iter().copied().filter(|c| *c != "data-dir").collect();
    assert_eq!(install_plugin(host, "well-behaved", &without).await.0, 201);
    let denied = run(json!({"name": "note.txt", "text": "x"})).await;
    assert_eq!(denied["state"], "failed", "{denied}");
    assert!(denied["error"]["message"].as_str().unwrap().contains("/data"), "{denied}");
    assert!(!env.data_dir().join("plugins/well-behaved/data").exists());
}
