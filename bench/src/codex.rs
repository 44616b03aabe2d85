//! The real `codex app-server` under the host, against the project's fake model (`fake-model`, a Responses API
//! server on loopback): what a user's turn costs end to end, codex included. Codex is pointed at the fake the way
//! the end-to-end tests do it (`cli/tests/support/mod.rs`): `-c` overrides naming a `fake` model provider at the
//! fake's URL, a model catalog whose listed model is the fake, and `HOME` in a scratch dir so no user config leaks in.

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use codex_manager_fakes::model::{codex_overrides, write_model_catalog};
use serde_json::{json, Value};
use tokio::io::AsyncBufReadExt;
use tokio::process::{Child, Command};

use crate::client::{wait_frame, Api, Ws};
use crate::host::{Binaries, HostOptions, HostProcess, Scratch};
use crate::report::{ns_ms, Metric, Report, Unit};
use crate::stats::Summary;
use crate::Setup;

/// Longest wait for one real turn (codex, the fake model, and the sandboxed command of an approval).
const TURN_TIMEOUT: Duration = Duration::from_secs(60);

/// The fake model server process.
struct FakeModelProcess {
    _child: Child,
    base_url: String,
}

impl FakeModelProcess {
    async fn start(bin: &Path) -> anyhow::Result<Self> {
        let mut child = Command::new(bin)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", bin.display()))?;
        let mut lines = tokio::io::BufReader::new(child.stdout.take().context("fake-model stdout")?).lines();
        let line = tokio::time::timeout(Duration::from_secs(10), lines.next_line())
            .await
            .context("fake-model printed no address within 10 s")??
            .context("fake-model exited before printing its address")?;
        let base_url = line.strip_prefix("listening on ").context("fake-model's first line")?.trim().to_string();
        // Keep draining, so it never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        Ok(Self { _child: child, base_url })
    }
}

/// What the real-codex scenario measured.
#[derive(Debug, Default)]
struct CodexRun {
    ready: Vec<Duration>,
    /// POST `/messages` → `turn.completed` frame, short turns.
    turns: Vec<i64>,
    /// POST of the decision → the command item's `item.completed` frame.
    approval_item: Vec<i64>,
    /// POST of the decision → `turn.completed`.
    approval_turn: Vec<i64>,
    /// The decision's POST round trip.
    approval_post: Vec<i64>,
}

pub async fn run(setup: &Setup, bins: &Binaries) -> anyhow::Result<Report> {
    let mut report = Report::default();
    let Some(codex) = setup.codex.clone().filter(|c| c.is_file()) else {
        report.skipped.push(format!(
            "real codex: no codex binary ({}); pass --codex-bin PATH or run scripts/setup.sh --test",
            setup.codex.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "none found".into())
        ));
        return Ok(report);
    };
    if !setup.fake_model.is_file() {
        report.skipped.push(format!(
            "real codex: no fake-model binary at {} (cargo build --release -p codex-manager-fakes)",
            setup.fake_model.display()
        ));
        return Ok(report);
    }
    let scratch = Scratch::new("codex")?;
    let home = scratch.path.join("userhome");
    let catalog_home = scratch.path.join("catalog-home");
    std::fs::create_dir_all(&home)?;
    let catalog = scratch.path.join("catalog.json");
    write_model_catalog(&codex, &catalog_home, &catalog).context("writing the fake model's catalog")?;
    let model = FakeModelProcess::start(&setup.fake_model).await?;
    let opts = HostOptions {
        codex_bin: Some(codex.clone()),
        args: codex_overrides(&model.base_url, Some(&catalog)).into_iter().flat_map(|o| ["-c".to_string(), o]).collect(),
        env: vec![("HOME".into(), home.display().to_string())],
        seed: None,
    };
    let c = &setup.counts;
    let mut out = CodexRun::default();

    for _ in 0..c.codex_starts {
        let host = HostProcess::spawn_opts(bins, &opts).await?;
        let (ready, _) = host.wait_ready(&setup.http).await?;
        out.ready.push(ready);
        host.stop().await?;
    }

    let host = HostProcess::spawn_opts(bins, &opts).await?;
    host.wait_ready(&setup.http).await?;
    let api = Api::new(setup.http.clone(), &host);
    let session = api.create_session(host.work_dir()).await?;
    let mut ws = api.open_stream(api.last_seq().await?, &session).await?;
    // Warm-up: codex loads the thread, the model client connects.
    turn(&api, &mut ws, &session, "hello there").await?;
    for i in 0..c.codex_turns {
        let (took, status) = turn(&api, &mut ws, &session, &format!("short turn {i}")).await?;
        if status != "completed" {
            report.failures.push(format!("real codex: short turn {i} ended {status}"));
        }
        out.turns.push(took.as_nanos() as i64);
    }
    for i in 0..c.codex_approvals {
        approval(&api, &mut ws, &session, &mut out).await.with_context(|| format!("approval round {i}"))?;
    }
    drop(ws);
    host.stop().await?;
    drop(model);

    let r = &mut report;
    let ready = crate::stats::median(out.ready.clone());
    let version = codex_version(&codex);
    r.metrics.push(Metric::info(
        format!("6. real codex: spawn → `/api/ready` 200 (median of {} starts)", out.ready.len()),
        ready.as_secs_f64() * 1e3,
        Unit::Ms,
    ));
    let turns = Summary::of(&mut out.turns);
    let what = format!("6. real codex: POST message → `turn.completed` frame ({} short turns)", turns.n);
    r.metrics.push(Metric::info(format!("{what}: p50"), ns_ms(turns.p50), Unit::Ms));
    r.metrics.push(Metric::info(format!("{what}: p99"), ns_ms(turns.p99), Unit::Ms));
    let item = Summary::of(&mut out.approval_item);
    let what = format!("6. real codex: approval POSTed → the command's `item.completed` ({} rounds)", item.n);
    r.metrics.push(Metric::info(format!("{what}: p50"), ns_ms(item.p50), Unit::Ms));
    r.metrics.push(Metric::info(format!("{what}: max"), ns_ms(item.max), Unit::Ms));
    let whole = Summary::of(&mut out.approval_turn);
    let post = Summary::of(&mut out.approval_post);
    r.details.push(format!(
        "real codex ({version}, `{}`): start-ups {} ms; approval POST round trip p50 {:.3} ms, decision → `turn.completed` p50 {:.1} ms / max {:.1} ms; short turns max {:.1} ms",
        codex.display(),
        out.ready.iter().map(|d| format!("{:.1}", d.as_secs_f64() * 1e3)).collect::<Vec<_>>().join(", "),
        ns_ms(post.p50),
        ns_ms(whole.p50),
        ns_ms(whole.max),
        ns_ms(turns.max),
    ));
    Ok(report)
}

/// POST one message and wait for its `turn.completed`: the time and the turn's status.
async fn turn(api: &Api, ws: &mut Ws, session: &str, text: &str) -> anyhow::Result<(Duration, String)> {
    let started = Instant::now();
    let (posted, frame) = tokio::join!(api.send_message(session, text), wait_frame(ws, TURN_TIMEOUT, is_turn_end));
    posted?;
    let (frame, at) = frame.with_context(|| format!("turn `{text}`"))?;
    Ok((at - started, frame.pointer("/data/turn/status").and_then(Value::as_str).unwrap_or("?").to_string()))
}

fn is_turn_end(v: &Value) -> bool {
    v["type"] == "turn.completed"
}

/// A turn whose model asks to run a command that needs approval; the decision is POSTed as soon as the request
/// shows up on the stream.
async fn approval(api: &Api, ws: &mut Ws, session: &str, out: &mut CodexRun) -> anyhow::Result<()> {
    let (posted, requested) = tokio::join!(
        api.send_message(session, "run it scenario:approval"),
        wait_frame(ws, TURN_TIMEOUT, |v| v["type"] == "approval.requested")
    );
    posted?;
    let (requested, _) = requested?;
    let id = requested.pointer("/data/id").and_then(Value::as_str).context("approval.requested without an id")?;
    let path = format!("/api/sessions/{session}/requests/{id}/response");
    let started = Instant::now();
    let (post, _) = api.timed_post(&path, &json!({"decision": "accept"})).await?;
    let is_command_done =
        |v: &Value| v["type"] == "item.completed" && v.pointer("/data/item/type") == Some(&json!("commandExecution"));
    let (item, item_at) = wait_frame(ws, TURN_TIMEOUT, is_command_done).await?;
    if item.pointer("/data/item/status") != Some(&json!("completed")) {
        bail!("the approved command's item ended {:?}", item.pointer("/data/item/status"));
    }
    let (end, end_at) = wait_frame(ws, TURN_TIMEOUT, is_turn_end).await?;
    if end.pointer("/data/turn/status") != Some(&json!("completed")) {
        bail!("the approval turn ended {:?}", end.pointer("/data/turn/status"));
    }
    out.approval_post.push(post.as_nanos() as i64);
    out.approval_item.push((item_at - started).as_nanos() as i64);
    out.approval_turn.push((end_at - started).as_nanos() as i64);
    Ok(())
}

fn codex_version(codex: &Path) -> String {
    std::process::Command::new(codex)
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "unknown version".into())
}
