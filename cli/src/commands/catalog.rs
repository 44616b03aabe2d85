//! `codex-manager models | providers | collaboration-modes | mcp | skills | features | hooks`: what codex offers,
//! as app-server lists it (the host passes its answers through, so they are shown generically).

use clap::{Args, Subcommand};
use codex_manager_host::services::{McpLogin, SkillEnablement};
use serde_json::{json, Value};

use super::{one_line, pretty};
use crate::api::ops;
use crate::client::Client;
use crate::output::{text, Output};

#[derive(Args)]
pub struct ModelsArgs {
    /// Include models codex hides by default.
    #[arg(long)]
    include_hidden: bool,
    /// Only this provider's models (see `codex-manager providers`).
    #[arg(long)]
    provider: Option<String>,
    #[arg(long)]
    limit: Option<i64>,
    #[arg(long)]
    cursor: Option<String>,
}

#[derive(Subcommand)]
pub enum McpCommand {
    /// The configured MCP servers and their auth status.
    #[command(visible_alias = "list")]
    Servers,
    /// Reload MCP servers from the config.
    Reload,
    /// Start an OAuth login for a server (prints the URL to open).
    Login {
        name: String,
        /// OAuth scopes to ask for (repeatable).
        #[arg(long = "scope")]
        scopes: Vec<String>,
        /// How long app-server waits for the login to complete (1-86400 s).
        #[arg(long)]
        timeout_secs: Option<u64>,
    },
}

#[derive(Subcommand)]
pub enum SkillsCommand {
    List,
    Enable {
        name: String,
        /// The skill's path (as `skills list` shows it), when the name is ambiguous.
        #[arg(long)]
        path: Option<String>,
    },
    Disable {
        name: String,
        #[arg(long)]
        path: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum FeaturesCommand {
    List,
    Enable { name: String },
    Disable { name: String },
}

#[derive(Subcommand)]
pub enum HooksCommand {
    List,
    /// Enable or disable a hook by the key `hooks list` shows.
    Set {
        key: String,
        #[arg(action = clap::ArgAction::Set)]
        enabled: bool,
    },
}

/// The rows of an app-server list: `data` (or the answer's first array), with nested per-directory lists (`skills`,
/// `hooks`) flattened.
fn rows(v: &Value) -> Vec<Value> {
    let list = match v {
        Value::Array(a) => a.clone(),
        Value::Object(o) => o.get("data").and_then(Value::as_array).or_else(|| o.values().find_map(Value::as_array)).cloned().unwrap_or_default(),
        _ => Vec::new(),
    };
    list.into_iter()
        .flat_map(|item| match item.get("skills").or_else(|| item.get("hooks")).and_then(Value::as_array) {
            Some(skills) => skills.clone(),
            None => vec![item],
        })
        .collect()
}

/// A table of whichever of the usual columns the rows have; the raw answer when there are no rows to show. These
/// answers are app-server's own objects (models, providers, MCP servers, skills, features, hooks: `Value` in the
/// host too), so they are read as JSON.
fn list(out: &Output, v: &Value) -> String {
    let rows = rows(v);
    if rows.is_empty() {
        let is_list = v.is_array() || v.as_object().is_some_and(|o| o.values().any(Value::is_array));
        return if is_list { out.table(&[], Vec::new()) } else { pretty(v) };
    }
    let columns: Vec<&str> = ["id", "name", "key", "displayName", "model", "mode", "stage", "enabled", "authStatus", "status", "path", "description"]
        .into_iter()
        .filter(|c| rows.iter().any(|r| !r[*c].is_null()))
        .collect();
    if columns.is_empty() {
        return pretty(v);
    }
    let header: Vec<String> = columns.iter().map(|c| c.to_uppercase()).collect();
    let header: Vec<&str> = header.iter().map(String::as_str).collect();
    let body = rows
        .iter()
        .map(|r| {
            columns
                .iter()
                .map(|c| match *c {
                    "enabled" | "status" | "authStatus" => out.state(&text(r, c)),
                    "description" => one_line(&text(r, c), 60),
                    _ => text(r, c),
                })
                .collect()
        })
        .collect();
    out.table(&header, body)
}

pub async fn models(a: ModelsArgs, client: &Client, out: &Output) -> anyhow::Result<()> {
    let reply = client
        .call(&ops::CATALOG_MODELS, &[])
        .query_opt("includeHidden", a.include_hidden.then_some(true))
        .query_opt("modelProvider", a.provider)
        .query_opt("limit", a.limit)
        .query_opt("cursor", a.cursor)
        .send()
        .await?;
    out.reply(&reply, |v: &Value| list(out, v))
}

pub async fn providers(client: &Client, out: &Output) -> anyhow::Result<()> {
    out.reply(&client.call(&ops::CATALOG_PROVIDERS, &[]).send().await?, |v: &Value| list(out, v))
}

pub async fn collaboration_modes(client: &Client, out: &Output) -> anyhow::Result<()> {
    out.reply(&client.call(&ops::CATALOG_COLLABORATION_MODES, &[]).send().await?, |v: &Value| list(out, v))
}

pub async fn mcp(cmd: McpCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    match cmd {
        McpCommand::Servers => out.reply(&client.call(&ops::CATALOG_MCP_SERVERS, &[]).send().await?, |v: &Value| list(out, v)),
        McpCommand::Reload => out.reply(&client.call(&ops::CATALOG_MCP_RELOAD, &[]).send().await?, |_: &Value| "MCP servers reloaded".into()),
        McpCommand::Login { name, scopes, timeout_secs } => {
            let body = McpLogin { scopes: (!scopes.is_empty()).then_some(scopes), timeout_secs };
            let reply = client.call(&ops::CATALOG_MCP_LOGIN, &[&name]).json(&body).send().await?;
            // app-server's own `mcpServer/oauth/login` result (`Value` in the host too).
            out.reply(&reply, |v: &Value| match v["authorizationUrl"].as_str() {
                Some(url) => format!("open this URL to log in to {name}:\n{url}"),
                None => pretty(v),
            })
        }
    }
}

pub async fn skills(cmd: SkillsCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    let (name, path, enabled) = match cmd {
        SkillsCommand::List => return out.reply(&client.call(&ops::CATALOG_SKILLS, &[]).send().await?, |v: &Value| list(out, v)),
        SkillsCommand::Enable { name, path } => (name, path, true),
        SkillsCommand::Disable { name, path } => (name, path, false),
    };
    let reply = client.call(&ops::CATALOG_SKILL_ENABLE, &[&name]).json(&SkillEnablement { enabled, path }).send().await?;
    out.reply(&reply, |_: &Value| format!("skill {name} {}", if enabled { "enabled" } else { "disabled" }))
}

pub async fn features(cmd: FeaturesCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    let (name, enabled) = match cmd {
        FeaturesCommand::List => return out.reply(&client.call(&ops::CATALOG_FEATURES, &[]).send().await?, |v: &Value| list(out, v)),
        FeaturesCommand::Enable { name } => (name, true),
        FeaturesCommand::Disable { name } => (name, false),
    };
    let reply = client.call(&ops::CATALOG_FEATURE_ENABLE, &[&name]).json(&json!({"enabled": enabled})).send().await?;
    out.reply(&reply, |_: &Value| format!("feature {name} {}", if enabled { "enabled" } else { "disabled" }))
}

pub async fn hooks(cmd: HooksCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    match cmd {
        HooksCommand::List => out.reply(&client.call(&ops::CATALOG_HOOKS, &[]).send().await?, |v: &Value| list(out, v)),
        HooksCommand::Set { key, enabled } => {
            let reply = client.call(&ops::CATALOG_HOOK_STATE, &[]).json(&json!({"key": key, "enabled": enabled})).send().await?;
            out.reply(&reply, |_: &Value| format!("hook {key} {}", if enabled { "enabled" } else { "disabled" }))
        }
    }
}
