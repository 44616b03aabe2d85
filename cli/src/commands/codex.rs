//! `codex-manager account | config | exec | feedback | capabilities`: codex's own surface, through the host.

use clap::{Args, Subcommand};
use codex_manager_host::services::{CapabilityReport, ConfigBatch, ConfigEdit, ExecRequest, Feedback, MergeStrategy, SandboxMode};
use serde_json::{json, Value};

use super::{json_arg, loose_value, pretty};
use crate::api::ops;
use crate::client::Client;
use crate::exit::Failed;
use crate::output::{opt, Output};

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
    /// A login's state: pending, succeeded or failed.
    LoginStatus { login_id: String },
    /// Cancel a pending login.
    LoginCancel { login_id: String },
    Logout,
    /// The account's rate limits (primary and secondary windows).
    RateLimits,
    /// The account's token usage.
    Usage,
}

#[derive(Subcommand)]
pub enum ConfigCommand {
    /// The effective config.
    Get,
    /// Set one key (the value is parsed as JSON, else taken as a string).
    Set {
        key_path: String,
        value: String,
        /// Merge a table into the existing one instead of replacing it.
        #[arg(long)]
        upsert: bool,
    },
    /// Apply several edits at once: a JSON array of `{keyPath, value, mergeStrategy?}`.
    Batch {
        edits: String,
        /// Do not reload the user config in the running app-server.
        #[arg(long)]
        no_reload: bool,
    },
    /// What the environment requires of the config (managed settings).
    Requirements,
}

#[derive(Args)]
pub struct ExecArgs {
    /// The command and its arguments (after `--`).
    #[arg(required = true, trailing_var_arg = true, allow_hyphen_values = true)]
    command: Vec<String>,
    /// Absolute working directory (default: the current one).
    #[arg(long)]
    cwd: Option<String>,
    /// read-only (default) | workspace-write | danger-full-access
    #[arg(long, value_parser = |s: &str| serde_json::from_value::<SandboxMode>(Value::String(s.into())).map_err(|e| e.to_string()))]
    sandbox: Option<SandboxMode>,
    #[arg(long)]
    network_access: bool,
    #[arg(long)]
    timeout_ms: Option<u64>,
}

#[derive(Args)]
pub struct FeedbackArgs {
    /// `bug`, `good_result`, `bad_result`, ...
    classification: String,
    #[arg(long)]
    reason: Option<String>,
    /// Attach this session's thread.
    #[arg(long, allow_hyphen_values = true, value_name = "SESSION", help = crate::resolve::SESSION_HELP)]
    session: Option<String>,
    #[arg(long)]
    include_logs: bool,
}

pub async fn account(cmd: AccountCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    let reply = match cmd {
        AccountCommand::Show => client.call(&ops::ACCOUNT_READ, &[]).send().await?,
        AccountCommand::Login { api_key, chatgpt, device_code } => {
            let body = match (api_key, chatgpt, device_code) {
                (Some(k), false, false) => json!({"type": "apiKey", "apiKey": k}),
                (None, true, false) => json!({"type": "chatgpt"}),
                (None, false, true) => json!({"type": "chatgptDeviceCode"}),
                _ => crate::usage!("choose one of --api-key, --chatgpt, --device-code"),
            };
            client.call(&ops::ACCOUNT_LOGIN, &[]).json(&body).send().await?
        }
        AccountCommand::LoginStatus { login_id } => client.call(&ops::ACCOUNT_LOGIN_STATE, &[&login_id]).send().await?,
        AccountCommand::LoginCancel { login_id } => client.call(&ops::ACCOUNT_CANCEL_LOGIN, &[&login_id]).send().await?,
        AccountCommand::Logout => client.call(&ops::ACCOUNT_LOGOUT, &[]).send().await?,
        AccountCommand::RateLimits => client.call(&ops::ACCOUNT_RATE_LIMITS, &[]).send().await?,
        AccountCommand::Usage => client.call(&ops::ACCOUNT_USAGE, &[]).send().await?,
    };
    out.reply(&reply, pretty)
}

pub async fn config(cmd: ConfigCommand, client: &Client, out: &Output) -> anyhow::Result<()> {
    let reply = match cmd {
        ConfigCommand::Get => client.call(&ops::CONFIG_READ, &[]).send().await?,
        ConfigCommand::Set { key_path, value, upsert } => {
            let merge_strategy = if upsert { MergeStrategy::Upsert } else { MergeStrategy::Replace };
            let edit = ConfigEdit { key_path, value: loose_value(value), merge_strategy };
            client.call(&ops::CONFIG_WRITE_VALUE, &[]).json(&edit).send().await?
        }
        ConfigCommand::Batch { edits, no_reload } => {
            let edits: Vec<ConfigEdit> =
                serde_json::from_value(json_arg(&edits, "the edits")?).map_err(|e| crate::exit::Usage(format!("the edits: {e}")))?;
            client.call(&ops::CONFIG_WRITE_BATCH, &[]).json(&ConfigBatch { edits, reload_user_config: !no_reload }).send().await?
        }
        ConfigCommand::Requirements => client.call(&ops::CONFIG_REQUIREMENTS, &[]).send().await?,
    };
    out.reply(&reply, pretty)
}

pub async fn exec(a: ExecArgs, client: &Client, out: &Output) -> anyhow::Result<()> {
    let cwd = match a.cwd {
        Some(c) => c,
        None => std::env::current_dir()?.display().to_string(),
    };
    let body = ExecRequest {
        command: a.command,
        cwd: Some(cwd),
        sandbox: a.sandbox,
        network_access: a.network_access.then_some(true),
        timeout_ms: a.timeout_ms,
        stream: false,
    };
    let reply = client.call(&ops::EXEC_EXEC, &[]).json(&body).send().await?;
    let v = reply.value()?;
    // app-server's own `command/exec` result (`Value` in the host too).
    out.reply(&reply, |v: &Value| {
        if let Some(e) = v["stderr"].as_str().filter(|e| !e.is_empty()) {
            eprint!("{e}");
        }
        v["stdout"].as_str().unwrap_or("").trim_end_matches('\n').to_string()
    })?;
    match v["exitCode"].as_i64() {
        Some(0) | None => Ok(()),
        Some(code) => Err(Failed { code: "exec_failed", message: format!("the command exited {code}"), details: v }.into()),
    }
}

pub async fn feedback(a: FeedbackArgs, client: &Client, out: &Output) -> anyhow::Result<()> {
    let session_id = crate::resolve::session_opt(client, a.session).await?;
    let body = Feedback { classification: a.classification, reason: a.reason, session_id, include_logs: a.include_logs };
    let reply = client.call(&ops::CAPABILITIES_FEEDBACK, &[]).json(&body).send().await?;
    // app-server's own `feedback/upload` result (`Value` in the host too).
    out.reply(&reply, |v: &Value| match v["threadId"].as_str() {
        Some(t) => format!("feedback sent (thread {t})"),
        None => "feedback sent".to_string(),
    })
}

pub async fn capabilities(client: &Client, out: &Output) -> anyhow::Result<()> {
    let reply = client.call(&ops::CAPABILITIES_CAPABILITIES, &[]).send().await?;
    out.reply(&reply, |r: &CapabilityReport| {
        let rows = r.groups.iter().map(|(group, on)| vec![group.clone(), out.state(&on.to_string())]).collect();
        format!("codex {} (built for {})\n{}", opt(&r.codex.running), r.codex.expected, out.table(&["GROUP", "AVAILABLE"], rows))
    })
}
