//! Write Codex Manager plugins in Rust.
//!
//! A plugin is a WebAssembly component (target `wasm32-wasip2`) built against the WIT world
//! `codex-manager:plugin/plugin@0.2.0` (`wit/0.2.0/plugin.wit` in the repository; its `plugin.toml` says
//! `wit = "^0.2"`). The host calls it when an event it subscribed to happens, when a job of a kind it declared is
//! due, and when Codex calls a dynamic tool it offers. The plugin may call back into the host through the modules
//! of this crate ([`log`], [`kv`], [`settings`], [`sessions`], [`turns`], [`requests`], [`http`], [`jobs`],
//! [`workers`], [`notes`]); each call is allowed only if the plugin's `plugin.toml` requests the matching
//! capability and the user granted it ([`settings`] and [`log`] are every plugin's). A call that is not allowed
//! returns [`Error::Denied`]; it never traps.
//!
//! # Reading a session of any length
//!
//! [`sessions::list_turns`] gives the host's turn records newest first (each with its final text), and
//! [`sessions::get_turn`] one of them; [`sessions::transcript_page`] with [`TranscriptQuery::newest`] gives the
//! newest turns with all their items. Both page backwards with `next_cursor`, so a session of any length is read
//! from its end:
//!
//! ```no_run
//! use codex_manager_plugin_sdk::{self as sdk, transcript::Transcript, TranscriptQuery};
//!
//! fn last_answer(session_id: &str) -> Result<Option<String>, sdk::Error> {
//!     let page = sdk::sessions::list_turns(session_id, Some(1), None)?;
//!     Ok(page.turns.into_iter().next().and_then(|t| t.final_text))
//! }
//!
//! fn newest_turns(session_id: &str) -> Result<Transcript, sdk::Error> {
//!     // Newest first: `Transcript::reversed` puts them back in reading order.
//!     let json = sdk::sessions::transcript_page(session_id, &TranscriptQuery::newest(5))?;
//!     Ok(Transcript::parse(&json)?.reversed())
//! }
//! ```
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
//! wit = "^0.2"
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
        path: "../../wit/0.2.0",
        pub_export_macro: true,
        export_macro_name: "__export_plugin_world",
        default_bindings_module: "::codex_manager_plugin_sdk::bindings",
        additional_derives: [PartialEq, Eq],
        generate_all,
    });
}


pub use bindings::codex_manager::plugin::types::{
    Assessment, DecideOutcome, Decision, Enqueued, Error, Event, HttpRequest, HttpResponse, Job, JobOutcome, JobRequest,
    LogLevel, Note, Retry, Risk, ToolCall, ToolResult, TranscriptQuery, TurnPage, TurnRecord, TurnStatus, WorkerApprovals,
    WorkerReply, WorkerSandbox, WorkerTurn,
};
/// The `serde_json` this crate uses, so a plugin can handle JSON without a dependency of its own.
pub use serde_json;

/// The version of the WIT package this SDK is built against.
pub const WIT_VERSION: &str = "0.2.0";

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

mod host;
mod records;
pub mod transcript;

pub use host::{http, jobs, kv, log, notes, requests, sessions, settings, turns, workers};
pub use records::{parse_json, to_json};

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
        let call = ToolCall { session_id: None, tool: "t".into(), arguments: r#"{"text":"hi"}"#.into(), job_id: None };
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
    fn v0_2_records() {
        let q = TranscriptQuery::newest(5).cursor("c");
        assert_eq!((q.limit, q.cursor.as_deref(), q.newest_first), (Some(5), Some("c"), true));
        assert!(!TranscriptQuery::oldest(10).newest_first);
        let a = Assessment::new(Risk::High, "Deletes the build", "`rm -rf build`").assessor("rules");
        assert_eq!((a.risk, a.assessor.as_deref()), (Risk::High, Some("rules")));
        assert_eq!(Risk::parse("medium"), Some(Risk::Medium));
        assert_eq!(Risk::High.as_str(), "high");
        assert!(Risk::High > Risk::Low);
        let t = TurnRecord {
            id: "t".into(),
            session_id: "s".into(),
            status: TurnStatus::Completed,
            start_seq: Some(1),
            end_seq: Some(2),
            started_at: "x".into(),
            ended_at: None,
            final_text: Some("hi".into()),
            error: None,
        };
        assert!(t.is_completed() && t.has_ended());
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
