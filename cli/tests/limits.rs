//! Usage limits and budgets end to end, against the real app-server and the fake model (`usage_limit=T`: HTTP 429
//! with codex's usage-limit body and rate-limit headers until Unix second T): a usage limit pauses the follow-ups
//! and makes a worker job wait, and both go on by themselves after the reset, without a failure; a spent budget
//! holds an automated turn (a follow-up) while the user's own message goes through with a warning.

mod support;

use serde_json::{json, Value};
use support::*;

const WELL_BEHAVED: &[&str] = &["log", "kv", "sessions-read", "jobs", "workers", "notes"];

fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

async fn queue(host: &Host, session: &str, text: &str) -> String {
    let (status, body) = host.post(&format!("/api/sessions/{session}/messages"), json!({"text": text, "ifBusy": "queue"})).await;
    assert_eq!(status, 202, "queue: {body}");
    assert_eq!(body["followup"]["status"], "queued", "{body}");
    body["followup"]["id"].as_str().unwrap().to_string()
}

async fn followup_queue(host: &Host, session: &str) -> Value {
    let (status, view) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(status, 200, "{view}");
    view["session"]["followups"].clone()
}

async fn followup(host: &Host, session: &str, id: &str) -> Value {
    let (_, list) = host.get(&format!("/api/sessions/{session}/followups?history=10")).await;
    list["followups"].as_array().unwrap().iter().find(|f| f["id"] == id).cloned().expect("the follow-up is listed")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_usage_limit_pauses_follow_ups_and_worker_jobs_which_resume_after_the_reset_without_a_failure() {
    let env = Env::start("limits-usage").await;
    let host = env.host();
    assert_eq!(install_plugin(host, "well-behaved", WELL_BEHAVED).await.0, 201);
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}", host.latest_seq().await)).await;

    // The user's own message meets the limit (Codex refuses it: a failed turn, shown as any failure is).
    // Far enough ahead that everything below is seen before it, even on a slow machine.
    let resets_at = now_secs() + 20;
    let turn = host.send(&session, &format!("over the limit scenario:usage_limit={resets_at},sleep=1500")).await;
    let waiting = queue(host, &session, "after the reset scenario:deltas=2").await;
    let mut seen = until(&mut ws, is_turn_end(&turn)).await;
    let end = seen.pop().unwrap();
    assert_eq!(end["data"]["turn"]["status"], "failed", "{end}");
    assert_eq!(end["data"]["turn"]["error"]["codexErrorInfo"], "usageLimitExceeded", "{end}");
    // Codex passes the 429's rate-limit headers on as a snapshot (`account/rateLimits/updated`, the event
    // `runtime.rate_limits`) before the turn's end: the window at 100 %, and its reset.
    let snapshot = seen.iter().find(|e| e["type"] == "runtime.rate_limits").expect("a rate-limit snapshot before the end");
    assert_eq!(snapshot["data"]["rateLimits"]["primary"]["usedPercent"], 100, "{snapshot}");
    assert_eq!(snapshot["data"]["rateLimits"]["primary"]["resetsAt"], resets_at, "{snapshot}");

    // The queue waits, paused as `usage_limit`, with the reset codex named.
    let paused = eventually("the queue paused for the usage limit", async || {
        let q = followup_queue(host, &session).await;
        (q["reason"] == "usage_limit").then_some(q)
    })
    .await;
    assert_eq!(paused["paused"], true, "{paused}");
    assert_eq!(paused["limit"]["kind"], "usage_limit", "{paused}");
    let reset = paused["limit"]["resetsAt"].as_str().expect("the reset time is on the session's queue").to_string();
    let (_, ready) = host.get("/api/ready").await;
    assert_eq!(ready["limits"]["usageLimit"]["kind"], "usage_limit", "{ready}");
    assert_eq!(ready["limits"]["usageLimit"]["resetsAt"], reset.as_str(), "/api/ready names the same reset: {ready}");
    let (_, limits) = host.get("/api/limits").await;
    assert_eq!(limits["usageLimit"], ready["limits"]["usageLimit"]);
    assert_eq!(followup(host, &session, &waiting).await["status"], "queued", "nothing failed");

    // A job whose worker turn meets the limit waits: back in the queue, its attempt given back, the reason on it.
    let (s, job) = host.post("/api/jobs", json!({"kind": "test.worker", "sessionId": session, "payload": {"prompt": "hello worker", "session_id": session}})).await;
    assert_eq!(s, 201, "{job}");
    let id = job["id"].as_str().unwrap().to_string();
    let held = eventually("the job waits for the limit", async || {
        let (_, job) = host.get(&format!("/api/jobs/{id}")).await;
        job["waiting"].is_object().then_some(job)
    })
    .await;
    assert_eq!(held["state"], "queued", "{held}");
    assert_eq!(held["attempt"], 0, "the wait burns no attempt: {held}");
    assert_eq!(held["waiting"]["kind"], "usage_limit", "{held}");
    assert_eq!(held["waiting"]["resetsAt"], reset.as_str(), "{held}");
    let (code_j, out, err) = host.cli(&["jobs", "get", &id]).await;
    assert!(code_j == 0 && out.contains(&format!("waiting (usage_limit) until {reset}")), "{out}{err}");

    // After the reset, both go on by themselves: the follow-up starts and completes, the job succeeds.
    let resumed = until(&mut ws, |e| e["type"] == "followup.resumed" && e["sessionId"] == session.as_str()).await.pop().unwrap();
    assert_eq!(resumed["data"]["paused"], false, "{resumed}");
    let started = until(&mut ws, |e| e["type"] == "followup.started" && e["data"]["id"] == waiting.as_str()).await.pop().unwrap();
    let turn = started["data"]["turnId"].as_str().unwrap().to_string();
    let end = until(&mut ws, is_turn_end(&turn)).await.pop().unwrap();
    assert_eq!(end["data"]["turn"]["status"], "completed", "{end}");
    let (_, done) = host.get(&format!("/api/jobs/{id}?wait=30s")).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["attempt"], 1, "one attempt ran the job: {done}");
    assert!(done["waiting"].is_null(), "{done}");
    let states: Vec<&str> = done["history"].as_array().unwrap().iter().map(|h| h["toState"].as_str().unwrap()).collect();
    assert!(!states.contains(&"failed"), "never failed: {states:?}");
    let (_, ready) = host.get("/api/ready").await;
    assert!(ready["limits"]["usageLimit"].is_null(), "the limit lifted: {ready}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_budget_holds_a_follow_up_while_the_users_own_message_goes_through_with_a_warning() {
    let env = Env::start("limits-budget").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;

    // Tokens are recorded per turn, and read per session.
    let first = host.send(&session, "count my tokens").await;
    until(&mut ws, is_turn_end(&first)).await;
    let usage = eventually("the turn's tokens are recorded", async || {
        let (_, usage) = host.get(&format!("/api/usage?sessionId={session}")).await;
        (usage["tokens"]["total"].as_i64().unwrap_or(0) > 0).then_some(usage)
    })
    .await;
    assert_eq!(usage["turns"], 1, "{usage}");
    let (_, record) = host.get(&format!("/api/sessions/{session}/turns/{first}")).await;
    assert_eq!(record["tokens"]["total"], usage["tokens"]["total"], "the turn record carries its tokens: {record}");
    assert_eq!(usage["days"].as_array().unwrap().len(), 1, "{usage}");

    // A host-wide budget of one token per day is spent already.
    let (s, budgets) = host.put("/api/budgets", json!({"budgets": [{"dailyTokens": 1}]})).await;
    assert_eq!(s, 200, "{budgets}");
    assert!(budgets["budgets"][0]["spentToday"].as_i64().unwrap() >= 1, "{budgets}");
    let (s, bad) = host.put("/api/budgets", json!({"budgets": [{"dailyTokens": -5}]})).await;
    assert_eq!(s, 422, "{bad}");

    // The user's own message still goes to Codex, with the warning.
    let (s, accepted) = host.post(&format!("/api/sessions/{session}/messages"), json!({"text": "mine scenario:sleep=1500"})).await;
    assert_eq!(s, 202, "{accepted}");
    assert_eq!(accepted["warning"]["kind"], "budget", "{accepted}");
    assert!(accepted["warning"]["resetsAt"].is_string(), "{accepted}");
    let turn = accepted["turnId"].as_str().unwrap().to_string();
    // An automated turn does not start: the follow-up queued behind it waits, paused as `budget`.
    let held = queue(host, &session, "automated scenario:deltas=2").await;
    let end = until(&mut ws, is_turn_end(&turn)).await.pop().unwrap();
    assert_eq!(end["data"]["turn"]["status"], "completed", "{end}");
    let paused = eventually("the queue paused for the budget", async || {
        let q = followup_queue(host, &session).await;
        (q["reason"] == "budget").then_some(q)
    })
    .await;
    assert_eq!(paused["limit"]["kind"], "budget", "{paused}");
    assert!(paused["limit"]["resetsAt"].is_string(), "{paused}");
    assert_eq!(followup(host, &session, &held).await["status"], "queued");
    let (_, ready) = host.get("/api/ready").await;
    assert_eq!(ready["limits"]["budgets"][0]["kind"], "budget", "{ready}");
    // The CLI shows the same: `status`, `limits`, `budgets list`, `usage`, and the session's queue.
    let (code_s, out, err) = host.cli(&["status"]).await;
    assert!(out.contains("limits:") && out.contains("budget until "), "{code_s} {out}{err}");
    let (code_l, out, err) = host.cli(&["budgets", "list"]).await;
    assert!(code_l == 0 && out.contains("host") && out.contains("spent"), "{out}{err}");
    let (code_u, out, err) = host.cli(&["usage", "--session", &session]).await;
    assert!(code_u == 0 && out.contains(" turns, ") && out.contains("TOTAL"), "{out}{err}");
    let (code_f, out, err) = host.cli(&["followups", "list", &session]).await;
    assert!(code_f == 0 && out.contains("(budget)") && out.contains("resumes by itself at"), "{out}{err}");

    // Raising the budget (here: removing it) lets the automated turn go on by itself.
    let (s, _) = host.put("/api/budgets", json!({"budgets": []})).await;
    assert_eq!(s, 200);
    let started = until(&mut ws, |e| e["type"] == "followup.started" && e["data"]["id"] == held.as_str()).await.pop().unwrap();
    let turn = started["data"]["turnId"].as_str().unwrap().to_string();
    let end = until(&mut ws, is_turn_end(&turn)).await.pop().unwrap();
    assert_eq!(end["data"]["turn"]["status"], "completed", "{end}");

    // The CLI's `send` says the warning too (on stderr), and the message goes through.
    let (s, _) = host.put("/api/budgets", json!({"budgets": [{"dailyTokens": 1}]})).await;
    assert_eq!(s, 200);
    let (code_s, out, err) = host.cli(&["send", &session, "mine again scenario:deltas=1"]).await;
    assert!(code_s == 0 && out.contains("started") && err.contains("warning: the host's daily budget"), "{out}{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_routine_run_held_by_a_budget_shows_its_wait_in_the_api_the_cli_and_its_job_and_goes_on_when_it_lifts() {
    let env = Env::start("limits-routine").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let first = host.send(&session, "count my tokens").await;
    until(&mut ws, is_turn_end(&first)).await;
    eventually("the turn's tokens are recorded", async || {
        let (_, usage) = host.get(&format!("/api/usage?sessionId={session}")).await;
        (usage["tokens"]["total"].as_i64().unwrap_or(0) > 0).then_some(())
    })
    .await;
    let (s, b) = host.put("/api/budgets", json!({"budgets": [{"dailyTokens": 1}]})).await;
    assert_eq!(s, 200, "{b}");

    let (s, created) = host.post("/api/routines", json!({"name": "held", "prompt": "from a routine", "sessionId": session})).await;
    assert_eq!(s, 201, "{created}");
    let routine = created["routine"]["id"].as_str().unwrap().to_string();
    let (s, run) = host.post(&format!("/api/routines/{routine}/run"), json!({})).await;
    assert_eq!(s, 202, "{run}");
    let waiting = eventually("the run waits for the budget", async || {
        let (_, runs) = host.get(&format!("/api/routines/{routine}/runs")).await;
        let r = runs["runs"][0].clone();
        r["waiting"].is_object().then_some(r)
    })
    .await;
    assert_eq!((waiting["status"].as_str(), waiting["waiting"]["kind"].as_str()), (Some("queued"), Some("budget")), "{waiting}");
    let (_, job) = host.get(&format!("/api/jobs/{}", run["jobId"].as_str().unwrap())).await;
    assert_eq!(job["waiting"], waiting["waiting"], "one source: the job's own wait: {job}");
    let (code, out, err) = host.cli(&["routines", "runs", &routine]).await;
    assert!(code == 0 && out.contains("waiting (budget) until "), "{out}{err}");

    // The budget removed: the run goes on by itself and its turn completes.
    let (s, _) = host.put("/api/budgets", json!({"budgets": []})).await;
    assert_eq!(s, 200);
    let (_, done) = host.get(&format!("/api/jobs/{}?wait=30s", run["jobId"].as_str().unwrap())).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert!(done["waiting"].is_null(), "{done}");
    let turn = done["result"]["turnId"].as_str().unwrap().to_string();
    let end = until(&mut ws, is_turn_end(&turn)).await.pop().unwrap();
    assert_eq!(end["data"]["turn"]["status"], "completed", "{end}");
}
