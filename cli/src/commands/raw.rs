//! `codex-manager api METHOD PATH [--data JSON]`: any route, the answer printed as the host sent it. The escape
//! hatch for what a command does not (yet) offer; it exits like every other command (3 for not found, ...).

use clap::Args;
use reqwest::Method;

use super::json_arg;
use crate::api::{ops, EXEMPT};
use crate::client::Client;
use crate::exit::ApiFailure;
use crate::output::Output;

#[derive(Args)]
pub struct ApiArgs {
    /// GET, POST, PUT, PATCH or DELETE.
    #[arg(required_unless_present = "list")]
    method: Option<String>,
    /// The path, with any query string: `/api/sessions?limit=5`.
    #[arg(required_unless_present = "list")]
    path: Option<String>,
    /// List every operation instead: id, method, path, body and answer schemas (docs/openapi.json has the rest).
    #[arg(long, conflicts_with_all = ["method", "path", "data"])]
    list: bool,
    /// The JSON body (`@FILE` reads it from a file, `-` from stdin).
    #[arg(long, short = 'd')]
    data: Option<String>,
    /// Extra headers, `Name: value` (repeatable).
    #[arg(long = "header", short = 'H')]
    headers: Vec<String>,
}

impl ApiArgs {
    pub fn is_list(&self) -> bool {
        self.list
    }
}

/// The operation table, for finding what to call (no host needed).
pub fn list(out: &Output) {
    let ops: Vec<serde_json::Value> = ops::ALL
        .iter()
        .map(|op| {
            let exempt = EXEMPT.iter().find(|(id, _)| *id == op.id).map(|(_, why)| *why);
            serde_json::json!({"id": op.id, "method": op.method, "path": op.path, "body": op.body, "response": op.response, "noCommand": exempt})
        })
        .collect();
    let value = serde_json::Value::Array(ops);
    out.show(&value, |_| {
        let rows = ops::ALL
            .iter()
            .map(|op| vec![op.id.to_string(), op.method.to_string(), op.path.to_string(), op.body.unwrap_or("-").to_string(), op.response.unwrap_or("-").to_string()])
            .collect();
        out.table(&["OPERATION", "METHOD", "PATH", "BODY", "ANSWER"], rows)
    });
}

pub async fn run(a: ApiArgs, client: &Client, out: &Output) -> anyhow::Result<()> {
    let (Some(method), Some(path)) = (a.method, a.path) else { crate::usage!("give METHOD and PATH, or --list") };
    let Ok(method) = Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else { crate::usage!("not an HTTP method: {method}") };
    if !ops::ALL.iter().any(|op| op.matches(method.as_str(), &path)) {
        // Still sent: the host is the judge (and its `route_not_found` / `method_not_allowed` answer says why).
        eprintln!("note: {method} {path} is not an operation in this CLI's API table");
    }
    let mut call = client.raw(method, &path);
    if let Some(data) = a.data {
        let text = match data.as_str() {
            "-" => std::io::read_to_string(std::io::stdin())?,
            d if d.starts_with('@') => std::fs::read_to_string(&d[1..]).map_err(|e| crate::exit::Usage(format!("cannot read {}: {e}", &d[1..])))?,
            d => d.to_string(),
        };
        call = call.json(&json_arg(&text, "--data")?);
    }
    for h in &a.headers {
        let Some((k, v)) = h.split_once(':') else { crate::usage!("--header takes `Name: value`, got `{h}`") };
        call = call.header(k.trim(), v.trim());
    }
    let reply = call.send_any().await?;
    if !(200..300).contains(&reply.status) {
        return Err(ApiFailure::from_reply(reply.status, &reply.body).into());
    }
    if reply.body.is_empty() {
        return Ok(());
    }
    // The host's JSON, pretty for people and as sent for `--json` (any route: no one type to read it as).
    out.reply(&reply, |v: &serde_json::Value| serde_json::to_string_pretty(v).unwrap_or_default())
}
