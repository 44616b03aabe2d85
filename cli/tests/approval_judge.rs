//! The approval supervisor's judging mode and steer rules, end to end: the real host, the real app-server, the
//! shipped plugin, and the fake model scripted to answer the worker's assessment prompt with a JSON of the test's
//! choosing. The user session's command carries the directive (`scenario:assess_*`): the worker prompt quotes the
//! command, and the fake model answers a prompt by its first `scenario:` word.

mod support;

use serde_json::{json, Value};
use support::*;

const STEER: &str = "don't delete files; move them to ./trash instead";

/// A command that needs approval (escalated out of the sandbox), then a closing text.
fn asks_to_run(cmd: &str) -> Value {
    json!([
        [{"type": "function_call", "name": "exec_command", "arguments": {
            "cmd": cmd, "yield_time_ms": 10000,
            "sandbox_permissions": "require_escalated", "justification": "fake: needs approval"}}],
        [{"type": "text", "text": "Command finished."}]
    ])
}

fn answers(text: &str) -> Value {
    json!([[{"type": "text", "text": text}]])
}

fn script() -> Value {
    json!({
        "judge_low": asks_to_run("echo judged-low scenario:assess_low"),
        "judge_high": asks_to_run("echo wipe-home scenario:assess_high"),
        "steer_rm": asks_to_run("rm -f notes.txt"),
        // A file added outside the workspace (beside it, in the test's scratch dir), whose text carries the directive.
        "judge_patch": [
            [{"type": "custom_tool_call", "name": "apply_patch",
              "input": "*** Begin Patch\n*** Add File: ../judged.txt\n+scenario:assess_low\n*** End Patch\n"}],
            [{"type": "text", "text": "Patch applied."}]
        ],
        "judge_patch_high": [
            [{"type": "custom_tool_call", "name": "apply_patch",
              "input": "*** Begin Patch\n*** Add File: ../wiped.txt\n+scenario:assess_high\n*** End Patch\n"}],
            [{"type": "text", "text": "Patch declined."}]
        ],
        "judge_garbled": asks_to_run("echo garbled scenario:assess_garbled"),
        "assess_low": answers(r#"{"risk": "low", "summary": "Prints a word.", "rationale": "`echo` only writes to the terminal."}"#),
        // As models like to answer: in a fence, with a word before it.
        "assess_garbled": answers("Looks harmless to me, go ahead."),
        "assess_high": answers("Assessment:\n```json\n{\"risk\": \"high\", \"summary\": \"Wipes the home directory.\", \"rationale\": \"Nothing can restore it.\"}\n```"),
    })
}

async fn install_supervisor(host: &Host) {
    let manifest = std::fs::read_to_string(package("approval-supervisor").join("plugin.toml")).unwrap();
    let requested: Vec<String> = manifest
        .lines()
        .find(|l| l.trim_start().starts_with("request ="))
        .map(|l| l.split('[').nth(1).unwrap().trim_end_matches(']').split(',').map(|c| c.trim().trim_matches('"').to_string()).collect())
        .unwrap();
    let grant: Vec<&str> = requested.iter().map(String::as_str).collect();
    let (s, b) = install_plugin(host, "approval-supervisor", &grant).await;
    assert_eq!(s, 201, "{b}");
}

async fn set(host: &Host, session: &str, value: Value) {
    let (s, b) = host.put(&format!("/api/sessions/{session}/settings/approval-supervisor"), value).await;
    assert!(s == 200 || s == 201, "{b}");
}

async fn job_done(host: &Host, id: &str) -> Value {
    eventually("the job finishes", async || {
        let (_, job) = host.get(&format!("/api/jobs/{id}")).await;
        matches!(job["state"].as_str(), Some("succeeded" | "failed" | "canceled")).then_some(job)
    })
    .await
}

/// The one job of `kind` (the supervisor queues one per request).
async fn the_job(host: &Host, kind: &str) -> Value {
    let job = eventually("the supervisor's job", async || {
        let (_, jobs) = host.get(&format!("/api/jobs?kind={kind}")).await;
        jobs["jobs"].as_array().unwrap().first().cloned()
    })
    .await;
    job_done(host, job["id"].as_str().unwrap()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_low_risk_command_is_assessed_shown_and_accepted() {
    let env = Env::start_scripted("judge-low", &script()).await;
    let host = env.host();
    install_supervisor(host).await;
    let session = env.new_session().await;
    set(host, &session, json!({"enabled": true, "mode": "judge"})).await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "run it scenario:judge_low").await;
    let seen = until(&mut ws, is_turn_end(&turn)).await;

    let assessed = seen.iter().find(|e| e["type"] == "approval.assessed").expect("the assessment is announced");
    let assessment = &assessed["data"]["assessment"];
    assert_eq!(assessment["risk"], "low", "{assessed}");
    assert_eq!(assessment["summary"], "Prints a word.");
    assert_eq!(assessment["rationale"], "`echo` only writes to the terminal.");
    assert_eq!(assessment["assessedBy"], "plugin:approval-supervisor");
    assert!(assessment["assessor"].as_str().is_some_and(|a| !a.is_empty()), "{assessment}");
    let request = assessed["data"]["id"].as_str().unwrap();

    let resolved = seen.iter().find(|e| e["type"] == "approval.resolved").expect("the supervisor decided");
    assert_eq!(resolved["data"]["decidedBy"], "plugin:approval-supervisor", "{resolved}");
    assert_eq!(resolved["data"]["decision"], "accept");
    let reason = resolved["data"]["reason"].as_str().unwrap();
    assert!(reason.starts_with("judged low risk by ") && reason.contains("accept_up_to: low"), "{reason}");
    let assessed_at = seen.iter().position(|e| e["type"] == "approval.assessed").unwrap();
    let resolved_at = seen.iter().position(|e| e["type"] == "approval.resolved").unwrap();
    assert!(assessed_at < resolved_at, "assessed before it was decided");
    assert!(seen.iter().any(|e| e["type"] == "item.completed"
        && e["data"]["item"]["aggregatedOutput"].as_str().is_some_and(|o| o.contains("judged-low"))));

    // The request's record keeps the assessment beside the decision.
    let (s, r) = host.get(&format!("/api/sessions/{session}/requests/{request}")).await;
    assert_eq!(s, 200, "{r}");
    assert_eq!((r["status"].as_str(), r["decision"].as_str()), (Some("resolved"), Some("accept")), "{r}");
    assert_eq!(r["assessment"]["risk"], "low", "{r}");
    let job = the_job(host, "approval-supervisor.judge").await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["result"], json!({"outcome": "applied", "risk": "low", "decision": "accept"}));
    // The worker saw the command it was to judge.
    let prompts: Vec<String> = env.model.requests().iter().map(|r| r.body.to_string()).collect();
    assert!(prompts.iter().any(|p| p.contains("security reviewer") && p.contains("echo judged-low")), "the worker prompt quotes the command");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_change_is_judged_on_its_diff() {
    let env = Env::start_scripted("judge-patch", &script()).await;
    let host = env.host();
    install_supervisor(host).await;
    let session = env.new_session().await;
    // Inside-the-workspace changes would be accepted by the setting without a model; this one is outside.
    set(host, &session, json!({"enabled": true, "mode": "judge", "file_changes_in_workspace": "accept"})).await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "add it scenario:judge_patch").await;
    let seen = until(&mut ws, is_turn_end(&turn)).await;
    let assessed = seen.iter().find(|e| e["type"] == "approval.assessed").expect("the change was assessed");
    assert_eq!(assessed["data"]["kind"], "file_change_approval", "{assessed}");
    assert_eq!(assessed["data"]["assessment"]["risk"], "low");
    let resolved = seen.iter().find(|e| e["type"] == "approval.resolved").expect("the supervisor decided");
    assert_eq!((resolved["data"]["decidedBy"].as_str(), resolved["data"]["decision"].as_str()), (Some("plugin:approval-supervisor"), Some("accept")), "{resolved}");
    let prompts: Vec<String> = env.model.requests().iter().map(|r| r.body.to_string()).collect();
    assert!(prompts.iter().any(|p| p.contains("apply this file change") && p.contains("judged.txt")), "the worker saw the change");
    assert!(env.dir.path().join("judged.txt").exists(), "the accepted change was applied");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_high_risk_change_is_declined_when_the_user_says_decline_at_high() {
    let env = Env::start_scripted("judge-decline", &script()).await;
    let host = env.host();
    install_supervisor(host).await;
    let session = env.new_session().await;
    set(host, &session, json!({"enabled": true, "mode": "judge", "decline_at": "high"})).await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "add it scenario:judge_patch_high").await;
    let seen = until(&mut ws, is_turn_end(&turn)).await;
    let resolved = seen.iter().find(|e| e["type"] == "approval.resolved").expect("the supervisor decided");
    assert_eq!((resolved["data"]["decidedBy"].as_str(), resolved["data"]["decision"].as_str()), (Some("plugin:approval-supervisor"), Some("decline")), "{resolved}");
    let reason = resolved["data"]["reason"].as_str().unwrap();
    assert!(reason.starts_with("judged high risk by ") && reason.contains("(decline_at: high) → decline: Wipes the home directory."), "{reason}");
    assert_eq!(resolved["data"]["assessment"]["risk"], "high", "the decision keeps its assessment: {resolved}");
    assert!(!env.dir.path().join("wiped.txt").exists(), "the declined change was not applied");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_high_risk_command_stays_with_the_user_with_its_assessment_in_view() {
    let env = Env::start_scripted("judge-high", &script()).await;
    let host = env.host();
    install_supervisor(host).await;
    // The judging mode as the plugin-wide default; the session only turns the supervisor on (decline_at: "none").
    let (s, b) = host.put("/api/plugins/approval-supervisor/settings", json!({"mode": "judge"})).await;
    assert_eq!(s, 200, "{b}");
    let session = env.new_session().await;
    set(host, &session, json!({"enabled": true})).await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "run it scenario:judge_high").await;
    let seen = until(&mut ws, |e| e["type"] == "approval.assessed").await;
    let request = seen.last().unwrap()["data"]["id"].as_str().unwrap().to_string();

    let job = the_job(host, "approval-supervisor.judge").await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["result"]["outcome"], "left-to-user", "{job}");
    assert_eq!(job["result"]["risk"], "high");
    let (_, r) = host.get(&format!("/api/sessions/{session}/requests/{request}")).await;
    assert_eq!(r["status"], "pending", "left to the user: {r}");
    assert_eq!(r["assessment"]["risk"], "high", "{r}");
    assert_eq!(r["assessment"]["summary"], "Wipes the home directory.");
    let (_, pending) = host.get("/api/requests?status=pending").await;
    assert!(pending.as_array().unwrap().iter().any(|p| p["id"] == request.as_str() && p["assessment"]["risk"] == "high"), "{pending}");

    // The user decides, with the assessment in view.
    let (s, b) = host.post(&format!("/api/sessions/{session}/requests/{request}/response"), json!({"decision": "decline"})).await;
    assert_eq!(s, 200, "{b}");
    until(&mut ws, is_turn_end(&turn)).await;
    let (_, r) = host.get(&format!("/api/sessions/{session}/requests/{request}")).await;
    assert_eq!((r["decidedBy"].as_str(), r["decision"].as_str()), (Some("api"), Some("decline")), "{r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_that_is_not_the_json_asked_for_leaves_the_request_to_the_user_and_says_why() {
    let env = Env::start_scripted("judge-garbled", &script()).await;
    let host = env.host();
    install_supervisor(host).await;
    let session = env.new_session().await;
    set(host, &session, json!({"enabled": true, "mode": "judge", "accept_up_to": "medium"})).await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "run it scenario:judge_garbled").await;
    let asked = until(&mut ws, |e| e["type"] == "approval.requested").await;
    let request = asked.last().unwrap()["data"]["id"].as_str().unwrap().to_string();

    let job = the_job(host, "approval-supervisor.judge").await;
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["result"]["outcome"], "unassessed", "{job}");
    assert_eq!(job["result"]["reason"], "the model's answer holds no JSON object", "{job}");
    assert_eq!(job["result"]["answer"], "Looks harmless to me, go ahead.");
    let (_, r) = host.get(&format!("/api/sessions/{session}/requests/{request}")).await;
    assert_eq!(r["status"], "pending", "{r}");
    assert!(r["assessment"].is_null(), "no assessment: {r}");

    let (s, b) = host.post(&format!("/api/sessions/{session}/requests/{request}/response"), json!({"decision": "accept"})).await;
    assert_eq!(s, 200, "{b}");
    let seen = until(&mut ws, is_turn_end(&turn)).await;
    assert!(!seen.iter().any(|e| e["type"] == "approval.assessed"), "nothing was assessed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_users_decision_made_first_wins_over_the_judge() {
    let env = Env::start_scripted("judge-race", &script()).await;
    let host = env.host();
    install_supervisor(host).await;
    let session = env.new_session().await;
    // Low risk would be accepted, after a grace period the user decides within.
    set(host, &session, json!({"enabled": true, "mode": "judge", "grace_ms": 3000})).await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "run it scenario:judge_low").await;
    let asked = until(&mut ws, |e| e["type"] == "approval.requested").await;
    let request = asked.last().unwrap()["data"]["id"].as_str().unwrap().to_string();
    let (s, mine) = host
        .post(&format!("/api/sessions/{session}/requests/{request}/response"), json!({"decision": "decline", "reason": "not now"}))
        .await;
    assert_eq!(s, 200, "{mine}");
    until(&mut ws, is_turn_end(&turn)).await;

    // Whether the assessment came after the decision (refused) or before it (the decision then waits out the grace
    // period and finds the request decided), the supervisor changes nothing.
    let judged = the_job(host, "approval-supervisor.judge").await;
    assert_eq!(judged["state"], "succeeded", "{judged}");
    match judged["result"]["outcome"].as_str() {
        Some("already-resolved") => {}
        Some("scheduled") => {
            let decided = job_done(host, judged["result"]["decide_job"].as_str().unwrap()).await;
            assert_eq!(decided["result"]["outcome"], "already-resolved", "{decided}");
        }
        _ => panic!("unexpected outcome: {judged}"),
    }
    let (_, r) = host.get(&format!("/api/sessions/{session}/requests/{request}")).await;
    assert_eq!((r["decidedBy"].as_str(), r["decision"].as_str()), (Some("api"), Some("decline")), "the user's decision stands: {r}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_steer_rule_declines_and_the_turn_gets_the_guidance() {
    let env = Env::start_scripted("judge-steer", &script()).await;
    let host = env.host();
    install_supervisor(host).await;
    let session = env.new_session().await;
    let rules = json!({"enabled": true, "rules": [
        {"pattern": "echo *", "action": "accept"},
        {"pattern": "rm *", "action": "steer", "message": STEER}]});
    set(host, &session, rules).await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "clean up scenario:steer_rm").await;
    let seen = until(&mut ws, is_turn_end(&turn)).await;
    let resolved = seen.iter().find(|e| e["type"] == "approval.resolved").expect("the supervisor decided");
    assert_eq!(resolved["data"]["decidedBy"], "plugin:approval-supervisor", "{resolved}");
    assert_eq!(resolved["data"]["decision"], "decline");
    assert!(resolved["data"]["reason"].as_str().unwrap().contains("rule \"rm *\" → decline and steer"), "{resolved}");

    // The model got the guidance as the user's words, within the same turn.
    let saw_guidance = env.model.requests().iter().any(|r| {
        r.body["input"].as_array().is_some_and(|input| {
            input.iter().any(|item| item["role"] == "user" && item["content"].to_string().contains("move them to ./trash instead"))
        })
    });
    assert!(saw_guidance, "the fake model never saw the steer message");
    let (_, turns) = host.get(&format!("/api/sessions/{session}/turns")).await;
    let count = turns["turns"].as_array().map(Vec::len);
    assert_eq!(count, Some(1), "steering started no new turn: {turns}");
    assert_eq!(turns["turns"][0]["status"], "completed", "the turn went on to its end: {turns}");
    // The message is a user message of the running turn, after the refusal: the fake model answers it (its default
    // reply echoes the newest user message).
    assert!(seen.iter().any(|e| e["type"] == "item.completed"
        && e["data"]["item"]["type"] == "userMessage"
        && e["data"]["item"]["content"].to_string().contains(STEER)), "the steer is an item of the turn");
    let final_text = turns["turns"][0]["finalText"].as_str().unwrap_or_default();
    assert!(final_text.contains("move them to ./trash instead"), "Codex went on with the guidance: {turns}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_steer_rule_waits_out_the_grace_period_then_steers_and_declines() {
    let env = Env::start_scripted("judge-steer-grace", &script()).await;
    let host = env.host();
    install_supervisor(host).await;
    let session = env.new_session().await;
    let rules = json!({"enabled": true, "grace_ms": 500, "rules": [{"pattern": "rm *", "action": "steer", "message": STEER}]});
    set(host, &session, rules).await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "clean up scenario:steer_rm").await;
    let seen = until(&mut ws, is_turn_end(&turn)).await;
    let resolved = seen.iter().find(|e| e["type"] == "approval.resolved").expect("the supervisor decided");
    assert_eq!((resolved["data"]["decidedBy"].as_str(), resolved["data"]["decision"].as_str()), (Some("plugin:approval-supervisor"), Some("decline")), "{resolved}");
    let job = the_job(host, "approval-supervisor.decide").await;
    assert_eq!(job["payload"]["steer"], STEER, "{job}");
    assert_eq!(job["result"]["outcome"], "applied", "{job}");
    let (_, turns) = host.get(&format!("/api/sessions/{session}/turns")).await;
    let final_text = turns["turns"][0]["finalText"].as_str().unwrap_or_default();
    assert!(final_text.contains("move them to ./trash instead"), "Codex went on with the guidance: {turns}");
}
