//! `codex-manager settings ...` and `codex-manager controls ...`

use clap::Subcommand;
use codex_manager_host::services::{ApprovalPolicy, ControlsView, SandboxMode, SessionControls, Setting};
use serde_json::{json, Value};

use super::loose_value;
use crate::api::ops;
use crate::client::Client;
use crate::output::{ago, opt, wire, Output};

#[derive(Subcommand)]
pub enum SettingsCommand {
    List {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
        session: String,
    },
    Get {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
        session: String,
        key: String,
    },
    /// Set a key; the value is parsed as JSON, else taken as a string.
    Set {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
        session: String,
        key: String,
        value: String,
    },
    Delete {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
        session: String,
        key: String,
    },
}

#[derive(Subcommand)]
pub enum ControlsCommand {
    /// Show a session's controls (own, defaults, effective), or the defaults without a session.
    Get {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
        session: Option<String>,
    },
    /// Set a session's controls (or the defaults with --defaults). Unset flags inherit.
    Set {
        #[arg(allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
        session: Option<String>,
        #[arg(long)]
        defaults: bool,
        #[arg(long)]
        model: Option<String>,
        #[arg(long)]
        reasoning_effort: Option<String>,
        /// untrusted | on-request | never
        #[arg(long, value_parser = parse_wire::<ApprovalPolicy>)]
        approval_policy: Option<ApprovalPolicy>,
        /// read-only | workspace-write | danger-full-access
        #[arg(long, value_parser = parse_wire::<SandboxMode>)]
        sandbox: Option<SandboxMode>,
        #[arg(long)]
        network_access: Option<bool>,
    },
}

/// A host enum from its wire string (what the API takes), so the CLI accepts exactly the host's values.
fn parse_wire<T: serde::de::DeserializeOwned>(s: &str) -> Result<T, String> {
    serde_json::from_value(Value::String(s.to_string())).map_err(|e| e.to_string())
}

pub async fn run_settings(mut cmd: SettingsCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    let (SettingsCommand::List { session } | SettingsCommand::Get { session, .. } | SettingsCommand::Set { session, .. } | SettingsCommand::Delete { session, .. }) = &mut cmd;
    *session = crate::resolve::session(client, session).await?;
    match cmd {
        SettingsCommand::List { session } => {
            let reply = client.call(&ops::SETTINGS_LIST, &[&session]).send().await?;
            out.reply(&reply, |list: &Vec<Setting>| {
                let rows = list.iter().map(|s| vec![s.key.clone(), s.value.to_string(), ago(&s.updated_at)]).collect();
                out.table(&["KEY", "VALUE", "UPDATED"], rows)
            })
        }
        SettingsCommand::Get { session, key } => {
            out.reply(&client.call(&ops::SETTINGS_GET, &[&session, &key]).send().await?, |s: &Setting| s.value.to_string())
        }
        SettingsCommand::Set { session, key, value } => {
            let reply = client.call(&ops::SETTINGS_PUT, &[&session, &key]).json(&loose_value(value)).send().await?;
            out.reply(&reply, |s: &Setting| format!("{} = {}", s.key, s.value))
        }
        SettingsCommand::Delete { session, key } => {
            client.call(&ops::SETTINGS_DELETE, &[&session, &key]).send().await?;
            out.show(&json!({"deleted": key}), |_| format!("deleted {key}"));
            Ok(())
        }
    }
}

fn render_controls(c: &SessionControls) -> String {
    [
        ("model", opt(&c.model)),
        ("reasoningEffort", opt(&c.reasoning_effort)),
        ("approvalPolicy", c.approval_policy.as_ref().map_or_else(|| "-".into(), wire)),
        ("sandbox", c.sandbox.as_ref().map_or_else(|| "-".into(), wire)),
        ("networkAccess", opt(&c.network_access)),
    ]
    .iter()
    .map(|(k, v)| format!("{k}={v}"))
    .collect::<Vec<_>>()
    .join("  ")
}

pub async fn run_controls(mut cmd: ControlsCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    let (ControlsCommand::Get { session } | ControlsCommand::Set { session, .. }) = &mut cmd;
    *session = crate::resolve::session_opt(client, session.take()).await?;
    match cmd {
        ControlsCommand::Get { session: Some(s) } => {
            let reply = client.call(&ops::CONTROLS_GET_SESSION, &[&s]).send().await?;
            out.reply(&reply, |v: &ControlsView| {
                format!(
                    "effective: {}\nown:       {}\ndefaults:  {}",
                    render_controls(&v.effective),
                    render_controls(&v.own),
                    render_controls(&v.defaults)
                )
            })
        }
        ControlsCommand::Get { session: None } => {
            out.reply(&client.call(&ops::CONTROLS_GET_DEFAULTS, &[]).send().await?, |c: &SessionControls| format!("defaults: {}", render_controls(c)))
        }
        ControlsCommand::Set { session, defaults, model, reasoning_effort, approval_policy, sandbox, network_access } => {
            let body = SessionControls { model, reasoning_effort, approval_policy, sandbox, network_access };
            match (session, defaults) {
                (_, true) => {
                    let reply = client.call(&ops::CONTROLS_PUT_DEFAULTS, &[]).json(&body).send().await?;
                    out.reply(&reply, |c: &SessionControls| format!("defaults: {}", render_controls(c)))
                }
                (Some(s), false) => {
                    let reply = client.call(&ops::CONTROLS_PUT_SESSION, &[&s]).json(&body).send().await?;
                    out.reply(&reply, |v: &ControlsView| format!("effective: {}", render_controls(&v.effective)))
                }
                (None, false) => crate::usage!("name a session, or pass --defaults"),
            }
        }
    }
}
