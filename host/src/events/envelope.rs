//! The event envelope: `{seq, ts, type, sessionId, turnId, projectId, data}`, serialized once per event and shared
//! by every reader. [`envelope`] is the only code that writes one: logged events, and the frames the stream sends
//! that are not in the log ([`frame`]).

use std::fmt::Write;
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use bytes::Bytes;
use serde::Serialize;

use crate::store::{now_ms, EventRow};

/// An event to append. `data` must be JSON text (it is spliced into the envelope as is).
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: String,
    pub session_id: Option<Arc<str>>,
    pub turn_id: Option<String>,
    pub project_id: Option<Arc<str>>,
    pub data: String,
}

impl NewEvent {
    /// An event the host builds: its type is one of the catalog's.
    pub fn new(kind: super::EventType, data: impl Serialize) -> Self {
        Self::raw(kind, serde_json::to_string(&data).unwrap_or_else(|_| "null".into()))
    }

    /// `data` is JSON text already (app-server's params, validated when the line was parsed).
    /// An event of any type (`test.*`), for tests of the log and the subscription themselves.
    #[cfg(test)]
    pub fn any(kind: &str, data: impl Serialize) -> Self {
        Self::raw(super::EventKind::PassThrough(kind.to_string()), serde_json::to_string(&data).unwrap_or_else(|_| "null".into()))
    }

    pub fn raw(kind: impl Into<super::EventKind>, data: String) -> Self {
        debug_assert!(data.is_empty() || serde_json::from_str::<serde::de::IgnoredAny>(&data).is_ok(), "event data must be JSON");
        Self { kind: kind.into().into(), session_id: None, turn_id: None, project_id: None, data }
    }

    pub fn session(mut self, session_id: Option<Arc<str>>, project_id: Option<Arc<str>>) -> Self {
        self.session_id = session_id;
        self.project_id = project_id;
        self
    }

    pub fn turn(mut self, turn_id: Option<String>) -> Self {
        self.turn_id = turn_id;
        self
    }

    /// The `data` stored and sent: `null` for none.
    pub fn data_text(&self) -> &str {
        stored_data(&self.data)
    }
}

fn stored_data(data: &str) -> &str {
    if data.is_empty() { "null" } else { data }
}

/// A committed event. `json` is the envelope; `data` is where its `data` member lies in it.
#[derive(Debug)]
pub struct Event {
    pub seq: i64,
    pub ts: i64,
    pub kind: String,
    pub session_id: Option<Arc<str>>,
    pub turn_id: Option<String>,
    pub project_id: Option<Arc<str>>,
    pub json: Bytes,
    data: std::ops::Range<usize>,
    /// Written by another host sharing the store (PostgreSQL), as this host's live feed relays it; false for this
    /// host's own events and for events read back from the store (whose writer the log does not record).
    pub from_another_host: bool,
}

/// RFC 3339 UTC with milliseconds.
pub fn format_ts(ts_ms: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_millis(ts_ms.max(0) as u64);
    humantime::format_rfc3339_millis(t).to_string()
}

/// Append `s` as a JSON string literal. Runs without escapes (all of them, for ids and types) are copied whole.
pub(super) fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    let mut run = 0;
    for (i, b) in s.bytes().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b if b < 0x20 => "",
            _ => continue,
        };
        out.push_str(&s[run..i]);
        if escape.is_empty() {
            let _ = write!(out, "\\u{:04x}", b);
        } else {
            out.push_str(escape);
        }
        run = i + 1;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

pub(super) fn push_json_opt(out: &mut String, s: Option<&str>) {
    match s {
        Some(s) => push_json_str(out, s),
        None => out.push_str("null"),
    }
}

struct Parts<'a> {
    seq: i64,
    ts: &'a str,
    kind: &'a str,
    session_id: Option<&'a str>,
    turn_id: Option<&'a str>,
    project_id: Option<&'a str>,
    data: &'a str,
}

fn envelope(p: Parts<'_>) -> (Bytes, std::ops::Range<usize>) {
    let data = stored_data(p.data);
    let mut out = String::with_capacity(data.len() + 200);
    out.push_str("{\"seq\":");
    let _ = write!(out, "{}", p.seq);
    out.push_str(",\"ts\":\"");
    out.push_str(p.ts);
    out.push_str("\",\"type\":");
    push_json_str(&mut out, p.kind);
    out.push_str(",\"sessionId\":");
    push_json_opt(&mut out, p.session_id);
    out.push_str(",\"turnId\":");
    push_json_opt(&mut out, p.turn_id);
    out.push_str(",\"projectId\":");
    push_json_opt(&mut out, p.project_id);
    out.push_str(",\"data\":");
    let start = out.len();
    out.push_str(data);
    let end = out.len();
    out.push('}');
    (Bytes::from(out), start..end)
}

/// A frame the stream sends that is not in the log (`reset`, `requests.pending`): an envelope at `seq` (the reader's
/// position), stamped now, tied to no session.
pub fn frame(seq: i64, kind: &str, data: impl Serialize) -> Bytes {
    let data = serde_json::to_string(&data).unwrap_or_else(|_| "null".into());
    let ts = format_ts(now_ms());
    envelope(Parts { seq, ts: &ts, kind, session_id: None, turn_id: None, project_id: None, data: &data }).0
}

impl Event {
    /// One piece of a streamed item (a delta): see [`super::EventType::STREAM_PIECES`].
    pub fn is_stream_piece(&self) -> bool {
        super::EventType::STREAM_PIECES.iter().any(|t| self.kind == *t)
    }

    /// `ts_text` is `format_ts(ts)`, computed once for a whole batch.
    pub fn from_new(seq: i64, ts: i64, ts_text: &str, e: NewEvent) -> Self {
        let (json, data) = envelope(Parts {
            seq,
            ts: ts_text,
            kind: &e.kind,
            session_id: e.session_id.as_deref(),
            turn_id: e.turn_id.as_deref(),
            project_id: e.project_id.as_deref(),
            data: &e.data,
        });
        Self { seq, ts, kind: e.kind, session_id: e.session_id, turn_id: e.turn_id, project_id: e.project_id, json, data, from_another_host: false }
    }

    /// This event under another seq (PostgreSQL: a batch numbered again after another host's commit took its seqs).
    pub fn renumbered(&self, seq: i64) -> Self {
        let (json, data) = envelope(Parts {
            seq,
            ts: &format_ts(self.ts),
            kind: &self.kind,
            session_id: self.session_id.as_deref(),
            turn_id: self.turn_id.as_deref(),
            project_id: self.project_id.as_deref(),
            data: self.data_text(),
        });
        let (ts, kind, session_id) = (self.ts, self.kind.clone(), self.session_id.clone());
        let (turn_id, project_id) = (self.turn_id.clone(), self.project_id.clone());
        Self { seq, ts, kind, session_id, turn_id, project_id, json, data, from_another_host: self.from_another_host }
    }

    pub fn from_row(row: EventRow) -> Self {
        let ts_text = format_ts(row.ts);
        let (json, data) = envelope(Parts {
            seq: row.seq,
            ts: &ts_text,
            kind: &row.kind,
            session_id: row.session_id.as_deref(),
            turn_id: row.turn_id.as_deref(),
            project_id: row.project_id.as_deref(),
            data: &row.data,
        });
        Self {
            seq: row.seq,
            ts: row.ts,
            kind: row.kind,
            session_id: row.session_id.map(Into::into),
            turn_id: row.turn_id,
            project_id: row.project_id.map(Into::into),
            json,
            data,
            from_another_host: false,
        }
    }

    /// The envelope as text.
    pub fn json_str(&self) -> &str {
        std::str::from_utf8(&self.json).expect("envelopes are built from strings")
    }

    /// The `data` member's JSON text.
    pub fn data_text(&self) -> &str {
        &self.json_str()[self.data.clone()]
    }

    /// The `data` member, parsed (for consumers inside the host; clients get `json`).
    pub fn data(&self) -> serde_json::Value {
        serde_json::from_str(self.data_text()).unwrap_or(serde_json::Value::Null)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelope_has_the_documented_shape() {
        let e = Event::from_new(
            7,
            1_764_064_800_123,
            &format_ts(1_764_064_800_123),
            NewEvent::raw(crate::events::EventType::ItemDelta, r#"{"delta":"hi"}"#.into()).session(Some("s1".into()), None).turn(Some("t\"1".into())),
        );
        let v: serde_json::Value = serde_json::from_str(e.json_str()).unwrap();
        assert_eq!(v["seq"], 7);
        assert_eq!(v["type"], "item.delta");
        assert_eq!(v["sessionId"], "s1");
        assert_eq!(v["turnId"], "t\"1");
        assert!(v["projectId"].is_null());
        assert_eq!(v["data"]["delta"], "hi");
        assert_eq!(v["ts"], "2025-11-25T10:00:00.123Z");
        assert_eq!(e.data_text(), r#"{"delta":"hi"}"#);
    }

    #[test]
    fn a_frame_outside_the_log_has_the_same_envelope() {
        let f = frame(42, "reset", serde_json::json!({"reason": "ahead_of_log"}));
        let text = std::str::from_utf8(&f).unwrap();
        assert!(text.starts_with("{\"seq\":42,\"ts\":\""), "{text}");
        let tail = r#"","type":"reset","sessionId":null,"turnId":null,"projectId":null,"data":{"reason":"ahead_of_log"}}"#;
        assert!(text.ends_with(tail), "{text}");
    }

    #[test]
    fn strings_are_escaped() {
        let mut s = String::new();
        push_json_str(&mut s, "a\"b\\c\nd\u{1}é");
        assert_eq!(serde_json::from_str::<String>(&s).unwrap(), "a\"b\\c\nd\u{1}é");
    }
}
