//! `codex-manager projects ...`

use clap::Subcommand;
use codex_manager_host::api::routes::projects::SessionIds;
use codex_manager_host::services::Project;
use serde_json::json;

use super::compact;
use crate::api::ops;
use crate::client::Client;
use crate::output::Output;

#[derive(Subcommand)]
pub enum ProjectsCommand {
    /// List projects.
    List,
    /// One project.
    #[command(visible_alias = "get")]
    Show { id: String },
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

fn table(out: &Output, projects: &[Project]) -> String {
    let rows = projects.iter().map(|p| vec![p.id.clone(), p.name.clone(), p.session_count.to_string(), p.cwd.clone()]).collect();
    out.table(&["ID", "NAME", "SESSIONS", "CWD"], rows)
}

fn absolute(cwd: String) -> String {
    std::fs::canonicalize(&cwd).map(|p| p.display().to_string()).unwrap_or(cwd)
}

pub async fn run(cmd: ProjectsCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    let one = |p: &Project| table(out, std::slice::from_ref(p));
    match cmd {
        ProjectsCommand::List => out.reply(&client.call(&ops::PROJECTS_LIST, &[]).send().await?, |list: &Vec<Project>| table(out, list)),
        ProjectsCommand::Show { id } => out.reply(&client.call(&ops::PROJECTS_GET, &[&id]).send().await?, one),
        ProjectsCommand::Create { name, cwd } => {
            let body = json!({"name": name, "cwd": absolute(cwd)});
            out.reply(&client.call(&ops::PROJECTS_CREATE, &[]).json(&body).send().await?, one)
        }
        ProjectsCommand::Update { id, name, cwd } => {
            let body = compact(json!({"name": name, "cwd": cwd.map(absolute)}));
            out.reply(&client.call(&ops::PROJECTS_UPDATE, &[&id]).json(&body).send().await?, one)
        }
        ProjectsCommand::Delete { id } => {
            client.call(&ops::PROJECTS_DELETE, &[&id]).send().await?;
            out.show(&json!({"deleted": id}), |_| format!("deleted project {id}"));
            Ok(())
        }
        ProjectsCommand::MoveSessions { id, to } => {
            let reply = client.call(&ops::PROJECTS_MOVE_SESSIONS, &[&id]).json(&json!({"toProjectId": to})).send().await?;
            out.reply(&reply, |moved: &SessionIds| format!("moved {} sessions", moved.session_ids.len()))
        }
        ProjectsCommand::DeleteSessions { id } => {
            let reply = client.call(&ops::PROJECTS_DELETE_SESSIONS, &[&id]).send().await?;
            out.reply(&reply, |deleted: &SessionIds| format!("deleted {} sessions", deleted.session_ids.len()))
        }
    }
}
