//! Ids the way people type them (issue 14): a session by a unique id prefix, its exact title or `--last`; a request
//! by a unique id prefix, with no session (`requests approve <request>`). An ambiguous prefix is a usage error
//! (exit 2) listing the candidates; no match is the usual not-found (exit 3). Checked against the host's records.

mod support;

use serde_json::Value;
use support::*;

/// The shortest prefix of `id` that no other id in `all` starts with.
fn unique_prefix(id: &str, all: &[String]) -> String {
    (1..=id.len()).map(|n| &id[..n]).find(|p| all.iter().filter(|o| o.starts_with(p)).count() == 1).unwrap().to_string()
}

/// The longest prefix `a` and `b` share.
fn shared_prefix(a: &str, b: &str) -> String {
    a.chars().zip(b.chars()).take_while(|(x, y)| x == y).map(|(x, _)| x).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_by_prefix_title_and_last_and_an_ambiguous_prefix_lists_the_candidates() {
    let env = Env::start("ids").await;
    let host = env.host();
    let (a, b) = (env.new_session().await, env.new_session().await);
    let ids = vec![a.clone(), b.clone()];
    let shared = shared_prefix(&a, &b);
    assert!(shared.len() >= 8, "UUIDv7s made together share their start: {a} {b}");

    // A unique prefix names the session (here: the show of it says its full id).
    let prefix = unique_prefix(&b, &ids);
    let (code, out, err) = host.cli(&["--json", "sessions", "show", &prefix]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["session"]["id"], b.as_str());

    // An exact title names it too; renaming goes through the same resolution.
    let (code, _, err) = host.cli(&["sessions", "rename", &a, "fix the parser"]).await;
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = host.cli(&["--json", "settings", "set", "fix the parser", "k", "1"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let (_, setting) = host.get(&format!("/api/sessions/{a}/settings/k")).await;
    assert_eq!(setting["value"], 1, "the setting landed on the titled session: {setting}");

    // --last: the most recently active session (a turn in `a` makes it so).
    let turn = host.send(&a, "hello").await;
    host.get(&format!("/api/sessions/{a}/turns/{turn}?wait=30s")).await;
    let (_, listed) = host.get("/api/sessions?limit=1&archived=false").await;
    assert_eq!(listed["sessions"][0]["id"], a.as_str(), "the host orders by activity: {listed}");
    let (code, out, err) = host.cli(&["--json", "sessions", "turns", "--last"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(serde_json::from_str::<Value>(&out).unwrap()["turns"][0]["id"], turn.as_str());
    let (code, out, err) = host.cli(&["send", "--last", "again", "--wait"]).await;
    assert_eq!(code, 0, "{out}{err}");
    let (_, turns) = host.get(&format!("/api/sessions/{a}/turns")).await;
    assert_eq!(turns["turns"].as_array().unwrap().len(), 2, "`send --last` went to the last active session: {turns}");

    // An ambiguous prefix: a usage error listing both, with their titles; nothing was done.
    let (code, _, err) = host.cli(&["sessions", "archive", &shared]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains(&a) && err.contains(&b) && err.contains("fix the parser") && err.contains("matches 2 sessions"), "{err}");
    let (_, s) = host.get(&format!("/api/sessions/{b}")).await;
    assert_eq!(s["session"]["archived"], false);
    let (code, _, err) = host.cli(&["--json", "chat", &shared]).await;
    assert_eq!(code, 2);
    let envelope: Value = serde_json::from_str(err.trim()).unwrap();
    assert_eq!(envelope["error"]["code"], "usage", "{envelope}");

    // No match: not found (3), as when the host says so.
    let (code, _, err) = host.cli(&["--json", "sessions", "show", "no such title"]).await;
    assert_eq!(code, 3, "{err}");
    assert_eq!(serde_json::from_str::<Value>(err.trim()).unwrap()["error"]["code"], "session_not_found");
    // A full id still goes straight to the host.
    let (code, _, _) = host.cli(&["sessions", "show", &a]).await;
    assert_eq!(code, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_is_answered_by_its_id_prefix_alone() {
    let env = Env::start("ids-req").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    let turn = host.send(&session, "run it scenario:approval").await;
    let request = until(&mut ws, |e| e["type"] == "approval.requested").await.pop().unwrap()["data"].clone();
    let id = request["id"].as_str().unwrap().to_string();

    // The prefix the list shows is enough, with no session.
    let (code, out, err) = host.cli(&["requests", "show", &id[..13]]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("approved-output"), "{out}");
    let (code, out, err) = host.cli(&["requests", "approve", &id[..13]]).await;
    assert_eq!(code, 0, "{out}{err}");
    until(&mut ws, is_turn_end(&turn)).await;
    let (_, decided) = host.get(&format!("/api/sessions/{session}/requests/{id}")).await;
    assert_eq!((decided["decision"].as_str(), decided["decidedBy"].as_str()), (Some("accept"), Some("cli")), "{decided}");

    // The two-argument form still works (a session by prefix, the request by prefix); answered again: a conflict.
    let (code, _, err) = host.cli(&["requests", "approve", &session[..13], &id[..13]]).await;
    assert_eq!(code, 4, "{err}");
    // A prefix no request has: not found.
    let (code, _, err) = host.cli(&["--json", "requests", "decline", "ffffffff"]).await;
    assert_eq!(code, 3, "{err}");
    assert_eq!(serde_json::from_str::<Value>(err.trim()).unwrap()["error"]["code"], "request_not_found");
}
