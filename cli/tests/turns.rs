//! Turns through the public API against the real app-server: streaming, transcript, interrupt, idempotency.

mod support;

use serde_json::{json, Value};
use support::*;

/// Deltas arrive over the websocket in order, with strictly increasing seq, and their concatenation is the
/// final message in the transcript.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_deltas_equal_the_final_transcript_message() {
    let env = Env::start("stream").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;

    let turn = host.send(&session, "count for me scenario:deltas=300").await;
    let events = until(&mut ws, is_turn_end(&turn)).await;

    let seqs: Vec<i64> = events.iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "seq must strictly increase: {seqs:?}");
    let deltas: Vec<&str> = events.iter().filter(|e| e["type"] == "item.delta").map(|e| e["data"]["delta"].as_str().unwrap()).collect();
    assert_eq!(deltas.len(), 300);
    let streamed: String = deltas.concat();
    let expected: String = (0..300).map(|i| format!("d{i} ")).collect();
    assert_eq!(streamed, expected);
    let last = events.last().unwrap();
    assert_eq!(last["data"]["turn"]["status"], "completed");
    assert_eq!(last["sessionId"], session.as_str());

    let (status, detail) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(status, 200, "{detail}");
    let turns = detail["transcript"]["turns"].as_array().unwrap();
    assert_eq!(turns.len(), 1);
    let final_text = turns[0]["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["type"] == "agentMessage")
        .map(|i| i["text"].as_str().unwrap())
        .collect::<String>();
    assert_eq!(final_text.trim_end(), streamed.trim_end());
    assert_eq!(detail["session"]["status"], "idle");
    assert_eq!(detail["session"]["lastTurnStatus"], "completed");
}

/// Interrupting a streaming turn ends it `interrupted` quickly, closes the message item it left open, and the
/// session takes the next message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interrupt_ends_the_turn_and_the_session_takes_the_next_message() {
    let env = Env::start("interrupt").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;

    let turn = host.send(&session, "go slowly scenario:slow").await;
    until(&mut ws, |e| e["type"] == "item.delta").await;
    let (_, detail) = host.get(&format!("/api/sessions/{session}")).await;
    assert_eq!(detail["session"]["status"], "running");

    let started = std::time::Instant::now();
    let (status, body) = host.post(&format!("/api/sessions/{session}/interrupt"), json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["turnId"], turn.as_str());
    assert_eq!(body["status"], "interrupted");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));

    let events = until(&mut ws, is_turn_end(&turn)).await;
    let closed: Vec<&Value> = events.iter().filter(|e| e["type"] == "item.completed" && e["data"]["closedByHost"] == true).collect();
    assert!(
        closed.iter().any(|e| e["data"]["item"]["type"] == "agentMessage"),
        "the interrupted message item must be closed by the host: {events:#?}"
    );
    assert_eq!(events.last().unwrap()["data"]["turn"]["status"], "interrupted");
    // What streamed before the interrupt is kept: in the closed item and as the turn's final text.
    let message = closed.iter().find(|e| e["data"]["item"]["type"] == "agentMessage").unwrap();
    let kept = message["data"]["item"]["text"].as_str().unwrap_or_default();
    let (_, deltas) = host.get(&format!("/api/events?since=0&sessions={session}&types=item.delta")).await;
    let streamed: String = deltas["events"].as_array().unwrap().iter().filter(|e| e["turnId"] == turn.as_str()).map(|e| e["data"]["delta"].as_str().unwrap()).collect();
    assert!(kept.starts_with("s0 ") && kept == streamed, "the streamed text ({streamed:?}), not an empty message: {message}");
    let (_, record) = host.get(&format!("/api/sessions/{session}/turns/{turn}")).await;
    assert_eq!(record["finalText"].as_str(), Some(kept), "{record}");
    // The transcript (app-server's history, which drops unfinished items) shows it too, marked as the host's.
    let (_, transcript) = host.get(&format!("/api/sessions/{session}/transcript")).await;
    let cut = transcript["turns"].as_array().unwrap().iter().find(|t| t["id"] == turn.as_str()).expect("the interrupted turn");
    let restored = cut["items"].as_array().unwrap().iter().find(|i| i["type"] == "agentMessage").expect("its reply");
    assert_eq!((restored["text"].as_str(), restored["keptByHost"].as_bool()), (Some(kept), Some(true)), "{cut}");

    // A second interrupt has nothing to interrupt.
    let (status, body) = host.post(&format!("/api/sessions/{session}/interrupt"), json!({})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("no_active_turn")));

    let next = host.send(&session, "again scenario:deltas=3").await;
    let events = until(&mut ws, is_turn_end(&next)).await;
    assert_eq!(events.last().unwrap()["data"]["turn"]["status"], "completed");
}

/// The same Idempotency-Key twice starts one turn; the retry gets the first answer. A different body with the
/// same key is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idempotency_key_starts_one_turn() {
    let env = Env::start("idem").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let send = |text: &'static str| {
        host.http
            .post(format!("{}/api/sessions/{session}/messages", host.url))
            .bearer_auth(&host.token)
            .header("Idempotency-Key", "retry-1")
            .json(&json!({"text": text}))
            .send()
    };
    let (s1, first) = decode(send("hello once scenario:deltas=2").await.unwrap()).await;
    assert_eq!(s1, 202, "{first}");
    let turn = first["turnId"].as_str().unwrap().to_string();
    until(&mut ws, is_turn_end(&turn)).await;

    let (s2, second) = decode(send("hello once scenario:deltas=2").await.unwrap()).await;
    assert_eq!(s2, 200, "{second}");
    assert_eq!(second["turnId"], turn.as_str());
    assert_eq!(second["replayed"], true);

    let (s3, third) = decode(send("a different message").await.unwrap()).await;
    assert_eq!((s3, third["error"]["code"].as_str()), (422, Some("idempotency_key_reused")));

    let (_, transcript) = host.get(&format!("/api/sessions/{session}/transcript")).await;
    assert_eq!(transcript["turns"].as_array().unwrap().len(), 1, "exactly one turn: {transcript}");
    let model_turns = env.model.requests().iter().filter(|r| r.scenario.as_deref() == Some("deltas=2")).count();
    assert_eq!(model_turns, 1, "the model was asked once");
}

/// A second message while a turn runs is refused with the running turn's id; steering adds to it instead.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_turn_refuses_a_second_start_and_takes_steering() {
    let env = Env::start("steer").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "long one scenario:slow").await;
    until(&mut ws, |e| e["type"] == "item.delta").await;

    let (status, body) = host.post(&format!("/api/sessions/{session}/messages"), json!({"text": "another"})).await;
    assert_eq!((status, body["error"]["code"].as_str()), (409, Some("turn_in_progress")));
    assert_eq!(body["error"]["details"]["activeTurnId"], turn.as_str());

    // Slow as well: the fake model answers the newest user message, so a plain steer would let the turn end at
    // once, before the interrupt below (409 `no_active_turn` on a loaded machine).
    let (status, body) = host.post(&format!("/api/sessions/{session}/steer"), json!({"text": "also this scenario:slow"})).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["turnId"], turn.as_str());

    let (status, body) = host.post(&format!("/api/sessions/{session}/interrupt"), json!({})).await;
    assert_eq!(status, 200, "{body}");
    until(&mut ws, is_turn_end(&turn)).await;
}

