//! `codex-manager limits`, `budgets`, `usage`: what holds automated turns back (Codex's usage limit, spent daily
//! budgets), the budgets themselves, and the tokens turns used.

use clap::{Args, Subcommand};
use codex_manager_host::services::{Budgets, LimitsStatus, UsageLimit, UsageReport};
use serde_json::json;

use crate::api::ops;
use crate::client::Client;
use crate::exit::Usage;
use crate::output::Output;

#[derive(Subcommand)]
pub enum BudgetsCommand {
    /// Every daily token budget, with what today spent of it.
    #[command(visible_alias = "ls")]
    List,
    /// Replace every budget: `budgets set --host 2000000 --project PROJECT=500000`; none given removes them all.
    Set {
        /// The host-wide budget (every turn counts), in tokens per UTC day.
        #[arg(long)]
        host: Option<i64>,
        /// A project's budget: `PROJECT_ID=TOKENS` (repeatable).
        #[arg(long = "project", value_name = "PROJECT=TOKENS")]
        projects: Vec<String>,
    },
}

#[derive(Args)]
pub struct UsageArgs {
    /// Only this session's turns.
    #[arg(long)]
    session: Option<String>,
    /// Only this project's turns.
    #[arg(long)]
    project: Option<String>,
    /// First UTC day (YYYY-MM-DD; default today).
    #[arg(long)]
    from: Option<String>,
    /// Last UTC day (default: --from).
    #[arg(long)]
    to: Option<String>,
}

/// One line per hold: what, why, and when it lifts.
pub fn limit_line(out: &Output, l: &UsageLimit) -> String {
    let until = l.resets_at.as_deref().map(|r| format!(" until {r}")).unwrap_or_default();
    format!("{}{until}: {}", out.state(&l.kind.to_string()), l.reason)
}

/// The lines `status` and `limits` show: none when nothing holds automation back.
pub fn status_lines(out: &Output, s: &LimitsStatus) -> Vec<String> {
    s.usage_limit.iter().chain(s.budgets.iter()).map(|l| limit_line(out, l)).collect()
}

pub async fn limits(client: &Client, out: &Output) -> anyhow::Result<()> {
    let reply = client.call(&ops::LIMITS_STATUS, &[]).send().await?;
    out.reply(&reply, |s: &LimitsStatus| {
        let lines = status_lines(out, s);
        if lines.is_empty() { "nothing holds automated turns back".to_string() } else { lines.join("\n") }
    })
}

fn budgets_table(out: &Output, b: &Budgets) -> String {
    if b.budgets.is_empty() {
        return "no budgets".to_string();
    }
    let rows = b
        .budgets
        .iter()
        .map(|x| {
            let spent = x.spent_today.unwrap_or(0);
            let scope = x.project_id.clone().unwrap_or_else(|| "host".into());
            let state = if spent >= x.daily_tokens { out.state("spent") } else { "ok".into() };
            vec![scope, x.daily_tokens.to_string(), spent.to_string(), state]
        })
        .collect();
    let renews = b.renews_at.as_deref().map(|r| format!("\nrenews at {r}")).unwrap_or_default();
    format!("{}{renews}", out.table(&["SCOPE", "DAILY TOKENS", "SPENT TODAY", "STATE"], rows))
}

pub async fn budgets(cmd: BudgetsCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    match cmd {
        BudgetsCommand::List => {
            let reply = client.call(&ops::LIMITS_GET_BUDGETS, &[]).send().await?;
            out.reply(&reply, |b: &Budgets| budgets_table(out, b))
        }
        BudgetsCommand::Set { host, projects } => {
            let mut budgets = Vec::new();
            if let Some(tokens) = host {
                budgets.push(json!({"dailyTokens": tokens}));
            }
            for p in projects {
                let (project, tokens) = p.split_once('=').ok_or_else(|| Usage(format!("`--project {p}`: give PROJECT=TOKENS")))?;
                let tokens: i64 = tokens.parse().map_err(|_| Usage(format!("`{tokens}` is not a number of tokens")))?;
                budgets.push(json!({"projectId": project, "dailyTokens": tokens}));
            }
            let reply = client.call(&ops::LIMITS_SET_BUDGETS, &[]).json(&json!({"budgets": budgets})).send().await?;
            out.reply(&reply, |b: &Budgets| budgets_table(out, b))
        }
    }
}

pub async fn usage(args: UsageArgs, client: &Client, out: &Output) -> anyhow::Result<()> {
    let session = match &args.session {
        Some(s) => Some(crate::resolve::session(client, s).await?),
        None => None,
    };
    let reply = client
        .call(&ops::LIMITS_USAGE, &[])
        .query_opt("sessionId", session)
        .query_opt("projectId", args.project)
        .query_opt("from", args.from)
        .query_opt("to", args.to)
        .send()
        .await?;
    out.reply(&reply, |u: &UsageReport| {
        let rows = u
            .days
            .iter()
            .map(|d| vec![d.day.clone(), d.turns.to_string(), d.tokens.input.to_string(), d.tokens.cached_input.to_string(), d.tokens.output.to_string(), d.tokens.total.to_string()])
            .collect();
        let table = out.table(&["DAY (UTC)", "TURNS", "INPUT", "CACHED", "OUTPUT", "TOTAL"], rows);
        format!("{table}\n{} turns, {} tokens ({} to {})", u.turns, u.tokens.total, u.from, u.to)
    })
}
