//! The host interfaces a plugin imports. Each call checks its capability first: a call the plugin may not make
//! returns `error::denied` (and is recorded with the call), it never traps.

use serde_json::json;

use super::api::{self as host_api, Decided, HostCallError};
use super::bindings::codex_manager::plugin::{http, jobs, kv, log, notes, requests, sessions, turns, workers};
use super::bindings::types::{
    self, DecideOutcome, Decision, Enqueued, Error, HttpRequest, HttpResponse, JobRequest, LogLevel, Note, WorkerApprovals,
    WorkerReply, WorkerSandbox, WorkerTurn,
};
use super::capability::Capability;
use super::state::PluginState;

/// Largest key and value a plugin may store.
pub const MAX_KV_KEY: usize = 256;
pub const MAX_KV_VALUE: usize = 256 * 1024;
/// Largest HTTP response body handed to a plugin.
pub const MAX_HTTP_BODY: usize = 4 * 1024 * 1024;
/// Largest job payload a plugin may enqueue, and largest note body.
pub const MAX_JOB_PAYLOAD: usize = 256 * 1024;
pub const MAX_NOTE_BODY: usize = 64 * 1024;

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

impl jobs::Host for PluginState {
    async fn enqueue(&mut self, request: JobRequest) -> Result<Enqueued, Error> {
        gate!(self, Capability::Jobs, "jobs.enqueue");
        if request.payload.len() > MAX_JOB_PAYLOAD {
            return Err(Error::Invalid(format!("a job payload is at most {MAX_JOB_PAYLOAD} bytes")));
        }
        let request = host_api::JobRequest {
            kind: request.kind,
            payload: request.payload,
            session_id: request.session_id,
            project_id: request.project_id,
            dedupe_key: request.dedupe_key,
            priority: request.priority,
            delay_ms: request.delay_ms,
        };
        let (job_id, duplicate) = self.api.enqueue_job(&self.plugin_id, request).await.map_err(host_error)?;
        Ok(Enqueued { job_id, duplicate })
    }
}

impl workers::Host for PluginState {
    async fn run_turn(&mut self, turn: WorkerTurn) -> Result<WorkerReply, Error> {
        gate!(self, Capability::Workers, "workers.run-turn");
        let Some(job_id) = self.job_id.clone() else {
            return Err(Error::Invalid("worker turns run inside run-job: enqueue a job and run the turn there".into()));
        };
        let turn = host_api::WorkerTurn {
            session_id: turn.session_id,
            project_id: turn.project_id,
            prompt: turn.prompt,
            workspace_write: matches!(turn.sandbox, Some(WorkerSandbox::WorkspaceWrite)),
            network: turn.network.unwrap_or(false),
            model: turn.model,
            accept_requests: matches!(turn.approvals, Some(WorkerApprovals::Accept)),
        };
        let reply = self.api.run_worker_turn(&self.plugin_id, &job_id, turn).await.map_err(host_error)?;
        Ok(WorkerReply { session_id: reply.session_id, turn_id: reply.turn_id, status: reply.status, text: reply.text, error: reply.error })
    }
}

impl notes::Host for PluginState {
    async fn add(&mut self, session_id: String, note: Note) -> Result<String, Error> {
        gate!(self, Capability::Notes, "notes.add");
        let too_big = note.body.len() > MAX_NOTE_BODY
            || note.data.as_ref().is_some_and(|d| d.len() > MAX_NOTE_BODY)
            || note.title.chars().count() > 200
            || note.kind.is_empty()
            || note.kind.len() > 64
            || note.turn_id.as_ref().is_some_and(|t| t.len() > 200);
        if too_big {
            return Err(Error::Invalid(format!(
                "a note has a kind of 1-64 bytes, a title of at most 200 characters, a body and data of at most \
                 {MAX_NOTE_BODY} bytes each, and a turn id of at most 200 bytes"
            )));
        }
        let note = host_api::Note { kind: note.kind, title: note.title, body: note.body, data: note.data, turn_id: note.turn_id };
        self.api.add_note(&self.plugin_id, &session_id, note).await.map_err(host_error)
    }
}
