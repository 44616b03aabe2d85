//! `codex-manager events`: read the log, or follow it live (one JSON envelope per line).

use anyhow::Context;
use clap::Args;
use futures_util::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::client::{encode, Client};
use crate::output::Output;

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

pub async fn run(a: EventsArgs, client: &Client, _out: &Output) -> anyhow::Result<()> {
    let mut query = Vec::new();
    if !a.sessions.is_empty() {
        query.push(format!("sessions={}", encode(&a.sessions.join(","))));
    }
    if let Some(t) = &a.types {
        query.push(format!("types={}", encode(t)));
    }
    if let Some(x) = &a.exclude {
        query.push(format!("exclude={}", encode(x)));
    }
    if a.follow {
        if let Some(s) = a.since {
            query.push(format!("since={s}"));
        }
        let mut request = client.stream_url(&query.join("&")).into_client_request()?;
        request.headers_mut().insert("Authorization", format!("Bearer {}", client.token()).parse()?);
        let (mut ws, _) = tokio_tungstenite::connect_async(request).await.context("cannot open the event stream")?;
        while let Some(msg) = ws.next().await {
            if let Message::Text(frame) = msg? {
                println!("{frame}");
            }
        }
        return Ok(());
    }
    query.push(format!("since={}", a.since.unwrap_or(0)));
    query.push(format!("limit={}", a.limit));
    let v: Value = client.get(&format!("/api/events?{}", query.join("&"))).await?;
    for e in v["events"].as_array().into_iter().flatten() {
        println!("{e}");
    }
    Ok(())
}
