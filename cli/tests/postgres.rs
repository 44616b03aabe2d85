//! The host with its store on PostgreSQL (issue 19, part 1): `serve --database-url` runs a turn, keeps it across a
//! restart and says which engine it runs; a URL that does not connect fails the start naming the URL without its
//! password. Two hosts on one database (part 2): one event order, every host streams every host's events.
//!
//! The tests on a server run when `CODEX_MANAGER_TEST_DATABASE_URL` names one (scripts/test.sh, suite "Store on
//! PostgreSQL"); each host gets a schema of its own there.

mod support;

use std::time::Duration;

use serde_json::json;
use support::pg::{Schema, SKIPPED};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_on_postgres_runs_a_turn_and_keeps_it_across_a_restart() {
    let Some(schema) = Schema::create().await else { return eprintln!("{SKIPPED}") };
    let mut env = Env::start_with("pg19", &[("CODEX_MANAGER_DATABASE_URL", &schema.url())]).await;
    let host = env.host();
    let (_, ready) = host.get("/api/ready").await;
    assert_eq!(ready["host"]["store"], "postgres", "{ready}");
    let (code, status, err) = host.cli(&["status"]).await;
    assert!(code == 0 && status.contains("store:       postgres"), "{status}{err}");
    assert!(!env.data_dir().join("codex-manager.sqlite3").exists(), "no SQLite file beside a PostgreSQL store");

    let (status, project) = host.post("/api/projects", json!({"name": "pg", "cwd": env.work_dir()})).await;
    assert_eq!(status, 201, "{project}");
    let session = env.new_session().await;
    let turn = host.send(&session, "hello from postgres").await;
    let (status, record) = host.get(&format!("/api/sessions/{session}/turns/{turn}?wait=30s")).await;
    assert_eq!((status, record["status"].as_str()), (200, Some("completed")), "{record}");
    let last = host.latest_seq().await;

    env.stop_host().await;
    env.start_host().await;
    let host = env.host();
    let (status, again) = host.get(&format!("/api/sessions/{session}/turns/{turn}")).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!((again["status"].clone(), again["finalText"].clone()), (record["status"].clone(), record["finalText"].clone()));
    let (status, projects) = host.get("/api/projects").await;
    assert_eq!(status, 200);
    assert!(projects.to_string().contains(project["id"].as_str().unwrap()), "{projects}");
    // The log goes on from where it was: the turn's end is still there, and new events come after it.
    let (_, page) = host.get(&format!("/api/events?since=0&sessions={session}&limit=1000")).await;
    assert!(page.to_string().contains("turn.completed"), "{page}");
    assert!(host.latest_seq().await >= last);
    let second = host.send(&session, "and again").await;
    let (_, record) = host.get(&format!("/api/sessions/{session}/turns/{second}?wait=30s")).await;
    assert_eq!(record["status"], "completed", "{record}");
    assert!(host.latest_seq().await > last);
    env.stop_host().await;
    schema.drop_now().await;
}

/// The (seq, type) of a stream's event envelopes up to and including the first that `end` matches (frames not
/// from the log, such as `requests.pending`, have no type of an event and are left out).
async fn read_until(ws: &mut Ws, end: impl Fn(&serde_json::Value) -> bool) -> Vec<(i64, String)> {
    until(ws, end)
        .await
        .into_iter()
        .filter(|e| e["type"] != "requests.pending")
        .map(|e| (e["seq"].as_i64().expect("an event has a seq"), e["type"].as_str().unwrap_or_default().to_string()))
        .collect()
}

/// Two hosts on one database: a turn run on host A streams live to a websocket on host B, and a change made on B
/// to one on A; both streams carry one order, the same on both hosts, with every seq once (B's own runtime events
/// and A's turn interleaved); a websocket opened on B afterwards replays A's turn in that order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_hosts_on_one_database_stream_every_hosts_events_in_one_order() {
    let Some(schema) = Schema::create().await else { return eprintln!("{SKIPPED}") };
    let url = schema.url();
    let mut a = Env::start_with("pg19-host-a", &[("CODEX_MANAGER_DATABASE_URL", &url)]).await;
    let mut b = Env::start_with("pg19-host-b", &[("CODEX_MANAGER_DATABASE_URL", &url)]).await;
    let mut on_a = a.host().stream("since=0").await;
    let mut on_b = b.host().stream("since=0").await;

    let session = a.new_session().await;
    let turn = a.host().send(&session, "hello from host A").await;
    let seen_a = read_until(&mut on_a, is_turn_end(&turn)).await;
    let seen_b = read_until(&mut on_b, is_turn_end(&turn)).await;
    let seqs: Vec<i64> = seen_b.iter().map(|e| e.0).collect();
    assert_eq!(seqs, (1..=seqs.len() as i64).collect::<Vec<_>>(), "host B streams every seq once, in order: {seen_b:?}");
    assert_eq!(seen_a, seen_b, "both hosts stream the same order");
    assert!(seen_b.iter().any(|e| e.1 == "session.created"), "host A's session reached host B: {seen_b:?}");
    assert!(seen_b.iter().filter(|e| e.1 == "runtime.ready").count() >= 2, "both hosts' runtimes are in the one log: {seen_b:?}");

    // Replay: a websocket opened on host B after host A's turn ended, from the seq before the session was made,
    // replays A's turn from the log in the same order the live streams had.
    let created = seen_b.iter().find(|e| e.1 == "session.created").expect("session.created").0;
    let mut late_b = b.host().stream(&format!("since={}", created - 1)).await;
    let replayed = read_until(&mut late_b, is_turn_end(&turn)).await;
    let live_tail: Vec<(i64, String)> = seen_b.iter().filter(|e| e.0 >= created).cloned().collect();
    assert_eq!(replayed, live_tail, "host B replays host A's turn as it streamed it live");

    // The other way: a project created on host B reaches host A's stream live.
    let (status, project) = b.host().post("/api/projects", json!({"name": "from-b", "cwd": b.work_dir()})).await;
    assert_eq!(status, 201, "{project}");
    let id = project["id"].as_str().unwrap().to_string();
    let after = read_until(&mut on_a, |e| e["projectId"] == id.as_str()).await;
    assert_eq!(after.first().map(|e| e.0), seen_a.last().map(|e| e.0 + 1), "host A's stream goes on without a gap: {after:?}");
    assert_eq!(a.host().latest_seq().await, b.host().latest_seq().await);

    a.stop_host().await;
    b.stop_host().await;
    schema.drop_now().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_url_that_does_not_connect_fails_the_start_naming_it_without_its_password() {
    let dir = TempDir::new("pg19-refused");
    // Port 1 on loopback: nothing listens there.
    let url = "postgres://cm:hunter2secret@127.0.0.1:1/codex";
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(env!("CARGO_BIN_EXE_codex-manager"))
            .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(dir.path().join("data"))
            .env("CODEX_BIN", fake_app_server_bin())
            .env("CODEX_MANAGER_DATABASE_URL", url)
            .env("CODEX_MANAGER_BUNDLED_PLUGINS", "none")
            .env("CODEX_MANAGER_LOG_FILE", "none")
            .output(),
    )
    .await
    .expect("the start fails in bounded time")
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("cannot connect to the database at postgres://cm:***@127.0.0.1:1/codex"), "{stderr}");
    assert!(!stderr.contains("hunter2secret"), "the password is not shown: {stderr}");
}
