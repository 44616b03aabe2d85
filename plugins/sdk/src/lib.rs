//! Write Codex Manager plugins in Rust.
//!
//! A plugin is a WebAssembly component (target `wasm32-wasip2`) built against the WIT world
//! `codex-manager:plugin/plugin@0.1.0` (`wit/0.1.0/plugin.wit` in the repository). The host calls it when an
//! event it subscribed to happens, when a job of a kind it declared is due, and when Codex calls a dynamic
//! tool it offers. The plugin may call back into the host through the modules of this crate ([`log`], [`kv`],
//! [`sessions`], [`turns`], [`requests`], [`http`]); each call is allowed only if the plugin's `plugin.toml`
//! requests the matching capability and the user granted it. A call that is not allowed returns
//! [`Error::Denied`]; it never traps.
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
//! jobs = []
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
    DecideOutcome, Decision, Error, Event, HttpRequest, HttpResponse, Job, JobOutcome, LogLevel, Retry, ToolCall,
    ToolResult,
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

    /// A job of a kind the plugin declared (`[subscriptions] jobs`).
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
}
