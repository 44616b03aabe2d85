//! Nothing lost when either process restarts: app-server killed mid-turn, the host stopped and started again.

mod support;

use serde_json::{json, Value};
use support::*;

/// kill -9 app-server mid-turn: the host restarts it (ready goes false, then true in a new generation), reports
/// the turn as ended (never left running), and the session resumes and takes a new turn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_server_killed_mid_turn_is_restarted_and_the_session_recovers() {
    let env = Env::start("kill9").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}", host.latest_seq().await)).await;

    let turn = host.send(&session, "keep going scenario:slow").await;
    until(&mut ws, |e| e["type"] == "item.delta" && e["turnId"] == turn.as_str()).await;
    let before = host.runtime().await;
    let pid = before["pid"].as_i64().expect("app-server pid") as i32;
    let generation = before["generation"].as_i64().unwrap();
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }

    // The stream tells the whole story in order: exit, the turn ended by the host, then a new process ready.
    let events = until(&mut ws, |e| e["type"] == "runtime.ready").await;
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    let exited = kinds.iter().position(|k| *k == "runtime.exited").expect("runtime.exited event");
    let ended = events
        .iter()
        .position(|e| e["type"] == "turn.completed" && e["turnId"] == turn.as_str())
        .expect("the running turn is reported ended");
    assert!(exited < ended, "exit comes before the turn's end: {kinds:?}");
    let end = &events[ended];
    assert_eq!(end["data"]["turn"]["status"], "interrupted");
    assert_eq!(end["data"]["closedByHost"], true);
    assert!(events.iter().any(|e| e["type"] == "item.completed" && e["data"]["closedByHost"] == true));
    assert_eq!(events.last().unwrap()["data"]["generation"].as_i64(), Some(generation + 1));

    host.wait_ready().await;
    let after = host.runtime().await;
    assert_eq!(after["restarts"], 1);
    assert!(after["lastExit"].as_str().unwrap().contains("signal 9"), "{after}");

    let (_, detail) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(detail["session"]["status"], "idle", "never left running: {detail}");
    assert_eq!(detail["session"]["lastTurnStatus"], "interrupted");
    assert_eq!(detail["session"]["loaded"], false, "the new process has not loaded the thread yet");

    let next = host.send(&session, "are you back scenario:deltas=4").await;
    let events = until(&mut ws, is_turn_end(&next)).await;
    assert_eq!(events.last().unwrap()["data"]["turn"]["status"], "completed");
    // The resumed thread kept its history: the model saw the first message again.
    let last_request = env.model.requests().into_iter().last().unwrap();
    assert!(last_request.body.to_string().contains("keep going scenario:slow"), "history survived the restart");
}

/// /api/ready tells the truth while app-server is down: it answers 503 with the runtime's status.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_reports_not_ready_while_app_server_restarts() {
    // A long first backoff holds the not-ready window open long enough to observe it on any machine.
    let env = Env::start_with("readiness", &[("CODEX_MANAGER_RESTART_BACKOFF_MS", "6000")]).await;
    let host = env.host();
    let pid = host.runtime().await["pid"].as_i64().unwrap() as i32;
    let mut ws = host.stream(&format!("since={}&types=runtime.", host.latest_seq().await)).await;
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    until(&mut ws, |e| e["type"] == "runtime.exited").await;
    // Between the exit and the new handshake (at least 3 s away) the host cannot take turns.
    let (status, body) = host.get("/api/ready").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["ready"], false);
    assert!(matches!(body["runtime"]["status"].as_str(), Some("restarting" | "starting")), "{body}");
    let session_attempt = host.post("/api/sessions", json!({"cwd": env.work_dir()})).await;
    assert_eq!(session_attempt.0, 503);
    assert_eq!(session_attempt.1["error"]["code"], "runtime_unavailable");
    until(&mut ws, |e| e["type"] == "runtime.ready").await;
    host.wait_ready().await;
}

/// Stop and restart the host: projects, sessions, settings and events are all there; a client that reconnects
/// with its last seq gets exactly the events it missed, in order; the session takes a new turn.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_restart_loses_nothing_and_replays_exactly_what_was_missed() {
    let mut env = Env::start("restart").await;
    let (session, project, last_seen) = {
        let host = env.host();
        let (status, project) = host.post("/api/projects", json!({"name": "Restart", "cwd": env.work_dir()})).await;
        assert_eq!(status, 201, "{project}");
        let project = project["id"].as_str().unwrap().to_string();
        let (status, s) = host.post("/api/sessions", json!({"projectId": project, "title": "Survivor"})).await;
        assert_eq!(status, 201, "{s}");
        let session = s["id"].as_str().unwrap().to_string();
        let (status, _) = host.put(&format!("/api/sessions/{session}/settings/mood"), json!({"level": 3})).await;
        assert_eq!(status, 200);

        let mut ws = host.stream(&format!("since={}", host.latest_seq().await)).await;
        let first = host.send(&session, "first scenario:deltas=5").await;
        let seen = until(&mut ws, is_turn_end(&first)).await;
        let last_seen = seen.last().unwrap()["seq"].as_i64().unwrap();
        drop(ws);
        // Events this client misses: a second turn, then the restart itself.
        let second = host.send(&session, "second scenario:deltas=7").await;
        let mut watcher = host.stream(&format!("since={last_seen}&sessions={session}")).await;
        until(&mut watcher, is_turn_end(&second)).await;
        (session, project, last_seen)
    };

    env.stop_host().await;
    env.start_host().await;
    let host = env.host();

    let (_, projects) = host.get("/api/projects").await;
    assert_eq!(projects[0]["id"], project.as_str());
    assert_eq!(projects[0]["sessionCount"], 1);
    let (_, detail) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(detail["session"]["title"], "Survivor");
    assert_eq!(detail["transcript"]["turns"].as_array().unwrap().len(), 2, "Codex's history is intact");
    let (_, setting) = host.get(&format!("/api/sessions/{session}/settings/mood")).await;
    assert_eq!(setting["value"], json!({"level": 3}));

    // Reconnect with the last seq seen: exactly the missed events, in order, no gaps, no repeats.
    let latest = host.latest_seq().await;
    let (_, page) = host.get(&format!("/api/events?since={last_seen}&limit=5000")).await;
    let expected: Vec<i64> = page["events"].as_array().unwrap().iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(expected, ((last_seen + 1)..=latest).collect::<Vec<_>>(), "the log has no gaps");
    let mut ws = host.stream(&format!("since={last_seen}")).await;
    let mut replayed: Vec<Value> = Vec::new();
    while replayed.last().is_none_or(|e| e["seq"].as_i64().unwrap() < latest) {
        replayed.push(next_event(&mut ws).await);
    }
    let got: Vec<i64> = replayed.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(got, expected);
    let kinds: Vec<&str> = replayed.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"runtime.stopped") && kinds.contains(&"runtime.ready"), "{kinds:?}");

    // The session resumes in the new host and takes a new turn.
    let third = host.send(&session, "third scenario:deltas=2").await;
    let events = until(&mut ws, is_turn_end(&third)).await;
    assert_eq!(events.last().unwrap()["data"]["turn"]["status"], "completed");
}

/// A host killed with SIGKILL mid-turn: on the next start the turn it recorded as running is reported ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_running_when_the_host_died_is_reported_ended_after_restart() {
    let mut env = Env::start("hostkill").await;
    let session = env.new_session().await;
    let since;
    {
        let host = env.host();
        since = host.latest_seq().await;
        let mut ws = host.stream(&format!("since={since}&sessions={session}")).await;
        host.send(&session, "slowly scenario:slow").await;
        until(&mut ws, |e| e["type"] == "item.delta").await;
    }
    env.kill_host();
    env.start_host().await;
    let host = env.host();
    let (_, detail) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(detail["session"]["status"], "idle", "{detail}");
    assert_eq!(detail["session"]["lastTurnStatus"], "interrupted");
    let (_, page) = host.get(&format!("/api/events?since={since}&sessions={session}&types=turn.completed")).await;
    let ends = page["events"].as_array().unwrap();
    assert_eq!(ends.len(), 1, "{page}");
    assert_eq!(ends[0]["data"]["closedByHost"], true);
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let next = host.send(&session, "still there scenario:deltas=2").await;
    until(&mut ws, is_turn_end(&next)).await;
}

/// A session that never ran a turn has no Codex history yet; after app-server restarts it must still work.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_with_no_turns_survives_an_app_server_restart() {
    let env = Env::start("emptyresume").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}", host.latest_seq().await)).await;
    let pid = host.runtime().await["pid"].as_i64().unwrap() as i32;
    unsafe {
        libc::kill(pid, libc::SIGKILL);
    }
    until(&mut ws, |e| e["type"] == "runtime.ready").await;
    host.wait_ready().await;
    let (status, detail) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["transcript"]["turns"], serde_json::json!([]), "no history is an empty transcript");
    let old_thread = detail["session"]["threadId"].as_str().unwrap().to_string();
    let turn = host.send(&session, "first words scenario:deltas=3").await;
    let events = until(&mut ws, is_turn_end(&turn)).await;
    assert_eq!(events.last().unwrap()["data"]["turn"]["status"], "completed");
    let replaced = events.iter().find(|e| e["type"] == "session.thread_replaced").expect("the swap is recorded");
    assert_eq!(replaced["data"]["oldThreadId"], old_thread.as_str());
    let (_, after) = host.get(&format!("/api/sessions/{session}")).await;
    assert_ne!(after["session"]["threadId"], old_thread.as_str());
    assert_eq!(after["transcript"]["turns"].as_array().unwrap().len(), 1);
}

/// A 202 is a promise. The host is killed with SIGKILL right after `POST .../messages` answered 202 (with an
/// `Idempotency-Key`), before it could log anything about the turn. After the restart the turn has a final state
/// in the log (interrupted, with the reason), the session is not left running, and a retry with the same key
/// reports that final state instead of the `inProgress` it answered first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_acknowledged_just_before_the_host_died_ends_in_the_log_and_its_key_reports_it() {
    let mut env = Env::start("promise").await;
    let session = env.new_session().await;
    let since = env.host().latest_seq().await;
    let send = |host: &Host| {
        host.http
            .post(format!("{}/api/sessions/{session}/messages", host.url))
            .bearer_auth(&host.token)
            .header("Idempotency-Key", "promise-1")
            .json(&json!({"text": "take your time scenario:slow"}))
            .send()
    };
    let (status, accepted) = decode(send(env.host()).await.unwrap()).await;
    assert_eq!(status, 202, "{accepted}");
    let turn = accepted["turnId"].as_str().unwrap().to_string();
    assert_eq!(accepted["status"], "inProgress");
    // No wait at all between the answer and the kill.
    env.kill_host();

    env.start_host().await;
    let host = env.host();
    let (_, page) = host.get(&format!("/api/events?since={since}&sessions={session}&types=turn.completed")).await;
    let ends: Vec<&Value> = page["events"].as_array().unwrap().iter().filter(|e| e["turnId"] == turn.as_str()).collect();
    assert_eq!(ends.len(), 1, "the acknowledged turn ends in the log exactly once: {page}");
    assert_eq!(ends[0]["data"]["turn"]["status"], "interrupted");
    assert!(ends[0]["data"]["turn"]["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "with the reason: {}", ends[0]);

    let (_, detail) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(detail["session"]["status"], "idle", "{detail}");
    assert_eq!(detail["session"]["lastTurnStatus"], "interrupted");

    let (status, replay) = decode(send(host).await.unwrap()).await;
    assert_eq!(status, 200, "{replay}");
    assert_eq!(replay["replayed"], true);
    assert_eq!(replay["turnId"], turn.as_str());
    assert_eq!(replay["status"], "interrupted", "the replay reports the turn's final state: {replay}");
    assert!(replay["error"].as_str().is_some_and(|m| !m.is_empty()), "{replay}");

    // The host's turn record says the same, and points at the end event.
    let (status, record) = host.get(&format!("/api/sessions/{session}/turns/{turn}")).await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["status"], "interrupted");
    assert_eq!(record["endSeq"], ends[0]["seq"], "{record}");
    assert_eq!(record["error"], replay["error"]);
    let (_, page) = host.get(&format!("/api/sessions/{session}/turns")).await;
    assert_eq!(page["turns"].as_array().map(Vec::len), Some(1), "{page}");
}

/// The host records a turn's end before it logs the `turn.completed` (so a client that sees the event reads the turn
/// ended), then the event's seq. A host that dies between the two leaves an ended record with no event: the next
/// start logs the end as recorded, once, and the record points at it. The data dir is put in that state by hand.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_end_recorded_but_not_logged_before_a_crash_is_logged_at_the_next_start() {
    let mut env = Env::start("unlogged").await;
    let session = env.new_session().await;
    let turn = {
        let host = env.host();
        let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
        let turn = host.send(&session, "short scenario:deltas=2").await;
        let events = until(&mut ws, is_turn_end(&turn)).await;
        assert_eq!(events.last().unwrap()["data"]["turn"]["status"], "completed");
        let (_, detail) = host.get(&format!("/api/sessions/{session}")).await;
        assert_eq!(detail["session"]["lastTurnStatus"], "completed", "read right after the event: {detail}");
        turn
    };
    env.stop_host().await;
    {
        let db = rusqlite::Connection::open(env.data_dir().join("codex-manager.sqlite3")).unwrap();
        assert_eq!(db.execute("UPDATE turns SET end_seq = NULL WHERE id = ?1", [&turn]).unwrap(), 1);
        let removed = db.execute("DELETE FROM events WHERE type = 'turn.completed' AND turn_id = ?1", [&turn]).unwrap();
        assert_eq!(removed, 1);
    }
    env.start_host().await;
    let host = env.host();
    let (_, page) = host.get(&format!("/api/events?since=0&sessions={session}&types=turn.completed")).await;
    let ends: Vec<&Value> = page["events"].as_array().unwrap().iter().filter(|e| e["turnId"] == turn.as_str()).collect();
    assert_eq!(ends.len(), 1, "the recorded end is logged exactly once: {page}");
    assert_eq!(ends[0]["data"]["turn"]["status"], "completed", "as recorded, not `interrupted`: {}", ends[0]);
    assert_eq!(ends[0]["data"]["closedByHost"], true);
    let (_, record) = host.get(&format!("/api/sessions/{session}/turns/{turn}")).await;
    assert_eq!((&record["status"], &record["endSeq"]), (&json!("completed"), &ends[0]["seq"]), "{record}");
    assert_eq!(record["finalText"], "d0 d1 ", "{record}");
}

/// A replayed key follows its turn: while the turn runs it says `inProgress`, once it completed it says
/// `completed` (the status comes from the turn record, not from the answer stored with the key).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replayed_key_reports_the_turns_current_status() {
    let env = Env::start("replaystatus").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let send = || {
        host.http
            .post(format!("{}/api/sessions/{session}/messages", host.url))
            .bearer_auth(&host.token)
            .header("Idempotency-Key", "status-1")
            .json(&json!({"text": "quick one scenario:deltas=2"}))
            .send()
    };
    let (status, first) = decode(send().await.unwrap()).await;
    assert_eq!(status, 202, "{first}");
    let turn = first["turnId"].as_str().unwrap().to_string();
    until(&mut ws, is_turn_end(&turn)).await;
    let replay = eventually("the replay reports completed", async || {
        let (status, replay) = decode(send().await.unwrap()).await;
        assert_eq!(status, 200, "{replay}");
        (replay["status"] == "completed").then_some(replay)
    })
    .await;
    assert_eq!(replay["turnId"], turn.as_str());
    assert_eq!(replay["replayed"], true);

    // The turn record: its start and end events, and the final assistant text.
    let (status, record) = host.get(&format!("/api/sessions/{session}/turns/{turn}")).await;
    assert_eq!(status, 200, "{record}");
    assert_eq!(record["status"], "completed");
    assert_eq!(record["finalText"], "d0 d1 ", "{record}");
    let (_, page) = host.get(&format!("/api/events?since=0&limit=5000&sessions={session}&types=turn.")).await;
    let seq_of = |kind: &str| page["events"].as_array().unwrap().iter().find(|e| e["type"] == kind && e["turnId"] == turn.as_str()).map(|e| e["seq"].clone());
    assert_eq!(Some(record["startSeq"].clone()), seq_of("turn.started"), "{record} {page}");
    assert_eq!(Some(record["endSeq"].clone()), seq_of("turn.completed"), "{record} {page}");
    let (status, missing) = host.get(&format!("/api/sessions/{session}/turns/no-such-turn")).await;
    assert_eq!((status, code(&missing)), (404, "turn_not_found"), "{missing}");
}

/// Set the host's file size limit (RLIMIT_FSIZE, soft; None lifts it). With 0, every write the host makes to a
/// regular file fails with EFBIG: what a full data dir does to SQLite and the event log, without root.
fn limit_file_size(pid: u32, bytes: Option<u64>) {
    let limit = libc::rlimit { rlim_cur: bytes.unwrap_or(libc::RLIM_INFINITY), rlim_max: libc::RLIM_INFINITY };
    let rc = unsafe { libc::prlimit(pid as libc::pid_t, libc::RLIMIT_FSIZE, &limit, std::ptr::null_mut()) };
    assert_eq!(rc, 0, "prlimit: {}", std::io::Error::last_os_error());
}

/// The data dir's disk is full (simulated with RLIMIT_FSIZE = 0 on the host process: every write to the store and
/// the event log fails with EFBIG, as root too). Every request answers in bounded time with a clear 503, readiness
/// says not ready, and once space is back the host recovers by itself: nothing half-written, no gap in the log, the
/// turn started meanwhile ended.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_data_dir_gets_clear_503s_in_bounded_time_and_the_host_recovers_when_space_returns() {
    let env = Env::start("diskfull").await;
    let host = env.host();
    let session = env.new_session().await;
    let since = host.latest_seq().await;
    let setting = format!("/api/sessions/{session}/settings/mood");
    limit_file_size(host.pid(), Some(0));

    // Each answer comes within the client's bound (a hang fails the request, and the test, there).
    let (status, body) = host.put(&setting, json!({"level": 1})).await;
    assert_eq!((status, code(&body)), (503, "storage_unavailable"), "{body}");
    let (status, body) = host.post("/api/projects", json!({"name": "Full", "cwd": env.work_dir()})).await;
    assert_eq!((status, code(&body)), (503, "storage_unavailable"), "{body}");
    let (status, body) = host.post(&format!("/api/sessions/{session}/messages"), json!({"text": "hello scenario:deltas=3"})).await;
    assert_eq!(status, 503, "a turn that cannot be recorded is not promised: {body}");
    assert!(matches!(code(&body), "storage_unavailable" | "event_log_unavailable"), "{body}");
    // app-server's notifications about that turn cannot be logged either: readiness says so.
    let ready = eventually("readiness reports the event log", async || {
        let (status, ready) = host.get("/api/ready").await;
        (status == 503).then_some(ready)
    })
    .await;
    assert_eq!(ready["ready"], false, "{ready}");
    let (status, body) = host.put(&setting, json!({"level": 2})).await;
    assert_eq!(status, 503, "still full: {body}");

    limit_file_size(host.pid(), None);
    host.wait_ready().await;
    let (status, body) = host.put(&setting, json!({"level": 3})).await;
    assert_eq!(status, 200, "space is back: {body}");
    let (_, value) = host.get(&setting).await;
    assert_eq!(value["value"], json!({"level": 3}));
    let (_, projects) = host.get("/api/projects").await;
    assert_eq!(projects.as_array().map(Vec::len), Some(0), "the failed create left nothing behind: {projects}");

    // The log resumed where it stopped: no gap, and the turn that ran meanwhile is ended in it.
    let turn_end = eventually("the turn started during the full disk ends in the log", async || {
        let (_, page) = host.get(&format!("/api/events?since={since}&limit=5000")).await;
        let events = page["events"].as_array().unwrap().clone();
        events.iter().find(|e| e["type"] == "turn.completed" && e["sessionId"] == session.as_str()).cloned().map(|end| (events, end))
    })
    .await;
    let (events, _) = turn_end;
    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(seqs, ((since + 1)..=*seqs.last().unwrap()).collect::<Vec<_>>(), "the log has no gaps");
    let (_, detail) = eventually("the session is idle again", async || {
        let (status, detail) = host.get(&format!("/api/sessions/{session}")).await;
        (detail["session"]["status"] == "idle").then_some((status, detail))
    })
    .await;
    assert_ne!(detail["session"]["lastTurnStatus"], "inProgress", "{detail}");
}

/// A host stopped (SIGTERM) while its data dir is full stops in bounded time instead of waiting for space to
/// commit its last events; the next start (with space back) ends the turn it could not record.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_stopped_while_the_data_dir_is_full_stops_and_the_next_start_recovers() {
    let mut env = Env::start("diskfull-stop").await;
    let session = env.new_session().await;
    let since = env.host().latest_seq().await;
    let turn = env.host().send(&session, "long one scenario:slow").await;
    limit_file_size(env.host().pid(), Some(0));
    // Something to log that cannot be: a setting (refused) and the turn's deltas (queued, failing to commit).
    let (status, _) = env.host().put(&format!("/api/sessions/{session}/settings/k"), json!(1)).await;
    assert_eq!(status, 503);
    eventually("the event log reports it cannot write", async || (env.host().get("/api/ready").await.0 == 503).then_some(())).await;
    // terminate() fails the test if the host has not exited within its bound.
    env.stop_host().await;

    env.start_host().await;
    let host = env.host();
    let (_, page) = host.get(&format!("/api/events?since={since}&sessions={session}&types=turn.completed")).await;
    let ends: Vec<&Value> = page["events"].as_array().unwrap().iter().filter(|e| e["turnId"] == turn.as_str()).collect();
    assert_eq!(ends.len(), 1, "the turn ends in the log exactly once: {page}");
    assert_eq!(ends[0]["data"]["turn"]["status"], "interrupted");
    let (_, record) = host.get(&format!("/api/sessions/{session}/turns/{turn}")).await;
    assert_eq!(record["status"], "interrupted", "{record}");
    let (_, detail) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(detail["session"]["status"], "idle", "{detail}");
}
