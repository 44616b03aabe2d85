//! Host identity, session owners and forwarding (issue 19, part 3). Two hosts on one PostgreSQL database, each with
//! its own app-server and one shared token: a session made on A is listed on B with its owner; what B is asked to
//! do with it runs on A (a turn, an approval's answer, exactly once); once A is gone, B refuses with
//! `owner_offline` and writes nothing. On SQLite: one host, which owns every session and keeps its id.
//!
//! The tests on a server run when `CODEX_MANAGER_TEST_DATABASE_URL` names one (scripts/test.sh, suite "Store on
//! PostgreSQL").

mod support;

use serde_json::{json, Value};
use support::pg::{Schema, SKIPPED};
use support::*;

/// The token a team shares (`CODEX_MANAGER_TOKEN` on every host).
const TEAM_TOKEN: &str = "team-token-for-the-hosts-e2e-0123456789";

async fn team_host(tag: &str, name: &str, schema: &Schema) -> Env {
    let url = schema.url();
    Env::start_with(tag, &[("CODEX_MANAGER_DATABASE_URL", &url), ("CODEX_MANAGER_TOKEN", TEAM_TOKEN), ("CODEX_MANAGER_HOST_NAME", name)]).await
}

async fn host_id(host: &Host) -> String {
    let (_, ready) = host.get("/api/ready").await;
    ready["host"]["id"].as_str().expect("the ready host block has the id").to_string()
}

/// The session as `host` lists it.
async fn listed(host: &Host, session: &str) -> Value {
    let (status, page) = host.get("/api/sessions?limit=200").await;
    assert_eq!(status, 200, "{page}");
    page["sessions"].as_array().unwrap().iter().find(|s| s["id"] == session).cloned().unwrap_or_else(|| panic!("{session} is not listed: {page}"))
}

async fn respond(host: &Host, session: &str, request: &str, decision: &str) -> (u16, Value) {
    host.post(&format!("/api/sessions/{session}/requests/{request}/response"), json!({"decision": decision})).await
}

async fn turn_count(host: &Host, session: &str) -> usize {
    let (status, page) = host.get(&format!("/api/sessions/{session}/turns?limit=100")).await;
    assert_eq!(status, 200, "{page}");
    page["turns"].as_array().expect("a page of turns").len()
}

/// A's host in B's list.
async fn host_in_list(host: &Host, id: &str) -> Value {
    let (_, list) = host.get("/api/hosts").await;
    list["hosts"].as_array().unwrap().iter().find(|h| h["id"] == id).cloned().unwrap_or_else(|| panic!("{id} is not listed: {list}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_made_on_one_host_is_listed_and_answered_from_the_other() {
    let Some(schema) = Schema::create().await else { return eprintln!("{SKIPPED}") };
    let mut a = team_host("hosts-a", "host-a", &schema).await;
    let b = team_host("hosts-b", "host-b", &schema).await;
    let (id_a, id_b) = (host_id(a.host()).await, host_id(b.host()).await);
    assert_ne!(id_a, id_b);

    // Every host lists both, online, and says which one answered.
    let (status, list) = b.host().get("/api/hosts").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["thisHost"], id_b.as_str());
    assert_eq!(list["hosts"].as_array().unwrap().len(), 2, "{list}");
    let seen_a = host_in_list(b.host(), &id_a).await;
    assert_eq!((seen_a["name"].as_str(), seen_a["state"].as_str(), seen_a["thisHost"].as_bool()), (Some("host-a"), Some("online"), Some(false)));
    assert_eq!(seen_a["url"], a.host().url.as_str(), "a host advertises the address it listens on by default");

    // A session made on A is listed on B, owned by A.
    let session = a.new_session().await;
    let row = listed(b.host(), &session).await;
    assert_eq!(row["owner"], json!({"id": id_a, "name": "host-a", "online": true}));
    let (exit, out, err) = b.host().cli(&["sessions", "list"]).await;
    assert!(exit == 0 && out.contains("host-a") && out.contains(&session), "{out}{err}");

    // A turn sent to B runs on A's app-server; B reads its record from the store.
    let turn = b.host().send(&session, "hello through host B").await;
    let (status, record) = b.host().get(&format!("/api/sessions/{session}/turns/{turn}?wait=30s")).await;
    assert_eq!((status, record["status"].as_str()), (200, Some("completed")), "{record}");
    assert!(record["finalText"].as_str().is_some_and(|t| !t.is_empty()), "the fake model's reply: {record}");
    let (_, on_a) = a.host().get(&format!("/api/sessions/{session}/turns/{turn}")).await;
    assert_eq!(on_a["finalText"], record["finalText"]);
    // The transcript is Codex's, in A's app-server: B forwards the reads that carry it.
    let (status, transcript) = b.host().get(&format!("/api/sessions/{session}/transcript")).await;
    assert_eq!(status, 200, "{transcript}");
    assert!(transcript.to_string().contains("hello through host B"), "{transcript}");
    let (status, detail) = b.host().get(&format!("/api/sessions/{session}")).await;
    assert_eq!(status, 200, "{detail}");
    assert!(detail["transcript"].to_string().contains("hello through host B"), "{detail}");
    assert!(b.host().log_text().contains("forwarded a session action to its owner"), "B logged its forwards");

    // The same Idempotency-Key through either host: one turn, the owner's first answer.
    let keyed = |host: &Host| {
        host.http
            .post(format!("{}/api/sessions/{session}/messages", host.url))
            .bearer_auth(&host.token)
            .header("Idempotency-Key", "hosts-e2e-key-1")
            .json(&json!({"text": "once only"}))
            .send()
    };
    let (status, first) = decode(keyed(b.host()).await.unwrap()).await;
    assert_eq!(status, 202, "{first}");
    let (_, again) = decode(keyed(a.host()).await.unwrap()).await;
    assert_eq!((again["turnId"].clone(), again["replayed"].clone()), (first["turnId"].clone(), json!(true)), "{again}");
    let keyed_turn = first["turnId"].as_str().unwrap();
    let (_, record) = b.host().get(&format!("/api/sessions/{session}/turns/{keyed_turn}?wait=30s")).await;
    assert_eq!(record["status"], "completed", "{record}");

    // An approval A's turn raises is answered from B, exactly once: a second answer from either host is refused.
    let mut ws = b.host().stream(&format!("since={}&sessions={session}", b.host().latest_seq().await)).await;
    let turn = b.host().send(&session, "run it scenario:approval").await;
    let asked = until(&mut ws, |e| e["type"] == "approval.requested").await.pop().unwrap();
    let request = asked["data"]["id"].as_str().unwrap().to_string();
    // B shows A's session as it is (from the store: A's live state is in A's memory).
    let row = listed(b.host(), &session).await;
    assert_eq!((row["status"].as_str(), row["pendingRequests"].as_u64(), row["activeTurnId"].as_str()), (Some("waiting_on_approval"), Some(1), Some(turn.as_str())), "{row}");
    let (status, resolved) = respond(b.host(), &session, &request, "accept").await;
    assert_eq!((status, resolved["status"].as_str(), resolved["decision"].as_str()), (200, Some("resolved"), Some("accept")), "{resolved}");
    for (host, decision) in [(a.host(), "decline"), (b.host(), "decline")] {
        let (status, late) = respond(host, &session, &request, decision).await;
        assert_eq!((status, code(&late)), (409, "request_already_resolved"), "{late}");
        assert_eq!(late["error"]["details"]["decision"], "accept", "the winner is named: {late}");
    }
    let events = until(&mut ws, is_turn_end(&turn)).await;
    assert_eq!(events.last().unwrap()["data"]["turn"]["status"], "completed", "the approved command ran on A");
    assert_eq!(events.iter().filter(|e| e["type"] == "approval.resolved").count(), 1);

    // A stops cleanly: B sees it stopped at once and refuses A's session's actions, writing nothing.
    let turns_before = turn_count(b.host(), &session).await;
    a.stop_host().await;
    let seen_a = host_in_list(b.host(), &id_a).await;
    assert_eq!(seen_a["state"].as_str(), Some("stopped"), "{seen_a}");
    let (status, refused) = b.host().post(&format!("/api/sessions/{session}/messages"), json!({"text": "anyone there?"})).await;
    assert_eq!((status, code(&refused)), (503, "owner_offline"), "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("host-a") && message.contains("stopped at"), "{message}");
    assert_eq!(refused["error"]["details"]["hostId"], id_a.as_str());
    assert_eq!(turn_count(b.host(), &session).await, turns_before, "nothing was written");
    // Reads of the store still answer on B.
    let (status, detail) = b.host().get(&format!("/api/sessions/{session}")).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["session"]["owner"]["online"], false);
    assert!(detail["transcript"].is_null(), "the transcript is A's to read: {detail}");
    let (exit, out, err) = b.host().cli(&["sessions", "show", &session]).await;
    assert!(exit == 0 && out.contains("host-a (offline)") && out.contains("no transcript: host host-a is offline"), "{out}{err}");

    let mut b = b;
    b.stop_host().await;
    schema.drop_now().await;
}

/// A host killed -9 makes no clean stop: the others count it offline once its heartbeats are 15 s old, and refuse
/// its sessions' actions until then too (it does not answer at its URL).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_owner_goes_offline_when_its_heartbeats_stop() {
    let Some(schema) = Schema::create().await else { return eprintln!("{SKIPPED}") };
    let mut a = team_host("hosts-kill-a", "host-a", &schema).await;
    let mut b = team_host("hosts-kill-b", "host-b", &schema).await;
    let id_a = host_id(a.host()).await;
    let session = a.new_session().await;
    a.kill_host();

    // Before its heartbeats run out A still counts as online, but it does not answer: refused all the same, and the
    // session is read from the store here.
    let (status, refused) = b.host().post(&format!("/api/sessions/{session}/messages"), json!({"text": "hello?"})).await;
    assert_eq!((status, code(&refused)), (503, "owner_offline"), "{refused}");
    let (status, detail) = b.host().get(&format!("/api/sessions/{session}")).await;
    assert_eq!((status, detail["session"]["id"].as_str()), (200, Some(session.as_str())), "{detail}");
    assert!(detail["transcript"].is_null(), "{detail}");
    eventually("host A goes offline", async || {
        let seen = host_in_list(b.host(), &id_a).await;
        (seen["state"] == "offline").then_some(seen)
    })
    .await;
    assert_eq!(listed(b.host(), &session).await["owner"]["online"], false, "the session list says so too");
    let (status, refused) = b.host().post(&format!("/api/sessions/{session}/messages"), json!({"text": "hello?"})).await;
    assert_eq!((status, code(&refused)), (503, "owner_offline"), "{refused}");
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("host-a") && message.contains("last seen at"), "{message}");
    assert_eq!(turn_count(b.host(), &session).await, 0, "nothing was written");

    b.stop_host().await;
    schema.drop_now().await;
}

/// On SQLite there is one host: it lists itself, owns every session, and keeps its id across restarts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_sqlite_the_one_host_owns_every_session_and_keeps_its_id() {
    let mut env = Env::start("hosts-sqlite").await;
    let id = host_id(env.host()).await;
    assert_eq!(std::fs::read_to_string(env.data_dir().join("host-id")).unwrap().trim(), id);
    let (status, list) = env.host().get("/api/hosts").await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["thisHost"], id.as_str());
    let hosts = list["hosts"].as_array().unwrap();
    assert_eq!(hosts.len(), 1, "{list}");
    assert_eq!((hosts[0]["id"].as_str(), hosts[0]["state"].as_str(), hosts[0]["thisHost"].as_bool()), (Some(id.as_str()), Some("online"), Some(true)));
    let session = env.new_session().await;
    let row = listed(env.host(), &session).await;
    assert_eq!((row["owner"]["id"].as_str(), row["owner"]["online"].as_bool()), (Some(id.as_str()), Some(true)));
    let (exit, out, err) = env.host().cli(&["hosts"]).await;
    assert!(exit == 0 && out.contains(&id) && out.contains("(this host)") && out.contains("online"), "{out}{err}");

    env.stop_host().await;
    env.start_host().await;
    assert_eq!(host_id(env.host()).await, id, "the id is kept in the data dir");
    assert_eq!(listed(env.host(), &session).await["owner"]["id"], id.as_str());
    env.stop_host().await;
}
