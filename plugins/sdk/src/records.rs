//! JSON helpers and conveniences on the WIT types.

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{
    Assessment, Enqueued, Error, Event, HttpRequest, HttpResponse, Job, JobOutcome, JobRequest, Note, Retry, Risk, ToolCall,
    ToolResult, TranscriptQuery, TurnRecord, TurnStatus, WorkerApprovals, WorkerReply, WorkerSandbox, WorkerTurn,
};

/// Parses JSON into `T`; a failure is [`Error::Invalid`] saying what was wrong.
pub fn parse_json<T: DeserializeOwned>(json: &str) -> Result<T, Error> {
    serde_json::from_str(json).map_err(|err| Error::Invalid(format!("bad JSON: {err}")))
}

/// Serializes `value` as JSON; a failure (a map with non-string keys, say) is [`Error::Invalid`].
pub fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, Error> {
    serde_json::to_string(value).map_err(|err| Error::Invalid(format!("cannot serialize as JSON: {err}")))
}

impl Error {
    /// The case's WIT name: `denied`, `not-found`, `conflict`, `invalid` or `unavailable`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Denied(_) => "denied",
            Error::NotFound(_) => "not-found",
            Error::Conflict(_) => "conflict",
            Error::Invalid(_) => "invalid",
            Error::Unavailable(_) => "unavailable",
        }
    }

    /// The host's explanation.
    pub fn message(&self) -> &str {
        match self {
            Error::Denied(m) | Error::NotFound(m) | Error::Conflict(m) | Error::Invalid(m) | Error::Unavailable(m) => m,
        }
    }

    /// Whether the capability was refused.
    pub fn is_denied(&self) -> bool {
        matches!(self, Error::Denied(_))
    }

    /// Whether the thing asked for does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, Error::NotFound(_))
    }

    /// Whether trying again later may work (the host said `unavailable`).
    pub fn is_transient(&self) -> bool {
        matches!(self, Error::Unavailable(_))
    }
}

/// `"<kind>: <message>"`, so `?` works in functions that return `Result<_, String>`.
impl From<Error> for String {
    fn from(err: Error) -> String {
        format!("{}: {}", err.kind(), err.message())
    }
}

impl Event {
    /// Parses the event's `data` JSON into `T` (a `serde_json::Value` takes anything).
    pub fn parse_data<T: DeserializeOwned>(&self) -> Result<T, Error> {
        parse_json(&self.data)
    }
}

impl Job {
    /// Parses the job's `payload` JSON into `T`.
    pub fn parse_payload<T: DeserializeOwned>(&self) -> Result<T, Error> {
        parse_json(&self.payload)
    }
}

impl ToolCall {
    /// Parses the `arguments` Codex gave into `T`.
    pub fn parse_arguments<T: DeserializeOwned>(&self) -> Result<T, Error> {
        parse_json(&self.arguments)
    }
}

impl ToolResult {
    /// A successful result with this text.
    pub fn ok(output: impl Into<String>) -> ToolResult {
        ToolResult { output: output.into(), success: true }
    }

    /// A failed result with this text, which Codex sees.
    pub fn failure(output: impl Into<String>) -> ToolResult {
        ToolResult { output: output.into(), success: false }
    }
}

impl JobOutcome {
    /// `succeeded` with `value` as JSON, or `failed` if it cannot be serialized.
    pub fn succeeded_json<T: Serialize + ?Sized>(value: &T) -> JobOutcome {
        match to_json(value) {
            Ok(json) => JobOutcome::Succeeded(json),
            Err(err) => JobOutcome::Failed(err.message().to_string()),
        }
    }

    /// `retry-later` after `after_ms` milliseconds, for `reason`.
    pub fn retry_later(after_ms: u64, reason: impl Into<String>) -> JobOutcome {
        JobOutcome::RetryLater(Retry { after_ms, reason: reason.into() })
    }

    /// `failed` for `reason`.
    pub fn failed(reason: impl Into<String>) -> JobOutcome {
        JobOutcome::Failed(reason.into())
    }

    /// The usual outcome for a host error: `retry-later` (after `after_ms`) when the host is
    /// `unavailable`, `failed` otherwise.
    pub fn from_error(err: &Error, after_ms: u64) -> JobOutcome {
        if err.is_transient() {
            JobOutcome::retry_later(after_ms, String::from(err.clone()))
        } else {
            JobOutcome::Failed(String::from(err.clone()))
        }
    }
}

impl JobRequest {
    /// A job of `kind` (one this plugin declares) with `payload_json` as its payload, and the host's defaults
    /// for everything else: no session or project, no dedupe key, priority 100, due now.
    pub fn new(kind: impl Into<String>, payload_json: impl Into<String>) -> JobRequest {
        JobRequest {
            kind: kind.into(),
            payload: payload_json.into(),
            session_id: None,
            project_id: None,
            dedupe_key: None,
            priority: None,
            delay_ms: None,
        }
    }

    /// A job of `kind` with `payload` serialized as its payload.
    pub fn json(kind: impl Into<String>, payload: &serde_json::Value) -> JobRequest {
        JobRequest::new(kind, payload.to_string())
    }

    /// The session the job is about (the job's `session_id` when it runs).
    pub fn session(mut self, session_id: impl Into<String>) -> JobRequest {
        self.session_id = Some(session_id.into());
        self
    }

    /// The project the job is about.
    pub fn project(mut self, project_id: impl Into<String>) -> JobRequest {
        self.project_id = Some(project_id.into());
        self
    }

    /// While a job of the same kind with this key is queued or running, enqueueing returns that job
    /// ([`Enqueued::duplicate`]) instead of making a new one.
    pub fn dedupe_key(mut self, key: impl Into<String>) -> JobRequest {
        self.dedupe_key = Some(key.into());
        self
    }

    /// Lower runs first (the host's default is 100).
    pub fn priority(mut self, priority: i32) -> JobRequest {
        self.priority = Some(priority);
        self
    }

    /// Runs no earlier than `delay_ms` milliseconds from now.
    pub fn delay_ms(mut self, delay_ms: u64) -> JobRequest {
        self.delay_ms = Some(delay_ms);
        self
    }
}

impl WorkerTurn {
    /// A helper turn with this prompt and the host's defaults: sandbox `read-only`, no network, the worker
    /// session's model, and every approval the turn asks for declined. Say what it is about with
    /// [`WorkerTurn::session`] or [`WorkerTurn::project`].
    pub fn new(prompt: impl Into<String>) -> WorkerTurn {
        WorkerTurn {
            session_id: None,
            project_id: None,
            prompt: prompt.into(),
            sandbox: None,
            network: None,
            model: None,
            approvals: None,
        }
    }

    /// The user session the work is about: the worker runs in its project and working directory.
    pub fn session(mut self, session_id: impl Into<String>) -> WorkerTurn {
        self.session_id = Some(session_id.into());
        self
    }

    /// The project the work is about, when there is no session.
    pub fn project(mut self, project_id: impl Into<String>) -> WorkerTurn {
        self.project_id = Some(project_id.into());
        self
    }

    /// What the worker's commands may write (default [`WorkerSandbox::ReadOnly`]).
    pub fn sandbox(mut self, sandbox: WorkerSandbox) -> WorkerTurn {
        self.sandbox = Some(sandbox);
        self
    }

    /// Whether the worker's commands may use the network (default `false`).
    pub fn network(mut self, network: bool) -> WorkerTurn {
        self.network = Some(network);
        self
    }

    /// The model to use (default: the worker session's).
    pub fn model(mut self, model: impl Into<String>) -> WorkerTurn {
        self.model = Some(model.into());
        self
    }

    /// How the host answers the approvals and questions of the turn (default [`WorkerApprovals::Decline`]).
    pub fn approvals(mut self, approvals: WorkerApprovals) -> WorkerTurn {
        self.approvals = Some(approvals);
        self
    }
}

impl WorkerReply {
    /// Whether the turn completed (rather than `failed` or `interrupted`).
    pub fn is_completed(&self) -> bool {
        self.status == "completed"
    }

    /// Whether the turn was interrupted (the job was canceled, the host or app-server stopped).
    pub fn is_interrupted(&self) -> bool {
        self.status == "interrupted"
    }

    /// Why the turn did not complete, for a log line or a job outcome: `"worker turn <status>: <error>"`.
    pub fn failure_reason(&self) -> String {
        let mut reason = String::from("worker turn ");
        reason.push_str(&self.status);
        if let Some(error) = self.error.as_deref().filter(|e| !e.is_empty()) {
            reason.push_str(": ");
            reason.push_str(error);
        }
        reason
    }
}

impl Note {
    /// A note of `kind` (`turn-review`, `next-request`, ...: clients pick how to show a kind) with a title and
    /// a Markdown body, about no turn in particular and with no extra data.
    pub fn new(kind: impl Into<String>, title: impl Into<String>, body: impl Into<String>) -> Note {
        Note { kind: kind.into(), title: title.into(), body: body.into(), data: None, turn_id: None }
    }

    /// Extra JSON for clients.
    pub fn data_json(mut self, data: &serde_json::Value) -> Note {
        self.data = Some(data.to_string());
        self
    }

    /// The turn the note is about.
    pub fn turn(mut self, turn_id: impl Into<String>) -> Note {
        self.turn_id = Some(turn_id.into());
        self
    }
}

impl Enqueued {
    /// The record as JSON: `{"job_id": "...", "duplicate": false}`.
    pub fn to_json_value(&self) -> serde_json::Value {
        serde_json::json!({ "job_id": self.job_id, "duplicate": self.duplicate })
    }
}

impl HttpRequest {
    /// A request with this method and URL, no headers and no body.
    pub fn new(method: impl Into<String>, url: impl Into<String>) -> HttpRequest {
        HttpRequest { method: method.into(), url: url.into(), headers: Vec::new(), body: None }
    }

    /// A `GET` of `url`.
    pub fn get(url: impl Into<String>) -> HttpRequest {
        HttpRequest::new("GET", url)
    }

    /// A `POST` of `body` to `url`.
    pub fn post(url: impl Into<String>, body: impl Into<Vec<u8>>) -> HttpRequest {
        HttpRequest::new("POST", url).with_body(body)
    }

    /// Adds a header.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> HttpRequest {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> HttpRequest {
        self.body = Some(body.into());
        self
    }
}

impl HttpResponse {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The first header with this name (compared without case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as UTF-8 text; not UTF-8 is [`Error::Invalid`].
    pub fn text(&self) -> Result<&str, Error> {
        std::str::from_utf8(&self.body).map_err(|err| Error::Invalid(format!("body is not UTF-8: {err}")))
    }

    /// The body parsed as JSON into `T`.
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        serde_json::from_slice(&self.body).map_err(|err| Error::Invalid(format!("bad JSON body: {err}")))
    }
}

impl TranscriptQuery {
    /// The newest `limit` turns (1-100), newest first: a long session's recent turns, whatever its length.
    pub fn newest(limit: u32) -> TranscriptQuery {
        TranscriptQuery { limit: Some(limit), cursor: None, newest_first: true }
    }

    /// The oldest `limit` turns (1-100), oldest first.
    pub fn oldest(limit: u32) -> TranscriptQuery {
        TranscriptQuery { limit: Some(limit), cursor: None, newest_first: false }
    }

    /// The page after the one whose `nextCursor` this is.
    pub fn cursor(mut self, cursor: impl Into<String>) -> TranscriptQuery {
        self.cursor = Some(cursor.into());
        self
    }
}

impl TurnRecord {
    /// Whether the turn completed (not failed, interrupted or still running).
    pub fn is_completed(&self) -> bool {
        self.status == TurnStatus::Completed
    }

    /// Whether the turn is over, however it ended.
    pub fn has_ended(&self) -> bool {
        self.status != TurnStatus::InProgress
    }
}

impl Risk {
    /// `low`, `medium` or `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }

    /// Reads `low`, `medium` or `high` (a setting's value, say).
    pub fn parse(s: &str) -> Option<Risk> {
        [Risk::Low, Risk::Medium, Risk::High].into_iter().find(|r| r.as_str() == s)
    }
}

impl Assessment {
    /// A judgement: the risk, what the action does in a sentence, and why it is that risky (Markdown).
    pub fn new(risk: Risk, summary: impl Into<String>, rationale: impl Into<String>) -> Assessment {
        Assessment { risk, summary: summary.into(), rationale: rationale.into(), assessor: None }
    }

    /// Who judged: a model's name, `rules`, ...
    pub fn assessor(mut self, assessor: impl Into<String>) -> Assessment {
        self.assessor = Some(assessor.into());
        self
    }
}
