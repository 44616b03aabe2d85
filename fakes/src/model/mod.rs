//! A fake Responses API model server for the real `codex app-server`.
//!
//! Start it with [`start`], point codex at [`FakeModel::base_url`] using [`codex_overrides`]
//! (and a catalog from [`write_model_catalog`]), then drive codex; [`FakeModel::requests`] or
//! `GET /_fake/requests` return what codex sent.
//!
//! # Choosing the response
//!
//! Stateless, so it survives codex restarts and `thread/resume`: the scenario is the
//! `scenario:<name>` word in the newest real user message of `input` (messages whose text starts
//! with `<`, such as `<environment_context>`, are codex's own and skipped; no token → `default`).
//! The step index is the number of tool outputs (`function_call_output`, `custom_tool_call_output`,
//! `tool_search_output`, `mcp_tool_call_output`) after that message; response `step` of the
//! scenario is sent, and past the end a short "(fake: scenario finished)" text.
//!
//! # Built-in scenarios
//!
//! | token | responses |
//! |---|---|
//! | (none) | reasoning "Thinking about the request." + text `"You said: <text>"`, one delta per word; a message quoting a conversation between `<<<CONVERSATION` and `CONVERSATION>>>` (the shipped plugins' helper prompts) gets `"Now add tests for this: <the developer's last request>"` instead |
//! | `deltas=N` | exactly N deltas `"d0 "`, `"d1 "`, ... |
//! | `slow` | 100 deltas `"s0 "`... with 100 ms between them, whatever `delay_ms` is |
//! | `approval` | `exec_command` `echo approved-output` with `sandbox_permissions:"require_escalated"`; then "Command finished." |
//! | `patch` | `apply_patch` adding `hello.txt` (freeform tool, else `apply_patch <<'EOF'` via `exec_command`); then "Patch applied." |
//! | `outside_patch` | the same for the absolute path in a `path:<abs>` word; then "Patch applied." |
//! | `user_input` | `request_user_input` with one "color" question; then `"Got: <tool output>"` |
//! | `tool:<name>` | `function_call` `<name>` with `{"input":"<text without the token>","text":"<the same>"}`; then `"Tool said: <tool output>"` |
//! | `usage_limit=T[,sleep=MS]` | until Unix second `T`: (after MS ms) HTTP 429 `{"error":{"type":"usage_limit_reached","plan_type":"plus","resets_at":T,"resets_in_seconds":…}}` with `x-codex-primary-used-percent: 100`, `x-codex-primary-reset-at: T` (codex: a failed turn with codexErrorInfo `usageLimitExceeded`); from `T` on the default reply |
//! | `fail` | HTTP 500 with a JSON error body |
//! | `failed` | `response.failed` with code `server_error` |
//! | `disconnect` | `response.created`, then the connection drops mid-body |
//! | `sleep=MS` | `response.created`, MS ms of silence, then a short text |
//!
//! A script file (see [`Step`] and [`Script`]) adds scenarios or overrides built-ins by name, e.g.
//! `{"two": [[{"type":"reasoning","text":"hm"},{"type":"function_call","name":"exec_command","arguments":{"cmd":"ls"}}],
//! [{"type":"text","text":"done","chunks":2}]]}`.
//!
//! # Observed with codex 0.169.0 (beyond the reference notes)
//!
//! Checked by driving the real `codex app-server` against this server:
//! - Tool-call items need only `response.output_item.done`; no `output_item.added` or argument
//!   deltas. Text needs no `content_part.*`/`output_text.done` events.
//! - `response.failed` with code `server_error` ends the turn `failed` with codexErrorInfo `other`
//!   (`"stream disconnected before completion: <message>"`), not `internalServerError`;
//!   `context_length_exceeded` maps to `contextWindowExceeded`. HTTP 429 (with retries off) gives
//!   `responseTooManyFailedAttempts`.
//! - A call's `call_id` comes back verbatim in the `*_output`, so ids here are made unique per
//!   turn (`call_<scenario>_<user message index>_<step>_<output index>`).
//! - After `turn/interrupt`, the next request holds the interrupted user message plus a
//!   `<turn_aborted>` user message (skipped here), but not the partial assistant text.
//! - Reasoning items (even with `encrypted_content: null`) are replayed in later requests' `input`.
//! - A declined approval still asks the model again, with output
//!   `exec_command failed: ... rejected by user`; step 1 of `approval` is then sent anyway.

mod catalog;
mod http;
mod scenario;
mod server;
mod sse;

use std::path::PathBuf;

pub use catalog::{codex_overrides, write_model_catalog, MODEL_SLUG};
pub use scenario::{load_script, Script, Step, TurnView};
pub use server::{start, start_on, FakeModel, LoggedRequest, REQUESTS_PATH};

/// How the fake behaves.
#[derive(Debug, Clone, Default)]
pub struct FakeModelConfig {
    /// Pause after every SSE event; 0 for tests.
    pub delay_ms: u64,
    /// JSON script file with extra or overriding scenarios.
    pub script: Option<PathBuf>,
}

#[cfg(test)]
mod tests;
