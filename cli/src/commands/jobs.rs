//! `codex-manager jobs ...`: the durable queue — list, get, enqueue, cancel, retry, wait, kinds, stats.

use std::time::{Duration, Instant};

use clap::Subcommand;
use codex_manager_host::services::{Job, JobKinds, JobPage, QueueStats, MAX_WAIT};
use codex_manager_host::store::JobState;
use serde_json::json;

use super::{compact, json_arg, one_line};
use crate::api::ops;
use crate::client::{Client, Reply};
use crate::exit::Failed;
use crate::output::{ago, opt, wire, Output};

#[derive(Subcommand)]
pub enum JobsCommand {
    /// Jobs, newest first.
    List {
        /// queued | running | succeeded | failed | canceled
        #[arg(long, value_parser = parse_state)]
        state: Option<JobState>,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long, allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
        session: Option<String>,
        #[arg(long)]
        project: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        #[arg(long)]
        cursor: Option<String>,
    },
    /// One job, with its history.
    #[command(visible_alias = "show")]
    Get { id: String },
    /// Enqueue a job of a kind a plugin declares (see `jobs kinds`).
    Enqueue {
        kind: String,
        /// The payload, as JSON (default `{}`).
        #[arg(long)]
        payload: Option<String>,
        #[arg(long, allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
        session: Option<String>,
        #[arg(long)]
        project: Option<String>,
        /// While a job of this kind with this key is queued or running, return it instead of a new one.
        #[arg(long)]
        dedupe_key: Option<String>,
        /// Lower runs first (default 100).
        #[arg(long)]
        priority: Option<i32>,
        /// Run no earlier than this many milliseconds from now.
        #[arg(long)]
        delay_ms: Option<u64>,
        /// Wait for the job to finish (as `jobs wait`).
        #[arg(long)]
        wait: bool,
    },
    /// Cancel a job; prints its final state once it has stopped.
    Cancel { id: String },
    /// Queue a failed or canceled job again.
    Retry { id: String },
    /// Wait until a job is finished; exit 0 if it succeeded, 7 if it failed or was canceled.
    Wait {
        id: String,
        /// Give up after this many seconds (exit 7); default: wait as long as it takes.
        #[arg(long)]
        timeout: Option<u64>,
    },
    /// The job kinds enabled plugins run.
    Kinds,
    /// Queue depth.
    Stats,
}

fn parse_state(s: &str) -> Result<JobState, String> {
    JobState::parse(s).ok_or_else(|| format!("not a job state: {s} (queued, running, succeeded, failed, canceled)"))
}

fn table(out: &Output, jobs: &[Job]) -> String {
    let rows = jobs
        .iter()
        .map(|j| {
            // A job waiting out a usage limit or a budget says so (and until when) where an error would be.
            let error = match &j.waiting {
                Some(w) => format!("waiting ({}) until {}", w.kind, w.resets_at.as_deref().unwrap_or("-")),
                None => j.error.as_ref().map(|e| format!("{}: {}", wire(&e.kind), e.message)).unwrap_or_default(),
            };
            vec![
                j.id.clone(),
                out.state(&j.state.to_string()),
                j.kind.clone(),
                format!("{}/{}", j.attempt, j.max_attempts),
                ago(&j.created_at),
                one_line(&error, 60),
            ]
        })
        .collect();
    out.table(&["ID", "STATE", "KIND", "ATTEMPT", "CREATED", "ERROR"], rows)
}

fn show(out: &Output, j: &Job) -> String {
    let mut s = table(out, std::slice::from_ref(j));
    if let Some(session) = &j.session_id {
        s.push_str(&format!("\nsession: {session}"));
    }
    if let Some(w) = &j.waiting {
        s.push_str(&format!("\nwaiting: {} (until {})", w.reason, w.resets_at.as_deref().unwrap_or("-")));
    }
    if let Some(result) = j.result.as_ref().filter(|r| !r.is_null()) {
        s.push_str(&format!("\nresult: {result}"));
    }
    for h in j.history.iter().flatten() {
        s.push_str(&format!(
            "\n  {}  {} → {}  (attempt {})  {}",
            h.at,
            opt(&h.from_state),
            h.to_state,
            h.attempt,
            h.detail.as_deref().unwrap_or("")
        ));
    }
    s
}

pub async fn run(cmd: JobsCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    match cmd {
        JobsCommand::List { state, kind, session, project, limit, cursor } => {
            let session = crate::resolve::session_opt(client, session).await?;
            let reply = client
                .call(&ops::JOBS_LIST, &[])
                .query("limit", limit)
                .query_opt("state", state)
                .query_opt("kind", kind)
                .query_opt("sessionId", session)
                .query_opt("projectId", project)
                .query_opt("cursor", cursor)
                .send()
                .await?;
            out.reply(&reply, |page: &JobPage| {
                let mut t = table(out, &page.jobs);
                if let Some(next) = &page.next_cursor {
                    t.push_str(&out.dim(&format!("\nmore: --cursor {next}")));
                }
                t
            })
        }
        JobsCommand::Get { id } => out.reply(&client.call(&ops::JOBS_GET, &[&id]).send().await?, |j: &Job| show(out, j)),
        JobsCommand::Enqueue { kind, payload, session, project, dedupe_key, priority, delay_ms, wait } => {
            let session = crate::resolve::session_opt(client, session).await?;
            let payload = payload.map(|p| json_arg(&p, "--payload")).transpose()?;
            let body = compact(json!({
                "kind": kind, "payload": payload, "sessionId": session, "projectId": project,
                "dedupeKey": dedupe_key, "priority": priority, "delayMs": delay_ms,
            }));
            let reply = client.call(&ops::JOBS_ENQUEUE, &[]).labelled_cli().json(&body).send().await?;
            if !wait {
                return out.reply(&reply, |j: &Job| table(out, std::slice::from_ref(j)));
            }
            let job: Job = reply.decode()?;
            finish(client, out, &job.id, None).await
        }
        JobsCommand::Cancel { id } => out.reply(&client.call(&ops::JOBS_CANCEL, &[&id]).labelled_cli().send().await?, |j: &Job| show(out, j)),
        JobsCommand::Retry { id } => {
            out.reply(&client.call(&ops::JOBS_RETRY, &[&id]).labelled_cli().send().await?, |j: &Job| table(out, std::slice::from_ref(j)))
        }
        JobsCommand::Wait { id, timeout } => finish(client, out, &id, timeout.map(Duration::from_secs)).await,
        JobsCommand::Kinds => {
            let reply = client.call(&ops::JOBS_KINDS, &[]).send().await?;
            out.reply(&reply, |kinds: &JobKinds| {
                let rows = kinds
                    .kinds
                    .iter()
                    .map(|k| {
                        vec![
                            k.kind.clone(),
                            k.plugin_id.clone(),
                            k.concurrency.to_string(),
                            format!("{} ms", k.timeout_ms),
                            k.max_attempts.to_string(),
                            one_line(&k.description, 60),
                        ]
                    })
                    .collect();
                out.table(&["KIND", "PLUGIN", "CONCURRENCY", "TIMEOUT", "ATTEMPTS", "DESCRIPTION"], rows)
            })
        }
        JobsCommand::Stats => {
            let reply = client.call(&ops::JOBS_STATS, &[]).send().await?;
            out.reply(&reply, |q: &QueueStats| {
                format!("queued {}  running {}  oldest queued {} ms  capacity {}", q.queued, q.running, q.oldest_queued_age_ms, q.capacity)
            })
        }
    }
}

/// Wait for the job's end, then print it; exit 7 unless it succeeded.
async fn finish(client: &Client, out: &Output, id: &str, timeout: Option<Duration>) -> anyhow::Result<()> {
    let reply = wait_job(client, id, timeout).await?;
    out.reply(&reply, |j: &Job| show(out, j))?;
    let job: Job = reply.decode()?;
    match job.state {
        JobState::Succeeded => Ok(()),
        state if state.is_final() => Err(Failed { code: "job_failed", message: format!("job {id} ended {state}"), details: reply.value()? }.into()),
        state => Err(Failed { code: "wait_timeout", message: format!("job {id} is still {state} after the --timeout"), details: reply.value()? }.into()),
    }
}

/// The job as the host holds it once it is finished (or when `timeout` runs out): `GET /api/jobs/{id}?wait=`, the
/// host's own wait (woken by the job's final transition), asked again while the job runs.
async fn wait_job(client: &Client, id: &str, timeout: Option<Duration>) -> anyhow::Result<Reply> {
    let started = Instant::now();
    loop {
        let chunk = match timeout {
            Some(t) => t.saturating_sub(started.elapsed()).min(MAX_WAIT),
            None => MAX_WAIT,
        };
        let reply = client.call(&ops::JOBS_GET, &[id]).query("wait", format!("{}ms", chunk.as_millis())).send().await?;
        let job: Job = reply.decode()?;
        if job.state.is_final() || timeout.is_some_and(|t| started.elapsed() >= t) {
            return Ok(reply);
        }
    }
}
