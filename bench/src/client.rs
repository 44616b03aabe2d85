//! The API as a benchmark client sees it: REST calls, and websocket readers that timestamp every frame.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context};
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::host::HostProcess;

pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Wall-clock now in Unix nanoseconds: the same clock the fake stamps its lines with.
pub fn unix_nanos() -> i128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as i128).unwrap_or(0)
}

/// REST client of one host.
#[derive(Clone)]
pub struct Api {
    pub http: reqwest::Client,
    base: String,
    ws_base: String,
    token: String,
}

/// What `POST …/messages` timing looked like.
#[derive(Debug, Clone, Copy)]
pub struct Posted {
    /// Unix nanoseconds taken right before the request was handed to the connection.
    pub sent_at_ns: i128,
    /// Until the response status arrived.
    pub round_trip: Duration,
}

impl Api {
    pub fn new(http: reqwest::Client, host: &HostProcess) -> Self {
        Self { http, base: host.base_url(), ws_base: format!("ws://{}", host.addr), token: host.token.clone() }
    }

    /// `POST /api/sessions {cwd}` → the session id.
    pub async fn create_session(&self, cwd: &std::path::Path) -> anyhow::Result<String> {
        let resp = self
            .http
            .post(format!("{}/api/sessions", self.base))
            .bearer_auth(&self.token)
            .json(&json!({"cwd": cwd.display().to_string()}))
            .send()
            .await?;
        let status = resp.status();
        let body: Value = resp.json().await.unwrap_or_default();
        if !status.is_success() {
            bail!("POST /api/sessions answered {status}: {body}");
        }
        body["id"].as_str().map(str::to_owned).context("POST /api/sessions returned no id")
    }

    /// `lastSeq` from `/api/ready`.
    pub async fn last_seq(&self) -> anyhow::Result<i64> {
        let body: Value =
            self.http.get(format!("{}/api/ready", self.base)).bearer_auth(&self.token).send().await?.json().await?;
        body["lastSeq"].as_i64().context("/api/ready has no lastSeq")
    }

    /// `POST /api/sessions/{id}/messages {text}`; expects 202.
    pub async fn send_message(&self, session: &str, text: &str) -> anyhow::Result<Posted> {
        let request = self
            .http
            .post(format!("{}/api/sessions/{session}/messages", self.base))
            .bearer_auth(&self.token)
            .json(&json!({"text": text}))
            .build()?;
        let sent_at_ns = unix_nanos();
        let started = Instant::now();
        let resp = self.http.execute(request).await?;
        let round_trip = started.elapsed();
        let status = resp.status();
        if status != reqwest::StatusCode::ACCEPTED {
            let body = resp.text().await.unwrap_or_default();
            bail!("POST messages answered {status}: {body}");
        }
        Ok(Posted { sent_at_ns, round_trip })
    }

    /// `GET <path>` (path from `/api`, with its query) on the warm keep-alive connection: status, body size and the
    /// request's wall time (until the whole body arrived).
    pub async fn timed_get(&self, path: &str) -> anyhow::Result<(Duration, Value)> {
        let started = Instant::now();
        let resp = self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.token).send().await?;
        let status = resp.status();
        let bytes = resp.bytes().await?;
        let took = started.elapsed();
        if !status.is_success() {
            bail!("GET {path} answered {status}: {}", String::from_utf8_lossy(&bytes[..bytes.len().min(300)]));
        }
        Ok((took, serde_json::from_slice(&bytes).with_context(|| format!("GET {path}: not JSON"))?))
    }

    /// `POST <path> <body>`: the request's wall time and the JSON answer; any non-2xx is an error.
    pub async fn timed_post(&self, path: &str, body: &Value) -> anyhow::Result<(Duration, Value)> {
        let started = Instant::now();
        let resp = self.http.post(format!("{}{path}", self.base)).bearer_auth(&self.token).json(body).send().await?;
        let status = resp.status();
        let bytes = resp.bytes().await?;
        let took = started.elapsed();
        if !status.is_success() {
            bail!("POST {path} answered {status}: {}", String::from_utf8_lossy(&bytes[..bytes.len().min(300)]));
        }
        Ok((took, serde_json::from_slice(&bytes).unwrap_or(Value::Null)))
    }

    /// Open `/api/stream?since=<since>&sessions=<session>`.
    pub async fn open_stream(&self, since: i64, session: &str) -> anyhow::Result<Ws> {
        let url = format!("{}/api/stream?since={since}&sessions={session}", self.ws_base);
        let mut request = url.as_str().into_client_request()?;
        request.headers_mut().insert("Authorization", format!("Bearer {}", self.token).parse()?);
        let (ws, _) = tokio::time::timeout(Duration::from_secs(10), tokio_tungstenite::connect_async(request))
            .await
            .context("websocket connect timed out")??;
        Ok(ws)
    }
}

/// What one client saw of one turn.
#[derive(Debug, Default)]
pub struct TurnLog {
    /// Per delta: receive time − the `t=` stamp the fake wrote, in nanoseconds.
    pub delta_latency_ns: Vec<i64>,
    /// Per delta: its `t=` stamp − the one of the delta before it (0 for the first), in nanoseconds: how closely it
    /// followed.
    pub delta_gap_ns: Vec<i64>,
    pub deltas: u64,
    pub first_delta_recv_ns: i128,
    pub last_delta_recv_ns: i128,
    pub first_delta_sent_ns: i128,
    pub last_delta_sent_ns: i128,
    /// `fakeReceivedAtNs` of `turn.started`: when app-server read `turn/start`.
    pub fake_received_at_ns: Option<i128>,
    /// `turn.completed`: receive time − `fakeEmittedAtNs`.
    pub completed_latency_ns: Option<i64>,
    pub status: Option<String>,
    pub resets: u64,
    pub frames: u64,
}

/// Read frames until `turn.completed`, at most `timeout`.
pub async fn read_turn(ws: &mut Ws, timeout: Duration) -> anyhow::Result<TurnLog> {
    let mut log = TurnLog::default();
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let frame = match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => bail!("no turn.completed within {timeout:?} ({} deltas so far)", log.deltas),
            Ok(None) => bail!("the stream closed ({} deltas so far)", log.deltas),
            Ok(Some(frame)) => frame?,
        };
        let recv = unix_nanos();
        let Message::Text(text) = frame else { continue };
        log.frames += 1;
        let text = text.as_str();
        match frame_type(text) {
            Some("item.delta") => {
                let sent = delta_stamp(text).with_context(|| format!("a delta without t=<nanos>: {}", prefix(text)))?;
                if log.deltas == 0 {
                    log.first_delta_recv_ns = recv;
                    log.first_delta_sent_ns = sent;
                    log.last_delta_sent_ns = sent;
                }
                log.delta_gap_ns.push((sent - log.last_delta_sent_ns) as i64);
                log.last_delta_recv_ns = recv;
                log.last_delta_sent_ns = sent;
                log.deltas += 1;
                log.delta_latency_ns.push((recv - sent) as i64);
            }
            Some("turn.started") => {
                let v: Value = serde_json::from_str(text)?;
                log.fake_received_at_ns = v.pointer("/data/fakeReceivedAtNs").and_then(Value::as_u64).map(i128::from);
            }
            Some("turn.completed") => {
                let v: Value = serde_json::from_str(text)?;
                if let Some(sent) = v.pointer("/data/fakeEmittedAtNs").and_then(Value::as_u64) {
                    log.completed_latency_ns = Some((recv - i128::from(sent)) as i64);
                }
                log.status = v.pointer("/data/turn/status").and_then(Value::as_str).map(str::to_owned);
                return Ok(log);
            }
            Some("reset") => log.resets += 1,
            _ => {}
        }
    }
}

/// Read frames until one satisfies `want` (parsed as JSON), at most `timeout`; returns it and when it arrived.
pub async fn wait_frame(ws: &mut Ws, timeout: Duration, want: impl Fn(&Value) -> bool) -> anyhow::Result<(Value, Instant)> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let frame = match tokio::time::timeout_at(deadline, ws.next()).await {
            Err(_) => bail!("the awaited frame did not come within {timeout:?}"),
            Ok(None) => bail!("the stream closed"),
            Ok(Some(frame)) => frame?,
        };
        let at = Instant::now();
        let Message::Text(text) = frame else { continue };
        let v: Value = serde_json::from_str(text.as_str())?;
        if want(&v) {
            return Ok((v, at));
        }
    }
}

/// The envelope's `type`: the first `"type":"…"` of the frame, since the envelope writes it before `data`.
fn frame_type(frame: &str) -> Option<&str> {
    const KEY: &str = "\"type\":\"";
    let start = frame.find(KEY)? + KEY.len();
    let len = frame[start..].find('"')?;
    Some(&frame[start..start + len])
}

/// The `t=<nanos>;` stamp of a delta frame.
fn delta_stamp(frame: &str) -> Option<i128> {
    const KEY: &str = "\"delta\":\"t=";
    let start = frame.find(KEY)? + KEY.len();
    let len = frame[start..].find(';')?;
    frame[start..start + len].parse().ok()
}

fn prefix(s: &str) -> &str {
    &s[..s.len().min(200)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_without_a_full_parse() {
        let frame = r#"{"seq":9,"ts":"2026-01-01T00:00:00.000Z","type":"item.delta","sessionId":"s","turnId":"t","projectId":null,"data":{"threadId":"x","turnId":"t","itemId":"i","delta":"t=1764064800123456789;"}}"#;
        assert_eq!(frame_type(frame), Some("item.delta"));
        assert_eq!(delta_stamp(frame), Some(1_764_064_800_123_456_789));
        assert_eq!(frame_type(r#"{"seq":1,"type":"reset","data":{"type":"x"}}"#), Some("reset"));
        assert_eq!(delta_stamp(r#"{"type":"item.delta","data":{"delta":"hello"}}"#), None);
    }
}
