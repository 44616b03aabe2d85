//! `codex-manager followups ...`: a session's follow-up queue (messages queued with `send --queue` while a turn
//! ran): list, edit, move, rm, pause, resume.

use clap::Subcommand;
use codex_manager_host::services::{Followup, FollowupList, FollowupQueue, FollowupStatus};
use serde_json::json;

use super::one_line;
use crate::api::ops;
use crate::client::Client;
use crate::exit::Usage;
use crate::output::{ago, wire, Output};

#[derive(Subcommand)]
pub enum FollowupsCommand {
    /// The queue's state and the follow-ups waiting, in the order they start.
    #[command(visible_alias = "ls")]
    List {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
        session: String,
        /// Also this many of the latest finished ones (started, failed, removed).
        #[arg(long, default_value_t = 0)]
        history: i64,
    },
    /// Change a queued follow-up's text or mode.
    Edit {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
        session: String,
        /// Its id, or its place in the queue (1 starts next).
        followup: String,
        /// The new text.
        #[arg(long)]
        text: Option<String>,
        /// Run it in Plan mode.
        #[arg(long, conflicts_with = "default_mode")]
        plan: bool,
        /// Run it in the default mode.
        #[arg(long = "default")]
        default_mode: bool,
    },
    /// Move a queued follow-up: to a place (`--to 1` starts it next), or one place up or down.
    #[command(name = "move")]
    Move {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
        session: String,
        /// Its id, or its place in the queue.
        followup: String,
        #[arg(long, conflicts_with_all = ["up", "down"], required_unless_present_any = ["up", "down"])]
        to: Option<usize>,
        #[arg(long, conflicts_with = "down")]
        up: bool,
        #[arg(long)]
        down: bool,
    },
    /// Remove a queued follow-up.
    #[command(visible_alias = "remove")]
    Rm {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
        session: String,
        /// Its id, or its place in the queue.
        followup: String,
    },
    /// Pause the queue: nothing starts until `resume`.
    Pause {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
        session: String,
    },
    /// Resume a paused queue (paused by you, an approval, a failed or interrupted turn): the next starts when idle.
    Resume {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
        session: String,
    },
}

/// One line of the queue's state.
pub fn queue_line(out: &Output, q: &FollowupQueue) -> String {
    let waiting = format!("{} waiting", q.count);
    if !q.paused {
        return format!("{waiting}, running");
    }
    let reason = q.reason.map(|r| r.to_string()).unwrap_or_else(|| "unknown".into());
    let mut line = format!("{waiting}, {} ({reason})", out.state("paused"));
    if let Some(message) = &q.message {
        line.push_str(&format!(": {}", one_line(message, 80)));
    }
    match q.limit.as_ref().and_then(|l| l.resets_at.as_deref()) {
        Some(at) => line.push_str(&out.dim(&format!("; resumes by itself at {at}"))),
        None => line.push_str(&out.dim("; `followups resume` starts them again")),
    }
    line
}

fn table(out: &Output, list: &[Followup]) -> String {
    let mut place = 0;
    let rows = list
        .iter()
        .map(|f| {
            let at = if f.status.is_open() {
                place += 1;
                place.to_string()
            } else {
                "-".into()
            };
            let mode = f.mode.as_ref().map(wire).unwrap_or_default();
            let detail = f.turn_id.clone().map(|t| format!("turn {t}")).or_else(|| f.error.clone()).unwrap_or_default();
            vec![at, f.id.clone(), out.state(&f.status.to_string()), mode, ago(&f.created_at), one_line(&f.text, 50), one_line(&detail, 60)]
        })
        .collect();
    out.table(&["#", "ID", "STATUS", "MODE", "QUEUED", "TEXT", "TURN/ERROR"], rows)
}

/// The waiting follow-ups, in order.
async fn waiting(client: &Client, session: &str) -> anyhow::Result<Vec<Followup>> {
    let list: FollowupList = client.call(&ops::FOLLOWUPS_LIST, &[session]).get().await?;
    Ok(list.followups.into_iter().filter(|f| f.status == FollowupStatus::Queued).collect())
}

/// A follow-up named by id, or by its place among the queued ones (1 starts next).
async fn resolve(client: &Client, session: &str, wanted: &str) -> anyhow::Result<String> {
    let Ok(place) = wanted.parse::<usize>() else { return Ok(wanted.to_string()) };
    let queued = waiting(client, session).await?;
    match place.checked_sub(1).and_then(|i| queued.get(i)) {
        Some(f) => Ok(f.id.clone()),
        None => Err(Usage(format!("there is no follow-up #{place}: {} queued", queued.len())).into()),
    }
}

pub async fn run(cmd: FollowupsCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    match cmd {
        FollowupsCommand::List { session, history } => {
            let session = crate::resolve::session(client, &session).await?;
            let reply = client.call(&ops::FOLLOWUPS_LIST, &[&session]).query("history", history).send().await?;
            out.reply(&reply, |l: &FollowupList| format!("{}\n{}", queue_line(out, &l.queue), table(out, &l.followups)))
        }
        FollowupsCommand::Edit { session, followup, text, plan, default_mode } => {
            let session = crate::resolve::session(client, &session).await?;
            let mode = if plan { Some("plan") } else if default_mode { Some("default") } else { None };
            if text.is_none() && mode.is_none() {
                return Err(Usage("give --text, --plan or --default".into()).into());
            }
            let id = resolve(client, &session, &followup).await?;
            let body = super::compact(json!({"text": text, "mode": mode}));
            let reply = client.call(&ops::FOLLOWUPS_EDIT, &[&session, &id]).json(&body).send().await?;
            out.reply(&reply, |f: &Followup| table(out, std::slice::from_ref(f)))
        }
        FollowupsCommand::Move { session, followup, to, up, down } => {
            let session = crate::resolve::session(client, &session).await?;
            let id = resolve(client, &session, &followup).await?;
            let mut ids: Vec<String> = waiting(client, &session).await?.into_iter().map(|f| f.id).collect();
            let Some(from) = ids.iter().position(|i| *i == id) else {
                return Err(Usage(format!("follow-up {id} is not queued in this session (see `followups list`)")).into());
            };
            let target = match (to, up, down) {
                (Some(place), _, _) => place.clamp(1, ids.len()) - 1,
                (None, true, _) => from.saturating_sub(1),
                _ => (from + 1).min(ids.len() - 1),
            };
            let moved = ids.remove(from);
            ids.insert(target, moved);
            // The host checks the order against the queue as it is then: a change in between is a 422, not a mix-up.
            let reply = client.call(&ops::FOLLOWUPS_REORDER, &[&session]).json(&json!({"ids": ids})).send().await?;
            out.reply(&reply, |l: &FollowupList| format!("{}\n{}", queue_line(out, &l.queue), table(out, &l.followups)))
        }
        FollowupsCommand::Rm { session, followup } => {
            let session = crate::resolve::session(client, &session).await?;
            let id = resolve(client, &session, &followup).await?;
            let reply = client.call(&ops::FOLLOWUPS_REMOVE, &[&session, &id]).send().await?;
            out.reply(&reply, |f: &Followup| format!("removed follow-up {}", f.id))
        }
        FollowupsCommand::Pause { session } => {
            let session = crate::resolve::session(client, &session).await?;
            let reply = client.call(&ops::FOLLOWUPS_PAUSE, &[&session]).send().await?;
            out.reply(&reply, |q: &FollowupQueue| queue_line(out, q))
        }
        FollowupsCommand::Resume { session } => {
            let session = crate::resolve::session(client, &session).await?;
            let reply = client.call(&ops::FOLLOWUPS_RESUME, &[&session]).send().await?;
            out.reply(&reply, |q: &FollowupQueue| queue_line(out, q))
        }
    }
}
