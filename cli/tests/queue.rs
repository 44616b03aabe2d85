//! The durable job queue against the real app-server and the test plugins: retries and failure kinds, dedupe,
//! bounded capacity, worker turns on hidden sessions, cancellation that interrupts the worker turn, and a host
//! killed mid-job whose job completes exactly once after a restart.

mod support;

use serde_json::{json, Value};
use support::*;

/// Everything the well-behaved test plugin asks for (it counts events in kv: without kv every event is a failed
/// call, and its circuit breaker would switch it off).
const WELL_BEHAVED: &[&str] = &["log", "kv", "sessions-read", "jobs", "workers", "notes"];

/// The panicker test plugin without its event subscriptions: only its job traps, so the job's own attempts are
/// what the test sees (a plugin that traps on every event is switched off by its circuit breaker first).
async fn install_job_only_panicker(host: &Host) {
    let mut body = plugin_body("panicker");
    let manifest = body["manifest"].as_str().unwrap().replace("events = [\"*\"]", "events = []");
    assert!(manifest.contains("events = []"), "{manifest}");
    body["manifest"] = json!(manifest);
    body["grant"] = json!(["log"]);
    let (s, b) = host.post("/api/plugins", body).await;
    assert_eq!(s, 201, "{b}");
}

async fn enqueue(host: &Host, body: Value) -> (u16, Value) {
    host.post("/api/jobs", body).await
}

/// Poll a job until `done` holds for it.
async fn job_when(host: &Host, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    eventually(what, async || {
        let (_, job) = host.get(&format!("/api/jobs/{id}")).await;
        done(&job).then_some(job)
    })
    .await
}

fn finished(job: &Value) -> bool {
    matches!(job["state"].as_str(), Some("succeeded" | "failed" | "canceled"))
}

fn transitions(job: &Value) -> Vec<String> {
    job["history"].as_array().unwrap().iter().map(|h| h["toState"].as_str().unwrap().to_string()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_runs_once_retries_as_asked_and_a_trapping_job_fails_with_the_trap_kind() {
    let env = Env::start("queue-basics").await;
    let host = env.host();
    assert_eq!(install_plugin(host, "well-behaved", WELL_BEHAVED).await.0, 201);
    install_job_only_panicker(host).await;
    let (_, kinds) = host.get("/api/jobs/kinds").await;
    let names: Vec<&str> = kinds["kinds"].as_array().unwrap().iter().map(|k| k["kind"].as_str().unwrap()).collect();
    assert!(names.contains(&"test.echo") && names.contains(&"test.panic"), "{kinds}");

    let mut ws = host.stream(&format!("since={}&types=job.", host.latest_seq().await)).await;
    let (s, job) = enqueue(host, json!({"kind": "test.echo", "payload": {"hello": "world"}})).await;
    assert_eq!(s, 201, "{job}");
    assert_eq!(job["state"], "queued");
    let id = job["id"].as_str().unwrap().to_string();
    // A read with `?wait=` answers once the job finished: no polling.
    let (s, waited) = host.get(&format!("/api/jobs/{id}?wait=30s")).await;
    assert_eq!((s, waited["state"].as_str()), (200, Some("succeeded")), "{waited}");
    let (s, body) = host.get(&format!("/api/jobs/{id}?wait=soon")).await;
    assert_eq!((s, code(&body)), (422, "invalid_request"), "{body}");
    let seen = until(&mut ws, |e| e["type"] == "job.succeeded" && e["data"]["id"] == id).await;
    let kinds_seen: Vec<&str> = seen.iter().filter(|e| e["data"]["id"] == id).map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds_seen, ["job.queued", "job.started", "job.succeeded"]);
    let done = job_when(host, &id, "echo job done", finished).await;
    assert_eq!(done["result"], json!({"hello": "world"}));
    assert_eq!(done["attempt"], 1);
    assert_eq!(transitions(&done), ["queued", "running", "succeeded"]);

    // A plugin asks to be retried: it runs until the attempt it wants, each retry an event and a history row.
    let (s, retry) = enqueue(host, json!({"kind": "test.retry", "payload": {"succeed_on": 3}})).await;
    assert_eq!(s, 201, "{retry}");
    let retry = job_when(host, retry["id"].as_str().unwrap(), "retrying job done", finished).await;
    assert_eq!(retry["state"], "succeeded", "{retry}");
    assert_eq!(retry["attempt"], 3);
    assert_eq!(transitions(&retry), ["queued", "running", "queued", "running", "queued", "running", "succeeded"]);

    // A trap is retried with backoff, then the job fails with the trap kind; the host keeps serving.
    let (s, trap) = enqueue(host, json!({"kind": "test.panic"})).await;
    assert_eq!(s, 201, "{trap}");
    let trap = job_when(host, trap["id"].as_str().unwrap(), "trapping job failed", finished).await;
    assert_eq!(trap["state"], "failed", "{trap}");
    assert_eq!(trap["error"]["kind"], "trap", "{trap}");
    assert_eq!(trap["attempt"], trap["maxAttempts"]);
    let (_, failed) = host.get("/api/jobs?state=failed&kind=test.panic").await;
    assert_eq!(failed["jobs"].as_array().unwrap().len(), 1);

    // Retry puts a failed job back from its first attempt; the CLI shows the same job.
    let (s, again) = host.post(&format!("/api/jobs/{}/retry", trap["id"].as_str().unwrap()), json!({})).await;
    assert_eq!((s, again["state"].as_str()), (200, Some("queued")), "{again}");
    let (code_, out, err) = host.cli(&["jobs", "show", trap["id"].as_str().unwrap()]).await;
    assert_eq!(code_, 0, "{out}{err}");
    assert!(out.contains("test.panic") && out.contains("retried by api"), "{out}");
    let (_, stats) = host.get("/api/ready").await;
    assert!(stats["queue"]["capacity"].as_i64().unwrap() > 0, "{stats}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicates_return_the_live_job_and_a_full_queue_answers_429_keeping_what_it_holds() {
    let env = Env::start_with("queue-limits", &[("CODEX_MANAGER_QUEUE_CAPACITY", "3")]).await;
    let host = env.host();
    assert_eq!(install_plugin(host, "well-behaved", WELL_BEHAVED).await.0, 201);
    let delayed = |key: &str| json!({"kind": "test.echo", "payload": {"k": key}, "dedupeKey": key, "delayMs": 600000});

    let (s, first) = enqueue(host, delayed("a")).await;
    assert_eq!(s, 201);
    let (s, dup) = enqueue(host, delayed("a")).await;
    assert_eq!(s, 200, "a duplicate answers 200 with the live job: {dup}");
    assert_eq!(dup["id"], first["id"]);
    // The CLI enqueues through the same route.
    let (code_, out, err) = host.cli(&["jobs", "enqueue", "test.echo", "--dedupe-key", "b", "--delay-ms", "600000"]).await;
    assert_eq!(code_, 0, "{out}{err}");
    assert_eq!(enqueue(host, delayed("c")).await.0, 201);

    let (s, full) = enqueue(host, delayed("d")).await;
    assert_eq!((s, code(&full)), (429, "queue_full"), "{full}");
    let (_, queued) = host.get("/api/jobs?state=queued").await;
    assert_eq!(queued["jobs"].as_array().unwrap().len(), 3, "nothing already queued is lost: {queued}");
    let (_, stats) = host.get("/api/jobs/stats").await;
    assert_eq!((stats["queued"].as_i64(), stats["capacity"].as_i64()), (Some(3), Some(3)), "{stats}");

    // Canceling a queued job answers with its final state and frees its key and its place.
    let id = first["id"].as_str().unwrap();
    let (s, canceled) = host.post(&format!("/api/jobs/{id}/cancel"), json!({})).await;
    assert_eq!((s, canceled["state"].as_str()), (200, Some("canceled")), "{canceled}");
    let (s, again) = host.post(&format!("/api/jobs/{id}/cancel"), json!({})).await;
    assert_eq!((s, code(&again)), (409, "job_finished"));
    let (s, fresh) = enqueue(host, delayed("a")).await;
    assert_eq!(s, 201, "{fresh}");
    assert_ne!(fresh["id"], first["id"]);

    // Hostile input: clear codes, nothing written.
    let (s, b) = enqueue(host, json!({"kind": "no.such.kind"})).await;
    assert_eq!((s, code(&b)), (422, "unknown_job_kind"));
    let (s, b) = enqueue(host, json!({"kind": "test.echo", "surprise": 1})).await;
    assert_eq!((s, code(&b)), (422, "invalid_body"));
    let (s, b) = enqueue(host, json!({"kind": "test.echo", "sessionId": "nope"})).await;
    assert_eq!((s, code(&b)), (404, "session_not_found"));
    let raw = host
        .http
        .post(format!("{}/api/jobs", host.url))
        .bearer_auth(&host.token)
        .header("content-type", "application/json")
        .body("{\"kind\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status().as_u16(), 400);
    let (s, b) = host.get("/api/jobs/nope").await;
    assert_eq!((s, code(&b)), (404, "job_not_found"));
    let (s, b) = host.get("/api/jobs?state=lost").await;
    assert_eq!(s, 422, "{b}");
    let (s, b) = host.post(&format!("/api/jobs/{}/retry", fresh["id"].as_str().unwrap()), json!({})).await;
    assert_eq!((s, code(&b)), (409, "job_not_retryable"));
    let (_, queued) = host.get("/api/jobs?state=queued").await;
    assert_eq!(queued["jobs"].as_array().unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_turn_runs_on_a_hidden_session_and_its_approvals_are_answered_by_policy() {
    let env = Env::start("queue-worker").await;
    let host = env.host();
    assert_eq!(install_plugin(host, "well-behaved", WELL_BEHAVED).await.0, 201);
    let session = env.new_session().await;

    let (s, job) = enqueue(host, json!({"kind": "test.worker", "sessionId": session, "payload": {"prompt": "hello worker", "session_id": session}})).await;
    assert_eq!(s, 201, "{job}");
    let done = job_when(host, job["id"].as_str().unwrap(), "worker job done", finished).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["result"]["status"], "completed");
    assert_eq!(done["result"]["text"], "You said: hello worker");
    let worker = done["result"]["session_id"].as_str().unwrap().to_string();
    assert_ne!(worker, session);

    // The worker never shows in the user's chat list, unless asked for.
    let (_, listed) = host.get("/api/sessions").await;
    let ids: Vec<&str> = listed["sessions"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [session.as_str()]);
    let (_, all) = host.get("/api/sessions?workers=true").await;
    let w = all["sessions"].as_array().unwrap().iter().find(|s| s["id"] == worker.as_str()).expect("worker listed on request");
    assert_eq!(w["workerOf"], "well-behaved");
    assert_eq!(w["controls"]["sandbox"], "read-only");
    assert_eq!(w["controls"]["networkAccess"], false);

    // The note the plugin left reaches the session.
    let (_, notes) = host.get(&format!("/api/sessions/{session}/notes")).await;
    assert_eq!(notes["notes"][0]["body"], "You said: hello worker", "{notes}");
    assert_eq!(notes["notes"][0]["pluginId"], "well-behaved");

    // A worker turn that asks for approval is never left pending: the plugin's policy (decline) answers.
    let payload = json!({"prompt": "run it scenario:approval", "session_id": session});
    let (_, job) = enqueue(host, json!({"kind": "test.worker", "sessionId": session, "payload": payload})).await;
    let done = job_when(host, job["id"].as_str().unwrap(), "approval worker job done", finished).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    let (_, requests) = host.get(&format!("/api/sessions/{worker}/requests")).await;
    let request = &requests.as_array().unwrap()[0];
    assert_eq!(request["status"], "resolved", "{request}");
    assert_eq!(request["decision"], "decline");
    assert_eq!(request["decidedBy"], "worker-policy:well-behaved");
    let (_, pending) = host.get("/api/requests?status=pending").await;
    assert_eq!(pending.as_array().unwrap().len(), 0, "{pending}");

    // Worker turns only run inside a job, for a session or project.
    let (_, job) = enqueue(host, json!({"kind": "test.worker", "payload": {"prompt": "nowhere"}})).await;
    let done = job_when(host, job["id"].as_str().unwrap(), "placeless worker job done", finished).await;
    assert_eq!(done["state"], "failed", "{done}");
    assert!(done["error"]["message"].as_str().unwrap().contains("session-id"), "{done}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canceling_a_running_job_interrupts_its_worker_turn_and_answers_with_the_final_state() {
    let env = Env::start("queue-cancel").await;
    let host = env.host();
    assert_eq!(install_plugin(host, "well-behaved", WELL_BEHAVED).await.0, 201);
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}", host.latest_seq().await)).await;
    let payload = json!({"prompt": "take your time scenario:sleep=60000", "session_id": session});
    let (_, job) = enqueue(host, json!({"kind": "test.worker", "sessionId": session, "payload": payload})).await;
    let id = job["id"].as_str().unwrap().to_string();
    let started = until(&mut ws, |e| e["type"] == "turn.started" && e["sessionId"] != session.as_str()).await;
    let worker_turn = started.last().unwrap()["turnId"].as_str().unwrap().to_string();

    let (s, canceled) = host.post(&format!("/api/jobs/{id}/cancel"), json!({})).await;
    assert_eq!(s, 200, "{canceled}");
    assert_eq!(canceled["state"], "canceled", "the answer is the final state: {canceled}");
    assert_eq!(canceled["error"]["kind"], "canceled");
    let end = until(&mut ws, is_turn_end(&worker_turn)).await;
    assert_eq!(end.last().unwrap()["data"]["turn"]["status"], "interrupted");
    let (_, notes) = host.get(&format!("/api/sessions/{session}/notes")).await;
    assert_eq!(notes["notes"].as_array().unwrap().len(), 0, "a canceled job left no note");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_host_is_killed_completes_exactly_once_after_a_restart() {
    let mut env = Env::start_with("queue-crash", &[("CODEX_MANAGER_JOB_LEASE_MS", "1500")]).await;
    assert_eq!(install_plugin(env.host(), "well-behaved", WELL_BEHAVED).await.0, 201);
    let session = env.new_session().await;
    let host = env.host();
    let mut ws = host.stream(&format!("since={}", host.latest_seq().await)).await;
    let payload = json!({"prompt": "long one scenario:sleep=3000", "session_id": session});
    let (_, job) = enqueue(host, json!({"kind": "test.worker", "sessionId": session, "payload": payload})).await;
    let id = job["id"].as_str().unwrap().to_string();
    until(&mut ws, |e| e["type"] == "turn.started" && e["sessionId"] != session.as_str()).await;

    // kill -9: no handing back, no clean stop.
    let mut dead = env.host.take().unwrap();
    unsafe {
        libc::kill(dead.pid() as i32, libc::SIGKILL);
    }
    let _ = dead.child.wait();
    env.start_host().await;
    let host = env.host();

    let done = job_when(host, &id, "the job completes after the restart", finished).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["attempt"], 2, "{done}");
    let history = transitions(&done);
    assert_eq!(history.iter().filter(|s| *s == "succeeded").count(), 1, "{history:?}");
    assert!(
        done["history"].as_array().unwrap().iter().any(|h| h["detail"].as_str().unwrap_or("").contains("lease")),
        "the recovery is on record: {done}"
    );
    let (_, notes) = host.get(&format!("/api/sessions/{session}/notes")).await;
    assert_eq!(notes["notes"].as_array().unwrap().len(), 1, "the job's effect happened once: {notes}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn misbehaving_jobs_fail_with_their_kind_and_the_queue_keeps_serving() {
    let env = Env::start("queue-misbehave").await;
    let host = env.host();
    for id in ["looper", "memory-hog", "bad-json", "big-output"] {
        let mut body = plugin_body(id);
        // Jobs only: these plugins would trap on every event too, and their breakers would switch them off first.
        let manifest = body["manifest"].as_str().unwrap().replace("events = [\"*\"]", "events = []");
        body["manifest"] = json!(manifest);
        body["grant"] = json!(["log"]);
        let (s, b) = host.post("/api/plugins", body).await;
        assert_eq!(s, 201, "{id}: {b}");
    }
    assert_eq!(install_plugin(host, "well-behaved", WELL_BEHAVED).await.0, 201);
    let mut ids = Vec::new();
    for (kind, expected) in [("test.loop", "timeout"), ("test.hog", "memory"), ("test.bad-json", "bad_output"), ("test.big-output", "bad_output")] {
        let (s, job) = enqueue(host, json!({"kind": kind})).await;
        assert_eq!(s, 201, "{job}");
        ids.push((job["id"].as_str().unwrap().to_string(), kind, expected));
    }
    for (id, kind, expected) in ids {
        let job = job_when(host, &id, kind, finished).await;
        assert_eq!(job["state"], "failed", "{kind}: {job}");
        assert_eq!(job["error"]["kind"], expected, "{kind}: {job}");
        assert_eq!(job["attempt"], job["maxAttempts"], "{kind} was retried to its limit: {job}");
        assert!(job["result"].is_null());
    }
    // The host and the other plugins keep working.
    let (_, echo) = enqueue(host, json!({"kind": "test.echo", "payload": [1, 2]})).await;
    let echo = job_when(host, echo["id"].as_str().unwrap(), "echo after the misbehaving ones", finished).await;
    assert_eq!((echo["state"].as_str(), &echo["result"]), (Some("succeeded"), &json!([1, 2])));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lanes_hold_jobs_back_until_a_running_one_finishes() {
    // One job at a time overall: a quick job waits behind a slow one of another kind.
    let env = Env::start_with("queue-lanes", &[("CODEX_MANAGER_JOB_CONCURRENCY", "1")]).await;
    let host = env.host();
    assert_eq!(install_plugin(host, "well-behaved", WELL_BEHAVED).await.0, 201);
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&types=job.", host.latest_seq().await)).await;
    let slow = json!({"kind": "test.worker", "sessionId": session, "payload": {"prompt": "slowly scenario:sleep=1500"}});
    let (_, slow) = enqueue(host, slow).await;
    let slow_id = slow["id"].as_str().unwrap().to_string();
    until(&mut ws, |e| e["type"] == "job.started" && e["data"]["id"] == slow_id).await;
    let (_, quick) = enqueue(host, json!({"kind": "test.echo"})).await;
    let quick_id = quick["id"].as_str().unwrap().to_string();
    let (_, stats) = host.get("/api/jobs/stats").await;
    assert_eq!((stats["running"].as_i64(), stats["queued"].as_i64()), (Some(1), Some(1)), "{stats}");
    let order = until(&mut ws, |e| e["type"] == "job.succeeded" && e["data"]["id"] == quick_id).await;
    let position = |kind: &str, id: &str| order.iter().position(|e| e["type"] == kind && e["data"]["id"] == id).unwrap();
    assert!(position("job.succeeded", &slow_id) < position("job.started", &quick_id), "the global lane held the quick job back");

    // Per kind, with room in the global lane: test.worker runs one at a time (the default kind concurrency), so
    // the second is not even claimed until the first is done.
    drop(ws);
    drop(env);
    let env = Env::start("queue-kind-lane").await;
    let host = env.host();
    assert_eq!(install_plugin(host, "well-behaved", WELL_BEHAVED).await.0, 201);
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&types=job.", host.latest_seq().await)).await;
    let (_, a) = enqueue(host, json!({"kind": "test.worker", "sessionId": session, "payload": {"prompt": "first scenario:sleep=500"}})).await;
    let (_, b) = enqueue(host, json!({"kind": "test.worker", "sessionId": session, "payload": {"prompt": "second"}})).await;
    let (a, b) = (a["id"].as_str().unwrap().to_string(), b["id"].as_str().unwrap().to_string());
    let order = until(&mut ws, |e| e["type"] == "job.succeeded" && e["data"]["id"] == b).await;
    let position = |kind: &str, id: &str| order.iter().position(|e| e["type"] == kind && e["data"]["id"] == id).unwrap();
    assert!(position("job.succeeded", &a) < position("job.started", &b), "{order:?}");
}

/// A job whose work needs app-server waits for it to be ready instead of spending its attempts on "app-server is
/// not ready": queued while app-server restarts (a long restart backoff holds the window open), it runs once
/// app-server is back and succeeds at its first attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_queued_while_app_server_restarts_waits_for_readiness_and_keeps_its_attempts() {
    let env = Env::start_with("queue-ready", &[("CODEX_MANAGER_RESTART_BACKOFF_MS", "4000")]).await;
    let host = env.host();
    assert_eq!(install_plugin(host, "well-behaved", WELL_BEHAVED).await.0, 201);
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&types=runtime.", host.latest_seq().await)).await;
    let pid = host.runtime().await["pid"].as_i64().unwrap() as i32;
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    until(&mut ws, |e| e["type"] == "runtime.exited").await;
    let payload = json!({"prompt": "while away scenario:deltas=2", "session_id": session});
    let (s, job) = enqueue(host, json!({"kind": "test.worker", "sessionId": session, "payload": payload})).await;
    assert_eq!(s, 201, "{job}");
    let (status, ready) = host.get("/api/ready").await;
    assert_eq!(status, 503, "app-server is still restarting when the job is queued: {ready}");
    let id = job["id"].as_str().unwrap().to_string();
    let done = job_when(host, &id, "the job ran after app-server came back", finished).await;
    assert_eq!(done["state"], "succeeded", "{done}");
    assert_eq!(done["attempt"], 1, "no attempt was spent while app-server was not ready: {done}");
    assert_eq!(transitions(&done), ["queued", "running", "succeeded"]);
}
