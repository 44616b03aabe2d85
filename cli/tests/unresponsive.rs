//! An app-server that stops answering (frozen with SIGSTOP, as a deadlock or a starved machine would leave it):
//! readiness says so with a reason, requests that need it fail at once with a stable code instead of hanging,
//! and everything recovers when it answers again.

mod support;

use std::time::Duration;

use serde_json::json;
use support::{code, decode, eventually, until, Env};

/// Continues the frozen process group however the test ends, so it never outlives the test stopped.
struct Frozen(i32);

impl Frozen {
    fn freeze(pid: i32) -> Self {
        // The app-server runs in its own process group (the codex launcher and the server under it): stop it all.
        assert_eq!(unsafe { libc::kill(-pid, libc::SIGSTOP) }, 0, "SIGSTOP the app-server group");
        Self(pid)
    }

    fn thaw(&self) {
        unsafe { libc::kill(-self.0, libc::SIGCONT) };
    }
}

impl Drop for Frozen {
    fn drop(&mut self) {
        self.thaw();
    }
}

#[tokio::test]
async fn a_frozen_app_server_makes_the_host_not_ready_and_requests_fail_fast_then_it_recovers() {
    let env = Env::start_with(
        "unresponsive",
        &[("CODEX_MANAGER_PROBE_INTERVAL_MS", "200"), ("CODEX_MANAGER_PROBE_TIMEOUT_MS", "1500")],
    )
    .await;
    let host = env.host();
    let runtime = host.runtime().await;
    assert_eq!(runtime["status"], "ready");
    let pid = runtime["pid"].as_i64().expect("the app-server pid in /api/ready") as i32;
    let generation = runtime["generation"].clone();
    let mut ws = host.stream(&format!("since={}", host.latest_seq().await)).await;

    let frozen = Frozen::freeze(pid);
    let body = eventually("/api/ready to notice the frozen app-server", async || {
        let (status, body) = host.get("/api/ready").await;
        (status == 503 && body["runtime"]["status"] == "unresponsive").then_some(body)
    })
    .await;
    assert_eq!(body["ready"], false);
    let reason = body["reason"].as_str().expect("a reason when not ready");
    assert!(reason.contains("unresponsive") && reason.contains("did not answer"), "reason: {reason}");
    assert_eq!(body["runtime"]["pid"], pid, "the same process: it is not restarted");
    let events = until(&mut ws, |e| e["type"] == "runtime.unresponsive").await;
    let event = &events.last().unwrap()["data"];
    assert_eq!((&event["generation"], event["pid"].as_i64()), (&generation, Some(pid as i64)));
    assert!(event["reason"].as_str().is_some_and(|r| r.contains("did not answer")), "{event}");

    // thread/start would wait its 30 s timeout on a process that never answers; it is refused at once instead. A
    // client deadline well under that timeout holds the host to it.
    let quick = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    let resp = quick
        .post(format!("{}/api/sessions", host.url))
        .bearer_auth(&host.token)
        .json(&json!({"cwd": env.work_dir()}))
        .send()
        .await
        .expect("an answer well before the method's timeout");
    let (status, body) = decode(resp).await;
    assert_eq!((status, code(&body)), (503, "runtime_unresponsive"), "{body}");
    let (status, _) = host.get("/api/health").await;
    assert_eq!(status, 200, "the host itself stays alive");

    frozen.thaw();
    eventually("ready again once app-server answers", async || {
        let (status, body) = host.get("/api/ready").await;
        (status == 200).then_some(body)
    })
    .await;
    until(&mut ws, |e| e["type"] == "runtime.responsive" && e["data"]["generation"] == generation).await;
    let runtime = host.runtime().await;
    assert_eq!((runtime["pid"].as_i64(), &runtime["generation"]), (Some(pid as i64), &generation), "recovered, not restarted");
    assert!(runtime["lastError"].is_null(), "the reason is cleared: {runtime}");
    env.new_session().await;
}
