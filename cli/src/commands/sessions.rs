//! `codex-manager sessions ...` (and `notes`): the session's life, its history and the thread operations.

use clap::{Args, Subcommand, ValueEnum};
use codex_manager_host::services::{NotePage, ReviewTarget, Session, SessionDetail, SessionPage, Transcript, TurnRecord, TurnRecordPage};
use serde_json::{json, Value};

use super::{compact, items, one_line, turns};
use crate::api::ops;
use crate::client::{Call, Client};
use crate::output::{ago, opt, text, wire, Output};
use crate::resolve;

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
        /// The page after this one's `nextCursor`.
        #[arg(long)]
        cursor: Option<String>,
        /// Include plugins' hidden worker sessions.
        #[arg(long)]
        workers: bool,
    },
    /// Create a session in a project or a working directory (default: the current directory).
    Create {
        #[arg(long)]
        project: Option<String>,
        #[arg(long)]
        cwd: Option<String>,
        #[arg(long)]
        title: Option<String>,
    },
    /// Show a session and its transcript.
    #[command(visible_alias = "get")]
    Show {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = resolve::SESSION_HELP)]
        id: String,
        #[command(flatten)]
        page: TranscriptPage,
    },
    /// The transcript alone: turns with their items.
    Transcript {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = resolve::SESSION_HELP)]
        id: String,
        #[command(flatten)]
        page: TranscriptPage,
    },
    /// Rename a session.
    Rename {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = resolve::SESSION_HELP)]
        id: String,
        title: String,
    },
    /// Move a session to a project ("" for none).
    Move {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = resolve::SESSION_HELP)]
        id: String,
        project: String,
    },
    Archive {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = resolve::SESSION_HELP)]
        id: String,
    },
    Unarchive {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = resolve::SESSION_HELP)]
        id: String,
    },
    Delete {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = resolve::SESSION_HELP)]
        id: String,
    },
    /// Fork a session into a new one with the same history.
    Fork {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = resolve::SESSION_HELP)]
        id: String,
    },
    /// Load a session's thread into app-server now.
    Resume {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = resolve::SESSION_HELP)]
        id: String,
    },
    /// The turns the host recorded for a session, newest first.
    Turns {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = resolve::SESSION_HELP)]
        id: String,
        #[arg(long)]
        limit: Option<i64>,
        #[arg(long)]
        cursor: Option<String>,
    },
    /// One turn's record; `--wait` waits for its end (exit 7 unless it completed).
    Turn {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = resolve::SESSION_HELP)]
        id: String,
        turn: String,
        #[arg(long)]
        wait: bool,
    },
    /// Ask codex to review changes: uncommitted (default), against a branch, one commit, or custom instructions.
    Review {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = resolve::SESSION_HELP)]
        id: String,
        /// Review the current branch against this base branch.
        #[arg(long, conflicts_with_all = ["commit", "instructions"])]
        branch: Option<String>,
        /// Review one commit.
        #[arg(long, conflicts_with = "instructions")]
        commit: Option<String>,
        /// Review by these free-form instructions.
        #[arg(long)]
        instructions: Option<String>,
        /// Run the review in a separate thread instead of this session.
        #[arg(long)]
        detached: bool,
    },
    /// Compact the session's history (summarize it to free context).
    Compact {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = resolve::SESSION_HELP)]
        id: String,
    },
    /// Cut the history back to before a turn (files are not reverted).
    Revert {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = resolve::SESSION_HELP)]
        id: String,
        /// The first turn to drop.
        #[arg(long)]
        before: String,
    },
    /// Stop background terminals that outlived their turn.
    CleanTerminals {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = resolve::SESSION_HELP)]
        id: String,
    },
    /// Run a shell command in the session, unsandboxed (like `!command` in Codex).
    Shell {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = resolve::SESSION_HELP)]
        id: String,
        command: String,
        #[arg(long)]
        timeout_ms: Option<u64>,
    },
    /// Notes plugins left on a session (same as `codex-manager notes`).
    Notes(NotesArgs),
}

#[derive(Args)]
pub struct NotesArgs {
    #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
    pub session: String,
    /// Only notes of this kind (`turn-review`, `next-request`, ...).
    #[arg(long)]
    pub kind: Option<String>,
    #[arg(long, default_value_t = 500)]
    pub limit: i64,
}

/// Which page of a transcript to read (`sessions show` and `sessions transcript` take the same query).
#[derive(Args)]
pub struct TranscriptPage {
    /// Turns of the transcript per page.
    #[arg(long)]
    limit: Option<i64>,
    #[arg(long)]
    cursor: Option<String>,
    #[arg(long)]
    order: Option<Order>,
}

impl TranscriptPage {
    fn query<'a>(self, call: Call<'a>) -> Call<'a> {
        call.query_opt("limit", self.limit).query_opt("cursor", self.cursor).query_opt("order", self.order)
    }
}

#[derive(Clone, Copy, ValueEnum)]
pub enum Order {
    Asc,
    Desc,
}

impl std::fmt::Display for Order {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Order::Asc => "asc",
            Order::Desc => "desc",
        })
    }
}

const HEADER: [&str; 6] = ["ID", "STATUS", "ACTIVE", "HOST", "TITLE", "CWD"];

fn row(out: &Output, s: &Session) -> Vec<String> {
    let mut status = out.state(&wire(&s.status));
    if s.archived {
        status.push_str(" (archived)");
    }
    // The host whose app-server holds the thread (the others forward to it); one that cannot act now says so.
    let mut owner = one_line(&s.owner.name, 24);
    if !s.owner.online {
        owner.push_str(&format!(" ({})", out.state("offline")));
    }
    vec![s.id.clone(), status, ago(&s.last_activity_at), owner, one_line(&opt(&s.title), 40), s.cwd.clone()]
}

pub fn table(out: &Output, sessions: &[Session]) -> String {
    out.table(&HEADER, sessions.iter().map(|s| row(out, s)).collect())
}

fn one(out: &Output, s: &Session) -> String {
    table(out, std::slice::from_ref(s))
}

impl SessionsCommand {
    /// The session the command is about, as typed (resolved before the command runs).
    fn session(&mut self) -> Option<&mut String> {
        use SessionsCommand as S;
        match self {
            S::List { .. } | S::Create { .. } => None,
            S::Show { id, .. }
            | S::Transcript { id, .. }
            | S::Rename { id, .. }
            | S::Move { id, .. }
            | S::Archive { id }
            | S::Unarchive { id }
            | S::Delete { id }
            | S::Fork { id }
            | S::Resume { id }
            | S::Turns { id, .. }
            | S::Turn { id, .. }
            | S::Review { id, .. }
            | S::Compact { id }
            | S::Revert { id, .. }
            | S::CleanTerminals { id }
            | S::Shell { id, .. } => Some(id),
            S::Notes(a) => Some(&mut a.session),
        }
    }
}

pub async fn run(mut cmd: SessionsCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    if let Some(id) = cmd.session() {
        *id = resolve::session(client, id).await?;
    }
    let one = |s: &Session| one(out, s);
    match cmd {
        SessionsCommand::List { project, archived, q, limit, cursor, workers } => {
            let reply = client
                .call(&ops::SESSIONS_LIST, &[])
                .query("limit", limit)
                .query("archived", archived)
                .query("workers", workers)
                .query_opt("projectId", project)
                .query_opt("q", q)
                .query_opt("cursor", cursor)
                .send()
                .await?;
            out.reply(&reply, |page: &SessionPage| {
                let mut t = table(out, &page.sessions);
                if let Some(next) = &page.next_cursor {
                    t.push_str(&out.dim(&format!("\nmore: --cursor {next}")));
                }
                if let Some(notice) = &page.notice {
                    t.push_str(&format!("\nnote: {notice}"));
                }
                t
            })
        }
        SessionsCommand::Create { project, cwd, title } => {
            let cwd = match (&cwd, &project) {
                (Some(c), _) => Some(std::fs::canonicalize(c).map(|p| p.display().to_string()).unwrap_or_else(|_| c.clone())),
                (None, None) => Some(std::env::current_dir()?.display().to_string()),
                (None, Some(_)) => None,
            };
            let body = compact(json!({"projectId": project, "cwd": cwd, "title": title}));
            out.reply(&client.call(&ops::SESSIONS_CREATE, &[]).json(&body).send().await?, one)
        }
        SessionsCommand::Show { id, page } => {
            let reply = page.query(client.call(&ops::SESSIONS_GET, &[&id])).send().await?;
            out.reply(&reply, |d: &SessionDetail| match &d.transcript {
                Some(transcript) => format!("{}\n{}", one(&d.session), render_turns(transcript)),
                // Another host's session comes without it only while that host is offline (its app-server has it).
                None if !d.session.owner.online => {
                    format!("{}\n{}", one(&d.session), out.dim(&format!("(no transcript: host {} is offline)", d.session.owner.name)))
                }
                None => format!("{}\n{}", one(&d.session), out.dim("(no transcript: app-server is not running)")),
            })
        }
        SessionsCommand::Transcript { id, page } => {
            let reply = page.query(client.call(&ops::SESSIONS_TRANSCRIPT, &[&id])).send().await?;
            out.reply(&reply, render_turns)
        }
        SessionsCommand::Rename { id, title } => {
            out.reply(&client.call(&ops::SESSIONS_UPDATE, &[&id]).json(&json!({"title": title})).send().await?, one)
        }
        SessionsCommand::Move { id, project } => {
            out.reply(&client.call(&ops::SESSIONS_UPDATE, &[&id]).json(&json!({"projectId": project})).send().await?, one)
        }
        SessionsCommand::Archive { id } => out.reply(&client.call(&ops::SESSIONS_ARCHIVE, &[&id]).send().await?, one),
        SessionsCommand::Unarchive { id } => out.reply(&client.call(&ops::SESSIONS_UNARCHIVE, &[&id]).send().await?, one),
        SessionsCommand::Fork { id } => out.reply(&client.call(&ops::SESSIONS_FORK, &[&id]).send().await?, one),
        SessionsCommand::Resume { id } => out.reply(&client.call(&ops::SESSIONS_RESUME, &[&id]).send().await?, one),
        SessionsCommand::Delete { id } => {
            client.call(&ops::SESSIONS_DELETE, &[&id]).send().await?;
            out.show(&json!({"deleted": id}), |_| format!("deleted session {id}"));
            Ok(())
        }
        SessionsCommand::Turns { id, limit, cursor } => {
            let reply = client.call(&ops::TURNS_LIST_TURNS, &[&id]).query_opt("limit", limit).query_opt("cursor", cursor).send().await?;
            out.reply(&reply, |page: &TurnRecordPage| {
                let rows = page
                    .turns
                    .iter()
                    .map(|t| {
                        let outcome = t.error.as_deref().or(t.final_text.as_deref()).unwrap_or("");
                        vec![t.id.clone(), out.state(&t.status.to_string()), ago(&t.started_at), one_line(outcome, 60)]
                    })
                    .collect();
                let mut t = out.table(&["TURN", "STATUS", "STARTED", "RESULT"], rows);
                if let Some(next) = &page.next_cursor {
                    t.push_str(&out.dim(&format!("\nmore: --cursor {next}")));
                }
                t
            })
        }
        SessionsCommand::Turn { id, turn, wait } => {
            let reply = if wait { turns::wait_turn(client, &id, &turn).await? } else { client.call(&ops::TURNS_GET_TURN, &[&id, &turn]).send().await? };
            out.reply(&reply, |r: &TurnRecord| turns::render_record(out, r))?;
            if wait {
                turns::outcome(&reply)?;
            }
            Ok(())
        }
        SessionsCommand::Review { id, branch, commit, instructions, detached } => {
            let target = match (branch, commit, instructions) {
                (Some(branch), _, _) => ReviewTarget::BaseBranch { branch },
                (_, Some(sha), _) => ReviewTarget::Commit { sha },
                (_, _, Some(instructions)) => ReviewTarget::Custom { instructions },
                _ => ReviewTarget::UncommittedChanges,
            };
            let body = compact(json!({"target": target, "delivery": detached.then_some("detached")}));
            let reply = client.call(&ops::THREAD_REVIEW, &[&id]).json(&body).send().await?;
            // app-server's own `review/start` result (`Value` in the host too).
            out.reply(&reply, |v: &Value| {
                let turn = v["turn"]["id"].as_str().map(|t| format!(": turn {t}")).unwrap_or_default();
                format!("review started{turn} (follow it with `codex-manager sessions turns {id}` or `events --follow --session {id}`)")
            })
        }
        SessionsCommand::Compact { id } => {
            out.reply(&client.call(&ops::THREAD_COMPACT, &[&id]).send().await?, |_: &Value| format!("compaction of {id} started"))
        }
        SessionsCommand::Revert { id, before } => {
            let reply = client.call(&ops::THREAD_REVERT, &[&id]).json(&json!({"beforeTurnId": before})).send().await?;
            out.reply(&reply, |_: &Value| format!("history of {id} cut back to before turn {before}"))
        }
        SessionsCommand::CleanTerminals { id } => {
            let reply = client.call(&ops::THREAD_CLEAN_BACKGROUND_TERMINALS, &[&id]).send().await?;
            out.reply(&reply, |_: &Value| "background terminals cleaned".to_string())
        }
        SessionsCommand::Shell { id, command, timeout_ms } => {
            let body = compact(json!({"command": command, "timeoutMs": timeout_ms}));
            let reply = client.call(&ops::THREAD_SHELL, &[&id]).json(&body).send().await?;
            out.reply(&reply, |_: &Value| format!("started; its output arrives in the session (`codex-manager sessions show {id}`)"))
        }
        SessionsCommand::Notes(a) => notes_of(a, client, out).await,
    }
}

pub async fn notes(mut a: NotesArgs, client: &Client, out: &Output) -> anyhow::Result<()> {
    a.session = resolve::session(client, &a.session).await?;
    notes_of(a, client, out).await
}

async fn notes_of(a: NotesArgs, client: &Client, out: &Output) -> anyhow::Result<()> {
    let reply = client.call(&ops::NOTES_LIST, &[&a.session]).query("limit", a.limit).query_opt("kind", a.kind).send().await?;
    out.reply(&reply, |page: &NotePage| {
        page.notes
            .iter()
            .map(|n| format!("[{}] {} ({}, {})\n{}\n", n.kind, n.title, n.plugin_id, ago(&n.created_at), n.body))
            .collect::<Vec<_>>()
            .join("\n")
    })
}

/// A readable transcript: user and assistant messages, commands with their output, file changes. The turns and
/// their items are app-server's own objects (`Value` in the host's `Transcript` too), so they are read as JSON.
fn render_turns(transcript: &Transcript) -> String {
    let mut lines = Vec::new();
    for turn in &transcript.turns {
        lines.push(format!("--- turn {} ({})", text(turn, "id"), text(turn, "status")));
        for item in items(turn, "items") {
            match item["type"].as_str().unwrap_or("") {
                "userMessage" => {
                    let t: Vec<&str> = items(item, "content").iter().filter_map(|c| c["text"].as_str()).collect();
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
    if let Some(next) = &transcript.next_cursor {
        lines.push(format!("(more: --cursor {next})"));
    }
    lines.join("\n")
}
