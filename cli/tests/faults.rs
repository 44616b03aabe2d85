//! Faults the real app-server cannot produce on demand — a malformed line, a crash mid-reply, a turn that never
//! ends — played by the project's scripted app-server peer, through the public API.

mod support;

use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_line_is_recorded_and_skipped() {
    let env = Env::start_with_fake_app_server("malformed").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}", host.latest_seq().await)).await;
    let turn = host.send(&session, "bench:deltas=20 fault:malformed").await;
    let events = until(&mut ws, is_turn_end(&turn)).await;
    let fault = events.iter().find(|e| e["type"] == "runtime.protocol_error").expect("the bad line is recorded");
    assert!(fault["data"]["error"].as_str().is_some_and(|e| !e.is_empty()));
    assert_eq!(events.iter().filter(|e| e["type"] == "item.delta").count(), 20, "and the stream goes on around it");
    assert_eq!(events.last().unwrap()["data"]["turn"]["status"], "completed");
    assert_eq!(host.runtime().await["restarts"], 0, "one bad line is not a reason to restart");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_reply_ends_the_turn_and_the_next_one_works() {
    let env = Env::start_with_fake_app_server("crash").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}", host.latest_seq().await)).await;
    // Paced, so the crash comes well after app-server answered turn/start.
    let turn = host.send(&session, "bench:deltas=50,rate=200 fault:crash_after=10").await;
    let events = until(&mut ws, |e| e["type"] == "runtime.ready").await;
    assert_eq!(events.iter().filter(|e| e["type"] == "item.delta").count(), 10, "what was said before the crash is kept");
    let end = events.iter().find(|e| e["type"] == "turn.completed" && e["turnId"] == turn.as_str()).expect("the turn is ended");
    assert_eq!(end["data"]["closedByHost"], true);
    assert!(end["data"]["turn"]["error"]["message"].as_str().unwrap().contains("exited with code 1"), "{end}");
    assert!(events.iter().any(|e| e["type"] == "item.completed" && e["data"]["closedByHost"] == true), "its open message is closed");
    host.wait_ready().await;
    let next = host.send(&session, "bench:deltas=3").await;
    let events = until(&mut ws, is_turn_end(&next)).await;
    assert_eq!(events.last().unwrap()["data"]["turn"]["status"], "completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_turn_that_never_ends_can_be_interrupted() {
    let env = Env::start_with_fake_app_server("hang").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}", host.latest_seq().await)).await;
    let turn = host.send(&session, "bench:deltas=5 fault:hang").await;
    let mut deltas = 0;
    until(&mut ws, |e| {
        deltas += (e["type"] == "item.delta") as usize;
        deltas == 5
    })
    .await;
    let (_, s) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(s["session"]["status"], "running");
    let (status, body) = host.post(&format!("/api/sessions/{session}/interrupt"), serde_json::json!({})).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("interrupted")), "{body}");
    until(&mut ws, is_turn_end(&turn)).await;
}
