//! `codex-manager requests ...`: see what waits for an answer, and answer it.

use clap::Subcommand;
use serde_json::{json, Value};

use crate::client::{encode, Client};
use crate::output::{text, Output};

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

fn line(r: &Value) -> String {
    let what = match r["kind"].as_str().unwrap_or("") {
        "command_approval" => format!("run `{}`", text(&r["params"], "command")),
        "file_change_approval" => "change files".to_string(),
        "tool_input" => format!("answer {} question(s)", r["params"]["questions"].as_array().map_or(0, Vec::len)),
        "tool_call" => format!("serve tool `{}`", text(&r["params"], "tool")),
        other => other.to_string(),
    };
    format!("{}  {:<9} session {}  {}", text(r, "id"), text(r, "status"), text(r, "sessionId"), what)
}

pub async fn run(cmd: RequestsCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    let answer = |session: &str, request: &str| format!("/api/sessions/{}/requests/{}/response", encode(session), encode(request));
    let body = match cmd {
        RequestsCommand::List { session, status } => {
            let mut query = String::from("limit=200");
            if status != "all" {
                query.push_str(&format!("&status={}", encode(&status)));
            }
            let v: Value = match session {
                Some(s) => client.get(&format!("/api/sessions/{}/requests?{query}", encode(&s))).await?,
                None => client.get(&format!("/api/requests?{query}")).await?,
            };
            out.show(&v, |v| v.as_array().map(|a| a.iter().map(line).collect::<Vec<_>>().join("\n")).unwrap_or_default());
            return Ok(());
        }
        RequestsCommand::Show { session, request } => {
            let v: Value = client.get(&format!("/api/sessions/{}/requests/{}", encode(&session), encode(&request))).await?;
            out.show(&v, |v| format!("{}\n{}", line(v), serde_json::to_string_pretty(&v["params"]).unwrap_or_default()));
            return Ok(());
        }
        RequestsCommand::Approve { session, request, for_session, reason } => {
            let decision = if for_session { "acceptForSession" } else { "accept" };
            (answer(&session, &request), json!({"decision": decision, "reason": reason}))
        }
        RequestsCommand::Decline { session, request, cancel, reason } => {
            let decision = if cancel { "cancel" } else { "decline" };
            (answer(&session, &request), json!({"decision": decision, "reason": reason}))
        }
        RequestsCommand::Answer { session, request, answers } => {
            let mut map = serde_json::Map::new();
            for a in answers {
                let (id, value) = a.split_once('=').ok_or_else(|| anyhow::anyhow!("--answer takes QUESTION_ID=VALUE, got `{a}`"))?;
                map.insert(id.to_string(), json!(value));
            }
            (answer(&session, &request), json!({"answers": map}))
        }
        RequestsCommand::Reply { session, request, text, failed } => {
            (answer(&session, &request), json!({"text": text, "success": !failed}))
        }
        RequestsCommand::Respond { session, request, body } => {
            let body: Value = serde_json::from_str(&body).map_err(|e| anyhow::anyhow!("the body is not JSON: {e}"))?;
            (answer(&session, &request), body)
        }
    };
    let (path, mut body) = body;
    if let Some(map) = body.as_object_mut() {
        map.retain(|_, v| !v.is_null());
    }
    let v: Value = client.post_with_headers(&path, &body, &[("X-Codex-Manager-Client", "cli".to_string())]).await?;
    out.show(&v, line);
    Ok(())
}
