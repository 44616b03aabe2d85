//! The host interfaces a plugin imports. Each call checks its capability first: a call the plugin may not make
//! returns `error::denied` (and is recorded with the call), it never traps.

use serde_json::json;

use super::api::{Decided, HostCallError};
use super::bindings::codex_manager::plugin::{http, kv, log, requests, sessions, turns};
use super::bindings::types::{self, DecideOutcome, Decision, Error, HttpRequest, HttpResponse, LogLevel};
use super::capability::Capability;
use super::state::PluginState;

/// Largest key and value a plugin may store.
pub const MAX_KV_KEY: usize = 256;
pub const MAX_KV_VALUE: usize = 256 * 1024;
/// Largest HTTP response body handed to a plugin.
pub const MAX_HTTP_BODY: usize = 4 * 1024 * 1024;

fn host_error(e: HostCallError) -> Error {
    match e {
        HostCallError::NotFound(m) => Error::NotFound(m),
        HostCallError::Conflict(m) => Error::Conflict(m),
        HostCallError::Invalid(m) => Error::Invalid(m),
        HostCallError::Unavailable(m) => Error::Unavailable(m),
    }
}

fn denied(cap: Capability) -> Error {
    Error::Denied(format!("this plugin was not granted the `{}` capability", cap.as_str()))
}

macro_rules! gate {
    ($state:expr, $cap:expr, $what:expr) => {
        if !$state.check($cap, $what) {
            return Err(denied($cap));
        }
    };
}

impl types::Host for PluginState {}

impl log::Host for PluginState {
    async fn log(&mut self, level: LogLevel, message: String) {
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
}

impl kv::Host for PluginState {
    async fn get(&mut self, key: String) -> Result<Option<String>, Error> {
        gate!(self, Capability::Kv, "kv.get");
        self.api.kv_get(&self.plugin_id, &key).await.map_err(host_error)
    }

    async fn set(&mut self, key: String, value: String) -> Result<(), Error> {
        gate!(self, Capability::Kv, "kv.set");
        if key.is_empty() || key.len() > MAX_KV_KEY || value.len() > MAX_KV_VALUE {
            return Err(Error::Invalid(format!("keys are 1-{MAX_KV_KEY} bytes, values at most {MAX_KV_VALUE} bytes")));
        }
        self.api.kv_set(&self.plugin_id, &key, &value).await.map_err(host_error)
    }

    async fn delete(&mut self, key: String) -> Result<(), Error> {
        gate!(self, Capability::Kv, "kv.delete");
        self.api.kv_delete(&self.plugin_id, &key).await.map_err(host_error)
    }
}

impl sessions::Host for PluginState {
    async fn get(&mut self, session_id: String) -> Result<String, Error> {
        gate!(self, Capability::SessionsRead, "sessions.get");
        self.api.session(&session_id).await.map_err(host_error)
    }

    async fn transcript(&mut self, session_id: String) -> Result<String, Error> {
        gate!(self, Capability::SessionsRead, "sessions.transcript");
        self.api.transcript(&session_id).await.map_err(host_error)
    }

    async fn get_setting(&mut self, session_id: String, key: String) -> Result<Option<String>, Error> {
        gate!(self, Capability::SessionSettings, "sessions.get-setting");
        self.api.get_setting(&session_id, &key).await.map_err(host_error)
    }

    async fn set_setting(&mut self, session_id: String, key: String, value: String) -> Result<(), Error> {
        gate!(self, Capability::SessionSettings, "sessions.set-setting");
        self.api.set_setting(&session_id, &key, &value).await.map_err(host_error)
    }

    async fn rename(&mut self, session_id: String, title: String) -> Result<(), Error> {
        gate!(self, Capability::SessionsWrite, "sessions.rename");
        self.api.rename(&session_id, &title).await.map_err(host_error)
    }
}

impl turns::Host for PluginState {
    async fn create_session(&mut self, cwd: String, title: Option<String>) -> Result<String, Error> {
        gate!(self, Capability::Turns, "turns.create-session");
        self.api.create_session(&cwd, title).await.map_err(host_error)
    }

    async fn send_message(&mut self, session_id: String, text: String) -> Result<String, Error> {
        gate!(self, Capability::Turns, "turns.send-message");
        self.api.send_message(&session_id, &text).await.map_err(host_error)
    }

    async fn interrupt(&mut self, session_id: String) -> Result<(), Error> {
        gate!(self, Capability::Turns, "turns.interrupt");
        self.api.interrupt(&session_id).await.map_err(host_error)
    }
}

fn outcome(d: Decided) -> DecideOutcome {
    match d {
        Decided::Applied => DecideOutcome::Applied,
        Decided::AlreadyResolved => DecideOutcome::AlreadyResolved,
    }
}

impl requests::Host for PluginState {
    async fn decide_approval(
        &mut self,
        session_id: String,
        request_id: String,
        decision: Decision,
        reason: Option<String>,
    ) -> Result<DecideOutcome, Error> {
        gate!(self, Capability::Requests, "requests.decide-approval");
        let decision = match decision {
            Decision::Accept => "accept",
            Decision::AcceptForSession => "acceptForSession",
            Decision::Decline => "decline",
            Decision::Cancel => "cancel",
        };
        let by = format!("plugin:{}", self.plugin_id);
        let body = json!({"decision": decision, "reason": reason});
        self.api.respond(&session_id, &request_id, body, &by).await.map(outcome).map_err(host_error)
    }

    async fn answer_tool_input(&mut self, session_id: String, request_id: String, answers: String) -> Result<DecideOutcome, Error> {
        gate!(self, Capability::Requests, "requests.answer-tool-input");
        let answers: serde_json::Value =
            serde_json::from_str(&answers).map_err(|e| Error::Invalid(format!("answers must be a JSON object: {e}")))?;
        let by = format!("plugin:{}", self.plugin_id);
        self.api.respond(&session_id, &request_id, json!({"answers": answers}), &by).await.map(outcome).map_err(host_error)
    }
}

impl http::Host for PluginState {
    async fn fetch(&mut self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let url = reqwest::Url::parse(&request.url).map_err(|e| Error::Invalid(format!("bad url: {e}")))?;
        let host = url.host_str().unwrap_or_default().to_string();
        if !self.grants.allows_host(&host) {
            self.denials.push(format!("http: {host}"));
            return Err(Error::Denied(format!("`{host}` is not on this plugin's HTTP allow-list (or `http` is not granted)")));
        }
        let method = reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|_| Error::Invalid("bad method".into()))?;
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(30))
            .build()
            .map_err(|e| Error::Unavailable(e.to_string()))?;
        let mut req = client.request(method, url);
        for (k, v) in &request.headers {
            req = req.header(k, v);
        }
        if let Some(body) = request.body {
            req = req.body(body);
        }
        let resp = req.send().await.map_err(|e| Error::Unavailable(e.to_string()))?;
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .filter_map(|(k, v)| v.to_str().ok().map(|v| (k.to_string(), v.to_string())))
            .collect();
        let body = resp.bytes().await.map_err(|e| Error::Unavailable(e.to_string()))?;
        if body.len() > MAX_HTTP_BODY {
            return Err(Error::Invalid(format!("response larger than {MAX_HTTP_BODY} bytes")));
        }
        Ok(HttpResponse { status, headers, body: body.to_vec() })
    }
}
