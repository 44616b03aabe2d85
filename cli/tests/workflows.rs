//! The workflows that ship as plugins, end to end with the real app-server and the fake model: suggest the next
//! request, the approval supervisor (deciding by rule, and losing a race to the user), and turn review.

mod support;

use serde_json::{json, Value};
use support::*;

async fn install_shipped(host: &Host, id: &str) {
    let manifest = std::fs::read_to_string(package(id).join("plugin.toml")).unwrap();
    let requested: Vec<String> = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("request ="))
        .map(|l| l.split('[').nth(1).unwrap().trim_end_matches(']').split(',').map(|c| c.trim().trim_matches('"').to_string()).collect())
        .unwrap();
    let grant: Vec<&str> = requested.iter().map(String::as_str).collect();
    let (s, b) = install_plugin(host, id, &grant).await;
    assert_eq!(s, 201, "{b}");
}

async fn job_done(host: &Host, id: &str) -> Value {
    eventually("the job finishes", async || {
        let (_, job) = host.get(&format!("/api/jobs/{id}")).await;
        matches!(job["state"].as_str(), Some("succeeded" | "failed" | "canceled")).then_some(job)
    })
    .await
}

async fn set(host: &Host, session: &str, key: &str, value: Value) {
    let (s, b) = host.put(&format!("/api/sessions/{session}/settings/{key}"), value).await;
    assert!(s == 200 || s == 201, "{b}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn suggest_next_request_proposes_a_prompt_as_an_event_and_over_rest() {
    let env = Env::start("wf-suggest").await;
    let host = env.host();
    install_shipped(host, "suggest-next-request").await;
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "Add a parser for the config file").await;
    until(&mut ws, is_turn_end(&turn)).await;

    let (s, job) = host.post("/api/jobs", json!({"kind": "suggest-next-request", "sessionId": session})).await;
    assert_eq!(s, 201, "{job}");
    let added = until(&mut ws, |e| e["type"] == "session.note_added").await;
    let note = &added.last().unwrap()["data"];
    assert_eq!(note["kind"], "next-request");
    assert_eq!(note["pluginId"], "suggest-next-request");
    // The fake answers a helper's quoted conversation with a follow-up to its last request: the suggestion was
    // built from this session's exchange.
    assert!(note["body"].as_str().unwrap().contains("config file"), "{note}");
    let done = job_done(host, job["id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["result"]["suggestion"], note["body"]);
    let (_, notes) = host.get(&format!("/api/sessions/{session}/notes?kind=next-request")).await;
    assert_eq!(notes["notes"][0]["id"], note["id"]);

    // Switched off for this session: the job succeeds without a suggestion.
    set(host, &session, "suggest-next-request", json!({"enabled": false})).await;
    let (_, job) = host.post("/api/jobs", json!({"kind": "suggest-next-request", "sessionId": session})).await;
    let done = job_done(host, job["id"].as_str().unwrap()).await;
    assert_eq!(done["result"], json!({"skipped": "disabled"}), "{done}");
    let (_, notes) = host.get(&format!("/api/sessions/{session}/notes")).await;
    assert_eq!(notes["notes"].as_array().unwrap().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_approval_supervisor_decides_by_rule_with_the_reason_recorded() {
    let env = Env::start("wf-supervisor").await;
    let host = env.host();
    install_shipped(host, "approval-supervisor").await;
    let session = env.new_session().await;
    set(host, &session, "approval-supervisor", json!({"enabled": true, "rules": [{"command": "echo *", "decision": "accept"}]})).await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "run it scenario:approval").await;
    let seen = until(&mut ws, is_turn_end(&turn)).await;
    let resolved = seen.iter().find(|e| e["type"] == "approval.resolved").expect("the supervisor decided");
    assert_eq!(resolved["data"]["decidedBy"], "plugin:approval-supervisor", "{resolved}");
    assert_eq!(resolved["data"]["decision"], "accept");
    assert!(resolved["data"]["reason"].as_str().unwrap().contains("echo *"), "the rule is named: {resolved}");
    assert!(seen.iter().any(|e| e["type"] == "item.completed" && e["data"]["item"]["aggregatedOutput"].as_str().is_some_and(|o| o.contains("approved-output"))));

    // Without the setting, it stays out of the way: the request waits for the user.
    let other = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={other}", host.latest_seq().await)).await;
    host.send(&other, "run it scenario:approval").await;
    let asked = until(&mut ws, |e| e["type"] == "approval.requested").await;
    let request = asked.last().unwrap()["data"]["id"].as_str().unwrap().to_string();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let (_, r) = host.get(&format!("/api/sessions/{other}/requests/{request}")).await;
    assert_eq!(r["status"], "pending", "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_decision_races_the_supervisor_and_wins() {
    let env = Env::start("wf-race").await;
    let host = env.host();
    install_shipped(host, "approval-supervisor").await;
    let session = env.new_session().await;
    // The supervisor would accept, after giving the user two seconds.
    let rules = json!({"enabled": true, "rules": [{"command": "*", "decision": "accept"}], "grace_ms": 2000});
    set(host, &session, "approval-supervisor", rules).await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "run it scenario:approval").await;
    let asked = until(&mut ws, |e| e["type"] == "approval.requested").await;
    let request = asked.last().unwrap()["data"]["id"].as_str().unwrap().to_string();
    let (s, mine) = host
        .post(&format!("/api/sessions/{session}/requests/{request}/response"), json!({"decision": "decline", "reason": "not now"}))
        .await;
    assert_eq!(s, 200, "{mine}");
    until(&mut ws, is_turn_end(&turn)).await;

    // The supervisor's delayed decision runs, finds the request decided, and changes nothing.
    let job = eventually("the supervisor's job", async || {
        let (_, jobs) = host.get("/api/jobs?kind=approval-supervisor.decide").await;
        jobs["jobs"].as_array().unwrap().first().cloned()
    })
    .await;
    let done = job_done(host, job["id"].as_str().unwrap()).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["result"]["outcome"], "already-resolved", "{done}");
    let (_, r) = host.get(&format!("/api/sessions/{session}/requests/{request}")).await;
    assert_eq!((r["decidedBy"].as_str(), r["decision"].as_str()), (Some("api"), Some("decline")), "the user's decision stands: {r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_that_changed_files_gets_a_review_note_without_blocking_the_next_turn() {
    let env = Env::start("wf-review").await;
    let host = env.host();
    install_shipped(host, "turn-review").await;
    let session = env.new_session().await;
    set(host, &session, "turn-review", json!({"enabled": true})).await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "add the file scenario:patch").await;
    let seen = until(&mut ws, |e| {
        e["type"] == "approval.requested" || (e["type"] == "turn.completed" && e["turnId"] == turn.as_str())
    })
    .await;
    let last = seen.last().unwrap();
    if last["type"] == "approval.requested" {
        let request = last["data"]["id"].as_str().unwrap();
        let (s, b) = host.post(&format!("/api/sessions/{session}/requests/{request}/response"), json!({"decision": "accept"})).await;
        assert_eq!(s, 200, "{b}");
        until(&mut ws, is_turn_end(&turn)).await;
    }
    // The user's next turn starts at once, whatever the review is doing.
    let next = host.send(&session, "thanks").await;
    let (mut noted, mut next_done) = (false, false);
    let seen = until(&mut ws, |e| {
        noted |= e["type"] == "session.note_added";
        next_done |= is_turn_end(&next)(e);
        noted && next_done
    })
    .await;
    let note = &seen.iter().find(|e| e["type"] == "session.note_added").unwrap()["data"];
    assert_eq!(note["kind"], "turn-review", "{note}");
    assert_eq!(note["turnId"], turn.as_str());
    assert!(note["data"]["files"].as_array().unwrap().iter().any(|f| f["path"].as_str().unwrap().ends_with("hello.txt")), "{note}");
    // The review's worker ran read-only: when its model tried to write (the fake replays the quoted request),
    // the worker policy declined, and the user's workspace saw only the user's own turn.
    let (_, answered) = host.get("/api/requests?status=resolved").await;
    let by_policy = answered.as_array().unwrap().iter().find(|r| r["decidedBy"] == "worker-policy:turn-review").expect("declined by policy");
    assert_eq!(by_policy["decision"], "decline", "{by_policy}");
    assert_ne!(by_policy["sessionId"], session.as_str());

    // A turn that changed nothing gets no review.
    let (_, jobs) = host.get("/api/jobs?kind=turn-review").await;
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), 1, "{jobs}");
}
