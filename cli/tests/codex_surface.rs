//! The rest of the Codex surface through the public API against the real app-server: account, models, config,
//! MCP, skills, hooks, features, collaboration modes, thread operations, one-off exec, feedback, capabilities.

mod support;

use serde_json::{json, Value};
use support::*;

async fn capabilities_known(host: &Host) -> Value {
    eventually("capabilities", async || {
        let (_, caps) = host.get("/api/capabilities").await;
        (caps["known"] == true).then_some(caps)
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catalog_config_and_capabilities() {
    let env = Env::start("surface").await;
    let host = env.host();
    let caps = capabilities_known(host).await;
    assert_eq!(caps["codex"]["running"], codex_version().as_str(), "the release app-server reports is the binary's own");
    for group in ["account", "accountLogin", "models", "config", "mcp", "skills", "hooks", "features", "collaborationModes", "review", "compact", "revert", "backgroundTerminals", "shellCommand", "feedback"] {
        assert_eq!(caps["groups"][group], true, "{group}: {caps}");
    }
    assert_eq!(caps["groups"]["exec"], false, "exec is off unless enabled");
    assert!(caps["methods"].as_array().unwrap().iter().any(|m| m == "turn/start"));

    let (s, models) = host.get("/api/models").await;
    assert_eq!(s, 200, "{models}");
    assert!(models["data"].as_array().unwrap().iter().any(|m| m["id"] == "fake-model" || m["model"] == "fake-model"), "{models}");
    let (s, providers) = host.get("/api/model-providers").await;
    assert_eq!(s, 200, "{providers}");

    let (s, config) = host.get("/api/config").await;
    assert_eq!(s, 200);
    assert_eq!(config["config"]["model_provider"], "fake");
    let since = host.latest_seq().await;
    let (s, written) = host.put("/api/config/value", json!({"keyPath": "model_reasoning_effort", "value": "high"})).await;
    assert_eq!(s, 200, "{written}");
    let (_, config) = host.get("/api/config").await;
    assert_eq!(config["config"]["model_reasoning_effort"], "high");
    let (_, page) = host.get(&format!("/api/events?since={since}&types=config.")).await;
    assert_eq!(page["events"][0]["type"], "config.updated");
    assert_eq!(page["events"][0]["data"]["keyPaths"], json!(["model_reasoning_effort"]));
    let (s, body) = host.put("/api/config/value", json!({"keyPath": "", "value": 1})).await;
    assert_eq!((s, code(&body)), (422, "invalid_request"));
    let (s, body) = host.post("/api/config/batch", json!({"edits": [{"keyPath": "model_verbosity", "value": "low"}]})).await;
    assert_eq!(s, 200, "{body}");
    let (s, _) = host.get("/api/config/requirements").await;
    assert_eq!(s, 200);

    for path in ["/api/mcp/servers", "/api/skills", "/api/hooks", "/api/features", "/api/collaboration-modes"] {
        let (s, body) = host.get(path).await;
        assert_eq!(s, 200, "{path}: {body}");
    }
    let (s, body) = host.post("/api/mcp/reload", json!({})).await;
    assert_eq!(s, 200, "{body}");
    let (_, features) = host.get("/api/features").await;
    let name = features["data"][0]["name"].as_str().expect("at least one feature").to_string();
    let enabled = features["data"][0]["enabled"].as_bool().unwrap_or(false);
    let (s, body) = host.put(&format!("/api/features/{name}"), json!({"enabled": !enabled})).await;
    assert_eq!(s, 200, "{body}");
    let (_, page) = host.get(&format!("/api/events?since={since}&types=config.feature_changed")).await;
    assert_eq!(page["events"][0]["data"]["name"], name.as_str());

    // Skills: codex ships system skills; switch one off.
    let (_, skills) = host.get("/api/skills").await;
    let skill = skills["data"].as_array().unwrap().iter().flat_map(|e| e["skills"].as_array().cloned().unwrap_or_default()).next();
    if let Some(skill) = skill {
        let name = skill["name"].as_str().unwrap();
        let (s, body) = host.put(&format!("/api/skills/{name}/enabled"), json!({"enabled": false, "path": skill["path"]})).await;
        assert_eq!(s, 200, "{body}");
    }

    // An MCP server that does not exist: a clean error, not a hang.
    let (s, body) = host.post("/api/mcp/servers/nowhere/login", json!({})).await;
    assert!(s >= 400 && body["error"]["code"].is_string(), "{s} {body}");

    // The CLI sees the same.
    let (code_, out, err) = host.cli(&["models"]).await;
    assert_eq!(code_, 0, "{err}");
    assert!(out.contains("fake-model"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_login_paths_are_reported_cleanly() {
    let env = Env::start("account").await;
    let host = env.host();
    let (s, account) = host.get("/api/account").await;
    assert_eq!(s, 200, "{account}");
    assert_eq!(account["requiresOpenaiAuth"], false, "the fake provider needs no account");
    let (_, ready) = host.get("/api/ready").await;
    assert!(ready["account"]["notice"].is_null(), "{ready}");

    let (s, login) = host.post("/api/account/logins", json!({"type": "apiKey", "apiKey": "sk-test-not-a-real-key"})).await;
    assert!(s == 201 || (s >= 400 && login["error"]["code"].is_string()), "{s} {login}");
    let (_, events) = host.get("/api/events?since=0&types=account.").await;
    assert!(!events.to_string().contains("sk-test-not-a-real-key"), "the key never reaches the log");

    // ChatGPT login needs the network: it either starts (a URL to open) or fails with a clean error.
    let (s, chatgpt) = host.post("/api/account/logins", json!({"type": "chatgpt"})).await;
    if s == 201 {
        let id = chatgpt["loginId"].as_str().expect("a login id");
        let (s, state) = host.get(&format!("/api/account/logins/{id}")).await;
        assert_eq!((s, state["status"].as_str()), (200, Some("pending")));
        let (s, body) = host.delete(&format!("/api/account/logins/{id}")).await;
        assert_eq!(s, 200, "{body}");
    } else {
        assert!(chatgpt["error"]["code"].is_string() && chatgpt["error"]["message"].is_string(), "{s} {chatgpt}");
    }
    // Device-code login needs the network too: a code to enter elsewhere, or a clean error.
    let (s, device) = host.post("/api/account/logins", json!({"type": "chatgptDeviceCode"})).await;
    assert!(
        (s == 201 && device["loginId"].is_string()) || (s >= 400 && device["error"]["code"].is_string() && device["error"]["message"].is_string()),
        "{s} {device}"
    );
    let (s, body) = host.get("/api/account/logins/unknown").await;
    assert_eq!((s, code(&body)), (404, "login_not_found"));
    let (s, body) = host.post("/api/account/logins", json!({"type": "password"})).await;
    assert_eq!((s, code(&body)), (422, "invalid_body"));
    let (s, body) = host.post("/api/account/logout", json!({})).await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = host.post("/api/feedback", json!({"classification": "bug", "reason": "test"})).await;
    assert!(s == 200 || body["error"]["code"].is_string(), "feedback without network is a clean error: {s} {body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_provider_that_needs_an_account_is_said_plainly() {
    let env = Env::start_full("noaccount", &[], &["model_providers.fake.requires_openai_auth=true"]).await;
    let host = env.host();
    let ready = eventually("account status", async || {
        let (_, ready) = host.get("/api/ready").await;
        ready["account"].is_object().then_some(ready)
    })
    .await;
    assert!(ready["account"]["notice"].as_str().unwrap().contains("No account is signed in"), "{ready}");
    let (_, page) = host.get("/api/sessions").await;
    assert!(page["notice"].as_str().unwrap().contains("log in"), "{page}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_operations_act_on_the_session() {
    let env = Env::start("threadops").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let first = host.send(&session, "one scenario:deltas=2").await;
    until(&mut ws, is_turn_end(&first)).await;
    let second = host.send(&session, "two scenario:deltas=2").await;
    until(&mut ws, is_turn_end(&second)).await;

    let (s, body) = host.post(&format!("/api/sessions/{session}/revert"), json!({"beforeTurnId": second})).await;
    assert_eq!(s, 200, "{body}");
    let (_, t) = host.get(&format!("/api/sessions/{session}/transcript")).await;
    assert_eq!(t["turns"].as_array().unwrap().len(), 1, "history cut back to before the second turn: {t}");

    let (s, body) = host.post(&format!("/api/sessions/{session}/shell"), json!({"command": "echo from-the-user-shell"})).await;
    assert_eq!(s, 200, "{body}");
    let shell = until(&mut ws, |e| {
        e["type"] == "item.completed" && e["data"]["item"]["aggregatedOutput"].as_str().is_some_and(|o| o.contains("from-the-user-shell"))
    })
    .await;
    assert!(!shell.is_empty());

    let (s, body) = host.post(&format!("/api/sessions/{session}/compact"), json!({})).await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = host.post(&format!("/api/sessions/{session}/background-terminals/clean"), json!({})).await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = host.post(&format!("/api/sessions/{session}/review"), json!({"target": {"type": "uncommittedChanges"}})).await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = host.post(&format!("/api/sessions/{session}/review"), json!({"target": {"type": "everything"}})).await;
    assert_eq!((s, code(&body)), (422, "invalid_body"));
    let (_, page) = host.get(&format!("/api/events?since=0&sessions={session}&types=session.reverted,session.review_started,session.shell_command_started")).await;
    let kinds: Vec<&str> = page["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, vec!["session.reverted", "session.shell_command_started", "session.review_started"]);
    let ghost = "00000000-0000-0000-0000-000000000000";
    let (s, body) = host.post(&format!("/api/sessions/{ghost}/compact"), json!({})).await;
    assert_eq!((s, code(&body)), (404, "session_not_found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_off_exec_is_off_unless_enabled() {
    let env = Env::start("execoff").await;
    let (s, body) = env.host().post("/api/exec", json!({"command": ["echo", "hi"]})).await;
    assert_eq!((s, code(&body)), (403, "exec_disabled"));
    drop(env);

    let env = Env::start_with("execon", &[("CODEX_MANAGER_ENABLE_EXEC", "true")]).await;
    let host = env.host();
    let (s, body) = host.post("/api/exec", json!({"command": ["echo", "hi from exec"], "cwd": env.work_dir()})).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["exitCode"], 0, "{body}");
    assert!(body["stdout"].as_str().unwrap().contains("hi from exec"), "{body}");
    let (s, body) = host.post("/api/exec", json!({"command": []})).await;
    assert_eq!((s, code(&body)), (422, "invalid_request"));
    // Streamed: the output arrives as events tagged with the process id.
    let since = host.latest_seq().await;
    let (s, body) = host.post("/api/exec", json!({"command": ["sh", "-c", "echo streamed-out"], "stream": true})).await;
    assert_eq!(s, 200, "{body}");
    let process = body["processId"].as_str().unwrap().to_string();
    let (_, page) = host.get(&format!("/api/events?since={since}&types=app_server.command/exec/outputDelta")).await;
    let chunks: Vec<&Value> = page["events"].as_array().unwrap().iter().filter(|e| e["data"]["processId"] == process.as_str()).collect();
    assert!(!chunks.is_empty(), "{page}");
    let caps = capabilities_known(host).await;
    assert_eq!(caps["groups"]["exec"], true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hooks_are_listed_and_can_be_switched_off() {
    let mut env = Env::start("hooks").await;
    // A user hook in the host's own CODEX_HOME, then a restart so app-server reads it.
    std::fs::write(
        env.data_dir().join("codex-home/config.toml"),
        "[[hooks.UserPromptSubmit]]\nhooks = [{ type = \"command\", command = \"true\" }]\n",
    )
    .unwrap();
    env.stop_host().await;
    env.start_host().await;
    let host = env.host();
    let hook = |list: &Value| list["data"].as_array().unwrap().iter().flat_map(|e| e["hooks"].as_array().unwrap().clone()).next();
    let (s, list) = host.get("/api/hooks").await;
    assert_eq!(s, 200, "{list}");
    let first = hook(&list).expect("the configured hook is listed");
    assert_eq!(first["enabled"], true);
    let key = first["key"].as_str().unwrap().to_string();
    let (s, body) = host.put("/api/hooks/state", json!({"key": key, "enabled": false})).await;
    assert_eq!(s, 200, "{body}");
    let (_, list) = host.get("/api/hooks").await;
    assert_eq!(hook(&list).unwrap()["enabled"], false, "{list}");
    let (s, body) = host.put("/api/hooks/state", json!({"key": "", "enabled": true})).await;
    assert_eq!((s, code(&body)), (422, "invalid_request"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inline_review_ends_and_the_chat_takes_the_next_message() {
    let env = Env::start("review-ends").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let (s, body) = host.post(&format!("/api/sessions/{session}/review"), json!({"target": {"type": "uncommittedChanges"}})).await;
    assert_eq!(s, 200, "{body}");
    let review_turn = body["turn"]["id"].as_str().expect("the review's turn").to_string();
    until(&mut ws, is_turn_end(&review_turn)).await;
    // Every turn the review started is over, the session with it.
    let (_, view) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(view["session"]["status"], "idle", "{view}");
    assert!(view["activeTurn"].is_null(), "{view}");
    let (_, turns) = host.get(&format!("/api/sessions/{session}/turns")).await;
    for t in turns["turns"].as_array().unwrap() {
        assert_ne!(t["status"], "inProgress", "a turn left running after the review: {turns}");
    }
    let (s, record) = host.get(&format!("/api/sessions/{session}/turns/{review_turn}")).await;
    assert_eq!(s, 200, "the review's own turn has a record: {record}");
    assert_eq!(record["status"], "completed", "{record}");
    // What the reviewer's inner turn said is the review's: its events carry the review's turn id.
    let (_, page) = host.get(&format!("/api/events?since=0&sessions={session}&types=item.completed")).await;
    let items = page["events"].as_array().unwrap();
    assert!(!items.is_empty() && items.iter().all(|e| e["turnId"] == review_turn.as_str()), "{page}");
    let next = host.send(&session, "after the review scenario:deltas=2").await;
    until(&mut ws, is_turn_end(&next)).await;
}
