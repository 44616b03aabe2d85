//! `codex-manager jobs ...`: the durable queue — list, show, enqueue, cancel, retry, kinds, stats.

use clap::Subcommand;
use serde_json::{json, Value};

use crate::client::{encode, Client};
use crate::output::{text, Output};

#[derive(Subcommand)]
pub enum JobsCommand {
    /// Jobs, newest first.
    List {
        /// queued | running | succeeded | failed | canceled
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        session: Option<String>,
        #[arg(long)]
        project: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// One job, with its history.
    Show { id: String },
    /// Enqueue a job of a kind a plugin declares (see `jobs kinds`).
    Enqueue {
        kind: String,
        /// The payload, as JSON (default `{}`).
        #[arg(long)]
        payload: Option<String>,
        #[arg(long)]
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
    },
    /// Cancel a job; prints its final state once it has stopped.
    Cancel { id: String },
    /// Queue a failed or canceled job again.
    Retry { id: String },
    /// The job kinds enabled plugins run.
    Kinds,
    /// Queue depth.
    Stats,
}

fn line(j: &Value) -> String {
    let error = j["error"]["kind"].as_str().map(|k| format!("  [{k}: {}]", text(&j["error"], "message"))).unwrap_or_default();
    format!(
        "{}  {:<9} {:<28} attempt {}/{}  {}{error}",
        text(j, "id"),
        text(j, "state"),
        text(j, "kind"),
        j["attempt"],
        j["maxAttempts"],
        j["sessionId"].as_str().map(|s| format!("session {s}")).unwrap_or_default(),
    )
}

fn show(j: &Value) -> String {
    let mut out = line(j);
    if let Some(result) = j.get("result").filter(|r| !r.is_null()) {
        out.push_str(&format!("\nresult: {result}"));
    }
    for h in j["history"].as_array().into_iter().flatten() {
        out.push_str(&format!(
            "\n  {}  {} → {}  (attempt {})  {}",
            text(h, "at"),
            h["fromState"].as_str().unwrap_or("-"),
            text(h, "toState"),
            h["attempt"],
            h["detail"].as_str().unwrap_or("")
        ));
    }
    out
}

pub async fn run(cmd: JobsCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    let as_cli = [("X-Codex-Manager-Client", "cli".to_string())];
    match cmd {
        JobsCommand::List { state, kind, session, project, limit } => {
            let mut query = format!("limit={limit}");
            for (key, value) in [("state", state), ("kind", kind), ("sessionId", session), ("projectId", project)] {
                if let Some(v) = value {
                    query.push_str(&format!("&{key}={}", encode(&v)));
                }
            }
            let v: Value = client.get(&format!("/api/jobs?{query}")).await?;
            out.show(&v, |v| v["jobs"].as_array().map(|a| a.iter().map(line).collect::<Vec<_>>().join("\n")).unwrap_or_default());
        }
        JobsCommand::Show { id } => {
            let v: Value = client.get(&format!("/api/jobs/{}", encode(&id))).await?;
            out.show(&v, show);
        }
        JobsCommand::Enqueue { kind, payload, session, project, dedupe_key, priority, delay_ms } => {
            let payload: Option<Value> = payload
                .map(|p| serde_json::from_str(&p).map_err(|e| anyhow::anyhow!("--payload is not JSON: {e}")))
                .transpose()?;
            let mut body = json!({
                "kind": kind, "payload": payload, "sessionId": session, "projectId": project,
                "dedupeKey": dedupe_key, "priority": priority, "delayMs": delay_ms,
            });
            if let Some(map) = body.as_object_mut() {
                map.retain(|_, v| !v.is_null());
            }
            let v: Value = client.post_with_headers("/api/jobs", &body, &as_cli).await?;
            out.show(&v, line);
        }
        JobsCommand::Cancel { id } => {
            let v: Value = client.post_with_headers(&format!("/api/jobs/{}/cancel", encode(&id)), &json!({}), &as_cli).await?;
            out.show(&v, show);
        }
        JobsCommand::Retry { id } => {
            let v: Value = client.post_with_headers(&format!("/api/jobs/{}/retry", encode(&id)), &json!({}), &as_cli).await?;
            out.show(&v, line);
        }
        JobsCommand::Kinds => {
            let v: Value = client.get("/api/jobs/kinds").await?;
            out.show(&v, |v| {
                v["kinds"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|k| {
                                format!(
                                    "{:<32} plugin {:<24} concurrency {}  timeout {} ms  attempts {}  {}",
                                    text(k, "kind"),
                                    text(k, "pluginId"),
                                    k["concurrency"],
                                    k["timeoutMs"],
                                    k["maxAttempts"],
                                    text(k, "description")
                                )
                            })
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default()
            });
        }
        JobsCommand::Stats => {
            let v: Value = client.get("/api/jobs/stats").await?;
            out.show(&v, |v| {
                format!(
                    "queued {}  running {}  oldest queued {} ms  capacity {}",
                    v["queued"], v["running"], v["oldestQueuedAgeMs"], v["capacity"]
                )
            });
        }
    }
    Ok(())
}
