//! One job queue across hosts (issue 19, part 4): two hosts on one PostgreSQL schema, each with its own app-server
//! and the test plugins installed, work one queue. Jobs enqueued on one run exactly once in all, a project's lane
//! and a kind's lane are never overfilled across the two, and kill -9 of the host running a job hands the job to
//! the other host once its lease runs out.
//!
//! Runs when `CODEX_MANAGER_TEST_DATABASE_URL` names a server (scripts/test.sh, suite "Store on PostgreSQL").

mod support;

use serde_json::{json, Value};
use sqlx::Row;
use support::pg::{Schema, SKIPPED};
use support::*;

const WELL_BEHAVED: &[&str] = &["log", "kv", "sessions-read", "jobs", "workers", "notes"];

/// Install a plugin on a host of a shared store: the first host installs it (the `plugins` row every host sees),
/// the others install their copy of the component over it (`upgrade`, same version).
async fn install_on(host: &Host, id: &str, grant: &[&str], first: bool) {
    let mut body = plugin_body(id);
    body["grant"] = json!(grant);
    body["upgrade"] = json!(!first);
    let (status, answer) = host.post("/api/plugins", body).await;
    assert!(status == 200 || status == 201, "installing {id} (first: {first}): {status} {answer}");
}

async fn enqueue(host: &Host, body: Value) -> String {
    let (status, job) = host.post("/api/jobs", body).await;
    assert_eq!(status, 201, "{job}");
    job["id"].as_str().unwrap().to_string()
}

fn finished(job: &Value) -> bool {
    matches!(job["state"].as_str(), Some("succeeded" | "failed" | "canceled"))
}

/// Per lane, the jobs' [started_at, finished_at] in the store never overlap: each claim in the lane started after the
/// one before it had finished. (Both hosts run on this machine: one clock.)
fn assert_one_at_a_time(lane: &str, mut spans: Vec<(i64, i64, String)>) {
    spans.sort();
    for pair in spans.windows(2) {
        let ((_, prev_end, prev), (next_start, _, next)) = ((pair[0].0, pair[0].1, &pair[0].2), (pair[1].0, pair[1].1, &pair[1].2));
        assert!(next_start >= prev_end, "lane {lane}: {next} started at {next_start} while {prev} ran until {prev_end}");
    }
}

/// Jobs enqueued on host A run exactly once across A and B: every job succeeds at its first attempt with one
/// `running` in its history and its result recorded once; a project lane of 1 (both hosts' flag) and the
/// `test.echo` kind's lane of 1 are never overfilled, whichever host claims.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_enqueued_on_one_host_run_once_across_two_hosts_and_no_lane_is_overfilled() {
    let Some(schema) = Schema::create().await else { return eprintln!("{SKIPPED}") };
    let url = schema.url();
    let flags = [("CODEX_MANAGER_DATABASE_URL", url.as_str()), ("CODEX_MANAGER_PROJECT_JOB_CONCURRENCY", "1")];
    let mut a = Env::start_with("qh-a", &flags).await;
    let mut b = Env::start_with("qh-b", &flags).await;
    for (i, env) in [&a, &b].into_iter().enumerate() {
        install_on(env.host(), "well-behaved", WELL_BEHAVED, i == 0).await;
        install_on(env.host(), "bench-trigger", &["log", "jobs"], i == 0).await;
    }
    let mut projects = Vec::new();
    for name in ["lane-one", "lane-two"] {
        let (status, p) = a.host().post("/api/projects", json!({"name": name, "cwd": a.work_dir()})).await;
        assert_eq!(status, 201, "{p}");
        projects.push(p["id"].as_str().unwrap().to_string());
    }

    // All due at one instant a moment from now, so that both hosts' schedulers (each sleeps until the next due
    // job) claim at once instead of A draining the queue before B looks.
    let mut ids = Vec::new();
    for i in 0..16 {
        ids.push(enqueue(a.host(), json!({"kind": "test.echo", "payload": {"n": i}, "delayMs": 2000})).await);
        for p in &projects {
            ids.push(enqueue(a.host(), json!({"kind": "bench.noop", "projectId": p, "payload": {"n": i, "p": p}, "delayMs": 2000})).await);
        }
    }
    let mut runners = std::collections::BTreeMap::<String, usize>::new();
    for id in &ids {
        let job = eventually("every job finishes", async || {
            let (_, job) = b.host().get(&format!("/api/jobs/{id}")).await;
            finished(&job).then_some(job)
        })
        .await;
        assert_eq!((job["state"].as_str(), job["attempt"].as_i64()), (Some("succeeded"), Some(1)), "{job}");
        assert_eq!(job["result"], job["payload"], "the result is recorded as the plugin gave it: {job}");
        let history = job["history"].as_array().unwrap();
        let states: Vec<&str> = history.iter().map(|h| h["toState"].as_str().unwrap()).collect();
        assert_eq!(states, ["queued", "running", "succeeded"], "one claim, one outcome: {job}");
        // "attempt 1, lease <host id>/<start id>/<claim id>": which host claimed it.
        let detail = history[1]["detail"].as_str().unwrap_or_default();
        let host = detail.split("lease ").nth(1).and_then(|l| l.split('/').next()).unwrap_or("?").to_string();
        *runners.entry(host).or_default() += 1;
    }
    // Which host claims what is up to their timing; both usually do (the numbers are in the test's output).
    eprintln!("jobs claimed per host: {runners:?}");

    let mut db = schema.connect().await;
    let rows = sqlx::query("SELECT id, kind, project_id, started_at, finished_at FROM jobs").fetch_all(&mut db).await.unwrap();
    assert_eq!(rows.len(), ids.len());
    let span = |r: &sqlx::any::AnyRow| (r.get::<i64, _>("started_at"), r.get::<i64, _>("finished_at"), r.get::<String, _>("id"));
    for p in &projects {
        let spans = rows.iter().filter(|r| r.get::<Option<String>, _>("project_id").as_deref() == Some(p.as_str())).map(span).collect();
        assert_one_at_a_time(&format!("project {p}"), spans);
    }
    assert_one_at_a_time("kind test.echo", rows.iter().filter(|r| r.get::<String, _>("kind") == "test.echo").map(span).collect());
    let running: i64 = sqlx::query("SELECT COUNT(*) FROM job_history WHERE to_state = 'running'").fetch_one(&mut db).await.unwrap().get(0);
    assert_eq!(running, ids.len() as i64, "one claim per job in all");
    drop(db);

    a.stop_host().await;
    b.stop_host().await;
    schema.drop_now().await;
}

/// kill -9 of the host running a job: its lease runs out, the other host recovers the job and runs attempt 2 to
/// success; the history shows the hand-over once and one success, and the job's effect (a note) happened once. A job
/// about the dead host's session stays queued for its owner meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_whose_host_is_killed_is_finished_by_the_other_host_after_its_lease() {
    let Some(schema) = Schema::create().await else { return eprintln!("{SKIPPED}") };
    let url = schema.url();
    let flags = [("CODEX_MANAGER_DATABASE_URL", url.as_str()), ("CODEX_MANAGER_JOB_LEASE_MS", "1500")];
    let mut a = Env::start_with("qh-kill-a", &flags).await;
    let mut b = Env::start_with("qh-kill-b", &flags).await;
    // Only A runs the kind while the job starts, so the attempt to kill is A's.
    install_on(a.host(), "well-behaved", WELL_BEHAVED, true).await;
    let session = a.new_session().await;
    let mut ws = a.host().stream(&format!("since={}", a.host().latest_seq().await)).await;
    // The job names the session in its payload only (its worker turn runs in the plugin's worker session, its note
    // goes to the session): a job about the session itself would wait for its owner, A, instead of moving to B.
    let payload = json!({"prompt": "long one scenario:sleep=3000", "session_id": session});
    let id = enqueue(a.host(), json!({"kind": "test.worker", "payload": payload})).await;
    until(&mut ws, |e| e["type"] == "job.started" && e["data"]["id"] == id.as_str()).await;
    until(&mut ws, |e| e["type"] == "turn.started" && e["sessionId"] != session.as_str()).await;
    install_on(b.host(), "well-behaved", WELL_BEHAVED, false).await;

    a.kill_host();
    // A job about A's session, enqueued on B while A is down: it is A's to run (the session's thread and directory
    // are there), so B leaves it queued while it takes over the other job.
    let pinned = enqueue(b.host(), json!({"kind": "test.echo", "sessionId": session, "payload": {"pinned": true}})).await;

    let done = eventually("host B finishes the job", async || {
        let (_, job) = b.host().get(&format!("/api/jobs/{id}")).await;
        finished(&job).then_some(job)
    })
    .await;
    assert_eq!((done["state"].as_str(), done["attempt"].as_i64()), (Some("succeeded"), Some(2)), "{done}");
    let history = done["history"].as_array().unwrap();
    let states: Vec<&str> = history.iter().map(|h| h["toState"].as_str().unwrap()).collect();
    assert_eq!(states, ["queued", "running", "queued", "running", "succeeded"], "{done}");
    assert!(history[2]["detail"].as_str().unwrap_or_default().contains("lease"), "the recovery is on record: {done}");
    let host_of = |h: &Value| h["detail"].as_str().unwrap_or_default().split("lease ").nth(1).and_then(|l| l.split('/').next()).map(str::to_owned);
    let id_of = async |env: &Env| env.host().get("/api/hosts").await.1["thisHost"].as_str().map(str::to_owned);
    assert_eq!(host_of(&history[3]), id_of(&b).await, "attempt 2 ran on host B: {done}");
    assert_ne!(host_of(&history[1]), host_of(&history[3]), "attempt 1 ran on host A: {done}");
    let (_, notes) = b.host().get(&format!("/api/sessions/{session}/notes")).await;
    assert_eq!(notes["notes"].as_array().unwrap().len(), 1, "the job's effect happened once: {notes}");
    let (_, waiting) = b.host().get(&format!("/api/jobs/{pinned}")).await;
    assert_eq!((waiting["state"].as_str(), waiting["attempt"].as_i64()), (Some("queued"), Some(0)), "B never claimed A's session job: {waiting}");

    b.stop_host().await;
    schema.drop_now().await;
}

/// A plugin installed on one host is every host's to see, but runs only where its component is: a host that starts
/// on a store listing a plugin it does not hold starts fine and leaves the plugin on (for the host that holds it);
/// the plugin view lists the hosts that hold it; only they claim its jobs, which any host may enqueue. Installing it
/// on the second host adds that host to the list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_runs_only_on_the_hosts_that_hold_it_and_its_view_lists_them() {
    let Some(schema) = Schema::create().await else { return eprintln!("{SKIPPED}") };
    let url = schema.url();
    let flags = [("CODEX_MANAGER_DATABASE_URL", url.as_str())];
    let mut a = Env::start_with("qh-plugin-a", &flags).await;
    let mut b = Env::start_with("qh-plugin-b", &flags).await;
    let id_of = async |env: &Env| env.host().get("/api/hosts").await.1["thisHost"].as_str().unwrap().to_string();
    let (id_a, id_b) = (id_of(&a).await, id_of(&b).await);
    install_on(a.host(), "well-behaved", WELL_BEHAVED, true).await;

    // B starts again on a store that lists a plugin whose component B does not have.
    b.stop_host().await;
    b.start_host().await;
    let (_, seen_from_b) = b.host().get("/api/plugins/well-behaved").await;
    assert_eq!(seen_from_b["enabled"], true, "B's start did not switch A's plugin off: {seen_from_b}");
    let holders: Vec<&str> = seen_from_b["hosts"].as_array().unwrap().iter().map(|h| h["hostId"].as_str().unwrap()).collect();
    assert_eq!(holders, [id_a.as_str()], "{seen_from_b}");
    let (_, kinds) = b.host().get("/api/jobs/kinds").await;
    assert!(!kinds["kinds"].as_array().unwrap().iter().any(|k| k["kind"] == "test.echo"), "B does not run the kind: {kinds}");

    // Due at once, while both schedulers look: only A claims.
    let mut ids = Vec::new();
    for i in 0..8 {
        ids.push(enqueue(a.host(), json!({"kind": "test.echo", "payload": {"n": i}, "delayMs": 1500})).await);
    }
    let mut owners = std::collections::BTreeSet::new();
    for id in &ids {
        let job = eventually("the job finishes", async || {
            let (_, job) = a.host().get(&format!("/api/jobs/{id}")).await;
            finished(&job).then_some(job)
        })
        .await;
        assert_eq!(job["state"], "succeeded", "{job}");
        let detail = job["history"][1]["detail"].as_str().unwrap_or_default().to_string();
        owners.insert(detail.split("lease ").nth(1).and_then(|l| l.split('/').next()).unwrap_or("?").to_string());
    }
    assert_eq!(owners.len(), 1, "one host's scheduler claimed them all: {owners:?}");

    // B may enqueue a kind only A runs: A claims it.
    let (status, job) = b.host().post("/api/jobs", json!({"kind": "test.echo", "payload": {"from": "b"}})).await;
    assert_eq!(status, 201, "{job}");
    let id = job["id"].as_str().unwrap().to_string();
    // A reader on B waits for the job A runs: B's waiter is woken by A's `job.succeeded` in the shared log.
    let (status, job) = b.host().get(&format!("/api/jobs/{id}?wait=60s")).await;
    assert_eq!(status, 200, "{job}");
    assert_eq!((job["state"].as_str(), &job["result"]), (Some("succeeded"), &json!({"from": "b"})), "{job}");
    let detail = job["history"][1]["detail"].as_str().unwrap_or_default();
    assert!(owners.iter().any(|o| detail.contains(o.as_str())), "claimed by A's scheduler: {job}");

    install_on(b.host(), "well-behaved", WELL_BEHAVED, false).await;
    let (_, seen_from_a) = a.host().get("/api/plugins/well-behaved").await;
    let mut holders: Vec<String> = seen_from_a["hosts"].as_array().unwrap().iter().map(|h| h["hostId"].as_str().unwrap().to_string()).collect();
    holders.sort();
    let mut both = vec![id_a.clone(), id_b.clone()];
    both.sort();
    assert_eq!(holders, both, "{seen_from_a}");

    a.stop_host().await;
    b.stop_host().await;
    schema.drop_now().await;
}
