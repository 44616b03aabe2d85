//! `codex-manager account | models | config | capabilities`: the rest of the Codex surface.

use clap::Subcommand;
use serde_json::{json, Value};

use crate::client::{encode, Client};
use crate::output::{text, Output};

#[derive(Subcommand)]
pub enum AccountCommand {
    /// The signed-in account, and whether the provider needs one.
    Show,
    /// Log in: --api-key KEY (or CODEX_MANAGER_API_KEY), --chatgpt (prints a URL), or --device-code.
    Login {
        #[arg(long, env = "CODEX_MANAGER_API_KEY", hide_env_values = true)]
        api_key: Option<String>,
        #[arg(long)]
        chatgpt: bool,
        #[arg(long)]
        device_code: bool,
    },
    /// A login's state.
    LoginStatus { login_id: String },
    Logout,
    RateLimits,
}

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// The effective config.
    Get,
    /// Set one key (the value is parsed as JSON, else taken as a string).
    Set { key_path: String, value: String },
}

pub async fn account(cmd: AccountCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    let v: Value = match cmd {
        AccountCommand::Show => client.get("/api/account").await?,
        AccountCommand::Login { api_key, chatgpt, device_code } => {
            let body = match (api_key, chatgpt, device_code) {
                (Some(k), false, false) => json!({"type": "apiKey", "apiKey": k}),
                (None, true, false) => json!({"type": "chatgpt"}),
                (None, false, true) => json!({"type": "chatgptDeviceCode"}),
                _ => anyhow::bail!("choose one of --api-key, --chatgpt, --device-code"),
            };
            client.post("/api/account/logins", &body).await?
        }
        AccountCommand::LoginStatus { login_id } => client.get(&format!("/api/account/logins/{}", encode(&login_id))).await?,
        AccountCommand::Logout => client.post("/api/account/logout", &json!({})).await?,
        AccountCommand::RateLimits => client.get("/api/account/rate-limits").await?,
    };
    out.show(&v, |v| serde_json::to_string_pretty(v).unwrap_or_default());
    Ok(())
}

pub async fn models(client: &Client, out: &Output) -> anyhow::Result<()> {
    let v: Value = client.get("/api/models").await?;
    out.show(&v, |v| {
        v["data"].as_array().into_iter().flatten().map(|m| format!("{}  {}", text(m, "id"), text(m, "displayName"))).collect::<Vec<_>>().join("\n")
    });
    Ok(())
}

pub async fn config(cmd: ConfigCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    let v: Value = match cmd {
        ConfigCommand::Get => client.get("/api/config").await?,
        ConfigCommand::Set { key_path, value } => {
            let value: Value = serde_json::from_str(&value).unwrap_or(Value::String(value));
            client.put("/api/config/value", &json!({"keyPath": key_path, "value": value, "mergeStrategy": "replace"})).await?
        }
    };
    out.show(&v, |v| serde_json::to_string_pretty(v).unwrap_or_default());
    Ok(())
}

pub async fn capabilities(client: &Client, out: &Output) -> anyhow::Result<()> {
    let v: Value = client.get("/api/capabilities").await?;
    out.show(&v, |v| {
        let groups = v["groups"].as_object().map(|g| g.iter().map(|(k, on)| format!("{k}: {on}")).collect::<Vec<_>>().join("\n")).unwrap_or_default();
        format!("codex {} (built for {})\n{groups}", text(&v["codex"], "running"), text(&v["codex"], "expected"))
    });
    Ok(())
}
