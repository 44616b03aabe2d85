//! Routines end to end, against the real app-server and the fake model: "run now" and a signed webhook each run
//! once (a wrong signature, a stale timestamp and a replay are refused with stable codes), a run whose session is busy
//! waits as a follow-up, a cron routine runs once per scheduled time (schedules take a seconds field here: the host
//! is started with `CODEX_MANAGER_CRON_SECONDS=1`, a test-only switch), and times missed while the host was down run
//! once at start or are skipped, by the routine's `catchUp`. A routine never runs with fewer approvals than its
//! session: a prompt routine's approval waits for the user, and a job routine's worker turn accepts nothing its
//! session would ask a person about.

mod support;

use codex_manager_host::services::routines_webhook::sign;
use serde_json::{json, Value};
use support::*;

const SECONDS: (&str, &str) = ("CODEX_MANAGER_CRON_SECONDS", "1");

fn now_secs() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

async fn runs(host: &Host, routine: &str) -> Vec<Value> {
    let (status, body) = host.get(&format!("/api/routines/{routine}/runs")).await;
    assert_eq!(status, 200, "{body}");
    body["runs"].as_array().unwrap().clone()
}

/// The run once it reached a final status (its turn ended), and its turn record.
async fn finished(host: &Host, routine: &str, run: &str) -> (Value, Value) {
    let run = eventually("the run's turn", async || {
        runs(host, routine).await.into_iter().find(|r| r["id"] == run && r["turnId"].is_string())
    })
    .await;
    let (session, turn) = (run["sessionId"].as_str().unwrap(), run["turnId"].as_str().unwrap());
    let (status, record) = host.get(&format!("/api/sessions/{session}/turns/{turn}?wait=30s")).await;
    assert_eq!((status, record["status"].as_str()), (200, Some("completed")), "{record}");
    let run = runs(host, routine).await.into_iter().find(|r| r["id"] == run["id"]).unwrap();
    assert_eq!(run["status"], "completed", "the run's status is its turn's: {run}");
    assert_eq!(run["jobState"], "succeeded", "{run}");
    (run, record)
}

async fn deliver(host: &Host, routine: &str, ts: i64, signature: &str, body: &str) -> (u16, Value) {
    // No token: the signature is the delivery's only proof.
    let resp = reqwest::Client::new()
        .post(format!("{}/api/routines/{routine}/webhook", host.url))
        .header("X-Codex-Manager-Timestamp", ts.to_string())
        .header("X-Codex-Manager-Signature", signature)
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    decode(resp).await
}

async fn user_texts(host: &Host, session: &str) -> Vec<String> {
    let (status, t) = host.get(&format!("/api/sessions/{session}/transcript?limit=100")).await;
    assert_eq!(status, 200, "{t}");
    let mut texts = Vec::new();
    for turn in t["turns"].as_array().unwrap() {
        for item in turn["items"].as_array().unwrap().iter().filter(|i| i["type"] == "userMessage") {
            texts.push(item["content"].as_array().unwrap().iter().filter_map(|c| c["text"].as_str()).collect::<String>());
        }
    }
    texts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_now_and_a_signed_webhook_run_once_and_bad_deliveries_are_refused() {
    let env = Env::start("routines-hook").await;
    let host = env.host();
    let session = env.new_session().await;

    // Created from the CLI: the secret is shown once, in the answer.
    let (code_c, out, err) = host
        .cli(&["--json", "routines", "create", "--name", "hook", "--session", &session, "--prompt", "delivery {{body}} scenario:deltas=2"])
        .await;
    assert_eq!(code_c, 0, "{out}{err}");
    let created: Value = serde_json::from_str(&out).unwrap();
    let routine = created["routine"]["id"].as_str().unwrap().to_string();
    let secret = created["webhookSecret"].as_str().unwrap().to_string();
    assert_eq!(created["routine"]["state"], "enabled");
    assert_eq!(created["routine"]["webhookPath"], format!("/api/routines/{routine}/webhook"));
    let (_, shown) = host.get(&format!("/api/routines/{routine}")).await;
    assert!(!shown.to_string().contains(&secret), "the secret is never shown again: {shown}");

    // Run now.
    let (status, run) = host.post(&format!("/api/routines/{routine}/run"), json!({})).await;
    assert_eq!((status, run["trigger"].as_str()), (202, Some("manual")), "{run}");
    let (manual, _) = finished(host, &routine, run["id"].as_str().unwrap()).await;
    assert_eq!(manual["sessionId"], session.as_str());
    let (status, job) = host.get(&format!("/api/jobs/{}", manual["jobId"].as_str().unwrap())).await;
    assert_eq!((status, job["kind"].as_str(), job["pluginId"].as_str()), (200, Some("host.routine-run"), Some("host")), "{job}");

    // A signed delivery runs it once, with its body in the prompt.
    let body = r#"{"ref":"main"}"#;
    let ts = now_secs();
    let signature = sign(&secret, ts, body.as_bytes());
    let (status, hooked) = deliver(host, &routine, ts, &signature, body).await;
    assert_eq!((status, hooked["trigger"].as_str()), (202, Some("webhook")), "{hooked}");
    let (hooked, _) = finished(host, &routine, hooked["id"].as_str().unwrap()).await;
    assert_ne!(hooked["turnId"], manual["turnId"]);
    assert!(user_texts(host, &session).await.iter().any(|t| t == r#"delivery {"ref":"main"} scenario:deltas=2"#));

    // The same delivery again: a replay.
    let (status, replay) = deliver(host, &routine, ts, &signature, body).await;
    assert_eq!((status, code(&replay)), (409, "webhook_replayed"), "{replay}");
    // Signed with another secret, or for another body.
    let (status, wrong) = deliver(host, &routine, ts, &sign("cmwh_wrong", ts, body.as_bytes()), body).await;
    assert_eq!((status, code(&wrong)), (401, "webhook_signature_invalid"), "{wrong}");
    let (status, wrong) = deliver(host, &routine, ts, &signature, r#"{"ref":"evil"}"#).await;
    assert_eq!((status, code(&wrong)), (401, "webhook_signature_invalid"), "{wrong}");
    // Correctly signed, but an hour old.
    let old = ts - 3600;
    let (status, stale) = deliver(host, &routine, old, &sign(&secret, old, body.as_bytes()), body).await;
    assert_eq!((status, code(&stale)), (401, "webhook_timestamp_stale"), "{stale}");
    // An unknown routine answers like a wrong signature.
    let (status, unknown) = deliver(host, "nope", ts, &signature, body).await;
    assert_eq!((status, code(&unknown)), (401, "webhook_signature_invalid"), "{unknown}");
    assert_eq!(runs(host, &routine).await.len(), 2, "refused deliveries ran nothing");

    // Rotated: the old secret stops working, the new one works.
    let (code_r, out, err) = host.cli(&["--json", "routines", "rotate-secret", &routine]).await;
    assert_eq!(code_r, 0, "{out}{err}");
    let rotated = serde_json::from_str::<Value>(&out).unwrap()["webhookSecret"].as_str().unwrap().to_string();
    let ts = now_secs();
    let (status, _) = deliver(host, &routine, ts, &sign(&secret, ts, b"{}"), "{}").await;
    assert_eq!(status, 401);
    let (status, third) = deliver(host, &routine, ts, &sign(&rotated, ts, b"{}"), "{}").await;
    assert_eq!(status, 202, "{third}");
    finished(host, &routine, third["id"].as_str().unwrap()).await;

    // While the session is busy, a run waits as a follow-up instead of failing.
    let busy = host.send(&session, "busy scenario:sleep=3000").await;
    let (status, queued) = host.post(&format!("/api/routines/{routine}/run"), json!({})).await;
    assert_eq!(status, 202, "{queued}");
    let queued_id = queued["id"].as_str().unwrap().to_string();
    let waiting = eventually("the run to queue a follow-up", async || {
        runs(host, &routine).await.into_iter().find(|r| r["id"] == queued_id.as_str() && r["followupId"].is_string())
    })
    .await;
    let (_, busy_record) = host.get(&format!("/api/sessions/{session}/turns/{busy}?wait=30s")).await;
    assert_eq!(busy_record["status"], "completed");
    let (after, _) = finished(host, &routine, &queued_id).await;
    assert_eq!(after["followupId"], waiting["followupId"], "{after}");

    // Paused: webhooks are refused; run now still runs.
    let (status, paused) = host.patch(&format!("/api/routines/{routine}"), json!({"state": "paused"})).await;
    assert_eq!((status, paused["state"].as_str()), (200, Some("paused")), "{paused}");
    let ts = now_secs();
    let (status, refused) = deliver(host, &routine, ts, &sign(&rotated, ts, b"[]"), "[]").await;
    assert_eq!((status, code(&refused)), (409, "routine_paused"), "{refused}");

    // The CLI lists the runs; rm removes the routine.
    let (code_l, out, err) = host.cli(&["--json", "routines", "runs", &routine]).await;
    assert_eq!(code_l, 0, "{out}{err}");
    let listed: Value = serde_json::from_str(&out).unwrap();
    let triggers: Vec<&str> = listed["runs"].as_array().unwrap().iter().map(|r| r["trigger"].as_str().unwrap()).collect();
    assert_eq!(triggers, ["manual", "webhook", "webhook", "manual"], "newest first, one per trigger");
    let (code_d, out, err) = host.cli(&["routines", "rm", &routine]).await;
    assert_eq!(code_d, 0, "{out}{err}");
    let (status, gone) = host.get(&format!("/api/routines/{routine}")).await;
    assert_eq!((status, code(&gone)), (404, "routine_not_found"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cron_routine_runs_once_per_scheduled_time_in_a_new_session_each() {
    let env = Env::start_with("routines-cron", &[SECONDS]).await;
    let host = env.host();
    let (status, project) = host.post("/api/projects", json!({"name": "nightly", "cwd": env.work_dir()})).await;
    assert_eq!(status, 201, "{project}");
    let project = project["id"].as_str().unwrap();

    let (status, bad) = host.post("/api/routines", json!({"name": "x", "projectId": project, "prompt": "p", "schedule": "61 * * * *"})).await;
    assert_eq!((status, code(&bad)), (422, "invalid_schedule"), "{bad}");
    let (status, bad) = host.post("/api/routines", json!({"name": "x", "prompt": "p"})).await;
    assert_eq!((status, code(&bad)), (422, "invalid_request"), "a target is required: {bad}");
    let (status, bad) = host.post("/api/routines", json!({"name": "x", "projectId": project, "prompt": "p", "approvalPolicy": "never"})).await;
    assert_eq!(status, 422, "a routine has no approval setting to lower: {bad}");

    let (status, preview) = host.get("/api/routines/schedule-preview?schedule=*/2%20*%20*%20*%20*%20*&count=3").await;
    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["next"].as_array().unwrap().len(), 3);

    let (status, created) =
        host.post("/api/routines", json!({"name": "tick", "projectId": project, "prompt": "tick scenario:deltas=2", "schedule": "*/2 * * * * *"})).await;
    assert_eq!(status, 201, "{created}");
    let routine = created["routine"]["id"].as_str().unwrap().to_string();
    assert!(created["routine"]["nextRunAt"].is_string(), "{created}");

    let two = eventually("two scheduled runs", async || {
        let r = runs(host, &routine).await;
        (r.len() >= 2).then_some(r)
    })
    .await;
    let (status, _) = host.patch(&format!("/api/routines/{routine}"), json!({"state": "paused"})).await;
    assert_eq!(status, 200);
    let (_, paused) = host.get(&format!("/api/routines/{routine}")).await;
    assert!(paused["nextRunAt"].is_null(), "a paused routine has no next run: {paused}");

    let all = runs(host, &routine).await;
    let mut times: Vec<&str> = all.iter().map(|r| r["scheduledFor"].as_str().unwrap()).collect();
    let n = times.len();
    times.sort();
    times.dedup();
    assert_eq!(times.len(), n, "one run per scheduled time: {all:?}");
    assert!(all.iter().all(|r| r["trigger"] == "schedule"));
    let mut sessions = Vec::new();
    for run in two.iter().take(2) {
        let (run, _) = finished(host, &routine, run["id"].as_str().unwrap()).await;
        let (_, view) = host.get(&format!("/api/sessions/{}", run["sessionId"].as_str().unwrap())).await;
        assert_eq!(view["session"]["projectId"], project, "a new session in the project: {view}");
        sessions.push(run["sessionId"].as_str().unwrap().to_string());
    }
    assert_ne!(sessions[0], sessions[1], "each run a new session");
    let jobs: Vec<&str> = all.iter().map(|r| r["jobId"].as_str().unwrap()).collect();
    assert_eq!(jobs.iter().collect::<std::collections::BTreeSet<_>>().len(), jobs.len(), "one job per run");
}

/// A once-a-day schedule at `t` (UTC: the host runs with `TZ=UTC`), with seconds.
fn daily_at(t: i64) -> String {
    format!("{} {} {} * * *", t % 60, t / 60 % 60, t / 3600 % 24)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn times_missed_while_the_host_was_down_run_once_or_are_skipped() {
    let mut env = Env::start_with("routines-catchup", &[SECONDS, ("TZ", "UTC")]).await;
    let session = env.new_session().await;
    let due = now_secs() + 15;
    let mut ids = Vec::new();
    for catch_up in ["once", "skip"] {
        let (status, created) = env
            .host()
            .post("/api/routines", json!({"name": catch_up, "sessionId": session, "prompt": format!("{catch_up} scenario:deltas=2"),
                "schedule": daily_at(due), "catchUp": catch_up}))
            .await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["routine"]["timeZone"], "UTC");
        ids.push(created["routine"]["id"].as_str().unwrap().to_string());
    }
    env.stop_host().await;
    assert!(now_secs() < due, "the host stopped before the scheduled time (else this test proves nothing)");
    while now_secs() <= due + 1 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    env.start_host().await;
    let host = env.host();

    let once = eventually("the catch-up run", async || {
        let r = runs(host, &ids[0]).await;
        (!r.is_empty()).then_some(r)
    })
    .await;
    assert_eq!(once.len(), 1, "{once:?}");
    assert_eq!(once[0]["trigger"], "catch_up");
    let (run, _) = finished(host, &ids[0], once[0]["id"].as_str().unwrap()).await;
    assert_eq!(run["scheduledFor"].as_str().map(|s| s.len() > 0), Some(true));
    // The skipped one moved on to tomorrow, like the other, having run nothing.
    let (_, once_view) = host.get(&format!("/api/routines/{}", ids[0])).await;
    assert!(once_view["nextRunAt"].is_string(), "{once_view}");
    eventually("the skipped routine to move on", async || {
        let (_, skipped) = host.get(&format!("/api/routines/{}", ids[1])).await;
        (skipped["nextRunAt"] == once_view["nextRunAt"]).then_some(())
    })
    .await;
    assert!(runs(host, &ids[1]).await.is_empty(), "skip runs nothing");
    assert!(runs(host, &ids[0]).await.len() == 1, "once means once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_routine_enqueues_its_plugin_job_with_its_payload() {
    let env = Env::start("routines-job").await;
    let host = env.host();
    assert_eq!(install_plugin(host, "well-behaved", &["log", "kv", "sessions-read", "jobs", "workers", "notes"]).await.0, 201);
    let session = env.new_session().await;
    let (status, bad) = host.post("/api/routines", json!({"name": "j", "sessionId": session, "jobKind": "nobody.runs-this"})).await;
    assert_eq!((status, code(&bad)), (422, "unknown_job_kind"), "{bad}");
    let (status, created) =
        host.post("/api/routines", json!({"name": "echo", "sessionId": session, "jobKind": "test.echo", "payload": {"hello": "routine"}})).await;
    assert_eq!(status, 201, "{created}");
    let routine = created["routine"]["id"].as_str().unwrap();

    let (status, run) = host.post(&format!("/api/routines/{routine}/run"), json!({})).await;
    assert_eq!(status, 202, "{run}");
    let (status, job) = host.get(&format!("/api/jobs/{}?wait=30s", run["jobId"].as_str().unwrap())).await;
    assert_eq!((status, job["state"].as_str(), job["kind"].as_str()), (200, Some("succeeded"), Some("test.echo")), "{job}");
    assert_eq!(job["result"], json!({"hello": "routine"}));
    assert_eq!(job["createdBy"], format!("routine:{routine}"));
    assert_eq!(job["sessionId"], session.as_str());
    let listed = runs(host, routine).await;
    assert_eq!(listed.len(), 1);
    assert_eq!((listed[0]["status"].as_str(), listed[0]["turnId"].as_str()), (Some("completed"), None), "{listed:?}");
}

/// A session whose approval policy asks (`on-request`).
async fn asking_session(env: &Env) -> String {
    let (status, body) = env.host().post("/api/sessions", json!({"cwd": env.work_dir(), "controls": {"approvalPolicy": "on-request"}})).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_routines_approval_waits_for_the_user_and_its_run_shows_the_turn_in_progress_until_then() {
    let env = Env::start("routines-approval").await;
    let host = env.host();
    let session = asking_session(&env).await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let (status, created) = host.post("/api/routines", json!({"name": "asks", "sessionId": session, "prompt": "run it scenario:approval"})).await;
    assert_eq!(status, 201, "{created}");
    let routine = created["routine"]["id"].as_str().unwrap().to_string();
    let (status, run) = host.post(&format!("/api/routines/{routine}/run"), json!({})).await;
    assert_eq!(status, 202, "{run}");

    let asked = until(&mut ws, |e| e["type"] == "approval.requested").await;
    let request = asked.last().unwrap()["data"]["id"].as_str().unwrap().to_string();
    // The run's job is done (its turn started); the turn waits on the request, which nobody but the user answers.
    let (_, job) = host.get(&format!("/api/jobs/{}?wait=30s", run["jobId"].as_str().unwrap())).await;
    assert_eq!(job["state"], "succeeded", "{job}");
    let now = runs(host, &routine).await.into_iter().find(|r| r["id"] == run["id"]).unwrap();
    assert_eq!(now["status"], "turn_in_progress", "{now}");
    let (_, pending) = host.get(&format!("/api/sessions/{session}/requests/{request}")).await;
    assert_eq!(pending["status"], "pending", "nothing auto-accepts a routine's approval: {pending}");
    let (_, all) = host.get("/api/requests?status=pending").await;
    assert_eq!(all.as_array().unwrap().len(), 1, "{all}");
    let (_, still) = host.get(&format!("/api/sessions/{session}/turns/{}", now["turnId"].as_str().unwrap())).await;
    assert_eq!(still["status"], "inProgress", "{still}");

    // The user decides: the turn goes on and the run completes.
    let (s, b) = host.post(&format!("/api/sessions/{session}/requests/{request}/response"), json!({"decision": "accept"})).await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(b["decidedBy"], "api", "the client that answered: {b}");
    finished(host, &routine, run["id"].as_str().unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_routines_worker_turn_accepts_nothing_its_session_would_ask_a_person_about() {
    let env = Env::start("routines-worker-approval").await;
    let host = env.host();
    assert_eq!(install_plugin(host, "well-behaved", &["log", "kv", "sessions-read", "jobs", "workers", "notes"]).await.0, 201);
    let session = asking_session(&env).await;
    // The plugin asks for its worker turn's requests to be accepted.
    let payload = json!({"prompt": "run it scenario:approval", "approvals": "accept", "session_id": session});
    let (status, created) = host.post("/api/routines", json!({"name": "worker", "sessionId": session, "jobKind": "test.worker", "payload": payload})).await;
    assert_eq!(status, 201, "{created}");
    let routine = created["routine"]["id"].as_str().unwrap().to_string();
    let worker_decision = async |expected_runs: usize| -> Value {
        let (status, run) = host.post(&format!("/api/routines/{routine}/run"), json!({})).await;
        assert_eq!(status, 202, "{run}");
        let (_, job) = host.get(&format!("/api/jobs/{}?wait=30s", run["jobId"].as_str().unwrap())).await;
        assert_eq!(job["state"], "succeeded", "{job}");
        let worker = job["result"]["session_id"].as_str().expect("the worker session").to_string();
        assert_ne!(worker, session);
        let (_, requests) = host.get(&format!("/api/sessions/{worker}/requests")).await;
        let requests = requests.as_array().unwrap().clone();
        assert_eq!(requests.len(), expected_runs, "{requests:?}");
        requests.into_iter().find(|r| r["turnId"] == job["result"]["turn_id"]).unwrap_or_else(|| panic!("the worker turn's request: {job}"))
    };

    // The session asks (on-request): the routine's worker turn is declined, whatever the plugin asked for.
    let request = worker_decision(1).await;
    assert_eq!((request["status"].as_str(), request["decision"].as_str()), (Some("resolved"), Some("decline")), "{request}");
    assert_eq!(request["decidedBy"], "worker-policy:well-behaved");
    assert!(request["reason"].as_str().is_some_and(|r| r.contains("the session's approval policy wins")), "{request}");

    // A session that asks nothing itself (`never`): the plugin's policy applies.
    let (status, body) = host.put(&format!("/api/sessions/{session}/controls"), json!({"approvalPolicy": "never"})).await;
    assert_eq!(status, 200, "{body}");
    let request = worker_decision(2).await;
    assert_eq!((request["status"].as_str(), request["decision"].as_str()), (Some("resolved"), Some("accept")), "{request}");
}
