//! `codex-manager chat SESSION`: a live chat in the terminal. Each line typed is a message (a turn); the reply
//! streams as it is written, with the commands Codex runs; approvals and questions are asked inline and answered
//! from the same prompt. Typing while a turn runs steers it; Ctrl-C (or `/interrupt`) interrupts it.
//!
//! Everything shown comes from the host: the session's events over one websocket, and how a turn ended from its
//! turn record. Answers go through the same routes as `requests approve|answer`, labelled `cli`.

use std::io::Write;

use anyhow::Context;
use clap::Args;
use codex_manager_host::services::{TurnAccepted, TurnStatus};
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use super::{items, one_line, turns};
use crate::api::ops;
use crate::client::Client;
use crate::output::{text, Output};

#[derive(Args)]
pub struct ChatArgs {
    #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
    pub session: String,
}

const HELP: &str = "type a message and Enter to send; while a turn runs, a line steers it.
/plan TEXT   send in Plan mode (Codex may ask questions)
/interrupt   stop the running turn (also Ctrl-C)
/quit        leave (also Ctrl-D); the session stays";

/// A question the next line answers.
enum Pending {
    /// An approval: y(es) / a(lways, for this session) / n(o) / c(ancel the turn).
    Approval { id: String },
    /// Tool input: the questions still to ask, and the answers so far.
    Questions { id: String, left: Vec<Value>, answers: serde_json::Map<String, Value> },
    /// An MCP elicitation: accept / decline / cancel.
    Elicitation { id: String },
}

impl Pending {
    fn id(&self) -> &str {
        match self {
            Pending::Approval { id } | Pending::Questions { id, .. } | Pending::Elicitation { id } => id,
        }
    }
}

/// What the chat reads of a turn record: the host's own status enum.
#[derive(Deserialize)]
struct Ended {
    status: TurnStatus,
    error: Option<String>,
}

struct Chat<'a> {
    client: &'a Client,
    out: &'a Output,
    session: String,
    /// The turn this chat started and is showing, while it runs.
    turn: Option<String>,
    /// Questions waiting for the next lines, oldest first.
    pending: Vec<Pending>,
    /// Whether the cursor is mid-line (streamed text without its newline yet).
    mid_line: bool,
}

pub async fn run(mut a: ChatArgs, client: &Client, out: &Output) -> anyhow::Result<()> {
    a.session = crate::resolve::session(client, &a.session).await?;
    let detail: Value = client.call(&ops::SESSIONS_GET, &[&a.session]).query("limit", 1).get().await?;
    let session = &detail["session"];
    // From where the log is now: this chat shows what happens from here on.
    let since: Value = client.call(&ops::EVENTS_LIST, &[]).query("limit", 1).query("since", 0).query("types", "__none__").get().await?;
    let url = client.ws_url(
        &ops::EVENTS_STREAM,
        &[("since".into(), since["latestSeq"].as_i64().unwrap_or(0).to_string()), ("sessions".into(), a.session.clone())],
    );
    let mut request = url.into_client_request()?;
    request.headers_mut().insert("Authorization", format!("Bearer {}", client.token()).parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(request).await.context("cannot open the event stream")?;

    let mut chat = Chat { client, out, session: a.session.clone(), turn: None, pending: Vec::new(), mid_line: false };
    let title = session["title"].as_str().unwrap_or("Untitled");
    chat.say(&format!("chat with {title} ({}), in {}", text(session, "id"), text(session, "cwd")));
    chat.say(&out.dim("/help for commands"));
    // Requests already waiting in this session are asked first.
    let waiting: Value = client.call(&ops::REQUESTS_LIST_SESSION, &[&a.session]).query("status", "pending").get().await?;
    for r in items(&waiting, "").iter().rev() {
        chat.ask(r);
    }
    if let Some(turn) = session["activeTurnId"].as_str() {
        chat.turn = Some(turn.to_string());
        chat.say(&out.dim(&format!("[a turn is running: {turn}]")));
    }
    chat.prompt();

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
                    chat.event(&serde_json::from_str(&frame).unwrap_or(Value::Null)).await?;
                }
            }
            _ = interrupts.recv() => {
                if chat.turn.is_some() {
                    chat.interrupt().await?;
                } else {
                    break;
                }
            }
        }
    }
    chat.newline();
    Ok(())
}

/// Lines from stdin, read on a thread of their own (a blocking read cannot be cancelled); `None` at end of input.
fn stdin_lines() -> mpsc::UnboundedReceiver<String> {
    let (tx, rx) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

impl Chat<'_> {
    fn newline(&mut self) {
        if self.mid_line {
            println!();
            self.mid_line = false;
        }
    }

    fn say(&mut self, line: &str) {
        self.newline();
        println!("{line}");
    }

    /// The prompt for the next line: the question waiting, or a message.
    fn prompt(&mut self) {
        self.newline();
        let prompt = match self.pending.first() {
            Some(Pending::Approval { .. }) => "approve? [y]es / [a]lways / [n]o / [c]ancel turn > ".to_string(),
            Some(Pending::Questions { left, .. }) => {
                let q = &left[0];
                let mut p = format!("{} ", q["question"].as_str().unwrap_or("answer"));
                let options: Vec<String> = items(q, "options").iter().map(|o| text(o, "label")).collect();
                if !options.is_empty() {
                    let numbered: Vec<String> = options.iter().enumerate().map(|(i, o)| format!("{}) {o}", i + 1)).collect();
                    p.push_str(&format!("[{}] ", numbered.join("  ")));
                }
                format!("{p}> ")
            }
            Some(Pending::Elicitation { .. }) => "[a]ccept / [d]ecline / [c]ancel > ".to_string(),
            None if self.turn.is_some() => String::new(),
            None => "you> ".to_string(),
        };
        if !prompt.is_empty() {
            print!("{prompt}");
            let _ = std::io::stdout().flush();
            self.mid_line = true;
        }
    }

    /// One line typed; false to leave.
    async fn line(&mut self, line: &str) -> anyhow::Result<bool> {
        // Echoed input ended the prompt's line.
        self.mid_line = false;
        if !self.pending.is_empty() {
            self.answer(line).await?;
            self.prompt();
            return Ok(true);
        }
        let (text, plan) = match line.trim() {
            "" => {
                self.prompt();
                return Ok(true);
            }
            "/quit" | "/exit" => return Ok(false),
            "/help" => {
                self.say(HELP);
                self.prompt();
                return Ok(true);
            }
            "/interrupt" => {
                self.interrupt().await?;
                return Ok(true);
            }
            l => match l.strip_prefix("/plan ") {
                Some(rest) => (rest.to_string(), true),
                None => (l.to_string(), false),
            },
        };
        if self.turn.is_some() {
            match self.client.call(&ops::TURNS_STEER, &[&self.session]).json(&json!({"text": text})).send().await {
                Ok(_) => self.say(&self.out.dim("[steered]")),
                Err(e) => self.say(&format!("[could not steer: {e:#}]")),
            }
            return Ok(true);
        }
        let body = if plan { json!({"text": text, "mode": "plan"}) } else { json!({"text": text}) };
        match self.client.call(&ops::TURNS_SEND, &[&self.session]).json(&body).send().await {
            Ok(reply) => {
                let accepted: TurnAccepted = reply.decode()?;
                self.turn = Some(accepted.turn_id);
            }
            Err(e) => {
                self.say(&format!("[not sent: {e:#}]"));
                self.prompt();
            }
        }
        Ok(true)
    }

    async fn interrupt(&mut self) -> anyhow::Result<()> {
        match self.client.call(&ops::TURNS_INTERRUPT, &[&self.session]).send().await {
            Ok(_) => self.say(&self.out.dim("[interrupting]")),
            Err(e) => {
                self.say(&format!("[could not interrupt: {e:#}]"));
                self.prompt();
            }
        }
        Ok(())
    }

    /// Show a request and queue its question.
    fn ask(&mut self, r: &Value) {
        let id = text(r, "id");
        if self.pending.iter().any(|p| p.id() == id) {
            return;
        }
        let params = &r["params"];
        match r["kind"].as_str().unwrap_or("") {
            "command_approval" | "legacy_exec_approval" => {
                let command = params["command"].as_str().map(str::to_owned).unwrap_or_else(|| params["command"].to_string());
                self.say(&format!("Codex wants to run: {command}"));
                if let Some(cwd) = params["cwd"].as_str() {
                    self.say(&self.out.dim(&format!("  in {cwd}")));
                }
                if let Some(reason) = params["reason"].as_str() {
                    self.say(&self.out.dim(&format!("  because: {reason}")));
                }
                self.pending.push(Pending::Approval { id });
            }
            "file_change_approval" | "legacy_patch_approval" => {
                self.say("Codex wants to change files:");
                let changes = &r["item"]["changes"];
                for change in items(changes, "") {
                    self.say(&format!("  {} {}", text(change, "kind").trim_matches('"'), text(change, "path")));
                    if let Some(diff) = change["diff"].as_str() {
                        for l in diff.lines().take(40) {
                            self.say(&format!("    {l}"));
                        }
                    }
                }
                self.pending.push(Pending::Approval { id });
            }
            "permissions_approval" | "mcp_tool_approval" => {
                self.say(&format!("Codex asks for approval ({}): {}", text(r, "kind"), one_line(&params.to_string(), 200)));
                self.pending.push(Pending::Approval { id });
            }
            "tool_input" => {
                let left: Vec<Value> = items(params, "questions").to_vec();
                if left.is_empty() {
                    return;
                }
                self.say("Codex asks:");
                self.pending.push(Pending::Questions { id, left, answers: serde_json::Map::new() });
            }
            "elicitation" => {
                self.say(&format!("An MCP server asks: {}", params["message"].as_str().unwrap_or("(no message)")));
                self.pending.push(Pending::Elicitation { id });
            }
            // A dynamic tool call is for the API client that declared the tool, not for a person.
            _ => self.say(&self.out.dim(&format!("[waiting on {} {id}: a client must answer it]", text(r, "kind")))),
        }
    }

    /// The typed line answers the first pending question.
    async fn answer(&mut self, line: &str) -> anyhow::Result<()> {
        let line = line.trim();
        let body = match self.pending.first_mut().expect("a pending question") {
            Pending::Approval { .. } => match line.to_ascii_lowercase().as_str() {
                "y" | "yes" => json!({"decision": "accept"}),
                "a" | "always" => json!({"decision": "acceptForSession"}),
                "n" | "no" => json!({"decision": "decline"}),
                "c" | "cancel" => json!({"decision": "cancel"}),
                _ => {
                    self.say("answer y, a, n or c");
                    return Ok(());
                }
            },
            Pending::Elicitation { .. } => match line.to_ascii_lowercase().as_str() {
                "a" | "accept" => json!({"action": "accept"}),
                "d" | "decline" => json!({"action": "decline"}),
                "c" | "cancel" => json!({"action": "cancel"}),
                _ => {
                    self.say("answer a, d or c");
                    return Ok(());
                }
            },
            Pending::Questions { left, answers, .. } => {
                let q = left.remove(0);
                let options: Vec<String> = items(&q, "options").iter().map(|o| text(o, "label")).collect();
                let answer = match line.parse::<usize>() {
                    Ok(n) if n >= 1 && n <= options.len() => options[n - 1].clone(),
                    _ => line.to_string(),
                };
                answers.insert(text(&q, "id"), json!(answer));
                if !left.is_empty() {
                    return Ok(());
                }
                json!({"answers": answers})
            }
        };
        let request = self.pending.remove(0);
        let reply = self.client.call(&ops::REQUESTS_RESPOND, &[&self.session, request.id()]).labelled_cli().json(&body).send().await;
        if let Err(e) = reply {
            self.say(&format!("[not answered: {e:#}]"));
        }
        Ok(())
    }

    async fn event(&mut self, e: &Value) -> anyhow::Result<()> {
        let data = &e["data"];
        let ours = self.turn.is_some() && e["turnId"].as_str() == self.turn.as_deref();
        match e["type"].as_str().unwrap_or("") {
            "item.delta" if ours => {
                print!("{}", data["delta"].as_str().unwrap_or(""));
                let _ = std::io::stdout().flush();
                self.mid_line = true;
            }
            "item.started" if ours => {
                let item = &data["item"];
                match item["type"].as_str() {
                    Some("commandExecution") => self.say(&self.out.dim(&format!("$ {}", text(item, "command")))),
                    Some("fileChange") => self.say(&self.out.dim("~ changing files")),
                    Some("mcpToolCall") | Some("dynamicToolCall") => self.say(&self.out.dim(&format!("[tool {}]", text(item, "tool")))),
                    _ => {}
                }
            }
            "item.completed" if ours && data["item"]["type"] == "commandExecution" => {
                let item = &data["item"];
                let output = item["aggregatedOutput"].as_str().unwrap_or("").trim_end();
                if !output.is_empty() {
                    self.say(&self.out.dim(&one_line(output, 200)));
                }
                self.say(&self.out.dim(&format!("[{}]", text(item, "status"))));
            }
            "approval.requested" | "tool_input.requested" | "tool_call.requested" => {
                self.ask(data);
                self.prompt();
            }
            "approval.resolved" | "tool_input.resolved" | "approval.expired" | "tool_input.expired" => {
                let id = text(data, "id");
                if let Some(i) = self.pending.iter().position(|p| p.id() == id) {
                    // Answered elsewhere (the web UI, a plugin) or expired: the question is gone.
                    self.pending.remove(i);
                    let by = data["decidedBy"].as_str().unwrap_or("host");
                    self.say(&self.out.dim(&format!("[{} by {by}]", e["type"].as_str().unwrap_or("").split('.').nth(1).unwrap_or(""))));
                    self.prompt();
                }
            }
            "turn.completed" if ours => {
                let turn = self.turn.take().expect("ours");
                // How it ended is the record's to say.
                let reply = turns::wait_turn(self.client, &self.session, &turn).await?;
                let ended: Ended = reply.decode()?;
                if ended.status != TurnStatus::Completed {
                    let why = ended.error.map(|e| format!(": {e}")).unwrap_or_default();
                    self.say(&format!("[turn {}{why}]", self.out.state(ended.status.as_str())));
                }
                self.pending.clear();
                self.prompt();
            }
            "turn.started" if self.turn.is_none() => {
                // A turn started elsewhere (the web UI): follow it here too.
                if let Some(turn) = e["turnId"].as_str() {
                    self.turn = Some(turn.to_string());
                    self.say(&self.out.dim("[a turn started from another client]"));
                }
            }
            _ => {}
        }
        Ok(())
    }
}
