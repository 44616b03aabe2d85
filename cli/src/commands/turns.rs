//! `codex-manager send | steer | interrupt`, and the turn record's wait (`send --wait`, `sessions turn --wait`).

use anyhow::Context;
use clap::Args;
use codex_manager_host::api::routes::events::{EventEnvelope, EventPage};
use codex_manager_host::services::{InterruptResult, SendOutcome, TurnAccepted, TurnRecord, TurnStatus};
use futures_util::StreamExt;
use serde_json::json;
use std::io::{IsTerminal, Write};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use super::live::{stdin_lines, Live};
use crate::api::ops;
use crate::client::{Client, Reply};
use crate::exit::Failed;
use crate::output::{ago, wire, Output};

#[derive(Args)]
pub struct SendArgs {
    #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
    pub session: String,
    pub text: String,
    /// Stream the reply and wait for the turn to end (exit 7 unless it completed).
    #[arg(long)]
    pub wait: bool,
    /// Make a retried send start one turn, not two.
    #[arg(long)]
    pub idempotency_key: Option<String>,
    /// Run the turn in Plan mode (Codex may ask questions: see `requests`).
    #[arg(long)]
    pub plan: bool,
    /// While the session is busy (a turn runs, or follow-ups wait), queue the message as a follow-up instead of
    /// failing with `turn_in_progress`; it starts when the session is idle (see `followups`). With `--wait`, waits
    /// for its turn too.
    #[arg(long)]
    pub queue: bool,
}

#[derive(Args)]
pub struct SteerArgs {
    #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
    pub session: String,
    pub text: String,
}

#[derive(Args)]
pub struct InterruptArgs {
    #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
    pub session: String,
}

pub async fn send(mut a: SendArgs, client: &Client, out: &Output) -> anyhow::Result<()> {
    a.session = crate::resolve::session(client, &a.session).await?;
    // Note where the log is before sending, so the stream misses nothing of this turn.
    let since = if a.wait { Some(last_seq(client).await?) } else { None };
    let body = super::compact(json!({
        "text": a.text,
        "mode": a.plan.then_some("plan"),
        "ifBusy": a.queue.then_some("queue"),
    }));
    let mut call = client.call(&ops::TURNS_SEND, &[&a.session]).json(&body);
    if let Some(key) = &a.idempotency_key {
        call = call.header("Idempotency-Key", key);
    }
    let reply = call.send().await?;
    // The host sent it all the same, but automation is held (a spent budget, Codex's usage limit): say so.
    if !out.json {
        if let Ok(SendOutcome::Started(TurnAccepted { warning: Some(w), .. })) = reply.decode::<SendOutcome>() {
            eprintln!("warning: {}{}", w.reason, w.resets_at.map(|r| format!(" (until {r})")).unwrap_or_default());
        }
    }
    let Some(since) = since else {
        return out.reply(&reply, |o: &SendOutcome| match o {
            SendOutcome::Started(t) => format!("turn {} started", t.turn_id),
            SendOutcome::Queued(q) => format!("queued follow-up {} (it starts when the session is idle; see `followups list`)", q.followup.id),
        });
    };
    let turn_id = match reply.decode::<SendOutcome>()? {
        SendOutcome::Started(accepted) => accepted.turn_id,
        SendOutcome::Queued(queued) => {
            if !out.json {
                eprintln!("[queued] follow-up {}; waiting for its turn", queued.followup.id);
            }
            followup_turn(client, &a.session, &queued.followup.id, since).await?
        }
    };
    if !out.json && std::io::stdin().is_terminal() && std::io::stdout().is_terminal() {
        return outcome(&live_turn(client, &a.session, &turn_id, since, out).await?);
    }
    // The reply streams from the events; how the turn ended comes from its record (a stream that closes early, or
    // a turn that ended before the stream opened, still gets its outcome).
    if let Err(e) = follow_turn(client, &a.session, &turn_id, since, out).await {
        eprintln!("[stream] {e:#}; waiting for the turn's end");
    }
    outcome(&wait_turn(client, &a.session, &turn_id).await?)
}

/// The turn a queued follow-up started, from the event stream (its `followup.started`); a follow-up that failed to
/// start or was removed is a [`Failed`] (exit 7).
async fn followup_turn(client: &Client, session: &str, followup_id: &str, since: i64) -> anyhow::Result<String> {
    let mut ws = open_stream(client, session, since).await?;
    while let Some(msg) = ws.next().await {
        let Message::Text(frame) = msg? else { continue };
        let event: EventEnvelope = serde_json::from_str(&frame)?;
        if event.data["id"].as_str() != Some(followup_id) {
            continue;
        }
        match event.kind.as_str() {
            "followup.started" => {
                if let Some(turn) = event.data["turnId"].as_str() {
                    return Ok(turn.to_string());
                }
            }
            "followup.failed" | "followup.removed" => {
                let status = event.data["status"].as_str().unwrap_or("failed").to_string();
                let why = event.data["error"].as_str().map(|e| format!(": {e}")).unwrap_or_default();
                let message = format!("follow-up {followup_id} {status} before its turn started{why}");
                return Err(Failed { code: "followup_failed", message, details: event.data.clone() }.into());
            }
            _ => {}
        }
    }
    anyhow::bail!("the event stream closed before follow-up {followup_id} started")
}

/// `send --wait` on a terminal: the turn shown as `chat` shows it (tool activity, approvals and questions asked
/// inline); Ctrl-C offers to interrupt it. Returns the turn's record once it ended.
async fn live_turn(client: &Client, session: &str, turn_id: &str, since: i64, out: &Output) -> anyhow::Result<Reply> {
    let mut ws = open_stream(client, session, since).await?;
    let mut live = Live::new(client, out, session.to_string(), "");
    live.turn = Some(turn_id.to_string());
    let mut lines = stdin_lines();
    let mut interrupts = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    loop {
        tokio::select! {
            line = lines.recv() => {
                let Some(line) = line else { break };
                live.typed();
                if live.pending.is_empty() {
                    live.say(&out.dim("[nothing is asked now; Ctrl-C offers to interrupt the turn]"));
                } else {
                    live.answer(line.trim_end_matches(['\r', '\n'])).await?;
                    live.prompt();
                }
            }
            msg = ws.next() => {
                let Some(msg) = msg else { break };
                if let Message::Text(frame) = msg? {
                    let Ok(event) = serde_json::from_str::<EventEnvelope>(&frame) else { continue };
                    if let Some(record) = live.event(&event).await? {
                        live.newline();
                        if let Some(error) = record.decode::<TurnRecord>()?.error {
                            eprintln!("[error] {error}");
                        }
                        return Ok(record);
                    }
                }
            }
            _ = interrupts.recv() => live.offer_interrupt().await?,
        }
    }
    // Input or the stream ended first: the record still says how the turn ends.
    live.newline();
    wait_turn(client, session, turn_id).await
}

async fn open_stream(client: &Client, session: &str, since: i64) -> anyhow::Result<Ws> {
    let url = client.ws_url(&ops::EVENTS_STREAM, &[("since".into(), since.to_string()), ("sessions".into(), session.to_string())]);
    let mut request = url.into_client_request()?;
    request.headers_mut().insert("Authorization", format!("Bearer {}", client.token()).parse()?);
    let (ws, _) = tokio_tungstenite::connect_async(request).await.context("cannot open the event stream")?;
    Ok(ws)
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The turn's record once it ended: `GET .../turns/{turnId}?wait=60s`, asked again while the wait runs out.
pub async fn wait_turn(client: &Client, session: &str, turn_id: &str) -> anyhow::Result<Reply> {
    loop {
        let reply = client.call(&ops::TURNS_GET_TURN, &[session, turn_id]).query("wait", "60s").send().await?;
        let record: TurnRecord = reply.decode()?;
        if record.status.is_final() {
            return Ok(reply);
        }
    }
}

/// Ok for a completed turn; a [`Failed`] (exit 7) for any other end.
pub fn outcome(reply: &Reply) -> anyhow::Result<()> {
    let record: TurnRecord = reply.decode()?;
    if record.status == TurnStatus::Completed {
        return Ok(());
    }
    let message = match &record.error {
        Some(error) => format!("turn {} ended {}: {error}", record.id, record.status),
        None => format!("turn {} ended {}", record.id, record.status),
    };
    Err(Failed { code: "turn_failed", message, details: reply.value()? }.into())
}

pub fn render_record(out: &Output, r: &TurnRecord) -> String {
    let mut lines = vec![format!("turn {}  {}  started {}", r.id, out.state(&r.status.to_string()), ago(&r.started_at))];
    if let Some(error) = &r.error {
        lines.push(format!("error: {error}"));
    }
    if let Some(final_text) = &r.final_text {
        lines.push(final_text.clone());
    }
    lines.join("\n")
}

/// Where the event log is now (`latestSeq`): a stream opened from here misses nothing that happens next.
pub async fn last_seq(client: &Client) -> anyhow::Result<i64> {
    let page: EventPage = client.call(&ops::EVENTS_LIST, &[]).query("limit", 1).query("since", 0).query("types", "__none__").get().await?;
    Ok(page.latest_seq)
}

/// Print the turn's text as it streams (or every event with --json), until its `turn.completed`.
async fn follow_turn(client: &Client, session: &str, turn_id: &str, since: i64, out: &Output) -> anyhow::Result<()> {
    let mut ws = open_stream(client, session, since).await?;
    let mut stdout = std::io::stdout();
    while let Some(msg) = ws.next().await {
        let Message::Text(frame) = msg? else { continue };
        let event: EventEnvelope = serde_json::from_str(&frame)?;
        if event.turn_id.as_deref() != Some(turn_id) {
            continue;
        }
        if out.json {
            println!("{frame}");
        }
        // `data` is shaped by the event type (docs/events.md): read as JSON.
        let data = &event.data;
        match event.kind.as_str() {
            "item.delta" if !out.json => {
                print!("{}", data["delta"].as_str().unwrap_or(""));
                stdout.flush()?;
            }
            "turn.error" if !out.json => eprintln!("\n[error] {}", data["error"]["message"].as_str().unwrap_or("")),
            "approval.requested" | "tool_input.requested" | "tool_call.requested" if !out.json => eprintln!(
                "\n[waiting] {} {} — answer with `codex-manager requests ...` (see `codex-manager requests list`)",
                data["kind"].as_str().unwrap_or(""),
                data["id"].as_str().unwrap_or("")
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

pub async fn steer(mut a: SteerArgs, client: &Client, out: &Output) -> anyhow::Result<()> {
    a.session = crate::resolve::session(client, &a.session).await?;
    let reply = client.call(&ops::TURNS_STEER, &[&a.session]).json(&json!({"text": a.text})).send().await?;
    out.reply(&reply, |t: &TurnAccepted| format!("steered turn {}", t.turn_id))
}

pub async fn interrupt(mut a: InterruptArgs, client: &Client, out: &Output) -> anyhow::Result<()> {
    a.session = crate::resolve::session(client, &a.session).await?;
    let reply = client.call(&ops::TURNS_INTERRUPT, &[&a.session]).send().await?;
    out.reply(&reply, |r: &InterruptResult| format!("turn {}: {}", r.turn_id, out.state(&wire(&r.status))))
}
