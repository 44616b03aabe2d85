//! Write Codex Manager plugins in Rust.
//!
//! A plugin is a WebAssembly component (target `wasm32-wasip2`) built against the WIT world
//! `codex-manager:plugin/plugin@0.1.0` (`wit/0.1.0/plugin.wit` in the repository). The host calls it when an
//! event it subscribed to happens, when a job of a kind it declared is due, and when Codex calls a dynamic
//! tool it offers. The plugin may call back into the host through the modules of this crate ([`log`], [`kv`],
//! [`sessions`], [`turns`], [`requests`], [`http`], [`jobs`], [`workers`], [`notes`]); each call is allowed
//! only if the plugin's `plugin.toml` requests the matching capability and the user granted it. A call that is
//! not allowed returns [`Error::Denied`]; it never traps.
//!
//! Each call runs in a fresh instance: keep nothing in statics between calls, use [`kv`] instead.
//!
//! # A complete plugin
//!
//! `Cargo.toml`:
//!
//! ```toml
//! [package]
//! name = "shout"
//! version = "0.1.0"
//! edition = "2021"
//!
//! [lib]
//! crate-type = ["cdylib"]
//!
//! [dependencies]
//! codex-manager-plugin-sdk = { path = "../sdk" }
//! ```
//!
//! `src/lib.rs`:
//!
//! ```
//! use codex_manager_plugin_sdk::{self as sdk, export_plugin, Event, Plugin, ToolCall, ToolResult};
//!
//! struct Shout;
//!
//! impl Plugin for Shout {
//!     fn on_event(event: &Event) -> Result<(), String> {
//!         if event.kind == "turn.completed" {
//!             // Needs the `kv` capability; `?` turns a host error into the string the host records.
//!             let seen = sdk::kv::get("turns")?.unwrap_or_default();
//!             let count: u64 = seen.parse().unwrap_or(0) + 1;
//!             sdk::kv::set("turns", &count.to_string())?;
//!             sdk::log::info(format!("turn {count} completed"));
//!         }
//!         Ok(())
//!     }
//!
//!     fn call_tool(call: &ToolCall) -> Result<ToolResult, String> {
//!         if call.tool != "shout" {
//!             return Err(format!("no tool named {}", call.tool));
//!         }
//!         // Bad arguments are the model's mistake: tell it, as a failed result it can read.
//!         let args: sdk::serde_json::Value = match call.parse_arguments() {
//!             Ok(args) => args,
//!             Err(err) => return Ok(ToolResult::failure(err.message())),
//!         };
//!         match args["text"].as_str() {
//!             Some(text) => Ok(ToolResult::ok(text.to_uppercase())),
//!             None => Ok(ToolResult::failure("`text` must be a string")),
//!         }
//!     }
//! }
//!
//! export_plugin!(Shout);
//! ```
//!
//! `plugin.toml`, beside `Cargo.toml`:
//!
//! ```toml
//! id = "shout"
//! version = "0.1.0"
//! wit = "^0.1"
//! description = "Counts turns and offers a tool that shouts."
//!
//! [subscriptions]
//! events = ["turn.completed"]
//!
//! [[tools]]
//! name = "shout"
//! description = "Returns the text in capitals."
//! input_schema = { type = "object", properties = { text = { type = "string" } }, required = ["text"] }
//!
//! [capabilities]
//! request = ["log", "kv"]
//! ```
//!
//! Build with `cargo build --target wasm32-wasip2 --release`; the component is
//! `target/wasm32-wasip2/release/shout.wasm`.
//!
//! # Jobs, worker turns and notes
//!
//! A plugin declares the job kinds it runs in `plugin.toml`, one `[[jobs]]` table each:
//!
//! ```toml
//! [[jobs]]
//! kind = "summarize"          # 1-64 of [a-z0-9._-], unique across installed plugins
//! description = "Summarises a session into a note"
//! concurrency = 1             # optional, 1-8 (default 1)
//! timeout_ms = 300000         # optional, wall time of one attempt, worker turns included (default 120000)
//! max_attempts = 3            # optional, 1-20 (default 3)
//! ```
//!
//! It puts them on the durable queue with [`jobs::enqueue`] (capability `jobs`), typically from
//! [`Plugin::on_event`], and runs them in [`Plugin::run_job`]. Slow work belongs in a job: an event handler
//! has a short time limit. Inside a job, [`workers::run_turn`] (capability `workers`) runs a helper turn of
//! Codex on the plugin's hidden worker session and waits for it to end, and [`notes::add`] (capability `notes`)
//! shows the result to the user beside the session's transcript:
//!
//! ```no_run
//! use codex_manager_plugin_sdk::{self as sdk, Job, JobOutcome, JobRequest, Note, WorkerTurn};
//! use sdk::serde_json::json;
//!
//! // In on_event: at most one queued `summarize` job per session, run a minute from now.
//! fn schedule(session_id: &str) -> Result<(), sdk::Error> {
//!     let request = JobRequest::new("summarize", "{}").session(session_id).dedupe_key(session_id).delay_ms(60_000);
//!     let enqueued = sdk::jobs::enqueue(&request)?;
//!     sdk::log::debug(format!("job {} (duplicate: {})", enqueued.job_id, enqueued.duplicate));
//!     Ok(())
//! }
//!
//! // In run_job.
//! fn summarize(job: &Job) -> JobOutcome {
//!     let Some(session_id) = job.session_id.as_deref() else { return JobOutcome::failed("no session") };
//!     let turn = WorkerTurn::new("Summarise this repository's README in three bullet points.").session(session_id);
//!     let reply = match sdk::workers::run_turn(&turn) {
//!         Ok(reply) => reply,
//!         Err(err) => return JobOutcome::from_error(&err, 10_000),
//!     };
//!     if !reply.is_completed() {
//!         return JobOutcome::retry_later(30_000, reply.failure_reason());
//!     }
//!     let note = Note::new("summary", "Summary", reply.text.trim()).data_json(&json!({"worker_turn": reply.turn_id}));
//!     match sdk::notes::add(session_id, &note) {
//!         Ok(note_id) => JobOutcome::succeeded_json(&json!({ "note_id": note_id })),
//!         Err(err) => JobOutcome::from_error(&err, 10_000),
//!     }
//! }
//! ```
//!
//! # Errors and traps
//!
//! A host call that fails returns an [`Error`] (`denied`, `not-found`, `conflict`, `invalid`, `unavailable`).
//! `From<Error> for String` lets `?` pass one straight out of [`Plugin::on_event`] or [`Plugin::call_tool`].
//! A panic is a trap: the host records the call as failed and throws the instance away.

#![deny(missing_docs)]

/// The bindings `wit-bindgen` generates for the world `plugin`, as they are.
///
/// Prefer the wrappers of this crate; these are here for what they do not cover. The export macro
/// (`__export_plugin_world!`) is used by [`export_plugin!`]; do not call it directly.
#[allow(missing_docs)]
pub mod bindings {
    wit_bindgen::generate!({
        world: "plugin",
        path: "../../wit/0.1.0",
        pub_export_macro: true,
        export_macro_name: "__export_plugin_world",
        default_bindings_module: "::codex_manager_plugin_sdk::bindings",
        additional_derives: [PartialEq, Eq],
        generate_all,
    });
}

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use bindings::codex_manager::plugin::types::{
    DecideOutcome, Decision, Enqueued, Error, Event, HttpRequest, HttpResponse, Job, JobOutcome, JobRequest, LogLevel,
    Note, Retry, ToolCall, ToolResult, WorkerApprovals, WorkerReply, WorkerSandbox, WorkerTurn,
};
/// The `serde_json` this crate uses, so a plugin can handle JSON without a dependency of its own.
pub use serde_json;

/// The version of the WIT package this SDK is built against.
pub const WIT_VERSION: &str = "0.1.0";

/// What a plugin implements. Every method has a default, so implement only what the plugin's manifest
/// declares.
///
/// The methods take no `self`: the host makes a fresh instance for every call, so a plugin has no state
/// of its own between calls (keep it in [`kv`]). Wire the type to the component's exports with
/// [`export_plugin!`].
pub trait Plugin {
    /// An event of a kind the plugin subscribed to (`[subscriptions] events` in `plugin.toml`).
    ///
    /// An `Err` is recorded by the host against this plugin; it does not stop other plugins.
    fn on_event(event: &Event) -> Result<(), String> {
        let _ = event;
        Ok(())
    }

    /// A job of a kind the plugin declared (`[[jobs]]` in `plugin.toml`).
    ///
    /// The host retries a `retry-later` outcome (up to the kind's `max_attempts`) and records `failed`;
    /// [`JobOutcome::from_error`] picks between them for a host error.
    fn run_job(job: &Job) -> JobOutcome {
        let _ = job;
        JobOutcome::Failed("this plugin runs no jobs".to_string())
    }

    /// Codex calls a dynamic tool the plugin offers (`[[tools]]`).
    ///
    /// Return `Ok` with [`ToolResult::failure`] for a failure Codex should see (bad arguments, nothing
    /// found); `Err` means the plugin itself failed.
    fn call_tool(call: &ToolCall) -> Result<ToolResult, String> {
        // Not `format!`: a plugin that offers no tool should not carry the formatting code for this.
        let mut message = String::from("this plugin offers no tool `");
        message.push_str(&call.tool);
        message.push('`');
        Err(message)
    }
}

/// Makes a type that implements [`Plugin`] the component's `handler` export.
///
/// Use it once, at the top level of the plugin's `lib.rs`:
///
/// ```
/// # use codex_manager_plugin_sdk::{export_plugin, Plugin};
/// struct Quiet;
/// impl Plugin for Quiet {}
/// export_plugin!(Quiet);
/// ```
#[macro_export]
macro_rules! export_plugin {
    ($plugin:ty) => {
        const _: () = {
            struct __CodexManagerPluginExport;

            impl $crate::bindings::exports::codex_manager::plugin::handler::Guest for __CodexManagerPluginExport {
                fn on_event(event: $crate::Event) -> ::core::result::Result<(), $crate::__private::String> {
                    <$plugin as $crate::Plugin>::on_event(&event)
                }

                fn run_job(job: $crate::Job) -> $crate::JobOutcome {
                    <$plugin as $crate::Plugin>::run_job(&job)
                }

                fn call_tool(
                    call: $crate::ToolCall,
                ) -> ::core::result::Result<$crate::ToolResult, $crate::__private::String> {
                    <$plugin as $crate::Plugin>::call_tool(&call)
                }
            }

    $crate::bindings::__export_plugin_world!(__CodexManagerPluginExport with_types_in $crate::bindings);
        };
    };
}

#[doc(hidden)]
pub mod __private {
    pub use std::string::String;
}

// ---------------------------------------------------------------------------------------------------------
// JSON helpers and conveniences on the WIT types.

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

// ---------------------------------------------------------------------------------------------------------
// Host calls.

/// The host's log (capability `log`, granted to every plugin). Lines carry the plugin's id.
pub mod log {
    use crate::bindings::codex_manager::plugin::log as host;
    use crate::LogLevel;

    /// Writes `message` at `level`.
    pub fn log(level: LogLevel, message: impl AsRef<str>) {
        host::log(level, message.as_ref());
    }

    /// Writes at level `debug`.
    pub fn debug(message: impl AsRef<str>) {
        log(LogLevel::Debug, message);
    }

    /// Writes at level `info`.
    pub fn info(message: impl AsRef<str>) {
        log(LogLevel::Info, message);
    }

    /// Writes at level `warn`.
    pub fn warn(message: impl AsRef<str>) {
        log(LogLevel::Warn, message);
    }

    /// Writes at level `error`.
    pub fn error(message: impl AsRef<str>) {
        log(LogLevel::Error, message);
    }
}

/// A small durable key-value store private to the plugin (capability `kv`).
pub mod kv {
    use crate::bindings::codex_manager::plugin::kv as host;
    use crate::Error;

    /// The value stored under `key`, if any.
    pub fn get(key: &str) -> Result<Option<String>, Error> {
        host::get(key)
    }

    /// Stores `value` under `key`, replacing what was there.
    pub fn set(key: &str, value: &str) -> Result<(), Error> {
        host::set(key, value)
    }

    /// Removes `key` (removing a key that is not there is not an error of the SDK's making; the host
    /// decides).
    pub fn delete(key: &str) -> Result<(), Error> {
        host::delete(key)
    }
}

/// Sessions: read them (capability `sessions-read`), read and write their settings (`session-settings`),
/// rename them (`sessions-write`).
pub mod sessions {
    use crate::bindings::codex_manager::plugin::sessions as host;
    use crate::Error;

    /// The session as the REST API shows it, as JSON (`sessions-read`).
    pub fn get(session_id: &str) -> Result<String, Error> {
        host::get(session_id)
    }

    /// A page of the session's transcript (turns with items), as JSON (`sessions-read`).
    pub fn transcript(session_id: &str) -> Result<String, Error> {
        host::transcript(session_id)
    }

    /// The JSON value of the session's setting `key`, if set (`session-settings`).
    pub fn get_setting(session_id: &str, key: &str) -> Result<Option<String>, Error> {
        host::get_setting(session_id, key)
    }

    /// Sets the session's setting `key` to `value_json`, a JSON value (`session-settings`).
    pub fn set_setting(session_id: &str, key: &str, value_json: &str) -> Result<(), Error> {
        host::set_setting(session_id, key, value_json)
    }

    /// Gives the session a new title (`sessions-write`).
    pub fn rename(session_id: &str, title: &str) -> Result<(), Error> {
        host::rename(session_id, title)
    }
}

/// Start and steer work (capability `turns`).
pub mod turns {
    use crate::bindings::codex_manager::plugin::turns as host;
    use crate::Error;

    /// Starts a new session in the working directory `cwd`; returns its id.
    pub fn create_session(cwd: &str, title: Option<&str>) -> Result<String, Error> {
        host::create_session(cwd, title)
    }

    /// Sends a user message to the session; returns the id of the turn it starts.
    pub fn send_message(session_id: &str, text: &str) -> Result<String, Error> {
        host::send_message(session_id, text)
    }

    /// Interrupts the session's running turn.
    pub fn interrupt(session_id: &str) -> Result<(), Error> {
        host::interrupt(session_id)
    }
}

/// Answer what Codex asks (capability `requests`). A user's decision always wins a race:
/// [`DecideOutcome::AlreadyResolved`] says someone decided first.
pub mod requests {
    use crate::bindings::codex_manager::plugin::requests as host;
    use crate::{DecideOutcome, Decision, Error};

    /// Decides an approval request (a command, a file change).
    pub fn decide_approval(
        session_id: &str,
        request_id: &str,
        decision: Decision,
        reason: Option<&str>,
    ) -> Result<DecideOutcome, Error> {
        host::decide_approval(session_id, request_id, decision, reason)
    }

    /// Answers a tool's request for user input; `answers_json` is a JSON object, question id → answer.
    pub fn answer_tool_input(session_id: &str, request_id: &str, answers_json: &str) -> Result<DecideOutcome, Error> {
        host::answer_tool_input(session_id, request_id, answers_json)
    }
}

/// Outbound HTTP to the hosts the user allowed (capability `http`, with `http_allow` in `plugin.toml`).
pub mod http {
    use crate::bindings::codex_manager::plugin::http as host;
    use crate::{Error, HttpRequest, HttpResponse};

    /// Sends `request` and waits for the whole response. A status of 4xx or 5xx is still `Ok`.
    pub fn fetch(request: &HttpRequest) -> Result<HttpResponse, Error> {
        host::fetch(request)
    }
}

/// Put work on the durable queue (capability `jobs`): only kinds the plugin declares in `plugin.toml`
/// (`[[jobs]]`); another kind is [`Error::Invalid`] or [`Error::Denied`], as the host decides.
pub mod jobs {
    use crate::bindings::codex_manager::plugin::jobs as host;
    use crate::{Enqueued, Error, JobRequest};

    /// Enqueues `request`. With a dedupe key, a job of the same kind and key that is still queued or running is
    /// returned instead (`duplicate: true`) and no new job is made.
    pub fn enqueue(request: &JobRequest) -> Result<Enqueued, Error> {
        host::enqueue(request)
    }
}

/// Helper turns of Codex on the plugin's hidden worker session, one per plugin and working directory (capability `workers`).
pub mod workers {
    use crate::bindings::codex_manager::plugin::workers as host;
    use crate::{Error, WorkerReply, WorkerTurn};

    /// Runs `turn` and waits until it ends. Only inside [`Plugin::run_job`](crate::Plugin::run_job): the job's
    /// `timeout_ms` covers the wait, and canceling the job interrupts the turn. A turn that ran but did not
    /// complete is `Ok` with its `status` (`failed`, `interrupted`); see [`WorkerReply::is_completed`].
    pub fn run_turn(turn: &WorkerTurn) -> Result<WorkerReply, Error> {
        host::run_turn(turn)
    }
}

/// Notes on a session, shown beside its transcript (capability `notes`).
pub mod notes {
    use crate::bindings::codex_manager::plugin::notes as host;
    use crate::{Error, Note};

    /// Adds `note` to the session; returns the note's id.
    pub fn add(session_id: &str, note: &Note) -> Result<String, Error> {
        host::add(session_id, note)
    }
}

/// Reading the JSON of [`sessions::transcript`]: `{turns: [{id, status, items: [ThreadItem, ...]}], nextCursor}`,
/// where the items are app-server's `ThreadItem` objects (`userMessage`, `agentMessage`, `fileChange`, ...).
/// Pure functions over [`serde_json::Value`], so plugins can unit-test what they do with a transcript.
pub mod transcript {
    use crate::Error;
    use serde_json::Value;

    /// A page of a session's transcript, oldest turn first.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Transcript {
        /// The turns of this page.
        pub turns: Vec<Turn>,
        /// Set when there are more turns than this page holds.
        pub next_cursor: Option<String>,
    }

    /// One turn: its id, its status (`completed`, `interrupted`, `failed`, `inProgress`) and its items.
    #[derive(Debug, Clone, PartialEq)]
    pub struct Turn {
        /// The turn's id.
        pub id: String,
        /// The turn's status ("" when the transcript does not say).
        pub status: String,
        /// The turn's `ThreadItem` objects, as app-server gives them.
        pub items: Vec<Value>,
    }

    /// One file of a `fileChange` item.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct FileChange {
        /// The file's path, as Codex gave it (normally absolute).
        pub path: String,
        /// `add`, `delete` or `update` (`kind.type`).
        pub kind: String,
        /// The new path of a moved file.
        pub move_path: Option<String>,
        /// The change as a unified diff (for `add`, the file's content).
        pub diff: String,
        /// The item's status: `completed` (applied), `inProgress`, `failed` or `declined`.
        pub status: String,
    }

    impl Transcript {
        /// Parses the JSON of [`sessions::transcript`](crate::sessions::transcript).
        pub fn parse(json: &str) -> Result<Transcript, Error> {
            let value: Value = crate::parse_json(json)?;
            Ok(Transcript::from_value(&value))
        }

        /// Reads a transcript from its JSON value; what is missing or of the wrong type is left out.
        pub fn from_value(value: &Value) -> Transcript {
            let turns = value.get("turns").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
            Transcript {
                turns: turns.iter().filter_map(Turn::from_value).collect(),
                next_cursor: value.get("nextCursor").and_then(Value::as_str).map(str::to_string),
            }
        }

        /// The turn with this id, if this page has it.
        pub fn turn(&self, turn_id: &str) -> Option<&Turn> {
            self.turns.iter().find(|t| t.id == turn_id)
        }
    }

    impl Turn {
        /// A turn from its JSON value; `None` without an `id`.
        pub fn from_value(value: &Value) -> Option<Turn> {
            Some(Turn {
                id: value.get("id")?.as_str()?.to_string(),
                status: value.get("status").and_then(Value::as_str).unwrap_or_default().to_string(),
                items: value.get("items").and_then(Value::as_array).cloned().unwrap_or_default(),
            })
        }

        /// Whether the turn is still running.
        pub fn in_progress(&self) -> bool {
            self.status == "inProgress"
        }

        /// The items of one `type` (`userMessage`, `agentMessage`, `fileChange`, ...).
        pub fn items_of_type<'a>(&'a self, item_type: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
            self.items.iter().filter(move |item| item_type_of(item) == Some(item_type))
        }

        /// The text of the turn's user messages, joined by blank lines; `None` when there is none.
        pub fn user_text(&self) -> Option<String> {
            let texts: Vec<String> = self.items_of_type("userMessage").filter_map(user_message_text).collect();
            (!texts.is_empty()).then(|| texts.join("\n\n"))
        }

        /// The text of the turn's last agent message that has any (its answer); `None` when there is none.
        pub fn agent_text(&self) -> Option<&str> {
            self.items_of_type("agentMessage")
                .filter_map(|item| item.get("text").and_then(Value::as_str))
                .filter(|text| !text.trim().is_empty())
                .last()
        }

        /// Every file of the turn's `fileChange` items, in order.
        pub fn file_changes(&self) -> Vec<FileChange> {
            let mut out = Vec::new();
            for item in self.items_of_type("fileChange") {
                let status = item.get("status").and_then(Value::as_str).unwrap_or_default();
                let Some(changes) = item.get("changes").and_then(Value::as_array) else { continue };
                for change in changes {
                    let Some(path) = change.get("path").and_then(Value::as_str) else { continue };
                    let kind = change.get("kind");
                    let kind_name = match kind {
                        Some(Value::String(s)) => s.as_str(),
                        Some(k) => k.get("type").and_then(Value::as_str).unwrap_or_default(),
                        None => "",
                    };
                    let move_path = kind
                        .and_then(|k| k.get("move_path").or_else(|| k.get("movePath")))
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    out.push(FileChange {
                        path: path.to_string(),
                        kind: kind_name.to_string(),
                        move_path,
                        diff: change.get("diff").and_then(Value::as_str).unwrap_or_default().to_string(),
                        status: status.to_string(),
                    });
                }
            }
            out
        }
    }

    /// An item's `type`.
    pub fn item_type_of(item: &Value) -> Option<&str> {
        item.get("type").and_then(Value::as_str)
    }

    /// The text parts of a `userMessage` item (`content: [{type: "text", text}, ...]`), joined by line breaks;
    /// `None` when it has no text (an image only, say).
    pub fn user_message_text(item: &Value) -> Option<String> {
        let content = item.get("content")?.as_array()?;
        let texts: Vec<&str> = content
            .iter()
            .filter(|part| part.get("type").and_then(Value::as_str) == Some("text"))
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .filter(|text| !text.trim().is_empty())
            .collect();
        (!texts.is_empty()).then(|| texts.join("\n"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_become_strings_with_their_kind() {
        let s: String = Error::Denied("kv not granted".into()).into();
        assert_eq!(s, "denied: kv not granted");
        assert_eq!(Error::NotFound("x".into()).kind(), "not-found");
        assert!(Error::Unavailable("busy".into()).is_transient());
    }

    #[test]
    fn json_helpers_map_failures_to_invalid() {
        let v: serde_json::Value = parse_json(r#"{"a":1}"#).unwrap();
        assert_eq!(v["a"], 1);
        let err = parse_json::<serde_json::Value>("{nope").unwrap_err();
        assert_eq!(err.kind(), "invalid");
        let call = ToolCall { session_id: None, tool: "t".into(), arguments: r#"{"text":"hi"}"#.into() };
        let args: serde_json::Value = call.parse_arguments().unwrap();
        assert_eq!(args["text"], "hi");
    }

    #[test]
    fn outcomes() {
        assert_eq!(
            JobOutcome::succeeded_json(&serde_json::json!({"n": 2})),
            JobOutcome::Succeeded(r#"{"n":2}"#.into())
        );
        assert_eq!(
            JobOutcome::from_error(&Error::Unavailable("restarting".into()), 500),
            JobOutcome::RetryLater(Retry { after_ms: 500, reason: "unavailable: restarting".into() })
        );
        assert_eq!(JobOutcome::from_error(&Error::Denied("no".into()), 500), JobOutcome::Failed("denied: no".into()));
        assert!(ToolResult::ok("x").success);
        assert!(!ToolResult::failure("x").success);
    }

    #[test]
    fn http_helpers() {
        let req = HttpRequest::post("https://example.com/", "hi").with_header("content-type", "text/plain");
        assert_eq!(req.method, "POST");
        assert_eq!(req.body.as_deref(), Some(&b"hi"[..]));
        let resp =
            HttpResponse { status: 204, headers: vec![("Content-Type".into(), "x".into())], body: b"{}".to_vec() };
        assert!(resp.is_success());
        assert_eq!(resp.header("content-type"), Some("x"));
        let _: serde_json::Value = resp.json().unwrap();
    }
    #[test]
    fn builders_default_to_the_hosts_defaults() {
        let req = JobRequest::new("k", "{}");
        assert_eq!((req.session_id, req.dedupe_key, req.priority, req.delay_ms), (None, None, None, None));
        let req = JobRequest::json("k", &serde_json::json!({"a": 1}))
            .session("s")
            .project("p")
            .dedupe_key("d")
            .priority(5)
            .delay_ms(10);
        assert_eq!(req.payload, r#"{"a":1}"#);
        assert_eq!(req.session_id.as_deref(), Some("s"));
        assert_eq!(req.project_id.as_deref(), Some("p"));
        assert_eq!(req.dedupe_key.as_deref(), Some("d"));
        assert_eq!((req.priority, req.delay_ms), (Some(5), Some(10)));

        let turn = WorkerTurn::new("hi");
        assert_eq!((turn.sandbox, turn.network, turn.approvals), (None, None, None));
        let turn = WorkerTurn::new("hi")
            .session("s")
            .sandbox(WorkerSandbox::WorkspaceWrite)
            .network(true)
            .model("m")
            .approvals(WorkerApprovals::Accept);
        assert_eq!(turn.sandbox, Some(WorkerSandbox::WorkspaceWrite));
        assert_eq!(turn.approvals, Some(WorkerApprovals::Accept));
        assert_eq!((turn.network, turn.model.as_deref()), (Some(true), Some("m")));

        let note = Note::new("k", "t", "b").data_json(&serde_json::json!({"x": 1})).turn("t1");
        assert_eq!(note.data.as_deref(), Some(r#"{"x":1}"#));
        assert_eq!(note.turn_id.as_deref(), Some("t1"));
    }

    #[test]
    fn worker_replies() {
        let mut reply = WorkerReply {
            session_id: "w".into(),
            turn_id: "t".into(),
            status: "completed".into(),
            text: "ok".into(),
            error: None,
        };
        assert!(reply.is_completed());
        reply.status = "failed".into();
        reply.error = Some("rate limited".into());
        assert!(!reply.is_completed());
        assert_eq!(reply.failure_reason(), "worker turn failed: rate limited");
        reply.status = "interrupted".into();
        reply.error = None;
        assert!(reply.is_interrupted());
        assert_eq!(reply.failure_reason(), "worker turn interrupted");
        let e = Enqueued { job_id: "j".into(), duplicate: true };
        assert_eq!(e.to_json_value(), serde_json::json!({"job_id": "j", "duplicate": true}));
    }
    #[test]
    fn transcripts() {
        use transcript::Transcript;
        let t = Transcript::parse(
            r#"{"turns": [
                {"id": "t1", "status": "completed", "items": [
                    {"type": "userMessage", "id": "u", "content": [{"type": "text", "text": "Fix it"}, {"type": "image", "url": "x"}]},
                    {"type": "agentMessage", "id": "a1", "text": "Looking."},
                    {"type": "fileChange", "id": "f", "status": "completed", "changes": [
                        {"path": "/w/a.rs", "kind": {"type": "update", "move_path": null}, "diff": "@@ -1 +1 @@"},
                        {"path": "/w/b.rs", "kind": {"type": "update", "move_path": "/w/c.rs"}, "diff": ""}]},
                    {"type": "fileChange", "id": "g", "status": "declined", "changes": [
                        {"path": "/etc/x", "kind": {"type": "add"}, "diff": "x"}]},
                    {"type": "agentMessage", "id": "a2", "text": "Done."},
                    {"type": "agentMessage", "id": "a3", "text": "  "}]},
                {"id": "t2", "status": "inProgress", "items": [{"type": "userMessage", "content": [{"type": "image"}]}]},
                {"status": "completed"}
            ], "nextCursor": null}"#,
        )
        .unwrap();
        assert_eq!(t.turns.len(), 2);
        assert_eq!(t.next_cursor, None);
        let t1 = t.turn("t1").unwrap();
        assert_eq!(t1.user_text().as_deref(), Some("Fix it"));
        assert_eq!(t1.agent_text(), Some("Done."));
        let files = t1.file_changes();
        assert_eq!(files.len(), 3);
        assert_eq!(
            (files[0].path.as_str(), files[0].kind.as_str(), files[0].diff.as_str()),
            ("/w/a.rs", "update", "@@ -1 +1 @@")
        );
        assert_eq!(files[1].move_path.as_deref(), Some("/w/c.rs"));
        assert_eq!((files[2].status.as_str(), files[2].kind.as_str()), ("declined", "add"));
        let t2 = t.turn("t2").unwrap();
        assert!(t2.in_progress());
        assert_eq!(t2.user_text(), None);
        assert_eq!(t2.agent_text(), None);
        assert!(t2.file_changes().is_empty());
        assert!(t.turn("t3").is_none());
        let paged = Transcript::parse(r#"{"turns": [], "nextCursor": "c"}"#).unwrap();
        assert_eq!(paged.next_cursor.as_deref(), Some("c"));
        assert!(Transcript::parse("{}").unwrap().turns.is_empty());
        assert!(Transcript::parse("nope").is_err());
    }
}
