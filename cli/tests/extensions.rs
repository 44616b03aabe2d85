//! WIT 0.2.0 beside 0.1.0, end to end with the real app-server and the fake model: a plugin of each version reacting
//! to the same real turn, plugin settings set through the API reaching the plugin, an assessment shown in the pending
//! request, and the shipped workflows on a session longer than the 50 turns the 0.1.0 transcript page held.

mod support;

use serde_json::{json, Value};
use support::*;

/// Install a built plugin granting everything its manifest requests.
async fn install_all(host: &Host, id: &str) -> Value {
    let manifest = std::fs::read_to_string(package(id).join("plugin.toml")).unwrap();
    let requested: Vec<String> = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("request ="))
        .map(|l| l.split('[').nth(1).unwrap().trim_end_matches(']').split(',').map(|c| c.trim().trim_matches('"').to_string()).collect())
        .unwrap();
    let grant: Vec<&str> = requested.iter().map(String::as_str).collect();
    let (s, b) = install_plugin(host, id, &grant).await;
    assert_eq!(s, 201, "{b}");
    b
}

async fn notes_of_turn(host: &Host, session: &str, turn: &str) -> Vec<Value> {
    let (_, notes) = host.get(&format!("/api/sessions/{session}/notes")).await;
    notes["notes"].as_array().unwrap().iter().filter(|n| n["turnId"] == turn).cloned().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_0_1_and_a_0_2_plugin_side_by_side_react_to_the_same_real_turn_and_settings_reach_the_plugin() {
    let env = Env::start("wit-side-by-side").await;
    let host = env.host();
    let legacy = install_all(host, "legacy-v01").await;
    let probe = install_all(host, "probe-v02").await;
    assert_eq!((legacy["wit"].as_str(), legacy["witVersion"].as_str()), (Some("^0.1"), Some("0.1.0")), "{legacy}");
    assert_eq!((probe["wit"].as_str(), probe["witVersion"].as_str()), (Some("^0.2"), Some("0.2.0")), "{probe}");
    assert_eq!(probe["hostWits"], json!(["0.1.0", "0.2.0"]));
    let (_, listed, _) = host.cli(&["plugin", "list"]).await;
    assert!(listed.lines().any(|l| l.contains("legacy-v01") && l.contains("0.1.0")), "{listed}");

    // Settings through the API: the defaults, a change, and what is refused.
    let (s, settings) = host.get("/api/plugins/probe-v02/settings").await;
    assert_eq!(s, 200, "{settings}");
    assert_eq!(settings["settings"], json!({"greeting": "hello", "risk": "medium"}));
    let seq = host.latest_seq().await;
    let (s, changed) = host.put("/api/plugins/probe-v02/settings", json!({"greeting": "hi from the API"})).await;
    assert_eq!(s, 200, "{changed}");
    assert_eq!(changed["user"], json!({"greeting": "hi from the API"}));
    let (_, events) = host.get(&format!("/api/events?since={seq}&types=plugin.settings_changed")).await;
    assert_eq!(events["events"][0]["data"]["settings"]["greeting"], "hi from the API", "{events}");
    let (s, e) = host.put("/api/plugins/probe-v02/settings", json!({"nope": 1})).await;
    assert_eq!((s, code(&e)), (422, "unknown_plugin_setting"), "{e}");
    let (s, e) = host.put("/api/plugins/probe-v02/settings", json!({"greeting": 3})).await;
    assert_eq!((s, code(&e)), (422, "wrong_setting_type"), "{e}");
    let (s, e) = host.put("/api/plugins/legacy-v01/settings", json!({"x": true})).await;
    assert_eq!((s, code(&e)), (422, "unknown_plugin_setting"), "a plugin without [settings] has none: {e}");

    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "Say something short scenario:deltas=2").await;
    until(&mut ws, is_turn_end(&turn)).await;
    let notes = eventually("both plugins note the turn", async || {
        let notes = notes_of_turn(host, &session, &turn).await;
        (notes.len() == 2).then_some(notes)
    })
    .await;
    let by = |kind: &str| notes.iter().find(|n| n["kind"] == kind).unwrap_or_else(|| panic!("no {kind} note: {notes:?}")).clone();
    let legacy_note = by("legacy-v01");
    assert_eq!((legacy_note["pluginId"].as_str(), legacy_note["title"].as_str()), (Some("legacy-v01"), Some("seen by 0.1.0")));
    let probe_note = by("probe-v02");
    // 0.2.0's turn record: the note carries the turn's final text as the host recorded it.
    let (_, record) = host.get(&format!("/api/sessions/{session}/turns/{turn}")).await;
    assert!(record["finalText"].as_str().is_some_and(|t| !t.is_empty()), "{record}");
    assert_eq!(probe_note["body"], record["finalText"], "{probe_note}");
    assert_eq!(probe_note["data"]["greeting"], "hi from the API", "the user's setting reached the plugin: {probe_note}");
    for id in ["legacy-v01", "probe-v02"] {
        let (_, calls) = host.get(&format!("/api/plugins/{id}/calls")).await;
        assert!(calls.as_array().unwrap().iter().all(|c| c["outcome"] == "ok"), "{id}: {calls}");
    }

    // Back to the default through the CLI.
    let (c, out, err) = host.cli(&["plugin", "settings", "probe-v02", "greeting=null"]).await;
    assert_eq!(c, 0, "{out}{err}");
    assert!(out.lines().any(|l| l.contains("greeting") && l.contains("\"hello\"") && l.contains("default")), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_assessment_shows_in_the_pending_request_and_stays_once_it_is_decided() {
    let env = Env::start("wit-assess").await;
    let host = env.host();
    install_all(host, "probe-v02").await;
    let (c, out, err) = host.cli(&["plugin", "settings", "probe-v02", "risk=high"]).await;
    assert_eq!(c, 0, "{out}{err}");
    assert!(out.lines().any(|l| l.contains("risk") && l.contains("\"high\"") && l.contains("user")), "{out}");

    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "run it scenario:approval").await;
    let assessed = until(&mut ws, |e| e["type"] == "approval.assessed").await;
    let request = assessed.last().unwrap()["data"].clone();
    let id = request["id"].as_str().unwrap().to_string();
    let (_, pending) = host.get(&format!("/api/sessions/{session}/requests/{id}")).await;
    assert_eq!(pending["status"], "pending");
    let a = &pending["assessment"];
    assert_eq!((a["risk"].as_str(), a["assessor"].as_str(), a["assessedBy"].as_str()), (Some("high"), Some("probe"), Some("plugin:probe-v02")), "{a}");
    assert!(a["summary"].as_str().unwrap().starts_with("probe: "), "{a}");
    assert!(a["at"].is_string() && a["rationale"].as_str().unwrap().contains("**probe**"), "{a}");
    let (c, shown, _) = host.cli(&["requests", "show", &session, &id]).await;
    assert_eq!(c, 0);
    assert!(shown.contains("assessment: high risk: probe: ") && shown.contains("by probe, via plugin:probe-v02"), "{shown}");
    let (_, listed, _) = host.cli(&["requests", "list", "--session", &session]).await;
    assert!(listed.contains("RISK") && listed.lines().any(|l| l.contains(&id[..8]) && l.contains("high")), "{listed}");

    // The user decides; the assessment stays with the decision.
    let (s, b) = host.post(&format!("/api/sessions/{session}/requests/{id}/response"), json!({"decision": "decline"})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["assessment"]["risk"], "high");
    until(&mut ws, is_turn_end(&turn)).await;
}

/// suggest-next-request and turn-review on a session of 56 turns: both read the newest turns (0.1.0's transcript
/// page held the oldest 50, so both stopped working past it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_shipped_workflows_note_the_newest_turn_of_a_session_longer_than_50_turns() {
    let env = Env::start("wit-long").await;
    let host = env.host();
    install_all(host, "suggest-next-request").await;
    install_all(host, "turn-review").await;
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    for i in 0..55 {
        let turn = host.send(&session, &format!("short turn {i}")).await;
        until(&mut ws, is_turn_end(&turn)).await;
    }
    let (_, page) = host.get(&format!("/api/sessions/{session}/turns?limit=200")).await;
    assert_eq!(page["turns"].as_array().unwrap().len(), 55);

    // Turn 56 changes a file; the review is on for it.
    let (s, b) = host.put(&format!("/api/sessions/{session}/settings/turn-review"), json!({"enabled": true})).await;
    assert!(s == 200 || s == 201, "{b}");
    let turn = host.send(&session, "add the file scenario:patch").await;
    let seen = until(&mut ws, |e| e["type"] == "approval.requested" || is_turn_end(&turn)(e)).await;
    let last = seen.last().unwrap();
    if last["type"] == "approval.requested" {
        let request = last["data"]["id"].as_str().unwrap();
        let (s, b) = host.post(&format!("/api/sessions/{session}/requests/{request}/response"), json!({"decision": "accept"})).await;
        assert_eq!(s, 200, "{b}");
        until(&mut ws, is_turn_end(&turn)).await;
    }
    let review = until(&mut ws, |e| e["type"] == "session.note_added" && e["data"]["kind"] == "turn-review").await;
    let review = &review.last().unwrap()["data"];
    assert_eq!(review["turnId"], turn.as_str(), "the review is of the newest turn: {review}");
    assert!(review["data"]["files"].as_array().unwrap().iter().any(|f| f["path"].as_str().unwrap().ends_with("hello.txt")), "{review}");

    let (s, job) = host.post("/api/jobs", json!({"kind": "suggest-next-request", "sessionId": session})).await;
    assert_eq!(s, 201, "{job}");
    let added = until(&mut ws, |e| e["type"] == "session.note_added" && e["data"]["kind"] == "next-request").await;
    let note = &added.last().unwrap()["data"];
    assert_eq!(note["data"]["source_turn_id"], turn.as_str(), "built from the newest exchange: {note}");
    assert!(!note["body"].as_str().unwrap().trim().is_empty(), "{note}");
    let done = eventually("the job finishes", async || {
        let (_, j) = host.get(&format!("/api/jobs/{}", job["id"].as_str().unwrap())).await;
        matches!(j["state"].as_str(), Some("succeeded" | "failed")).then_some(j)
    })
    .await;
    assert_eq!(done["state"], "succeeded", "{done}");
}

/// A worker turn of a job calls its plugin's tool: the call carries that job's id (`tool-call.job-id`); from a user's
/// turn it carries none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tool_called_by_a_job_s_worker_turn_knows_the_job() {
    let env = Env::start("wit-jobid").await;
    let host = env.host();
    install_all(host, "probe-v02").await;
    let session = env.new_session().await;

    let (s, job) = host.post("/api/jobs", json!({"kind": "probe.worker", "sessionId": session, "payload": {"prompt": "scenario:tool:whoami go"}})).await;
    assert_eq!(s, 201, "{job}");
    let job_id = job["id"].as_str().unwrap().to_string();
    let done = eventually("the job finishes", async || {
        let (_, j) = host.get(&format!("/api/jobs/{job_id}")).await;
        matches!(j["state"].as_str(), Some("succeeded" | "failed")).then_some(j)
    })
    .await;
    assert_eq!(done["state"], "succeeded", "{done}");
    let text = done["result"]["text"].as_str().unwrap();
    assert!(text.contains(&format!("\"job_id\":\"{job_id}\"")), "the tool saw the job: {text}");

    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "scenario:tool:whoami go").await;
    until(&mut ws, is_turn_end(&turn)).await;
    let (_, t) = host.get(&format!("/api/sessions/{session}/transcript")).await;
    assert!(t.to_string().contains(r#"\"job_id\":null"#), "a user's turn is no job's: {t}");
}
