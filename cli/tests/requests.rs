//! Approvals, tool input and dynamic tool calls through the public API against the real app-server: each answer
//! reaches Codex exactly once, whoever gives it, and nothing is left waiting on a prompt nobody can see.

mod support;

use serde_json::{json, Value};
use support::*;

/// Wait for the next `<family>.requested` event and return the request.
async fn next_request(ws: &mut Ws, family: &str) -> Value {
    let kind = format!("{family}.requested");
    until(ws, |e| e["type"] == kind.as_str()).await.pop().unwrap()["data"].clone()
}

async fn respond(host: &Host, session: &str, request: &str, body: Value, client: &str) -> (u16, Value) {
    let resp = host
        .http
        .post(format!("{}/api/sessions/{session}/requests/{request}/response", host.url))
        .bearer_auth(&host.token)
        .header("X-Codex-Manager-Client", client)
        .json(&body)
        .send()
        .await
        .unwrap();
    decode(resp).await
}

fn command_items(turn: &Value) -> Vec<Value> {
    turn["items"].as_array().unwrap().iter().filter(|i| i["type"] == "commandExecution").cloned().collect()
}

async fn last_turn(host: &Host, session: &str) -> Value {
    let (_, t) = host.get(&format!("/api/sessions/{session}/transcript?order=desc&limit=1")).await;
    t["turns"][0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_command_runs_and_its_output_reaches_the_transcript() {
    let env = Env::start("approve").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "run it scenario:approval").await;

    let request = next_request(&mut ws, "approval").await;
    assert_eq!(request["kind"], "command_approval");
    assert_eq!(request["status"], "pending");
    assert_eq!(request["turnId"], turn.as_str());
    assert!(request["params"]["command"].as_str().unwrap().contains("echo approved-output"));
    assert_eq!(request["params"]["reason"], "fake: needs approval");
    let id = request["id"].as_str().unwrap();

    let (_, s) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(s["session"]["status"], "waiting_on_approval");
    assert_eq!(s["session"]["pendingRequests"], 1);
    let (_, all) = host.get("/api/requests?status=pending").await;
    assert_eq!(all.as_array().unwrap().len(), 1);

    let (status, resolved) = respond(host, &session, id, json!({"decision": "accept", "reason": "looks safe"}), "cli").await;
    assert_eq!(status, 200, "{resolved}");
    assert_eq!(resolved["status"], "resolved");
    assert_eq!(resolved["decision"], "accept");
    assert_eq!(resolved["decidedBy"], "cli");
    let events = until(&mut ws, is_turn_end(&turn)).await;
    assert!(events.iter().any(|e| e["type"] == "approval.resolved" && e["data"]["id"] == id));
    assert_eq!(events.last().unwrap()["data"]["turn"]["status"], "completed");

    let commands = command_items(&last_turn(host, &session).await);
    assert_eq!(commands.len(), 1, "{commands:#?}");
    assert_eq!(commands[0]["status"], "completed");
    assert!(commands[0]["aggregatedOutput"].as_str().unwrap().contains("approved-output"));
    let (_, s) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!((s["session"]["status"].as_str(), s["session"]["pendingRequests"].as_u64()), (Some("idle"), Some(0)));
    // History stays readable.
    let (_, history) = host.get(&format!("/api/sessions/{session}/requests/{id}")).await;
    assert_eq!(history["reason"], "looks safe");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_command_does_not_run() {
    let env = Env::start("decline").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "run it scenario:approval").await;
    let request = next_request(&mut ws, "approval").await;
    let (status, _) = respond(host, &session, request["id"].as_str().unwrap(), json!({"decision": "decline"}), "web").await;
    assert_eq!(status, 200);
    let events = until(&mut ws, is_turn_end(&turn)).await;
    let item = events
        .iter()
        .find(|e| e["type"] == "item.completed" && e["data"]["item"]["type"] == "commandExecution")
        .expect("the command item completes");
    assert_eq!(item["data"]["item"]["status"], "declined");
    // Codex's persisted history keeps no output for it: nothing ran.
    let transcript = last_turn(host, &session).await.to_string();
    assert!(!transcript.contains("approved-output\n"), "{transcript}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_for_session_does_not_ask_again_for_the_same_command() {
    let env = Env::start("forsession").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let first = host.send(&session, "run it scenario:approval").await;
    let request = next_request(&mut ws, "approval").await;
    // Decided from the CLI, as an operator would.
    let (code, listed, _) = host.cli(&["--json", "requests", "list"]).await;
    assert_eq!(code, 0);
    assert!(listed.contains(request["id"].as_str().unwrap()), "{listed}");
    let (code, out, err) = host.cli(&["requests", "approve", &session, request["id"].as_str().unwrap(), "--for-session"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let (code, _, err) = host.cli(&["requests", "approve", &session, request["id"].as_str().unwrap()]).await;
    assert_eq!(code, 4, "a second decision is a conflict: {err}");
    assert!(err.contains("request_already_resolved"), "{err}");
    until(&mut ws, is_turn_end(&first)).await;
    let (_, decided) = host.get(&format!("/api/sessions/{session}/requests/{}", request["id"].as_str().unwrap())).await;
    assert_eq!((decided["decision"].as_str(), decided["decidedBy"].as_str()), (Some("acceptForSession"), Some("cli")));

    let second = host.send(&session, "again scenario:approval").await;
    let events = until(&mut ws, is_turn_end(&second)).await;
    assert!(!events.iter().any(|e| e["type"] == "approval.requested"), "no second prompt");
    let commands = command_items(&last_turn(host, &session).await);
    assert!(commands[0]["aggregatedOutput"].as_str().unwrap().contains("approved-output"), "and the command ran");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_change_approval_shows_its_diff_and_does_what_it_says() {
    let env = Env::start("filechange").await;
    let host = env.host();
    // Outside every root workspace-write opens: not the work dir, and not /tmp or $TMPDIR (where a checkout, and
    // so this test's own scratch dir, may live).
    let outside = std::path::PathBuf::from("/var/tmp").join(format!("codex-manager-test-{}", env.dir.path().file_name().unwrap().to_string_lossy()));
    std::fs::create_dir_all(&outside).unwrap();
    struct Cleanup(std::path::PathBuf);
    impl Drop for Cleanup {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let _cleanup = Cleanup(outside.clone());
    for (decision, name) in [("accept", "yes.txt"), ("decline", "no.txt")] {
        let session = env.new_session().await;
        let (s, _) = host.put(&format!("/api/sessions/{session}/controls"), json!({"sandbox": "workspace-write"})).await;
        assert_eq!(s, 200);
        let target = outside.join(name);
        let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
        let turn = host.send(&session, &format!("write it scenario:outside_patch path:{}", target.display())).await;
        let request = next_request(&mut ws, "approval").await;
        assert_eq!(request["kind"], "file_change_approval");
        let diff = request["item"]["changes"].to_string();
        assert!(diff.contains(name), "the request carries the file change: {request:#}");
        let (status, _) = respond(host, &session, request["id"].as_str().unwrap(), json!({"decision": decision}), "web").await;
        assert_eq!(status, 200);
        until(&mut ws, is_turn_end(&turn)).await;
        assert_eq!(target.exists(), decision == "accept", "{decision}: {}", target.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_input_in_plan_mode_reaches_the_model() {
    let env = Env::start("toolinput").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let (status, accepted) = host.post(&format!("/api/sessions/{session}/messages"), json!({"text": "ask me scenario:user_input", "mode": "plan"})).await;
    assert_eq!(status, 202, "{accepted}");
    let turn = accepted["turnId"].as_str().unwrap().to_string();
    let request = next_request(&mut ws, "tool_input").await;
    assert_eq!(request["kind"], "tool_input");
    assert_eq!(request["params"]["questions"][0]["id"], "color");
    let (_, s) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(s["session"]["status"], "waiting_on_input");

    let (status, body) = respond(host, &session, request["id"].as_str().unwrap(), json!({"answers": {"nope": "x"}}), "web").await;
    assert_eq!((status, code(&body)), (422, "invalid_answer"));
    let (status, _) = respond(host, &session, request["id"].as_str().unwrap(), json!({"answers": {"color": "Blue"}}), "web").await;
    assert_eq!(status, 200);
    until(&mut ws, is_turn_end(&turn)).await;
    let followup = env.model.requests().into_iter().rev().find(|r| r.scenario.as_deref() == Some("user_input")).unwrap();
    assert!(followup.body.to_string().contains("Blue"), "the answer reached the model");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dynamic_tool_is_served_by_an_api_client_or_fails_cleanly_after_its_timeout() {
    let env = Env::start("dyntool").await;
    let host = env.host();
    let tools = json!([{"name": "lookup", "description": "Looks things up", "inputSchema": {"type": "object", "properties": {"input": {"type": "string"}}}}]);
    let (status, created) = host.post("/api/sessions", json!({"cwd": env.work_dir(), "dynamicTools": tools, "toolCallTimeoutMs": 1500})).await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["dynamicTools"], json!(["lookup"]));
    let session = created["id"].as_str().unwrap().to_string();
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;

    let turn = host.send(&session, "scenario:tool:lookup ping").await;
    let request = next_request(&mut ws, "tool_call").await;
    assert_eq!(request["params"]["tool"], "lookup");
    assert_eq!(request["params"]["arguments"]["input"], "ping");
    let (_, s) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(s["session"]["status"], "waiting_on_tool");
    let (status, _) = respond(host, &session, request["id"].as_str().unwrap(), json!({"text": "pong"}), "sdk").await;
    assert_eq!(status, 200);
    until(&mut ws, is_turn_end(&turn)).await;
    let reply = last_turn(host, &session).await.to_string();
    assert!(reply.contains("Tool said: pong"), "{reply}");

    // Nobody answers the second call: it expires and Codex gets a clean failure.
    let turn = host.send(&session, "scenario:tool:lookup again").await;
    let request = next_request(&mut ws, "tool_call").await;
    let expired = until(&mut ws, |e| e["type"] == "tool_call.expired").await.pop().unwrap();
    assert_eq!(expired["data"]["id"], request["id"]);
    assert!(expired["data"]["reason"].as_str().unwrap().contains("no answer within 1500 ms"));
    until(&mut ws, is_turn_end(&turn)).await;
    let followup = env.model.requests().into_iter().last().unwrap();
    assert!(followup.body.to_string().contains("not answered within 1500 ms"), "the model was told");
    let (status, body) = respond(host, &session, request["id"].as_str().unwrap(), json!({"text": "late"}), "sdk").await;
    assert_eq!((status, code(&body)), (410, "request_expired"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_concurrent_decisions_exactly_one_wins() {
    let env = Env::start("race").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "run it scenario:approval").await;
    let request = next_request(&mut ws, "approval").await;
    let id = request["id"].as_str().unwrap();
    let (a, b) = tokio::join!(
        respond(host, &session, id, json!({"decision": "accept"}), "web"),
        respond(host, &session, id, json!({"decision": "decline"}), "cli"),
    );
    let mut outcomes = [a, b];
    outcomes.sort_by_key(|(s, _)| *s);
    let [(won, winner), (lost, loser)] = outcomes;
    assert_eq!((won, lost), (200, 409), "{winner} / {loser}");
    assert_eq!(code(&loser), "request_already_resolved");
    assert_eq!(loser["error"]["details"]["decision"], winner["decision"]);
    assert_eq!(loser["error"]["details"]["decidedBy"], winner["decidedBy"]);

    let events = until(&mut ws, is_turn_end(&turn)).await;
    assert_eq!(events.iter().filter(|e| e["type"] == "approval.resolved").count(), 1);
    // What app-server did with the one answer it got, as it reported it live (its transcript, read right after the
    // turn, can still lack a declined command item).
    let commands: Vec<&Value> = events
        .iter()
        .filter(|e| e["type"] == "item.completed" && e["data"]["item"]["type"] == "commandExecution")
        .filter(|e| e["data"]["closedByHost"] != true)
        .collect();
    assert_eq!(commands.len(), 1, "app-server got one answer: {commands:#?}");
    let expected = if winner["decision"] == "accept" { "completed" } else { "declined" };
    assert_eq!(commands[0]["data"]["item"]["status"], expected, "{:#}", commands[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_answers_are_refused_and_change_nothing() {
    let env = Env::start("badanswers").await;
    let host = env.host();
    let session = env.new_session().await;
    let other = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "run it scenario:approval").await;
    let request = next_request(&mut ws, "approval").await;
    let id = request["id"].as_str().unwrap();
    let url = format!("{}/api/sessions/{session}/requests/{id}/response", host.url);
    let raw = host.http.post(&url).bearer_auth(&host.token).header("Content-Type", "application/json").body("{\"decision\":").send().await.unwrap();
    let (s, b) = decode(raw).await;
    assert_eq!((s, code(&b)), (400, "invalid_json"));
    let (s, b) = respond(host, &session, id, json!({"decision": "yes please"}), "web").await;
    assert_eq!((s, code(&b)), (422, "invalid_decision"));
    let (s, b) = respond(host, &session, id, json!({"decision": {"acceptWithExecpolicyAmendment": {"execpolicy_amendment": ["rm", "-rf"]}}}), "web").await;
    assert_eq!((s, code(&b)), (422, "invalid_decision"), "an amendment is only taken as offered");
    let (s, b) = respond(host, &session, id, json!({"answers": {"a": "b"}}), "web").await;
    assert_eq!((s, code(&b)), (422, "wrong_answer_kind"));
    let (s, b) = respond(host, &session, id, json!({"decision": "accept", "surprise": 1}), "web").await;
    assert_eq!((s, code(&b)), (422, "invalid_body"));
    let (s, b) = respond(host, &other, id, json!({"decision": "accept"}), "web").await;
    assert_eq!((s, code(&b)), (404, "request_not_found"), "another session's request");
    let (s, b) = respond(host, &session, "00000000-0000-0000-0000-000000000000", json!({"decision": "accept"}), "web").await;
    assert_eq!((s, code(&b)), (404, "request_not_found"));
    let (_, still) = host.get(&format!("/api/sessions/{session}/requests/{id}")).await;
    assert_eq!(still["status"], "pending", "nothing changed");
    assert!(still["decision"].is_null());
    let (s, _) = respond(host, &session, id, json!({"decision": "accept"}), "web").await;
    assert_eq!(s, 200);
    until(&mut ws, is_turn_end(&turn)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_server_dying_expires_the_pending_request_and_the_session_recovers() {
    let env = Env::start("reqkill").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "run it scenario:approval").await;
    let request = next_request(&mut ws, "approval").await;
    let pid = host.runtime().await["pid"].as_i64().unwrap() as i32;
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    let expired = until(&mut ws, |e| e["type"] == "approval.expired").await.pop().unwrap();
    assert_eq!(expired["data"]["id"], request["id"]);
    assert!(expired["data"]["reason"].as_str().unwrap().contains("app-server stopped"), "{expired}");
    until(&mut ws, is_turn_end(&turn)).await;
    let (s, b) = respond(host, &session, request["id"].as_str().unwrap(), json!({"decision": "accept"}), "web").await;
    assert_eq!((s, code(&b)), (410, "request_expired"));
    assert!(b["error"]["details"]["reason"].as_str().unwrap().contains("app-server stopped"));
    host.wait_ready().await;
    let next = host.send(&session, "carry on scenario:deltas=2").await;
    let events = until(&mut ws, is_turn_end(&next)).await;
    assert_eq!(events.last().unwrap()["data"]["turn"]["status"], "completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_restart_leaves_no_request_stuck_and_late_clients_see_pending_ones() {
    let mut env = Env::start("reqrestart").await;
    let session = env.new_session().await;
    let id = {
        let host = env.host();
        let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
        host.send(&session, "run it scenario:approval").await;
        let request = next_request(&mut ws, "approval").await;
        // A client connecting now is told at once what waits for an answer.
        let mut late = host.stream(&format!("sessions={session}")).await;
        let first = next_event(&mut late).await;
        assert_eq!(first["type"], "requests.pending");
        assert_eq!(first["data"]["requests"][0]["id"], request["id"]);
        request["id"].as_str().unwrap().to_string()
    };
    env.stop_host().await;
    env.start_host().await;
    let host = env.host();
    let (_, pending) = host.get("/api/requests?status=pending").await;
    assert_eq!(pending, json!([]), "nothing left pending");
    let (_, request) = host.get(&format!("/api/sessions/{session}/requests/{id}")).await;
    assert_eq!(request["status"], "expired");
    let (s, b) = respond(host, &session, &id, json!({"decision": "accept"}), "web").await;
    assert_eq!((s, code(&b)), (410, "request_expired"));
    let (_, s) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(s["session"]["status"], "idle");
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let next = host.send(&session, "fresh start scenario:deltas=2").await;
    until(&mut ws, is_turn_end(&next)).await;
}

/// A session's own dynamic tools outlive an app-server restart (the thread is resumed, not started again).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamic_tools_survive_an_app_server_restart() {
    let env = Env::start("dyntoolrestart").await;
    let host = env.host();
    let tools = json!([{"name": "lookup", "description": "Looks things up", "inputSchema": {"type": "object"}}]);
    let (_, created) = host.post("/api/sessions", json!({"cwd": env.work_dir(), "dynamicTools": tools})).await;
    let session = created["id"].as_str().unwrap().to_string();
    let mut ws = host.stream(&format!("since={}", host.latest_seq().await)).await;
    let first = host.send(&session, "warm up scenario:deltas=1").await;
    until(&mut ws, is_turn_end(&first)).await;
    let pid = host.runtime().await["pid"].as_i64().unwrap() as i32;
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    until(&mut ws, |e| e["type"] == "runtime.ready").await;
    let turn = host.send(&session, "scenario:tool:lookup again").await;
    let request = next_request(&mut ws, "tool_call").await;
    assert_eq!(request["params"]["tool"], "lookup");
    let (s, _) = respond(host, &session, request["id"].as_str().unwrap(), json!({"text": "still here"}), "sdk").await;
    assert_eq!(s, 200);
    until(&mut ws, is_turn_end(&turn)).await;
    assert!(last_turn(host, &session).await.to_string().contains("Tool said: still here"));
}
