//! `codex-manager projects ...`

use clap::Subcommand;
use serde_json::{json, Value};

use crate::client::{encode, Client};
use crate::output::{text, Output};

#[derive(Subcommand)]
pub enum ProjectsCommand {
    /// List projects.
    List,
    /// Create a project with a working directory.
    Create { name: String, cwd: String },
    /// Rename a project and/or change its working directory.
    Update {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        cwd: Option<String>,
    },
    /// Delete an empty project.
    Delete { id: String },
    /// Move all sessions to another project (omit --to for none).
    MoveSessions {
        id: String,
        #[arg(long)]
        to: Option<String>,
    },
    /// Delete all sessions of a project.
    DeleteSessions { id: String },
}

fn line(p: &Value) -> String {
    format!("{}  {}  {}  ({} sessions)", text(p, "id"), text(p, "name"), text(p, "cwd"), text(p, "sessionCount"))
}

pub async fn run(cmd: ProjectsCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    match cmd {
        ProjectsCommand::List => {
            let v: Value = client.get("/api/projects").await?;
            out.show(&v, |v| v.as_array().map(|a| a.iter().map(line).collect::<Vec<_>>().join("\n")).unwrap_or_default());
        }
        ProjectsCommand::Create { name, cwd } => {
            let cwd = std::fs::canonicalize(&cwd).map(|p| p.display().to_string()).unwrap_or(cwd);
            let v: Value = client.post("/api/projects", &json!({"name": name, "cwd": cwd})).await?;
            out.show(&v, line);
        }
        ProjectsCommand::Update { id, name, cwd } => {
            let v: Value = client.patch(&format!("/api/projects/{}", encode(&id)), &json!({"name": name, "cwd": cwd})).await?;
            out.show(&v, line);
        }
        ProjectsCommand::Delete { id } => {
            client.delete(&format!("/api/projects/{}", encode(&id))).await?;
            out.show(&json!({"deleted": id}), |_| format!("deleted project {id}"));
        }
        ProjectsCommand::MoveSessions { id, to } => {
            let v: Value = client.post(&format!("/api/projects/{}/move-sessions", encode(&id)), &json!({"toProjectId": to})).await?;
            out.show(&v, |v| format!("moved {} sessions", v["sessionIds"].as_array().map_or(0, Vec::len)));
        }
        ProjectsCommand::DeleteSessions { id } => {
            let v = client.delete(&format!("/api/projects/{}/sessions", encode(&id))).await?;
            out.show(&v, |v| format!("deleted {} sessions", v["sessionIds"].as_array().map_or(0, Vec::len)));
        }
    }
    Ok(())
}
