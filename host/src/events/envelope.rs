//! The event envelope: `{seq, ts, type, sessionId, turnId, projectId, data}`.

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use serde::Serialize;
use serde_json::value::RawValue;

use crate::store::EventRow;

/// An event to append; `data` is JSON text.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: String,
    pub session_id: Option<Arc<str>>,
    pub turn_id: Option<String>,
    pub project_id: Option<Arc<str>>,
    pub data: String,
}

impl NewEvent {
    pub fn new(kind: impl Into<String>, data: impl Serialize) -> Self {
        Self {
            kind: kind.into(),
            session_id: None,
            turn_id: None,
            project_id: None,
            data: serde_json::to_string(&data).unwrap_or_else(|_| "null".into()),
        }
    }

    pub fn raw(kind: impl Into<String>, data: String) -> Self {
        Self { kind: kind.into(), session_id: None, turn_id: None, project_id: None, data }
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
}

/// A committed event. `json` is the envelope, serialized once and shared by every reader.
#[derive(Debug)]
pub struct Event {
    pub seq: i64,
    pub ts: i64,
    pub kind: String,
    pub session_id: Option<Arc<str>>,
    pub turn_id: Option<String>,
    pub project_id: Option<Arc<str>>,
    pub json: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    seq: i64,
    ts: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    session_id: Option<&'a str>,
    turn_id: Option<&'a str>,
    project_id: Option<&'a str>,
    data: &'a RawValue,
}

/// RFC 3339 UTC with milliseconds.
pub fn format_ts(ts_ms: i64) -> String {
    let t = UNIX_EPOCH + Duration::from_millis(ts_ms.max(0) as u64);
    humantime::format_rfc3339_millis(t).to_string()
}

fn envelope_json(
    seq: i64,
    ts: i64,
    kind: &str,
    session_id: Option<&str>,
    turn_id: Option<&str>,
    project_id: Option<&str>,
    data: &str,
) -> String {
    let null = RawValue::NULL;
    let data: &RawValue = serde_json::from_str(data).unwrap_or(null);
    let ts = format_ts(ts);
    serde_json::to_string(&Envelope { seq, ts: &ts, kind, session_id, turn_id, project_id, data })
        .expect("an envelope of valid JSON serializes")
}

impl Event {
    pub fn from_new(seq: i64, ts: i64, e: NewEvent) -> Self {
        let json = envelope_json(
            seq,
            ts,
            &e.kind,
            e.session_id.as_deref(),
            e.turn_id.as_deref(),
            e.project_id.as_deref(),
            &e.data,
        );
        Self { seq, ts, kind: e.kind, session_id: e.session_id, turn_id: e.turn_id, project_id: e.project_id, json }
    }

    pub fn from_row(row: EventRow) -> Self {
        let json = envelope_json(
            row.seq,
            row.ts,
            &row.kind,
            row.session_id.as_deref(),
            row.turn_id.as_deref(),
            row.project_id.as_deref(),
            &row.data,
        );
        Self {
            seq: row.seq,
            ts: row.ts,
            kind: row.kind,
            session_id: row.session_id.map(Into::into),
            turn_id: row.turn_id,
            project_id: row.project_id.map(Into::into),
            json,
        }
    }

    /// The `data` member as parsed JSON (for consumers inside the host; clients get `json`).
    pub fn data(&self) -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(&self.json)
            .ok()
            .and_then(|mut v| v.get_mut("data").map(serde_json::Value::take))
            .unwrap_or(serde_json::Value::Null)
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
            NewEvent::raw("item.delta", r#"{"delta":"hi"}"#.into()).session(Some("s1".into()), None).turn(Some("t1".into())),
        );
        let v: serde_json::Value = serde_json::from_str(&e.json).unwrap();
        assert_eq!(v["seq"], 7);
        assert_eq!(v["type"], "item.delta");
        assert_eq!(v["sessionId"], "s1");
        assert_eq!(v["turnId"], "t1");
        assert!(v["projectId"].is_null());
        assert_eq!(v["data"]["delta"], "hi");
        assert_eq!(v["ts"], "2025-11-25T10:00:00.123Z");
    }
}
