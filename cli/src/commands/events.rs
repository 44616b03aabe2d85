//! `codex-manager events`: read the log, or follow it live. For people, one line per event (time, seq, type, the
//! session's short id, the gist of its data) with a run of deltas folded into one line; `--json` prints the host's
//! envelopes as they are, one a line.

use std::time::Duration;

use anyhow::Context;
use clap::Args;
use codex_manager_host::api::routes::events::{EventEnvelope, EventPage};
use codex_manager_host::events::EventType;
use futures_util::StreamExt;
use serde_json::Value;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use super::{items, one_line};
use crate::api::ops;
use crate::client::Client;
use crate::output::{opt, text, Output};

#[derive(Args)]
pub struct EventsArgs {
    /// Start after this seq (default: the beginning, or now with --follow).
    #[arg(long)]
    since: Option<i64>,
    /// Keep streaming new events.
    #[arg(long)]
    follow: bool,
    /// Only this session (repeatable): an id, a unique id prefix, an exact title or --last.
    #[arg(long = "session", allow_hyphen_values = true, value_name = "SESSION")]
    sessions: Vec<String>,
    /// Only these type prefixes, comma-separated (e.g. `turn.,item.completed`).
    #[arg(long)]
    types: Option<String>,
    /// Leave out these type families, comma-separated: `item.delta` leaves out every delta of an item
    /// (`item.reasoning.delta`, `item.command.output_delta`, ...), `turn.` every turn event.
    #[arg(long)]
    exclude: Option<String>,
    #[arg(long, default_value_t = 500)]
    limit: i64,
}

/// How long a live run of deltas may pause before its folded line is printed.
const FOLD_IDLE: Duration = Duration::from_millis(400);

pub async fn run(a: EventsArgs, client: &Client, out: &Output) -> anyhow::Result<()> {
    let mut query: Vec<(String, String)> = Vec::new();
    if !a.sessions.is_empty() {
        let mut ids = Vec::new();
        for s in &a.sessions {
            ids.push(crate::resolve::session(client, s).await?);
        }
        query.push(("sessions".into(), ids.join(",")));
    }
    if let Some(t) = &a.types {
        query.push(("types".into(), t.clone()));
    }
    if let Some(x) = &a.exclude {
        query.push(("exclude".into(), expand_exclude(x)));
    }
    if a.follow {
        if let Some(s) = a.since {
            query.push(("since".into(), s.to_string()));
        }
        let mut request = client.ws_url(&ops::EVENTS_STREAM, &query).into_client_request()?;
        request.headers_mut().insert("Authorization", format!("Bearer {}", client.token()).parse()?);
        let (mut ws, _) = tokio_tungstenite::connect_async(request).await.context("cannot open the event stream")?;
        if !out.json {
            let [ts, seq, kind, session, summary] = HEADER.map(str::to_owned);
            println!("{}", render(&Output { json: false, color: false }, &Line { ts, seq, kind, session, summary }));
        }
        let mut fold = Fold::default();
        loop {
            let next = if fold.is_open() { tokio::time::timeout(FOLD_IDLE, ws.next()).await.ok() } else { Some(ws.next().await) };
            let Some(msg) = next else {
                // The run of deltas paused: show it now rather than when the next event comes.
                fold.flush().into_iter().for_each(|l| println!("{}", render(out, &l)));
                continue;
            };
            let Some(msg) = msg else { break };
            if let Message::Text(frame) = msg? {
                if out.json {
                    println!("{frame}");
                } else {
                    match serde_json::from_str::<EventEnvelope>(&frame) {
                        Ok(e) => fold.push(&e).iter().for_each(|l| println!("{}", render(out, l))),
                        Err(err) => eprintln!("[a frame this CLI cannot read ({err}): {frame}]"),
                    }
                }
            }
        }
        fold.flush().into_iter().for_each(|l| println!("{}", render(out, &l)));
        return Ok(());
    }
    let mut call = client.call(&ops::EVENTS_LIST, &[]).query("since", a.since.unwrap_or(0)).query("limit", a.limit);
    for (k, v) in &query {
        call = call.query(k, v);
    }
    let reply = call.send().await?;
    out.reply(&reply, |page: &EventPage| {
        let mut fold = Fold::default();
        let mut rows: Vec<Line> = page.events.iter().flat_map(|e| fold.push(e)).collect();
        rows.extend(fold.flush());
        let mut t = out.table(&HEADER, rows.iter().map(|l| l.cells(out)).collect());
        if page.reset {
            t.insert_str(0, "(events before these were pruned)\n");
        }
        t
    })
}

const HEADER: [&str; 5] = ["TIME", "SEQ", "TYPE", "SESSION", "SUMMARY"];

/// The `exclude` the host gets: each family as typed (the host drops types that start with it) plus every catalog
/// type in that family, so `item.delta` also drops `item.reasoning.delta` (whose text does not start with it).
pub fn expand_exclude(patterns: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    for p in patterns.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        out.push(p.to_string());
        for t in EventType::ALL {
            let t = t.as_str();
            if in_family(t, p) && !t.starts_with(p) && !out.iter().any(|o| o == t) {
                out.push(t.to_string());
            }
        }
    }
    out.join(",")
}

/// Whether the event type `t` is in the family `p`: it starts with `p`, or it has the same first word and ends in
/// the same last word with qualifiers between (`item.delta` holds `item.reasoning.delta` and
/// `item.command.output_delta`: a last word `output_delta` ends in `_delta`).
pub fn in_family(t: &str, p: &str) -> bool {
    if t.starts_with(p) {
        return true;
    }
    let (Some((p_first, p_last)), Some((t_first, t_rest))) = (p.split_once('.'), t.split_once('.')) else { return false };
    if p_first != t_first || p_last.is_empty() || p_last.contains('.') {
        return false;
    }
    let t_last = t_rest.rsplit('.').next().unwrap_or(t_rest);
    t_rest.contains('.') && (t_last == p_last || t_last.ends_with(&format!("_{p_last}")))
}

/// One line of output: one event, or a run of deltas folded.
#[derive(Debug)]
struct Line {
    ts: String,
    seq: String,
    kind: String,
    session: String,
    summary: String,
}

impl Line {
    fn cells(&self, out: &Output) -> Vec<String> {
        vec![self.ts.clone(), self.seq.clone(), out.dim(&self.kind), self.session.clone(), self.summary.clone()]
    }
}

fn render(out: &Output, l: &Line) -> String {
    // Fixed widths (a live stream cannot measure its rows); the type is padded before it is coloured.
    format!("{:<8}  {:>6}  {}  {:<13}  {}", l.ts, l.seq, out.dim(&format!("{:<26}", l.kind)), l.session, l.summary)
}

/// Folds a run of deltas (same type, session and item) into one line: its first seq, the count, the text joined.
#[derive(Default)]
struct Fold {
    run: Option<(String, Line, usize, String)>,
}

impl Fold {
    fn is_open(&self) -> bool {
        self.run.is_some()
    }

    /// The lines this event completes (none while a run of deltas goes on).
    fn push(&mut self, e: &EventEnvelope) -> Vec<Line> {
        let kind = e.kind.as_str();
        let mut done = Vec::new();
        if is_delta(kind) {
            let key = format!("{kind} {} {}", opt(&e.session_id), text(&e.data, "itemId"));
            let piece = delta_text(&e.data);
            if let Some((k, line, n, acc)) = &mut self.run {
                if *k == key {
                    *n += 1;
                    acc.push_str(&piece);
                    line.seq = format!("{}+", line.seq.trim_end_matches('+'));
                    return done;
                }
            }
            done.extend(self.flush());
            self.run = Some((key, line_of(e), 1, piece));
            return done;
        }
        done.extend(self.flush());
        done.push(line_of(e));
        done
    }

    fn flush(&mut self) -> Option<Line> {
        let (_, mut line, n, acc) = self.run.take()?;
        line.summary = if n > 1 { format!("×{n} {}", one_line(&acc, 100)) } else { one_line(&acc, 100) };
        Some(line)
    }
}

fn is_delta(kind: &str) -> bool {
    kind.ends_with("delta") && kind.starts_with("item.")
}

fn delta_text(data: &Value) -> String {
    data["delta"].as_str().or(data["text"].as_str()).map(str::to_owned).unwrap_or_default()
}

fn line_of(e: &EventEnvelope) -> Line {
    let ts = e.ts.get(11..19).unwrap_or("-").to_string();
    let session = e.session_id.as_deref().map(short_id).unwrap_or_else(|| "-".into());
    Line { ts, seq: e.seq.to_string(), kind: e.kind.clone(), session, summary: one_line(&summary(e), 100) }
}

/// The first 13 characters of an id (`019a0000-1111`): a prefix any session argument takes. Ids made in the same
/// minute share their first 8.
pub fn short_id(id: &str) -> String {
    id.chars().take(13).collect()
}

/// The gist of an event's data in a few words. The envelope is the host's type; its `data` is shaped by the event's
/// type (docs/events.md), much of it app-server's own items, so it is read as JSON.
pub fn summary(e: &EventEnvelope) -> String {
    let data = &e.data;
    let kind = e.kind.as_str();
    let field = |k: &str| data[k].as_str().map(str::to_owned);
    let s = match kind {
        k if is_delta(k) => Some(delta_text(data)),
        "item.started" | "item.completed" => {
            let item = &data["item"];
            let what = match item["type"].as_str().unwrap_or("") {
                "commandExecution" => format!("$ {}", text(item, "command")),
                "fileChange" => {
                    let paths: Vec<String> = items(item, "changes").iter().map(|c| text(c, "path")).collect();
                    format!("files {}", paths.join(", "))
                }
                "agentMessage" => format!("agent: {}", item["text"].as_str().unwrap_or("")),
                "userMessage" => {
                    let t: Vec<&str> = items(item, "content").iter().filter_map(|c| c["text"].as_str()).collect();
                    format!("user: {}", t.join(" "))
                }
                "mcpToolCall" | "dynamicToolCall" => format!("tool {}", text(item, "tool")),
                other => other.to_string(),
            };
            match item["status"].as_str() {
                Some(status) if kind == "item.completed" => Some(format!("{what} [{status}]")),
                _ => Some(what),
            }
        }
        "turn.started" | "turn.completed" => {
            let turn = &data["turn"];
            let mut s = format!("turn {}", e.turn_id.as_deref().or(turn["id"].as_str()).unwrap_or("-"));
            if let Some(status) = turn["status"].as_str() {
                s.push_str(&format!(" {status}"));
            }
            Some(s)
        }
        "turn.error" => data["error"]["message"].as_str().map(str::to_owned),
        k if k.starts_with("approval.") || k.starts_with("tool_input.") || k.starts_with("tool_call.") => {
            let what = match data["kind"].as_str().unwrap_or("") {
                "command_approval" => format!("run `{}`", text(&data["params"], "command")),
                other => other.to_string(),
            };
            let mut line = format!("{what} ({}) request {}", text(data, "status"), short_id(&text(data, "id")));
            // A judged approval carries its assessment on every later event (`approval.assessed`, `.resolved`).
            if let Some(risk) = data["assessment"]["risk"].as_str() {
                line.push_str(&format!(" — {risk} risk: {}", one_line(&text(&data["assessment"], "summary"), 120)));
            }
            Some(line)
        }
        k if k.starts_with("session.") => {
            let mut parts = Vec::new();
            for key in ["title", "status", "key", "reason"] {
                if let Some(v) = field(key) {
                    parts.push(format!("{key}={v}"));
                }
            }
            (!parts.is_empty()).then(|| parts.join(" "))
        }
        k if k.starts_with("job.") => Some(format!("{} {} {}", text(data, "kind"), text(data, "state"), short_id(&text(data, "id")))),
        k if k.starts_with("plugin.") => Some(format!("{} {}", text(data, "id"), text(data, "version"))),
        _ => None,
    };
    s.unwrap_or_else(|| if data.is_null() || data.as_object().is_some_and(|m| m.is_empty()) { String::new() } else { data.to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn excluding_a_family_excludes_its_qualified_members() {
        assert!(in_family("item.delta", "item.delta"));
        assert!(in_family("item.reasoning.delta", "item.delta"));
        assert!(in_family("item.reasoning.text_delta", "item.delta"));
        assert!(in_family("item.command.output_delta", "item.delta"));
        assert!(!in_family("item.completed", "item.delta"));
        assert!(!in_family("turn.diff_updated", "item.delta"));
        assert!(!in_family("item.reasoning.part_added", "item.delta"));
        assert!(in_family("item.reasoning.part_added", "item.reasoning"), "a plain prefix still works");
        assert!(in_family("turn.completed", "turn."));
        let x = expand_exclude("item.delta");
        for t in ["item.delta", "item.reasoning.delta", "item.reasoning.text_delta", "item.plan.delta", "item.command.output_delta", "item.file_change.output_delta"] {
            assert!(x.split(',').any(|p| t.starts_with(p)), "{t} is excluded by {x}");
        }
        assert!(!x.split(',').any(|p| "item.completed".starts_with(p)), "{x}");
    }

    fn ev(seq: i64, kind: &str, data: Value) -> EventEnvelope {
        serde_json::from_value(json!({"seq": seq, "ts": "2026-12-05T07:01:02.345Z", "type": kind, "sessionId": "019a0000-1111-7000-8000-000000000001", "data": data}))
            .expect("an envelope as the host sends it")
    }

    #[test]
    fn a_run_of_deltas_folds_into_one_line() {
        let mut f = Fold::default();
        let mut lines = Vec::new();
        lines.extend(f.push(&ev(1, "turn.started", json!({"turn": {"id": "t1", "status": "inProgress"}}))));
        for (i, d) in ["Hel", "lo ", "world"].iter().enumerate() {
            lines.extend(f.push(&ev(2 + i as i64, "item.delta", json!({"itemId": "m1", "delta": d}))));
        }
        lines.extend(f.push(&ev(5, "item.reasoning.delta", json!({"itemId": "r1", "delta": "think"}))));
        lines.extend(f.push(&ev(6, "turn.completed", json!({"turn": {"id": "t1", "status": "completed"}}))));
        lines.extend(f.flush());
        let got: Vec<(String, String, String)> = lines.iter().map(|l| (l.seq.clone(), l.kind.clone(), l.summary.clone())).collect();
        assert_eq!(
            got,
            vec![
                ("1".into(), "turn.started".into(), "turn t1 inProgress".into()),
                ("2+".into(), "item.delta".into(), "×3 Hello world".into()),
                ("5".into(), "item.reasoning.delta".into(), "think".into()),
                ("6".into(), "turn.completed".into(), "turn t1 completed".into()),
            ]
        );
        assert_eq!((lines[0].ts.as_str(), lines[0].session.as_str()), ("07:01:02", "019a0000-1111"));
    }

    #[test]
    fn summaries_say_what_happened() {
        let cmd = ev(1, "item.completed", json!({"item": {"type": "commandExecution", "command": "ls -la", "status": "completed"}}));
        assert_eq!(summary(&cmd), "$ ls -la [completed]");
        let ask = ev(2, "approval.requested", json!({"id": "019a0000-2222-7000", "kind": "command_approval", "status": "pending", "params": {"command": "rm x"}}));
        assert_eq!(summary(&ask), "run `rm x` (pending) request 019a0000-2222");
        let other = ev(3, "runtime.ready", json!({"generation": 2}));
        assert_eq!(summary(&other), r#"{"generation":2}"#);
        assert_eq!(summary(&ev(4, "mcp.reloaded", json!({}))), "");
    }
}
