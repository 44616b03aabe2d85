//! The host side of the interfaces a plugin imports, written once on host types for every WIT version (each
//! version's generated `Host` traits, in `bindings/v0_*.rs`, only convert to and from these). Each call checks its
//! capability first: a call the plugin may not make returns `denied` (and is recorded with the call), it never traps.

use serde_json::json;

use super::api::{self as host_api, Assessment, Decided, HostCallError, HostResult, TranscriptPage, TurnPage, TurnRecord};
use super::capability::Capability;
use super::state::PluginState;

/// Largest key and value a plugin may store.
pub const MAX_KV_KEY: usize = 256;
pub const MAX_KV_VALUE: usize = 256 * 1024;
/// Most keys `kv.keys` returns.
pub const MAX_KV_KEYS: u32 = 1000;
/// Largest HTTP response body handed to a plugin.
pub const MAX_HTTP_BODY: usize = 4 * 1024 * 1024;
/// Largest job payload a plugin may enqueue, and largest note body.
pub const MAX_JOB_PAYLOAD: usize = 256 * 1024;
pub const MAX_NOTE_BODY: usize = 64 * 1024;
/// A transcript page a plugin reads: smaller than the REST API's, since every item travels as JSON into the guest.
pub const MAX_TRANSCRIPT_PAGE: u32 = 100;
/// An assessment's summary (characters) and rationale (bytes), and its assessor's name (characters).
pub const MAX_ASSESSMENT_SUMMARY: usize = 500;
pub const MAX_ASSESSMENT_RATIONALE: usize = 16 * 1024;
pub const MAX_ASSESSOR: usize = 100;

/// A log line's level.
#[derive(Debug, Clone, Copy)]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

/// A decision on an approval.
#[derive(Debug, Clone, Copy)]
pub enum Decision {
    Accept,
    AcceptForSession,
    Decline,
    Cancel,
}

pub struct HttpRequest {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Vec<u8>>,
}

pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

fn denied(cap: Capability) -> HostCallError {
    HostCallError::Denied(format!("this plugin was not granted the `{}` capability", cap.as_str()))
}

fn invalid<T>(message: impl Into<String>) -> HostResult<T> {
    Err(HostCallError::Invalid(message.into()))
}

macro_rules! gate {
    ($state:expr, $cap:expr, $what:expr) => {
        if !$state.check($cap, $what) {
            return Err(denied($cap));
        }
    };
}

fn check_kv(key: &str, value: Option<&str>) -> HostResult<()> {
    if key.is_empty() || key.len() > MAX_KV_KEY || value.is_some_and(|v| v.len() > MAX_KV_VALUE) {
        return invalid(format!("keys are 1-{MAX_KV_KEY} bytes, values at most {MAX_KV_VALUE} bytes"));
    }
    Ok(())
}

impl PluginState {
    fn by(&self) -> String {
        format!("plugin:{}", self.plugin_id)
    }

    pub(super) fn log(&mut self, level: LogLevel, message: String) {
        if !self.check(Capability::Log, "log") {
            return;
        }
        let message: String = message.chars().take(4096).collect();
        let plugin = &*self.plugin_id;
        match level {
            LogLevel::Debug => tracing::debug!(target: "plugin", plugin, "{message}"),
            LogLevel::Info => tracing::info!(target: "plugin", plugin, "{message}"),
            LogLevel::Warn => tracing::warn!(target: "plugin", plugin, "{message}"),
            LogLevel::Error => tracing::error!(target: "plugin", plugin, "{message}"),
        }
    }

    // kv

    pub(super) async fn kv_get(&mut self, key: String) -> HostResult<Option<String>> {
        gate!(self, Capability::Kv, "kv.get");
        self.api.kv_get(&self.plugin_id, &key).await
    }

    pub(super) async fn kv_set(&mut self, key: String, value: String) -> HostResult<()> {
        gate!(self, Capability::Kv, "kv.set");
        check_kv(&key, Some(&value))?;
        self.api.kv_set(&self.plugin_id, &key, &value).await
    }

    pub(super) async fn kv_delete(&mut self, key: String) -> HostResult<()> {
        gate!(self, Capability::Kv, "kv.delete");
        self.api.kv_delete(&self.plugin_id, &key).await
    }

    pub(super) async fn kv_compare_and_set(&mut self, key: String, expected: Option<String>, value: Option<String>) -> HostResult<bool> {
        gate!(self, Capability::Kv, "kv.compare-and-set");
        check_kv(&key, value.as_deref())?;
        self.api.kv_compare_and_set(&self.plugin_id, &key, expected.as_deref(), value.as_deref()).await
    }

    pub(super) async fn kv_keys(&mut self, prefix: String) -> HostResult<Vec<String>> {
        gate!(self, Capability::Kv, "kv.keys");
        if prefix.len() > MAX_KV_KEY {
            return invalid(format!("a prefix is at most {MAX_KV_KEY} bytes"));
        }
        self.api.kv_keys(&self.plugin_id, &prefix, MAX_KV_KEYS).await
    }

    // settings: every plugin's own, no capability.

    pub(super) async fn settings_get(&mut self, key: String) -> HostResult<Option<String>> {
        let all = self.api.plugin_settings(&self.plugin_id).await?;
        Ok(all.get(&key).map(|v| v.to_string()))
    }

    pub(super) async fn settings_all(&mut self) -> HostResult<String> {
        let all = self.api.plugin_settings(&self.plugin_id).await?;
        Ok(serde_json::Value::Object(all).to_string())
    }

    // sessions

    pub(super) async fn session_get(&mut self, session_id: String) -> HostResult<String> {
        gate!(self, Capability::SessionsRead, "sessions.get");
        self.api.session(&session_id).await
    }

    pub(super) async fn transcript_page(&mut self, session_id: String, page: TranscriptPage, what: &str) -> HostResult<String> {
        gate!(self, Capability::SessionsRead, what);
        if !(1..=MAX_TRANSCRIPT_PAGE).contains(&page.limit) {
            return invalid(format!("a transcript page is 1-{MAX_TRANSCRIPT_PAGE} turns"));
        }
        self.api.transcript_page(&session_id, page).await
    }

    pub(super) async fn list_turns(&mut self, session_id: String, limit: Option<u32>, cursor: Option<String>) -> HostResult<TurnPage> {
        gate!(self, Capability::SessionsRead, "sessions.list-turns");
        self.api.list_turns(&session_id, limit, cursor).await
    }

    pub(super) async fn get_turn(&mut self, session_id: String, turn_id: String) -> HostResult<TurnRecord> {
        gate!(self, Capability::SessionsRead, "sessions.get-turn");
        self.api.get_turn(&session_id, &turn_id).await
    }

    pub(super) async fn get_setting(&mut self, session_id: String, key: String) -> HostResult<Option<String>> {
        gate!(self, Capability::SessionSettings, "sessions.get-setting");
        self.api.get_setting(&session_id, &key).await
    }

    pub(super) async fn set_setting(&mut self, session_id: String, key: String, value: String) -> HostResult<()> {
        gate!(self, Capability::SessionSettings, "sessions.set-setting");
        self.api.set_setting(&session_id, &key, &value).await
    }

    pub(super) async fn rename(&mut self, session_id: String, title: String) -> HostResult<()> {
        gate!(self, Capability::SessionsWrite, "sessions.rename");
        self.api.rename(&session_id, &title).await
    }

    // turns

    pub(super) async fn create_session(&mut self, cwd: String, title: Option<String>) -> HostResult<String> {
        gate!(self, Capability::Turns, "turns.create-session");
        self.api.create_session(&cwd, title).await
    }

    pub(super) async fn send_message(&mut self, session_id: String, text: String) -> HostResult<String> {
        gate!(self, Capability::Turns, "turns.send-message");
        self.api.send_message(self.job_id.as_deref(), &session_id, &text).await
    }

    pub(super) async fn steer(&mut self, session_id: String, text: String) -> HostResult<String> {
        gate!(self, Capability::Turns, "turns.steer");
        self.api.steer(&session_id, &text).await
    }

    pub(super) async fn interrupt(&mut self, session_id: String) -> HostResult<()> {
        gate!(self, Capability::Turns, "turns.interrupt");
        self.api.interrupt(&session_id).await
    }

    // requests

    pub(super) async fn decide_approval(
        &mut self,
        session_id: String,
        request_id: String,
        decision: Decision,
        reason: Option<String>,
    ) -> HostResult<Decided> {
        gate!(self, Capability::Requests, "requests.decide-approval");
        let decision = match decision {
            Decision::Accept => "accept",
            Decision::AcceptForSession => "acceptForSession",
            Decision::Decline => "decline",
            Decision::Cancel => "cancel",
        };
        let body = json!({"decision": decision, "reason": reason});
        self.api.respond(&session_id, &request_id, body, &self.by()).await
    }

    pub(super) async fn answer_tool_input(&mut self, session_id: String, request_id: String, answers: String) -> HostResult<Decided> {
        gate!(self, Capability::Requests, "requests.answer-tool-input");
        let answers: serde_json::Value = serde_json::from_str(&answers)
            .map_err(|e| HostCallError::Invalid(format!("answers must be a JSON object: {e}")))?;
        self.api.respond(&session_id, &request_id, json!({"answers": answers}), &self.by()).await
    }

    pub(super) async fn assess(&mut self, session_id: String, request_id: String, assessment: Assessment) -> HostResult<()> {
        gate!(self, Capability::Requests, "requests.assess");
        let bad = assessment.summary.trim().is_empty()
            || assessment.summary.chars().count() > MAX_ASSESSMENT_SUMMARY
            || assessment.rationale.len() > MAX_ASSESSMENT_RATIONALE
            || assessment.assessor.as_ref().is_some_and(|a| a.chars().count() > MAX_ASSESSOR);
        if bad {
            return invalid(format!(
                "an assessment has a summary of 1-{MAX_ASSESSMENT_SUMMARY} characters, a rationale of at most \
                 {MAX_ASSESSMENT_RATIONALE} bytes and an assessor of at most {MAX_ASSESSOR} characters"
            ));
        }
        self.api.assess(&session_id, &request_id, assessment, &self.by()).await
    }

    // http

    pub(super) async fn fetch(&mut self, request: HttpRequest) -> HostResult<HttpResponse> {
        let url = reqwest::Url::parse(&request.url).map_err(|e| HostCallError::Invalid(format!("bad url: {e}")))?;
        let host = url.host_str().unwrap_or_default().to_string();
        if !self.grants.allows_host(&host) {
            self.denials.push(format!("http: {host}"));
            return Err(HostCallError::Denied(format!("`{host}` is not on this plugin's HTTP allow-list (or `http` is not granted)")));
        }
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|_| HostCallError::Invalid("bad method".into()))?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| HostCallError::Unavailable(e.to_string()))?;
        let mut req = client.request(method, url);
        for (k, v) in &request.headers {
            req = req.header(k, v);
        }
        if let Some(body) = request.body {
            req = req.body(body);
        }
        let resp = req.send().await.map_err(|e| HostCallError::Unavailable(e.to_string()))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.to_string(), v.to_string())))
            .collect();
        let body = resp.bytes().await.map_err(|e| HostCallError::Unavailable(e.to_string()))?;
        if body.len() > MAX_HTTP_BODY {
            return invalid(format!("response larger than {MAX_HTTP_BODY} bytes"));
        }
        Ok(HttpResponse { status, headers, body: body.to_vec() })
    }

    // jobs, workers, notes

    pub(super) async fn enqueue(&mut self, request: host_api::JobRequest) -> HostResult<(String, bool)> {
        gate!(self, Capability::Jobs, "jobs.enqueue");
        if request.payload.len() > MAX_JOB_PAYLOAD {
            return invalid(format!("a job payload is at most {MAX_JOB_PAYLOAD} bytes"));
        }
        self.api.enqueue_job(&self.plugin_id, request).await
    }

    pub(super) async fn run_turn(&mut self, turn: host_api::WorkerTurn) -> HostResult<host_api::WorkerReply> {
        gate!(self, Capability::Workers, "workers.run-turn");
        let Some(job_id) = self.job_id.clone() else {
            return invalid("worker turns run inside run-job: enqueue a job and run the turn there");
        };
        self.api.run_worker_turn(&self.plugin_id, &job_id, turn).await
    }

    pub(super) async fn add_note(&mut self, session_id: String, note: host_api::Note) -> HostResult<String> {
        gate!(self, Capability::Notes, "notes.add");
        let too_big = note.body.len() > MAX_NOTE_BODY
            || note.data.as_ref().is_some_and(|d| d.len() > MAX_NOTE_BODY)
            || note.title.chars().count() > 200
            || note.kind.is_empty()
            || note.kind.len() > 64
            || note.turn_id.as_ref().is_some_and(|t| t.len() > 200);
        if too_big {
            return invalid(format!(
                "a note has a kind of 1-64 bytes, a title of at most 200 characters, a body and data of at most \
                 {MAX_NOTE_BODY} bytes each, and a turn id of at most 200 bytes"
            ));
        }
        self.api.add_note(&self.plugin_id, &session_id, note).await
    }
}
