//! Operating the host from the CLI (issue 14): `doctor` against a running host and against a port something else
//! holds, a fuller `status`, `logs` (the tail, and `--follow` across a rotation), and `events` for people (folded
//! deltas, `--exclude` by type family) next to `--json`.

mod support;

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use support::*;
use tokio::io::AsyncReadExt;

/// A client command with a data dir of its own (`doctor` and `logs` read it).
async fn cli_in(host: &Host, data_dir: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--data-dir", data_dir.to_str().unwrap()];
    all.extend_from_slice(args);
    host.cli(&all).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_checks_a_running_host_and_names_the_fix_for_a_taken_port() {
    let env = Env::start("doctor").await;
    let host = env.host();
    let data = env.data_dir();
    // Once the host read its codex's schema: only then does it tell a same-schema release from an untested one.
    eventually("the codex schema read", async || (host.get("/api/ready").await.1["protocol"]["checked"] == true).then_some(())).await;
    let (code, out, err) = cli_in(host, &data, &["--json", "doctor"]).await;
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
    let level = |name: &str| report["checks"].as_array().unwrap().iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("{name}: {report}"))["level"].clone();
    assert_eq!(level("host"), "ok", "{report}");
    // The codex check is the host's own view when it runs: the pinned release here.
    let (_, ready) = host.get("/api/ready").await;
    let expected = match ready["codex"]["support"].as_str() {
        Some("tested") => "ok",
        Some("compatible") if !ready["codex"]["sameSchemaAs"].is_null() => "ok",
        Some("incompatible") => "fail",
        _ => "warn",
    };
    assert_eq!(level("codex"), expected, "{report}\n{ready}");
    assert_eq!(level("data dir"), if std::fs::metadata(&data).map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o077 == 0).unwrap() { "ok" } else { "warn" });
    // The bundled plugins the data dir's first start installed are listed and enabled.
    assert_eq!(level("plugins"), "ok", "{report}");
    for name in ["bubblewrap", "user namespaces", "web build"] {
        assert!(level(name).is_string(), "{name}: {report}");
    }
    // No check fails, unless the codex the suite runs on is outside the supported range (`CODEX_BIN`, a candidate
    // `scripts/codex-release.sh` checks): then the codex check, and only it, fails.
    let codex_fails = expected == "fail";
    assert_eq!((code, report["ok"].as_bool()), if codex_fails { (1, Some(false)) } else { (0, Some(true)) }, "{report}");
    let failed: Vec<&Value> = report["checks"].as_array().unwrap().iter().filter(|c| c["level"] == "fail").collect();
    assert_eq!(failed.len(), usize::from(codex_fails), "{report}");

    // Human: a table with the fix under each warning.
    let (_, out, _) = cli_in(host, &data, &["doctor"]).await;
    assert!(out.starts_with("CHECK") && out.contains("codex-manager") && out.contains(" ok, "), "{out}");

    // Something that is not codex-manager holds the port: a failure, exit 1, with the fix.
    let squatter = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", squatter.local_addr().unwrap());
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_codex-manager"))
        .args(["--url", &url, "--token", &host.token, "--data-dir", data.to_str().unwrap(), "--json", "doctor"])
        .output()
        .await
        .unwrap();
    let (code, out) = (run.status.code().unwrap_or(-1), String::from_utf8_lossy(&run.stdout).into_owned());
    let report: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{}", String::from_utf8_lossy(&run.stderr)));
    let port = report["checks"].as_array().unwrap().iter().find(|c| c["name"] == "host").unwrap().clone();
    assert_eq!((code, port["level"].as_str()), (1, Some("fail")), "{report}");
    assert!(port["fix"].as_str().unwrap().contains("--bind"), "{port}");
    drop(squatter);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_says_where_the_host_is_and_what_it_is_doing() {
    let env = Env::start("status14").await;
    let host = env.host();
    let session = env.new_session().await;
    let mut ws = host.stream(&format!("since={}&sessions={session}", host.latest_seq().await)).await;
    host.send(&session, "run it scenario:approval").await;
    until(&mut ws, |e| e["type"] == "approval.requested").await;
    let (code, out, err) = cli_in(host, &env.data_dir(), &["status"]).await;
    assert_eq!(code, 0, "{err}");
    let (_, health) = host.get("/api/health").await;
    assert!(out.contains(&format!("codex-manager {} at {}", health["version"].as_str().unwrap(), host.url)), "{out}");
    assert!(out.contains(&format!("data dir:    {}", env.data_dir().display())), "{out}");
    assert!(out.contains("store:       sqlite"), "{out}");
    assert!(out.contains("0 running, 1 waiting; 1 requests pending"), "{out}");
    assert!(out.contains("queue:       0 queued"), "{out}");
    let (_, ready) = host.get("/api/ready").await;
    let started = ready["host"]["startedAt"].as_str().expect("the host says when it started");
    assert!(out.contains(&format!("uptime:      up since {started}")), "{out}");
    assert_eq!(ready["host"]["dataDir"].as_str(), Some(env.data_dir().display().to_string().as_str()), "{ready}");
    assert_eq!(ready["host"]["store"], "sqlite", "{ready}");
    // `--json` stays the host's readiness, unchanged.
    let (_, out, _) = host.cli(&["--json", "status"]).await;
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(v["ready"].is_boolean() && v["codex"].is_object(), "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_prints_the_tail_and_follows_across_a_rotation() {
    let env = Env::start("logs14").await;
    let host = env.host();
    let (code, out, err) = cli_in(host, &env.data_dir(), &["logs", "-n", "3"]).await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 3, "{out}");
    let file = std::fs::read_to_string(env.data_dir().join("host.log")).unwrap();
    assert!(file.ends_with(&out), "the last lines of host.log: {out:?}");

    // --follow, on a log of its own so the rotation can be made here (the host rotates at 10 MiB).
    let dir = TempDir::new("logs-follow");
    let log = dir.path().join("host.log");
    std::fs::write(&log, "one\n").unwrap();
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_codex-manager"))
        .args(["--data-dir", dir.path().to_str().unwrap(), "logs", "--follow"])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = String::new();
    let mut read_until = async |want: &str, seen: &mut String| {
        let deadline = Instant::now() + WAIT;
        while !seen.contains(want) {
            assert!(Instant::now() < deadline, "waited for {want:?}; got {seen:?}");
            let mut buf = [0u8; 1024];
            if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(200), stdout.read(&mut buf)).await {
                seen.push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        }
    };
    read_until("one\n", &mut seen).await;
    let append = |s: &str| std::io::Write::write_all(&mut std::fs::OpenOptions::new().append(true).open(&log).unwrap(), s.as_bytes()).unwrap();
    append("two\n");
    read_until("two\n", &mut seen).await;
    append("three\n");
    std::fs::rename(&log, dir.path().join("host.log.1")).unwrap();
    std::fs::write(&log, "four\n").unwrap();
    read_until("four\n", &mut seen).await;
    assert_eq!(seen, "one\ntwo\nthree\nfour\n", "nothing lost or repeated across the rotation");
    child.kill().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_for_people_fold_deltas_and_exclude_by_family() {
    let env = Env::start("events14").await;
    let host = env.host();
    let session = env.new_session().await;
    let turn = host.send(&session, "hello").await;
    host.get(&format!("/api/sessions/{session}/turns/{turn}?wait=30s")).await;
    let (_, raw) = host.get(&format!("/api/events?sessions={session}&limit=500")).await;
    let types: Vec<&str> = raw["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(types.contains(&"item.delta"), "the turn streamed: {types:?}");

    let (code, out, err) = host.cli(&["events", "--session", &session[..13]]).await;
    assert_eq!(code, 0, "{err}");
    let head = out.lines().next().unwrap();
    assert!(head.starts_with("TIME") && head.contains("SEQ") && head.contains("TYPE") && head.contains("SESSION") && head.contains("SUMMARY"), "{out}");
    let deltas = types.iter().filter(|t| **t == "item.delta").count();
    let delta_lines: Vec<&str> = out.lines().filter(|l| l.contains("item.delta ")).collect();
    assert!(!delta_lines.is_empty() && delta_lines.len() < deltas.max(2), "a run of {deltas} deltas is folded: {out}");
    assert!(out.contains(&session[..13]) && !out.contains(&session), "the short id: {out}");

    // --exclude item.delta leaves out every delta family member, in people's output and in --json.
    let (_, out, _) = host.cli(&["events", "--session", &session, "--exclude", "item.delta"]).await;
    assert!(!out.lines().any(|l| l.contains("delta")), "{out}");
    let (_, out, _) = host.cli(&["--json", "events", "--session", &session, "--exclude", "item.delta"]).await;
    let v: Value = serde_json::from_str(&out).unwrap();
    let left: Vec<&str> = v["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert!(!left.is_empty() && left.iter().all(|t| !t.ends_with("delta")), "{left:?}");
    assert!(left.contains(&"turn.completed"), "{left:?}");

    // Live: the same lines, a run of deltas folded once it ends.
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_codex-manager"))
        .args(["--url", &host.url, "--token", &host.token, "events", "--follow", "--session", &session])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut seen = String::new();
    let deadline = Instant::now() + WAIT;
    let mut sent = false;
    while !seen.contains("turn.completed") {
        assert!(Instant::now() < deadline, "{seen}");
        let mut buf = [0u8; 4096];
        if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_millis(200), stdout.read(&mut buf)).await {
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        if !sent && seen.starts_with("TIME") {
            host.send(&session, "hello again").await;
            sent = true;
        }
    }
    child.kill().await.unwrap();
    // However the run was cut by pauses, every delta is counted once: the `×N` of the folded lines add up.
    let (_, turns) = host.get(&format!("/api/sessions/{session}/turns")).await;
    let second = turns["turns"][0]["id"].as_str().unwrap().to_string();
    let (_, raw) = host.get(&format!("/api/events?sessions={session}&types=item.delta&limit=500")).await;
    let deltas = raw["events"].as_array().unwrap().iter().filter(|e| e["turnId"] == second.as_str()).count();
    let folded: Vec<&str> = seen.lines().filter(|l| l.contains("item.delta ")).collect();
    let counted: usize = folded
        .iter()
        .map(|l| l.split('×').nth(1).and_then(|r| r.split_whitespace().next()).and_then(|n| n.parse().ok()).unwrap_or(1))
        .sum();
    assert_eq!(counted, deltas, "{seen}");
    assert!(folded.len() <= deltas && !folded.is_empty(), "{seen}");
}
