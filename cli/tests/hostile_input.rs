//! Client mistakes and hostile input, as a user or an attacker would send them: every one is a 4xx with the error
//! envelope and a stable code, none changes anything, and what a client can make the host store or send is capped.

mod support;

use serde_json::{json, Value};
use support::*;

/// An envelope: `{"error": {"code", "message", "details"}}` with a non-empty code and message.
fn assert_envelope(body: &Value, what: &str) {
    let e = &body["error"];
    assert!(e["code"].as_str().is_some_and(|c| !c.is_empty()) && e["message"].as_str().is_some_and(|m| !m.is_empty()), "{what}: {body}");
}

async fn raw(host: &Host, method: reqwest::Method, path: &str, body: &str) -> (u16, Value) {
    let r = host
        .http
        .request(method, format!("{}{path}", host.url))
        .bearer_auth(&host.token)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    decode(r).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_must_be_the_documented_object() {
    let env = Env::start("arrays").await;
    let host = env.host();
    let session = env.new_session().await;
    let (s, b) = host.put("/api/controls/defaults", json!({"model": "fake-model"})).await;
    assert_eq!(s, 200, "{b}");

    // `[]` read positionally was "every field absent": it wiped every default.
    let (s, b) = raw(host, reqwest::Method::PUT, "/api/controls/defaults", "[]").await;
    assert_eq!((s, code(&b)), (422, "invalid_body"), "{b}");
    assert_eq!(host.get("/api/controls/defaults").await.1["model"], "fake-model", "the defaults are untouched");
    // `["hi"]` read positionally was `{"text": "hi"}`: it started a turn.
    let (s, b) = raw(host, reqwest::Method::POST, &format!("/api/sessions/{session}/messages"), r#"["hi"]"#).await;
    assert_eq!((s, code(&b)), (422, "invalid_body"), "{b}");
    for (method, path, body) in [
        (reqwest::Method::POST, "/api/projects".to_string(), r#"["p", "/tmp"]"#),
        (reqwest::Method::PATCH, format!("/api/sessions/{session}"), r#"["t"]"#),
        (reqwest::Method::PUT, format!("/api/sessions/{session}/controls"), "[]"),
        (reqwest::Method::POST, "/api/jobs".to_string(), r#"["k", {}]"#),
        (reqwest::Method::POST, "/api/sessions".to_string(), "\"/tmp\""),
        (reqwest::Method::POST, format!("/api/sessions/{session}/revert"), "null"),
    ] {
        let (s, b) = raw(host, method.clone(), &path, body).await;
        assert_eq!((s, code(&b)), (422, "invalid_body"), "{method} {path} {body}: {b}");
    }
    let (_, found) = host.get(&format!("/api/sessions/{session}")).await;
    assert!(found["lastTurnStatus"].is_null() && found["activeTurnId"].is_null(), "no turn started: {found}");
    assert_eq!(host.get("/api/projects").await.1, json!([]));

    // A setting's value is documented as any JSON value: an array is a value there.
    let (s, b) = host.put(&format!("/api/sessions/{session}/settings/list"), json!(["a", 1])).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["value"], json!(["a", 1]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_path_parameter_that_does_not_decode_gets_the_envelope() {
    let env = Env::start("badpath").await;
    let host = env.host();
    let (_, doc) = host.get("/api/openapi.json").await;
    let mut checked = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        if !path.contains('{') {
            continue;
        }
        // Every parameter is bytes that are not UTF-8 once decoded.
        let bad: String = path.split('/').map(|seg| if seg.starts_with('{') { "%FF%FE" } else { seg }).collect::<Vec<_>>().join("/");
        for method in ops.as_object().unwrap().keys() {
            let m = reqwest::Method::from_bytes(method.to_ascii_uppercase().as_bytes()).unwrap();
            let (s, b) = raw(host, m, &bad, "{}").await;
            assert_eq!((s, code(&b)), (400, "invalid_path"), "{method} {bad}: {b}");
            assert_envelope(&b, &bad);
            checked += 1;
        }
    }
    assert!(checked >= 40, "the routes with path parameters were tried ({checked})");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_labels_and_positions_out_of_range_are_refused_cleanly() {
    let env = Env::start("queries").await;
    let host = env.host();
    env.new_session().await;

    // A 50,000-character search was a 500 carrying SQLite's "LIKE or GLOB pattern too complex".
    let long = "x".repeat(50_000);
    let (s, b) = host.get(&format!("/api/sessions?q={long}")).await;
    assert_eq!((s, code(&b)), (422, "invalid_request"), "{b}");
    let message = b["error"]["message"].as_str().unwrap().to_ascii_lowercase();
    assert!(message.contains("200") && !message.contains("like") && !message.contains("sql"), "{message}");
    let (s, b) = host.get(&format!("/api/sessions?q={}", "%25_".repeat(100))).await;
    assert_eq!(s, 200, "200 characters, wildcards included, are a search: {b}");
    assert_eq!(b["sessions"], json!([]));

    // `since + 1` overflowed: the reader at i64::MAX is ahead of the log, not behind its retention.
    let max = i64::MAX;
    let (s, b) = host.get(&format!("/api/events?since={max}")).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["reset"], true);
    let mut ws = host.stream(&format!("since={max}")).await;
    let reset = next_event(&mut ws).await;
    assert_eq!((reset["type"].as_str(), reset["data"]["reason"].as_str()), (Some("reset"), Some("ahead_of_log")), "{reset}");
    let _ = ws.close(None).await;
    let (s, b) = host.get(&format!("/api/events?since={}", i64::MIN)).await;
    assert_eq!((s, b["reset"].as_bool()), (200, Some(false)), "below zero is from the oldest event kept: {b}");
    let (s, b) = host.get(&format!("/api/events?since={max}0")).await;
    assert_eq!((s, code(&b)), (400, "invalid_query"), "past i64 is not a position: {b}");

    // `host` is the label of the host's own decisions: no client may claim it.
    for label in ["host", " HOST "] {
        let r = host
            .http
            .post(format!("{}/api/jobs", host.url))
            .bearer_auth(&host.token)
            .header("X-Codex-Manager-Client", label)
            .json(&json!({"kind": "nobody.runs-this", "payload": {}}))
            .send()
            .await
            .unwrap();
        let (s, b) = decode(r).await;
        assert_eq!((s, code(&b)), (400, "reserved_client_label"), "{label}: {b}");
    }
    let r = host.http.get(format!("{}/api/jobs", host.url)).bearer_auth(&host.token).header("X-Codex-Manager-Client", "hostile").send().await.unwrap();
    assert_eq!(r.status(), 200, "a label that merely starts with `host` is a label");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_server_client_mistakes_are_4xx_with_a_stable_code() {
    let env = Env::start("rpcmistakes").await;
    let host = env.host();
    let session = env.new_session().await;

    // Each of these was a 502 `app_server_error`.
    for (path, status, expected) in [
        ("/api/models?cursor=bad", 422, "invalid_cursor"),
        ("/api/models?cursor=999999", 422, "invalid_cursor"),
        ("/api/models?modelProvider=nope", 404, "model_provider_not_found"),
    ] {
        let (s, b) = host.get(path).await;
        assert_eq!((s, code(&b)), (status, expected), "{path}: {b}");
    }
    let (s, b) = host.get("/api/models?limit=1").await;
    assert_eq!(s, 200, "{b}");
    if let Some(next) = b["nextCursor"].as_str() {
        let (s, b) = host.get(&format!("/api/models?limit=1&cursor={next}")).await;
        assert_eq!(s, 200, "a cursor the list gave out works: {b}");
    }
    let (s, b) = host.post("/api/mcp/servers/nope/login", json!({})).await;
    assert_eq!((s, code(&b)), (404, "mcp_server_not_found"), "{b}");
    let (s, b) = host.post(&format!("/api/sessions/{session}/revert"), json!({"beforeTurnId": "nope"})).await;
    assert_eq!((s, code(&b)), (404, "turn_not_found"), "before any turn: {b}");

    let mut ws = host.stream(&format!("since={}", host.latest_seq().await)).await;
    let turn = host.send(&session, "hello scenario:deltas=2").await;
    until(&mut ws, is_turn_end(&turn)).await;
    let (s, b) = host.post(&format!("/api/sessions/{session}/revert"), json!({"beforeTurnId": "01a2444a-0000-7000-8000-000000000000"})).await;
    assert_eq!((s, code(&b)), (404, "turn_not_found"), "after a turn: {b}");
    let (s, b) = host.get(&format!("/api/sessions/{session}/transcript?cursor=bad")).await;
    assert_eq!((s, code(&b)), (422, "invalid_cursor"), "{b}");
    let (s, t) = host.get(&format!("/api/sessions/{session}/transcript")).await;
    assert_eq!((s, t["turns"].as_array().map(Vec::len)), (200, Some(1)), "nothing was reverted: {t}");
    let (s, b) = host.post(&format!("/api/sessions/{session}/revert"), json!({"beforeTurnId": turn})).await;
    assert_eq!(s, 200, "a real turn reverts: {b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_fork_and_thread_operations_racing_a_delete_are_404_or_409_never_502() {
    let env = Env::start("deleterace").await;
    let host = env.host();
    let mut ws = host.stream(&format!("since={}", host.latest_seq().await)).await;
    for round in 0..6 {
        let session = env.new_session().await;
        let turn = host.send(&session, "first scenario:deltas=1").await;
        until(&mut ws, is_turn_end(&turn)).await;
        let (messages, fork_path, session_path) =
            (format!("/api/sessions/{session}/messages"), format!("/api/sessions/{session}/fork"), format!("/api/sessions/{session}"));
        let revert_path = format!("/api/sessions/{session}/revert");
        let send = host.post(&messages, json!({"text": "again scenario:deltas=1"}));
        let fork = host.post(&fork_path, json!({}));
        let revert = host.post(&revert_path, json!({"beforeTurnId": turn}));
        let delete = host.delete(&session_path);
        // Who wins varies by round; each answer must be one a client can act on.
        let ((sent, sb), (forked, fb), (reverted, rb), (deleted, db)) = if round % 2 == 0 {
            tokio::join!(send, fork, revert, delete)
        } else {
            let (d, r, s, f) = tokio::join!(delete, revert, send, fork);
            (s, f, r, d)
        };
        // A revert that ran first may have cut the turn a send then races with: 404 turn_not_found is fine too.
        assert!(matches!(reverted, 200 | 404 | 409) && code(&rb) != "app_server_error", "round {round}: revert: {reverted} {rb}");
        assert_eq!(deleted, 204, "round {round}: delete: {db}");
        assert!(sent == 202 || (sent == 404 && code(&sb) == "session_not_found") || sent == 409, "round {round}: send: {sent} {sb}");
        assert!(forked == 201 || (forked == 404 && code(&fb) == "session_not_found") || forked == 409, "round {round}: fork: {forked} {fb}");
        let (s, _) = host.get(&format!("/api/sessions/{session}")).await;
        assert_eq!(s, 404, "round {round}: the session is gone");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_client_stores_is_capped() {
    let env = Env::start("caps").await;
    let host = env.host();

    // Settings: 100 keys and 1 MiB of values per session (500 keys of 60 KB made one GET answer 30 MB).
    let session = env.new_session().await;
    for i in 0..100 {
        let (s, b) = host.put(&format!("/api/sessions/{session}/settings/k{i}"), json!(i)).await;
        assert_eq!(s, 200, "k{i}: {b}");
    }
    let (s, b) = host.put(&format!("/api/sessions/{session}/settings/k100"), json!(1)).await;
    assert_eq!((s, code(&b)), (409, "settings_full"), "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("100"), "{b}");
    let (s, b) = host.put(&format!("/api/sessions/{session}/settings/k7"), json!("replaced")).await;
    assert_eq!(s, 200, "replacing a key adds nothing: {b}");
    let (s, _) = host.delete(&format!("/api/sessions/{session}/settings/k0")).await;
    assert_eq!(s, 204);
    let (s, b) = host.put(&format!("/api/sessions/{session}/settings/k100"), json!(1)).await;
    assert_eq!(s, 200, "room again after a delete: {b}");

    let big = env.new_session().await;
    let value = json!("v".repeat(60_000));
    for i in 0..17 {
        let (s, b) = host.put(&format!("/api/sessions/{big}/settings/b{i}"), value.clone()).await;
        assert_eq!(s, 200, "b{i}: {b}");
    }
    let (s, b) = host.put(&format!("/api/sessions/{big}/settings/b17"), value.clone()).await;
    assert_eq!((s, code(&b)), (409, "settings_full"), "over 1 MiB in all: {b}");
    let (_, all) = host.get(&format!("/api/sessions/{big}/settings")).await;
    assert_eq!(all.as_array().unwrap().len(), 17);

    // Plugin manifests: 64 tools, and an http_allow entry must be a host that can match.
    let mut body = plugin_body("word-tools");
    let mut manifest = body["manifest"].as_str().unwrap().to_string();
    for i in 0..64 {
        manifest.push_str(&format!("\n[[tools]]\nname = \"extra_{i}\"\ndescription = \"d\"\ninput_schema = {{ type = \"object\" }}\n"));
    }
    body["manifest"] = json!(manifest);
    let (s, b) = host.post("/api/plugins", body).await;
    assert_eq!((s, code(&b)), (422, "invalid_plugin"), "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("at most 64 tools"), "{b}");

    let mut body = plugin_body("word-tools");
    let manifest = body["manifest"].as_str().unwrap().replace("http_allow = []", "http_allow = [\"*\"]");
    let manifest = manifest.replacen("request = [", "request = [\"http\", ", 1);
    body["manifest"] = json!(manifest);
    let (s, b) = host.post("/api/plugins", body).await;
    assert_eq!((s, code(&b)), (422, "invalid_plugin"), "{b}");
    assert!(b["error"]["message"].as_str().unwrap().contains("http_allow: `*`"), "{b}");
    assert_eq!(host.get("/api/plugins").await.1, json!([]), "nothing was installed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mcp_login_is_refused_for_what_the_server_list_tells() {
    let env = Env::start_full("mcpknown", &[], &["mcp_servers.plain.command=\"true\""]).await;
    let host = env.host();
    let (s, servers) = host.get("/api/mcp/servers").await;
    assert_eq!(s, 200, "{servers}");
    assert!(servers["data"].as_array().unwrap().iter().any(|e| e["name"] == "plain"), "{servers}");
    // It runs over stdio: it takes no OAuth login (this was a 502 with app-server's sentence).
    let (s, b) = host.post("/api/mcp/servers/plain/login", json!({})).await;
    assert_eq!((s, code(&b)), (409, "mcp_login_unsupported"), "{b}");
    let (s, b) = host.post("/api/mcp/servers/other/login", json!({})).await;
    assert_eq!((s, code(&b)), (404, "mcp_server_not_found"), "{b}");
}
