//! `codex-manager chat SESSION`: a live chat in the terminal. Each line typed is a message (a turn); the reply
//! streams as it is written, with the commands Codex runs; approvals and questions are asked inline and answered
//! from the same prompt. Typing while a turn runs steers it; Ctrl-C (or `/interrupt`) interrupts it.
//!
//! What a turn shows and asks is `live.rs`'s, shared with `send --wait` on a terminal.
//! Everything shown comes from the host: the session's events over one websocket, and how a turn ended from its
//! turn record. Answers go through the same routes as `requests approve|answer`, labelled `cli`.

use anyhow::Context;
use clap::Args;
use codex_manager_host::api::routes::events::EventEnvelope;
use codex_manager_host::services::{PendingRequest, SendOutcome, SessionDetail, TurnAccepted, TurnRecord, TurnStatus};
use futures_util::StreamExt;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use super::live::{stdin_lines, Live};
use crate::api::ops;
use crate::client::Client;
use crate::output::Output;

#[derive(Args)]
pub struct ChatArgs {
    #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
    pub session: String,
}

const HELP: &str = "type a message and Enter to send; while a turn runs, a line steers it.
/plan TEXT   send in Plan mode (Codex may ask questions)
/queue TEXT  send it after the running turn (a follow-up; see `codex-manager followups`)
/interrupt   stop the running turn (also Ctrl-C)
/quit        leave (also Ctrl-D); the session stays";

/// A chat: a live turn view that also sends, steers and follows turns started elsewhere.
struct Chat<'a>(Live<'a>);

pub async fn run(mut a: ChatArgs, client: &Client, out: &Output) -> anyhow::Result<()> {
    a.session = crate::resolve::session(client, &a.session).await?;
    let detail: SessionDetail = client.call(&ops::SESSIONS_GET, &[&a.session]).query("limit", 1).get().await?;
    let session = &detail.session;
    // From where the log is now: this chat shows what happens from here on.
    let since = super::turns::last_seq(client).await?;
    let url = client.ws_url(
        &ops::EVENTS_STREAM,
        &[("since".into(), since.to_string()), ("sessions".into(), a.session.clone())],
    );
    let mut request = url.into_client_request()?;
    request.headers_mut().insert("Authorization", format!("Bearer {}", client.token()).parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.context("cannot open the event stream")?;

    let mut chat = Chat(Live::new(client, out, a.session.clone(), "you> "));
    let title = session.title.as_deref().unwrap_or("Untitled");
    chat.0.say(&format!("chat with {title} ({}), in {}", session.id, session.cwd));
    chat.0.say(&out.dim("/help for commands"));
    // Requests already waiting in this session are asked first.
    let waiting: Vec<PendingRequest> = client.call(&ops::REQUESTS_LIST_SESSION, &[&a.session]).query("status", "pending").get().await?;
    for r in waiting.iter().rev() {
        chat.0.ask(r);
    }
    if let Some(turn) = &session.active_turn_id {
        chat.0.turn = Some(turn.to_string());
        chat.0.say(&out.dim(&format!("[a turn is running: {turn}]")));
    }
    chat.0.prompt();

    let mut lines = stdin_lines();
    // One listener for the whole chat, so a Ctrl-C that comes while a request is in flight is not lost.
    let mut interrupts = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    loop {
        tokio::select! {
            line = lines.recv() => {
                let Some(line) = line else { break };
                if !chat.line(line.trim_end_matches(['\r', '\n'])).await? {
                    break;
                }
            }
            msg = ws.next() => {
                let Some(msg) = msg else { anyhow::bail!("the event stream closed") };
                if let Message::Text(frame) = msg? {
                    match serde_json::from_str::<EventEnvelope>(&frame) {
                        Ok(e) => chat.event(&e).await?,
                        Err(err) => chat.0.say(&format!("[a frame this CLI cannot read ({err})]")),
                    }
                }
            }
            _ = interrupts.recv() => {
                if chat.0.turn.is_some() {
                    chat.0.interrupt().await?;
                } else {
                    break;
                }
            }
        }
    }
    chat.0.newline();
    Ok(())
}

impl Chat<'_> {
    /// `/queue TEXT`: the message waits in the session's follow-up queue while a turn runs (or starts now when the
    /// session is idle); its turn shows here when it starts, like any turn of the session.
    async fn queue(&mut self, text: &str) -> anyhow::Result<()> {
        let body = json!({"text": text, "ifBusy": "queue"});
        match self.0.client.call(&ops::TURNS_SEND, &[&self.0.session]).json(&body).send().await {
            Ok(reply) => match reply.decode::<SendOutcome>()? {
                SendOutcome::Queued(q) => self.0.say(&self.0.out.dim(&format!("[queued follow-up {}]", q.followup.id))),
                SendOutcome::Started(accepted) => self.0.turn = Some(accepted.turn_id),
            },
            Err(e) => self.0.say(&format!("[not queued: {e:#}]")),
        }
        self.0.prompt();
        Ok(())
    }

    /// One line typed; false to leave.
    async fn line(&mut self, line: &str) -> anyhow::Result<bool> {
        self.0.typed();
        if !self.0.pending.is_empty() {
            self.0.answer(line).await?;
            self.0.prompt();
            return Ok(true);
        }
        let (text, plan) = match line.trim() {
            "" => {
                self.0.prompt();
                return Ok(true);
            }
            "/quit" | "/exit" => return Ok(false),
            "/help" => {
                self.0.say(HELP);
                self.0.prompt();
                return Ok(true);
            }
            "/interrupt" => {
                self.0.interrupt().await?;
                return Ok(true);
            }
            l if l.starts_with("/queue ") => {
                self.queue(l.trim_start_matches("/queue ").trim()).await?;
                return Ok(true);
            }
            l => match l.strip_prefix("/plan ") {
                Some(rest) => (rest.to_string(), true),
                None => (l.to_string(), false),
            },
        };
        if self.0.turn.is_some() {
            match self.0.client.call(&ops::TURNS_STEER, &[&self.0.session]).json(&json!({"text": text})).send().await {
                Ok(_) => self.0.say(&self.0.out.dim("[steered]")),
                Err(e) => self.0.say(&format!("[could not steer: {e:#}]")),
            }
            return Ok(true);
        }
        let body = if plan { json!({"text": text, "mode": "plan"}) } else { json!({"text": text}) };
        match self.0.client.call(&ops::TURNS_SEND, &[&self.0.session]).json(&body).send().await {
            Ok(reply) => {
                let accepted: TurnAccepted = reply.decode()?;
                self.0.turn = Some(accepted.turn_id);
            }
            Err(e) => {
                self.0.say(&format!("[not sent: {e:#}]"));
                self.0.prompt();
            }
        }
        Ok(true)
    }

    async fn event(&mut self, e: &EventEnvelope) -> anyhow::Result<()> {
        if let Some(reply) = self.0.event(e).await? {
            let ended: TurnRecord = reply.decode()?;
            if ended.status != TurnStatus::Completed {
                let why = ended.error.map(|e| format!(": {e}")).unwrap_or_default();
                self.0.say(&format!("[turn {}{why}]", self.0.out.state(ended.status.as_str())));
            }
            self.0.prompt();
        } else if e.kind == "turn.started" && self.0.turn.is_none() {
            // A turn started elsewhere (the web UI): follow it here too.
            if let Some(turn) = &e.turn_id {
                self.0.turn = Some(turn.clone());
                self.0.say(&self.0.out.dim("[a turn started from another client]"));
            }
        }
        Ok(())
    }
}
