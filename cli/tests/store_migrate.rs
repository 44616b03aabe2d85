//! Moving a data dir's SQLite store to PostgreSQL (issue 19, part 5): a host on SQLite runs a turn, creates a
//! project and a plugin's note, and is stopped; `codex-manager store migrate --to` copies the store and prints its
//! counts; `serve --database-url` on that schema then shows the same sessions, turn record, notes and event log
//! (seqs and types), and the log goes on from the old last seq + 1. While the host runs, the migration is refused.
//!
//! Runs when `CODEX_MANAGER_TEST_DATABASE_URL` names a server (scripts/test.sh, suite "Store on PostgreSQL").

mod support;

use serde_json::{json, Value};
use support::pg::{Schema, SKIPPED};
use support::*;

/// `codex-manager --data-dir DIR [--json] store migrate --to URL`: (exit code, stdout, stderr).
async fn migrate(data_dir: &std::path::Path, url: &str, json: bool) -> (i32, String, String) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_codex-manager"));
    cmd.arg("--data-dir").arg(data_dir).args(["store", "migrate", "--to", url]);
    if json {
        cmd.arg("--json");
    }
    let out = cmd.env_remove("CODEX_MANAGER_DATABASE_URL").output().await.expect("the CLI runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Every event from seq 0 as (seq, type).
async fn log(host: &Host) -> Vec<(i64, String)> {
    let mut out = Vec::new();
    let mut since = 0;
    loop {
        let (status, page) = host.get(&format!("/api/events?since={since}&limit=1000")).await;
        assert_eq!(status, 200, "{page}");
        let events = page["events"].as_array().unwrap();
        out.extend(events.iter().map(|e| (e["seq"].as_i64().unwrap(), e["type"].as_str().unwrap().to_string())));
        if events.is_empty() {
            return out;
        }
        since = page["nextSince"].as_i64().unwrap();
    }
}

fn ids(list: &Value, key: &str) -> Vec<String> {
    // A page (`{"sessions": […]}`) or a bare list (projects).
    let items = list.get(key).unwrap_or(list).as_array().unwrap_or_else(|| panic!("a list: {list}"));
    let mut ids: Vec<String> = items.iter().map(|s| s["id"].as_str().unwrap().to_string()).collect();
    ids.sort();
    ids
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sqlite_data_dir_moves_to_postgres_and_the_host_goes_on_from_it() {
    let Some(schema) = Schema::create().await else { return eprintln!("{SKIPPED}") };
    let url = schema.url();
    let password = url.split_once("://").unwrap().1.split_once('@').unwrap().0.split_once(':').map(|(_, p)| p.to_string()).unwrap();
    let mut env = Env::start("store-migrate").await;
    let host = env.host();
    let (status, project) = host.post("/api/projects", json!({"name": "moved", "cwd": env.work_dir()})).await;
    assert_eq!(status, 201, "{project}");
    let (status, session) = host.post("/api/sessions", json!({"projectId": project["id"]})).await;
    assert_eq!(status, 201, "{session}");
    let session = session["id"].as_str().unwrap().to_string();
    let turn = host.send(&session, "Add a parser for the config file").await;
    let (_, record) = host.get(&format!("/api/sessions/{session}/turns/{turn}?wait=30s")).await;
    assert_eq!(record["status"], "completed", "{record}");
    assert!(record["finalText"].as_str().is_some_and(|t| !t.is_empty()), "{record}");
    // A plugin's note (and with it a plugin, a job and its history).
    let manifest = std::fs::read_to_string(package("suggest-next-request").join("plugin.toml")).unwrap();
    let request = manifest.lines().find_map(|l| l.trim_start().strip_prefix("request =")).expect("the plugin's requests");
    let grant: Vec<String> = serde_json::from_str(request.trim()).unwrap();
    let (status, body) = install_plugin(host, "suggest-next-request", &grant.iter().map(String::as_str).collect::<Vec<_>>()).await;
    assert_eq!(status, 201, "{body}");
    let (status, job) = host.post("/api/jobs", json!({"kind": "suggest-next-request", "sessionId": session})).await;
    assert_eq!(status, 201, "{job}");
    let notes = eventually("the plugin's note", async || {
        let (_, notes) = host.get(&format!("/api/sessions/{session}/notes")).await;
        (!notes["notes"].as_array().unwrap().is_empty()).then_some(notes)
    })
    .await;
    let job_id = job["id"].as_str().unwrap().to_string();
    let job = eventually("the job's end", async || {
        let (_, job) = host.get(&format!("/api/jobs/{job_id}")).await;
        (job["state"] == "succeeded").then_some(job)
    })
    .await;

    // Refused while the host has the store open; nothing reaches the target.
    let (code, out, err) = migrate(&env.data_dir(), &url, true).await;
    assert_eq!(code, 4, "{out}{err}");
    let refusal: Value = serde_json::from_str(err.trim()).unwrap_or_else(|_| panic!("an error envelope: {err}"));
    assert_eq!(refusal["error"]["code"], "source_in_use", "{refusal}");
    assert_eq!(refusal["error"]["details"]["pid"], host.pid(), "{refusal}");
    assert!(schema.tables().await.is_empty(), "nothing written to the target");

    let before = log(host).await;
    let sessions = host.get("/api/sessions").await.1;
    let projects = host.get("/api/projects").await.1;
    assert!(!ids(&sessions, "sessions").is_empty() && !ids(&projects, "projects").is_empty(), "{sessions} {projects}");
    env.stop_host().await;

    let (code, out, err) = migrate(&env.data_dir(), &url, false).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains(&password) && !err.contains(&password), "the password is not shown: {out}{err}");
    // The host's stop logged after `before` was read: the copy's last seq is the log's, not `before`'s.
    let last: i64 = out.split("(last event seq ").nth(1).and_then(|t| t.split(')').next()).and_then(|n| n.parse().ok()).unwrap_or_else(|| panic!("{out}"));
    assert!(last >= before.last().unwrap().0, "{out}");
    let events_line = out.lines().find(|l| l.split_whitespace().next() == Some("events")).unwrap_or_else(|| panic!("a count per table: {out}"));
    assert_eq!(events_line.split_whitespace().nth(1), Some(last.to_string().as_str()), "every seq from 1 was copied: {out}");
    // Again: the target has data now.
    let (code, out, err) = migrate(&env.data_dir(), &url, true).await;
    assert_eq!(code, 4, "{out}{err}");
    assert!(err.contains("\"target_not_empty\"") && !err.contains(&password), "{err}");

    env.host_env.push(("CODEX_MANAGER_DATABASE_URL".into(), url.clone()));
    env.start_host().await;
    let host = env.host();
    let (_, ready) = host.get("/api/ready").await;
    assert_eq!(ready["host"]["store"], "postgres", "{ready}");
    assert_eq!(ids(&host.get("/api/sessions").await.1, "sessions"), ids(&sessions, "sessions"));
    assert_eq!(ids(&host.get("/api/projects").await.1, "projects"), ids(&projects, "projects"));
    let (_, moved) = host.get(&format!("/api/sessions/{session}/turns/{turn}")).await;
    assert_eq!(moved, record, "the turn record as it was");
    assert_eq!(host.get(&format!("/api/sessions/{session}/notes")).await.1, notes);
    assert_eq!(host.get(&format!("/api/jobs/{job_id}")).await.1["state"], job["state"]);

    let second = host.send(&session, "and once more").await;
    let (_, again) = host.get(&format!("/api/sessions/{session}/turns/{second}?wait=30s")).await;
    assert_eq!(again["status"], "completed", "{again}");
    let after = log(host).await;
    assert_eq!(after[..before.len()], before[..], "the log replays from seq 0 as it was");
    let seqs: Vec<i64> = after.iter().map(|e| e.0).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "the events after the move follow the old last seq without a gap");
    assert!(seqs.len() as i64 > last + 1, "the new host logged after the copied events");
    assert!(again["startSeq"].as_i64().unwrap() > last, "{again}");
    env.stop_host().await;
    schema.drop_now().await;
}
