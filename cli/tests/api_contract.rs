//! The API's promises at its edges: auth, Host/Origin checks, hostile input, unknown ids, and the resources'
//! rules (projects, sessions, controls, settings, login).

mod support;

use futures_util::StreamExt;
use reqwest::StatusCode;
use serde_json::json;
use support::*;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auth_host_and_origin_are_enforced() {
    let env = Env::start("auth").await;
    let host = env.host();
    let http = &host.http;

    let r = http.get(format!("{}/api/sessions", host.url)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (_, body) = decode(r).await;
    assert_eq!(code(&body), "unauthorized");
    let r = http.get(format!("{}/api/health", host.url)).bearer_auth("wrong-token-wrong-token").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    let r = http.get(format!("{}/api/health", host.url)).bearer_auth(&host.token).header("Host", "evil.example").send().await.unwrap();
    let (status, body) = decode(r).await;
    assert_eq!((status, code(&body)), (403, "host_not_allowed"));

    let r = http
        .post(format!("{}/api/projects", host.url))
        .bearer_auth(&host.token)
        .header("Origin", "https://evil.example")
        .json(&json!({"name": "x", "cwd": env.work_dir()}))
        .send()
        .await
        .unwrap();
    let (status, body) = decode(r).await;
    assert_eq!((status, code(&body)), (403, "origin_not_allowed"));
    assert_eq!(host.get("/api/projects").await.1, json!([]), "the cross-site request changed nothing");

    // The websocket: no token, and a foreign Origin, are both refused before the upgrade.
    let ws_url = format!("{}/api/stream", host.url.replacen("http://", "ws://", 1));
    let err = tokio_tungstenite::connect_async(ws_url.clone()).await.unwrap_err();
    assert!(matches!(err, tokio_tungstenite::tungstenite::Error::Http(ref r) if r.status() == 401), "{err:?}");
    let mut req = ws_url.clone().into_client_request().unwrap();
    req.headers_mut().insert("Authorization", format!("Bearer {}", host.token).parse().unwrap());
    req.headers_mut().insert("Origin", "http://evil.example".parse().unwrap());
    let err = tokio_tungstenite::connect_async(req).await.unwrap_err();
    assert!(matches!(err, tokio_tungstenite::tungstenite::Error::Http(ref r) if r.status() == 403), "{err:?}");
    let mut req = ws_url.into_client_request().unwrap();
    req.headers_mut().insert("Authorization", format!("Bearer {}", host.token).parse().unwrap());
    req.headers_mut().insert("Origin", host.url.parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("same-origin websocket is accepted");
    let _ = ws.close(None).await;
    let _ = ws.next().await;

    // The token file is private to its owner.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(env.data_dir().join("token")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_gets_a_clear_4xx_and_changes_nothing() {
    let env = Env::start("badinput").await;
    let host = env.host();
    let session = env.new_session().await;
    let before = host.latest_seq().await;
    let raw = |path: &str, body: Vec<u8>, content_type: &str| {
        host.http
            .post(format!("{}{path}", host.url))
            .bearer_auth(&host.token)
            .header("Content-Type", content_type.to_string())
            .body(body)
            .send()
    };

    let (s, b) = decode(raw("/api/projects", b"{\"name\": ".to_vec(), "application/json").await.unwrap()).await;
    assert_eq!((s, code(&b)), (400, "invalid_json"));
    let (s, b) = decode(raw("/api/projects", b"{\"name\": 5}".to_vec(), "application/json").await.unwrap()).await;
    assert_eq!((s, code(&b)), (422, "invalid_body"));
    let (s, b) = decode(raw("/api/projects", br#"{"name":"a","cwd":"/tmp","extra":1}"#.to_vec(), "application/json").await.unwrap()).await;
    assert_eq!((s, code(&b)), (422, "invalid_body"), "unknown fields are refused");
    let (s, b) = decode(raw("/api/projects", b"name=a".to_vec(), "text/plain").await.unwrap()).await;
    assert_eq!((s, code(&b)), (415, "unsupported_media_type"));
    // The host answers 413 without reading the rest and closes that connection: send it on a connection of its own.
    let huge = format!("{{\"text\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let once = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let r = once
        .post(format!("{}/api/sessions/{session}/messages", host.url))
        .bearer_auth(&host.token)
        .header("Content-Type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    let (s, b) = decode(r).await;
    assert_eq!((s, code(&b)), (413, "body_too_large"));
    let (s, b) = host.post(&format!("/api/sessions/{session}/messages"), json!({"text": "   "})).await;
    assert_eq!((s, code(&b)), (422, "invalid_request"));
    let (s, b) = host.post("/api/projects", json!({"name": "rel", "cwd": "relative/dir"})).await;
    assert_eq!((s, code(&b)), (422, "invalid_request"));
    let (s, b) = host.post("/api/projects", json!({"name": "gone", "cwd": "/definitely/not/here"})).await;
    assert_eq!((s, code(&b)), (422, "cwd_not_found"));
    let (s, b) = host.post("/api/sessions", json!({})).await;
    assert_eq!((s, code(&b)), (422, "invalid_request"));
    let (s, b) = host.get("/api/sessions?limit=0").await;
    assert_eq!((s, code(&b)), (422, "invalid_request"));
    let (s, b) = host.get("/api/sessions?limit=abc").await;
    assert_eq!((s, code(&b)), (400, "invalid_query"));
    let (s, b) = host.get("/api/events?since=0&limit=999999").await;
    assert_eq!((s, code(&b)), (422, "invalid_request"));
    let (s, b) = host.request(reqwest::Method::PUT, "/api/sessions", Some(json!({}))).await;
    assert_eq!((s, code(&b)), (405, "method_not_allowed"));
    let (s, b) = host.get("/api/stream").await;
    assert_eq!(code(&b), "websocket_required", "{s}");
    let (s, b) = host.put(&format!("/api/sessions/{session}/controls"), json!({"sandbox": "workspaceWrite"})).await;
    assert_eq!((s, code(&b)), (422, "invalid_body"));
    let (s, b) = host.put(&format!("/api/sessions/{session}/settings/bad key"), json!(1)).await;
    assert_eq!((s, code(&b)), (422, "invalid_setting_key"));
    let (s, b) = host.put(&format!("/api/sessions/{session}/settings/big"), json!("y".repeat(70 * 1024))).await;
    assert_eq!((s, code(&b)), (422, "setting_too_large"));
    let r = host.http.post(format!("{}/api/sessions/{session}/messages", host.url)).bearer_auth(&host.token)
        .header("Idempotency-Key", "").json(&json!({"text": "x"})).send().await.unwrap();
    let (s, b) = decode(r).await;
    assert_eq!((s, code(&b)), (422, "invalid_idempotency_key"));

    // Unknown ids are 404 with a precise code, for every verb.
    let ghost = "00000000-0000-0000-0000-000000000000";
    for (status, body) in [
        host.get(&format!("/api/sessions/{ghost}")).await,
        host.patch(&format!("/api/sessions/{ghost}"), json!({"title": "x"})).await,
        host.delete(&format!("/api/sessions/{ghost}")).await,
        host.post(&format!("/api/sessions/{ghost}/messages"), json!({"text": "hi"})).await,
        host.post(&format!("/api/sessions/{ghost}/interrupt"), json!({})).await,
        host.get(&format!("/api/sessions/{ghost}/settings")).await,
    ] {
        assert_eq!((status, code(&body)), (404, "session_not_found"), "{body}");
    }
    let (s, b) = host.get(&format!("/api/projects/{ghost}")).await;
    assert_eq!((s, code(&b)), (404, "project_not_found"));
    let (s, b) = host.post("/api/sessions", json!({"projectId": ghost})).await;
    assert_eq!((s, code(&b)), (404, "project_not_found"));
    let (s, b) = host.get(&format!("/api/sessions/{session}/settings/nothing")).await;
    assert_eq!((s, code(&b)), (404, "setting_not_found"));
    let (s, b) = host.get("/api/no-such-route").await;
    assert_eq!((s, code(&b)), (404, "route_not_found"));

    // Nothing above wrote anything: no host action was recorded (app-server's own notifications may still arrive).
    let (_, after) = host.get(&format!("/api/events?since={before}")).await;
    let written: Vec<&str> = after["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .filter(|t| !t.starts_with("app_server.") && !t.starts_with("runtime.") && *t != "session.thread_started")
        .collect();
    assert!(written.is_empty(), "refused requests leave no events: {written:?}");
    assert_eq!(host.get("/api/projects").await.1, json!([]));
    assert_eq!(host.get(&format!("/api/sessions/{session}/settings")).await.1, json!([]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn projects_group_sessions_and_guard_their_deletion() {
    let env = Env::start("projects").await;
    let host = env.host();
    let (s, a) = host.post("/api/projects", json!({"name": "Alpha", "cwd": env.work_dir()})).await;
    assert_eq!(s, 201, "{a}");
    let (s, b) = host.post("/api/projects", json!({"name": "Beta", "cwd": env.work_dir()})).await;
    assert_eq!(s, 201, "{b}");
    let (a, b) = (a["id"].as_str().unwrap().to_string(), b["id"].as_str().unwrap().to_string());
    let (s, dup) = host.post("/api/projects", json!({"name": "Alpha", "cwd": env.work_dir()})).await;
    assert_eq!((s, code(&dup)), (409, "project_name_taken"));

    let mut ids = Vec::new();
    for title in ["one", "two", "three"] {
        let (s, body) = host.post("/api/sessions", json!({"projectId": a, "title": title})).await;
        assert_eq!(s, 201, "{body}");
        assert_eq!(body["cwd"], env.work_dir().as_str(), "a project's sessions use its working directory");
        ids.push(body["id"].as_str().unwrap().to_string());
    }
    let loose = env.new_session().await;

    let (s, body) = host.delete(&format!("/api/projects/{a}")).await;
    assert_eq!((s, code(&body)), (409, "project_not_empty"));

    // Filters and paging.
    let (_, page) = host.get(&format!("/api/sessions?projectId={a}&limit=2")).await;
    assert_eq!(page["sessions"].as_array().unwrap().len(), 2);
    let cursor = page["nextCursor"].as_str().expect("a second page").to_string();
    let (_, page2) = host.get(&format!("/api/sessions?projectId={a}&limit=2&cursor={cursor}")).await;
    assert_eq!(page2["sessions"].as_array().unwrap().len(), 1);
    assert!(page2["nextCursor"].is_null());
    let (_, none) = host.get("/api/sessions?projectId=none").await;
    assert_eq!(none["sessions"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect::<Vec<_>>(), vec![loose.as_str()]);
    let (_, found) = host.get("/api/sessions?q=TWO").await;
    assert_eq!(found["sessions"][0]["title"], "two");

    // Rename, archive (send refused while archived), unarchive.
    let (s, renamed) = host.patch(&format!("/api/sessions/{}", ids[0]), json!({"title": "uno"})).await;
    assert_eq!((s, renamed["title"].as_str()), (200, Some("uno")));
    let (s, archived) = host.post(&format!("/api/sessions/{}/archive", ids[1]), json!({})).await;
    assert_eq!((s, archived["archived"].as_bool()), (200, Some(true)));
    let (s, body) = host.post(&format!("/api/sessions/{}/messages", ids[1]), json!({"text": "hi"})).await;
    assert_eq!((s, code(&body)), (409, "session_archived"));
    let (_, active) = host.get(&format!("/api/sessions?projectId={a}&archived=false")).await;
    assert_eq!(active["sessions"].as_array().unwrap().len(), 2);
    let (s, _) = host.post(&format!("/api/sessions/{}/unarchive", ids[1]), json!({})).await;
    assert_eq!(s, 200);

    // Move all to Beta, then delete all of Beta's, then Alpha (now empty) can go.
    let (s, moved) = host.post(&format!("/api/projects/{a}/move-sessions"), json!({"toProjectId": b})).await;
    assert_eq!((s, moved["sessionIds"].as_array().unwrap().len()), (200, 3));
    let (_, beta) = host.get(&format!("/api/projects/{b}")).await;
    assert_eq!(beta["sessionCount"], 3);
    let (s, deleted) = host.delete(&format!("/api/projects/{b}/sessions")).await;
    assert_eq!((s, deleted["sessionIds"].as_array().unwrap().len()), (200, 3));
    let (s, _) = host.get(&format!("/api/sessions/{}", ids[0])).await;
    assert_eq!(s, 404);
    let (s, _) = host.delete(&format!("/api/projects/{a}")).await;
    assert_eq!(s, 204);
    let (s, renamed) = host.patch(&format!("/api/projects/{b}"), json!({"name": "Gamma"})).await;
    assert_eq!((s, renamed["name"].as_str()), (200, Some("Gamma")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn controls_and_settings_reach_the_next_turn_and_every_reader() {
    let env = Env::start("controls").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;

    let (s, defaults) = host.put("/api/controls/defaults", json!({"reasoningEffort": "low"})).await;
    assert_eq!(s, 200, "{defaults}");
    let (s, view) = host.put(&format!("/api/sessions/{session}/controls"), json!({"reasoningEffort": "high", "sandbox": "read-only"})).await;
    assert_eq!(s, 200, "{view}");
    assert_eq!(view["effective"]["reasoningEffort"], "high");
    assert_eq!(view["defaults"]["reasoningEffort"], "low");
    until(&mut ws, |e| e["type"] == "session.controls_updated").await;

    let turn = host.send(&session, "with controls scenario:deltas=1").await;
    until(&mut ws, is_turn_end(&turn)).await;
    let request = env.model.requests().into_iter().rev().find(|r| r.scenario.as_deref() == Some("deltas=1")).unwrap();
    assert_eq!(request.body["reasoning"]["effort"], "high", "the session's control reached the model");

    let (s, set) = host.put(&format!("/api/sessions/{session}/settings/autoname"), json!({"enabled": true})).await;
    assert_eq!(s, 200, "{set}");
    let changed = until(&mut ws, |e| e["type"] == "session.setting_changed").await;
    assert_eq!(changed.last().unwrap()["data"]["key"], "autoname");
    let (_, list) = host.get(&format!("/api/sessions/{session}/settings")).await;
    assert_eq!(list[0]["value"], json!({"enabled": true}));
    let (s, _) = host.delete(&format!("/api/sessions/{session}/settings/autoname")).await;
    assert_eq!(s, 204);
    let (s, b) = host.delete(&format!("/api/sessions/{session}/settings/autoname")).await;
    assert_eq!((s, code(&b)), (404, "setting_not_found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_login_link_works_once_and_sets_a_strict_http_only_cookie() {
    let env = Env::start("login").await;
    let host = env.host();
    let (s, link) = host.post("/api/login-links", json!({})).await;
    assert_eq!(s, 201, "{link}");
    let url = link["url"].as_str().unwrap().to_string();
    let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let r = no_redirect.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
    let pair = cookie.split(';').next().unwrap().to_string();
    let r = no_redirect.get(format!("{}/api/sessions", host.url)).header("Cookie", pair).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the cookie authenticates");
    let r = no_redirect.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "a login code works once");
    // Readiness names the codex release that runs and how the host stands to it, once its schema was read (before,
    // a same-schema release cannot be told from an untested one). Version-neutral: whichever codex the suite runs on
    // (`CODEX_BIN`, in `TESTED` or not, inside the supported range or not), the verdict is the one the rules give for
    // its release and schema fingerprint.
    let ready = eventually("the codex schema read", async || {
        let (_, ready) = host.get("/api/ready").await;
        (ready["protocol"]["checked"] == true).then_some(ready)
    })
    .await;
    let codex = &ready["codex"];
    let running = codex["running"].as_str().filter(|v| v.split('.').count() == 3).unwrap_or_else(|| panic!("{codex}"));
    let expected = expected_codex_verdict(running);
    assert_eq!(codex["support"], expected.support.as_str(), "{codex}");
    assert_eq!(codex["sameSchemaAs"].as_str(), expected.same_schema_as.as_deref(), "{codex}");
    assert_eq!(codex["matches"], expected.matches, "{codex}");
    assert_eq!(codex["advice"].as_str(), expected.advice.as_deref(), "{codex}");
    // And the rules themselves, as the docs state them: matching means tested or a tested schema, and there is advice
    // exactly when there is something to do.
    let same_schema = !codex["sameSchemaAs"].is_null();
    assert_eq!(codex["matches"], codex["support"] == "tested" || same_schema, "{codex}");
    assert_eq!(codex["advice"].is_null(), codex["support"] == "tested" || same_schema, "{codex}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fork_copies_history_and_delete_removes_the_session() {
    let env = Env::start("fork").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}", host.latest_seq().await)).await;
    let turn = host.send(&session, "remember me scenario:deltas=2").await;
    until(&mut ws, is_turn_end(&turn)).await;

    let (s, fork) = host.post(&format!("/api/sessions/{session}/fork"), json!({})).await;
    assert_eq!(s, 201, "{fork}");
    assert_eq!(fork["forkedFrom"], session.as_str());
    let fork_id = fork["id"].as_str().unwrap();
    let (_, t) = host.get(&format!("/api/sessions/{fork_id}/transcript")).await;
    assert_eq!(t["turns"].as_array().unwrap().len(), 1, "the fork has the history: {t}");
    let next = host.send(fork_id, "in the fork scenario:deltas=2").await;
    until(&mut ws, is_turn_end(&next)).await;

    let (s, _) = host.delete(&format!("/api/sessions/{session}")).await;
    assert_eq!(s, 204);
    let deleted = until(&mut ws, |e| e["type"] == "session.deleted").await;
    assert_eq!(deleted.last().unwrap()["sessionId"], session.as_str());
    let (s, _) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(s, 404);
    let (s, _) = host.get(&format!("/api/sessions/{fork_id}")).await;
    assert_eq!(s, 200, "the fork lives on");
}
