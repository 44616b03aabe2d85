//! The CLI's commands end to end against a real host (real app-server, fake model): the thread operations and turn
//! records, the job wait, the raw `api` escape hatch, exit codes by error family, JSON errors, profiles and shell
//! completions. Commands are run as a user would, as a separate process.

mod support;

use serde_json::{json, Value};
use support::*;

const GHOST: &str = "00000000-0000-0000-0000-000000000000";

/// `cli` with `--json`, the answer parsed (stdout on success, the error envelope on stderr otherwise).
async fn cli_json(host: &Host, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let (code, out, err) = host.cli(&all).await;
    let text = if code == 0 { &out } else { &err };
    let value = serde_json::from_str(text.trim()).unwrap_or_else(|e| panic!("`{}` did not print JSON ({e}): {out}\n{err}", args.join(" ")));
    (code, value)
}

/// The CLI with no flags from the harness: only this environment.
async fn cli_env(args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_codex-manager"))
        .args(args)
        .env_remove("CODEX_MANAGER_URL")
        .env_remove("CODEX_MANAGER_TOKEN")
        .env_remove("CODEX_MANAGER_PROFILE")
        .envs(env.iter().copied())
        .output()
        .await
        .expect("the CLI runs");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thread_operations_and_turn_records_from_the_cli() {
    let env = Env::start("cli-threadops").await;
    let host = env.host();
    let work = env.work_dir();
    let (code, session) = cli_json(host, &["sessions", "create", "--cwd", &work, "--title", "cli ops"]).await;
    assert_eq!(code, 0, "{session}");
    let sid = session["id"].as_str().unwrap().to_string();

    // `sessions turn --wait` reads the host's turn record (its `?wait=`), and prints the final text.
    let first = host.send(&sid, "one scenario:deltas=2").await;
    let (code, out, err) = host.cli(&["sessions", "turn", &sid, &first, "--wait"]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("completed") && out.contains(&first), "{out}");
    let (code, record) = cli_json(host, &["sessions", "turn", &sid, &first]).await;
    assert_eq!((code, record["status"].as_str()), (0, Some("completed")), "{record}");
    let second = host.send(&sid, "two scenario:deltas=2").await;
    assert_eq!(host.cli(&["sessions", "turn", &sid, &second, "--wait"]).await.0, 0);

    let (code, out, _) = host.cli(&["sessions", "turns", &sid]).await;
    assert_eq!(code, 0);
    let header = out.lines().next().unwrap_or_default();
    assert!(header.starts_with("TURN") && header.contains("STATUS"), "a header row: {out}");
    assert!(out.contains(&first) && out.contains(&second), "{out}");
    assert!(!out.contains('\x1b'), "no colour when stdout is not a terminal: {out:?}");

    // A failed turn: `--wait` exits 7, and under --json the error carries the record.
    let failing = host.send(&sid, "break scenario:fail").await;
    let (code, err) = cli_json(host, &["sessions", "turn", &sid, &failing, "--wait"]).await;
    assert_eq!(code, 7, "{err}");
    assert_eq!(err["error"]["code"], "turn_failed", "{err}");
    assert_eq!(err["error"]["details"]["id"].as_str(), Some(failing.as_str()), "{err}");
    assert_ne!(err["error"]["details"]["status"], "completed");

    let (code, fork) = cli_json(host, &["sessions", "fork", &sid]).await;
    assert_eq!(code, 0, "{fork}");
    assert_eq!(fork["forkedFrom"].as_str(), Some(sid.as_str()), "{fork}");
    assert_ne!(fork["id"], session["id"]);

    let (code, out, err) = host.cli(&["sessions", "revert", &sid, "--before", &second]).await;
    assert_eq!(code, 0, "{out}{err}");
    let (_, t) = host.get(&format!("/api/sessions/{sid}/transcript")).await;
    assert_eq!(t["turns"].as_array().unwrap().len(), 1, "history cut back to before the second turn: {t}");
    let (code, out, err) = host.cli(&["sessions", "shell", &sid, "echo from-the-cli-shell"]).await;
    assert_eq!(code, 0, "{out}{err}");
    for op in [vec!["sessions", "compact", &sid], vec!["sessions", "clean-terminals", &sid], vec!["sessions", "review", &sid]] {
        let (code, out, err) = host.cli(&op).await;
        assert_eq!(code, 0, "{op:?}: {out}{err}");
    }
    // What the commands did is what the host recorded, in order.
    let (_, page) = host.get(&format!("/api/events?since=0&sessions={sid}&types=session.reverted,session.shell_command_started,session.compaction_started,session.background_terminals_cleaned,session.review_started")).await;
    let kinds: Vec<&str> = page["events"].as_array().unwrap().iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["session.reverted", "session.shell_command_started", "session.compaction_started", "session.background_terminals_cleaned", "session.review_started"]
    );
    let (code, out, _) = host.cli(&["sessions", "review", &sid, "--branch", "main", "--commit", "abc"]).await;
    assert_eq!(code, 2, "conflicting targets are a usage error: {out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_codes_json_errors_raw_api_profiles_and_completions() {
    let env = Env::start("cli-exits").await;
    let host = env.host();

    // Not found (3), by the envelope's code; --json makes the error the envelope itself, on stderr.
    let (code, _, err) = host.cli(&["sessions", "show", GHOST]).await;
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("session_not_found"), "{err}");
    let (code, err) = cli_json(host, &["jobs", "get", GHOST]).await;
    assert_eq!((code, err["error"]["code"].as_str()), (3, Some("job_not_found")), "{err}");
    // Conflict (4): no turn to interrupt.
    let session = env.new_session().await;
    let (code, err) = cli_json(host, &["interrupt", &session]).await;
    assert_eq!((code, err["error"]["code"].as_str()), (4, Some("no_active_turn")), "{err}");
    // Usage (2): clap's errors and the CLI's own checks, JSON under --json.
    let (code, _, err) = host.cli(&["sessions", "frobnicate"]).await;
    assert_eq!(code, 2, "{err}");
    let (code, err) = cli_json(host, &["jobs", "list", "--state", "bogus"]).await;
    assert_eq!((code, err["error"]["code"].as_str()), (2, Some("usage")), "{err}");
    let (code, err) = cli_json(host, &["jobs", "enqueue", "x", "--payload", "{not json"]).await;
    assert_eq!((code, err["error"]["code"].as_str()), (2, Some("usage")), "{err}");
    // Invalid input the host catches is an API error (1), not a usage error.
    let (code, err) = cli_json(host, &["settings", "set", &session, "bad key!", "1"]).await;
    assert_eq!((code, err["error"]["code"].as_str()), (1, Some("invalid_setting_key")), "{err}");
    // Auth (5) and unreachable (6).
    let (code, _, err) = cli_env(&["--url", &host.url, "--token", "wrong", "sessions", "list"], &[]).await;
    assert_eq!(code, 5, "{err}");
    let (code, _, err) = cli_env(&["--json", "--url", "http://127.0.0.1:9", "--token", "t", "health"], &[]).await;
    assert_eq!(code, 6, "{err}");
    let err: Value = serde_json::from_str(err.trim()).unwrap();
    assert_eq!(err["error"]["code"], "host_unreachable");

    // The raw escape hatch: any route, the host's JSON as sent, the same exit codes.
    let (code, health, err) = host.cli(&["--json", "api", "GET", "/api/health"]).await;
    assert_eq!(code, 0, "{err}");
    let health: Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["status"], "ok");
    let work = env.work_dir();
    let data = json!({"name": "raw", "cwd": work}).to_string();
    let (code, project) = cli_json(host, &["api", "POST", "/api/projects", "--data", &data]).await;
    assert_eq!(code, 0, "{project}");
    let (_, fetched) = host.get(&format!("/api/projects/{}", project["id"].as_str().unwrap())).await;
    assert_eq!(fetched["name"], "raw");
    let (code, listed) = cli_json(host, &["api", "get", "/api/projects?x=1"]).await;
    assert_eq!((code, listed.as_array().map(Vec::len)), (0, Some(1)), "{listed}");
    let (code, _, err) = host.cli(&["api", "GET", "/api/nothing-here"]).await;
    assert_eq!(code, 3, "{err}");
    let (code, _, err) = host.cli(&["api", "POST", "/api/projects", "--data", "{oops"]).await;
    assert_eq!(code, 2, "{err}");
    let (code, ops) = cli_json(host, &["api", "--list"]).await;
    assert_eq!(code, 0);
    assert!(ops.as_array().unwrap().iter().any(|o| o["id"] == "sessions.fork" && o["path"] == "/api/sessions/{id}/fork"), "{ops}");

    // Profiles: the file names the host; a flag or environment variable still wins.
    let profiles = env.dir.path().join("profiles.toml");
    std::fs::write(
        &profiles,
        format!("default = \"dead\"\n[profiles.here]\nurl = \"{}\"\ntoken = \"{}\"\n[profiles.dead]\nurl = \"http://127.0.0.1:9\"\ntoken = \"x\"\n", host.url, host.token),
    )
    .unwrap();
    let p = profiles.to_str().unwrap();
    let (code, out, err) = cli_env(&["--profile", "here", "health"], &[("CODEX_MANAGER_PROFILES", p)]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.starts_with("ok"), "{out}");
    let (code, _, err) = cli_env(&["health"], &[("CODEX_MANAGER_PROFILES", p)]).await;
    assert_eq!(code, 6, "the file's default profile is used: {err}");
    let (code, _, err) = cli_env(&["health"], &[("CODEX_MANAGER_PROFILES", p), ("CODEX_MANAGER_PROFILE", "here")]).await;
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = cli_env(&["--profile", "here", "health"], &[("CODEX_MANAGER_PROFILES", p), ("CODEX_MANAGER_URL", "http://127.0.0.1:9")]).await;
    assert_eq!(code, 6, "the environment wins over the profile: {err}");
    let (code, _, err) = cli_env(&["--profile", "nope", "health"], &[("CODEX_MANAGER_PROFILES", p)]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("here") && err.contains("dead"), "names the profiles there are: {err}");

    // Completions for each shell, naming the commands.
    for (shell, marker) in [("bash", "complete -F _codex__manager"), ("zsh", "#compdef codex-manager"), ("fish", "complete -c codex-manager")] {
        let (code, out, err) = cli_env(&["completions", shell], &[]).await;
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(marker) && out.contains("clean-terminals") && out.contains("collaboration-modes"), "{shell}: {}", &out[..out.len().min(300)]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_wait_reads_the_job_to_its_end() {
    let env = Env::start("cli-jobs").await;
    let host = env.host();
    let grant = ["log", "kv", "sessions-read", "jobs", "workers", "notes"];
    assert_eq!(install_plugin(host, "well-behaved", &grant).await.0, 201);

    let (code, job) = cli_json(host, &["jobs", "enqueue", "test.echo", "--payload", r#"{"hello":"cli"}"#]).await;
    assert_eq!(code, 0, "{job}");
    let id = job["id"].as_str().unwrap().to_string();
    let (code, out, err) = host.cli(&["jobs", "wait", &id]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("succeeded") && out.contains("STATE"), "{out}");
    let (_, held) = host.get(&format!("/api/jobs/{id}")).await;
    assert_eq!(held["state"], "succeeded", "the CLI's answer is the host's: {held}");

    let (code, done) = cli_json(host, &["jobs", "enqueue", "test.echo", "--wait"]).await;
    assert_eq!((code, done["state"].as_str()), (0, Some("succeeded")), "{done}");

    // A job that will not run for ten minutes: a bounded wait gives up (7), a canceled one ends badly (7).
    let (code, later) = cli_json(host, &["jobs", "enqueue", "test.echo", "--delay-ms", "600000"]).await;
    assert_eq!(code, 0, "{later}");
    let later = later["id"].as_str().unwrap().to_string();
    let (code, err) = cli_json(host, &["jobs", "wait", &later, "--timeout", "1"]).await;
    assert_eq!((code, err["error"]["code"].as_str()), (7, Some("wait_timeout")), "{err}");
    assert_eq!(host.cli(&["jobs", "cancel", &later]).await.0, 0);
    let (code, err) = cli_json(host, &["jobs", "wait", &later]).await;
    assert_eq!((code, err["error"]["code"].as_str(), err["error"]["details"]["state"].as_str()), (7, Some("job_failed"), Some("canceled")), "{err}");
}
