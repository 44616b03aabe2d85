//! The event stream's promises: filters, replay over REST and websocket, `reset` past retention, and a slow
//! client that slows nobody else and still gets every event.

mod support;

use std::time::Duration;

use serde_json::Value;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_select_by_session_and_type() {
    let env = Env::start("filters").await;
    let host = env.host();
    let a = env.new_session().await;
    let b = env.new_session().await;
    let since = host.latest_seq().await;
    let mut quiet = host.stream(&format!("since={since}&sessions={a}&exclude=item.delta,item.reasoning")).await;
    let mut turns_only = host.stream(&format!("since={since}&types=turn.")).await;

    let ta = host.send(&a, "for a scenario:deltas=20").await;
    let tb = host.send(&b, "for b scenario:deltas=20").await;
    let got = until(&mut quiet, is_turn_end(&ta)).await;
    assert!(got.iter().all(|e| e["sessionId"] == a.as_str()), "only session a");
    assert!(got.iter().all(|e| !e["type"].as_str().unwrap().starts_with("item.delta")), "no token deltas");
    assert!(got.iter().any(|e| e["type"] == "item.completed"), "but completed items");

    let mut ends = 0;
    let got = until(&mut turns_only, |e| {
        if e["type"] == "turn.completed" {
            ends += 1;
        }
        ends == 2
    })
    .await;
    assert!(got.iter().all(|e| e["type"].as_str().unwrap().starts_with("turn.")));
    let ended: Vec<&str> = got.iter().filter(|e| e["type"] == "turn.completed").map(|e| e["turnId"].as_str().unwrap()).collect();
    assert!(ended.contains(&ta.as_str()) && ended.contains(&tb.as_str()));

    // The same filter over REST, paged: every page's nextSince moves on even past filtered-out events.
    let mut cursor = since;
    let mut completed = Vec::new();
    loop {
        let (_, page) = host.get(&format!("/api/events?since={cursor}&limit=7&types=turn.completed")).await;
        completed.extend(page["events"].as_array().unwrap().iter().map(|e| e["turnId"].as_str().unwrap().to_string()));
        let next = page["nextSince"].as_i64().unwrap();
        if next == cursor {
            break;
        }
        cursor = next;
    }
    assert_eq!(completed.len(), 2, "{completed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_position_past_retention_gets_a_reset() {
    let env = Env::start_with("retention", &[("CODEX_MANAGER_EVENT_RETENTION", "100")]).await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}", host.latest_seq().await)).await;
    let turn = host.send(&session, "many scenario:deltas=400").await;
    until(&mut ws, is_turn_end(&turn)).await;

    let (_, page) = host.get("/api/events?since=1").await;
    assert_eq!(page["reset"], true, "{}", page["latestSeq"]);
    let latest = page["latestSeq"].as_i64().unwrap();
    // `since=0` means "everything kept": no reset, the page starts at the oldest event.
    let (_, all) = host.get("/api/events?since=0&limit=5").await;
    assert_eq!(all["reset"], false);
    assert!(all["events"][0]["seq"].as_i64().unwrap() > 2);
    let mut late = host.stream("since=1").await;
    let first = next_event(&mut late).await;
    assert_eq!(first["type"], "reset");
    assert_eq!(first["data"]["reason"], "beyond_retention");
    assert!(first["data"]["oldestSeq"].as_i64().unwrap() > 2);
    assert_eq!(first["seq"].as_i64(), Some(latest), "continue from the newest event");
    // After the reset the client gets new events only.
    let next = host.send(&session, "more scenario:deltas=1").await;
    let after = until(&mut late, is_turn_end(&next)).await;
    assert!(after.iter().all(|e| e["seq"].as_i64().unwrap() > latest));
    // A position from another database (ahead of the log) is reset too.
    let mut alien = host.stream(&format!("since={}", latest + 1_000_000)).await;
    let reset = next_event(&mut alien).await;
    assert_eq!((reset["type"].as_str(), reset["data"]["reason"].as_str()), (Some("reset"), Some("ahead_of_log")));
}

/// A client that stops reading does not slow the host or another client; when it reads again it gets every
/// event, in order, with no gap (caught up from the store).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_client_slows_nobody_and_misses_nothing() {
    let env = Env::start("slowclient").await;
    let host = env.host();
    let session = env.new_session().await;
    let since = host.latest_seq().await;
    let mut stalled = host.stream_small_buffer(&format!("since={since}")).await;
    let mut live = host.stream(&format!("since={since}")).await;

    // Enough data to fill the stalled client's socket buffers many times over. The stall stays well inside the
    // host's 30 s send timeout (after which it would rightly drop the client) even on a slow machine.
    let turn = host.send(&session, "flood scenario:deltas=20000").await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    let mut got: Vec<Value> = Vec::new();
    while got.last().is_none_or(|e| !is_turn_end(&turn)(e)) {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        match tokio::time::timeout(left, next_event(&mut live)).await {
            Ok(e) => got.push(e),
            Err(_) => break,
        }
    }
    let (status, _) = host.get("/api/health").await;
    assert_eq!(status, 200, "the host answers while a client is stalled");
    // Wake the stalled client, then let the live one finish if it had not.
    let mut expected = since + 1;
    let mut stalled_seen = Vec::new();
    while stalled_seen.len() < 64 {
        stalled_seen.push(next_event(&mut stalled).await);
    }
    if got.last().is_none_or(|e| e["type"] != "turn.completed") {
        got.extend(until(&mut live, is_turn_end(&turn)).await);
    }
    assert_eq!(got.iter().filter(|e| e["type"] == "item.delta").count(), 20000);
    let end_seq = got.last().unwrap()["seq"].as_i64().unwrap();
    for e in stalled_seen {
        assert_eq!(e["seq"].as_i64().unwrap(), expected, "no gap, no repeat");
        expected += 1;
    }
    loop {
        let e: Value = next_event(&mut stalled).await;
        let seq = e["seq"].as_i64().unwrap();
        assert_eq!(seq, expected, "no gap, no repeat");
        expected += 1;
        if seq == end_seq {
            break;
        }
    }
}

/// Many clients on one stream: every client gets every event of a reply once, in the log's order, with no gap,
/// whatever batches the host commits (a stream's events share commits) and writes (a client's frames go out several
/// per flush); and each streamed delta, as a client sees it, is already in the log a REST page reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_client_gets_every_frame_of_a_stream_once_and_in_order() {
    let env = Env::start("fanout").await;
    let host = env.host();
    let session = env.new_session().await;
    let since = host.latest_seq().await;
    let mut clients = Vec::new();
    for _ in 0..8 {
        clients.push(host.stream(&format!("since={since}")).await);
    }
    let turn = host.send(&session, "fan out scenario:deltas=3000").await;
    let mut seen: Vec<Vec<Value>> = Vec::new();
    for ws in clients.iter_mut() {
        seen.push(until(ws, is_turn_end(&turn)).await);
    }
    let first: Vec<i64> = seen[0].iter().map(|e| e["seq"].as_i64().unwrap()).collect();
    assert_eq!(first, (since + 1..=*first.last().unwrap()).collect::<Vec<_>>(), "consecutive seqs, none repeated");
    assert_eq!(seen[0].iter().filter(|e| e["type"] == "item.delta" && e["turnId"] == turn.as_str()).count(), 3000);
    for other in &seen[1..] {
        assert_eq!(other, &seen[0], "every client got the same frames in the same order");
    }
    // What the clients saw is what the log holds.
    let mut logged = Vec::new();
    let mut cursor = since;
    while logged.len() < first.len() {
        let (_, page) = host.get(&format!("/api/events?since={cursor}&limit=1000")).await;
        let events = page["events"].as_array().unwrap();
        assert!(!events.is_empty(), "the log holds every event a client saw");
        logged.extend(events.iter().cloned());
        cursor = page["nextSince"].as_i64().unwrap();
    }
    logged.truncate(first.len());
    assert_eq!(logged, seen[0]);
}

/// An event longer than one websocket fragment (the host sends at most 16 KiB per frame, so a connection's write
/// buffer stays small after a large event) reaches every client whole: live, replayed, and equal to the log's copy.
/// Text with two-byte characters, so fragments end inside a character.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_larger_than_a_fragment_arrives_whole_live_and_replayed() {
    let env = Env::start("large-event").await;
    let host = env.host();
    let session = env.new_session().await;
    let since = host.latest_seq().await;
    let mut live = host.stream(&format!("since={since}&sessions={session}")).await;
    let long = "ünïcödé ".repeat(10_000);
    assert!(long.len() > 5 * 16 * 1024);
    let turn = host.send(&session, &format!("scenario:deltas=2 {long}")).await;
    let seen = until(&mut live, is_turn_end(&turn)).await;
    assert!(seen.iter().any(|e| e.to_string().contains(&long)), "an event carries the whole message text");

    let mut replayed = host.stream(&format!("since={since}&sessions={session}")).await;
    assert_eq!(until(&mut replayed, is_turn_end(&turn)).await, seen, "replay gives the same frames");
    let (_, page) = host.get(&format!("/api/events?since={since}&limit=1000&sessions={session}")).await;
    let logged: Vec<Value> = page["events"].as_array().unwrap().iter().take(seen.len()).cloned().collect();
    assert_eq!(logged, seen, "what the clients saw is what the log holds");
}
