//! `codex-manager send | steer | interrupt`

use anyhow::Context;
use clap::Args;
use futures_util::StreamExt;
use serde_json::{json, Value};
use std::io::Write;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{encode, Client};
use crate::output::{text, Output};

#[derive(Args)]
pub struct SendArgs {
    pub session: String,
    pub text: String,
    /// Stream the reply and wait for the turn to end (exit 1 if it fails).
    #[arg(long)]
    pub wait: bool,
    /// Make a retried send start one turn, not two.
    #[arg(long)]
    pub idempotency_key: Option<String>,
    /// Run the turn in Plan mode (Codex may ask questions: see `requests`).
    #[arg(long)]
    pub plan: bool,
}

#[derive(Args)]
pub struct SteerArgs {
    pub session: String,
    pub text: String,
}

#[derive(Args)]
pub struct InterruptArgs {
    pub session: String,
}

pub async fn send(a: SendArgs, client: &Client, out: &Output) -> anyhow::Result<()> {
    // Note where the log is before sending, so the stream misses nothing of this turn.
    let since = if a.wait { Some(last_seq(client).await?) } else { None };
    let headers: Vec<(&str, String)> = a.idempotency_key.iter().map(|k| ("Idempotency-Key", k.clone())).collect();
    let accepted: Value = client
        .post_with_headers(
            &format!("/api/sessions/{}/messages", encode(&a.session)),
            &if a.plan { json!({"text": a.text, "mode": "plan"}) } else { json!({"text": a.text}) },
            &headers,
        )
        .await?;
    let Some(since) = since else {
        out.show(&accepted, |v| format!("turn {} started", text(v, "turnId")));
        return Ok(());
    };
    let turn_id = accepted["turnId"].as_str().context("no turnId in the answer")?.to_string();
    // The reply streams from the events; how the turn ended comes from its record (a stream that closes early, or
    // a turn that ended before the stream opened, still gets its outcome).
    if let Err(e) = follow_turn(client, &a.session, &turn_id, since, out).await {
        eprintln!("[stream] {e:#}; waiting for the turn's end");
    }
    let record = wait_turn(client, &a.session, &turn_id).await?;
    let status = record["status"].as_str().unwrap_or_default();
    if status != "completed" {
        match record["error"].as_str() {
            Some(error) => anyhow::bail!("turn {turn_id} ended {status}: {error}"),
            None => anyhow::bail!("turn {turn_id} ended {status}"),
        }
    }
    Ok(())
}

/// The turn's record once it ended: `GET .../turns/{turnId}?wait=60s`, asked again while the wait runs out.
pub async fn wait_turn(client: &Client, session: &str, turn_id: &str) -> anyhow::Result<Value> {
    let path = format!("/api/sessions/{}/turns/{}?wait=60s", encode(session), encode(turn_id));
    loop {
        let record: Value = client.get(&path).await?;
        if record["status"] != "inProgress" {
            return Ok(record);
        }
    }
}

async fn last_seq(client: &Client) -> anyhow::Result<i64> {
    let v: Value = client.get("/api/events?limit=1&since=0&types=__none__").await?;
    Ok(v["latestSeq"].as_i64().unwrap_or(0))
}

/// Print the turn's text as it streams (or every event with --json), until its `turn.completed`.
async fn follow_turn(client: &Client, session: &str, turn_id: &str, since: i64, out: &Output) -> anyhow::Result<()> {
    let url = client.stream_url(&format!("since={since}&sessions={}", encode(session)));
    let mut request = url.into_client_request()?;
    request.headers_mut().insert("Authorization", format!("Bearer {}", client.token()).parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.context("cannot open the event stream")?;
    let mut stdout = std::io::stdout();
    while let Some(msg) = ws.next().await {
        let Message::Text(frame) = msg? else { continue };
        let event: Value = serde_json::from_str(&frame)?;
        if event["turnId"].as_str() != Some(turn_id) {
            continue;
        }
        if out.json {
            println!("{frame}");
        }
        match event["type"].as_str().unwrap_or("") {
            "item.delta" if !out.json => {
                print!("{}", event["data"]["delta"].as_str().unwrap_or(""));
                stdout.flush()?;
            }
            "turn.error" if !out.json => eprintln!("\n[error] {}", event["data"]["error"]["message"].as_str().unwrap_or("")),
            "approval.requested" | "tool_input.requested" | "tool_call.requested" if !out.json => eprintln!(
                "\n[waiting] {} {} — answer with `codex-manager requests ...` (see `codex-manager requests list`)",
                event["data"]["kind"].as_str().unwrap_or(""),
                event["data"]["id"].as_str().unwrap_or("")
            ),
            "turn.completed" => {
                if !out.json {
                    println!();
                }
                return Ok(());
            }
            _ => {}
        }
    }
    anyhow::bail!("the event stream closed before the turn ended")
}

pub async fn steer(a: SteerArgs, client: &Client, out: &Output) -> anyhow::Result<()> {
    let v: Value = client.post(&format!("/api/sessions/{}/steer", encode(&a.session)), &json!({"text": a.text})).await?;
    out.show(&v, |v| format!("steered turn {}", text(v, "turnId")));
    Ok(())
}

pub async fn interrupt(a: InterruptArgs, client: &Client, out: &Output) -> anyhow::Result<()> {
    let v: Value = client.post(&format!("/api/sessions/{}/interrupt", encode(&a.session)), &json!({})).await?;
    out.show(&v, |v| format!("turn {}: {}", text(v, "turnId"), text(v, "status")));
    Ok(())
}
