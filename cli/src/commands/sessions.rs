//! `codex-manager sessions ...`

use clap::Subcommand;
use serde_json::{json, Value};

use crate::client::{encode, Client};
use crate::output::{text, Output};

#[derive(Subcommand)]
pub enum SessionsCommand {
    /// List sessions, most recent first.
    List {
        #[arg(long)]
        project: Option<String>,
        /// Include archived sessions only.
        #[arg(long)]
        archived: bool,
        /// Text to match in title or working directory.
        #[arg(long)]
        q: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Include plugins' hidden worker sessions.
        #[arg(long)]
        workers: bool,
    },
    /// Create a session in a project or a working directory.
    Create {
        #[arg(long)]
        project: Option<String>,
        #[arg(long)]
        cwd: Option<String>,
        #[arg(long)]
        title: Option<String>,
    },
    /// Show a session and its transcript.
    Show { id: String },
    /// Rename a session.
    Rename { id: String, title: String },
    /// Move a session to a project ("" for none).
    Move { id: String, project: String },
    Archive { id: String },
    Unarchive { id: String },
    Delete { id: String },
    /// Fork a session into a new one with the same history.
    Fork { id: String },
    /// Load a session's thread into app-server now.
    Resume { id: String },
    /// Notes plugins left on a session (turn reviews, suggested next requests).
    Notes {
        id: String,
        /// Only notes of this kind (`turn-review`, `next-request`, ...).
        #[arg(long)]
        kind: Option<String>,
    },
}

pub fn line(s: &Value) -> String {
    format!("{}  {:<18} {}  {}", text(s, "id"), text(s, "status"), text(s, "title"), text(s, "cwd"))
}

pub async fn run(cmd: SessionsCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    match cmd {
        SessionsCommand::List { project, archived, q, limit, workers } => {
            let mut query = format!("limit={limit}&archived={archived}&workers={workers}");
            if let Some(p) = project {
                query.push_str(&format!("&projectId={}", encode(&p)));
            }
            if let Some(q) = q {
                query.push_str(&format!("&q={}", encode(&q)));
            }
            let v: Value = client.get(&format!("/api/sessions?{query}")).await?;
            out.show(&v, |v| v["sessions"].as_array().map(|a| a.iter().map(line).collect::<Vec<_>>().join("\n")).unwrap_or_default());
        }
        SessionsCommand::Create { project, cwd, title } => {
            let cwd = match (&cwd, &project) {
                (Some(c), _) => Some(std::fs::canonicalize(c).map(|p| p.display().to_string()).unwrap_or_else(|_| c.clone())),
                (None, None) => Some(std::env::current_dir()?.display().to_string()),
                (None, Some(_)) => None,
            };
            let v: Value = client.post("/api/sessions", &json!({"projectId": project, "cwd": cwd, "title": title})).await?;
            out.show(&v, line);
        }
        SessionsCommand::Notes { id, kind } => {
            let mut query = String::from("limit=500");
            if let Some(k) = kind {
                query.push_str(&format!("&kind={}", encode(&k)));
            }
            let v: Value = client.get(&format!("/api/sessions/{}/notes?{query}", encode(&id))).await?;
            out.show(&v, |v| {
                v["notes"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|n| format!("[{}] {} ({}, {})\n{}\n", text(n, "kind"), text(n, "title"), text(n, "pluginId"), text(n, "createdAt"), text(n, "body")))
                            .collect::<Vec<_>>()
                            .join("\n")
                    })
                    .unwrap_or_default()
            });
        }
        SessionsCommand::Show { id } => {
            let v: Value = client.get(&format!("/api/sessions/{}", encode(&id))).await?;
            out.show(&v, render_detail);
        }
        SessionsCommand::Rename { id, title } => {
            let v: Value = client.patch(&format!("/api/sessions/{}", encode(&id)), &json!({"title": title})).await?;
            out.show(&v, line);
        }
        SessionsCommand::Move { id, project } => {
            let v: Value = client.patch(&format!("/api/sessions/{}", encode(&id)), &json!({"projectId": project})).await?;
            out.show(&v, line);
        }
        SessionsCommand::Archive { id } => out.show(&client.post(&format!("/api/sessions/{}/archive", encode(&id)), &json!({})).await?, line),
        SessionsCommand::Unarchive { id } => out.show(&client.post(&format!("/api/sessions/{}/unarchive", encode(&id)), &json!({})).await?, line),
        SessionsCommand::Fork { id } => out.show(&client.post(&format!("/api/sessions/{}/fork", encode(&id)), &json!({})).await?, line),
        SessionsCommand::Resume { id } => out.show(&client.post(&format!("/api/sessions/{}/resume", encode(&id)), &json!({})).await?, line),
        SessionsCommand::Delete { id } => {
            client.delete(&format!("/api/sessions/{}", encode(&id))).await?;
            out.show(&json!({"deleted": id}), |_| format!("deleted session {id}"));
        }
    }
    Ok(())
}

/// A readable transcript: user and assistant messages, commands with their output, file changes.
fn render_detail(v: &Value) -> String {
    let mut lines = vec![line(&v["session"])];
    for turn in v["transcript"]["turns"].as_array().into_iter().flatten() {
        lines.push(format!("--- turn {} ({})", text(turn, "id"), text(turn, "status")));
        for item in turn["items"].as_array().into_iter().flatten() {
            match item["type"].as_str().unwrap_or("") {
                "userMessage" => {
                    let t: Vec<String> = item["content"].as_array().into_iter().flatten().filter_map(|c| c["text"].as_str().map(str::to_owned)).collect();
                    lines.push(format!("> {}", t.join(" ")));
                }
                "agentMessage" => lines.push(text(item, "text")),
                "reasoning" => {}
                "commandExecution" => lines.push(format!("$ {}  [{}]\n{}", text(item, "command"), text(item, "status"), item["aggregatedOutput"].as_str().unwrap_or(""))),
                "fileChange" => lines.push(format!("~ file change [{}]", text(item, "status"))),
                other => lines.push(format!("[{other}]")),
            }
        }
    }
    lines.join("\n")
}
