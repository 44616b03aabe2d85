//! Two valid requests racing each other never produce a 500, and the loser gets the answer that names what
//! happened (404 for a project deleted meanwhile, 409 for a state that changed), not a generic error.

mod support;

use serde_json::{json, Value};
use support::*;

/// `POST /api/projects/{a}/move-sessions` (to b) against `DELETE /api/projects/{b}`, many rounds. Either the move
/// wins (the delete then sees the moved sessions: 409 `project_not_empty`) or the delete wins (the move then
/// names the missing project: 404 `project_not_found`). Never a 500 "database is locked", never a bare `conflict`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moving_sessions_while_their_target_is_deleted_answers_404_or_409_never_500() {
    let env = Env::start("race-move").await;
    let host = env.host();
    let (status, a) = host.post("/api/projects", json!({"name": "A", "cwd": env.work_dir()})).await;
    assert_eq!(status, 201, "{a}");
    let a = a["id"].as_str().unwrap().to_string();
    for _ in 0..2 {
        let (status, s) = host.post("/api/sessions", json!({"projectId": a})).await;
        assert_eq!(status, 201, "{s}");
    }
    let (mut move_won, mut delete_won) = (0, 0);
    for round in 0..40 {
        let (status, b) = host.post("/api/projects", json!({"name": format!("B{round}"), "cwd": env.work_dir()})).await;
        assert_eq!(status, 201, "{b}");
        let b = b["id"].as_str().unwrap().to_string();
        let (move_path, delete_path) = (format!("/api/projects/{a}/move-sessions"), format!("/api/projects/{b}"));
        let moving = host.post(&move_path, json!({"toProjectId": b}));
        let deleting = host.delete(&delete_path);
        let ((ms, mbody), (ds, dbody)) = tokio::join!(moving, deleting);
        match (ms, ds) {
            (200, 409) => {
                assert_eq!(code(&dbody), "project_not_empty", "round {round}: {dbody}");
                assert_eq!(mbody["sessionIds"].as_array().map(Vec::len), Some(2), "round {round}: {mbody}");
                move_won += 1;
                // Put the sessions back and drop b for the next round.
                let (s, back) = host.post(&format!("/api/projects/{b}/move-sessions"), json!({"toProjectId": a})).await;
                assert_eq!(s, 200, "{back}");
                let (s, gone) = host.delete(&format!("/api/projects/{b}")).await;
                assert_eq!(s, 204, "{gone}");
            }
            (404, 204) => {
                assert_eq!(code(&mbody), "project_not_found", "round {round}: {mbody}");
                delete_won += 1;
            }
            other => panic!("round {round}: move {ms} {mbody}, delete {ds} {dbody}: {other:?} is not an outcome of the race"),
        }
        let (_, project) = host.get(&format!("/api/projects/{a}")).await;
        assert_eq!(project["sessionCount"], 2, "round {round}: no session is lost or orphaned");
    }
    eprintln!("move won {move_won}, delete won {delete_won} of 40");
}

/// `GET /api/sessions/{id}` while the session's first turn runs: app-server has no history for the thread yet
/// (it answers "list_turns is not supported yet" for a while): the session shows with an empty transcript, never a
/// 502.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_read_during_its_first_turn_never_answers_502() {
    let env = Env::start("race-firstturn").await;
    let host = env.host();
    let mut calls = 0;
    for _ in 0..3 {
        let session = env.new_session().await;
        let mut ws = host.stream(&format!("since={}&sessions={session}&types=turn.completed", host.latest_seq().await)).await;
        let turn = host.send(&session, "first words scenario:sleep=1500").await;
        let ended = async {
            until(&mut ws, is_turn_end(&turn)).await;
        };
        tokio::pin!(ended);
        let path = format!("/api/sessions/{session}");
        loop {
            tokio::select! {
                _ = &mut ended => break,
                (status, detail) = host.get(&path) => {
                    calls += 1;
                    assert_eq!(status, 200, "call {calls} during the first turn: {detail}");
                    assert!(detail["transcript"]["turns"].is_array(), "{detail}");
                }
            }
        }
        let (status, detail) = host.get(&format!("/api/sessions/{session}")).await;
        assert_eq!(status, 200, "{detail}");
        assert_eq!(detail["transcript"]["turns"].as_array().unwrap().len(), 1, "{detail}");
    }
    assert!(calls > 10, "the reads overlapped the turns ({calls} calls)");
}

/// Many clients retry the same canceled job at once while the queue keeps writing (the pattern of the Python
/// suite's cancel/retry test): exactly one retry wins (200, queued), the others learn the job is no longer
/// retryable (409); never a 500 "database is locked".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_retries_of_a_canceled_job_answer_once_200_and_otherwise_409() {
    let env = Env::start("race-retry").await;
    let host = env.host();
    assert_eq!(install_plugin(host, "well-behaved", &["log", "kv", "sessions-read", "jobs", "workers", "notes"]).await.0, 201);
    for round in 0..15 {
        let (s, job) = host.post("/api/jobs", json!({"kind": "test.echo", "payload": {"round": round}, "delayMs": 600000})).await;
        assert_eq!(s, 201, "{job}");
        let id = job["id"].as_str().unwrap().to_string();
        let (s, canceled) = host.post(&format!("/api/jobs/{id}/cancel"), json!({})).await;
        assert_eq!((s, canceled["state"].as_str()), (200, Some("canceled")), "{canceled}");
        // Other writers at the same time: jobs enqueued, claimed and finished by the scheduler.
        let echo = (0..3).map(|i| host.post("/api/jobs", json!({"kind": "test.echo", "payload": {"round": round, "i": i}})));
        let retry_path = format!("/api/jobs/{id}/retry");
        let retries = (0..8).map(|_| host.post(&retry_path, json!({})));
        let (echoed, answers) = tokio::join!(futures_util::future::join_all(echo), futures_util::future::join_all(retries));
        let answers: Vec<(u16, Value)> = answers;
        for (s, b) in &echoed {
            assert_eq!(*s, 201, "round {round}: enqueue {b}");
        }
        for (s, b) in &answers {
            assert!(*s == 200 || (*s == 409 && code(b) == "job_not_retryable"), "round {round}: retry answered {s} {b}");
        }
        let won = answers.iter().filter(|(s, _)| *s == 200).count();
        assert_eq!(won, 1, "round {round}: exactly one retry wins: {answers:?}");
    }
}
