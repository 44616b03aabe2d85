//! `codex-manager requests ...`: see what waits for an answer, and answer it.

use clap::Subcommand;
use serde_json::{json, Value};

use super::{compact, items, json_arg, one_line};
use crate::api::ops;
use crate::client::Client;
use crate::output::{ago_of, text, Output};

#[derive(Subcommand)]
pub enum RequestsCommand {
    /// Requests across sessions (default: the pending ones).
    List {
        #[arg(long)]
        session: Option<String>,
        /// pending | resolved | expired | all
        #[arg(long, default_value = "pending")]
        status: String,
    },
    /// One request, with what it asks.
    Show { session: String, request: String },
    /// Approve: accept, acceptForSession (--for-session), with an optional reason.
    Approve {
        session: String,
        request: String,
        #[arg(long)]
        for_session: bool,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Decline (the turn goes on) or cancel (--cancel: the turn stops).
    Decline {
        session: String,
        request: String,
        #[arg(long)]
        cancel: bool,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Answer tool input: --answer QUESTION_ID=VALUE (repeatable).
    Answer {
        session: String,
        request: String,
        #[arg(long = "answer", value_name = "ID=VALUE", required = true)]
        answers: Vec<String>,
    },
    /// Answer a dynamic tool call with text (--failed marks it unsuccessful).
    Reply {
        session: String,
        request: String,
        text: String,
        #[arg(long)]
        failed: bool,
    },
    /// Send any answer body as JSON (elicitations, amendments).
    Respond { session: String, request: String, body: String },
}

/// What a request asks, in a few words.
fn what(r: &Value) -> String {
    match r["kind"].as_str().unwrap_or("") {
        "command_approval" => format!("run `{}`", text(&r["params"], "command")),
        "file_change_approval" => "change files".to_string(),
        "tool_input" => format!("answer {} question(s)", r["params"]["questions"].as_array().map_or(0, Vec::len)),
        "tool_call" => format!("serve tool `{}`", text(&r["params"], "tool")),
        other => other.to_string(),
    }
}

fn table(out: &Output, requests: &[Value]) -> String {
    let rows = requests
        .iter()
        .map(|r| vec![text(r, "id"), out.state(&text(r, "status")), text(r, "sessionId"), ago_of(r, "createdAt"), one_line(&what(r), 80)])
        .collect();
    out.table(&["ID", "STATUS", "SESSION", "ASKED", "WHAT"], rows)
}

pub async fn run(cmd: RequestsCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    let one = |v: &Value| table(out, std::slice::from_ref(v));
    let (session, request, body) = match cmd {
        RequestsCommand::List { session, status } => {
            let call = match &session {
                Some(s) => client.call(&ops::REQUESTS_LIST_SESSION, &[s]),
                None => client.call(&ops::REQUESTS_LIST_ALL, &[]),
            };
            let call = call.query("limit", 200).query_opt("status", (status != "all").then_some(status));
            return out.reply(&call.send().await?, |v| table(out, items(v, "")));
        }
        RequestsCommand::Show { session, request } => {
            let reply = client.call(&ops::REQUESTS_GET, &[&session, &request]).send().await?;
            return out.reply(&reply, |v| format!("{}\n{}", one(v), serde_json::to_string_pretty(&v["params"]).unwrap_or_default()));
        }
        RequestsCommand::Approve { session, request, for_session, reason } => {
            let decision = if for_session { "acceptForSession" } else { "accept" };
            (session, request, json!({"decision": decision, "reason": reason}))
        }
        RequestsCommand::Decline { session, request, cancel, reason } => {
            let decision = if cancel { "cancel" } else { "decline" };
            (session, request, json!({"decision": decision, "reason": reason}))
        }
        RequestsCommand::Answer { session, request, answers } => {
            let mut map = serde_json::Map::new();
            for a in answers {
                let Some((id, value)) = a.split_once('=') else { crate::usage!("--answer takes QUESTION_ID=VALUE, got `{a}`") };
                map.insert(id.to_string(), json!(value));
            }
            (session, request, json!({"answers": map}))
        }
        RequestsCommand::Reply { session, request, text, failed } => (session, request, json!({"text": text, "success": !failed})),
        RequestsCommand::Respond { session, request, body } => {
            let body = json_arg(&body, "the body")?;
            (session, request, body)
        }
    };
    let reply = client.call(&ops::REQUESTS_RESPOND, &[&session, &request]).labelled_cli().json(&compact(body)).send().await?;
    out.reply(&reply, one)
}
