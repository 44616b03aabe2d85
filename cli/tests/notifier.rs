//! The shipped `notifier` plugin end to end: the real host, the real app-server, the fake model, and a tiny HTTP
//! receiver on 127.0.0.1 standing in for the user's webhook and ntfy server (127.0.0.1 is in the plugin's
//! `http_allow`). It must post only when nobody (a user, the supervisor) answered within the grace period, post once,
//! and post a failed turn, a routine run (also one whose prompt waited in the follow-up queue) and an unanswered
//! question, to a JSON webhook, ntfy and a Slack-compatible incoming webhook.

mod support;

use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use support::*;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Post {
    path: String,
    headers: Vec<(String, String)>,
    body: String,
}

impl Post {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
}

/// A receiver that records every request and answers 200.
struct Receiver {
    port: u16,
    posts: Arc<Mutex<Vec<Post>>>,
}

impl Receiver {
    async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let posts = Arc::new(Mutex::new(Vec::new()));
        let seen = posts.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut stream, _)) = listener.accept().await else { return };
                let seen = seen.clone();
                tokio::spawn(async move {
                    if let Some(post) = read_request(&mut stream).await {
                        seen.lock().unwrap().push(post);
                    }
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok").await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Receiver { port, posts }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    fn posts(&self) -> Vec<Post> {
        self.posts.lock().unwrap().clone()
    }
}

/// One HTTP/1.1 request with a Content-Length body (what the host's client sends for a small POST).
async fn read_request(stream: &mut tokio::net::TcpStream) -> Option<Post> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':').map(|(n, v)| (n.trim().to_string(), v.trim().to_string())))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Post { path, headers, body: String::from_utf8_lossy(&body).to_string() })
}

async fn install_notifier(host: &Host) {
    let (s, b) = install_plugin(host, "notifier", &["log", "kv", "sessions-read", "jobs", "http"]).await;
    assert_eq!(s, 201, "{b}");
}

async fn set_settings(host: &Host, settings: Value) {
    let (s, b) = host.put("/api/plugins/notifier/settings", settings).await;
    assert_eq!(s, 200, "{b}");
}

async fn respond(host: &Host, session: &str, request: &str, decision: &str) {
    let resp = host
        .http
        .post(format!("{}/api/sessions/{session}/requests/{request}/response", host.url))
        .bearer_auth(&host.token)
        .header("X-Codex-Manager-Client", "cli")
        .json(&json!({"decision": decision}))
        .send()
        .await
        .unwrap();
    let (s, b) = decode(resp).await;
    assert_eq!(s, 200, "{b}");
}

async fn next_approval(ws: &mut Ws) -> Value {
    until(ws, |e| e["type"] == "approval.requested").await.pop().unwrap()["data"].clone()
}

/// The notifier's jobs of `kind`, once every one of them has finished.
async fn finished_jobs(host: &Host, kind: &str, at_least: usize) -> Vec<Value> {
    eventually(&format!("{at_least} finished {kind} job(s)"), async || {
        let (_, page) = host.get(&format!("/api/jobs?kind={kind}")).await;
        let jobs = page["jobs"].as_array().cloned().unwrap_or_default();
        let done = jobs.iter().all(|j| matches!(j["state"].as_str(), Some("succeeded" | "failed" | "canceled")));
        (jobs.len() >= at_least && done).then_some(jobs)
    })
    .await
}

fn pending_job_for<'a>(jobs: &'a [Value], request: &str) -> &'a Value {
    jobs.iter().find(|j| j["payload"]["request_id"] == request).unwrap_or_else(|| panic!("no job for {request}: {jobs:#?}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_an_approval_nobody_answered_is_notified_and_only_once() {
    let receiver = Receiver::start().await;
    let env = Env::start("notifier-approval").await;
    let host = env.host();
    install_notifier(host).await;
    // A grace period long enough for the test to answer first on a slow machine.
    set_settings(
        host,
        json!({
            "grace_ms": 8000,
            "web_url": "http://127.0.0.1:8787/",
            "webhook": {"url": receiver.url("/hook")},
            "ntfy": {"url": receiver.url("/ntfy-topic")},
        }),
    )
    .await;
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;

    // 1. Answered by a user within the grace period: the job looks after it and posts nothing.
    let turn = host.send(&session, "run it scenario:approval").await;
    let answered = next_approval(&mut ws).await;
    let answered_id = answered["id"].as_str().unwrap().to_string();
    respond(host, &session, &answered_id, "accept").await;
    until(&mut ws, is_turn_end(&turn)).await;
    let jobs = finished_jobs(host, "notifier.pending", 1).await;
    let job = pending_job_for(&jobs, &answered_id);
    assert_eq!(job["state"], "succeeded", "{job}");
    assert_eq!(job["result"]["outcome"], "answered", "{job}");
    assert!(receiver.posts().is_empty(), "nothing posted for an answered request: {:?}", receiver.posts());
    let (_, sends) = host.get("/api/jobs?kind=notifier.send").await;
    assert_eq!(sends["jobs"].as_array().unwrap().len(), 0, "{sends}");

    // 2. Left pending past a short grace period: one post per target, with the link to the chat.
    set_settings(host, json!({"grace_ms": 500})).await;
    let turn = host.send(&session, "run it again scenario:approval").await;
    let pending = next_approval(&mut ws).await;
    let pending_id = pending["id"].as_str().unwrap().to_string();
    let posts = eventually("both targets are posted to", async || {
        let posts = receiver.posts();
        (posts.len() >= 2).then_some(posts)
    })
    .await;
    let hook = posts.iter().find(|p| p.path == "/hook").expect("the webhook got it");
    let body = hook.json();
    assert_eq!(body["kind"], "approval_pending", "{body}");
    assert_eq!(body["sessionId"], session.as_str(), "{body}");
    assert_eq!(body["url"], format!("http://127.0.0.1:8787/chats/{session}").as_str(), "{body}");
    assert!(body["title"].as_str().unwrap().contains("needs your approval"), "{body}");
    assert!(body["message"].as_str().unwrap().contains("echo approved-output"), "{body}");
    assert_eq!(hook.header("content-type"), Some("application/json"));
    let ntfy = posts.iter().find(|p| p.path == "/ntfy-topic").expect("ntfy got it");
    assert_eq!(ntfy.header("click"), Some(format!("http://127.0.0.1:8787/chats/{session}").as_str()));
    assert!(ntfy.header("title").unwrap().contains("needs your approval"), "{ntfy:?}");
    assert_eq!(ntfy.body, body["message"].as_str().unwrap());

    // Answering now ends the turn; the request was notified once, and never again.
    respond(host, &session, &pending_id, "decline").await;
    until(&mut ws, is_turn_end(&turn)).await;
    let jobs = finished_jobs(host, "notifier.pending", 2).await;
    assert_eq!(pending_job_for(&jobs, &pending_id)["result"]["outcome"], "notified");
    let sends = finished_jobs(host, "notifier.send", 2).await;
    assert_eq!(sends.len(), 2, "one send per target: {sends:#?}");
    assert!(sends.iter().all(|j| j["state"] == "succeeded"), "{sends:#?}");
    assert_eq!(receiver.posts().len(), 2, "{:?}", receiver.posts());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_turns_routine_runs_and_unanswered_questions_are_posted_with_the_chat_link() {
    let receiver = Receiver::start().await;
    let env = Env::start("notifier-failed").await;
    let host = env.host();
    install_notifier(host).await;
    set_settings(host, json!({"web_url": "http://ui.test:8787", "webhook": {"url": receiver.url("/hook")}})).await;
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;

    // A turn that completes says nothing.
    let fine = host.send(&session, "hello").await;
    until(&mut ws, is_turn_end(&fine)).await;
    let broken = host.send(&session, "break scenario:fail").await;
    let events = until(&mut ws, is_turn_end(&broken)).await;
    assert_eq!(events.last().unwrap()["data"]["turn"]["status"], "failed", "{:?}", events.last());

    let post = eventually("the failed turn is posted", async || receiver.posts().into_iter().next()).await;
    let body = post.json();
    assert_eq!(post.path, "/hook");
    assert_eq!(body["kind"], "turn_failed", "{body}");
    assert_eq!(body["sessionId"], session.as_str());
    assert_eq!(body["url"], format!("http://ui.test:8787/chats/{session}").as_str());
    let sends = finished_jobs(host, "notifier.send", 1).await;
    assert_eq!(sends.len(), 1, "only the failed turn: {sends:#?}");
    assert_eq!(receiver.posts().len(), 1, "{:?}", receiver.posts());

    // A routine's run is reported when its turn ends.
    let (s, created) = host.post("/api/routines", json!({"name": "nightly", "prompt": "hello from a routine", "sessionId": session})).await;
    assert_eq!(s, 201, "{created}");
    let routine = created["routine"]["id"].as_str().unwrap().to_string();
    let (s, run) = host.post(&format!("/api/routines/{routine}/run"), json!({})).await;
    assert_eq!(s, 202, "{run}");
    let post = eventually("the routine run is posted", async || receiver.posts().get(1).cloned()).await;
    let body = post.json();
    assert_eq!(body["kind"], "routine_succeeded", "{body}");
    assert_eq!(body["sessionId"], session.as_str());
    assert!(body["message"].as_str().unwrap().contains(&routine), "{body}");
    finished_jobs(host, "notifier.send", 2).await;
    assert_eq!(receiver.posts().len(), 2, "one post for the run: {:?}", receiver.posts());

    // A question (tool input in plan mode) nobody answers within the grace period.
    set_settings(host, json!({"grace_ms": 500})).await;
    let (s, accepted) = host
        .post(&format!("/api/sessions/{session}/messages"), json!({"text": "ask me scenario:user_input", "mode": "plan"}))
        .await;
    assert_eq!(s, 202, "{accepted}");
    let turn = accepted["turnId"].as_str().unwrap().to_string();
    let question = until(&mut ws, |e| e["type"] == "tool_input.requested").await.pop().unwrap()["data"].clone();
    let post = eventually("the question is posted", async || receiver.posts().get(2).cloned()).await;
    let body = post.json();
    assert_eq!(body["kind"], "question_pending", "{body}");
    assert!(body["title"].as_str().unwrap().contains("has a question for you"), "{body}");
    assert!(body["message"].as_str().unwrap().contains("Pick a color"), "{body}");
    let resp = host
        .http
        .post(format!("{}/api/sessions/{session}/requests/{}/response", host.url, question["id"].as_str().unwrap()))
        .bearer_auth(&host.token)
        .json(&json!({"answers": {"color": "Blue"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(decode(resp).await.0, 200);
    until(&mut ws, is_turn_end(&turn)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_the_supervisor_answers_within_the_grace_period_posts_nothing() {
    let receiver = Receiver::start().await;
    let env = Env::start("notifier-supervised").await;
    let host = env.host();
    install_notifier(host).await;
    set_settings(host, json!({"grace_ms": 3000, "webhook": {"url": receiver.url("/hook")}})).await;
    let caps = ["log", "session-settings", "sessions-read", "requests", "jobs", "workers", "turns"];
    let (s, b) = install_plugin(host, "approval-supervisor", &caps).await;
    assert_eq!(s, 201, "{b}");
    let session = env.new_session().await;
    let rules = json!({"enabled": true, "rules": [{"command": "echo *", "decision": "accept"}]});
    let (s, b) = host.put(&format!("/api/sessions/{session}/settings/approval-supervisor"), rules).await;
    assert!(s == 200 || s == 201, "{b}");
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;

    let turn = host.send(&session, "run it scenario:approval").await;
    let seen = until(&mut ws, is_turn_end(&turn)).await;
    let resolved = seen.iter().find(|e| e["type"] == "approval.resolved").expect("the supervisor decided");
    assert_eq!(resolved["data"]["decidedBy"], "plugin:approval-supervisor", "{resolved}");
    let request = resolved["data"]["id"].as_str().unwrap();
    let jobs = finished_jobs(host, "notifier.pending", 1).await;
    assert_eq!(pending_job_for(&jobs, request)["result"]["outcome"], "answered", "{jobs:#?}");
    let (_, sends) = host.get("/api/jobs?kind=notifier.send").await;
    assert_eq!(sends["jobs"].as_array().unwrap().len(), 0, "{sends}");
    assert!(receiver.posts().is_empty(), "{:?}", receiver.posts());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_routine_run_queued_as_a_follow_up_is_posted_when_its_turn_ends_to_a_slack_compatible_webhook() {
    let receiver = Receiver::start().await;
    let env = Env::start("notifier-followup").await;
    let host = env.host();
    install_notifier(host).await;
    set_settings(host, json!({"web_url": "http://ui.test:8787", "on_turn_failed": false, "slack": {"url": receiver.url("/slack/T0/B0/x")}})).await;
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;

    // The chat is busy: the routine's prompt waits in its follow-up queue.
    let busy = host.send(&session, "busy scenario:sleep=2500").await;
    let (s, created) = host.post("/api/routines", json!({"name": "queued", "prompt": "routine turn scenario:fail", "sessionId": session})).await;
    assert_eq!(s, 201, "{created}");
    let routine = created["routine"]["id"].as_str().unwrap().to_string();
    let (s, run) = host.post(&format!("/api/routines/{routine}/run"), json!({})).await;
    assert_eq!(s, 202, "{run}");
    let (_, job) = host.get(&format!("/api/jobs/{}?wait=30s", run["jobId"].as_str().unwrap())).await;
    assert!(job["result"]["followupId"].is_string(), "queued as a follow-up: {job}");
    until(&mut ws, is_turn_end(&busy)).await;
    let started = until(&mut ws, |e| e["type"] == "followup.started").await.pop().unwrap();
    let turn = started["data"]["turnId"].as_str().unwrap().to_string();
    let end = until(&mut ws, is_turn_end(&turn)).await.pop().unwrap();
    assert_eq!(end["data"]["turn"]["status"], "failed", "{end}");

    // One post, to the Slack-compatible webhook: `{"text"}` only, with the routine, the outcome and the chat's link.
    let post = eventually("the routine run is posted", async || receiver.posts().into_iter().next()).await;
    assert_eq!(post.path, "/slack/T0/B0/x");
    assert_eq!(post.header("content-type"), Some("application/json"), "{post:?}");
    let body = post.json();
    let text = body["text"].as_str().unwrap_or_else(|| panic!("a Slack body is {{\"text\"}}: {body}"));
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    assert!(text.starts_with("*Codex: routine run failed"), "{text}");
    assert!(text.contains(&format!("Routine {routine}: Its turn ended failed")), "{text}");
    assert!(text.contains(&format!("http://ui.test:8787/chats/{session}")), "{text}");
    let runs = host.get(&format!("/api/routines/{routine}/runs")).await.1;
    assert_eq!(runs["runs"][0]["turnId"], turn.as_str(), "{runs}");
    finished_jobs(host, "notifier.send", 1).await;
    assert_eq!(receiver.posts().len(), 1, "one post for the run: {:?}", receiver.posts());
}
