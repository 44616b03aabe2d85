//! A turn followed live in the terminal, shared by `chat` and `send --wait` on a terminal: the reply streams as it
//! is written, tool activity shows as lines (`$ command`, its output and status, files changed), and what the turn
//! asks (an approval with its command or diff, questions, an MCP form) is asked inline and answered from the next
//! line typed. How a turn ended is read from its turn record, never from the events.
//!
//! Answers go through the same route as `requests approve|answer`, labelled `cli`.

use std::io::Write;

use codex_manager_host::api::routes::events::EventEnvelope;
use codex_manager_host::services::{Assessment, PendingRequest, RequestKind};
use serde_json::{json, Value};
use tokio::sync::mpsc;

use super::{items, one_line, turns};
use crate::api::ops;
use crate::client::{Client, Reply};
use crate::output::{text, wire, Output};

/// A question the next line answers.
pub enum Pending {
    /// An approval: y(es) / a(lways, for this session) / n(o) / c(ancel the turn).
    Approval { id: String },
    /// Tool input: the questions still to ask, and the answers so far.
    Questions { id: String, left: Vec<Value>, answers: serde_json::Map<String, Value> },
    /// An MCP elicitation: accept / decline / cancel.
    Elicitation { id: String },
    /// Ctrl-C was pressed: interrupt the running turn? (`y`, or Ctrl-C again).
    ConfirmInterrupt,
}

impl Pending {
    fn id(&self) -> &str {
        match self {
            Pending::Approval { id } | Pending::Questions { id, .. } | Pending::Elicitation { id } => id,
            Pending::ConfirmInterrupt => "",
        }
    }
}

pub struct Live<'a> {
    pub client: &'a Client,
    pub out: &'a Output,
    pub session: String,
    /// The turn shown, while it runs.
    pub turn: Option<String>,
    /// Questions waiting for the next lines, oldest first.
    pub pending: Vec<Pending>,
    /// What the prompt says when nothing is asked and no turn runs (`you> ` in a chat).
    pub idle_prompt: &'static str,
    /// Whether the cursor is mid-line (streamed text without its newline yet).
    mid_line: bool,
}

/// Lines from stdin, read on a thread of their own (a blocking read cannot be cancelled); `None` at end of input.
pub fn stdin_lines() -> mpsc::UnboundedReceiver<String> {
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

impl<'a> Live<'a> {
    pub fn new(client: &'a Client, out: &'a Output, session: String, idle_prompt: &'static str) -> Self {
        Self { client, out, session, turn: None, pending: Vec::new(), idle_prompt, mid_line: false }
    }

    pub fn newline(&mut self) {
        if self.mid_line {
            println!();
            self.mid_line = false;
        }
    }

    pub fn say(&mut self, line: &str) {
        self.newline();
        println!("{line}");
    }

    /// Input was typed and echoed, which ended the prompt's line.
    pub fn typed(&mut self) {
        self.mid_line = false;
    }

    /// The prompt for the next line: the question waiting, or the idle prompt.
    pub fn prompt(&mut self) {
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
            Some(Pending::ConfirmInterrupt) => "interrupt the turn? [y/N] (Ctrl-C again: yes) > ".to_string(),
            None if self.turn.is_some() => String::new(),
            None => self.idle_prompt.to_string(),
        };
        if !prompt.is_empty() {
            print!("{prompt}");
            let _ = std::io::stdout().flush();
            self.mid_line = true;
        }
    }

    pub async fn interrupt(&mut self) -> anyhow::Result<()> {
        match self.client.call(&ops::TURNS_INTERRUPT, &[&self.session]).send().await {
            Ok(_) => self.say(&self.out.dim("[interrupting]")),
            Err(e) => {
                self.say(&format!("[could not interrupt: {e:#}]"));
                self.prompt();
            }
        }
        Ok(())
    }

    /// Ctrl-C while a turn runs, in `send --wait`: the first asks, the second (or `y`) interrupts.
    pub async fn offer_interrupt(&mut self) -> anyhow::Result<()> {
        if matches!(self.pending.first(), Some(Pending::ConfirmInterrupt)) {
            self.pending.remove(0);
            return self.interrupt().await;
        }
        self.pending.insert(0, Pending::ConfirmInterrupt);
        self.prompt();
        Ok(())
    }

    /// Show a request and queue its question. What it asks (`params`, `item`) is app-server's own JSON (`Value` in the
    /// host too).
    pub fn ask(&mut self, r: &PendingRequest) {
        let id = r.id.clone();
        if self.pending.iter().any(|p| p.id() == id) {
            return;
        }
        let params = &r.params;
        match r.kind {
            RequestKind::CommandApproval | RequestKind::LegacyExecApproval => {
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
            RequestKind::FileChangeApproval | RequestKind::LegacyPatchApproval => {
                self.say("Codex wants to change files:");
                let changes = r.item.as_ref().map(|item| &item["changes"]).unwrap_or(&Value::Null);
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
            RequestKind::PermissionsApproval | RequestKind::McpToolApproval => {
                self.say(&format!("Codex asks for approval ({}): {}", wire(&r.kind), one_line(&params.to_string(), 200)));
                self.pending.push(Pending::Approval { id });
            }
            RequestKind::ToolInput => {
                let left: Vec<Value> = items(params, "questions").to_vec();
                if left.is_empty() {
                    return;
                }
                self.say("Codex asks:");
                self.pending.push(Pending::Questions { id, left, answers: serde_json::Map::new() });
            }
            RequestKind::Elicitation => {
                self.say(&format!("An MCP server asks: {}", params["message"].as_str().unwrap_or("(no message)")));
                self.pending.push(Pending::Elicitation { id });
            }
            // A dynamic tool call is for the API client that declared the tool, not for a person.
            RequestKind::ToolCall => self.say(&self.out.dim(&format!("[waiting on {} {id}: a client must answer it]", wire(&r.kind)))),
        }
        // A request read after it was judged (a chat opened late, `send --wait` on a turn already waiting).
        if let Some(a) = &r.assessment {
            self.show_assessment(a);
        }
    }

    /// A plugin's judgement of an approval, beside the question: it informs; the answer stays the user's.
    fn show_assessment(&mut self, a: &Assessment) {
        self.say(&super::requests::assessment_line(a));
    }

    /// The typed line answers the first pending question.
    pub async fn answer(&mut self, line: &str) -> anyhow::Result<()> {
        let line = line.trim();
        let body = match self.pending.first_mut().expect("a pending question") {
            Pending::ConfirmInterrupt => {
                self.pending.remove(0);
                if matches!(line.to_ascii_lowercase().as_str(), "y" | "yes") {
                    return self.interrupt().await;
                }
                self.say(&self.out.dim("[the turn goes on]"));
                return Ok(());
            }
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

    /// One event of the session. When it ends the shown turn, its record (`GET …/turns/{id}?wait=…`).
    pub async fn event(&mut self, e: &EventEnvelope) -> anyhow::Result<Option<Reply>> {
        // The envelope is the host's type; `data` is shaped by the event type (app-server's items among it).
        let data = &e.data;
        let ours = self.turn.is_some() && e.turn_id.as_deref() == self.turn.as_deref();
        match e.kind.as_str() {
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
            "item.completed" if ours => {
                let item = &data["item"];
                match item["type"].as_str() {
                    Some("commandExecution") => {
                        let output = item["aggregatedOutput"].as_str().unwrap_or("").trim_end();
                        if !output.is_empty() {
                            self.say(&self.out.dim(&one_line(output, 200)));
                        }
                        let exit = item["exitCode"].as_i64().map(|c| format!(", exit {c}")).unwrap_or_default();
                        self.say(&self.out.dim(&format!("[{}{exit}]", text(item, "status"))));
                    }
                    Some("fileChange") => {
                        for change in items(item, "changes") {
                            self.say(&self.out.dim(&format!("~ {} {} [{}]", text(change, "kind").trim_matches('"'), text(change, "path"), text(item, "status"))));
                        }
                    }
                    _ => {}
                }
            }
            "approval.requested" | "tool_input.requested" | "tool_call.requested" => {
                // The event's data is the request as `GET …/requests/{id}` shows it.
                match serde_json::from_value::<PendingRequest>(data.clone()) {
                    Ok(r) => self.ask(&r),
                    Err(err) => self.say(&format!("[a request this CLI cannot read ({err}): see `codex-manager requests list`]")),
                }
                self.prompt();
            }
            "approval.assessed" => {
                // Published after the request (and again if a plugin judges it anew): shown only while it waits here.
                let Ok(r) = serde_json::from_value::<PendingRequest>(data.clone()) else { return Ok(None) };
                if let (Some(a), true) = (&r.assessment, self.pending.iter().any(|p| p.id() == r.id)) {
                    self.show_assessment(a);
                    self.prompt();
                }
            }
            "approval.resolved" | "tool_input.resolved" | "approval.expired" | "tool_input.expired" => {
                let Ok(r) = serde_json::from_value::<PendingRequest>(data.clone()) else { return Ok(None) };
                if let Some(i) = self.pending.iter().position(|p| p.id() == r.id) {
                    // Answered elsewhere (the web UI, a plugin) or expired: the question is gone.
                    self.pending.remove(i);
                    let by = r.decided_by.as_deref().unwrap_or("host");
                    self.say(&self.out.dim(&format!("[{} by {by}]", e.kind.split('.').nth(1).unwrap_or(""))));
                    self.prompt();
                }
            }
            "turn.completed" if ours => {
                let turn = self.turn.take().expect("ours");
                self.pending.clear();
                // How it ended is the record's to say.
                return Ok(Some(turns::wait_turn(self.client, &self.session, &turn).await?));
            }
            _ => {}
        }
        Ok(None)
    }
}
