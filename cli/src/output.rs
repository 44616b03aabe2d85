//! How results are printed: human text by default (aligned tables with a header row, relative times, colour only
//! on a terminal without `NO_COLOR`), or with `--json` the JSON exactly as the host sent it.

use std::io::IsTerminal;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::client::Reply;

pub struct Output {
    pub json: bool,
    pub color: bool,
}

impl Output {
    pub fn new(json: bool) -> Self {
        let color = !json && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Self { json, color }
    }

    /// The host's answer: its bytes with `--json`, else the human text `human` makes of it, read as the host's own
    /// reply type `T` (so a field the host renames or drops breaks the CLI's build, not its output).
    pub fn reply<T: DeserializeOwned>(&self, reply: &Reply, human: impl FnOnce(&T) -> String) -> anyhow::Result<()> {
        if self.json {
            println!("{}", if reply.body.is_empty() { "null".to_string() } else { reply.text() });
        } else {
            let text = human(&reply.decode::<T>()?);
            if !text.is_empty() {
                println!("{text}");
            }
        }
        Ok(())
    }

    /// A result the CLI made itself (no body from the host, e.g. after a delete).
    pub fn show(&self, value: &Value, human: impl FnOnce(&Value) -> String) {
        if self.json {
            println!("{}", serde_json::to_string_pretty(value).unwrap_or_default());
        } else {
            println!("{}", human(value));
        }
    }

    /// Rows under a header, each column as wide as its widest cell (the last column is not padded).
    pub fn table(&self, header: &[&str], rows: Vec<Vec<String>>) -> String {
        if rows.is_empty() {
            return self.dim("(none)");
        }
        let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
        for row in &rows {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(visible_len(cell));
            }
        }
        let line = |cells: Vec<String>| {
            let last = cells.len() - 1;
            cells
                .into_iter()
                .enumerate()
                .map(|(i, c)| if i == last { c } else { format!("{c}{}", " ".repeat(widths[i] - visible_len(&c))) })
                .collect::<Vec<_>>()
                .join("  ")
                .trim_end()
                .to_string()
        };
        let head = line(header.iter().map(|h| h.to_string()).collect());
        let mut out = vec![if self.color { format!("\x1b[1m{head}\x1b[0m") } else { head }];
        out.extend(rows.into_iter().map(line));
        out.join("\n")
    }

    /// A state word coloured by what it means (green done, red failed, yellow in motion or waiting).
    pub fn state(&self, word: &str) -> String {
        if !self.color {
            return word.to_string();
        }
        let code = match word {
            "completed" | "succeeded" | "idle" | "resolved" | "enabled" | "ready" | "true" | "low" | "online" => "32",
            "failed" | "canceled" | "interrupted" | "expired" | "disabled" | "false" | "high" | "offline" => "31",
            "running" | "inProgress" | "queued" | "pending" | "starting" | "restarting" | "medium" => "33",
            w if w.starts_with("waiting") => "33",
            _ => return word.to_string(),
        };
        format!("\x1b[{code}m{word}\x1b[0m")
    }

    pub fn dim(&self, text: &str) -> String {
        if self.color {
            format!("\x1b[2m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Characters a terminal shows (ANSI colour sequences take no room).
fn visible_len(s: &str) -> usize {
    let mut n = 0;
    let mut in_escape = false;
    for c in s.chars() {
        match c {
            '\x1b' => in_escape = true,
            'm' if in_escape => in_escape = false,
            _ if in_escape => {}
            _ => n += 1,
        }
    }
    n
}

/// `v[key]` as display text ("-" when absent).
pub fn text(v: &Value, key: &str) -> String {
    match &v[key] {
        Value::Null => "-".into(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A host enum as its wire word (`waiting_on_approval`, `inProgress`), the word the API and `--json` show.
pub fn wire(value: &impl Serialize) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(_) => "-".into(),
    }
}

/// An optional field as display text ("-" when absent).
pub fn opt(value: &Option<impl std::fmt::Display>) -> String {
    value.as_ref().map_or_else(|| "-".into(), ToString::to_string)
}

/// An RFC 3339 time as `12s ago`, `3m ago`, `5h ago`, `2d ago` (or `in 3m`); as given when it does not parse.
pub fn ago(ts: &str) -> String {
    let Ok(t) = humantime::parse_rfc3339_weak(ts) else {
        return ts.to_string();
    };
    let now = std::time::SystemTime::now();
    let (secs, future) = match now.duration_since(t) {
        Ok(d) => (d.as_secs(), false),
        Err(e) => (e.duration().as_secs(), true),
    };
    let span = match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m", secs / 60),
        3600..=86_399 => format!("{}h", secs / 3600),
        _ => format!("{}d", secs / 86_400),
    };
    if future {
        format!("in {span}")
    } else {
        format!("{span} ago")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_under_a_header() {
        let out = Output { json: false, color: false };
        let t = out.table(&["ID", "STATUS", "TITLE"], vec![vec!["a".into(), "running".into(), "x".into()], vec!["bbbb".into(), "idle".into(), "y z".into()]]);
        assert_eq!(t, "ID    STATUS   TITLE\na     running  x\nbbbb  idle     y z");
    }

    #[test]
    fn times_read_as_spans() {
        let past = humantime::format_rfc3339_millis(std::time::SystemTime::now() - std::time::Duration::from_secs(200)).to_string();
        assert_eq!(ago(&past), "3m ago");
        assert_eq!(ago("not a time"), "not a time");
    }
}
