//! Client commands, one module per resource.

pub mod codex;
pub mod events;
pub mod jobs;
pub mod package;
pub mod plugins;
pub mod projects;
pub mod requests;
pub mod sessions;
pub mod settings;
pub mod turns;

use serde_json::Value;

use crate::client::Client;
use crate::output::{text, Output};

pub async fn status(client: &Client, out: &Output) -> anyhow::Result<()> {
    // /api/ready answers 503 with the same body when not ready: both are a status to show, not a failure.
    let (code, v) = client.get_any("/api/ready").await?;
    if code != 200 && code != 503 {
        anyhow::bail!("the host answered {code}: {v}");
    }
    out.show(&v, |v| {
        let r = &v["runtime"];
        format!(
            "ready: {}\napp-server: {} (generation {}, pid {}, restarts {})\nlast exit: {}\nlast error: {}\nlast event: {}",
            text(v, "ready"),
            text(r, "status"),
            text(r, "generation"),
            text(r, "pid"),
            text(r, "restarts"),
            text(r, "lastExit"),
            text(r, "lastError"),
            text(v, "lastSeq")
        )
    });
    Ok(())
}

pub async fn login_link(client: &Client, out: &Output) -> anyhow::Result<()> {
    let v: Value = client.post("/api/login-links", &serde_json::json!({})).await?;
    out.show(&v, |v| text(v, "url"));
    Ok(())
}
