//! `codex-manager settings ...` and `codex-manager controls ...`

use clap::Subcommand;
use serde_json::{json, Value};

use crate::client::{encode, Client};
use crate::output::{text, Output};

#[derive(Subcommand)]
pub enum SettingsCommand {
    List { session: String },
    Get { session: String, key: String },
    /// Set a key; the value is parsed as JSON, else taken as a string.
    Set { session: String, key: String, value: String },
    Delete { session: String, key: String },
}

#[derive(Subcommand)]
pub enum ControlsCommand {
    /// Show a session's controls (own, defaults, effective), or the defaults without a session.
    Get { session: Option<String> },
    /// Set a session's controls (or the defaults with --defaults). Unset flags inherit.
    Set {
        session: Option<String>,
        #[arg(long)]
        defaults: bool,
        #[arg(long)]
        model: Option<String>,
        #[arg(long)]
        reasoning_effort: Option<String>,
        /// untrusted | on-request | never
        #[arg(long)]
        approval_policy: Option<String>,
        /// read-only | workspace-write | danger-full-access
        #[arg(long)]
        sandbox: Option<String>,
        #[arg(long)]
        network_access: Option<bool>,
    },
}

pub async fn run_settings(cmd: SettingsCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    let path = |s: &str, k: &str| format!("/api/sessions/{}/settings/{}", encode(s), encode(k));
    match cmd {
        SettingsCommand::List { session } => {
            let v: Value = client.get(&format!("/api/sessions/{}/settings", encode(&session))).await?;
            out.show(&v, |v| {
                v.as_array().into_iter().flatten().map(|s| format!("{} = {}", text(s, "key"), s["value"])).collect::<Vec<_>>().join("\n")
            });
        }
        SettingsCommand::Get { session, key } => {
            let v: Value = client.get(&path(&session, &key)).await?;
            out.show(&v, |v| v["value"].to_string());
        }
        SettingsCommand::Set { session, key, value } => {
            let value: Value = serde_json::from_str(&value).unwrap_or(Value::String(value));
            let v: Value = client.put(&path(&session, &key), &value).await?;
            out.show(&v, |v| format!("{} = {}", text(v, "key"), v["value"]));
        }
        SettingsCommand::Delete { session, key } => {
            client.delete(&path(&session, &key)).await?;
            out.show(&json!({"deleted": key}), |_| format!("deleted {key}"));
        }
    }
    Ok(())
}

pub async fn run_controls(cmd: ControlsCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    match cmd {
        ControlsCommand::Get { session: Some(s) } => {
            let v: Value = client.get(&format!("/api/sessions/{}/controls", encode(&s))).await?;
            out.show(&v, |v| format!("effective: {}\nown: {}\ndefaults: {}", v["effective"], v["own"], v["defaults"]));
        }
        ControlsCommand::Get { session: None } => {
            let v: Value = client.get("/api/controls/defaults").await?;
            out.show(&v, |v| format!("defaults: {v}"));
        }
        ControlsCommand::Set { session, defaults, model, reasoning_effort, approval_policy, sandbox, network_access } => {
            let body = json!({
                "model": model, "reasoningEffort": reasoning_effort, "approvalPolicy": approval_policy,
                "sandbox": sandbox, "networkAccess": network_access,
            });
            let body: serde_json::Map<String, Value> = body.as_object().unwrap().iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k.clone(), v.clone())).collect();
            let v: Value = match (session, defaults) {
                (_, true) => client.put("/api/controls/defaults", &body).await?,
                (Some(s), false) => client.put(&format!("/api/sessions/{}/controls", encode(&s)), &body).await?,
                (None, false) => anyhow::bail!("name a session, or pass --defaults"),
            };
            out.show(&v, |v| format!("{v}"));
        }
    }
    Ok(())
}
