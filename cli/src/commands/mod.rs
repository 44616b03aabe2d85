//! Client commands, one module per resource. Each handler names the operation it calls (`ops::X`), which is how
//! the parity gate knows which operations have a command.

pub mod authoring;
pub mod catalog;
pub mod chat;
pub mod codex;
pub mod doctor;
pub mod events;
pub mod followups;
pub mod hosts;
pub mod routines;
pub mod jobs;
pub mod limits;
pub mod live;
pub mod logs;
pub mod package;
pub mod plugins;
pub mod projects;
pub mod raw;
pub mod requests;
pub mod sessions;
pub mod settings;
pub mod store;
pub mod turns;

use serde_json::Value;

use crate::api::ops;
use crate::client::Client;
use crate::exit::ApiFailure;
use codex_manager_host::api::routes::health::Health;
use codex_manager_host::api::routes::login::LoginLink;
use codex_manager_host::appserver::version::CodexSupport;
use codex_manager_host::services::{PendingRequest, Readiness, SessionPage, SessionStatus};

use crate::output::{text, Output};

/// `status`: the host's readiness (`/api/ready`) with its version (`/api/health`), where it is and what it is
/// doing (sessions running and waiting, requests pending, the queue). With `--json`, the readiness exactly as the
/// host sent it (the other answers are their own commands' `--json`).
pub async fn status(client: &Client, out: &Output, url: &str) -> anyhow::Result<()> {
    // Not ready answers 503 with the same body: a status to show (and exit 6 for scripts), not a bare failure.
    let reply = client.call(&ops::HEALTH_READY, &[]).send_any().await?;
    if reply.status != 200 && reply.status != 503 {
        return Err(ApiFailure::from_reply(reply.status, &reply.body).into());
    }
    if out.json {
        println!("{}", reply.text());
        if reply.status == 503 {
            return Err(crate::exit::Silent(crate::exit::Exit::Unavailable).into());
        }
        return Ok(());
    }
    let ready: Readiness = reply.decode()?;
    let sessions: Option<SessionPage> = client.call(&ops::SESSIONS_LIST, &[]).query("limit", 500).query("archived", false).get().await.ok();
    let pending: Option<Vec<PendingRequest>> = client.call(&ops::REQUESTS_LIST_ALL, &[]).query("status", "pending").query("limit", 500).get().await.ok();
    let sessions = sessions.unwrap_or(SessionPage { sessions: Vec::new(), next_cursor: None, notice: None });
    let count = |pred: &dyn Fn(SessionStatus) -> bool| sessions.sessions.iter().filter(|s| pred(s.status)).count();
    let running = count(&|s| s == SessionStatus::Running);
    let waiting = count(&|s| matches!(s, SessionStatus::WaitingOnApproval | SessionStatus::WaitingOnInput | SessionStatus::WaitingOnTool));
    let more = if sessions.next_cursor.is_some() { " (of the 500 most recent)" } else { "" };
    let pending = pending.map_or(0, |p| p.len());
    // `runtime` and `account` are app-server's state as the host passes it on (`Value` in the host too).
    let r = &ready.runtime;
    let c = &ready.codex;
    let support = match (&c.support, &c.same_schema_as) {
        (CodexSupport::Tested, _) => "tested".to_string(),
        (CodexSupport::Compatible, Some(same)) => format!("compatible: the same protocol as the tested {same}"),
        (CodexSupport::Compatible, None) => format!("compatible: inside [{}, {}), untested", c.supported[0], c.supported[1]),
        (CodexSupport::Incompatible, _) => format!("incompatible: outside [{}, {})", c.supported[0], c.supported[1]),
        (CodexSupport::Unknown, _) => "-".to_string(),
    };
    let host = &ready.host;
    let uptime = format!("up since {} ({})", host.started_at, crate::output::ago(&host.started_at).trim_end_matches(" ago"));
    let queue = match &ready.queue {
        Some(q) => format!("{} queued, {} running (capacity {}; oldest waits {} ms)", q.queued, q.running, q.capacity, q.oldest_queued_age_ms),
        None => "-".into(),
    };
    let mut lines = vec![
        format!("ready:       {}", out.state(&ready.ready.to_string())),
        format!("host:        codex-manager {} at {url}, `{}` ({})", host.version, host.name, host.id),
        format!("data dir:    {}", host.data_dir),
        format!("store:       {}", host.store.as_str()),
        format!("uptime:      {uptime}"),
        format!("codex:       {} ({support})", c.running.as_deref().unwrap_or("not started")),
        format!("app-server:  {} (generation {}, pid {}, restarts {})", out.state(&text(r, "status")), text(r, "generation"), text(r, "pid"), text(r, "restarts")),
        format!("sessions:    {running} running, {waiting} waiting{more}; {pending} requests pending"),
        format!("queue:       {queue}"),
        format!("last event:  {}", ready.last_seq),
    ];
    if let Some(advice) = &c.advice {
        // Under the codex line it is about.
        let at = lines.iter().position(|l| l.starts_with("codex:")).map_or(lines.len(), |i| i + 1);
        lines.insert(at, format!("advice:      {advice}"));
    }
    if let Some(reason) = &ready.reason {
        lines.push(format!("why not:     {reason}"));
    }
    for (label, key) in [("last exit:   ", "lastExit"), ("last error:  ", "lastError")] {
        if !r[key].is_null() {
            lines.push(format!("{label}{}", text(r, key)));
        }
    }
    if let Some(notice) = ready.account.as_ref().and_then(|a| a["notice"].as_str()) {
        lines.push(format!("account:     {notice}"));
    }
    let protocol = &ready.protocol;
    if !protocol.checked {
        lines.push("protocol:    not checked yet".to_string());
    } else if protocol.violations.is_empty() {
        lines.push("protocol:    every fact the host relies on holds".to_string());
    } else {
        lines.push(format!("protocol:    {} broken by this codex; the rest works:", protocol.violations.len()));
        lines.extend(protocol.violations.iter().map(|v| format!("  {} `{}`: {v}", v.effect, v.method)));
    }
    let holds = limits::status_lines(out, &ready.limits);
    if holds.is_empty() {
        lines.push("limits:      nothing holds automated turns back".to_string());
    } else {
        lines.extend(holds.into_iter().enumerate().map(|(i, l)| format!("{}{l}", if i == 0 { "limits:      " } else { "             " })));
    }
    println!("{}", lines.join("\n"));
    if reply.status == 503 {
        return Err(crate::exit::Silent(crate::exit::Exit::Unavailable).into());
    }
    Ok(())
}

pub async fn health(client: &Client, out: &Output) -> anyhow::Result<()> {
    let reply = client.call(&ops::HEALTH_HEALTH, &[]).send().await?;
    out.reply(&reply, |h: &Health| format!("{} (codex-manager {})", h.status, h.version))
}

pub async fn login_link(client: &Client, out: &Output) -> anyhow::Result<()> {
    let reply = client.call(&ops::AUTH_NEW_LINK, &[]).send().await?;
    out.reply(&reply, |link: &LoginLink| link.url.clone())
}

/// A command-line JSON argument; not JSON is a usage error.
pub fn json_arg(text: &str, what: &str) -> anyhow::Result<Value> {
    serde_json::from_str(text).map_err(|e| crate::exit::Usage(format!("{what} is not JSON: {e}")).into())
}

/// A value typed on the command line: JSON when it parses (`3`, `true`, `{"a":1}`), else the text as a string.
pub fn loose_value(text: String) -> Value {
    serde_json::from_str(&text).unwrap_or(Value::String(text))
}

/// `body` without its null members (so unset flags leave the host's defaults).
pub fn compact(mut body: Value) -> Value {
    if let Some(map) = body.as_object_mut() {
        map.retain(|_, v| !v.is_null());
    }
    body
}

/// The items of `v[key]` (or of `v` itself when `key` is empty) as a slice.
pub fn items<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    let list = if key.is_empty() { v } else { &v[key] };
    list.as_array().map(Vec::as_slice).unwrap_or(&[])
}

/// `text` cut to `max` characters on one line.
pub fn one_line(text: &str, max: usize) -> String {
    let flat: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        format!("{}…", flat.chars().take(max.saturating_sub(1)).collect::<String>())
    }
}

/// Pretty JSON, for answers that are app-server's own shapes (config, account, rate limits).
pub fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}
