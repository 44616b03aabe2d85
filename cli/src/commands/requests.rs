//! `codex-manager requests ...`: see what waits for an answer, and answer it.

use clap::Subcommand;
use codex_manager_host::services::{Assessment, PendingRequest, RequestKind};
use serde_json::json;

use super::{compact, json_arg, one_line};
use crate::api::ops;
use crate::client::Client;
use crate::output::{ago, opt, text, wire, Output};
use crate::resolve;

#[derive(Subcommand)]
pub enum RequestsCommand {
    /// Requests across sessions (default: the pending ones).
    List {
        #[arg(long, allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
        session: Option<String>,
        /// pending | resolved | expired | all
        #[arg(long, default_value = "pending")]
        status: String,
    },
    /// One request, with what it asks.
    Show {
        /// The request: its id or a unique id prefix, alone (found among all sessions' requests) or after its
        /// session (id, id prefix or title).
        #[arg(num_args = 1..=2, required = true, value_name = "[SESSION] REQUEST")]
        target: Vec<String>,
    },
    /// Approve: accept, acceptForSession (--for-session), with an optional reason.
    Approve {
        /// The request: its id or a unique id prefix, alone (found among all sessions' requests) or after its
        /// session (id, id prefix or title).
        #[arg(num_args = 1..=2, required = true, value_name = "[SESSION] REQUEST")]
        target: Vec<String>,
        #[arg(long)]
        for_session: bool,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Decline (the turn goes on) or cancel (--cancel: the turn stops).
    Decline {
        /// The request: its id or a unique id prefix, alone (found among all sessions' requests) or after its
        /// session (id, id prefix or title).
        #[arg(num_args = 1..=2, required = true, value_name = "[SESSION] REQUEST")]
        target: Vec<String>,
        #[arg(long)]
        cancel: bool,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Answer tool input: --answer QUESTION_ID=VALUE (repeatable).
    Answer {
        /// The request: its id or a unique id prefix, alone (found among all sessions' requests) or after its
        /// session (id, id prefix or title).
        #[arg(num_args = 1..=2, required = true, value_name = "[SESSION] REQUEST")]
        target: Vec<String>,
        #[arg(long = "answer", value_name = "ID=VALUE", required = true)]
        answers: Vec<String>,
    },
    /// Answer a dynamic tool call with text (--failed marks it unsuccessful).
    Reply {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
        session: String,
        /// The request's id or a unique id prefix.
        request: String,
        text: String,
        #[arg(long)]
        failed: bool,
    },
    /// Send any answer body as JSON (elicitations, amendments).
    Respond {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
        session: String,
        /// The request's id or a unique id prefix.
        request: String,
        body: String,
    },
}

/// What a request asks, in a few words. `params` is what app-server sent (`Value` in the host too).
fn what(r: &PendingRequest) -> String {
    match r.kind {
        RequestKind::CommandApproval => format!("run `{}`", text(&r.params, "command")),
        RequestKind::FileChangeApproval => "change files".to_string(),
        RequestKind::ToolInput => format!("answer {} question(s)", r.params["questions"].as_array().map_or(0, Vec::len)),
        RequestKind::ToolCall => format!("serve tool `{}`", text(&r.params, "tool")),
        other => wire(&other),
    }
}

/// The risk a plugin judged, shown beside the request ("" when none judged it).
fn risk(r: &PendingRequest) -> String {
    r.assessment.as_ref().map(|a| wire(&a.risk)).unwrap_or_default()
}

fn table(out: &Output, requests: &[PendingRequest]) -> String {
    let rows = requests
        .iter()
        .map(|r| {
            let risk = risk(r);
            let risk = if risk.is_empty() { "-".to_string() } else { out.state(&risk) };
            vec![r.id.clone(), out.state(&r.status.to_string()), opt(&r.session_id), ago(&r.created_at), risk, one_line(&what(r), 80)]
        })
        .collect();
    out.table(&["ID", "STATUS", "SESSION", "ASKED", "RISK", "WHAT"], rows)
}

/// Who judged, as a line says it: `<assessor>, via plugin:<id>`, or who attached it when the assessor gave no name.
fn judged_by(a: &Assessment) -> String {
    match &a.assessor {
        Some(assessor) => format!("{assessor}, via {}", a.assessed_by),
        None => a.assessed_by.clone(),
    }
}

/// An assessment in one line, as the live chat and `send --wait` print it beside the approval:
/// `assessment: high risk — <summary> (by <assessor>, via plugin:<id>)`.
pub fn assessment_line(a: &Assessment) -> String {
    format!("assessment: {} risk — {} (by {})", wire(&a.risk), one_line(&a.summary, 200), judged_by(a))
}

/// One request in full: the row, the assessment beside it (risk, summary, rationale, who judged), the params.
fn detail(out: &Output, r: &PendingRequest) -> String {
    let mut text = table(out, std::slice::from_ref(r));
    if let Some(a) = &r.assessment {
        text.push_str(&format!("\nassessment: {} risk: {}\n  by {}, {}\n", wire(&a.risk), a.summary, judged_by(a), ago(&a.at)));
        for line in a.rationale.lines() {
            text.push_str(&format!("  {line}\n"));
        }
    }
    text.push('\n');
    text.push_str(&serde_json::to_string_pretty(&r.params).unwrap_or_default());
    text
}

/// The session and full id of the request `target` names: `[SESSION] REQUEST`, either by prefix.
async fn locate(client: &Client, target: &[String]) -> anyhow::Result<(String, String)> {
    match target {
        [request] => resolve::request(client, None, request).await,
        [session, request] => {
            let session = resolve::session(client, session).await?;
            resolve::request(client, Some(&session), request).await
        }
        _ => unreachable!("clap takes one or two"),
    }
}

pub async fn run(cmd: RequestsCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    let one = |r: &PendingRequest| table(out, std::slice::from_ref(r));
    let ((session, request), body) = match cmd {
        RequestsCommand::List { session, status } => {
            let session = resolve::session_opt(client, session).await?;
            let call = match &session {
                Some(s) => client.call(&ops::REQUESTS_LIST_SESSION, &[s]),
                None => client.call(&ops::REQUESTS_LIST_ALL, &[]),
            };
            let call = call.query("limit", 200).query_opt("status", (status != "all").then_some(status));
            return out.reply(&call.send().await?, |list: &Vec<PendingRequest>| table(out, list));
        }
        RequestsCommand::Show { target } => {
            let (session, request) = locate(client, &target).await?;
            let reply = client.call(&ops::REQUESTS_GET, &[&session, &request]).send().await?;
            return out.reply(&reply, |r: &PendingRequest| detail(out, r));
        }
        RequestsCommand::Approve { target, for_session, reason } => {
            let decision = if for_session { "acceptForSession" } else { "accept" };
            (locate(client, &target).await?, json!({"decision": decision, "reason": reason}))
        }
        RequestsCommand::Decline { target, cancel, reason } => {
            let decision = if cancel { "cancel" } else { "decline" };
            (locate(client, &target).await?, json!({"decision": decision, "reason": reason}))
        }
        RequestsCommand::Answer { target, answers } => {
            let mut map = serde_json::Map::new();
            for a in answers {
                let Some((id, value)) = a.split_once('=') else { crate::usage!("--answer takes QUESTION_ID=VALUE, got `{a}`") };
                map.insert(id.to_string(), json!(value));
            }
            (locate(client, &target).await?, json!({"answers": map}))
        }
        RequestsCommand::Reply { session, request, text, failed } => {
            (locate(client, &[session, request]).await?, json!({"text": text, "success": !failed}))
        }
        RequestsCommand::Respond { session, request, body } => {
            let body = json_arg(&body, "the body")?;
            (locate(client, &[session, request]).await?, body)
        }
    };
    let reply = client.call(&ops::REQUESTS_RESPOND, &[&session, &request]).labelled_cli().json(&compact(body)).send().await?;
    out.reply(&reply, one)
}
