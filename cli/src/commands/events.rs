//! `codex-manager events`: read the log, or follow it live (a line per event; one JSON envelope per line with
//! `--json`).

use anyhow::Context;
use clap::Args;
use futures_util::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use super::{items, one_line};
use crate::api::ops;
use crate::client::Client;
use crate::output::{text, Output};

#[derive(Args)]
pub struct EventsArgs {
    /// Start after this seq (default: the beginning, or now with --follow).
    #[arg(long)]
    since: Option<i64>,
    /// Keep streaming new events.
    #[arg(long)]
    follow: bool,
    /// Only this session (repeatable).
    #[arg(long = "session")]
    sessions: Vec<String>,
    /// Only these type prefixes, comma-separated (e.g. `turn.,item.completed`).
    #[arg(long)]
    types: Option<String>,
    /// Leave out these type prefixes (e.g. `item.delta,item.reasoning`).
    #[arg(long)]
    exclude: Option<String>,
    #[arg(long, default_value_t = 500)]
    limit: i64,
}

pub async fn run(a: EventsArgs, client: &Client, out: &Output) -> anyhow::Result<()> {
    let mut query: Vec<(String, String)> = Vec::new();
    if !a.sessions.is_empty() {
        query.push(("sessions".into(), a.sessions.join(",")));
    }
    if let Some(t) = &a.types {
        query.push(("types".into(), t.clone()));
    }
    if let Some(x) = &a.exclude {
        query.push(("exclude".into(), x.clone()));
    }
    if a.follow {
        if let Some(s) = a.since {
            query.push(("since".into(), s.to_string()));
        }
        let mut request = client.ws_url(&ops::EVENTS_STREAM, &query).into_client_request()?;
        request.headers_mut().insert("Authorization", format!("Bearer {}", client.token()).parse()?);
        let (mut ws, _) = tokio_tungstenite::connect_async(request).await.context("cannot open the event stream")?;
        while let Some(msg) = ws.next().await {
            if let Message::Text(frame) = msg? {
                if out.json {
                    println!("{frame}");
                } else {
                    println!("{}", line(&serde_json::from_str(&frame).unwrap_or(Value::Null)));
                }
            }
        }
        return Ok(());
    }
    let mut call = client.call(&ops::EVENTS_LIST, &[]).query("since", a.since.unwrap_or(0)).query("limit", a.limit);
    for (k, v) in &query {
        call = call.query(k, v);
    }
    let reply = call.send().await?;
    out.reply(&reply, |v| {
        let mut lines: Vec<String> = items(v, "events").iter().map(line).collect();
        if v["reset"] == true {
            lines.insert(0, "(events before these were pruned)".into());
        }
        lines.join("\n")
    })
}

/// One event for people: seq, type, session and the gist of its data (`--json` has every field).
fn line(e: &Value) -> String {
    let data = &e["data"];
    let gist = data["delta"]
        .as_str()
        .or(data["text"].as_str())
        .or(data["item"]["type"].as_str())
        .or(data["kind"].as_str())
        .or(data["status"].as_str())
        .map(str::to_owned)
        .unwrap_or_else(|| if data.is_null() { String::new() } else { data.to_string() });
    format!("{:>6}  {:<28} {}  {}", text(e, "seq"), text(e, "type"), e["sessionId"].as_str().unwrap_or("-"), one_line(&gist, 100))
}
